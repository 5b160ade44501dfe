"""Design-based estimates for a weighted sample without strata or clusters.

Every function here equals R package ``survey`` on the design
``svydesign(ids = ~1, weights = ~w, data = d)``: one stage, each respondent
its own primary sampling unit, no strata, no finite-population correction.
Standard errors are Taylor-linearisation (sandwich) errors: with influence
values ``z_i = w_i (y_i - ybar) / sum(w)`` the variance is
``n / (n - 1) * sum(z_i^2)`` (R ``svyrecvar``; Stata ``svy: mean`` with
``svyset _n [pweight = w]`` gives the same numbers).

Not the same as ``statsmodels.stats.weightstats.DescrStatsW``: that class
treats weights as *frequency* weights (``w_i`` identical copies of row *i*), so
its ``std_mean`` shrinks as the weights are scaled up and ignores the extra
variance that unequal weights cause. It is not a design-based standard error
and is not used here.

Missing values are handled explicitly: rows where the analysed variable is
NaN are left out of the estimate, and the number left out is reported
(``attrs["n_dropped"]`` on DataFrames, a field on result objects). As in R,
they stay part of the design: ``svymean(..., na.rm = TRUE)``,
``subset(design, ...)`` and ``svychisq`` all keep the design-time number of
PSUs ``n`` (R's ``onestrat`` pads the missing rows with zero influence), so the
``n / (n - 1)`` factor uses *all* rows, including those with NaN. This is
domain (subpopulation) estimation; it differs from analysing a data set from
which the NaN rows were deleted by a factor ``sqrt((n-1) m / (n (m-1)))`` on
the SE (m = rows used), about 2e-5 for a few percent missing. NaN or
non-positive *weights* are an error, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from scsrepro.survey.significance import critical_value
from scsrepro.survey.weighting import check_weights

__all__ = [
    "weighted_proportions",
    "weighted_mean",
    "weighted_sd",
    "weighted_crosstab",
    "CrosstabResult",
]


# ---------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------
def _name(x, default: str) -> str:
    return str(x.name) if isinstance(x, pd.Series) and x.name is not None else default


def _as_series(x, name: str) -> pd.Series:
    if isinstance(x, pd.Series):
        return x.reset_index(drop=True)
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return pd.Series(arr, name=name)


def _check_w(w, n: int, name: str = "weight") -> np.ndarray:
    return check_weights(w, n, name)


def _quantile(level: float, df: float | None) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    q = 1 - (1 - level) / 2
    if df is None or np.isinf(df):
        return critical_value(level)
    if df <= 0:
        raise ValueError(f"df must be positive, got {df}")
    return float(stats.t.ppf(q, df))


def _linearised_var(Z: np.ndarray, n_design: int) -> np.ndarray:
    """Linearised variance of a total of influence rows, as R ``svyrecvar``.

    ``Z`` holds the influence values of the rows used; the ``n_design - len(Z)``
    rows left out (NaN) count as zeros, as R's ``onestrat`` pads them, so the
    factor is ``n_design / (n_design - 1)``.
    """
    m = Z.shape[0]
    if m < 2 or n_design < m:
        raise ValueError("need at least two observations for a standard error")
    Zc = Z - Z.sum(axis=0) / n_design
    pad = (n_design - m) * np.outer(Z.sum(axis=0), Z.sum(axis=0)) / n_design**2
    return n_design / (n_design - 1) * (Zc.T @ Zc + pad)


# ---------------------------------------------------------------------------
# proportions and means
# ---------------------------------------------------------------------------
def weighted_proportions(
    y,
    w,
    levels=None,
    method: str = "wald",
    level: float = 0.95,
    df: float | None = None,
) -> pd.DataFrame:
    """Weighted shares of each category with design-based SE and CI.

    Point estimates and standard errors equal R
    ``svymean(~factor(y), svydesign(ids=~1, weights=~w), na.rm=TRUE)`` (Stata
    ``svy: proportion y``). The confidence interval is

    * ``method="wald"``: p +/- z * se, R ``confint(svymean(...))`` (normal
      quantile unless ``df`` is given);
    * ``method="logit"``: expit(logit(p) +/- t * se / (p (1 - p))), R
      ``svyciprop(~I(y == k), design, method = "logit")``, which uses a t
      quantile with ``degf(design) = n - 1`` degrees of freedom; that is the
      default here when ``df`` is None. Stata ``svy: proportion`` reports the
      same logit interval (with t on n - 1 df). If p is 0 or 1 the logit
      interval is undefined and returned as NaN.

    Parameters
    ----------
    y : array_like or Series
        Categorical variable; NaN rows are dropped (counted in
        ``attrs["n_dropped"]``).
    w : array_like
        Sampling weights, finite and > 0, same length as ``y``.
    levels : sequence, optional
        Categories to report, in order (default: sorted observed values).
        Levels never observed get proportion 0 and se 0.
    method : {"wald", "logit"}
    level : float
        Confidence level.
    df : float, optional
        Degrees of freedom for the quantile (None: normal for Wald, n - 1 for
        logit).

    Returns
    -------
    DataFrame
        Columns ``level, proportion, se, ci_low, ci_high``; ``attrs`` holds
        ``n`` (rows used), ``n_dropped``, ``method``.
    """
    if method not in ("wald", "logit"):
        raise ValueError(f"method must be 'wald' or 'logit', got {method!r}")
    ys, wv, levels, n_design, n_dropped = _observed_levels(y, w, levels)
    n = len(ys)
    D = np.column_stack([(ys == lev).to_numpy(dtype=float) for lev in levels])
    W = wv.sum()
    p = wv @ D / W
    Z = wv[:, None] * (D - p) / W
    se = np.sqrt(np.diag(_linearised_var(Z, n_design)))
    lo, hi = _proportion_ci(p, se, method, level, df, n)
    out = pd.DataFrame({"level": levels, "proportion": p, "se": se, "ci_low": lo, "ci_high": hi})
    out.attrs.update({"n": n, "n_dropped": n_dropped, "method": method})
    return out


def _observed_levels(y, w, levels) -> tuple[pd.Series, np.ndarray, list, int, int]:
    """The non-missing values of *y* and their weights, the levels to report, the design size, the NaN count.

    The levels are the sorted observed values unless given; a value not among
    given levels is an error naming its row positions.
    """
    ys = _as_series(y, "y")
    wv = _check_w(w, len(ys))
    n_design = len(ys)
    keep = ys.notna().to_numpy()
    n_dropped = int((~keep).sum())
    ys, wv = ys[keep].reset_index(drop=True), wv[keep]
    n = len(ys)
    if n < 2:
        raise ValueError(f"{_name(y, 'y')}: fewer than two non-missing values")
    observed = sorted(pd.unique(ys.to_numpy()).tolist())
    if levels is None:
        levels = observed
    else:
        levels = list(levels)
        unknown = [v for v in observed if v not in levels]
        if unknown:
            pos = np.flatnonzero(~ys.isin(levels).to_numpy())[:10].tolist()
            raise ValueError(
                f"{_name(y, 'y')} has values {unknown} not in levels {levels} (row positions after dropping NaN: {pos})"
            )
    return ys, wv, levels, n_design, n_dropped


def _proportion_ci(
    p: np.ndarray, se: np.ndarray, method: str, level: float, df: float | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits of proportions *p*: Wald, or logit (NaN at p = 0 or 1; t on n - 1 df by default)."""
    if method == "wald":
        q = _quantile(level, df)
        lo, hi = p - q * se, p + q * se
    else:
        q = _quantile(level, n - 1 if df is None else df)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.log(p / (1 - p))
            se_eta = se / (p * (1 - p))
            lo = 1 / (1 + np.exp(-(eta - q * se_eta)))
            hi = 1 / (1 + np.exp(-(eta + q * se_eta)))
        edge = (p <= 0) | (p >= 1)
        lo[edge], hi[edge] = np.nan, np.nan
    return lo, hi


