"""Table A4's collinearity statistics (scsrepro.paper.vif)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.paper import vif as V
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import load_targets
from scsrepro.survey.design import vif_table


def _pair(r: float, n: int = 400, seed: int = 1) -> pd.DataFrame:
    """Two predictors with sample correlation close to *r*, and an independent third."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, n))
    return pd.DataFrame({"a": a, "b": r * a + np.sqrt(1 - r**2) * b, "c": c})


def test_vif_pairwise_is_the_diagonal_of_the_inverse_correlation_matrix():
    X = _pair(0.8)
    out = V.vif_pairwise(X).set_index("predictor")
    R = X.corr().to_numpy()
    np.testing.assert_allclose(out["vif"], np.diag(np.linalg.inv(R)))
    np.testing.assert_allclose(out["tolerance"], 1 / out["vif"])
    r = X["a"].corr(X["b"])
    assert out.loc["a", "vif"] == pytest.approx(1 / (1 - r**2), rel=0.05)  # c is almost uncorrelated


def test_pairwise_equals_listwise_without_missing_answers():
    X = _pair(0.5)
    pw = V.vif_for_sample(X, list(X.columns), "pairwise")
    lw = V.vif_for_sample(X, list(X.columns), "listwise")
    pd.testing.assert_frame_equal(lw, vif_table(X, list(X.columns)).set_index("predictor"))
    np.testing.assert_allclose(pw["vif"], lw["vif"], rtol=1e-8)


def test_pairwise_uses_every_available_answer():
    X = _pair(0.5)
    X.loc[:132, "a"] = np.nan
    X.loc[133:265, "b"] = np.nan
    X.loc[266:, "c"] = np.nan  # every pair answered by a third of the respondents, all three by none
    assert len(X.dropna()) == 0
    assert V.vif_for_sample(X, list(X.columns), "pairwise")["vif"].notna().all()
    with pytest.raises(ValueError, match="too few"):
        V.vif_for_sample(X, list(X.columns), "listwise")
    other, alt = V.alternative_vif(X, list(X.columns), "pairwise")
    assert (other, alt) == ("listwise", None)
    other, alt = V.alternative_vif(X, list(X.columns), "listwise")
    assert other == "pairwise" and alt is not None


def test_vif_pairwise_rejects_undefined_correlations():
    X = _pair(0.5)
    with pytest.raises(ValueError, match="no variance"):
        V.vif_pairwise(X.assign(c=1.0))
    X.loc[2:, "a"] = np.nan
    X.loc[:1, "b"] = np.nan  # a and b never answered together
    with pytest.raises(ValueError, match="pairwise correlations undefined"):
        V.vif_pairwise(X)


def test_predictors_come_from_the_vif_recipes_in_published_order():
    ids = load_published("table_a4")["id"]
    predictors = V.vif_predictors(load_targets(), ids)
    assert len(predictors) == 21 == len(set(predictors))
    assert predictors[:2] == ["age", "income_group"]

    class Counting:  # a recipe file whose Table A4 rows are counted, not VIF'd
        def lookup(self, id_):
            return load_targets().lookup("t2_total_n")

    with pytest.raises(ValueError, match="computed by 'vif'"):
        V.vif_predictors(Counting(), ids)


def test_predictor_matrix_is_numeric_with_nonsubstantive_answers_missing():
    cb = load_codebook()
    frame = cb.derive(random_valid_frame(200, seed=5, weight=True)).reset_index(drop=True)
    X = V.predictor_matrix(frame, ["income_group", "education", "region"])
    assert list(X.columns) == ["income_group", "education", "region"]
    assert all(X[c].dtype == float for c in X.columns)
    refused = pd.to_numeric(frame["income_group"], errors="coerce").isin(cb["income_group"].missing_codes)
    assert refused.any() and X.loc[refused.to_numpy(), "income_group"].isna().all()


def test_sample_readings_name_the_complete_cases():
    readings = V.sample_readings(17)
    assert set(readings) == set(V.SAMPLES)
    assert "17 complete cases" in readings["listwise"]
