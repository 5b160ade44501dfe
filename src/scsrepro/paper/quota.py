"""The quota design of the survey (the paper's Table A1), recomputed.

Table A1 derives the target number of respondents in each age x gender x
region cell from three public sources, in five steps:

1. the census population of each age x gender group (US Census Bureau
   International Data Base, 2016);
2. that population normalised to a sample of 2,000;
3. the share of each group with internet access (Pew Global Attitudes 2015);
4. step 2 multiplied by that share;
5. step 4 renormalised to an internet sample of 2,000, then split across the
   East, Central and West regions with Statista's (2016) regional shares.

:func:`quota_table` repeats the arithmetic from the step-1 and step-3 inputs
and returns every intermediate value both unrounded and rounded to whole
respondents, so each printed cell can be compared with the recomputation.

Two readings are needed to reproduce the printed table, and both are
parameters so the chapter can show what happens without them:

* every step works on the *unrounded* result of the previous step (rounding
  is applied for display only); and
* the three regional shares as printed (22 %, 37 % and 42 %) add up to 101 %,
  so the printed cells are only reproduced when the shares are divided by
  their sum before the split.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scsrepro.paper.published import load_published

#: Order of the rows in Table A1.
GROUPS: tuple[tuple[str, str], ...] = (
    ("14-25", "male"),
    ("14-25", "female"),
    ("26-39", "male"),
    ("26-39", "female"),
    ("40-65", "male"),
    ("40-65", "female"),
)

REGIONS: tuple[str, ...] = ("East", "Central", "West")


def _round_half_up(x: np.ndarray | pd.Series) -> np.ndarray:
    """Round to whole numbers with halves going up, as a spreadsheet does."""
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(int)


def quota_table(
    population: pd.Series,
    internet_share: pd.Series,
    regional_shares: Mapping[str, float],
    sample_size: int = 2000,
    carry_unrounded: bool = True,
    normalise_regions: bool = True,
) -> pd.DataFrame:
    """Recompute the quota steps of Table A1.

    Parameters
    ----------
    population : Series indexed by ``(age_group, gender)``
        Step 1, the census population of each group.
    internet_share : Series with the same index
        Step 3, the share of the group with internet access, as a fraction.
    regional_shares : mapping region -> fraction
        The regional distribution used in the last step.
    sample_size : int
        The planned sample size (2,000 in the paper).
    carry_unrounded : bool
        If True each step uses the unrounded result of the step before; if
        False it uses the rounded value, as someone copying the printed
        table would.
    normalise_regions : bool
        Divide the regional shares by their sum before splitting.

    Returns
    -------
    DataFrame indexed like *population*, with the unrounded steps
    (``step2``, ``step4``, ``step5`` and one column per region) and their
    rounded counterparts (suffix ``_n``).

    Raises
    ------
    ValueError
        If the indexes differ, a value is missing or negative, or an internet
        share lies outside [0, 1].
    """
    population = pd.Series(population, dtype=float)
    internet_share = pd.Series(internet_share, dtype=float)
    if not population.index.equals(internet_share.index):
        raise ValueError(
            "quota_table: population and internet_share must have the same groups; "
            f"got {list(population.index)} and {list(internet_share.index)}"
        )
    for name, s in (("population", population), ("internet_share", internet_share)):
        bad = s[s.isna() | (s < 0)]
        if len(bad):
            raise ValueError(f"quota_table: {name} has missing or negative values for groups {list(bad.index)}")
    bad = internet_share[internet_share > 1]
    if len(bad):
        raise ValueError(
            "quota_table: internet_share must be a fraction in [0, 1]; "
            f"groups {list(bad.index)} have {list(bad.values)} (percentages?)"
        )
    shares = pd.Series(dict(regional_shares), dtype=float)
    if (shares < 0).any() or shares.sum() <= 0:
        raise ValueError(f"quota_table: regional shares must be non-negative with a positive sum, got {dict(shares)}")

    out = pd.DataFrame(index=population.index)
    out["step1"] = population
    out["step2"] = population / population.sum() * sample_size
    out["step2_n"] = _round_half_up(out["step2"])
    prev = out["step2"] if carry_unrounded else out["step2_n"]
    out["step3"] = internet_share
    out["step4"] = prev * internet_share
    out["step4_n"] = _round_half_up(out["step4"])
    prev = out["step4"] if carry_unrounded else out["step4_n"]
    out["step5"] = prev / prev.sum() * sample_size
    out["step5_n"] = _round_half_up(out["step5"])
    prev = out["step5"] if carry_unrounded else out["step5_n"]
    if normalise_regions:
        shares = shares / shares.sum()
    for region, share in shares.items():
        out[region] = prev * share
        out[f"{region}_n"] = _round_half_up(out[region])
    return out


def compare_with_printed(recomputed: pd.DataFrame, printed: pd.DataFrame) -> pd.DataFrame:
    """Put rounded recomputed cells beside the printed ones.

    Parameters
    ----------
    recomputed : output of :func:`quota_table`
    printed : DataFrame with the same index and columns named like the
        rounded columns of *recomputed* (``step2_n``, ``step4_n``, ...).

    Returns
    -------
    Long DataFrame: group, column, printed, recomputed (rounded), unrounded,
    difference (recomputed - printed) and ``match``.
    """
    rows = []
    for column in printed.columns:
        unrounded = column[:-2] if column.endswith("_n") else column
        for key in printed.index:
            p = printed.loc[key, column]
            r = recomputed.loc[key, column]
            rows.append(
                {
                    "age_group": key[0],
                    "gender": key[1],
                    "column": column,
                    "printed": p,
                    "recomputed": r,
                    "unrounded": recomputed.loc[key, unrounded],
                    "difference": r - p,
                }
            )
    table = pd.DataFrame(rows)
    table["match"] = np.isclose(table["difference"], 0)
    return table


# --------------------------------------------------------------------------- the printed table

_STEP_SUFFIX = {
    "step1": "census",
    "step2_n": "norm2000",
    "step3": "internet_pct",
    "step4_n": "reduced",
    "step5_n": "renorm2000",
    "East_n": "east",
    "Central_n": "central",
    "West_n": "west",
}


def _group_id(age_group: str, gender: str) -> str:
    return f"a1_{age_group.replace('-', '_')}_{gender}"


def printed_table(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table A1 as printed, one row per age x gender group.

    Columns follow :func:`quota_table` (``step1``, ``step2_n``, ``step3``
    as a fraction, ``step4_n``, ``step5_n``, ``East_n``, ``Central_n``,
    ``West_n``), read from ``data/published/table_a1.csv``.
    """
    if published is None:
        published = load_published("table_a1")
    values = published.set_index("id")["value"]
    rows = {}
    for age_group, gender in GROUPS:
        gid = _group_id(age_group, gender)
        rows[(age_group, gender)] = {col: float(values[f"{gid}_{suffix}"]) for col, suffix in _STEP_SUFFIX.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["age_group", "gender"])
    table["step3"] = table["step3"] / 100
    for col in table.columns:
        if col.endswith("_n"):
            table[col] = table[col].astype(int)
    return table


