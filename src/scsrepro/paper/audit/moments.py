"""Check 2: Table A3's means and SDs against the Table A2 distributions.

A distribution in Table A2 fixes the mean and the standard deviation that
Table A3 prints for the same variable, once the answer categories are coded
as the Table A3 notes say (:data:`A3_CODINGS`). (That a 0/1 row's SD is fixed
by its mean is the ``debit`` check of :mod:`scsrepro.paper.audit.granularity`.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, empty_findings, finding, findings_frame, fmt
from scsrepro.paper.audit.counts import BASE_N
from scsrepro.paper.published import parse_printed

__all__ = [
    "A3_CODINGS",
    "A3_ALTERNATIVE_CODINGS",
    "A3_TOLERANCE_FLOOR",
    "compare_a3_with_a2",
    "check_a3_from_a2",
]

#: How each Table A3 row is computed from a Table A2 block.
#:
#: Keys are the Table A3 id stems (``a3_<key>_mean``/``_sd``); values are the
#: Table A2 id stem (``a2_u_<stem>_<item>``/``a2_w_...``) and the code of
#: every item of that block, or ``None`` for items that Table A3 note c
#: treats as missing ("I don't know", "I'd rather not answer") and for the
#: smartphone block's "I don't have a smartphone" (no code in the note).
#: Codes follow the Table A3 notes; region, which the notes do not code, is
#: coded as in the row labels of Table 4 (2 = Central, 3 = East, so 1 = West);
#: "Methods of joining" codes "automatically integrated" as 1 as Section 3.2
#: describes the dummy; "Joined SCS actively" codes "joined actively" as 1.
#: Age is not in the list: Table A2 only gives age bands, Table A3 the mean age.
A3_CODINGS: dict[str, tuple[str, dict[str, int | None]]] = {
    "approval": (
        "approval",
        {
            "strongly_disapprove": 1,
            "somewhat_disapprove": 2,
            "neutral": 3,
            "somewhat_approve": 4,
            "strongly_approve": 5,
        },
    ),
    "income": ("income", {"lt_1000": 1, "1000_4000": 2, "gt_4000": 3, "no_answer": None}),
    "gender": ("gender", {"female": 0, "male": 1}),
    "education": ("education", {"none": 1, "low": 2, "medium": 3, "high": 4}),
    "location": ("location", {"rural": 0, "urban": 1}),
    "region": ("region", {"west": 1, "central": 2, "east": 3}),
    "smartphone_time": (
        "smartphone_time",
        {"lt_1h": 1, "1_2_hours": 2, "2_3_hours": 3, "3_4_hours": 4, "4_5_hours": 5, "gt_5h": 6, "no_smartphone": None},
    ),
    "post_frequency": (
        "post_frequency",
        {
            "never": 1,
            "less_often": 2,
            "a_few_times_a_month": 3,
            "at_least_once_a_week": 4,
            "at_least_once_a_day": 5,
            "many_times_a_day": 6,
        },
    ),
    "ccp_member": ("ccp_member", {"no": 0, "yes": 1, "no_answer": None}),
    "gov_confidence": ("gov_confidence", {"none": 1, "not_very_much": 2, "quite_a_lot": 3, "full": 4}),
    "sesame_score": (
        "sesame_score",
        {
            "350_450": 1,
            "451_550": 2,
            "551_650": 3,
            "651_750": 4,
            "751_850": 5,
            "851_950": 6,
            "dont_know": None,
            "no_answer": None,
        },
    ),
    "tencent_score": (
        "tencent_score",
        {
            "0_100": 1,
            "101_200": 2,
            "201_300": 3,
            "301_400": 4,
            "401_500": 5,
            "501_600": 6,
            "601_700": 7,
            "701_800": 8,
            "801_850": 9,
            "dont_know": None,
            "no_answer": None,
        },
    ),
    "score_vs_friends": (
        "score_vs_friends",
        {
            "much_lower": 1,
            "slightly_lower": 2,
            "about_the_same": 3,
            "slightly_higher": 4,
            "much_higher": 5,
            "dont_know": None,
            "no_answer": None,
        },
    ),
    "gov_pilot_score": (
        "gov_pilot_score",
        {"lower": 1, "about_the_same": 2, "higher": 3, "dont_know": None, "no_answer": None},
    ),
    "transparency": ("transparency", {"know_nothing": 1, "know_a_little": 2, "know_a_lot": 3}),
    "received_info": ("received_info", {"received": 1, "not_received": 0}),
    "joining": ("joining", {"automatically": 1, "actively": 0}),
    "joined_actively": ("joining", {"actively": 1, "automatically": 0}),
    "fairness": (
        "fairness",
        {"very_unfair": 1, "somewhat_unfair": 2, "somewhat_fair": 3, "very_fair": 4, "dont_know": None},
    ),
    "advantages": ("advantages", {"yes": 1, "no": 0}),
    "disadvantages": ("disadvantages", {"yes": 1, "no": 0, "no_answer": None}),
    "accountability": (
        "accountability",
        {"strongly_disagree": 1, "somewhat_disagree": 2, "neutral": 3, "somewhat_agree": 4, "strongly_agree": 5},
    ),
    "abide_regulations": (
        "abide_regulations",
        {"not_at_all_helpful": 1, "not_very_helpful": 2, "somewhat_helpful": 3, "very_helpful": 4, "don_t_know": None},
    ),
    "quality_of_life": (
        "quality_of_life",
        {"strongly_disagree": 1, "somewhat_disagree": 2, "neutral": 3, "somewhat_agree": 4, "strongly_agree": 5},
    ),
}

#: Codings described elsewhere in the paper that contradict the Table A3 notes.
#: Key: Table A3 id stem; value: where the coding is printed and one or more
#: readings of it (item -> code). Section 3.2 codes smartphone time as
#: 1 = no smartphone, 2 = less than 1 hour, 3 = 1-2 hours, 4 = 3-4 hours,
#: 5 = 4-5 hours, 6 = more than 5 hours and gives "2-3 hours" no code, so it is
#: read both ways (2-3 hours missing, or sharing code 4 with 3-4 hours).
A3_ALTERNATIVE_CODINGS: dict[str, tuple[str, list[dict[str, int | None]]]] = {
    "smartphone_time": (
        "Section 3.2 para 2",
        [
            {
                "no_smartphone": 1,
                "lt_1h": 2,
                "1_2_hours": 3,
                "2_3_hours": None,
                "3_4_hours": 4,
                "4_5_hours": 5,
                "gt_5h": 6,
            },
            {
                "no_smartphone": 1,
                "lt_1h": 2,
                "1_2_hours": 3,
                "2_3_hours": 4,
                "3_4_hours": 4,
                "4_5_hours": 5,
                "gt_5h": 6,
            },
        ],
    ),
}

#: Smallest tolerance for agreement of a Table A3 mean or SD with a Table A2
#: recomputation. The rounding of A3 (0.0005) plus the propagated rounding of
#: the A2 shares is usually smaller; the floor allows for the small differences
#: in estimation sample that separate two tables of the same survey.
A3_TOLERANCE_FLOOR = 0.0015


def _moments(shares: Sequence[float] | np.ndarray, codes: Sequence[float] | np.ndarray) -> tuple[float, float]:
    p = np.asarray(shares, dtype=float)
    c = np.asarray(codes, dtype=float)
    p = p / p.sum()
    m = float((p * c).sum())
    return m, float(math.sqrt(max((p * (c - m) ** 2).sum(), 0.0)))


def _moment_bounds(shares: Sequence[float], codes: Sequence[float], half: float) -> tuple[float, float]:
    """First-order bound on how far mean and SD move when each share moves by *half*."""
    p = np.asarray(shares, dtype=float)
    c = np.asarray(codes, dtype=float)
    total = p.sum()
    m, sd = _moments(p, c)
    dm = half * np.abs(c - m).sum() / total
    dsd = half * np.abs((c - m) ** 2 - sd**2).sum() / (2 * sd * total) if sd > 0 else 0.0
    return float(dm), float(dsd)


def _a2_block(look: Lookup, column: str, stem: str, codes: dict[str, int | None]):
    """Shares and codes of one Table A2 block, or None if any item is absent."""
    prefix = f"a2_{column[0]}_{stem}_"
    ids = [prefix + item for item in codes]
    if not look.has(*ids):
        return None
    present = look.frame.index[look.frame.index.str.startswith(prefix)]
    extra = sorted(set(present) - set(ids))
    if extra:
        raise ValueError(f"Table A2 block {prefix}* has items {extra} that A3_CODINGS does not code")
    kept = [(i, look.v(i), c) for i, c in zip(ids, codes.values()) if c is not None]
    half = max(look.h(i) for i in ids)
    return ids, [k[1] for k in kept], [k[2] for k in kept], half


def _base_n(look: Lookup, published: pd.DataFrame, prefix: str) -> float | None:
    """Least printed N of the base of the Table A2 block whose ids start with *prefix*."""
    rows = published[published["id"].str.startswith(prefix)]
    if rows.empty:
        return None
    lo_ids, _ = BASE_N.get(str(rows["base"].iloc[0]), ((), ()))
    if not lo_ids or not look.has(*lo_ids):
        return None
    return max(look.v(i) for i in lo_ids)


def compare_a3_with_a2(published: pd.DataFrame, codings: dict | None = None) -> pd.DataFrame:
    """Recompute Table A3 means and SDs from the Table A2 distributions.

    For every row of :data:`A3_CODINGS` present in *published*, the mean and
    the population standard deviation (divisor n) are computed from the
    unweighted and from the weighted Table A2 shares, after dropping the
    categories Table A3 treats as missing and renormalising the rest.

    Stata's ``summarize [aw=]`` reports the sample SD, larger by
    sqrt(n/(n - 1)). With n near 2,000 that factor is about 1.0002, but for
    the 160 government pilot participants it is 1.003, enough to move the
    third decimal. A printed SD therefore agrees with a column when it lies
    between the population SD minus the tolerance and the sample SD plus the
    tolerance, with n the least printed N of the block's base
    (:data:`BASE_N`; no allowance when the base has no printed N).

    The tolerance is the larger of :data:`A3_TOLERANCE_FLOOR` and half a unit
    in the last printed digit of Table A3 plus a first-order bound on how far
    the recomputation moves when every Table A2 share moves by half a unit
    in its last digit.

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    codings : dict, optional
        Replacement for :data:`A3_CODINGS`.

    Returns
    -------
    DataFrame
        One row per A3 variable and statistic (``mean``/``sd``): printed
        value, unweighted and weighted recomputations, their tolerances, the
        columns that agree (``matches``: ``both``, ``unweighted``,
        ``weighted`` or ``neither``) and the closer column.
    """
    look = Lookup(published)
    rows = []
    for key, (stem, codes) in (codings or A3_CODINGS).items():
        a3_ids = {s: f"a3_{key}_{s}" for s in ("mean", "sd")}
        if not look.has(*a3_ids.values()):
            continue
        blocks = {col: _a2_block(look, col, stem, codes) for col in ("unweighted", "weighted")}
        if any(b is None for b in blocks.values()):
            continue
        n = _base_n(look, published, f"a2_u_{stem}_")
        factor = math.sqrt(n / (n - 1)) if n and n > 1 else 1.0
        rec = {}
        for col, (ids, shares, cs, half) in blocks.items():
            m, sd = _moments(shares, cs)
            dm, dsd = _moment_bounds(shares, cs, half)
            rec[col] = {"mean": (m, dm, 1.0), "sd": (sd, dsd, factor), "ids": ids}
        for stat, a3_id in a3_ids.items():
            value = look.v(a3_id)
            half_a3 = look.h(a3_id)
            row: dict[str, Any] = {
                "variable": key,
                "statistic": stat,
                "id": a3_id,
                "printed": value,
                "value_printed": look.printed(a3_id),
                "note": str(look.frame.at[a3_id, "note"]),
            }
            agree = []
            for col in ("unweighted", "weighted"):
                x, bound, f = rec[col][stat]
                tol = max(A3_TOLERANCE_FLOOR, half_a3 + bound)
                row[col] = x
                row[f"{col}_sample"] = x * f
                row[f"{col}_tol"] = tol
                row[f"{col}_ids"] = ";".join(rec[col]["ids"])
                if x - tol - EPS <= value <= x * f + tol + EPS:
                    agree.append(col)
            row["matches"] = "both" if len(agree) == 2 else (agree[0] if agree else "neither")
            row["n"] = n
            row["closest"] = min(("unweighted", "weighted"), key=lambda c: abs(value - row[c]))
            rows.append(row)
    return pd.DataFrame(rows)


def _naive_reading(value_printed: str) -> float | None:
    try:
        return parse_printed(value_printed)
    except ValueError:
        return None


def _code_range(codes: dict[str, int | None]) -> tuple[float, float]:
    valid = [c for c in codes.values() if c is not None]
    return float(min(valid)), float(max(valid))


def check_a3_from_a2(
    published: pd.DataFrame, codings: dict | None = None, alternatives: dict | None = None
) -> pd.DataFrame:
    """Findings of the Table A3 versus Table A2 comparison.

    Reported are: a printed string whose literal reading lies outside the
    range of the codes (a misprint, such as a decimal comma), checked against
    the recomputation of the intended reading; a row whose mean or SD agrees
    only with the unweighted column although Table A3 is weighted
    (``mixed_base``); a row that agrees with neither column
    (``unsupported_claim``); and a coding printed elsewhere in the paper that
    cannot produce the printed value while the Table A3 coding can
    (``misprint``).

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    codings, alternatives : dict, optional
        Replacements for :data:`A3_CODINGS` and :data:`A3_ALTERNATIVE_CODINGS`.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    codings = codings or A3_CODINGS
    alternatives = A3_ALTERNATIVE_CODINGS if alternatives is None else alternatives
    table = compare_a3_with_a2(published, codings)
    if table.empty:
        return empty_findings()
    look = Lookup(published)
    rows = []
    for key, grp in table.groupby("variable", sort=False):
        grp = grp.set_index("statistic")
        lo_code, hi_code = _code_range(codings[key][1])
        # 1. literal reading impossible -> misprint of the string
        rows += _literal_reading_findings(grp, lo_code, hi_code)
        # 2. mixed base / neither
        status = {stat: grp.loc[stat, "matches"] for stat in ("mean", "sd")}
        if "neither" not in status.values() and "unweighted" in status.values() and "weighted" not in status.values():
            rows.append(_mixed_base_finding(grp, [st for st, v in status.items() if v == "unweighted"]))
        if "neither" in status.values():
            rows.append(_neither_finding(grp, [st for st, v in status.items() if v == "neither"], lo_code, hi_code))
        # 3. alternative codings printed elsewhere
        if key in alternatives and status["mean"] != "neither":
            where, readings = alternatives[key]
            alternative = _alternative_coding_finding(look, grp.loc["mean"], codings[key][0], where, readings)
            if alternative is not None:
                rows.append(alternative)
    return findings_frame(rows)


