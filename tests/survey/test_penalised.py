"""Tests for scsrepro.survey.penalised: Firth-type penalisation of selected terms,
profile penalised-likelihood intervals, the DuMouchel-Duncan test.

References: ``tests/fixtures/ref_firth.csv`` from ``tests/r/firth.R`` (brglm2's
Firth logistic regression with case weights, profile intervals computed by
hand in R, svyolr for the DuMouchel-Duncan test).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scsrepro.survey.ordered_logit import WeightedOrderedModel, ordered_logit_derivatives
from scsrepro.survey.penalised import (
    dumouchel_duncan,
    fit_firth_subset,
    jeffreys_penalty,
    ordered_logit_information,
    profile_interval,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures"
CRIT95 = float(stats.chi2.ppf(0.95, 1))


@pytest.fixture(scope="module")
def firth_input() -> pd.DataFrame:
    return pd.read_csv(FIX / "input_firth.csv")


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(FIX / "ref_firth.csv")


@pytest.fixture(scope="module")
def firth_fit(firth_input):
    # case weights as given, as brglm2 uses them
    f = firth_input
    return fit_firth_subset(f[["x", "d", "g"]], f["y"], f["weight"], scale_weights=False)


def _ref(ref: pd.DataFrame, check: str) -> pd.Series:
    return ref[ref["check"] == check].set_index("term")["value"]


def _separated_ordinal(seed: int = 7, n: int = 250):
    """Four answers; dummy ``d`` (8 rows) always gives the top answer, so its ML estimate is infinite."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=n), 3)
    g = rng.binomial(1, 0.4, n)
    d = np.zeros(n, dtype=int)
    d[rng.choice(n, 8, replace=False)] = 1
    latent = 0.8 * x - 0.5 * g + rng.logistic(size=n)
    y = 1 + np.searchsorted([-1.0, 0.3, 1.4], latent)
    y[d == 1] = 4
    w = np.round(np.exp(rng.normal(0.0, 0.3, n)), 4)
    return pd.DataFrame({"x": x, "g": g, "d": d}), y, w


# ---------------------------------------------------------------------------
# K = 2, every term penalised: Firth's logistic regression (brglm2)
# ---------------------------------------------------------------------------
def test_all_slopes_with_two_answers_is_firth_logistic_regression(firth_fit, ref):
    coef = _ref(ref, "firth_coef")
    assert firth_fit.converged and firth_fit.max_abs_score < 1e-9
    assert firth_fit.penalised == ["x", "d", "g", "cut1"]
    for term in ("x", "d", "g"):
        assert firth_fit.params[term] == pytest.approx(coef[term], abs=1e-6)
    # the cut point is minus the logit's intercept
    assert -firth_fit.params["cut1"] == pytest.approx(coef["(Intercept)"], abs=1e-6)
    # the same penalised log likelihood: the penalty is Firth's, not only its maximiser
    assert firth_fit.objective == pytest.approx(_ref(ref, "firth_objective")["pl"], abs=1e-8)


def test_profile_intervals_match_r_and_cross_the_quantile(firth_fit, ref):
    tab = profile_interval(firth_fit, terms=["d", "x"]).set_index("term")
    lower, upper = _ref(ref, "profile_lower"), _ref(ref, "profile_upper")
    for term in ("d", "x"):
        assert tab.loc[term, "lower"] == pytest.approx(lower[term], abs=1e-6)
        assert tab.loc[term, "upper"] == pytest.approx(upper[term], abs=1e-6)
        assert tab.loc[term, "deviance_lower"] == pytest.approx(CRIT95, abs=1e-6)
        assert tab.loc[term, "deviance_upper"] == pytest.approx(CRIT95, abs=1e-6)
        assert tab.loc[term, "inner_converged"]
        assert not tab.loc[term, "lower_open"] and not tab.loc[term, "upper_open"]
    # the separated term's interval is asymmetric: far longer on the side of the separation
    d = tab.loc["d"]
    assert d["upper"] - d["estimate"] > 1.5 * (d["estimate"] - d["lower"])


def test_profile_that_does_not_cross_is_open(firth_fit):
    # the upper bound of d lies about 4.95 above the estimate, the lower about 2.4 below
    tab = profile_interval(firth_fit, terms=["d"], max_distance=3.0).set_index("term")
    assert tab.loc["d", "upper"] == np.inf and tab.loc["d", "upper_open"]
    assert np.isnan(tab.loc["d", "deviance_upper"])
    assert np.isfinite(tab.loc["d", "lower"]) and not tab.loc["d", "lower_open"]


