"""The facts and tables of the discussion chapter (``chapters/discussion.md``).

Each ``*_facts`` helper returns the named values the prose of one part of
the chapter quotes, for one :func:`scsrepro.book.gluing.glue_all` call; the
other helpers pick out and lay out the paper's numbers the chapter shows
(Table 5 by location, the rural-urban contrasts of Section 4.4, the Table 4
coefficients of the framing hypotheses). Every shown number carries its role
in the calibration recipe (:func:`scsrepro.paper.fidelity.default_roles`).
The values keep the types the prose formats them with: counts are ``int``,
shares and coefficients ``float``, words ``str``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scsrepro.book.figures import framework
from scsrepro.paper import fidelity

__all__ = [
    "AREAS",
    "MISTRUST_ID",
    "framework_facts",
    "area_rows",
    "table5_by_area",
    "table5_facts",
    "area_contrasts",
    "contrast_table",
    "contrast_facts",
    "framing_coefficients",
    "coefficient_table",
    "framing_facts",
    "limits_facts",
    "evidence_facts",
]

#: The two columns of the paper's location contrasts.
AREAS = ["Rural", "Urban"]

#: The Table 5 advantages whose shares the text quotes (``t5_<area>_<key>``).
T5_QUOTED = ("credit_without_difficulty", "deposit_free_sharing", "fast_tracked_visa")

#: The Section 4.4 contrasts whose shares the text quotes (``p_disc_<area>_<key>``).
CONTRASTS_QUOTED = ("any_benefit", "any_disadvantage")

#: Published id of the share who call mutual mistrust a problem.
MISTRUST_ID = "p_disc_mutual_mistrust"


def _with_roles(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(role=lambda d: d["id"].map(fidelity.default_roles(d["id"].tolist())))


def _joined_roles(roles: Any) -> str:
    return ", ".join(sorted(set(roles)))


def framework_facts(hypotheses: pd.DataFrame) -> dict[str, int]:
    """Counts of the paper's hypotheses, sub-categories and supported hypotheses.

    Parameters
    ----------
    hypotheses : pandas.DataFrame
        :func:`scsrepro.paper.published.load_hypotheses` (one row per
        hypothesis, with ``category`` and the paper's ``verdict``).

    Returns
    -------
    dict
        ``n_hypotheses``, ``n_subcategories`` (the sub-categories of
        :func:`scsrepro.book.figures.framework.framework_groups`) and
        ``n_supported`` (verdict ``supported``), all int.
    """
    return {
        "n_hypotheses": len(hypotheses),
        "n_subcategories": len(framework.framework_groups(hypotheses)),
        "n_supported": int((hypotheses["verdict"] == "supported").sum()),
    }


def area_rows(t5: pd.DataFrame) -> pd.DataFrame:
    """The rural and urban rows of Table 5, with their ``role``.

    *t5* is :func:`scsrepro.paper.tables.table_5` of a data file.
    """
    roles = fidelity.default_roles(t5["id"].tolist())
    return t5[t5["column"].isin(AREAS)].assign(role=lambda d: d["id"].map(roles))


def table5_by_area(t5: pd.DataFrame) -> pd.DataFrame:
    """Table 5 by location: the paper's and the data's share of each advantage, and the gap.

    Parameters
    ----------
    t5 : pandas.DataFrame
        :func:`scsrepro.paper.tables.table_5` of a data file.

    Returns
    -------
    pandas.DataFrame
        One row per advantage (index ``advantage (commercial SCS users)``,
        in Table 5's order) and the columns ``Rural: paper``, ``Rural:
        data``, ``Urban: paper``, ``Urban: data`` and ``urban minus rural
        (data)``, in per cent.
    """
    wide = (
        area_rows(t5)
        .pivot_table(index="item", columns="column", values=["published", "reproduced"], sort=False)
        .swaplevel(axis=1)
        .sort_index(axis=1, level=0, sort_remaining=False)
    )
    wide.columns = [f"{area}: {'paper' if what == 'published' else 'data'}" for area, what in wide.columns]
    wide["urban minus rural (data)"] = wide["Urban: data"] - wide["Rural: data"]
    wide.index.name = "advantage (commercial SCS users)"
    return wide


def table5_facts(t5: pd.DataFrame) -> dict[str, Any]:
    """What the text says about Table 5 by location.

    Parameters
    ----------
    t5 : pandas.DataFrame
        :func:`scsrepro.paper.tables.table_5` of a data file.

    Returns
    -------
    dict
        ``t5_items`` (advantages), ``t5_urban_higher`` and
        ``t5_paper_urban_higher`` (those urban users report more often in the
        data and in the paper), int; ``t5_gap_max`` (float, the largest urban
        minus rural gap in percentage points) and ``t5_gap_max_item`` (its
        advantage, lower case); ``t5_n_rural`` and ``t5_n_urban`` (int, the
        bases); ``t5_roles`` (the roles of the rows, joined); and for each
        advantage of :data:`T5_QUOTED` and area the data's and the paper's
        share, ``t5_<area>_<key>_rep`` and ``_pub`` (float).
    """
    by_area = area_rows(t5)
    wide = table5_by_area(t5)
    gap = wide["urban minus rural (data)"]
    n_base = by_area.groupby("column")["n_base"].first()
    facts: dict[str, Any] = {
        "t5_items": len(gap),
        "t5_urban_higher": int((gap > 0).sum()),
        "t5_paper_urban_higher": int((wide["Urban: paper"] > wide["Rural: paper"]).sum()),
        "t5_gap_max": float(gap.max()),
        "t5_gap_max_item": gap.idxmax().lower(),
        "t5_n_rural": int(n_base["Rural"]),
        "t5_n_urban": int(n_base["Urban"]),
        "t5_roles": _joined_roles(by_area["role"]),
    }
    by_id = t5.set_index("id")
    for area in ("rural", "urban"):
        for key in T5_QUOTED:
            row = by_id.loc[f"t5_{area}_{key}"]
            facts[f"t5_{area}_{key}_rep"] = float(row["reproduced"])
            facts[f"t5_{area}_{key}_pub"] = float(row["published"])
    return facts


def area_contrasts(prose: pd.DataFrame) -> pd.DataFrame:
    """The rural-urban contrasts of the paper's discussion that Table 5 does not repeat, with their ``role``.

    *prose* is :func:`scsrepro.paper.tables.prose_numbers` of a data file;
    the rows kept come from Section 4.4, have column ``Rural`` or ``Urban``
    and no note saying they repeat Table 5.
    """
    rows = prose[
        prose["source"].str.startswith("Section 4.4")
        & prose["column"].isin(AREAS)
        & ~prose["note"].fillna("").str.contains("repeats Table 5")
    ]
    return _with_roles(rows)


def contrast_table(contrasts: pd.DataFrame) -> pd.DataFrame:
    """The contrasts of :func:`area_contrasts` for display.

    Indexed by (``measure``, ``column``), with the columns ``paper``,
    ``data``, ``base (n)``, ``role`` and, when *contrasts* have it,
    ``suppressed`` (disclosure control; :func:`scsrepro.book.display.table`
    does not show it).
    """
    flag = ["suppressed"] if "suppressed" in contrasts.columns else []
    out = contrasts.set_index(["measure", "column"])[["published", "reproduced", "n_base", "role", *flag]]
    out.columns = ["paper", "data", "base (n)", "role", *flag]
    return out


def contrast_facts(prose: pd.DataFrame) -> dict[str, float]:
    """The data's rural and urban shares with any benefit and any disadvantage.

    *prose* is :func:`scsrepro.paper.tables.prose_numbers`; returns
    ``<area>_<key>_rep`` (float, per cent) for each key of
    :data:`CONTRASTS_QUOTED` and area ``rural``, ``urban``.
    """
    by_id = prose.set_index("id")
    return {
        f"{area}_{key}_rep": float(by_id.loc[f"p_disc_{area}_{key}", "reproduced"])
        for key in CONTRASTS_QUOTED
        for area in ("rural", "urban")
    }


def framing_coefficients(t4: pd.DataFrame, hypotheses: pd.DataFrame) -> pd.DataFrame:
    """The Table 4 coefficients of the framing hypotheses: Model 7's and H16's, with their ``role``.

    Parameters
    ----------
    t4 : pandas.DataFrame
        :func:`scsrepro.paper.tables.table_4` of a data file.
    hypotheses : pandas.DataFrame
        :func:`scsrepro.paper.published.load_hypotheses`.

    Returns
    -------
    pandas.DataFrame
        One row per hypothesis of Model 7 and for H16, in the order of
        *hypotheses*: its ``hypothesis`` and ``variable``, the ``item``
        (term) and ``column`` (model), and Table 4's coefficient row (its
        ``reproduced`` value missing, with the reason in ``note``, where the
        data cannot estimate it).

    Raises
    ------
    ValueError
        If *t4* has no row for one of them.
    """
    framing = hypotheses[(hypotheses["model"] == 7) | (hypotheses["hypothesis"] == "H16")]
    keys = pd.DataFrame(
        {
            "item": framing["term"],
            "column": "Model " + framing["model"].astype(str),
            "hypothesis": framing["hypothesis"],
            "variable": framing["variable"],
        }
    )
    coefs = keys.merge(t4[t4["statistic"] == "coef"], on=["item", "column"], how="left", validate="one_to_one")
    if coefs["id"].isna().any():
        raise ValueError("table_4 lacks a row for a framing hypothesis")
    coefs["role"] = coefs["id"].map(fidelity.default_roles(coefs["id"].tolist()))
    return coefs


def coefficient_table(coefs: pd.DataFrame) -> pd.DataFrame:
    """The coefficients of :func:`framing_coefficients` for display.

    Indexed by (``hypothesis``, ``variable``, ``column``), with the paper's
    coefficient and stars, the data's coefficient, SE and stars, ``n`` and
    ``role``.
    """
    out = coefs.set_index(["hypothesis", "variable", "column"])[
        ["published", "published_stars", "reproduced", "se", "stars", "n_base", "role"]
    ]
    out.columns = ["paper", "paper stars", "data", "data SE", "data stars", "n", "role"]
    return out


def framing_facts(coefs: pd.DataFrame, prose: pd.DataFrame) -> dict[str, Any]:
    """What the text says about the framing coefficients and the mistrust share.

    Parameters
    ----------
    coefs : pandas.DataFrame
        :func:`framing_coefficients`.
    prose : pandas.DataFrame
        :func:`scsrepro.paper.tables.prose_numbers` (for :data:`MISTRUST_ID`).

    Returns
    -------
    dict
        ``coef_<item>_rep`` and ``coef_<item>_pub`` (float) for each term;
        ``coef_strongest_variable`` (the variable with the largest
        coefficient in the data, lower case) and ``coef_strongest_or``
        (float, its odds ratio); ``coef_roles`` (the roles, joined);
        ``mistrust_rep``, ``mistrust_pub`` (float, per cent) and
        ``mistrust_role``.
    """
    c = coefs.set_index("item")
    facts: dict[str, Any] = {}
    for item in c.index:
        facts[f"coef_{item}_rep"] = float(c.loc[item, "reproduced"])
        facts[f"coef_{item}_pub"] = float(c.loc[item, "published"])
    strongest = c["reproduced"].idxmax()
    facts["coef_strongest_variable"] = c.loc[strongest, "variable"].lower()
    facts["coef_strongest_or"] = float(np.exp(c.loc[strongest, "reproduced"]))
    facts["coef_roles"] = _joined_roles(coefs["role"])
    mistrust = prose.set_index("id").loc[MISTRUST_ID]
    facts["mistrust_rep"] = float(mistrust["reproduced"])
    facts["mistrust_pub"] = float(mistrust["published"])
    facts["mistrust_role"] = fidelity.default_roles([MISTRUST_ID])[MISTRUST_ID]
    return facts


def limits_facts(df: pd.DataFrame, t5: pd.DataFrame, contrasts: pd.DataFrame, coefs: pd.DataFrame) -> dict[str, Any]:
    """The size of the data and the roles of every paper number the chapter compares.

    Parameters
    ----------
    df : pandas.DataFrame
        The respondents.
    t5, contrasts, coefs : pandas.DataFrame
        :func:`scsrepro.paper.tables.table_5`, :func:`area_contrasts` and
        :func:`framing_coefficients`; with :data:`MISTRUST_ID` their ids
        (Table 5's rural and urban rows only) are the numbers compared.

    Returns
    -------
    dict
        ``n_data`` (int, respondents) and ``all_roles`` (the roles of the
        compared numbers, joined).
    """
    shown = [*area_rows(t5)["id"], *contrasts["id"], *coefs["id"], MISTRUST_ID]
    return {"n_data": len(df), "all_roles": _joined_roles(fidelity.default_roles(shown).values())}


def evidence_facts(board: pd.DataFrame) -> dict[str, int]:
    """How the data score on the numbers that can be evidence, and on the rest.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`scsrepro.paper.fidelity.scoreboard` of the data file.

    Returns
    -------
    dict
        From :func:`scsrepro.paper.fidelity.acceptance` (errata left out),
        all int: ``disc_held_pass`` of ``disc_held_scored`` (basis
        ``held_out``), ``disc_calibrated_pass`` of
        ``disc_calibrated_scored``, and ``disc_fixed_pass`` of
        ``disc_fixed_scored`` (the implied, design and arithmetic rows
        together).
    """
    counts = fidelity.acceptance(board)
    fixed = ("implied", "design", "arithmetic")
    return {
        "disc_held_pass": counts["held_out_pass"],
        "disc_held_scored": counts["held_out_scored"],
        "disc_calibrated_pass": counts["calibrated_pass"],
        "disc_calibrated_scored": counts["calibrated_scored"],
        "disc_fixed_pass": sum(counts[f"{b}_pass"] for b in fixed),
        "disc_fixed_scored": sum(counts[f"{b}_scored"] for b in fixed),
    }
