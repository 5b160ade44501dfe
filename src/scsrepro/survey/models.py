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
from scipy.special import expit
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.outliers_influence import variance_inflation_factor

from scsrepro.survey.significance import critical_value, stars
from scsrepro.survey.weighting import check_weights

__all__ = [
    "WeightedOrderedModel",
    "SeparationWarning",
    "OlogitResult",
    "design_matrix",
    "fit_ologit",
    "detect_separation",
    "separation_diagnostics",
    "Diagnostic",
    "DIAGNOSTIC_KINDS",
    "stars",
    "vif_table",
    "format_estimate",
    "esttab",
]

DEFAULT_CATEGORICAL = {"income_group": 1, "education": 1, "region": 1}
LARGE_COEF = 10.0
COND_LIMIT = 1e10


class SeparationWarning(UserWarning):
    """Sign of (quasi-)complete separation in an ordered logit fit."""


def _check_weights(w, name: str = "weight") -> np.ndarray:
    return check_weights(w, name=f"column {name!r} (pweights)")


def ordered_logit_pieces(X: np.ndarray, y: np.ndarray, theta: np.ndarray):
    """Pieces of an ordered logit's per-observation scores and Hessian.

    Parameters
    ----------
    X : (n, p) array of covariates.
    y : (n,) integer answers 1..K.
    theta : (p + K - 1,) array, the slopes followed by the cut points in
        increasing order (Stata's ``/cut#``).

    Returns
    -------
    ga, gb : d log P_i / d(upper bound), d log P_i / d(lower bound).
    haa, hbb, hab : the second derivatives with respect to the bounds.
    Ja, Jb : (n, p + K - 1) Jacobians of the upper and lower bound
        (``cut - x'beta``) with respect to theta; rows of the top (bottom)
        answer have no upper (lower) cut.

    The scores are ``ga Ja + gb Jb``; the Hessian is
    ``sum_i haa Ja Ja' + hbb Jb Jb' + hab (Ja Jb' + Jb Ja')`` (weighted).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    n, p = X.shape
    k = len(theta) - p
    xb = X @ np.asarray(theta[:p], dtype=float)
    c = np.concatenate(([-np.inf], np.asarray(theta[p:], dtype=float), [np.inf]))
    Fu, Fl = expit(c[y] - xb), expit(c[y - 1] - xb)
    fu, fl = Fu * (1 - Fu), Fl * (1 - Fl)
    P = np.maximum(Fu - Fl, 1e-300)
    ga, gb = fu / P, -fl / P
    haa = fu * (1 - 2 * Fu) / P - ga**2
    hbb = -fl * (1 - 2 * Fl) / P - gb**2
    hab = -ga * gb
    Ja = np.zeros((n, p + k))
    Jb = np.zeros((n, p + k))
    Ja[:, :p] = -X
    Jb[:, :p] = -X
    rows = np.arange(n)
    up, lo = y <= k, y >= 2
    Ja[rows[up], p + y[up] - 1] = 1.0
    Jb[rows[lo], p + y[lo] - 2] = 1.0
    return ga, gb, haa, hbb, hab, Ja, Jb


def ordered_logit_hessian(haa, hbb, hab, Ja, Jb, w) -> np.ndarray:
    """Weighted Hessian from the pieces of :func:`ordered_logit_pieces`."""
    H = (Ja * (w * haa)[:, None]).T @ Ja + (Jb * (w * hbb)[:, None]).T @ Jb
    cross = (Ja * (w * hab)[:, None]).T @ Jb
    return H + cross + cross.T


def scaled_solve(H: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``H x = b`` after scaling ``H`` to unit diagonal (Jacobi scaling).

    Near separation one direction of an ordered logit's Hessian has almost
    no curvature, so ``H`` has entries of very different sizes. Scaling
    rows and columns by ``1 / sqrt(|H_jj|)`` first makes the system well
    conditioned in the coding of :func:`factor_basis`, so the solution keeps
    its digits on every CPU. Equal to ``np.linalg.solve`` in exact arithmetic.
    """
    d = np.sqrt(np.abs(np.diag(H)))
    d = np.where(d > 0, d, 1.0)
    x = np.linalg.solve(H / d[:, None] / d[None, :], (b.T / d).T if b.ndim == 2 else b / d)
    return (x.T / d).T if x.ndim == 2 else x / d


