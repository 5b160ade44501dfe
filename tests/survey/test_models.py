"""Tests for scsrepro.survey.models: weighted ordered logit vs R svyolr, UCLA ologit."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.miscmodels.tests as sm_misc_tests
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime, approx_hess

from scsrepro.survey.design import design_matrix
from scsrepro.survey.models import (
    DIAGNOSTIC_KINDS,
    SeparationWarning,
    detect_separation,
    fit_ologit,
)
from scsrepro.survey.ordered_logit import WeightedOrderedModel
from scsrepro.survey.significance import stars

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ATOL_COEF = 1e-4
RTOL_SE = 1e-3

SPECS = {
    "a": dict(
        outcome="approval",
        covariates=["age", "male", "income_group", "region", "urban"],
        categorical={"income_group": 1, "region": 3},  # region: non-default base
    ),
    "b": dict(outcome="y", covariates=["x1", "x2", "d"], categorical={}),
}


def _load(name):
    return pd.read_csv(FIX / f"input_ologit_{name}.csv")


@pytest.fixture(scope="module")
def ucla():
    path = Path(sm_misc_tests.__file__).parent / "results" / "ologit_ucla.csv"
    df = pd.read_csv(path)
    df["apply"] = df["apply"].map({"unlikely": 1, "somewhat likely": 2, "very likely": 3})
    return df


# ---------------------------------------------------------------------------
# against R survey::svyolr
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "b"])
def test_matches_svyolr(name):
    ref = pd.read_csv(FIX / f"ref_ologit_{name}.csv").set_index("term")
    res = fit_ologit(_load(name), weight="weight", **SPECS[name])
    tab = res.table.set_index("term")
    terms = [t for t in ref.index if t not in ("ll", "ll_null", "nobs")]
    assert list(tab.index) == terms
    np.testing.assert_allclose(tab["coef"], ref.loc[terms, "coef"], atol=ATOL_COEF, rtol=0)
    np.testing.assert_allclose(tab["se"], ref.loc[terms, "se"], rtol=RTOL_SE)
    assert res.nobs == ref.loc["nobs", "coef"]
    assert res.ll == pytest.approx(ref.loc["ll", "coef"], abs=1e-4)
    assert res.ll_null == pytest.approx(ref.loc["ll_null", "coef"], abs=1e-4)
    assert res.pseudo_r2 == pytest.approx(1 - res.ll / res.ll_null)
    assert res.converged and res.warnings == []
    assert res.cov_type == "robust"
    assert (tab.loc[[t for t in terms if t.startswith("cut")], "coef"].diff().dropna() > 0).all()


@pytest.mark.parametrize("name", ["a", "b"])
def test_svyolr_se_precise_enough_to_see_small_sample_factor(name):
    """The n/(n-1) factor moves SEs by only ~5e-4 at n = 900, inside the 1e-3
    contract tolerance; the references (svyolr with an accurate Hessian) agree
    to ~1e-8, so a stricter check here catches a missing factor."""
    ref = pd.read_csv(FIX / f"ref_ologit_{name}.csv").set_index("term")
    res = fit_ologit(_load(name), weight="weight", **SPECS[name])
    tab = res.table.set_index("term")
    np.testing.assert_allclose(tab["se"], ref.loc[tab.index, "se"], rtol=1e-6)
    n = res.nobs
    df = _load(name)
    spec = SPECS[name]
    # without the factor the SEs are sqrt((n-1)/n) smaller: visibly off at 1e-6
    y = pd.Categorical(df[spec["outcome"]]).codes
    X = pd.concat(
        [
            pd.get_dummies(df[c].astype("category"), prefix=c, dtype=float).drop(
                columns=f"{c}_{spec['categorical'][c]}"
            )
            if c in spec["categorical"]
            else df[[c]].astype(float)
            for c in spec["covariates"]
        ],
        axis=1,
    )
    m = WeightedOrderedModel(y, X, weights=df["weight"])
    p = m.fit().params
    raw = np.sqrt(np.diag(m.sandwich_cov(p, df_correction=False)))
    np.testing.assert_allclose(raw * np.sqrt(n / (n - 1)), tab["se"], rtol=1e-8)
    assert np.abs(raw / ref.loc[tab.index, "se"].to_numpy() - 1).min() > 1e-4


def test_fixture_a_has_five_categories_and_nondefault_base():
    df = _load("a")
    assert sorted(df["approval"].unique()) == [1, 2, 3, 4, 5]
    res = fit_ologit(df, weight="weight", **SPECS["a"])
    assert {"region_1", "region_2"} <= set(res.table["term"]) and "region_3" not in set(res.table["term"])
    assert [t for t in res.table["term"] if t.startswith("cut")] == ["cut1", "cut2", "cut3", "cut4"]


def test_z_p_stars_consistent():
    res = fit_ologit(_load("a"), weight="weight", **SPECS["a"])
    t = res.table
    np.testing.assert_allclose(t["z"], t["coef"] / t["se"])
    assert t["stars"].tolist() == [stars(p) for p in t["p"]]
    assert stars(0.009) == "***" and stars(0.049) == "**" and stars(0.099) == "*" and stars(0.1) == ""


# ---------------------------------------------------------------------------
# unit weights: plain OrderedModel, UCLA reference
# ---------------------------------------------------------------------------
def test_unit_weights_equal_orderedmodel(ucla):
    y, X = ucla["apply"], ucla[["pared", "public", "gpa"]]
    plain = OrderedModel(y, X, distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = plain.fit(method="bfgs", disp=0, gtol=1e-10, maxiter=5000)
    ours = WeightedOrderedModel(y, X, weights=np.ones(len(y)))
    res = ours.fit()
    np.testing.assert_allclose(res.params, ref.params, atol=1e-6)
    assert res.llf == pytest.approx(ref.llf, abs=1e-8)
    # same likelihood everywhere, not only at the optimum
    p0 = ref.params.to_numpy() + 0.1
    assert ours.loglike(p0) == pytest.approx(plain.loglike(p0), rel=1e-12)
    # inherited null model agrees with the weighted null model when w = 1
    assert res.llnull == pytest.approx(ref.llnull, rel=1e-12)


def test_analytic_derivatives_match_numerical():
    df = _load("b")
    m = WeightedOrderedModel(df["y"], df[["x1", "x2", "d"]], weights=df["weight"])
    p = np.array([0.5, -0.2, 0.3, -0.7, 0.2, 0.1])
    np.testing.assert_allclose(m.score(p), approx_fprime(p, m.loglike, centered=True), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(m.hessian(p), approx_hess(p, m.loglike), rtol=1e-4, atol=1e-4)


def test_ucla_reference(ucla):
    """Stata ``ologit apply pared public gpa`` (UCLA IDRE page), as used in statsmodels' tests."""
    res = fit_ologit(ucla, "apply", ["pared", "public", "gpa"], weight=None, cov_type="oim")
    c = res.coef()
    np.testing.assert_allclose(
        c[["pared", "public", "gpa", "cut1", "cut2"]],
        [1.0477, -0.0587, 0.6157, 2.2033, 4.2988],
        atol=ATOL_COEF,
    )
    # OIM standard errors of R polr stored in statsmodels' results_ordinal_model.py
    np.testing.assert_allclose(res.se()[["pared", "public", "gpa"]], [0.2658, 0.2979, 0.2606], rtol=RTOL_SE)
    assert res.ll == pytest.approx(-358.51244, abs=1e-4)


