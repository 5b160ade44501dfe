"""The questionnaire blocks put to every respondent, one step per block.

Steps 4 and 5 of the recipe in :mod:`scsrepro.twin.covariates` for the
questions everyone was asked: location, income and education (which define
the refusal group), internet and smartphone use, political variables, the
use of social credit systems, the pilot locality, the perceived functions
of SCSs and the questions reported only in the prose. Each step adds its
variables to ``draw.out``; the targets are the per-question entries of
``params["variables"]`` (Table A2, unweighted and weighted), the counts of
``params["listwise"]`` (Table 4's sample sizes) and the blocks named in the
step's docstring. The questions put only to SCS users are in
:mod:`scsrepro.twin.user_blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scsrepro.survey import decisions
from scsrepro.twin.latent import Draw, shift_factors_by_education
from scsrepro.twin.selection import code_percents, counts_from_percents, peel, pick

__all__ = [
    "Users",
    "draw_location",
    "draw_income_and_education",
    "income_detail",
    "draw_online_habits",
    "draw_political_items",
    "draw_scs_use",
    "draw_pilot_locality",
    "draw_perceived_functions",
    "draw_prose_only_items",
]


@dataclass(frozen=True)
class Users:
    """Who uses which social credit system (boolean masks over respondents)."""

    sesame: np.ndarray
    tencent: np.ndarray
    tencent_only: np.ndarray
    gov: np.ndarray
    sesame_or_tencent: np.ndarray


def draw_location(draw: Draw) -> None:
    """``urban``: Table A2's location shares, urban (1) taken first, by the ``urban`` score."""
    v = draw.variables["urban"]
    everyone = draw.sample.all
    draw.out["urban"] = peel(
        draw.sample,
        draw.latent("urban"),
        everyone,
        counts_from_percents(code_percents(v["unweighted"]), draw.n),
        code_percents(v["weighted"]),
        everyone,
        order=[1, 0],
    )


def draw_income_and_education(draw: Draw) -> np.ndarray:
    """``income`` and ``education``, with the refusal group they define.

    Income refusals (code 99) follow Table A2's ``income_group`` block;
    education refusals are the ``listwise`` counts ``education_refusals``
    and ``education_refusal_among_income_refusers`` [E-EDU-N]; both go to
    the highest scores of the refusal factor plus the item's own refusal
    score (which gives Model 1's sample size). The income groups are peeled by the ``income`` score
    and split into the eleven income categories by ``params["income_detail"]``,
    education by Table A2's shares among those who answered. Then
    ``params["factor_shifts_by_education"]`` moves factors by education level
    (:func:`scsrepro.twin.latent.shift_factors_by_education`). Returns the
    refusal group D (refused income and/or education): the respondents that
    Model 1 drops, in which the steps below place non-substantive answers.
    """
    s, out, refuse = draw.sample, draw.out, draw.refuse
    L = draw.listwise
    everyone = s.all
    v = draw.variables["income_group"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), draw.n)
    inc99 = pick(
        s, refuse + draw.latent("refuse_income"), [(everyone, cnt[99])], code_percents(v["weighted"])[99], everyone
    )
    edu99 = pick(
        s,
        refuse + draw.latent("refuse_education"),
        [
            (inc99, int(L["education_refusal_among_income_refusers"])),
            (~inc99, int(L["education_refusals"]) - int(L["education_refusal_among_income_refusers"])),
        ],
    )
    refusers = inc99 | edu99
    z_inc = draw.latent("income")
    ig = peel(
        s,
        z_inc,
        ~inc99,
        {k: c for k, c in cnt.items() if k != 99},
        {k: sh for k, sh in code_percents(v["weighted"]).items() if k != 99},
        everyone,
    )
    ig[inc99] = 99
    out["income"] = income_detail(ig, z_inc, draw.params["income_detail"])
    v = draw.variables["education"]
    n_edu = draw.n - int(edu99.sum())
    out["education"] = peel(
        s,
        draw.latent("education"),
        ~edu99,
        counts_from_percents(code_percents(v["unweighted"]), n_edu),
        code_percents(v["weighted"]),
        ~edu99,
    )
    out["education"][edu99] = 99
    shift_factors_by_education(
        draw.factors,
        out["education"],
        draw.params.get("factor_shifts_by_education"),
        draw.cache,
        draw.params["loadings"],
    )
    return refusers


def income_detail(ig: np.ndarray, z: np.ndarray, detail: dict) -> np.ndarray:
    """Eleven income categories inside the three income groups, by rank of z."""
    out = np.full(ig.size, np.nan)
    out[ig == 99] = 99
    for g, shares in detail.items():
        m = ig == int(g)
        idx = np.flatnonzero(m)
        cnt = counts_from_percents(code_percents(shares), idx.size)
        order = idx[decisions.order(z[idx], decisions.DISTANCE)]
        start = 0
        for code in sorted(cnt):
            out[order[start : start + cnt[code]]] = code
            start += cnt[code]
    return out


