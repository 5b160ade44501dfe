"""The verdict rule of scsrepro.paper.hypotheses, and the spec the hypotheses rest on.

The rule is tested on constructed coefficient tables whose verdict is known
by hand; the last tests check that every hypothesis points to terms that its
model in ``data/models.yml`` really estimates and that each model's terms are
the rows Table 4 prints for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import hypotheses as H
from scsrepro.paper import modelspec
from scsrepro.paper.published import load_hypotheses, load_published


# --------------------------------------------------------------------------- single coefficient
@pytest.mark.parametrize(
    "coef, se, sign, supported, direction",
    [
        (0.5, 0.1, "+", True, "expected"),  # z = 5
        (-0.5, 0.1, "-", True, "expected"),
        (0.5, 0.1, "-", False, "opposite"),  # significant, wrong way
        (0.1, 0.1, "+", False, "expected"),  # z = 1: right way, not significant
        (-0.1, 0.1, "+", False, "opposite"),
    ],
)
def test_single_coefficient(coef, se, sign, supported, direction):
    v = H.verdict([coef], [se], sign)
    assert v.supported is supported
    assert v.direction == direction
    assert v.label == ("supported" if supported else "not supported")


def test_threshold_is_strict_and_two_sided():
    z = 1.959963984540054  # two-sided p = 0.05 exactly
    assert not H.verdict([z], [1.0], "+").supported
    assert H.verdict([z + 1e-6], [1.0], "+").supported
    assert H.verdict([z + 1e-6], [1.0], "+").p == pytest.approx(0.05, abs=1e-6)
    # a looser level turns the same estimate into support
    assert H.verdict([1.8], [1.0], "+", alpha=0.1).supported
    assert not H.verdict([1.8], [1.0], "+").supported


# --------------------------------------------------------------------------- factors
def test_factor_all_expected_one_significant_after_bonferroni():
    # p of 2.5/1 = 0.0124; times 3 dummies = 0.037 < 0.05
    v = H.verdict([-0.2, -0.5, -2.5], [1.0, 1.0, 1.0], "-")
    assert v.supported and v.direction == "expected"
    assert v.p_adjusted == pytest.approx(3 * v.p)


def test_factor_significant_alone_but_not_after_bonferroni():
    # z = 2.1: p = 0.0357 < 0.05, but 3 x 0.0357 = 0.107
    v = H.verdict([-0.2, -0.5, -2.1], [1.0, 1.0, 1.0], "-")
    assert not v.supported
    assert v.p < 0.05 < v.p_adjusted
    assert "not significant" in v.reason


def test_factor_with_mixed_signs_is_never_supported():
    v = H.verdict([-5.0, 0.3], [1.0, 1.0], "-")
    assert not v.supported and v.direction == "mixed"
    assert "different directions" in v.reason


def test_factor_all_opposite():
    v = H.verdict([0.58, 0.73], [0.11, 0.15], "-")
    assert not v.supported and v.direction == "opposite"


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="one standard error per coefficient"):
        H.verdict([1.0, 2.0], [1.0], "+")
    with pytest.raises(ValueError, match="finite"):
        H.verdict([1.0], [0.0], "+")
    with pytest.raises(ValueError, match="expected_sign"):
        H.verdict([1.0], [1.0], "positive")


# --------------------------------------------------------------------------- tables
def _hyp(rows):
    return pd.DataFrame(rows, columns=["id", "hypothesis", "variable", "term", "model", "expected_sign"])


def test_verdict_table_on_a_constructed_table():
    hyp = _hyp(
        [
            ("h1", "H1", "x", "x", 1, "+"),
            ("h2", "H2", "f", "f_2;f_3", 1, "-"),
            ("h3", "H3", "d", "d", 2, "-"),
        ]
    )
    est = pd.DataFrame(
        {
            "model": [1, 1, 1, 2, 1],
            "term": ["x", "f_2", "f_3", "d", "d"],
            "coef": [0.3, -0.4, -0.9, -0.05, 5.0],  # the (1, d) row must not be used for H3
            "se": [0.1, 0.2, 0.2, 0.2, 0.1],
        }
    )
    out = H.verdict_table(hyp, est).set_index("id")
    assert out.loc["h1", "verdict"] == "supported"
    assert out.loc["h2", "verdict"] == "supported"
    assert out.loc["h2", "terms"] == "f_2, f_3"
    assert out.loc["h3", "verdict"] == "not supported"
    assert out.loc["h3", "direction"] == "expected"


def test_flip_reverses_the_expected_sign_only():
    hyp = _hyp([("h15", "H15", "join", "j", 5, "-")])
    est = pd.DataFrame({"model": [5], "term": ["j"], "coef": [-0.5], "se": [0.1]})
    stated = H.verdict_table(hyp, est).iloc[0]
    flipped = H.verdict_table(hyp, est, flip=["h15"]).iloc[0]
    assert (stated["expected_sign"], stated["verdict"]) == ("-", "supported")
    assert (flipped["expected_sign"], flipped["verdict"], flipped["direction"]) == ("+", "not supported", "opposite")
    assert stated["p"] == flipped["p"]
    with pytest.raises(ValueError, match="not in the table"):
        H.verdict_table(hyp, est, flip=["h99"])


def test_missing_term_is_an_error():
    hyp = _hyp([("h1", "H1", "x", "x", 3, "+")])
    est = pd.DataFrame({"model": [1], "term": ["x"], "coef": [0.3], "se": [0.1]})
    with pytest.raises(KeyError, match="H1"):
        H.verdict_table(hyp, est)


def test_the_rule_reproduces_the_papers_verdicts_on_the_printed_table():
    """Applied to the printed Table 4, the stated rule gives the paper's 21 verdicts."""
    hyp = load_hypotheses()
    printed = H.estimates_from_published(load_published("table_4"))
    out = H.verdict_table(hyp, printed)
    assert list(out["verdict"]) == list(hyp["verdict"])
    h15 = out.set_index("id").loc["h15"]
    # stated coding: negative estimate = the direction H15 predicts, but far from significant
    assert h15["direction"] == "expected" and h15["p"] > 0.5


