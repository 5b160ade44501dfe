"""The sandwich covariance from influence rows (scsrepro.survey.sandwich)."""

from __future__ import annotations

import numpy as np

from scsrepro.survey.sandwich import influence_rows, robust_covariance, robust_se


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
