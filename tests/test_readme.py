"""The README's replication-package sections say what the files say.

The seeds of "Controlled randomness" are where the README says they are, and
the README has the headings of the Social Science Data Editors' template.
(The generated list of tables and figures and the software versions are
checked in ``tests/book/test_manifest.py``.)
"""

from __future__ import annotations

import re

from scsrepro.data.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

TEMPLATE_HEADINGS = (
    "## Data availability and provenance",
    "### Statement about rights",
    "### Summary of availability",
    "### Details on each data source",
    "## Computational requirements",
    "### Software requirements",
    "### Controlled randomness",
    "### Memory, runtime and storage",
    "## Description of programs",
    "## Instructions to replicators",
    "## List of tables and figures",
    "## Licences",
)


def test_the_readme_follows_the_template_with_the_quick_start_first():
    positions = [README.index(h + "\n") for h in TEMPLATE_HEADINGS]
    assert positions == sorted(positions)
    assert README.index("## Quick start") < positions[0]


def _seed_rows() -> list[tuple[list[int], list[tuple[str, int]]]]:
    section = README.split("### Controlled randomness", 1)[1].split("\n### ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[\d, ]+", cells[0]):
            seeds = [int(x) for x in re.findall(r"\d+", cells[0])]
            places = [(f, int(n)) for f, n in re.findall(r"`([^`:]+):(\d+)`", cells[1])]
            rows.append((seeds, places))
    return rows


def test_every_seed_is_on_the_line_the_readme_names():
    rows = _seed_rows()
    assert len(rows) >= 5
    for seeds, places in rows:
        assert places, seeds
        for path, number in places:
            line = (ROOT / path).read_text(encoding="utf-8").splitlines()[number - 1]
            for seed in seeds:
                assert str(seed) in line, f"{path}:{number} does not hold seed {seed}: {line!r}"
