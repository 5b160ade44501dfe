"""Run the twin's decision-making stages on a reduced problem and print checksums.

Used by ``tests/test_kernel_variation.py``, which runs this script in
subprocesses under different numeric configurations (BLAS kernel, SIMD
level) and requires identical output. The reduced problem is the real one
with a small search budget: the covariates of the committed parameters, the
latent draw, a short polishing phase and a short stars phase, so every kind
of decision the full generator makes is exercised in a few seconds.

Usage: ``python tests/kernel_probe.py [--rounds R] [--checks C]``; prints one
JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

from scsrepro import calibrate, twin, twin_approval


def digest(values) -> str:
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40, help="polishing rounds")
    ap.add_argument("--checks", type=int, default=300, help="exact checks of the stars phase")
    ap.add_argument("--latent", type=int, default=2, help="iterations of the latent search")
    a = ap.parse_args()
    params = twin.load_params()
    seed = int(params["seed"])
    frame = twin.generate_covariates(params, seed)
    settings = {**calibrate.APPROVAL_DEFAULTS, **params["approval"]}
    # the latent search (make calibrate / make seeds), shortened
    searched = twin_approval.calibrate_approval(frame, dict(settings), seed, iterations=a.latent, log=None)
    # the polishing and stars phases (make data), shortened
    settings["polish"] = {**settings["polish"], "max_rounds": a.rounds}
    settings["stars"] = {**settings["stars"], "rounds": a.checks, "max_checks": a.checks}
    approval = twin_approval.add_approval(frame, settings, seed)["approval"].to_numpy(dtype=float)
    covariates = frame.drop(columns=[c for c in ("approval",) if c in frame]).to_numpy(dtype=float)
    print(json.dumps({
        "covariates": digest(np.nan_to_num(covariates, nan=-1.0)),
        "latent_search": digest([v for k, v in sorted(searched["latent"].items())]
                                + [v for k, v in sorted(searched["group_shifts"].items())]),
        "approval": digest(approval),
    }))


if __name__ == "__main__":
    main()