def factor_basis(X: np.ndarray, groups: Sequence[Sequence[int]], k_cuts: int) -> tuple[np.ndarray, np.ndarray]:
    """Re-code each factor with its most common level as the base.

    *groups* lists, for every factor, the columns of *X* that hold its
    dummies (the base level is the rows where all of them are 0). Where a
    dummy's level is more common than the base, that column is replaced by
    the indicator of the old base, which makes the most common level the
    new base. Returns ``(X_new, A)`` with ``theta = A @ phi``, where
    ``theta`` are the slopes and cut points in the coding of *X* and ``phi``
    those in the coding of ``X_new``: for a factor whose new base is the
    level of column ``L``, ``theta_L = -phi_L``, each other dummy
    ``theta_k = phi_k - phi_L`` and each cut point ``cut_j = cut'_j - phi_L``.

    Why: under quasi-separation of a small base level (the paper's Model 5,
    where the few respondents without formal education all strongly
    approve) every dummy of the factor and every cut point drift off
    together, and in the original coding the likelihood's tiny gradient and
    curvature along that direction are what is left after terms of order
    one cancel. In the new coding the drift is one coordinate, whose
    gradient and curvature come from the few base-level rows alone, with
    no cancellation.
    """
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    Xn = X.copy()
    A = np.eye(p + k_cuts)
    for cols in groups:
        cols = list(cols)
        if not cols:
            continue
        counts = X[:, cols].sum(0)
        base_count = n - counts.sum()
        j = int(np.argmax(counts))
        if counts[j] <= base_count:
            continue
        L = cols[j]
        Xn[:, L] = 1.0 - X[:, cols].sum(1)
        A[L, L] = -1.0
        for k in cols:
            if k != L:
                A[k, L] = -1.0
        A[p:, L] = -1.0
    return Xn, A


def fit_stata_rebased(y, X: np.ndarray, w, groups: Sequence[Sequence[int]], **kwargs):
    """Stata's stopping rule, iterated in the coding of :func:`factor_basis`.

    Returns ``(params, iterations, model, model_params, A)``: *params* are
    OrderedModel parameters of the model on the given *X*; *model* is the
    model on the re-coded matrix and *model_params* its parameters at the
    same point (use them for derivatives without cancellation); ``A`` maps
    its slopes and cuts to those of *X* (so a covariance maps as
    ``A V A'``).
    """
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    k_cuts = len(np.unique(y)) - 1
    Xn, A = factor_basis(X, groups, k_cuts)
    inner = WeightedOrderedModel(y, Xn, w)
    phi_params, iterations = inner.fit_stata(basis=A, **kwargs)
    kv = X.shape[1]
    theta = A @ np.concatenate((phi_params[:kv], inner.cuts_from_params(phi_params)))
    # the increments between cut points do not depend on the coding
    params = np.concatenate((theta[:kv], theta[kv : kv + 1], phi_params[kv + 1 :]))
    return params, iterations, inner, phi_params, A


