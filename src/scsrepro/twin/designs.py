"""The seven Table 4 models of the approval calibration, prepared for fast refits.

Approval is the one variable that all seven models of Table 4 share, and
the calibration (:mod:`scsrepro.twin.approval`) refits them after every
change of the answers. Their estimation samples and design matrices do not
depend on approval, so they are built once (:func:`prepare_designs`, with
:func:`scsrepro.paper.fitting.design`, as the book builds them); a
:class:`Design` carries one model's matrix, weights, published targets and
current fit, and :func:`refit` updates that fit on new answers with the
ordered-logit engine (:mod:`scsrepro.survey.ordered_logit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import fitting, modelspec
from scsrepro.paper.published import load_published
from scsrepro.survey.newton import newton_maximise, scaled_solve, step_converged
from scsrepro.survey.ordered_logit import (
    cuts_increasing,
    fit_stata_rebased,
    ordered_logit_derivatives,
    ordered_logit_scores,
    params_from_theta,
)
from scsrepro.survey.sandwich import influence_rows, robust_se

#: Number of approval answers (1 strongly disapprove .. 5 strongly approve).
LEVELS = 5


@dataclass
class Design:
    """One Table 4 model prepared for fast refitting on a fixed sample."""

    spec: modelspec.ModelSpec
    rows: np.ndarray  # positions in the twin frame
    X: np.ndarray  # n_m x p, Table 4 term order
    w: np.ndarray  # weights of those rows
    terms: list[str]  # Table 4 keys of the slopes
    target: np.ndarray  # published (slopes, cut1..cut4)
    target_se: np.ndarray
    active: np.ndarray  # which cells enter the objective
    target_stars: list[str] = field(default_factory=list)  # published significance stars
    se: np.ndarray | None = None  # current robust SEs (Stata scale)
    theta: np.ndarray | None = None  # current estimate, Stata scale
    sm_params: np.ndarray | None = None  # current estimate, statsmodels scale
    hinv: np.ndarray | None = None  # inverse of minus the Hessian, Stata scale
    stata: bool = False  # refit with Stata's stopping rule (a separated model)
    groups: list[list[int]] = field(default_factory=list)  # columns of each factor's dummies

    @property
    def cells(self) -> list[str]:
        return [*self.terms, "cut1", "cut2", "cut3", "cut4"]

    def snapshot(self) -> tuple:
        """The current fit (estimate, statsmodels parameters, inverse Hessian, SEs)."""
        return self.theta, self.sm_params, self.hinv, self.se

    def restore(self, state: tuple) -> None:
        """Go back to a fit saved by :meth:`snapshot`."""
        self.theta, self.sm_params, self.hinv, self.se = state


def published_targets(
    spec: modelspec.ModelSpec, terms: list[str], published: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Published estimates, SEs and stars of one model, in (slopes, cuts) order."""
    t4 = published[published["column"].eq(spec.column)]
    est = t4[t4["statistic"].isin(["coef", "cut"])].set_index("item")
    se = t4[t4["statistic"].eq("se")].set_index("item")["value"]
    cells = [*terms, "cut1", "cut2", "cut3", "cut4"]
    stars = est["stars"].reindex(cells).fillna("").astype(str).tolist()
    return est["value"].reindex(cells).to_numpy(float), se.reindex(cells).to_numpy(float), stars


