"""``make verify``: rerun everything from scratch and say what matched.

This is the reviewer's one command. It copies the compendium's tracked files
into a temporary folder (so nothing in the working copy is touched), and
there, with the copy's own code first on ``PYTHONPATH``:

1. **twin**: deletes the committed twin and regenerates it as ``make data``
   does; ``twin.csv``, its checksum file and its README must equal the
   committed files byte for byte;
2. **chapters**: deletes the executed notebooks and executes every chapter
   as ``make book`` does; each notebook must equal the committed one byte
   for byte or, failing that, show the same outputs once the volatile fields
   that nbval sanitises (``nbval-sanitize.cfg``) are masked; each named
   figure (:mod:`scsrepro.book.artefacts`) must have the same PNG bytes;
3. **reports**: recomputes ``_build/tables/*.csv``, ``_build/fidelity.csv``
   and ``_build/tables/errata.csv`` from the regenerated twin; each must have
   the sha256 recorded in :data:`EXPECTED` (``data/verify/expected.csv``,
   which ``make test`` keeps current);
4. **ensemble**: redraws and re-scores a sample of the draws of
   ``data/synthetic/ensemble.csv`` (``make ensemble``): the first two draws
   besides the committed one by default (in parallel), every draw with ``SEEDS=all``, or
   the seeds listed; each draw's rows (its checksum and every statistic)
   must equal the committed rows;
5. **kernels**: runs the checks marked ``verify`` in ``tests/`` (the twin's
   decisions under other BLAS kernels and SIMD levels), each a pass or fail;
6. **R**: when ``Rscript`` is installed, remakes the R reference fixtures of
   ``tests/fixtures`` (``make fixtures``); each must equal the committed
   file. Without R the step is listed as "skipped: R not installed".

It writes ``_build/verify/report.md`` (shown in the book as the verification
page) and ``_build/verify/report.json``: every artefact with its expected
and obtained hash, the result and the time its step took, plus the machine,
the Python and package versions and the commit. The last line printed is
``verify: N artefacts, M matched, K differ`` (skipped artefacts are not
counted); the exit status is 1 when K > 0.

``python -m scsrepro.book.verify --record`` writes :data:`EXPECTED` from a run
instead of checking against it (after a change that moves the reports).
"""

from __future__ import annotations

import argparse
import configparser
import csv
import datetime
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from scsrepro.book.artefacts import figure_outputs
from scsrepro.book.provenance import git_commit, installed_version, machine, top_level_packages
from scsrepro.data import paths
from scsrepro.data.files import write_all_atomic
from scsrepro.data.paths import file_sha256

#: Recorded sha256 of every report artefact (step 3): ``artefact,sha256``.
EXPECTED = Path("data") / "verify" / "expected.csv"
#: The committed ensemble of twins (``make ensemble``).
ENSEMBLE = Path("data") / "synthetic" / "ensemble.csv"
#: Where the report goes, relative to the project root.
REPORT_DIR = Path("_build") / "verify"
#: Folders never copied into the temporary copy (when it is not made from git).
NOT_COPIED = (".git", ".venv", "_build", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".benchmarks")
#: The twin's files that ``make data`` writes.
TWIN_FILES = ("twin.csv", "twin.csv.sha256", "README.md")
#: Files of tests/fixtures that the R step remakes (inputs and R's answers).
FIXTURE_SUFFIXES = (".csv", ".txt")

#: The one list of fixture commands (`make fixtures` runs it too), with its `# R libraries:` line.
FIXTURE_SCRIPT = "tests/make_fixtures.sh"


@dataclass
class Artefact:
    """One compared artefact: what was expected, what was obtained, and whether they match."""

    step: str
    name: str
    expected: str
    obtained: str
    result: str  # "match", "differ" or "skipped"
    seconds: float
    note: str = ""


# --------------------------------------------------------------------------- helpers


def compare_files(step: str, pairs: Sequence[tuple[str, Path, Path]], seconds: float) -> list[Artefact]:
    """Byte comparison of (name, expected file, obtained file) pairs."""
    out = []
    for name, want, got in pairs:
        e, o = file_sha256(want), file_sha256(got)
        out.append(Artefact(step, name, e, o, "match" if e == o != "missing" else "differ", seconds))
    return out


