"""Firth-type penalisation of selected terms of a weighted ordered logit, and two tests.

* :func:`fit_firth_subset`: maximise ``l(theta) + 0.5 log det I_TT(theta)``,
  the log likelihood of :class:`~scsrepro.survey.ordered_logit.WeightedOrderedModel`
  plus the log of a Jeffreys prior on a block ``T`` of parameters; finite
  where some of those terms are (quasi-)separated;
* :func:`profile_interval`: profile penalised-likelihood intervals (as R ``logistf``);
* :func:`dumouchel_duncan`: the DuMouchel-Duncan (1983) test of whether the
  sampling weights change an ordered logit's estimates.

The penalty
-----------
``I(theta)`` is the expected information of the weighted ordered logit,
``sum_i w_i sum_k (d pi_ik)(d pi_ik)' / pi_ik`` (:func:`ordered_logit_information`).
For a Jeffreys prior on a block ``T`` of terms, the others ``N`` flat, the
penalty is ``0.5 log det`` of the diagonal block ``I_TT``: Jeffreys' rule in
the model where ``theta_N`` is known, i.e. the Jeffreys prior of ``theta_T``
*given* ``theta_N`` (the conditional prior ``pi(theta_T | theta_N)`` of
Berger and Bernardo's reference priors). The Schur complement ``I_TT - I_TN
I_NN^-1 I_NT`` is instead the information left for ``theta_T`` once
``theta_N`` is estimated; as ``det I = det I_NN det(Schur)``, its root is the
joint Jeffreys prior divided by the conditional prior of the *others* given
``T``, the ingredient of a *marginal* prior for ``theta_T``, not of one given
the others. The two agree (Firth's penalty) when ``N`` is empty.

Firth's penalty always includes the intercept, and the cut points are an
ordered logit's intercepts (with ``K = 2`` the cut is minus the logit's
intercept). They matter: where the separated level is a factor's *base*
level (Table 4's Model 5), its dummies and the cut points drift off
together, and along that direction the information of the dummies alone
does not vanish (the separated rows are the base rows, which the dummies do
not touch), so a block without the cuts cannot keep the fit finite. So by
default the cut points join any non-empty set ``S`` of penalised slopes:
``T = S + cuts`` (``include_cuts=False``: ``T = S``). With ``S`` = all slopes the penalty is
``0.5 log det I``; with ``K = 2`` that is Firth's (1993) logistic regression
with case weights (R ``logistf``, ``brglm2::brglmFit(type = "AS_mean")``).
An empty ``S`` means no penalty. Near a separation the information of a
separated term goes to zero, so ``log det I_TT`` goes to minus infinity
(Hadamard's inequality) and the maximum is finite. The log likelihood
scales with the weights and the penalty does not, so by default the weights
are rescaled to mean 1 (Firth's strength for ``n`` respondents, whatever
their scale; ``scale_weights=False`` takes them as given, e.g. counts).

The penalty's gradient ``0.5 tr(I_TT^-1 dI_TT/dtheta_m)`` is analytic
(:func:`jeffreys_penalty`; the tests compare it with finite differences).
The Newton matrix, the analytic Hessian of the log likelihood plus central
differences of that gradient (minus the information where the sum is not
negative definite), only steers the steps: the maximum is where the
analytic gradient vanishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from scsrepro.survey.newton import NewtonResult, newton_maximise, scaled_solve, step_converged
from scsrepro.survey.ordered_logit import category_pieces, check_pweights, cuts_increasing, ordered_logit_derivatives
from scsrepro.survey.sandwich import influence_rows, robust_covariance

__all__ = [
    "ordered_logit_information",
    "jeffreys_penalty",
    "FirthFit",
    "fit_firth_subset",
    "profile_interval",
    "DumouchelDuncanTest",
    "dumouchel_duncan",
]

#: Relative step of the central differences of the penalty's gradient (the Newton matrix only).
_FD_STEP = 1e-5


# ---------------------------------------------------------------------------
# the expected information and the Jeffreys penalty
# ---------------------------------------------------------------------------
@dataclass
class _Pieces:
    """``pi`` (n, K); ``a = f(z_k)``, ``da = f'(z_k)`` (n, K + 1, zero at k = 0, K); ``U[k] = dz_k/dtheta``."""

    pi: np.ndarray
    a: np.ndarray
    da: np.ndarray
    U: list[np.ndarray]