def draw_online_habits(draw: Draw, refusers: np.ndarray) -> None:
    """Internet and smartphone use: ``smartphone_time`` and ``post_frequency``.

    "No smartphone" (code 97) has Table A2's unweighted count, split between
    the refusal group and the rest by ``listwise["no_smartphone_in_refusers"]``
    (Model 2's sample size); the other answers are peeled by the
    ``smartphone_time`` score to both columns of Table A2, and so is
    ``post_frequency`` (asked of everyone, no missing codes).
    """
    s, L = draw.sample, draw.listwise
    v = draw.variables["smartphone_time"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), draw.n)
    miss = pick(
        s,
        draw.refuse + draw.latent("refuse_smartphone"),
        [(refusers, L["no_smartphone_in_refusers"]), (~refusers, cnt[97] - L["no_smartphone_in_refusers"])],
    )
    wsh = code_percents(v["weighted"])
    draw.out["smartphone_time"] = peel(
        s,
        draw.latent("smartphone_time"),
        ~miss,
        {k: c for k, c in cnt.items() if k != 97},
        {k: sh for k, sh in wsh.items() if k != 97},
        s.all,
    )
    draw.out["smartphone_time"][miss] = 97
    draw.out["post_frequency"] = draw.everyone_answers("post_frequency")


def draw_political_items(draw: Draw, refusers: np.ndarray) -> None:
    """Political variables: ``ccp_member`` and ``gov_confidence``.

    CCP membership's "rather not answer" (99) has Table A2's count and
    weighted share, ``listwise["ccp_refusals_in_refusers"]`` of them in the
    refusal group (Model 3's sample size); members are picked by the
    ``ccp_member`` score for both columns. Confidence in government is asked
    of everyone without missing codes.
    """
    s, L = draw.sample, draw.listwise
    everyone = s.all
    v = draw.variables["ccp_member"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), draw.n)
    miss = pick(
        s,
        draw.refuse + draw.latent("refuse_ccp"),
        [(refusers, L["ccp_refusals_in_refusers"]), (~refusers, cnt[99] - L["ccp_refusals_in_refusers"])],
        code_percents(v["weighted"])[99],
        everyone,
    )
    draw.out["ccp_member"] = peel(
        s, draw.latent("ccp_member"), ~miss, {1: cnt[1], 0: cnt[0]}, {1: code_percents(v["weighted"])[1]}, everyone
    )
    draw.out["ccp_member"][miss] = 99
    draw.out["gov_confidence"] = draw.everyone_answers("gov_confidence")


def draw_scs_use(draw: Draw, refusers: np.ndarray) -> Users:
    """SCS use: Sesame, Tencent, government pilots, other systems, don't know, none.

    The counts and weighted shares are ``params["scs_use"]`` (Table A2 read
    on 2,033 respondents [E-USE-BASE], Section 4's 58 % Sesame users
    [E-SESAME-W], footnote 10's overlap of Tencent and Sesame, Table 2's
    1,639 commercial users [E-COMMERCIAL]). Sesame users, then users of both,
    then Tencent-only users (with their counts inside the refusal group),
    then users of a government pilot or another system only, "don't know"
    and "none"; finally Sesame/Tencent users who also use another system or
    a government pilot. Returns the users of each system.
    """
    s, u = draw.sample, draw.params["scs_use"]
    everyone = s.all
    S = pick(
        s,
        draw.latent("use_sesame"),
        [(refusers, u["sesame_in_refusers"]), (~refusers, u["sesame"] - u["sesame_in_refusers"])],
        u["w_sesame"],
    )
    B = pick(s, draw.latent("use_tencent"), [(S, u["both"])], u["w_both"])
    z_t = draw.latent("use_tencent")
    n_tencent_only = u["tencent"] - u["both"] - u["tencent_only_in_refusers"]
    Tonly = pick(
        s,
        z_t,
        [(~S & refusers, u["tencent_only_in_refusers"]), (~S & ~refusers, n_tencent_only)],
        u["w_tencent"] - 100 * s.wsum(B) / s.wsum(everyone),
    )
    T = B | Tonly
    ST = S | T
    rest = ~ST
    z_use = draw.latent("use_any")
    Gonly = pick(s, z_use + draw.latent("use_gov"), [(rest, u["gov_only"])])
    rest &= ~Gonly
    # the users outside Sesame/Tencent take the weight that "none" and
    # "don't know" leave over
    w_left = 100 - u["w_dont_know"] - u["w_none"] - 100 * s.wsum(ST | Gonly) / s.wsum(everyone)
    Oonly = pick(s, z_use + draw.latent("use_other"), [(rest, u["other_only_commercial"])], w_left)
    rest &= ~Oonly
    dk = pick(s, draw.refuse + draw.latent("refuse_use"), [(rest, u["dont_know"])], u["w_dont_know"])
    none = rest & ~dk
    other = Oonly | pick(
        s,
        draw.latent("use_other"),
        [(ST, u["other"] - u["other_only_commercial"])],
        u["w_other"] - 100 * s.wsum(Oonly) / s.wsum(everyone),
    )
    G = Gonly | pick(
        s,
        draw.latent("use_gov"),
        [(ST | Oonly, u["gov"] - u["gov_only"])],
        u["w_gov"] - 100 * s.wsum(Gonly) / s.wsum(everyone),
    )
    for name, m in (
        ("use_tencent", T),
        ("use_sesame", S),
        ("use_gov_pilot", G),
        ("use_other", other),
        ("use_dont_know", dk),
        ("use_none", none),
    ):
        draw.out[name] = m.astype(float)
    return Users(sesame=S, tencent=T, tencent_only=Tonly, gov=G, sesame_or_tencent=ST)


