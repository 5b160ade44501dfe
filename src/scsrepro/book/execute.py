"""Executing the stale chapters with papermill (step 3 of ``make book``).

:mod:`scsrepro.book.staleness` finds the chapters and decides which are
stale. :func:`execute_chapters` executes those, two at a time, in
``chapters/`` so relative paths behave as in Jupyter; volatile metadata is
removed and the notebook records the hashes of its inputs
(:func:`scsrepro.book.staleness.input_record`), so a second run gives the
same bytes, and the notebook is replaced only on success. A failing cell, a
kernel that dies and a source jupytext cannot read all stop the build with a
message naming the chapter and the cell (:func:`failure_message`).

:mod:`scsrepro.book.build` renders the book from the executed notebooks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import weakref
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager

from scsrepro.book.staleness import (
    RECORD_KEY,
    BuildError,
    Chapter,
    input_record,
    inputs_of,
    relative_name,
    stale_chapters,
)
from scsrepro.data import paths
from scsrepro.data.files import write_atomic

#: Metadata keys removed from executed notebooks because they change on every
#: run (timestamps and durations recorded by papermill and nbclient).
VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception")
VOLATILE_CELL_KEYS = ("papermill", "execution")


class SocketFileKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on Unix socket files instead of TCP ports.

    With TCP, jupyter_client picks free ports by binding to port 0 and
    releasing them for the kernel to take; in between, any other process
    (another kernel, a browser opening connections) can take the port, and
    the kernel dies before it starts ("Address already in use"). Socket
    files in a fresh private folder (short, so under the length limit of
    socket paths) cannot be taken by anyone else.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._socket_dir = tempfile.mkdtemp(prefix="scsk-")
        # removed when the manager goes away, also after a kernel that died
        weakref.finalize(self, shutil.rmtree, self._socket_dir, True)
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "k")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources  # the public name, as jupyter_client binds it


#: Folder whose ``sitecustomize`` records the files a chapter's kernel opens.
KERNEL_HOOKS = Path(__file__).resolve().parent / "_kernel"


# --------------------------------------------------------------------------- execution


def clean_notebook(nb) -> None:
    """Remove the timing metadata that papermill and nbclient add on every run."""
    pm = nb.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_KEYS:
        pm.pop(key, None)
    pm.pop("input_path", None)
    pm.pop("output_path", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)


def stable_cell_ids(nb) -> None:
    """Give cells ids derived from their content instead of random ones.

    nbformat assigns random cell ids when a notebook is created from the
    MyST source; deriving them from the cell's position and text keeps
    re-executions byte-identical and diffs of the notebooks small.
    """
    for i, cell in enumerate(nb.cells):
        digest = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:8]
        cell["id"] = f"{digest}-{i}"


def _kernel_environment(reads_log: Path, root: Path) -> None:
    """Make the kernels this worker starts record the project files they open."""
    os.environ["SCSREPRO_READS_LOG"] = str(reads_log)
    os.environ["SCSREPRO_ROOT"] = str(root)
    path = os.environ.get("PYTHONPATH", "")
    if str(KERNEL_HOOKS) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(KERNEL_HOOKS), path) if p)


def _reads(log: Path) -> list[str]:
    """The recorded reads, as sorted relative paths (each once)."""
    if not log.is_file():
        return []
    return sorted({line for line in log.read_text(encoding="utf-8").splitlines() if line})


def _execute(
    source: str, output: str, cwd: str, parameters: dict, position: int, root: str, fixed: list[str], data: str | None
) -> dict:
    """Run one chapter (in a worker process).

    Returns ``{"reads": [...]}`` (the project files the kernel opened) on
    success, or an error summary naming the cell: a failing cell, a kernel
    that died or timed out, or a source jupytext cannot read. The executed
    notebook records the hashes of *fixed* (source, lock, data file) and of
    the reads (:func:`input_record`; *data* names a data override).
    """
    try:
        nb = jupytext.read(source)
    except Exception as exc:  # jupytext raises several types for a broken source
        return {"cell": None, "count": None, "ename": type(exc).__name__, "evalue": f"cannot read the source: {exc}"}
    stable_cell_ids(nb)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    tmp_dir = Path(output).parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    started = [None]
    with tempfile.TemporaryDirectory(dir=tmp_dir, prefix=".exec-") as work:
        src_nb = Path(work) / "input.ipynb"
        out_nb = Path(work) / "output.ipynb"
        reads_log = Path(work) / "reads.txt"
        nbformat.write(nb, src_nb)
        _kernel_environment(reads_log, Path(root))
        failed = Path(output).with_name(Path(output).stem + ".failed.ipynb")
        try:
            pm.execute_notebook(
                str(src_nb),
                str(out_nb),
                parameters=parameters or None,
                cwd=cwd,
                kernel_name=nb.metadata["kernelspec"]["name"],
                progress_bar={"desc": Path(source).stem, "position": position, "leave": True},
                request_save_on_cell_execute=False,
                on_cell_start=lambda cell, cell_index: started.__setitem__(0, cell_index),
                kernel_manager_class=SocketFileKernelManager,
            )
        except pm.PapermillExecutionError as exc:
            if out_nb.is_file():
                shutil.copy(out_nb, failed)
            return {
                "cell": exc.cell_index,
                "count": exc.exec_count,
                "ename": exc.ename,
                "evalue": exc.evalue,
                "failed_copy": str(failed),
            }
        except Exception as exc:  # the kernel died, timed out or could not start
            return {"cell": started[0], "count": None, "ename": type(exc).__name__, "evalue": str(exc).strip()}
        executed = nbformat.read(out_nb, as_version=4)
        clean_notebook(executed)
        reads = _reads(reads_log)
        files = [Path(f) for f in fixed] + [Path(root) / r for r in reads]
        executed.metadata[RECORD_KEY] = input_record(files, Path(root), data)
        text = nbformat.writes(executed)
        write_atomic(Path(output), (text if text.endswith("\n") else text + "\n").encode("utf-8"))
        failed.unlink(missing_ok=True)  # an earlier failure's copy no longer describes the chapter
        return {"reads": reads}


def failure_message(chapter: Chapter, output: Path, err: dict) -> str:
    """The build's message for a chapter that failed: the chapter, the cell and the error."""
    cell = "before its first cell" if err.get("cell") is None else f"in cell {err['cell']}"
    count = f" (execution count {err['count']})" if err.get("count") is not None else ""
    where = (
        f"the partly executed notebook is in {paths.relative(Path(err['failed_copy']))}; "
        if err.get("failed_copy")
        else ""
    )
    return (
        f"chapter {paths.relative(chapter.source)} failed {cell}{count}: {err['ename']}: {err['evalue']}\n"
        f"  {where}{paths.relative(output)} was left unchanged"
    )


