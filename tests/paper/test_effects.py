"""Tests for scsrepro.paper.effects: Table 4's models on the probability scale."""

from __future__ import annotations

import numpy as np
import pytest

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import effects, fitting, modelspec


@pytest.fixture(scope="module")
def fit1():
    frame = fitting.model_frame(load_survey(paths.SYNTHETIC / "twin.csv"))
    return fitting.fit(frame, modelspec.load_specs()[0])


def test_ames_are_keyed_by_table_4_terms_and_sum_to_zero_over_the_answers(fit1):
    out = effects.model_ames(fit1)
    assert set(out["term"]) == set(modelspec.load_specs()[0].terms(modelspec.term_keys()))
    answers = out[out["outcome"] != "approve"]
    assert answers.groupby("term")["ame"].sum().abs().max() < 1e-12
    wide = out.pivot(index="term", columns="outcome", values="ame")
    assert np.allclose(wide["approve"], wide["4"] + wide["5"], atol=1e-14)
    assert (out["se"] > 0).all() and set(out["nobs"]) == {fit1.result.nobs}


def test_a_dummy_is_the_change_from_the_base_level(fit1):
    pred = effects.model_predictions(fit1, "income_group")
    approve = pred[pred["outcome"] == "approve"].set_index("value")["probability"]
    ames = effects.model_ames(fit1).set_index(["term", "outcome"])["ame"]
    assert ames[("income_3", "approve")] == pytest.approx(approve[3] - approve[1], abs=1e-12)


def test_predictions_of_every_answer_sum_to_one(fit1):
    pred = effects.model_predictions(fit1, "age", [20, 40, 60])
    answers = pred[pred["outcome"] != "approve"]
    assert np.allclose(answers.groupby("value")["probability"].sum(), 1.0, atol=1e-12)
    assert ((pred["ci_low"] < pred["probability"]) & (pred["probability"] < pred["ci_high"])).all()