def _bound_jacobians(X: np.ndarray, m: int) -> list[np.ndarray]:
    """``dz_k/dtheta`` for the *m* cut points: ``[-x, e_k]`` (they do not depend on theta)."""
    n = X.shape[0]
    return [np.hstack((-X, np.eye(m)[np.full(n, k)])) for k in range(m)]


def _pieces(X: np.ndarray, theta: np.ndarray, U: list[np.ndarray] | None = None) -> _Pieces:
    m = len(theta) - X.shape[1]
    _, a, da, pi = category_pieces(X, theta)
    return _Pieces(pi, a, da, _bound_jacobians(X, m) if U is None else U)


def _information(P: _Pieces, w: np.ndarray) -> np.ndarray:
    """``sum_i w_i sum_j d_ij d_ij' / pi_ij`` with ``d_ij = a_j U_j - a_j-1 U_j-1``."""
    K = P.pi.shape[1]
    info = np.zeros((P.U[0].shape[1],) * 2)
    for j in range(1, K + 1):
        d = np.zeros_like(P.U[0])
        if j <= K - 1:
            d += P.a[:, j, None] * P.U[j - 1]
        if j >= 2:
            d -= P.a[:, j - 1, None] * P.U[j - 2]
        info += (d * (w / P.pi[:, j - 1])[:, None]).T @ d
    return info


