"""scsrepro.book.facts.models: the Models chapter's tables and prose facts.

Most helpers are checked on small hand-made inputs whose answers are known;
those that need fitted models use the committed twin (Model 5's fits take
about a second). Every fact must be a ``str``: the chapter glued text
before the helpers existed, and the stored outputs must not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts import models as facts
from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting, hypotheses, model_summaries, modelspec
from scsrepro.paper.published import load_published
from scsrepro.paper.weights import weights_for


def _all_text(facts_: dict) -> None:
    assert facts_ and all(isinstance(v, str) for v in facts_.values()), facts_


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in modelspec.load_specs()}


@pytest.fixture(scope="module")
def published_4():
    return load_published("table_4")


@pytest.fixture(scope="module")
def frame():
    df = load_survey(paths.DATA / "synthetic" / "twin.csv")
    return fitting.model_frame(df, weights_for(df))


@pytest.fixture(scope="module")
def printed(published_4):
    return hypotheses.estimates_from_published(published_4)


def _t4() -> pd.DataFrame:
    """A two-model Table 4 in the layout of scsrepro.paper.tables.table_4."""
    rows = [
        ("Model 1", "coef", "age", 0.10, 0.05, "**", 0.12, 0.05, "**"),
        ("Model 1", "se", "age", 0.05, np.nan, "", np.nan, np.nan, ""),
        ("Model 1", "coef", "educ_2", -0.50, 0.40, "", -0.40, 0.20, "**"),
        ("Model 1", "cut", "cut1", -2.00, 0.30, "", -2.10, 0.30, ""),
        ("Model 1", "n", "observations", 100.0, np.nan, "", 100.0, np.nan, ""),
        ("Model 2", "coef", "age", 0.20, 0.05, "***", 0.50, 0.08, "***"),
        ("Model 2", "coef", "urban", 0.30, 0.10, "***", 0.30, 0.20, ""),
        ("Model 2", "cut", "cut1", -1.00, 0.30, "", -1.00, 0.30, ""),
        ("Model 2", "n", "observations", 90.0, np.nan, "", 95.0, np.nan, ""),
    ]
    cols = ["column", "statistic", "item", "reproduced", "se", "stars", "published", "published_se", "published_stars"]
    return pd.DataFrame(rows, columns=cols)


LABELS = {"age": "Age", "educ_2": "Low education", "urban": "Urban", "cut1": "Cut 1"}


# --------------------------------------------------------------------------- specification and Table 4
def test_term_labels_map_items_to_measures():
    pub = pd.DataFrame({"item": ["age", "male"], "measure": ["Age in years", "Male"]})
    assert facts.term_labels(pub) == {"age": "Age in years", "male": "Male"}


def test_spec_table_counts_the_twin_samples(frame, specs, published_4):
    table = facts.spec_table(frame, specs.values(), published_4)
    assert list(table.index) == [s.column for s in specs.values()]
    assert table["covariates"].tolist() == [len(s.covariates) for s in specs.values()]
    assert table.loc["Model 5", "N (this data)"] == len(fitting.estimation_sample(frame, specs[5])[0])
    n = published_4[published_4["statistic"].eq("n")].set_index("column")["value"]
    assert table["N (paper)"].tolist() == [int(n[c]) for c in table.index]


def test_specification_facts():
    table = pd.DataFrame({"N (this data)": [1100, 1944, 1500], "N (paper)": [1100, 1944, 1499]})
    out = facts.specification_facts(table)
    _all_text(out)
    assert out == {"n_models": "3", "n_equal": "2", "n_min": "1,100", "n_max": "1,944"}


def test_table_4_terms_and_slopes_keep_row_order_once():
    t4 = _t4()
    assert facts.table_4_terms(t4) == ["age", "educ_2", "cut1", "urban"]
    assert facts.slope_terms(t4) == ["age", "educ_2", "urban"]
    est = pd.DataFrame({"term": ["age", "cut1", "cut2", "male"], "coef": [1, 2, 3, 4]})
    assert facts.slopes(est)["term"].tolist() == ["age", "male"]


def test_table_4_layout_shows_refit_above_print():
    pub = pd.DataFrame({"item": list(LABELS), "measure": list(LABELS.values())})
    layout = facts.table_4_layout(_t4(), pub, "twin", ["Model 1", "Model 2"])
    assert list(layout.columns) == ["Model 1", "Model 2"]
    text = layout.to_string()
    assert "Age" in text and "Urban" in text
    assert "0.100**" in text and "0.120**" in text
    assert text.index("0.100**") < text.index("0.120**")


def test_table_4_facts_on_a_constructed_comparison():
    cells = model_summaries.compare_cells(_t4())
    out = facts.table_4_facts(cells, LABELS)
    _all_text(out)
    assert out["n_cells"] == "6"
    assert out["stars_same"] == "4"  # educ_2 and urban differ
    # Model 2's age: |0.5 - 0.2| = 0.3 > 1.96 * 0.05
    assert out["n_outside"] == "1" and out["outside_terms"] == "Age in Model 2"
    assert out["se_educ_median_abs"] == "100"  # absolute, like the other medians
    # urban: 0.1 / 0.2 - 1 = -50 %, the largest among the other terms
    assert out["se_other_max_term"] == "Urban in Model 2" and out["se_other_max"] == "-50"
    assert out["se_other_median_abs"] == "0"  # 0, 0, 0, -37.5, -50
    assert out["se_median_abs"] == "19"  # median of 0, 0, 0, 37.5, 50, 100


def test_table_4_facts_say_none_when_nothing_lies_outside():
    t4 = _t4()
    t4.loc[5, "published"] = 0.2
    out = facts.table_4_facts(model_summaries.compare_cells(t4), LABELS)
    assert out["n_outside"] == "0" and out["outside_terms"] == "none"


def test_se_differences_table_is_term_by_model():
    wide = facts.se_differences_table(model_summaries.compare_cells(_t4()), LABELS)
    assert list(wide.columns) == ["Model 1", "Model 2"]
    assert list(wide.index) == ["Age", "Low education", "Cut 1", "Urban"]
    assert wide.loc["Urban", "Model 2"] == pytest.approx(-50)
    assert np.isnan(wide.loc["Urban", "Model 1"])


# --------------------------------------------------------------------------- Table A4
def _a4() -> pd.DataFrame:
    rows = []
    for item, vif_pub, vif_pair, vif_cc in [("age", 1.2, 1.25, 1.4), ("urban", 1.5, 1.41, 1.3)]:
        rows.append({"item": item, "statistic": "vif", "published": vif_pub, "reproduced": vif_pair,
                     "reproduced_alt": vif_cc})
        rows.append({"item": item, "statistic": "tolerance", "published": 1 / vif_pub, "reproduced": 1 / vif_pair,
                     "reproduced_alt": 1 / vif_cc})
    a4 = pd.DataFrame(rows)
    a4.attrs["n_complete"] = 870
    return a4


def test_a4_table_and_facts():
    a4 = _a4()
    wide = facts.a4_table(a4)
    assert list(wide.columns) == ["tolerance (paper)", "tolerance (pairwise)", "VIF (paper)", "VIF (pairwise)",
                                  "VIF (complete cases)"]
    assert wide.loc["urban", "VIF (complete cases)"] == pytest.approx(1.3)
    out = facts.a4_facts(a4, wide)
    _all_text(out)
    assert out == {"vif_high": "0", "vif_warning": "5", "a4_n": "2", "vif_max": "1.41", "vif_max_paper": "1.50",
                   "vif_max_name": "urban", "n_complete": "870", "vif_maxdiff": "0.09"}
    wide.loc["urban", "VIF (pairwise)"] = facts.VIF_WARNING
    assert facts.a4_facts(a4, wide)["vif_high"] == "1"


# --------------------------------------------------------------------------- hypotheses
def _hyp():
    return pd.DataFrame({"hypothesis": ["H1", "H2", "H15"], "variable": ["age", "urban", "joined"],
                         "model": [1, 1, 5], "expected_sign": ["+", "-", "-"],
                         "verdict": ["supported", "not supported", "not supported"]})


def _verdicts_of(verdict, coef, p):
    return pd.DataFrame({"hypothesis": ["H1", "H2", "H15"], "terms": ["age", "urban", "joined_automatically"],
                         "expected_sign": ["+", "-", "-"], "coef": coef, "p": p,
                         "direction": ["expected", "expected", "expected"], "verdict": verdict,
                         "reason": ["r1", "r2", "r3"]})


def test_verdicts_and_their_facts():
    on_print = _verdicts_of(["supported", "not supported", "not supported"], ["0.1", "-0.2", "-0.107"], [0.01, 0.4, 0.73])
    on_refit = _verdicts_of(["supported", "supported", "not supported"], ["0.2", "-0.3", "0.153"], [0.01, 0.01, 0.5])
    verdicts = facts.verdicts_table(_hyp(), on_print, on_refit)
    assert list(verdicts.index) == ["H1", "H2", "H15"]
    assert verdicts.loc["H2", "rule on refit"] == "supported" and verdicts.loc["H2", "refit: why"] == "r2"
    out = facts.hypotheses_facts(verdicts)
    _all_text(out)
    assert out == {"alpha": "0.05", "n_hyp": "3", "agree_print": "3", "agree_twin": "2", "disagree_twin": "H2"}
    exceptions = facts.exceptions_table(verdicts, on_print, on_refit)
    assert list(exceptions.index) == ["H2"]
    assert exceptions.loc["H2", "printed p"] == 0.4 and exceptions.loc["H2", "refit coef"] == "-0.3"
    h15 = facts.h15_facts(on_print, on_refit)
    assert h15 == {"h15_p_paper": "0.73", "h15_coef_paper": "-0.107", "h15_coef_twin": "0.153", "h15_p_twin": "0.50",
                   "h15_refit_sign": "the opposite sign to"}
    assert facts.h15_facts(on_print, on_print)["h15_refit_sign"] == "the same sign as"


def test_hypotheses_facts_say_none_when_all_agree():
    same = _verdicts_of(["supported", "not supported", "not supported"], ["1", "1", "1"], [0.0, 0.5, 0.5])
    out = facts.hypotheses_facts(facts.verdicts_table(_hyp(), same, same))
    assert out["agree_twin"] == "3" and out["disagree_twin"] == "none"


def test_h15_table_has_both_codings_and_both_data():
    a = _verdicts_of(["s", "s", "stated-paper"], ["1", "1", "-0.1"], [0, 0, 0.7])
    b = _verdicts_of(["s", "s", "stated-refit"], ["1", "1", "0.2"], [0, 0, 0.5])
    c = _verdicts_of(["s", "s", "flipped-paper"], ["1", "1", "-0.1"], [0, 0, 0.7])
    d = _verdicts_of(["s", "s", "flipped-refit"], ["1", "1", "0.2"], [0, 0, 0.5])
    h15 = facts.h15_table({"paper": a, "refit": b}, {"paper": c, "refit": d})
    assert h15.index.names == ["coding", "data"]
    assert list(h15.columns) == ["expected_sign", "coef", "p", "direction", "verdict"]
    assert h15["verdict"].tolist() == ["stated-paper", "stated-refit", "flipped-paper", "flipped-refit"]
    assert h15.index[2] == ("as the text reads it: 1 = joined actively", "paper")


def test_h14_facts():
    cells = pd.DataFrame({"column": ["Model 5", "Model 5"], "item": ["received_info", "age"],
                          "reproduced": [0.8271, 0.1], "published": [0.615, 0.1], "se": [0.144, 0.1],
                          "published_se": [0.432, 0.1]})
    out = facts.h14_facts(cells)
    _all_text(out)
    assert out == {"h14_coef_twin": "0.827", "h14_coef_paper": "0.615", "h14_se_twin": "0.144",
                   "h14_se_paper": "0.432", "h14_se_ratio": "3.0"}


# --------------------------------------------------------------------------- Model 5's education
def test_education_by_approval_table(codebook):
    sample = pd.DataFrame({"education": [2.0, 1.0, 2.0, 4.0], "approval": [5.0, 5.0, 3.0, 5.0]})
    counts = facts.education_by_approval_table(sample, codebook)
    assert list(counts.index) == ["None", "Low", "High", "all"]  # code order, "Medium" absent
    assert counts.columns.name == "approval"
    assert counts.loc["Low", 3] == 1 and counts.loc["all", "all"] == 4


def test_model5_education_facts():
    printed = pd.DataFrame({"model": [1, 1, 5, 5, 5], "term": ["educ_2", "educ_3", "educ_2", "educ_3", "age"],
                            "coef": [-1.033, 1.733, -13.03, -12.63, 0.5]})
    sample = pd.DataFrame({"education": [1.0, 1.0, 1.0, 2.0], "approval": [5.0, 5.0, 4.0, 1.0]})
    out = facts.model5_education_facts(printed, sample)
    _all_text(out)
    assert out == {"m5_separation": facts.base_group_separation(pd.Series([5.0, 5.0, 4.0]), sample["approval"]),
                   "pub5_educ_lo": "-13.03", "pub5_educ_hi": "-12.63", "pub_educ_other_lo": "-1.033",
                   "pub_educ_other_hi": "1.733", "m5_none_n": "3", "m5_none_top": "2"}


def test_base_group_separation_says_what_the_counts_show():
    everyone = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    top = facts.base_group_separation(pd.Series([5.0, 5.0]), everyone)
    assert "below the top category" in top and "minus infinity" in top
    bottom = facts.base_group_separation(pd.Series([1.0]), everyone)
    assert "above the lowest category" in bottom and "plus infinity" in bottom
    spread = facts.base_group_separation(pd.Series([5.0, 4.0]), everyone)
    assert "do not separate" in spread and "infinity" not in spread
    assert "do not separate" in facts.base_group_separation(pd.Series([3.0, 3.0]), everyone)  # one middle answer
    assert "empty" in facts.base_group_separation(pd.Series([], dtype=float), everyone)


@pytest.fixture(scope="module")
def model5_fits(frame, specs):
    return (fitting.fit(frame, specs[5], convergence="stata"), fitting.fit(frame, specs[5], convergence="exact"))


def test_separation_table_and_facts_on_the_twin(model5_fits, printed, published_4):
    stata_fit, exact_fit = model5_fits
    labels = facts.term_labels(published_4)
    drift = facts.separation_table(printed, stata_fit, exact_fit, labels)
    assert list(drift.index) == [labels[k] for k in ["educ_2", "educ_3", "educ_4"]]
    pub5 = printed[printed["model"].eq(5)].set_index("term")
    assert drift["paper (Stata)"].tolist() == pub5.loc[["educ_2", "educ_3", "educ_4"], "coef"].tolist()
    assert drift["run to convergence"].iloc[0].startswith("diverges")
    out = facts.separation_facts(drift, stata_fit, exact_fit)
    _all_text(out)
    assert out["exact_educ2"] == "diverges (|b| > 20)" and out["exact_se2"] == "unbounded"
    assert out["pub5_educ2"] == f"{pub5.loc['educ_2', 'coef']:.2f}"
    coef = stata_fit.result.coef()
    assert out["gap_stata"] == f"{coef['education_3'] - coef['education_2']:.3f}"
    assert float(out["ll_gain"]) >= 0


def test_treatments_table_and_facts_on_the_twin(frame, specs):
    treatments = model_summaries.education_treatments(frame, specs[5], {"education": {1: 2}}, [2.5, 10.0])
    wide = facts.treatments_table(treatments, {"age": "Age"})
    assert list(wide.columns.get_level_values(0).unique()) == [
        "Stata's stopping rule", "none merged with low", "penalised, prior SD 2.5", "penalised, prior SD 10"]
    assert "Age" in wide.index and not any(str(t).startswith("cut") for t in wide.index)
    assert np.isnan(wide.loc["educ_2", ("none merged with low", "coef")])  # merged away
    out = facts.treatment_facts(treatments)
    _all_text(out)
    assert out["pen_sd_small"] == "2.5" and out["pen_sd_large"] == "10"
    assert out["merged_educ3"] == f"{fitting.tidy(treatments.merged).set_index('term').loc['educ_3', 'coef']:.2f}"
    # the weaker prior lets the separated dummy go further
    assert float(out["pen_educ2_large"]) < float(out["pen_educ2_small"]) < 0


# --------------------------------------------------------------------------- beyond the paper
