"""The synthetic twin: every survey variable except approval.

The real microdata are not public, so the compendium ships a *synthetic
twin* of the 2,209 respondents. This module draws the covariates; approval is
added by :mod:`scsrepro.twin.approval` (or, without it, by a labelled
placeholder, see :func:`generate`). Every number the generator uses lives in
``data/synthetic/twin_params.yml``; the code only turns those numbers into a
data frame. Same parameters and same seed give the same frame, bit for bit,
on any machine: every decision goes through ``scsrepro.survey.decisions``.

How one twin is drawn
---------------------
1. **Cells.** The 18 age-group x gender x region cell counts are parameters.
   They reproduce the unweighted Table A2 margins and are the table closest
   to independence (see :func:`calibrate_cells`) for which capped raking to
   the weighted margins gives Kish's design effect of about 1.13, the value
   behind the paper's 2.22 % margin of error. Each respondent then gets a province of the
   region and a numeric age inside the age group, from a tilted discrete
   distribution whose two tilts are solved so that the *weighted* mean and
   SD of age equal Table A3.
2. **Weights.** Capped raking (cap 2.0) of age group, gender and region to
   Table A2's weighted shares. The weights are needed already here because
   every later variable is calibrated to both columns of Table A2.
3. **Latent structure.** Four common factors (socio-economic status,
   enthusiasm for SCSs, online activity, readiness to refuse answers) depend
   on age, gender and region; each survey item has a latent score that
   loads on the factors (and on the demographics) plus item noise. The
   loadings give the covariates the correlations behind Table A4; a few are
   read off how Table 4's coefficients change between nested models, and
   ``factor_shifts_by_education`` moves a factor for one education level
   (respondents without formal education are less enthusiastic, which turns
   the education contrasts from positive in Model 1 to negative in Model 7).
4. **Exact counts, both columns.** Each answer category gets the exact
   number of respondents that the unweighted percentage implies at its base
   (largest-remainder rounding). Who gets it is decided by ranking the
   latent score plus ``beta * log-weight``; ``beta`` is solved by bisection
   so that the weighted share matches the weighted percentage as well. An
   ordinal item is "peeled" category by category (from the top code down to
   its largest category and from the bottom code up to it), so the ranking
   by the latent score, and with it the correlations, survives.
5. **Branching and missingness.** Questions are only answered by the
   respondents the codebook's ``asked_if`` selects. Non-substantive answers
   (don't know, rather not answer, no smartphone) are concentrated in a
   group of respondents who refuse income and/or education; how many fall
   inside and outside that group is a parameter (``listwise``), chosen so
   that the listwise rule of ``data/models.yml`` gives the seven Table 4
   sample sizes exactly.

The generator never reads the published tables: the targets it hits are
copies in the parameter file, each with its source. The tests compare the
result with ``data/published`` through the package's own functions.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import minimize

from scsrepro import __version__
from scsrepro.data import paths
from scsrepro.data.codebook import evaluate_condition, expression_names, load_codebook
from scsrepro.data.files import write_all_atomic
from scsrepro.survey import decisions
from scsrepro.survey.weighting import rake
from scsrepro.twin import approval as twin_approval

__all__ = [
    "PARAMS_FILE",
    "load_params",
    "params_hash",
    "generate_covariates",
    "generate",
    "raking_weights",
    "placeholder_approval",
    "write_twin",
    "calibrate_cells",
    "counts_from_percents",
]

PARAMS_FILE: Path = paths.SYNTHETIC / "twin_params.yml"
TWIN_DIR: Path = paths.SYNTHETIC
APPROVAL_PARAMS_NAME = "approval_params.yml"

FACTORS = ("ses", "enth", "online", "refuse")
DEMOS = ("age", "male", "region")


# --------------------------------------------------------------------------- parameters
def load_params(path: str | os.PathLike[str] = PARAMS_FILE) -> dict:
    """Read the generator parameters (YAML) into a dict.

    The approval section lives in its own file next to it
    (``approval_params.yml``, written by ``make calibrate``); when that file
    exists it is read into ``params["approval"]``.
    """
    path = Path(path)
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    approval = path.with_name(APPROVAL_PARAMS_NAME)
    if approval.is_file():
        params["approval"] = yaml.safe_load(approval.read_text(encoding="utf-8"))
    return params


def params_hash(params: dict) -> str:
    """SHA-256 of the parameters in canonical JSON, independent of git and layout."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


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


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, fixed by seed and name."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def _std(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    s = x.std()
    return (x - x.mean()) / (s if s > 0 else 1.0)


# --------------------------------------------------------------------------- weights
def raking_weights(df: pd.DataFrame, params: dict) -> pd.Series:
    """Capped raking weights of age group, gender and region (mean 1).

    A private equivalent of ``scsrepro.paper.weights.weights_for``: the margins are the
    weighted Table A2 shares copied into ``params["weighting"]`` (rescaled to
    sum to one), the cap is 2.0 on the mean-1 scale.
    """
    wp = params["weighting"]
    margins = {}
    for var, shares in wp["margins"].items():
        tot = sum(float(v) for v in shares.values())
        margins[var] = {int(k): float(v) / tot for k, v in shares.items()}
    return rake(df[list(margins)], margins, cap=float(wp["cap"]))