def test_estimates_from_published_has_every_coefficient_with_its_se():
    printed = H.estimates_from_published(load_published("table_4"))
    assert len(printed) == 113
    assert printed[["coef", "se"]].notna().all().all()
    row = printed.set_index(["model", "term"]).loc[(1, "age")]
    assert (row["coef"], row["se"]) == (0.0147, 0.00549)


# --------------------------------------------------------------------------- the specification
def test_every_hypothesis_term_is_estimated_by_its_model():
    keys = modelspec.term_keys()
    specs = {s.id: s for s in modelspec.load_specs()}
    for h in load_hypotheses().itertuples():
        terms = specs[h.model].terms(keys)
        for t in h.term.split(";"):
            assert t in terms, f"{h.hypothesis}: term {t} is not in model {h.model} of data/models.yml"


def test_each_models_terms_are_the_rows_table_4_prints():
    keys = modelspec.term_keys()
    pub = load_published("table_4")
    coefs = pub[pub["statistic"].eq("coef")]
    for spec in modelspec.load_specs():
        printed = list(coefs.loc[coefs["column"].eq(spec.column), "item"])
        assert spec.terms(keys) == printed, spec.column


def test_a_term_without_a_finite_estimate_is_not_estimable_not_an_error():
    hyp = _hyp([("h1", "H1", "x", "x", 1, "+"), ("h2", "H2", "f", "f_2;f_3", 1, "-")])
    est = pd.DataFrame(
        {"model": [1, 1, 1], "term": ["x", "f_2", "f_3"], "coef": [0.3, float("nan"), -0.9], "se": [0.1, 0.2, 0.2]}
    )
    out = H.verdict_table(hyp, est).set_index("id")
    assert out.loc["h1", "verdict"] == "supported"
    assert out.loc["h2", "verdict"] == H.NOT_ESTIMABLE
    assert out.loc["h2", "reason"] == "not estimable on these data: no finite estimate and standard error for f_2"
    assert pd.isna(out.loc["h2", "p"])


