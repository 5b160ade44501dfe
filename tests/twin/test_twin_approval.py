"""Building blocks of the twin's approval calibration (``scsrepro.twin.approval``).

The end-to-end result (the committed twin and its scoreboard) is checked in
``test_twin_data.py``; these tests pin down the pieces on small simulated
data: the fast refit agrees with the validated estimator, the influence
function predicts what one changed answer does, and the exact stars search
never gives up a target that passed.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from scsrepro.twin import approval as ta
from scsrepro.survey.models import fit_ologit
from scsrepro.survey.ordered_logit import ordered_logit_pieces, ordered_logit_scores


def simulate(n: int = 600, seed: int = 3, small: int = 0):
    """Ordered-logit data with two covariates and weights; *small* rows form a base group."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    g = (rng.random(n) < 0.5).astype(float)
    if small:
        g[:small] = 0.0
        g[small:] = 1.0
    X = np.column_stack([x1, g])
    eta = X @ np.array([0.8, 0.6]) + rng.logistic(size=n)
    y = np.digitize(eta, [-2.0, -0.8, 0.6, 1.9]) + 1
    w = rng.uniform(0.5, 2.0, size=n)
    return X, y, w


def design(X, y, w, target=None, target_se=None, stars=None):
    p = X.shape[1]
    q = p + 4
    d = ta.Design(
        spec=SimpleNamespace(id=1, column="Model 1"),
        rows=np.arange(len(y)),
        X=X,
        w=w,
        terms=[f"x{j}" for j in range(p)],
        target=np.zeros(q) if target is None else np.asarray(target, float),
        target_se=np.ones(q) if target_se is None else np.asarray(target_se, float),
        active=np.ones(q, bool),
        target_stars=list(stars or [""] * q),
    )
    ta.refit(d, y)
    return d


def test_pieces_give_the_numerical_gradient():
    X, y, w = simulate(200)
    theta = np.array([0.5, 0.3, -1.5, -0.5, 0.5, 1.5])

    def ll(t):
        c = np.concatenate(([-np.inf], t[2:], [np.inf]))
        xb = X @ t[:2]
        from scipy.special import expit

        return np.sum(w * np.log(expit(c[y] - xb) - expit(c[y - 1] - xb)))

    ga, gb, *_ , Ja, Jb = ordered_logit_pieces(X, y, theta)
    analytic = w @ (ga[:, None] * Ja + gb[:, None] * Jb)
    eps = 1e-6
    numeric = np.array([(ll(theta + eps * e) - ll(theta - eps * e)) / (2 * eps) for e in np.eye(6)])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_fast_refit_matches_the_validated_estimator():
    X, y, w = simulate()
    d = design(X, y, w)  # first fit: from scratch
    y2 = y.copy()
    y2[:25] = np.clip(y2[:25] + 1, 1, 5)
    ta.refit(d, y2)  # second fit: Newton steps from the first
    df = pd.DataFrame({"y": y2, "x0": X[:, 0], "x1": X[:, 1], "w": w})
    ref = fit_ologit(df, "y", ["x0", "x1"], weight="w")
    np.testing.assert_allclose(d.theta, ref.coef().to_numpy(), atol=1e-6)
    np.testing.assert_allclose(d.se, ref.se().to_numpy(), rtol=1e-5)


def test_newton_refit_reports_failure_instead_of_returning_nonsense():
    X, y, w = simulate(100)
    bad = np.array([0.0, 0.0, 1.0, 0.0, -1.0, 2.0])  # cut points out of order
    d = design(X, y, w)
    d.theta = bad
    assert ta.newton_refit(d, y[d.rows], maxiter=1) is None


def test_influence_function_predicts_one_changed_answer():
    X, y, w = simulate()
    d = design(X, y, w)
    before = d.theta.copy()
    cal = ta.Calibration([d], np.ones(len(y)))
    i = int(np.flatnonzero(y == 3)[0])
    s0 = ordered_logit_scores(X, y, d.theta)
    y1 = y.copy()
    y1[i] += 1
    s1 = ordered_logit_scores(X, y1, d.theta)
    predicted = (d.hinv @ ((s1[i] - s0[i]) * w[i]))
    ta.refit(d, y1)
    exact = d.theta - before
    np.testing.assert_allclose(predicted, exact, rtol=0.1, atol=1e-4)
    assert cal.objective(y1) >= 0