def test_cut_se_equals_delta_method_from_orderedmodel_scale():
    """Sandwich computed on OrderedModel's (cut1, log-increment) scale and
    carried to cut1..cutK-1 by the delta method equals the direct one."""
    df = _load("b")
    m = WeightedOrderedModel(df["y"], df[["x1", "x2", "d"]], weights=df["weight"])
    p = np.asarray(m.fit().params)
    S = m.score_obs(p)  # weighted scores, theta scale
    Hinv = np.linalg.inv(m.hessian(p))
    n = m.nobs
    V_theta = n / (n - 1) * Hinv @ (S.T @ S) @ Hinv
    J = m._jac_cut(p)
    np.testing.assert_allclose(J @ V_theta @ J.T, m.sandwich_cov(p), rtol=1e-8, atol=1e-14)


def test_integer_weights_equal_duplicated_rows():
    df = _load("b")
    rng = np.random.default_rng(7)
    df = df.assign(fw=rng.integers(1, 4, len(df)).astype(float))
    expanded = df.loc[df.index.repeat(df["fw"].astype(int))].reset_index(drop=True)
    spec = SPECS["b"]
    w = fit_ologit(df, weight="fw", cov_type="oim", **spec)
    d = fit_ologit(expanded, weight=None, cov_type="oim", **spec)
    np.testing.assert_allclose(w.table["coef"], d.table["coef"], atol=1e-7)
    np.testing.assert_allclose(w.table["se"], d.table["se"], rtol=1e-6)  # frequency-weight OIM
    assert w.ll == pytest.approx(d.ll, rel=1e-10)
    assert w.ll_null == pytest.approx(d.ll_null, rel=1e-10)


