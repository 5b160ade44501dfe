"""The bivariate chapter's helpers and figures (scsrepro.paper.bivariate, scsrepro.book.figures.bivariate).

Constructed data with a known answer check the helpers; the twin checks that
the numbers behind Figure 4, the rural-urban tests and the group sizes are
the same numbers the table functions of ``scsrepro.paper.tables`` recompute for
the printed values (so the figure and the scoreboard cannot drift apart);
the figure tests read the drawn bars and markers back from the axes.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts.common import p_value
from scsrepro.book.figures import bivariate as PB
from scsrepro.data import paths
from scsrepro.data.fake import random_valid_frame
from scsrepro.data.loading import load_survey
from scsrepro.paper import bivariate as B
from scsrepro.paper import doubters, tables
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import load_targets
from scsrepro.paper.weights import weights_for
from scsrepro.survey.estimates import weighted_crosstab, weighted_proportions

matplotlib.use("Agg")


# ----------------------------------------------------------------- constructed data
@pytest.fixture(scope="module")
def toy():
    """Two groups with known weighted approval shares.

    Group 1 (urban): approval 5, 5, 4, 3 with weights 1, 1, 2, 4 ->
    approve (4-5) = 4/8, strongly = 2/8. Group 0 (rural): approval 5, 4, 2, 1
    with weights 3, 1, 2, 2 -> approve = 4/8, strongly = 3/8. One respondent
    with income 'prefer not to say' (99) sits in group 1.
    """
    frame = pd.DataFrame({
        "urban": [1, 1, 1, 1, 0, 0, 0, 0],
        "approval": [5, 5, 4, 3, 5, 4, 2, 1],
        "income_group": [1, 2, 3, 99, 1, 2, 3, 1],
    })
    w = np.array([1, 1, 2, 4, 3, 1, 2, 2], dtype=float)
    return frame, w


def test_approval_by_group_known_shares(toy):
    frame, w = toy
    out = B.approval_by_group(frame, w, "urban").set_index(["group", "measure"])
    assert out.loc[("Urban", "approve"), "share"] == pytest.approx(50.0)
    assert out.loc[("Urban", "strongly approve"), "share"] == pytest.approx(25.0)
    assert out.loc[("Rural", "approve"), "share"] == pytest.approx(50.0)
    assert out.loc[("Rural", "strongly approve"), "share"] == pytest.approx(37.5)
    assert out.loc[("Urban", "approve"), "n"] == 4
    # groups in code order with codebook labels
    assert list(dict.fromkeys(out.index.get_level_values("group"))) == ["Rural", "Urban"]


def test_approval_by_group_is_a_domain_estimate(toy):
    """Same point, SE and interval as weighted_proportions with NaN outside the group."""
    frame, w = toy
    out = B.approval_by_group(frame, w, "urban", method="wald").set_index(["group", "measure"])
    y = np.where(frame["urban"].eq(1), frame["approval"].isin([4, 5]).astype(float), np.nan)
    ref = weighted_proportions(y, w, levels=[0.0, 1.0], method="wald").iloc[1]
    row = out.loc[("Urban", "approve")]
    assert row["se"] == pytest.approx(100 * ref["se"])
    assert row["ci_low"] == pytest.approx(100 * ref["ci_low"])
    assert row["ci_high"] == pytest.approx(100 * ref["ci_high"])


def test_nonsubstantive_codes_leave_the_base(toy):
    frame, w = toy
    out = B.approval_by_group(frame, w, "income_group")
    assert 99 not in out["code"].tolist()
    assert out.groupby("code")["n"].first().sum() == 7
    # income 1: approval 5 (w 1) and 5 (w 3), 1 (w 2) -> approve 4/6, strongly 4/6
    inc1 = out[out["code"].eq(1)].set_index("measure")["share"]
    assert inc1["approve"] == pytest.approx(400 / 6)
    assert inc1["strongly approve"] == pytest.approx(400 / 6)


def test_logit_interval_stays_inside_and_is_asymmetric(toy):
    frame, w = toy
    out = B.approval_by_group(frame, w, "urban")
    assert ((out["ci_low"] >= 0) & (out["ci_high"] <= 100)).all()
    assert (out["ci_low"] < out["share"]).all() and (out["share"] < out["ci_high"]).all()


def test_approval_levels3():
    got = B.approval_levels3([1, 2, 3, 4, 5, np.nan])
    np.testing.assert_array_equal(got[:5], [0, 0, 0, 1, 2])
    assert np.isnan(got[5])
    with pytest.raises(ValueError, match="1-5"):
        B.approval_levels3([1, 7])


def test_panel_tests_equal_weighted_crosstab(toy):
    frame, w = toy
    res = B.panel_tests(frame, w, [B.Panel("urban", "Location")]).iloc[0]
    ref = weighted_crosstab(frame["urban"].astype(float), pd.Series(B.approval_levels3(frame["approval"])), w)
    assert res["f"] == pytest.approx(ref.f)
    assert res["p_value"] == pytest.approx(ref.p_value)
    assert res["groups"] == 2 and res["n_used"] == 8 and res["n_dropped"] == 0


def test_implied_approval_recovers_direct_shares():
    """On weighted data the identity reproduces each group's approval exactly."""
    rng = np.random.default_rng(7)
    n = 500
    frame = pd.DataFrame({"urban": rng.integers(0, 2, n), "approval": rng.integers(1, 6, n)})
    w = rng.uniform(0.5, 2.0, n)
    doubter = frame["approval"].le(3).to_numpy()
    D = 100 * w[doubter].sum() / w.sum()
    direct = B.approval_by_group(frame, w, "urban").query("measure == 'approve'").set_index("code")["share"]
    for code in (0, 1):
        g = frame["urban"].eq(code).to_numpy()
        d = 100 * w[doubter & g].sum() / w[doubter].sum()
        t = 100 * w[g].sum() / w.sum()
        assert doubters.implied_approval(d, t, D) == pytest.approx(direct[code])


