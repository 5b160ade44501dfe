"""Check 5 and the bases of the percentage blocks: the shares of a single-choice question add up to 100.

:data:`BASE_N` names the printed N of each respondent base of Table A2; the
granularity checks (:mod:`scsrepro.paper.audit.granularity`) test every
unweighted block against it, and :func:`check_block_sums` tests that the
shares of a single-choice block add up to 100.
"""

from __future__ import annotations

import re

import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, finding, findings_frame, fmt, half_unit
from scsrepro.paper.audit.crosstab import T3_TO_A2

__all__ = ["BASE_N", "is_multi_select", "check_block_sums"]

# --------------------------------------------------------------------------- the bases of the blocks

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


def _a2(published: pd.DataFrame) -> pd.DataFrame:
    return published[published["id"].str.startswith("a2_")]


def is_multi_select(note: str) -> bool:
    """Whether a Table A2 row's note marks a "select all that apply" question (footnote a)."""
    match = re.search(r"footnote markers as printed: ([a-z,]+)", note or "")
    return match is not None and "a" in match.group(1).split(",")


# --------------------------------------------------------------------------- check 5: sums of blocks


def _blocks(published: pd.DataFrame):
    """Single-choice blocks of Tables A2, 2 and 3: (source, label, frame)."""
    a2 = _a2(published)
    for (measure, column), block in a2.groupby(["measure", "column"], sort=False):
        if is_multi_select(str(block["note"].iloc[0])):
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
    look = Lookup(published)
    rows = []
    for source, label, block in _blocks(published):
        total = float(block["value"].sum())
        tol = sum(half_unit(p) for p in block["value_printed"])
        if abs(total - 100) <= tol + EPS:
            continue
        terms = " + ".join(block["value_printed"].str.replace("%", "", regex=False))
        severity, why, extra_ids = "misprint", "", []
        if source == "Table 3":
            key = block["id"].iloc[0].split("_")[2]
            shortfall = 100 - total
            for a2_id in [i for i in look.frame.index if i.startswith(f"a2_w_{key}_")]:
                if a2_id in T3_TO_A2.values():
                    continue
                if abs(look.v(a2_id) - shortfall) <= tol + look.h(a2_id) + EPS:
                    severity = "mixed_base"
                    extra_ids.append(a2_id)
                    why = (
                        f"; 100 - {fmt(total, 2)} = {fmt(shortfall, 2)} = Table A2 weighted "
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
            finding(
                "block_sums",
                source,
                list(block["id"]) + extra_ids,
                f"{label}: sum {fmt(total, 2)}",
                "100",
                f"{terms} = {fmt(total, 2)} (allowed 100 +/- {fmt(tol, 3)})" + why,
                severity,
                explanation,
            )
        )
    return findings_frame(rows)
