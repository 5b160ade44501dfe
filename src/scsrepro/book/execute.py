"""Finding, fingerprinting and executing the book's chapters (steps 1-3 of ``make book``).

1. **Find the chapters** (:func:`discover`): every ``chapters/*.md`` listed
   in ``_toc.yml`` that carries a jupytext header with a kernelspec.
2. **Decide what is stale** (:func:`is_stale`): each executed notebook
   records, in its metadata under ``scsrepro``, the sha256 of every input
   that made it (:func:`input_record`): the chapter source, its data file,
   the lock and every project file the chapter's kernel opened -- recorded
   while it ran by an audit hook (``_kernel/sitecustomize.py``) -- so
   ``data/models.yml``, ``data/targets.yml``, the twin's parameters or a
   module of ``src/`` count exactly when the chapter reads them. A chapter
   is executed again only when its notebook is missing, has no record, or a
   recorded hash differs from the file's current content. Nothing depends on
   modification times or on the machine: a fresh clone, whose committed
   notebooks carry their records, executes nothing, and touching a file
   without changing it executes nothing.
3. **Execute** the stale chapters with papermill (:func:`execute_chapters`),
   two at a time, in ``chapters/`` so relative paths behave as in Jupyter;
   volatile metadata is removed, so a second run gives the same bytes, and
   the notebook is replaced only on success. A failing cell, a kernel that
   dies and a source jupytext cannot read all stop the build with a message
   naming the chapter and the cell (:func:`failure_message`).

:mod:`scsrepro.book.build` renders the book from the executed notebooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import yaml

from scsrepro.data import paths
from scsrepro.data.files import write_atomic

#: Metadata keys removed from executed notebooks because they change on every
#: run (timestamps and durations recorded by papermill and nbclient).
VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception")
VOLATILE_CELL_KEYS = ("papermill", "execution")

#: Files every chapter depends on besides its source, its data and the files
#: it was seen to open: the locked environment.
SHARED_INPUTS = ("requirements.lock",)

#: Key of the executed notebook's metadata that records the hashes of its inputs.
RECORD_KEY = "scsrepro"

#: Folder whose ``sitecustomize`` records the files a chapter's kernel opens.
KERNEL_HOOKS = Path(__file__).resolve().parent / "_kernel"


class BuildError(RuntimeError):
    """A chapter or the book failed to build; the message says where."""


@dataclass
class Chapter:
    """An executable chapter: its MyST source and the notebook it produces."""

    name: str
    source: Path
    root: Path
    parameters: dict = field(default_factory=dict)

    @property
    def notebook(self) -> Path:
        return self.source.with_suffix(".ipynb")


# --------------------------------------------------------------------------- discovery


def toc_files(root: Path) -> list[str]:
    """Return the document paths listed in ``_toc.yml``, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("chapters", "sections", "parts"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for key in ("chapters", "parts"):
        walk(toc.get(key, []))
    return found


def is_executable(md: Path) -> bool:
    """True when a MyST file has a jupytext header with a kernelspec."""
    text = md.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    header = text.split("---", 2)[1]
    meta = yaml.safe_load(header) or {}
    return "kernelspec" in meta and "jupytext" in meta


def parameters_of(md: Path) -> dict:
    """Read the default values of a chapter's ``parameters`` cell."""

    nb = jupytext.read(md)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            namespace: dict = {}
            exec(compile(cell.source, f"{md.name}:parameters", "exec"), {}, namespace)
            return {k: v for k, v in namespace.items() if not k.startswith("_")}
    raise BuildError(f"{paths.relative(md)} has no code cell tagged 'parameters'")


def discover(root: Path) -> list[Chapter]:
    """Return the executable chapters listed in the table of contents."""
    chapters = []
    for doc in toc_files(root):
        md = root / f"{doc}.md"
        if md.is_file() and is_executable(md):
            chapters.append(Chapter(md.stem, md, root, parameters_of(md)))
    return chapters


# --------------------------------------------------------------------------- staleness


def data_file(chapter: Chapter, override: Path | None = None) -> Path | None:
    """The data file a chapter reads (its ``data_path`` parameter)."""
    if override is not None:
        return override
    value = chapter.parameters.get("data_path")
    if not value:
        return None
    return (chapter.source.parent / value).resolve()


def inputs_of(chapter: Chapter, data: Path | None = None, reads: list[str] | None = None) -> list[Path]:
    """Every file whose change makes the chapter's notebook out of date.

    The chapter's source, its data file and the lock, and the project files
    the chapter opened when it was executed (*reads*, recorded by
    :func:`_execute` in the notebook, see :func:`input_record`): its modules
    of ``src/``, ``data/models.yml``, ``data/targets.yml``, the published
    numbers, the twin's parameters -- whatever it actually read.
    """
    root = chapter.root
    files = {chapter.source, *(root / name for name in SHARED_INPUTS)}
    files.update(root / r for r in reads or [])
    d = data_file(chapter, data)
    if d is not None:
        files.add(d)
    return sorted(files)


def fingerprint(files: list[Path], root: Path, extra: dict | None = None) -> str:
    """Content hash of *files* (and their paths) plus *extra* settings."""
    h = hashlib.sha256()
    for f in files:
        try:
            name = f.relative_to(root).as_posix()
        except ValueError:
            name = f.name
        h.update(name.encode())
        h.update(b"\0")
        h.update(f.read_bytes() if f.is_file() else b"\0missing\0")
        h.update(b"\0")
    h.update(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()


def recorded_fingerprint(stamp: Path) -> str | None:
    """The fingerprint a stamp file records, or None when there is no stamp.

    The up-to-date check of the rendered book and of the reports, which live
    under ``_build`` only (chapters record their inputs in the notebook:
    :func:`is_stale`).
    """
    return json.loads(stamp.read_text()).get("fingerprint") if stamp.is_file() else None


def write_stamp(stamp: Path, digest: str) -> None:
    """Record *digest* as the fingerprint of the inputs that made an output."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": digest}, indent=1))


def _name(path: Path, root: Path) -> str:
    """*path* relative to *root* (POSIX), or its bare name outside it: never an absolute path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def input_record(files: list[Path], root: Path, data: str | None) -> dict:
    """What an executed notebook records about its inputs (metadata key :data:`RECORD_KEY`).

    ``{"inputs": {relative path: sha256}, "data": name of the data file
    given instead of the chapter's own, or None}``; sorted, so that the same
    inputs give the same bytes on every machine.
    """
    return {"inputs": {_name(f, root): _sha256(f) for f in sorted(files)}, "data": data}


def recorded_inputs(output: Path) -> dict | None:
    """The input record of the executed notebook *output*, or None if it has none."""
    try:
        record = json.loads(output.read_text(encoding="utf-8")).get("metadata", {}).get(RECORD_KEY)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("inputs"), dict) else None


def is_stale(chapter: Chapter, output: Path, data: Path | None = None) -> str | None:
    """Why *chapter* must run again (a phrase for the log), or None when *output* is up to date.

    Up to date means: the notebook exists, records its inputs, was made from
    the same data override (*data*, ``None`` for the chapter's own), and
    every recorded input -- plus the source, the lock and the data file,
    which are always inputs -- has the recorded content now.
    """
    if not output.is_file():
        return "no executed notebook yet"
    record = recorded_inputs(output)
    if record is None:
        return "the notebook does not record its inputs"
    root = chapter.root
    if record.get("data") != (_name(data, root) if data else None):
        return "another data file"
    recorded = record["inputs"]
    for f in inputs_of(chapter, data):
        if _name(f, root) not in recorded:
            return f"{_name(f, root)} is not among the recorded inputs"
    for name, digest in recorded.items():
        path = root / name
        if _sha256(path) != digest:
            return f"{name} changed"
    return None


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
    """
    if not chapters:
        return []
    root = chapters[0].root
    data_name = _name(data, root) if data else None
    todo = []
    for ch in chapters:
        output = (out_dir / f"{ch.name}.ipynb") if out_dir else ch.notebook
        reason = "forced" if force else is_stale(ch, output, data)
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
