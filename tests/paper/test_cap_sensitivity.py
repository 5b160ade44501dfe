"""Tests for scsrepro.paper.cap_sensitivity: the results under other weight caps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import cap_sensitivity as cs
from scsrepro.paper.weights import weights_for


@pytest.fixture(scope="module")
def summary(twin):
    return cs.cap_summary(twin).set_index("cap")


def test_infeasible_cap_is_reported_with_the_group_that_needs_more(summary, twin):
    # 46 respondents aged 51+ must carry 3.17 % of the weight: a mean weight of
    # about 1.52, which no weight capped at 1.5 can give
    n_old = int((twin["age"] > 50).sum())
    row = summary.loc["1.5"]
    assert not row["feasible"]
    assert "age_group=3" in row["reason"] and f"{n_old} respondents" in row["reason"]
    assert np.isnan(row["deff"]) and np.isnan(row["approve_pct"])


def test_reference_cap_has_no_shift_and_others_are_measured_from_it(summary):
    ref = summary.loc["2.0"]
    assert ref["feasible"] and ref["max_weight"] <= 2.0 + 1e-9
    assert ref["t2_max_shift"] == 0 and ref["t4_max_shift_se"] == 0 and ref["t4_star_changes"] == 0
    assert summary.loc["none", "max_weight"] > 2.0  # without a cap some weight exceeds the paper's
    assert summary.loc["none", "t4_max_shift_se"] > 0


def test_summary_equals_a_direct_computation(summary, twin):
    w = weights_for(twin.drop(columns=["weight"], errors="ignore"), cap=None).to_numpy()
    approve = twin["approval"].isin([4, 5]).to_numpy()
    assert summary.loc["none", "approve_pct"] == pytest.approx(100 * w[approve].sum() / w.sum(), abs=1e-10)
    assert summary.loc["none", "n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert summary.loc["none", "deff"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2, rel=1e-12)


def test_a_weight_column_is_set_aside(twin):
    with_column = twin.assign(weight=np.linspace(0.5, 1.5, len(twin)))
    a = cs.rake_under_caps(with_column, (2.0,))[0].weights
    b = cs.rake_under_caps(twin.drop(columns=["weight"], errors="ignore"), (2.0,))[0].weights
    pd.testing.assert_series_equal(a, b)


def test_reference_must_be_among_the_caps(twin):
    with pytest.raises(ValueError, match="reference cap"):
        cs.cap_summary(twin, caps=(3.0, None), reference=2.0)


def test_labels():
    assert [cs.cap_label(c) for c in cs.CAPS] == ["1.5", "2.0", "3.0", "none"]