def calibrate_cells(params: dict, theta: dict | None = None) -> list[list[int]]:
    """Integer age x gender x region counts for the unweighted margins.

    The joint table is log-linear with all two-way interactions:
    independence times ``exp(scale * (ag[a, g] + ar[a, r] + gr[g, r]))``, the
    first level of each variable being the reference (parameters in
    ``params["cells_theta"]``). Iterative proportional fitting restores the
    unweighted margins and controlled rounding keeps them exact.

    The interactions were found by minimising the Kullback-Leibler
    divergence of the table from independence subject to (a) Kish's design
    effect of the capped raking weights being the paper's implied 1.13 (its
    2.22 % margin of error at n = 2,209; an independent table gives only
    1.07) and (b) correlations of the region code with age group and gender
    of at most about 0.1 and of age group with gender of at most about 0.25
    (Table A4's VIFs of region, age and gender are 1.03, 1.09 and 1.10).
    ``scale`` then fine-tunes the design effect after rounding. Returns rows
    ``[age_group, gender, region, count]``; the result is stored in the
    parameter file, this function documents how it was made.
    """

    th = params["cells_theta"] if theta is None else theta
    scale = float(th.get("scale", 1.0))
    ag = np.zeros((3, 2))
    ar = np.zeros((3, 3))
    gr = np.zeros((2, 3))
    for a, v in th["age_x_male"].items():
        ag[int(a) - 1, 1] = float(v)
    for a, row in th["age_x_region"].items():
        for r, v in row.items():
            ar[int(a) - 1, int(r) - 1] = float(v)
    for r, v in th["male_x_region"].items():
        gr[1, int(r) - 1] = float(v)
    mu = params["margins_unweighted"]
    n = int(params["n"])
    age = np.array([mu["age_group"][k] for k in (1, 2, 3)], dtype=float)
    gen = np.array([mu["gender"][k] for k in (0, 1)], dtype=float)
    reg = np.array([mu["region"][k] for k in (1, 2, 3)], dtype=float)
    pattern = ag[:, :, None] + ar[:, None, :] + gr[None, :, :]
    table = np.einsum("a,g,r->agr", age / n, gen / n, reg / n) * n * np.exp(scale * pattern)
    for _ in range(2000):
        table *= (age / table.sum((1, 2)))[:, None, None]
        table *= (gen / table.sum((0, 2)))[None, :, None]
        table *= (reg / table.sum((0, 1)))[None, None, :]
    # floor and the remainders' order decided at a resolution of 1e-8 (scsrepro.survey.decisions)
    counts = (decisions.quantize(table, 1e-8) // 10**8).astype(int)
    rem = table - counts
    while True:
        da, dg, dr = age - counts.sum((1, 2)), gen - counts.sum((0, 2)), reg - counts.sum((0, 1))
        if not (da.any() or dg.any() or dr.any()):
            break
        best = None
        for a, g, r in itertools.product(range(3), range(2), range(3)):
            if (
                da[a] > 0
                and dg[g] > 0
                and dr[r] > 0
                and (best is None or decisions.less(rem[best], rem[a, g, r], decisions.DISTANCE))
            ):
                best = (a, g, r)
        if best is None:  # pragma: no cover - margins are consistent by construction
            raise RuntimeError("controlled rounding of the cell table failed")
        counts[best] += 1
        rem[best] -= 1
    return [[a + 1, g, r + 1, int(counts[a, g, r])] for a, g, r in itertools.product(range(3), range(2), range(3))]


# --------------------------------------------------------------------------- selection machinery
class _Ctx:
    """Shared state of one draw: weights, log-weights, base totals."""

    def __init__(self, w: np.ndarray):
        self.w = np.asarray(w, dtype=float)
        self.fixed = decisions.to_fixed_point(self.w)  # exact, order-free sums (scsrepro.survey.decisions)
        self.n = self.w.size
        self.lw = _std(np.log(self.w))
        self.all = np.ones(self.n, dtype=bool)

    def wsum(self, mask: np.ndarray) -> int:
        """Total weight of *mask* in fixed-point units (the same on every machine)."""
        return decisions.fixed_point_sum(self.fixed, mask)


def _top(score: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the *k* highest scores among *cand* (quantized; ties by row)."""
    out = np.zeros(score.size, dtype=bool)
    if k <= 0:
        return out
    idx = np.flatnonzero(cand)
    if k > idx.size:
        raise ValueError(f"cannot select {k} of {idx.size} candidates")
    out[idx[decisions.top(score[idx], k, decisions.DISTANCE)]] = True
    return out


def _pick(ctx: _Ctx, z: np.ndarray, strata, target: float | None = None, denom: np.ndarray | None = None) -> np.ndarray:
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
            sel |= _top(s, m & ~sel, k)
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


def _peel(
    ctx: _Ctx,
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
            sel = _pick(ctx, zz, strata, target, denom)
        out[sel] = code
        left = left & ~sel
    if left.any():  # pragma: no cover - the counts always cover the candidates
        raise RuntimeError("peeling left respondents without a category")
    return out


def _ws(block: dict) -> dict:
    """Parameter block entry -> {code: percent} (int keys)."""
    return {int(k): float(v) for k, v in block.items()}


# --------------------------------------------------------------------------- the generator
def generate_covariates(params: dict, seed: int) -> pd.DataFrame:
    """Draw every raw codebook variable except ``approval`` (and ``weight``).

    Parameters
    ----------
    params : dict
        From :func:`load_params`.
    seed : int
        Seed of all random streams.

    Returns
    -------
    pandas.DataFrame
        Raw codes as nullable ``Int64``, not-asked cells empty, columns in the
        codebook's raw order without ``weight`` and ``approval``.
    """
    cb = load_codebook()
    n = int(params["n"])

    # 1. cells -> age group, gender, region; order shuffled
    cells = np.array(params["cells"], dtype=int)
    if cells[:, 3].sum() != n:
        raise ValueError(f"cell counts sum to {cells[:, 3].sum()}, not n = {n}")
    demo = np.repeat(cells[:, :3], cells[:, 3], axis=0)
    demo = demo[_rng(seed, "order").permutation(n)]
    age_group, gender, region = demo[:, 0], demo[:, 1], demo[:, 2]
    frame = pd.DataFrame({"age_group": age_group, "gender": gender, "region": region})
    w = raking_weights(frame, params).to_numpy()
    ctx = _Ctx(w)

    # province within region
    rng = _rng(seed, "province")
    province = np.zeros(n, dtype=int)
    for reg, shares in params["provinces"].items():
        m = region == int(reg)
        codes = np.array([int(k) for k in shares])
        p = np.array([float(v) for v in shares.values()])
        province[m] = rng.choice(codes, size=int(m.sum()), p=p / p.sum())

    # numeric age
    age = _draw_age(params["age"], age_group, w, _rng(seed, "age"))

    # 2. factors
    rng = _rng(seed, "factors")
    demo_std = {"age": _std(age), "male": _std(gender), "region": _std(region)}
    fac = {}
    for f in FACTORS:
        spec = params["factors"].get(f, {}) or {}
        fac[f] = rng.standard_normal(n) + sum(float(spec.get(d, 0.0)) * demo_std[d] for d in DEMOS)

    loadings = params["loadings"]
    cache: dict[str, np.ndarray] = {}

    def latent(name: str) -> np.ndarray:
        """The latent score of one item: its own noise stream plus loadings (cached)."""
        if name in cache:
            return cache[name]
        spec = loadings.get(name, {}) or {}
        z = _rng(seed, f"latent:{name}").standard_normal(n) * float(spec.get("noise", 1.0))
        for k, v in spec.items():
            if k in fac:
                z = z + float(v) * fac[k]
            elif k in demo_std:
                z = z + float(v) * demo_std[k]
            elif k == "urban":
                z = z + float(v) * _std(out["urban"])
        cache[name] = z
        return z

    out: dict[str, np.ndarray] = {}
    V = params["variables"]
    L = params["listwise"]
    ALL = ctx.all

    def everyone_answers(name: str) -> np.ndarray:
        """An item asked of everyone, without non-substantive answers: exact counts, both columns."""
        v = V[name]
        return _peel(ctx, latent(name), ALL, counts_from_percents(_ws(v["unweighted"]), n), _ws(v["weighted"]), ALL)

    out["age"] = age.astype(float)
    out["gender"] = gender.astype(float)
    out["province"] = province.astype(float)

    # urban
    v = V["urban"]
    out["urban"] = _peel(
        ctx, latent("urban"), ALL, counts_from_percents(_ws(v["unweighted"]), n), _ws(v["weighted"]), ALL, order=[1, 0]
    )

    # 3. income and education, with the refusal group D
    refuse = fac["refuse"]
    v = V["income_group"]
    cnt = counts_from_percents(_ws(v["unweighted"]), n)
    inc99 = _pick(ctx, refuse + latent("refuse_income"), [(ALL, cnt[99])], _ws(v["weighted"])[99], ALL)
    edu99 = _pick(
        ctx,
        refuse + latent("refuse_education"),
        [
            (inc99, int(L["education_refusal_among_income_refusers"])),
            (~inc99, int(L["education_refusals"]) - int(L["education_refusal_among_income_refusers"])),
        ],
    )
    D = inc99 | edu99
    z_inc = latent("income")
    ig = _peel(
        ctx,
        z_inc,
        ~inc99,
        {k: c for k, c in cnt.items() if k != 99},
        {k: s for k, s in _ws(v["weighted"]).items() if k != 99},
        ALL,
    )
    ig[inc99] = 99
    out["income"] = _income_detail(ig, z_inc, params["income_detail"])
    v = V["education"]
    n_edu = n - int(edu99.sum())
    out["education"] = _peel(
        ctx, latent("education"), ~edu99, counts_from_percents(_ws(v["unweighted"]), n_edu), _ws(v["weighted"]), ~edu99
    )
    out["education"][edu99] = 99
    _shift_factors_by_education(fac, out["education"], params.get("factor_shifts_by_education"), cache, loadings)

    # region is stored through the province; employment, pilot locality below
    # 4. online habits
    v = V["smartphone_time"]
    cnt = counts_from_percents(_ws(v["unweighted"]), n)
    miss = _pick(
        ctx,
        refuse + latent("refuse_smartphone"),
        [(D, L["no_smartphone_in_refusers"]), (~D, cnt[97] - L["no_smartphone_in_refusers"])],
    )
    wsh = _ws(v["weighted"])
    out["smartphone_time"] = _peel(
        ctx,
        latent("smartphone_time"),
        ~miss,
        {k: c for k, c in cnt.items() if k != 97},
        {k: s for k, s in wsh.items() if k != 97},
        ALL,
    )
    out["smartphone_time"][miss] = 97
    out["post_frequency"] = everyone_answers("post_frequency")

    # 5. political items
    v = V["ccp_member"]
    cnt = counts_from_percents(_ws(v["unweighted"]), n)
    miss = _pick(
        ctx,
        refuse + latent("refuse_ccp"),
        [(D, L["ccp_refusals_in_refusers"]), (~D, cnt[99] - L["ccp_refusals_in_refusers"])],
        _ws(v["weighted"])[99],
        ALL,
    )
    out["ccp_member"] = _peel(ctx, latent("ccp_member"), ~miss, {1: cnt[1], 0: cnt[0]}, {1: _ws(v["weighted"])[1]}, ALL)
    out["ccp_member"][miss] = 99
    out["gov_confidence"] = everyone_answers("gov_confidence")

    # 6. SCS use (see the parameter file for the reading of Table A2)
    u = params["scs_use"]
    S = _pick(
        ctx,
        latent("use_sesame"),
        [(D, u["sesame_in_refusers"]), (~D, u["sesame"] - u["sesame_in_refusers"])],
        u["w_sesame"],
    )
    B = _pick(ctx, latent("use_tencent"), [(S, u["both"])], u["w_both"])
    z_t = latent("use_tencent")
    Tonly = _pick(
        ctx,
        z_t,
        [(~S & D, u["tencent_only_in_refusers"]), (~S & ~D, u["tencent"] - u["both"] - u["tencent_only_in_refusers"])],
        u["w_tencent"] - 100 * ctx.wsum(B) / ctx.wsum(ALL),
    )
    T = B | Tonly
    ST = S | T
    rest = ~ST
    z_use = latent("use_any")
    Gonly = _pick(ctx, z_use + latent("use_gov"), [(rest, u["gov_only"])])
    rest &= ~Gonly
    # the users outside Sesame/Tencent take the weight that "none" and
    # "don't know" leave over
    w_left = 100 - u["w_dont_know"] - u["w_none"] - 100 * ctx.wsum(ST | Gonly) / ctx.wsum(ALL)
    Oonly = _pick(ctx, z_use + latent("use_other"), [(rest, u["other_only_commercial"])], w_left)
    rest &= ~Oonly
    dk = _pick(ctx, refuse + latent("refuse_use"), [(rest, u["dont_know"])], u["w_dont_know"])
    none = rest & ~dk
    other = Oonly | _pick(
        ctx,
        latent("use_other"),
        [(ST, u["other"] - u["other_only_commercial"])],
        u["w_other"] - 100 * ctx.wsum(Oonly) / ctx.wsum(ALL),
    )
    G = Gonly | _pick(
        ctx,
        latent("use_gov"),
        [(ST | Oonly, u["gov"] - u["gov_only"])],
        u["w_gov"] - 100 * ctx.wsum(Gonly) / ctx.wsum(ALL),
    )
    for name, m in (
        ("use_tencent", T),
        ("use_sesame", S),
        ("use_gov_pilot", G),
        ("use_other", other),
        ("use_dont_know", dk),
        ("use_none", none),
    ):
        out[name] = m.astype(float)

    # pilot locality (Section 4): residents, some of whom know they are in the pilot
    p = params["pilot_locality"]
    res = _pick(
        ctx,
        latent("pilot_locality"),
        [(G, p["aware_residents"]), (~G, p["residents"] - p["aware_residents"])],
        p["w_residents"],
    )
    out["lives_in_pilot_locality"] = res.astype(float)

    # 7. branch: Sesame score
    v = V["sesame_score"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(S.sum()))
    wsh = _ws(v["weighted"])
    s_in = int(L["sesame_score_missing_in_model1"])
    ses_miss = _pick(
        ctx,
        refuse + latent("refuse_sesame_score"),
        [(S & ~D, s_in), (S & D, cnt[98] + cnt[99] - s_in)],
        wsh[98] + wsh[99],
        S,
    )
    out["sesame_score"] = _score_block(ctx, latent("sesame_score"), S, ses_miss, cnt, wsh, refuse)

    v = V["tencent_score"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(T.sum()))
    wsh = _ws(v["weighted"])
    t_miss = _pick(ctx, refuse + latent("refuse_tencent_score"), [(T, cnt[98] + cnt[99])], wsh[98] + wsh[99], T)
    out["tencent_score"] = _score_block(ctx, latent("tencent_score"), T, t_miss, cnt, wsh, refuse)

    v = V["score_vs_friends"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(ST.sum()))
    wsh = _ws(v["weighted"])
    sv = L["score_vs_friends_missing"]
    Sm = S & ~D
    svf_miss = _pick(
        ctx,
        refuse + latent("refuse_score_vs_friends"),
        [
            (Sm & ses_miss, sv["sesame_model1_also_sesame_missing"]),
            (Sm & ~ses_miss, sv["sesame_model1_other"]),
            (S & D, sv["sesame_refusers"]),
            (Tonly & ~D, sv["tencent_only_model1"]),
            (
                Tonly & D,
                cnt[98]
                + cnt[99]
                - sv["sesame_model1_also_sesame_missing"]
                - sv["sesame_model1_other"]
                - sv["sesame_refusers"]
                - sv["tencent_only_model1"],
            ),
        ],
        wsh[98] + wsh[99],
        ST,
    )
    out["score_vs_friends"] = _score_block(ctx, latent("score_vs_friends"), ST, svf_miss, cnt, wsh, refuse)

    v = V["gov_score_vs_others"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(G.sum()))
    wsh = _ws(v["weighted"])
    g_miss = _pick(ctx, refuse + latent("refuse_gov_score"), [(G, cnt[98] + cnt[99])], wsh[98] + wsh[99], G)
    out["gov_score_vs_others"] = _score_block(ctx, latent("gov_score_vs_others"), G, g_miss, cnt, wsh, refuse)

    # transparency, with the rural/urban split of Section 4.4
    v = V["transparency"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(ST.sum()))
    rural = out["urban"] == 0
    z = latent("transparency")
    low = np.zeros(n, dtype=bool)
    for (m, k), base, pct in zip(
        _by_location(True, ST, cnt[1], ST, rural, v["dont_know_rural"], v["dont_know_urban"]),
        (ST & rural, ST & ~rural),
        (v["dont_know_rural"], v["dont_know_urban"]),
    ):
        low |= _pick(ctx, -z, [(m, k)], pct, base)
    wsh = _ws(v["weighted"])
    out["transparency"] = _peel(ctx, z, ST & ~low, {3: cnt[3], 2: cnt[2]}, {3: wsh[3], 2: wsh[2]}, ST)
    out["transparency"][low] = 1

    # information and method of joining: the base follows the codebook's filter
    # (the printed shares fit the 1,670 users of any SCS best, erratum E-INFO-JOIN-BASE)
    for grp, key, yes, no in (
        ("info", "info", "info_received", "info_none"),
        ("join_reason", "join", "join_auto_payment", "join_active"),
    ):
        v = V[key]
        asked = _asked(cb, cb.groups[grp].asked_if, out)
        k = counts_from_percents(_ws(v["unweighted"]), int(asked.sum()))
        sel = _pick(ctx, latent(yes), [(asked, k[1])], _ws(v["weighted"])[1], asked)
        out[yes] = np.where(asked, sel, np.nan)
        out[no] = np.where(asked, asked & ~sel, np.nan)

    # fairness
    v = V["fairness"]
    cnt = counts_from_percents(_ws(v["unweighted"]), int(ST.sum()))
    f_in = int(L["fairness_dont_know_in_model1"])
    f_score = refuse + latent("refuse_fairness")
    f_miss = _pick(ctx, f_score, [(ST & ~D, f_in), (ST & D, cnt[98] - f_in)], _ws(v["weighted"])[98], ST)
    f_miss = _few_uneducated_in_model5(
        f_miss, f_score, ST & ~D, out["education"] == 1, int(L["no_education_in_model5"])
    )
    wsh = _ws(v["weighted"])
    out["fairness"] = _peel(
        ctx, latent("fairness"), ST & ~f_miss, {c: cnt[c] for c in (1, 2, 3, 4)}, {c: wsh[c] for c in (1, 2, 3, 4)}, ST
    )
    out["fairness"][f_miss] = 98

    # advantages and disadvantages of Sesame/Tencent scores (Table 5, Section 4.4)
    _advantages(ctx, out, ST, rural, V["advantages"], latent)
    _disadvantages(ctx, out, ST, D, rural, V["disadvantages"], L, latent, refuse)

    # government-pilot (dis)advantages
    for grp, key in (("gov_adv", "gov_advantages"), ("gov_disadv", "gov_disadvantages")):
        v = V[key]
        k = int(round(float(v["share"]) / 100 * G.sum()))
        sel = _pick(ctx, latent(key), [(G, k)], v["share"], G)
        yes, no = (
            ("gov_adv_received", "gov_adv_none") if grp == "gov_adv" else ("gov_disadv_received", "gov_disadv_none")
        )
        out[yes] = np.where(G, sel, np.nan)
        out[no] = np.where(G, G & ~sel, np.nan)

    # 8. perceived functions
    out["accountability"] = everyone_answers("accountability")
    v = V["abide_regulations"]
    cnt = counts_from_percents(_ws(v["unweighted"]), n)
    miss = _pick(
        ctx,
        refuse + latent("refuse_abide"),
        [(D, L["abide_dont_know_in_refusers"]), (~D, cnt[98] - L["abide_dont_know_in_refusers"])],
        _ws(v["weighted"])[98],
        ALL,
    )
    wsh = _ws(v["weighted"])
    out["abide_regulations"] = _peel(
        ctx,
        latent("abide_regulations"),
        ~miss,
        {c: cnt[c] for c in (1, 2, 3, 4)},
        {c: wsh[c] for c in (1, 2, 3, 4)},
        ALL,
    )
    out["abide_regulations"][miss] = 98
    out["quality_of_life"] = everyone_answers("quality_of_life")

    # 9. questions reported only in the prose (weighted shares used for both columns)
    for name in ("employment", "mutual_mistrust", "nationwide_scs", "manage_nationwide"):
        v = V[name]
        sh = _ws(v["shares"])
        order = [int(c) for c in v.get("order", sorted(sh, reverse=True))]
        out[name] = _peel(ctx, latent(name), ALL, counts_from_percents(sh, n), sh, ALL, order=order)
    for opt, share in V["data_responsible"].items():
        k = counts_from_percents({1: share, 0: 100 - share}, n)[1]
        out[opt] = _pick(ctx, latent(opt), [(ALL, k)], share, ALL).astype(float)

    # assemble in codebook order
    out["respondent_id"] = np.arange(1, n + 1, dtype=float)
    cols = [v.name for v in cb.raw_variables if v.name not in ("weight", "approval")]
    missing = [c for c in cols if c not in out]
    if missing:  # pragma: no cover - every raw variable is generated above
        raise RuntimeError(f"generator does not produce {missing}")
    df = pd.DataFrame({c: pd.array(np.asarray(out[c], dtype=float), dtype="Float64").astype("Int64") for c in cols})
    return df


# --------------------------------------------------------------------------- blocks
def _shift_factors_by_education(
    fac: dict, education: np.ndarray, shifts: dict | None, cache: dict, loadings: dict
) -> None:
    """Shift latent factors for respondents at given education levels.

    ``shifts`` maps a factor to ``{education code: shift}`` (in factor SD
    units). Only items drawn after education see the shift, so a factor that
    an already drawn item loads on cannot be shifted (that would make the
    item's meaning depend on the order of the draws).
    """
    for name, by_level in (shifts or {}).items():
        if name not in fac:
            raise ValueError(f"factor_shifts_by_education: unknown factor {name!r}; known: {sorted(fac)}")
        used = [item for item in cache if name in (loadings.get(item) or {})]
        if used:
            raise ValueError(f"factor_shifts_by_education: factor {name!r} is already used by {used}")
        for level, value in by_level.items():
            fac[name] = fac[name] + float(value) * (education == int(level))


def _few_uneducated_in_model5(
    f_miss: np.ndarray, score: np.ndarray, pool: np.ndarray, no_education: np.ndarray, keep: int
) -> np.ndarray:
    """Leave only *keep* respondents without education in Model 5's sample.

    Model 5's sample is the Sesame/Tencent users outside the refusal group
    whose fairness answer is substantive. The paper's Model 5 reports
    education coefficients near -13, the signature of quasi-separation: the
    few respondents of the base level ("no education") in that sample all
    give the same answer. The other models report ordinary education
    coefficients, so the no-education users must mostly sit *outside*
    Model 5, i.e. among the fairness "don't know" answers. This swaps the
    "don't know" status between no-education users and other users of
    *pool* (lowest refusal scores first), which keeps every count.
    """
    f_miss = f_miss.copy()
    inside = np.flatnonzero(pool & no_education & ~f_miss)
    excess = inside.size - keep
    if excess <= 0:
        return f_miss
    movers = inside[decisions.top(score[inside], excess, decisions.DISTANCE)]
    partners = np.flatnonzero(pool & ~no_education & f_miss)
    partners = partners[decisions.top(score[partners], excess, decisions.DISTANCE, descending=False)]
    f_miss[movers] = True
    f_miss[partners] = False
    return f_miss


def _asked(cb, expr: str, out: dict) -> np.ndarray:
    """Evaluate a codebook ``asked_if`` on the variables drawn so far."""

    if expr == "always":
        return np.ones(len(out["age"]), dtype=bool)
    names = expression_names(expr)
    frame = pd.DataFrame({n: out[n] for n in names})
    return evaluate_condition(frame, expr).fillna(False).to_numpy(bool)


def _draw_age(p: dict, age_group: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Numeric age inside each age group, with weighted mean and SD solved.

    Within group g the age follows ``P(a) ~ exp(theta_g (a - lo) / (hi - lo))``
    on the integers lo..hi. Respondents are ranked by a uniform draw and get
    the matching quantile, so the realised distribution is the intended one.
    The tilts of the two large groups are solved (Nelder-Mead on the
    weighted moments) for Table A3's weighted mean and SD; the oldest group's
    tilt is a fixed parameter.
    """

    groups = {int(k): (int(v[0]), int(v[1])) for k, v in p["groups"].items()}
    u = rng.random(age_group.size)
    ranks = {}
    for g in groups:
        m = age_group == g
        r = np.empty(int(m.sum()))
        r[decisions.order(u[m], decisions.DISTANCE)] = (np.arange(m.sum()) + 0.5) / m.sum()
        ranks[g] = (m, r)

    def ages(thetas: dict) -> np.ndarray:
        a = np.zeros(age_group.size)
        for g, (lo, hi) in groups.items():
            m, r = ranks[g]
            vals = np.arange(lo, hi + 1)
            th = thetas[g]
            pr = np.exp(th * (vals - lo) / (hi - lo))
            cdf = np.cumsum(pr / pr.sum())
            # quantile lookup on quantized values, so last-bit noise in cdf cannot move a boundary
            pos = np.searchsorted(decisions.quantize(cdf, 1e-12), decisions.quantize(r, 1e-12))
            a[m] = vals[np.minimum(pos, vals.size - 1)]
        return a

    total = decisions.exact_sum(w)

    def moments(a):
        # correctly rounded sums: the same on every machine (scsrepro.survey.decisions)
        mu = decisions.exact_sum(w * a) / total
        return mu, np.sqrt(decisions.exact_sum(w * (a - mu) ** 2) / total)

    fixed = float(p["theta_oldest"])
    tm, ts = float(p["target_mean"]), float(p["target_sd"])

    def obj(x):
        mu, sd = moments(ages({1: x[0], 2: x[1], 3: fixed}))
        # Nelder-Mead decides by comparing values: compare them at a fixed
        # resolution, far above rounding noise, so its path is the same everywhere
        return float(decisions.quantize((mu - tm) ** 2 + (sd - ts) ** 2, 1e-12)) * 1e-12

    start = np.array([float(p["theta_start"][0]), float(p["theta_start"][1])])
    res = minimize(obj, start, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-9, "maxiter": 400})
    return ages({1: res.x[0], 2: res.x[1], 3: fixed})


def _income_detail(ig: np.ndarray, z: np.ndarray, detail: dict) -> np.ndarray:
    """Eleven income categories inside the three income groups, by rank of z."""
    out = np.full(ig.size, np.nan)
    out[ig == 99] = 99
    for g, shares in detail.items():
        m = ig == int(g)
        idx = np.flatnonzero(m)
        cnt = counts_from_percents(_ws(shares), idx.size)
        order = idx[decisions.order(z[idx], decisions.DISTANCE)]
        start = 0
        for code in sorted(cnt):
            out[order[start : start + cnt[code]]] = code
            start += cnt[code]
    return out


def _score_block(
    ctx: _Ctx, z: np.ndarray, asked: np.ndarray, miss: np.ndarray, cnt: dict, wsh: dict, refuse: np.ndarray
) -> np.ndarray:
    """An item with codes 98/99: split the missing set, then peel the answers."""
    out = np.full(ctx.n, np.nan)
    dk = _pick(ctx, -refuse, [(miss, cnt[98])], wsh.get(98), asked)
    out[dk] = 98
    out[miss & ~dk] = 99
    subst = [c for c in cnt if c not in (98, 99)]
    vals = _peel(ctx, z, asked & ~miss, {c: cnt[c] for c in subst}, {c: wsh[c] for c in subst}, asked)
    ok = asked & ~miss
    out[ok] = vals[ok]
    return out


def _by_location(
    flag: bool, left: np.ndarray, k: int, base: np.ndarray, rural: np.ndarray, pct_rural: float, pct_urban: float
):
    """Split a count between rural and urban respondents by two percentages."""
    if not flag:
        return [(left, k)]
    nr, nu = int((base & rural).sum()), int((base & ~rural).sum())
    raw_r = float(pct_rural) / 100 * nr
    raw_u = float(pct_urban) / 100 * nu
    kr = int(round(k * raw_r / (raw_r + raw_u)))
    return [(left & rural, kr), (left & ~rural, k - kr)]


def _any_by_location(
    ctx: _Ctx, z: np.ndarray, cand: np.ndarray, ST: np.ndarray, k: int, rural: np.ndarray, p: dict
) -> np.ndarray:
    """Who received any (dis)advantage: *k* of *cand*, split and tilted by location.

    The count is divided between rural and urban users so that each
    location's weighted share among the Sesame/Tencent users *ST* matches
    ``p["any_rural"]`` and ``p["any_urban"]`` (Section 4.4).
    """
    strata = _by_location(True, cand, k, ST, rural, p["any_rural"], p["any_urban"])
    got = np.zeros(ctx.n, dtype=bool)
    for (m, kk), base, pct in ((strata[0], ST & rural, p["any_rural"]), (strata[1], ST & ~rural, p["any_urban"])):
        got |= _pick(ctx, z, [(m, kk)], pct, base)
    return got


def _assign_primary(ctx: _Ctx, z: np.ndarray, recv: np.ndarray, prim: dict, sel: dict) -> None:
    """Give every receiver one "primary" option: ``prim[o]`` of them each, by score *z*."""
    left = recv.copy()
    for o, k in prim.items():
        s = _pick(ctx, z, [(left, k)])
        sel[o] |= s
        left &= ~s


def _advantages(ctx: _Ctx, out: dict, ST: np.ndarray, rural: np.ndarray, p: dict, latent) -> None:
    """The advantage options: 'any' exact by location, each option by location (Table 5)."""
    n_st = int(ST.sum())
    k_any = counts_from_percents({1: p["unweighted_any"], 0: 100 - p["unweighted_any"]}, n_st)[1]
    got = _any_by_location(ctx, latent("advantages_any"), ST, ST, k_any, rural, p)
    opts = list(p["options"])
    sel = {o: np.zeros(ctx.n, dtype=bool) for o in opts}
    for loc, mask in (("rural", rural), ("urban", ~rural)):
        base = ST & mask
        recv = got & mask
        nb, nr = int(base.sum()), int(recv.sum())
        want = {o: min(nr, int(round(float(p["options"][o][loc]) / 100 * nb))) for o in opts}
        total = sum(want.values())
        # every receiver holds one "primary" option; the rest of each option's
        # count goes to receivers by the option's latent score
        prim = counts_from_percents({o: want[o] for o in opts}, nr) if total else {}
        prim = {o: min(prim[o], want[o]) for o in opts}
        short = nr - sum(prim.values())
        for o in sorted(opts, key=lambda o: want[o] - prim[o], reverse=True):
            if short <= 0:
                break
            prim[o] += 1
            want[o] = max(want[o], prim[o])
            short -= 1
        _assign_primary(ctx, latent("adv_primary"), recv, prim, sel)
        for o in opts:
            extra = want[o] - int(sel[o][mask].sum())
            if extra > 0:
                target = float(p["options"][o][loc])
                cur = 100 * ctx.wsum(sel[o] & mask) / ctx.wsum(base)
                add = _pick(ctx, latent(o), [(recv & ~sel[o], extra)], target - cur, base)
                sel[o] |= add
    for o in opts:
        out[o] = np.where(ST, sel[o], np.nan)
    out["adv_none"] = np.where(ST, ST & ~got, np.nan)


def _disadvantages(
    ctx: _Ctx, out: dict, ST: np.ndarray, D: np.ndarray, rural: np.ndarray, p: dict, L: dict, latent, refuse: np.ndarray
) -> None:
    """Disadvantage options: rather-not-answer placed for Model 6, 'any' by location."""
    n_st = int(ST.sum())
    cnt = counts_from_percents(_ws(p["unweighted"]), n_st)
    k_in = int(L["disadvantages_rna_in_model1"])
    rna = _pick(
        ctx,
        refuse + latent("refuse_disadvantages"),
        [(ST & ~D, k_in), (ST & D, cnt[99] - k_in)],
        _ws(p["weighted"])[99],
        ST,
    )
    cand = ST & ~rna
    got = _any_by_location(ctx, latent("disadvantages_any"), cand, ST, cnt[1], rural, p)
    opts = list(p["options"])
    sel = {o: np.zeros(ctx.n, dtype=bool) for o in opts}
    for loc, mask in (("rural", rural), ("urban", ~rural)):
        base = ST & mask
        recv = got & mask
        nb, nr = int(base.sum()), int(recv.sum())
        want = {o: min(nr, int(round(float(p["options"][o][loc]) / 100 * nb))) for o in opts}
        prim = counts_from_percents(want, nr)
        prim = {o: min(prim[o], want[o]) for o in opts}
        short = nr - sum(prim.values())
        for o in sorted(opts, key=lambda o: want[o], reverse=True):
            if short <= 0:
                break
            prim[o] += 1
            short -= 1
        _assign_primary(ctx, latent("disadv_primary"), recv, prim, sel)
        for o in opts:
            extra = want[o] - int(sel[o][mask].sum())
            if extra > 0:
                sel[o] |= _pick(ctx, latent(o), [(recv & ~sel[o], extra)])
    for o in opts:
        out[o] = np.where(ST, sel[o], np.nan)
    out["disadv_none"] = np.where(ST, ST & ~got & ~rna, np.nan)
    out["disadv_rna"] = np.where(ST, rna, np.nan)


# --------------------------------------------------------------------------- approval and output
def placeholder_approval(frame: pd.DataFrame, params: dict, seed: int) -> pd.Series:
    """PLACEHOLDER approval, used only when ``scsrepro.twin.approval`` is absent.

    Draws approval independently of every covariate, with exact counts from
    Table A2's unweighted approval distribution (copied into
    ``params["placeholder_approval"]``) in random order. It carries no
    relation to the covariates and must not be used for Table 4.
    """
    n = len(frame)
    cnt = counts_from_percents(_ws(params["placeholder_approval"]), n)
    vals = np.concatenate([np.full(c, k) for k, c in sorted(cnt.items())])
    vals = vals[_rng(seed, "placeholder_approval").permutation(n)]
    return pd.Series(pd.array(vals, dtype="Int64"), index=frame.index, name="approval")


def generate(params: dict, seed: int) -> pd.DataFrame:
    """The whole twin: covariates plus approval, in the codebook's raw order.

    Approval comes from ``scsrepro.twin.approval.add_approval`` when
    *params* has an ``approval`` section; otherwise from
    :func:`placeholder_approval` (unrelated to the covariates).
    """
    frame = generate_covariates(params, seed)
    if params.get("approval") is not None:
        frame = twin_approval.add_approval(frame, params["approval"], seed)
        source = "scsrepro.twin.approval.add_approval"
    else:
        frame = frame.copy()
        frame["approval"] = placeholder_approval(frame, params, seed)
        source = "PLACEHOLDER (twin.placeholder_approval: unrelated to the covariates)"
    cb = load_codebook()
    cols = [v.name for v in cb.raw_variables if v.name != "weight" and v.name in frame.columns]
    out = frame[cols].copy()
    out.attrs["approval_source"] = source
    return out


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text: integers without decimals, empty cells for missing values."""
    buf = io.StringIO()
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            s = pd.to_numeric(out[c])
            if (s.dropna() % 1 == 0).all():
                out[c] = s.astype("Int64")
    out.to_csv(buf, index=False, lineterminator="\n", na_rep="")
    return buf.getvalue().encode("utf-8")


def write_twin(
    frame: pd.DataFrame,
    directory: str | os.PathLike[str] = TWIN_DIR,
    params: dict | None = None,
    seed: int | None = None,
) -> Path:
    """Write ``twin.csv``, ``twin.csv.sha256`` and ``README.md`` atomically.

    The three files are written all or nothing
    (:func:`scsrepro.data.files.write_all_atomic`), so the checksum and the
    README always describe the CSV beside them.
    Returns the path of ``twin.csv``.
    """
    cb = load_codebook()
    d = Path(directory)
    cols = [v.name for v in cb.raw_variables if v.name in frame.columns]
    data = _csv_bytes(frame[cols])
    digest = hashlib.sha256(data).hexdigest()
    csv = d / "twin.csv"
    lines = [
        "# Synthetic twin of the Kostka (2019) survey",
        "",
        "`twin.csv` is **synthetic**: 2,209 made-up respondents drawn by",
        "`scsrepro.twin.covariates` so that the compendium's analysis reproduces the paper's",
        "published aggregates. It contains no real survey answers.",
        "",
        f"* generator: scsrepro {__version__} (`scsrepro.twin.covariates`)",
        f"* parameters: `data/synthetic/twin_params.yml`, sha256 {params_hash(params) if params else 'unknown'}",
        f"* seed: {seed if seed is not None else 'unknown'}",
        f"* approval: {frame.attrs.get('approval_source', 'not recorded')}",
        f"* rows: {len(frame)}, columns: {len(cols)} (codebook order; empty cell = not asked)",
        f"* sha256 of twin.csv: {digest}",
        "",
        "Targets used: Table A2 (unweighted and weighted shares), Table A3 (weighted",
        "means and SDs of age and the covariates), Table 2 group sizes, Table 4",
        "sample sizes (listwise rule of `data/models.yml`), Table 5, Table A4",
        "(VIFs), the design effect implied by the 2.22 % margin of error, and the",
        "shares quoted in the text; for approval (`data/synthetic/approval_params.yml`,",
        "searched by `make calibrate`): every Table 4 coefficient and cut point,",
        "Table 4's significance stars, Table A2's approval shares and Table 2.",
        "Readings of contradictory numbers are listed in `data/published/errata.csv`.",
        "",
        "Held out (never used to calibrate, reported as a coherence check): Table 3",
        "and the approval shares by group that the text gives for Figure 4.",
        "",
        "Agreement with a calibrated target holds by construction and is no",
        "evidence about the real survey.",
        "",
        "Regenerate with `make data` (`python -m scsrepro.twin.covariates`); the same",
        "parameters and seed give the same bytes on any supported machine",
        '(see "What is guaranteed" in the top-level README).',
        "",
    ]
    write_all_atomic(
        {
            csv: data,
            d / "twin.csv.sha256": f"{digest}  twin.csv\n".encode(),
            d / "README.md": "\n".join(lines).encode("utf-8"),
        }
    )
    return csv


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the twin with the committed parameters and write it."""

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default=str(TWIN_DIR))
    a = ap.parse_args(argv)
    params = load_params()
    seed = int(params["seed"] if a.seed is None else a.seed)
    frame = generate(params, seed)
    path = write_twin(frame, a.out, params, seed)
    print(paths.relative(path))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
