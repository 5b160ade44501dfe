"""Raking weights with a cap, Kish design effect and margin of error.

The paper weights its 2,209 respondents "by age, gender, and region with the
maximum weight of 2.0" and reports a margin of error of 2.22 % "taking into
account an estimate of the design effect based on the weights distribution"
(section 3.1). This module provides the three pieces:

``rake``             iterative proportional fitting to population margins, with
                     an optional cap on the mean-1 weight scale;
``kish_deff``        Kish's design effect due to unequal weights;
``effective_n``      n / deff;
``margin_of_error``  z * sqrt(deff * p (1 - p) / n);
``implied_deff``     the inverse: the deff that a published margin implies.

Why a small function of our own rather than a library: R's ``survey::rake`` has
no cap (one trims afterwards with ``trimWeights``, which breaks the margins
again), and the capped variant needed here is a dozen lines of IPF whose every
step can be tested. With ``cap=None`` the result equals ``survey::rake`` after
normalising to mean 1; ``tests/survey/test_weighting.py`` checks this against numbers
made by ``tests/r/make_fixtures.R``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.survey.significance import critical_value

__all__ = [
    "rake",
    "kish_deff",
    "effective_n",
    "margin_of_error",
    "implied_deff",
    "RakingError",
]

SHARE_TOL = 1e-6


class RakingError(ValueError):
    """Raised when the margins and the cap cannot hold together."""


def _positions(mask: np.ndarray, limit: int = 10) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)[:limit]]


def check_weights(w, n: int | None = None, name: str = "weights") -> np.ndarray:
    """Survey weights as a float array, or a ValueError naming the bad ones.

    The one check every estimator in the package uses: a non-empty 1-d
    array (of *n* values when *n* is given), every weight finite and
    positive. The message gives the offending values and their row
    positions.
    """
    arr = np.asarray(w, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or (n is not None and arr.size != n):
        expected = f"1-d with {n} values" if n is not None else "a non-empty 1-d array"
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(
            f"{name} must be finite and > 0; offending values "
            f"{arr[bad][:10].tolist()} at row positions {_positions(bad)}"
        )
    return arr


def _solve_capped_factor(a: np.ndarray, target: float, cap: float) -> float:
    """Smallest f with sum(min(cap, f * a)) == target (a > 0).

    The left side is continuous, piecewise linear and increasing in f until
    every unit is capped, so the root is found exactly by sorting.
    """
    if target >= cap * a.size * (1 - 1e-12):
        raise RakingError(
            f"target total {target:.6g} needs more than cap x count ({cap} x {a.size}); the cap is infeasible"
        )
    order = np.sort(a)[::-1]  # largest desired weights are capped first
    suffix = np.concatenate((np.cumsum(order[::-1])[::-1], [0.0]))
    for k in range(order.size):  # k units capped
        f = (target - k * cap) / suffix[k]
        # consistent if unit k is not capped and unit k-1 is
        if f * order[k] <= cap and (k == 0 or f * order[k - 1] >= cap):
            return f
    raise RakingError("no factor solves the capped margin (numerical failure)")


def rake(
    df: pd.DataFrame,
    margins: Mapping[str, Mapping[Any, float]],  # Any: Mapping is invariant in its key type
    cap: float | None = 2.0,
    weight_col: str | None = None,
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> pd.Series:
    """Rake weights to population margins, optionally capping them.

    Iterative proportional fitting (raking ratio estimation): for each raking
    variable in turn the weights in every category are multiplied by a factor
    so that the weighted share equals the population share; the cycle repeats
    until all margins hold. With ``cap`` the weight of unit *i* is
    ``min(cap, d_i * prod_v f_{v, c_v(i)})`` on the mean-1 scale, and each
    factor is solved exactly under that truncation, so the cap and the margins
    hold together at convergence (a bounded-raking calibration, not
    "rake then trim").

    Equivalent to R ``weights(survey::rake(svydesign(ids=~1, weights=~d, ...),
    ...))`` divided by its mean when ``cap=None`` (R's defaults stop after 10
    sweeps with ``epsilon=1``; compare with ``control=list(maxit=1000,
    epsilon=1e-13)``). Stata's user command ``ipfweight ..., upthreshold()``
    trims after each sweep and is close to, but not identical with, the capped
    version here.

    Parameters
    ----------
    df : DataFrame
        One row per respondent; must contain every key of ``margins``.
    margins : dict of dict
        ``{variable: {category: population share}}``. Shares of each variable
        must sum to 1 (within 1e-6) and be > 0.
    cap : float or None, default 2.0
        Largest allowed weight on the mean-1 scale (the paper uses 2.0).
        ``None`` means plain raking.
    weight_col : str, optional
        Column of base (design) weights; default all ones.
    max_iter : int
        Maximum number of full sweeps over the variables.
    tol : float
        Convergence criterion: largest absolute difference between a weighted
        share and its target share after a sweep.

    Returns
    -------
    Series
        Weights with mean 1, indexed like ``df``, named ``"weight"``.

    Raises
    ------
    ValueError
        Missing columns, NaN in a raking variable, shares that do not sum to
        1, categories in the data without a margin, or margin categories
        absent from the data (each message names the column, the values and
        the row positions).
    RakingError
        If the cap cannot be met together with the margins (e.g. ``cap <= 1``,
        or a category whose target share exceeds cap x its sample share), or
        if IPF does not converge in ``max_iter`` sweeps.
    """
    _check_arguments(df, margins, cap)
    base = _base_weights(df, weight_col)
    codes, targets = _margin_codes(df, margins)
    factors = _ipf(base, codes, targets, margins, cap, max_iter, tol)
    w = _raked_weights(base, codes, factors, cap)
    w = w / w.mean()
    if cap is not None and w.max() > cap * (1 + 1e-9):
        raise RakingError(f"cap {cap} violated after normalisation (max {w.max():.6f})")
    return pd.Series(w, index=df.index, name="weight")


# ---------------------------------------------------------------------------
# the steps of rake
# ---------------------------------------------------------------------------
def _check_arguments(df: pd.DataFrame, margins: Mapping, cap: float | None) -> None:
    """A data frame with rows, some margins, and a cap above 1 (or none)."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError("df must be a pandas DataFrame")
    if len(df) == 0:
        raise ValueError("df has no rows")
    if not margins:
        raise ValueError("margins is empty")
    if cap is not None:
        if not np.isfinite(cap) or cap <= 1.0:
            raise RakingError(f"cap={cap} is infeasible: on the mean-1 scale the cap must exceed 1")


