"""scsrepro.book.facts.extensions and figures.extensions: the chapter beyond the paper.

The helpers are checked on small hand-made inputs whose answers are known;
every fact is a ``str``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from scsrepro.book.facts import extensions as facts
from scsrepro.book.figures import extensions as plots


def _all_text(found: dict) -> None:
    assert found and all(isinstance(v, str) for v in found.values()), found


def _caps() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "cap": ["1.5", "2.0", "none"],
            "feasible": [False, True, True],
            "reason": ["group 3 too small", "", ""],
            "max_weight": [nan, 2.0, 2.5],
            "deff": [nan, 1.13, 1.14],
            "n_eff": [nan, 1949.0, 1946.0],
            "approve_pct": [nan, 80.0, 79.5],
            "approve_se": [nan, 0.9, 0.91],
            "strongly_approve_pct": [nan, 48.8, 48.7],
            "strongly_approve_se": [nan, 1.1, 1.1],
            "t2_max_shift": [nan, 0.0, 0.25],
            "t4_max_shift_se": [nan, 0.0, 0.4],
            "t4_star_changes": [nan, 0.0, 3.0],
            "t4_coefficients": [nan, 85.0, 85.0],
        }
    )


def test_cap_facts_and_table():
    found = facts.cap_facts(_caps())
    _all_text(found)
    assert found["cap_infeasible"] == "cap 1.5" and "group 3 too small" in found["cap_infeasible_reason"]
    assert (found["cap_approve_lo"], found["cap_approve_hi"]) == ("79.5", "80.0")
    assert (found["cap_t4_max"], found["cap_star_changes"], found["cap_t4_n"]) == ("0.40", "3", "85")
    shown = facts.cap_table(_caps())
    assert shown.loc["1.5", "raking feasible"] == "no" and list(shown.columns)[1:] == list(facts.CAP_FORMATS)
    every = facts.cap_facts(_caps().iloc[1:])
    assert every["cap_infeasible"] == "none" and every["cap_infeasible_reason"] == ""


def test_cap_plot_draws_both_panels():
    shifts = pd.DataFrame({"cap": ["2.0", "none", "none"], "shift_se": [0.0, 0.2, -0.4]})
    fig = plots.cap_plot(_caps(), shifts)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_calibration_facts_count_changed_verdicts():
    t4 = pd.DataFrame(
        {
            "statistic": ["coef", "coef", "cut"],
            "column": ["Model 1", "Model 1", "Model 1"],
            "item": ["age", "male", "cut1"],
            "reproduced": [0.195, 0.5, -1.0],
            "se": [0.1, 0.1, 0.2],
            "se_calibrated": [0.099, 0.09, 0.2],
        }
    )
    calib = facts.calibration_table(t4)
    assert len(calib) == 2  # cut points are not coefficients
    shares = pd.DataFrame({"ratio": [0.99, 0.995]})
    found = facts.calibration_facts(calib, shares)
    _all_text(found)
    # age: z = 1.95 fixed (not significant), 1.97 calibrated (significant)
    assert found["cal_sig_changes"] == "1" and found["cal_sig_terms"].endswith("in Model 1")
    assert (found["cal_min"], found["cal_max"]) == ("90.0", "99.0")
    assert (found["cal_share_min"], found["cal_share_max"]) == ("99.0", "99.5")


def test_sharp_facts_count_each_outcome_and_the_holm_losses():
    table = pd.DataFrame(
        {
            "printed: outcome": ["supported", "contradicted", "not significant"],
            "printed: Holm": ["supported", "not significant", "not significant"],
            "refit: outcome": ["supported", "supported", "contradicted"],
            "refit: Holm": ["supported", "not significant", "contradicted"],
        },
        index=["H1", "H2", "H3"],
    )
    found = facts.sharp_facts(table)
    _all_text(found)
    assert (found["sharp_print_supported"], found["sharp_print_ns"], found["sharp_print_contradicted"]) == ("1", "1", "1")
    assert found["sharp_refit_contradicted_ids"] == "H3" and found["sharp_holm_lost"] == "H2"
    assert found["sharp_holm_lost_note"].endswith("H2")
    kept = facts.sharp_facts(table.assign(**{"refit: Holm": table["refit: outcome"]}))
    assert kept["sharp_holm_lost_note"] == "none loses its support"


def test_partial_ame_nested_and_weights_facts():
    wald = pd.DataFrame(
        {
            "model": ["Model 4", "Model 4", "Model 4"],
            "term": ["age", "male", "all"],
            "p": [0.001, 0.2, 0.002],
            "n_negative": [0, 0, 0],
        }
    )
    predicted = pd.DataFrame(
        {"model": ["Model 4"] * 2, "variable": ["age"] * 2, "value": [18.0, 40.0], "outcome": ["4", "5"],
         "difference": [-0.063, 0.01]}
    )
    found = facts.partial_facts(wald, predicted)
    _all_text(found)
    assert (found["ppo_terms"], found["ppo_reject"], found["ppo_max_diff"]) == ("2", "1", "6.3")
    assert found["ppo_max_where"] == "answer 4 at age = 18 in Model 4"
    ames = pd.DataFrame(
        {"model": ["Model 1", "Model 1"], "term": ["age", "male"], "outcome": ["approve", "approve"],
         "ame": [0.003, -0.05], "se": [0.001, 0.01], "p": [0.01, 0.3]}
    )
    found = facts.ame_facts(ames)
    assert (found["ame_sig"], found["ame_max"]) == ("1", "-5.0")
    wide = facts.ame_table(ames)
    assert list(wide.columns) == ["Model 1: AME", "Model 1: SE"] and wide.iloc[1, 0] == pytest.approx(-5.0)
    comparison = pd.DataFrame(
        {"model": ["Model 4", "Model 4"], "term": ["income_2", "male"], "nobs": [1100, 1100],
         "ame_own": [0.08, 0.04], "ame_common": [0.03, 0.04], "ame_full": [0.03, 0.02],
         "sample_change": [-0.05, 0.0], "block_change": [0.0, -0.02]}
    )
    found = facts.nested_facts(comparison)
    assert (found["nest_sample_larger"], found["nest_max_sample"], found["nest_max_block"]) == ("1", "-5.0", "-2.0")
    tests = pd.DataFrame({"model": ["Model 1", "Model 5"], "p": [0.01, np.nan], "converged": [True, False],
                          "status": ["converged", "singular"]})
    found = facts.weights_test_facts(tests)
    assert (found["dd_valid"], found["dd_reject"], found["dd_invalid_models"]) == ("1", "1", "Model 5")
    assert "for Model 5" in found["dd_invalid_note"] and "singular" not in found["dd_invalid_note"]
    assert "status" not in facts.weights_test_table(tests).columns
    assert facts.weights_test_facts(tests.iloc[:1])["dd_invalid_note"] == ""


def test_firth_table_and_facts_show_open_bounds_as_open():
    comparison = pd.DataFrame(
        {"term": ["age", "educ_2"], "penalised": [False, True], "firth": [0.03, -2.5], "plain": [0.031, -13.7],
         "lower": [np.nan, -7.4], "upper": [np.nan, 0.15], "lower_open": [np.nan, True], "upper_open": [np.nan, False]}
    )
    refit = SimpleNamespace(comparison=comparison)
    shown = facts.firth_table(refit)
    assert shown["profile 95 % interval"].tolist() == ["", "[open, 0.15]"]
    found = facts.firth_facts(refit)
    assert (found["firth_open"], found["firth_plain"], found["firth_shift"]) == ("1", "13.7", "0.001")
