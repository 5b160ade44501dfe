"""Exact counts in both columns of Table A2: the twin's selection machinery.

Every categorical variable of the twin is drawn the same way (step 4 of the
recipe in :mod:`scsrepro.twin.covariates`): each answer category gets the
exact number of respondents that its unweighted percentage implies at the
question's base (:func:`counts_from_percents`), and who gets it is decided by
ranking a latent score plus ``beta * log-weight``, ``beta`` being solved so
that the weighted share matches the weighted percentage (:func:`pick`). An
ordinal item is "peeled" category by category (:func:`peel`), so the ranking
by the latent score, and with it the correlations, survives.

Every comparison of floats goes through :mod:`scsrepro.survey.decisions`, so
the same inputs give the same selection on every machine.
"""

from __future__ import annotations

import zlib

import numpy as np

from scsrepro.survey import decisions

__all__ = [
    "stream",
    "standardize",
    "code_percents",
    "counts_from_percents",
    "WeightedSample",
    "top_mask",
    "pick",
    "peel",
    "peel_with_missing",
]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, fixed by seed and name."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def standardize(x: np.ndarray) -> np.ndarray:
    """*x* centred and scaled to SD 1 (left unscaled if it is constant)."""
    x = np.asarray(x, dtype=float)
    s = x.std()
    return (x - x.mean()) / (s if s > 0 else 1.0)


def code_percents(block: dict) -> dict:
    """Parameter block entry -> {code: percent} (int keys)."""
    return {int(k): float(v) for k, v in block.items()}


def counts_from_percents(percents: dict, n: int) -> dict:
    """Whole numbers summing to *n* whose shares are closest to *percents*.

    Largest-remainder rounding of ``p / sum(p) * n``. Used for every block of
    Table A2, so that a block's unweighted shares are reproduced to the
    printed precision wherever the printed numbers allow it.
    """
    keys = list(percents)
    p = np.array([float(percents[k]) for k in keys])
    raw = p / p.sum() * n
    out = np.floor(raw).astype(int)
    rest = n - out.sum()
    order = decisions.order(raw - out, decisions.DISTANCE, descending=True)
    out[order[:rest]] += 1
    return {k: int(c) for k, c in zip(keys, out)}


class WeightedSample:
    """Shared state of one draw: weights, log-weights, base totals."""

    def __init__(self, w: np.ndarray):
        self.w = np.asarray(w, dtype=float)
        self.fixed = decisions.to_fixed_point(self.w)  # exact, order-free sums (scsrepro.survey.decisions)
        self.n = self.w.size
        self.lw = standardize(np.log(self.w))
        self.all = np.ones(self.n, dtype=bool)

    def wsum(self, mask: np.ndarray) -> int:
        """Total weight of *mask* in fixed-point units (the same on every machine)."""
        return decisions.fixed_point_sum(self.fixed, mask)


