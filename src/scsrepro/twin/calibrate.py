"""The search behind the synthetic twin's parameters (``make calibrate``).

``make data`` regenerates the twin from committed parameters in a few
minutes; this module is the slower search that produced those parameters.
It does two things:

1. It recomputes the age x gender x region cell table from its association
   parameters (:func:`scsrepro.twin.cells.calibrate_cells`) and reports whether
   the committed cells still match. Those cells are edited by hand in
   ``data/synthetic/twin_params.yml`` together with their comments, so the
   search only checks them.
2. It searches the latent approval equation (the coefficient of every
   Table 4 term and a shift for every Table 2 group) with
   :func:`scsrepro.twin.approval.calibrate_approval` on the twin's
   covariates, and writes the result to ``data/synthetic/approval_params.yml``.

Running time on the project's two-core machine is printed at the end and
recorded in that file's header.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from scsrepro.data import paths
from scsrepro.data.files import write_atomic
from scsrepro.twin import approval as twin_approval
from scsrepro.twin import covariates as twin
from scsrepro.twin.cells import calibrate_cells

#: Settings of the approval section that the search does not change.
APPROVAL_DEFAULTS = {
    # Table A2 unweighted approval shares as counts of 2,209 respondents
    # (0.50, 0.81, 19.24, 31.55, 47.89 per cent; they add up to 2,209).
    "counts": [11, 18, 425, 697, 1058],
    # Model 5's quasi-separation (Table 4: education about -13): the
    # no-education respondents in its sample all strongly approve.
    "separation": {"model": 5, "variable": "education", "level": 1, "answer": 5},
    # weight of the approval-share targets (Table A2, Table 2) against Table 4
    "share_weight": 1.0,
    # polishing settings (scsrepro.twin.polish.polish)
    "polish": {"max_rounds": 1500, "batch": 40, "patience": 60},
    # significance-stars phase (scsrepro.twin.polish.polish_exact): weights of
    # the coefficient, standard-error and share terms, the cost of one cell
    # whose stars disagree, the band (in published SEs) a passing cell must
    # stay inside, and the search budget (rounds, candidates checked exactly
    # per round, exact checks in all)
    "stars": {
        "coef_weight": 0.1,
        "se_weight": 0.3,
        "share_weight": 0.1,
        "count_weight": 5.0,
        "band": 0.99,
        "rounds": 200,
        "candidates": 24,
        "max_checks": 4000,
    },
}


def write_approval_params(params: dict, seconds: float, path: Path) -> Path:
    """Write the approval section with a header that says where it came from."""
    header = (
        "# Approval section of the synthetic twin's parameters.\n"
        "# Written by `make calibrate` (python -m scsrepro.twin.calibrate); do not edit by hand.\n"
        f"# The search took {seconds:.0f} s on the project's two-core machine; `make data` then\n"
        "# polishes the draw (about a minute) when it generates the twin.\n"
        "# latent: coefficient of each Table 4 term in the latent approval index\n"
        "# group_shifts: shift of the latent index for each Table 2 group\n"
    )
    text = header + yaml.safe_dump(params, sort_keys=False, allow_unicode=True)
    return write_atomic(path, text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.twin.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=12, help="latent-index iterations (default 12)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    params = twin.load_params()
    cells = calibrate_cells(params)
    same = [list(map(int, c)) for c in params["cells"]] == [list(map(int, c)) for c in cells]
    print(f"[calibrate] cell table {'matches' if same else 'DIFFERS from'} the committed one")
    frame = twin.generate_covariates(params, int(params["seed"]))
    approval = dict(APPROVAL_DEFAULTS)
    approval.update({k: v for k, v in (params.get("approval") or {}).items() if k in APPROVAL_DEFAULTS})
    approval = twin_approval.calibrate_approval(frame, approval, int(params["seed"]), iterations=args.iterations)
    seconds = time.monotonic() - start
    out = write_approval_params(approval, seconds, paths.SYNTHETIC / twin.APPROVAL_PARAMS_NAME)
    print(f"[calibrate] wrote {paths.relative(out)} in {seconds:.0f} s; run `make data` next")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
