"""The ordered-logit model (scsrepro.survey.ordered_logit): the coding, the derivatives."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tools.numdiff import approx_fprime

from scsrepro.survey.ordered_logit import (
    WeightedOrderedModel,
    cuts_increasing,
    ordered_logit_derivatives,
    params_from_theta,
)


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
