"""Execute the chapters with papermill and render the book with Jupyter Book.

This is what ``make book`` runs. The steps are:

1. **Find the chapters.** Every ``chapters/*.md`` listed in ``_toc.yml`` that
   carries a jupytext header with a kernelspec is an executable chapter; other
   pages are plain MyST and are rendered as they are.
2. **Decide what is stale.** A chapter is re-executed when its executed
   notebook is missing, or when the fingerprint of its inputs changed since the
   last execution on this machine (content hash of the chapter source, every
   file under ``src/``, the data file, the codebook, ``data/published/`` and
   the lock), or when one of those inputs is newer than the last execution
   (so ``touch src/...`` forces a rerun, as it would with ``make``).
3. **Execute** the stale chapters with papermill, two at a time, with
   papermill's progress bar. Each run happens in ``chapters/`` so that the
   chapters' relative paths behave exactly as in Jupyter. The output goes to a
   temporary file and replaces ``chapters/<name>.ipynb`` only on success; the
   volatile metadata papermill adds (timestamps, durations) is removed so that
   a second build gives byte-identical notebooks.
4. **Render** the book from a staging copy (``_build/.stage``) that holds the
   executed notebooks instead of the ``.md`` sources, with Sphinx warnings as
   errors. The new HTML replaces ``_build/html`` only when the build succeeds,
   so a failing chapter or a broken page leaves the previous book in place.

A run on another data file (``make book DATA=path``) never writes into
``chapters/``: its notebooks and its book go to ``_build/runs/<name>/`` so the
committed reference outputs stay untouched.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import yaml

from scsrepro.data import paths
from scsrepro.data.files import write_atomic
from scsrepro.data.schema import DataValidationError
from scsrepro.paper import audit, fidelity

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


# --------------------------------------------------------------------------- rendering

BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")


#: Pages written by the build itself rather than kept as sources.
GENERATED_PAGES = ("chapters/colophon",)


def colophon(root: Path) -> str:
    """The colophon page: versions, commit, data checksum and build time.

    Written into the staging copy at render time (never committed), so it
    always describes the build that produced the HTML.
    """

    top = []
    for line in (root / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            top.append(re.split(r"[<>=!~ \[]", line)[0].lower())
    pins = {}
    for line in (root / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    sha_file = root / "data" / "synthetic" / "twin.csv.sha256"
    checksum = sha_file.read_text().split()[0] if sha_file.is_file() else "not generated"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(f"| {name} | {pins.get(name, '?')} |" for name in top)
    return (
        "# Colophon\n\n"
        "This page is written by the build itself each time the book is rendered.\n\n"
        f"- **Built:** {now}\n"
        f"- **Git commit:** `{commit}`\n"
        f"- **Synthetic twin** (`data/synthetic/twin.csv`), sha256: `{checksum}`\n"
        f"- **Python:** {sys.version.split()[0]}\n\n"
        "Top-level packages, at the versions pinned in `requirements.lock`:\n\n"
        "| package | version |\n|---|---|\n" + rows + "\n"
    )


def stage_book(root: Path, notebooks: dict[str, Path], stage: Path) -> None:
    """Copy the book's sources into *stage*, with executed notebooks for chapters.

    Generated pages (the colophon) are left out here and written by
    :func:`render` after the fingerprint is taken, so that their changing
    build time does not force a new render.
    """
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(root / name, stage / name)
    for doc in toc_files(root):
        md = root / f"{doc}.md"
        target = stage / doc
        target.parent.mkdir(parents=True, exist_ok=True)
        if doc in GENERATED_PAGES:
            continue
        if md.stem in notebooks:
            shutil.copy2(notebooks[md.stem], target.with_suffix(".ipynb"))
        elif md.is_file():
            shutil.copy2(md, target.with_suffix(".md"))
        else:
            raise BuildError(f"_toc.yml lists {doc}, but {doc}.md does not exist")
    for folder in ("chapters/_static", "chapters/images"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, stage / folder)


def preview(root: Path, name: str, log=print) -> Path:
    """Render one executed chapter in a small book of its own (``--preview NAME``).

    The book holds the introduction, ``chapters/NAME.ipynb`` and the
    references, with the project's configuration and Sphinx warnings as
    errors. It lets a chapter be checked before it is added to ``_toc.yml``.
    The result goes to ``_build/preview/NAME/html``.
    """
    nb = root / "chapters" / f"{name}.ipynb"
    if not nb.is_file():
        raise BuildError(f"{paths.relative(nb)} does not exist: execute it first (--only {name})")
    work = root / "_build" / "preview" / name
    stage = work / ".stage"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "chapters").mkdir(parents=True)
    for fname in ("_config.yml", "references.bib"):
        shutil.copy2(root / fname, stage / fname)
    (stage / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/index\nchapters:\n"
        f"  - file: chapters/{name}\n  - file: chapters/bibliography\n"
    )
    for page in ("index", "bibliography"):
        shutil.copy2(root / "chapters" / f"{page}.md", stage / "chapters" / f"{page}.md")
    shutil.copy2(nb, stage / "chapters" / f"{name}.ipynb")
    out = work / ".render"
    if out.exists():
        shutil.rmtree(out)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(stage),
        "--path-output",
        str(out),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
        "--quiet",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    # links to chapters that exist but are outside this small book are expected to break

    def expected(line: str) -> bool:
        if "index.md" in line:
            return True
        m = re.search(r"unknown document: '(?:\.\./)?(?:chapters/)?([\w-]+)'", line)
        return m is not None and (root / "chapters" / f"{m.group(1)}.md").is_file()

    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "WARNING" in line and not expected(line)]
    if lines:
        raise BuildError("preview of " + name + " has Sphinx warnings:\n" + "\n".join(lines[-30:]))
    html = work / "html"
    if html.exists():
        shutil.rmtree(html)
    (out / "_build" / "html").rename(html)
    log(f"[book] preview: {paths.relative(html / 'chapters' / (name + '.html'))}")
    return html


def book_fingerprint(stage: Path) -> str:
    files = sorted(p for p in stage.rglob("*") if p.is_file() and "_build" not in p.relative_to(stage).parts)
    return fingerprint(files, stage)


def render(root: Path, notebooks: dict[str, Path], html_out: Path, force: bool = False, log=print) -> bool:
    """Render the book into *html_out*; return False when it was already current."""
    work = html_out.parent
    stage = work / ".stage"
    stage_book(root, notebooks, stage)
    digest = book_fingerprint(stage)
    stamp = work / ".stamps" / f"{html_out.name}.json"
    if not force and (html_out / "index.html").is_file() and recorded_fingerprint(stamp) == digest:
        log(f"[book] {paths.relative(html_out)}: up to date")
        return False
    log(f"[book] rendering {paths.relative(html_out)} (Sphinx warnings are errors)")
    for doc in GENERATED_PAGES:
        if doc in toc_files(root):
            (stage / f"{doc}.md").write_text(colophon(root), encoding="utf-8")
    out = work / ".render"
    if out.exists():
        shutil.rmtree(out)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(stage),
        "--path-output",
        str(out),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
        "--quiet",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise BuildError(
            "Jupyter Book failed (warnings count as errors); the previous "
            f"{paths.relative(html_out)} was left in place.\n{tail}"
        )
    new_html = out / "_build" / "html"
    old = work / ".html-old"
    if old.exists():
        shutil.rmtree(old)
    if html_out.exists():
        html_out.rename(old)
    new_html.rename(html_out)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    write_stamp(stamp, digest)
    return True


# --------------------------------------------------------------------------- reproduced tables

REPORT_INPUT_GLOBS = ("src/**/*.py", "data/*.yml", "data/published/*.csv", "requirements.lock")


def write_reports(root: Path, data: Path, out_dir: Path, force: bool = False, log=print) -> bool:
    """Write every reproduced table, the fidelity scoreboard and the errata list.

    ``out_dir/tables/<table>.csv`` (one file per published table),
    ``out_dir/fidelity.csv`` and ``out_dir/tables/errata.csv``. Skipped when
    neither the data nor the code changed since the last run.
    """
    if not data.is_file():
        log(f"[book] {paths.relative(data)} does not exist yet: no reproduced tables or scoreboard")
        return False
    files = sorted({p for g in REPORT_INPUT_GLOBS for p in root.glob(g) if "__pycache__" not in p.parts} | {data})
    digest = fingerprint(files, root, {"data": paths.relative(data)})
    stamp = out_dir / ".stamps" / "reports.json"
    board_path = out_dir / "fidelity.csv"
    if not force and board_path.is_file() and recorded_fingerprint(stamp) == digest:
        log(f"[book] {paths.relative(board_path)}: up to date")
        return False

    log(f"[book] computing the reproduced tables and the scoreboard from {paths.relative(data)}")
    try:
        written, _, board = fidelity.write_reports(data, out_dir / "tables", board_path)
    except DataValidationError as exc:
        raise BuildError(f"the scoreboard could not be computed from {paths.relative(data)}:\n{exc}") from exc
    log(
        f"wrote {len(written)} tables to {paths.relative(out_dir / 'tables')} and the scoreboard to {paths.relative(board_path)}"
    )
    log(fidelity.summary_text(board))
    audit.write_errata(out_dir / "tables" / "errata.csv")
    write_stamp(stamp, digest)
    return True


# --------------------------------------------------------------------------- entry point


def build(root: Path = paths.ROOT, data: Path | None = None, jobs: int = 2, force: bool = False, log=print) -> Path:
    """Execute stale chapters and render the book; return the HTML folder."""
    chapters = discover(root)
    if data is not None:
        data = data.resolve()
        if not data.is_file():
            raise BuildError(f"DATA={data.name}: no such file")
        run = root / "_build" / "runs" / data.stem
        nb_dir = run / "chapters"
        nb_dir.mkdir(parents=True, exist_ok=True)
        execute_chapters(chapters, out_dir=nb_dir, data=data, jobs=jobs, force=force, log=log)
        notebooks = {c.name: nb_dir / f"{c.name}.ipynb" for c in chapters}
        html_out = run / "html"
        write_reports(root, data, run, force=force, log=log)
    else:
        execute_chapters(chapters, data=None, jobs=jobs, force=force, log=log)
        notebooks = {c.name: c.notebook for c in chapters}
        html_out = root / "_build" / "html"
        default = data_file(chapters[0]) if chapters else None
        if default is not None:
            write_reports(root, default, root / "_build", force=force, log=log)
    render(root, notebooks, html_out, force=force, log=log)
    return html_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.book.build", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=None, help="run the chapters on this data file instead of the default"
    )
    parser.add_argument("--jobs", type=int, default=2, help="chapters executed at the same time (default 2)")
    parser.add_argument("--force", action="store_true", help="execute and render even if nothing changed")
    parser.add_argument("--execute-only", action="store_true", help="execute stale chapters, do not render")
    parser.add_argument(
        "--preview",
        metavar="NAME",
        default=None,
        help="render the executed chapters/NAME.ipynb alone, with warnings as errors",
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        default=None,
        help="execute just chapters/NAME.md (even if _toc.yml does not list it yet); implies --execute-only",
    )
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        if args.preview:
            preview(paths.ROOT, args.preview)
            html = None
        elif args.only:
            md = paths.CHAPTERS / f"{args.only}.md"
            if not md.is_file():
                raise BuildError(f"no chapter {paths.relative(md)}")
            execute_chapters([Chapter(md.stem, md, paths.ROOT, parameters_of(md))], jobs=1, force=args.force)
            html = None
        elif args.execute_only:
            execute_chapters(discover(paths.ROOT), jobs=args.jobs, force=args.force)
            html = None
        else:
            html = build(paths.ROOT, data=args.data, jobs=args.jobs, force=args.force)
    except BuildError as exc:
        print(f"[book] FAILED: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - start
    if html is not None:
        print(f"[book] done in {took:.1f} s: {paths.relative(html / 'index.html')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
