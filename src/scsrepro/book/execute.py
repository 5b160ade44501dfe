"""Finding, fingerprinting and executing the book's chapters (steps 1-3 of ``make book``).

1. **Find the chapters** (:func:`discover`): every ``chapters/*.md`` listed
   in ``_toc.yml`` that carries a jupytext header with a kernelspec.
2. **Decide what is stale** (:func:`is_stale`): a chapter is re-executed when
   its executed notebook is missing or the fingerprint of its inputs (the
   chapter source, ``src/``, the data file, the codebook, ``data/published/``
   and the lock) changed since the last execution, or an input is newer.
3. **Execute** the stale chapters with papermill (:func:`execute_chapters`),
   two at a time, in ``chapters/`` so relative paths behave as in Jupyter;
   volatile metadata is removed, so a second run gives the same bytes, and
   the notebook is replaced only on success.

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
#: Metadata keys removed from executed notebooks because they change on every
#: run (timestamps and durations recorded by papermill and nbclient).
VOLATILE_NOTEBOOK_KEYS = ("start_time", "end_time", "duration", "exception")
VOLATILE_CELL_KEYS = ("papermill", "execution")

#: Files outside the chapter itself that every chapter depends on.
SHARED_INPUT_GLOBS = (
    "src/**/*.py",
    "src/**/*.typed",
    "data/codebook.yml",
    "data/published/*.csv",
    "requirements.lock",
)


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


def inputs_of(chapter: Chapter, data: Path | None = None) -> list[Path]:
    """Every file whose change makes the chapter's notebook out of date."""
    files = {chapter.source}
    for pattern in SHARED_INPUT_GLOBS:
        files.update(p for p in chapter.root.glob(pattern) if "__pycache__" not in p.parts)
    d = data_file(chapter, data)
    if d is not None and d.is_file():
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
        h.update(f.read_bytes())
        h.update(b"\0")
    h.update(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()


def stamp_path(chapter: Chapter, run_dir: Path) -> Path:
    return run_dir / ".stamps" / f"{chapter.name}.json"


def recorded_fingerprint(stamp: Path) -> str | None:
    """The fingerprint a stamp file records, or None when there is no stamp.

    The build's one up-to-date check: chapters, the rendered book and the
    reports each compare this with the fingerprint of their current inputs.
    """
    return json.loads(stamp.read_text()).get("fingerprint") if stamp.is_file() else None


def write_stamp(stamp: Path, digest: str) -> None:
    """Record *digest* as the fingerprint of the inputs that made an output."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": digest}, indent=1))


def is_stale(chapter: Chapter, output: Path, stamp: Path, files: list[Path], digest: str) -> str | None:
    """Return why *chapter* must run again, or None when it is up to date."""
    if not output.is_file():
        return "no executed notebook yet"
    recorded = recorded_fingerprint(stamp)
    if recorded is None:
        return "first build on this machine"
    if recorded != digest:
        return "inputs changed"
    newest = max(f.stat().st_mtime for f in files)
    if newest > stamp.stat().st_mtime:
        return "an input was touched"
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


def _execute(source: str, output: str, cwd: str, parameters: dict, position: int) -> dict:
    """Run one chapter (in a worker process). Returns an error summary or {}."""

    nb = jupytext.read(source)
    stable_cell_ids(nb)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    tmp_dir = Path(output).parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_dir, prefix=".exec-") as work:
        src_nb = Path(work) / "input.ipynb"
        out_nb = Path(work) / "output.ipynb"
        nbformat.write(nb, src_nb)
        try:
            pm.execute_notebook(
                str(src_nb),
                str(out_nb),
                parameters=parameters or None,
                cwd=cwd,
                kernel_name=nb.metadata["kernelspec"]["name"],
                progress_bar={"desc": Path(source).stem, "position": position, "leave": True},
                request_save_on_cell_execute=False,
            )
        except pm.PapermillExecutionError as exc:
            failed = Path(output).with_name(Path(output).stem + ".failed.ipynb")
            if out_nb.is_file():
                shutil.copy(out_nb, failed)
            return {
                "cell": exc.cell_index,
                "count": exc.exec_count,
                "ename": exc.ename,
                "evalue": exc.evalue,
                "failed_copy": str(failed),
            }
        executed = nbformat.read(out_nb, as_version=4)
        clean_notebook(executed)
        text = nbformat.writes(executed)
        write_atomic(Path(output), (text if text.endswith("\n") else text + "\n").encode("utf-8"))
    return {}


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
    run_dir = (out_dir or (root / "_build")).resolve()
    todo = []
    for ch in chapters:
        output = (out_dir / f"{ch.name}.ipynb") if out_dir else ch.notebook
        files = inputs_of(ch, data)
        extra = {"data": paths.relative(data) if data else None}
        digest = fingerprint(files, root, extra)
        stamp = stamp_path(ch, run_dir)
        reason = "forced" if force else is_stale(ch, output, stamp, files, digest)
        if reason is None:
            log(f"[book] {ch.name}: up to date")
            continue
        params = {}
        if data is not None:
            # Relative to the chapter folder (the kernel's working directory),
            # so no absolute path ends up in the executed notebook.
            params["data_path"] = os.path.relpath(data.resolve(), ch.source.parent)
        todo.append((ch, output, stamp, digest, params, reason))

    ran: list[Chapter] = []
    errors: list[str] = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1))) as pool:
        futures = {}
        for position, (ch, output, stamp, digest, params, reason) in enumerate(todo):
            log(f"[book] {ch.name}: executing ({reason})")
            fut = pool.submit(_execute, str(ch.source), str(output), str(ch.source.parent), params, position)
            futures[fut] = (ch, output, stamp, digest)
        for fut in as_completed(futures):
            ch, output, stamp, digest = futures[fut]
            err = fut.result()
            if err:
                errors.append(
                    f"chapter {paths.relative(ch.source)} failed in cell {err['cell']} "
                    f"(execution count {err['count']}): {err['ename']}: {err['evalue']}\n"
                    f"  the partly executed notebook is in {paths.relative(Path(err['failed_copy']))}; "
                    f"{paths.relative(output)} was left unchanged"
                )
                continue
            write_stamp(stamp, digest)
            ran.append(ch)
    if errors:
        raise BuildError("\n".join(errors))
    return ran