def test_side_by_side_keeps_order_and_pairs():
    rows = pd.DataFrame({
        "item": ["b", "b", "a", "a"], "column": ["X", "Y", "X", "Y"],
        "published": [1.0, 2.0, 3.0, 4.0], "reproduced": [1.5, 2.5, 3.5, 4.5],
    })
    wide = B.side_by_side(rows, names={"published": "paper"})
    assert wide.index.tolist() == ["b", "a"]
    assert wide.columns.tolist() == [("X", "paper"), ("X", "reproduced"), ("Y", "paper"), ("Y", "reproduced")]
    assert wide.loc["a", ("Y", "reproduced")] == 4.5


def test_errata_entries():
    e = B.errata_entries(["E-RURAL-URBAN", "E-COMMERCIAL"])
    assert e["id"].tolist() == ["E-RURAL-URBAN", "E-COMMERCIAL"]
    with pytest.raises(ValueError, match="no erratum"):
        B.errata_entries(["E-NOPE"])


# ----------------------------------------------------------------- the twin
@pytest.fixture(scope="module")
def twin():
    df = load_survey(paths.SYNTHETIC / "twin.csv")
    return df, weights_for(df)


@pytest.fixture(scope="module")
def computed(twin):
    df, w = twin
    return tables.all_tables(df, w)


def test_figure4_numbers_equal_the_scored_prose_numbers(twin, computed):
    """Each share the text reads off Figure 4 is the figure's bar, to the last digit."""
    df, w = twin
    est = B.approval_panels(df, w, method="wald")
    targets = load_targets()
    scored = computed["prose"].set_index("id")
    stated = B.stated_shares(est, load_published("prose")).set_index("id")
    for id_, (variable, code, measure) in B.FIGURE4_PROSE.items():
        recipe = targets.recipe(id_)
        assert recipe.get("variable") == "approval"
        assert recipe.get("base") == f"{variable} == {code}"
        assert list(recipe.get("codes")) == list(B.MEASURES[measure])
        assert stated.loc[id_, "share"] == pytest.approx(scored.loc[id_, "reproduced"], abs=1e-9)
        assert stated.loc[id_, "ci_low"] == pytest.approx(scored.loc[id_, "ci_low"], abs=1e-9)
        assert stated.loc[id_, "n"] == scored.loc[id_, "n_base"]


def test_figure4_on_the_twin(twin):
    df, w = twin
    est = B.approval_panels(df, w)
    assert list(dict.fromkeys(est["panel"])) == [p.title for p in B.PANELS]
    assert len(est) == 2 * (3 + 3 + 2 + 4 + 2 + 3)
    assert (est["share"].between(0, 100)).all()
    strong = est[est["measure"].eq("strongly approve")].set_index(["variable", "code"])["share"]
    approve = est[est["measure"].eq("approve")].set_index(["variable", "code"])["share"]
    assert (strong <= approve + 1e-12).all()
    # group sizes add up to the respondents with a substantive answer
    n = est[est["measure"].eq("approve")].groupby("variable")["n"].sum()
    assert n["age_group"] == len(df)
    assert n["income_group"] == int((df["income_group"] != 99).sum())
    tests = B.panel_tests(df, w)
    assert tests["n_used"].tolist() == [n[p.variable] for p in B.PANELS]
    assert ((tests["p_value"] >= 0) & (tests["p_value"] <= 1)).all()


