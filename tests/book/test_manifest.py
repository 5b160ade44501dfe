"""``codecheck.yml`` lists every table and figure of the paper, and the README's list is made from it.

That each listed file exists after a build is checked by
``tests/test_second_dataset.py`` (the whole book built on other data).
"""

from __future__ import annotations

import base64
import importlib
import json
import re

import pytest

from scsrepro.book import artefacts, manifest
from scsrepro.data.paths import ROOT


@pytest.fixture(scope="module")
def entries():
    return manifest.load_manifest()


def test_every_paper_table_and_figure_is_listed_once(entries):
    listed = [e["paper"] for e in entries if "paper" in e]
    assert len(listed) == len(set(listed))
    published = sorted(p.stem for p in (ROOT / "data" / "published").glob("table_*.csv"))
    number = re.compile(r"table_([a-z]?\d)")
    tables = {"Table " + number.match(s).group(1).upper() for s in published}
    figures = {f"Figure {n}" for n in range(1, 7)}  # the paper's Figures 1-6
    assert len(tables) == 9  # Tables 1-5 and A1-A4, one file each in data/published
    assert set(listed) == tables | figures


def test_each_function_exists_and_its_chapter_calls_it(entries):
    for e in entries:
        module, _, name = e["function"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), e["function"]
        chapter = ROOT / e["chapter"]
        assert chapter.is_file(), e["chapter"]
        source = chapter.read_text(encoding="utf-8")
        via = "all_tables" if e["function"].startswith("scsrepro.paper.tables.") else name
        assert name in source or via in source, f"{e['chapter']} does not call {e['function']}"


def test_each_figure_is_a_named_figure_of_its_chapter(entries):
    for e in entries:
        if e["file"].startswith("_build/figures/"):
            notebook = ROOT / e["chapter"].replace(".md", ".ipynb")
            name = e["file"].removeprefix("_build/figures/").removesuffix(".png")
            assert name in artefacts.figure_outputs(notebook), e["file"]


def test_the_readme_list_is_generated_from_the_manifest(entries):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert manifest.generated_readme(readme, entries) == readme, "run python -m scsrepro.book.manifest"
    assert "`_build/tables/table_4.csv`" in readme and "| statsmodels |" in readme


def test_an_entry_without_a_function_is_refused(tmp_path):
    bad = tmp_path / "codecheck.yml"
    bad.write_text("manifest:\n  - file: x.csv\n    chapter: chapters/models.md\n    comment: c\n")
    with pytest.raises(ValueError, match="entry 0 .x.csv. has no function"):
        manifest.load_manifest(bad)


def test_a_figure_without_a_name_is_refused(tmp_path):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": "",
                     "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}]}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="cell 0 shows a figure without a name"):
        artefacts.figure_outputs(path)
    nb["cells"][0]["metadata"] = {"mystnb": {"figure": {"name": "fig-x"}}}
    path.write_text(json.dumps(nb))
    out = tmp_path / "figures"
    assert artefacts.write_figures({"x": path}, out) == [out / "fig-x.png"]
    assert (out / "fig-x.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
