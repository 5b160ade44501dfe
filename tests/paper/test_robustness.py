"""scsrepro.paper.robustness (and the additions to scsrepro.survey.models it relies on).

The proportional-odds test is checked on simulated data where the answer is
known: data drawn from an ordered logit (the assumption holds) and data drawn
from a model whose slope changes across thresholds (it does not). Predicted
probabilities are checked against a direct computation; the penalised fit
against hand-made cases; the model specification against the printed
numbers of observations. (The Table 4 layout is tested in
tests/survey/test_regression_table.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting, modelspec, robustness, tables
from scsrepro.paper.published import load_published
from scsrepro.paper.weights import weights_for
from scsrepro.survey.models import OlogitResult, fit_ologit


# --------------------------------------------------------------------------- simulated data
def _simulate(n, slopes_x, seed, cuts=(-2.0, -0.5, 0.7, 2.0), beta_d=0.5, weights=True):
    """Five ordered categories from P(y > j | x, d) = expit(-cut_j + b_j x + beta_d d).

    With equal slopes ``b_j`` this is an ordered logit; with slopes that
    change across thresholds the proportional-odds assumption fails. x is
    uniform on [-1, 1] so that the cumulative probabilities stay ordered.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    d = rng.integers(0, 2, n).astype(float)
    u = rng.uniform(size=n)
    above = np.column_stack([expit(-c + b * x + beta_d * d) for c, b in zip(cuts, slopes_x)])
    assert np.all(np.diff(above, axis=1) <= 0)
    y = 1 + (u[:, None] < above).sum(axis=1)
    w = rng.uniform(0.5, 2.0, n) if weights else np.ones(n)
    return pd.DataFrame({"y": y.astype(float), "x": x, "d": d, "weight": w})


def _po(df, thresholds=None):
    return robustness.proportional_odds_test(df, "y", ["x", "d"], {}, "weight", thresholds=thresholds)


def test_po_test_detects_a_violation():
    df = _simulate(4000, slopes_x=(0.0, 0.5, 1.0, 1.5), seed=1)
    res = _po(df).table.set_index("term")
    assert res.loc["x", "p"] < 0.05
    assert res.loc["all", "p"] < 0.05
    assert res.loc["x", "df"] == 3
    # the binary-logit slopes recover the increasing pattern
    assert res.loc["x", "b_gt_1"] < res.loc["x", "b_gt_4"]


def test_po_test_does_not_flag_clean_data():
    df = _simulate(4000, slopes_x=(0.8, 0.8, 0.8, 0.8), seed=2)
    res = _po(df).table.set_index("term")
    assert res.loc["x", "p"] > 0.05
    assert res.loc["d", "p"] > 0.05
    assert res.loc["all", "p"] > 0.05


def test_po_test_has_about_nominal_size():
    """Under the null the test rejects in about 5 % of samples (Monte Carlo, fixed seeds)."""
    rejections = [
        _po(_simulate(600, slopes_x=(0.8,) * 4, seed=100 + i)).table.set_index("term").loc["all", "p"] < 0.05
        for i in range(200)
    ]
    assert 0.02 <= np.mean(rejections) <= 0.09


def test_po_test_with_collapsed_low_categories():
    df = _simulate(4000, slopes_x=(0.0, 0.5, 1.0, 1.5), seed=3)
    res = _po(df, thresholds=[3, 4])
    assert res.thresholds == [3, 4]
    assert list(res.counts.columns) == ["y > 3", "y > 4"]
    tab = res.table.set_index("term")
    assert tab.loc["x", "df"] == 1
    assert tab.loc["x", "p"] < 0.05
    assert tab.loc["d", "p"] > 0.05  # d satisfies the assumption in this design


def test_po_covariance_blocks_equal_robust_logit_covariance():
    """Each threshold's block is the binary logit's HC0 covariance times n/(n-1)."""
    df = _simulate(1500, slopes_x=(0.8,) * 4, seed=4, weights=False)
    res = _po(df, thresholds=[2, 4])
    X = sm.add_constant(df[["x", "d"]].to_numpy())
    n, q = X.shape
    for j, t in enumerate([2, 4]):
        ref = sm.Logit((df["y"] > t).astype(float), X).fit(disp=0, cov_type="HC0")
        block = res.cov[j * q:(j + 1) * q, j * q:(j + 1) * q]
        np.testing.assert_allclose(block, ref.cov_params() * n / (n - 1), rtol=1e-6)
        np.testing.assert_allclose(res.table[f"b_gt_{t}"].iloc[:2], ref.params[1:], rtol=1e-7)


