"""The Newton-Raphson loop and its linear solves (scsrepro.survey.newton)."""

from __future__ import annotations

import numpy as np

from scsrepro.survey.newton import newton_maximise, scaled_solve, solve_or_pinv, step_converged


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


def test_scaled_solve_equals_solve():
    H = np.array([[1e6, 2.0], [2.0, -3e-2]])  # diagonal entries of very different size and sign
    b = np.array([1.0, -2.0])
    np.testing.assert_allclose(scaled_solve(H, b), np.linalg.solve(H, b), rtol=1e-12)
    B = np.column_stack([b, 2 * b])
    np.testing.assert_allclose(scaled_solve(H, B), np.linalg.solve(H, B), rtol=1e-12)


def test_solve_or_pinv_falls_back_to_the_pseudo_inverse():
    H = np.array([[1.0, 1.0], [1.0, 1.0]])
    g = np.array([2.0, 2.0])
    np.testing.assert_allclose(solve_or_pinv(H, g), np.linalg.pinv(H) @ g)
    np.testing.assert_allclose(solve_or_pinv(np.eye(2) * 2, g), [1.0, 1.0])
