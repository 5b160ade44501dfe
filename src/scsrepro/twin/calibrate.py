"""The search behind the synthetic twin's parameters (``make calibrate``).

``make data`` regenerates the twin from committed parameters in a few
minutes; this module is the slower search that produced those parameters.
It does two things:

1. It recomputes the age x gender x region cell table from its association
   parameters (:func:`scsrepro.twin.cells.calibrate_cells`) and reports whether
   the committed cells still match. Those cells are edited by hand in
   ``data/synthetic/twin_params.yml`` together with their comments, so the
   search only checks them.
2. It scores candidate settings of the approval generator
   (:data:`CANDIDATES`: the budget and the weights of the polishing and
   stars phases) over several seeds (:data:`CALIBRATION_SEEDS`), each draw
   made exactly as the ensemble makes it
   (:func:`scsrepro.twin.ensemble.draw`), and keeps, among the candidates
   that fit the search budget (:data:`BUDGET`), the one whose *worst* draw
   agrees best with Table 4's stars (then with the calibrated numbers).
   Held-out numbers play no part. So the settings are not tuned to the luck
   of one seed, and the ensemble's seeds (``1 .. N-1``) are not among those
   they were chosen on. The candidates are overrides of the code's
   defaults, so a second run scores the same candidates and makes the same
   choice.
   The scores go to ``data/synthetic/calibration_scores.csv``.
3. It searches the latent approval equation (the coefficient of every
   Table 4 term and a shift for every Table 2 group) with
   :func:`scsrepro.twin.approval.calibrate_approval` on the twin's
   covariates, and writes it with the chosen settings to
   ``data/synthetic/approval_params.yml``.

Running time on the project's two-core machine is printed at the end and
recorded in that file's header.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

from scsrepro.data import paths
from scsrepro.data.files import write_atomic, write_csv_atomic
from scsrepro.twin import approval as twin_approval
from scsrepro.twin import covariates as twin
from scsrepro.twin import ensemble
from scsrepro.twin.cells import calibrate_cells
from scsrepro.twin.settings import APPROVAL_DEFAULTS, approval_settings, candidate_settings

#: Seeds the candidate settings are scored on; the ensemble draws other seeds
#: (the committed one and 1 .. N-1).
CALIBRATION_SEEDS: tuple[int, ...] = (101, 102, 103)
#: Candidate settings: overrides of sections of :data:`APPROVAL_DEFAULTS`
#: (so ``make calibrate`` scores the same candidates whatever it chose before).
CANDIDATES: dict[str, dict] = {
    "defaults": {},
    # every cell whose stars disagree costs more, so the stars phase trades
    # more closeness inside the bands for stars
    "stars weight 20": {"stars": {"count_weight": 20.0}},
    # a narrower band: a passing cell may use less of its tolerance
    "band 0.95": {"stars": {"band": 0.95}},
    # three times the exact checks of the stars phase
    "checks 12000": {"stars": {"rounds": 600, "max_checks": 12000}},
}
#: The search budget a candidate may use: the exact checks of the stars phase
#: and the polishing rounds dominate a draw's time, and the ensemble's goal (20
#: draws in 20 minutes on two cores) leaves about two minutes a draw, which
#: the defaults use. A candidate over budget is scored and reported, never chosen.
BUDGET = {"max_checks": 4000, "max_rounds": 1500}
SCORES_FILE = paths.SYNTHETIC / "calibration_scores.csv"
SCORE_COLUMNS = ["candidate", "seed", "failed", "t4_stars_agree", "calibrated_pass", "t4_within_1se", "held_out_pass"]


def score_candidates(
    base: Mapping,
    candidates: Mapping[str, Mapping] = CANDIDATES,
    seeds: Sequence[int] = CALIBRATION_SEEDS,
    jobs: int = -1,
    progress: bool = True,
) -> pd.DataFrame:
    """Each candidate's draws for each seed, scored (per cent; columns :data:`SCORE_COLUMNS`)."""
    pairs = [(name, int(seed)) for name in candidates for seed in seeds]
    tasks = [
        {"seed": seed, "families": ("acceptance",), "settings": candidate_settings(base, candidates[name])}
        for name, seed in pairs
    ]
    rows = []
    for (name, seed), result in zip(pairs, ensemble.run_tasks(tasks, jobs, progress=progress), strict=True):
        acc = result[result["family"] == "acceptance"].set_index("key")["value"]
        failed = bool(ensemble.failed_seeds(result))
        rows.append(
            {
                "candidate": name,
                "seed": seed,
                "failed": failed,
                **{k: float(acc.get(k, "nan")) for k in SCORE_COLUMNS[3:]},
            }
        )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def within_budget(settings: Mapping) -> bool:
    """Whether *settings* search no longer than :data:`BUDGET` allows."""
    return (
        int(settings["stars"]["max_checks"]) <= BUDGET["max_checks"]
        and int(settings["polish"]["max_rounds"]) <= BUDGET["max_rounds"]
    )