def weighted_mean(x, w, level: float = 0.95, df: float | None = None) -> pd.Series:
    """Weighted mean with linearisation SE and Wald CI.

    Equals R ``svymean(~x, svydesign(ids=~1, weights=~w), na.rm=TRUE)`` with
    ``confint()`` (normal quantile; pass ``df`` for a t quantile as in Stata
    ``svy: mean``, which uses n - 1).

    Parameters
    ----------
    x : array_like
        Numeric values; NaN rows are dropped and counted.
    w : array_like
        Weights, finite and > 0.
    level : float
    df : float, optional

    Returns
    -------
    Series
        ``mean, se, ci_low, ci_high, n, n_dropped``.
    """
    xs = pd.to_numeric(_as_series(x, "x"), errors="raise").to_numpy(dtype=float)
    wv = _check_w(w, xs.size)
    n_design = xs.size
    keep = ~np.isnan(xs)
    xs, wv = xs[keep], wv[keep]
    if xs.size < 2:
        raise ValueError(f"{_name(x, 'x')}: fewer than two non-missing values")
    W = wv.sum()
    m = wv @ xs / W
    z = wv * (xs - m) / W
    se = float(np.sqrt(_linearised_var(z[:, None], n_design)[0, 0]))
    q = _quantile(level, df)
    return pd.Series(
        {
            "mean": m,
            "se": se,
            "ci_low": m - q * se,
            "ci_high": m + q * se,
            "n": xs.size,
            "n_dropped": int((~keep).sum()),
        },
        name=_name(x, "x"),
    )


