"""Tests for scsrepro.survey.gologit: the generalised ordered logit vs simulation, fit_ologit, numdiff and R VGAM."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.numdiff import approx_fprime

from scsrepro.survey.gologit import (
    AUTOFIT_ALPHA,
    GologitLayout,
    GologitModel,
    GologitWarning,
    autofit,
    category_probabilities,
    equality_tests,
    fit_gologit,
)
from scsrepro.survey.models import fit_ologit

FIX = Path(__file__).resolve().parents[1] / "fixtures"
COVARIATES = ["x1", "x2", "d", "g"]
CATEGORICAL = {"g": 1}
ALPHA = np.array([1.5, 0.3, -1.0])  # P(y > j) = F(alpha_j + ...), j = 1..3
B1_VIOLATED = np.array([0.3, 0.8, 1.3])  # x1's slope grows across the thresholds
B_PARALLEL = {"x2": -0.5, "d": 0.4, "g_2": 0.3, "g_3": -0.4}


def _simulate(n: int, b1: np.ndarray, seed: int) -> pd.DataFrame:
    """Four answers from P(y > j) = F(alpha_j + b1_j x1 - 0.5 x2 + 0.4 d + g effects), weighted.

    x1 lies in [-2, 2], where the true cumulative probabilities never cross.
    """
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(-2, 2, n), rng.normal(size=n)
    d, g = rng.binomial(1, 0.4, n), rng.choice([1, 2, 3], n, p=[0.3, 0.4, 0.3])
    common = B_PARALLEL["x2"] * x2 + B_PARALLEL["d"] * d + B_PARALLEL["g_2"] * (g == 2) + B_PARALLEL["g_3"] * (g == 3)
    eta = ALPHA[None, :] + np.outer(x1, b1) + common[:, None]
    y = 1 + (rng.random(n)[:, None] < 1 / (1 + np.exp(-eta))).sum(axis=1)
    w = np.exp(rng.normal(0.0, 0.4, n))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "d": d, "g": g, "weight": w / w.mean()})


@pytest.fixture(scope="module")
def violated() -> pd.DataFrame:
    return _simulate(3000, B1_VIOLATED, seed=101)


@pytest.fixture(scope="module")
def parallel() -> pd.DataFrame:
    return _simulate(3000, np.full(3, 0.8), seed=202)


def _fit(df: pd.DataFrame, free=(), **kwargs):
    return fit_gologit(df, "y", COVARIATES, free=free, categorical=CATEGORICAL, **kwargs)


# ---------------------------------------------------------------------------
# data with a violation of proportional odds
# ---------------------------------------------------------------------------
def test_free_slopes_recover_the_truth(violated):
    res = _fit(violated, free=["x1"])
    est = res.params.set_index("name")
    truth = {
        **{f"x1:{j}": b for j, b in enumerate(B1_VIOLATED, 1)},
        **{f"_cons:{j}": a for j, a in enumerate(ALPHA, 1)},
        **B_PARALLEL,
    }
    assert set(est.index) == set(truth)
    z = (est["coef"] - pd.Series(truth)) / est["se"]
    assert z.abs().max() < 3, z
    assert res.converged and res.diagnostics == [] and res.n_negative == 0
    assert est.loc["x1:3", "coef"] - est.loc["x1:1", "coef"] > 0.6  # the violation is seen, not averaged away


def test_wald_test_rejects_the_violating_term(violated):
    res = _fit(violated, free=["x1", "x2"])
    tests = res.tests.set_index("term")
    assert list(tests.index) == ["x1", "x2", "all"]
    assert tests.loc["x1", "df"] == 2 and tests.loc["all", "df"] == 4  # K - 2 = 2 per column
    assert tests.loc["x1", "p"] < 1e-10
    assert tests.loc["x2", "p"] > 0.05


def test_autofit_frees_the_violating_term_and_constrains_the_others(violated):
    res = autofit(violated, "y", COVARIATES, categorical=CATEGORICAL)
    assert res.alpha == AUTOFIT_ALPHA == 0.05
    assert res.free_terms == ["x1"]
    assert sorted(res.constrained_terms) == ["d", "g", "x2"]
    assert res.fit.free_columns == ["x1"]
    steps = res.steps
    # one term constrained per step, the largest p-value of its step; none at the last step
    assert steps["step"].max() == 4 and steps.groupby("step")["constrained"].sum().tolist() == [1, 1, 1, 0]
    for _, step in steps.groupby("step"):
        if step["constrained"].any():
            assert step.loc[step["constrained"], "p"].iloc[0] == step["p"].max() >= AUTOFIT_ALPHA
        else:
            assert (step["p"] < AUTOFIT_ALPHA).all()
    assert steps.loc[steps["term"] == "g", "df"].iloc[0] == 4  # the factor's two dummies are one unit
    # gologit2's check of the result, in the unconstrained model
    assert set(res.final_test["columns"]) == {"x2", "d", "g_2", "g_3"}
    assert res.final_test["df"] == 8 and res.final_test["p"] > 0.05
    # the final fit is the direct fit with the same free terms
    direct = _fit(violated, free=["x1"])
    np.testing.assert_allclose(res.fit.theta, direct.theta, atol=1e-9)


def test_autofit_with_every_column_its_own_unit_tests_each_dummy(violated):
    res = autofit(violated, "y", COVARIATES, categorical=CATEGORICAL, groups={})
    first = res.steps[res.steps["step"] == 1]
    assert list(first["term"]) == ["x1", "x2", "d", "g_2", "g_3"]
    assert (first["df"] == 2).all()
    assert res.free_terms == ["x1"]


def test_autofit_says_when_a_sparse_answer_separates_the_unconstrained_model(violated):
    # the few lowest answers all have d = 0: the first equation's slope of d has no finite estimate
    sparse = violated[(violated["y"] > 1) | ((violated["d"] == 0) & (violated.index < 200))]
    with pytest.warns(GologitWarning):
        res = autofit(sparse, "y", COVARIATES, categorical=CATEGORICAL)
    assert not res.unconstrained.converged
    assert {"optimiser", "large_coefficient"} <= {d.kind for d in res.unconstrained.diagnostics}
    assert res.steps["p"].isna().all() and res.free_terms == ["x1", "x2", "d", "g"]


# ---------------------------------------------------------------------------
# data without a violation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("start", ["ologit", "null"])
def test_nothing_free_equals_fit_ologit(parallel, start):
    res = _fit(parallel, start=start)
    ref = fit_ologit(parallel, "y", COVARIATES, categorical=CATEGORICAL)
    coef, se = ref.coef(), ref.se()
    est = res.params.set_index("name")
    slopes = ["x1", "x2", "d", "g_2", "g_3"]
    np.testing.assert_allclose(est.loc[slopes, "coef"], coef[slopes], rtol=0, atol=1e-6)
    cuts = [f"cut{j}" for j in (1, 2, 3)]
    np.testing.assert_allclose(est.loc[[f"_cons:{j}" for j in (1, 2, 3)], "coef"], -coef[cuts], rtol=0, atol=1e-6)
    np.testing.assert_allclose(est.loc[slopes, "se"], se[slopes], rtol=1e-6)  # the same sandwich, n/(n-1)
    np.testing.assert_allclose(est.loc[[f"_cons:{j}" for j in (1, 2, 3)], "se"], se[cuts], rtol=1e-6)
    assert res.loglike == pytest.approx(ref.ll, rel=1e-12, abs=1e-8)
    assert res.ll_null == pytest.approx(ref.ll_null, rel=1e-12)
    assert res.tests["term"].tolist() == ["all"] and res.tests["df"].iloc[0] == 0
    if start == "null":
        assert res.iterations > 2  # Newton did the work, not the start values


def test_wald_tests_do_not_reject_without_a_violation(parallel):
    res = _fit(parallel, free=["x1", "g"])
    tests = res.tests.set_index("term")
    assert tests.loc["g", "columns"] == ("g_2", "g_3") and tests.loc["g", "df"] == 4
    assert (tests["p"] > 0.05).all(), tests


def test_autofit_frees_nothing_without_a_violation(parallel):
    res = autofit(parallel, "y", COVARIATES, categorical=CATEGORICAL)
    assert res.free_terms == []
    assert sorted(res.constrained_terms) == ["d", "g", "x1", "x2"]
    assert res.final_test["df"] == 10 and res.final_test["p"] > 0.05
    ref = fit_ologit(parallel, "y", COVARIATES, categorical=CATEGORICAL)
    assert res.fit.loglike == pytest.approx(ref.ll, rel=1e-12)


# ---------------------------------------------------------------------------
# derivatives against finite differences
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model():
    df = _simulate(300, B1_VIOLATED, seed=7)
    X = pd.get_dummies(df["g"], prefix="g", dtype=float).drop(columns="g_1")
    X = pd.concat([df[["x1", "x2", "d"]].astype(float), X], axis=1)
    layout = GologitLayout(tuple(X.columns), ("x1", "g_2", "g_3"), 4)
    rng = np.random.default_rng(3)
    theta = layout.from_ordered_logit(np.array([0.8, -0.5, 0.4, 0.3, -0.4]), -ALPHA)
    theta = theta + rng.normal(0, 0.05, theta.size)  # away from the optimum, every slope different
    return GologitModel(df["y"], X, df["weight"], layout), theta


def test_analytic_score_matches_finite_differences(small_model):
    model, theta = small_model
    g, _ = model.derivatives(theta)
    num = approx_fprime(theta, model.loglike, centered=True)
    assert np.max(np.abs(g - num)) < 1e-6 * max(1.0, np.max(np.abs(g)))
    per_obs = approx_fprime(theta, model.loglikeobs, centered=True)
    assert np.max(np.abs(model.score_obs(theta) * model.w[:, None] - per_obs)) < 1e-7


def test_analytic_hessian_matches_finite_differences(small_model):
    model, theta = small_model
    _, H = model.derivatives(theta)
    num = approx_fprime(theta, lambda t: model.derivatives(t)[0], centered=True)
    assert np.max(np.abs(H - num)) < 1e-6 * np.max(np.abs(H))
    np.testing.assert_allclose(H, H.T, rtol=1e-13, atol=1e-12)


def test_expected_information_is_the_mean_outer_product_of_scores(small_model):
    """E[s s'] = -E[H]: the EIM equals the probability-weighted Hessian over every possible answer."""
    model, theta = small_model
    P = model.layout.probabilities(theta, model.X)
    H = sum(
        GologitModel(np.full(model.y.size, k), model.X, model.w * P[:, k - 1], model.layout).derivatives(theta)[1]
        for k in range(1, 5)
    )
    np.testing.assert_allclose(model.expected_information(theta), -H, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------
# against R VGAM (tests/r/gologit.R)
# ---------------------------------------------------------------------------
VGAM_MODELS = {"po": [], "partial": ["x1", "g"], "full": ["x1", "x2", "d", "g"]}


@pytest.mark.parametrize("model", list(VGAM_MODELS))
def test_matches_vgam(model):
    data = pd.read_csv(FIX / "input_gologit.csv")
    ref = pd.read_csv(FIX / "ref_gologit.csv")
    ref = ref[ref["model"] == model].set_index("name")
    res = _fit(data, free=VGAM_MODELS[model], cov_type="eim")
    est = res.params.set_index("name")
    names = [n for n in ref.index if n not in ("ll", "nobs", "iterations")]
    assert sorted(names) == sorted(est.index)
    assert np.max(np.abs(est.loc[names, "coef"] - ref.loc[names, "coef"])) < 1e-6  # measured 9e-9
    np.testing.assert_allclose(est.loc[names, "se"], ref.loc[names, "se"], rtol=1e-6)  # VGAM's vcov: the EIM
    assert res.loglike == pytest.approx(ref.loc["ll", "coef"], abs=1e-8)
    assert res.nobs == ref.loc["nobs", "coef"]
    oim = _fit(data, free=VGAM_MODELS[model], cov_type="oim").params.set_index("name")
    np.testing.assert_allclose(oim["coef"], est["coef"], rtol=0, atol=1e-12)
    assert np.max(np.abs(oim.loc[names, "se"] / ref.loc[names, "se"] - 1)) < 0.05  # observed vs expected information


# ---------------------------------------------------------------------------
# probabilities, negative probabilities, terms and inputs
# ---------------------------------------------------------------------------
def test_probability_callback(violated):
    res = _fit(violated, free=["x1", "g"])
    X = violated[["x1", "x2", "d"]].assign(g_2=(violated["g"] == 2) * 1.0, g_3=(violated["g"] == 3) * 1.0)
    P = res.prob(res.theta, X)
    assert P.shape == (len(violated), 4)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(category_probabilities(res.layout, res.theta, X.to_numpy()), P)
    model = GologitModel(violated["y"], X, violated["weight"], res.layout)
    observed = P[np.arange(len(P)), violated["y"].to_numpy() - 1]
    np.testing.assert_allclose(np.log(observed) * violated["weight"], model.loglikeobs(res.theta), rtol=1e-12)
    # P(y > j) = F(alpha_j + x' beta_j), the gologit2 sign
    table = res.coef_table()
    eta3 = table.loc["_cons", 3] + X.to_numpy() @ table.loc[list(X.columns), 3].to_numpy()
    np.testing.assert_allclose(P[:, 3], 1 / (1 + np.exp(-eta3)), rtol=1e-12)
    assert (table.loc["x2"] == table.loc["x2", 1]).all()  # a constrained slope is the same in every equation


def test_negative_probabilities_are_counted_and_reported():
    # the spread of the latent variable grows with x: slopes of opposite signs, crossing at the ends
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 3, 600)
    y = 1 + np.searchsorted([-1.0, 0.0, 1.0], rng.logistic(size=600) * np.exp(0.6 * x))
    df = pd.DataFrame({"y": y, "x": x, "weight": 1.0})
    with pytest.warns(GologitWarning, match="negative fitted category probability"):
        res = fit_gologit(df, "y", ["x"], free=["x"], categorical={})
    P = res.prob(res.theta, df[["x"]])
    assert res.n_negative == int((P < 0).any(axis=1).sum()) > 0
    assert res.min_probability == P.min() < 0
    assert [d.kind for d in res.diagnostics] == ["negative_probability"]
    assert res.converged


def test_a_factor_is_freed_as_a_group_and_a_dummy_alone(violated):
    whole = _fit(violated, free=["g"])
    assert whole.free_columns == ["g_2", "g_3"] and whole.free_terms == ["g"]
    assert whole.tests.set_index("term").loc["g", "df"] == 4
    one = _fit(violated, free=["g_2"])
    assert one.free_columns == ["g_2"] and one.tests.set_index("term").loc["g_2", "df"] == 2
    grouped = _fit(violated, free=["xs"], groups={"xs": ["x1", "x2"]})
    assert grouped.free_columns == ["x1", "x2"] and grouped.tests.set_index("term").loc["xs", "df"] == 4
    assert grouped.groups == {"xs": ["x1", "x2"], "d": ["d"], "g_2": ["g_2"], "g_3": ["g_3"]}


def test_equality_tests_by_hand(violated):
    res = _fit(violated, free=["x1"])
    V = res.cov.to_numpy()
    i = [res.layout.names().index(f"x1:{j}") for j in (1, 2, 3)]
    d = res.theta[i[1:]] - res.theta[i[0]]
    R = np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    chi2 = d @ np.linalg.solve(R @ V[np.ix_(i, i)] @ R.T, d)
    table = equality_tests(res.layout, res.theta, V, {"x1": ["x1"]})
    assert table.set_index("term").loc["x1", "chi2"] == pytest.approx(chi2, rel=1e-10)


def test_robust_covariance_is_the_sandwich_with_the_small_sample_factor(small_model):
    model, theta = small_model
    _, H = model.derivatives(theta)
    S = model.score_obs(theta) * model.w[:, None]
    Hi = np.linalg.inv(H)
    n = model.y.size
    np.testing.assert_allclose(model.cov(theta, "robust"), n / (n - 1) * Hi @ S.T @ S @ Hi, rtol=1e-9, atol=1e-12)


def test_bad_inputs(violated):
    with pytest.raises(ValueError, match="free terms"):
        _fit(violated, free=["nope"])
    with pytest.raises(ValueError, match="free terms"):
        _fit(violated, free=["g", "g_2"])  # a column freed twice
    with pytest.raises(TypeError):
        _fit(violated, free="x1")
    with pytest.raises(ValueError, match="cov_type"):
        _fit(violated, cov_type="opg")
    with pytest.raises(ValueError, match="alpha"):
        autofit(violated, "y", COVARIATES, categorical=CATEGORICAL, alpha=1.5)
    with pytest.raises(ValueError, match="two groups"):
        _fit(violated, groups={"a": ["x1"], "b": ["x1"]})
    binary = violated.assign(y=(violated["y"] > 2) + 1)
    with pytest.raises(ValueError, match="three for free"):
        _fit(binary, free=["x1"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(binary)  # a binary logit is fine with nothing free
