"""Tests for scsrepro.paper.separation: Firth on the separated terms, DuMouchel-Duncan per model."""

from __future__ import annotations

import numpy as np
import pytest

from scsrepro.paper import fitting, separation


@pytest.fixture(scope="module")
def model5(frame, specs):
    return fitting.fit(frame, specs[5])


def test_the_separated_columns_of_model_5_are_its_education_dummies(model5, frame, specs):
    assert separation.separated_columns(model5) == ["education_2", "education_3", "education_4"]
    assert separation.separated_columns(fitting.fit(frame, specs[1])) == []


def test_penalising_the_separated_terms_gives_them_finite_estimates_and_profile_intervals(frame, model5):
    out = separation.firth_refit(model5, profile=["education_4"]).comparison.set_index("term")
    row = out.loc["educ_4"]
    assert row["penalised"] and abs(row["plain"]) > 10 and abs(row["firth"]) < abs(row["plain"])
    assert row["lower"] < row["firth"] < row["upper"]
    assert out["penalised"].sum() == 3 and out["lower"].notna().sum() == 1
    others = out[~out.index.str.startswith("educ_")]
    assert (others["firth"] - others["plain"]).abs().max() < 0.05


def test_nothing_to_penalise_is_an_error(frame, specs):
    with pytest.raises(ValueError, match="no term to penalise"):
        separation.firth_refit(fitting.fit(frame, specs[1]))


def test_weights_tests_report_an_invalid_test_instead_of_a_number(frame, specs):
    out = separation.weights_tests(frame, specs).set_index("model")
    assert list(out.index) == [s.column for s in specs.values()]
    valid = out["converged"]
    assert (valid == (out["status"] == "converged")).all()
    assert out.loc[valid, "p"].between(0, 1).all() and out.loc[~valid, "p"].isna().all()
    assert not valid["Model 5"]  # the augmented unweighted fit separates too
    assert np.all(out.loc[valid, "df"] > 0)