def weighted_sd(x, w, definition: str = "stata_aweight") -> float:
    """Weighted standard deviation under a named definition.

    ``definition``:

    * ``"stata_aweight"`` (default; the paper's Table A3 is Stata output):
      Stata ``summarize x [aweight = w]``. Stata rescales analytic weights to
      sum to n and divides by n - 1, i.e.
      ``sqrt(n / (n - 1) * sum(w (x - xbar)^2) / sum(w))``.
    * ``"svyvar"``: R ``sqrt(svyvar(~x, svydesign(ids=~1, weights=~w)))``,
      which is ``svymean`` of ``(x - xbar)^2 * n / (n - 1)``: algebraically the
      same number as ``"stata_aweight"`` (tested), kept as a separate name so
      that callers say which software they are matching.
    * ``"frequency"``: weights as frequency counts (Stata ``[fweight=]``,
      statsmodels ``DescrStatsW(x, w).std`` with ``ddof=1``):
      ``sqrt(sum(w (x - xbar)^2) / (sum(w) - 1))``; depends on the scale of w
      and is *not* appropriate for sampling weights.

    NaN values of x are dropped.
    """
    xs = pd.to_numeric(_as_series(x, "x"), errors="raise").to_numpy(dtype=float)
    wv = _check_w(w, xs.size)
    keep = ~np.isnan(xs)
    xs, wv = xs[keep], wv[keep]
    n = xs.size
    if n < 2:
        raise ValueError(f"{_name(x, 'x')}: fewer than two non-missing values")
    W = wv.sum()
    m = wv @ xs / W
    ss = wv @ (xs - m) ** 2
    if definition in ("stata_aweight", "svyvar"):
        return float(np.sqrt(n / (n - 1) * ss / W))
    if definition == "frequency":
        if W <= 1:
            raise ValueError("frequency weights must sum to more than 1")
        return float(np.sqrt(ss / (W - 1)))
    raise ValueError(f"definition must be 'stata_aweight', 'svyvar' or 'frequency', got {definition!r}")


