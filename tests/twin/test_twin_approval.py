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
import pytest

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.twin import approval as ta
from scsrepro.twin import covariates as twin
from scsrepro.twin.approval_latent import fill_answers


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


# --------------------------------------------------------------------------- every answer in every sample
def test_fill_answers_brings_a_missing_answer_into_a_sample_and_keeps_the_counts():
    y = np.array([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 2, 3])
    score = np.arange(len(y), dtype=float)
    samples = [np.arange(2, 12), np.arange(0, 12)]  # the first sample has no answer 1
    out = fill_answers(y, samples, score)
    assert sorted(out) == sorted(y)  # counts kept
    assert all(set(out[s]) == {1, 2, 3, 4, 5} for s in samples)
    changed = np.flatnonzero(out != y)
    # the lowest-scored 2 inside the sample swaps with the highest-scored 1 outside it
    assert changed.tolist() == [1, 2] and out[2] == 1 and out[1] == 2


def test_fill_answers_changes_nothing_when_every_answer_is_there_and_never_moves_frozen_rows():
    y = np.array([1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
    score = np.linspace(0, 1, len(y))
    assert (fill_answers(y, [np.arange(5), np.arange(5, 10)], score) == y).all()
    y2 = np.array([1, 1, 2, 2, 3, 4, 5, 5])
    frozen = np.zeros(len(y2), bool)
    frozen[[0, 1]] = True  # the only holders of answer 1
    with pytest.raises(ValueError, match="answer 1 cannot be brought into the sample of model 1"):
        fill_answers(y2, [np.arange(2, 8)], np.arange(8.0), frozen)
