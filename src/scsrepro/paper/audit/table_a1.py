"""Check 3: the quota arithmetic of Table A1, recomputed with :mod:`scsrepro.paper.quota`."""

from __future__ import annotations

import pandas as pd

from scsrepro.paper import quota
from scsrepro.paper.audit.common import EPS, Lookup, empty_findings, finding, findings_frame, fmt

__all__ = ["check_table_a1"]

#: Columns of the quota table that hold the regional cells.
_REGION_COLS = [f"{r}_n" for r in quota.REGIONS]

#: Id suffix of the published cell of each quota-table column.
_SUFFIX = {
    "step2_n": "norm2000",
    "step4_n": "reduced",
    "step5_n": "renorm2000",
    "East_n": "east",
    "Central_n": "central",
    "West_n": "west",
}


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
    look = Lookup(published)
    header_ids = [f"a1_header_{r.lower()}_share" for r in quota.REGIONS]
    if a1.empty or not look.has(*header_ids):
        return empty_findings()
    printed = quota.printed_table(a1)
    default = quota.reproduce_table_a1(published=a1)
    rounded_steps = quota.reproduce_table_a1(carry_unrounded=False, published=a1)
    raw_shares = quota.reproduce_table_a1(normalise_regions=False, published=a1)
    shares = {r: look.v(i) for r, i in zip(quota.REGIONS, header_ids)}
    rows = _cell_findings(default)
    rows += _header_sum_findings(look, header_ids, shares, default, raw_shares)
    rows += _step5_sum_findings(look, printed, rounded_steps)
    rows += _regional_split_findings(printed)
    rows += _swapped_region_findings(look, header_ids, shares)
    return findings_frame(rows)


def _cell_findings(default: pd.DataFrame) -> list[dict]:
    """Cells that the recomputation from the table's own inputs does not reproduce."""
    rows = []
    off = default[~default["match"]]
    for _, r in off.iterrows():
        cid = f"{quota._group_id(r['age_group'], r['gender'])}_{_SUFFIX[r['column']]}"
        rows.append(
            finding(
                "table_a1",
                "Table A1",
                [cid],
                str(int(r["printed"])),
                str(int(r["recomputed"])),
                f"{r['column']} recomputed from the printed census counts, internet shares and normalised regional "
                f"shares = {fmt(r['unrounded'], 2)} -> {int(r['recomputed'])}, printed {int(r['printed'])}",
                "misprint",
                "This quota cell does not follow from the table's own inputs.",
            )
        )
    return rows


def _header_sum_findings(
    look: Lookup,
    header_ids: list[str],
    shares: dict[str, float],
    default: pd.DataFrame,
    raw_shares: pd.DataFrame,
) -> list[dict]:
    """Regional header shares that do not add to 100 %."""
    total = sum(shares.values())
    n_cells = int(default["column"].isin(_REGION_COLS).sum())
    if abs(total - 100) > EPS:
        raw_off = int((~raw_shares["match"] & raw_shares["column"].isin(_REGION_COLS)).sum())
        norm_off = int((~default["match"] & default["column"].isin(_REGION_COLS)).sum())
        return [
            finding(
                "table_a1",
                "Table A1 header",
                header_ids,
                " + ".join(f"{r[0]} {fmt(v)}%" for r, v in shares.items()),
                f"sum {fmt(total)}%",
                " + ".join(fmt(v) for v in shares.values()) + f" = {fmt(total)}; shares used as printed: {raw_off} of "
                f"{n_cells} regional cells not reproduced; shares divided by their sum: {norm_off} of {n_cells}",
                "rounding" if norm_off == 0 and abs(total - 100) <= sum(look.h(i) for i in header_ids) else "misprint",
                f"The three regional quota shares add to {fmt(total)} % rather than 100 %; the printed cells are "
                "reproduced only if the shares are rescaled to 100 %, so the header shows rounded shares.",
            )
        ]
    return []


def _step5_sum_findings(look: Lookup, printed: pd.DataFrame, rounded_steps: pd.DataFrame) -> list[dict]:
    """Step-5 cells that do not add to the target sample."""
    target_id = "a1_target_sample_renorm2000"
    if not look.has(target_id):
        return []
    target = look.v(target_id)
    step5 = printed["step5_n"]
    if step5.sum() != target:
        ids = [f"{quota._group_id(a, g)}_renorm2000" for a, g in printed.index]
        rs_off = int((~rounded_steps["match"]).sum())
        return [
            finding(
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
        ]
    return []


def _regional_split_findings(printed: pd.DataFrame) -> list[dict]:
    """Groups whose regional cells do not add to their step-5 total."""
    rows = []
    for (age, gender), r in printed.iterrows():
        split = int(sum(r[c] for c in _REGION_COLS))
        if split != int(r["step5_n"]):
            g = quota._group_id(age, gender)
            rows.append(
                finding(
                    "table_a1",
                    "Table A1 regional split",
                    [f"{g}_{s}" for s in ("east", "central", "west", "renorm2000")],
                    f"{age} {gender}: E+C+W = {split}",
                    f"step 5 = {int(r['step5_n'])}",
                    " + ".join(str(int(r[c])) for c in _REGION_COLS) + f" = {split} != {int(r['step5_n'])}",
                    "rounding",
                    "The regional quotas of this group are rounded separately and do not add to the group's total.",
                )
            )
    return rows


def _swapped_region_findings(look: Lookup, header_ids: list[str], shares: dict[str, float]) -> list[dict]:
    """Regional quota shares that fit the weighted Table A2 shares only with East and West exchanged."""
    w_ids = [f"a2_w_region_{r.lower()}" for r in quota.REGIONS]
    if not look.has(*w_ids):
        return []
    weighted = {r: look.v(i) for r, i in zip(quota.REGIONS, w_ids)}
    as_printed = sum(abs(shares[r] - weighted[r]) for r in quota.REGIONS)
    swap = {"East": shares["West"], "Central": shares["Central"], "West": shares["East"]}
    swapped = sum(abs(swap[r] - weighted[r]) for r in quota.REGIONS)
    order_q = sorted(quota.REGIONS, key=lambda r: shares[r])
    order_w = sorted(quota.REGIONS, key=lambda r: weighted[r])
    if not (order_q != order_w and swapped < as_printed):
        return []
    return [
        finding(
            "table_a1",
            "Table A1 header; Table A2",
            header_ids + w_ids,
            ", ".join(f"{r} {fmt(shares[r])}%" for r in quota.REGIONS),
            ", ".join(f"{r} {fmt(weighted[r])}%" for r in quota.REGIONS) + " (A2 weighted)",
            f"sum |quota - weighted| = {fmt(as_printed, 2)} pp as labelled, {fmt(swapped, 2)} pp with East and "
            f"West exchanged; quota order {' < '.join(order_q)}, weighted order {' < '.join(order_w)}",
            "swapped_labels",
            "The survey is weighted towards the regional quotas, yet the region with the smallest quota share "
            "has the largest weighted share; with the East and West labels exchanged the two agree closely.",
        )
    ]