class WeightedOrderedModel(OrderedModel):
    """Ordered logit fitted by weighted pseudo-maximum likelihood.

    Equals Stata ``ologit y x [pweight = w]`` and R ``survey::svyolr`` on
    ``svydesign(ids=~1, weights=~w)`` (point estimates; use
    :meth:`sandwich_cov` for their standard errors). With ``weights`` all 1
    it equals ``statsmodels`` ``OrderedModel(endog, exog, distr="logit")`` and
    R ``MASS::polr``.

    Parameters
    ----------
    endog : array_like
        Outcome coded 0..K-1 or any sortable values (see ``OrderedModel``).
    exog : array_like or DataFrame
        Covariates, no constant column.
    weights : array_like
        Sampling weights, finite and > 0. The scale matters only for the
        reported log likelihood, not for estimates or robust SEs.
    """

    def __init__(self, endog, exog, weights, **kwds):
        if kwds.pop("distr", "logit") != "logit":
            raise ValueError("WeightedOrderedModel supports only the logit link")
        w = _check_weights(weights)
        super().__init__(endog, exog, distr="logit", **kwds)
        if w.shape != (self.nobs,):
            raise ValueError(f"weights must have {self.nobs} values, got shape {w.shape}")
        self.weights = w

    # -- parameter transformations -------------------------------------------
    def _k_cuts(self) -> int:
        return self.k_levels - 1

    def cuts_from_params(self, params) -> np.ndarray:
        """Thresholds cut1..cutK-1 (Stata ``/cut#``, R ``zeta``) from
        OrderedModel's (first cut, log increments) parameters."""
        return self.transform_threshold_params(np.asarray(params))[1:-1]

    def _jac_cut(self, params) -> np.ndarray:
        """d(beta, cuts) / d(beta, theta) where theta are OrderedModel's params."""
        params = np.asarray(params)
        kv, kc = self.k_vars, self._k_cuts()
        th = params[kv:]
        M = np.zeros((kc, kc))
        M[:, 0] = 1.0
        for m in range(1, kc):
            M[m:, m] = np.exp(th[m])
        J = np.eye(kv + kc)
        J[kv:, kv:] = M
        return J

    # -- derivatives in the (beta, cuts) parameterisation ---------------------
    def _pieces(self, params):
        params = np.asarray(params, dtype=float)
        kv = self.k_vars
        y = np.asarray(self.endog, dtype=int)
        X = np.asarray(self.exog, dtype=float) if kv else np.zeros((y.size, 0))
        theta = np.concatenate((params[:kv], self.cuts_from_params(params)))
        return ordered_logit_pieces(X, y + 1, theta)

    def score_obs_cut(self, params) -> np.ndarray:
        """Unweighted per-observation scores w.r.t. (beta, cut1..cutK-1)."""
        ga, gb, _, _, _, Ja, Jb = self._pieces(params)
        return ga[:, None] * Ja + gb[:, None] * Jb

    def hessian_cut(self, params) -> np.ndarray:
        """Weighted Hessian w.r.t. (beta, cut1..cutK-1)."""
        _, _, haa, hbb, hab, Ja, Jb = self._pieces(params)
        return ordered_logit_hessian(haa, hbb, hab, Ja, Jb, self.weights)

    # -- statsmodels interface ------------------------------------------------
    def loglikeobs(self, params):
        """Weighted log likelihood contributions ``w_i log P(y_i | x_i)``."""
        return self.weights * super().loglikeobs(params)

    def loglike(self, params):
        """Weighted log pseudo-likelihood (Stata ``e(ll)`` with pweights)."""
        return self.loglikeobs(params).sum()

    def score_obs(self, params):
        """Weighted analytic scores in OrderedModel's parameterisation."""
        s = self.score_obs_cut(params) * self.weights[:, None]
        return s @ self._jac_cut(params)

    def score(self, params):
        """Gradient of the weighted log pseudo-likelihood (analytic)."""
        return self.score_obs(params).sum(0)

    def hessian(self, params):
        """Analytic weighted Hessian in OrderedModel's parameterisation."""
        params = np.asarray(params, dtype=float)
        J = self._jac_cut(params)
        H = J.T @ self.hessian_cut(params) @ J
        # second derivative of the cut transformation, weighted by the cut scores
        g_cut = (self.score_obs_cut(params) * self.weights[:, None]).sum(0)[self.k_vars :]
        th = params[self.k_vars :]
        for m in range(1, self._k_cuts()):
            H[self.k_vars + m, self.k_vars + m] += np.exp(th[m]) * g_cut[m:].sum()
        return H

    @property
    def start_params(self):
        """Zero slopes and thresholds from the *weighted* category shares.

        At these values the log likelihood is the weighted null model's, so
        the inherited ``llnull`` is the weighted null log likelihood.
        """
        freq = np.bincount(self.endog, weights=self.weights, minlength=self.k_levels)
        freq = freq / freq.sum()
        ppf = stats.logistic.ppf(np.clip(freq.cumsum(), 0, 1))
        return np.concatenate((np.zeros(self.k_vars), self.transform_reverse_threshold_params(ppf)))

    def fit(self, start_params=None, method="bfgs", maxiter=5000, disp=0, polish=True, **kwargs):
        """BFGS from the null model, then Newton steps with the analytic Hessian.

        ``polish=False`` returns the BFGS result alone. The Newton stage stops
        when the parameter change is below 1e-12.
        """
        if method == "bfgs":
            kwargs.setdefault("gtol", 1e-9)
        res = super().fit(start_params=start_params, method=method, maxiter=maxiter, disp=disp, **kwargs)
        if polish:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res2 = super().fit(start_params=res.params, method="newton", maxiter=200, disp=disp, tol=1e-12)
            if np.all(np.isfinite(res2.params)) and res2.llf >= res.llf - 1e-9:
                res = res2
        return res

    def fit_stata(
        self,
        ltol: float = 1e-7,
        tol: float = 1e-6,
        nrtol: float = 1e-5,
        maxiter: int = 300,
        basis: np.ndarray | None = None,
    ):
        """Newton-Raphson with Stata ``ml``'s default stopping rules.

        Stata's ``ologit`` starts from zero slopes and the constant-only
        cut points, takes Newton steps in the (beta, cut) parameterisation
        (halving a step that lowers the log likelihood) and stops when the
        scaled gradient ``g H^-1 g'`` is below ``nrtol`` (1e-5) *and* either
        the relative change of the log likelihood is below ``ltol`` (1e-7)
        or the relative change of the coefficients is below ``tol`` (1e-6).

        On well-behaved data this lands within about 1e-6 of the exact
        maximum that :meth:`fit` finds. Under quasi-complete separation the
        exact maximum is at infinity; Stata then stops where the likelihood
        has become flat, which is how the paper's Model 5 reports education
        coefficients near -13. This method reproduces that stopping point so
        that such published numbers can be compared like for like.

        ``basis`` (a square matrix ``A``) says that this model's parameters
        ``phi`` (slopes then cuts) stand for reported parameters
        ``theta = A phi``; the relative change of the coefficients in the
        stopping rule is then measured on ``theta``, so the rule is Stata's
        in the reported coding. Newton's method is invariant under such a
        linear change of coordinates, so the iterates are the same as in
        the reported coding in exact arithmetic; :func:`fit_stata_rebased`
        uses this to iterate in a better-conditioned coding.

        Returns
        -------
        params : ndarray
            OrderedModel parameters (slopes, first cut, log increments) at
            the stopping point.
        iterations : int
        """
        kv = self.k_vars
        A = np.eye(kv + self._k_cuts()) if basis is None else np.asarray(basis, dtype=float)
        start = self.start_params
        theta = np.concatenate((start[:kv], self.cuts_from_params(start)))

        def to_params(th):
            cuts = th[kv:]
            inc = np.diff(cuts)
            if np.any(inc <= 0):
                return None
            return np.concatenate((th[:kv], [cuts[0]], np.log(inc)))

        params = to_params(theta)
        ll = self.loglike(params)
        for it in range(1, maxiter + 1):
            g = (self.score_obs_cut(params) * self.weights[:, None]).sum(0)
            H = self.hessian_cut(params)
            try:
                step = -scaled_solve(H, g)
            except np.linalg.LinAlgError:
                step = -np.linalg.pinv(H) @ g
            factor = 1.0
            while True:
                cand = to_params(theta + factor * step)
                if cand is not None:
                    ll_new = self.loglike(cand)
                    if np.isfinite(ll_new) and ll_new >= ll - 1e-12:
                        break
                factor /= 2
                if factor < 1e-10:
                    return params, it
            new_theta = theta + factor * step
            rel_ll = abs(ll_new - ll) / (abs(ll) + 1)
            rel_b = np.max(np.abs(A @ (new_theta - theta)) / (np.abs(A @ theta) + 1))
            theta, params, ll = new_theta, cand, ll_new
            g = (self.score_obs_cut(params) * self.weights[:, None]).sum(0)
            H = self.hessian_cut(params)
            try:
                scaled = float(-g @ scaled_solve(H, g))
            except np.linalg.LinAlgError:
                scaled = np.inf
            if scaled < nrtol and (rel_ll < ltol or rel_b < tol):
                return params, it
        return params, maxiter

    def penalty_hessian(self, prior_sd: float) -> np.ndarray:
        """Hessian of the log prior used by :meth:`fit_penalised`, in (beta, cut) order.

        ``-m / prior_sd**2`` on the slopes and 0 on the cut points, where ``m``
        is the mean weight (so that the penalty does not depend on the scale of
        the weights).
        """
        if not (np.isfinite(prior_sd) and prior_sd > 0):
            raise ValueError(f"prior_sd must be a positive number, got {prior_sd!r}")
        kv, kc = self.k_vars, self._k_cuts()
        d = np.concatenate((np.full(kv, self.weights.mean() / prior_sd**2), np.zeros(kc)))
        return -np.diag(d)

    def fit_penalised(self, prior_sd: float, tol: float = 1e-10, maxiter: int = 200):
        """Maximise the weighted log likelihood minus a ridge penalty on the slopes.

        The objective is ``sum_i w_i log P(y_i | x_i) - m * sum_k beta_k**2 /
        (2 prior_sd**2)`` with ``m`` the mean weight: the posterior mode under
        independent normal priors ``N(0, prior_sd**2)`` on the slopes (on the
        log-odds scale) and flat priors on the cut points, for weights scaled
        to mean 1. Unlike the likelihood, this objective has a finite maximum
        under (quasi-)separation, so it gives a finite estimate where
        :meth:`fit` diverges. Newton-Raphson in the (beta, cut) parameters
        from the null model, halving steps that lower the objective, until the
        largest step is below ``tol``.

        Returns
        -------
        ndarray
            OrderedModel parameters (slopes, first cut, log increments).
        """
        kv = self.k_vars
        P = self.penalty_hessian(prior_sd)
        start = self.start_params
        theta = np.concatenate((start[:kv], self.cuts_from_params(start)))

        def to_params(th):
            inc = np.diff(th[kv:])
            if np.any(inc <= 0):
                return None
            return np.concatenate((th[:kv], [th[kv]], np.log(inc)))

        def objective(params, th):
            return self.loglike(params) + 0.5 * th @ P @ th

        params = to_params(theta)
        value = objective(params, theta)
        for _ in range(maxiter):
            g = (self.score_obs_cut(params) * self.weights[:, None]).sum(0) + P @ theta
            H = self.hessian_cut(params) + P
            step = -np.linalg.solve(H, g)
            factor = 1.0
            while True:
                cand_theta = theta + factor * step
                cand = to_params(cand_theta)
                if cand is not None:
                    new_value = objective(cand, cand_theta)
                    if np.isfinite(new_value) and new_value >= value - 1e-12:
                        break
                factor /= 2
                if factor < 1e-10:
                    raise RuntimeError("penalised Newton-Raphson could not improve the objective")
            theta, params, value = cand_theta, cand, new_value
            if np.max(np.abs(factor * step)) < tol:
                return params
        raise RuntimeError(f"penalised Newton-Raphson did not converge in {maxiter} iterations")

    def sandwich_cov(self, params, df_correction: bool = True, prior_sd: float | None = None) -> np.ndarray:
        """Robust covariance of (beta, cut1..cutK-1), Stata ``[pweight=]`` style.

        ``V = c * H^-1 (sum_i w_i^2 s_i s_i') H^-1`` with ``c = n / (n - 1)``
        (``df_correction=False`` gives c = 1). Equals Stata ``ologit ...
        [pweight=w]`` ``e(V)`` and R ``vcov(svyolr(...))``. With ``prior_sd``
        (a fit by :meth:`fit_penalised`), ``H`` is the Hessian of the
        penalised objective (the usual sandwich of a penalised M-estimator).

        The product is evaluated as ``c * A'A`` with ``A = S H^-1`` (one row
        ``s_i' H^-1`` per observation), not by forming ``S'S`` first. The two
        are equal in exact arithmetic, but near separation the Hessian has a
        direction of almost no curvature, and the variance along it is a
        ratio of two tiny numbers. In ``S'S`` the tiny one is what is left
        after entries of order ``sum x**2`` cancel, so it keeps only a few
        correct digits and the standard errors of the separated terms
        changed in the third digit from one CPU to another (Model 5 at
        Stata's stopping point). Each row of ``A`` is computed before
        anything is summed, so no such cancellation occurs.
        """
        S = self.score_obs_cut(params) * self.weights[:, None]
        H = self.hessian_cut(params)
        if prior_sd is not None:
            H = H + self.penalty_hessian(prior_sd)
        A = scaled_solve(H, S.T).T  # H is symmetric: rows are s_i' H^-1
        n = self.nobs
        c = n / (n - 1) if df_correction else 1.0
        return c * A.T @ A

    def oim_cov(self, params) -> np.ndarray:
        """Inverse of the negative weighted Hessian (Stata ``ologit`` without
        ``pweight``, R ``vcov(polr(...))``; with integer weights this is the
        frequency-weight covariance)."""
        H = self.hessian_cut(params)
        return scaled_solve(-H, np.eye(H.shape[0]))


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
        Columns in the order of *covariates* (dummies in level order).
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
            parts.append(pd.DataFrame({var: x}))
            vals = np.unique(x)
            if vals.size == 2:
                indicators[var] = x == vals.max()
    X = pd.concat(parts, axis=1)
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
        _check_weights(df[weight].to_numpy(dtype=float), weight)

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
