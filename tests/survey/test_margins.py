"""Tests for scsrepro.survey.margins: average marginal effects and average predictions.

The effects are checked against finite differences of the weighted average
probability computed here from scratch, their gradients against numerical
Jacobians, the numerical path (a bare callback) against the analytic one,
a model that is not an ordered logit (a multinomial logit written here)
against its own finite differences, and everything against the effects and
delta-method standard errors that tests/r/margins.R computes in base R on
a survey::svyolr fit (tests/fixtures/ref_margins.csv).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, softmax

from scsrepro.survey import margins as mg
from scsrepro.survey.design import design_matrix
from scsrepro.survey.models import fit_ologit

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SPEC_A = dict(  # tests/survey/test_models.py SPECS["a"], the model of tests/r/margins.R
    outcome="approval",
    covariates=["age", "male", "income_group", "region", "urban"],
    categorical={"income_group": 1, "region": 3},
)
THETA = np.array([0.6, 0.02, -0.5, 0.4, 0.9, -1.0, 0.1, 1.0, 2.2])  # x, age, d, g_2, g_3, four cuts
SETS = {"4+5": (4, 5), "top": (5,)}


def _central(fun, theta, h=1e-6):
    """Central differences of *fun* in each element of *theta* (last axis indexes theta)."""
    cols = []
    for p in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[p] += h
        down[p] -= h
        cols.append((fun(up) - fun(down)) / (2 * h))
    return np.stack(cols, axis=-1)


@pytest.fixture(scope="module")
def design():
    """A design with a continuous column, a wide-scale column, a 0/1 column and a three-level factor."""
    rng = np.random.default_rng(20240611)
    n = 300
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "age": rng.integers(18, 80, n).astype(float),
        "d": rng.integers(0, 2, n).astype(float),
        "g": rng.choice([1, 2, 3], n),
    })
    X, _ = design_matrix(df, ["x", "age", "d", "g"], {"g": 1})
    w = rng.uniform(0.4, 2.0, n)
    A = rng.normal(size=(THETA.size, THETA.size))
    scale = np.ones(THETA.size)
    scale[1] = 1 / 40  # the age slope's uncertainty on the scale of years
    V = A @ A.T / 400 * np.outer(scale, scale)
    return X, w, V


def _direct_average(theta, X, w):
    """Weighted average probability of each of the five answers, written out with expit."""
    Xa = np.asarray(X, dtype=float)
    eta = Xa @ theta[:5]
    cum = np.column_stack([np.zeros(len(Xa))] + [expit(c - eta) for c in theta[5:]] + [np.ones(len(Xa))])
    return (w / w.sum()) @ np.diff(cum, axis=1)


def _ame(X, w, V, model=None, **kw):
    model = mg.ordered_logit_model(5) if model is None else model
    return mg.average_marginal_effects(model, THETA, V, X, w, sets=SETS, **kw)


# --------------------------------------------------------------------------- the ordered logit's pieces


def test_ordered_logit_probabilities_are_the_direct_formula(design):
    X, w, _ = design
    P = mg.ordered_logit_probabilities(THETA, X.to_numpy(), 5)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(w / w.sum() @ P, _direct_average(THETA, X, w), atol=1e-15)


def test_ordered_logit_derivatives_equal_numerical_ones(design):
    X, _, _ = design
    Xa = X.to_numpy()[:40]
    J = mg.ordered_logit_jacobian(THETA, Xa, 5)
    np.testing.assert_allclose(J, _central(lambda t: mg.ordered_logit_probabilities(t, Xa, 5), THETA), atol=1e-8)
    for j in range(5):
        D, dD = mg.ordered_logit_x_derivative(THETA, Xa, 5, j)
        up, down = Xa.copy(), Xa.copy()
        up[:, j] += 1e-6
        down[:, j] -= 1e-6
        fd = (mg.ordered_logit_probabilities(THETA, up, 5) - mg.ordered_logit_probabilities(THETA, down, 5)) / 2e-6
        np.testing.assert_allclose(D, fd, atol=1e-8)
        num = _central(lambda t, j=j: mg.ordered_logit_x_derivative(t, Xa, 5, j)[0], THETA)
        np.testing.assert_allclose(dD, num, atol=1e-7)


# --------------------------------------------------------------------------- the effects


def test_effects_equal_finite_differences_of_the_average_probability(design):
    X, w, V = design
    ame = _ame(X, w, V).set_index(["term", "outcome"])["ame"]
    answers = [str(k) for k in range(1, 6)]
    for term, h in (("x", 1e-6), ("age", 1e-4)):  # continuous: a derivative
        up, down = X.copy(), X.copy()
        up[term] += h
        down[term] -= h
        fd = (_direct_average(THETA, up, w) - _direct_average(THETA, down, w)) / (2 * h)
        np.testing.assert_allclose(ame.loc[term].loc[answers], fd, atol=1e-9)
    for term, zero in (("d", ["d"]), ("g_2", ["g_2", "g_3"]), ("g_3", ["g_2", "g_3"])):  # discrete changes
        base = X.copy()
        base[zero] = 0.0
        level = base.copy()
        level[term] = 1.0
        change = _direct_average(THETA, level, w) - _direct_average(THETA, base, w)
        np.testing.assert_allclose(ame.loc[term].loc[answers], change, atol=1e-15)
        assert ame.loc[(term, "4+5")] == pytest.approx(change[3] + change[4], abs=1e-15)


def test_effects_over_all_answers_sum_to_zero_and_sets_are_sums(design):
    X, w, V = design
    out = _ame(X, w, V)
    answers = out[out["outcome"].isin([str(k) for k in range(1, 6)])]
    np.testing.assert_allclose(answers.groupby("term")["ame"].sum(), 0.0, atol=1e-15)
    tab = out.set_index(["term", "outcome"])
    for term in X.columns:
        assert tab.loc[(term, "4+5"), "ame"] == pytest.approx(tab.loc[(term, "4"), "ame"] + tab.loc[(term, "5"), "ame"])
        assert tab.loc[(term, "top"), "ame"] == tab.loc[(term, "5"), "ame"]
    assert list(out.columns) == ["term", "outcome", "ame", "se", "z", "p", "ci_low", "ci_high", "kind"]
    assert dict(zip(out["term"], out["kind"])) == {"x": "dydx", "age": "dydx", "d": "discrete", "g_2": "discrete",
                                                   "g_3": "discrete"}


def test_delta_method_gradient_equals_a_numerical_jacobian(design):
    X, w, _ = design
    comp = mg.marginal_effect_components(mg.ordered_logit_model(5), THETA, X, w, sets=SETS)
    num = _central(lambda t: mg.marginal_effect_components(mg.ordered_logit_model(5), t, X, w, sets=SETS).estimate,
                   THETA)
    np.testing.assert_allclose(comp.gradient, num, atol=1e-8)


def test_standard_errors_equal_those_from_a_numerical_gradient(design):
    X, w, V = design
    out = _ame(X, w, V)
    G = _central(lambda t: mg.marginal_effect_components(mg.ordered_logit_model(5), t, X, w, sets=SETS).estimate,
                 THETA)
    se = np.sqrt(np.diag(G @ V @ G.T))
    np.testing.assert_allclose(out["se"], se, rtol=1e-6)
    np.testing.assert_allclose(out["z"], out["ame"] / se, rtol=1e-6)
    np.testing.assert_allclose(out["ci_high"] - out["ame"], 1.959963984540054 * out["se"], rtol=1e-12)


def test_standard_error_agrees_with_simulated_estimates(design):
    """With a small covariance the delta method is exact to first order: the spread of the
    effect over draws of theta from N(theta, V) matches its standard error."""
    X, w, V = design
    V = V / 100
    se = _ame(X, w, V, terms=["g_3"]).set_index("outcome").loc["4+5", "se"]
    draws = np.random.default_rng(5).multivariate_normal(THETA, V, size=3000, method="cholesky")
    base = X.copy()
    base[["g_2", "g_3"]] = 0.0
    level = base.copy()
    level["g_3"] = 1.0
    sims = [(_direct_average(t, level, w) - _direct_average(t, base, w))[3:].sum() for t in draws]
    assert np.std(sims) == pytest.approx(se, rel=0.05)  # Monte Carlo error about 1.3 %


def test_a_bare_callback_gives_the_analytic_answers(design):
    """Numerical derivatives (in x and theta) against the ordered logit's analytic ones."""
    X, w, V = design
    exact = _ame(X, w, V)
    bare = _ame(X, w, V, model=lambda t, Xa: mg.ordered_logit_probabilities(t, Xa, 5))
    np.testing.assert_allclose(bare["ame"], exact["ame"], atol=1e-10)
    np.testing.assert_allclose(bare["se"], exact["se"], rtol=1e-6)
    with_jacobian = mg.ProbabilityModel(mg.ordered_logit_model(5).prob, mg.ordered_logit_model(5).jacobian)
    np.testing.assert_allclose(_ame(X, w, V, model=with_jacobian)["se"], exact["se"], rtol=1e-8)


