"""A statcheck-style errata audit of the paper's printed numbers.

Every number Kostka (2019) prints is transcribed in ``data/published``. Many
of those numbers constrain one another: a coefficient and its standard error
fix the significance stars, a distribution in Table A2 fixes the mean and the
standard deviation in Table A3, percentages of a single-choice question add
up to 100, a percentage printed to two decimals can only arise from certain
sample sizes, and a sentence in the text often repeats or combines table
entries. This module recomputes those constraints from the transcription
alone and lists every place where the printed numbers disagree with one
another by more than their own rounding allows.

Each check is a small function that takes the published numbers (the frame
returned by :func:`scsrepro.paper.published.load_published`) and returns a tidy
frame of findings with the columns in :data:`FINDING_COLUMNS`. A check whose
inputs are absent from the frame returns no rows, so the checks can be tested
on small constructed frames. :func:`run_audit` runs them all in order and
:func:`write_errata` stores the result as CSV.

Rounding is handled the same way throughout: a printed number stands for the
interval of half a unit in its last printed digit on either side, a quantity
computed from printed numbers is evaluated at all corners of that box (every
formula used here is monotone in each input, so the corners give its exact
range), and a disagreement is only reported when no value inside the
intervals can reconcile the numbers.

The few facts that are not numbers printed in the paper (the codes of the
answer categories, which table row a sentence refers to, which printed N
belongs to which respondent base) are kept in the configuration tables
:data:`A3_CODINGS`, :data:`A3_ALTERNATIVE_CODINGS`, :data:`BASE_N`,
:data:`T3_TO_A2` and :data:`PROSE_RULES`. They say *where to look*; every
finding is computed from ``data/published``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.stats import norm

from scsrepro.data import paths
from scsrepro.data.files import write_csv_atomic
from scsrepro.paper import quota
from scsrepro.paper.published import load_published, parse_printed

__all__ = [
    "FINDING_COLUMNS",
    "SEVERITIES",
    "A3_CODINGS",
    "A3_ALTERNATIVE_CODINGS",
    "BASE_N",
    "T3_TO_A2",
    "PROSE_RULES",
    "QUALITATIVE_CLAIMS",
    "stars_for_p",
    "half_unit",
    "attainable_ns",
    "table4_star_intervals",
    "check_table4_stars",
    "compare_a3_with_a2",
    "check_a3_from_a2",
    "check_a3_dummy_sd",
    "check_table_a1",
    "implied_ns",
    "check_implied_ns",
    "check_block_sums",
    "prose_comparisons",
    "check_prose_claims",
    "check_cross_table",
    "check_table_a4_vif",
    "CHECKS",
    "run_audit",
    "summary",
    "write_errata",
]

#: Columns of every findings frame, in this order.
FINDING_COLUMNS: tuple[str, ...] = (
    "check",
    "source",
    "items",
    "printed",
    "recomputed",
    "arithmetic",
    "severity",
    "explanation",
)

#: Allowed severities.
#:
#: ``misprint``
#:     a printed number cannot be right as printed (a typo, a decimal comma,
#:     a dropped or altered digit, a coding description that does not produce
#:     the table).
#: ``mixed_base``
#:     the number is right for a different population, column or weighting
#:     than the one the paper states.
#: ``unsupported_claim``
#:     no printed number supports the statement, and no simple slip explains
#:     the gap.
#: ``rounding``
#:     the numbers disagree only by a rounding step (printed figures that were
#:     rounded independently, or a prose figure rounded the wrong way).
#: ``swapped_labels``
#:     the numbers fit much better with two labels exchanged.
SEVERITIES: tuple[str, ...] = (
    "misprint",
    "mixed_base",
    "unsupported_claim",
    "rounding",
    "swapped_labels",
)

_EPS = 1e-9


# --------------------------------------------------------------------------- small helpers


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in FINDING_COLUMNS})


def _frame(rows: Sequence[dict]) -> pd.DataFrame:
    if not rows:
        return _empty()
    out = pd.DataFrame(list(rows))
    missing = [c for c in FINDING_COLUMNS if c not in out.columns]
    if missing:
        raise ValueError(f"finding rows lack columns {missing}")
    bad = sorted(set(out["severity"]) - set(SEVERITIES))
    if bad:
        raise ValueError(f"unknown severities {bad}; allowed {SEVERITIES}")
    return out[list(FINDING_COLUMNS)].astype(str).reset_index(drop=True)


def _finding(
    check: str,
    source: str,
    items: Sequence[str],
    printed: str,
    recomputed: str,
    arithmetic: str,
    severity: str,
    explanation: str,
) -> dict:
    return {
        "check": check,
        "source": source,
        "items": ";".join(dict.fromkeys(items)),
        "printed": printed,
        "recomputed": recomputed,
        "arithmetic": arithmetic,
        "severity": severity,
        "explanation": explanation,
    }


def _g(x: float, digits: int = 4) -> str:
    """Format a number compactly (no trailing zeros, no exponent)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "nan"
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


_READ_AS = re.compile(r"read as (-?\d+(?:\.\d+)?)")


def half_unit(value_printed: str, note: str = "") -> float:
    """Half a unit in the last printed digit of a number.

    Parameters
    ----------
    value_printed : str
        The number as printed (``"0.0147***"``, ``"(0.00549)"``, ``"31 %"``,
        ``"2,209"``).
    note : str, optional
        The row's note; when it contains ``read as <number>`` the decimals of
        that reading are used instead (``"1,814"`` read as 1.814 is given to
        three decimals).

    Returns
    -------
    float
        ``0.5 * 10**-d`` where ``d`` is the number of printed decimals.
    """
    match = _READ_AS.search(note or "")
    if match:
        text = match.group(1)
    else:
        text = str(value_printed).strip().rstrip("*").strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        text = text.replace("%", "").replace(" ", "").replace(",", "")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def stars_for_p(p: float) -> str:
    """Stars of the paper's Table 4 notes: ``***`` p<0.01, ``**`` p<0.05, ``*`` p<0.1."""
    if p < 0.01:
        return "***"
    if p < 0.05:
        return "**"
    if p < 0.1:
        return "*"
    return ""


_STAR_LEVELS = ("", "*", "**", "***")


def _box(f: Callable[..., float], values: Sequence[float], halves: Sequence[float]) -> tuple[float, float, float]:
    """Value of *f* at the printed numbers and its range over their rounding box.

    All formulas used in this module are monotone in each argument, so the
    extremes over the box are attained at its corners.
    """
    centre = float(f(*values))
    lo = hi = centre
    for signs in itertools.product((-1.0, 1.0), repeat=len(values)):
        y = float(f(*[v + s * h for v, s, h in zip(values, signs, halves)]))
        lo, hi = min(lo, y), max(hi, y)
    return centre, lo, hi


class _Lookup:
    """Value, half unit and presence of published rows by id."""

    def __init__(self, published: pd.DataFrame):
        self.frame = published.set_index("id", drop=False)

    def has(self, *ids: str) -> bool:
        return all(i in self.frame.index for i in ids)

    def v(self, i: str) -> float:
        return float(self.frame.at[i, "value"])

    def h(self, i: str) -> float:
        row = self.frame.loc[i]
        return half_unit(row["value_printed"], row.get("note", ""))

    def printed(self, i: str) -> str:
        return str(self.frame.at[i, "value_printed"])


def _a2(published: pd.DataFrame) -> pd.DataFrame:
    return published[published["id"].str.startswith("a2_")]


# --------------------------------------------------------------------------- check 1: Table 4 stars


def _se_id(est_id: str) -> str:
    return est_id[: -len("_coef")] + "_se" if est_id.endswith("_coef") else est_id + "_se"


