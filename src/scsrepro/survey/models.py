"""Weighted ordered logit (Stata ``ologit [pweight=]``) and variance inflation.

The paper's Table 4 reports ordered logit models estimated in Stata with
sampling weights, i.e. ``ologit approval x1 x2 ... [pweight = weight]``. That
is pseudo-maximum likelihood: maximise ``sum_i w_i log P(y_i | x_i)`` and use
the robust (sandwich) covariance

    V = n / (n - 1) * H^-1 (sum_i w_i^2 s_i s_i') H^-1,

where ``s_i`` is observation i's (unweighted) score and ``H`` the Hessian of
the weighted log likelihood. R ``survey::svyolr(y ~ x, svydesign(ids=~1,
weights=~w))`` gives the same estimates and standard errors (its scores are
centred before the cross product, which changes nothing at the optimum).

statsmodels' ``OrderedModel`` has no weights; :class:`WeightedOrderedModel`
is a thin subclass that multiplies the per-observation log likelihood and
scores by the weights and supplies the analytic score and Hessian so that
BFGS followed by Newton converges tightly. With unit weights it reproduces
``OrderedModel(distr="logit")``.

``OrderedModel`` parameterises the thresholds as the first cut followed by the
logs of the increments; :func:`fit_ologit` reports Stata's ``cut1 .. cutK-1``
(= svyolr's ``zeta``) with delta-method standard errors.

Quasi-complete separation (an indicator whose level has only the top or only
the bottom outcome category, for instance) makes the pseudo-ML estimate drift
to infinity; the optimiser then stops at a large, meaningless coefficient.
The paper's Model 5 shows the pattern (education coefficients near -13). It is
detected and reported as a warning (never silently), see
:func:`detect_separation`. ``fit_ologit(..., prior_sd=s)`` gives a finite
alternative: the penalised (posterior-mode) estimate under ``N(0, s**2)``
priors on the slopes.

:func:`esttab` lays estimates out as the paper's Table 4 does (coefficient
with stars, standard error in brackets below), with :func:`format_estimate`
printing numbers like Stata's ``esttab``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

from scsrepro.survey.ordered_logit import WeightedOrderedModel, check_pweights, fit_stata_rebased
from scsrepro.survey.significance import critical_value, stars

__all__ = [
    "SeparationWarning",
    "OlogitResult",
    "design_matrix",
    "coding_of",
    "fit_ologit",
    "detect_separation",
    "separation_diagnostics",
    "Diagnostic",
    "DIAGNOSTIC_KINDS",
    "vif_table",
    "format_estimate",
    "esttab",
]

DEFAULT_CATEGORICAL = {"income_group": 1, "education": 1, "region": 1}
LARGE_COEF = 10.0
COND_LIMIT = 1e10


class SeparationWarning(UserWarning):
    """Sign of (quasi-)complete separation in an ordered logit fit."""


# ---------------------------------------------------------------------------
# tidy front end
# ---------------------------------------------------------------------------
@dataclass
class Diagnostic:
    """One problem found while fitting, as data: what kind, which term, the message.

    ``kind`` is one of :data:`DIAGNOSTIC_KINDS`; ``term`` names the fitted
    term (a dummy such as ``education_2``) or the indicator the problem is
    about, and is None for problems of the whole fit.
    """

    kind: str
    term: str | None
    message: str

    def __str__(self) -> str:
        return self.message


#: Kinds of :class:`Diagnostic`.
DIAGNOSTIC_KINDS = (
    "separation",  # an indicator's outcomes do not overlap the others' (data check)
    "large_coefficient",  # |coef| beyond LARGE_COEF, typical of a diverging optimiser
    "ill_conditioned",  # the scaled Hessian is nearly singular
    "not_identified",  # a zero on the Hessian's diagonal
    "optimiser",  # the optimiser reported a convergence or singularity problem
    "gradient",  # the gradient is not zero at the returned point
    "no_standard_errors",  # the covariance could not be computed
    "undefined_variance",  # some variances are negative or undefined
)


@dataclass
class OlogitResult:
    """Tidy output of :func:`fit_ologit`.

    ``table`` has one row per slope and per cut point (``cut1`` ..), columns
    ``term, coef, se, z, p, stars``. ``params``, ``bse``, ``tvalues``,
    ``pvalues``, ``cov_params()``, ``conf_int()`` and ``summary()`` follow
    statsmodels' names; ``bse`` is the standard error of ``cov_type``
    (robust for ``"robust"``). Problems found while fitting are in
    ``diagnostics`` (:class:`Diagnostic` records) and, as text, in
    ``warnings``.
    """

    table: pd.DataFrame
    nobs: int
    n_dropped: int
    ll: float
    ll_null: float
    pseudo_r2: float
    cov: pd.DataFrame
    cov_type: str
    converged: bool
    warnings: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coding: dict[str, tuple[str, object]] = field(default_factory=dict)

    @property
    def params(self) -> pd.Series:
        """Estimates by term (as :meth:`coef`)."""
        return self.coef()

    @property
    def bse(self) -> pd.Series:
        """Standard errors by term, of the fit's ``cov_type`` (as :meth:`se`)."""
        return self.se()

    @property
    def tvalues(self) -> pd.Series:
        """Wald z statistics by term."""
        return self.table.set_index("term")["z"]

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values by term."""
        return self.table.set_index("term")["p"]

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates (robust for ``cov_type="robust"``)."""
        return self.cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals (normal quantile), columns ``lower`` and ``upper``."""
        z = critical_value(1 - alpha)
        return pd.DataFrame({"lower": self.params - z * self.bse, "upper": self.params + z * self.bse})

    def summary(self) -> str:
        """A plain-text summary: sample, fit statistics, the coefficient table, the diagnostics."""
        head = (
            f"Weighted ordered logit ({self.cov_type} standard errors)\n"
            f"N = {self.nobs:,} (dropped {self.n_dropped:,}), log pseudo-likelihood = {self.ll:.4f}, "
            f"pseudo R2 = {self.pseudo_r2:.4f}, converged = {self.converged}"
        )
        table = self.table.to_string(index=False, float_format=lambda v: f"{v:.4f}")
        notes = "\n".join(f"  [{d.kind}] {d.message}" for d in self.diagnostics)
        return head + "\n" + table + ("\nDiagnostics:\n" + notes if notes else "")

    def coef(self) -> pd.Series:
        """Estimates by term (slopes, then cut1..), like Stata ``_b`` / R ``coef``."""
        return self.table.set_index("term")["coef"]

    def se(self) -> pd.Series:
        """Standard errors by term, like Stata ``_se`` / R ``SE``."""
        return self.table.set_index("term")["se"]


def detect_separation(
    y: np.ndarray,
    indicators: Mapping[str, np.ndarray],
    coef: Mapping[str, float] | None = None,
    se: Mapping[str, float] | None = None,
    hessian: np.ndarray | None = None,
) -> list[str]:
    """The messages of :func:`separation_diagnostics`."""
    return [d.message for d in separation_diagnostics(y, indicators, coef, se, hessian)]


def separation_diagnostics(
    y: np.ndarray,
    indicators: Mapping[str, np.ndarray],
    coef: Mapping[str, float] | None = None,
    se: Mapping[str, float] | None = None,
    hessian: np.ndarray | None = None,
) -> list[Diagnostic]:
    """Signs of quasi-complete separation in an ordered-outcome fit, as records.

    Three checks (each gives a message; an empty list means none found):

    1. data: for a 0/1 indicator z, the outcome when z = 1 never lies below
       (or never above) the outcome when z = 0 -- e.g. a level whose
       respondents all chose the top category. The pseudo-ML estimate of such
       a contrast is infinite.
    2. estimate: a coefficient with ``|coef| > 10`` (odds ratio beyond
       e^10 ~ 22,000), the typical stopping point of a diverging optimiser.
    3. curvature: the Hessian, scaled to unit diagonal, has a condition
       number above 1e10 (nearly flat likelihood in some direction).

    Stata's ``ologit`` drops perfectly predicting *binary outcomes* only; for
    ordered outcomes it, like R's ``polr``/``svyolr``, simply reports the large
    coefficient. This function makes the problem explicit.
    """
    y = np.asarray(y)
    msgs: list[Diagnostic] = []
    for name, z in indicators.items():
        z = np.asarray(z).astype(bool)
        if z.all() or (~z).all():
            continue
        y1, y0 = y[z], y[~z]
        if y1.min() >= y0.max() or y1.max() <= y0.min():
            cats = sorted(set(y1.tolist()))
            msgs.append(
                Diagnostic(
                    "separation",
                    name,
                    f"quasi-complete separation: {name} (n={int(z.sum())}) has outcome "
                    f"categories {cats} only, which do not overlap the other rows' range "
                    f"[{y0.min()}, {y0.max()}]",
                )
            )
    if coef is not None:
        for name, b in coef.items():
            if np.isfinite(b) and abs(b) > LARGE_COEF:
                s = None if se is None else se.get(name)
                msgs.append(
                    Diagnostic(
                        "large_coefficient",
                        name,
                        f"possible separation: |coef| of {name} = {b:.3g} exceeds {LARGE_COEF:g}"
                        + ("" if s is None else f" (se {s:.3g})"),
                    )
                )
    if hessian is not None:
        d = np.sqrt(np.abs(np.diag(hessian)))
        if np.all(d > 0):
            cond = np.linalg.cond(hessian / np.outer(d, d))
            if not np.isfinite(cond) or cond > COND_LIMIT:
                msgs.append(
                    Diagnostic("ill_conditioned", None, f"Hessian nearly singular (scaled condition number {cond:.3g})")
                )
        else:
            msgs.append(
                Diagnostic(
                    "not_identified", None, "Hessian has a zero diagonal element (a parameter is not identified)"
                )
            )
    return msgs


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
    """The covariate matrix of :func:`fit_ologit` and the indicators it checks for separation.

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
        :func:`detect_separation`.
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


