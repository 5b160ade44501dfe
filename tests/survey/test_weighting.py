"""Tests for scsrepro.survey.weighting: raking (vs R survey::rake), cap, Kish deff."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scsrepro.survey.weighting import (
    RakingError,
    effective_n,
    implied_deff,
    kish_deff,
    margin_of_error,
    rake,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def rake_data():
    df = pd.read_csv(FIX / "input_rake.csv")
    m = pd.read_csv(FIX / "input_rake_margins.csv")
    margins = {
        var: dict(zip(g["level"], g["share"])) for var, g in m.groupby("variable", sort=False)
    }
    return df, margins


def _shares(df, w, var):
    return (w.groupby(df[var]).sum() / w.sum()).to_dict()


def test_uncapped_rake_equals_r_survey_rake(rake_data):
    df, margins = rake_data
    ref = pd.read_csv(FIX / "ref_rake.csv")
    w = rake(df, margins, cap=None, weight_col="design_weight", tol=1e-13)
    assert len(w) == len(ref)
    np.testing.assert_allclose(w.to_numpy(), ref["weight"].to_numpy(), rtol=1e-6, atol=0)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)


def test_uncapped_rake_depends_on_design_weights(rake_data):
    df, margins = rake_data
    w1 = rake(df, margins, cap=None)
    w2 = rake(df, margins, cap=None, weight_col="design_weight")
    assert np.abs(w1 - w2).max() > 0.05


def test_capped_rake_holds_cap_and_margins(rake_data):
    df, margins = rake_data
    uncapped = rake(df, margins, cap=None, weight_col="design_weight")
    assert uncapped.max() > 2.0  # the cap must bind for this test to mean anything
    w = rake(df, margins, cap=2.0, weight_col="design_weight", tol=1e-10)
    assert w.max() <= 2.0 * (1 + 1e-9)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    assert (w > 2.0 - 1e-9).sum() > 0  # some units sit at the cap
    for var, shares in margins.items():
        got = _shares(df, w, var)
        for lev, share in shares.items():
            assert got[lev] == pytest.approx(share, abs=1e-8), (var, lev)


def test_cap_none_and_loose_cap_agree(rake_data):
    df, margins = rake_data
    w_none = rake(df, margins, cap=None)
    w_big = rake(df, margins, cap=1000.0)
    np.testing.assert_allclose(w_none, w_big, rtol=1e-9)


def test_infeasible_cap_raises(rake_data):
    df, margins = rake_data
    # 41 of 1000 respondents are 51-65 but must carry 8 % of the weight:
    # the mean weight there is at least 1.95, so a cap of 1.5 cannot hold.
    with pytest.raises(RakingError, match="age_group='51-65'"):
        rake(df, margins, cap=1.5)
    with pytest.raises(RakingError, match="cap must exceed 1"):
        rake(df, margins, cap=1.0)


def test_jointly_infeasible_margins_raise():
    # all old respondents are women; 20 % old but only 10 % women with cap 3
    df = pd.DataFrame(
        {
            "age": ["old"] * 10 + ["young"] * 90,
            "sex": ["f"] * 10 + ["f"] * 10 + ["m"] * 80,
        }
    )
    margins = {"age": {"old": 0.2, "young": 0.8}, "sex": {"f": 0.1, "m": 0.9}}
    with pytest.raises(RakingError):
        rake(df, margins, cap=3.0, max_iter=200)


def test_rake_known_solution():
    # a saturated 2x2 sample with equal cells: raking to independent margins
    df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    w = rake(df, {"a": {"x": 0.25, "y": 0.75}, "b": {"u": 0.5, "v": 0.5}}, cap=None)
    np.testing.assert_allclose(w.to_numpy(), [0.5, 0.5, 1.5, 1.5])
    assert list(w.index) == list(df.index)


@pytest.mark.parametrize(
    "margins, match",
    [
        ({"a": {"x": 0.3, "y": 0.6}}, "sum to 0.9"),
        ({"a": {"x": 1.0}}, r"categories without a margin: \['y'\] \(row positions \[1, 3\]\)"),
        ({"a": {"x": 0.4, "y": 0.4, "z": 0.2}}, r"absent from the data: \['z'\]"),
        ({"c": {"x": 1.0}}, "'c' is not a column"),
        ({"a": {"x": 1.2, "y": -0.2}}, "finite and > 0"),
    ],
)
def test_bad_margins(margins, match):
    df = pd.DataFrame({"a": ["x", "y", "x", "y"]})
    with pytest.raises(ValueError, match=match):
        rake(df, margins, cap=None)


def test_nan_in_raking_variable_names_rows():
    df = pd.DataFrame({"a": ["x", None, "y", "x"]})
    with pytest.raises(ValueError, match=r"'a' has 1 missing values at row positions \[1\]"):
        rake(df, {"a": {"x": 0.5, "y": 0.5}}, cap=None)


def test_bad_base_weights():
    df = pd.DataFrame({"a": ["x", "y"], "d": [1.0, -1.0]})
    with pytest.raises(ValueError, match=r"offending values \[-1.0\] at row positions \[1\]"):
        rake(df, {"a": {"x": 0.5, "y": 0.5}}, weight_col="d")


def test_kish_deff_and_effective_n():
    w = np.array([1.0, 1.0, 2.0, 2.0])
    # n * sum(w^2) / sum(w)^2 = 4 * 10 / 36
    assert kish_deff(w) == pytest.approx(40 / 36)
    assert effective_n(w) == pytest.approx(36 / 10)
    assert kish_deff(np.ones(7)) == pytest.approx(1.0)
    assert kish_deff(3 * w) == pytest.approx(kish_deff(w))  # scale free
    with pytest.raises(ValueError, match="row positions"):
        kish_deff([1.0, np.nan])


def test_margin_of_error_srs():
    n = 1000
    assert margin_of_error(np.ones(n)) == pytest.approx(1.959964 * np.sqrt(0.25 / n), rel=1e-6)


def test_paper_margin_of_error_implies_deff_113():
    """2.22 % at n = 2,209 (section 3.1) implies a Kish deff of about 1.13."""
    deff = implied_deff(0.0222, 2209)
    assert deff == pytest.approx(1.1336, abs=5e-4)
    # round trip: weights with that deff give back 2.22 %
    n = 2209
    k = 300  # k units at weight a, the rest at 1, solved for the deff
    a_grid = np.linspace(1.0, 3.0, 200001)
    deffs = n * (k * a_grid**2 + n - k) / (k * a_grid + n - k) ** 2
    a = a_grid[np.argmin(np.abs(deffs - deff))]
    w = np.r_[np.full(k, a), np.ones(n - k)]
    assert margin_of_error(w) == pytest.approx(0.0222, abs=2e-6)