def table4_star_intervals(published: pd.DataFrame) -> pd.DataFrame:
    """Significance stars of every Table 4 estimate, recomputed from coef and SE.

    For each coefficient and cut point the z statistic is ``|coef| / se`` and
    the p value is two-sided normal. Because both numbers are rounded, z can
    lie anywhere between ``(|coef| - h_c) / (se + h_s)`` and
    ``(|coef| + h_c) / (se - h_s)``, with ``h`` half a unit in the last
    printed digit; the stars that some z in that interval would give are
    listed in ``possible``.

    Parameters
    ----------
    published : DataFrame
        Published numbers; the rows with ids ``t4_*`` and statistic ``coef``
        or ``cut`` and their ``*_se`` partners are used.

    Returns
    -------
    DataFrame
        One row per estimate: ``id``, ``se_id``, ``coef``, ``se``, ``z``,
        ``z_lo``, ``z_hi``, ``p``, ``p_lo``, ``p_hi``, ``expected`` (stars at
        the printed values), ``possible`` (``|``-joined), ``printed`` stars
        and ``consistent`` (printed stars among the possible ones).
    """
    look = _Lookup(published)
    est = published[published["id"].str.startswith("t4_") & published["statistic"].isin(["coef", "cut"])]
    rows = []
    for _, r in est.iterrows():
        sid = _se_id(r["id"])
        if not look.has(sid):
            continue
        b, hb = abs(float(r["value"])), half_unit(r["value_printed"])
        s, hs = look.v(sid), look.h(sid)
        z = b / s if s > 0 else math.inf
        z_lo = max(b - hb, 0.0) / (s + hs)
        z_hi = (b + hb) / (s - hs) if s - hs > 0 else math.inf
        p, p_lo, p_hi = (2 * norm.sf(x) for x in (z, z_hi, z_lo))
        weakest, strongest = _STAR_LEVELS.index(stars_for_p(p_hi)), _STAR_LEVELS.index(stars_for_p(p_lo))
        possible = _STAR_LEVELS[weakest : strongest + 1]
        rows.append(
            {
                "id": r["id"],
                "se_id": sid,
                "coef": float(r["value"]),
                "se": s,
                "coef_printed": r["value_printed"],
                "se_printed": look.printed(sid),
                "z": z,
                "z_lo": z_lo,
                "z_hi": z_hi,
                "p": p,
                "p_lo": p_lo,
                "p_hi": p_hi,
                "expected": stars_for_p(p),
                "possible": "|".join(x or "none" for x in possible),
                "printed": r["stars"],
                "consistent": r["stars"] in possible,
            }
        )
    return pd.DataFrame(rows)


def check_table4_stars(published: pd.DataFrame) -> pd.DataFrame:
    """Flag Table 4 stars that are wrong for every value the rounding allows.

    Parameters
    ----------
    published : DataFrame
        Published numbers (see :func:`table4_star_intervals`).

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`), severity ``misprint``.
    """
    table = table4_star_intervals(published)
    rows = []
    for _, r in (table[~table["consistent"]] if len(table) else table).iterrows():
        expected = r["possible"].replace("|", " or ")
        rows.append(
            _finding(
                "table4_stars",
                "Table 4",
                [r["id"], r["se_id"]],
                f"{r['coef_printed']} {r['se_printed']}",
                f"{r['expected'] or 'no stars'} (p = {_g(r['p'])})",
                f"|{_g(r['coef'], 5)}|/{_g(r['se'], 5)} = {r['z']:.2f} (rounding range {r['z_lo']:.2f}-{r['z_hi']:.2f})"
                f" -> p = {r['p']:.3f} ({r['p_lo']:.3f}-{r['p_hi']:.3f}) -> {expected} expected,"
                f" printed {r['printed'] or 'none'}",
                "misprint",
                "The printed stars do not follow from the printed estimate and standard error for any value "
                "consistent with their rounding.",
            )
        )
    return _frame(rows)


# --------------------------------------------------------------------------- check 2: Table A3 from Table A2

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


def _a2_block(look: _Lookup, column: str, stem: str, codes: dict[str, int | None]):
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


def _base_n(look: _Lookup, published: pd.DataFrame, prefix: str) -> float | None:
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
    look = _Lookup(published)
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
                if x - tol - _EPS <= value <= x * f + tol + _EPS:
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
        return _empty()
    look = _Lookup(published)
    rows = []
    for key, grp in table.groupby("variable", sort=False):
        grp = grp.set_index("statistic")
        m, s = grp.loc["mean"], grp.loc["sd"]
        items = [m["id"], s["id"]]
        lo_code, hi_code = _code_range(codings[key][1])
        printed = f"mean {m['value_printed']}, SD {s['value_printed']}"
        recomputed = (
            f"unweighted {_g(m['unweighted'], 3)}/{_g(s['unweighted'], 3)}; "
            f"weighted {_g(m['weighted'], 3)}/{_g(s['weighted'], 3)}"
        )

        def arith(stat_row, col):
            return (
                f"{stat_row.name} from A2 {col} = {_g(stat_row[col], 4)}, printed "
                f"{stat_row['value_printed']}, |diff| = {_g(abs(stat_row['printed'] - stat_row[col]), 4)}"
                f" (tolerance {_g(stat_row[f'{col}_tol'], 4)})"
            )

        # 1. literal reading impossible -> misprint of the string
        for stat_row in (m, s):
            naive = _naive_reading(stat_row["value_printed"])
            bound = hi_code if stat_row.name == "mean" else (hi_code - lo_code) / 2
            low = lo_code if stat_row.name == "mean" else 0.0
            if naive is not None and not (low - _EPS <= naive <= bound + _EPS):
                agree = stat_row["matches"]
                rows.append(
                    _finding(
                        "a3_from_a2",
                        "Table A3",
                        [stat_row["id"]] + stat_row["weighted_ids"].split(";"),
                        f"{stat_row.name} '{stat_row['value_printed']}'",
                        f"{_g(stat_row['weighted'], 4)} (weighted), {_g(stat_row['unweighted'], 4)} (unweighted)",
                        f"'{stat_row['value_printed']}' read literally = {_g(naive)}, outside the code range "
                        f"{_g(low)}-{_g(bound)}; read as {_g(stat_row['printed'], 4)}: "
                        + arith(stat_row, "weighted")
                        + f" -> agrees with {agree}",
                        "misprint",
                        f"The printed {stat_row.name} cannot be read literally because the variable is coded "
                        f"{_g(lo_code)}-{_g(hi_code)}; the reading {_g(stat_row['printed'], 4)} is the one the Table A2 "
                        f"distribution gives, so a decimal separator was misprinted.",
                    )
                )

        # 2. mixed base / neither
        status = {stat: grp.loc[stat, "matches"] for stat in ("mean", "sd")}
        if "neither" not in status.values() and "unweighted" in status.values() and "weighted" not in status.values():
            which = [st for st, v in status.items() if v == "unweighted"]
            rows.append(
                _finding(
                    "a3_from_a2",
                    "Table A3",
                    items + m["unweighted_ids"].split(";"),
                    printed,
                    recomputed,
                    "; ".join(arith(grp.loc[st], c) for st in which for c in ("unweighted", "weighted")),
                    "mixed_base",
                    f"Table A3 is said to be weighted, but its {' and '.join(which)} for this row agree only with "
                    f"the unweighted Table A2 shares.",
                )
            )
        if "neither" in status.values():
            which = [st for st, v in status.items() if v == "neither"]
            bern, coherent = "", False
            if lo_code == 0 and hi_code == 1:
                implied = math.sqrt(m["printed"] * (1 - m["printed"]))
                coherent = abs(implied - s["printed"]) <= A3_TOLERANCE_FLOOR
                bern = (
                    f"; a 0/1 variable with mean {m['value_printed']} has SD "
                    f"sqrt({_g(m['printed'], 3)}*{_g(1 - m['printed'], 3)}) = {_g(implied, 3)}"
                )
            rows.append(
                _finding(
                    "a3_from_a2",
                    "Table A3",
                    items + m["weighted_ids"].split(";"),
                    printed,
                    recomputed,
                    "; ".join(arith(grp.loc[st], grp.loc[st, "closest"]) for st in which) + bern,
                    "unsupported_claim",
                    (
                        f"The printed mean and SD fit together as a yes/no share of {_g(100 * m['printed'], 1)} %, but "
                        f"Table A2 gives {_g(100 * m['weighted'], 1)} % (weighted), so the row describes another variable "
                        f"or base than the Table A2 block it is named after."
                        if coherent
                        else f"The printed {' and '.join(which)} match neither the weighted nor the unweighted Table A2 "
                        f"distribution beyond rounding, so the row rests on a sample or coding the paper does not show."
                    ),
                )
            )

        # 3. alternative codings printed elsewhere
        if key in alternatives and status["mean"] != "neither":
            where, readings = alternatives[key]
            stem = codings[key][0]
            results = []
            for codes in readings:
                block = _a2_block(look, "weighted", stem, codes)
                if block is None:
                    continue
                ids, shares, cs, _ = block
                results.append(_moments(shares, cs)[0])
            if results and all(abs(x - m["printed"]) > m["weighted_tol"] for x in results):
                rows.append(
                    _finding(
                        "a3_from_a2",
                        where,
                        [m["id"]] + m["weighted_ids"].split(";"),
                        f"coding in {where}",
                        f"mean {' or '.join(_g(x, 3) for x in results)} with that coding; "
                        f"{_g(m['weighted'], 3)} with the Table A3 coding",
                        f"weighted A2 shares coded as in {where}: mean "
                        + " / ".join(_g(x, 4) for x in results)
                        + f" vs printed {m['value_printed']}; coded as in the Table A3 notes: {_g(m['weighted'], 4)}",
                        "misprint",
                        f"The coding described in {where} cannot produce the Table A3 mean, while the coding in the "
                        f"Table A3 notes reproduces it, so the description in {where} is wrong.",
                    )
                )
    return _frame(rows)


