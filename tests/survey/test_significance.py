"""The one significance rule and critical value (scsrepro.survey.significance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from scsrepro.survey.significance import STAR_LEVELS, Z95, critical_value, star_bands, stars


def test_stars_follow_the_papers_thresholds():
    assert [stars(p) for p in (0.0099, 0.01, 0.0499, 0.05, 0.0999, 0.1, 0.5)] == ["***", "**", "**", "*", "*", "", ""]
    assert stars(float("nan")) == "" and stars(math.inf) == ""


def test_critical_value_is_the_normal_quantile():
    assert Z95 == critical_value(0.95) == pytest.approx(1.959963984540054, abs=0)
    assert critical_value(0.90) == pytest.approx(1.6448536269514722)
    with pytest.raises(ValueError, match="level"):
        critical_value(1.0)


def test_star_bands_agree_with_stars_on_a_grid_of_z():
    bands = star_bands()
    for z in np.linspace(0, 4, 4001):
        p = 2 * sps.norm.sf(z)
        mark = next(m for m, (lo, hi) in bands.items() if lo <= z < hi)
        # the band and the p-value rule agree except within rounding of the edges
        if min(abs(z - lo) for lo, _ in bands.values()) > 1e-9:
            assert mark == stars(p), z


def test_rounded_bands_are_the_twins_edges():
    assert star_bands(4) == {"***": (2.5758, math.inf), "**": (1.96, 2.5758), "*": (1.6449, 1.96), "": (0.0, 1.6449)}
    assert [m for _, m in STAR_LEVELS] == ["***", "**", "*"]