# ---------------------------------------------------------------------------
# two-way table with Rao-Scott test
# ---------------------------------------------------------------------------
@dataclass
class CrosstabResult:
    """Weighted two-way table and Rao-Scott test (see :func:`weighted_crosstab`)."""

    table: pd.DataFrame  # weighted cell shares of the total (rows x columns)
    f: float
    ndf: float
    ddf: float
    p_value: float
    pearson_chisq: float
    chisq_p_value: float
    n_used: int
    n_dropped: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One-line report in the style of R's print method."""
        return (
            f"Rao-Scott F = {self.f:.4f}, ndf = {self.ndf:.3f}, ddf = {self.ddf:.1f}, "
            f"p = {self.p_value:.4g} (n = {self.n_used}, {self.n_dropped} rows dropped for NaN)"
        )


def weighted_crosstab(row, col, w) -> CrosstabResult:
    """Weighted two-way table with the Rao-Scott second-order corrected test.

    Equals R ``svychisq(~row + col, svydesign(ids=~1, weights=~w),
    statistic = "F")`` (survey 4.1, ``svychisq.survey.design``), which is also
    the default of Stata ``svy: tabulate row col`` ("design-based F"):

    1. ``p`` = weighted cell shares of the r x c cells; ``V`` = their
       linearised covariance (as ``svymean`` on the cell dummies).
    2. ``C`` = the interaction columns of the saturated model matrix
       residualised on the main-effects matrix; with ``D = diag(p)``,
       ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C``.
    3. Pearson's X^2 on the weighted table scaled to N; ``F = X^2 / tr(Delta)``
       with ``ndf = d0 = tr(Delta)^2 / tr(Delta^2)`` and ``ddf = d0 * nu``.

    ``nu`` is the design degrees of freedom (PSUs minus strata = n - 1).
    Rows with NaN in ``row`` or ``col`` are dropped from the table and the
    cell shares; as in R they stay in the design, so they still count in
    ``nu`` and in the ``N / (N - 1)`` factor of ``V`` (see the module
    docstring). ``n_dropped`` reports how many rows were dropped. A category whose
    weighted total is zero after dropping is removed (R would return NaN).

    Parameters
    ----------
    row, col : array_like
        Categorical variables of equal length.
    w : array_like
        Weights, finite and > 0.

    Returns
    -------
    CrosstabResult
        ``table`` (weighted cell shares, rows x columns), ``f``, ``ndf``,
        ``ddf``, ``p_value``; also ``pearson_chisq`` (X^2 on the table scaled
        to N) and ``chisq_p_value`` (first-order correction, R
        ``statistic = "Chisq"``).
    """
    cells = _crosstab_cells(row, col, w)
    rl, cl, N_all = cells.row_levels, cells.col_levels, cells.n_design
    nr, nc = len(rl), len(cl)
    p, V = _cell_shares(cells)
    N = float(N_all)
    Delta = _rao_scott_delta(p, V, nr, nc, N)
    tr = np.trace(Delta)
    d0 = tr**2 / np.trace(Delta @ Delta)

    table = (p * N).reshape(nc, nr).T  # rows x cols, scaled to N like svytable(Ntotal=N)
    x2 = _pearson_chisq(table)
    nu = N_all - 1
    f = x2 / tr
    pval = float(stats.f.sf(f, d0, d0 * nu))
    chisq_p = float(stats.chi2.sf(x2 / np.mean(np.diag(Delta)), Delta.shape[0]))
    shares = pd.DataFrame(
        table / N, index=pd.Index(rl, name=_name(row, "row")), columns=pd.Index(cl, name=_name(col, "col"))
    )
    return CrosstabResult(
        table=shares,
        f=float(f),
        ndf=float(d0),
        ddf=float(d0 * nu),
        p_value=pval,
        pearson_chisq=x2,
        chisq_p_value=chisq_p,
        n_used=cells.w.size,
        n_dropped=cells.n_dropped,
        notes=cells.notes,
    )