#: Least respondent count allowed for the n/(n-1) factor of a sample SD in
#: :func:`check_a3_dummy_sd` (the smallest group asked a question in the paper
#: has N = 160, the government pilot participants of Table 2).
DUMMY_SD_MIN_N = 100


def check_a3_dummy_sd(published: pd.DataFrame, codings: dict | None = None) -> pd.DataFrame:
    """Check that the SD of each 0/1 row of Table A3 follows from its mean.

    A 0/1 variable with mean m has population SD sqrt(m(1 - m)); the sample
    version is larger by sqrt(n/(n - 1)), allowed here for any n of at least
    :data:`DUMMY_SD_MIN_N`. Rows are 0/1 when :data:`A3_CODINGS` codes them
    0/1 or their label marks them as a dummy in Table A3 note d (government
    pilot advantages and disadvantages have no Table A2 block).

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    codings : dict, optional
        Replacement for :data:`A3_CODINGS`.

    Returns
    -------
    DataFrame
        Findings; severity ``misprint``.
    """
    look = _Lookup(published)
    codings = codings or A3_CODINGS
    keys = [k for k, (_, codes) in codings.items() if _code_range(codes) == (0.0, 1.0)]
    keys += ["gov_pilot_advantages", "gov_pilot_disadvantages"]
    rows = []
    factor = math.sqrt(DUMMY_SD_MIN_N / (DUMMY_SD_MIN_N - 1))
    for key in dict.fromkeys(keys):
        mid, sid = f"a3_{key}_mean", f"a3_{key}_sd"
        if not look.has(mid, sid):
            continue
        mean, hm = look.v(mid), look.h(mid)
        sd, hs = look.v(sid), look.h(sid)

        def bern(x):
            return math.sqrt(min(max(x, 0.0), 1.0) * (1 - min(max(x, 0.0), 1.0)))

        ends = [bern(mean - hm), bern(mean + hm)]
        lo = min(ends)  # sqrt(m(1-m)) is concave: its minimum is at an end of the interval
        hi = 0.5 if mean - hm <= 0.5 <= mean + hm else max(ends)
        hi *= factor
        if sd + hs < lo - _EPS or sd - hs > hi + _EPS:
            rows.append(
                _finding(
                    "a3_dummy_sd",
                    "Table A3",
                    [mid, sid],
                    f"mean {look.printed(mid)}, SD {look.printed(sid)}",
                    f"SD {_g(lo, 4)}-{_g(hi, 4)}",
                    f"sqrt(m(1-m)) for m in [{_g(mean - hm, 4)}, {_g(mean + hm, 4)}] = {_g(lo, 4)}-{_g(hi / factor, 4)}"
                    f" (x{factor:.4f} for a sample SD with n >= {DUMMY_SD_MIN_N}); printed {look.printed(sid)}",
                    "misprint",
                    "For a yes/no variable the standard deviation is fixed by the mean, and the printed pair is "
                    "incompatible with that.",
                )
            )
    return _frame(rows)


# --------------------------------------------------------------------------- check 3: Table A1


def check_table_a1(published: pd.DataFrame) -> pd.DataFrame:
    """Audit the quota arithmetic of Table A1 with :mod:`scsrepro.paper.quota`.

    Reports cells the recomputation cannot reproduce (``misprint``), header
    shares that do not add to 100 % (``rounding`` if the printed cells are
    reproduced once the shares are normalised), step-5 cells that do not add
    to the target sample, regional cells that do not add to their step-5
    total (``rounding``), and regional quota shares whose order runs against
    the weighted regional shares of Table A2 while the order with East and
    West exchanged fits (``swapped_labels``).

    Parameters
    ----------
    published : DataFrame
        Published numbers; needs the ``a1_*`` rows.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """

    a1 = published[published["id"].str.startswith("a1_")]
    look = _Lookup(published)
    header_ids = [f"a1_header_{r.lower()}_share" for r in quota.REGIONS]
    if a1.empty or not look.has(*header_ids):
        return _empty()
    rows = []
    printed = quota.printed_table(a1)
    default = quota.reproduce_table_a1(published=a1)
    rounded_steps = quota.reproduce_table_a1(carry_unrounded=False, published=a1)
    raw_shares = quota.reproduce_table_a1(normalise_regions=False, published=a1)
    region_cols = [f"{r}_n" for r in quota.REGIONS]

    def gid(age, gender):
        return quota._group_id(age, gender)

    suffix = {
        "step2_n": "norm2000",
        "step4_n": "reduced",
        "step5_n": "renorm2000",
        "East_n": "east",
        "Central_n": "central",
        "West_n": "west",
    }

    off = default[~default["match"]]
    for _, r in off.iterrows():
        cid = f"{gid(r['age_group'], r['gender'])}_{suffix[r['column']]}"
        rows.append(
            _finding(
                "table_a1",
                "Table A1",
                [cid],
                str(int(r["printed"])),
                str(int(r["recomputed"])),
                f"{r['column']} recomputed from the printed census counts, internet shares and normalised regional "
                f"shares = {_g(r['unrounded'], 2)} -> {int(r['recomputed'])}, printed {int(r['printed'])}",
                "misprint",
                "This quota cell does not follow from the table's own inputs.",
            )
        )

    shares = {r: look.v(i) for r, i in zip(quota.REGIONS, header_ids)}
    total = sum(shares.values())
    n_cells = int(default["column"].isin(region_cols).sum())
    if abs(total - 100) > _EPS:
        raw_off = int((~raw_shares["match"] & raw_shares["column"].isin(region_cols)).sum())
        norm_off = int((~default["match"] & default["column"].isin(region_cols)).sum())
        rows.append(
            _finding(
                "table_a1",
                "Table A1 header",
                header_ids,
                " + ".join(f"{r[0]} {_g(v)}%" for r, v in shares.items()),
                f"sum {_g(total)}%",
                " + ".join(_g(v) for v in shares.values()) + f" = {_g(total)}; shares used as printed: {raw_off} of "
                f"{n_cells} regional cells not reproduced; shares divided by their sum: {norm_off} of {n_cells}",
                "rounding" if norm_off == 0 and abs(total - 100) <= sum(look.h(i) for i in header_ids) else "misprint",
                f"The three regional quota shares add to {_g(total)} % rather than 100 %; the printed cells are "
                "reproduced only if the shares are rescaled to 100 %, so the header shows rounded shares.",
            )
        )

    target_id = "a1_target_sample_renorm2000"
    if look.has(target_id):
        target = look.v(target_id)
        step5 = printed["step5_n"]
        if step5.sum() != target:
            ids = [f"{gid(a, g)}_renorm2000" for a, g in printed.index]
            rs_off = int((~rounded_steps["match"]).sum())
            rows.append(
                _finding(
                    "table_a1",
                    "Table A1 step 5",
                    ids + [target_id],
                    f"cells sum to {int(step5.sum()):,} (target {int(target):,})",
                    "unrounded cells sum to the target",
                    " + ".join(str(int(x)) for x in step5) + f" = {int(step5.sum())} != {int(target)}; every cell is "
                    f"reproduced when each step carries unrounded values, {rs_off} of {len(rounded_steps)} cells are not "
                    f"when each step starts from the rounded cells",
                    "rounding",
                    "The renormalised quotas are rounded one by one, so they add to one respondent less than the "
                    "planned sample.",
                )
            )

    for (age, gender), r in printed.iterrows():
        split = int(sum(r[c] for c in region_cols))
        if split != int(r["step5_n"]):
            g = gid(age, gender)
            rows.append(
                _finding(
                    "table_a1",
                    "Table A1 regional split",
                    [f"{g}_{s}" for s in ("east", "central", "west", "renorm2000")],
                    f"{age} {gender}: E+C+W = {split}",
                    f"step 5 = {int(r['step5_n'])}",
                    " + ".join(str(int(r[c])) for c in region_cols) + f" = {split} != {int(r['step5_n'])}",
                    "rounding",
                    "The regional quotas of this group are rounded separately and do not add to the group's total.",
                )
            )

    w_ids = [f"a2_w_region_{r.lower()}" for r in quota.REGIONS]
    if look.has(*w_ids):
        weighted = {r: look.v(i) for r, i in zip(quota.REGIONS, w_ids)}
        as_printed = sum(abs(shares[r] - weighted[r]) for r in quota.REGIONS)
        swap = {"East": shares["West"], "Central": shares["Central"], "West": shares["East"]}
        swapped = sum(abs(swap[r] - weighted[r]) for r in quota.REGIONS)
        order_q = sorted(quota.REGIONS, key=lambda r: shares[r])
        order_w = sorted(quota.REGIONS, key=lambda r: weighted[r])
        if order_q != order_w and swapped < as_printed:
            rows.append(
                _finding(
                    "table_a1",
                    "Table A1 header; Table A2",
                    header_ids + w_ids,
                    ", ".join(f"{r} {_g(shares[r])}%" for r in quota.REGIONS),
                    ", ".join(f"{r} {_g(weighted[r])}%" for r in quota.REGIONS) + " (A2 weighted)",
                    f"sum |quota - weighted| = {_g(as_printed, 2)} pp as labelled, {_g(swapped, 2)} pp with East and "
                    f"West exchanged; quota order {' < '.join(order_q)}, weighted order {' < '.join(order_w)}",
                    "swapped_labels",
                    "The survey is weighted towards the regional quotas, yet the region with the smallest quota share "
                    "has the largest weighted share; with the East and West labels exchanged the two agree closely.",
                )
            )
    return _frame(rows)


