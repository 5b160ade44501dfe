"""A chapter opened in Jupyter runs top to bottom with its default parameters.

`make lab` opens the `.md` chapters as notebooks (jupytext) with the kernel
started in `chapters/`. This test does the same without a browser: it reads a
chapter's MyST source with jupytext and executes it with nbclient, with the
working directory set to `chapters/`.
"""

from __future__ import annotations

import jupytext
import pytest
from nbclient import NotebookClient

from scsrepro.book.staleness import discover
from scsrepro.data.paths import CHAPTERS, ROOT


@pytest.mark.build
@pytest.mark.parametrize("chapter", discover(ROOT)[:1], ids=lambda c: c.name)
def test_chapter_runs_from_the_chapters_folder(chapter):
    nb = jupytext.read(chapter.source)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(CHAPTERS)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
