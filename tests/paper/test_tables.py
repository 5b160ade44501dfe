"""Tables recomputed from respondent data (scsrepro.paper.tables)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.paper import tables as T
from scsrepro.paper.modelspec import estimation_frame, load_specs
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import published_table_names
from scsrepro.paper.weights import weights_for
from scsrepro.survey.design import vif_table

SEEDS = (11, 12, 13)


@pytest.fixture(scope="module", params=SEEDS)
def computed(request):
    df = random_valid_frame(400, seed=request.param, weight=True)
    return df, T.all_tables(df)


def _published_ids() -> dict[str, list[str]]:
    from scsrepro.paper.published import hypothesis_verdicts

    ids = {name: load_published(name)["id"].tolist() for name in published_table_names()}
    ids["table_1"] = hypothesis_verdicts()["id"].tolist()  # the paper's verdicts on H1-H21
    return ids


# ------------------------------------------------------------------ coverage
def test_every_published_row_appears_exactly_once(computed):
    _, out = computed
    assert set(out) == {"table_a1", "table_a2", "table_a3", "table_a4", "table_1", "table_2",
                        "table_3", "table_4", "table_5", "prose", "design"}
    produced = pd.concat([t["id"] for t in out.values()], ignore_index=True)
    published = [i for ids in _published_ids().values() for i in ids]
    counts = produced.value_counts()
    assert all(counts.get(i, 0) == 1 for i in published), \
        [i for i in published if counts.get(i, 0) != 1][:10]
    extra = set(produced) - set(published)
    assert extra and all(i.startswith("x_") for i in extra)


def test_tables_follow_published_order_and_columns(computed):
    _, out = computed
    ids = _published_ids()
    for name in ("table_a1", "table_a2", "table_a3", "table_a4", "table_2", "table_3", "table_4", "table_5"):
        frame = out[name]
        assert frame["id"].tolist() == ids[name], name
        assert list(frame.columns[: len(T.COLUMNS)]) == list(T.COLUMNS), name
        np.testing.assert_allclose(frame["published"], load_published(name)["value"])
    assert list(out["table_4"].columns) == list(T.COLUMNS) + list(T.TABLE4_COLUMNS) + ["suppressed"]
    assert all(not out[name]["suppressed"].any() for name in out)  # a frame not read from a file: nothing withheld


def test_computable_rows_are_reproduced(computed):
    _, out = computed
    for name, frame in out.items():
        comp = frame[frame["computable"]]
        assert comp["reproduced"].notna().all(), (name, comp.loc[comp["reproduced"].isna(), "id"].tolist()[:5])
        assert (frame.loc[~frame["computable"], "reproduced"].isna()).all(), name


def test_weighted_shares_have_design_based_intervals(computed):
    _, out = computed
    a2 = out["table_a2"]
    w = a2[a2["column"] == "weighted"]
    assert (w["se"] > 0).all()
    assert ((w["ci_low"] <= w["reproduced"]) & (w["reproduced"] <= w["ci_high"])).all()
    np.testing.assert_allclose(w["ci_high"] - w["reproduced"], 1.959964 * w["se"], rtol=1e-5)
    u = a2[a2["column"] == "unweighted"]
    assert u["se"].isna().all()


def test_single_choice_blocks_sum_to_100(computed):
    _, out = computed
    a2 = out["table_a2"]
    for block in ("Approval of social credit systems", "Income group (net monthly income in Chinese yuan)",
                  "Sesame credit reported score", "Disadvantages of low Sesame or Tencent Score"):
        for column in ("weighted", "unweighted"):
            part = a2[(a2["measure"] == block) & (a2["column"] == column)]
            assert part["reproduced"].sum() == pytest.approx(100.0), (block, column)


def test_table_a1_needs_no_microdata():
    a1 = T.table_a1()
    comp = a1[a1["computable"]]
    assert len(comp) == 36
    assert (comp["reproduced"] == comp["published"]).all()
    inputs = a1[~a1["computable"]]
    assert inputs["id"].str.contains("census|internet_pct|header|target_sample").all()


# ------------------------------------------------------- hand-checked example
APPROVAL = [1, 2, 3, 4, 5, 5, 5, 4, 4, 3]
WEIGHT = [1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 1.0]
SESAME = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0]
TENCENT = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0]
GOV = [0, 0, 0, 1, 1, 0, 0, 1, 0, 0]


@pytest.fixture()
def tiny():
    df = random_valid_frame(10, seed=0, weight=True)
    df["approval"] = pd.array(APPROVAL, dtype="Int64")
    df["use_sesame"] = pd.array(SESAME, dtype="Int64")
    df["use_tencent"] = pd.array(TENCENT, dtype="Int64")
    df["use_gov_pilot"] = pd.array(GOV, dtype="Int64")
    df["use_other"] = pd.array([0] * 10, dtype="Int64")  # "other" systems count as commercial
    df["use_dont_know"] = pd.array([0] * 10, dtype="Int64")  # "don't know" leaves the A2 system base
    df["use_none"] = pd.array([0] * 10, dtype="Int64")
    df["weight"] = pd.array(WEIGHT, dtype="Float64")
    return df


def test_table_2_by_hand(tiny):
    t2 = T.table_2(tiny).set_index("id")["reproduced"]
    # group sizes are unweighted counts
    assert t2["t2_total_n"] == 10
    assert t2["t2_sesame_n"] == 4          # rows 0, 1, 4, 5
    assert t2["t2_tencent_n"] == 3         # rows 1, 2, 5
    assert t2["t2_commercial_n"] == 5      # rows 0, 1, 2, 4, 5
    assert t2["t2_commercial_only_n"] == 4  # row 4 is also in a government pilot
    assert t2["t2_gov_pilot_n"] == 3       # rows 3, 4, 7
    assert t2["t2_gov_pilot_only_n"] == 2  # rows 3, 7
    # weighted shares; total weight 13
    assert t2["t2_total_strongly_disapprove"] == pytest.approx(100 * 1 / 13)
    assert t2["t2_total_neutral"] == pytest.approx(100 * 2 / 13)
    assert t2["t2_total_somewhat_approve"] == pytest.approx(100 * 4 / 13)
    assert t2["t2_total_strongly_approve"] == pytest.approx(100 * 4 / 13)
    # Sesame users: weights 1, 2, 2, 1 with approval 1, 2, 5, 5
    assert t2["t2_sesame_strongly_disapprove"] == pytest.approx(100 * 1 / 6)
    assert t2["t2_sesame_somewhat_disapprove"] == pytest.approx(100 * 2 / 6)
    assert t2["t2_sesame_strongly_approve"] == pytest.approx(100 * 3 / 6)
    assert t2["t2_sesame_neutral"] == 0
    # Tencent users: weights 2, 1, 1 with approval 2, 3, 5
    assert t2["t2_tencent_somewhat_disapprove"] == pytest.approx(50.0)
    assert t2["t2_tencent_neutral"] == pytest.approx(25.0)
    # commercial only: weights 1, 2, 1, 1 with approval 1, 2, 3, 5
    assert t2["t2_commercial_only_somewhat_disapprove"] == pytest.approx(40.0)
    # government pilot: weights 1, 2, 1 with approval 4, 5, 4
    assert t2["t2_gov_pilot_somewhat_approve"] == pytest.approx(50.0)
    assert t2["t2_gov_pilot_strongly_approve"] == pytest.approx(50.0)
    assert t2["t2_gov_pilot_only_somewhat_approve"] == pytest.approx(100.0)


def test_weights_given_explicitly_equal_the_weight_column(tiny):
    a = T.table_2(tiny)
    b = T.table_2(tiny.drop(columns="weight"), pd.Series(WEIGHT, index=tiny.index))
    pd.testing.assert_series_equal(a["reproduced"], b["reproduced"])
    flat = T.table_2(tiny, pd.Series(1.0, index=tiny.index)).set_index("id")["reproduced"]
    assert flat["t2_total_strongly_approve"] == pytest.approx(30.0)  # 3 of 10 unweighted


def test_table_a2_unweighted_is_plain_share(tiny):
    a2 = T.table_a2(tiny).set_index("id")["reproduced"]
    assert a2["a2_u_approval_strongly_approve"] == pytest.approx(30.0)
    assert a2["a2_w_approval_strongly_approve"] == pytest.approx(100 * 4 / 13)
    assert a2["a2_u_scs_use_sesame_credit"] == pytest.approx(40.0)


def test_table_a3_mean_and_sd_by_hand(tiny):
    a3 = T.table_a3(tiny.assign(weight=1.0)).set_index("id")["reproduced"]
    assert a3["a3_approval_mean"] == pytest.approx(np.mean(APPROVAL))
    assert a3["a3_approval_sd"] == pytest.approx(np.std(APPROVAL, ddof=1))
    w = np.array(WEIGHT)
    a3w = T.table_a3(tiny).set_index("id")["reproduced"]
    assert a3w["a3_approval_mean"] == pytest.approx((w * APPROVAL).sum() / w.sum())


def test_table_3_income_bases(tiny):
    df = tiny.copy()
    # doubters (approval <= 3) are rows 0, 1, 2, 9
    df["income"] = pd.array([1, 99, 7, 11, 11, 11, 7, 1, 99, 8], dtype="Int64")
    df["weight"] = 1.0
    t3 = T.table_3(df).set_index("id")
    # doubters: incomes 1, 99, 7, 8 -> without 'prefer not to say': 1/3 low, 2/3 middle
    assert t3.loc["t3_doubters_income_lt_1000", "reproduced"] == pytest.approx(100 / 3)
    assert t3.loc["t3_doubters_income_1000_4000", "reproduced"] == pytest.approx(200 / 3)
    assert t3.loc["t3_doubters_income_lt_1000", "reproduced_alt"] == pytest.approx(25.0)
    # totals keep 'prefer not to say' in the base: 2 of 10 low, 3 of 10 high
    assert t3.loc["t3_total_income_lt_1000", "reproduced"] == pytest.approx(20.0)
    assert t3.loc["t3_total_income_gt_4000", "reproduced"] == pytest.approx(30.0)
    assert t3.loc["t3_total_income_gt_4000", "reproduced_alt"] == pytest.approx(37.5)
    # printed 56.66: the designated 33.3 is nearer than the alternative 25.0
    assert t3.loc["t3_doubters_income_lt_1000", "closer"] == "designated"
    assert t3.loc["t3_total_region_east", "closer"] == ""  # only one reading there
    assert "left out" in t3.loc["t3_doubters_income_lt_1000", "reading"]
    assert "kept" in t3.loc["t3_total_income_lt_1000", "reading"]


def test_bad_weights_raise(tiny):
    with pytest.raises(ValueError, match="aligned"):
        T.table_2(tiny, pd.Series(1.0, index=range(5)))
    with pytest.raises(ValueError, match="finite and > 0"):
        T.table_2(tiny, pd.Series([0.0] + [1.0] * 9, index=tiny.index))
    bad = tiny.copy()
    bad.loc[0, "weight"] = pd.NA
    with pytest.raises(ValueError, match="column 'weight'"):
        weights_for(bad)
    with pytest.raises(ValueError, match="no rows"):
        T.table_2(tiny.iloc[:0])


# ------------------------------------------------------------------ Table A4
def _complete_frame(seed: int = 21) -> pd.DataFrame:
    cb = load_codebook()
    df = random_valid_frame(300, seed=seed, weight=True).copy()
    df["use_sesame"] = pd.array([1] * len(df), dtype="Int64")
    for col in df.columns:
        if col in cb and cb[col].missing_codes:
            df[col] = df[col].mask(df[col].isin(cb[col].missing_codes), 1)
    for col in ("sesame_score", "score_vs_friends", "transparency", "fairness", "join_auto_payment"):
        df[col] = df[col].fillna(2 if col != "join_auto_payment" else 1)
    for col in [c for c in df.columns if c.startswith("disadv_") or c.startswith("adv_")]:
        df[col] = df[col].fillna(0)
    df["disadv_rna"] = pd.array([0] * len(df), dtype="Int64")
    return df


def test_table_a4_pairwise_equals_listwise_without_missing_answers():
    df = _complete_frame()
    pw = T.table_a4(df, sample="pairwise")
    lw = T.table_a4(df, sample="listwise")
    assert pw.attrs["n_complete"] == len(df)
    np.testing.assert_allclose(pw["reproduced"], lw["reproduced"], rtol=1e-8)
    np.testing.assert_allclose(pw["reproduced"], pw["reproduced_alt"], rtol=1e-8)
    vif = pw[pw["statistic"] == "vif"]["reproduced"].to_numpy()
    tol = pw[pw["statistic"] == "tolerance"]["reproduced"].to_numpy()
    np.testing.assert_allclose(tol, 1 / vif)


def test_table_a4_pairwise_is_defined_where_listwise_is_not():
    df = random_valid_frame(120, seed=3, weight=True)
    out = T.table_a4(df)
    assert out["reproduced"].between(0, 10).all()
    assert out.attrs["n_complete"] <= 22
    assert out["reproduced_alt"].isna().all()  # too few complete cases for 21 predictors
    with pytest.raises(ValueError, match="sample"):
        T.table_a4(df, sample="both")
    with pytest.raises(ValueError, match="too few"):
        T.table_a4(df, sample="listwise")


def test_table_a4_uses_plain_numeric_codes():
    df = _complete_frame()
    cb = load_codebook()
    d = cb.derive(df)
    preds = ["age", "income_group", "gender", "education", "urban", "region"]
    sub = vif_table(d[preds].astype(float), preds)
    assert sub.loc[1, "predictor"] == "income_group"  # one column for income, not dummies
    out = T.table_a4(df, sample="listwise").set_index("id")
    assert out.loc["a4_income_vif", "reproduced"] >= 1.0


# ------------------------------------------------------------------ Table 4
def test_table_4_rows(computed):
    df, out = computed
    t4 = out["table_4"]
    coef = t4[t4["statistic"].isin(["coef", "cut"])]
    assert (coef["se"] > 0).all()
    assert coef["stars"].isin(["", "*", "**", "***"]).all()
    assert coef["published_se"].notna().all()
    se_rows = t4[t4["statistic"] == "se"].set_index(["column", "item"])["reproduced"]
    for r in coef.itertuples():
        assert se_rows[(r.column, r.item)] == pytest.approx(r.se)
    obs = t4[t4["statistic"] == "n"].set_index("column")["reproduced"]
    cb = load_codebook()
    frame = cb.derive(df)
    for spec in load_specs():
        assert obs[spec.column] == len(estimation_frame(frame, spec, cb))
    prose = out["prose"].set_index("id")
    assert prose.loc["p_model_fairness", "reproduced"] == \
        t4.set_index("id").loc["t4_m5_fairness_coef", "reproduced"]


# ------------------------------------------------------------------ prose & design
def test_prose_and_design_numbers(tiny):
    design = T.design_numbers(tiny).set_index("id")
    assert design.loc["p_design_sample_size", "reproduced"] == 10
    w = np.array(WEIGHT)
    deff = len(w) * (w ** 2).sum() / w.sum() ** 2
    assert design.loc["x_design_kish_deff", "reproduced"] == pytest.approx(deff)
    assert design.loc["p_design_margin_of_error", "reproduced"] == pytest.approx(
        100 * 1.959964 * np.sqrt(deff * 0.25 / 10), rel=1e-5)
    assert design.loc["p_design_max_weight", "reproduced"] == pytest.approx(2 / w.mean())
    assert design.loc["x_design_kish_deff", "published"] == pytest.approx(1.1336, abs=1e-3)
    prose = T.prose_numbers(tiny).set_index("id")
    assert prose.loc["p_res_approve", "reproduced"] == pytest.approx(100 * 8 / 13)
    assert prose.loc["p_res_doubters_ratio", "reproduced"] == pytest.approx(5 / 13)
    assert prose.loc["p_res_both_users", "reproduced"] == pytest.approx(100 * 3 / 13)
    assert prose.loc["p_fn10_tencent_also_sesame", "reproduced"] == pytest.approx(100 * 3 / 4)
    assert not prose.loc["p_lit_baihang_nifa_share", "computable"]
    assert "p_design_margin_of_error" not in prose.index


# ------------------------------------------------------------------ writing
def test_write_tables_is_all_or_nothing(tmp_path, monkeypatch):
    good = pd.DataFrame({"id": ["a"], "reproduced": [1.0]})
    real = T.csv_text

    def fails_on_marked(frame):  # the disk fills up while the marked table is written
        if frame.attrs.get("broken"):
            raise OSError("disk full")
        return real(frame)

    monkeypatch.setattr(T, "csv_text", fails_on_marked)
    broken = good.copy()
    broken.attrs["broken"] = True
    target = tmp_path / "out"
    written = T.write_tables({"one": good, "two": good}, target)
    assert sorted(p.name for p in written) == ["one.csv", "two.csv"]
    before = (target / "one.csv").read_text()
    with pytest.raises(OSError, match="disk full"):
        T.write_tables({"one": good.assign(reproduced=2.0), "three": broken}, target)
    assert sorted(os.listdir(target)) == ["one.csv", "two.csv"]  # no temp files, no 'three'
    assert (target / "one.csv").read_text() == before
    with pytest.raises(ValueError, match="plain file name"):
        T.write_tables({"../evil": good}, target)