@dataclass
class _Cells:
    """The rows of a two-way table without NaN: category codes, weights, levels, design size."""

    row: np.ndarray  # codes 0..r-1 of the row variable
    col: np.ndarray  # codes 0..c-1 of the column variable
    w: np.ndarray
    row_levels: list
    col_levels: list
    n_design: int  # all rows, including those dropped
    n_dropped: int
    notes: list[str]


def _crosstab_cells(row, col, w) -> _Cells:
    """The rows with both variables present, coded by their sorted levels (at least two each)."""
    r = _as_series(row, "row")
    c = _as_series(col, "col")
    if len(r) != len(c):
        raise ValueError(f"row and col differ in length ({len(r)} vs {len(c)})")
    wv = _check_w(w, len(r))
    N_all = len(r)
    keep = (r.notna() & c.notna()).to_numpy()
    n_dropped = int((~keep).sum())
    rl = sorted(pd.unique(r[keep].to_numpy()).tolist())
    cl = sorted(pd.unique(c[keep].to_numpy()).tolist())
    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} rows with NaN in {_name(row, 'row')} or {_name(col, 'col')} dropped")
    nr, nc = len(rl), len(cl)
    if nr < 2 or nc < 2:
        raise ValueError(
            f"need at least two categories in each variable; {_name(row, 'row')} has {rl}, {_name(col, 'col')} has {cl}"
        )
    rk = pd.Categorical(r[keep], categories=rl).codes
    ck = pd.Categorical(c[keep], categories=cl).codes
    return _Cells(rk, ck, wv[keep], rl, cl, N_all, n_dropped, notes)


def _cell_shares(cells: _Cells) -> tuple[np.ndarray, np.ndarray]:
    """Weighted shares ``p`` of the r x c cells (row index fastest) and their linearised covariance ``V``."""
    nr = len(cells.row_levels)
    wk = cells.w
    n = wk.size
    # cells ordered with the row index fastest, as R's interaction()/expand.grid
    cell = cells.row + nr * cells.col
    Dm = np.zeros((n, nr * len(cells.col_levels)))
    Dm[np.arange(n), cell] = 1.0
    W = wk.sum()
    p = wk @ Dm / W
    # R's svymean(mm, design, na.rm=TRUE) inside svychisq keeps the design's
    # PSU count, so the n/(n-1) factor uses all N rows (see module docstring).
    V = _linearised_var(wk[:, None] * (Dm - p) / W, cells.n_design)
    return p, V


def _rao_scott_delta(p: np.ndarray, V: np.ndarray, nr: int, nc: int, N: float) -> np.ndarray:
    """The design-effect matrix ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` of the interaction contrasts.

    ``C``: the interaction columns of the saturated model matrix residualised
    on the main-effects matrix; ``D = diag(p)`` (0 where a cell is empty).
    """
    rows_idx = np.tile(np.arange(nr), nc)
    cols_idx = np.repeat(np.arange(nc), nr)
    R = (rows_idx[:, None] == np.arange(1, nr)).astype(float)
    Cc = (cols_idx[:, None] == np.arange(1, nc)).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), R, Cc])
    inter = np.column_stack([R[:, j] * Cc[:, k] for k in range(nc - 1) for j in range(nr - 1)])
    beta, *_ = np.linalg.lstsq(X1, inter, rcond=None)
    Cmat = inter - X1 @ beta
    with np.errstate(divide="ignore"):
        ip = np.where(p == 0, 0.0, 1.0 / p)
    iD = np.diag(ip)
    denom = Cmat.T @ (iD / N) @ Cmat
    numr = Cmat.T @ iD @ V @ iD @ Cmat
    return np.linalg.solve(denom, numr)


def _pearson_chisq(table: np.ndarray) -> float:
    """Pearson's X^2 of a two-way table of (weighted) counts; cells with no expected count add 0."""
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)))