def choose(scores: pd.DataFrame, eligible: Sequence[str] | None = None) -> str:
    """The candidate whose worst draw is best: fewest failed draws, then stars, then calibrated numbers, then the mean stars.

    Only the *eligible* candidates (all by default; ``make calibrate``: those
    :func:`within_budget`) can be chosen. Held-out numbers play no part. Ties
    go to the candidate listed first (the defaults).
    """
    if eligible is not None:
        scores = scores[scores["candidate"].isin(list(eligible))]
    g = scores.groupby("candidate", sort=False)
    ranked = pd.DataFrame(
        {
            "failed": g["failed"].sum(),
            "stars_min": g["t4_stars_agree"].min(),
            "calibrated_min": g["calibrated_pass"].min(),
            "stars_mean": g["t4_stars_agree"].mean(),
        }
    )
    ranked["order"] = range(len(ranked))
    ranked = ranked.sort_values(
        ["failed", "stars_min", "calibrated_min", "stars_mean", "order"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )
    return str(ranked.index[0])


def write_approval_params(params: dict, seconds: float, path: Path, chosen: str | None = None) -> Path:
    """Write the approval section with a header that says where it came from."""
    settings = (
        f"# Settings: the candidate '{chosen}' of `make calibrate` (scores in calibration_scores.csv).\n"
        if chosen
        else "# Settings: kept from the previous file (make calibrate --keep-settings).\n"
    )
    header = (
        "# Approval section of the synthetic twin's parameters.\n"
        "# Written by `make calibrate` (python -m scsrepro.twin.calibrate); do not edit by hand.\n"
        + settings
        + f"# The latent search took {seconds:.0f} s on the project's two-core machine; `make data` then\n"
        "# polishes the draw (about a minute) when it generates the twin.\n"
        "# latent: coefficient of each Table 4 term in the latent approval index\n"
        "# group_shifts: shift of the latent index for each Table 2 group\n"
    )
    text = header + yaml.safe_dump(params, sort_keys=False, allow_unicode=True)
    return write_atomic(path, text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.twin.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=12, help="latent-index iterations (default 12)")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=list(CALIBRATION_SEEDS), help="seeds the candidates are scored on"
    )
    parser.add_argument("--jobs", type=int, default=-1, help="parallel draws (default: every core)")
    parser.add_argument(
        "--keep-settings",
        action="store_true",
        help="skip the candidates: keep the committed settings, search the latent equation only",
    )
    parser.add_argument(
        "--scores",
        type=Path,
        default=None,
        help="choose from these recorded candidate scores (a calibration_scores.csv) instead of drawing them again",
    )
    args = parser.parse_args(argv)
    params = twin.load_params()
    cells = calibrate_cells(params)
    same = [list(map(int, c)) for c in params["cells"]] == [list(map(int, c)) for c in cells]
    print(f"[calibrate] cell table {'matches' if same else 'DIFFERS from'} the committed one")
    approval = approval_settings(params)
    chosen = None
    if not args.keep_settings:
        if args.scores is not None:
            scores = pd.read_csv(args.scores)[SCORE_COLUMNS]
        else:
            scores = score_candidates(APPROVAL_DEFAULTS, CANDIDATES, args.seeds, args.jobs)
        eligible = [n for n, c in CANDIDATES.items() if within_budget(candidate_settings(APPROVAL_DEFAULTS, c))]
        chosen = choose(scores, eligible)
        print(scores.groupby("candidate", sort=False)[SCORE_COLUMNS[3:]].agg(["min", "mean"]).round(1).to_string())
        over = sorted(set(CANDIDATES) - set(eligible))
        out = write_csv_atomic(scores.assign(chosen=scores["candidate"].eq(chosen)), SCORES_FILE)
        print(
            f"[calibrate] chose '{chosen}' (best worst draw over seeds {args.seeds}; over budget: {over}); wrote {paths.relative(out)}"
        )
        approval = candidate_settings(APPROVAL_DEFAULTS, CANDIDATES[chosen])
    start = time.monotonic()
    frame = twin.generate_covariates(params, int(params["seed"]))
    approval = twin_approval.calibrate_approval(frame, approval, int(params["seed"]), iterations=args.iterations)
    seconds = time.monotonic() - start
    out = write_approval_params(approval, seconds, paths.SYNTHETIC / twin.APPROVAL_PARAMS_NAME, chosen)
    print(f"[calibrate] wrote {paths.relative(out)} in {seconds:.0f} s; run `make data` next")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