def execute_chapters(
    chapters: list[Chapter],
    out_dir: Path | None = None,
    data: Path | None = None,
    jobs: int = 2,
    force: bool = False,
    log=print,
    reasons: dict[str, str] | None = None,
) -> list[Chapter]:
    """Execute the stale chapters; return the ones that ran.

    Parameters
    ----------
    chapters : chapters from :func:`discover`.
    out_dir : where executed notebooks go; ``None`` means next to the source
        (the committed reference outputs). Runs on other data must pass a
        directory under ``_build/runs``.
    data : a data file to use instead of each chapter's default ``data_path``.
    jobs : how many chapters run at the same time.
    force : execute even if nothing changed.
    reasons : ``{chapter name: why it must run}`` when the caller has already
        decided (:func:`scsrepro.book.staleness.stale_chapters`); otherwise
        decided here.
    """
    if not chapters:
        return []
    root = chapters[0].root
    data_name = relative_name(data, root) if data else None
    if reasons is None:
        reasons = stale_chapters(chapters, out_dir, data, force)
    todo = []
    for ch in chapters:
        output = ch.output(out_dir)
        reason = reasons.get(ch.name)
        if reason is None:
            log(f"[book] {ch.name}: up to date")
            continue
        params = {}
        if data is not None:
            # Relative to the chapter folder (the kernel's working directory),
            # so no absolute path ends up in the executed notebook.
            params["data_path"] = os.path.relpath(data.resolve(), ch.source.parent)
        todo.append((ch, output, params, reason))

    ran: list[Chapter] = []
    errors: list[str] = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1))) as pool:
        futures = {}
        for position, (ch, output, params, reason) in enumerate(todo):
            log(f"[book] {ch.name}: executing ({reason})")
            fixed = [str(f) for f in inputs_of(ch, data)]
            fut = pool.submit(
                _execute,
                str(ch.source),
                str(output),
                str(ch.source.parent),
                params,
                position,
                str(root),
                fixed,
                data_name,
            )
            futures[fut] = (ch, output)
        for fut in as_completed(futures):
            ch, output = futures[fut]
            result = fut.result()
            if "reads" not in result:
                errors.append(failure_message(ch, output, result))
                continue
            ran.append(ch)
    if errors:
        raise BuildError("\n".join(errors))
    return ran