# --------------------------------------------------------------------------- check 4: Ns implied by percentages

#: Printed N for each respondent base named in the ``base`` column.
#: Each entry gives the ids whose maximum is the least admissible N and the
#: ids whose minimum is the largest admissible N; for a base with a printed N
#: both are that id. A block without a stated base is taken to refer to all
#: respondents, as the Table A2 header names no other base. Users of Sesame
#: and/or Tencent Credit have no printed N of their own: there are at least as
#: many as the users of either system and at most as many as the users of
#: commercial SCSs in Table 2.
BASE_N: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "all respondents": (("t2_total_n",), ("t2_total_n",)),
    "": (("t2_total_n",), ("t2_total_n",)),
    "Sesame Credit users": (("t2_sesame_n",), ("t2_sesame_n",)),
    "Tencent Credit users": (("t2_tencent_n",), ("t2_tencent_n",)),
    "government pilot participants": (("t2_gov_pilot_n",), ("t2_gov_pilot_n",)),
    "Sesame and/or Tencent Credit users": (("t2_sesame_n", "t2_tencent_n"), ("t2_commercial_n",)),
}

#: Range of sample sizes searched by :func:`attainable_ns`.
N_RANGE: tuple[int, int] = (50, 2209)


def attainable_ns(
    percents: Sequence[float], half: float = 0.005, n_min: int = N_RANGE[0], n_max: int = N_RANGE[1]
) -> list[int]:
    """Sample sizes N for which every percentage is a rounded k/N.

    Parameters
    ----------
    percents : sequence of float
        Percentages as printed (47.89, not 0.4789).
    half : float
        Half a unit in the last printed digit (0.005 for two decimals).
    n_min, n_max : int
        Range of N searched (inclusive).

    Returns
    -------
    list of int
        Every N in the range such that each percentage p equals 100 k / N
        for some integer k within ``half`` (the nearest k is the only
        candidate).
    """
    n = np.arange(int(n_min), int(n_max) + 1, dtype=float)
    ok = np.ones(n.shape, dtype=bool)
    for p in percents:
        k = np.round(float(p) * n / 100.0)
        ok &= np.abs(100.0 * k / n - float(p)) <= half + 1e-9
    return [int(x) for x in n[ok]]


def _multi_select(note: str) -> bool:
    match = re.search(r"footnote markers as printed: ([a-z,]+)", note or "")
    return match is not None and "a" in match.group(1).split(",")


def _printed_ns(published: pd.DataFrame) -> dict[str, int]:
    ns = published[(published["statistic"] == "n") & published["id"].str.match(r"^(t2|t5)_")]
    return {i: int(v) for i, v in zip(ns["id"], ns["value"])}


def implied_ns(published: pd.DataFrame) -> pd.DataFrame:
    """Sample sizes that can produce each unweighted Table A2 block.

    Weighted percentages are not ratios of counts, so only the unweighted
    column is examined (the percentages of Table 2 are weighted and are
    skipped for the same reason).

    Parameters
    ----------
    published : DataFrame
        Published numbers.

    Returns
    -------
    DataFrame
        One row per block: measure, base, item ids, the sum, all attainable
        N (``;``-joined), the smallest, the admissible range for the stated
        base, whether an attainable N lies in it, and the printed Ns of
        Tables 2 and 5 that are attainable.
    """
    look = _Lookup(published)
    a2 = _a2(published)
    a2 = a2[a2["column"] == "unweighted"]
    printed_ns = _printed_ns(published)
    rows = []
    for measure, block in a2.groupby("measure", sort=False):
        values = block["value"].tolist()
        half = max(half_unit(p) for p in block["value_printed"])
        ns = attainable_ns(values, half)
        base = str(block["base"].iloc[0])
        lo_ids, hi_ids = BASE_N.get(base, ((), ()))
        if look.has(*lo_ids, *hi_ids) and lo_ids:
            lo, hi = max(look.v(i) for i in lo_ids), min(look.v(i) for i in hi_ids)
        else:
            lo = hi = math.nan
        in_base = [x for x in ns if lo - _EPS <= x <= hi + _EPS] if math.isfinite(lo) else []
        rows.append(
            {
                "measure": measure,
                "base": base or "(unstated: all respondents)",
                "ids": ";".join(block["id"]),
                "values": values,
                "sum": round(sum(values), 2),
                "half": half,
                "multi_select": _multi_select(str(block["note"].iloc[0])),
                "attainable": ns,
                "smallest": ns[0] if ns else None,
                "base_lo": lo,
                "base_hi": hi,
                "base_ids": ";".join(dict.fromkeys(lo_ids + hi_ids)),
                "base_attainable": bool(in_base),
                "printed_ns_attainable": [i for i, v in printed_ns.items() if v in ns],
            }
        )
    return pd.DataFrame(rows)


def check_implied_ns(published: pd.DataFrame) -> pd.DataFrame:
    """Flag unweighted Table A2 blocks that cannot come from their stated base.

    A block is a finding (``mixed_base``) when no N in the range allowed for
    its base (:data:`BASE_N`) makes every percentage attainable. The
    arithmetic names the smallest attainable N, the candidates, the printed
    Ns that fit, and, at the smallest N, any implied count that equals a
    printed N of Table 2.

    Parameters
    ----------
    published : DataFrame
        Published numbers.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    table = implied_ns(published)
    if table.empty:
        return _empty()
    printed_ns = _printed_ns(published)
    rows = []
    for _, r in table.iterrows():
        if not math.isfinite(r["base_lo"]) or r["base_attainable"]:
            continue
        ns = r["attainable"]
        base_txt = (
            f"N = {int(r['base_lo']):,}"
            if r["base_lo"] == r["base_hi"]
            else f"N in {int(r['base_lo']):,}-{int(r['base_hi']):,}"
        )
        cand = ", ".join(f"{x:,}" for x in ns[:8]) + (" ..." if len(ns) > 8 else "") if ns else "none"
        extra = ""
        if ns:
            n0 = ns[0]
            counts = [int(round(v * n0 / 100)) for v in r["values"]]
            hits = [f"{k} = {i}" for k in counts for i, v in printed_ns.items() if v == k]
            extra = f"; at N = {n0:,} the counts are {', '.join(map(str, counts))}" + (
                f" ({'; '.join(hits)})" if hits else ""
            )
        fitting = r["printed_ns_attainable"]
        rows.append(
            _finding(
                "implied_n",
                "Table A2 (unweighted)",
                r["ids"].split(";") + r["base_ids"].split(";"),
                f"{r['measure']}: " + ", ".join(_g(v, 2) for v in r["values"]),
                f"attainable N: {cand}" if ns else "no N in range",
                f"round(100k/N, 2) reproduces every share for N in {{{cand}}} (searched {N_RANGE[0]}-{N_RANGE[1]});"
                f" stated base {r['base']}: {base_txt} not attainable"
                + (f"; printed Ns that fit: {', '.join(fitting)}" if fitting else "")
                + extra,
                "mixed_base",
                "No whole number of respondents from the stated base can produce these percentages, so they were "
                "computed on a different number of respondents.",
            )
        )
    return _frame(rows)


# --------------------------------------------------------------------------- check 5: sums of blocks


def _blocks(published: pd.DataFrame):
    """Single-choice blocks of Tables A2, 2 and 3: (source, label, frame)."""
    a2 = _a2(published)
    for (measure, column), block in a2.groupby(["measure", "column"], sort=False):
        if _multi_select(str(block["note"].iloc[0])):
            continue
        yield "Table A2", f"{measure} ({column})", block
    t2 = published[published["id"].str.startswith("t2_") & (published["statistic"] == "percent")]
    for column, block in t2.groupby("column", sort=False):
        yield "Table 2", column, block
    t3 = published[published["id"].str.startswith("t3_")]
    for (measure, column), block in t3.groupby(["measure", "column"], sort=False):
        yield "Table 3", f"{measure} ({column})", block


def check_block_sums(published: pd.DataFrame) -> pd.DataFrame:
    """Flag single-choice blocks whose percentages do not add to 100.

    The allowed deviation is half a unit in the last printed digit per
    category (0.025 for five categories printed to two decimals), the most
    that independent rounding can produce. (A looser allowance of 0.05 per
    category flags the same blocks in the paper.) Blocks of
    "select all that apply" questions (footnote a of Table A2) are exempt.
    A shortfall equal to a Table A2 category that the block leaves out is a
    ``mixed_base`` finding; any other deviation is a ``misprint``.

    Parameters
    ----------
    published : DataFrame
        Published numbers.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    look = _Lookup(published)
    rows = []
    for source, label, block in _blocks(published):
        total = float(block["value"].sum())
        tol = sum(half_unit(p) for p in block["value_printed"])
        if abs(total - 100) <= tol + _EPS:
            continue
        terms = " + ".join(block["value_printed"].str.replace("%", "", regex=False))
        severity, why, extra_ids = "misprint", "", []
        if source == "Table 3":
            key = block["id"].iloc[0].split("_")[2]
            shortfall = 100 - total
            for a2_id in [i for i in look.frame.index if i.startswith(f"a2_w_{key}_")]:
                if a2_id in T3_TO_A2.values():
                    continue
                if abs(look.v(a2_id) - shortfall) <= tol + look.h(a2_id) + _EPS:
                    severity = "mixed_base"
                    extra_ids.append(a2_id)
                    why = (
                        f"; 100 - {_g(total, 2)} = {_g(shortfall, 2)} = Table A2 weighted "
                        f"'{look.frame.at[a2_id, 'item']}' ({look.printed(a2_id)})"
                    )
        explanation = (
            "The shares of this block leave out a category that is still part of their base, so they refer to "
            "all respondents while the companion column refers only to those in the listed categories."
            if severity == "mixed_base"
            else "The shares of a single-choice question must add to 100 %; this block misses by more than rounding, "
            "so at least one share is misprinted or a category is missing."
        )
        rows.append(
            _finding(
                "block_sums",
                source,
                list(block["id"]) + extra_ids,
                f"{label}: sum {_g(total, 2)}",
                "100",
                f"{terms} = {_g(total, 2)} (allowed 100 +/- {_g(tol, 3)})" + why,
                severity,
                explanation,
            )
        )
    return _frame(rows)