def test_pair_test_shares_equal_table_5(twin, computed):
    df, w = twin
    t5 = computed["table_5"].set_index("id")
    res = B.pair_test(df, w, "t5_rural_credit_without_difficulty", "t5_urban_credit_without_difficulty")
    assert res["share_a"] == pytest.approx(t5.loc["t5_rural_credit_without_difficulty", "reproduced"])
    assert res["share_b"] == pytest.approx(t5.loc["t5_urban_credit_without_difficulty", "reproduced"])
    assert res["n_a"] + res["n_b"] == t5.loc["t5_n", "reproduced"]
    assert res["ndf"] == pytest.approx(1.0) and 0 <= res["p_value"] <= 1
    # a prose number that repeats Table 5 follows its target
    same = B.pair_test(df, w, "p_disc_rural_credit", "p_disc_urban_credit")
    assert same["p_value"] == pytest.approx(res["p_value"])
    with pytest.raises(ValueError, match="overlapping"):
        B.pair_test(df, w, "t5_rural_credit_without_difficulty", "t5_rural_lower_loan_rates")


def test_group_sizes_are_the_unweighted_table_2_counts(twin, computed):
    df, w = twin
    t2 = computed["table_2"].set_index("id")
    ids = [i for i in t2.index if i.endswith("_n")]
    sizes = B.group_sizes(df, w, ids).set_index("id")
    assert (sizes["n"] == t2.loc[ids, "reproduced"].astype(int)).all()
    assert sizes.loc["t2_total_n", "weighted_share"] == pytest.approx(100.0)
    assert sizes.loc["t2_total_n", "weighted_n"] == pytest.approx(len(df))
    assert sizes.loc["t2_sesame_n", "weighted_share"] == pytest.approx(
        computed["table_a2"].set_index("id").loc["a2_w_scs_use_sesame_credit", "reproduced"])


def test_helpers_run_on_any_codebook_valid_frame():
    df = random_valid_frame(300, seed=5, weight=True)
    from scsrepro.data.codebook import default_codebook_path, load_codebook

    frame = load_codebook(default_codebook_path()).derive(df)
    w = weights_for(frame)
    est = B.approval_panels(frame, w)
    assert len(est) and est["share"].notna().any()
    assert len(B.panel_tests(frame, w)) == len(B.PANELS)


# ----------------------------------------------------------------- figures
def _bars(ax):
    return [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]


def test_figure4_draws_the_given_numbers():
    est = pd.DataFrame({
        "panel": ["A"] * 4 + ["B"] * 2,
        "group": ["g1", "g1", "g2", "g2", "h1", "h1"],
        "measure": ["approve", "strongly approve"] * 3,
        "share": [80.0, 40.0, 70.0, 30.0, 60.0, 20.0],
        "ci_low": [75.0, 35.0, 60.0, 25.0, 50.0, 10.0],
        "ci_high": [85.0, 45.0, 78.0, 36.0, 70.0, 30.0],
    })
    tests = pd.DataFrame({"panel": ["A", "B"], "p_value": [0.0001, 0.25]})
    stated = pd.DataFrame({"panel": ["A"], "group": ["g2"], "measure": ["approve"], "value": [68.0]})
    fig = PB.approval_by_group(est, tests, stated, ncols=2, caption_n=100)
    ax_a, ax_b = fig.axes[:2]
    widths = sorted(round(p.get_width(), 6) for p in _bars(ax_a))
    assert widths == [30.0, 40.0, 70.0, 80.0]
    assert sorted(round(p.get_width(), 6) for p in _bars(ax_b)) == [20.0, 60.0]
    # approve bars sit above the strongly-approve bars of the same group; g1 above g2
    by_width = {round(p.get_width()): p.get_y() for p in _bars(ax_a)}
    assert by_width[80] > by_width[40] > by_width[70] > by_width[30]
    # the stated share is drawn on the g2 approve bar
    pts = np.vstack([c.get_offsets() for c in ax_a.collections if len(c.get_offsets())
                     and c.get_offsets().shape[1] == 2 and getattr(c, "get_paths", None)
                     and c.__class__.__name__ == "PathCollection"])
    assert pts.shape == (1, 2) and pts[0, 0] == 68.0
    assert by_width[70] <= pts[0, 1] <= by_width[70] + 0.4
    assert "p < 0.001" in ax_a.get_title(loc="left")
    assert "p = 0.250" in ax_b.get_title(loc="left")
    assert ax_a.get_xlim() == (0.0, 100.0)


