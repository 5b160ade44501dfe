"""Tests for scsrepro.paper.partial_po: Table 4's models with the flagged terms freed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import partial_po
from scsrepro.survey.models import fit_ologit


@pytest.fixture(scope="module")
def pf(frame, specs):
    return partial_po.fit_partial(frame, specs[4], ["age", "gender"])


def test_the_outcome_is_collapsed_as_for_the_test(frame, specs):
    sample, _ = partial_po.collapsed_sample(frame, specs[1])
    assert sorted(sample["approval"].unique()) == [3.0, 4.0, 5.0]


def test_the_ordered_fit_is_the_ordered_logit_of_the_collapsed_outcome(frame, specs, pf):
    sample, categorical = partial_po.collapsed_sample(frame, specs[4])
    ref = fit_ologit(sample, "approval", list(specs[4].covariates), categorical=categorical,
                     weight="weight", convergence="exact")
    ours = pf.ordered.coef_table()
    slopes = ref.table.set_index("term")["coef"]
    for term in ours.index.drop("_cons"):
        assert ours.loc[term, 1] == pytest.approx(slopes[term], abs=1e-6)
    assert pf.ordered.loglike == pytest.approx(ref.ll, abs=1e-6)


def test_wald_table_carries_each_freed_terms_slopes_and_test(pf):
    out = partial_po.wald_table({4: pf}).set_index("term")
    assert list(out.index) == ["age", "male", "all"]
    tests = pf.partial.tests.set_index("term")
    assert out.loc["age", "chi2"] == pytest.approx(tests.loc["age", "chi2"])
    assert out.loc["male", "chi2"] == pytest.approx(tests.loc["gender", "chi2"])
    coefs = pf.partial.coef_table()
    assert out.loc["age", "b_gt_3"] == pytest.approx(coefs.loc["age", 1])
    assert out.loc["age", "b_gt_4"] == pytest.approx(coefs.loc["age", 2])
    assert (out["ll_partial"] >= out["ll_ordered"]).all()


def test_fit_flagged_fits_only_models_with_flagged_terms(frame, specs):
    flagged = pd.DataFrame(
        {"p": [0.01]}, index=pd.MultiIndex.from_tuples([("Model 4", "age")], names=["model", "term"])
    )
    fits = partial_po.fit_flagged(frame, specs, flagged)
    assert list(fits) == [4] and fits[4].free == ("age",)


def test_predicted_comparison_sums_to_one_and_differs_where_freed(frame, pf):
    out = partial_po.predicted_comparison(frame, pf)
    assert set(out["variable"]) == {"age", "gender"}
    sums = out.groupby(["variable", "value"])[["ordered", "partial"]].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert out["difference"].abs().max() > 1e-3
    assert set(out.loc[out["variable"] == "gender", "value"]) == {0.0, 1.0}