def printed_regional_shares(published: pd.DataFrame | None = None) -> dict[str, float]:
    """The regional shares printed in Table A1's header, as fractions."""
    if published is None:
        published = load_published("table_a1")
    values = published.set_index("id")["value"]
    return {region: float(values[f"a1_header_{region.lower()}_share"]) / 100 for region in REGIONS}


def reproduce_table_a1(
    carry_unrounded: bool = True, normalise_regions: bool = True, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Recompute Table A1 from its printed inputs and compare every cell.

    Returns the long comparison of :func:`compare_with_printed` for the
    rounded steps 2, 4 and 5 and the three regional columns.
    """
    printed = printed_table(published)
    recomputed = quota_table(
        printed["step1"],
        printed["step3"],
        printed_regional_shares(published),
        carry_unrounded=carry_unrounded,
        normalise_regions=normalise_regions,
    )
    cols = ["step2_n", "step4_n", "step5_n", "East_n", "Central_n", "West_n"]
    return compare_with_printed(recomputed, printed[cols])


def side_by_side(comparison: pd.DataFrame) -> pd.DataFrame:
    """Reshape :func:`reproduce_table_a1` output into Table A1's layout.

    One row per age x gender group; for each step a ``printed``, a
    ``recomputed`` and a ``difference`` column.
    """
    wide = comparison.pivot_table(
        index=["age_group", "gender"],
        columns="column",
        values=["printed", "recomputed", "difference"],
        sort=False,
    )
    wide = wide.swaplevel(0, 1, axis=1)
    steps = list(dict.fromkeys(comparison["column"]))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([steps, ["printed", "recomputed", "difference"]]))
    wide.index = (
        pd.MultiIndex.from_tuples([k for k in GROUPS if k in set(wide.index)], names=["age_group", "gender"])
        if set(wide.index) == set(GROUPS)
        else wide.index
    )
    return wide.reindex(list(GROUPS)).astype(int)