def prepare_designs(
    frame: pd.DataFrame,
    weights: pd.Series,
    specs: list[modelspec.ModelSpec] | None = None,
    exclude: dict[int, list[str]] | None = None,
    codebook=None,
) -> list[Design]:
    """Estimation samples and design matrices of the seven models.

    The samples do not depend on approval (nobody's approval is missing), so
    they are fixed for the whole calibration.

    Parameters
    ----------
    frame : raw twin frame (codes), approval may hold placeholders.
    weights : respondent weights aligned with *frame*.
    exclude : model id -> Table 4 cells left out of the objective.
    """
    cb = codebook or load_codebook()
    specs = specs or modelspec.load_specs()
    published = load_published("table_4")
    work = cb.derive(frame.copy()) if "income_group" not in frame else frame.copy()
    work["approval"] = work["approval"].fillna(LEVELS) if "approval" in work else LEVELS
    work["weight"] = np.asarray(weights, dtype=float)
    exclude = exclude or {}
    designs = []
    for spec in specs:
        est = modelspec.estimation_frame(work, spec, cb)
        rows = work.index.get_indexer(est.index)
        design, names = fitting.design(est, spec)
        X, terms = design.to_numpy(dtype=float), [names[c] for c in design.columns]
        target, se, stars = published_targets(spec, terms, published)
        cells = [*terms, "cut1", "cut2", "cut3", "cut4"]
        active = np.array([c not in exclude.get(spec.id, []) for c in cells])
        groups = [[design.columns.get_loc(c) for c in cols] for cols in design.attrs["factors"].values()]
        designs.append(
            Design(spec, rows, X, est["weight"].to_numpy(float), terms, target, se, active, stars, groups=groups)
        )
    return designs


# --------------------------------------------------------------------------- refits


def newton_refit(d: Design, y: np.ndarray, tol: float = 1e-10, maxiter: int = 30):
    """Newton steps from the design's last estimate (no step halving).

    Returns the :class:`~scsrepro.survey.ordered_logit.NewtonResult`, or None
    if the loop did not converge (singular Hessian, cut points out of order,
    no convergence), in which case the caller fits from scratch.
    """
    assert d.theta is not None, "newton_refit starts from a fitted design"
    k = d.X.shape[1]
    res = newton_maximise(
        d.theta,
        lambda th: _gradient_and_hessian(d.X, y, d.w, th),
        step_converged(tol),
        valid=lambda th: cuts_increasing(th, k),
        maxiter=maxiter,
    )
    return res if res.status == "converged" else None


def _gradient_and_hessian(X: np.ndarray, y: np.ndarray, w: np.ndarray, theta: np.ndarray):
    scores, H = ordered_logit_derivatives(X, y, w, theta)
    return w @ scores, H


def refit(d: Design, y_full: np.ndarray) -> None:
    """Refit one model on the current answers and store the result.

    A model marked ``stata`` (the separated one, the paper's Model 5) is
    fitted from scratch with Stata's stopping rule, as the scoreboard does,
    so it stops where Stata stops instead of drifting towards infinity; it
    is iterated where the separated factor's drift is a single coordinate
    (:func:`~scsrepro.survey.ordered_logit.fit_stata_rebased`), so the
    stopping point keeps its digits on every CPU. The other models have a
    proper maximum, which both rules find to about 1e-6; they are refitted
    with Newton steps from the previous estimate (:func:`newton_refit`,
    much faster than building a model), falling back to a fit from scratch
    if that fails. Everything -- the Newton loop, the inverse Hessian and
    the robust standard errors -- is the engine's
    (:mod:`scsrepro.survey.ordered_logit`).
    """
    y = y_full[d.rows]
    k = d.X.shape[1]
    fast = newton_refit(d, y) if (not d.stata and d.theta is not None) else None
    if fast is not None:
        d.theta = fast.theta
        d.sm_params = params_from_theta(d.theta, k)
        H = fast.hessian
        scores = ordered_logit_scores(d.X, y, d.theta) * d.w[:, None]
        A = None
    else:
        # d.X was built once by fitting.design and checked by the first fit of the book
        params, _, inner, phi, A = fit_stata_rebased(y - 1, d.X, d.w, d.groups, exog_checked=True)
        if not np.all(np.isfinite(params)):
            raise np.linalg.LinAlgError(f"model {d.spec.id}: no finite estimate")
        d.sm_params = np.asarray(params)
        d.theta = A @ np.concatenate((phi[:k], inner.cuts_from_params(phi)))
        H = inner.hessian_cut(phi)
        scores = inner.score_obs_cut(phi) * d.w[:, None]
    hinv = scaled_solve(-H, np.eye(H.shape[0]))
    rows = influence_rows(scores, H)
    if A is not None:  # derivatives taken in the re-based coding: map back with A
        hinv, rows = A @ hinv @ A.T, rows @ A.T
    d.hinv = hinv
    d.se = robust_se(rows)