def test_po_test_reports_separation_in_a_sparse_threshold():
    df = _simulate(500, slopes_x=(0.8,) * 4, seed=5, cuts=(-9.0, -0.5, 0.7, 2.0))
    df.loc[df["y"].eq(1), "y"] = 2.0
    df.loc[df.index[:2], "y"] = 1.0  # two cases below the first threshold, both with d = 1:
    df.loc[df.index[:2], "d"] = 1.0  # d = 0 perfectly predicts y > 1
    res = _po(df)
    assert res.counts.loc["at or below", "y > 1"] == 2
    assert any("y > 1" in m for m in res.warnings)
    assert not _po(df, thresholds=[3, 4]).warnings  # collapsing the sparse answers removes it


def test_po_test_rejects_bad_thresholds():
    df = _simulate(300, slopes_x=(0.8,) * 4, seed=6)
    with pytest.raises(ValueError, match="at least two"):
        _po(df, thresholds=[3])
    with pytest.raises(ValueError, match="one side empty"):
        _po(df, thresholds=[3, 5])


# --------------------------------------------------------------------------- predicted probabilities
@pytest.fixture(scope="module")
def simulated_fit():
    df = _simulate(1500, slopes_x=(0.8,) * 4, seed=7)
    df["g"] = 1.0 + (df["x"] > 0.3) + (df["x"] > -0.3)  # a three-level factor
    spec = modelspec.ModelSpec(id=9, column="Model 9", title="test", outcome="y", weight="weight",
                               covariates=("d", "g"), categorical={"g": 1})
    res = fit_ologit(df, "y", ["d", "g"], categorical={"g": 1}, weight="weight")
    return fitting.Fit(spec, df, {"g": 1}, res)


def test_predicted_probability_equals_direct_computation(simulated_fit):
    f = simulated_fit
    out = robustness.predicted_probabilities(f, "d", values=[0, 1]).set_index("value")
    b = f.result.coef()
    w = f.sample["weight"] / f.sample["weight"].sum()
    for v in (0, 1):
        eta = b["d"] * v + b["g_2"] * f.sample["g"].eq(2) + b["g_3"] * f.sample["g"].eq(3)
        direct = float(w @ (1 - expit(b["cut4"] - eta)))
        assert out.loc[v, "probability"] == pytest.approx(direct, rel=1e-12)
        assert out.loc[v, "ci_low"] < direct < out.loc[v, "ci_high"]


def test_probabilities_over_all_answers_sum_to_one(simulated_fit):
    total = sum(
        robustness.predicted_probabilities(simulated_fit, "g", category=c)["probability"].to_numpy() for c in range(1, 6)
    )
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_delta_and_simulation_intervals_agree(simulated_fit):
    delta = robustness.predicted_probabilities(simulated_fit, "g")
    sim = robustness.predicted_probabilities(simulated_fit, "g", method="simulation", draws=4000, seed=11)
    np.testing.assert_allclose(delta["probability"], sim["probability"])
    np.testing.assert_allclose(delta[["ci_low", "ci_high"]], sim[["ci_low", "ci_high"]], atol=0.01)


def test_simulation_is_reproducible_with_its_seed(simulated_fit):
    a = robustness.predicted_probabilities(simulated_fit, "d", method="simulation", draws=500, seed=3)
    b = robustness.predicted_probabilities(simulated_fit, "d", method="simulation", draws=500, seed=3)
    c = robustness.predicted_probabilities(simulated_fit, "d", method="simulation", draws=500, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])


def test_predicted_probabilities_bad_input(simulated_fit):
    with pytest.raises(ValueError, match="not a level"):
        robustness.predicted_probabilities(simulated_fit, "g", values=[7])
    with pytest.raises(ValueError, match="not a covariate"):
        robustness.predicted_probabilities(simulated_fit, "nope", values=[1])
    with pytest.raises(ValueError, match="method"):
        robustness.predicted_probabilities(simulated_fit, "d", method="bootstrap")


