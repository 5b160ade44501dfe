"""Newton-Raphson ascent: the one loop behind every fit of the package.

* :func:`scaled_solve`: ``H x = b`` after Jacobi scaling, so that a Hessian
  with entries of very different sizes keeps its digits;
* :func:`solve_or_pinv`: the same, or the pseudo-inverse where ``H`` is
  singular (as Stata's ``ml`` does);
* :func:`newton_maximise`: the loop (step halving on an objective, a
  pluggable stopping rule), with :class:`NewtonStep` (what a rule sees),
  :class:`NewtonResult` (where the loop stopped and why) and
  :func:`step_converged` (the usual rule).

It knows nothing of ordered logits: :mod:`scsrepro.survey.ordered_logit`
supplies the derivatives and Stata's stopping rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "scaled_solve",
    "solve_or_pinv",
    "NewtonStep",
    "NewtonResult",
    "step_converged",
    "newton_maximise",
]


def scaled_solve(H: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``H x = b`` after scaling ``H`` to unit diagonal (Jacobi scaling).

    Near separation one direction of an ordered logit's Hessian has almost
    no curvature, so ``H`` has entries of very different sizes. Scaling
    rows and columns by ``1 / sqrt(|H_jj|)`` first makes the system well
    conditioned in the coding of
    :func:`~scsrepro.survey.ordered_logit.factor_basis`, so the solution keeps
    its digits on every CPU. Equal to ``np.linalg.solve`` in exact arithmetic.
    """
    d = np.sqrt(np.abs(np.diag(H)))
    d = np.where(d > 0, d, 1.0)
    x = np.linalg.solve(H / d[:, None] / d[None, :], (b.T / d).T if b.ndim == 2 else b / d)
    return (x.T / d).T if x.ndim == 2 else x / d


def solve_or_pinv(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """:func:`scaled_solve`, or the pseudo-inverse where H is singular (as Stata's ``ml`` does)."""
    try:
        return scaled_solve(H, g)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(H) @ g


@dataclass
class NewtonStep:
    """One accepted Newton step, as a convergence rule sees it."""

    old: np.ndarray
    new: np.ndarray
    step: np.ndarray  # new - old (the Newton step after any halving)
    value_old: float | None
    value_new: float | None
    gradient: np.ndarray  # at the new point
    hessian: np.ndarray  # at the new point


@dataclass
class NewtonResult:
    """Where :func:`newton_maximise` stopped and why.

    ``status`` is ``"converged"`` (the rule was met), ``"stalled"`` (no
    halved step improved the objective), ``"singular"`` (the Hessian could
    not be solved), ``"invalid"`` (a full step left the parameter space; only
    without step halving) or ``"maxiter"``. ``gradient`` and ``hessian`` are
    those at ``theta``.
    """

    theta: np.ndarray
    iterations: int
    status: str
    gradient: np.ndarray
    hessian: np.ndarray


def step_converged(tol: float) -> Callable[[NewtonStep], bool]:
    """The usual rule: stop when the largest step component is below *tol*."""
    return lambda s: bool(np.max(np.abs(s.step)) < tol)


def newton_maximise(
    theta: np.ndarray,
    derivatives: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    converged: Callable[[NewtonStep], bool],
    *,
    value: Callable[[np.ndarray], float] | None = None,
    valid: Callable[[np.ndarray], bool] = lambda t: bool(np.all(np.isfinite(t))),
    solve: Callable[[np.ndarray, np.ndarray], np.ndarray] = scaled_solve,
    maxiter: int = 100,
) -> NewtonResult:
    """Newton-Raphson ascent, the one loop behind every fit of the package.

    From *theta*, repeat: ``(g, H) = derivatives(theta)``, step
    ``-solve(H, g)``. With an objective *value*, a step that leaves the
    parameter space (``valid``) or lowers the objective by more than 1e-12 is
    halved until it does not (Stata's ``ml`` and every textbook); below a
    factor of 1e-10 the loop stops as ``"stalled"``. Without *value* every
    full step is taken and one that leaves the parameter space stops the
    loop as ``"invalid"``. After each accepted step, ``converged`` (e.g.
    :func:`step_converged`, or Stata's rule in
    :meth:`~scsrepro.survey.ordered_logit.WeightedOrderedModel.fit_stata`)
    decides whether to stop.
    """
    theta = np.asarray(theta, dtype=float).copy()
    if not valid(theta):
        nan = np.full(theta.size, np.nan)
        return NewtonResult(theta, 0, "invalid", nan, np.outer(nan, nan))
    g, H = derivatives(theta)
    v = value(theta) if value is not None else None
    for it in range(1, maxiter + 1):
        try:
            step = -solve(H, g)
        except np.linalg.LinAlgError:
            return NewtonResult(theta, it, "singular", g, H)
        factor = 1.0
        v_new = None
        while True:
            new = theta + factor * step
            ok = valid(new)
            if value is None:
                if not ok:
                    return NewtonResult(theta, it, "invalid", g, H)
                break
            if ok:
                assert v is not None  # set whenever value is given
                v_new = value(new)
                if np.isfinite(v_new) and v_new >= v - 1e-12:
                    break
            factor /= 2
            if factor < 1e-10:
                return NewtonResult(theta, it, "stalled", g, H)
        g_new, H_new = derivatives(new)
        done = converged(NewtonStep(theta, new, factor * step, v, v_new, g_new, H_new))
        theta, g, H, v = new, g_new, H_new, v_new
        if done:
            return NewtonResult(theta, it, "converged", g, H)
    return NewtonResult(theta, maxiter, "maxiter", g, H)