# --------------------------------------------------------------------------- check 6: prose claims

#: Table 3 rows and their Table A2 weighted counterparts (the Total column of
#: Table 3 is described as the share among all respondents).
T3_TO_A2: dict[str, str] = {
    "t3_total_age_14_30": "a2_w_age_14_30",
    "t3_total_age_31_50": "a2_w_age_31_50",
    "t3_total_age_51_65": "a2_w_age_51_plus",
    "t3_total_income_lt_1000": "a2_w_income_lt_1000",
    "t3_total_income_1000_4000": "a2_w_income_1000_4000",
    "t3_total_income_gt_4000": "a2_w_income_gt_4000",
    "t3_total_gender_female": "a2_w_gender_female",
    "t3_total_gender_male": "a2_w_gender_male",
    "t3_total_education_no": "a2_w_education_none",
    "t3_total_education_low": "a2_w_education_low",
    "t3_total_education_medium": "a2_w_education_medium",
    "t3_total_education_high": "a2_w_education_high",
    "t3_total_location_rural": "a2_w_location_rural",
    "t3_total_location_urban": "a2_w_location_urban",
    "t3_total_region_west": "a2_w_region_west",
    "t3_total_region_central": "a2_w_region_central",
    "t3_total_region_east": "a2_w_region_east",
}

_DOUBTER_LEVELS = ("t2_total_strongly_disapprove", "t2_total_somewhat_disapprove", "t2_total_neutral")


def _f_sum(*x):
    return sum(x)


def _f_ratio(a, b):
    return 100.0 * a / b


def _f_product(a, b):
    return a * b / 100.0


def _f_complement(*x):
    return 100.0 - sum(x)


def _f_overlap(n_a, n_b, n_union):
    """Share of the users of b who also use a: 100 (n_a + n_b - n_union) / n_b."""
    return 100.0 * (n_a + n_b - n_union) / n_b


def _f_rescale(*x):
    """Sum of shares within a subgroup, re-expressed as a share of everyone: sum * n_sub / n_all."""
    *shares, n_sub, n_all = x
    return sum(shares) * n_sub / n_all


def _f_approve_given(d_share, t_share, *levels):
    """Share approving (4 or 5) within a group from Table 3: 100 - d_g * D / t_g (Bayes)."""
    return 100.0 - d_share * sum(levels) / t_share


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sum": _f_sum,
    "ratio": _f_ratio,
    "product": _f_product,
    "complement": _f_complement,
    "overlap": _f_overlap,
    "rescale": _f_rescale,
    "approve_given": _f_approve_given,
}

