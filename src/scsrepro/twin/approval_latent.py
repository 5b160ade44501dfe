"""Stage 1 of the approval calibration: the latent draw.

Each respondent gets a latent score ``eta = x' beta + e`` with logistic
noise ``e`` and ``beta`` taken from the published coefficients
(socio-demographics from Model 1, each block's own variables from the
model that introduces them; :func:`latent_index`), plus a shift for every
Table 2 group. Respondents are ranked by the score and cut into the five
answers so that the unweighted shares equal Table A2's unweighted column
exactly (:func:`assign_by_rank`); the separated group of Model 5 is then
pinned to its answer (:func:`pin_answers`). :func:`calibrate_latent` is
the search behind the stored coefficients and shifts (``make calibrate``).
The draw is then polished (:mod:`scsrepro.twin.polish`).
"""

from __future__ import annotations

import numpy as np

from scsrepro.survey import decisions
from scsrepro.twin.designs import LEVELS, Design, refit
from scsrepro.twin.objective import ShareTarget


def latent_index(n: int, designs: list[Design], coefs: dict[str, float]) -> np.ndarray:
    """Latent approval index: sum over Table 4 terms of coefficient x centred value.

    Each term's column is taken from the first model that contains it;
    respondents outside that model's sample (value missing or not asked)
    contribute zero for the term.
    """
    eta = np.zeros(n)
    seen: set[str] = set()
    for d in designs:
        for j, term in enumerate(d.terms):
            if term in seen or term not in coefs:
                continue
            seen.add(term)
            col = d.X[:, j]
            x = np.zeros(n)
            x[d.rows] = col - col.mean()
            eta += coefs[term] * x
    return eta