def draw_pilot_locality(draw: Draw, users: Users) -> None:
    """``lives_in_pilot_locality``: residents of a pilot locality, some aware of it.

    ``params["pilot_locality"]`` (Section 4: 43 % live in a pilot locality,
    11 % of them aware [E-PILOT-LOCALITY]): the aware residents are
    government-pilot participants, the others are not; picked by the
    ``pilot_locality`` score for the weighted share.
    """
    p = draw.params["pilot_locality"]
    res = pick(
        draw.sample,
        draw.latent("pilot_locality"),
        [(users.gov, p["aware_residents"]), (~users.gov, p["residents"] - p["aware_residents"])],
        p["w_residents"],
    )
    draw.out["lives_in_pilot_locality"] = res.astype(float)


def draw_perceived_functions(draw: Draw, refusers: np.ndarray) -> None:
    """Perceived functions of SCSs: accountability, abiding by regulations, quality of life.

    All three follow both columns of Table A2. For ``abide_regulations``
    "don't know" (98) is placed inside and outside the refusal group by
    ``listwise["abide_dont_know_in_refusers"]`` (Model 7's sample size).
    """
    s, L = draw.sample, draw.listwise
    everyone = s.all
    draw.out["accountability"] = draw.everyone_answers("accountability")
    v = draw.variables["abide_regulations"]
    cnt = counts_from_percents(code_percents(v["unweighted"]), draw.n)
    miss = pick(
        s,
        draw.refuse + draw.latent("refuse_abide"),
        [(refusers, L["abide_dont_know_in_refusers"]), (~refusers, cnt[98] - L["abide_dont_know_in_refusers"])],
        code_percents(v["weighted"])[98],
        everyone,
    )
    wsh = code_percents(v["weighted"])
    draw.out["abide_regulations"] = peel(
        s,
        draw.latent("abide_regulations"),
        ~miss,
        {c: cnt[c] for c in (1, 2, 3, 4)},
        {c: wsh[c] for c in (1, 2, 3, 4)},
        everyone,
    )
    draw.out["abide_regulations"][miss] = 98
    draw.out["quality_of_life"] = draw.everyone_answers("quality_of_life")


def draw_prose_only_items(draw: Draw) -> None:
    """Questions reported only in the prose; the weighted shares serve both columns.

    ``employment`` (Section 3.1), ``mutual_mistrust`` (Section 4.4),
    ``nationwide_scs`` (Section 4.1) and ``manage_nationwide`` (Figure 5's
    text), peeled in their ``order``; the six ``dr_*`` options of
    ``data_responsible`` (Figure 6's text), each picked by its own score.
    """
    s, V = draw.sample, draw.variables
    everyone = s.all
    for name in ("employment", "mutual_mistrust", "nationwide_scs", "manage_nationwide"):
        v = V[name]
        sh = code_percents(v["shares"])
        order = [int(c) for c in v.get("order", sorted(sh, reverse=True))]
        draw.out[name] = peel(
            s, draw.latent(name), everyone, counts_from_percents(sh, draw.n), sh, everyone, order=order
        )
    for opt, share in V["data_responsible"].items():
        k = counts_from_percents({1: share, 0: 100 - share}, draw.n)[1]
        draw.out[opt] = pick(s, draw.latent(opt), [(everyone, k)], share, everyone).astype(float)