def fit_ologit(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    categorical: Mapping[str, object] | None = None,
    weight: str | None = "weight",
    cov_type: str = "robust",
    convergence: str = "exact",
    prior_sd: float | None = None,
) -> OlogitResult:
    """Fit a weighted ordered logit like Stata ``ologit y i.x ... [pweight=w]``.

    Equals Stata ``ologit outcome covariates [pweight = weight]`` (with
    ``ib#.var`` factor notation for the categorical variables) and R
    ``survey::svyolr(factor(outcome) ~ ..., svydesign(ids=~1, weights=~weight))``:
    same coefficients, cut points (Stata ``/cut1``.., R ``zeta``) and robust
    standard errors (checked against svyolr in ``tests/survey/test_models.py``).

    Steps: listwise deletion over outcome, covariates and weight (rows with a
    NaN *weight* are an error, not deleted; ``n`` in the ``n/(n-1)`` factor is
    the estimation sample, as in Stata -- R's ``svyolr`` on a design that
    still holds the incomplete rows would use the design's row count instead,
    a relative SE difference of about ``(n_all - n) / (2 n n_all)``); dummies for each covariate named
    in ``categorical`` (columns ``var_level``, the given base level left out);
    weighted pseudo-ML fit; robust sandwich covariance with ``n/(n-1)``;
    delta-method SEs for the cuts; Wald z tests; separation checks.

    Parameters
    ----------
    df : DataFrame
    outcome : str
        Ordered outcome (sortable codes, e.g. 1..5); at least two categories.
    covariates : sequence of str
        Predictors, numeric; those in ``categorical`` may hold any labels.
    categorical : dict, optional
        ``{column: base level}``; entries for columns not in ``covariates``
        are ignored. Default ``{"income_group": 1, "education": 1,
        "region": 1}`` (the paper's factor variables with Stata's default
        base, the lowest code).
    weight : str or None
        Weight column (pweights); None for unit weights.
    cov_type : {"robust", "oim"}
        ``"robust"``: sandwich (Stata with pweights, svyolr). ``"oim"``:
        inverse negative Hessian (Stata/R without weights).
    convergence : {"exact", "stata"}
        ``"exact"`` (default): BFGS then Newton to machine precision, as
        checked against R. ``"stata"``: Newton-Raphson with Stata ``ml``'s
        stopping rules (:meth:`WeightedOrderedModel.fit_stata`), which
        matters only under separation, where the exact maximum does not
        exist and Stata reports the point where it stopped.
    prior_sd : float, optional
        Fit by penalised likelihood instead
        (:meth:`WeightedOrderedModel.fit_penalised`): a ridge penalty that
        amounts to independent ``N(0, prior_sd**2)`` priors on the slopes
        (log-odds scale, weights scaled to mean 1), none on the cut points.
        The estimate is finite under separation. Standard errors are the
        sandwich with the penalised Hessian; only ``cov_type="robust"`` and
        ``convergence="exact"`` are allowed with it. Default None: plain
        pseudo-maximum likelihood.

    Returns
    -------
    OlogitResult
        ``table`` (term, coef, se, z, p, stars incl. cut rows), ``nobs``,
        ``n_dropped``, ``ll`` (weighted log pseudo-likelihood with the weights
        as given), ``ll_null`` (from the weighted outcome shares),
        ``pseudo_r2 = 1 - ll/ll_null``, ``cov``, ``warnings``.

    Raises
    ------
    ValueError
        Missing columns, NaN/zero/negative weights, an outcome with one
        category, a covariate without variance, a non-numeric covariate not
        declared categorical, or a base level not among the labels.
    """
    if cov_type not in ("robust", "oim"):
        raise ValueError(f"cov_type must be 'robust' or 'oim', got {cov_type!r}")
    if prior_sd is not None and (cov_type != "robust" or convergence != "exact"):
        raise ValueError("prior_sd goes with cov_type='robust' and convergence='exact' only")
    categorical = DEFAULT_CATEGORICAL if categorical is None else dict(categorical)
    covariates = list(covariates)
    if not covariates:
        raise ValueError("covariates is empty")
    cols = [outcome] + covariates + ([weight] if weight is not None else [])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in df: {missing}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"a column is listed twice: {cols}")
    if weight is not None:
        check_pweights(df[weight].to_numpy(dtype=float), weight)

    data = df[cols].reset_index(drop=True)
    complete = data.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    data = data.loc[complete].reset_index(drop=True)
    if len(data) == 0:
        raise ValueError("no complete rows after listwise deletion")

    y_raw = data[outcome]
    y_levels = sorted(pd.unique(y_raw.to_numpy()).tolist())
    if len(y_levels) < 2:
        raise ValueError(f"outcome {outcome!r} has a single category {y_levels} after listwise deletion")
    y = pd.Categorical(y_raw, categories=y_levels).codes.astype(int)

    X, indicators = design_matrix(data, covariates, categorical)
    w = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float)

    model = WeightedOrderedModel(y, X, weights=w)
    diags: list[Diagnostic] = []
    inner = inner_params = basis = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if prior_sd is not None:
            params = model.fit_penalised(prior_sd)
        elif convergence == "stata":
            names = list(X.columns)
            groups = [[names.index(c) for c in cols] for cols in X.attrs.get("factors", {}).values()]
            params, _, inner, inner_params, basis = fit_stata_rebased(y, X.to_numpy(dtype=float), w, groups)
        elif convergence == "exact":
            params = np.asarray(model.fit().params)
        else:
            raise ValueError(f"convergence must be 'exact' or 'stata', got {convergence!r}")
    for c in caught:
        if "converg" in str(c.message).lower() or "singular" in str(c.message).lower():
            diags.append(Diagnostic("optimiser", None, f"optimiser: {c.message}"))
    kv, kc = model.k_vars, model.k_levels - 1
    est = np.concatenate((params[:kv], model.cuts_from_params(params)))
    gsum = (model.score_obs_cut(params) * w[:, None]).sum(0)
    if prior_sd is not None:
        gsum = gsum + model.penalty_hessian(prior_sd) @ est
    converged = bool(np.max(np.abs(gsum)) < 1e-5 * max(1.0, w.sum() / len(w)))
    if not converged:
        diags.append(Diagnostic("gradient", None, f"gradient not zero at the solution (max {np.abs(gsum).max():.3g})"))
    H = model.hessian_cut(params)
    try:
        if inner is not None:
            # Stata's rule was iterated in the better-conditioned coding:
            # take the covariance there too and map it back (A V A')
            assert basis is not None  # set together with inner by fit_stata_rebased
            Vi = inner.sandwich_cov(inner_params) if cov_type == "robust" else inner.oim_cov(inner_params)
            V = basis @ Vi @ basis.T
        else:
            V = model.sandwich_cov(params, prior_sd=prior_sd) if cov_type == "robust" else model.oim_cov(params)
    except np.linalg.LinAlgError:
        V = np.full((kv + kc, kv + kc), np.nan)
        diags.append(Diagnostic("no_standard_errors", None, "Hessian is singular: standard errors unavailable"))
    var = np.diag(V)
    se = np.sqrt(np.where(var >= 0, var, np.nan))
    if np.isnan(se).any():
        diags.append(
            Diagnostic(
                "undefined_variance",
                None,
                "negative or undefined variance for some terms: standard errors set to NaN",
            )
        )
    names = list(X.columns) + [f"cut{j + 1}" for j in range(kc)]
    z = est / se
    p = 2 * stats.norm.sf(np.abs(z))
    table = pd.DataFrame({"term": names, "coef": est, "se": se, "z": z, "p": p, "stars": [stars(v) for v in p]})
    diags += separation_diagnostics(
        y_raw.to_numpy(),  # original labels, so messages name real categories
        indicators,
        coef=dict(zip(names[:kv], est[:kv])),
        se=dict(zip(names[:kv], se[:kv])),
        hessian=H,
    )
    msgs = [d.message for d in diags]
    for m in msgs:
        warnings.warn(m, SeparationWarning, stacklevel=2)
    ll = float(model.loglike(params))
    shares = np.bincount(y, weights=w, minlength=len(y_levels)) / w.sum()
    ll_null = float(np.sum(w * np.log(shares[y])))
    return OlogitResult(
        table=table,
        nobs=int(len(data)),
        n_dropped=n_dropped,
        ll=ll,
        ll_null=ll_null,
        pseudo_r2=1 - ll / ll_null,
        cov=pd.DataFrame(V, index=names, columns=names),
        cov_type=cov_type,
        converged=converged,
        warnings=msgs,
        diagnostics=diags,
        coding=dict(X.attrs["coding"]),
    )


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


