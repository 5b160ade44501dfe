"""The ordered-logit model: derivatives, the parameter coding, the weighted model.

Every ordered logit of the package is fitted here -- the paper's Table 4
models (through :func:`scsrepro.survey.models.fit_ologit`), the robustness
checks, and the synthetic twin's refits during its calibration:

* :func:`ordered_logit_pieces` / :func:`ordered_logit_derivatives`: scores
  and Hessian in the (slopes, cut points) coding, analytic;
* :func:`params_from_theta` and :meth:`WeightedOrderedModel.cuts_from_params`:
  between the (slopes, cuts) coding and statsmodels' (slopes, first cut, log
  increments);
* :class:`WeightedOrderedModel`: statsmodels' ``OrderedModel`` with sampling
  weights, exact (BFGS then Newton), Stata-rule and penalised fits;
* :func:`factor_basis` / :func:`fit_stata_rebased`: Stata's rule iterated in
  a better-conditioned coding of the factors.

The numerical engine it runs on is model-free: the Newton-Raphson loop in
:mod:`scsrepro.survey.newton` (step halving on an objective, a pluggable
stopping rule: Stata's, or the step size) and the sandwich
``n/(n-1) H^-1 (sum w_i^2 s_i s_i') H^-1`` in :mod:`scsrepro.survey.sandwich`.

It knows nothing of the paper; :mod:`scsrepro.survey.models` is the tidy
front end (results object, diagnostics).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats
from scipy.special import expit
from statsmodels.base.model import LikelihoodModel
from statsmodels.miscmodels.ordinal_model import OrderedModel

from scsrepro.survey.newton import NewtonStep, newton_maximise, scaled_solve, solve_or_pinv, step_converged
from scsrepro.survey.sandwich import influence_rows, robust_covariance
from scsrepro.survey.weighting import check_weights

__all__ = [
    "category_pieces",
    "ordered_logit_pieces",
    "ordered_logit_hessian",
    "ordered_logit_derivatives",
    "ordered_logit_scores",
    "cuts_increasing",
    "params_from_theta",
    "factor_basis",
    "fit_stata_rebased",
    "WeightedOrderedModel",
    "check_pweights",
]


def check_pweights(w, name: str = "weight") -> np.ndarray:
    """Sampling weights of column *name*, checked (finite and positive)."""
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


def category_pieces(X: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every respondent's cumulative probabilities, their derivatives and the answer probabilities.

    For the bounds ``z_k = cut_k - x'beta`` (``k = 1..K-1``) returns ``F``,
    ``f`` and ``f1`` of shape ``(n, K + 1)``: ``F(z_k) = P(y <= k)`` with
    column 0 = 0 and column K = 1, the logistic density ``f(z_k)`` and its
    derivative ``f'(z_k) = f (1 - 2F)``, both 0 in the end columns; and
    ``pi`` ``(n, K)``, the probability of each answer, each computed from
    the tail its bounds lie in so that nothing cancels. *theta* holds the
    slopes, then the increasing cut points.
    """
    X = np.asarray(X, dtype=float)
    theta = np.asarray(theta, dtype=float)
    n, p = X.shape
    z = theta[p:][None, :] - (X @ theta[:p])[:, None]
    inner, outer = expit(z), expit(-z)
    dens = inner * outer
    zero, one = np.zeros((n, 1)), np.ones((n, 1))
    F = np.hstack((zero, inner, one))
    f = np.hstack((zero, dens, zero))
    f1 = np.hstack((zero, dens * (outer - inner), zero))
    Z = np.hstack((np.full((n, 1), -np.inf), z, np.full((n, 1), np.inf)))
    lo, hi = Z[:, :-1], Z[:, 1:]
    pi = np.where(lo > 0, expit(-lo) - expit(-hi), expit(hi) - expit(lo))
    return F, f, f1, pi


def ordered_logit_hessian(haa, hbb, hab, Ja, Jb, w) -> np.ndarray:
    """Weighted Hessian from the pieces of :func:`ordered_logit_pieces`."""
    H = (Ja * (w * haa)[:, None]).T @ Ja + (Jb * (w * hbb)[:, None]).T @ Jb
    cross = (Ja * (w * hab)[:, None]).T @ Jb
    return H + cross + cross.T


def ordered_logit_derivatives(X: np.ndarray, y: np.ndarray, w: np.ndarray, theta: np.ndarray):
    """Unweighted per-observation scores and the weighted Hessian at *theta* (slopes, cuts)."""
    ga, gb, haa, hbb, hab, Ja, Jb = ordered_logit_pieces(X, y, theta)
    return ga[:, None] * Ja + gb[:, None] * Jb, ordered_logit_hessian(haa, hbb, hab, Ja, Jb, w)