def assign_by_rank(score: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cut *score* into answers 1..5 with exactly ``counts`` respondents each."""
    order = decisions.order(score, decisions.DISTANCE)
    y = np.empty(len(score), dtype=int)
    start = 0
    for level, k in enumerate(counts, start=1):
        y[order[start : start + k]] = level
        start += k
    return y


def initial_coefficients(designs: list[Design]) -> dict[str, float]:
    """Start values: each term's published coefficient in the first model that has it.

    Coefficients the published fits could not pin down (|b| > 5, the
    separated education terms of Model 5) start at zero.
    """
    coefs: dict[str, float] = {}
    for d in designs:
        for j, term in enumerate(d.terms):
            if term not in coefs and d.active[j]:
                coefs[term] = float(d.target[j]) if abs(d.target[j]) < 5 else 0.0
    return coefs


def group_mean_targets(shares: list[ShareTarget]) -> list[tuple[str, np.ndarray, float]]:
    """Weighted mean answer of each Table 2 group implied by its published shares.

    Returns ``(group name, member mask, target mean)`` for every group but
    the total.
    """
    groups: dict[str, dict] = {}
    for s in shares:
        if not s.name.startswith("Table 2 ") or s.name.startswith("Table 2 Total"):
            continue
        g = groups.setdefault(s.name.rsplit(" ", 1)[0], {"mask": s.mask, "p": {}})
        g["p"][s.level] = s.value
    out = []
    for name, g in groups.items():
        total = sum(g["p"].values())
        out.append((name.removeprefix("Table 2 "), g["mask"], sum(k * v for k, v in g["p"].items()) / total))
    return out


def calibrate_latent(
    designs: list[Design],
    counts: np.ndarray,
    noise: np.ndarray,
    weights: np.ndarray | None = None,
    group_means: list[tuple[str, np.ndarray, float]] | None = None,
    iterations: int = 10,
    step: float = 1.0,
    fixed: tuple[np.ndarray, int] | None = None,
    log=None,
) -> tuple[dict[str, float], dict[str, float], np.ndarray | None]:
    """Tune the latent index so that the refitted models land near Table 4.

    With the noise held fixed (common random numbers), each iteration draws
    the answers, refits the seven models and moves every term's latent
    coefficient by the average gap between the published and the refitted
    estimate over the models that contain the term, and every Table 2
    group's shift by the gap between its published and its current mean
    answer. Returns the coefficients, the group shifts and the answers of
    the best iteration (None if no iteration kept every answer level in
    every model's sample). ``fixed`` = (mask, answer) pins some answers (see
    :func:`pin_answers`).
    """
    n = len(noise)
    coefs = initial_coefficients(designs)
    group_means = group_means or []
    gamma = np.zeros(len(group_means))
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    best: tuple[float, dict[str, float], dict[str, float], np.ndarray | None] = (np.inf, dict(coefs), {}, None)
    for it in range(iterations):
        shift = np.zeros(n)
        for g, (_, mask, _) in enumerate(group_means):
            shift[mask] += gamma[g]
        y = assign_by_rank(latent_index(n, designs, coefs) + shift + noise, counts)
        if fixed is not None:
            y = pin_answers(y, *fixed, score=latent_index(n, designs, coefs) + shift + noise)
        if any(len(np.unique(y[d.rows])) < LEVELS for d in designs):
            gamma *= 0.5  # an answer level vanished from a model's sample: step back
            continue
        for g, (_, mask, target) in enumerate(group_means):
            current = np.sum(w[mask] * y[mask]) / np.sum(w[mask])
            gamma[g] += 2.0 * step * (target - current)
        gaps: dict[str, list[float]] = {}
        parts = []
        for d in designs:
            refit(d, y)
            assert d.theta is not None  # set by refit
            z = (d.theta - d.target) / d.target_se
            parts.append(z[d.active] ** 2)
            for j, term in enumerate(d.terms):
                if d.active[j]:
                    gaps.setdefault(term, []).append(d.target[j] - d.theta[j])
        score = decisions.exact_sum(np.concatenate(parts))
        if decisions.less(score, best[0], decisions.OBJECTIVE):
            best = (score, dict(coefs), {name: float(gamma[g]) for g, (name, _, _) in enumerate(group_means)}, y)
        if log:
            log(f"latent iteration {it}: sum of squared z {score:.1f}")
        for term, gap in gaps.items():
            if term in coefs:
                coefs[term] += step * float(np.mean(gap))
    return best[1], best[2], best[3]


def fill_answers(
    y: np.ndarray, samples: list[np.ndarray], score: np.ndarray, frozen: np.ndarray | None = None, levels: int = 5
) -> np.ndarray:
    """Make every answer 1..*levels* occur in every model's sample, keeping the counts.

    Table 4 prints four cut points for every model, so each of its samples
    holds all five answers. A latent draw can leave an answer out of a
    sample: the few "strongly disapprove" answers (11 of 2,209) may all fall
    outside a model's listwise sample. For each answer *c* missing from a
    sample (*samples*: row positions), the respondent inside it whose answer
    is nearest to *c* and whose latent score is most extreme towards *c*
    swaps answers with a holder of *c* outside it, the one with the least
    extreme score whose swap leaves *c* in every other sample. Frozen
    (pinned) respondents are never moved. When no answer is missing, *y* is
    returned unchanged.
    """
    y = y.copy()
    frozen = np.zeros(len(y), bool) if frozen is None else frozen
    member = np.zeros((len(samples), len(y)), bool)
    for k, rows in enumerate(samples):
        member[k, rows] = True
    for _ in range(levels * len(samples)):
        missing = [(k, c) for k in range(len(samples)) for c in range(1, levels + 1) if not np.any(y[member[k]] == c)]
        if not missing:
            return y
        k, c = missing[0]
        inside = np.flatnonzero(member[k] & ~frozen)
        nearest = inside[np.abs(y[inside] - c) == np.abs(y[inside] - c).min()]
        nearest = nearest[y[nearest] == y[nearest[0]]]  # one side of c
        towards = score[nearest] if c < y[nearest[0]] else -score[nearest]
        i = nearest[decisions.order(towards, decisions.DISTANCE)[0]]
        holders = np.flatnonzero(~member[k] & ~frozen & (y == c))
        away = -score[holders] if c < y[i] else score[holders]
        for j in holders[decisions.order(away, decisions.DISTANCE)]:
            others = member[:, j] & ~member[:, i]
            if all(np.sum(y[member[m]] == c) > 1 for m in np.flatnonzero(others)):
                y[i], y[j] = c, y[i]
                break
        else:
            raise ValueError(f"answer {c} cannot be brought into the sample of model {k + 1}: no holder to swap with")
    raise ValueError("could not make every answer occur in every model's sample")


def pin_answers(y: np.ndarray, mask: np.ndarray, value: int, score: np.ndarray) -> np.ndarray:
    """Give the respondents in *mask* the answer *value*, keeping the counts.

    Each pinned respondent who holds another answer swaps it with a
    non-pinned holder of *value* (those with the lowest latent score
    first), so the number of respondents per answer does not change.
    """
    y = y.copy()
    need = np.flatnonzero(mask & (y != value))
    donors = np.flatnonzero(~mask & (y == value))
    donors = donors[decisions.order(score[donors], decisions.DISTANCE)][: len(need)]
    if len(donors) < len(need):
        raise ValueError(f"cannot pin {len(need)} answers to {value}: only {len(donors)} donors")
    y[donors] = y[need]
    y[need] = value
    return y