def copy_project(root: Path, dest: Path) -> None:
    """Copy the files of *root* that git does not ignore (all but build products when it is not a git checkout)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True
    )
    if listed.returncode == 0 and listed.stdout:
        for rel in listed.stdout.decode().split("\0"):
            if rel and (root / rel).is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, dest / rel)
        return
    shutil.copytree(root, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_COPIED))


def environment(copy: Path) -> dict[str, str]:
    """The environment of the copy's commands: its own code first, one BLAS thread, no bytecode."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "src"), *filter(None, [env.get("PYTHONPATH")])])
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def run(copy: Path, command: Sequence[str], log: Callable[[str], None]) -> subprocess.CompletedProcess:
    """Run *command* in *copy*; a failure is reported by the caller, with the output's tail."""
    proc = subprocess.run(list(command), cwd=copy, env=environment(copy), capture_output=True, text=True)
    if proc.returncode != 0:
        log(f"[verify] `{' '.join(command)}` failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc


def sanitisers(root: Path) -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of ``nbval-sanitize.cfg``, the fields nbval masks."""
    cfg = configparser.ConfigParser()
    cfg.read(root / "nbval-sanitize.cfg", encoding="utf-8")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def sanitised_outputs(path: Path, rules: list[tuple[re.Pattern, str]]) -> str:
    """Every cell's outputs as JSON with nbval's sanitisers applied (execution counts left out)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    shown = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            keep = {k: out[k] for k in ("output_type", "name", "text", "data", "ename", "evalue") if k in out}
            text = json.dumps(keep, sort_keys=True)
            for pattern, replacement in rules:
                text = pattern.sub(replacement, text)
            shown.append(text)
    return "\n".join(shown)


def read_expected(root: Path) -> dict[str, str]:
    path = root / EXPECTED
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split(",", 1) for line in lines if line)


# --------------------------------------------------------------------------- steps


def step_twin(root: Path, copy: Path, log) -> list[Artefact]:
    synthetic = copy / "data" / "synthetic"
    for name in TWIN_FILES:
        (synthetic / name).unlink(missing_ok=True)
    start = time.monotonic()
    run(copy, [sys.executable, "-m", "scsrepro.twin.covariates"], log)
    took = time.monotonic() - start
    pairs = [(f"data/synthetic/{n}", root / "data" / "synthetic" / n, synthetic / n) for n in TWIN_FILES]
    return compare_files("twin", pairs, took)


def step_chapters(root: Path, copy: Path, log, jobs: int = 2) -> list[Artefact]:
    for nb in (copy / "chapters").glob("*.ipynb"):
        nb.unlink()
    start = time.monotonic()
    run(copy, [sys.executable, "-m", "scsrepro.book.build", "--execute-only", "--jobs", str(jobs)], log)
    took = time.monotonic() - start
    rules = sanitisers(root)
    out = []
    for want in sorted((root / "chapters").glob("*.ipynb")):
        got = copy / "chapters" / want.name
        e, o = file_sha256(want), file_sha256(got)
        if e == o:
            result, note = "match", ""
        elif got.is_file() and sanitised_outputs(want, rules) == sanitised_outputs(got, rules):
            result, note = "match", "same outputs once nbval's sanitisers are applied; the bytes differ"
        else:
            result, note = "differ", "" if got.is_file() else "not executed"
        out.append(Artefact("chapters", f"chapters/{want.name}", e, o, result, took, note))
        out += compare_figures(want, got, took)
    return out


def compare_figures(want: Path, got: Path, seconds: float) -> list[Artefact]:
    """Each named figure of the committed notebook *want* against the same figure of *got* (PNG bytes)."""
    expected = figure_outputs(want)
    obtained = figure_outputs(got) if got.is_file() else {}
    out = []
    for name, png in expected.items():
        e = hashlib.sha256(png).hexdigest()
        o = hashlib.sha256(obtained[name]).hexdigest() if name in obtained else "missing"
        out.append(Artefact("chapters", f"_build/figures/{name}.png", e, o, "match" if e == o else "differ", seconds))
    return out