def test_discrete_option_for_binary_columns(design):
    X, w, V = design
    as_derivative = _ame(X, w, V, discrete=False).set_index(["term", "outcome"])
    named = _ame(X, w, V, discrete=["d"]).set_index(["term", "outcome"])
    default = _ame(X, w, V).set_index(["term", "outcome"])
    assert (as_derivative.loc["d", "kind"] == "dydx").all() and (named.loc["d", "kind"] == "discrete").all()
    assert (as_derivative.loc["g_2", "kind"] == "discrete").all()  # factor dummies are always discrete
    pd.testing.assert_frame_equal(named, default)
    # the derivative in d, averaged at the observed values of d
    up, down = X.copy(), X.copy()
    up["d"] += 1e-6
    down["d"] -= 1e-6
    fd = (_direct_average(THETA, up, w) - _direct_average(THETA, down, w)) / 2e-6
    np.testing.assert_allclose(as_derivative.loc["d", "ame"].iloc[:5], fd, atol=1e-9)
    with pytest.raises(ValueError, match="not binary"):
        _ame(X, w, V, discrete=["x"])
    with pytest.raises(ValueError, match="not a column"):
        _ame(X, w, V, terms=["nope"])


def test_weights_are_normalised_and_checked(design):
    X, w, V = design
    pd.testing.assert_frame_equal(_ame(X, w, V), _ame(X, w * 1000, V), rtol=1e-12)
    pd.testing.assert_frame_equal(_ame(X, None, V), _ame(X, np.ones(len(X)), V))
    with pytest.raises(ValueError, match="weights"):
        _ame(X, -w, V)


