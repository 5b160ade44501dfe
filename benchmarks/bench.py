"""Speed benchmarks of the compendium (``make bench``); never part of ``make test``.

Each figure is timed over several runs (``--rounds``, at least 3 by
default) and reported as the median with the minimum and maximum, next to
its goal. The results go to ``_build/bench.json`` (one entry per figure:
goal, seconds of every run, median, min, max, whether the median meets the
goal) and are printed as a table. Figures:

- ``book_fresh_clone``: the first ``make book`` in a fresh clone of HEAD
  with the environment installed (the committed notebooks carry the hashes
  of their inputs, so nothing should be executed: render only);
- ``book_noop``: ``make book`` again in that clone;
- ``book_one_chapter``: ``make book`` after one chapter's prose is edited;
- ``make_test``: ``make test`` in that clone;
- ``make_data``: ``make data`` (the twin regenerated from its parameters);
- ``make_verify``: ``make verify`` (everything rerun from scratch in a
  temporary copy and compared; :mod:`scsrepro.book.verify`);
- ``make_ensemble``: ``make ensemble`` with its default 20 draws on every
  core (:mod:`scsrepro.twin.ensemble`); about 20 minutes a round, so it
  runs only when named (``--only make_ensemble``);
- ``table4_twin`` and ``table4_twin_x100``: the seven Table 4 fits
  (:func:`scsrepro.paper.tables.table_4`) on the twin and on the twin's rows
  repeated 100 times (220,900 rows), and, when ``Rscript`` with the
  ``survey`` package is installed, the same seven models with
  ``survey::svyolr`` on the same rows, timed in the same run
  (``*_r`` figures, and the ratio Python / R).

The clone uses this checkout's ``.venv`` (the environment is installed)
with the clone's own ``src`` first on ``PYTHONPATH``, so the figures time
the clone's code. Usage::

    python benchmarks/bench.py [--rounds 3] [--only name ...]
"""

from __future__ import annotations

import argparse
import json
import resource
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Figures timed only when named with ``--only`` (too slow for every run).
OPT_IN = {"make_ensemble"}
VENV_PY = ROOT / ".venv" / "bin" / "python"

#: Goals in seconds (issue 16); None when the figure has no goal of its own.
GOALS: dict[str, float | None] = {
    "book_fresh_clone": 20,
    "book_noop": 2,
    "book_one_chapter": 15,
    "make_test": 180,
    "make_data": 60,
    "make_verify": None,
    "make_ensemble": 1200,
    "table4_twin": None,
    "table4_twin_r": None,
    "table4_twin_x100": 60,
    "table4_twin_x100_r": None,
}

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
inp <- read.csv(args[1])
cmds <- read.csv(args[2], stringsAsFactors = FALSE)
t0 <- proc.time()[["elapsed"]]
for (i in seq_len(nrow(cmds))) {
  vars <- strsplit(cmds$variables[i], " ")[[1]]
  d <- inp[complete.cases(inp[, vars]), ]
  # Model 5 is quasi-separated on the twin: svyolr stops with a singular
  # Hessian; the time until it stops is counted, as Python's time counts its fit.
  fit <- try(suppressWarnings(eval(parse(text = cmds$command[i]))), silent = TRUE)
}
cat(proc.time()[["elapsed"]] - t0, "\n")
"""


def _env(clone: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(clone / "src"), env.get("PYTHONPATH", "")) if p)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd.name}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def _clone(where: Path) -> Path:
    clone = where / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


BOOK = [str(VENV_PY), "-m", "scsrepro.book.build", "--jobs", "2"]


def bench_book(rounds: int, only: set[str]) -> dict[str, list[float]]:
    """The three ``make book`` figures, each on a fresh clone per round."""
    out: dict[str, list[float]] = {"book_fresh_clone": [], "book_noop": [], "book_one_chapter": []}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            clone = _clone(Path(tmp))
            env = _env(clone)
            out["book_fresh_clone"].append(_run(BOOK, clone, env))
            out["book_noop"].append(_run(BOOK, clone, env))
            chapter = clone / "chapters" / "discussion.md"
            chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAn edited sentence.\n", encoding="utf-8")
            out["book_one_chapter"].append(_run(BOOK, clone, env))
    return {k: v for k, v in out.items() if k in only}


def bench_make(target: list[str], rounds: int) -> list[float]:
    """``make <target>`` in a fresh clone per round, on this checkout's environment."""
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            clone = _clone(Path(tmp))
            (clone / ".venv").symlink_to(ROOT / ".venv")
            # the environment is installed: mark it so make does not reinstall it into the clone
            env = _env(clone)
            cmd = ["make", "-o", ".venv/.installed", *target]
            times.append(_run(cmd, clone, env))
    return times


def _export(rows: int, where: Path) -> tuple[Path, Path]:
    """The twin (repeated *rows* times) and the R commands of the seven models, as the fixtures export them."""
    import pandas as pd

    inputs = pd.read_csv(ROOT / "tests" / "fixtures" / "input_twin_models.csv")
    commands = pd.read_csv(ROOT / "tests" / "fixtures" / "input_twin_models_commands.csv")
    data = pd.concat([inputs] * rows, ignore_index=True) if rows > 1 else inputs
    data_csv, cmd_csv = where / f"twin_x{rows}.csv", where / "commands.csv"
    data.to_csv(data_csv, index=False)
    commands.to_csv(cmd_csv, index=False)
    return data_csv, cmd_csv