def step_reports(root: Path, copy: Path, log) -> list[Artefact]:
    start = time.monotonic()
    run(copy, [sys.executable, "-m", "scsrepro.book.build", "--reports-only"], log)
    return compare_reports(root, copy, time.monotonic() - start)


def compare_reports(root: Path, copy: Path, seconds: float = 0.0) -> list[Artefact]:
    """The reports under ``copy/_build`` against the hashes recorded in *root*'s :data:`EXPECTED`."""
    expected = read_expected(root)
    produced = {p.relative_to(copy).as_posix(): p for p in report_files(copy)}
    out = []
    for name in sorted(set(expected) | set(produced)):
        e = expected.get(name, "not recorded")
        o = file_sha256(produced[name]) if name in produced else "missing"
        out.append(Artefact("reports", name, e, o, "match" if e == o else "differ", seconds))
    return out


def report_files(base: Path) -> list[Path]:
    """The reproduced tables, the scoreboard and the errata under ``base/_build``."""
    build = base / "_build"
    return sorted((build / "tables").glob("*.csv")) + [build / "fidelity.csv"]


def draw_rows(path: Path) -> dict[int, list[str]]:
    """The lines of an ``ensemble.csv``-style file by seed ({} when it does not exist)."""
    if not path.is_file():
        return {}
    out: dict[int, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line:
            out.setdefault(int(line.split(",", 1)[0]), []).append(line)
    return out


def seeds_to_check(root: Path, which: str) -> list[int]:
    """Draws of ``ensemble.csv`` to redraw: the first two besides the committed one (*which* empty), all (``all``) or those listed."""
    with (root / ENSEMBLE).open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["family"] == "draw" and r["key"] == "committed"]
    seeds = [int(r["seed"]) for r in rows]
    if which == "all":
        return seeds
    if which.strip():
        return [int(s) for s in which.replace(",", " ").split()]
    return [int(r["seed"]) for r in rows if float(r["value"]) != 1][:2]


def step_ensemble(root: Path, copy: Path, log, which: str = "", jobs: int = 2) -> list[Artefact]:
    seeds = seeds_to_check(root, which)
    out_file = copy / "_build" / "verify" / "ensemble.csv"
    start = time.monotonic()
    command = ["-m", "scsrepro.twin.ensemble", "--seeds", *map(str, seeds), "--jobs", str(jobs), "--no-progress"]
    run(copy, [sys.executable, *command, "--out", str(out_file)], log)
    took = time.monotonic() - start
    committed, obtained = draw_rows(root / ENSEMBLE), draw_rows(out_file)
    out = []
    for seed in seeds:
        want, got = committed.get(seed, ["not in ensemble.csv"]), obtained.get(seed, ["missing"])
        e, o = (hashlib.sha256("\n".join(x).encode()).hexdigest() for x in (want, got))
        out.append(Artefact("ensemble", f"ensemble.csv, draw {seed}", e, o, "match" if want == got else "differ", took))
    return out


def step_kernels(root: Path, copy: Path, log) -> list[Artefact]:
    junit = copy / "_build" / "verify" / "kernels.xml"
    start = time.monotonic()
    command = [sys.executable, "-m", "pytest", "tests", "-m", "verify", "-p", "no:cacheprovider", "-q"]
    run(copy, [*command, f"--junitxml={junit}"], log)
    took = time.monotonic() - start
    if not junit.is_file():
        return [Artefact("kernels", "checks marked verify", "pass", "not run", "differ", took)]
    out = []
    for case in ET.parse(junit).iter("testcase"):
        failed = any(child.tag in ("failure", "error") for child in case)
        skipped = any(child.tag == "skipped" for child in case)
        result = "skipped" if skipped else ("differ" if failed else "match")
        obtained = "skipped" if skipped else ("fail" if failed else "pass")
        name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        out.append(Artefact("kernels", name, "pass", obtained, result, took))
    return out