def test_bad_sets_and_levels(design):
    X, w, V = design
    with pytest.raises(ValueError, match="not among the outcome levels"):
        mg.average_marginal_effects(mg.ordered_logit_model(5), THETA, V, X, w, sets={"high": (5, 6)})
    with pytest.raises(ValueError, match="already the name"):
        mg.average_marginal_effects(mg.ordered_logit_model(5), THETA, V, X, w, sets={"5": (4, 5)})
    with pytest.raises(ValueError, match="outcome levels"):
        _ame(X, w, V, outcome_levels=[1, 2, 3])
    labelled = _ame(X, w, V, outcome_levels=[1.0, 2.0, 3.0, 4.0, 5.0])  # float codes read as 1 .. 5
    pd.testing.assert_frame_equal(labelled, _ame(X, w, V))


def test_a_model_that_is_not_an_ordered_logit_plugs_in(design):
    """A multinomial logit (answer 1 the base) through a bare callback."""
    X, w, _ = design
    k = X.shape[1] + 1

    def mlogit(theta, Xa):
        B = theta.reshape(2, k)  # intercept and slopes of answers 2 and 3
        eta = np.column_stack([np.zeros(len(Xa)), B[:, 0] + Xa @ B[:, 1:].T])
        return softmax(eta, axis=1)

    theta = np.random.default_rng(3).normal(scale=0.3, size=2 * k)
    theta[[2, 2 + k]] /= 20  # the age slopes, on the scale of years
    V = np.eye(theta.size) * 0.01
    comp = mg.marginal_effect_components(mlogit, theta, X, w, outcome_levels=["no", "maybe", "yes"])
    out = mg.average_marginal_effects(mlogit, theta, V, X, w, outcome_levels=["no", "maybe", "yes"])
    # the derivative in x is a difference quotient here, with rounding of order eps / step ~ 4e-11
    np.testing.assert_allclose(out.groupby("term")["ame"].sum(), 0.0, atol=1e-10)
    wn = w / w.sum()
    up, down = X.to_numpy().copy(), X.to_numpy().copy()
    up[:, 0] += 1e-6
    down[:, 0] -= 1e-6
    fd = wn @ (mlogit(theta, up) - mlogit(theta, down)) / 2e-6
    np.testing.assert_allclose(out.loc[out["term"].eq("x"), "ame"], fd, atol=1e-9)
    num = _central(lambda t: mg.marginal_effect_components(mlogit, t, X, w).estimate, theta)
    np.testing.assert_allclose(comp.gradient, num, atol=1e-6)
    np.testing.assert_allclose(out["se"], np.sqrt(np.diag(num @ V @ num.T)), rtol=1e-5)