def _base_weights(df: pd.DataFrame, weight_col: str | None) -> np.ndarray:
    """The design weights of column *weight_col* (all 1 without one), checked and scaled to mean 1."""
    if weight_col is None:
        base = np.ones(len(df))
    else:
        if weight_col not in df.columns:
            raise ValueError(f"weight column {weight_col!r} not in df")
        base = check_weights(df[weight_col].to_numpy(), name=f"column {weight_col!r}")
    return base / base.mean()


def _margin_codes(
    df: pd.DataFrame, margins: Mapping[str, Mapping[Any, float]]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """For each raking variable, in the order of *margins*: its category codes and target totals."""
    n = len(df)
    codes: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for var, shares in margins.items():
        code, vals = _margin_code(df, var, shares)
        codes.append(code)
        targets.append(vals * n)
    return codes, targets


def _margin_code(df: pd.DataFrame, var: str, shares: Mapping[Any, float]) -> tuple[np.ndarray, np.ndarray]:
    """Column *var* coded 0..k-1 in the order of its margin's labels, and the margin's shares, checked.

    The shares must be positive and sum to 1; every value of the column must
    have a share and every share a value in the column, with no NaN.
    """
    if var not in df.columns:
        raise ValueError(f"raking variable {var!r} is not a column of df")
    col = df[var]
    na = col.isna().to_numpy()
    if na.any():
        raise ValueError(
            f"column {var!r} has {int(na.sum())} missing values at row "
            f"positions {_positions(na)}; raking needs a category for everyone"
        )
    labels = list(shares.keys())
    vals = np.array([float(shares[k]) for k in labels])
    if (~np.isfinite(vals)).any() or (vals <= 0).any():
        raise ValueError(f"margin shares of {var!r} must be finite and > 0: {dict(shares)}")
    if abs(vals.sum() - 1.0) > SHARE_TOL:
        raise ValueError(f"margin shares of {var!r} sum to {vals.sum():.8f}, not 1 (tolerance {SHARE_TOL})")
    observed = pd.unique(col.to_numpy())
    unknown_data = [v for v in observed if v not in shares]
    if unknown_data:
        mask = ~col.isin(labels).to_numpy()
        raise ValueError(
            f"column {var!r} has categories without a margin: {unknown_data} (row positions {_positions(mask)})"
        )
    missing = [k for k in labels if not (col == k).any()]
    if missing:
        raise ValueError(f"margin of {var!r} lists categories absent from the data: {missing}")
    code = pd.Categorical(col, categories=labels).codes.astype(int)
    if (code < 0).any():  # labels equal as dict keys but not as categories
        raise ValueError(
            f"column {var!r}: values at row positions {_positions(code < 0)} do "
            f"not match the margin labels {labels} (check their types)"
        )
    return code, vals


def _product(
    base: np.ndarray, codes: list[np.ndarray], factors: list[np.ndarray], exclude: int | None = None
) -> np.ndarray:
    """The base weights times each variable's factor for the unit's category (but variable *exclude*'s)."""
    g = base.copy()
    for j, (c, f) in enumerate(zip(codes, factors)):
        if j != exclude:
            g = g * f[c]
    return g


def _raked_weights(
    base: np.ndarray, codes: list[np.ndarray], factors: list[np.ndarray], cap: float | None
) -> np.ndarray:
    """The weights at the current factors: :func:`_product`, capped at *cap*."""
    g = _product(base, codes, factors)
    return g if cap is None else np.minimum(g, cap)


def _ipf(
    base: np.ndarray,
    codes: list[np.ndarray],
    targets: list[np.ndarray],
    margins: Mapping,
    cap: float | None,
    max_iter: int,
    tol: float,
) -> list[np.ndarray]:
    """Iterative proportional fitting: the factor of each variable's categories at convergence.

    Each sweep solves, variable by variable and category by category, the
    factor that brings the category's (capped) weighted total to its target
    (:func:`_solve_capped_factor` under a cap); it stops when no weighted
    share is off by *tol* or more after a sweep.
    """
    n = base.size
    names = list(margins)
    factors = [np.ones(len(t)) for t in targets]
    for _sweep in range(max_iter):
        for j, (c, t) in enumerate(zip(codes, targets)):
            a = _product(base, codes, factors, exclude=j)
            for k in range(len(t)):
                idx = c == k
                if cap is None:
                    factors[j][k] = t[k] / a[idx].sum()
                else:
                    try:
                        factors[j][k] = _solve_capped_factor(a[idx], t[k], cap)
                    except RakingError as err:
                        raise RakingError(
                            f"{_var_label(names[j], k, margins)}: {err} "
                            f"({int(idx.sum())} respondents, target share "
                            f"{t[k] / n:.4f}, maximum reachable share "
                            f"{cap * idx.sum() / n:.4f})"
                        ) from None
        w = _raked_weights(base, codes, factors, cap)
        worst = max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t).max() / n for c, t in zip(codes, targets))
        if worst < tol:
            break
    else:
        raise RakingError(
            f"raking did not converge in {max_iter} sweeps (largest share error "
            f"{worst:.3g}); with cap={cap} the margins may be jointly infeasible"
        )
    return factors