# --------------------------------------------------------------------------- the sharper rule
def _hyp(rows):
    return pd.DataFrame(rows, columns=["id", "hypothesis", "variable", "term", "model", "expected_sign"])


def test_holm_equals_r_p_adjust_and_keeps_missing():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "holm") = 0.04 0.09 0.09 0.50
    got = H.holm([0.01, 0.04, float("nan"), 0.03, 0.5])
    assert got[[0, 1, 3, 4]] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert pd.isna(got[2])


def test_joint_wald_with_a_diagonal_covariance_is_the_sum_of_squared_z():
    chi2, df, p = H.joint_wald([0.2, -0.3], [[0.01, 0.0], [0.0, 0.04]])
    assert (chi2, df) == (pytest.approx(4.0 + 2.25), 2)
    with pytest.raises(ValueError, match="positive definite"):
        H.joint_wald([1.0, 1.0], [[1.0, 2.0], [2.0, 1.0]])


def test_three_outcomes_joint_tests_and_holm_on_a_constructed_table():
    hyp = _hyp([
        ("h1", "up", "x", "x", 1, "+"),  # z = 5: supported
        ("h2", "down", "y", "y", 1, "-"),  # z = +3: significant the other way
        ("h3", "up", "u", "u", 1, "+"),  # z = 1: not significant
        ("h4", "factor", "f", "f_2; f_3", 1, "-"),  # both negative, each z = -1.5
        ("h5", "mixed", "g", "g_2; g_3", 1, "+"),  # signs differ, jointly significant
        ("h6", "borderline", "v", "v", 1, "+"),  # z = 2.1: p = 0.036, not after Holm
    ])
    est = pd.DataFrame({
        "model": 1,
        "term": ["x", "y", "u", "f_2", "f_3", "g_2", "g_3", "v"],
        "coef": [0.5, 0.3, 0.1, -0.15, -0.15, 0.5, -0.1, 0.21],
        "se": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
    })
    # f_2 and f_3 almost perfectly correlated: jointly no stronger than one alone
    cov = pd.DataFrame(0.0, index=est["term"], columns=est["term"])
    for t in est["term"]:
        cov.loc[t, t] = 0.01
    cov.loc["f_2", "f_3"] = cov.loc["f_3", "f_2"] = 0.0099
    out = H.sharp_verdict_table(hyp, est, {1: cov}).set_index("id")
    assert out["outcome"].tolist() == [
        "supported", "contradicted", "not significant", "not significant", "contradicted", "supported"]
    assert out.loc["h4", "test"] == "joint Wald chi2(2)" and out.loc["h4", "df"] == 2
    assert out.loc["h4", "p"] > 0.1  # the Bonferroni bound would say 2 * 0.134 = 0.27 too
    assert out.loc["h6", "outcome_holm"] == "not significant"
    assert out.loc["h1", "outcome_holm"] == "supported"
    assert set(out["outcome"]) <= set(H.OUTCOMES)
    # without covariances a factor falls back to the Bonferroni bound
    plain = H.sharp_verdict_table(hyp, est).set_index("id")
    assert plain.loc["h4", "test"].startswith("Bonferroni")
    assert plain.loc["h4", "p"] == pytest.approx(min(1.0, 2 * 0.13361440253771617), rel=1e-9)


def test_sharp_rule_on_the_printed_table_splits_the_papers_not_supported():
    hyp = load_hypotheses()
    out = H.sharp_verdict_table(hyp, H.estimates_from_published(load_published("table_4")))
    plain = H.verdict_table(hyp, H.estimates_from_published(load_published("table_4")))
    # every 'supported' of the old rule is 'supported' here and vice versa for single terms
    single = ~out["terms"].str.contains(",")
    assert (out.loc[single, "outcome"].eq("supported") == plain.loc[single, "verdict"].eq("supported")).all()
    assert len(out) == len(hyp) and out["p_holm"].ge(out["p"]).all()


def test_holm_equals_statsmodels_multipletests():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(5).uniform(0, 0.2, 30)
    np.testing.assert_allclose(H.holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
