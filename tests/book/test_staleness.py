"""scsrepro.book.staleness: discovery without jupytext, and what a notebook records.

The staleness tests that execute throw-away chapters are in test_build.py.
"""

from __future__ import annotations

import jupytext
import pytest

from scsrepro.book import staleness
from scsrepro.data.paths import ROOT

CHAPTERS = staleness.discover(ROOT)


def _jupytext_parameters(md) -> dict:
    nb = jupytext.read(md)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, {}, namespace)
    return namespace


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_the_light_parser_reads_the_parameters_jupytext_reads(chapter):
    assert chapter.parameters == _jupytext_parameters(chapter.source)


@pytest.mark.parametrize(
    "options",
    [":tags: [parameters]\n", "---\ntags: [parameters]\n---\n", ":tags: [hide-input, parameters]\n"],
    ids=["colon", "yaml block", "several tags"],
)
def test_both_option_syntaxes_are_read(tmp_path, options):
    md = tmp_path / "c.md"
    md.write_text(f"# C\n\n```{{code-cell}} ipython3\nx = 0\n```\n\n```{{code-cell}} ipython3\n{options}\nseed = 7\n```\n")
    assert staleness.parameters_of(md) == {"seed": 7}
    assert staleness.parameters_of(md) == _jupytext_parameters(md)


def test_a_chapter_without_parameters_is_an_error(tmp_path):
    md = tmp_path / "c.md"
    md.write_text("# C\n\n```{code-cell} ipython3\n:tags: [hide-input]\n\nx = 1\n```\n")
    with pytest.raises(staleness.BuildError, match="no code cell tagged 'parameters'"):
        staleness.parameters_of(md)


def test_the_record_names_files_relative_to_the_root_and_sorted(tmp_path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    outside = tmp_path.parent / "outside-data.csv"
    outside.write_text("x\n")
    record = staleness.input_record([tmp_path / "b.txt", tmp_path / "a.txt", outside], tmp_path, None)
    assert list(record["inputs"]) == ["a.txt", "b.txt", "outside-data.csv"]  # never an absolute path
    assert record["inputs"]["a.txt"] == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
