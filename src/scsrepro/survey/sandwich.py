"""The sandwich (robust) covariance of a pseudo-maximum-likelihood fit.

``V = n/(n-1) H^-1 (sum_i w_i^2 s_i s_i') H^-1``, formed from one row
``w_i s_i' H^-1`` per observation (:func:`influence_rows`) so that nothing
cancels: see
:meth:`~scsrepro.survey.ordered_logit.WeightedOrderedModel.sandwich_cov` for
why the product is never formed as ``H^-1 S'S H^-1``.
"""

from __future__ import annotations

import numpy as np

from scsrepro.survey.newton import scaled_solve

__all__ = ["influence_rows", "robust_covariance", "robust_se"]


def influence_rows(weighted_scores: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """One row ``w_i s_i' H^-1`` per observation (H symmetric), the sandwich's factor.

    The robust covariance is ``c * A'A`` for these rows ``A``
    (:func:`robust_covariance`); see
    :meth:`~scsrepro.survey.ordered_logit.WeightedOrderedModel.sandwich_cov`
    for why the product is never formed as ``H^-1 S'S H^-1``.
    """
    return scaled_solve(hessian, weighted_scores.T).T


def robust_covariance(rows: np.ndarray, df_correction: bool = True) -> np.ndarray:
    """``c * A'A`` for influence rows *A* (:func:`influence_rows`), ``c = n / (n - 1)``."""
    n = rows.shape[0]
    c = n / (n - 1) if df_correction else 1.0
    return c * rows.T @ rows


def robust_se(rows: np.ndarray) -> np.ndarray:
    """Square roots of the diagonal of :func:`robust_covariance` (without forming it)."""
    n = rows.shape[0]
    return np.sqrt(n / (n - 1) * np.einsum("ij,ij->j", rows, rows))