def test_weight_scale_changes_only_loglik():
    df = _load("b")
    a = fit_ologit(df, weight="weight", **SPECS["b"])
    b = fit_ologit(df.assign(weight=7 * df["weight"]), weight="weight", **SPECS["b"])
    np.testing.assert_allclose(a.table["coef"], b.table["coef"], atol=1e-7)
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-6)
    assert b.ll == pytest.approx(7 * a.ll, rel=1e-9)
    assert b.pseudo_r2 == pytest.approx(a.pseudo_r2, rel=1e-9)


def test_listwise_deletion_reports_n():
    df = _load("a").astype({"age": float})
    df.loc[[0, 5, 9], "age"] = np.nan
    df.loc[[5, 11], "approval"] = np.nan
    df.loc[[11], "region"] = np.nan  # region becomes float; names stay region_1, region_2
    res = fit_ologit(df, weight="weight", **SPECS["a"])
    assert res.nobs == len(df) - 4 and res.n_dropped == 4
    assert {"region_1", "region_2", "income_group_2"} <= set(res.table["term"])


# ---------------------------------------------------------------------------
# separation
# ---------------------------------------------------------------------------
def _separated_data(seed=3, n=600):
    """Base education level: 6 respondents, all in the top category (cf. Model 5)."""
    rng = np.random.default_rng(seed)
    edu = rng.choice([2, 3, 4], n)
    age = rng.integers(14, 66, n)
    latent = 0.02 * age + 0.3 * (edu == 4) + rng.logistic(size=n)
    y = 1 + np.searchsorted([-0.5, 0.5, 1.5, 2.5], latent)
    df = pd.DataFrame({"approval": y, "education": edu, "age": age, "weight": np.exp(rng.normal(0, 0.3, n))})
    base = pd.DataFrame({"approval": 5, "education": 1, "age": rng.integers(14, 66, 6), "weight": 1.0})
    return pd.concat([df, base], ignore_index=True)


def test_separation_warns():
    df = _separated_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_ologit(df, "approval", ["age", "education"], weight="weight")
    sep = [str(c.message) for c in caught if issubclass(c.category, SeparationWarning)]
    assert any("education=1" in m for m in sep)
    assert sep == res.warnings  # every message is both warned and stored
    assert any("quasi-complete separation" in m for m in res.warnings)
    edu = res.coef()[["education_2", "education_3", "education_4"]]
    assert (edu < -5).all()  # drifting towards minus infinity, like the paper's -13


def test_no_separation_no_warning():
    df = _separated_data()
    df.loc[df.index[-3:], "approval"] = [1, 2, 3]  # base level now spans the range
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        res = fit_ologit(df, "approval", ["age", "education"], weight="weight")
    assert res.warnings == []