def top_mask(score: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the *k* highest scores among *cand* (quantized; ties by row)."""
    out = np.zeros(score.size, dtype=bool)
    if k <= 0:
        return out
    idx = np.flatnonzero(cand)
    if k > idx.size:
        raise ValueError(f"cannot select {k} of {idx.size} candidates")
    out[idx[decisions.top(score[idx], k, decisions.DISTANCE)]] = True
    return out


def pick(
    ctx: WeightedSample, z: np.ndarray, strata, target: float | None = None, denom: np.ndarray | None = None
) -> np.ndarray:
    """Select exact counts per stratum by ``z + beta * log-weight``.

    *strata* is a list of ``(candidate mask, count)``. With a *target*
    (a weighted share in percent of the ``denom`` respondents), ``beta`` is
    found by bisection so that the weight of the selected respondents over
    the weight of ``denom`` is as close to the target as the counts allow.
    """
    strata = [(np.asarray(m, bool), int(k)) for m, k in strata]

    def select(beta: float) -> np.ndarray:
        s = z + beta * ctx.lw
        sel = np.zeros(ctx.n, dtype=bool)
        for m, k in strata:
            sel |= top_mask(s, m & ~sel, k)
        return sel

    if target is None:
        return select(0.0)
    d = ctx.wsum(ctx.all if denom is None else denom)
    t = float(target) / 100.0

    def share(beta: float) -> float:
        return decisions.ratio(ctx.wsum(select(beta)), d)

    # shares are compared at scsrepro.survey.decisions' share resolution (as fractions)
    res = decisions.SHARE / 100
    lo, hi = -8.0, 8.0
    if not decisions.less(share(lo), t, res):
        return select(lo)
    if decisions.less_equal(share(hi), t, res):
        return select(hi)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if decisions.less(share(mid), t, res):
            lo = mid
        else:
            hi = mid
    # the closer of the two ends; on a tie the lower end
    best = (lo, hi)[decisions.argbest([abs(share(lo) - t), abs(share(hi) - t)], res)]
    return select(best)


def peel(
    ctx: WeightedSample,
    z: np.ndarray,
    cand: np.ndarray,
    counts: dict,
    wshares: dict | None,
    denom: np.ndarray,
    order: list | None = None,
    strata_of=None,
    from_bottom: tuple = (),
) -> np.ndarray:
    """Assign the categories of one question to *cand* with exact counts.

    Categories are taken in *order* (default: from the highest code down to
    the largest category, then from the lowest code up to it); each takes
    the top respondents of the remaining candidates by ``z + beta * lw`` with
    its own ``beta`` solved for the weighted share in ``wshares`` (percent of
    ``denom``). The last category takes whoever is left; a code listed in
    *from_bottom* takes the lowest scores instead of the highest. Returns a
    float array (NaN outside *cand*).
    """
    out = np.full(ctx.n, np.nan)
    left = np.asarray(cand, bool).copy()
    if order is not None:
        codes = list(order)
    else:
        # the largest category is left for last (it absorbs the rounding of
        # the others); codes above it are taken from the top, codes below it
        # from the bottom, so the order of the latent score is kept
        big = max(counts, key=lambda c: (counts[c], -c))
        below = sorted(c for c in counts if c < big)
        codes = sorted((c for c in counts if c > big), reverse=True) + below + [big]
        from_bottom = tuple(from_bottom) + tuple(below)
    for i, code in enumerate(codes):
        if i == len(codes) - 1:
            sel = left
        else:
            target = None if wshares is None or wshares.get(code) is None else wshares[code]
            strata = [(left, counts[code])] if strata_of is None else strata_of(code, left)
            zz = -z if code in from_bottom else z
            sel = pick(ctx, zz, strata, target, denom)
        out[sel] = code
        left = left & ~sel
    if left.any():  # pragma: no cover - the counts always cover the candidates
        raise RuntimeError("peeling left respondents without a category")
    return out


def peel_with_missing(
    ctx: WeightedSample,
    z: np.ndarray,
    asked: np.ndarray,
    miss: np.ndarray,
    cnt: dict,
    wsh: dict,
    refuse: np.ndarray,
) -> np.ndarray:
    """An item with codes 98/99: split the missing set, then peel the answers.

    The respondents *miss* (already chosen, with the counts of 98 and 99
    together) are split into "don't know" (98, the lowest *refuse* scores,
    weighted share ``wsh[98]`` of *asked*) and "rather not answer" (99); the
    other respondents of *asked* get the substantive codes by :func:`peel`.
    """
    out = np.full(ctx.n, np.nan)
    dk = pick(ctx, -refuse, [(miss, cnt[98])], wsh.get(98), asked)
    out[dk] = 98
    out[miss & ~dk] = 99
    subst = [c for c in cnt if c not in (98, 99)]
    vals = peel(ctx, z, asked & ~miss, {c: cnt[c] for c in subst}, {c: wsh[c] for c in subst}, asked)
    ok = asked & ~miss
    out[ok] = vals[ok]
    return out
