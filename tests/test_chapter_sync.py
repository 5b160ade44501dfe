"""Each chapter's MyST source and its committed executed notebook must agree.

The notebook is what nbval re-checks and what the book renders; the ``.md``
file is what people read and edit. If someone edits the source without
re-executing (``make book``), these tests fail.
"""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from scsrepro.book.staleness import discover
from scsrepro.data.paths import ROOT

CHAPTERS = discover(ROOT)


def _cells(nb):
    return [
        (c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])))
        for c in nb.cells
        if "injected-parameters" not in c.metadata.get("tags", [])
    ]


def test_there_are_executable_chapters():
    assert CHAPTERS, "no executable chapter found through _toc.yml"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_notebook_exists(chapter):
    assert chapter.notebook.is_file(), f"{chapter.notebook.name} missing: run `make book`"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_md_and_ipynb_have_the_same_cells(chapter):
    source = jupytext.read(chapter.source)
    executed = nbformat.read(chapter.notebook, as_version=4)
    a, b = _cells(source), _cells(executed)
    assert len(a) == len(b), f"{chapter.name}: {len(a)} cells in .md, {len(b)} in .ipynb: run `make book`"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{chapter.name}: cell {i} differs between .md and .ipynb: run `make book`"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_notebook_was_executed_completely(chapter):
    nb = nbformat.read(chapter.notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert all(isinstance(n, int) for n in counts), f"{chapter.name}: unexecuted code cells"
    assert counts == list(range(1, len(code) + 1)), f"{chapter.name}: cells were not run top to bottom once"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{chapter.name}: the committed notebook contains an error output"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_chapter_has_data_and_seed_parameters(chapter):
    assert {"data_path", "seed"} <= set(chapter.parameters), f"{chapter.name}: parameters cell lacks data_path/seed"
