"""The bivariate chapter's tables and prose facts (scsrepro.book.facts.bivariate).

Small constructed tables with known answers check each helper's numbers,
formats and types (an ``int`` fact and a ``str`` fact are glued as different
text); the committed twin checks the helpers that need respondent data.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts import bivariate as F
from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import bivariate as B
from scsrepro.paper import doubters, tables
from scsrepro.paper.published import load_published
from scsrepro.paper.weights import weights_for

FIG4_IDS = list(B.FIGURE4_PROSE)


def _types(facts):
    return {k: type(v) for k, v in facts.items()}


# ----------------------------------------------------------------- constructed inputs
@pytest.fixture
def board():
    """A scoreboard (indexed by id) with the rows the helpers read."""
    rows = [
        # id, statistic, item, measure, published, reproduced, distance, tolerance, status, reproduced_alt
        ("t2_total_n", "n", "N", "N", 2000.0, 2000.0, 0.0, 0.0, "pass", np.nan),
        ("t2_total_a", "percent", "approve", "approve", 50.0, 50.4, 0.4, 1.0, "pass", np.nan),
        ("t2_total_b", "percent", "strongly", "strongly", 20.0, 21.75, 1.75, 1.0, "fail", np.nan),
        ("t2_total_c", "percent", "n/a", "n/a", 5.0, np.nan, np.nan, 1.0, "n/a", np.nan),
        ("p_res_gov_pilot_strong", "percent", "pilot", "strong", 33.0, 32.94, 0.06, 1.0, "pass", np.nan),
        ("p_res_commercial_strong", "percent", "comm", "strong", 41.0, 41.06, 0.06, 1.0, "pass", np.nan),
        ("p_res_doubters_share", "percent", "doubters", "share", 20.0, 19.96, 0.04, 1.0, "pass", np.nan),
        ("p_fig4_n", "n", "N", "N", 2209.0, 2209.0, 0.0, 0.0, "pass", np.nan),
    ]
    for side in ["rural", "urban"]:
        for k, key in enumerate(F.DISCUSSION_STATEMENTS):
            value = 10.0 * (k + 1) + (side == "urban")
            rows.append((f"p_disc_{side}_{key}", "percent", key, f"says {key}", value, value + 0.25, 0.25, 1.0,
                         "pass" if side == "rural" else "fail", value + 0.5))
    for k, id_ in enumerate(FIG4_IDS):
        rows.append((id_, "percent", f"item {k}", "approve", 0.0, 0.0, 0.0, 1.0, "pass", np.nan))
    frame = pd.DataFrame(rows, columns=["id", "statistic", "item", "measure", "published", "reproduced", "distance",
                                        "tolerance", "status", "reproduced_alt"])
    return frame.assign(source="Table", column="Total", role="target").set_index("id")


def test_overview_facts_counts_respondents_with_a_separator():
    assert F.overview_facts(pd.DataFrame({"x": range(2209)})) == {"n_resp": "2,209"}


def test_table2_levels_shortens_group_names_and_keeps_percentages_only():
    t2 = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "statistic": ["percent", "percent", "percent", "percent", "n"],
        "item": ["approve", "approve", "disapprove", "disapprove", "N"],
        "column": ["Total", "Users of Sesame Credit"] * 2 + ["Total"],
        "published": [60.0, 70.0, 40.0, 30.0, 2000.0],
        "reproduced": [61.0, 69.0, 39.0, 31.0, 2000.0],
    })
    out = F.table2_levels(t2)
    assert list(out.index) == ["approve", "disapprove"]
    assert list(out.columns) == [("Total", "paper"), ("Total", "twin"), ("Sesame", "paper"), ("Sesame", "twin")]
    assert out.loc["disapprove", ("Sesame", "twin")] == 31.0


def test_table2_size_facts_types_and_rounding():
    group_n = pd.DataFrame(
        {"N printed": [2000.0, 1500.0, 300.0], "N recomputed (unweighted count)": [2000.0, 1500.0, 301.0],
         "weighted N": [2000.0, 1234.5, 290.2]},
        index=pd.Index(["Total", "Sesame", "Tencent"], name="group"),
    )
    facts = F.table2_size_facts(group_n)
    assert facts == {"t2_n_match": 2, "t2_n_total": 3, "t2_sesame_n": "1,500", "t2_sesame_wn": "1,234"}
    assert _types(facts) == {"t2_n_match": int, "t2_n_total": int, "t2_sesame_n": str, "t2_sesame_wn": str}
    group_n.loc["Sesame", "weighted N"] = 1234.6
    assert F.table2_size_facts(group_n)["t2_sesame_wn"] == "1,235"


def test_commercial_facts_counts_and_relation():
    frame = pd.DataFrame({
        "sesame_or_tencent": [1, 1, 0, 0, 0],
        "commercial_user": [1, 1, 1, 0, 0],
        "commercial_only": [1, 0, 0, 0, 0],
        "use_gov_pilot": [0, 1, 1, 1, 0],
        "gov_pilot_only": [0, 0, 0, 1, 0],
    })
    codebook = {"commercial_user": SimpleNamespace(derivation={"expr": "a | b"})}
    facts = F.commercial_facts(frame, codebook)
    assert facts == {
        "commercial_rule": "a | b",
        "n_sesame_or_tencent": "2",
        "n_other_only": "1",
        "n_commercial": "3",
        "n_pilot_and_commercial": "2",
        "n_pilot_minus_only": "2",
        "pilot_relation": "equal",
    }
    frame.loc[4, "use_gov_pilot"] = 1
    assert F.commercial_facts(frame, codebook)["pilot_relation"] == "do not equal"
    with pytest.raises(ValueError, match="commercial_user"):
        F.commercial_facts(frame, {"commercial_user": SimpleNamespace(derivation=None)})


def test_commercial_facts_reads_the_default_codebook():
    frame = pd.DataFrame({c: [1] for c in ["sesame_or_tencent", "commercial_user", "commercial_only",
                                           "use_gov_pilot", "gov_pilot_only"]})
    assert "sesame" in F.commercial_facts(frame)["commercial_rule"]


def test_table2_repeated_and_score_facts(board):
    repeat = F.table2_repeated(board)
    assert list(repeat.index) == list(F.TABLE2_REPEATED)
    assert list(repeat.columns) == ["source", "item", "column", "published", "reproduced", "role", "status"]
    t2 = pd.DataFrame({"id": ["t2_total_n", "t2_total_a", "t2_total_b", "t2_total_c"]})
    facts = F.table2_score_facts(board, t2)
    assert facts == {
        "t2_pass": 2, "t2_scored": 3, "t2_max_dist": "1.75",
        "pilot_strong_pub": "33", "pilot_strong_rep": "32.9", "comm_strong_pub": "41", "comm_strong_rep": "41.1",
    }
    assert isinstance(facts["t2_pass"], int) and isinstance(facts["t2_scored"], int)


@pytest.fixture
def fig4_cmp():
    """A Figure 4 comparison: ids of FIGURE4_PROSE with known shares."""
    published = [60.0, 50.0, 55.0, 65.0, 70.0, 40.0]
    share = [61.25, 48.0, 55.5, 64.0, 69.0, 31.0]
    return pd.DataFrame({
        "group": ["Urban", "Rural", "West", "Central", "East", "51-65"],
        "measure": ["approve"] * 5 + ["strongly approve"],
        "published": published,
        "share": share,
        "ci_low": [s - 2 for s in share],
        "ci_high": [s + 2 for s in share],
        "n": [1500, 709, 600, 700, 909, 1234],
        "distance": [abs(a - b) for a, b in zip(published, share)],
        "in_interval": [True, False, True, True, True, False],
        "status": ["fail", "fail", "pass", "pass", "pass", "fail"],
    }, index=pd.Index(FIG4_IDS, name="id"))


def test_figure4_comparison_joins_scores_and_items(board):
    prose = pd.DataFrame({"id": FIG4_IDS[::-1], "item": [f"printed {i}" for i in FIG4_IDS[::-1]]})
    stated = pd.DataFrame({"id": FIG4_IDS, "share": np.arange(6.0)})
    out = F.figure4_comparison(stated, board, prose)
    assert list(out.index) == FIG4_IDS
    assert list(out.columns) == ["share", "role", "tolerance", "status", "item"]
    assert (out["item"] == [f"printed {i}" for i in FIG4_IDS]).all()
    from_stated = {"group", "published", "ci_low", "ci_high", "n", "distance", "in_interval", "suppressed"}
    assert set(F.FIGURE4_COLUMNS) - from_stated <= set(out.columns)


def test_figure4_facts(fig4_cmp):
    tests = pd.DataFrame({"variable": ["urban", "region"], "p_value": [0.5, 0.0004]})
    facts = F.figure4_facts(fig4_cmp, tests, {"difference": -13.25, "p_value": 0.0123})
    assert facts["urban_pub"] == "60" and facts["urban_rep"] == "61.2"
    assert facts["rural_pub"] == "50" and facts["rural_rep"] == "48.0"
    assert (facts["rural_lo"], facts["rural_hi"]) == ("46.0", "50.0")
    assert (facts["west_rep"], facts["central_rep"], facts["east_rep"]) == ("55.5", "64.0", "69.0")
    assert facts["ru_diff"] == "13.2" and facts["ru_p"] == "p = 0.012" and facts["region_p"] == "p < 0.001"
    assert (facts["old_strong_pub"], facts["old_strong_rep"], facts["old_n"]) == ("40", "31.0", "1,234")
    assert (facts["f4_pass"], facts["f4_n"], facts["f4_in_ci"]) == (3, 6, 4)
    assert facts["f4_mean_dist"] == f"{np.mean([1.25, 2, 0.5, 1, 1, 9]):.2f}" and facts["f4_max_dist"] == "9.00"
    assert all(isinstance(facts[k], int) for k in ["f4_pass", "f4_n", "f4_in_ci"])
    assert len(facts) == 25


@pytest.fixture
def t3(board):
    """Table 3 with an age block of two groups and an income block, both columns; and a matching board."""
    t3 = pd.DataFrame({
        "id": ["t3_d_young", "t3_d_old", "t3_t_young", "t3_t_old", "t3_d_low", "t3_d_high", "t3_t_low", "t3_t_high"],
        "measure": ["Age"] * 4 + ["Income"] * 4,
        "item": ["young", "old"] * 4,
        "column": ["Doubters", "Doubters", "Total", "Total"] * 2,
        "published": [40.0, 60.0, 50.0, 50.0, 45.0, 55.0, 40.0, 50.0],
        "reproduced": [43.0, 57.0, 50.5, 49.5, 44.0, 56.0, 41.0, 49.0],
        "reproduced_alt": [43.0, 57.0, 50.5, 49.5, 40.0, 50.0, 45.0, 55.0],
        "ci_low": [41.0, 55.0, 49.0, 48.0, 40.0, 50.0, 39.0, 47.0],
        "ci_high": [45.0, 59.0, 52.0, 51.0, 48.0, 60.0, 43.0, 51.0],
    })
    scores = pd.DataFrame({
        "distance": (t3["reproduced"] - t3["published"]).abs().to_numpy(),
        "role": "held_out", "status": ["fail", "fail", "pass", "pass", "pass", "fail", "fail", "pass"],
        "tolerance": 1.0,
    }, index=t3["id"])
    return t3, pd.concat([board, scores])


def test_table3_scored_wide_and_facts(t3):
    t3, board = t3
    t3v = F.table3_scored(t3, board)
    assert list(t3v["row"][:2]) == ["Age: young", "Age: old"]
    assert list(t3v["distance"][:2]) == [3.0, 3.0]
    wide = F.table3_wide(t3v)
    assert list(wide.columns[:3]) == [("Doubters", "paper"), ("Doubters", "twin"), ("Doubters", "distance")]
    assert wide.loc["Age: old", ("Total", "twin")] == 49.5
    facts = F.table3_facts(t3v, board)
    assert facts == {
        "t3_d_pass": 1, "t3_d_n": 4, "t3_d_mean": "2.00", "t3_d_max": "3.00", "t3_d_max_row": "Age: young",
        "t3_t_pass": 3, "t3_t_n": 4, "t3_t_max": "1.00", "t3_d_in_ci": 2, "t3_tol": "1",
    }
    assert all(isinstance(facts[k], int) for k in ["t3_d_pass", "t3_d_n", "t3_t_pass", "t3_t_n", "t3_d_in_ci"])


def test_heldout_rows_stack_figure4_shares_and_doubters(t3, fig4_cmp):
    t3, board = t3
    rows = F.heldout_rows(fig4_cmp, F.table3_scored(t3, board))
    assert list(rows.columns) == ["panel", "label", "published", "reproduced", "ci_low", "ci_high"]
    assert len(rows) == 6 + 4
    assert rows.loc[0, "label"] == "Urban: approve" and rows.loc[0, "reproduced"] == 61.25
    assert rows.loc[6, "label"] == "Age: young" and rows.loc[6, "panel"] == "Table 3, Doubters column"


def test_income_table_and_facts(t3):
    t3, _ = t3
    income = F.income_table(t3)
    assert list(income.index) == ["young", "old", "sum"]
    rescaled = income[("Total", "paper rescaled to the doubters' base")]
    assert rescaled.loc["young"] == pytest.approx(40 / 90 * 100) and rescaled.loc["sum"] == pytest.approx(100)
    assert income.loc["sum", ("Doubters", "twin, with 'prefer not to say'")] == 90.0
    facts = F.income_facts(t3, pd.Series({"a2_w_income_no_answer": 9.876}))
    assert facts == {"inc_d_sum": "100.00", "inc_t_sum": "90.00", "inc_pnts": "9.88"}


def test_approval_order_facts_and_findings():
    implied = pd.DataFrame({
        "measure": ["Age", "Age", "Age", "Education", "Education"],
        "item": ["14-29", "30-50", "51-65", "None", "Low"],
        "implied_approve": [90.0, 80.0, 85.25, 70.0, 75.0],
    })
    est = pd.DataFrame({
        "variable": ["age_group"] * 3 + ["education"] * 2 + ["age_group"],
        "measure": ["approve"] * 5 + ["strongly approve"],
        "group": ["14-29", "30-50", "51-65", "None", "Low", "30-50"],
        "share": [70.0, 75.0, 80.0, 60.0, 55.0, 99.0],
    })
    findings = pd.DataFrame({"source": ["Section 4.2 para 1", "Table 2", "Section 4.2 para 1"]})
    claims = F.section_findings(findings, "Section 4.2 para 1")
    assert list(claims.index) == [0, 2]
    facts = F.approval_order_facts(implied, est, 20.123, claims)
    assert facts == {
        "D_pub": "20.12", "pub_age_max": "14-29", "pub_age_min": "30-50", "pub_old_approve": "85.2",
        "pub_edu_min": "None", "pub_edu_min_val": "70.0", "twin_age_max": "“51-65”", "twin_edu_min": "“Low”",
        "n_findings": 2,
    }


def test_prose_comparison_facts():
    pc = pd.DataFrame({"status": ["ok", "rounding", "ok", "minor"]})
    assert F.prose_comparison_facts(pc) == {"pc_n": 4, "pc_ok": 2, "pc_rounding": 1}


def test_rural_urban_table_and_formats(board):
    tests = pd.DataFrame({
        "id_a": ["p_disc_rural_any_benefit", "p_disc_rural_no_understanding"],
        "id_b": ["p_disc_urban_any_benefit", "p_disc_urban_no_understanding"],
        "p_value": [0.25, 0.001],
    })
    plain = F.rural_urban_table(board, tests, "item")
    assert list(plain.index) == ["any_benefit", "no_understanding"] and plain.index.name is None
    assert list(plain.columns) == [("Rural", "paper"), ("Rural", "twin"), ("Urban", "paper"), ("Urban", "twin"),
                                   ("Rural–urban", "Rao–Scott p")]
    assert plain.loc["any_benefit", ("Urban", "paper")] == 21.0
    assert plain.loc["no_understanding", ("Rural–urban", "Rao–Scott p")] == 0.001
    full = F.rural_urban_table(board, tests, "measure", alt=True, status=True)
    assert full.columns[2] == ("Rural", "twin, other reading") and full.columns[-1] == ("", "status")
    assert full.loc["says any_benefit", ("", "status")] == "pass / fail"
    assert full.loc["says any_benefit", ("Urban", "twin, other reading")] == 21.5
    formats = F.rural_urban_formats(full)
    assert ("", "status") not in formats
    assert formats[("Rural", "paper")] == "{:.0f}" and formats[("Rural–urban", "Rao–Scott p")] == "{:.2g}"
    assert formats[("Urban", "twin, other reading")] == "{:.2f}"


def test_discussion_facts(board):
    facts = F.discussion_facts(board)
    assert len(facts) == 16
    assert facts["rural_no_understanding_pub"] == "10" and facts["urban_no_understanding_pub"] == "11"
    assert facts["urban_credit_difficulty_rep"] == "41.2"


def test_chapter_ids_in_order():
    computed = {name: pd.DataFrame({"id": [f"{name}_x"]}) for name in ["table_2", "table_3", "table_5"]}
    prose_ids = ["p_res_x", "p_disc_rural_a", "p_disc_urban_a", "p_disc_other"]
    ids = F.chapter_ids(computed, prose_ids)
    assert ids[:3] == ["table_2_x", "table_3_x", "table_5_x"]
    assert ids[3:6] == [*F.TABLE2_REPEATED, "p_fig4_n"]
    assert ids[6:12] == FIG4_IDS
    assert ids[12:] == ["p_res_doubters_share", "p_res_doubters_ratio", "p_disc_rural_a", "p_disc_urban_a"]


def test_scoreboard_facts(board):
    summary = pd.DataFrame({
        "table": ["Table 2", "all", "all"], "basis": ["calibrated", "calibrated", "held_out"],
        "n_pass": [3, 40, 7], "n_scored": [4, 44, 12],
    })
    facts = F.scoreboard_facts(summary, board)
    assert facts == {"target_pass": 40, "target_scored": 44, "held_pass": 7, "held_scored": 12,
                     "doubt_share_pub": "20", "doubt_share_rep": "20.0", "fig4_n_pub": "2,209"}
    assert all(type(facts[k]) is int for k in ["target_pass", "target_scored", "held_pass", "held_scored"])


# ----------------------------------------------------------------- the twin
@pytest.fixture(scope="module")
def twin():
    df = load_survey(paths.SYNTHETIC / "twin.csv")
    return df, weights_for(df)


@pytest.fixture(scope="module")
def computed(twin):
    return tables.all_tables(*twin)


def test_table2_group_sizes_on_the_twin(twin, computed):
    df, w = twin
    t2 = computed["table_2"]
    group_n = F.table2_group_sizes(df, w, t2)
    assert list(group_n.index) == list(F.TABLE2_SHORT.values())
    assert (group_n["N recomputed (unweighted count)"] == group_n["N printed"]).any()
    assert group_n.loc["Total", "weighted N"] == pytest.approx(len(df))
    assert group_n.loc["Total", "weighted % of respondents"] == pytest.approx(100.0)
    sizes = B.group_sizes(df, w, t2.loc[t2["statistic"].eq("n"), "id"].tolist())
    assert (group_n["N recomputed (unweighted count)"].to_numpy() == sizes["n"].to_numpy()).all()


def test_table5_facts_on_the_twin(twin, computed):
    df, w = twin
    t5 = computed["table_5"]
    tests = B.pair_tests(df, w, B.rural_urban_pairs(t5["id"], "t5_rural_"))
    published = load_published().set_index("id")["value"]
    facts = F.table5_facts(df, w, t5, tests, published)
    n = int(t5.set_index("id").loc["t5_n", "reproduced"])
    assert facts["t5_n_rep"] == f"{n:,}"
    rural, urban = (int(x.replace(",", "")) for x in (facts["t5_n_rural"], facts["t5_n_urban"]))
    assert rural + urban == n
    assert facts["t2_comm_n_pub"] == f"{published['t2_commercial_n']:,.0f}"
    assert all(isinstance(v, str) for v in facts.values())


def test_implied_approval_table_on_the_twin(twin):
    df, w = twin
    est = B.approval_panels(df, w)
    published = load_published()
    implied = F.implied_approval_table(published, est, doubters.printed_doubter_rate(published))
    age = implied[implied["measure"].eq("Age")]
    approve = est[est["measure"].eq("approve") & est["variable"].eq("age_group")].set_index("code")["share"]
    assert age["twin (direct)"].to_numpy() == pytest.approx(approve.loc[age["code"].astype(int)].to_numpy())
    focus = F.implied_focus(implied)
    assert set(focus.index.get_level_values(0)) == {"Age", "Education"}
    assert list(focus.columns) == ["Table 3 doubters", "Table 3 total", "approve, implied by Table 3",
                                   "approve, twin"]


def test_figure4_prose_comparisons_are_the_figure4_shares():
    pc = F.figure4_prose_comparisons(load_published())
    assert len(pc) and set(pc["claims"]) <= set(FIG4_IDS)
