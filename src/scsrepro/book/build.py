"""Execute the chapters with papermill and render the book with Jupyter Book.

This is what ``make book`` runs. The steps are:

1. **Find the chapters** and 2. **decide what is stale**
   (:mod:`scsrepro.book.staleness`): a chapter is executed only when its
   notebook is missing or a hash its notebook records for an input (the
   source, the data file, the lock, every project file it read) differs from
   the file's current content. A fresh clone executes nothing.
3. **Execute** the stale chapters (:mod:`scsrepro.book.execute`) with
   papermill, two at a time, in ``chapters/`` so that relative paths behave
   as in Jupyter; a notebook is replaced only on success and a second run
   gives identical bytes.
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
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from scsrepro.book.artefacts import write_figures
from scsrepro.book.provenance import git_commit, pinned_versions, top_level_packages
from scsrepro.book.staleness import (
    BuildError,
    Chapter,
    data_file,
    discover,
    fingerprint,
    parameters_of,
    recorded_fingerprint,
    stale_chapters,
    toc_files,
    write_stamp,
)
from scsrepro.data import paths
from scsrepro.data.paths import file_sha256

#: Metadata keys removed from executed notebooks because they change on every
#: run (timestamps and durations recorded by papermill and nbclient).
# --------------------------------------------------------------------------- rendering

BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")


#: Pages written by the build itself rather than kept as sources.
GENERATED_PAGES = ("chapters/colophon", "chapters/verification")

#: The report of the last ``make verify`` in this copy (:mod:`scsrepro.book.verify`).
VERIFY_REPORT = Path("_build") / "verify" / "report.md"


def verification_page(root: Path) -> str:
    """The book's verification page: the last ``make verify`` report of this copy, or how to make one."""
    report = root / VERIFY_REPORT
    if report.is_file():
        return report.read_text(encoding="utf-8")
    return (
        "# Verification report\n\n"
        "No verification has been run in this copy of the compendium. `make verify` reruns "
        "everything from scratch in a temporary copy (the twin, every chapter, the reproduced "
        "tables, the scoreboard, the errata, a second seed and the R cross-checks), compares each "
        "artefact with the committed or recorded one and writes its report here; see the README, "
        '"Instructions to replicators".\n'
    )


def basis_rates(board_path: Path) -> str:
    """The scoreboard's pass rates by basis as a Markdown table ("" when *board_path* does not exist).

    Counted by :func:`scsrepro.paper.fidelity.summary` (errata left out),
    the same count as the appendix's.
    """
    if not board_path.is_file():
        return ""
    # Deferred: only a render needs the statistics stack (a no-op build starts at once).
    import pandas as pd  # noqa: PLC0415

    from scsrepro.paper import fidelity  # noqa: PLC0415

    summary = fidelity.summary(pd.read_csv(board_path, keep_default_na=False, na_values=[""]))
    rows = summary[summary["table"].eq("all") & summary["n_scored"].gt(0)]
    lines = [f"| {r.basis} | {int(r.n_pass)} | {int(r.n_scored)} |" for r in rows.itertuples()]
    return "| basis | pass | scored |\n|---|---|---|\n" + "\n".join(lines) + "\n"


