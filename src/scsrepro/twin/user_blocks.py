"""The questionnaire blocks put to SCS users, one step per block.

Steps 4 and 5 of the recipe in :mod:`scsrepro.twin.covariates` for the
questions the codebook's ``asked_if`` reserves for users of a system: the
reported scores and how they compare, transparency, information and the
method of joining, fairness, and the advantages and disadvantages received
(Table 5, Section 4.4) from a Sesame/Tencent or a government-pilot score.
Each step adds its variables to ``draw.out`` (NaN for respondents not
asked). The targets are the per-question entries of ``params["variables"]``
(Table A2 at the question's base, unweighted and weighted) and the counts
of ``params["listwise"]`` that give Table 4's sample sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.data.expressions import evaluate_condition, expression_names
from scsrepro.survey import decisions
from scsrepro.twin.blocks import Users
from scsrepro.twin.latent import Draw
from scsrepro.twin.selection import WeightedSample, code_percents, counts_from_percents, peel, peel_with_missing, pick

__all__ = [
    "draw_own_scores",
    "draw_score_comparisons",
    "draw_transparency",
    "draw_information_and_joining",
    "draw_fairness",
    "draw_advantages",
    "draw_disadvantages",
    "draw_gov_pilot_outcomes",
    "asked",
    "split_by_location",
    "any_by_location",
    "assign_primary",
    "few_uneducated_in_model5",
]


def draw_own_scores(draw: Draw, users: Users, refusers: np.ndarray) -> np.ndarray:
    """``sesame_score`` (Sesame users) and ``tencent_score`` (Tencent users).

    Don't know and rather not answer together get Table A2's counts and
    weighted share at the base; for the Sesame score
    ``listwise["sesame_score_missing_in_model1"]`` of them sit outside the
    refusal group (Model 4's sample size). The answers are peeled by each
    score's latent score (:func:`scsrepro.twin.selection.peel_with_missing`).
    Returns the Sesame users without a substantive score.
    """
    s, V, refuse = draw.sample, draw.variables, draw.refuse
    S, T = users.sesame, users.tencent
    v = V["sesame_score"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(S.sum()))
    wsh = code_percents(v["weighted"])
    s_in = int(draw.listwise["sesame_score_missing_in_model1"])
    ses_miss = pick(
        s,
        refuse + draw.latent("refuse_sesame_score"),
        [(S & ~refusers, s_in), (S & refusers, cnt[98] + cnt[99] - s_in)],
        wsh[98] + wsh[99],
        S,
    )
    draw.out["sesame_score"] = peel_with_missing(s, draw.latent("sesame_score"), S, ses_miss, cnt, wsh, refuse)

    v = V["tencent_score"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(T.sum()))
    wsh = code_percents(v["weighted"])
    t_miss = pick(s, refuse + draw.latent("refuse_tencent_score"), [(T, cnt[98] + cnt[99])], wsh[98] + wsh[99], T)
    draw.out["tencent_score"] = peel_with_missing(s, draw.latent("tencent_score"), T, t_miss, cnt, wsh, refuse)
    return ses_miss


def draw_score_comparisons(draw: Draw, users: Users, refusers: np.ndarray, sesame_missing: np.ndarray) -> None:
    """``score_vs_friends`` (Sesame/Tencent users) and ``gov_score_vs_others`` (pilot participants).

    The don't know/rather not answer set of ``score_vs_friends`` is placed
    by ``listwise["score_vs_friends_missing"]`` (overlap with the Sesame
    score's missing answers *sesame_missing*, the refusal group and
    Tencent-only users), which gives Model 4's sample size; both items then
    follow Table A2 at their base.
    """
    s, V, refuse = draw.sample, draw.variables, draw.refuse
    S, ST, Tonly, G = users.sesame, users.sesame_or_tencent, users.tencent_only, users.gov
    v = V["score_vs_friends"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(ST.sum()))
    wsh = code_percents(v["weighted"])
    sv = draw.listwise["score_vs_friends_missing"]
    Sm = S & ~refusers
    svf_miss = pick(
        s,
        refuse + draw.latent("refuse_score_vs_friends"),
        [
            (Sm & sesame_missing, sv["sesame_model1_also_sesame_missing"]),
            (Sm & ~sesame_missing, sv["sesame_model1_other"]),
            (S & refusers, sv["sesame_refusers"]),
            (Tonly & ~refusers, sv["tencent_only_model1"]),
            (
                Tonly & refusers,
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
    draw.out["score_vs_friends"] = peel_with_missing(s, draw.latent("score_vs_friends"), ST, svf_miss, cnt, wsh, refuse)

    v = V["gov_score_vs_others"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(G.sum()))
    wsh = code_percents(v["weighted"])
    g_miss = pick(s, refuse + draw.latent("refuse_gov_score"), [(G, cnt[98] + cnt[99])], wsh[98] + wsh[99], G)
    draw.out["gov_score_vs_others"] = peel_with_missing(
        s, draw.latent("gov_score_vs_others"), G, g_miss, cnt, wsh, refuse
    )


def draw_transparency(draw: Draw, users: Users) -> None:
    """``transparency`` of Sesame/Tencent users, with Section 4.4's rural/urban split.

    Code 1 ("No, I don't know how it is calculated") goes to the lowest
    ``transparency`` scores, its count split by location for the weighted
    shares ``dont_know_rural`` and ``dont_know_urban`` (Section 4.4's 43 %
    and 36 %); codes 3 and 2 follow Table A2 at the base.
    """
    s, ST = draw.sample, users.sesame_or_tencent
    v = draw.variables["transparency"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(ST.sum()))
    rural = draw.out["urban"] == 0
    z = draw.latent("transparency")
    low = np.zeros(draw.n, dtype=bool)
    for (m, k), base, pct in zip(
        split_by_location(True, ST, cnt[1], ST, rural, v["dont_know_rural"], v["dont_know_urban"]),
        (ST & rural, ST & ~rural),
        (v["dont_know_rural"], v["dont_know_urban"]),
    ):
        low |= pick(s, -z, [(m, k)], pct, base)
    wsh = code_percents(v["weighted"])
    draw.out["transparency"] = peel(s, z, ST & ~low, {3: cnt[3], 2: cnt[2]}, {3: wsh[3], 2: wsh[2]}, ST)
    draw.out["transparency"][low] = 1


def draw_information_and_joining(draw: Draw) -> None:
    """Information received (``info_received``/``info_none``) and method of joining.

    The base follows the codebook's ``asked_if`` of the groups ``info`` and
    ``join_reason`` (the printed shares fit the 1,670 users of any SCS best,
    erratum E-INFO-JOIN-BASE); "yes" (information received, automatically
    integrated into a payment app) is picked by its score for both columns.
    """
    cb = draw.codebook
    for grp, key, yes, no in (
        ("info", "info", "info_received", "info_none"),
        ("join_reason", "join", "join_auto_payment", "join_active"),
    ):
        v = draw.variables[key]
        base = asked(cb, cb.groups[grp].asked_if, draw.out)
        k = counts_from_percents(code_percents(v["unweighted"]), int(base.sum()))
        sel = pick(draw.sample, draw.latent(yes), [(base, k[1])], code_percents(v["weighted"])[1], base)
        draw.out[yes] = np.where(base, sel, np.nan)
        draw.out[no] = np.where(base, base & ~sel, np.nan)


def draw_fairness(draw: Draw, users: Users, refusers: np.ndarray) -> None:
    """``fairness`` of the own score (Sesame/Tencent users).

    "Don't know" (98) follows Table A2, ``listwise["fairness_dont_know_in_model1"]``
    of it outside the refusal group (Model 5's sample size), and only
    ``listwise["no_education_in_model5"]`` respondents without education are
    left inside Model 5 (:func:`few_uneducated_in_model5`); codes 1-4 are
    peeled by the ``fairness`` score.
    """
    s, L, ST = draw.sample, draw.listwise, users.sesame_or_tencent
    v = draw.variables["fairness"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), int(ST.sum()))
    f_in = int(L["fairness_dont_know_in_model1"])
    f_score = draw.refuse + draw.latent("refuse_fairness")
    f_miss = pick(
        s, f_score, [(ST & ~refusers, f_in), (ST & refusers, cnt[98] - f_in)], code_percents(v["weighted"])[98], ST
    )
    f_miss = few_uneducated_in_model5(
        f_miss, f_score, ST & ~refusers, draw.out["education"] == 1, int(L["no_education_in_model5"])
    )
    wsh = code_percents(v["weighted"])
    draw.out["fairness"] = peel(
        s,
        draw.latent("fairness"),
        ST & ~f_miss,
        {c: cnt[c] for c in (1, 2, 3, 4)},
        {c: wsh[c] for c in (1, 2, 3, 4)},
        ST,
    )
    draw.out["fairness"][f_miss] = 98


def draw_advantages(draw: Draw, users: Users) -> None:
    """The advantage options of Sesame/Tencent users (Table 5) and ``adv_none``.

    Who received any advantage has the unweighted count of
    ``variables["advantages"]["unweighted_any"]``, split by location for the
    weighted shares ``any_rural``/``any_urban`` (Section 4.4); every receiver
    holds one "primary" option and each option then gets the rest of its
    Table 5 share in its location by the option's score.
    """
    s, ST, p = draw.sample, users.sesame_or_tencent, draw.variables["advantages"]
    rural = draw.out["urban"] == 0
    n_st = int(ST.sum())
    k_any = counts_from_percents({1: p["unweighted_any"], 0: 100 - p["unweighted_any"]}, n_st)[1]
    got = any_by_location(s, draw.latent("advantages_any"), ST, ST, k_any, rural, p)
    opts = list(p["options"])
    sel = {o: np.zeros(draw.n, dtype=bool) for o in opts}
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
        assign_primary(s, draw.latent("adv_primary"), recv, prim, sel)
        for o in opts:
            extra = want[o] - int(sel[o][mask].sum())
            if extra > 0:
                target = float(p["options"][o][loc])
                cur = 100 * s.wsum(sel[o] & mask) / s.wsum(base)
                add = pick(s, draw.latent(o), [(recv & ~sel[o], extra)], target - cur, base)
                sel[o] |= add
    for o in opts:
        draw.out[o] = np.where(ST, sel[o], np.nan)
    draw.out["adv_none"] = np.where(ST, ST & ~got, np.nan)


def draw_disadvantages(draw: Draw, users: Users, refusers: np.ndarray) -> None:
    """The disadvantage options of Sesame/Tencent users (Table 5), ``disadv_none`` and ``disadv_rna``.

    "Rather not answer" follows Table A2 with
    ``listwise["disadvantages_rna_in_model1"]`` of it outside the refusal
    group (Model 6's sample size); any disadvantage is split by location
    (``any_rural``/``any_urban``, Section 4.4) and the options are shared
    out as for :func:`draw_advantages`, without tilting by weight.
    """
    s, ST, p = draw.sample, users.sesame_or_tencent, draw.variables["disadvantages"]
    rural = draw.out["urban"] == 0
    n_st = int(ST.sum())
    cnt = counts_from_percents(code_percents(p["unweighted"]), n_st)
    k_in = int(draw.listwise["disadvantages_rna_in_model1"])
    rna = pick(
        s,
        draw.refuse + draw.latent("refuse_disadvantages"),
        [(ST & ~refusers, k_in), (ST & refusers, cnt[99] - k_in)],
        code_percents(p["weighted"])[99],
        ST,
    )
    cand = ST & ~rna
    got = any_by_location(s, draw.latent("disadvantages_any"), cand, ST, cnt[1], rural, p)
    opts = list(p["options"])
    sel = {o: np.zeros(draw.n, dtype=bool) for o in opts}
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
        assign_primary(s, draw.latent("disadv_primary"), recv, prim, sel)
        for o in opts:
            extra = want[o] - int(sel[o][mask].sum())
            if extra > 0:
                sel[o] |= pick(s, draw.latent(o), [(recv & ~sel[o], extra)])
    for o in opts:
        draw.out[o] = np.where(ST, sel[o], np.nan)
    draw.out["disadv_none"] = np.where(ST, ST & ~got & ~rna, np.nan)
    draw.out["disadv_rna"] = np.where(ST, rna, np.nan)


def draw_gov_pilot_outcomes(draw: Draw, users: Users) -> None:
    """Advantages and disadvantages from a government-pilot score (pilot participants).

    ``gov_adv_received``/``gov_adv_none`` and ``gov_disadv_received``/
    ``gov_disadv_none``: the ``share`` of ``variables["gov_advantages"]`` and
    ``["gov_disadvantages"]`` (Table A3's means) of the participants, as a
    count and as a weighted share, by each item's score.
    """
    G = users.gov
    for grp, key in (("gov_adv", "gov_advantages"), ("gov_disadv", "gov_disadvantages")):
        v = draw.variables[key]
        k = int(round(float(v["share"]) / 100 * G.sum()))
        sel = pick(draw.sample, draw.latent(key), [(G, k)], v["share"], G)
        yes, no = (
            ("gov_adv_received", "gov_adv_none") if grp == "gov_adv" else ("gov_disadv_received", "gov_disadv_none")
        )
        draw.out[yes] = np.where(G, sel, np.nan)
        draw.out[no] = np.where(G, G & ~sel, np.nan)


# --------------------------------------------------------------------------- helpers
def asked(cb, expr: str, out: dict) -> np.ndarray:
    """Evaluate a codebook ``asked_if`` on the variables drawn so far."""

    if expr == "always":
        return np.ones(len(out["age"]), dtype=bool)
    names = expression_names(expr)
    frame = pd.DataFrame({n: out[n] for n in names})
    return evaluate_condition(frame, expr).fillna(False).to_numpy(bool)


def split_by_location(
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


def any_by_location(
    ctx: WeightedSample, z: np.ndarray, cand: np.ndarray, ST: np.ndarray, k: int, rural: np.ndarray, p: dict
) -> np.ndarray:
    """Who received any (dis)advantage: *k* of *cand*, split and tilted by location.

    The count is divided between rural and urban users so that each
    location's weighted share among the Sesame/Tencent users *ST* matches
    ``p["any_rural"]`` and ``p["any_urban"]`` (Section 4.4).
    """
    strata = split_by_location(True, cand, k, ST, rural, p["any_rural"], p["any_urban"])
    got = np.zeros(ctx.n, dtype=bool)
    for (m, kk), base, pct in ((strata[0], ST & rural, p["any_rural"]), (strata[1], ST & ~rural, p["any_urban"])):
        got |= pick(ctx, z, [(m, kk)], pct, base)
    return got


def assign_primary(ctx: WeightedSample, z: np.ndarray, recv: np.ndarray, prim: dict, sel: dict) -> None:
    """Give every receiver one "primary" option: ``prim[o]`` of them each, by score *z*."""
    left = recv.copy()
    for o, k in prim.items():
        s = pick(ctx, z, [(left, k)])
        sel[o] |= s
        left &= ~s


def few_uneducated_in_model5(
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