def test_detect_separation_flags_large_coef_and_singular_hessian():
    y = np.array([0, 1, 2, 0, 1, 2])
    msgs = detect_separation(y, {}, coef={"x": -13.0}, se={"x": 0.7})
    assert any("exceeds 10" in m for m in msgs)
    msgs = detect_separation(y, {}, hessian=np.array([[1.0, 1.0], [1.0, 1.0 + 1e-13]]))
    assert any("nearly singular" in m for m in msgs)
    assert detect_separation(y, {"z": np.array([1, 0, 1, 0, 1, 0])}) == []
    assert detect_separation(y, {"z": np.array([0, 0, 1, 0, 0, 1])})  # z=1 only top


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-1.0, 0.0, np.nan])
def test_bad_weights(bad):
    df = _load("b")
    df.loc[4, "weight"] = bad
    with pytest.raises(ValueError, match=r"'weight'.*row positions \[4\]"):
        fit_ologit(df, weight="weight", **SPECS["b"])


def test_bad_inputs():
    df = _load("a")
    with pytest.raises(ValueError, match="single category"):
        fit_ologit(df.assign(approval=3), "approval", ["age"], weight="weight")
    with pytest.raises(ValueError, match="'urban' has no variance"):
        fit_ologit(df.assign(urban=1), "approval", ["age", "urban"], weight="weight")
    with pytest.raises(ValueError, match=r"base level 4 of categorical 'region'.*\[1, 2, 3\]"):
        fit_ologit(df, "approval", ["age", "region"], categorical={"region": 4}, weight="weight")
    with pytest.raises(ValueError, match="not numeric"):
        fit_ologit(df.assign(g=np.where(df["male"] == 1, "m", "f")), "approval", ["age", "g"], weight="weight")
    with pytest.raises(ValueError, match="not in df"):
        fit_ologit(df, "approval", ["age", "nope"], weight="weight")


# ---------------------------------------------------------------------------
# Stata-style stopping rule (convergence="stata")
# ---------------------------------------------------------------------------
def _separated_frame(seed=0, n=1135, separate=True):
    rng = np.random.default_rng(seed)
    educ = rng.choice([1, 2, 3, 4], size=n, p=[0.013, 0.13, 0.145, 0.712])
    x = rng.normal(size=n)
    y = np.digitize(1.2 * x + rng.logistic(size=n) + 2.5, [-1.5, 0, 1.5, 3]) + 1
    if separate:
        y[educ == 1] = 5
    return pd.DataFrame({"y": y, "educ": educ, "x": x, "w": rng.uniform(0.5, 2, n)})


def test_stata_convergence_equals_exact_fit_on_regular_data():
    df = _separated_frame(separate=False)
    exact = fit_ologit(df, "y", ["educ", "x"], categorical={"educ": 1}, weight="w").table
    stata = fit_ologit(df, "y", ["educ", "x"], categorical={"educ": 1}, weight="w", convergence="stata").table
    np.testing.assert_allclose(stata["coef"], exact["coef"], atol=1e-5)
    np.testing.assert_allclose(stata["se"], exact["se"], rtol=1e-4)


def test_stata_convergence_stops_on_a_finite_plateau_under_separation():
    df = _separated_frame()
    with pytest.warns(SeparationWarning):
        exact = fit_ologit(df, "y", ["educ", "x"], categorical={"educ": 1}, weight="w")
    with pytest.warns(SeparationWarning):
        stata = fit_ologit(df, "y", ["educ", "x"], categorical={"educ": 1}, weight="w", convergence="stata")
    b_exact = exact.coef()["educ_2"]
    b_stata = stata.coef()["educ_2"]
    assert b_exact < b_stata < -8, "Stata stops earlier than the exact optimiser but far out"
    assert np.isfinite(stata.se()["educ_2"]) and stata.se()["educ_2"] < 5
    # the slope that is identified does not depend on the stopping rule
    assert abs(stata.coef()["x"] - exact.coef()["x"]) < 1e-4


def test_unknown_convergence_rule_is_rejected():
    with pytest.raises(ValueError, match="convergence"):
        fit_ologit(_separated_frame(separate=False), "y", ["x"], weight="w", convergence="fast")


