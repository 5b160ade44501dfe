"""The covariate matrix of a model and its collinearity.

:func:`design_matrix` turns a data frame's covariates into the matrix an
ordered logit is fitted on (numeric covariates as they are, factors as
dummies ``<var>_<level>`` without the base level), recording what each
column codes (:func:`coding_of`) and the 0/1 indicators that
:func:`scsrepro.survey.models.separation_diagnostics` checks for separation.

:func:`vif_table` diagnoses the predictors: tolerance and variance inflation
factor of each, as Stata ``estat vif`` and the paper's Table A4 report them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.outliers_influence import variance_inflation_factor

__all__ = ["design_matrix", "coding_of", "vif_table"]


def _dummies(col: pd.Series, base, name: str) -> pd.DataFrame:
    # codes read as float because of NaN elsewhere (1.0, 2.0) are named as ints
    if pd.api.types.is_float_dtype(col) and np.all(np.mod(col.to_numpy(), 1) == 0):
        col = col.astype(int)
    levels = sorted(pd.unique(col.to_numpy()).tolist())
    if base not in levels:
        raise ValueError(f"base level {base!r} of categorical {name!r} is not among its values {levels}")
    out = {f"{name}_{lev}": (col == lev).to_numpy(dtype=float) for lev in levels if lev != base}
    return pd.DataFrame(out, index=col.index)


def coding_of(column: str, covariates: Sequence[str], categorical: Mapping[str, object]) -> tuple[str, object]:
    """What a column of :func:`design_matrix` codes: ``(covariate, level)`` or ``(covariate, None)``.

    ``coding_of("education_3", ["education"], {"education": 1}) == ("education", 3)``.
    """
    if column in covariates and column not in categorical:
        return column, None
    for var in covariates:
        if var in categorical and column.startswith(f"{var}_"):
            level = column[len(var) + 1 :]
            return var, int(level) if level.lstrip("-").isdigit() else level
    raise KeyError(f"column {column!r} is not a term of the covariates {list(covariates)}")


def design_matrix(
    data: pd.DataFrame, covariates: Sequence[str], categorical: Mapping[str, object]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The covariate matrix of :func:`~scsrepro.survey.models.fit_ologit` and the indicators it checks for separation.

    Numeric covariates enter as they are; each covariate named in
    ``categorical`` enters as dummies ``<var>_<level>`` for the levels present
    in *data* other than its base level. *data* must be complete (no NaN).

    Returns
    -------
    X : DataFrame
        Columns in the order of *covariates* (dummies in level order);
        ``X.attrs["coding"]`` says what each column codes
        (:func:`coding_of`), ``X.attrs["factors"]`` lists each factor's
        dummy columns.
    indicators : dict
        0/1 indicators (dummies, base levels, binary covariates) by name, for
        :func:`~scsrepro.survey.models.detect_separation`.
    """
    parts = []
    indicators: dict[str, np.ndarray] = {}
    for var in covariates:
        col = data[var]
        if col.nunique() < 2:
            raise ValueError(f"covariate {var!r} has no variance after listwise deletion (all values {col.iloc[0]!r})")
        if var in categorical:
            base = categorical[var]
            dm = _dummies(col, base, var)
            parts.append(dm)
            indicators.update({c: dm[c].to_numpy() for c in dm.columns})
            indicators[f"{var}={base!r} (base level)"] = (col == base).to_numpy()
        else:
            if not pd.api.types.is_numeric_dtype(col):
                raise ValueError(
                    f"covariate {var!r} is not numeric (dtype {col.dtype}); declare it "
                    f"in `categorical` with a base level"
                )
            x = col.to_numpy(dtype=float)
            parts.append(pd.DataFrame({var: x}, index=col.index))
            vals = np.unique(x)
            if vals.size == 2:
                indicators[var] = x == vals.max()
    X = pd.concat(parts, axis=1)
    # what each column codes: (covariate, level) for a dummy, (covariate, None) otherwise
    X.attrs["coding"] = {c: coding_of(c, covariates, categorical) for c in X.columns}
    # the dummy columns of each factor, for fit_stata_rebased
    X.attrs["factors"] = {
        var: [c for c in X.columns if c in indicators and c.startswith(f"{var}_")]
        for var in covariates
        if var in categorical
    }
    return X, indicators


# ---------------------------------------------------------------------------
# multicollinearity
# ---------------------------------------------------------------------------
def vif_table(df: pd.DataFrame, predictors: Sequence[str]) -> pd.DataFrame:
    """Tolerance (1 - R^2) and VIF (1 / tolerance) for each predictor.

    Each predictor is regressed (OLS, unweighted, with a constant) on all the
    others; equals Stata ``regress y x1 .. xk`` followed by ``estat vif``
    (or the user command ``collin``) and R ``car::vif`` on an ``lm`` with
    numeric predictors. As in the paper's Table A4, categorical variables such
    as income group, education and region enter as single numeric codes.
    Rows with any NaN among the predictors are dropped (listwise).

    Uses ``statsmodels.stats.outliers_influence.variance_inflation_factor``
    with an explicit constant column (without it the function returns
    uncentred, wrong values).

    Returns
    -------
    DataFrame
        Columns ``predictor, tolerance, vif``; ``attrs["nobs"]`` holds N.
    """
    predictors = list(predictors)
    if len(predictors) < 2:
        raise ValueError("vif_table needs at least two predictors")
    missing = [c for c in predictors if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in df: {missing}")
    X = df[predictors].dropna()
    for c in predictors:
        if not pd.api.types.is_numeric_dtype(X[c]):
            raise ValueError(f"predictor {c!r} is not numeric (dtype {X[c].dtype})")
        if X[c].nunique() < 2:
            raise ValueError(f"predictor {c!r} has no variance")
    exog = np.column_stack([np.ones(len(X)), X.to_numpy(dtype=float)])
    vif = np.array([variance_inflation_factor(exog, i + 1) for i in range(len(predictors))])
    out = pd.DataFrame({"predictor": predictors, "tolerance": 1 / vif, "vif": vif})
    out.attrs["nobs"] = int(len(X))
    return out
