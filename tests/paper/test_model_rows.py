"""Table 4's printed numbers from the fitted models (scsrepro.paper.model_rows)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scsrepro.data import paths
from scsrepro.data.fake import random_valid_frame
from scsrepro.data.loading import load_survey
from scsrepro.paper import model_rows as M
from scsrepro.paper.tables import table_4
from scsrepro.paper.fitting import model_frame
from scsrepro.paper.modelspec import load_specs
from scsrepro.paper.published import load_published
from scsrepro.survey.significance import Z95


def _row(column="Model 1", item="age", statistic="coef") -> pd.Series:
    return pd.Series({"id": f"t4_{item}_{statistic}", "column": column, "item": item, "statistic": statistic})


FITS = {
    "Model 1": {
        "table": pd.DataFrame(
            {"term": ["age", "cut1"], "coef": [0.5, -1.0], "se": [0.2, 0.4], "stars": ["*", "**"],
             "se_calibrated": [0.19, 0.39]},
            index=pd.Index(["age", "cut1"], name="key"),
        ),
        "nobs": 123,
        "warnings": ["slow", "late"],
        "diagnostics": [SimpleNamespace(term="age", message="age is odd"), SimpleNamespace(term=None, message="x")],
    },
    "Model 2": {"error": "model could not be fitted: singular"},
}
SE_OF = {("Model 1", "age"): 0.25}


def test_printed_se_pairs_each_cell_with_its_printed_se():
    pub = load_published("table_4")
    se = M.printed_se(pub)
    value = pub.set_index("id")["value"]
    assert se[("Model 1", "age")] == value["t4_m1_age_se"]
    assert len(se) == int(pub["statistic"].eq("se").sum())


def test_a_coefficient_row_carries_its_interval_stars_and_printed_se():
    res = M.table4_row(FITS, _row(), SE_OF)
    assert (res["reproduced"], res["se"], res["stars"], res["n_base"]) == (0.5, 0.2, "*", 123)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((0.5 - Z95 * 0.2, 0.5 + Z95 * 0.2))
    assert res["published_se"] == 0.25
    assert res["note"] == "age is odd"  # only the diagnostics of this term


def test_se_n_and_missing_rows():
    se = M.table4_row(FITS, _row(statistic="se"), SE_OF)
    assert se["reproduced"] == 0.2 and np.isnan(se["published_se"]) and np.isnan(se["se"])
    n = M.table4_row(FITS, _row(item="observations", statistic="n"), SE_OF)
    assert (n["reproduced"], n["n_base"], n["note"]) == (123.0, 123, "slow; late")
    absent = M.table4_row(FITS, _row(item="educ_2"), SE_OF)
    assert np.isnan(absent["reproduced"]) and absent["note"].startswith("not estimable on these data")
    failed = M.table4_row(FITS, _row(column="Model 2"), SE_OF)
    assert np.isnan(failed["reproduced"]) and failed["note"] == "model could not be fitted: singular"
    with pytest.raises(ValueError, match="not a model"):
        M.table4_row(FITS, _row(column="Model 9"), SE_OF)


def test_fit_models_fits_every_model_once():
    frame = model_frame(random_valid_frame(400, seed=11, weight=True))
    fits = M.fit_models(frame)
    assert list(fits) == [s.column for s in load_specs()]
    for fit in fits.values():
        assert "error" in fit or {"table", "nobs", "warnings", "diagnostics", "not_estimable"} == set(fit)
    fitted = [f for f in fits.values() if "table" in f]
    assert fitted and all(f["table"].index.notna().all() for f in fitted)
    assert all(len(f["warnings"]) == len(set(f["warnings"])) for f in fitted)


def test_a_base_level_nobody_has_leaves_its_contrasts_missing_with_the_reason():
    raw = random_valid_frame(400, seed=11, weight=True)
    frame = model_frame(raw[raw["education"].ne(1)].reset_index(drop=True))
    fits = M.fit_models(frame)
    model1 = fits["Model 1"]
    assert set(model1["not_estimable"]) == {"educ_2", "educ_3", "educ_4"}
    assert not set(model1["table"].index) & set(model1["not_estimable"])
    row = M.table4_row(fits, _row(item="educ_3"), SE_OF)
    assert np.isnan(row["reproduced"])
    assert row["note"].startswith("not estimable on these data") and "education = 1 (the base level)" in row["note"]
    assert not np.isnan(M.table4_row(fits, _row(item="age"), SE_OF)["reproduced"])


def test_a_sample_without_an_answer_keys_its_cut_points_by_the_answers_they_separate():
    raw = random_valid_frame(400, seed=12, weight=True)
    raw["approval"] = raw["approval"].mask(raw["approval"].eq(1), 2)  # nobody strongly disapproves
    fits = M.fit_models(model_frame(raw))
    model1 = fits["Model 1"]
    assert {"cut2", "cut3", "cut4"} <= set(model1["table"].index) and "cut1" not in model1["table"].index
    assert model1["not_estimable"]["cut1"].startswith("not estimable on these data")
    row = M.table4_row(fits, _row(item="cut1", statistic="cut"), SE_OF)
    assert np.isnan(row["reproduced"]) and "approval = 1" in row["note"]
    cut2 = M.table4_row(fits, _row(item="cut2", statistic="cut"), SE_OF)
    assert cut2["reproduced"] == pytest.approx(float(model1["table"].loc["cut2", "coef"]))


# --------------------------------------------------------------------------- calibrated standard errors against R
FIX = Path(__file__).resolve().parents[1] / "fixtures"
R_TERMS = {
    "age": "age", "gender": "male", "urban": "urban", "ccp_member": "ccp_member", "gov_confidence": "gov_confidence",
    "1|2": "cut1", "2|3": "cut2", "3|4": "cut3", "4|5": "cut4",
}


def _key(r_term: str) -> str:
    factor = re.match(r'relevel\(factor\((\w+)\), ref = "1"\)(\d)', r_term)
    if factor:
        return {"income_group": "income", "education": "educ", "region": "region"}[factor.group(1)] + "_" + factor.group(2)
    return R_TERMS[r_term]


def test_se_calibrated_of_table_4_equals_r_svyolr_on_the_bounded_raking_design():
    # tests/r/calibration.R: svyolr on calibrate(..., calfun = "raking", bounds = c(-Inf, 2)),
    # whose weights are the book's capped raking weights
    ref = pd.read_csv(FIX / "ref_calibrated_estimates.csv")
    ref = ref[(ref["design"] == "bounded") & (ref["statistic"] == "ologit") & (ref["term"] != "nobs")]
    assert set(ref["model"]) == {1, 3}
    frame = model_frame(load_survey(paths.SYNTHETIC / "twin.csv"))
    fits = M.fit_models(frame)
    checked = 0
    for r in ref.itertuples(index=False):
        ours = fits[f"Model {int(r.model)}"]["table"].loc[_key(r.term)]
        assert ours["se_calibrated"] == pytest.approx(r.se, rel=1e-4), (r.model, r.term)
        assert ours["se"] == pytest.approx(r.se_fixed, rel=1e-4), (r.model, r.term)
        checked += 1
    assert checked == len(ref) == 30
    # and the column of the written Table 4 (_build/tables/table_4.csv) is that number
    t4 = table_4(load_survey(paths.SYNTHETIC / "twin.csv"))
    t4 = t4[t4["statistic"].isin(["coef", "cut"])].set_index(["column", "item"])
    model1 = ref[ref["model"] == 1]
    for r in model1.itertuples(index=False):
        assert t4.loc[("Model 1", _key(r.term)), "se_calibrated"] == pytest.approx(r.se, rel=1e-4), r.term
    assert len(model1) == 14
