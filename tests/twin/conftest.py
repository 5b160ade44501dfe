"""Helpers of the approval-calibration tests: small simulated ordered-logit data.

The tests of :mod:`scsrepro.twin.designs`, :mod:`scsrepro.twin.objective` and
:mod:`scsrepro.twin.polish` pin the pieces down on simulated data; the
fixtures below hand them the two factories they share.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scsrepro.twin import designs


def _simulate(n: int = 600, seed: int = 3, small: int = 0):
    """Ordered-logit data with two covariates and weights; *small* rows form a base group."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    g = (rng.random(n) < 0.5).astype(float)
    if small:
        g[:small] = 0.0
        g[small:] = 1.0
    X = np.column_stack([x1, g])
    eta = X @ np.array([0.8, 0.6]) + rng.logistic(size=n)
    y = np.digitize(eta, [-2.0, -0.8, 0.6, 1.9]) + 1
    w = rng.uniform(0.5, 2.0, size=n)
    return X, y, w


def _design(X, y, w, target=None, target_se=None, stars=None):
    p = X.shape[1]
    q = p + 4
    d = designs.Design(
        spec=SimpleNamespace(id=1, column="Model 1"),
        rows=np.arange(len(y)),
        X=X,
        w=w,
        terms=[f"x{j}" for j in range(p)],
        target=np.zeros(q) if target is None else np.asarray(target, float),
        target_se=np.ones(q) if target_se is None else np.asarray(target_se, float),
        active=np.ones(q, bool),
        target_stars=list(stars or [""] * q),
    )
    designs.refit(d, y)
    return d


@pytest.fixture
def simulate():
    """Factory: ``simulate(n, seed, small)`` gives (X, y, w) of an ordered logit."""
    return _simulate


@pytest.fixture
def design():
    """Factory: ``design(X, y, w, target, target_se, stars)`` gives a fitted one-model Design."""
    return _design