# --------------------------------------------------------------------------- penalised fit
@pytest.mark.filterwarnings("ignore::scsrepro.survey.models.SeparationWarning")
def test_penalised_fit_is_finite_under_separation_and_shrinks():
    df = _simulate(800, slopes_x=(0.8,) * 4, seed=8)
    df["z"] = 0.0
    df.loc[df["y"].eq(5).to_numpy().nonzero()[0][:5], "z"] = 1.0  # z = 1 only among top answers
    plain = fit_ologit(df, "y", ["x", "z"], categorical={}, weight="weight", convergence="stata")
    wide = fit_ologit(df, "y", ["x", "z"], categorical={}, weight="weight", prior_sd=10.0)
    narrow = fit_ologit(df, "y", ["x", "z"], categorical={}, weight="weight", prior_sd=1.0)
    assert plain.coef()["z"] > 10  # diverging
    assert 0 < narrow.coef()["z"] < wide.coef()["z"] < plain.coef()["z"]
    assert wide.converged and narrow.converged
    # a well-identified slope hardly moves
    assert narrow.coef()["x"] == pytest.approx(plain.coef()["x"], abs=0.05)


def test_penalised_fit_does_not_depend_on_the_scale_of_the_weights():
    df = _simulate(600, slopes_x=(0.8,) * 4, seed=9)
    a = fit_ologit(df, "y", ["x", "d"], categorical={}, weight="weight", prior_sd=0.5)
    df["weight"] = df["weight"] * 1000
    b = fit_ologit(df, "y", ["x", "d"], categorical={}, weight="weight", prior_sd=0.5)
    np.testing.assert_allclose(a.table["coef"], b.table["coef"], rtol=1e-8)


def test_prior_sd_needs_the_exact_robust_fit():
    df = _simulate(200, slopes_x=(0.8,) * 4, seed=10)
    with pytest.raises(ValueError, match="prior_sd"):
        fit_ologit(df, "y", ["x"], categorical={}, weight="weight", prior_sd=1.0, convergence="stata")


# --------------------------------------------------------------------------- the specification on the twin
@pytest.fixture(scope="module")
def twin_frame():
    df = load_survey(paths.SYNTHETIC / "twin.csv")
    return fitting.model_frame(df, weights_for(df))


def test_each_models_sample_has_the_printed_number_of_observations(twin_frame):
    pub = load_published("table_4")
    printed = pub[pub["statistic"].eq("n")].set_index("column")["value"]
    for spec in modelspec.load_specs():
        sample, categorical = fitting.estimation_sample(twin_frame, spec)
        assert len(sample) == printed[spec.column], spec.column
        assert categorical == spec.categorical
        merged, cat = fitting.estimation_sample(twin_frame, spec, {"education": {1: 2}})
        assert len(merged) == len(sample)  # merging never drops anyone
        assert cat["education"] == 2 and 1 not in set(merged["education"])


@pytest.mark.filterwarnings("ignore::scsrepro.survey.models.SeparationWarning")
def test_fit_reproduces_table_4(twin_frame):
    spec = modelspec.load_specs()[0]
    f = fitting.fit(twin_frame, spec)
    ours = fitting.tidy(f).set_index("term")
    ref = tables.table_4(load_survey(paths.SYNTHETIC / "twin.csv")).set_index("id")
    assert ours.loc["educ_3", "coef"] == ref.loc["t4_m1_educ_3_coef", "reproduced"]
    assert f.keys["gender"] == "male" and f.keys["income_group_3"] == "income_3" and f.keys["cut2"] == "cut2"
    assert f.result.coding["education_3"] == ("education", 3) and f.result.coding["age"] == ("age", None)
    assert modelspec.table4_key("education", 1) == "educ_1"  # a merged base level still names its level


def test_weighted_vs_unweighted_shapes(twin_frame):
    spec = modelspec.load_specs()[0]
    out = robustness.weighted_vs_unweighted(twin_frame, [spec])
    assert list(out["term"]) == spec.terms(modelspec.term_keys())
    assert np.allclose(out["shift"], (out["coef_unweighted"] - out["coef_weighted"]) / out["se_weighted"])


# --------------------------------------------------------------------------- estimates without a finite value
def _result(coef: dict, se: dict) -> OlogitResult:
    """A hand-made fit result with the given slopes and standard errors."""
    terms = list(coef)
    table = pd.DataFrame({"term": terms, "coef": [coef[t] for t in terms], "se": [se[t] for t in terms]})
    return OlogitResult(table=table, nobs=100, n_dropped=0, ll=-1.0, ll_null=-2.0, pseudo_r2=0.5,
                        cov=pd.DataFrame(), cov_type="robust", converged=True)


