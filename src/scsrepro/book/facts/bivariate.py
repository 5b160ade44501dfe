"""The bivariate chapter's tables and prose facts (``chapters/bivariate.md``).

Each section of the chapter calls one ``*_facts`` helper here and publishes
its mapping with :func:`scsrepro.book.gluing.glue_all`; the other helpers
build the tables the chapter shows from the analysis results of
:mod:`scsrepro.paper.bivariate`, :mod:`scsrepro.paper.tables` and the
fidelity scoreboard (``board``: :func:`scsrepro.paper.fidelity.scoreboard`
indexed by ``id``).

The facts keep the types the prose expects: counts that the text formats
itself are ``int``, everything formatted here (percentages, p-values, counts
with a thousands separator, labels) is ``str``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.book.facts.common import count, p_value, pct
from scsrepro.data.codebook import Codebook, default_codebook_path, load_codebook
from scsrepro.paper import audit, disclosure, doubters
from scsrepro.paper import bivariate as B

__all__ = [
    "TABLE2_SHORT",
    "TABLE2_REPEATED",
    "FIGURE4_COLUMNS",
    "DISCUSSION_STATEMENTS",
    "overview_facts",
    "table2_levels",
    "table2_group_sizes",
    "table2_size_facts",
    "commercial_facts",
    "table2_repeated",
    "table2_score_facts",
    "figure4_comparison",
    "figure4_facts",
    "table3_scored",
    "table3_wide",
    "table3_facts",
    "heldout_rows",
    "income_table",
    "income_facts",
    "implied_approval_table",
    "implied_focus",
    "section_findings",
    "approval_order_facts",
    "figure4_prose_comparisons",
    "prose_comparison_facts",
    "rural_urban_table",
    "rural_urban_formats",
    "table5_facts",
    "discussion_facts",
    "chapter_ids",
    "scoreboard_facts",
]

Facts = dict[str, Any]

#: Table 2's column headings, shortened for the chapter's tables.
TABLE2_SHORT: dict[str, str] = {
    "Total": "Total",
    "Users of Sesame Credit": "Sesame",
    "Users of Tencent Credit": "Tencent",
    "Users of commercial SCSs": "Commercial",
    "Users of commercial SCSs without using governmental pilots": "Commercial only",
    "Citizens part of governmental pilot": "Pilot",
    "Citizens part of governmental pilot without using commercial pilots": "Pilot only",
}
#: The two Table 2 cells that the text repeats.
TABLE2_REPEATED: tuple[str, ...] = ("p_res_gov_pilot_strong", "p_res_commercial_strong")
#: The columns of the Figure 4 comparison that the chapter shows.
FIGURE4_COLUMNS: list[str] = [
    "group",
    "item",
    "published",
    "share",
    "ci_low",
    "ci_high",
    "n",
    "distance",
    "in_interval",
    "role",
    "status",
    "suppressed",
]
#: The rural-urban statements of Section 4.4: the tail of their ids (``p_disc_rural_<tail>``).
DISCUSSION_STATEMENTS: tuple[str, ...] = ("no_understanding", "any_benefit", "any_disadvantage", "credit_difficulty")


# ---------------------------------------------------------------------------
# the data
# ---------------------------------------------------------------------------
def overview_facts(frame: pd.DataFrame) -> Facts:
    """``n_resp``: the number of respondents in *frame*, with a thousands separator."""
    return {"n_resp": count(len(frame))}


# ---------------------------------------------------------------------------
# Table 2
# ---------------------------------------------------------------------------
def table2_levels(t2: pd.DataFrame, name: str = "twin") -> pd.DataFrame:
    """Table 2's percentages, printed and recomputed side by side, columns named by :data:`TABLE2_SHORT`.

    *t2* is :func:`scsrepro.paper.tables.table_2`'s frame; the rows are the
    approval levels, the column groups Table 2's groups with ``paper`` and
    *name* (the data's, :func:`scsrepro.data.loading.data_label`) under each.
    """
    levels = t2[t2["statistic"].eq("percent")].assign(column=lambda d: d["column"].map(TABLE2_SHORT))
    return B.side_by_side(levels, names={"published": "paper", "reproduced": name})


def table2_group_sizes(frame: pd.DataFrame, w: Any, t2: pd.DataFrame) -> pd.DataFrame:
    """Table 2's group sizes: printed N, unweighted and weighted count, weighted share and base.

    One row per group (index ``group``, the :data:`TABLE2_SHORT` names) from
    the ``n`` rows of *t2* and :func:`scsrepro.paper.bivariate.group_sizes`
    on *frame* with weights *w*.
    """
    n_ids = t2.loc[t2["statistic"].eq("n"), "id"].tolist()
    sizes = B.group_sizes(frame, w, n_ids).set_index("id")
    t2_idx = t2.set_index("id")
    return pd.DataFrame(
        {
            "group": t2_idx.loc[n_ids, "column"].map(TABLE2_SHORT),
            "N printed": t2_idx.loc[n_ids, "published"],
            "N recomputed (unweighted count)": t2_idx.loc[n_ids, "reproduced"],
            "weighted N": sizes.loc[n_ids, "weighted_n"],
            "weighted % of respondents": sizes.loc[n_ids, "weighted_share"],
            "base (codebook variables)": sizes.loc[n_ids, "base"],
        }
    ).set_index("group")


def table2_size_facts(group_n: pd.DataFrame) -> Facts:
    """How many printed Ns equal the unweighted counts, and the Sesame group's two sizes.

    *group_n* is :func:`table2_group_sizes`'s frame. Facts: ``t2_n_match``,
    ``t2_n_total`` (ints); ``t2_sesame_n``, ``t2_sesame_wn`` (whole numbers
    with a thousands separator).
    """
    recomputed = group_n["N recomputed (unweighted count)"]
    return {
        "t2_n_match": int((group_n["N printed"] == recomputed).sum()),
        "t2_n_total": len(group_n),
        "t2_sesame_n": count(round(recomputed.loc["Sesame"])),
        "t2_sesame_wn": count(round(group_n.loc["Sesame", "weighted N"])),
    }


def commercial_facts(frame: pd.DataFrame, codebook: Codebook | None = None) -> Facts:
    """Who counts as a commercial user: the codebook's rule and the counts that check it.

    Facts (all ``str``): ``commercial_rule`` (the derivation of
    ``commercial_user``), ``n_sesame_or_tencent``, ``n_other_only`` (commercial
    users of another system only), ``n_commercial``,
    ``n_pilot_and_commercial`` (commercial users less those outside the
    pilots), ``n_pilot_minus_only`` (pilot participants less those without a
    commercial system) and ``pilot_relation`` ("equal" or "do not equal":
    whether the last two agree).
    """
    cb = codebook if codebook is not None else load_codebook(default_codebook_path())
    derivation = cb["commercial_user"].derivation
    if not derivation:
        raise ValueError("the codebook does not derive 'commercial_user'")

    def n(column: str) -> int:
        return int(frame[column].eq(1).sum())

    n_st, n_comm, n_pilot = n("sesame_or_tencent"), n("commercial_user"), n("use_gov_pilot")
    n_pilot_comm = n_comm - n("commercial_only")
    n_pilot_minus_only = n_pilot - n("gov_pilot_only")
    return {
        "commercial_rule": derivation["expr"],
        "n_sesame_or_tencent": count(n_st),
        "n_other_only": count(n_comm - n_st),
        "n_commercial": count(n_comm),
        "n_pilot_and_commercial": count(n_pilot_comm),
        "n_pilot_minus_only": count(n_pilot_minus_only),
        "pilot_relation": "equal" if n_pilot_comm == n_pilot_minus_only else "do not equal",
    }


def table2_repeated(board: pd.DataFrame) -> pd.DataFrame:
    """The scoreboard rows of the Table 2 cells the text repeats (:data:`TABLE2_REPEATED`)."""
    shown = ["source", "item", "column", "published", "reproduced", "role", "status"]
    return board.loc[list(TABLE2_REPEATED), shown + [c for c in ["suppressed"] if c in board.columns]]


def table2_score_facts(board: pd.DataFrame, t2: pd.DataFrame) -> Facts:
    """How Table 2 scores, and the two cells the text repeats.

    Facts: ``t2_pass``, ``t2_scored`` (ints: passing and scored numbers of
    *t2*), ``t2_max_dist`` (largest distance of a percentage, two decimals),
    ``pilot_strong_pub`` / ``comm_strong_pub`` (printed, no decimals) and
    ``pilot_strong_rep`` / ``comm_strong_rep`` (recomputed, one decimal).
    """
    t2_board = board.loc[t2["id"]]
    scored = t2_board[t2_board["status"].isin(["pass", "fail"])]
    repeat = table2_repeated(board)
    pilot, comm = TABLE2_REPEATED
    return {
        "t2_pass": int(scored["status"].eq("pass").sum()),
        "t2_scored": len(scored),
        "t2_max_dist": pct(scored.loc[scored["statistic"].eq("percent"), "distance"].max(), 2),
        "pilot_strong_pub": pct(repeat.loc[pilot, "published"], 0),
        "pilot_strong_rep": pct(repeat.loc[pilot, "reproduced"]),
        "comm_strong_pub": pct(repeat.loc[comm, "published"], 0),
        "comm_strong_rep": pct(repeat.loc[comm, "reproduced"]),
    }


# ---------------------------------------------------------------------------
# Figure 4
# ---------------------------------------------------------------------------
def figure4_comparison(stated: pd.DataFrame, board: pd.DataFrame, prose: pd.DataFrame) -> pd.DataFrame:
    """The shares the text reads off Figure 4 with the figure's estimates and their scores.

    *stated* is :func:`scsrepro.paper.bivariate.stated_shares`'s frame,
    *prose* the published prose numbers (``load_published("prose")``).
    Indexed by id (the keys of :data:`scsrepro.paper.bivariate.FIGURE4_PROSE`),
    with *stated*'s columns, the scoreboard's ``role, tolerance, status``
    and the printed ``item``.
    """
    ids = list(B.FIGURE4_PROSE)
    out = stated.set_index("id").join(board.loc[ids, ["role", "tolerance", "status"]])
    out["item"] = prose.set_index("id").loc[ids, "item"]
    return out


def figure4_facts(fig4_cmp: pd.DataFrame, tests: pd.DataFrame, rural_urban: Mapping[str, Any]) -> Facts:
    """The Figure 4 shares of the text against the data, and how the held-out shares score.

    *fig4_cmp* is :func:`figure4_comparison`'s frame, *tests*
    :func:`scsrepro.paper.bivariate.panel_tests`'s and *rural_urban* the
    :func:`scsrepro.paper.bivariate.pair_test` of rural against urban
    approval. Facts: ``<group>_pub`` (printed, no decimals) and
    ``<group>_rep`` (twin, one decimal) for urban, rural, west, central and
    east; the rural interval ``rural_lo``/``rural_hi``; ``ru_diff`` (urban
    minus rural) and ``ru_p``; ``region_p``; the oldest group's strong
    approval ``old_strong_pub``/``old_strong_rep``, interval
    ``old_lo``/``old_hi`` and size ``old_n``; ``f4_pass``, ``f4_n``,
    ``f4_in_ci`` (ints) and ``f4_mean_dist``/``f4_max_dist`` (two decimals).
    """
    f4 = fig4_cmp
    facts: Facts = {}
    for key in ["urban", "rural", "west", "central", "east"]:
        row = f4.loc[f"p_res_{key}_approve"]
        facts[f"{key}_pub"] = pct(row["published"], 0)
        facts[f"{key}_rep"] = _shown(row, pct(row["share"]))
    rural = f4.loc["p_res_rural_approve"]
    old = f4.loc["p_res_age_51_65_strong"]
    facts |= {
        "rural_lo": _shown(rural, pct(rural["ci_low"])),
        "rural_hi": _shown(rural, pct(rural["ci_high"])),
        "ru_diff": pct(-rural_urban["difference"]),
        "ru_p": p_value(rural_urban["p_value"]),
        "region_p": p_value(tests.set_index("variable").loc["region", "p_value"]),
        "old_strong_pub": pct(old["published"], 0),
        "old_strong_rep": _shown(old, pct(old["share"])),
        "old_lo": _shown(old, pct(old["ci_low"])),
        "old_hi": _shown(old, pct(old["ci_high"])),
        "old_n": _shown(old, count(old["n"])),
        "f4_pass": int(f4["status"].eq("pass").sum()),
        "f4_n": len(f4),
        "f4_in_ci": int(f4["in_interval"].sum()),
        "f4_mean_dist": pct(f4["distance"].mean(), 2),
        "f4_max_dist": pct(f4["distance"].max(), 2),
    }
    return facts


def _shown(row: pd.Series, text: str) -> str:
    """*text*, or the disclosure mark where *row* is withheld (its ``suppressed`` flag)."""
    return disclosure.MARK if bool(row.get("suppressed", False)) else text


# ---------------------------------------------------------------------------
# Table 3
# ---------------------------------------------------------------------------
def table3_scored(t3: pd.DataFrame, board: pd.DataFrame) -> pd.DataFrame:
    """Table 3's rows with their scoreboard ``distance, role, status`` and a ``row`` label "measure: item"."""
    scores = board.loc[t3["id"], ["distance", "role", "status"]]
    return t3.join(scores, on="id").assign(row=lambda d: d["measure"] + ": " + d["item"])


def table3_wide(t3v: pd.DataFrame, name: str = "twin") -> pd.DataFrame:
    """:func:`table3_scored`'s rows as a wide table: paper, the data (*name*) and distance under each column."""
    return B.side_by_side(
        t3v,
        index="row",
        values=("published", "reproduced", "distance"),
        names={"published": "paper", "reproduced": name, "distance": "distance"},
    )


def table3_facts(t3v: pd.DataFrame, board: pd.DataFrame) -> Facts:
    """How Table 3's Doubters (``t3_d_*``) and Total (``t3_t_*``) columns score.

    *t3v* is :func:`table3_scored`'s frame. Facts: ``t3_d_pass``, ``t3_d_n``,
    ``t3_t_pass``, ``t3_t_n``, ``t3_d_in_ci`` (printed doubter values inside
    the twin's interval) as ints; ``t3_d_mean``, ``t3_d_max``, ``t3_t_max``
    (two decimals); ``t3_d_max_row`` (the row label of the largest doubter
    distance) and ``t3_tol`` (the tolerance of the first row, no decimals).
    """
    doubt = t3v[t3v["column"].eq("Doubters")]
    total = t3v[t3v["column"].eq("Total")]
    tol = float(board.loc[t3v["id"], "tolerance"].iloc[0])
    inside = (doubt["ci_low"] <= doubt["published"]) & (doubt["published"] <= doubt["ci_high"])
    return {
        "t3_d_pass": int(doubt["status"].eq("pass").sum()),
        "t3_d_n": len(doubt),
        "t3_d_mean": pct(doubt["distance"].mean(), 2),
        "t3_d_max": pct(doubt["distance"].max(), 2),
        "t3_d_max_row": doubt.loc[doubt["distance"].idxmax(), "row"],
        "t3_t_pass": int(total["status"].eq("pass").sum()),
        "t3_t_n": len(total),
        "t3_t_max": pct(total["distance"].max(), 2),
        "t3_d_in_ci": int(inside.sum()),
        "t3_tol": pct(tol, 0),
    }


def heldout_rows(fig4_cmp: pd.DataFrame, t3v: pd.DataFrame) -> pd.DataFrame:
    """The held-out numbers of the chapter for :func:`scsrepro.book.figures.bivariate.heldout_comparison`.

    The Figure 4 shares of *fig4_cmp* (:func:`figure4_comparison`) and the
    Doubters column of *t3v* (:func:`table3_scored`), with columns
    ``panel, label, published, reproduced, ci_low, ci_high``.
    """
    doubt = t3v[t3v["column"].eq("Doubters")]
    parts = [
        fig4_cmp.assign(
            label=lambda d: d["group"] + ": " + d["measure"],
            reproduced=lambda d: d["share"],
            panel="Shares stated for Figure 4",
        ),
        doubt.assign(label=doubt["row"], panel="Table 3, Doubters column"),
    ]
    return pd.concat(parts, ignore_index=True)[["panel", "label", "published", "reproduced", "ci_low", "ci_high"]]


def income_table(t3: pd.DataFrame, name: str = "twin") -> pd.DataFrame:
    """Table 3's income rows on both bases, with the printed totals rescaled and a ``sum`` row.

    The printed doubter shares leave "prefer not to say" out of their base,
    the printed totals keep it; the data's columns (labelled *name*) show
    each column's base as the paper used it (``reproduced``) and the other
    one (``reproduced_alt``); the last column rescales the printed totals to
    the doubters' base.
    """
    inc = t3[t3["measure"].eq("Income")]
    inc_d = inc[inc["column"].eq("Doubters")].set_index("item")
    inc_t = inc[inc["column"].eq("Total")].set_index("item")
    like = inc_t["published"] / inc_t["published"].sum() * 100
    income = pd.DataFrame(
        {
            ("Doubters", "paper (without 'prefer not to say')"): inc_d["published"],
            ("Doubters", f"{name}, same base as paper"): inc_d["reproduced"],
            ("Doubters", f"{name}, with 'prefer not to say'"): inc_d["reproduced_alt"],
            ("Total", "paper (with 'prefer not to say')"): inc_t["published"],
            ("Total", f"{name}, same base as paper"): inc_t["reproduced"],
            ("Total", f"{name}, without 'prefer not to say'"): inc_t["reproduced_alt"],
            ("Total", "paper rescaled to the doubters' base"): like,
        }
    )
    income.loc["sum"] = income.sum()
    income.index.name = None
    return income


def income_facts(t3: pd.DataFrame, published_values: pd.Series) -> Facts:
    """The sums of Table 3's printed income columns and Table A2's "prefer not to say" share.

    *published_values* are the printed numbers by id. Facts (two
    decimals): ``inc_d_sum``, ``inc_t_sum`` and ``inc_pnts``.
    """
    inc = t3[t3["measure"].eq("Income")]
    return {
        "inc_d_sum": pct(inc.loc[inc["column"].eq("Doubters"), "published"].sum(), 2),
        "inc_t_sum": pct(inc.loc[inc["column"].eq("Total"), "published"].sum(), 2),
        "inc_pnts": pct(published_values["a2_w_income_no_answer"], 2),
    }


# ---------------------------------------------------------------------------
# approval by group implied by Table 3
# ---------------------------------------------------------------------------
def implied_approval_table(published: pd.DataFrame, est: pd.DataFrame, doubter_rate: float) -> pd.DataFrame:
    """Approval by group implied by the printed Table 3, with the twin's direct estimate.

    :func:`scsrepro.paper.doubters.table3_implied_approval` on the printed
    Table 3 rows of *published* (``id, value``) with *doubter_rate*, and a
    column ``twin (direct)``: the share approving in the same group in *est*
    (:func:`scsrepro.paper.bivariate.approval_panels`; NaN where it has none).
    """
    t3_pub = published[published["id"].str.startswith("t3_")].rename(columns={"value": "published"})
    implied = doubters.table3_implied_approval(t3_pub, doubter_rate)
    twin = est[est["measure"].eq("approve")].set_index(["variable", "code"])["share"]
    implied["twin (direct)"] = [twin.get((v, c), np.nan) for v, c in zip(implied["variable"], implied["code"])]
    return implied


def implied_focus(implied: pd.DataFrame, name: str = "twin") -> pd.DataFrame:
    """The age and education rows of :func:`implied_approval_table`, with the columns the chapter shows.

    The data's direct estimate is labelled with *name*.
    """
    focus = implied[implied["measure"].isin(["Age", "Education"])].set_index(["measure", "item"])
    return focus[["doubters", "total", "implied_approve", "twin (direct)"]].rename(
        columns={
            "doubters": "Table 3 doubters",
            "total": "Table 3 total",
            "implied_approve": "approve, implied by Table 3",
            "twin (direct)": f"approve, {name}",
        }
    )


def section_findings(findings: pd.DataFrame, source: str) -> pd.DataFrame:
    """The errata audit's findings (:func:`scsrepro.paper.audit.run_audit`) on one passage *source*."""
    return findings[findings["source"].eq(source)]


def _extreme(frame: pd.DataFrame, measure: str, how: str) -> str:
    """The item of *measure* with the highest (``how="idxmax"``) or lowest implied approval."""
    part = frame[frame["measure"].eq(measure)]
    return part.loc[getattr(part["implied_approve"], how)(), "item"]


def _twin_extreme(est: pd.DataFrame, variable: str, how: str) -> str:
    """The group of *variable* with the highest or lowest approval in *est*, in curly quotes."""
    part = est[est["measure"].eq("approve") & est["variable"].eq(variable)]
    return f"“{part.loc[getattr(part['share'], how)(), 'group']}”"


def approval_order_facts(implied: pd.DataFrame, est: pd.DataFrame, doubter_rate: float, claims: pd.DataFrame) -> Facts:
    """Which groups approve most and least, by the printed Table 3 and in the twin.

    *implied* is :func:`implied_approval_table`'s frame, *est* the Figure 4
    estimates, *doubter_rate* the printed share of doubters and *claims*
    the audit findings on the paragraph (:func:`section_findings`). Facts:
    ``D_pub`` (two decimals); ``pub_age_max``, ``pub_age_min``,
    ``pub_edu_min`` (Table 3's labels); ``pub_old_approve`` (the oldest
    group) and ``pub_edu_min_val`` (one decimal); ``twin_age_max``,
    ``twin_edu_min`` (quoted group labels); ``n_findings`` (int).
    """
    age = implied.loc[implied["measure"].eq("Age"), "implied_approve"]
    education = implied.loc[implied["measure"].eq("Education"), "implied_approve"]
    return {
        "D_pub": pct(doubter_rate, 2),
        "pub_age_max": _extreme(implied, "Age", "idxmax"),
        "pub_age_min": _extreme(implied, "Age", "idxmin"),
        "pub_old_approve": pct(age.iloc[-1]),
        "pub_edu_min": _extreme(implied, "Education", "idxmin"),
        "pub_edu_min_val": pct(education.min()),
        "twin_age_max": _twin_extreme(est, "age_group", "idxmax"),
        "twin_edu_min": _twin_extreme(est, "education", "idxmin"),
        "n_findings": len(claims),
    }


def figure4_prose_comparisons(published: pd.DataFrame) -> pd.DataFrame:
    """:func:`scsrepro.paper.audit.prose_comparisons` of the Figure 4 shares of the text only."""
    pc = audit.prose_comparisons(published)
    return pc[pc["claims"].isin(list(B.FIGURE4_PROSE))]


def prose_comparison_facts(pc: pd.DataFrame) -> Facts:
    """``pc_n``, ``pc_ok``, ``pc_rounding`` (ints): compared shares, those that fit, those one rounding off."""
    return {
        "pc_n": len(pc),
        "pc_ok": int(pc["status"].eq("ok").sum()),
        "pc_rounding": int(pc["status"].eq("rounding").sum()),
    }


# ---------------------------------------------------------------------------
# Table 5 and the rural-urban statements
# ---------------------------------------------------------------------------
def rural_urban_table(
    board: pd.DataFrame, tests: pd.DataFrame, label: str, alt: bool = False, status: bool = False, name: str = "twin"
) -> pd.DataFrame:
    """Printed and recomputed rural and urban shares with the Rao-Scott p of their difference.

    One row per pair of *tests* (:func:`scsrepro.paper.bivariate.pair_tests`,
    rural id first), labelled by the scoreboard column *label* of the rural
    id. Two-level columns: ``Rural`` and ``Urban`` with ``paper`` and the
    data's *name* (and ``<name>, other reading`` if *alt*), then
    ``("Rural–urban", "Rao–Scott p")`` and, if *status*, ``("", "status")``
    ("rural status / urban status").
    """
    rows: list[dict[Any, Any]] = []
    withheld: list[tuple[int, tuple[str, str]]] = []
    for t in tests.itertuples(index=False):
        r_id, u_id = t.id_a, t.id_b
        row: dict[Any, Any] = {label: board.loc[r_id, label]}
        for side, id_ in [("Rural", r_id), ("Urban", u_id)]:
            row[(side, "paper")] = board.loc[id_, "published"]
            row[(side, name)] = board.loc[id_, "reproduced"]
            if alt:
                row[(side, f"{name}, other reading")] = board.loc[id_, "reproduced_alt"]
            if "suppressed" in board.columns and bool(board.loc[id_, "suppressed"]):
                withheld += [(len(rows), (side, name)), (len(rows), (side, f"{name}, other reading"))]
        row[("Rural–urban", "Rao–Scott p")] = t.p_value
        if status:
            row[("", "status")] = f"{board.loc[r_id, 'status']} / {board.loc[u_id, 'status']}"
        rows.append(row)
    out = pd.DataFrame(rows).set_index(label)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = None
    if withheld:
        mask = pd.DataFrame(False, index=range(len(out)), columns=out.columns)
        for i, col in withheld:
            if col in mask.columns:
                mask.loc[i, col] = True
        mask.index = out.index
        out.attrs["suppressed"] = mask
    return out


def rural_urban_formats(frame: pd.DataFrame) -> dict[Any, str]:
    """Formats for :func:`rural_urban_table`: printed shares whole, p-values at two significant digits.

    Text columns (the status, a stability mark) keep their text.
    """
    fmt = {"paper": "{:.0f}", "Rao–Scott p": "{:.2g}"}
    return {c: fmt.get(c[1], "{:.2f}") for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}


def table5_facts(
    frame: pd.DataFrame, w: Any, t5: pd.DataFrame, tests: pd.DataFrame, published_values: pd.Series
) -> Facts:
    """Table 5's N, printed and recomputed, weighted, and split into rural and urban users.

    *t5* is :func:`scsrepro.paper.tables.table_5`'s frame, *tests* the
    rural-urban :func:`scsrepro.paper.bivariate.pair_tests` of its rows
    (the last pair's bases give the rural and urban counts) and
    *published_values* the printed numbers by id. Facts (whole numbers with
    a thousands separator): ``t5_n_pub``, ``t5_n_rep``, ``t5_wn``,
    ``t5_n_rural``, ``t5_n_urban`` and ``t2_comm_n_pub``.
    """
    t5_n = t5.set_index("id").loc["t5_n"]
    last = tests.iloc[-1]
    apply = disclosure.applies(frame)

    def shown(n: Any) -> str:
        return disclosure.MARK if disclosure.too_few([n], apply)[0] else count(n)

    return {
        "t5_n_pub": count(round(t5_n["published"])),
        "t5_n_rep": shown(t5_n["reproduced"]),
        "t5_wn": count(round(B.group_sizes(frame, w, ["t5_n"]).loc[0, "weighted_n"])),
        "t5_n_rural": shown(last["n_a"]),
        "t5_n_urban": shown(last["n_b"]),
        "t2_comm_n_pub": count(round(published_values["t2_commercial_n"])),
    }


def discussion_facts(board: pd.DataFrame) -> Facts:
    """The text's rural and urban shares of Section 4.4, printed and recomputed.

    For each statement of :data:`DISCUSSION_STATEMENTS` and each side:
    ``<side>_<statement>_pub`` (printed, no decimals) and
    ``<side>_<statement>_rep`` (recomputed, one decimal).
    """
    facts: Facts = {}
    for key in DISCUSSION_STATEMENTS:
        for side in ["rural", "urban"]:
            id_ = f"p_disc_{side}_{key}"
            facts[f"{side}_{key}_pub"] = pct(board.loc[id_, "published"], 0)
            facts[f"{side}_{key}_rep"] = pct(board.loc[id_, "reproduced"])
    return facts


# ---------------------------------------------------------------------------
# the chapter on the scoreboard
# ---------------------------------------------------------------------------
def chapter_ids(computed: Mapping[str, pd.DataFrame], prose_ids: Sequence[str]) -> list[str]:
    """The ids of every printed number this chapter discusses, in the chapter's order.

    Tables 2, 3 and 5 of *computed* (:func:`scsrepro.paper.tables.all_tables`),
    the repeated Table 2 cells, Figure 4's N and shares, the text's doubter
    numbers and the rural-urban statements among *prose_ids*.
    """
    return (
        computed["table_2"]["id"].tolist()
        + computed["table_3"]["id"].tolist()
        + computed["table_5"]["id"].tolist()
        + [*TABLE2_REPEATED, "p_fig4_n"]
        + list(B.FIGURE4_PROSE)
        + ["p_res_doubters_share", "p_res_doubters_ratio"]
        + [i for i in prose_ids if i.startswith(("p_disc_rural_", "p_disc_urban_"))]
    )


def scoreboard_facts(summary: pd.DataFrame, board: pd.DataFrame) -> Facts:
    """How the chapter's calibrated and held-out numbers score, and two numbers of the text.

    *summary* is :func:`scsrepro.paper.fidelity.summary` of the chapter's
    rows (by basis). Facts: ``target_pass``, ``target_scored`` (the
    calibrated rows), ``held_pass``, ``held_scored`` (the held-out rows;
    ints, the ``all`` rows); ``doubt_share_pub`` (no decimals),
    ``doubt_share_rep`` (one decimal) and ``fig4_n_pub`` (whole, with a
    thousands separator).
    """
    allrow = summary.set_index(["table", "basis"])
    return {
        "target_pass": int(allrow.loc[("all", "calibrated"), "n_pass"]),
        "target_scored": int(allrow.loc[("all", "calibrated"), "n_scored"]),
        "held_pass": int(allrow.loc[("all", "held_out"), "n_pass"]),
        "held_scored": int(allrow.loc[("all", "held_out"), "n_scored"]),
        "doubt_share_pub": pct(board.loc["p_res_doubters_share", "published"], 0),
        "doubt_share_rep": pct(board.loc["p_res_doubters_share", "reproduced"]),
        "fig4_n_pub": count(round(board.loc["p_fig4_n", "published"])),
    }
