"""Relaxing proportional odds where the test rejects it: partial proportional-odds fits of Table 4.

The proportional-odds test of the Models chapter
(:func:`scsrepro.paper.robustness.proportional_odds_test`, answers 1-3
collapsed, "no formal education" merged into "low") flags terms whose
effect differs between the thresholds. For each model, this module refits
it as a partial proportional-odds model (:func:`scsrepro.survey.gologit.fit_gologit`,
Stata's ``gologit2 ..., npl(<flagged>)``) in which exactly the flagged terms
get one slope per threshold, on the same outcome and sample as the test,
and compares it with the ordered logit of that outcome:

* Wald tests that each freed term's slopes are equal across the
  thresholds (and all of them at once), from the partial fit;
* the average predicted probability of each answer at set values of each
  freed variable, under both models (:func:`predicted_comparison`).

With nothing flagged a model is not refitted (the ordered logit stands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.paper import modelspec
from scsrepro.paper.fitting import design, estimation_sample
from scsrepro.survey.gologit import GologitResult, fit_gologit
from scsrepro.survey.margins import average_predictions

__all__ = [
    "COLLAPSE",
    "PartialFit",
    "collapsed_sample",
    "fit_partial",
    "fit_flagged",
    "wald_table",
    "predicted_comparison",
]

#: How the outcome is collapsed, as for the proportional-odds test: answers
#: 1-3 (disapproval or neutrality) become 3, so the categories are 3, 4 and 5.
COLLAPSE: dict[float, float] = {1.0: 3.0, 2.0: 3.0}


@dataclass(frozen=True)
class PartialFit:
    """A model refitted with its flagged terms free, and the ordered logit on the same outcome.

    Attributes
    ----------
    spec : ModelSpec
    free : tuple of str
        The design columns with threshold-specific slopes.
    partial : GologitResult
    ordered : GologitResult
        The same model with nothing free (the ordered logit of the collapsed outcome).
    merge : dict or None
        The factor levels merged.
    keys : dict
        Table 4 key of each design column.
    """

    spec: modelspec.ModelSpec
    free: tuple[str, ...]
    partial: GologitResult
    ordered: GologitResult
    merge: dict | None = None
    keys: dict[str, str] | None = None


def collapsed_sample(
    frame: pd.DataFrame, spec: modelspec.ModelSpec, merge: Mapping[str, Mapping] | None = None
) -> tuple[pd.DataFrame, dict]:
    """*spec*'s listwise sample with the outcome collapsed by :data:`COLLAPSE`, and its factors' bases."""
    sample, categorical = estimation_sample(frame, spec, merge)
    sample[spec.outcome] = sample[spec.outcome].replace(COLLAPSE)
    return sample, categorical


def fit_partial(
    frame: pd.DataFrame,
    spec: modelspec.ModelSpec,
    free: Sequence[str],
    merge: Mapping[str, Mapping] | None = None,
) -> PartialFit:
    """Fit *spec* with the design columns *free* given threshold-specific slopes.

    Parameters
    ----------
    frame : DataFrame
        From :func:`scsrepro.paper.fitting.model_frame`.
    spec : ModelSpec
    free : sequence of str
        Design columns (e.g. ``"education_4"``, as the proportional-odds
        test names them) or covariates (a factor frees all its dummies).
    merge : mapping, optional
        Factor levels to merge, as for :func:`scsrepro.paper.fitting.estimation_sample`.
    """
    sample, categorical = collapsed_sample(frame, spec, merge)
    args = dict(
        df=sample, outcome=spec.outcome, covariates=list(spec.covariates), categorical=categorical, weight=spec.weight
    )
    partial = fit_gologit(**args, free=list(free))
    ordered = fit_gologit(**args, free=())
    _, keys = design(sample, spec, categorical)
    return PartialFit(spec, tuple(free), partial, ordered, dict(merge) if merge else None, keys)


def fit_flagged(
    frame: pd.DataFrame,
    specs: Mapping[int, modelspec.ModelSpec],
    flagged: pd.DataFrame,
    merge: Mapping[str, Mapping] | None = None,
) -> dict[int, PartialFit]:
    """One :func:`fit_partial` per model with flagged terms.

    *flagged* is :func:`scsrepro.paper.model_summaries.flagged_terms`
    (index ``(model column, term)``); models without a flagged term are
    left out.
    """
    by_column = {s.column: m for m, s in specs.items()}
    out = {}
    for column, rows in flagged.groupby(level="model", sort=False):
        m = by_column[column]
        out[m] = fit_partial(frame, specs[m], list(rows.index.get_level_values("term")), merge)
    return dict(sorted(out.items()))


def wald_table(fits: Mapping[int, PartialFit]) -> pd.DataFrame:
    """The equality tests of every partial fit, with its slopes per threshold.

    Returns
    -------
    DataFrame
        ``model``, ``term`` (a freed column's Table 4 key, or ``all``), ``ordered`` (its
        slope in the ordered logit), one column per threshold with its slope
        in the partial model (``b_gt_<level>``), ``chi2``, ``df``, ``p``,
        and, per model, ``ll_ordered``, ``ll_partial`` and ``n_negative``
        (respondents with a negative predicted probability).
    """
    rows = []
    for pf in fits.values():
        coefs = pf.partial.coef_table()
        shared = pf.ordered.coef_table()
        levels = pf.partial.outcome_levels
        for t in pf.partial.tests.itertuples(index=False):
            row = {"model": pf.spec.column, "term": (pf.keys or {}).get(t.term, t.term)}
            if t.term != "all":
                row["ordered"] = float(shared.loc[t.term, 1])
                for j, level in enumerate(levels[:-1], start=1):
                    row[f"b_gt_{level:g}"] = float(coefs.loc[t.term, j])
            row.update(chi2=t.chi2, df=t.df, p=t.p)
            row.update(ll_ordered=pf.ordered.loglike, ll_partial=pf.partial.loglike, n_negative=pf.partial.n_negative)
            rows.append(row)
    return pd.DataFrame(rows)


def _values(sample: pd.DataFrame, variable: str, categorical: Mapping) -> list:
    """The values a freed variable is set to: a factor's levels, 0 and 1, or its 10th, 50th and 90th percentiles."""
    if variable in categorical:
        return sorted(sample[variable].unique().tolist())
    x = sample[variable].to_numpy(dtype=float)
    if set(np.unique(x)) <= {0.0, 1.0}:
        return [0.0, 1.0]
    return sorted(set(np.round(np.percentile(x, [10, 50, 90])).tolist()))


