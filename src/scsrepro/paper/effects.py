"""Effects of Table 4's covariates on the probability scale.

Log-odds coefficients are hard to read and cannot be compared across
models with different covariates: a logit coefficient is scaled by the
unexplained variance, which changes whenever a covariate is added
(Mood 2010). Average marginal effects (AMEs) on the probability of an
answer have neither problem. This module computes them for a fitted Table 4
model through :mod:`scsrepro.survey.margins`, keyed by Table 4's term names:

``model_ames``
    the AME of every covariate on the probability of each answer and of
    approving ("somewhat" or "strongly", :data:`SETS`), delta-method SEs
    from the fit's robust covariance;
``model_predictions``
    the average predicted probability of every answer with one covariate
    set to each of its values for everyone.

Factors' dummies are changes from the base level; a 0/1 covariate is the
change from 0 to 1; a numeric covariate is the derivative (per unit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from scsrepro.paper.fitting import Fit, design
from scsrepro.survey.margins import average_marginal_effects, average_predictions, from_ologit_result

__all__ = ["SETS", "model_ames", "model_predictions"]

#: Sets of answers whose summed probability is reported beside each answer.
SETS: dict[str, tuple[int, ...]] = {"approve": (4, 5)}


def _pieces(f: Fit):
    model, theta, V, levels = from_ologit_result(f.result)
    X, keys = design(f.sample, f.spec, f.categorical)
    w = f.sample[f.spec.weight].to_numpy(dtype=float) if f.weighted else None
    return model, theta, V, levels, X, keys, w


def model_ames(f: Fit, sets: Mapping[str, Sequence[int]] = SETS) -> pd.DataFrame:
    """AMEs of every covariate of *f* on each answer and on each set of answers.

    Returns
    -------
    DataFrame
        ``model`` (Table 4 column), ``term`` (Table 4 key), ``outcome``
        (the answer's code as text, or the set's name), ``ame``, ``se``,
        ``z``, ``p``, ``ci_low``, ``ci_high``, ``kind`` (``dydx`` or
        ``discrete``), ``nobs``.
    """
    model, theta, V, levels, X, keys, w = _pieces(f)
    present = {k: tuple(c for c in v if c in levels) for k, v in sets.items()}
    out = average_marginal_effects(model, theta, V, X, w, sets=present, outcome_levels=levels)
    out["term"] = out["term"].map(keys)
    out.insert(0, "model", f.spec.column)
    out["nobs"] = f.result.nobs
    return out


def model_predictions(f: Fit, variable: str, values: Sequence | None = None) -> pd.DataFrame:
    """Average predicted probability of every answer (and of approving) at each value of *variable*.

    Returns
    -------
    DataFrame
        ``model``, ``variable``, ``value``, ``outcome``, ``probability``,
        ``se``, ``ci_low``, ``ci_high`` (logit-scale 95 % interval).
    """
    model, theta, V, levels, X, _, w = _pieces(f)
    base = f.categorical.get(variable)
    present = {k: tuple(c for c in v if c in levels) for k, v in SETS.items()}
    out = average_predictions(
        model, theta, V, X, w, variable=variable, values=values, base=base, sets=present, outcome_levels=levels
    )
    out.insert(0, "model", f.spec.column)
    return out
