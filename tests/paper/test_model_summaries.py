"""scsrepro.paper.model_summaries: the comparisons the Models chapter reports.

``compare_cells`` and ``interval_gap`` are checked on hand-made tables; the
functions that fit models run on the committed twin and are checked against
the robustness functions they wrap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting, model_summaries, modelspec, robustness
from scsrepro.paper.weights import weights_for


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in modelspec.load_specs()}


@pytest.fixture(scope="module")
def frame():
    df = load_survey(paths.DATA / "synthetic" / "twin.csv")
    return fitting.model_frame(df, weights_for(df))


def test_compare_cells_keeps_coefficients_and_cuts_only():
    t4 = pd.DataFrame(
        {
            "statistic": ["coef", "se", "cut", "n", "coef"],
            "item": ["age", "age", "cut1", "observations", "male"],
            "reproduced": [0.10, 0.05, -2.0, 100.0, 0.30],
            "se": [0.05, np.nan, 0.20, np.nan, 0.10],
            "published": [0.19, np.nan, -2.0, 100.0, 0.10],
            "published_se": [0.04, np.nan, 0.40, np.nan, 0.10],
        }
    )
    cells = model_summaries.compare_cells(t4)
    assert list(cells.index) == [0, 2, 4]
    assert cells["se_diff_pct"].tolist() == pytest.approx([25.0, -50.0, 0.0])
    # |0.19 - 0.10| = 0.09 < 1.96 * 0.05; |0.10 - 0.30| = 0.2 > 1.96 * 0.10
    assert cells["outside"].tolist() == [False, False, True]
    assert "se_diff_pct" not in t4  # the input is not modified


def test_interval_gap_is_the_largest_bound_difference():
    a = {"x": pd.DataFrame({"ci_low": [0.1, 0.2], "ci_high": [0.3, 0.4]})}
    b = {"x": pd.DataFrame({"ci_low": [0.1, 0.25], "ci_high": [0.28, 0.4]})}
    assert model_summaries.interval_gap(a, b) == pytest.approx(0.05)
    assert model_summaries.interval_gap(a, a) == 0


@pytest.fixture(scope="module")
def treatments(frame, specs):
    return model_summaries.education_treatments(frame, specs[5], {"education": {1: 2}}, [2.5, 10.0])


def test_education_treatments_fit_the_four_variants(treatments):
    assert [f.label for f in treatments.fits] == [
        "Stata's stopping rule",
        "none merged with low",
        "penalised, prior SD 2.5",
        "penalised, prior SD 10",
    ]
    assert treatments.prior_sds == [2.5, 10.0]
    assert treatments.merged.merge == {"education": {1: 2}}
    assert "education_2" not in treatments.merged.result.coef().index
    assert "education_2" in treatments.stata.result.coef().index


def test_largest_shift_of_the_other_slopes(treatments):
    fits = treatments.fits
    assert model_summaries.largest_shift([fits[0], fits[0]]) == 0
    first = fitting.tidy(fits[0]).set_index("term")
    others = [t for t in first.index if not t.startswith(("cut", "educ_"))]
    expected = max(
        (fitting.tidy(f).set_index("term").loc[others, "coef"] - first.loc[others, "coef"]).abs().max()
        for f in fits[1:]
    )
    assert model_summaries.largest_shift(fits) == pytest.approx(expected)
    assert 0 < model_summaries.largest_shift(fits) < 0.1
    # counting the education dummies too (fits that keep them), the separated factor dominates
    assert model_summaries.largest_shift([treatments.stata, *treatments.penalised], exclude_prefix="none") > 1


def test_probability_panels_stack_the_requests(frame, specs):
    fits = {1: fitting.fit(frame, specs[1])}
    requests = {"Two": [(1, "urban"), (1, "gender")], "One": [(1, "urban")]}
    panels = model_summaries.probability_panels(fits, requests, method="delta")
    assert list(panels) == ["Two", "One"]
    assert panels["Two"]["variable"].tolist() == ["urban", "urban", "gender", "gender"]
    assert list(panels["Two"].index) == [0, 1, 2, 3]
    direct = robustness.predicted_probabilities(fits[1], "urban", method="delta")
    pd.testing.assert_frame_equal(panels["One"], direct)


def test_proportional_odds_by_model_and_table(frame, specs):
    merge = {"education": {1: 2}}
    samples = {m: fitting.estimation_sample(frame, specs[m], merge) for m in (1, 2)}
    tests = model_summaries.proportional_odds_by_model(samples, specs, thresholds=[3, 4])
    assert list(tests) == [1, 2] and tests[1].thresholds == [3, 4]
    direct = robustness.proportional_odds_test(
        samples[2][0], "approval", specs[2].covariates, samples[2][1], "weight", thresholds=[3, 4]
    )
    pd.testing.assert_frame_equal(tests[2].table, direct.table)
    table = model_summaries.proportional_odds_table(tests)
    assert table.index.names == ["model", "term"]
    assert table.loc[("Model 1", "all"), "df"] == tests[1].table.set_index("term").loc["all", "df"]
    assert len(table) == len(tests[1].table) + len(tests[2].table)


def test_flagged_terms_leave_out_the_omnibus_row():
    index = pd.MultiIndex.from_tuples(
        [("Model 1", "age"), ("Model 1", "all"), ("Model 2", "male"), ("Model 2", "all")], names=["model", "term"]
    )
    po_all = pd.DataFrame({"p": [0.01, 0.001, 0.2, 0.04]}, index=index)
    assert list(model_summaries.flagged_terms(po_all).index) == [("Model 1", "age")]
    assert list(model_summaries.flagged_terms(po_all, alpha=0.5).index) == [("Model 1", "age"), ("Model 2", "male")]