def predicted_comparison(frame: pd.DataFrame, pf: PartialFit) -> pd.DataFrame:
    """Average predicted probability of each answer at values of each freed variable, under both models.

    Every respondent of the sample is given the value, keeps his or her
    other answers, and the probabilities are averaged with the weights.
    The partial model's probabilities have numerical derivatives (the
    delta-method SEs come from :func:`scsrepro.survey.margins.average_predictions`).

    Returns
    -------
    DataFrame
        ``model``, ``variable``, ``value``, ``outcome``, ``ordered``,
        ``partial`` (probabilities), ``se_ordered``, ``se_partial`` and
        ``difference`` (partial minus ordered).
    """
    sample, categorical = collapsed_sample(frame, pf.spec, pf.merge)
    X, _ = design(sample, pf.spec, categorical)
    w = sample[pf.spec.weight].to_numpy(dtype=float)
    coding = X.attrs["coding"]
    variables = list(dict.fromkeys(coding[c][0] for c in pf.partial.free_columns))
    parts = []
    for variable in variables:
        values = _values(sample, variable, categorical)
        got = {}
        for name, res in (("ordered", pf.ordered), ("partial", pf.partial)):
            got[name] = average_predictions(
                res.prob,
                res.theta,
                res.cov.to_numpy(dtype=float),
                X,
                w,
                variable=variable,
                values=values,
                base=categorical.get(variable),
                outcome_levels=res.outcome_levels,
            ).set_index(["value", "outcome"])
        both = pd.DataFrame(
            {
                "ordered": got["ordered"]["probability"],
                "partial": got["partial"]["probability"],
                "se_ordered": got["ordered"]["se"],
                "se_partial": got["partial"]["se"],
            }
        ).reset_index()
        both.insert(0, "variable", variable)
        parts.append(both)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "model", pf.spec.column)
    out["difference"] = out["partial"] - out["ordered"]
    return out