def r_libraries(root: Path) -> list[str]:
    """The R libraries the fixture scripts need (the ``# R libraries:`` line of ``tests/make_fixtures.sh``)."""
    text = (root / FIXTURE_SCRIPT).read_text(encoding="utf-8")
    match = re.search(r"^# R libraries: (.+)$", text, flags=re.M)
    return match.group(1).split() if match else []


def missing_r_libraries(libraries: Sequence[str]) -> list[str]:
    """Those of *libraries* that this machine's R cannot load."""
    missing = []
    for lib in libraries:
        probe = subprocess.run(["Rscript", "-e", f"suppressMessages(library({lib}))"], capture_output=True, text=True)
        if probe.returncode != 0:
            missing.append(lib)
    return missing


def _skipped_r(files: Sequence[Path], why: str) -> list[Artefact]:
    return [
        Artefact("R", f"tests/fixtures/{p.name}", file_sha256(p), "", "skipped", 0.0, f"skipped: {why}") for p in files
    ]


def step_r(root: Path, copy: Path, log) -> list[Artefact]:
    fixtures = root / "tests" / "fixtures"
    files = sorted(p for p in fixtures.iterdir() if p.suffix in FIXTURE_SUFFIXES)
    if shutil.which("Rscript") is None:
        log(f"[verify] R cross-checks skipped: R not installed (see {FIXTURE_SCRIPT} for the Debian packages)")
        return _skipped_r(files, "R not installed")
    missing = missing_r_libraries(r_libraries(root))
    if missing:
        why = f"R lacks {', '.join(missing)}"
        log(f"[verify] R cross-checks skipped: {why} (see {FIXTURE_SCRIPT} for the Debian packages)")
        return _skipped_r(files, why)
    for p in files:
        (copy / "tests" / "fixtures" / p.name).unlink(missing_ok=True)
    start = time.monotonic()
    # the one list of fixture commands, which `make fixtures` runs too
    run(copy, ["env", f"PYTHON={sys.executable}", "sh", FIXTURE_SCRIPT], log)
    took = time.monotonic() - start
    return compare_files(
        "R", [(f"tests/fixtures/{p.name}", p, copy / "tests" / "fixtures" / p.name) for p in files], took
    )


# --------------------------------------------------------------------------- report


def summary_line(artefacts: Sequence[Artefact]) -> str:
    counted = [a for a in artefacts if a.result != "skipped"]
    matched = sum(a.result == "match" for a in counted)
    return f"verify: {len(counted)} artefacts, {matched} matched, {len(counted) - matched} differ"


def describe(root: Path, seconds: float) -> dict:
    """The run's context: when, on what, with which code and packages."""
    return {
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(root),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "packages": {name: installed_version(name) for name in top_level_packages(root)},
        "r": r_version(),
    }