def test_estimate_text_prints_finite_estimates():
    res = _result({"x": 1.23456, "cut1": -19.5}, {"x": 0.1234, "cut1": 2.0})
    assert robustness.estimate_text(res, "x") == "1.235"
    assert robustness.estimate_text(res, "x", "se", "{:.2f}") == "0.12"
    assert robustness.estimate_text(res, "cut1", fmt="{:.1f}") == "-19.5"  # inside the bound
    assert not robustness.diverges(res, "cut1")


def test_estimate_text_reports_divergence_instead_of_a_number():
    res = _result({"a": -25.0033, "b": 25.3, "c": np.inf, "d": 0.5}, {"a": 6677.8, "b": 5790.9, "c": np.nan, "d": np.nan})
    assert robustness.DIVERGENCE_BOUND == 20
    for term in ("a", "b", "c"):
        assert robustness.diverges(res, term)
        assert robustness.estimate_text(res, term) == "diverges (|b| > 20)"
        assert robustness.estimate_text(res, term, "se") == "unbounded"
    # a finite coefficient whose standard error could not be computed
    assert robustness.estimate_text(res, "d") == "0.500"
    assert robustness.estimate_text(res, "d", "se") == "unbounded"
    # the bound can be chosen
    assert robustness.estimate_text(res, "a", bound=30, fmt="{:.1f}") == "-25.0"
    with pytest.raises(ValueError, match="what"):
        robustness.estimate_text(res, "a", "p")


@pytest.mark.filterwarnings("ignore::scsrepro.survey.models.SeparationWarning")
def test_estimate_text_on_a_separated_fit():
    """Run to convergence, a separated slope runs past the bound; Stata's rule stops short of it."""
    df = _simulate(800, slopes_x=(0.8,) * 4, seed=8)
    df["z"] = 0.0
    df.loc[df["y"].eq(5).to_numpy().nonzero()[0][:5], "z"] = 1.0  # z = 1 only among top answers
    exact = fit_ologit(df, "y", ["x", "z"], categorical={}, weight="weight", convergence="exact")
    stata = fit_ologit(df, "y", ["x", "z"], categorical={}, weight="weight", convergence="stata")
    assert abs(exact.coef()["z"]) > robustness.DIVERGENCE_BOUND
    assert robustness.estimate_text(exact, "z") == "diverges (|b| > 20)"
    assert robustness.estimate_text(exact, "z", "se") == "unbounded"
    assert robustness.estimate_text(exact, "x") == f"{exact.coef()['x']:.3f}"
    assert robustness.estimate_text(stata, "z") == f"{stata.coef()['z']:.3f}"


def test_po_test_reports_a_separated_small_group_as_not_estimable_and_tests_the_rest():
    """A small base level whose respondents all answer at the top separates both binary logits.

    Before, the Wald statistics of its dummies were noise (or the covariance
    was singular: ``LinAlgError``, as on the second dataset's small region).
    """
    df = _simulate(800, slopes_x=(0.8,) * 4, seed=8)
    df["g"] = 2.0 + (df["x"] > 0)
    df.loc[df.index[:6], ["g", "y"]] = [1.0, 5.0]  # six respondents in level 1, all at the top
    res = robustness.proportional_odds_test(df, "y", ["x", "d", "g"], {"g": 1}, "weight", thresholds=[3, 4])
    assert set(res.not_estimable) == {"g_2", "g_3"}
    assert all(m.startswith("not estimable on these data") and "g=1" in m for m in res.not_estimable.values())
    tab = res.table.set_index("term")
    assert list(tab.index) == ["x", "d", "g_2", "g_3", "all"]
    assert tab.loc[["g_2", "g_3"], ["b_gt_3", "b_gt_4", "chi2", "p", "p_holm"]].isna().all().all()
    assert np.isfinite(tab.loc[["x", "d"], "p"]).all() and np.isfinite(tab.loc["all", "p"])
    assert tab.loc["all", "df"] == 2  # the omnibus test covers the estimable slopes only


def test_a_singular_wald_covariance_gives_no_statistic_instead_of_an_error():
    theta = np.array([0.0, 1.0, 0.0, 2.0])
    chi2, df = robustness._wald(theta, np.zeros((4, 4)), [0], J=2, q=2)
    assert np.isnan(chi2) and df == 1
