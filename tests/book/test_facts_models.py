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
def test_weighting_facts():
    spec1 = modelspec.ModelSpec(1, "Model 1", "Demo", "approval", "weight", ("age", "gender"), {})
    wu = pd.DataFrame({"model": [1, 1, 2, 2], "term": ["age", "male", "age", "fairness"],
                       "shift": [0.2, -1.5, 0.5, 0.1], "se_ratio": [0.9, 0.96, 1.0, 0.8],
                       "significance_changes": [False, True, False, True]})
    out = facts.weighting_facts(wu, spec1)
    _all_text(out)
    assert out == {"wu_n": "4", "wu_max_shift": "1.50", "wu_max_term": "Male in Model 1", "wu_within_one": "3",
                   "wu_sig_changes": "2", "wu_sig_terms": "Male (Model 1), Fairness of score (Model 2)",
                   "wu_sig_demo": "1", "wu_block_n": "1", "wu_block_same": "0", "wu_se_ratio": "0.93"}


def test_probability_labels(codebook):
    ticks = facts.probability_ticks(codebook)
    assert set(ticks) < set(facts.PROBABILITY_PANELS)
    assert ticks["Education (Model 1)"][1] == "None"
    assert facts.function_labels() == {"accountability": "Accountability", "abide_regulations": "Abiding regulations",
                                       "quality_of_life": "Quality of life"}


def _panel(variable, values, probabilities, width=0.02):
    p = np.asarray(probabilities)
    return pd.DataFrame({"variable": variable, "value": values, "probability": p, "ci_low": p - width,
                         "ci_high": p + width})


def test_probability_facts_and_table():
    panels = {
        "Income (Model 1)": _panel("income_group", [1, 2, 3], [0.43, 0.5, 0.584]),
        "Education (Model 1)": _panel("education", [1, 2], [0.5, 0.5]),
        "Fairness of one's score (Model 5)": _panel("fairness", [1, 2, 3, 4], [0.12, 0.3, 0.5, 0.796]),
        "Perceived functions (Model 7)": pd.concat(
            [_panel("accountability", [1, 4], [0.9, 0.9]), _panel("abide_regulations", [1, 4], [0.03, 0.65])],
            ignore_index=True),
    }
    delta = {t: p.assign(ci_low=p["ci_low"] - 0.009) for t, p in panels.items()}
    out = facts.probability_facts(panels, delta, 2000)
    _all_text(out)
    assert out == {"draws": "2,000", "delta_gap": "0.9", "fair_lo": "12", "fair_hi": "80", "inc_lo": "43",
                   "inc_hi": "58", "abide_lo": "3", "abide_hi": "65", "edu_none_lo": "48", "edu_none_hi": "52"}
    long = facts.probability_table(panels)
    assert long.index.names == ["panel", "variable", "value"]
    assert len(long) == 13
    assert long.loc[("Income (Model 1)", "income_group", 3), "probability"] == pytest.approx(0.584)


def test_answer_shares_table_and_facts(codebook):
    samples = {1: (pd.DataFrame({"approval": [1.0, 3.0, 5.0, 5.0]}), {}),
               2: (pd.DataFrame({"approval": [2.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0]}), {})}
    shares = facts.answer_shares_table(samples, codebook)
    assert list(shares.index) == ["Model 1", "Model 2"]
    assert list(shares.columns) == [codebook["approval"].labels[c] for c in range(1, 6)]
    assert shares.loc["Model 1", "Somewhat disapprove"] == 0 and shares.dtypes.eq(int).all()
    out = facts.share_facts(shares)
    _all_text(out)
    assert out == {"low_min": "1", "low_max": "2", "low_pct": "25.0"}


def _po_all():
    index = pd.MultiIndex.from_tuples(
        [("Model 1", "age"), ("Model 1", "gender"), ("Model 1", "all"),
         ("Model 2", "gender"), ("Model 2", "education_3"), ("Model 2", "all")], names=["model", "term"])
    return pd.DataFrame({"b_gt_3": [0.1, 0.72, np.nan, 0.36, 0.2, np.nan],
                         "b_gt_4": [0.1, 0.09, np.nan, 0.30, 0.5, np.nan],
                         "chi2": [0.5, 9.0, 12.0, 2.0, 5.0, 3.0], "df": [1, 1, 3, 1, 1, 2],
                         "p": [0.48, 0.003, 0.007, 0.16, 0.025, 0.22],
                         "p_holm": [0.48, 0.006, np.nan, 0.16, 0.05, np.nan]}, index=index)


class _Test:
    def __init__(self, warnings, not_estimable=None):
        self.warnings = warnings
        self.not_estimable = not_estimable or {}


def test_proportional_odds_facts_and_flagged_table(specs):
    po_all = _po_all()
    flagged = model_summaries.flagged_terms(po_all)
    assert list(flagged.index) == [("Model 1", "gender"), ("Model 2", "education_3")]
    view = facts.flagged_table(po_all, specs)
    assert list(view.index) == ["Model 1: Male", "Model 2: Education: medium"]
    assert list(view.columns) == ["b_gt_3", "b_gt_4", "chi2", "df", "p", "p_holm"]
    out = facts.proportional_odds_facts(po_all, {1: _Test([]), 2: _Test(["separated"])}, view)
    _all_text(out)
    assert {k: out[k] for k in ["po_omni_sig", "po_flagged", "po_terms", "po_holm"]} == {
        "po_omni_sig": "1", "po_flagged": "2", "po_terms": "4", "po_holm": "1"}
    assert out["po_separation"].startswith("1 of the binary logits showed signs of separation")
    quiet = facts.proportional_odds_facts(po_all, {1: _Test([]), 2: _Test([])}, view)
    assert quiet["po_separation"].startswith("No binary logit showed signs of separation")
    # a tie: Male and Education: medium are flagged once each; the first is described
    assert out["po_pattern"].startswith("Male and Education: medium are flagged in the most models, 1 of the 2 each.")
    assert "the slope of Male is 0.72 for approving at least somewhat and 0.09 for approving strongly" in out["po_pattern"]
    assert facts.po_not_estimable_facts({1: _Test([])}, specs) == {"po_not_estimable": ""}
    gone = {1: _Test([]), 2: _Test([], {"education_3": "not estimable on these data: separated"})}
    sentence = facts.po_not_estimable_facts(gone, specs)["po_not_estimable"]
    assert sentence.startswith("The test cannot judge some terms") and "Education: medium in Model 2" in sentence


def test_flagged_pattern_names_the_most_flagged_term():
    flagged = pd.DataFrame({"b_gt_3": [0.83, 0.05, 0.71], "b_gt_4": [0.37, 0.01, 0.29]},
                           index=["Model 1: Education: high", "Model 4: Age (years)", "Model 2: Education: high"])
    text = facts.flagged_pattern(flagged, 7)
    assert text.startswith("Education: high is flagged in the most models, 2 of the 7.")
    assert "its slope is 0.71 to 0.83 for approving at least somewhat and 0.29 to 0.37 for approving strongly" in text
    assert facts.flagged_pattern(flagged.iloc[:0], 7).startswith("No term is flagged")