def _var_label(var: str, k: int, margins: Mapping) -> str:
    """Human-readable ``variable=category`` for error messages."""
    return f"{var}={list(margins[var].keys())[k]!r}"


def kish_deff(w) -> float:
    """Kish's design effect due to unequal weighting, n * sum(w^2) / sum(w)^2.

    Equals ``1 + CV^2`` of the weights (CV with divisor n). R:
    ``PracTools::deffK(w)`` is this formula (``survey::svymean(..., deff=TRUE)``
    is a different, variable-specific design effect). Stata has no built-in
    command; it is ``n * r(sum_w2) / r(sum_w)^2`` by hand.

    Parameters
    ----------
    w : array_like
        Positive, finite weights (any scale).

    Returns
    -------
    float
    """
    w = check_weights(w)
    return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def effective_n(w) -> float:
    """Kish effective sample size, sum(w)^2 / sum(w^2) = n / deff.

    R: ``PracTools::deffK`` gives the deff; ``n / deffK(w)`` is this value.
    """
    w = check_weights(w)
    return float(np.sum(w) ** 2 / np.sum(w**2))


def margin_of_error(w, p: float = 0.5, level: float = 0.95) -> float:
    """Margin of error of a proportion, z * sqrt(deff * p (1 - p) / n).

    Uses Kish's deff from the weights (:func:`kish_deff`) and the normal
    quantile z = Phi^{-1}(1 - (1 - level) / 2). This is the usual pollster's
    figure; it equals half the width of R ``confint(svymean(...))`` only when
    the variable's own design effect equals Kish's deff.

    Parameters
    ----------
    w : array_like
        Weights of the n respondents.
    p : float, default 0.5
        Proportion (0.5 gives the conservative, maximal margin).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    float
        On the proportion scale (0.0222 means 2.22 percentage points).
    """
    if not 0 < p < 1:
        raise ValueError(f"p must lie in (0, 1), got {p}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    w = check_weights(w)
    z = critical_value(level)
    return float(z * np.sqrt(kish_deff(w) * p * (1 - p) / w.size))


def implied_deff(moe: float, n: int, p: float = 0.5, level: float = 0.95) -> float:
    """Design effect implied by a published margin of error.

    Inverts :func:`margin_of_error`: deff = n * (moe / z)^2 / (p (1 - p)).
    For the paper (moe 2.22 %, n = 2,209) this is about 1.13.
    """
    if moe <= 0 or n <= 0:
        raise ValueError(f"moe and n must be positive, got moe={moe}, n={n}")
    z = critical_value(level)
    return float(n * (moe / z) ** 2 / (p * (1 - p)))
