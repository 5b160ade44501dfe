"""Many twins, not one: the ensemble over seeds (``make ensemble``).

The committed twin is one draw among many data sets consistent with the
paper's aggregates. This module makes other draws and computes, on each, the
fixed list of *ensemble statistics* of :mod:`scsrepro.paper.claims` (the
scoreboard's pass rates, every held-out distance, the hypothesis verdicts,
the proportional-odds flags, the rural-urban tests, the cap comparison and
the other results beyond the paper), so the book can say which of its
results hold across plausible twins and which belong to one draw.

**A draw** for seed *s* is what ``make calibrate`` and ``make data`` produce
with *s* in place of the committed seed: the covariates, the latent search of
the approval equation on that seed's noise, the polishing and the stars
phase, all with the committed settings of ``data/synthetic/twin_params.yml``
and ``approval_params.yml`` (:func:`draw_twin`). The draw of the committed
seed is the committed twin, bit for bit (the ensemble checks this).

**Seeds.** ``N`` draws are the committed seed and the seeds ``1 .. N-1``
(:func:`ensemble_seeds`); ``make calibrate`` scores its candidate settings on
other seeds (:data:`scsrepro.twin.calibrate.CALIBRATION_SEEDS`), so the
ensemble is not the sample the settings were chosen on.

**Parallel.** Draws run through :mod:`joblib` on all cores (loky processes)
or, given a scheduler address (``--scheduler`` or the environment variable
``DASK_SCHEDULER_ADDRESS``), on that Dask cluster through joblib's ``dask``
backend. Each draw depends on its seed only, so the result is the same
whatever the backend or the number of workers; rows are sorted by the order of
the seeds.

**Output.** ``data/synthetic/ensemble.csv``, long: one row per draw and
statistic (columns :data:`COLUMNS`), values rounded as every recorded table is. Each
draw also has rows of family ``draw``: ``twin_sha256`` (the draw's checksum,
in ``outcome``), ``generator`` (the package version and the checksums of the
two parameter files), ``committed`` (1 for the committed seed) and
``failed`` (1 when the generator could not make a twin from the seed, with
the error as its outcome; such a draw has no statistics). ``make ensemble``
draws further seeds (``N``, ``N+1``, ...) until *N* draws have succeeded.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import joblib
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from scsrepro import __version__
from scsrepro.data import paths
from scsrepro.data.files import write_atomic, write_csv_atomic
from scsrepro.data.loading import load_survey
from scsrepro.paper import claims
from scsrepro.paper.claims import failed_seeds
from scsrepro.twin import approval as twin_approval
from scsrepro.twin import covariates as twin
from scsrepro.twin.settings import approval_settings

__all__ = [
    "COLUMNS",
    "ENSEMBLE_FILE",
    "draw",
    "draw_twin",
    "ensemble_seeds",
    "generator",
    "main",
    "run",
    "run_successful",
    "run_tasks",
    "failed_seeds",
]

ENSEMBLE_FILE = paths.ENSEMBLE
COLUMNS = ["seed", *claims.COLUMNS]
#: The environment variable naming a Dask scheduler to run on.
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


def generator(params: dict | None = None) -> str:
    """What made a draw: the package version and the checksums of the two parameter files."""
    params = twin.load_params() if params is None else params
    approval = params.get("approval") or {}
    base = {k: v for k, v in params.items() if k != "approval"}
    return (
        f"scsrepro {__version__}; twin_params {twin.params_hash(base)[:16]}; approval {twin.params_hash(approval)[:16]}"
    )


def draw_twin(
    seed: int, settings: dict | None = None, latent_iterations: int = 12, params: dict | None = None
) -> pd.DataFrame:
    """The twin ``make calibrate`` + ``make data`` make with *seed* (committed settings unless *settings*).

    *params*: :func:`~scsrepro.twin.covariates.load_params`, when the caller has read them.
    """
    params = twin.load_params() if params is None else params
    settings = approval_settings(params) if settings is None else settings
    covariates = twin.generate_covariates(params, seed)
    approval = twin_approval.calibrate_approval(
        covariates, dict(settings), seed, iterations=latent_iterations, log=None
    )
    return twin.generate({**params, "approval": approval}, seed, covariates)


def draw(
    seed: int,
    families: Sequence[str] | None = None,
    settings: dict | None = None,
    latent_iterations: int = 12,
    keep: Path | None = None,
) -> pd.DataFrame:
    """One draw's rows: regenerate the twin for *seed*, then its ensemble statistics.

    Parameters
    ----------
    seed : int
    families : sequence of str, optional
        Families of :data:`scsrepro.paper.claims.FAMILIES` (all by default).
    settings : dict, optional
        Approval settings (:func:`approval_settings` of the committed files
        by default); ``make calibrate`` passes its candidates, the tests a
        tiny budget.
    latent_iterations : int
        Iterations of the latent search (``make calibrate``'s default 12).
    keep : path, optional
        A directory to keep the draw in, as ``<keep>/<seed>.csv``. When that
        file exists already, it is scored instead of drawn again (so
        statistics can be recomputed without the generator's minutes);
        its checksum is what the row reports.

    A seed from which the generator cannot make a twin gives the draw's
    rows only, with ``failed`` = 1 and the error as its outcome.
    """
    params = twin.load_params()
    kept = Path(keep) / f"{int(seed)}.csv" if keep is not None else None
    failed = ""
    if kept is not None and kept.is_file():
        data = kept.read_bytes()
    else:
        try:
            data = twin.twin_bytes(draw_twin(seed, settings, latent_iterations, params))
        except Exception as exc:  # a seed the generator cannot make a twin from is a result, not a crash
            data, failed = b"", f"{type(exc).__name__}: {exc}"[:200]
        if kept is not None and not failed:
            write_atomic(kept, data)
    if failed:
        stats = pd.DataFrame(columns=claims.COLUMNS)
    else:
        with tempfile.TemporaryDirectory(prefix="scsrepro-draw-") as tmp, warnings.catch_warnings():
            # an estimator's warnings on an odd draw (a singular Hessian, a
            # separated term) show in its statistics as missing values
            warnings.simplefilter("ignore")
            path = Path(tmp) / "twin.csv"
            path.write_bytes(data)
            stats = claims.statistics(load_survey(path), families, errors="record")
    meta = pd.DataFrame(
        {
            "family": "draw",
            "key": ["twin_sha256", "generator", "committed", "failed"],
            "value": [float("nan"), float("nan"), float(seed == int(params["seed"])), float(bool(failed))],
            "outcome": ["" if failed else hashlib.sha256(data).hexdigest(), generator(params), "", failed],
        }
    )
    out = pd.concat([meta, stats], ignore_index=True)
    out.insert(0, "seed", int(seed))
    return out[COLUMNS]


def ensemble_seeds(n: int, default: int | None = None) -> list[int]:
    """The seeds of an *n*-draw ensemble: the committed seed, then ``1 .. n-1``."""
    if n < 1:
        raise ValueError(f"an ensemble needs at least one draw, not {n}")
    default = int(twin.load_params()["seed"]) if default is None else int(default)
    return [default, *[s for s in range(1, n + 1) if s != default][: n - 1]]


@contextlib.contextmanager
def _backend(scheduler) -> Iterator[str]:
    """joblib's backend: ``loky`` here, or ``dask`` on the cluster *scheduler* (an address or a Client)."""
    if scheduler is None:
        yield "loky"
        return
    from distributed import Client  # noqa: PLC0415 (the cluster backend is optional; importing it sets up dask)

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with joblib.parallel_config(backend="dask"):
            yield "dask"
    finally:
        if client is not scheduler:
            client.close()


def run(seeds: Sequence[int], jobs: int = -1, scheduler=None, progress: bool = True, **options) -> pd.DataFrame:
    """Draw every seed of *seeds* in parallel and return their rows, in the order of *seeds*.

    Parameters
    ----------
    jobs : int
        joblib workers on this machine (-1: every core); ignored on a cluster.
    scheduler : str or distributed.Client, optional
        A Dask scheduler's address, or a client, to run the draws on; by
        default ``$DASK_SCHEDULER_ADDRESS`` when set, else this machine.
    progress : bool
        Show a progress bar (tqdm, on standard error).
    **options
        The keyword arguments of :func:`draw` (``families``, ``settings``,
        ``latent_iterations``, ``keep``), the same for every seed.
    """
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat: {seeds}")
    tasks = [{"seed": s, **options} for s in seeds]
    return pd.concat(run_tasks(tasks, jobs, scheduler, progress), ignore_index=True)


def run_successful(n: int, **kwargs) -> pd.DataFrame:
    """:func:`run` on :func:`ensemble_seeds` of *n*, then on further seeds until *n* draws have succeeded.

    The further seeds continue the sequence (``n``, ``n+1``, ...), so the set
    of draws is a fixed function of *n*; the failed draws stay in the result.
    """
    seeds = ensemble_seeds(n)
    rows = run(seeds, **kwargs)
    used, following = set(seeds), max(seeds[1:], default=0)
    while (short := n - (len(used) - len(failed_seeds(rows)))) > 0:
        more: list[int] = []
        while len(more) < short:
            following += 1
            if following not in used:
                more.append(following)
        used.update(more)
        rows = pd.concat([rows, run(more, **kwargs)], ignore_index=True)
    return rows


def run_tasks(tasks: Sequence[dict], jobs: int = -1, scheduler=None, progress: bool = True) -> list[pd.DataFrame]:
    """:func:`draw` for each mapping of keyword arguments in *tasks*, in parallel; results in the order of *tasks*.

    The one place draws are farmed out (:func:`run`, and ``make calibrate``
    for its candidate settings): joblib's loky processes on this machine, or
    the Dask cluster of *scheduler* (see :func:`run`), with a progress bar.
    """
    scheduler = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV) or None)
    with _backend(scheduler) as backend:
        n_jobs = min(jobs, len(tasks)) if backend == "loky" and jobs > 0 else -1
        calls = (delayed(_numbered)(i, task) for i, task in enumerate(tasks))
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(calls)
        done = dict(tqdm(results, total=len(tasks), desc="ensemble draws", unit="draw", disable=not progress))
    return [done[i] for i in range(len(tasks))]


