"""Decisions on quantized values (scsrepro.survey.decisions) and their use in the twin."""

from __future__ import annotations

import numpy as np
import pytest

from scsrepro.survey import decisions as D
from scsrepro.twin import approval_latent as latent, objective


def ulp_noise(x: np.ndarray, k: int = 4, seed: int = 0) -> np.ndarray:
    """*x* moved by up to *k* units in the last place, like another CPU's result."""
    rng = np.random.default_rng(seed)
    out = np.asarray(x, dtype=float).copy()
    for _ in range(k):
        direction = np.where(rng.random(out.shape) < 0.5, -np.inf, np.inf)
        out = np.where(rng.random(out.shape) < 0.5, np.nextafter(out, direction), out)
    return out


def test_quantize_rounds_to_units_and_keeps_infinities_last():
    q = D.quantize([0.0, 1.4e-6, 1.6e-6, -np.inf, np.inf], 1e-6)
    assert q[:3].tolist() == [0, 1, 2]
    assert q[3] < q[0] < q[4]


def test_quantize_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        D.quantize([1.0, np.nan], 1e-6)


def test_order_breaks_ties_by_position_not_by_last_bits():
    values = np.array([0.3, 0.1, 0.2, 0.1, 0.3])
    noisy = values.copy()
    noisy[3] = np.nextafter(0.1, 0.0)  # equal in exact arithmetic, smaller in the last bit
    assert np.argsort(noisy, kind="stable").tolist() == [3, 1, 2, 0, 4]  # plain sorting follows the noise
    assert D.order(noisy, 1e-9).tolist() == [1, 3, 2, 0, 4]
    assert D.order(noisy, 1e-9, descending=True).tolist() == [0, 4, 2, 1, 3]
    assert D.top(noisy, 2, 1e-9).tolist() == [0, 4]


def test_order_is_unchanged_by_last_bit_noise():
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=5000), 3)  # many exact ties
    for seed in range(5):
        assert np.array_equal(D.order(ulp_noise(x, seed=seed), 1e-8), D.order(x, 1e-8))


def test_comparisons_ignore_noise_below_the_resolution():
    a = 1.0 + 1e-13
    assert not D.less(1.0, a, 1e-9) and D.less_equal(a, 1.0, 1e-9)
    assert D.less(1.0, 1.0 + 2e-9, 1e-9)
    assert D.within(-(0.99 + 1e-14), 0.99, 1e-8)
    assert not D.within(0.99 + 2e-8, 0.99, 1e-8)
    assert D.argbest([0.5, 0.5 - 1e-14, 0.7], 1e-9) == 0


def test_fixed_point_sums_do_not_depend_on_order():
    rng = np.random.default_rng(2)
    w = rng.uniform(0.3, 2.0, size=3000)
    fixed = D.to_fixed_point(w)
    total = D.fixed_point_sum(fixed)
    assert D.fixed_point_sum(fixed[::-1]) == total
    assert D.fixed_point_sum(rng.permutation(fixed)) == total
    assert D.ratio(total, total) == 1.0
    assert abs(total / 2.0**D.FIXED_POINT_BITS - w.sum()) < 1e-8
    with pytest.raises(ValueError):
        D.to_fixed_point([-1.0])


def test_exact_sum_is_correctly_rounded_in_any_order():
    values = [1e16, 1.0, -1e16, 1e-3] * 10
    assert D.exact_sum(values) == D.exact_sum(values[::-1]) == pytest.approx(10.01, abs=1e-12)


def test_assign_by_rank_gives_tied_scores_in_row_order():
    score = np.array([0.5, 0.1, 0.1, 0.9, 0.1 + 1e-15])
    y = latent.assign_by_rank(score, np.array([1, 1, 1, 1, 1]))
    # rows 1, 2 and 4 are tied at the resolution: the first row gets the lowest answer
    assert y.tolist() == [4, 1, 2, 5, 3]


def test_respondents_alike_to_the_objective_share_one_predicted_value():
    class Stub:
        pass

    d = Stub()
    d.X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    d.rows = np.arange(4)
    w = np.array([1.0, 1.0, 1.0, 2.0])
    profile = objective.profiles(4, [d], w, [])
    assert profile[0] == profile[1] and len(set(profile.tolist())) == 3
    cal = objective.Calibration([], w, profile=profile)
    noisy = np.array([0.25, np.nextafter(0.25, 0.0), 0.1, 0.25])
    same = cal.tie(noisy, np.array([3, 3, 3, 3]))
    assert same[1] == same[0] == 0.25 and same[3] == 0.25 and same[2] == 0.1
    # a different current answer makes them different respondents again
    assert cal.tie(noisy, np.array([3, 4, 3, 3]))[1] == noisy[1]