def test_predicted_se_change_has_the_right_sign_for_a_small_base_group():
    # a base group of 12 with one extreme answer: moving that answer towards
    # the group's middle must shrink the SE of the group contrast, and the
    # prediction (only the SE term is switched on) must say so
    X, y, w = simulate(800, small=12)
    y = y.copy()
    y[:12] = 3
    y[0] = 1
    d = design(X, y, w)
    d.target = d.theta.copy()
    z = np.abs(d.theta / d.se)
    d.target_stars = [next(s for s, (lo, hi) in ta.STAR_BANDS.items() if lo <= v < hi) for v in z]
    cal = ta.Calibration([d], np.ones(len(y)), use_stars=True, se_weight=1.0, coef_weight=0.0)
    d.target_se = d.se * 0.5  # ask for smaller SEs
    d.active = np.array([False, True, False, False, False, False])  # the contrast only
    _, up = ta._predicted_changes(cal, y)
    se_before = d.se[1]
    ta.refit(d, np.where(np.arange(len(y)) == 0, 2, y))
    assert d.se[1] < se_before
    assert up[0] < 0


def test_exact_search_never_loses_a_passing_target_and_lowers_the_objective():
    X, y, w = simulate(500, seed=11)
    d = design(X, y, w)
    # targets: the current estimate nudged, so some cells pass and some fail
    d.target_se = np.full(6, 0.05)
    d.target = d.theta + np.array([0.02, 0.2, -0.02, 0.1, 0.0, -0.15])
    d.target_stars = ["***", "*", "***", "***", "***", "***"]
    cal = ta.Calibration([d], np.ones(len(y)), use_stars=True, coef_weight=0.1)
    passing_before = cal.passing(y)
    assert passing_before.any() and not passing_before.all()
    y2, history = ta.polish_exact(cal, y, max_rounds=30, candidates=8, max_checks=400)
    assert len(history) > 1
    assert all(b < a for a, b in zip(history, history[1:]))
    ta.refit(d, y2)
    assert np.all(cal.passing(y2)[passing_before])


def test_exact_search_respects_frozen_answers_and_its_budget():
    X, y, w = simulate(300, seed=5)
    d = design(X, y, w)
    d.target = d.theta + 0.3
    d.target_se = np.full(6, 0.1)
    cal = ta.Calibration([d], np.ones(len(y)))
    frozen = np.zeros(len(y), bool)
    frozen[:150] = True
    y2, _ = ta.polish_exact(cal, y, max_rounds=50, candidates=4, max_checks=20, frozen=frozen)
    assert np.array_equal(y2[:150], y[:150])
    assert np.sum(y2 != y) <= 20


def test_stars_agree_uses_the_printed_bands():
    X, y, w = simulate()
    d = design(X, y, w)
    z = np.abs(d.theta / d.se)
    bands = [next(s for s, (lo, hi) in ta.STAR_BANDS.items() if lo <= v < hi) for v in z]
    d.target_stars = bands
    assert ta.stars_agree(d).all()
    d.target_stars = ["***" if b != "***" else "" for b in bands]
    assert not ta.stars_agree(d).any()


def test_count_weight_adds_a_fixed_cost_per_disagreeing_cell():
    X, y, w = simulate()
    d = design(X, y, w)
    d.target = d.theta.copy()
    z = np.abs(d.theta / d.se)
    d.target_stars = [next(s for s, (lo, hi) in ta.STAR_BANDS.items() if lo <= v < hi) for v in z]
    cal = ta.Calibration([d], np.ones(len(y)), use_stars=True, star_count_weight=5.0)
    base = cal.objective(y)
    d.target_stars = ["***" if s != "***" else "" for s in d.target_stars[:2]] + d.target_stars[2:]
    # two cells now disagree; their smooth penalties add to the fixed cost
    assert cal.objective(y) >= base + 10.0


def test_the_twins_designs_and_refits_equal_the_books_fits():
    """The calibration builds its models with paper.fitting.design and refits them
    with the engine; on the committed twin that gives the book's Table 4 fits."""
    from scsrepro.data import paths  # noqa: PLC0415 - test-local imports keep the module's header short
    from scsrepro.data.loading import load_survey  # noqa: PLC0415
    from scsrepro.paper import fitting, modelspec  # noqa: PLC0415
    from scsrepro.paper.weights import weights_for  # noqa: PLC0415

    df = load_survey(paths.SYNTHETIC / "twin.csv")
    w = weights_for(df)
    frame = fitting.model_frame(df, w)
    designs = ta.prepare_designs(df, w)
    y = df["approval"].to_numpy(dtype=int)
    for d in designs:
        d.stata = True  # from scratch with Stata's rule, as fitting.fit does
        ta.refit(d, y)
        f = fitting.fit(frame, d.spec)
        ours = pd.Series(d.theta, index=d.cells)
        book = f.result.params.rename(f.keys)
        assert list(ours.index) == list(book.index), d.spec.id
        np.testing.assert_allclose(ours.to_numpy(), book.to_numpy(), rtol=0, atol=1e-9, err_msg=str(d.spec.id))
        np.testing.assert_allclose(d.se, f.result.bse.to_numpy(), rtol=1e-9, err_msg=str(d.spec.id))