def test_figure4_needs_its_columns():
    with pytest.raises(ValueError, match="ci_high"):
        PB.approval_by_group(pd.DataFrame({"panel": [], "group": [], "measure": [], "share": [], "ci_low": []}))


def test_heldout_figure_draws_printed_and_twin_values():
    rows = pd.DataFrame({
        "panel": ["P", "P", "Q"], "label": ["a", "b", "c"],
        "published": [10.0, 20.0, 30.0], "reproduced": [12.0, 18.0, 33.0],
        "ci_low": [8.0, 15.0, 30.0], "ci_high": [16.0, 21.0, 36.0],
    })
    fig = PB.heldout_comparison(rows)
    ax_p, ax_q = fig.axes[:2]
    ticks = dict(zip([t.get_text() for t in ax_p.get_yticklabels()], ax_p.get_yticks()))
    assert set(ticks) == {"a", "b"} and ticks["a"] > ticks["b"]  # first row on top
    diamonds = [c for c in ax_p.collections if c.__class__.__name__ == "PathCollection"]
    printed = sorted(x for c in diamonds for x in c.get_offsets()[:, 0])
    assert printed == [10.0, 20.0]
    lines = [l for l in ax_p.get_lines() if len(l.get_xdata())]
    twin_x = sorted(float(x) for l in lines for x in l.get_xdata() if l.get_marker() == "o")
    assert twin_x == [12.0, 18.0]
    assert ax_q.get_title(loc="left") == "Q"


def test_p_value_text():
    assert p_value(0.0004) == "p < 0.001"
    assert p_value(0.0123) == "p = 0.012"
    assert p_value(float("nan")) == "p = n/a"


# ----------------------------------------------------------------- pairs and the printed doubter rate
def test_rural_urban_pairs_keep_order_and_select_by_prefix():
    ids = ["t5_n", "t5_rural_a", "t5_urban_a", "t5_rural_b", "p_disc_rural_a"]
    assert B.rural_urban_pairs(ids, "t5_rural_") == [("t5_rural_a", "t5_urban_a"), ("t5_rural_b", "t5_urban_b")]
    assert B.rural_urban_pairs(ids, "p_disc_rural_") == [("p_disc_rural_a", "p_disc_urban_a")]
    with pytest.raises(ValueError, match="rural"):
        B.rural_urban_pairs(ids, "t5_urban_")


def test_pair_tests_are_pair_test_row_by_row(twin):
    df, w = twin
    pairs = [("t5_rural_credit_without_difficulty", "t5_urban_credit_without_difficulty"),
             ("p_disc_rural_credit", "p_disc_urban_credit")]
    out = B.pair_tests(df, w, pairs)
    assert list(out[["id_a", "id_b"]].itertuples(index=False, name=None)) == pairs
    for row, (a, b) in zip(out.to_dict("records"), pairs):
        assert row == B.pair_test(df, w, a, b)
    assert list(B.pair_tests(df, w, []).columns) == list(out.columns)


def test_a_group_of_too_few_respondents_is_withheld_on_other_data(twin):
    df, w = twin
    small = df.copy()
    small.attrs["committed_twin"] = False  # as if read from another file
    west = np.flatnonzero(small["region"].eq(1).to_numpy())[5:]
    small.loc[west, "region"] = 2  # five Western respondents remain
    est = B.approval_panels(small, w).set_index(["variable", "code", "measure"])
    row = est.loc[("region", 1, "approve")]
    assert row["suppressed"] and pd.isna(row["share"]) and pd.isna(row["n"])
    assert not est.loc[("region", 2, "approve"), "suppressed"]
    stated = B.stated_shares(est.reset_index(), load_published("prose")).set_index("id")
    assert stated.loc["p_res_west_approve", "suppressed"] and np.isnan(stated.loc["p_res_west_approve", "share"])
    assert not B.approval_panels(df, w)["suppressed"].any()  # the twin: nothing withheld
