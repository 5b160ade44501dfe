"""Weighted partial proportional-odds model (generalised ordered logit), like Stata ``gologit2``.

For an ordered outcome with categories ``1..K`` (the labels present in the
estimation sample, in order) and equations ``j = 1..K-1``::

    P(y > j | x) = F(alpha_j + x_c' beta + x_f' beta_j),    F the logistic cdf,

with ``x_c`` the *constrained* design columns (one slope shared by every
equation: proportional odds) and ``x_f`` the *free* ones (a slope per
equation). This is the parameterisation and sign of Williams' (2006)
``gologit2``: a positive slope makes a higher answer more likely, as in
``ologit``, and the intercepts are the ordered logit's cut points with the
sign flipped, ``alpha_j = -cut_j`` (Stata ``/cut#``, R ``zeta``); with
nothing free the model is :func:`scsrepro.survey.models.fit_ologit`'s. R's
``VGAM::vglm(y ~ ..., cumulative(parallel = FALSE ~ <free>, reverse = TRUE))``
has the same sign: its ``eta_j = logit P(y >= j + 1)``, ``(Intercept):j`` is
``alpha_j`` and ``x:j`` is ``beta_j``.

``P(y = k) = F(eta_{k-1}) - F(eta_k)`` (``F(eta_0) = 1``, ``F(eta_K) = 0``).
Where slopes differ across equations nothing keeps ``eta_j`` decreasing in
``j``, so a fitted probability can be negative (the model's known weakness,
which ``gologit2`` checks too): each fit counts the rows affected.

Estimation: weighted pseudo-ML by :func:`~scsrepro.survey.newton.newton_maximise`
(analytic score and Hessian, from the ordered logit's estimate); covariance:
the sandwich of :mod:`scsrepro.survey.sandwich` with ``n/(n-1)`` (``gologit2
... [pweight = w]``), or the inverse observed or expected information.
:class:`GologitLayout` orders and names the parameters, :class:`GologitModel`
holds the likelihood, :func:`fit_gologit` fits given free terms,
:func:`equality_tests` tests them, :func:`autofit` is ``gologit2``'s search.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from scsrepro.survey.models import DEFAULT_CATEGORICAL, Diagnostic, estimation_sample, separation_diagnostics
from scsrepro.survey.newton import newton_maximise, scaled_solve, step_converged
from scsrepro.survey.ordered_logit import WeightedOrderedModel, check_pweights, ordered_logit_hessian
from scsrepro.survey.sandwich import influence_rows, robust_covariance
from scsrepro.survey.significance import stars

__all__ = [
    "GologitLayout",
    "GologitModel",
    "GologitResult",
    "AutofitResult",
    "GologitWarning",
    "AUTOFIT_ALPHA",
    "category_probabilities",
    "equality_tests",
    "fit_gologit",
    "autofit",
]

#: ``gologit2``'s default significance level for ``autofit`` (its ``autofit(alpha)`` defaults to .05).
AUTOFIT_ALPHA = 0.05
COV_TYPES = ("robust", "oim", "eim")


class GologitWarning(UserWarning):
    """A problem with a generalised ordered logit fit (negative probabilities, separation, no convergence)."""


@dataclass(frozen=True)
class GologitLayout:
    """Which design columns are free, and the order of the parameter vector ``theta``.

    ``theta`` holds the constrained slopes (column order), the free slopes
    equation by equation (equation 1's free columns, then equation 2's, ...)
    and the intercepts ``alpha_1 .. alpha_{K-1}``; their names are ``x``,
    ``x:j`` and ``_cons:j`` (Stata's ``[#j]x``).
    """

    columns: tuple[str, ...]
    free: tuple[str, ...]
    n_categories: int

    def __post_init__(self) -> None:
        unknown = [c for c in self.free if c not in self.columns]
        if unknown:
            raise ValueError(f"free columns {unknown} are not columns of the design {list(self.columns)}")
        if self.n_categories < 2 or (self.free and self.n_categories < 3):
            raise ValueError("the outcome needs two categories, and three for free (category-specific) slopes")

    @property
    def n_equations(self) -> int:
        """``K - 1``."""
        return self.n_categories - 1

    @property
    def constrained(self) -> tuple[str, ...]:
        """The constrained columns, in column order."""
        return tuple(c for c in self.columns if c not in self.free)

    @property
    def free_columns(self) -> tuple[str, ...]:
        """The free columns, in column order (the order of their slopes in ``theta``)."""
        return tuple(c for c in self.columns if c in self.free)

    @property
    def n_params(self) -> int:
        """Length of ``theta``."""
        return len(self.constrained) + self.n_equations * (len(self.free_columns) + 1)

    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions in :attr:`columns` of the constrained and of the free columns."""
        ci = [self.columns.index(c) for c in self.constrained]
        return np.array(ci, dtype=int), np.array([self.columns.index(c) for c in self.free_columns], dtype=int)

    def names(self) -> list[str]:
        """The parameter names, in the order of ``theta``."""
        eqs = range(1, self.n_equations + 1)
        return [*self.constrained, *[f"{c}:{j}" for j in eqs for c in self.free_columns], *[f"_cons:{j}" for j in eqs]]

    def slopes(self, theta: np.ndarray) -> np.ndarray:
        """``(K-1, p)`` matrix of every equation's slopes, columns in the order of :attr:`columns`."""
        theta = np.asarray(theta, dtype=float)
        ci, fi = self._index()
        pc, pf, m = ci.size, fi.size, self.n_equations
        B = np.empty((m, len(self.columns)))
        B[:, ci] = theta[:pc]
        B[:, fi] = theta[pc : pc + m * pf].reshape(m, pf)
        return B

    def intercepts(self, theta: np.ndarray) -> np.ndarray:
        """``alpha_1 .. alpha_{K-1}``."""
        return np.asarray(theta, dtype=float)[-self.n_equations :]

    def linear_predictors(self, theta: np.ndarray, X) -> np.ndarray:
        """``(n, K-1)`` matrix of ``eta_j = alpha_j + x' beta_j``."""
        return self.intercepts(theta)[None, :] + np.asarray(X, dtype=float) @ self.slopes(theta).T

    def probabilities(self, theta: np.ndarray, X) -> np.ndarray:
        """``(n, K)`` category probabilities ``F(eta_{k-1}) - F(eta_k)`` (rows sum to 1; may be negative).

        *X*: design rows (array or DataFrame), columns in the order of
        :attr:`columns`. The ``prob(theta, X)`` callback of a
        marginal-effects routine.
        """
        cum = expit(self.linear_predictors(theta, X))
        ones, zeros = np.ones((cum.shape[0], 1)), np.zeros((cum.shape[0], 1))
        return np.hstack([ones, cum]) - np.hstack([cum, zeros])

    def eta_jacobian(self, X: np.ndarray, equation: np.ndarray) -> np.ndarray:
        """``(n, n_params)`` derivative of row i's ``eta`` of 0-based *equation[i]* by ``theta`` (0 where -1)."""
        ci, fi = self._index()
        pc, pf = ci.size, fi.size
        J = np.zeros((X.shape[0], self.n_params))
        rows = np.flatnonzero(equation >= 0)
        eq = equation[rows]
        J[rows, :pc] = X[np.ix_(rows, ci)]
        for k, col in enumerate(fi):
            J[rows, pc + eq * pf + k] = X[rows, col]
        J[rows, pc + self.n_equations * pf + eq] = 1.0
        return J

    def equality_rows(self, columns: Sequence[str]) -> np.ndarray:
        """Restriction matrix of H0: each of *columns* has one slope in every equation.

        One row ``beta_{c,j} - beta_{c,1}`` per column ``c`` and equation ``j = 2..K-1``.
        """
        pc, pf = len(self.constrained), len(self.free_columns)
        R = np.zeros((len(columns) * (self.n_equations - 1), self.n_params))
        for i, (c, j) in enumerate((c, j) for c in columns for j in range(1, self.n_equations)):
            first = pc + self.free_columns.index(c)
            R[i, first], R[i, first + j * pf] = -1.0, 1.0
        return R

    def from_ordered_logit(self, slopes: np.ndarray, cuts: np.ndarray) -> np.ndarray:
        """``theta`` of an ordered logit: each free slope equal to the common one, ``alpha = -cuts``."""
        slopes = np.asarray(slopes, dtype=float)
        ci, fi = self._index()
        return np.concatenate((slopes[ci], np.tile(slopes[fi], self.n_equations), -np.asarray(cuts, dtype=float)))


def category_probabilities(layout: GologitLayout, theta: np.ndarray, X) -> np.ndarray:
    """``(n, K)`` category probabilities of *layout* at *theta* (:meth:`GologitLayout.probabilities`)."""
    return layout.probabilities(theta, X)


class GologitModel:
    """Weighted generalised ordered logit: *y* answers ``1..K``, design *X* (columns of *layout*), weights *w*."""

    def __init__(self, y, X, w, layout: GologitLayout):
        self.y, self.X, self.w = np.asarray(y, dtype=int), np.asarray(X, dtype=float), check_pweights(w)
        self.layout = layout
        if self.X.shape != (self.y.size, len(layout.columns)) or self.w.shape != self.y.shape:
            raise ValueError("y, X, w and the layout's columns do not match in shape")
        if np.any((self.y < 1) | (self.y > layout.n_categories)):
            raise ValueError(f"y must hold the answers 1..{layout.n_categories}")

    def _bounds(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``F`` at each row's upper and lower bound and the bounds' 0-based equations (-1: none)."""
        y, rows = self.y, np.arange(self.y.size)
        eta = self.layout.linear_predictors(theta, self.X)
        eq_u = np.where(y >= 2, y - 2, -1)  # P(y >= k) = F(eta_{k-1})
        eq_l = np.where(y <= self.layout.n_equations, y - 1, -1)  # P(y > k) = F(eta_k)
        Fu = np.where(eq_u >= 0, expit(eta[rows, np.maximum(eq_u, 0)]), 1.0)
        Fl = np.where(eq_l >= 0, expit(eta[rows, np.maximum(eq_l, 0)]), 0.0)
        return Fu, Fl, eq_u, eq_l

    def loglikeobs(self, theta: np.ndarray) -> np.ndarray:
        """Weighted contributions ``w_i log P(y_i | x_i)`` (``-inf`` where that probability is not positive)."""
        Fu, Fl, _, _ = self._bounds(theta)
        P = Fu - Fl
        return self.w * np.where(P > 0, np.log(np.where(P > 0, P, 1.0)), -np.inf)

    def loglike(self, theta: np.ndarray) -> float:
        """Weighted log pseudo-likelihood (``-inf`` outside the model's domain)."""
        return float(self.loglikeobs(theta).sum())

    def pieces(self, theta: np.ndarray):
        """``(ga, gb, haa, hbb, hab, Ja, Jb)`` as :func:`~scsrepro.survey.ordered_logit.ordered_logit_pieces` gives them.

        Row i's upper bound is ``eta_{y_i - 1}``, its lower bound ``eta_{y_i}``.
        """
        Fu, Fl, eq_u, eq_l = self._bounds(theta)
        fu, fl = Fu * (1 - Fu), Fl * (1 - Fl)
        P = np.maximum(Fu - Fl, 1e-300)
        ga, gb = fu / P, -fl / P
        haa, hbb = fu * (1 - 2 * Fu) / P - ga**2, -fl * (1 - 2 * Fl) / P - gb**2
        Ja, Jb = self.layout.eta_jacobian(self.X, eq_u), self.layout.eta_jacobian(self.X, eq_l)
        return ga, gb, haa, hbb, -ga * gb, Ja, Jb

    def score_obs(self, theta: np.ndarray) -> np.ndarray:
        """Unweighted per-observation scores of ``log P(y_i | x_i)``, ``(n, n_params)``."""
        ga, gb, _, _, _, Ja, Jb = self.pieces(theta)
        return ga[:, None] * Ja + gb[:, None] * Jb

    def derivatives(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of the weighted log pseudo-likelihood (analytic)."""
        ga, gb, haa, hbb, hab, Ja, Jb = self.pieces(theta)
        g = self.w @ (ga[:, None] * Ja + gb[:, None] * Jb)
        return g, ordered_logit_hessian(haa, hbb, hab, Ja, Jb, self.w)

    def expected_information(self, theta: np.ndarray) -> np.ndarray:
        """``sum_i w_i sum_k P_ik s_ik s_ik'``, ``s_ik`` row i's score had it answered ``k``."""
        P = self.layout.probabilities(theta, self.X)
        info = np.zeros((self.layout.n_params, self.layout.n_params))
        for k in range(1, self.layout.n_categories + 1):
            S = GologitModel(np.full(self.y.size, k), self.X, self.w, self.layout).score_obs(theta)
            info += (S * (self.w * P[:, k - 1])[:, None]).T @ S
        return info

    def cov(self, theta: np.ndarray, cov_type: str = "robust") -> np.ndarray:
        """Covariance of ``theta``.

        ``"robust"``: ``n/(n-1) H^-1 (sum_i w_i^2 s_i s_i') H^-1`` (Stata
        ``[pweight=]``); ``"oim"``: ``(-H)^-1`` (Stata without weights);
        ``"eim"``: the inverse expected information (R ``VGAM``).
        """
        if cov_type == "eim":
            info = self.expected_information(theta)
            return scaled_solve(info, np.eye(info.shape[0]))
        _, H = self.derivatives(theta)
        if cov_type == "oim":
            return scaled_solve(-H, np.eye(H.shape[0]))
        if cov_type != "robust":
            raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
        return robust_covariance(influence_rows(self.score_obs(theta) * self.w[:, None], H))


def equality_tests(
    layout: GologitLayout, theta: np.ndarray, cov: np.ndarray, terms: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Wald tests that each term's free slopes are equal across the ``K - 1`` equations.

    *terms* maps a term's name to its free columns (a factor's dummies are
    tested together). Each row tests ``beta_{c,1} = .. = beta_{c,K-1}`` for
    every column ``c`` of the term (``df = (K - 2) * columns``); the last
    row, ``all``, tests every free column at once -- the partial model
    against the ordered logit. Columns ``term, columns, chi2, df, p``; a
    singular covariance of the differences gives NaN.
    """
    rows = []
    every = [c for cols in terms.values() for c in cols]
    for name, cols in [*terms.items(), ("all", every)]:
        R = layout.equality_rows(cols)
        chi2 = np.nan
        if R.shape[0]:
            d = R @ theta
            try:
                chi2 = float(d @ np.linalg.solve(R @ cov @ R.T, d))
            except np.linalg.LinAlgError:
                chi2 = np.nan
        df = R.shape[0]
        p = float(stats.chi2.sf(chi2, df)) if df and np.isfinite(chi2) else np.nan
        rows.append({"term": name, "columns": tuple(cols), "chi2": chi2, "df": df, "p": p})
    return pd.DataFrame(rows, columns=["term", "columns", "chi2", "df", "p"])


@dataclass
class GologitResult:
    """Output of :func:`fit_gologit`, as data.

    ``params``: one row per element of ``theta``, columns ``name``
    (:meth:`GologitLayout.names`), ``term`` (design column or ``_cons``),
    ``equation`` (``j`` of ``P(y > level_j)``, 0 for a shared slope),
    ``threshold`` (``level_j``), ``free``, ``coef, se, z, p, stars``; ``cov``
    is indexed by ``name``. ``tests``: :func:`equality_tests` of the free
    terms. ``n_negative``: rows of the sample with a negative fitted category
    probability (the smallest is ``min_probability``). ``groups``: every term
    the fit knows and its columns.
    """

    params: pd.DataFrame
    cov: pd.DataFrame
    cov_type: str
    loglike: float
    ll_null: float
    nobs: int
    n_dropped: int
    free_terms: list[str]
    free_columns: list[str]
    tests: pd.DataFrame
    n_negative: int
    min_probability: float
    converged: bool
    iterations: int
    theta: np.ndarray
    layout: GologitLayout
    outcome_levels: list
    groups: dict[str, list[str]]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def pseudo_r2(self) -> float:
        """McFadden's ``1 - loglike / ll_null`` (weighted)."""
        return 1 - self.loglike / self.ll_null

    def coef_table(self) -> pd.DataFrame:
        """Every equation's coefficients side by side, as ``gologit2`` prints them.

        Rows: the design columns, then ``_cons`` (``alpha_j = -cut_j``);
        columns: equations ``1..K-1`` (equation ``j`` models ``P(y > level_j)``).
        """
        B = self.layout.slopes(self.theta)
        table = np.vstack([B.T, self.layout.intercepts(self.theta)[None, :]])
        cols = pd.Index(range(1, self.layout.n_equations + 1), name="equation")
        return pd.DataFrame(table, index=[*self.layout.columns, "_cons"], columns=cols)

    def prob(self, theta: np.ndarray, X) -> np.ndarray:
        """``(n, K)`` category probabilities at *theta* for design rows *X* (the marginal-effects callback)."""
        return self.layout.probabilities(theta, X)


@dataclass
class AutofitResult:
    """Output of :func:`autofit`: the final ``fit`` and the ``unconstrained`` one it started from.

    ``steps``: every Wald test of every step (``step, term, columns, chi2,
    df, p, constrained``; one ``constrained`` row per step but the last).
    ``final_test``: ``gologit2``'s check, in the unconstrained model, that
    the terms constrained have equal slopes across equations (None if none).
    """

    fit: GologitResult
    unconstrained: GologitResult
    steps: pd.DataFrame
    final_test: dict | None
    alpha: float

    @property
    def free_terms(self) -> list[str]:
        """The terms left free."""
        return list(self.fit.free_terms)

    @property
    def constrained_terms(self) -> list[str]:
        """The terms the search constrained, in the order it did so."""
        return self.steps.loc[self.steps["constrained"], "term"].tolist()


@dataclass
class _Sample:
    """Complete rows, outcome codes 1..K, design matrix, weights, and the ordered logit's estimate."""

    y_raw: pd.Series
    y: np.ndarray
    levels: list
    X: pd.DataFrame
    indicators: dict[str, np.ndarray]
    w: np.ndarray
    n_dropped: int
    ologit: tuple[np.ndarray, np.ndarray] | None = None  # (slopes, cuts), computed once


def _prepare(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    categorical: Mapping[str, object] | None,
    weight: str | None,
    groups: Mapping[str, Sequence[str]] | None,
    cov_type: str,
) -> tuple[_Sample, dict[str, list[str]]]:
    """The estimation sample (listwise deletion, as :func:`~scsrepro.survey.models.fit_ologit`) and its terms."""
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    categorical = DEFAULT_CATEGORICAL if categorical is None else dict(categorical)
    base = estimation_sample(df, outcome, list(covariates), categorical, weight)
    levels = sorted(pd.unique(base.y_raw.to_numpy()).tolist())
    X = base.X
    sample = _Sample(base.y_raw, base.y + 1, levels, X, base.indicators, base.w, base.n_dropped)
    return sample, _term_groups(X, groups)


def _term_groups(X: pd.DataFrame, groups: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Every design column in one named term: those of *groups* (default the factors), the rest alone."""
    given = dict(X.attrs.get("factors", {})) if groups is None else dict(groups)
    owner: dict[str, str] = {}
    for name, cols in given.items():
        for c in cols:
            if c not in X.columns:
                raise ValueError(f"group {name!r}: {c!r} is not a column of the design {list(X.columns)}")
            if c in owner:
                raise ValueError(f"column {c!r} is in two groups, {owner[c]!r} and {name!r}")
            owner[c] = name
        if name in X.columns and owner.get(name) != name:
            raise ValueError(f"group name {name!r} is also the name of another column")
    out: dict[str, list[str]] = {}
    for c in X.columns:
        name = owner.get(c, c)
        out.setdefault(name, []).append(c)
    return out


def _free_terms(free: Sequence[str], groups: Mapping[str, list[str]], X: pd.DataFrame) -> dict[str, list[str]]:
    """``{term: columns}`` of the terms to free: a group's name frees all its columns, a column name that column."""
    if isinstance(free, str):
        raise TypeError("free must be a sequence of names, not a string")
    out = {name: list(groups[name]) if name in groups else [name] for name in free}
    cols = [c for v in out.values() for c in v]
    if not set(cols) <= set(X.columns) or len(set(cols)) != len(cols):
        raise ValueError(f"free terms {list(free)} must name groups {list(groups)} or columns, each column once")
    return out


def _start(model: GologitModel, sample: _Sample, start: str) -> np.ndarray:
    """Start values: the ordered logit's estimate (``"ologit"``) or the null model (``"null"``)."""
    layout = model.layout
    if start == "null":
        shares = np.bincount(sample.y - 1, weights=sample.w, minlength=layout.n_categories) / sample.w.sum()
        above = 1 - np.cumsum(shares)[:-1]
        return layout.from_ordered_logit(np.zeros(len(layout.columns)), -np.log(above / (1 - above)))
    if start != "ologit":
        raise ValueError(f"start must be 'ologit' or 'null', got {start!r}")
    if sample.ologit is None:
        X = sample.X.to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            om = WeightedOrderedModel(sample.y - 1, X, sample.w)
            params = np.asarray(om.fit().params)
        sample.ologit = (params[: X.shape[1]], om.cuts_from_params(params))
    return layout.from_ordered_logit(*sample.ologit)


def _fit(
    sample: _Sample,
    groups: dict[str, list[str]],
    terms: dict[str, list[str]],
    cov_type: str,
    start: str = "ologit",
    tol: float = 1e-10,
    maxiter: int = 200,
) -> GologitResult:
    """Fit with the columns of *terms* free; the diagnostics are recorded, not issued."""
    free_cols = [c for cols in terms.values() for c in cols]
    layout = GologitLayout(tuple(sample.X.columns), tuple(free_cols), len(sample.levels))
    model = GologitModel(sample.y, sample.X.to_numpy(dtype=float), sample.w, layout)
    res = newton_maximise(
        _start(model, sample, start), model.derivatives, step_converged(tol), value=model.loglike, maxiter=maxiter
    )
    theta, diags = res.theta, []
    if res.status != "converged":
        diags.append(Diagnostic("optimiser", None, f"Newton-Raphson {res.status} after {res.iterations} iterations"))
    gmax = float(np.max(np.abs(res.gradient)))
    converged = res.status == "converged" and gmax < 1e-5 * max(1.0, float(sample.w.mean()))
    if res.status == "converged" and not converged:
        diags.append(Diagnostic("gradient", None, f"gradient not zero at the solution (max {gmax:.3g})"))
    try:
        V = model.cov(theta, cov_type)
    except np.linalg.LinAlgError:
        V = np.full((layout.n_params, layout.n_params), np.nan)
        diags.append(Diagnostic("no_standard_errors", None, "Hessian is singular: standard errors unavailable"))
    params = _params_table(layout, theta, V, sample.levels)
    if params["se"].isna().any():
        diags.append(Diagnostic("undefined_variance", None, "negative or undefined variance for some parameters"))
    P = layout.probabilities(theta, sample.X.to_numpy(dtype=float))
    n_negative = int(np.sum(np.any(P < 0, axis=1)))
    if n_negative:
        msg = f"{n_negative} of {len(P)} rows have a negative fitted category probability (smallest {P.min():.3g})"
        diags.append(Diagnostic("negative_probability", None, msg))
    slopes = params[params["term"] != "_cons"].set_index("name")
    coef, se = slopes["coef"].to_dict(), slopes["se"].to_dict()
    diags += separation_diagnostics(sample.y_raw.to_numpy(), sample.indicators, coef, se, hessian=res.hessian)
    shares = np.bincount(sample.y - 1, weights=sample.w, minlength=len(sample.levels)) / sample.w.sum()
    names = layout.names()
    return GologitResult(
        params=params,
        cov=pd.DataFrame(V, index=names, columns=names),
        cov_type=cov_type,
        loglike=model.loglike(theta),
        ll_null=float(np.sum(sample.w * np.log(shares[sample.y - 1]))),
        nobs=int(sample.y.size),
        n_dropped=sample.n_dropped,
        free_terms=list(terms),
        free_columns=list(layout.free_columns),
        tests=equality_tests(layout, theta, V, terms),
        n_negative=n_negative,
        min_probability=float(P.min()),
        converged=converged,
        iterations=res.iterations,
        theta=theta,
        layout=layout,
        outcome_levels=list(sample.levels),
        groups={k: list(v) for k, v in groups.items()},
        diagnostics=diags,
    )


def _params_table(layout: GologitLayout, theta: np.ndarray, V: np.ndarray, levels: list) -> pd.DataFrame:
    """The ``params`` table of :class:`GologitResult`."""
    names = layout.names()
    term = [n.rsplit(":", 1)[0] if n not in layout.columns else n for n in names]
    equation = [0 if n in layout.columns else int(n.rsplit(":", 1)[1]) for n in names]
    se = np.sqrt(np.where(np.diag(V) >= 0, np.diag(V), np.nan))
    p = 2 * stats.norm.sf(np.abs(theta / se))
    return pd.DataFrame(
        {
            "name": names,
            "term": term,
            "equation": equation,
            "threshold": [levels[j - 1] if j else np.nan for j in equation],
            "free": [t in layout.free or t == "_cons" for t in term],
            "coef": theta,
            "se": se,
            "z": theta / se,
            "p": p,
            "stars": [stars(v) for v in p],
        }
    )


def _warn(result: GologitResult) -> None:
    for d in result.diagnostics:
        warnings.warn(d.message, GologitWarning, stacklevel=3)


def fit_gologit(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    free: Sequence[str] = (),
    categorical: Mapping[str, object] | None = None,
    weight: str | None = "weight",
    groups: Mapping[str, Sequence[str]] | None = None,
    cov_type: str = "robust",
    start: str = "ologit",
    tol: float = 1e-10,
    maxiter: int = 200,
) -> GologitResult:
    """Fit a weighted partial proportional-odds model, like ``gologit2 y x [pweight = w], npl(free)``.

    Parameters
    ----------
    df, outcome, covariates, categorical, weight
        As for :func:`scsrepro.survey.models.fit_ologit` (same sample, design matrix and default factors).
    free : sequence of str
        Terms with category-specific slopes: a name of *groups* (by default
        a factor: its dummies are freed together) or a design column (one
        dummy, as the proportional-odds test names its terms). Empty: ``ologit``.
    groups : mapping, optional
        ``{name: design columns}`` freed and tested together; default each factor's dummies.
    cov_type : {"robust", "oim", "eim"}
        See :meth:`GologitModel.cov`.
    start : {"ologit", "null"}
        Newton's start: the ordered logit's estimate, or zero slopes and the weighted shares.
    tol, maxiter
        Newton stops when the largest step is below *tol*.

    Returns
    -------
    GologitResult
        Each diagnostic is also issued as a :class:`GologitWarning`.
    """
    sample, terms = _prepare(df, outcome, covariates, categorical, weight, groups, cov_type)
    result = _fit(sample, terms, _free_terms(free, terms, sample.X), cov_type, start, tol, maxiter)
    _warn(result)
    return result


def autofit(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    categorical: Mapping[str, object] | None = None,
    weight: str | None = "weight",
    groups: Mapping[str, Sequence[str]] | None = None,
    alpha: float = AUTOFIT_ALPHA,
    cov_type: str = "robust",
) -> AutofitResult:
    """``gologit2``'s ``autofit``: free only the terms that violate proportional odds.

    Start with every term free; at each step Wald-test each free term's
    equality across equations (:func:`equality_tests`, *cov_type*) and
    constrain the one with the largest p-value if that is at least *alpha*;
    stop when none is. As ``gologit2_autofit.ado`` does: default ``.05``,
    ``p >= alpha`` qualifies, a missing p never does. The units are the terms
    of *groups* (by default a factor is one unit, whose test does not depend
    on its base level); ``groups={}`` tests each dummy alone, as ``gologit2``.
    A sparse answer can make an equation of the unconstrained model separate:
    its tests are then missing, nothing is constrained and the diagnostics
    (issued as warnings) say so; merge sparse answers first.

    Returns
    -------
    AutofitResult
        The final fit's diagnostics are issued as :class:`GologitWarning`.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    sample, terms = _prepare(df, outcome, covariates, categorical, weight, groups, cov_type)
    free = dict(terms)
    unconstrained = current = _fit(sample, terms, free, cov_type)
    steps: list[pd.DataFrame] = []
    constrained: list[str] = []
    while True:
        tests = current.tests[current.tests["term"] != "all"].assign(step=len(steps) + 1, constrained=False)
        eligible = tests[np.isfinite(tests["p"]) & (tests["p"] >= alpha)]
        if not eligible.empty:
            leader = str(eligible.loc[eligible["p"].idxmax(), "term"])
            tests.loc[tests["term"] == leader, "constrained"] = True
        steps.append(tests)
        if eligible.empty:
            break
        constrained += free.pop(leader)
        current = _fit(sample, terms, free, cov_type)
    final = None
    if constrained:
        row = equality_tests(
            unconstrained.layout, unconstrained.theta, unconstrained.cov.to_numpy(), {"constrained": constrained}
        )
        final = row.iloc[0].to_dict()
    table = pd.concat(steps, ignore_index=True)[["step", "term", "columns", "chi2", "df", "p", "constrained"]]
    _warn(current)
    return AutofitResult(current, unconstrained, table, final, alpha)
