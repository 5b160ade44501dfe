"""Table A1: the quota arithmetic recomputed from its printed inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.paper import quota


def test_every_printed_cell_is_reproduced():
    comparison = quota.reproduce_table_a1()
    assert len(comparison) == 6 * 6
    off = comparison[~comparison["match"]]
    assert off.empty, f"cells not reproduced:\n{off}"


def test_rounding_between_steps_breaks_the_match():
    comparison = quota.reproduce_table_a1(carry_unrounded=False)
    assert (~comparison["match"]).sum() > 0


def test_unnormalised_regional_shares_break_the_match():
    comparison = quota.reproduce_table_a1(normalise_regions=False)
    off = comparison[~comparison["match"]]
    assert set(off["column"]) <= {"East_n", "Central_n", "West_n"}
    assert len(off) > 0


def test_printed_regional_shares_sum_to_101_percent():
    shares = quota.printed_regional_shares()
    assert round(sum(shares.values()) * 100) == 101


def test_quota_table_on_known_input():
    idx = pd.MultiIndex.from_tuples([("a", "m"), ("a", "f")])
    out = quota.quota_table(pd.Series([300.0, 100.0], index=idx), pd.Series([0.5, 1.0], index=idx), {"E": 0.5, "W": 0.5}, sample_size=100)
    assert out["step2"].tolist() == [75.0, 25.0]
    assert out["step4"].tolist() == [37.5, 25.0]
    assert out["step5"].round(6).tolist() == [60.0, 40.0]
    assert out["E_n"].tolist() == [30, 20]


@pytest.mark.parametrize(
    "population, internet, message",
    [
        ([1.0, -1.0], [0.5, 0.5], "negative"),
        ([1.0, 2.0], [50.0, 0.5], "fraction"),
        ([1.0, None], [0.5, 0.5], "missing"),
    ],
)
def test_bad_inputs_raise(population, internet, message):
    idx = pd.MultiIndex.from_tuples([("a", "m"), ("a", "f")])
    with pytest.raises(ValueError, match=message):
        quota.quota_table(pd.Series(population, index=idx), pd.Series(internet, index=idx), {"E": 1.0})
