"""Standard errors that account for calibration (raking) of the weights.

Every other standard error of the package treats the weights as fixed, as
Stata's ``[pweight=]`` and R's ``svydesign(ids = ~1, weights = ~w)`` do. Raked
weights are not fixed: they are chosen so that the weighted totals of the
calibration variables hit known population totals, and an estimator that is
correlated with those variables varies less than the fixed-weight formula
says. This module gives the linearisation R's ``survey`` package uses for a
design made by ``calibrate(design, ~a + b + c, population, calfun = "raking")``
(survey 4.1, ``calibrate.survey.design2`` and ``svyrecvar``).

What R does
------------
``calibrate`` stores, with the design, the QR decomposition of
``M * sqrt(d)``: ``M`` the calibration model matrix
(``model.matrix(~a + b + c)``: an intercept and the dummies of every level
but the first; :func:`calibration_matrix`) and ``d`` the weights *before*
calibration. ``svyrecvar`` then replaces every influence (estimating-function)
row ``x_i`` of an estimator by ``qr.resid(qr, x / v) * v`` with
``v_i = w_i / sqrt(d_i)`` and ``w_i`` the calibrated weight. Written out
(:func:`residualise`)::

    r_i = x_i - w_i M_i' B,    B = (sum_j d_j M_j M_j')^-1 sum_j d_j M_j (x_j / w_j),

the residual of the per-unit value ``x_i / w_i`` from its regression on the
calibration variables, fitted with the *design* weights ``d``, multiplied
back by the calibrated weight. The scales of ``w`` and ``d`` do not matter.
The variance is then the one-stage ``ids = ~1`` formula of ``onestrat``:
``n / (n - 1) * sum_i (r_i - rbar)(r_i - rbar)'`` with ``n`` the number of
rows of the design (:meth:`Calibration.covariance`). The residuals need the
centring (the fixed-weight sandwich does not: weighted scores sum to zero
at a pseudo-maximum-likelihood estimate, their residuals do not).

Domains. Rows left out of an estimate (a missing value, listwise deletion
in a model) stay in the calibrated design, as in R, where subsetting a
calibrated design keeps every row and gives the others weight 0: their
influence is 0 *before* the residualisation (so their residual is not), and
they count in ``n``. Pass the rows used as ``used``.

Capped weights
--------------
Raking with a cap (:func:`~scsrepro.survey.weighting.rake` with ``cap``,
on the mean-1 scale) gives ``w_i = min(cap, d_i exp(M_i'l))`` with the
margins still met exactly: a truncated raking function. A unit at the cap
does not respond to the margins at all, so a linearisation of the capped
estimator itself would fit ``B`` on the uncapped units only. This module does not do that. It treats the final,
capped weights as calibration weights: it residualises with them on the same
calibration matrix, every unit in the regression, with the design weights as
regression weights -- the formula above with ``w`` the capped weights. Why:

* it is exactly what R computes for bounded raking, ``calibrate(...,
  calfun = "raking", bounds = c(-Inf, cap))``, whose weights are the same
  truncated exponential and which converges to the capped weights of
  :func:`~scsrepro.survey.weighting.rake` (checked in
  ``tests/survey/test_calibration.py``); R's variance for such a design uses
  the unchanged regression, whatever the bounds;
* any weights that meet the margins and stay close to the design weights
  give the same first-order variance (Deville and Saerndal 1992), so the
  choice of calibration function, cap included, is a second-order matter;
* the capped units are usually few, and they enter ``B`` only as a small
  part of the regression.

The other reading is available as a sensitivity check: ``at_bound`` (a mask
of the capped units, :meth:`Calibration.from_frame`) fits ``B`` on the
other units only, while every unit keeps its residual. Where the
calibration variables explain little of an estimator, the two readings can
differ by as much as calibration changes the standard error at all, so
report the check beside the R-equivalent number rather than instead of it.

Use :func:`calibrated_ologit_cov` for an ordered logit fitted with
:class:`~scsrepro.survey.ordered_logit.WeightedOrderedModel` (its scores and
Hessian, the rows of :func:`~scsrepro.survey.sandwich.influence_rows`), and
:func:`calibrated_proportions` / :func:`calibrated_mean` for R's ``svymean``
on the calibrated design. Checked against R in
``tests/survey/test_calibration.py`` with references made by
``tests/r/calibration.R``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.survey.design import design_matrix
from scsrepro.survey.estimates import weighted_mean, weighted_proportions
from scsrepro.survey.ordered_logit import WeightedOrderedModel
from scsrepro.survey.sandwich import influence_rows, robust_covariance
from scsrepro.survey.weighting import check_weights

__all__ = [
    "INTERCEPT",
    "calibration_matrix",
    "residualise",
    "Calibration",
    "calibrated_ologit_cov",
    "calibrated_proportions",
    "calibrated_mean",
]

#: Name of the intercept column of :func:`calibration_matrix` (as R's model.matrix).
INTERCEPT = "(Intercept)"

#: Relative tolerance below which a direction of the calibration matrix counts
#: as redundant (R's ``qr`` uses 1e-7 on its pivoted columns).
RANK_TOL = 1e-7


def _positions(mask: np.ndarray, limit: int = 10) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)[:limit]]


# ---------------------------------------------------------------------------
# the calibration model matrix
# ---------------------------------------------------------------------------
def calibration_matrix(
    df: pd.DataFrame, variables: Sequence[str], levels: Mapping[str, Sequence] | None = None
) -> pd.DataFrame:
    """The calibration model matrix of categorical *variables*: intercept and dummies.

    Equals R ``model.matrix(~a + b + c, df)`` with every variable a factor:
    the column ``(Intercept)`` of ones, then for each variable in order the
    dummies ``<var>_<level>`` of its levels but the first (sorted levels;
    :func:`~scsrepro.survey.design.design_matrix`'s coding). Which level is
    left out does not change any calibrated variance (the residualisation
    depends only on the space the columns span).

    Parameters
    ----------
    df : DataFrame
        One row per unit of the design (every row, also those an estimate
        will leave out).
    variables : sequence of str
        The categorical calibration variables (raking variables).
    levels : mapping, optional
        ``{variable: allowed levels}``, e.g. the categories of the population
        margins. A value outside them, or a level without a unit, is an error.

    Raises
    ------
    ValueError
        No variables, a variable that is not a column, a missing value or a
        value outside *levels* (naming the column, the values and the row
        positions), a listed level no unit has, or a variable with a single
        category.
    """
    variables = list(variables)
    if not variables:
        raise ValueError("no calibration variables given")
    if len(set(variables)) != len(variables):
        raise ValueError(f"a calibration variable is listed twice: {variables}")
    absent = [v for v in variables if v not in df.columns]
    if absent:
        raise ValueError(f"calibration variables not in df: {absent}")
    data = df[variables].reset_index(drop=True)
    for var in variables:
        _check_column(data[var], var, None if levels is None else levels.get(var))
    base = {var: sorted(pd.unique(data[var].to_numpy()).tolist())[0] for var in variables}
    dummies, _ = design_matrix(data, variables, base)
    M = pd.concat([pd.DataFrame({INTERCEPT: np.ones(len(data))}), dummies], axis=1)
    M.index = df.index
    return M


def _check_column(col: pd.Series, var: str, allowed: Sequence | None) -> None:
    """No missing values, two categories or more; with *allowed*, no other values and every allowed value present."""
    na = col.isna().to_numpy()
    if na.any():
        raise ValueError(
            f"calibration variable {var!r} has {int(na.sum())} missing values ({col[na].unique().tolist()}) "
            f"at row positions {_positions(na)}; every unit needs a category"
        )
    if col.nunique() < 2:
        raise ValueError(
            f"calibration variable {var!r} has a single category ({col.unique().tolist()[0]!r}): nothing to calibrate"
        )
    if allowed is None:
        return
    allowed = list(allowed)
    bad = ~col.isin(allowed).to_numpy()
    if bad.any():
        raise ValueError(
            f"calibration variable {var!r} has values {pd.unique(col[bad]).tolist()} not among its levels "
            f"{allowed} at row positions {_positions(bad)}"
        )
    empty = [lev for lev in allowed if not (col == lev).any()]
    if empty:
        raise ValueError(f"calibration variable {var!r}: no unit has the levels {empty}")


# ---------------------------------------------------------------------------
# the residualisation and the variance
# ---------------------------------------------------------------------------
def residualise(rows, matrix, weights, design_weights=None, at_bound=None) -> np.ndarray:
    """Influence rows replaced by their calibration residuals, as R's ``svyrecvar``.

    R (``greg_calibration``): ``qr.resid(qr(M * sqrt(d)), x / v) * v`` with
    ``v = w / sqrt(d)``, that is::

        r_i = x_i - w_i M_i' B,    B = (sum_j d_j M_j M_j')^-1 sum_j d_j M_j x_j / w_j

    Parameters
    ----------
    rows : (n,) or (n, k) array
        Influence or weighted estimating-function rows ``x_i`` of every unit
        of the design (zero for units an estimate leaves out).
    matrix : (n, q) array or DataFrame
        Calibration model matrix (:func:`calibration_matrix`).
    weights : (n,) array
        Final (calibrated; capped, if so) weights ``w``, any scale.
    design_weights : (n,) array, optional
        Weights before calibration ``d`` (the regression weights), any
        scale; default all 1 (an equal-probability sample).
    at_bound : (n,) boolean array, optional
        Units whose weight sits at a bound (a cap) and so does not respond
        to the margins. Default None: every unit is in the regression, as
        in R. Given, the sums defining ``B`` run over the other units only
        (the linearisation of the capped estimator itself); every unit
        still gets its residual. A sensitivity check, not what R does.

    Returns
    -------
    ndarray
        The residual rows, shaped like *rows*. A redundant direction of the
        matrix (singular value below :data:`RANK_TOL` times the largest) is
        ignored, as R's pivoting QR does.
    """
    X = np.asarray(rows, dtype=float)
    flat = X.ndim == 1
    X = X[:, None] if flat else X
    M = np.asarray(matrix, dtype=float)
    n = X.shape[0]
    if X.ndim != 2 or M.ndim != 2 or M.shape[0] != n:
        raise ValueError(f"rows {np.shape(rows)} and calibration matrix {np.shape(matrix)} need the same rows")
    if not np.all(np.isfinite(X)) or not np.all(np.isfinite(M)):
        raise ValueError("rows and calibration matrix must be finite (give 0 to the rows an estimate leaves out)")
    w = check_weights(weights, n, "calibrated weights")
    d = np.ones(n) if design_weights is None else check_weights(design_weights, n, "design weights")
    fit = np.ones(n, dtype=bool) if at_bound is None else ~_mask(at_bound, n, "at_bound")
    if not fit.any():
        raise ValueError("every unit is at a bound: nothing to fit the calibration regression on")
    sd = np.sqrt(d)
    v = w / sd
    A = M * sd[:, None]
    u = X / v[:, None]
    B = np.linalg.lstsq(A[fit], u[fit], rcond=RANK_TOL)[0]
    r = (u - A @ B) * v[:, None]
    return r[:, 0] if flat else r


def _mask(mask, n: int, name: str) -> np.ndarray:
    """*mask* checked to be a boolean array of *n* values."""
    arr = np.asarray(mask)
    if arr.dtype != bool or arr.shape != (n,):
        raise ValueError(f"{name} must be a boolean mask of the design's {n} rows, got {arr.dtype} {arr.shape}")
    return arr


@dataclass(frozen=True)
class Calibration:
    """A calibrated one-stage design: calibration matrix, final weights, design weights.

    The design is R's ``calibrate(svydesign(ids = ~1, weights = ~d), ~a + b + c,
    ...)``: each unit its own PSU, no strata, no finite-population correction.
    Build it with :meth:`from_frame`.

    Attributes
    ----------
    matrix : (n, q) array
        Calibration model matrix (:func:`calibration_matrix`).
    weights : (n,) array
        Final (calibrated) weights of every unit.
    design_weights : (n,) array
        Weights before calibration (all 1 for an equal-probability sample).
    names : tuple of str
        Column names of *matrix*.
    at_bound : (n,) boolean array or None
        Units left out of the calibration regression because their weight
        sits at a bound (see :func:`residualise`); None (R's rule): none.
    """

    matrix: np.ndarray
    weights: np.ndarray
    design_weights: np.ndarray
    names: tuple[str, ...] = ()
    at_bound: np.ndarray | None = None

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        variables: Sequence[str],
        weights,
        design_weights=None,
        levels: Mapping[str, Sequence] | None = None,
        at_bound=None,
    ) -> Calibration:
        """The calibrated design of *df* raked (or calibrated) on categorical *variables*.

        *weights* are the final weights of the rows of *df*, in their order
        (e.g. from :func:`~scsrepro.survey.weighting.rake`, capped or not),
        *design_weights* those before calibration (default all 1); *levels*
        as in :func:`calibration_matrix`; *at_bound* as in :func:`residualise`
        (e.g. ``weights >= cap * (1 - 1e-9)`` on the mean-1 scale, for the
        sensitivity check of the module docstring; default None, R's rule).
        """
        M = calibration_matrix(df, variables, levels)
        n = len(M)
        w = check_weights(np.asarray(weights, dtype=float), n, "calibrated weights")
        d = np.ones(n) if design_weights is None else check_weights(design_weights, n, "design weights")
        bound = None if at_bound is None else _mask(at_bound, n, "at_bound")
        return cls(M.to_numpy(dtype=float), w, d, tuple(M.columns), bound)

    @property
    def n(self) -> int:
        """Number of units (PSUs) of the design, the ``n`` of ``n / (n - 1)``."""
        return int(self.weights.size)

    def used_mask(self, used=None) -> np.ndarray:
        """The rows an estimate uses as a boolean mask (all rows for None)."""
        if used is None:
            return np.ones(self.n, dtype=bool)
        mask = _mask(used, self.n, "used")
        if mask.sum() < 2:
            raise ValueError("an estimate needs at least two rows")
        return mask

    def residualise(self, rows, used=None) -> np.ndarray:
        """:func:`residualise` of influence *rows* of the rows *used* (zero for the others), all n rows."""
        mask = self.used_mask(used)
        X = np.asarray(rows, dtype=float)
        X = X[:, None] if X.ndim == 1 else X
        if X.shape[0] != mask.sum():
            raise ValueError(f"{X.shape[0]} influence rows for {int(mask.sum())} rows used")
        full = np.zeros((self.n, X.shape[1]))
        full[mask] = X
        return residualise(full, self.matrix, self.weights, self.design_weights, self.at_bound)

    def covariance(self, rows, used=None, df_correction: bool = True) -> np.ndarray:
        """Calibrated covariance of the estimator with influence *rows* (of the rows *used*).

        ``n / (n - 1) * sum_i (r_i - rbar)(r_i - rbar)'`` over all ``n`` rows
        of the design, ``r`` from :meth:`residualise`: R ``svyrecvar`` on the
        calibrated ``ids = ~1`` design (``onestrat`` centres the rows and
        scales by ``n / (n - 1)``; ``df_correction=False`` drops the factor).
        """
        r = self.residualise(rows, used)
        return robust_covariance(r - r.mean(axis=0), df_correction)


# ---------------------------------------------------------------------------
# estimators
# ---------------------------------------------------------------------------
def calibrated_ologit_cov(
    model: WeightedOrderedModel, params, calibration: Calibration, used=None, df_correction: bool = True
) -> np.ndarray:
    """Calibrated covariance of an ordered logit's slopes and cut points.

    The rows of the fixed-weight sandwich
    (:meth:`~scsrepro.survey.ordered_logit.WeightedOrderedModel.sandwich_cov`),
    ``w_i s_i' H^-1`` (:func:`~scsrepro.survey.sandwich.influence_rows`), are
    residualised on the calibration matrix and their centred cross product
    is scaled by ``n / (n - 1)``, ``n`` the rows of the calibrated design
    (:meth:`Calibration.covariance`). Equals ``vcov(svyolr(...))`` on R's
    calibrated design (svyolr's influence rows are the same up to sign).

    Parameters
    ----------
    model : WeightedOrderedModel
        Fitted on the rows *used* of the design, in their order, with their
        calibrated weights (any common scale).
    params : array_like
        The model's parameters at the estimate (OrderedModel's coding, as
        ``model.fit().params``).
    calibration : Calibration
        The calibrated design of all rows.
    used : boolean array, optional
        The rows of the design the model is fitted on (its complete rows);
        default all.

    Returns
    -------
    ndarray
        Covariance of (slopes, cut1..cutK-1), like ``sandwich_cov``.

    Raises
    ------
    ValueError
        If the model's weights are not the calibrated weights of the rows
        used (up to a common factor).
    """
    mask = calibration.used_mask(used)
    wm = np.asarray(model.weights, dtype=float)
    wc = calibration.weights[mask]
    if wm.shape != wc.shape:
        raise ValueError(f"the model has {wm.size} rows, the design {wc.size} rows used")
    ratio = wm / wc
    if not np.allclose(ratio, ratio[0], rtol=1e-9, atol=0):
        off = np.abs(ratio / ratio[0] - 1) > 1e-9
        raise ValueError(
            f"the model's weights are not the calibrated weights of the rows used (up to scale): "
            f"they differ at model rows {_positions(off)}"
        )
    S = model.score_obs_cut(params) * wm[:, None]
    H = model.hessian_cut(params)
    return calibration.covariance(influence_rows(S, H), mask, df_correction)


def calibrated_proportions(y, calibration: Calibration, levels=None) -> pd.DataFrame:
    """Weighted shares of a categorical variable with calibrated standard errors.

    Equals R ``svymean(~factor(y), design, na.rm = TRUE)`` on the calibrated
    design. The point estimates and the fixed-weight SEs are
    :func:`~scsrepro.survey.estimates.weighted_proportions`' (R ``svymean``
    on ``svydesign(ids = ~1, weights = ~w)``). The influence row of unit i
    is ``w_i (1[y_i = k] - p_k) / sum(w)`` (0 where y is NaN), residualised
    (:meth:`Calibration.covariance`). The share of a calibration variable's
    own category has a calibrated SE of (numerically) zero.

    Parameters
    ----------
    y : array_like
        One value per row of the design; NaN rows are left out of the
        shares and stay in the design.
    calibration : Calibration
    levels : sequence, optional
        As in ``weighted_proportions``.

    Returns
    -------
    DataFrame
        ``level, proportion, se, se_fixed``; ``attrs`` ``n`` (rows used) and
        ``n_dropped``.
    """
    w = calibration.weights
    ys = y.reset_index(drop=True) if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if ys.size != calibration.n:
        raise ValueError(f"y has {ys.size} values, the design's {calibration.n} rows need one each")
    fixed = weighted_proportions(ys, w, levels=levels)
    used = ys.notna().to_numpy()
    p = fixed["proportion"].to_numpy()
    D = np.column_stack([(ys[used] == lev).to_numpy(dtype=float) for lev in fixed["level"]])
    wu = w[used]
    Z = wu[:, None] * (D - p) / wu.sum()
    se = np.sqrt(np.diag(calibration.covariance(Z, used)))
    out = pd.DataFrame({"level": fixed["level"], "proportion": p, "se": se, "se_fixed": fixed["se"]})
    out.attrs.update({"n": int(used.sum()), "n_dropped": int((~used).sum())})
    return out


def calibrated_mean(x, calibration: Calibration) -> pd.Series:
    """Weighted mean with its calibrated standard error.

    Equals R ``svymean(~x, design, na.rm = TRUE)`` on the calibrated design;
    the influence row is ``w_i (x_i - mean) / sum(w)`` (0 where x is NaN).
    The mean and the fixed-weight SE are
    :func:`~scsrepro.survey.estimates.weighted_mean`'s.

    Returns
    -------
    Series
        ``mean, se, se_fixed, n, n_dropped``.
    """
    w = calibration.weights
    xs = pd.to_numeric(pd.Series(np.asarray(x)), errors="raise").to_numpy(dtype=float)
    if xs.size != calibration.n:
        raise ValueError(f"x has {xs.size} values, the design's {calibration.n} rows need one each")
    fixed = weighted_mean(x, w)
    used = ~np.isnan(xs)
    wu = w[used]
    z = wu * (xs[used] - fixed["mean"]) / wu.sum()
    se = float(np.sqrt(calibration.covariance(z, used)[0, 0]))
    name = str(x.name) if isinstance(x, pd.Series) and x.name is not None else "x"
    return pd.Series(
        {"mean": fixed["mean"], "se": se, "se_fixed": fixed["se"], "n": fixed["n"], "n_dropped": fixed["n_dropped"]},
        name=name,
    )