def ordered_logit_information(X: np.ndarray, w: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Expected (Fisher) information of the weighted ordered logit at *theta* (slopes, cuts).

    ``I = sum_i w_i sum_k (d pi_ik / d theta)(d pi_ik / d theta)' / pi_ik``,
    with ``pi_ik = F(cut_k - x_i'beta) - F(cut_k-1 - x_i'beta)`` and ``F``
    the logistic distribution function. It does not depend on the observed
    answers. With ``K = 2`` it is the logistic regression's ``X'WX`` (in the
    coding slope, cut = -intercept).
    """
    X = np.asarray(X, dtype=float)
    return _information(_pieces(X, np.asarray(theta, dtype=float)), np.asarray(w, dtype=float))


def _penalty_terms(P: _Pieces, w: np.ndarray, block: np.ndarray, info: np.ndarray) -> tuple[float, np.ndarray]:
    """``0.5 log det I_TT`` and its gradient (see :func:`jeffreys_penalty`)."""
    sign, logdet = np.linalg.slogdet(info[np.ix_(block, block)])
    if sign <= 0:
        return -np.inf, np.full(info.shape[0], np.nan)
    A = np.linalg.inv(info[np.ix_(block, block)])
    n, K = P.pi.shape
    m = K - 1
    # B[i, k, l] = u_ikT' A u_ilT for k, l = 0..K (zero outside the cut points 1..K-1)
    B = np.zeros((n, K + 1, K + 1))
    VT = [U[:, block] for U in P.U]
    for g in range(m):
        WA = VT[g] @ A
        for h in range(g, m):
            B[:, g + 1, h + 1] = B[:, h + 1, g + 1] = np.einsum("ij,ij->i", WA, VT[h])
    j = np.arange(1, K + 1)
    # r[i, j, l] = d_ijT' A u_ilT ; q[i, j] = d_ijT' A d_ijT  (categories j = 1..K)
    r = P.a[:, j, None] * B[:, j, :] - P.a[:, j - 1, None] * B[:, j - 1, :]
    r_same = r[:, j - 1, j]  # r[i, j, j]
    r_prev = r[:, j - 1, j - 1]  # r[i, j, j - 1]
    quad = P.a[:, j] * r_same - P.a[:, j - 1] * r_prev
    inv_pi = 1.0 / P.pi
    # coefficient of u_k (k = 1..K-1): from category k (upper bound) and k + 1 (lower bound)
    k = np.arange(1, K)
    up = 2 * inv_pi[:, k - 1] * P.da[:, k] * r_same[:, k - 1] - quad[:, k - 1] * inv_pi[:, k - 1] ** 2 * P.a[:, k]
    lo = -2 * inv_pi[:, k] * P.da[:, k] * r_prev[:, k] + quad[:, k] * inv_pi[:, k] ** 2 * P.a[:, k]
    C = 0.5 * w[:, None] * (up + lo)
    p = P.U[0].shape[1] - m
    grad = np.concatenate((P.U[0][:, :p].T @ C.sum(1), C.sum(0)))  # U[:, :p] = -X
    return 0.5 * logdet, grad


def jeffreys_penalty(X: np.ndarray, w: np.ndarray, theta: np.ndarray, block: Sequence[int]) -> tuple[float, np.ndarray]:
    """``0.5 log det I_TT(theta)`` and its analytic gradient with respect to all of theta.

    *block* lists the positions ``T`` in theta (slopes, then cuts) of the
    penalised block. The gradient is ``0.5 tr(I_TT^-1 dI_TT/dtheta_m)``;
    differentiating ``I_TT = sum_i w_i sum_j d_ijT d_ijT' / pi_ij`` needs
    ``d pi_ij = d_ij`` and ``d d_ij = f'(z_j) u_j u_j' - f'(z_j-1) u_j-1
    u_j-1'``, where ``u_j = d z_j / d theta``. A singular block gives
    ``(-inf, nan)``.
    """
    X = np.asarray(X, dtype=float)
    theta = np.asarray(theta, dtype=float)
    w = np.asarray(w, dtype=float)
    P = _pieces(X, theta)
    idx = np.asarray(block, dtype=int)
    if idx.size == 0:
        return 0.0, np.zeros(theta.size)
    return _penalty_terms(P, w, idx, _information(P, w))


# ---------------------------------------------------------------------------
# the penalised fit
# ---------------------------------------------------------------------------
@dataclass
class _Data:
    """The model's data: covariates, answers coded 1..K, weights, and the parameter names."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    names: list[str]
    levels: np.ndarray
    jacobians: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        # built once: every evaluation of the penalty needs them
        self.jacobians = _bound_jacobians(self.X, self.levels.size - 1)

    @property
    def k_vars(self) -> int:
        return self.X.shape[1]


def _data(X, y, weights, scale_weights: bool) -> _Data:
    """Check and code the inputs: answers to 1..K (sorted levels), slope names from a DataFrame."""
    names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    Xa = np.asarray(X, dtype=float)
    if Xa.ndim != 2 or not np.all(np.isfinite(Xa)):
        raise ValueError("X must be a finite two-dimensional array")
    levels, codes = np.unique(np.asarray(y), return_inverse=True)
    if levels.size < 2:
        raise ValueError("the outcome needs at least two categories")
    if codes.size != Xa.shape[0]:
        raise ValueError(f"y has {codes.size} values for {Xa.shape[0]} rows of X")
    w = np.ones(codes.size) if weights is None else check_pweights(weights)
    if w.shape != (codes.size,):
        raise ValueError(f"weights must have {codes.size} values, got shape {w.shape}")
    if scale_weights:
        w = w / w.mean()
    names = names or [f"x{j + 1}" for j in range(Xa.shape[1])]
    names = names + [f"cut{k}" for k in range(1, levels.size)]
    return _Data(Xa, codes.astype(int) + 1, w, names, levels)


def _start(d: _Data) -> np.ndarray:
    """Zero slopes and the cut points of the weighted category shares (the null model)."""
    K = d.levels.size
    share = np.bincount(d.y - 1, weights=d.w, minlength=K) / d.w.sum()
    cum = np.clip(np.cumsum(share)[:-1], 1e-10, 1 - 1e-10)
    return np.concatenate((np.zeros(d.k_vars), np.log(cum / (1 - cum))))


def _objective(d: _Data, block: np.ndarray, theta: np.ndarray) -> tuple[float, float]:
    """(weighted log likelihood, penalty ``0.5 log det I_TT``) at theta; -inf where undefined."""
    if not cuts_increasing(theta, d.k_vars):
        return -np.inf, -np.inf
    P = _pieces(d.X, theta, d.jacobians)
    with np.errstate(divide="ignore"):
        ll = float(d.w @ np.log(P.pi[np.arange(d.y.size), d.y - 1]))
    if block.size == 0:
        return ll, 0.0
    sign, logdet = np.linalg.slogdet(_information(P, d.w)[np.ix_(block, block)])
    return ll, (0.5 * logdet if sign > 0 else -np.inf)


def _penalty_gradient(d: _Data, block: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The penalty's analytic gradient and the expected information at theta."""
    P = _pieces(d.X, theta, d.jacobians)
    info = _information(P, d.w)
    return (_penalty_terms(P, d.w, block, info)[1] if block.size else np.zeros(theta.size)), info


def _penalty_hessian(d: _Data, block: np.ndarray, theta: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The penalty's Hessian on the *free* coordinates, by central differences of its analytic gradient.

    Only the columns of the penalised coordinates (*block*) are differenced,
    and their transposes fill the rows; the penalty's curvature among the
    other coordinates is left at zero there, where the log likelihood's own
    curvature (of order n) dominates it. The matrix only steers the Newton
    steps: the estimate is where the objective's gradient vanishes, which
    this choice does not change, and it saves the other coordinates' gradient
    evaluations (two each per Hessian).
    """
    Hp = np.zeros((free.size, free.size))
    if not block.size:
        return Hp
    where = {int(j): k for k, j in enumerate(free)}
    for j in block:
        k = where.get(int(j))
        if k is None:
            continue
        e = np.zeros(theta.size)
        e[j] = _FD_STEP * max(1.0, abs(theta[j]))
        col = (_penalty_gradient(d, block, theta + e)[0] - _penalty_gradient(d, block, theta - e)[0]) / (2 * e[j])
        Hp[:, k] = col[free]
        Hp[k, :] = col[free]
    return Hp


def _newton_matrix(d: _Data, block: np.ndarray, theta: np.ndarray, free: np.ndarray, Hp: np.ndarray, fallback=True):
    """Gradient and Newton matrix of the penalised objective on the *free* coordinates.

    The matrix is the analytic Hessian of the log likelihood plus *Hp*, the
    penalty's Hessian by central differences (:func:`_penalty_hessian`);
    where the sum is not negative definite (or not finite), minus the
    expected information (Fisher scoring), which always gives an ascent
    direction (``fallback=False``: never).
    """
    S, H = ordered_logit_derivatives(d.X, d.y, d.w, theta)
    gp, info = _penalty_gradient(d, block, theta)
    M = H[np.ix_(free, free)] + Hp
    g = ((S * d.w[:, None]).sum(0) + gp)[free]
    if not fallback:
        return g, M
    try:
        if not np.all(np.isfinite(M)):
            raise np.linalg.LinAlgError("not finite")
        scale = np.sqrt(np.abs(np.diag(M))) + 1e-300
        np.linalg.cholesky(-M / np.outer(scale, scale))
    except np.linalg.LinAlgError:
        M = -info[np.ix_(free, free)]
    return g, M


def _maximise(
    d: _Data, block: np.ndarray, theta0: np.ndarray, free: np.ndarray, tol: float, maxiter: int
) -> tuple[np.ndarray, NewtonResult]:
    """Newton ascent of the penalised objective over the *free* coordinates, the others held.

    The penalty's Hessian (2 |free| gradient evaluations) is recomputed only
    where the point has moved by more than 0.05 in some coordinate since it
    was last computed; it only steers the steps.
    """
    theta0 = np.asarray(theta0, dtype=float)
    last: dict[str, np.ndarray] = {}

    def full(x: np.ndarray) -> np.ndarray:
        t = theta0.copy()
        t[free] = x
        return t

    def derivatives(x: np.ndarray):
        if "at" not in last or np.max(np.abs(x - last["at"])) > 0.05:
            last["at"], last["Hp"] = x, _penalty_hessian(d, block, full(x), free)
        return _newton_matrix(d, block, full(x), free, last["Hp"])

    res = newton_maximise(
        theta0[free],
        derivatives,
        step_converged(tol),
        value=lambda x: float(sum(_objective(d, block, full(x)))),
        valid=lambda x: cuts_increasing(full(x), d.k_vars),
        maxiter=maxiter,
    )
    return full(res.theta), res


@dataclass
class FirthFit:
    """A fit by :func:`fit_firth_subset`, with its convergence diagnostics as data.

    ``params``: slopes, then cut points (Stata ``/cut#``); ``penalised``: the
    terms of the block ``T``; ``objective = loglik + penalty``. ``status`` is
    the Newton loop's; ``max_abs_score`` the largest component of the
    objective's analytic gradient at ``params``; ``min_curvature`` the
    smallest eigenvalue of minus the Newton matrix there (> 0 at a maximum);
    ``std_errors`` from its inverse (model-based, for orientation; use
    :func:`profile_interval` for penalised terms).
    """

    params: pd.Series
    penalised: list[str]
    loglik: float
    penalty: float
    objective: float
    status: str
    iterations: int
    max_abs_score: float
    min_curvature: float
    std_errors: pd.Series
    data: _Data = field(repr=False)
    block: np.ndarray = field(repr=False)

    @property
    def converged(self) -> bool:
        """Whether the Newton loop met its rule and the point is a maximum."""
        return self.status == "converged" and self.min_curvature > 0

    def diagnostics(self) -> dict[str, object]:
        """The convergence diagnostics as one record."""
        keys = ("status", "iterations", "max_abs_score", "min_curvature", "converged")
        return {k: getattr(self, k) for k in keys}


def _slope_positions(d: _Data, terms: Sequence[str | int] | None) -> np.ndarray:
    """Positions of the named (or numbered) slopes; ``None`` means all slopes."""
    slopes = d.names[: d.k_vars]
    if terms is None:
        return np.arange(d.k_vars)
    for t in terms:
        if (t not in slopes) if isinstance(t, str) else not 0 <= int(t) < d.k_vars:
            raise KeyError(f"{t!r} is not a slope of the model; slopes: {slopes}")
    return np.unique([slopes.index(t) if isinstance(t, str) else int(t) for t in terms]).astype(int)


def fit_firth_subset(
    X: np.ndarray | pd.DataFrame,
    y,
    weights=None,
    penalised: Sequence[str | int] | None = None,
    *,
    include_cuts: bool = True,
    scale_weights: bool = True,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> FirthFit:
    """Weighted ordered logit with a Jeffreys-prior (Firth-type) penalty on selected terms.

    Maximises ``sum_i w_i log P(y_i | x_i) + 0.5 log det I_TT(theta)``, the
    likelihood of :class:`~scsrepro.survey.ordered_logit.WeightedOrderedModel`
    plus the penalty described in the module docstring.

    Parameters
    ----------
    X : (n, p) covariates without a constant (a DataFrame names the slopes).
    y : (n,) answers, any sortable codes (their sorted levels are 1..K).
    weights : (n,) sampling or frequency weights; ``None`` for all 1.
    penalised : slopes ``S`` to penalise, by name or position; ``None`` for
        all, empty for none (plain maximum likelihood).
    include_cuts : whether the cut points join a non-empty ``S`` in ``T``.
    scale_weights : rescale the weights to mean 1 first.
    tol, maxiter : Newton-Raphson from the null model until the largest
        step is below *tol*.

    Returns
    -------
    FirthFit
        A fit that did not converge is returned with its ``status``, not raised.
    """
    d = _data(X, y, weights, scale_weights)
    S = np.asarray(_slope_positions(d, penalised), dtype=int)
    cuts = np.arange(d.k_vars, len(d.names)) if (include_cuts and S.size) else np.array([], dtype=int)
    block = np.concatenate((S, cuts)).astype(int)
    free = np.arange(len(d.names))
    theta, res = _maximise(d, block, _start(d), free, tol, maxiter)
    ll, pen = _objective(d, block, theta)
    g, M = _newton_matrix(d, block, theta, free, _penalty_hessian(d, block, theta, free), fallback=False)
    eig = np.linalg.eigvalsh(-M) if np.all(np.isfinite(M)) else np.array([np.nan])
    try:
        var = np.diag(scaled_solve(-M, np.eye(M.shape[0])))
        se = np.sqrt(np.where(var > 0, var, np.nan))
    except np.linalg.LinAlgError:
        se = np.full(theta.size, np.nan)
    return FirthFit(
        params=pd.Series(theta, index=d.names, name="coef"),
        penalised=[d.names[j] for j in block],
        loglik=ll,
        penalty=pen,
        objective=ll + pen,
        status=res.status,
        iterations=res.iterations,
        max_abs_score=float(np.max(np.abs(g))),
        min_curvature=float(eig.min()),
        std_errors=pd.Series(se, index=d.names, name="se"),
        data=d,
        block=block,
    )


# ---------------------------------------------------------------------------
# profile penalised-likelihood intervals
# ---------------------------------------------------------------------------
class _Profile:
    """The profile deviance of slope *s* at ``b``; each fit starts from the nearest ``b`` solved so far."""

    def __init__(self, fit: FirthFit, s: int, tol: float, maxiter: int):
        self.fit, self.s, self.tol, self.maxiter = fit, s, tol, maxiter
        self.free = np.delete(np.arange(len(fit.data.names)), s)
        theta = fit.params.to_numpy()
        self.solved: dict[float, np.ndarray] = {float(theta[s]): theta}
        self.all_converged = True
        self.evaluations = 0

    def __call__(self, b: float) -> float:
        nearest = min(self.solved, key=lambda c: abs(c - b))
        start = self.solved[nearest].copy()
        start[self.s] = b
        theta, res = _maximise(self.fit.data, self.fit.block, start, self.free, self.tol, self.maxiter)
        self.evaluations += 1
        self.all_converged &= res.status == "converged"
        self.solved[float(b)] = theta
        return 2 * (self.fit.objective - float(sum(_objective(self.fit.data, self.fit.block, theta))))


def _bound(dev: _Profile, est: float, side: int, step: float, crit: float, max_distance: float, xtol: float) -> float:
    """The bound on one *side* (+1 or -1): steps ``step * 2**k`` out (to *max_distance*), then Brent; or +-inf."""
    inner, dist = 0.0, min(step, max_distance)
    while True:
        if dev(est + side * dist) >= crit:
            a, b = sorted((est + side * inner, est + side * dist))
            return float(optimize.brentq(lambda t: dev(t) - crit, a, b, xtol=xtol, rtol=1e-15))
        if dist >= max_distance:
            return side * np.inf
        inner, dist = dist, min(2 * dist, max_distance)


_PROFILE_COLUMNS = [
    "term", "estimate", "lower", "upper", "level", "lower_open", "upper_open",
    "deviance_lower", "deviance_upper", "inner_converged", "evaluations",
]  # fmt: skip


def profile_interval(
    fit: FirthFit,
    terms: Sequence[str] | None = None,
    level: float = 0.95,
    *,
    max_distance: float = 30.0,
    xtol: float = 1e-10,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> pd.DataFrame:
    """Profile penalised-likelihood confidence intervals of slopes of a :func:`fit_firth_subset` fit.

    The interval of slope ``s`` is the set of ``b`` with ``2 (pl(theta_hat) -
    max pl(theta | theta_s = b)) <= chi2_1(level)``, ``pl`` the fit's
    penalised log likelihood with the penalty evaluated at the constrained
    point (Heinze and Schemper 2002; R ``logistf``). From the estimate, steps
    of one standard error, doubled until the deviance exceeds the quantile
    (at most *max_distance* away), then :func:`scipy.optimize.brentq` on that
    bracket (to *xtol*). A profile that stays below the quantile within
    *max_distance* gives an open side: ``-inf`` or ``inf``, ``lower_open`` or
    ``upper_open`` true.

    *terms* are slope names (default: the penalised slopes, else all).
    Returns one row per term: ``term, estimate, lower, upper, level,
    lower_open, upper_open``, the profile deviance at each finite bound
    (``deviance_lower``, ``deviance_upper``: the quantile), whether every
    constrained fit converged (``inner_converged``) and ``evaluations``.
    """
    if not fit.converged:
        raise ValueError(f"the fit did not converge (status {fit.status!r}); no profile around it")
    d = fit.data
    if terms is None:
        penalised = [t for t in fit.penalised if t in d.names[: d.k_vars]]
        terms = penalised or d.names[: d.k_vars]
    crit = float(stats.chi2.ppf(level, 1))
    rows = []
    for term in terms:
        s = int(_slope_positions(d, [term])[0])
        est = float(fit.params.iloc[s])
        se = float(fit.std_errors.iloc[s])
        step = se if np.isfinite(se) and se > 0 else 1.0
        dev = _Profile(fit, s, tol, maxiter)
        lower = _bound(dev, est, -1, step, crit, max_distance, xtol)
        upper = _bound(dev, est, +1, step, crit, max_distance, xtol)
        opened = [lower == -np.inf, upper == np.inf]
        at = [dev(b) if np.isfinite(b) else np.nan for b in (lower, upper)]
        rows.append([term, est, lower, upper, level, *opened, *at, dev.all_converged, dev.evaluations])
    return pd.DataFrame(rows, columns=_PROFILE_COLUMNS)


# ---------------------------------------------------------------------------
# the DuMouchel-Duncan test
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DumouchelDuncanTest:
    """The DuMouchel-Duncan test of whether the weights change an ordered logit's estimates.

    ``statistic``: Wald chi-square of the augmenting ``terms`` (weight, weight
    times each covariate) in the unweighted augmented fit, on ``df`` degrees
    of freedom; ``estimates``, ``std_errors``: their coefficients and robust
    standard errors; ``dropped``: augmenting terms in the span of a constant,
    the covariates and the terms before them (nothing to test);
    ``status``: the augmented fit's Newton status.
    """

    statistic: float
    df: int
    p_value: float
    terms: list[str]
    estimates: pd.Series
    std_errors: pd.Series
    dropped: list[str]
    nobs: int
    status: str

    @property
    def converged(self) -> bool:
        return self.status == "converged"


def _independent_columns(Z: np.ndarray, first: int, rtol: float = 1e-9) -> list[int]:
    """Columns from *first* on that are not (numerically) in the span of a constant and the ones before."""
    keep: list[int] = []
    base = np.hstack((np.ones((Z.shape[0], 1)), Z[:, :first]))
    for j in range(first, Z.shape[1]):
        resid = Z[:, j] - base @ np.linalg.lstsq(base, Z[:, j], rcond=None)[0]
        if np.linalg.norm(resid) > rtol * np.linalg.norm(Z[:, j]):
            keep.append(j)
            base = np.hstack((base, Z[:, j, None]))
    return keep


def dumouchel_duncan(
    X: np.ndarray | pd.DataFrame, y, weights, *, tol: float = 1e-10, maxiter: int = 100
) -> DumouchelDuncanTest:
    """DuMouchel and Duncan's (1983) test that the sampling weights do not change the estimates.

    Fits the *unweighted* ordered logit of ``y`` on ``X``, the weight ``w``
    and ``w * x_j`` for every covariate, by maximum likelihood, and
    Wald-tests that all augmenting coefficients are zero. Under the null
    hypothesis the weights are ignorable given the covariates, and the
    weighted and unweighted estimators estimate the same coefficients; a
    rejection says that the model's coefficients vary with the weight.

    The covariance is the robust sandwich of the unweighted fit
    (:func:`~scsrepro.survey.sandwich.robust_covariance`, ``n/(n-1) H^-1
    (sum_i s_i s_i') H^-1``; Stata ``ologit ..., vce(robust)``), not the
    inverse information. The augmented model is a working model, built to
    detect one kind of dependence on the weight: where the ordered logit is
    misspecified in another way (the weights matter non-linearly, the
    latent errors are not logistic or not identically distributed) the
    inverse information is no longer the variance of the estimates, while
    the sandwich still is, so the test keeps its size; it is also the
    covariance of every other fit in the package. (DuMouchel and Duncan's
    F test is the linear-regression form of the same comparison.) A
    separated augmented fit has no finite estimates: check ``status``. When
    the fit did not converge, or its covariance of the augmenting terms is
    singular (``status`` "singular covariance"), the statistic, the p-value
    and the standard errors are missing.
    """
    d = _data(X, y, weights, scale_weights=False)
    p = d.k_vars
    slope_names = d.names[:p]
    Z = np.hstack((d.X, d.w[:, None], d.X * d.w[:, None]))
    aug_names = ["weight"] + [f"weight:{c}" for c in slope_names]
    keep = _independent_columns(Z, p)
    kept_names = [aug_names[j - p] for j in keep]
    dropped = [n for n in aug_names if n not in kept_names]
    Zk = np.hstack((d.X, Z[:, keep]))
    da = _Data(Zk, d.y, np.ones(d.y.size), slope_names + kept_names + d.names[p:], d.levels)
    free = np.arange(len(da.names))
    theta, res = _maximise(da, np.array([], dtype=int), _start(da), free, tol, maxiter)
    idx = np.arange(p, p + len(keep))
    b = theta[idx]
    status, stat, se = res.status, float("nan"), np.full(idx.size, np.nan)
    if status == "converged":  # without a maximum there is no covariance to test with
        try:
            S, H = ordered_logit_derivatives(da.X, da.y, da.w, theta)
            Vb = robust_covariance(influence_rows(S, H))[np.ix_(idx, idx)]
            stat = float(b @ np.linalg.solve(Vb, b)) if idx.size else 0.0
            se = np.sqrt(np.diag(Vb))
        except np.linalg.LinAlgError:
            status = "singular covariance"
    return DumouchelDuncanTest(
        statistic=stat,
        df=int(idx.size),
        p_value=(float(stats.chi2.sf(stat, idx.size)) if idx.size else 1.0) if np.isfinite(stat) else float("nan"),
        terms=kept_names,
        estimates=pd.Series(b, index=kept_names, name="coef"),
        std_errors=pd.Series(se, index=kept_names, name="se"),
        dropped=dropped,
        nobs=int(d.y.size),
        status=status,
    )