def _arith(stat_row: pd.Series, col: str) -> str:
    """A Table A3 statistic (a row of :func:`compare_a3_with_a2`) against one Table A2 column."""
    return (
        f"{stat_row.name} from A2 {col} = {fmt(stat_row[col], 4)}, printed "
        f"{stat_row['value_printed']}, |diff| = {fmt(abs(stat_row['printed'] - stat_row[col]), 4)}"
        f" (tolerance {fmt(stat_row[f'{col}_tol'], 4)})"
    )


def _row_summary(grp: pd.DataFrame) -> tuple[list[str], str, str]:
    """Ids, printed pair and recomputed pairs of one Table A3 row (statistics as index)."""
    m, s = grp.loc["mean"], grp.loc["sd"]
    recomputed = (
        f"unweighted {fmt(m['unweighted'], 3)}/{fmt(s['unweighted'], 3)}; "
        f"weighted {fmt(m['weighted'], 3)}/{fmt(s['weighted'], 3)}"
    )
    return [m["id"], s["id"]], f"mean {m['value_printed']}, SD {s['value_printed']}", recomputed


def _literal_reading_findings(grp: pd.DataFrame, lo_code: float, hi_code: float) -> list[dict]:
    """Printed means or SDs whose literal reading lies outside the range the codes allow."""
    rows = []
    for stat_row in (grp.loc["mean"], grp.loc["sd"]):
        naive = _naive_reading(stat_row["value_printed"])
        bound = hi_code if stat_row.name == "mean" else (hi_code - lo_code) / 2
        low = lo_code if stat_row.name == "mean" else 0.0
        if naive is not None and not (low - EPS <= naive <= bound + EPS):
            agree = stat_row["matches"]
            rows.append(
                finding(
                    "a3_from_a2",
                    "Table A3",
                    [stat_row["id"]] + stat_row["weighted_ids"].split(";"),
                    f"{stat_row.name} '{stat_row['value_printed']}'",
                    f"{fmt(stat_row['weighted'], 4)} (weighted), {fmt(stat_row['unweighted'], 4)} (unweighted)",
                    f"'{stat_row['value_printed']}' read literally = {fmt(naive)}, outside the code range "
                    f"{fmt(low)}-{fmt(bound)}; read as {fmt(stat_row['printed'], 4)}: "
                    + _arith(stat_row, "weighted")
                    + f" -> agrees with {agree}",
                    "misprint",
                    f"The printed {stat_row.name} cannot be read literally because the variable is coded "
                    f"{fmt(lo_code)}-{fmt(hi_code)}; the reading {fmt(stat_row['printed'], 4)} is the one the Table A2 "
                    f"distribution gives, so a decimal separator was misprinted.",
                )
            )
    return rows