#: Numeric claims of the text and how to recompute them from the tables.
#:
#: Each rule names the prose ids it checks (``claims``; a pair for the
#: ``between`` comparison), how to compare (``compare``: ``equal`` - the
#: rounding intervals must overlap; ``at_most`` - the claim may not exceed the
#: recomputed value; ``between`` - the table value of the whole group must lie
#: between the claimed values for its parts, since it is their weighted
#: average), the recomputations to try (``candidates``: label, function of
#: :data:`_FUNCTIONS`, input ids; the first is the one whose base the text
#: states) and the severity when none fits (``on_miss``). A claim that fits
#: only a later candidate is a ``mixed_base`` finding; one that misses every
#: candidate by no more than half a point is a ``rounding`` finding.
#: ``why`` optionally replaces the generic explanation of a finding.
#: ``t5_n`` stands for the number of Sesame and/or Tencent users: Table 5's
#: N is the only N that reproduces the unweighted Table A2 blocks asked of
#: that group (see :func:`check_implied_ns` and the Table 5 finding of
#: :func:`check_prose_claims`).
PROSE_RULES: tuple[dict, ...] = tuple(
    [
        {
            "claims": [p],
            "compare": "equal",
            "candidates": [("Table A2 weighted", "sum", [t])],
            "on_miss": "unsupported_claim",
        }
        for p, t in [
            ("p_sample_female", "a2_w_gender_female"),
            ("p_sample_male", "a2_w_gender_male"),
            ("p_sample_age_14_30", "a2_w_age_14_30"),
            ("p_sample_age_31_50", "a2_w_age_31_50"),
            ("p_sample_age_51_plus", "a2_w_age_51_plus"),
            ("p_sample_region_west", "a2_w_region_west"),
            ("p_sample_region_central", "a2_w_region_central"),
            ("p_sample_region_east", "a2_w_region_east"),
            ("p_sample_urban", "a2_w_location_urban"),
            ("p_sample_income_lt_1000", "a2_w_income_lt_1000"),
            ("p_sample_income_1000_4000", "a2_w_income_1000_4000"),
            ("p_sample_income_gt_4000", "a2_w_income_gt_4000"),
            ("p_sample_income_no_answer", "a2_w_income_no_answer"),
            ("p_sample_educ_none", "a2_w_education_none"),
            ("p_sample_educ_low", "a2_w_education_low"),
            ("p_sample_educ_medium", "a2_w_education_medium"),
            ("p_sample_educ_high", "a2_w_education_high"),
            ("p_res_gov_pilot_aware", "a2_w_scs_use_gov_pilot"),
            ("p_concl_gov_pilot", "a2_w_scs_use_gov_pilot"),
            ("p_res_tencent_users", "a2_w_scs_use_tencent_credit"),
            ("p_res_no_scs", "a2_w_scs_use_none"),
            ("p_res_dont_know_scs", "a2_w_scs_use_dont_know"),
            ("p_res_neutral", "a2_w_approval_neutral"),
            ("p_res_strong_approve", "a2_w_approval_strongly_approve"),
            ("p_res_gov_pilot_strong", "t2_gov_pilot_strongly_approve"),
            ("p_res_commercial_strong", "t2_commercial_strongly_approve"),
            ("p_disc_urban_credit", "t5_urban_credit_without_difficulty"),
            ("p_disc_rural_credit", "t5_rural_credit_without_difficulty"),
            ("p_disc_urban_deposit_free", "t5_urban_deposit_free_sharing"),
            ("p_disc_rural_deposit_free", "t5_rural_deposit_free_sharing"),
            ("p_disc_urban_visa", "t5_urban_fast_tracked_visa"),
            ("p_disc_rural_visa", "t5_rural_fast_tracked_visa"),
            ("p_model_ccp", "t4_m3_ccp_member_coef"),
            ("p_model_gov_confidence", "t4_m3_gov_confidence_coef"),
            ("p_model_fairness", "t4_m5_fairness_coef"),
            ("p_model_received_advantages", "t4_m6_received_advantages_coef"),
            ("p_model_accountability", "t4_m7_accountability_coef"),
            ("p_model_abide_regulations", "t4_m7_abide_regulations_coef"),
            ("p_model_quality_of_life", "t4_m7_quality_of_life_coef"),
            ("p_intro_respondents", "t2_total_n"),
            ("p_design_sample_size", "t2_total_n"),
            ("p_fig2_n", "t2_total_n"),
            ("p_fig4_n", "t2_total_n"),
        ]
    ]
    # the rules below differ in shape, so mypy would join their dicts to object
    + cast(
        "list[dict]",
        [
            {
                "claims": ["p_res_approve"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table A2 weighted, levels 4+5",
                        "sum",
                        ["a2_w_approval_somewhat_approve", "a2_w_approval_strongly_approve"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_disapprove"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table A2 weighted, levels 1+2",
                        "sum",
                        ["a2_w_approval_strongly_disapprove", "a2_w_approval_somewhat_disapprove"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_doubters_share"],
                "compare": "equal",
                "candidates": [
                    ("Table 2 total, levels 1-3", "sum", list(_DOUBTER_LEVELS)),
                    (
                        "Table A2 unweighted, levels 1-3",
                        "sum",
                        [
                            "a2_u_approval_strongly_disapprove",
                            "a2_u_approval_somewhat_disapprove",
                            "a2_u_approval_neutral",
                        ],
                    ),
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_doubters_ratio"],
                "compare": "equal",
                "candidates": [("Table 2 total, levels 1-3, as a fraction", "product", [list(_DOUBTER_LEVELS), "@1"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_sesame_users"],
                "compare": "equal",
                "candidates": [
                    ("Table A2 weighted", "sum", ["a2_w_scs_use_sesame_credit"]),
                    ("Table A2 unweighted", "sum", ["a2_u_scs_use_sesame_credit"]),
                    ("Table 2 N share", "ratio", ["t2_sesame_n", "t2_total_n"]),
                ],
                "on_miss": "unsupported_claim",
                "why": "The text's Sesame share matches neither Table A2 column nor Table 2's group size; the weighted "
                "Table A2 figure, about half the unweighted one, is itself doubtful.",
            },
            {
                "claims": ["p_res_both_users"],
                "compare": "equal",
                "candidates": [
                    (
                        "footnote 10 share x Table A2 weighted Tencent",
                        "product",
                        ["p_fn10_tencent_also_sesame", "a2_w_scs_use_tencent_credit"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_commercial_users"],
                "compare": "at_most",
                "candidates": [
                    (
                        "Table A2 weighted: 100 - none - don't know",
                        "complement",
                        ["a2_w_scs_use_none", "a2_w_scs_use_dont_know"],
                    ),
                    (
                        "Table A2 unweighted: 100 - none - don't know",
                        "complement",
                        ["a2_u_scs_use_none", "a2_u_scs_use_dont_know"],
                    ),
                ],
                "on_miss": "unsupported_claim",
                "why": "Respondents who take part in no SCS or do not know cannot be commercial users (the options "
                "exclude each other), and Table A2 leaves fewer than the text's share for everyone else.",
            },
            {
                "claims": ["p_concl_commercial_users"],
                "compare": "at_most",
                "candidates": [
                    (
                        "Table A2 weighted: 100 - none - don't know",
                        "complement",
                        ["a2_w_scs_use_none", "a2_w_scs_use_dont_know"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_gov_pilot_aware"],
                "compare": "at_most",
                "candidates": [
                    (
                        "pilot-locality residents x aware among them",
                        "product",
                        ["p_res_pilot_locality_residents", "p_res_pilot_locality_aware"],
                    )
                ],
                "on_miss": "unsupported_claim",
                "why": "If awareness of a local pilot requires living in a pilot locality, the text's own figures for "
                "those localities allow only about 5 % of all respondents to be aware, fewer than the 7 % stated.",
            },
            {
                "claims": ["p_fn10_tencent_also_sesame"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table 2 Ns: (Sesame + Tencent - Sesame and/or Tencent) / Tencent",
                        "overlap",
                        ["t2_sesame_n", "t2_tencent_n", "t5_n"],
                    )
                ],
                "on_miss": "unsupported_claim",
                "why": "The group sizes of Tables 2 and 5 put the overlap of Tencent and Sesame users above the "
                "footnote's share; a weighted overlap could differ, but no weighted counts are printed.",
            },
            {
                "claims": ["p_disc_score_slightly_higher"],
                "compare": "equal",
                "candidates": [
                    (
                        "slightly + much higher, as a share of all respondents",
                        "rescale",
                        [
                            "a2_w_score_vs_friends_slightly_higher",
                            "a2_w_score_vs_friends_much_higher",
                            "t5_n",
                            "t2_total_n",
                        ],
                    ),
                    ("slightly higher, among Sesame/Tencent users", "sum", ["a2_w_score_vs_friends_slightly_higher"]),
                    (
                        "slightly + much higher, among Sesame/Tencent users",
                        "sum",
                        ["a2_w_score_vs_friends_slightly_higher", "a2_w_score_vs_friends_much_higher"],
                    ),
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_no_understanding", "p_disc_urban_no_understanding"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_transparency_know_nothing"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_any_benefit", "p_disc_urban_any_benefit"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_advantages_yes"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_any_disadvantage", "p_disc_urban_any_disadvantage"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_disadvantages_yes"])],
                "on_miss": "unsupported_claim",
            },
        ],
    )
    + [
        {
            "claims": [p],
            "compare": "equal",
            "candidates": [
                (
                    "Table 3 via Bayes: 100 - doubters share x 20.00 / total share",
                    "approve_given",
                    [d, t, *_DOUBTER_LEVELS],
                )
            ],
            "on_miss": "unsupported_claim",
        }
        for p, d, t in [
            ("p_res_urban_approve", "t3_doubters_location_urban", "t3_total_location_urban"),
            ("p_res_rural_approve", "t3_doubters_location_rural", "t3_total_location_rural"),
            ("p_res_west_approve", "t3_doubters_region_west", "t3_total_region_west"),
            ("p_res_east_approve", "t3_doubters_region_east", "t3_total_region_east"),
            ("p_res_central_approve", "t3_doubters_region_central", "t3_total_region_central"),
        ]
    ]
)

#: Worded (non-numeric) claims about group differences, checked against the
#: share approving (levels 4-5) implied by Table 3 and Table 2's total column.
#: ``order``: ``lowest``/``highest`` - the named group has the extreme share;
#: ``increasing`` - the share rises along the listed groups.
QUALITATIVE_CLAIMS: tuple[dict, ...] = (
    {
        "source": "Section 4.2 para 1",
        "text": "approval is lowest in the group with low education",
        "order": "lowest",
        "claimed": "Low",
        "measure": "education",
        "groups": {"No": "no", "Low": "low", "Medium": "medium", "High": "high"},
        "caveat": "the text may use 'low education' loosely for the two lowest groups",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "approval is highest in the group with the highest education",
        "order": "highest",
        "claimed": "High",
        "measure": "education",
        "groups": {"No": "no", "Low": "low", "Medium": "medium", "High": "high"},
        "caveat": "",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "the 51-65 age group shows the strongest approval",
        "order": "highest",
        "claimed": "51-65",
        "measure": "age",
        "groups": {"14-30": "14_30", "31-50": "31_50", "51-65": "51_65"},
        "caveat": "the text may mean strong approval only (its 56 %), which no table shows by age",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "approval is higher among respondents with a higher income",
        "order": "increasing",
        "claimed": None,
        "measure": "income",
        "groups": {"<1,000": "lt_1000", "1,000-4,000": "1000_4000", ">4,000": "gt_4000"},
        "caveat": "",
    },
)


def _inputs(look: _Lookup, ids: list) -> tuple[list[str], list[float], list[float], list[str]] | None:
    """Flatten candidate input ids; a nested list is summed first; '@k' is the constant k."""
    flat_ids, vals, halves, shown = [], [], [], []
    for item in ids:
        if isinstance(item, list):
            if not look.has(*item):
                return None
            flat_ids += item
            vals.append(sum(look.v(i) for i in item))
            halves.append(sum(look.h(i) for i in item))
            shown.append("(" + "+".join(look.printed(i).replace("%", "") for i in item) + ")")
        elif item.startswith("@"):
            vals.append(float(item[1:]))
            halves.append(0.0)
            shown.append(item[1:])
        else:
            if not look.has(item):
                return None
            flat_ids.append(item)
            vals.append(look.v(item))
            halves.append(look.h(item))
            shown.append(look.printed(item).replace("%", "").strip())
    return flat_ids, vals, halves, shown


def _gap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two intervals (0 if they overlap)."""
    return max(a[0] - b[1], b[0] - a[1], 0.0)


def prose_comparisons(published: pd.DataFrame, rules: Sequence[dict] | None = None) -> pd.DataFrame:
    """Compare every mapped prose claim with its table counterparts.

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    rules : sequence of dict, optional
        Replacement for :data:`PROSE_RULES`.

    Returns
    -------
    DataFrame
        One row per rule whose inputs are all present: claim ids, printed
        claim, each candidate's value and range, the first candidate that
        fits (``fits``; empty if none), the gap to the nearest candidate and
        the resulting ``status`` (``ok`` or a severity).
    """
    look = _Lookup(published)
    out = []
    for rule in PROSE_RULES if rules is None else rules:
        claims = rule["claims"]
        if not look.has(*claims):
            continue
        c_vals = [look.v(c) for c in claims]
        c_half = [look.h(c) for c in claims]
        results = []
        for label, fname, ids in rule["candidates"]:
            got = _inputs(look, ids)
            if got is None:
                continue
            flat, vals, halves, shown = got
            centre, lo, hi = _box(_FUNCTIONS[fname], vals, halves)
            results.append(
                {
                    "label": label,
                    "ids": flat,
                    "centre": centre,
                    "lo": lo,
                    "hi": hi,
                    "shown": f"{fname}({', '.join(shown)})",
                }
            )
        if not results:
            continue
        for res in results:
            if rule["compare"] == "equal":
                res["gap"] = _gap((c_vals[0] - c_half[0], c_vals[0] + c_half[0]), (res["lo"], res["hi"]))
            elif rule["compare"] == "at_most":
                res["gap"] = max(c_vals[0] - c_half[0] - res["hi"], 0.0)
            elif rule["compare"] == "between":
                lo = min(v - h for v, h in zip(c_vals, c_half))
                hi = max(v + h for v, h in zip(c_vals, c_half))
                res["gap"] = _gap((lo, hi), (res["lo"], res["hi"]))
            else:
                raise ValueError(f"unknown comparison {rule['compare']!r}")
        fits = [r for r in results if r["gap"] <= _EPS]
        if fits and fits[0] is results[0]:
            status = "ok"
        elif fits:
            status = "mixed_base"
        elif min(r["gap"] for r in results) <= 0.5:
            status = "rounding"
        else:
            status = rule["on_miss"]
        out.append(
            {
                "claims": ";".join(claims),
                "source": ";".join(dict.fromkeys(look.frame.loc[c, "source"] for c in claims)),
                "claim_printed": ", ".join(look.printed(c) for c in claims),
                "claim_values": c_vals,
                "compare": rule["compare"],
                "candidates": results,
                "fits": fits[0]["label"] if fits else "",
                "gap": min(r["gap"] for r in results),
                "status": status,
                "why": rule.get("why", ""),
            }
        )
    return pd.DataFrame(out)


def _approve_by_group(look: _Lookup, measure: str, groups: dict[str, str]):
    out = {}
    for label, key in groups.items():
        d, t = f"t3_doubters_{measure}_{key}", f"t3_total_{measure}_{key}"
        if not look.has(d, t, *_DOUBTER_LEVELS):
            return None
        vals = [look.v(d), look.v(t)] + [look.v(i) for i in _DOUBTER_LEVELS]
        halves = [look.h(d), look.h(t)] + [look.h(i) for i in _DOUBTER_LEVELS]
        out[label] = (_box(_f_approve_given, vals, halves), [d, t])
    return out


def check_prose_claims(
    published: pd.DataFrame, rules: Sequence[dict] | None = None, qualitative: Sequence[dict] | None = None
) -> pd.DataFrame:
    """Findings of the prose-versus-table comparison.

    Numeric claims follow :data:`PROSE_RULES` (see :func:`prose_comparisons`);
    worded claims about group differences follow :data:`QUALITATIVE_CLAIMS`
    and are tested on the approval shares implied by Table 3: the share of
    doubters within group g is ``d_g * D / t_g`` (``d_g`` the group's share
    among doubters, ``t_g`` its share among all respondents, ``D`` the share
    of doubters, levels 1-3 of Table 2's total column), so the share
    approving is 100 minus that. A worded claim is reported only when the
    rounding ranges of the groups do not overlap in the way the claim needs.

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    rules, qualitative : sequence of dict, optional
        Replacements for :data:`PROSE_RULES` and :data:`QUALITATIVE_CLAIMS`.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    look = _Lookup(published)
    rows = []
    table = prose_comparisons(published, rules)
    for _, r in (table[table["status"] != "ok"] if len(table) else table).iterrows():
        cands = r["candidates"]
        recomputed = "; ".join(f"{c['label']}: {_g(c['centre'], 2)}" for c in cands)
        arithmetic = (
            "; ".join(f"{c['shown']} = {_g(c['centre'], 2)} (range {_g(c['lo'], 2)}-{_g(c['hi'], 2)})" for c in cands)
            + f" vs printed {r['claim_printed']} ({r['compare']})"
        )
        if r["why"]:
            explanation = r["why"]
        elif r["status"] == "mixed_base":
            explanation = f"The text's figure fits '{r['fits']}' rather than the base it names ('{cands[0]['label']}')."
        elif r["status"] == "rounding":
            explanation = (
                "The text's figure misses the table value by less than one more rounding step, "
                "so it was rounded the wrong way or from other unrounded numbers."
            )
        elif r["compare"] == "at_most":
            explanation = "The text's figure is larger than the most the tables allow for this group."
        elif r["compare"] == "between":
            explanation = (
                "The figure for all respondents should lie between the figures the text gives for "
                "its parts, and it does not."
            )
        else:
            explanation = "No printed table number, combined as the text implies, gives the text's figure."
        ids = r["claims"].split(";") + [i for c in cands for i in c["ids"]]
        rows.append(
            _finding(
                "prose_claims", r["source"], ids, r["claim_printed"], recomputed, arithmetic, r["status"], explanation
            )
        )

    # Table 5's N against Table 2's commercial users, with the N the A2 blocks imply
    if look.has("t5_n", "t2_commercial_n") and look.v("t5_n") != look.v("t2_commercial_n"):
        ns = implied_ns(published)
        sets = (
            [set(x) for base, x in zip(ns["base"], ns["attainable"]) if base == "Sesame and/or Tencent Credit users"]
            if len(ns)
            else []
        )
        common = sorted(set.intersection(*sets)) if sets else []
        n5 = int(look.v("t5_n"))
        fits = n5 in common
        rows.append(
            _finding(
                "prose_claims",
                "Table 5 title; Table 2",
                ["t5_n", "t2_commercial_n"],
                f"Table 5 N = {look.printed('t5_n')} (commercial SCS users)",
                f"Table 2 commercial users N = {look.printed('t2_commercial_n')}"
                + (
                    f"; Table A2 Sesame and/or Tencent blocks imply N = {', '.join(f'{x:,}' for x in common[:5])}"
                    if common
                    else ""
                ),
                f"{n5:,} != {int(look.v('t2_commercial_n')):,}; unweighted Table A2 blocks asked of Sesame and/or "
                f"Tencent users are all attainable for N in {{{', '.join(f'{x:,}' for x in common[:5]) or 'none'}}}",
                "mixed_base" if fits else "unsupported_claim",
                (
                    "Table 5 is labelled as covering commercial SCS users, but its N is the number of Sesame and/or "
                    "Tencent users, a smaller group than Table 2's commercial users."
                )
                if fits
                else "Table 5's N does not match the number of commercial SCS users in Table 2.",
            )
        )

    for claim in QUALITATIVE_CLAIMS if qualitative is None else qualitative:
        shares = _approve_by_group(look, claim["measure"], claim["groups"])
        if shares is None:
            continue
        labels = list(shares)
        rng = {k: (v[0][1], v[0][2]) for k, v in shares.items()}
        centre = {k: v[0][0] for k, v in shares.items()}
        ok = True
        if claim["order"] in ("lowest", "highest"):
            c = claim["claimed"]
            others = [k for k in labels if k != c]
            if claim["order"] == "lowest":
                ok = all(rng[c][0] <= rng[k][1] for k in others)
            else:
                ok = all(rng[c][1] >= rng[k][0] for k in others)
        elif claim["order"] == "increasing":
            ok = all(rng[a][0] <= rng[b][1] for a, b in zip(labels, labels[1:]))
        if ok:
            continue
        extreme = (min if claim["order"] == "lowest" else max)(labels, key=lambda k: centre[k])
        ids = [i for v in shares.values() for i in v[1]] + list(_DOUBTER_LEVELS)
        rows.append(
            _finding(
                "prose_claims",
                claim["source"],
                ids,
                claim["text"],
                "approve (4-5) by group: "
                + ", ".join(f"{k} {_g(centre[k], 1)}%" for k in labels)
                + (f"; {claim['order']}: {extreme}" if claim["order"] != "increasing" else ""),
                "100 - doubters share x ("
                + "+".join(look.printed(i).replace("%", "") for i in _DOUBTER_LEVELS)
                + ") / total share: "
                + ", ".join(f"{k} {_g(rng[k][0], 1)}-{_g(rng[k][1], 1)}" for k in labels),
                "unsupported_claim",
                (
                    f"By Table 3 the {claim['order']} approval is in the group '{extreme}', not in the group the text "
                    f"names"
                    if claim["order"] != "increasing"
                    else "By Table 3 approval does not rise across the groups as the text says"
                )
                + (f"; {claim['caveat']}." if claim.get("caveat") else "."),
            )
        )
    return _frame(rows)


# --------------------------------------------------------------------------- check 7: cross-table coherence


def check_cross_table(published: pd.DataFrame) -> pd.DataFrame:
    """Coherence of Table 3 and Table 2 with Table A2 and with each other.

    * Table 3's Total column must repeat the weighted Table A2 shares
      (:data:`T3_TO_A2`) and Table 2's Total column the weighted approval
      block of Table A2 (``misprint`` otherwise).
    * Within a Table 3 block, the Doubters and Total columns must share a
      base: if one adds to 100 and the other falls short by a Table A2
      category, they do not, and the like-for-like comparison is shown
      (``mixed_base``).
    * Table 2's Ns must be coherent: commercial users without a government
      pilot = commercial users - (pilot participants - pilot participants
      without a commercial SCS) (``misprint`` otherwise).

    Parameters
    ----------
    published : DataFrame
        Published numbers.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    look = _Lookup(published)
    rows = []
    pairs = list(T3_TO_A2.items())
    pairs += [
        (f"t2_total_{lvl}", f"a2_w_approval_{lvl}")
        for lvl in ("strongly_disapprove", "somewhat_disapprove", "neutral", "somewhat_approve", "strongly_approve")
    ]
    for a, b in pairs:
        if look.has(a, b) and abs(look.v(a) - look.v(b)) > look.h(a) + look.h(b) + _EPS:
            rows.append(
                _finding(
                    "cross_table",
                    f"{look.frame.at[a, 'source']}; Table A2",
                    [a, b],
                    look.printed(a),
                    look.printed(b),
                    f"{look.printed(a)} vs {look.printed(b)}: difference {_g(look.v(a) - look.v(b), 2)}",
                    "misprint",
                    "The same weighted share of all respondents is printed with two different values.",
                )
            )

    t3 = published[published["id"].str.startswith("t3_")]
    for measure, block in t3.groupby("measure", sort=False):
        d = block[block["column"] == "Doubters"]
        t = block[block["column"] == "Total"]
        if d.empty or t.empty:
            continue
        sd, st = float(d["value"].sum()), float(t["value"].sum())
        tol_d = sum(half_unit(p) for p in d["value_printed"])
        tol_t = sum(half_unit(p) for p in t["value_printed"])
        if abs(sd - 100) <= tol_d + _EPS and abs(st - 100) > tol_t + _EPS:
            key = t["id"].iloc[0].split("_")[2]
            missing = [i for i in look.frame.index if i.startswith(f"a2_w_{key}_") and i not in T3_TO_A2.values()]
            renorm = ", ".join(f"{it} {_g(v / st * 100, 2)}" for it, v in zip(t["item"], t["value"]))
            rows.append(
                _finding(
                    "cross_table",
                    "Table 3",
                    list(d["id"]) + list(t["id"]) + missing,
                    f"{measure}: Doubters sum {_g(sd, 2)}, Total sum {_g(st, 2)}",
                    f"Total rescaled to 100: {renorm}",
                    f"Doubters {' + '.join(d['value_printed'])} = {_g(sd, 2)}; Total {' + '.join(t['value_printed'])} = "
                    f"{_g(st, 2)}"
                    + (
                        f"; 100 - {_g(st, 2)} = {_g(100 - st, 2)} = Table A2 weighted "
                        + ", ".join(f"'{look.frame.at[i, 'item']}' {look.printed(i)}" for i in missing)
                        if missing
                        else ""
                    )
                    + "; like-for-like Total = share / "
                    + _g(st / 100, 4),
                    "mixed_base",
                    "The Doubters column leaves out respondents who gave no answer while the Total column keeps them "
                    "in its base, so the two columns are not directly comparable; rescaled, the gap is smaller.",
                )
            )

    n_ids = ["t2_commercial_n", "t2_gov_pilot_n", "t2_gov_pilot_only_n", "t2_commercial_only_n"]
    if look.has(*n_ids):
        com, gov, gov_only, com_only = (look.v(i) for i in n_ids)
        implied = com - (gov - gov_only)
        if implied != com_only:
            rows.append(
                _finding(
                    "cross_table",
                    "Table 2",
                    n_ids,
                    f"N = {int(com_only):,}",
                    f"N = {int(implied):,}",
                    f"{int(com)} - ({int(gov)} - {int(gov_only)}) = {int(implied)} vs printed {int(com_only)}",
                    "misprint",
                    "The group sizes of Table 2 do not fit together: commercial users outside a government pilot "
                    "should equal all commercial users minus those also in a pilot.",
                )
            )
    return _frame(rows)


# --------------------------------------------------------------------------- Table A4


def check_table_a4_vif(published: pd.DataFrame) -> pd.DataFrame:
    """Check that every VIF of Table A4 is the reciprocal of its tolerance.

    With the tolerance rounded to three decimals, 1/tolerance can lie
    anywhere between ``1/(t + h)`` and ``1/(t - h)``; the printed VIF must
    fall in that range widened by its own rounding.

    Parameters
    ----------
    published : DataFrame
        Published numbers; pairs ``a4_<x>_tolerance`` / ``a4_<x>_vif``.

    Returns
    -------
    DataFrame
        Findings; severity ``misprint``.
    """
    look = _Lookup(published)
    rows = []
    for tid in [i for i in look.frame.index if i.startswith("a4_") and i.endswith("_tolerance")]:
        vid = tid[: -len("_tolerance")] + "_vif"
        if not look.has(vid):
            continue
        t, ht, v, hv = look.v(tid), look.h(tid), look.v(vid), look.h(vid)
        if t - ht <= 0:
            continue
        lo, hi = 1 / (t + ht), 1 / (t - ht)
        if v + hv < lo - _EPS or v - hv > hi + _EPS:
            rows.append(
                _finding(
                    "table_a4_vif",
                    "Table A4",
                    [tid, vid],
                    f"tolerance {look.printed(tid)}, VIF {look.printed(vid)}",
                    f"VIF {_g(1 / t, 3)}",
                    f"1/{look.printed(tid)} = {_g(1 / t, 4)} (range {_g(lo, 4)}-{_g(hi, 4)}), printed {look.printed(vid)}",
                    "misprint",
                    "The variance inflation factor is by definition the reciprocal of the tolerance, and the printed "
                    "pair does not satisfy that.",
                )
            )
    return _frame(rows)


# --------------------------------------------------------------------------- driver

#: The checks run by :func:`run_audit`, in order.
CHECKS: tuple[tuple[str, Callable[[pd.DataFrame], pd.DataFrame]], ...] = (
    ("table4_stars", check_table4_stars),
    ("a3_from_a2", check_a3_from_a2),
    ("a3_dummy_sd", check_a3_dummy_sd),
    ("table_a1", check_table_a1),
    ("implied_n", check_implied_ns),
    ("block_sums", check_block_sums),
    ("prose_claims", check_prose_claims),
    ("cross_table", check_cross_table),
    ("table_a4_vif", check_table_a4_vif),
)


def run_audit(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run every check on the published numbers.

    Parameters
    ----------
    published : DataFrame, optional
        Published numbers in the long format; defaults to
        ``load_published()``.

    Returns
    -------
    DataFrame
        All findings, in the order of :data:`CHECKS`, with the columns of
        :data:`FINDING_COLUMNS`.
    """
    if published is None:
        published = load_published()
    frames = [f(published) for _, f in CHECKS]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty()
    return pd.concat(frames, ignore_index=True)[list(FINDING_COLUMNS)]


def summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Count findings by check and severity.

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`run_audit`.

    Returns
    -------
    DataFrame
        Columns ``check``, ``severity`` and ``n``, in check order.
    """
    if findings.empty:
        return pd.DataFrame(
            {"check": pd.Series(dtype=str), "severity": pd.Series(dtype=str), "n": pd.Series(dtype=int)}
        )
    order = {name: k for k, (name, _) in enumerate(CHECKS)}
    out = findings.groupby(["check", "severity"]).size().rename("n").reset_index()
    out["_o"] = out["check"].map(order).fillna(len(order))
    return out.sort_values(["_o", "severity"]).drop(columns="_o").reset_index(drop=True)


def write_errata(path: str | Path | None = None, published: pd.DataFrame | None = None) -> Path:
    """Write the audit's findings as CSV, atomically.

    The findings go to a temporary file in the target directory, which then
    replaces the target in one step, so a reader never sees a half-written
    file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Target file; defaults to ``_build/tables/errata.csv`` under the
        project root. Parent directories are created.
    published : DataFrame, optional
        Published numbers; defaults to ``load_published()``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if path is None:
        path = paths.TABLES / "errata.csv"
    path = Path(path)
    findings = run_audit(published)
    write_csv_atomic(findings, path)
    return path
