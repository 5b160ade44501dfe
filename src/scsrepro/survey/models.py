"""Weighted ordered logit (Stata ``ologit [pweight=]``): the tidy fit and its diagnostics.

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

The covariate matrix (:func:`~scsrepro.survey.design.design_matrix`) and
the variance inflation factors are in :mod:`scsrepro.survey.design`; the
Table 4 layout of the estimates (:func:`~scsrepro.survey.regression_table.esttab`)
is in :mod:`scsrepro.survey.regression_table`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from scsrepro.survey.design import design_matrix
from scsrepro.survey.ordered_logit import WeightedOrderedModel, check_pweights, fit_stata_rebased
from scsrepro.survey.significance import critical_value, stars

__all__ = [
    "SeparationWarning",
    "OlogitResult",
    "fit_ologit",
    "detect_separation",
    "separation_diagnostics",
    "Diagnostic",
    "DIAGNOSTIC_KINDS",
    "EstimationSample",
    "estimation_sample",
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
    "negative_probability",  # a generalised ordered logit predicts a negative category probability
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
    ``warnings``. ``outcome_levels`` are the outcome's labels present in the
    estimation sample, in order: cut point ``cutj`` lies between
    ``outcome_levels[j-1]`` and ``outcome_levels[j]`` (as in Stata, an
    answer nobody chose has no cut point of its own).
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
    outcome_levels: list = field(default_factory=list)

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

    Steps: the estimation sample (:func:`estimation_sample`, listwise
    deletion; its size is the ``n`` of ``n/(n-1)``, as in Stata); the
    :func:`~scsrepro.survey.design.design_matrix`; the fit by the convergence
    rule (:func:`_maximise`); the gradient check; the covariance
    (:func:`_covariance`); the table with delta-method SEs for the cuts and
    Wald z tests (:func:`_coefficient_table`); the separation checks.

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
        ``"exact"`` (default): BFGS then Newton to machine precision.
        ``"stata"``: Stata ``ml``'s stopping rules
        (:meth:`WeightedOrderedModel.fit_stata`), which matter only under
        separation (see :func:`_maximise`).
    prior_sd : float, optional
        Penalised fit with ``N(0, prior_sd**2)`` priors on the slopes
        (:meth:`WeightedOrderedModel.fit_penalised`), finite under
        separation; only with ``cov_type="robust"`` and
        ``convergence="exact"``. Default None: plain pseudo-ML.

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
    sample = estimation_sample(df, outcome, list(covariates), categorical, weight)
    model = WeightedOrderedModel(sample.y, sample.X, weights=sample.w)
    estimate, diags = _maximise(model, sample, convergence, prior_sd)
    return _result(model, estimate, sample, cov_type, prior_sd, diags)


# ---------------------------------------------------------------------------
# the steps of fit_ologit
# ---------------------------------------------------------------------------
@dataclass
class EstimationSample:
    """The estimation sample of :func:`fit_ologit` (and of the other ordinal models), ready to fit."""

    y_raw: pd.Series  # the outcome's labels
    y: np.ndarray  # the outcome coded 0..K-1 in the order of its sorted labels
    X: pd.DataFrame  # from design_matrix
    indicators: dict[str, np.ndarray]  # from design_matrix, for the separation check
    w: np.ndarray  # the weights (all 1 without a weight column)
    n_dropped: int  # rows dropped by listwise deletion


def estimation_sample(
    df: pd.DataFrame, outcome: str, covariates: list[str], categorical: Mapping[str, object], weight: str | None
) -> EstimationSample:
    """The complete rows (listwise deletion), the outcome's codes, the design matrix, the weights.

    Listwise deletion over outcome, covariates and weight (:func:`_complete_rows`);
    the outcome coded 0..K-1 in the order of its sorted labels (at least two);
    :func:`~scsrepro.survey.design.design_matrix` of the covariates; weights
    all 1 when *weight* is None.
    """
    data, n_dropped = _complete_rows(df, outcome, covariates, weight)
    y_raw = data[outcome]
    y = _outcome_codes(y_raw, outcome)
    X, indicators = design_matrix(data, covariates, categorical)
    w = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float)
    return EstimationSample(y_raw, y, X, indicators, w, n_dropped)


def _complete_rows(
    df: pd.DataFrame, outcome: str, covariates: list[str], weight: str | None
) -> tuple[pd.DataFrame, int]:
    """The complete rows of outcome, covariates and weight (renumbered), and how many were dropped.

    Listwise deletion over outcome, covariates and weight; rows with a NaN
    *weight* are an error, not deleted (:func:`check_pweights`). The size of
    the estimation sample is the ``n`` in the sandwich's ``n/(n-1)`` factor,
    as in Stata -- R's ``svyolr`` on a design that still holds the
    incomplete rows would use the design's row count instead, a relative SE
    difference of about ``(n_all - n) / (2 n n_all)``.
    """
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
    return data, n_dropped


def _outcome_codes(y_raw: pd.Series, outcome: str) -> np.ndarray:
    """The outcome coded 0..K-1 in the order of its sorted labels (at least two)."""
    y_levels = sorted(pd.unique(y_raw.to_numpy()).tolist())
    if len(y_levels) < 2:
        raise ValueError(f"outcome {outcome!r} has a single category {y_levels} after listwise deletion")
    return pd.Categorical(y_raw, categories=y_levels).codes.astype(int)


@dataclass
class _Estimate:
    """Where the optimiser stopped (OrderedModel parameters of the model on *X*).

    After Stata's rule (:func:`fit_stata_rebased`) also the model in the
    re-coded factors, its parameters at the same point and the matrix that
    maps its slopes and cuts back (``theta = basis @ phi``).
    """

    params: np.ndarray
    inner: WeightedOrderedModel | None = None
    inner_params: np.ndarray | None = None
    basis: np.ndarray | None = None


def _maximise(
    model: WeightedOrderedModel, sample: EstimationSample, convergence: str, prior_sd: float | None
) -> tuple[_Estimate, list[Diagnostic]]:
    """The fit by the convergence rule, and the optimiser's complaints as diagnostics.

    ``prior_sd`` given: the penalised fit (:meth:`WeightedOrderedModel.fit_penalised`,
    weights scaled to mean 1, no prior on the cut points; the sandwich then
    uses the penalised Hessian). ``"exact"``: BFGS then Newton to machine
    precision, as checked against R. ``"stata"``: Newton-Raphson with Stata
    ``ml``'s stopping rules, iterated in the better-conditioned coding of
    :func:`fit_stata_rebased`; this matters only under separation, where the
    exact maximum does not exist and Stata reports the point where it stopped.
    """
    X = sample.X
    diags: list[Diagnostic] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if prior_sd is not None:
            estimate = _Estimate(model.fit_penalised(prior_sd))
        elif convergence == "stata":
            names = list(X.columns)
            groups = [[names.index(c) for c in cols] for cols in X.attrs.get("factors", {}).values()]
            params, _, inner, inner_params, basis = fit_stata_rebased(
                sample.y, X.to_numpy(dtype=float), sample.w, groups
            )
            estimate = _Estimate(params, inner, inner_params, basis)
        elif convergence == "exact":
            estimate = _Estimate(np.asarray(model.fit().params))
        else:
            raise ValueError(f"convergence must be 'exact' or 'stata', got {convergence!r}")
    for c in caught:
        if "converg" in str(c.message).lower() or "singular" in str(c.message).lower():
            diags.append(Diagnostic("optimiser", None, f"optimiser: {c.message}"))
    return estimate, diags


def _gradient_check(
    model: WeightedOrderedModel, params: np.ndarray, est: np.ndarray, w: np.ndarray, prior_sd: float | None
) -> tuple[bool, list[Diagnostic]]:
    """Whether the gradient (of the penalised objective, with *prior_sd*) is zero at *params*.

    *est* are the slopes and cut points at *params*. Zero means below
    ``1e-5`` times the mean weight (at least 1e-5).
    """
    gsum = (model.score_obs_cut(params) * w[:, None]).sum(0)
    if prior_sd is not None:
        gsum = gsum + model.penalty_hessian(prior_sd) @ est
    converged = bool(np.max(np.abs(gsum)) < 1e-5 * max(1.0, w.sum() / len(w)))
    if converged:
        return True, []
    return False, [Diagnostic("gradient", None, f"gradient not zero at the solution (max {np.abs(gsum).max():.3g})")]


def _covariance(
    model: WeightedOrderedModel, estimate: _Estimate, cov_type: str, prior_sd: float | None
) -> tuple[np.ndarray, list[Diagnostic]]:
    """Covariance of the slopes and cut points: the sandwich (``"robust"``) or the inverse OIM.

    After Stata's rule the covariance is taken in the coding the rule was
    iterated in and mapped back (``A V A'``). A singular Hessian gives NaN
    and a diagnostic.
    """
    params = estimate.params
    try:
        if estimate.inner is not None:
            # Stata's rule was iterated in the better-conditioned coding:
            # take the covariance there too and map it back (A V A')
            inner, inner_params, basis = estimate.inner, estimate.inner_params, estimate.basis
            assert basis is not None  # set together with inner by fit_stata_rebased
            Vi = inner.sandwich_cov(inner_params) if cov_type == "robust" else inner.oim_cov(inner_params)
            return basis @ Vi @ basis.T, []
        V = model.sandwich_cov(params, prior_sd=prior_sd) if cov_type == "robust" else model.oim_cov(params)
        return V, []
    except np.linalg.LinAlgError:
        k = model.k_vars + model.k_levels - 1
        V = np.full((k, k), np.nan)
        return V, [Diagnostic("no_standard_errors", None, "Hessian is singular: standard errors unavailable")]


def _coefficient_table(names: list[str], est: np.ndarray, V: np.ndarray) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """The table of :class:`OlogitResult`: term, coef, se, z, two-sided normal p, stars.

    Negative or undefined variances give a NaN standard error and a diagnostic.
    """
    var = np.diag(V)
    se = np.sqrt(np.where(var >= 0, var, np.nan))
    diags = []
    if np.isnan(se).any():
        diags.append(
            Diagnostic(
                "undefined_variance",
                None,
                "negative or undefined variance for some terms: standard errors set to NaN",
            )
        )
    z = est / se
    p = 2 * stats.norm.sf(np.abs(z))
    table = pd.DataFrame({"term": names, "coef": est, "se": se, "z": z, "p": p, "stars": [stars(v) for v in p]})
    return table, diags


def _result(
    model: WeightedOrderedModel,
    estimate: _Estimate,
    sample: EstimationSample,
    cov_type: str,
    prior_sd: float | None,
    diags: list[Diagnostic],
) -> OlogitResult:
    """The tidy result at *estimate*: table, covariance, fit statistics and diagnostics.

    *diags* are the optimiser's; the gradient, covariance, variance and
    separation checks add theirs, in that order. Each is also issued as a
    :class:`SeparationWarning` (to the caller of :func:`fit_ologit`).
    """
    params, X, y, w = estimate.params, sample.X, sample.y, sample.w
    kv, kc = model.k_vars, model.k_levels - 1
    est = np.concatenate((params[:kv], model.cuts_from_params(params)))
    converged, gradient_diags = _gradient_check(model, params, est, w, prior_sd)
    H = model.hessian_cut(params)
    V, cov_diags = _covariance(model, estimate, cov_type, prior_sd)
    names = list(X.columns) + [f"cut{j + 1}" for j in range(kc)]
    table, table_diags = _coefficient_table(names, est, V)
    diags = diags + gradient_diags + cov_diags + table_diags
    se = table["se"].to_numpy()
    diags += separation_diagnostics(
        sample.y_raw.to_numpy(),  # original labels, so messages name real categories
        sample.indicators,
        coef=dict(zip(names[:kv], est[:kv])),
        se=dict(zip(names[:kv], se[:kv])),
        hessian=H,
    )
    msgs = [d.message for d in diags]
    for m in msgs:
        warnings.warn(m, SeparationWarning, stacklevel=3)  # _result <- fit_ologit <- its caller
    ll = float(model.loglike(params))
    shares = np.bincount(y, weights=w, minlength=kc + 1) / w.sum()  # kc + 1 = len(y_levels)
    ll_null = float(np.sum(w * np.log(shares[y])))
    return OlogitResult(
        table=table,
        nobs=int(len(y)),
        n_dropped=sample.n_dropped,
        ll=ll,
        ll_null=ll_null,
        pseudo_r2=1 - ll / ll_null,
        cov=pd.DataFrame(V, index=names, columns=names),
        cov_type=cov_type,
        converged=converged,
        warnings=msgs,
        diagnostics=diags,
        coding=dict(X.attrs["coding"]),
        outcome_levels=sorted(pd.unique(sample.y_raw.to_numpy()).tolist()),
    )
