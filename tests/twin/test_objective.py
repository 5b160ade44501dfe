"""The objective of the approval calibration (``scsrepro.twin.objective``): the stars terms."""

from __future__ import annotations

import numpy as np

from scsrepro.twin import objective


def test_stars_agree_uses_the_printed_bands(simulate, design):
    X, y, w = simulate()
    d = design(X, y, w)
    z = np.abs(d.theta / d.se)
    bands = [next(s for s, (lo, hi) in objective.STAR_BANDS.items() if lo <= v < hi) for v in z]
    d.target_stars = bands
    assert objective.stars_agree(d).all()
    d.target_stars = ["***" if b != "***" else "" for b in bands]
    assert not objective.stars_agree(d).any()


def test_count_weight_adds_a_fixed_cost_per_disagreeing_cell(simulate, design):
    X, y, w = simulate()
    d = design(X, y, w)
    d.target = d.theta.copy()
    z = np.abs(d.theta / d.se)
    d.target_stars = [next(s for s, (lo, hi) in objective.STAR_BANDS.items() if lo <= v < hi) for v in z]
    cal = objective.Calibration([d], np.ones(len(y)), use_stars=True, star_count_weight=5.0)
    base = cal.objective(y)
    d.target_stars = ["***" if s != "***" else "" for s in d.target_stars[:2]] + d.target_stars[2:]
    # two cells now disagree; their smooth penalties add to the fixed cost
    assert cal.objective(y) >= base + 10.0