def test_sandwich_is_accurate_along_a_separated_direction():
    """Near separation the robust covariance is still computed to many digits.

    Measuring a covariate in other units (age in decades instead of years)
    changes nothing about the other terms' standard errors in exact
    arithmetic. With a quasi-separated factor, at Stata's stopping point,
    forming ``S'S`` before multiplying by ``H^-1`` lost that: the separated
    dummies' standard errors moved in the third digit with the units of age
    (and from one CPU to another). The row-wise product keeps them equal.
    """
    rng = np.random.default_rng(3)
    n = 1200
    age = rng.uniform(14, 65, n)
    male = rng.integers(0, 2, n).astype(float)
    edu = rng.choice([1, 2, 3, 4], n, p=[0.005, 0.3, 0.4, 0.295])
    eta = 0.03 * age + 0.4 * male
    y = 1 + (rng.logistic(size=n)[:, None] + eta[:, None] > np.array([-1.5, -0.5, 0.8, 2.0])).sum(1)
    y[edu == 1] = 5  # the base level answers only the top category
    w = rng.uniform(0.5, 2.0, n)
    ses = []
    for scale in (1.0, 0.1):
        df = pd.DataFrame({"age": age * scale, "male": male, "edu": edu})
        X, _ = design_matrix(df, ["age", "male", "edu"], {"edu": 1})
        m = WeightedOrderedModel(y - 1, X, weights=w)
        if not ses:
            params, _ = m.fit_stata()
            assert np.all(np.abs(params[2:5]) > 10)  # the education dummies drift away
        else:
            params = params.copy()
            params[0] /= scale  # the same fit, with the age slope in the new units
        ses.append(np.sqrt(np.diag(m.sandwich_cov(params))))
    np.testing.assert_allclose(ses[0][1:], ses[1][1:], rtol=1e-6)
    assert ses[1][0] == pytest.approx(ses[0][0] / 0.1, rel=1e-6)


@pytest.mark.filterwarnings("ignore::scsrepro.survey.models.SeparationWarning")
def test_diagnostics_are_records_that_name_their_term():
    res = fit_ologit(_separated_data(), "approval", ["age", "education"], weight="weight")
    kinds = {d.kind for d in res.diagnostics}
    assert "separation" in kinds and kinds <= set(DIAGNOSTIC_KINDS)
    sep = [d for d in res.diagnostics if d.kind == "separation"]
    assert [d.term for d in sep] == ["education=1 (base level)"]
    large = {d.term for d in res.diagnostics if d.kind == "large_coefficient"}
    assert large and large <= {"education_2", "education_3", "education_4"}
    assert res.warnings == [d.message for d in res.diagnostics]


def test_results_object_speaks_statsmodels():
    df = _separated_data()
    df.loc[df.index[-3:], "approval"] = [1, 2, 3]
    res = fit_ologit(df, "approval", ["age", "education"], weight="weight")
    assert res.params.equals(res.coef()) and res.bse.equals(res.se())
    assert np.allclose(np.sqrt(np.diag(res.cov_params())), res.bse)  # bse are the robust SEs
    ci = res.conf_int()
    assert np.allclose(ci["upper"] - res.params, res.params - ci["lower"])
    assert np.allclose((ci["upper"] - res.params) / res.bse, 1.959964, atol=1e-6)
    assert (res.tvalues == res.params / res.bse).all() and res.pvalues.between(0, 1).all()
    text = res.summary()
    assert f"N = {res.nobs:,}" in text and "education_4" in text and "cut4" in text
    assert "Diagnostics" not in text  # a clean fit lists none


def test_outcome_levels_say_which_answers_each_cut_point_separates(ucla):
    res = fit_ologit(ucla, "apply", ["pared", "public", "gpa"], categorical={}, weight=None)
    assert res.outcome_levels == [1, 2, 3] and list(res.table["term"].iloc[-2:]) == ["cut1", "cut2"]
    fewer = fit_ologit(ucla.assign(apply=ucla["apply"].replace({1: 2})), "apply", ["gpa"], categorical={}, weight=None)
    assert fewer.outcome_levels == [2, 3] and list(fewer.table["term"].iloc[-1:]) == ["cut1"]