def _numbered(i: int, task: dict) -> tuple[int, pd.DataFrame]:
    return i, draw(**task)


def write(rows: pd.DataFrame, path: Path = ENSEMBLE_FILE) -> Path:
    """Write the ensemble atomically (values rounded as every recorded table is, :func:`~scsrepro.data.files.csv_text`)."""
    return write_csv_atomic(rows[COLUMNS], path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.twin.ensemble", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--draws", type=int, default=20, help="number of draws, the committed seed included (default 20)"
    )
    parser.add_argument("--seeds", type=int, nargs="+", help="draw exactly these seeds instead")
    parser.add_argument("--jobs", type=int, default=-1, help="parallel workers on this machine (default: every core)")
    parser.add_argument("--scheduler", default=None, help=f"Dask scheduler address (default ${SCHEDULER_ENV})")
    parser.add_argument(
        "--families", nargs="+", choices=list(claims.FAMILIES), help="statistics to compute (default all)"
    )
    parser.add_argument(
        "--out", type=Path, default=ENSEMBLE_FILE, help="output file (default data/synthetic/ensemble.csv)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep each draw as KEEP/<seed>.csv, and score kept draws instead of redrawing",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    start = time.monotonic()
    options = {"families": args.families, "jobs": args.jobs, "scheduler": args.scheduler}
    options |= {"progress": not args.no_progress, "keep": args.keep}
    rows = run(args.seeds, **options) if args.seeds else run_successful(args.draws, **options)
    out = write(rows, args.out)
    failed = failed_seeds(rows)
    print(
        f"[ensemble] {rows['seed'].nunique()} draws ({len(failed)} failed: {failed}) in "
        f"{time.monotonic() - start:.0f} s; wrote {paths.relative(out)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