def _mixed_base_finding(grp: pd.DataFrame, which: list[str]) -> dict:
    """A row whose statistics *which* agree only with the unweighted Table A2 column."""
    items, printed, recomputed = _row_summary(grp)
    return finding(
        "a3_from_a2",
        "Table A3",
        items + grp.loc["mean", "unweighted_ids"].split(";"),
        printed,
        recomputed,
        "; ".join(_arith(grp.loc[st], c) for st in which for c in ("unweighted", "weighted")),
        "mixed_base",
        f"Table A3 is said to be weighted, but its {' and '.join(which)} for this row agree only with "
        f"the unweighted Table A2 shares.",
    )


def _neither_finding(grp: pd.DataFrame, which: list[str], lo_code: float, hi_code: float) -> dict:
    """A row whose statistics *which* agree with neither Table A2 column."""
    items, printed, recomputed = _row_summary(grp)
    m, s = grp.loc["mean"], grp.loc["sd"]
    bern, coherent = "", False
    if lo_code == 0 and hi_code == 1:
        implied = math.sqrt(m["printed"] * (1 - m["printed"]))
        coherent = abs(implied - s["printed"]) <= A3_TOLERANCE_FLOOR
        bern = (
            f"; a 0/1 variable with mean {m['value_printed']} has SD "
            f"sqrt({fmt(m['printed'], 3)}*{fmt(1 - m['printed'], 3)}) = {fmt(implied, 3)}"
        )
    return finding(
        "a3_from_a2",
        "Table A3",
        items + m["weighted_ids"].split(";"),
        printed,
        recomputed,
        "; ".join(_arith(grp.loc[st], grp.loc[st, "closest"]) for st in which) + bern,
        "unsupported_claim",
        (
            f"The printed mean and SD fit together as a yes/no share of {fmt(100 * m['printed'], 1)} %, but "
            f"Table A2 gives {fmt(100 * m['weighted'], 1)} % (weighted), so the row describes another variable "
            f"or base than the Table A2 block it is named after."
            if coherent
            else f"The printed {' and '.join(which)} match neither the weighted nor the unweighted Table A2 "
            f"distribution beyond rounding, so the row rests on a sample or coding the paper does not show."
        ),
    )


