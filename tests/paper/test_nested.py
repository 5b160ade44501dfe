"""Tests for scsrepro.paper.nested: whom each model's listwise deletion keeps."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import effects, fitting, modelspec, nested


@pytest.fixture(scope="module")
def spec_list():
    return modelspec.load_specs()


def test_retained_shares_add_up_to_each_models_sample(frame, spec_list):
    kept = nested.retained(frame, spec_list)
    sizes = {s.column: len(modelspec.estimation_frame(frame, s)) for s in spec_list}
    first = kept.iloc[0]
    assert first["variable"] == "all" and first["n"] == len(frame)
    for column, n in sizes.items():
        assert first[column] == pytest.approx(100 * n / len(frame))
        for var, block in kept.iloc[1:].groupby("variable"):
            known = frame[var].notna().to_numpy()
            in_block = float((block["n"] * block[column] / 100).sum())
            expected = len(modelspec.estimation_frame(frame[known], next(s for s in spec_list if s.column == column)))
            assert in_block == pytest.approx(expected), (column, var)


def test_non_substantive_answers_come_last_and_are_never_kept(frame, spec_list):
    kept = nested.retained(frame, spec_list, groups=("income_group",))
    rows = kept[kept["variable"] == "income_group"]
    last = rows.iloc[-1]
    label_99 = load_codebook().label(pd.DataFrame({"income_group": [99]}))["income_group"].iloc[0]
    assert last["level"] == label_99
    assert all(last[s.column] == 0 for s in spec_list)


def test_dropped_by_counts_each_variables_losses(frame, spec_list):
    out = nested.dropped_by(frame, spec_list)
    assert (out["only"] <= out["missing"]).all()
    for spec in spec_list:
        mine = out[out["model"] == spec.column]
        n = len(modelspec.estimation_frame(frame, spec))
        assert set(mine["n"]) == {n} and set(mine["dropped"]) == {len(frame) - n}
        # every respondent dropped lacks at least one variable; those lacking one alone are counted once
        assert mine["only"].sum() <= len(frame) - n <= mine["missing"].sum()
    # the outcome and the weight are complete on the twin, so they never appear
    assert not out["variable"].isin(["approval", "weight"]).any()


def test_on_a_models_own_sample_nothing_is_dropped(frame, spec_list):
    spec = spec_list[0]
    own = frame.loc[modelspec.estimation_frame(frame, spec).index]
    assert nested.dropped_by(own, [spec]).empty
    assert nested.retained(own, [spec]).iloc[0][spec.column] == 100


def test_common_sample_comparison_splits_the_change_into_sample_and_block(frame, spec_list):
    out = nested.common_sample_comparison(frame, spec_list[:4])
    assert set(out["model"]) == {"Model 2", "Model 3", "Model 4"}
    total = out["ame_full"] - out["ame_own"]
    assert (out["sample_change"] + out["block_change"] - total).abs().max() < 1e-12
    # Model 1's own AMEs are the same row in every comparison
    assert out.groupby("term")["ame_own"].nunique().eq(1).all()
    # direct: Model 4's AME of income_3 equals model_ames of its fit
    direct = effects.model_ames(fitting.fit(frame, spec_list[3]))
    direct = direct[(direct["outcome"] == "approve")].set_index("term")
    row = out[(out["model"] == "Model 4") & (out["term"] == "income_3")].iloc[0]
    assert row["ame_full"] == pytest.approx(direct.loc["income_3", "ame"], rel=1e-12)


def test_on_a_frame_that_is_already_the_larger_models_sample_nothing_is_due_to_the_sample(frame, spec_list):
    larger = spec_list[1]
    own = frame.loc[modelspec.estimation_frame(frame, larger).index]
    out = nested.common_sample_comparison(own, [spec_list[0], larger])
    assert out["sample_change"].abs().max() < 1e-12


def test_a_model_without_the_base_covariates_is_not_nested(frame, spec_list):
    other = modelspec.ModelSpec(id=9, column="Model 9", title="x", outcome="approval", weight="weight",
                                covariates=("age", "gender"), categorical={})
    with pytest.raises(ValueError, match="not nested"):
        nested.common_sample_comparison(frame, [spec_list[0], other])
