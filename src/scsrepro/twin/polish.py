"""Stages 2 and 3 of the approval calibration: polishing the latent draw.

**Polishing against the published estimates.** The realised sample of a
random draw misses the published coefficients by about one standard error
per cell, which is exactly the size of the tolerance. So the draw is
*polished* (:func:`polish`): answers are moved up or down by one step where
that moves the seven refitted models towards Table 4 and the weighted
shares towards Table A2 and Table 2. The effect of one changed answer on
each model's estimates is predicted with the model's influence function
(``H^-1 w_i (s_i(new) - s_i(old))``, the one-step change of a
pseudo-maximum-likelihood estimate when one observation changes;
:func:`predicted_changes`); a batch of the most helpful moves is applied,
the models are refitted exactly, and the batch is kept only if the
objective (:class:`~scsrepro.twin.objective.Calibration`) really fell.

**Significance stars.** The standard error's response to one changed answer
is predicted from the sandwich's middle term, which is rough, so this
phase (:func:`polish_exact`) checks its best candidate moves *exactly*
(refitting the models that contain the respondent) and applies one at a
time; a move is allowed only if no estimate or share that was within its
tolerance leaves it.
"""

from __future__ import annotations

import numpy as np

from scsrepro.survey import decisions
from scsrepro.survey.ordered_logit import ordered_logit_scores
from scsrepro.twin.designs import LEVELS, refit
from scsrepro.twin.objective import (
    Calibration,
    in_star_band,
    loss_grad_curv,
    se_penalty,
    star_penalty,
    stars_agree,
    stars_feasible,
)