def ordered_logit_scores(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Unweighted per-observation scores of log P(y | x) at *theta* (slopes, cuts)."""
    ga, gb, _, _, _, Ja, Jb = ordered_logit_pieces(X, y, theta)
    return ga[:, None] * Ja + gb[:, None] * Jb


# ---------------------------------------------------------------------------
# parameter conversion: (slopes, cuts) <-> OrderedModel's (slopes, cut1, log increments)
# ---------------------------------------------------------------------------
def cuts_increasing(theta: np.ndarray, k_vars: int) -> bool:
    """Whether *theta* is finite and its cut points (after *k_vars* slopes) strictly increase."""
    theta = np.asarray(theta, dtype=float)
    return bool(np.all(np.isfinite(theta)) and np.all(np.diff(theta[k_vars:]) > 0))


def params_from_theta(theta: np.ndarray, k_vars: int) -> np.ndarray:
    """OrderedModel parameters (slopes, first cut, log increments) of *theta* (slopes, cuts).

    Raises ValueError if the cut points do not strictly increase.
    """
    theta = np.asarray(theta, dtype=float)
    inc = np.diff(theta[k_vars:])
    if np.any(inc <= 0):
        raise ValueError("cut points must strictly increase")
    return np.concatenate((theta[:k_vars], theta[k_vars : k_vars + 1], np.log(inc)))


# ---------------------------------------------------------------------------
# Stata's rule in a better-conditioned coding of the factors
# ---------------------------------------------------------------------------
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


def fit_stata_rebased(y, X: np.ndarray, w, groups: Sequence[Sequence[int]], exog_checked: bool = False, **kwargs):
    """Stata's stopping rule, iterated in the coding of :func:`factor_basis`.

    Returns ``(params, iterations, model, model_params, A)``: *params* are
    OrderedModel parameters of the model on the given *X*; *model* is the
    model on the re-coded matrix and *model_params* its parameters at the
    same point (use them for derivatives without cancellation); ``A`` maps
    its slopes and cuts to those of *X* (so a covariance maps as
    ``A V A'``).

    *exog_checked*: *X* is known to hold no constant, explicit or implied
    (the twin refits one fixed design matrix thousands of times). statsmodels
    then skips its search for an implied constant, two singular value
    decompositions of *X* per fit that change nothing in the estimate.
    """
    y = np.asarray(y)
    X = np.asarray(X, dtype=float)
    k_cuts = len(np.unique(y)) - 1
    Xn, A = factor_basis(X, groups, k_cuts)
    inner = WeightedOrderedModel(y, Xn, w, exog_checked=exog_checked)
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

    def __init__(self, endog, exog, weights, exog_checked: bool = False, **kwds):
        if kwds.pop("distr", "logit") != "logit":
            raise ValueError("WeightedOrderedModel supports only the logit link")
        w = check_pweights(weights)
        # set before statsmodels' __init__, which calls initialize()
        self._exog_checked = bool(exog_checked)
        if exog_checked:
            kwds["hasconst"] = False
        super().__init__(endog, exog, distr="logit", **kwds)
        if w.shape != (self.nobs,):
            raise ValueError(f"weights must have {self.nobs} values, got shape {w.shape}")
        self.weights = w

    def initialize(self):
        """statsmodels' initialisation; with ``exog_checked`` without the rank of *exog*.

        ``GenericLikelihoodModel.initialize`` computes the rank of *exog* (a
        singular value decomposition) for ``df_model`` and ``df_resid``,
        which ``OrderedModel.__init__`` sets again right after from the
        number of columns and levels. For a design matrix known to be of
        full rank (``exog_checked``) that decomposition is skipped.
        """
        if not self._exog_checked:
            super().initialize()
            return
        self.df_model = self.df_resid = float("nan")  # set by OrderedModel.__init__ next
        LikelihoodModel.initialize(self)

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

        def stata_rule(s: NewtonStep) -> bool:
            assert s.value_old is not None and s.value_new is not None
            rel_ll = abs(s.value_new - s.value_old) / (abs(s.value_old) + 1)
            rel_b = np.max(np.abs(A @ (s.new - s.old)) / (np.abs(A @ s.old) + 1))
            try:
                scaled = float(-s.gradient @ scaled_solve(s.hessian, s.gradient))
            except np.linalg.LinAlgError:
                scaled = np.inf
            return bool(scaled < nrtol and (rel_ll < ltol or rel_b < tol))

        res = newton_maximise(
            theta,
            self._derivatives,
            stata_rule,
            value=lambda th: self.loglike(params_from_theta(th, kv)),
            valid=lambda th: cuts_increasing(th, kv),
            solve=solve_or_pinv,
            maxiter=maxiter,
        )
        return params_from_theta(res.theta, kv), res.iterations

    def _derivatives(self, theta: np.ndarray, prior: np.ndarray | None = None):
        """Gradient and Hessian of the weighted log likelihood (plus a log prior) at (slopes, cuts)."""
        params = params_from_theta(theta, self.k_vars)
        g = (self.score_obs_cut(params) * self.weights[:, None]).sum(0)
        H = self.hessian_cut(params)
        if prior is None:
            return g, H
        return g + prior @ theta, H + prior

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
        res = newton_maximise(
            theta,
            lambda th: self._derivatives(th, prior=P),
            step_converged(tol),
            value=lambda th: self.loglike(params_from_theta(th, kv)) + 0.5 * th @ P @ th,
            valid=lambda th: cuts_increasing(th, kv),
            maxiter=maxiter,
        )
        if res.status == "singular":
            raise np.linalg.LinAlgError("penalised Newton-Raphson: singular Hessian")
        if res.status == "stalled":
            raise RuntimeError("penalised Newton-Raphson could not improve the objective")
        if res.status != "converged":
            raise RuntimeError(f"penalised Newton-Raphson did not converge in {maxiter} iterations")
        return params_from_theta(res.theta, kv)

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
        return robust_covariance(influence_rows(S, H), df_correction)

    def oim_cov(self, params) -> np.ndarray:
        """Inverse of the negative weighted Hessian (Stata ``ologit`` without
        ``pweight``, R ``vcov(polr(...))``; with integer weights this is the
        frequency-weight covariance)."""
        H = self.hessian_cut(params)
        return scaled_solve(-H, np.eye(H.shape[0]))
