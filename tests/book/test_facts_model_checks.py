"""scsrepro.book.facts.model_checks: the facts of the Models chapter's checks beyond the paper.

The helpers are checked on small hand-made inputs whose answers are known.
Every fact must be a ``str``, as in test_facts_models.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts import model_checks as checks
from scsrepro.data.codebook import load_codebook
from scsrepro.paper import model_summaries, modelspec


def _all_text(facts_: dict) -> None:
    assert facts_ and all(isinstance(v, str) for v in facts_.values()), facts_


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in modelspec.load_specs()}


# --------------------------------------------------------------------------- beyond the paper


def test_weighting_facts():
    spec1 = modelspec.ModelSpec(1, "Model 1", "Demo", "approval", "weight", ("age", "gender"), {})
    wu = pd.DataFrame({"model": [1, 1, 2, 2], "term": ["age", "male", "age", "fairness"],
                       "shift": [0.2, -1.5, 0.5, 0.1], "se_ratio": [0.9, 0.96, 1.0, 0.8],
                       "significance_changes": [False, True, False, True]})
    out = checks.weighting_facts(wu, spec1)
    _all_text(out)
    assert out == {"wu_n": "4", "wu_max_shift": "1.50", "wu_max_term": "Male in Model 1", "wu_within_one": "3",
                   "wu_sig_changes": "2", "wu_sig_terms": "Male (Model 1), Fairness of score (Model 2)",
                   "wu_sig_demo": "1", "wu_block_n": "1", "wu_block_same": "0", "wu_se_ratio": "0.93"}


def test_probability_labels(codebook):
    ticks = checks.probability_ticks(codebook)
    assert set(ticks) < set(checks.PROBABILITY_PANELS)
    assert ticks["Education (Model 1)"][1] == "None"
    assert checks.function_labels() == {"accountability": "Accountability", "abide_regulations": "Abiding regulations",
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
    out = checks.probability_facts(panels, delta, 2000)
    _all_text(out)
    assert out == {"draws": "2,000", "delta_gap": "0.9", "fair_lo": "12", "fair_hi": "80", "inc_lo": "43",
                   "inc_hi": "58", "abide_lo": "3", "abide_hi": "65", "edu_none_lo": "48", "edu_none_hi": "52"}
    long = checks.probability_table(panels)
    assert long.index.names == ["panel", "variable", "value"]
    assert len(long) == 13
    assert long.loc[("Income (Model 1)", "income_group", 3), "probability"] == pytest.approx(0.584)


def test_answer_shares_table_and_facts(codebook):
    samples = {1: (pd.DataFrame({"approval": [1.0, 3.0, 5.0, 5.0]}), {}),
               2: (pd.DataFrame({"approval": [2.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0]}), {})}
    shares = checks.answer_shares_table(samples, codebook)
    assert list(shares.index) == ["Model 1", "Model 2"]
    assert list(shares.columns) == [codebook["approval"].labels[c] for c in range(1, 6)]
    assert shares.loc["Model 1", "Somewhat disapprove"] == 0 and shares.dtypes.eq(int).all()
    out = checks.share_facts(shares)
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
    view = checks.flagged_table(po_all, specs)
    assert list(view.index) == ["Model 1: Male", "Model 2: Education: medium"]
    assert list(view.columns) == ["b_gt_3", "b_gt_4", "chi2", "df", "p", "p_holm"]
    out = checks.proportional_odds_facts(po_all, {1: _Test([]), 2: _Test(["separated"])}, view)
    _all_text(out)
    assert {k: out[k] for k in ["po_omni_sig", "po_flagged", "po_terms", "po_holm"]} == {
        "po_omni_sig": "1", "po_flagged": "2", "po_terms": "4", "po_holm": "1"}
    assert out["po_separation"].startswith("1 of the binary logits showed signs of separation")
    quiet = checks.proportional_odds_facts(po_all, {1: _Test([]), 2: _Test([])}, view)
    assert quiet["po_separation"].startswith("No binary logit showed signs of separation")
    # a tie: Male and Education: medium are flagged once each; the first is described
    assert out["po_pattern"].startswith("Male and Education: medium are flagged in the most models, 1 of the 2 each.")
    assert "the slope of Male is 0.72 for approving at least somewhat and 0.09 for approving strongly" in out["po_pattern"]
    assert checks.po_not_estimable_facts({1: _Test([])}, specs) == {"po_not_estimable": ""}
    gone = {1: _Test([]), 2: _Test([], {"education_3": "not estimable on these data: separated"})}
    sentence = checks.po_not_estimable_facts(gone, specs)["po_not_estimable"]
    assert sentence.startswith("The test cannot judge some terms") and "Education: medium in Model 2" in sentence


def test_flagged_pattern_names_the_most_flagged_term():
    flagged = pd.DataFrame({"b_gt_3": [0.83, 0.05, 0.71], "b_gt_4": [0.37, 0.01, 0.29]},
                           index=["Model 1: Education: high", "Model 4: Age (years)", "Model 2: Education: high"])
    text = checks.flagged_pattern(flagged, 7)
    assert text.startswith("Education: high is flagged in the most models, 2 of the 7.")
    assert "its slope is 0.71 to 0.83 for approving at least somewhat and 0.29 to 0.37 for approving strongly" in text
    assert checks.flagged_pattern(flagged.iloc[:0], 7).startswith("No term is flagged")