# ---------------------------------------------------------------------------
# regression tables in the paper's layout
# ---------------------------------------------------------------------------
def format_estimate(x: float) -> str:
    """A number as Stata's ``esttab`` prints it by default (adaptive digits).

    Three significant digits below 1 in absolute value (``0.0147``,
    ``0.582``, ``-0.00187``), four above (``1.241``, ``-13.03``). NaN gives
    an empty string.
    """
    if x is None or not np.isfinite(x):
        return ""
    ax = abs(x)
    if ax == 0:
        return "0"
    digits = 3 if ax < 1 else 4
    decimals = max(0, digits - 1 - int(np.floor(np.log10(ax))))
    return f"{x:.{decimals}f}"


def esttab(
    estimates: pd.DataFrame,
    terms: Sequence[str],
    columns: Sequence[str],
    labels: Mapping[str, str] | None = None,
    sources: Sequence[str] | None = None,
    nobs_term: str = "observations",
) -> pd.DataFrame:
    """Regression table in the paper's layout: coefficient with stars, SE in brackets below.

    Parameters
    ----------
    estimates : DataFrame
        Long table with columns ``source`` (e.g. "twin", "paper"),
        ``column`` (e.g. "Model 1"), ``term``, ``coef``, ``se`` and
        ``stars``. The row with ``term == nobs_term`` holds the number of
        observations in ``coef``.
    terms : sequence of str
        Row order (slopes, then cut points); *nobs_term* is added at the end
        if present in *estimates*.
    columns : sequence of str
        Column order.
    labels : mapping, optional
        Row labels by term.
    sources : sequence of str, optional
        Which sources to show and in which order (default: as they appear).
        With several sources each term gets two lines per source, the
        source's name labelling them (``"twin"``, ``"twin SE"``, ...).

    Returns
    -------
    DataFrame of str
        Index ``(label, line)``; an empty cell where a model lacks the term.
    """
    labels = dict(labels or {})
    sources = list(dict.fromkeys(estimates["source"])) if sources is None else list(sources)
    est = estimates.set_index(["source", "column", "term"])
    rows, index = [], []
    order = list(terms) + ([nobs_term] if (estimates["term"] == nobs_term).any() else [])
    for term in order:
        label = labels.get(term, term)
        for src in sources:
            coef_line, se_line = [], []
            for col in columns:
                key = (src, col, term)
                if key not in est.index:
                    coef_line.append("")
                    se_line.append("")
                    continue
                r = est.loc[key]
                if term == nobs_term:
                    coef_line.append(f"{int(r['coef']):,}")
                    se_line.append("")
                else:
                    coef_line.append(format_estimate(r["coef"]) + str(r.get("stars", "") or ""))
                    se_line.append(f"({format_estimate(r['se'])})" if np.isfinite(r["se"]) else "")
            name = src if len(sources) > 1 else ""
            rows.append(coef_line)
            index.append((label, name))
            if term != nobs_term:
                rows.append(se_line)
                index.append((label, f"{name} SE".strip()))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index), columns=list(columns))
