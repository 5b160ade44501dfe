"""Run the twin's decision-making stages on a reduced problem and print checksums.

Used by ``tests/test_kernel_variation.py``, which runs this script in
subprocesses under different numeric configurations (BLAS kernel, SIMD
level) and requires identical output. The reduced problem is the real one
with a small search budget, in two parts:

* **from scratch**: the covariates of the committed parameters, a short
  latent search (``make calibrate``), the latent draw, a short polishing
  phase and a short stars phase (``make data``), so every kind of decision
  the generator makes is exercised;
* **from the committed answers**: the stars phase restarted from the
  committed twin's approval answers, where the search is near its end and
  candidate moves differ by little. This is where decisions taken on noisy
  digits flip first (the separated Model 5 in particular).

Usage: ``python tests/kernel_probe.py [--rounds R] [--checks C]
[--late-checks L]``; prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os

import numpy as np
import pandas as pd

from scsrepro.twin import covariates as twin, approval as twin_approval
from scsrepro.twin.settings import APPROVAL_DEFAULTS
from scsrepro.data import paths


def blas_core() -> str:
    """The OpenBLAS kernel NumPy's BLAS runs with (``unknown`` if not found)."""
    import ctypes
    import glob
    import os

    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "libscipy_openblas*.so*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            f = getattr(lib, name, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return "unknown"


def numpy_features() -> str:
    """NumPy's SIMD dispatch targets that are switched on."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return " ".join(sorted(f for f in __cpu_dispatch__ if __cpu_features__.get(f)))


def digest(values) -> str:
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40, help="polishing rounds")
    ap.add_argument("--checks", type=int, default=300, help="exact checks of the stars phase")
    ap.add_argument("--latent", type=int, default=2, help="iterations of the latent search")
    ap.add_argument("--stride", type=int, default=25, help="knock every STRIDE-th committed answer")
    ap.add_argument("--late-checks", type=int, default=300, help="exact checks from the committed answers")
    a = ap.parse_args()
    params = twin.load_params()
    seed = int(params["seed"])
    frame = twin.generate_covariates(params, seed)
    settings = {**APPROVAL_DEFAULTS, **params["approval"]}
    # the latent search (make calibrate / make ensemble), shortened
    searched = twin_approval.calibrate_approval(frame, dict(settings), seed, iterations=a.latent, log=None)
    # the polishing and stars phases (make data), shortened
    settings["polish"] = {**settings["polish"], "max_rounds": a.rounds}
    settings["stars"] = {**settings["stars"], "rounds": a.checks, "max_checks": a.checks}
    approval = twin_approval.add_approval(frame, settings, seed)["approval"].to_numpy(dtype=float)
    # the stars phase again, started from the committed answers
    committed = pd.read_csv(paths.SYNTHETIC / "twin.csv")["approval"].to_numpy(dtype=int)
    # knocked off its optimum: every STRIDE-th answer one step towards the middle
    start = committed.copy()
    knocked = np.arange(0, len(start), a.stride)
    start[knocked] += np.sign(3 - start[knocked])
    late = {**settings, "polish": {**settings["polish"], "max_rounds": 0},
            "stars": {**settings["stars"], "rounds": a.late_checks, "max_checks": a.late_checks}}
    original = twin_approval.assign_by_rank
    twin_approval.assign_by_rank = lambda score, counts: start.copy()
    try:
        restarted = twin_approval.add_approval(frame, late, seed)["approval"].to_numpy(dtype=float)
    finally:
        twin_approval.assign_by_rank = original
    covariates = frame.drop(columns=[c for c in ("approval",) if c in frame]).to_numpy(dtype=float)
    print(json.dumps({
        "blas_core": blas_core(),
        "numpy_features": numpy_features(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "covariates": digest(np.nan_to_num(covariates, nan=-1.0)),
        "latent_search": digest([v for k, v in sorted(searched["latent"].items())]
                                + [v for k, v in sorted(searched["group_shifts"].items())]),
        "approval": digest(approval),
        "approval_from_committed": digest(restarted),
        "moves_from_committed": int(np.sum(restarted != committed)),
    }))


if __name__ == "__main__":
    main()