def r_version() -> str:
    if shutil.which("Rscript") is None:
        return "not installed"
    proc = subprocess.run(
        ["Rscript", "-e", 'cat(R.version.string, "; survey", as.character(packageVersion("survey")))'],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() or "unknown"


def report_markdown(artefacts: Sequence[Artefact], context: dict) -> str:
    steps: dict[str, float] = {}
    for a in artefacts:
        steps[a.step] = a.seconds
    m = context["machine"]
    lines = [
        "# Verification report",
        "",
        "Written by `make verify` (`scsrepro.book.verify`), which reran everything from scratch in a",
        "temporary copy and compared each artefact with the committed file or the recorded hash",
        "(`data/verify/expected.csv`). Hashes are sha256, shortened to 12 characters here; the full",
        "ones are in `_build/verify/report.json`.",
        "",
        f"**{summary_line(artefacts)}**",
        "",
        "## The run",
        "",
        f"- **Finished:** {context['finished']}, after {context['seconds']:.0f} s",
        f"- **Commit:** `{context['commit']}`",
        f"- **Machine:** {m['os']}, {m['architecture']}, {m['processor']}, {m['cpus']} CPUs, {m['memory']}",
        f"- **Python:** {m['python']}; **R:** {context['r']}",
        "",
        "| step | seconds |",
        "|---|---|",
        *(f"| {s} | {t:.1f} |" for s, t in steps.items()),
        "",
        "## Artefacts",
        "",
        "Artefacts made by the same step share its time (table above).",
    ]
    for step in steps:
        lines += ["", f"### {step}", "", "| artefact | expected | obtained | result |", "|---|---|---|---|"]
        for a in artefacts:
            if a.step == step:
                result = a.result + (f" ({a.note})" if a.note else "")
                lines.append(f"| `{a.name}` | `{a.expected[:12]}` | `{a.obtained[:12] or '—'}` | {result} |")
    lines += ["", "## Packages", "", "| package | version |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in context["packages"].items()]
    return "\n".join(lines) + "\n"


def write_report(root: Path, artefacts: Sequence[Artefact], context: dict) -> Path:
    out = root / REPORT_DIR
    data = {**context, "summary": summary_line(artefacts), "artefacts": [asdict(a) for a in artefacts]}
    write_all_atomic(
        {
            out / "report.md": report_markdown(artefacts, context).encode("utf-8"),
            out / "report.json": (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
        }
    )
    return out / "report.md"


def record_expected(root: Path, copy: Path) -> Path:
    """Write :data:`EXPECTED` from the reports computed in *copy*."""
    rows = [f"{p.relative_to(copy).as_posix()},{file_sha256(p)}" for p in report_files(copy)]
    return write_all_atomic({root / EXPECTED: ("artefact,sha256\n" + "\n".join(rows) + "\n").encode()})[0]


# --------------------------------------------------------------------------- entry point

STEPS = ("twin", "chapters", "reports", "ensemble", "kernels", "R")


def verify(root: Path = paths.ROOT, steps: Sequence[str] = STEPS, seeds: str = "", jobs: int = 2, log=print):
    """Run the *steps* in a temporary copy of *root*; return the artefacts and the report's path."""
    start = time.monotonic()
    artefacts: list[Artefact] = []
    runners: dict[str, Callable[..., list[Artefact]]] = {
        "twin": step_twin,
        "chapters": functools.partial(step_chapters, jobs=jobs),
        "reports": step_reports,
        "ensemble": functools.partial(step_ensemble, which=seeds, jobs=jobs),
        "kernels": step_kernels,
        "R": step_r,
    }
    with tempfile.TemporaryDirectory(prefix="scsrepro-verify-") as tmp:
        copy = Path(tmp) / "copy"
        copy_project(root, copy)
        log(f"[verify] copied the tracked files into a temporary folder ({git_commit(root)})")
        for step in steps:
            t = time.monotonic()
            found = runners[step](root, copy, log)
            artefacts += found
            differ = [a.name for a in found if a.result == "differ"]
            log(f"[verify] {step}: {len(found)} artefacts, {len(differ)} differ ({time.monotonic() - t:.0f} s)")
            for name in differ:
                log(f"[verify]   differs: {name}")
        report = write_report(root, artefacts, describe(root, time.monotonic() - start))
    return artefacts, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.book.verify", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        default="",
        help="draws of the ensemble to redraw: a list of seeds, or 'all' (default: the first other)",
    )
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument("--jobs", type=int, default=2, help="chapters executed at the same time (default 2)")
    parser.add_argument("--record", action="store_true", help=f"write {EXPECTED} from this run's reports instead")
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; the steps are {', '.join(STEPS)}")
    if args.record:
        with tempfile.TemporaryDirectory(prefix="scsrepro-verify-") as tmp:
            copy = Path(tmp) / "copy"
            copy_project(paths.ROOT, copy)
            if run(copy, [sys.executable, "-m", "scsrepro.book.build", "--reports-only"], print).returncode:
                return 1
            print(f"[verify] wrote {paths.relative(record_expected(paths.ROOT, copy))}")
        return 0
    artefacts, report = verify(paths.ROOT, steps, args.seeds, args.jobs)
    print(f"[verify] report: {paths.relative(report)}")
    line = summary_line(artefacts)
    print(line)
    return 0 if line.endswith(" 0 differ") else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