def _alternative_coding_finding(
    look: Lookup, m: pd.Series, stem: str, where: str, readings: list[dict[str, int | None]]
) -> dict | None:
    """A coding printed in *where* that cannot give the mean *m* (a row of :func:`compare_a3_with_a2`)."""
    results = []
    for codes in readings:
        block = _a2_block(look, "weighted", stem, codes)
        if block is None:
            continue
        ids, shares, cs, _ = block
        results.append(_moments(shares, cs)[0])
    if not (results and all(abs(x - m["printed"]) > m["weighted_tol"] for x in results)):
        return None
    return finding(
        "a3_from_a2",
        where,
        [m["id"]] + m["weighted_ids"].split(";"),
        f"coding in {where}",
        f"mean {' or '.join(fmt(x, 3) for x in results)} with that coding; "
        f"{fmt(m['weighted'], 3)} with the Table A3 coding",
        f"weighted A2 shares coded as in {where}: mean "
        + " / ".join(fmt(x, 4) for x in results)
        + f" vs printed {m['value_printed']}; coded as in the Table A3 notes: {fmt(m['weighted'], 4)}",
        "misprint",
        f"The coding described in {where} cannot produce the Table A3 mean, while the coding in the "
        f"Table A3 notes reproduces it, so the description in {where} is wrong.",
    )