# --------------------------------------------------------------------------- predictions


def test_average_predictions_at_each_level(design):
    X, w, V = design
    model = mg.ordered_logit_model(5)
    out = mg.average_predictions(model, THETA, V, X, w, "g", base=1, sets=SETS)
    assert list(out.columns) == ["variable", "value", "outcome", "probability", "se", "ci_low", "ci_high"]
    assert list(out["value"].unique()) == [1, 2, 3]
    tab = out.set_index(["value", "outcome"])
    for v, zero in ((1, {"g_2": 0.0, "g_3": 0.0}), (3, {"g_2": 0.0, "g_3": 1.0})):
        direct = _direct_average(THETA, X.assign(**zero), w)
        np.testing.assert_allclose(tab.loc[v, "probability"].iloc[:5], direct, atol=1e-15)
        assert tab.loc[(v, "4+5"), "probability"] == pytest.approx(direct[3] + direct[4])
    answers = out[out["outcome"].isin([str(k) for k in range(1, 6)])]
    np.testing.assert_allclose(answers.groupby("value")["probability"].sum(), 1.0, atol=1e-14)
    # logit-symmetric interval around the estimate, half-width z * se / (p (1 - p))
    p = out["probability"]
    logit = np.log(p / (1 - p))
    np.testing.assert_allclose(np.log(out["ci_high"] / (1 - out["ci_high"])) - logit,
                               1.959963984540054 * out["se"] / (p * (1 - p)), rtol=1e-9)
    np.testing.assert_allclose(logit - np.log(out["ci_low"] / (1 - out["ci_low"])),
                               1.959963984540054 * out["se"] / (p * (1 - p)), rtol=1e-9)
    # delta-method standard errors from a numerical gradient
    G = _central(lambda t: mg.prediction_components(model, t, X, w, "g", base=1, sets=SETS).estimate, THETA)
    np.testing.assert_allclose(out["se"], np.sqrt(np.diag(G @ V @ G.T)), rtol=1e-6)


