"""Polishing the approval answers (``scsrepro.twin.polish``).

On small simulated data (the fixtures of ``conftest.py``): the influence
function predicts what one changed answer does, the predicted SE change has
the right sign, and the exact stars search never gives up a target that
passed, respects frozen answers and keeps to its budget.
"""

from __future__ import annotations

import numpy as np

from scsrepro.survey.ordered_logit import ordered_logit_scores
from scsrepro.twin import designs, objective, polish


def test_influence_function_predicts_one_changed_answer(simulate, design):
    X, y, w = simulate()
    d = design(X, y, w)
    before = d.theta.copy()
    cal = objective.Calibration([d], np.ones(len(y)))
    i = int(np.flatnonzero(y == 3)[0])
    s0 = ordered_logit_scores(X, y, d.theta)
    y1 = y.copy()
    y1[i] += 1
    s1 = ordered_logit_scores(X, y1, d.theta)
    predicted = d.hinv @ ((s1[i] - s0[i]) * w[i])
    designs.refit(d, y1)
    exact = d.theta - before
    np.testing.assert_allclose(predicted, exact, rtol=0.1, atol=1e-4)
    assert cal.objective(y1) >= 0


def test_predicted_se_change_has_the_right_sign_for_a_small_base_group(simulate, design):
    # a base group of 12 with one extreme answer: moving that answer towards
    # the group's middle must shrink the SE of the group contrast, and the
    # prediction (only the SE term is switched on) must say so
    X, y, w = simulate(800, small=12)
    y = y.copy()
    y[:12] = 3
    y[0] = 1
    d = design(X, y, w)
    d.target = d.theta.copy()
    z = np.abs(d.theta / d.se)
    d.target_stars = [next(s for s, (lo, hi) in objective.STAR_BANDS.items() if lo <= v < hi) for v in z]
    cal = objective.Calibration([d], np.ones(len(y)), use_stars=True, se_weight=1.0, coef_weight=0.0)
    d.target_se = d.se * 0.5  # ask for smaller SEs
    d.active = np.array([False, True, False, False, False, False])  # the contrast only
    _, up = polish.predicted_changes(cal, y)
    se_before = d.se[1]
    designs.refit(d, np.where(np.arange(len(y)) == 0, 2, y))
    assert d.se[1] < se_before
    assert up[0] < 0


def test_exact_search_never_loses_a_passing_target_and_lowers_the_objective(simulate, design):
    X, y, w = simulate(500, seed=11)
    d = design(X, y, w)
    # targets: the current estimate nudged, so some cells pass and some fail
    d.target_se = np.full(6, 0.05)
    d.target = d.theta + np.array([0.02, 0.2, -0.02, 0.1, 0.0, -0.15])
    d.target_stars = ["***", "*", "***", "***", "***", "***"]
    cal = objective.Calibration([d], np.ones(len(y)), use_stars=True, coef_weight=0.1)
    passing_before = cal.passing(y)
    assert passing_before.any() and not passing_before.all()
    y2, history = polish.polish_exact(cal, y, max_rounds=30, candidates=8, max_checks=400)
    assert len(history) > 1
    assert all(b < a for a, b in zip(history, history[1:]))
    designs.refit(d, y2)
    assert np.all(cal.passing(y2)[passing_before])


def test_exact_search_respects_frozen_answers_and_its_budget(simulate, design):
    X, y, w = simulate(300, seed=5)
    d = design(X, y, w)
    d.target = d.theta + 0.3
    d.target_se = np.full(6, 0.1)
    cal = objective.Calibration([d], np.ones(len(y)))
    frozen = np.zeros(len(y), bool)
    frozen[:150] = True
    y2, _ = polish.polish_exact(cal, y, max_rounds=50, candidates=4, max_checks=20, frozen=frozen)
    assert np.array_equal(y2[:150], y[:150])
    assert np.sum(y2 != y) <= 20
