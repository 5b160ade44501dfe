"""The entry points of the twin's approval calibration (``scsrepro.twin.approval``).

Their pieces are tested on small simulated data in ``test_designs.py``,
``test_objective.py`` and ``test_polish.py``; the end-to-end result (the
committed twin and its scoreboard) is checked in ``test_twin_data.py``.
Here: the draw that :func:`~scsrepro.twin.approval.add_approval` polishes
keeps the stored answer counts and the pinned group. (The check of the
covariates' factor shift below predates the split and stays until
``scsrepro.twin.covariates`` is split.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.twin import approval as ta
from scsrepro.twin import covariates as twin


def test_unpolished_draw_keeps_the_counts_and_the_pinned_group():
    params = twin.load_params()["approval"]
    frame = load_survey(paths.SYNTHETIC / "twin.csv", derive=False).drop(columns="approval")
    settings = {**params, "polish": {"max_rounds": 0}, "stars": None}
    out = ta.add_approval(frame, settings, seed=1)
    y = out["approval"].to_numpy(dtype=int)
    assert np.bincount(y, minlength=6)[1:].tolist() == list(params["counts"])
    pd.testing.assert_frame_equal(out.drop(columns="approval"), frame)
    work, _, designs, _, pinned = ta._setup(frame, settings)
    mask, answer = pinned
    sep = params["separation"]
    model = next(d for d in designs if d.spec.id == sep["model"])
    assert model.stata and mask.any() and np.all(y[mask] == answer)
    assert np.all(work[sep["variable"]].to_numpy()[mask] == sep["level"])
