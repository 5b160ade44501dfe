"""The chapter pipeline: staleness, failures, and the book render.

These tests build a tiny throw-away book in a temporary folder so that they
can break chapters on purpose without touching the real ones; one test
renders the real book into a temporary folder with warnings as errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from scsrepro.book import build, execute, staleness
from scsrepro.data.paths import ROOT

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def _chapter(body: str) -> str:
    return HEADER + "\n# A chapter\n\n```{code-cell} ipython3\n:tags: [parameters]\n\ndata_path = \"../data.csv\"\nseed = 1\n```\n\n" + body


def _project(tmp_path: Path, body: str = "```{code-cell} ipython3\nprint(seed + 1)\n```\n") -> Path:
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "helper.py").write_text("X = 1\n")
    (root / "data.csv").write_text("a\n1\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: chapters/index\nchapters:\n  - file: chapters/one\n")
    (root / "_config.yml").write_text("title: t\nexecute:\n  execute_notebooks: 'off'\nonly_build_toc_files: true\n")
    (root / "references.bib").write_text("")
    (root / "chapters" / "index.md").write_text("# Index\n\nHello.\n")
    (root / "chapters" / "one.md").write_text(_chapter(body))
    return root


def _quiet(*args, **kwargs):
    pass


def test_discover_finds_only_jupytext_chapters(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    assert [c.name for c in chapters] == ["one"]
    assert chapters[0].parameters == {"data_path": "../data.csv", "seed": 1}


READS = (
    "```{code-cell} ipython3\nimport sys\nsys.path.insert(0, '../src')\nimport helper\n"
    "settings = open('../settings.yml').read()\nprint(seed + helper.X)\n```\n"
)


def test_execute_then_nothing_then_touch_then_change(tmp_path):
    root = _project(tmp_path, READS)
    (root / "settings.yml").write_text("a: 1\n")
    chapters = staleness.discover(root)
    ran = execute.execute_chapters(chapters, jobs=1, log=_quiet)
    assert [c.name for c in ran] == ["one"]
    nb = nbformat.read(root / "chapters" / "one.ipynb", as_version=4)
    assert nb.cells[-1].outputs[0]["text"].strip() == "2"
    assert "start_time" not in nb.metadata.get("papermill", {})
    assert all("papermill" not in c.metadata for c in nb.cells)
    first = (root / "chapters" / "one.ipynb").read_bytes()

    assert execute.execute_chapters(chapters, jobs=1, log=_quiet) == []

    future = time.time() + 5
    os.utime(root / "src" / "helper.py", (future, future))
    assert execute.execute_chapters(chapters, jobs=1, log=_quiet) == [], "touching without changing runs nothing"

    (root / "src" / "helper.py").write_text("X = 1 \n")  # one byte more, same behaviour
    ran = execute.execute_chapters(chapters, jobs=1, log=_quiet)
    assert [c.name for c in ran] == ["one"], "changing a module the chapter imports must re-execute it"
    second = (root / "chapters" / "one.ipynb").read_bytes()
    assert second != first  # the record holds the new hash of helper.py ...
    strip = lambda b: {k: v for k, v in json.loads(b).items() if k != "metadata"}  # noqa: E731
    assert strip(second) == strip(first), "... and everything else is identical"


def test_a_fresh_clone_executes_nothing(tmp_path):
    """The executed notebook carries the hashes of its inputs, so a copy of the project
    with new modification times and no _build folder is up to date."""
    root = _project(tmp_path, READS)
    (root / "settings.yml").write_text("a: 1\n")
    execute.execute_chapters(staleness.discover(root), jobs=1, log=_quiet)
    record = staleness.recorded_inputs(root / "chapters" / "one.ipynb")
    assert record["data"] is None
    assert {"chapters/one.md", "data.csv", "settings.yml", "src/helper.py"} <= set(record["inputs"])
    assert not any(name.startswith("/") for name in record["inputs"])  # no machine path
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, ignore=shutil.ignore_patterns("_build"))
    assert not (clone / "_build").exists()
    chapters = staleness.discover(clone)
    assert staleness.is_stale(chapters[0], chapters[0].notebook) is None
    assert execute.execute_chapters(chapters, jobs=1, log=_quiet) == []
    (clone / "data.csv").write_text("a\n3\n")
    assert staleness.is_stale(chapters[0], chapters[0].notebook) == "data.csv changed"


def test_a_notebook_without_a_record_is_executed(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    nb = nbformat.read(root / "chapters" / "one.ipynb", as_version=4)
    del nb.metadata[staleness.RECORD_KEY]
    nbformat.write(nb, root / "chapters" / "one.ipynb")
    assert staleness.is_stale(chapters[0], chapters[0].notebook) == "the notebook does not record its inputs"
    assert [c.name for c in execute.execute_chapters(chapters, jobs=1, log=_quiet)] == ["one"]


def test_staleness_follows_the_files_a_chapter_opened(tmp_path):
    """The notebook records what the kernel opened: a changed configuration file the
    chapter reads re-executes it (as data/models.yml does for the Models chapter);
    a changed file it never opened does not."""
    root = _project(tmp_path, READS)
    (root / "settings.yml").write_text("a: 1\n")
    (root / "src" / "unused.py").write_text("Y = 1\n")
    (root / "other.yml").write_text("b: 1\n")
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    reads = staleness.recorded_inputs(root / "chapters" / "one.ipynb")["inputs"]
    assert {"settings.yml", "src/helper.py"} <= set(reads)
    assert "src/unused.py" not in reads and "other.yml" not in reads
    (root / "other.yml").write_text("b: 2\n")
    (root / "src" / "unused.py").write_text("Y = 2\n")
    assert execute.execute_chapters(chapters, jobs=1, log=_quiet) == []
    (root / "settings.yml").write_text("a: 2\n")
    assert [c.name for c in execute.execute_chapters(chapters, jobs=1, log=_quiet)] == ["one"]


def test_a_dying_kernel_names_the_chapter_and_the_cell(tmp_path):
    root = _project(tmp_path, "```{code-cell} ipython3\nx = 1\n```\n\n```{code-cell} ipython3\nimport os\nos._exit(1)\n```\n")
    with pytest.raises(staleness.BuildError) as info:
        execute.execute_chapters(staleness.discover(root), jobs=1, log=_quiet)
    message = str(info.value)
    # cells are counted from 0 in the executed notebook, as in papermill's own message:
    # the heading, the parameters, x = 1, then the cell that kills the kernel
    assert "one.md" in message and "in cell 3" in message and "DeadKernelError" in message
    assert not (root / "chapters" / "one.ipynb").exists()


def test_an_unreadable_source_names_the_chapter(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    (root / "chapters" / "one.md").write_text(HEADER.replace("kernelspec:", "kernelspec: [\n"))
    with pytest.raises(staleness.BuildError) as info:
        execute.execute_chapters(chapters, jobs=1, log=_quiet)
    assert "one.md" in str(info.value) and "cannot read the source" in str(info.value)


def test_changing_the_data_file_reexecutes(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    (root / "data.csv").write_text("a\n2\n")
    assert [c.name for c in execute.execute_chapters(chapters, jobs=1, log=_quiet)] == ["one"]


def test_failing_chapter_names_chapter_and_cell_and_keeps_old_notebook(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    good = (root / "chapters" / "one.ipynb").read_bytes()
    (root / "chapters" / "one.md").write_text(
        _chapter("```{code-cell} ipython3\nx = 1\n```\n\n```{code-cell} ipython3\nraise ValueError('broken on purpose')\n```\n")
    )
    chapters = staleness.discover(root)
    with pytest.raises(staleness.BuildError) as info:
        execute.execute_chapters(chapters, jobs=1, log=_quiet)
    message = str(info.value)
    assert "chapters/one.md" in message or "one.md" in message
    assert "cell" in message and "ValueError: broken on purpose" in message
    assert (root / "chapters" / "one.ipynb").read_bytes() == good
    failed = root / "chapters" / "one.failed.ipynb"
    assert failed.is_file()
    # once the chapter runs again, the old failure's copy goes
    (root / "chapters" / "one.md").write_text(_chapter("```{code-cell} ipython3\nprint(seed)\n```\n"))
    execute.execute_chapters(staleness.discover(root), jobs=1, log=_quiet)
    assert not failed.exists()


def test_other_data_never_touches_committed_notebooks(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    committed = (root / "chapters" / "one.ipynb").read_bytes()
    other = root / "other.csv"
    other.write_text("a\n3\n")
    out = root / "_build" / "runs" / "other" / "chapters"
    out.mkdir(parents=True)
    execute.execute_chapters(chapters, out_dir=out, data=other, jobs=1, log=_quiet)
    assert (root / "chapters" / "one.ipynb").read_bytes() == committed
    nb = nbformat.read(out / "one.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "other.csv" in injected[0].source
    assert str(tmp_path) not in injected[0].source, "no absolute path in executed notebooks"


@pytest.mark.build
def test_render_failure_keeps_previous_html(tmp_path):
    root = _project(tmp_path)
    chapters = staleness.discover(root)
    execute.execute_chapters(chapters, jobs=1, log=_quiet)
    notebooks = {"one": root / "chapters" / "one.ipynb"}
    html = root / "_build" / "html"
    assert build.render(root, notebooks, html, log=_quiet) is True
    assert (html / "index.html").is_file()
    assert build.render(root, notebooks, html, log=_quiet) is False, "nothing changed: no re-render"
    marker = html / "marker.txt"
    marker.write_text("previous build")
    (root / "chapters" / "index.md").write_text("# Index\n\nSee {ref}`a-label-that-does-not-exist`.\n")
    with pytest.raises(staleness.BuildError, match="previous"):
        build.render(root, notebooks, html, log=_quiet)
    assert marker.read_text() == "previous build"


def test_the_committed_notebooks_are_up_to_date():
    """A fresh clone renders the committed notebooks without executing any: each
    records the hashes of its inputs, and they equal the files of this checkout.
    (After a change to a chapter or to a file it reads, run `make book` and
    commit the re-executed notebooks.)"""
    stale = {ch.name: staleness.is_stale(ch, ch.notebook) for ch in staleness.discover(ROOT)}
    assert stale and not {k: v for k, v in stale.items() if v}, stale


def test_the_colophon_reports_pass_rates_by_basis(tmp_path):
    board = tmp_path / "fidelity.csv"
    board.write_text(
        "table,role,basis,status,distance,tolerance,stars_agree\n"
        "table_2,target,calibrated,pass,0.1,1,\n"
        "table_2,target,calibrated,fail,2.0,1,\n"
        "table_3,held_out,held_out,pass,0.5,1,\n"
        "table_3,erratum,held_out,n/a,,1,\n"
        "table_a1,target,arithmetic,pass,0,0,\n"
        "prose,target,context,n/a,,,\n"
    )
    page = build.colophon(ROOT, None, board)
    assert "| calibrated | 1 | 2 |" in page and "| held_out | 1 | 1 |" in page and "| arithmetic | 1 | 1 |" in page
    assert "context |" not in page  # never scored
    assert "by basis" not in build.colophon(ROOT, None, tmp_path / "missing.csv")


def test_the_builds_kernels_listen_on_socket_files_that_are_removed_afterwards():
    """No TCP ports: a port picked for a kernel cannot be taken by another process before the kernel binds it."""
    km = execute.SocketFileKernelManager(kernel_name="python3")
    folder = Path(km.ip).parent
    assert km.transport == "ipc" and folder.is_dir()
    asyncio.run(km.cleanup_resources())  # the async manager's cleanup is a coroutine
    assert not folder.exists()
