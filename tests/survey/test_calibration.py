"""Tests for scsrepro.survey.calibration: calibrated (raking-linearised) variances vs R.

References: ``tests/r/calibration.R`` on the committed twin's Table 4 rows
(``input_twin_models.csv``), calibrated with ``survey::calibrate(...,
calfun = "raking")`` to the book's margins (``input_twin_margins.csv``),
plain (design ``raking``) and bounded at 2 (design ``bounded``, which
converges to the book's capped weights). CI has no R; it reads the CSVs.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from scsrepro.paper.weights import population_margins  # the book's margins, for the staleness check only
from scsrepro.survey.calibration import (
    INTERCEPT,
    Calibration,
    calibrated_mean,
    calibrated_ologit_cov,
    calibrated_proportions,
    calibration_matrix,
    residualise,
)
from scsrepro.survey.design import design_matrix
from scsrepro.survey.ordered_logit import WeightedOrderedModel
from scsrepro.survey.weighting import rake

FIX = Path(__file__).resolve().parents[1] / "fixtures"
VARIABLES = ["age_group", "gender", "region"]
CAPS = {"raking": None, "bounded": 2.0}
FACTOR = re.compile(r'relevel\(factor\((\w+)\), ref = "(\w+)"\)')


@pytest.fixture(scope="module")
def twin() -> pd.DataFrame:
    d = pd.read_csv(FIX / "input_twin_models.csv")
    d["age_group"] = pd.cut(d["age"], [-np.inf, 30, 50, np.inf], labels=[1, 2, 3]).astype(int)
    return d


@pytest.fixture(scope="module")
def margins() -> dict:
    m = pd.read_csv(FIX / "input_twin_margins.csv")
    return {var: dict(zip(g["code"], g["share"])) for var, g in m.groupby("variable", sort=False)}


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(FIX / "ref_calibrated_estimates.csv")


@pytest.fixture(scope="module")
def designs(twin, margins) -> dict[str, Calibration]:
    out = {}
    for name, cap in CAPS.items():
        w = rake(twin[VARIABLES], margins, cap=cap, tol=1e-13).to_numpy()
        out[name] = Calibration.from_frame(twin, VARIABLES, w)
    return out


# ---------------------------------------------------------------------------
# the weights
# ---------------------------------------------------------------------------
def test_margins_fixture_is_the_books_margins(margins):
    # written with 17 significant digits, so the doubles are exact
    assert margins == population_margins(), (
        "rerun `python tests/fixtures/make_twin_inputs.py` and `Rscript tests/r/calibration.R`"
    )


@pytest.mark.parametrize("name", list(CAPS))
def test_python_raking_equals_r_calibrate(designs, name):
    r = pd.read_csv(FIX / "ref_calibrated_weights.csv")[name].to_numpy()
    np.testing.assert_allclose(designs[name].weights, r, rtol=0, atol=1e-10)


def test_r_bounded_raking_gives_the_books_capped_weights(designs, twin):
    w = designs["bounded"].weights
    np.testing.assert_allclose(w, twin["weight"], rtol=0, atol=1e-8)
    assert (w > 2 - 1e-9).sum() > 0  # the cap binds
    assert designs["raking"].weights.max() > 2.1  # and without it the weights exceed it


# ---------------------------------------------------------------------------
# shares and means against svymean on the calibrated designs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CAPS))
def test_shares_equal_r_svymean(designs, twin, ref, name):
    r = ref[ref["design"].eq(name) & ref["statistic"].eq("share")].set_index("term")
    got = calibrated_proportions(twin["approval"], designs[name])
    levels = [str(v) for v in got["level"]]
    assert levels == ["1", "2", "3", "4", "5"]
    np.testing.assert_allclose(got["proportion"], r.loc[levels, "estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["se"], r.loc[levels, "se"], rtol=1e-9)
    np.testing.assert_allclose(got["se_fixed"], r.loc[levels, "se_fixed"], rtol=1e-9)
    approve = calibrated_proportions((twin["approval"] >= 4).astype(int), designs[name]).set_index("level")
    assert approve.loc[1, "proportion"] == pytest.approx(r.loc["approve_4_5", "estimate"], rel=1e-10)
    assert approve.loc[1, "se"] == pytest.approx(r.loc["approve_4_5", "se"], rel=1e-9)
    # calibration changes the standard errors, a little
    assert not np.allclose(got["se"], got["se_fixed"], rtol=1e-4)


@pytest.mark.parametrize("name", list(CAPS))
@pytest.mark.parametrize("var", ["approval", "abide_regulations"])
def test_means_equal_r_svymean(designs, twin, ref, name, var):
    r = ref[ref["design"].eq(name) & ref["statistic"].eq("mean")].set_index("term").loc[var]
    got = calibrated_mean(twin[var], designs[name])
    assert got["mean"] == pytest.approx(r["estimate"], rel=1e-10)
    assert got["se"] == pytest.approx(r["se"], rel=1e-9)
    assert got["se_fixed"] == pytest.approx(r["se_fixed"], rel=1e-9)
    assert got["n"] + got["n_dropped"] == designs[name].n
    if var == "abide_regulations":
        assert got["n_dropped"] > 0  # a domain: the rows left out still count in the design


def test_unequal_design_weights_equal_r_svymean(ref):
    """R's regression weights are the design weights: a design where they are not all 1."""
    df = pd.read_csv(FIX / "input_rake.csv")
    m = pd.read_csv(FIX / "input_rake_margins.csv")
    margins = {v: dict(zip(g["level"], g["share"])) for v, g in m.groupby("variable", sort=False)}
    margins = {v: margins[v] for v in ("age_group", "gender")}  # region is estimated, not calibrated
    w = rake(df, margins, cap=None, weight_col="design_weight", tol=1e-13).to_numpy()
    cal = Calibration.from_frame(df, ["age_group", "gender"], w, design_weights=df["design_weight"])
    got = calibrated_proportions(df["region"], cal).set_index("level")
    r = ref[ref["design"].eq("design_weights")].set_index("term")
    assert sorted(got.index) == sorted(r.index)
    np.testing.assert_allclose(got.loc[r.index, "proportion"], r["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got.loc[r.index, "se"], r["se"], rtol=1e-9)
    np.testing.assert_allclose(got.loc[r.index, "se_fixed"], r["se_fixed"], rtol=1e-9)
    unweighted = Calibration.from_frame(df, ["age_group", "gender"], w)  # d = 1 would be wrong here
    assert not np.allclose(calibrated_proportions(df["region"], unweighted)["se"], got["se"], rtol=1e-6)


# ---------------------------------------------------------------------------
# ordered logit against svyolr on the calibrated designs
# ---------------------------------------------------------------------------
def _python_term(r_term: str) -> str:
    if "|" in r_term:
        return f"cut{r_term.split('|')[0]}"
    m = FACTOR.match(r_term)
    return f"{m.group(1)}_{r_term[m.end() :]}" if m else r_term


def _fit(twin: pd.DataFrame, w: np.ndarray, model: int):
    cmds = pd.read_csv(FIX / "input_twin_models_commands.csv").set_index("model")
    variables = cmds.loc[model, "variables"].split()[:-1]  # outcome, covariates (then the weight)
    categorical = {v: int(b) for v, b in FACTOR.findall(cmds.loc[model, "command"])}
    used = twin[variables].notna().all(axis=1).to_numpy()
    sample = twin[used].reset_index(drop=True)
    X, _ = design_matrix(sample, variables[1:], categorical)
    mod = WeightedOrderedModel(sample[variables[0]].to_numpy(), X, w[used])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # BFGS's, before the Newton polish
        params = np.asarray(mod.fit().params)
    names = list(X.columns) + [f"cut{j + 1}" for j in range(mod.k_levels - 1)]
    est = np.concatenate((params[: mod.k_vars], mod.cuts_from_params(params)))
    return mod, params, used, names, est


@pytest.mark.parametrize("name", list(CAPS))
@pytest.mark.parametrize("model", [1, 3])
def test_ologit_equals_r_svyolr(designs, twin, ref, name, model):
    cal = designs[name]
    mod, params, used, names, est = _fit(twin, cal.weights, model)
    r = ref[ref["design"].eq(name) & ref["statistic"].eq("ologit") & ref["model"].eq(model)]
    assert int(r.loc[r["term"].eq("nobs"), "estimate"].iloc[0]) == used.sum()
    r = r[r["term"].ne("nobs")]
    assert [_python_term(t) for t in r["term"]] == names
    np.testing.assert_allclose(est, r["estimate"], rtol=0, atol=1e-6)
    se = np.sqrt(np.diag(calibrated_ologit_cov(mod, params, cal, used)))
    np.testing.assert_allclose(se, r["se"], rtol=1e-5)
    np.testing.assert_allclose(np.sqrt(np.diag(mod.sandwich_cov(params))), r["se_fixed"], rtol=1e-5)


def test_ologit_rejects_weights_that_are_not_the_designs(designs, twin):
    cal = designs["raking"]
    mod, params, used, _, _ = _fit(twin, designs["bounded"].weights, 1)
    with pytest.raises(ValueError, match="not the calibrated weights"):
        calibrated_ologit_cov(mod, params, cal, used)
    with pytest.raises(ValueError, match="rows used"):
        calibrated_ologit_cov(mod, params, cal)  # the model has only the complete rows


# ---------------------------------------------------------------------------
# properties of the residualisation
# ---------------------------------------------------------------------------
def _random_design(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    w = rng.uniform(0.3, 2.0, n)
    d = rng.uniform(0.5, 3.0, n)
    return x, w, d


@pytest.mark.parametrize("with_design_weights", [False, True])
def test_residualising_on_the_influence_itself_leaves_nothing(with_design_weights):
    x, w, d = _random_design(1)
    d = d if with_design_weights else None
    M = np.column_stack([np.ones(len(w)), x / w[:, None]])  # the per-unit values x_i / w_i
    r = residualise(x, M, w, d)
    assert np.abs(r).max() < 1e-12 * np.abs(x).max()
    # with the intercept only, something is left: the test can tell
    assert np.abs(residualise(x, M[:, :1], w, d)).max() > 0.1


def test_residuals_are_orthogonal_to_the_calibration_matrix():
    x, w, d = _random_design(2)
    rng = np.random.default_rng(2)
    M = np.column_stack([np.ones(len(w)), rng.integers(0, 2, len(w)), rng.normal(size=len(w))])
    r = residualise(x, M, w, d)
    # R's regression: d-weighted, of x / w
    np.testing.assert_allclose(M.T @ (d[:, None] * r / w[:, None]), 0, atol=1e-12)
    # and the scale of either set of weights does not matter
    np.testing.assert_allclose(residualise(x, M, 7 * w, d / 3), r, rtol=1e-12, atol=1e-15)


def test_redundant_calibration_columns_are_ignored():
    x, w, d = _random_design(3)
    rng = np.random.default_rng(3)
    M = np.column_stack([np.ones(len(w)), rng.normal(size=len(w))])
    twice = np.column_stack([M, M[:, 1] * 2 - M[:, 0]])
    np.testing.assert_allclose(residualise(x, twice, w, d), residualise(x, M, w, d), atol=1e-12)


def test_at_bound_fits_the_regression_on_the_other_units():
    x, w, d = _random_design(4)
    M = np.column_stack([np.ones(len(w)), np.arange(len(w)) % 3 == 0])
    bound = w > 1.8
    r = residualise(x, M, w, d, at_bound=bound)
    free = ~bound
    np.testing.assert_allclose(M[free].T @ (d[free, None] * r[free] / w[free, None]), 0, atol=1e-12)
    assert np.abs(r - residualise(x, M, w, d)).max() > 1e-6
    np.testing.assert_allclose(residualise(x, M, w, d, at_bound=np.zeros(len(w), bool)), residualise(x, M, w, d))


def test_a_calibration_variables_own_margin_has_zero_calibrated_se(designs, twin):
    cal = designs["bounded"]  # also with capped weights
    region = calibrated_proportions(twin["region"], cal)
    assert region["se"].max() < 1e-12
    assert region["se_fixed"].min() > 1e-3
    gender = calibrated_mean(twin["gender"], cal)
    assert gender["se"] < 1e-12 < 1e-3 < gender["se_fixed"]
    # a variable outside the calibration keeps a standard error
    assert calibrated_mean(twin["urban"], cal)["se"] > 1e-3


def test_covariance_centres_and_counts_every_row_of_the_design():
    x, w, _ = _random_design(5, n=50)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"a": rng.integers(1, 4, 50), "b": rng.integers(0, 2, 50)})
    cal = Calibration.from_frame(df, ["a", "b"], w)
    used = np.arange(50) >= 10
    r = cal.residualise(x[used], used)
    assert np.abs(r[~used]).max() > 0  # rows left out are residualised too
    expected = 50 / 49 * (r - r.mean(0)).T @ (r - r.mean(0))
    np.testing.assert_allclose(cal.covariance(x[used], used), expected, rtol=1e-12)
    np.testing.assert_allclose(cal.covariance(x[used], used, df_correction=False), expected * 49 / 50, rtol=1e-12)


# ---------------------------------------------------------------------------
# the calibration matrix and bad input
# ---------------------------------------------------------------------------
def test_calibration_matrix_is_r_model_matrix():
    df = pd.DataFrame({"a": [2, 1, 3, 1, 2], "b": ["y", "x", "x", "y", "x"]}, index=[10, 11, 12, 13, 14])
    M = calibration_matrix(df, ["a", "b"])
    assert list(M.columns) == [INTERCEPT, "a_2", "a_3", "b_y"]
    assert M.index.equals(df.index)
    np.testing.assert_array_equal(M.to_numpy(), [[1, 1, 0, 1], [1, 0, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0]])


def test_missing_calibration_values_are_an_error_naming_column_and_rows():
    df = pd.DataFrame({"a": [1, 2, np.nan, 1, np.nan], "b": [0, 1, 0, 1, 1]})
    with pytest.raises(ValueError, match=r"'a' has 2 missing values .*row positions \[2, 4\]"):
        calibration_matrix(df, ["a", "b"])


def test_values_outside_the_levels_are_an_error_naming_them():
    df = pd.DataFrame({"a": [1, 2, 9, 1, 2], "b": [0, 1, 0, 1, 1]})
    with pytest.raises(ValueError, match=r"'a' has values \[9\] not among its levels \[1, 2\] at row positions \[2\]"):
        calibration_matrix(df, ["a", "b"], levels={"a": [1, 2]})
    with pytest.raises(ValueError, match=r"no unit has the levels \[3\]"):
        calibration_matrix(df, ["a", "b"], levels={"a": [1, 2, 9, 3]})


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([], "no calibration variables"),
        (["a", "a"], "listed twice"),
        (["a", "z"], r"not in df: \['z'\]"),
        (["a", "c"], r"'c' has a single category \(5\)"),
    ],
)
def test_bad_variable_lists(variables, message):
    df = pd.DataFrame({"a": [1, 2, 1], "b": [0, 1, 1], "c": [5, 5, 5]})
    with pytest.raises(ValueError, match=message):
        calibration_matrix(df, variables)


def test_bad_weights_rows_and_masks_are_errors():
    df = pd.DataFrame({"a": [1, 2, 1, 2], "b": [0, 1, 1, 0]})
    with pytest.raises(ValueError, match="finite and > 0"):
        Calibration.from_frame(df, ["a", "b"], [1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="4 values"):
        Calibration.from_frame(df, ["a", "b"], [1.0, 1.0, 1.0])
    cal = Calibration.from_frame(df, ["a", "b"], [1.0, 1.2, 0.8, 1.0])
    with pytest.raises(ValueError, match="3 influence rows for 4 rows used"):
        cal.covariance(np.ones(3))
    with pytest.raises(ValueError, match="boolean mask"):
        cal.covariance(np.ones(2), used=np.array([0, 1]))
    with pytest.raises(ValueError, match="must be finite"):
        cal.covariance(np.array([1.0, np.nan, 0.0, 1.0]))
    with pytest.raises(ValueError, match="every unit is at a bound"):
        residualise(np.ones(4), cal.matrix, cal.weights, at_bound=np.ones(4, bool))
    with pytest.raises(ValueError, match="design's 4 rows"):
        calibrated_mean([1.0, 2.0, 3.0], cal)