def predicted_changes(cal: Calibration, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted objective change of moving each answer down or up one step.

    Returns two arrays (down, up) of length n with the linearised change of
    the coefficient part plus the exact change of the share part; moves that
    leave 1..5 get +inf.
    """
    n = len(y)
    delta = np.zeros((2, n))
    for d in cal.designs:
        assert d.theta is not None and d.hinv is not None, "predicted_changes needs fitted designs (see refit)"
        yy = y[d.rows]
        s0 = ordered_logit_scores(d.X, yy, d.theta)
        grad, curv = loss_grad_curv((d.theta - d.target) / d.target_se)
        grad = np.where(d.active, cal.coef_weight * grad, 0.0)
        curv = np.where(d.active, cal.coef_weight * curv, 0.0)
        inv_se = np.where(d.active, 1 / d.target_se, 0.0)
        stars = cal.use_stars and d.se is not None and bool(d.target_stars)
        if stars:
            # |z| = |theta| / se; both move. The SE's change is predicted
            # from the sandwich's middle term: the moved observation's
            # influence u_i = H^-1 w_i s_i changes from u0 to u1, so each
            # variance changes by c (u1**2 - u0**2) (theta and H held fixed)
            assert d.se is not None  # implied by `stars`
            se = np.maximum(d.se, 1e-12)
            _, sg, sc = star_penalty(np.abs(d.theta) / se, d.target_stars, stars_feasible(d))
            sg, sc = np.where(d.active, sg, 0.0), np.where(d.active, sc, 0.0)
            eg, ec = se_penalty(se, d.target_se, cal.se_weight)
            eg, ec = np.where(d.active, eg, 0.0), np.where(d.active, ec, 0.0)
            c = len(yy) / (len(yy) - 1)
            u0 = (s0 * d.w[:, None]) @ d.hinv.T
            miss0 = ~stars_agree(d)
        for side, step in enumerate((-1, 1)):
            y1 = np.clip(yy + step, 1, LEVELS)
            s1 = ordered_logit_scores(d.X, y1, d.theta)
            dtheta = ((s1 - s0) * d.w[:, None]) @ d.hinv.T
            z = dtheta * inv_se
            delta[side, d.rows] += z @ grad + 0.5 * (z**2) @ curv
            if stars:
                u1 = u0 + dtheta
                dse = c * (u1**2 - u0**2) / (2 * se)
                dz = np.sign(d.theta) * dtheta / se - np.abs(d.theta) * dse / se**2
                delta[side, d.rows] += dz @ sg + 0.5 * (dz**2) @ sc
                delta[side, d.rows] += dse @ eg + 0.5 * (dse**2) @ ec
                if cal.star_count_weight:
                    z1 = np.abs(d.theta + dtheta) / np.maximum(se + dse, 1e-12)
                    miss1 = ~in_star_band(z1, d.target_stars)
                    change = miss1[:, d.active].sum(1) - miss0[d.active].sum()
                    delta[side, d.rows] += cal.star_count_weight * change
    if cal.shares:
        base = cal.share_values(y)
        grad, curv = loss_grad_curv(np.array([(base[j] - s.value) / s.tol for j, s in enumerate(cal.shares)]))
        for side, step in enumerate((-1, 1)):
            change = np.zeros(n)
            for j, s in enumerate(cal.shares):
                w = cal.weights if s.weighted else np.ones(n)
                total = np.sum(w[s.mask])
                # contribution of respondent i to this share before and after the move
                before = (y == s.level).astype(float)
                after = (np.clip(y + step, 1, LEVELS) == s.level).astype(float)
                dv = 100 * w * (after - before) / total * s.mask
                dz = dv / s.tol
                change += cal.share_weight * (grad[j] * dz + 0.5 * curv[j] * dz**2)
            delta[side] += change
    delta[0, y == 1] = np.inf
    delta[1, y == LEVELS] = np.inf
    return cal.tie(delta[0], y), cal.tie(delta[1], y)


def _best_moves(down: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The better of the two moves per respondent and its direction (down on ties)."""
    go_down = decisions.less_equal(down, up, decisions.OBJECTIVE)
    return np.where(go_down, down, up), np.where(go_down, -1, 1)


def polish(
    cal: Calibration,
    y: np.ndarray,
    max_rounds: int = 400,
    batch: int = 40,
    patience: int = 60,
    frozen: np.ndarray | None = None,
    log=None,
) -> tuple[np.ndarray, list[float]]:
    """Greedy batched moves of single answers that lower the objective.

    Each round predicts every possible one-step move, applies the *batch*
    most helpful ones (at most one per respondent), refits all models and
    keeps the batch only if the exact objective fell. A rejected batch is
    halved; a rejected single move is set aside (tabu) until the next
    accepted move, so the search tries the next candidate instead of
    stopping. The search ends after *patience* rejections in a row, when no
    move is predicted to help, or after *max_rounds* rounds.
    """
    y = y.copy()
    for d in cal.designs:
        refit(d, y)
    current = cal.objective(y)
    history = [current]
    size = batch
    tabu: set[int] = set()
    rejected = 0
    for round_ in range(max_rounds):
        down, up = predicted_changes(cal, y)
        best, direction = _best_moves(down, up)
        if frozen is not None:
            best[frozen] = np.inf
        if tabu:
            best[list(tabu)] = np.inf
        candidates = decisions.order(best, decisions.OBJECTIVE)
        candidates = candidates[decisions.less(best[candidates], 0.0, decisions.OBJECTIVE)][:size]
        if len(candidates) == 0:
            break
        trial = y.copy()
        trial[candidates] += direction[candidates]
        saved = [d.snapshot() for d in cal.designs]
        try:
            for d in cal.designs:
                refit(d, trial)
            value = cal.objective(trial)
        except (np.linalg.LinAlgError, ValueError):
            value = np.inf  # e.g. an answer level vanished from a model's sample
        if decisions.less(value, current, decisions.OBJECTIVE):
            y, current = trial, value
            history.append(current)
            size = min(batch, size * 2)
            tabu.clear()
            rejected = 0
        else:
            for d, state in zip(cal.designs, saved):
                d.restore(state)
            rejected += 1
            if len(candidates) == 1:
                tabu.add(int(candidates[0]))
            size = max(1, size // 2)
            if rejected >= patience:
                break
        if log and round_ % 50 == 0:
            log(f"round {round_}: objective {current:.2f}, batch {size}")
    return y, history


def polish_exact(
    cal: Calibration,
    y: np.ndarray,
    max_rounds: int = 200,
    candidates: int = 24,
    max_widen: int = 16,
    max_checks: int = 4000,
    frozen: np.ndarray | None = None,
    log=None,
) -> tuple[np.ndarray, list[float]]:
    """Single moves checked exactly, for the stars phase.

    A star depends on the estimate *and* its standard error, and the SE's
    response to one changed answer is predicted much less well than the
    estimate's. So each round takes the *candidates* moves with the best
    predicted change (:func:`predicted_changes`), refits the models that
    contain each mover exactly, and applies the single move that lowers the
    objective most, provided no Table 4 cell or approval share that was
    within its tolerance leaves it. When none of them helps, the next
    ``3 * candidates``, then ``12 * candidates`` ... up to
    ``max_widen * candidates`` are checked. The search stops when no
    checked move helps, after *max_rounds* rounds or after *max_checks*
    exact checks in all (a fixed budget, so the result does not depend on
    the machine's speed).
    """
    y = y.copy()
    for d in cal.designs:
        refit(d, y)
    member = np.zeros((len(cal.designs), len(y)), dtype=bool)  # which models contain each respondent
    for row, d in enumerate(cal.designs):
        member[row, d.rows] = True
    current = cal.objective(y)
    passing = cal.passing(y)
    history = [current]
    checked, widen, checks = 0, 1, 0
    for round_ in range(max_rounds):
        if checks >= max_checks:
            break
        order, direction = _ranked_movers(cal, y, frozen)
        order = order[: candidates * widen]
        movers = order[checked:][: max_checks - checks]
        checks += len(movers)
        choice = _best_checked_move(cal, y, movers, direction, member, passing, current)
        if choice is None:
            if widen >= max_widen or len(order) < candidates * widen:
                break
            checked, widen = len(order), widen * 4  # look further down the list
            continue
        checked, widen = 0, 1
        i, value, states, touched = choice
        y[i] += direction[i]
        for k, state in zip(touched, states):
            cal.designs[k].restore(state)
        current = value
        passing = cal.passing(y)
        history.append(current)
        if log and round_ % 25 == 0:
            log(f"exact round {round_}: objective {current:.2f}")
    return y, history


def _ranked_movers(cal: Calibration, y: np.ndarray, frozen: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Respondents ranked by the predicted change of their better move, and its direction.

    Frozen respondents and moves that leave 1..5 are left out, and so is
    every respondent identical to one ranked before it (same profile, answer
    and move, see :meth:`~scsrepro.twin.objective.Calibration.alike`), whose
    exact check would give the same result.
    """
    down, up = predicted_changes(cal, y)
    best, direction = _best_moves(down, up)
    if frozen is not None:
        best[frozen] = np.inf
    order = decisions.order(best, decisions.OBJECTIVE)
    order = order[np.isfinite(best[order])]
    if cal.profile is not None:
        _, first = np.unique(cal.alike(y)[order], return_index=True)
        order = order[np.sort(first)]
    return order, direction


def _best_checked_move(
    cal: Calibration,
    y: np.ndarray,
    movers: np.ndarray,
    direction: np.ndarray,
    member: np.ndarray,
    passing: np.ndarray,
    current: float,
) -> tuple[int, float, list[tuple], np.ndarray] | None:
    """The mover whose move, checked exactly, lowers the objective most.

    Each move is applied on its own, the models that contain the mover
    (*member*) are refitted and the objective evaluated; a move qualifies if
    it lowers the objective below *current* and no target in *passing*
    stops passing. Returns (respondent, objective, fits of the refitted
    models, their indices) of the best qualifying move, or None; the
    designs are left at their fits on *y*.
    """
    saved = [d.snapshot() for d in cal.designs]
    res = decisions.OBJECTIVE
    choice = None
    for i in movers:
        trial = y.copy()
        trial[i] += direction[i]
        touched = np.flatnonzero(member[:, i])
        try:
            for k in touched:
                refit(cal.designs[k], trial)
            value = cal.objective(trial)
            ok = not np.any(passing & ~cal.passing(trial))
        except (np.linalg.LinAlgError, ValueError):
            value, ok = np.inf, False
        if ok and decisions.less(value, current, res) and (choice is None or decisions.less(value, choice[1], res)):
            choice = (int(i), value, [cal.designs[k].snapshot() for k in touched], touched)
        for k in touched:
            cal.designs[k].restore(saved[k])
    return choice