def colophon(root: Path, data: Path | None = None, board_path: Path | None = None) -> str:
    """The colophon page: versions, commit, data checksum, build time and pass rates by basis.

    Written into the staging copy at render time (never committed), so it
    always describes the build that produced the HTML. A run on another data
    file (*data*) names that file and its checksum as well. *board_path* is
    the scoreboard of the build (``fidelity.csv``), summarised by
    :func:`basis_rates`.
    """

    top = top_level_packages(root)
    pins = pinned_versions(root)
    commit = git_commit(root)
    sha_file = root / "data" / "synthetic" / "twin.csv.sha256"
    checksum = sha_file.read_text().split()[0] if sha_file.is_file() else "not generated"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(f"| {name} | {pins.get(name, '?')} |" for name in top)
    rates = basis_rates(board_path) if board_path is not None else ""
    if rates:
        rates = (
            "\nPrinted numbers of the paper that the data of this build reproduce within their tolerance, "
            "by basis (what agreement can show; see the appendix):\n\n" + rates
        )
    return (
        "# Colophon\n\n"
        "This page is written by the build itself each time the book is rendered.\n\n"
        f"- **Built:** {now}\n"
        f"- **Git commit:** `{commit}`\n"
        f"- **Synthetic twin** (`data/synthetic/twin.csv`), sha256: `{checksum}`\n"
        + (f"- **Data of this run** (`{data.name}`), sha256: `{file_sha256(data)}`\n" if data is not None else "")
        + f"- **Python:** {sys.version.split()[0]}\n\n"
        "Top-level packages, at the versions pinned in `requirements.lock`:\n\n"
        "| package | version |\n|---|---|\n" + rows + "\n" + rates
    )