def test_average_predictions_of_a_column_and_at_the_observed_values(design):
    X, w, V = design
    model = mg.ordered_logit_model(5)
    out = mg.average_predictions(model, THETA, V, X, w, "x", values=[-1, 0.5])
    direct = _direct_average(THETA, X.assign(x=0.5), w)
    np.testing.assert_allclose(out.loc[out["value"].eq(0.5), "probability"], direct, atol=1e-15)
    observed = mg.average_predictions(model, THETA, V, X, w)
    assert observed["value"].isna().all() and observed["variable"].isna().all()
    np.testing.assert_allclose(observed["probability"], _direct_average(THETA, X, w), atol=1e-15)
    assert len(mg.average_predictions(model, THETA, V, X, w, "d")) == 2 * 5  # observed values 0, 1


def test_set_covariate_and_its_errors(design):
    X, _, _ = design
    at3 = mg.set_covariate(X, "g", 3)
    assert (at3["g_3"] == 1).all() and (at3["g_2"] == 0).all() and at3["x"].equals(X["x"])
    assert (mg.set_covariate(X, "g", 1, base=1)[["g_2", "g_3"]] == 0).all().all()
    assert (mg.set_covariate(X, "g", 2.0)["g_2"] == 1).all()  # a float code names the same level
    with pytest.raises(ValueError, match="not a level"):
        mg.set_covariate(X, "g", 1)  # the base level needs `base`
    with pytest.raises(ValueError, match="not a level"):
        mg.set_covariate(X, "g", 7, base=1)
    with pytest.raises(ValueError, match="not a covariate"):
        mg.set_covariate(X, "nope", 1)
    without_attrs = pd.DataFrame(X)
    without_attrs.attrs = {}
    assert mg.set_covariate(without_attrs, "g", 3, factors={"g": ["g_2", "g_3"]}).equals(at3)


# --------------------------------------------------------------------------- against R


@pytest.fixture(scope="module")
def svyolr_inputs():
    df = pd.read_csv(FIX / "input_ologit_a.csv")
    res = fit_ologit(df, weight="weight", **SPEC_A)
    X, _ = design_matrix(df, SPEC_A["covariates"], SPEC_A["categorical"])
    return res, X, df["weight"].to_numpy()


def test_from_ologit_result(svyolr_inputs):
    res, X, _ = svyolr_inputs
    model, theta, V, levels = mg.from_ologit_result(res)
    assert levels == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(theta, res.table["coef"])
    np.testing.assert_array_equal(np.sqrt(np.diag(V)), res.table["se"])
    assert model.prob(theta, X.to_numpy()[:2]).shape == (2, 5)


def test_effects_and_predictions_match_r(svyolr_inputs):
    """tests/r/margins.R: its own derivative code and numDeriv Jacobians on svyolr's fit and covariance."""
    res, X, w = svyolr_inputs
    ref = pd.read_csv(FIX / "ref_margins.csv", dtype={"outcome": str})
    model, theta, V, levels = mg.from_ologit_result(res)
    ame = mg.average_marginal_effects(model, theta, V, X, w, sets={"4+5": (4, 5)}, outcome_levels=levels)
    r_ame = ref[ref["quantity"].eq("ame")].reset_index(drop=True)
    assert list(zip(ame["term"], ame["outcome"])) == list(zip(r_ame["term"], r_ame["outcome"]))
    np.testing.assert_allclose(ame["ame"], r_ame["estimate"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(ame["se"], r_ame["se"], rtol=1e-4)
    pred = mg.average_predictions(model, theta, V, X, w, "income_group", base=1, sets={"4+5": (4, 5)},
                                  outcome_levels=levels)
    r_pred = ref[ref["quantity"].eq("prediction")].reset_index(drop=True)
    assert list(zip(pred["value"], pred["outcome"])) == list(zip(r_pred["value"], r_pred["outcome"]))
    np.testing.assert_allclose(pred["probability"], r_pred["estimate"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(pred["se"], r_pred["se"], rtol=1e-4)
