"""Check 7: Tables 3 and 2 against Table A2 and against each other.

The Total columns of Tables 2 and 3 repeat weighted shares of Table A2
(:data:`T3_TO_A2`), the two columns of a Table 3 block must share a base, and
the group sizes of Table 2 must fit together.
"""

from __future__ import annotations

import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, finding, findings_frame, fmt, half_unit

__all__ = ["T3_TO_A2", "check_cross_table"]

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
    look = Lookup(published)
    rows = _repeated_share_findings(look)
    rows += _column_base_findings(look, published)
    rows += _table2_n_findings(look)
    return findings_frame(rows)


def _repeated_share_findings(look: Lookup) -> list[dict]:
    """Weighted shares of all respondents that Tables 3 or 2 print differently from Table A2."""
    rows = []
    pairs = list(T3_TO_A2.items())
    pairs += [
        (f"t2_total_{lvl}", f"a2_w_approval_{lvl}")
        for lvl in ("strongly_disapprove", "somewhat_disapprove", "neutral", "somewhat_approve", "strongly_approve")
    ]
    for a, b in pairs:
        if look.has(a, b) and abs(look.v(a) - look.v(b)) > look.h(a) + look.h(b) + EPS:
            rows.append(
                finding(
                    "cross_table",
                    f"{look.frame.at[a, 'source']}; Table A2",
                    [a, b],
                    look.printed(a),
                    look.printed(b),
                    f"{look.printed(a)} vs {look.printed(b)}: difference {fmt(look.v(a) - look.v(b), 2)}",
                    "misprint",
                    "The same weighted share of all respondents is printed with two different values.",
                )
            )
    return rows


def _column_base_findings(look: Lookup, published: pd.DataFrame) -> list[dict]:
    """Table 3 blocks whose Doubters column adds to 100 while the Total column falls short."""
    rows = []
    t3 = published[published["id"].str.startswith("t3_")]
    for measure, block in t3.groupby("measure", sort=False):
        d = block[block["column"] == "Doubters"]
        t = block[block["column"] == "Total"]
        if d.empty or t.empty:
            continue
        sd, st = float(d["value"].sum()), float(t["value"].sum())
        tol_d = sum(half_unit(p) for p in d["value_printed"])
        tol_t = sum(half_unit(p) for p in t["value_printed"])
        if abs(sd - 100) <= tol_d + EPS and abs(st - 100) > tol_t + EPS:
            key = t["id"].iloc[0].split("_")[2]
            missing = [i for i in look.frame.index if i.startswith(f"a2_w_{key}_") and i not in T3_TO_A2.values()]
            renorm = ", ".join(f"{it} {fmt(v / st * 100, 2)}" for it, v in zip(t["item"], t["value"]))
            rows.append(
                finding(
                    "cross_table",
                    "Table 3",
                    list(d["id"]) + list(t["id"]) + missing,
                    f"{measure}: Doubters sum {fmt(sd, 2)}, Total sum {fmt(st, 2)}",
                    f"Total rescaled to 100: {renorm}",
                    f"Doubters {' + '.join(d['value_printed'])} = {fmt(sd, 2)}; Total {' + '.join(t['value_printed'])} = "
                    f"{fmt(st, 2)}"
                    + (
                        f"; 100 - {fmt(st, 2)} = {fmt(100 - st, 2)} = Table A2 weighted "
                        + ", ".join(f"'{look.frame.at[i, 'item']}' {look.printed(i)}" for i in missing)
                        if missing
                        else ""
                    )
                    + "; like-for-like Total = share / "
                    + fmt(st / 100, 4),
                    "mixed_base",
                    "The Doubters column leaves out respondents who gave no answer while the Total column keeps them "
                    "in its base, so the two columns are not directly comparable; rescaled, the gap is smaller.",
                )
            )
    return rows


def _table2_n_findings(look: Lookup) -> list[dict]:
    """Table 2 group sizes that do not fit together."""
    n_ids = ["t2_commercial_n", "t2_gov_pilot_n", "t2_gov_pilot_only_n", "t2_commercial_only_n"]
    if not look.has(*n_ids):
        return []
    com, gov, gov_only, com_only = (look.v(i) for i in n_ids)
    implied = com - (gov - gov_only)
    if implied != com_only:
        return [
            finding(
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
        ]
    return []
