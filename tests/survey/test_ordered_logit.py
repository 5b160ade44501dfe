"""The ordered-logit model (scsrepro.survey.ordered_logit): the coding, the derivatives."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tools.numdiff import approx_fprime

from scsrepro.survey import ordered_logit as ol
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


def test_a_checked_design_fits_the_same_without_the_rank_computations(monkeypatch):
    """exog_checked skips statsmodels' singular value decompositions of X and changes nothing else."""
    rng = np.random.default_rng(3)
    n = 400
    level = rng.integers(0, 3, n)
    X = np.column_stack([rng.normal(size=n), level == 1, level == 2]).astype(float)
    y = np.clip(np.round(X @ [0.8, 0.5, -0.4] + rng.logistic(size=n) + 2), 0, 4).astype(int)
    w = rng.uniform(0.5, 2, n)
    plain = ol.fit_stata_rebased(y, X, w, [[1, 2]])
    calls = []
    original = np.linalg.matrix_rank
    monkeypatch.setattr(np.linalg, "matrix_rank", lambda *a, **k: calls.append(1) or original(*a, **k))
    checked = ol.fit_stata_rebased(y, X, w, [[1, 2]], exog_checked=True)
    assert calls == []
    assert np.array_equal(plain[0], checked[0]) and plain[1] == checked[1]
    assert np.array_equal(plain[2].hessian_cut(plain[3]), checked[2].hessian_cut(checked[3]))
    assert (plain[2].df_model, plain[2].df_resid) == (checked[2].df_model, checked[2].df_resid)
    assert checked[2].k_constant == 0