# ---------------------------------------------------------------------------
# an ordinal outcome with a separated dummy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("include_cuts, max_shift_in_se", [(True, 0.15), (False, 0.02)])
def test_penalising_the_separated_term_only(include_cuts, max_shift_in_se):
    X, y, w = _separated_ordinal()
    plain = fit_firth_subset(X, y, w, penalised=[])
    assert not plain.converged and plain.params["d"] > 50  # diverges
    fit = fit_firth_subset(X, y, w, penalised=["d"], include_cuts=include_cuts)
    assert fit.converged and fit.max_abs_score < 1e-9
    assert 1.0 < fit.params["d"] < 10.0  # finite
    assert fit.penalised == (["d", "cut1", "cut2", "cut3"] if include_cuts else ["d"])
    # the other terms: as d drifts off, the ML fit of the others tends to the fit without d's rows
    keep = X["d"].to_numpy() == 0
    model = WeightedOrderedModel(y[keep] - 1, X.loc[keep, ["x", "g"]], w[keep])
    res = model.fit()
    limit = np.concatenate((res.params[:2], model.cuts_from_params(res.params)))
    others = ["x", "g", "cut1", "cut2", "cut3"]
    assert np.allclose(plain.params[others], limit, atol=1e-6)
    shift = np.abs(fit.params[others].to_numpy() - limit) / fit.std_errors[others].to_numpy()
    assert shift.max() < max_shift_in_se


def test_separated_base_level_needs_the_cut_points_in_the_block():
    # the base level of factor e (5 rows) always gives the top answer: the dummies
    # e2, e3 and the cut points drift off together (the pattern of Table 4's Model 5)
    rng = np.random.default_rng(3)
    n = 200
    level = rng.choice([1, 2, 3], n, p=[0.04, 0.5, 0.46])
    x = np.round(rng.normal(size=n), 3)
    y = 1 + np.searchsorted([-1.0, 0.3, 1.4], 0.7 * x + 0.4 * (level == 3) + rng.logistic(size=n))
    y[level == 1] = 4
    X = pd.DataFrame({"x": x, "e2": (level == 2).astype(int), "e3": (level == 3).astype(int)})
    w = np.round(np.exp(rng.normal(0.0, 0.3, n)), 4)
    with_cuts = fit_firth_subset(X, y, w, penalised=["e2", "e3"])
    assert with_cuts.converged and with_cuts.params[["e2", "e3"]].abs().max() < 6
    without = fit_firth_subset(X, y, w, penalised=["e2", "e3"], include_cuts=False)
    assert not without.converged and without.params[["e2", "e3"]].abs().min() > 20


@pytest.mark.filterwarnings("ignore:Maximum Likelihood optimization failed")  # BFGS before the Newton polish
def test_no_penalty_is_maximum_likelihood():
    X, y, w = _separated_ordinal()
    X = X[["x", "g"]]
    fit = fit_firth_subset(X, y, w, penalised=[])
    assert fit.converged and fit.penalty == 0.0 and fit.penalised == []
    model = WeightedOrderedModel(y - 1, X, w)
    res = model.fit()
    ml = np.concatenate((res.params[:2], model.cuts_from_params(res.params)))
    assert np.allclose(fit.params.to_numpy(), ml, atol=1e-8)
    assert fit.loglik == pytest.approx(model.loglike(res.params) / w.mean(), abs=1e-8)


def test_scale_of_the_weights_does_not_matter_by_default():
    X, y, w = _separated_ordinal()
    a = fit_firth_subset(X, y, w, penalised=["d"])
    b = fit_firth_subset(X, y, 7.5 * w, penalised=["d"])
    assert np.allclose(a.params, b.params, atol=1e-10)
    c = fit_firth_subset(X, y, 7.5 * w, penalised=["d"], scale_weights=False)
    assert abs(c.params["d"] - a.params["d"]) > 0.05  # a weaker penalty relative to the likelihood


def test_unknown_term_is_refused():
    X, y, w = _separated_ordinal()
    with pytest.raises(KeyError, match="cut1"):
        fit_firth_subset(X, y, w, penalised=["cut1"])


# ---------------------------------------------------------------------------
# the information and the penalty's gradient
# ---------------------------------------------------------------------------
THETA = np.array([0.3, -0.5, 0.8, -1.0, 0.2, 1.5])


def _small(seed: int = 1, n: int = 150):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.uniform(0.5, 2.0, n)


def test_information_is_the_expected_negative_hessian():
    X, w = _small()
    info = ordered_logit_information(X, w, THETA)
    expected = np.zeros_like(info)
    z = THETA[3:][None, :] - (X @ THETA[:3])[:, None]
    F = np.hstack((np.zeros((len(X), 1)), 1 / (1 + np.exp(-z)), np.ones((len(X), 1))))
    for k in range(1, 5):
        _, H = ordered_logit_derivatives(X, np.full(len(X), k), w * (F[:, k] - F[:, k - 1]), THETA)
        expected -= H
    assert np.abs(info - expected).max() < 1e-10 * np.abs(expected).max()


