"""Checks 4 and 5: the counts behind the percentages of Tables A2, 2 and 3.

A percentage printed to two decimals can only arise from certain numbers of
respondents, so every unweighted Table A2 block names the sample sizes it
can come from, which must include the printed N of its base
(:data:`BASE_N`); and the shares of a single-choice question add up to 100.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, empty_findings, finding, findings_frame, fmt, half_unit
from scsrepro.paper.audit.crosstab import T3_TO_A2

__all__ = ["BASE_N", "N_RANGE", "attainable_ns", "implied_ns", "check_implied_ns", "check_block_sums"]

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


def _a2(published: pd.DataFrame) -> pd.DataFrame:
    return published[published["id"].str.startswith("a2_")]


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
    look = Lookup(published)
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
        in_base = [x for x in ns if lo - EPS <= x <= hi + EPS] if math.isfinite(lo) else []
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
        return empty_findings()
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
            finding(
                "implied_n",
                "Table A2 (unweighted)",
                r["ids"].split(";") + r["base_ids"].split(";"),
                f"{r['measure']}: " + ", ".join(fmt(v, 2) for v in r["values"]),
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
    return findings_frame(rows)


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