def stage_book(root: Path, notebooks: dict[str, Path], stage: Path) -> None:
    """Copy the book's sources into *stage*, with executed notebooks for chapters.

    Of the generated pages, the verification page (:func:`verification_page`)
    is written here, so a new report renders the book again; the colophon is
    written by :func:`render` after the fingerprint is taken, so that its
    changing build time does not force a new render.
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
        if doc == "chapters/verification":
            target.with_suffix(".md").write_text(verification_page(root), encoding="utf-8")
            continue
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


def run_jupyter_book(stage: Path, out: Path) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of the staged book *stage* into *out* (emptied first).

    HTML, nitpicky, warnings reported as errors but the whole book built
    (``-W -n --keep-going``); the output is captured, for the caller to read.
    """
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage), "--path-output", str(out)]
    cmd += ["--builder", "html", "-W", "-n", "--keep-going", "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True)


def replace_dir(new: Path, target: Path) -> None:
    """Move the folder *new* to *target*, replacing it; the old one is removed only after the move."""
    old = target.with_name(f".{target.name}-old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def preview(root: Path, name: str, log=print) -> Path:
    """Render one executed chapter in a small book of its own (``--preview NAME``).

    The book holds the introduction, ``chapters/NAME.ipynb``, the glossary
    and the references, with the project's configuration, its static files and Sphinx warnings as
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
        f"  - file: chapters/{name}\n  - file: chapters/glossary\n  - file: chapters/bibliography\n"
    )
    for page in ("index", "glossary", "bibliography"):
        shutil.copy2(root / "chapters" / f"{page}.md", stage / "chapters" / f"{page}.md")
    shutil.copytree(root / "chapters" / "_static", stage / "chapters" / "_static")
    shutil.copy2(nb, stage / "chapters" / f"{name}.ipynb")
    out = work / ".render"
    proc = run_jupyter_book(stage, out)
    # links to chapters that exist but are outside this small book are expected to break

    labels = {
        m for md in (root / "chapters").glob("*.md") for m in re.findall(r"^\(([\w-]+)\)=", md.read_text("utf-8"), re.M)
    }

    def expected(line: str) -> bool:
        if "index.md" in line:
            return True
        target = re.search(r"cross-reference target not found: '([\w-]+)'", line)
        if target is not None:
            return target.group(1) in labels
        m = re.search(r"unknown document: '(?:\.\./)?(?:chapters/)?([\w-]+)'", line)
        return m is not None and (root / "chapters" / f"{m.group(1)}.md").is_file()

    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "WARNING" in line and not expected(line)]
    if lines:
        raise BuildError("preview of " + name + " has Sphinx warnings:\n" + "\n".join(lines[-30:]))
    html = work / "html"
    replace_dir(out / "_build" / "html", html)
    log(f"[book] preview: {paths.relative(html / 'chapters' / (name + '.html'))}")
    return html


def book_fingerprint(stage: Path) -> str:
    files = sorted(p for p in stage.rglob("*") if p.is_file() and "_build" not in p.relative_to(stage).parts)
    return fingerprint(files, stage)


def render(
    root: Path, notebooks: dict[str, Path], html_out: Path, force: bool = False, log=print, data: Path | None = None
) -> bool:
    """Render the book into *html_out*; return False when it was already current (*data*: a run's other data file)."""
    work = html_out.parent
    stage = work / ".stage"
    stage_book(root, notebooks, stage)
    digest = book_fingerprint(stage)
    stamp = work / ".stamps" / f"{html_out.name}.json"
    if not force and (html_out / "index.html").is_file() and recorded_fingerprint(stamp) == digest:
        log(f"[book] {paths.relative(html_out)}: up to date")
        return False
    log(f"[book] rendering {paths.relative(html_out)} (Sphinx warnings are errors)")
    if "chapters/colophon" in toc_files(root):
        (stage / "chapters" / "colophon.md").write_text(colophon(root, data, work / "fidelity.csv"), encoding="utf-8")
    out = work / ".render"
    proc = run_jupyter_book(stage, out)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise BuildError(
            "Jupyter Book failed (warnings count as errors); the previous "
            f"{paths.relative(html_out)} was left in place.\n{tail}"
        )
    replace_dir(out / "_build" / "html", html_out)
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
    # Deferred: the statistics stack is imported only when the reports are out
    # of date, so that a build with nothing to do starts in well under a second.
    from scsrepro.data.schema import DataValidationError  # noqa: PLC0415
    from scsrepro.paper import audit, fidelity  # noqa: PLC0415

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


def execute_stale(
    chapters: list[Chapter],
    out_dir: Path | None = None,
    data: Path | None = None,
    jobs: int = 2,
    force: bool = False,
    log=print,
) -> None:
    """Execute the chapters that are stale (:func:`scsrepro.book.staleness.stale_chapters`), or all with *force*."""
    reasons = stale_chapters(chapters, out_dir, data, force)
    if not reasons:
        for ch in chapters:
            log(f"[book] {ch.name}: up to date")
        return
    # Deferred: jupytext and papermill take about a second to import, which a
    # build with nothing to execute should not pay.
    from scsrepro.book.execute import execute_chapters  # noqa: PLC0415

    execute_chapters(chapters, out_dir=out_dir, data=data, jobs=jobs, log=log, reasons=reasons)


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
        execute_stale(chapters, out_dir=nb_dir, data=data, jobs=jobs, force=force, log=log)
        notebooks = {c.name: nb_dir / f"{c.name}.ipynb" for c in chapters}
        html_out = run / "html"
        write_reports(root, data, run, force=force, log=log)
        write_figures(notebooks, run / "figures")
    else:
        execute_stale(chapters, data=None, jobs=jobs, force=force, log=log)
        notebooks = {c.name: c.notebook for c in chapters}
        html_out = root / "_build" / "html"
        default = data_file(chapters[0]) if chapters else None
        if default is not None:
            write_reports(root, default, root / "_build", force=force, log=log)
        write_figures(notebooks, root / "_build" / "figures")
    render(root, notebooks, html_out, force=force, log=log, data=data)
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
        "--reports-only",
        action="store_true",
        help="write the reproduced tables, the scoreboard and the errata under _build (always), nothing else",
    )
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
            execute_stale([Chapter(md.stem, md, paths.ROOT, parameters_of(md))], jobs=1, force=args.force)
            html = None
        elif args.reports_only:
            data = args.data.resolve() if args.data else data_file(discover(paths.ROOT)[0])
            if data is None:
                raise BuildError("no data file: the chapters name none and --data was not given")
            write_reports(paths.ROOT, data, paths.ROOT / "_build", force=True)
            html = None
        elif args.execute_only:
            execute_stale(discover(paths.ROOT), jobs=args.jobs, force=args.force)
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
