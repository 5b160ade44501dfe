"""The ordered-logit engine (scsrepro.survey.ordered_logit): the Newton loop, the sandwich, the coding."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tools.numdiff import approx_fprime

from scsrepro.survey.ordered_logit import (
    WeightedOrderedModel,
    cuts_increasing,
    influence_rows,
    newton_maximise,
    ordered_logit_derivatives,
    params_from_theta,
    robust_covariance,
    robust_se,
    step_converged,
)


def quadratic(centre, curvature):
    centre, curvature = np.asarray(centre, float), np.asarray(curvature, float)

    def derivatives(x):
        return -curvature @ (x - centre), -curvature

    def value(x):
        d = x - centre
        return -0.5 * d @ curvature @ d

    return derivatives, value


def test_newton_finds_a_quadratics_maximum_in_one_step():
    deriv, value = quadratic([1.0, -2.0], [[2.0, 0.5], [0.5, 1.0]])
    res = newton_maximise(np.zeros(2), deriv, step_converged(1e-12), value=value)
    assert res.status == "converged"
    np.testing.assert_allclose(res.theta, [1.0, -2.0], atol=1e-12)
    assert res.iterations == 2  # the second step is zero and stops the loop


def test_step_halving_keeps_the_iterates_valid():
    # maximum at 3, but the region x < 2.5 is declared invalid: the step is halved and then stalls
    deriv, value = quadratic([3.0], [[1.0]])
    res = newton_maximise(np.zeros(1), deriv, step_converged(1e-12), value=value, valid=lambda x: x[0] < 2.5)
    assert res.status == "stalled"
    assert 0 < res.theta[0] < 2.5


def test_without_an_objective_a_step_out_of_bounds_stops_the_loop():
    deriv, _ = quadratic([3.0], [[1.0]])
    res = newton_maximise(np.zeros(1), deriv, step_converged(1e-12), valid=lambda x: x[0] < 2.5)
    assert res.status == "invalid"
    assert res.theta[0] == 0.0


def test_a_singular_hessian_is_reported():
    res = newton_maximise(np.zeros(2), lambda x: (np.ones(2), np.zeros((2, 2))), step_converged(1e-12))
    assert res.status == "singular"


def test_parameter_coding_round_trip():
    model = WeightedOrderedModel(np.array([0, 1, 2, 2, 1, 0]), np.arange(6.0)[:, None], np.ones(6))
    theta = np.array([0.3, -1.0, 0.5])
    params = params_from_theta(theta, 1)
    np.testing.assert_allclose(model.cuts_from_params(params), theta[1:])
    assert cuts_increasing(theta, 1) and not cuts_increasing(np.array([0.3, 0.5, -1.0]), 1)
    with pytest.raises(ValueError, match="increase"):
        params_from_theta(np.array([0.3, 0.5, -1.0]), 1)


def test_derivatives_match_numerical_ones():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    y = rng.integers(1, 4, 50)
    w = rng.uniform(0.5, 2, 50)
    theta = np.array([0.2, -0.1, -0.5, 0.7])

    def loglike(th):
        c = np.concatenate(([-np.inf], th[2:], [np.inf]))
        eta = X @ th[:2]
        p = 1 / (1 + np.exp(-(c[y] - eta))) - 1 / (1 + np.exp(-(c[y - 1] - eta)))
        return np.sum(w * np.log(p))

    scores, H = ordered_logit_derivatives(X, y, w, theta)
    np.testing.assert_allclose(w @ scores, approx_fprime(theta, loglike), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, approx_fprime(theta, lambda t: w @ ordered_logit_derivatives(X, y, w, t)[0]), rtol=1e-4, atol=1e-5)


def test_sandwich_from_rows_equals_the_textbook_formula():
    rng = np.random.default_rng(2)
    S = rng.normal(size=(40, 3))
    M = rng.normal(size=(3, 3))
    H = -(M @ M.T + 3 * np.eye(3))
    rows = influence_rows(S, H)
    Hi = np.linalg.inv(H)
    textbook = 40 / 39 * Hi @ (S.T @ S) @ Hi
    np.testing.assert_allclose(robust_covariance(rows), textbook, rtol=1e-12)
    np.testing.assert_allclose(robust_se(rows), np.sqrt(np.diag(textbook)), rtol=1e-12)
