"""Tests for scsrepro.survey.design: the covariate matrix, what its columns code, VIF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scsrepro.survey.design import coding_of, design_matrix, vif_table

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _load(name):
    return pd.read_csv(FIX / f"input_ologit_{name}.csv")


# ---------------------------------------------------------------------------
# the design matrix
# ---------------------------------------------------------------------------
def test_design_matrix_codes_factors_as_dummies_without_the_base():
    df = pd.DataFrame({"age": [20.0, 30, 40, 50], "male": [0, 1, 1, 0], "edu": [1, 2, 3, 2]}, index=[7, 3, 5, 9])
    X, indicators = design_matrix(df, ["age", "male", "edu"], {"edu": 1})
    assert list(X.columns) == ["age", "male", "edu_2", "edu_3"]
    assert list(X.index) == [7, 3, 5, 9]  # the data's row index is kept
    np.testing.assert_array_equal(X["edu_2"], [0.0, 1.0, 0.0, 1.0])
    assert X.attrs["coding"] == {"age": ("age", None), "male": ("male", None), "edu_2": ("edu", 2), "edu_3": ("edu", 3)}
    assert X.attrs["factors"] == {"edu": ["edu_2", "edu_3"]}
    assert set(indicators) == {"male", "edu_2", "edu_3", "edu=1 (base level)"}


def test_coding_of_reads_dummy_names_back():
    assert coding_of("education_3", ["education"], {"education": 1}) == ("education", 3)
    assert coding_of("age", ["age", "education"], {"education": 1}) == ("age", None)
    with pytest.raises(KeyError):
        coding_of("nope", ["age"], {})


def test_design_matrix_rejects_bad_covariates():
    df = pd.DataFrame({"x": [1.0, 1.0, 1.0], "s": ["a", "b", "a"], "f": [1, 2, 3]})
    with pytest.raises(ValueError, match="no variance"):
        design_matrix(df, ["x"], {})
    with pytest.raises(ValueError, match="not numeric"):
        design_matrix(df, ["s"], {})
    with pytest.raises(ValueError, match="base level"):
        design_matrix(df, ["f"], {"f": 9})


# ---------------------------------------------------------------------------
# VIF
# ---------------------------------------------------------------------------
def test_vif_table_equals_auxiliary_regressions():
    df = _load("a")
    preds = ["age", "male", "income_group", "region", "urban"]  # codes as numeric, as Table A4
    out = vif_table(df, preds)
    X = df[preds].to_numpy(dtype=float)
    for j, p in enumerate(preds):
        others = np.column_stack([np.ones(len(X)), np.delete(X, j, axis=1)])
        beta, *_ = np.linalg.lstsq(others, X[:, j], rcond=None)
        resid = X[:, j] - others @ beta
        r2 = 1 - resid @ resid / np.sum((X[:, j] - X[:, j].mean()) ** 2)
        row = out.set_index("predictor").loc[p]
        assert row["tolerance"] == pytest.approx(1 - r2, rel=1e-10)
        assert row["vif"] == pytest.approx(1 / (1 - r2), rel=1e-10)
    assert out.attrs["nobs"] == len(df)


def test_vif_detects_collinearity():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=300), rng.normal(size=300)
    df = pd.DataFrame({"x1": x1 + 5, "x2": x2, "x3": x1 + x2 + 0.05 * rng.normal(size=300)})
    out = vif_table(df, ["x1", "x2", "x3"]).set_index("predictor")
    assert out.loc["x3", "vif"] > 100
    with pytest.raises(ValueError, match="no variance"):
        vif_table(df.assign(x2=1.0), ["x1", "x2"])