@pytest.mark.parametrize("block", [[0, 1, 2, 3, 4, 5], [1], [1, 3, 4, 5], [0, 2], [4]])
def test_penalty_gradient_matches_finite_differences(block):
    X, w = _small()
    value, grad = jeffreys_penalty(X, w, THETA, block)
    sign, logdet = np.linalg.slogdet(ordered_logit_information(X, w, THETA)[np.ix_(block, block)])
    assert sign > 0 and value == pytest.approx(0.5 * logdet, abs=1e-12)
    h = 1e-6
    fd = np.array([(jeffreys_penalty(X, w, THETA + e, block)[0] - jeffreys_penalty(X, w, THETA - e, block)[0]) / (2 * h) for e in h * np.eye(6)])
    assert np.abs(grad - fd).max() < 1e-6 * max(1.0, np.abs(grad).max())


# ---------------------------------------------------------------------------
# the DuMouchel-Duncan test
# ---------------------------------------------------------------------------
def test_dumouchel_duncan_matches_r():
    b = pd.read_csv(FIX / "input_ologit_b.csv")
    ref = pd.read_csv(FIX / "ref_firth.csv")
    dd = dumouchel_duncan(b[["x1", "x2", "d"]], b["y"], b["weight"])
    assert dd.converged and dd.dropped == [] and dd.nobs == 600
    assert dd.terms == ["weight", "weight:x1", "weight:x2", "weight:d"]
    coef, se, test = _ref(ref, "dd_coef"), _ref(ref, "dd_se"), _ref(ref, "dd_test")
    assert np.allclose(dd.estimates[coef.index], coef, atol=1e-6)
    assert np.allclose(dd.std_errors[se.index], se, rtol=1e-5)
    assert dd.df == test["df"]
    assert dd.statistic == pytest.approx(test["statistic"], rel=1e-5)
    assert dd.p_value == pytest.approx(test["p_value"], rel=1e-5)


def _dd_data(alternative: str, seed: int = 11, n: int = 800):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.binomial(1, 0.5, n)
    # weights that depend on the covariates only (e.g. raking on g) plus noise
    w = np.exp(0.4 * g - 0.3 * x + rng.normal(0.0, 0.3, n))
    slope = 0.8 + (0.6 * (w - w.mean()) if alternative == "interaction" else 0.0)
    latent = slope * x - 0.5 * g + rng.logistic(size=n)
    y = 1 + np.searchsorted([-1.0, 0.0, 1.2], latent)
    if alternative == "outcome":  # informative sampling: the weight depends on the answer
        w = w * np.exp(0.35 * y)
    return pd.DataFrame({"x": x, "g": g}), y, w


def test_dumouchel_duncan_does_not_reject_ignorable_weights():
    X, y, w = _dd_data("none")
    dd = dumouchel_duncan(X, y, w)
    assert dd.converged and dd.df == 3
    assert dd.p_value > 0.2


@pytest.mark.parametrize("alternative", ["outcome", "interaction"])
def test_dumouchel_duncan_rejects_informative_weights(alternative):
    X, y, w = _dd_data(alternative)
    dd = dumouchel_duncan(X, y, w)
    assert dd.converged and dd.df == 3
    assert dd.p_value < 1e-4


def test_dumouchel_duncan_drops_augmenting_terms_in_the_design():
    X, y, _ = _dd_data("none")
    w = 1.0 + 0.5 * X["g"].to_numpy()  # a function of the dummy g: weight and weight:g add nothing
    dd = dumouchel_duncan(X, y, w)
    assert dd.dropped == ["weight", "weight:g"]
    assert dd.terms == ["weight:x"] and dd.df == 1


def test_dumouchel_duncan_without_a_maximum_reports_no_statistic():
    """A separated augmented fit gives a status and missing numbers, never an exception or a number."""
    rng = np.random.default_rng(11)
    n = 300
    x = rng.normal(size=n)
    sep = (np.arange(n) < 12).astype(float)  # a dummy whose rows all give the top answer
    y = np.clip(np.round(x + rng.logistic(size=n) + 1), 0, 3).astype(int)
    y[sep == 1] = 3
    w = rng.uniform(0.5, 2.0, n)
    dd = dumouchel_duncan(np.column_stack([x, sep]), y, w)
    assert dd.status != "converged" and not dd.converged
    assert np.isnan(dd.statistic) and np.isnan(dd.p_value) and dd.std_errors.isna().all()
