"""The Table 4 models of the approval calibration and their refits (``scsrepro.twin.designs``).

On small simulated data (the fixtures of ``conftest.py``) the fast refit
agrees with the validated estimator and reports a failure instead of a wrong
answer; on the committed twin the designs and refits give the book's fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting
from scsrepro.paper.weights import weights_for
from scsrepro.survey.models import fit_ologit
from scsrepro.survey.ordered_logit import ordered_logit_pieces
from scsrepro.twin import designs


def test_pieces_give_the_numerical_gradient(simulate):
    X, y, w = simulate(200)
    theta = np.array([0.5, 0.3, -1.5, -0.5, 0.5, 1.5])

    def ll(t):
        c = np.concatenate(([-np.inf], t[2:], [np.inf]))
        xb = X @ t[:2]
        return np.sum(w * np.log(expit(c[y] - xb) - expit(c[y - 1] - xb)))

    ga, gb, *_, Ja, Jb = ordered_logit_pieces(X, y, theta)
    analytic = w @ (ga[:, None] * Ja + gb[:, None] * Jb)
    eps = 1e-6
    numeric = np.array([(ll(theta + eps * e) - ll(theta - eps * e)) / (2 * eps) for e in np.eye(6)])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_fast_refit_matches_the_validated_estimator(simulate, design):
    X, y, w = simulate()
    d = design(X, y, w)  # first fit: from scratch
    y2 = y.copy()
    y2[:25] = np.clip(y2[:25] + 1, 1, 5)
    designs.refit(d, y2)  # second fit: Newton steps from the first
    df = pd.DataFrame({"y": y2, "x0": X[:, 0], "x1": X[:, 1], "w": w})
    ref = fit_ologit(df, "y", ["x0", "x1"], weight="w")
    np.testing.assert_allclose(d.theta, ref.coef().to_numpy(), atol=1e-6)
    np.testing.assert_allclose(d.se, ref.se().to_numpy(), rtol=1e-5)


def test_newton_refit_reports_failure_instead_of_returning_nonsense(simulate, design):
    X, y, w = simulate(100)
    bad = np.array([0.0, 0.0, 1.0, 0.0, -1.0, 2.0])  # cut points out of order
    d = design(X, y, w)
    d.theta = bad
    assert designs.newton_refit(d, y[d.rows], maxiter=1) is None


def test_the_twins_designs_and_refits_equal_the_books_fits():
    """The calibration builds its models with paper.fitting.design and refits them
    with the engine; on the committed twin that gives the book's Table 4 fits."""
    df = load_survey(paths.SYNTHETIC / "twin.csv")
    w = weights_for(df)
    frame = fitting.model_frame(df, w)
    models = designs.prepare_designs(df, w)
    y = df["approval"].to_numpy(dtype=int)
    for d in models:
        d.stata = True  # from scratch with Stata's rule, as fitting.fit does
        designs.refit(d, y)
        f = fitting.fit(frame, d.spec)
        ours = pd.Series(d.theta, index=d.cells)
        book = f.result.params.rename(f.keys)
        assert list(ours.index) == list(book.index), d.spec.id
        np.testing.assert_allclose(ours.to_numpy(), book.to_numpy(), rtol=0, atol=1e-9, err_msg=str(d.spec.id))
        np.testing.assert_allclose(d.se, f.result.bse.to_numpy(), rtol=1e-9, err_msg=str(d.spec.id))