def _time_table4(rows: int) -> float:
    code = (
        "import time, pandas as pd\n"
        "from scsrepro.data.loading import load_survey\n"
        "from scsrepro.data.paths import SYNTHETIC\n"
        "from scsrepro.paper import tables\n"
        "from scsrepro.paper.weights import weights_for\n"
        "df = load_survey(SYNTHETIC / 'twin.csv')\n"
        "w = weights_for(df)\n"
        f"k = {rows}\n"
        "if k > 1:\n"
        "    big = pd.concat([df] * k, ignore_index=True)\n"
        "    big.attrs = df.attrs\n"
        "    w = pd.concat([w] * k, ignore_index=True)\n"
        "    df = big\n"
        "t = time.perf_counter()\n"
        "tables.table_4(df, w)\n"
        "print(time.perf_counter() - t)\n"
    )
    done = subprocess.run([str(VENV_PY), "-c", code], cwd=ROOT, env=_env(ROOT), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return float(done.stdout.strip().splitlines()[-1])


def _time_r(rows: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-r-") as tmp:
        data_csv, cmd_csv = _export(rows, Path(tmp))
        script = Path(tmp) / "svyolr.R"
        script.write_text(R_SCRIPT)
        try:
            done = subprocess.run(
                ["Rscript", str(script), str(data_csv), str(cmd_csv)], capture_output=True, text=True, timeout=3600
            )
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        return float(done.stdout.strip().split()[-1])


def bench_table4(rounds: int, only: set[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for rows, name in ((1, "table4_twin"), (100, "table4_twin_x100")):
        if name not in only:
            continue
        out[name] = [_time_table4(rows) for _ in range(rounds)]
        r = [_time_r(rows) for _ in range(rounds)]
        if all(x is not None for x in r):
            out[f"{name}_r"] = [float(x) for x in r if x is not None]
    return out


def summarise(times: dict[str, list[float]]) -> dict[str, dict]:
    report: dict[str, dict] = {}
    for name, goal in GOALS.items():
        runs = times.get(name)
        if not runs:
            report[name] = {"goal_s": goal, "runs_s": [], "available": False}
            continue
        median = statistics.median(runs)
        report[name] = {
            "goal_s": goal,
            "runs_s": [round(x, 3) for x in runs],
            "median_s": round(median, 3),
            "min_s": round(min(runs), 3),
            "max_s": round(max(runs), 3),
            "meets_goal": None if goal is None else median <= goal,
            "available": True,
        }
    for name in ("table4_twin", "table4_twin_x100"):
        py, r = report[name], report[f"{name}_r"]
        if py.get("available") and r.get("available"):
            py["python_over_r"] = round(py["median_s"] / r["median_s"], 3)
    return report


def print_table(report: dict[str, dict]) -> None:
    print(f"{'figure':<22}{'median s':>10}{'min s':>9}{'max s':>9}{'goal s':>9}  meets")
    for name, r in report.items():
        if not r.get("available"):
            print(f"{name:<22}{'not available':>37}")
            continue
        goal = "-" if r["goal_s"] is None else f"{r['goal_s']:g}"
        meets = {True: "yes", False: "NO", None: "-"}[r["meets_goal"]]
        extra = f"  (Python / R = {r['python_over_r']})" if "python_over_r" in r else ""
        print(f"{name:<22}{r['median_s']:>10.2f}{r['min_s']:>9.2f}{r['max_s']:>9.2f}{goal:>9}  {meets}{extra}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="figures to time (default: all)")
    args = parser.parse_args(argv)
    only = set(args.only or set(GOALS) - OPT_IN)
    times: dict[str, list[float]] = {}
    if only & {"book_fresh_clone", "book_noop", "book_one_chapter"}:
        times.update(bench_book(args.rounds, only))
    if "make_test" in only:
        times["make_test"] = bench_make(["test"], args.rounds)
    if "make_data" in only:
        times["make_data"] = bench_make(["data"], args.rounds)
    if "make_verify" in only:
        times["make_verify"] = bench_make(["verify"], args.rounds)
    if "make_ensemble" in only:
        times["make_ensemble"] = bench_make(["ensemble"], args.rounds)
    times.update(bench_table4(args.rounds, only))
    report = summarise(times)
    out = ROOT / "_build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    previous = json.loads(out.read_text()) if out.is_file() else {}
    merged = {**previous.get("figures", {}), **{k: v for k, v in report.items() if k in only or v.get("available")}}
    # the largest resident set of any process the benchmark ran (kilobytes on Linux)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out.write_text(json.dumps({"rounds": args.rounds, "peak_process_rss_mib": round(peak_mib), "figures": merged}, indent=1))
    print(f"largest process: {peak_mib:.0f} MiB resident")
    print_table(merged)
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
