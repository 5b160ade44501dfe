"""Separation and the weights: a Firth-type refit of the separated terms, and the DuMouchel-Duncan test.

Model 5's education contrasts have no finite estimate on the data (a level
whose few respondents all give one answer). The Models chapter shows the
paper's Stata stopping point, a merged coding and a normal prior on every
slope. A narrower remedy penalises only the separated terms with Jeffreys'
prior (Firth's correction) and leaves every other term to maximum
likelihood; profile penalised-likelihood intervals then replace Wald
intervals, which are meaningless for them
(:func:`scsrepro.survey.penalised.fit_firth_subset`,
:func:`~scsrepro.survey.penalised.profile_interval`).

The DuMouchel-Duncan test asks of each model whether weighting changes the
estimates beyond sampling error (:func:`scsrepro.survey.penalised.dumouchel_duncan`):
if not, the unweighted fit is as valid and more precise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.paper import modelspec
from scsrepro.paper.fitting import Fit, design, estimation_sample
from scsrepro.survey.penalised import FirthFit, dumouchel_duncan, fit_firth_subset, profile_interval

__all__ = ["separated_columns", "FirthRefit", "firth_refit", "weights_tests"]


def separated_columns(f: Fit) -> list[str]:
    """Design columns of *f* whose estimate runs off (``large_coefficient`` diagnostics), in design order."""
    flagged = {d.term for d in f.result.diagnostics if d.kind == "large_coefficient"}
    return [t for t in f.result.table["term"] if t in flagged]


@dataclass(frozen=True)
class FirthRefit:
    """A model refitted with only its separated terms penalised.

    Attributes
    ----------
    fit : FirthFit
    penalised : list of str
        The penalised design columns.
    comparison : DataFrame
        One row per slope: ``term`` (Table 4 key), ``penalised`` (bool),
        ``firth`` (the estimate), ``plain`` (the fit it replaces), and for
        the penalised terms the profile interval ``lower``, ``upper`` and
        whether a side is open (``lower_open``, ``upper_open``).
    """

    fit: FirthFit
    penalised: list[str]
    comparison: pd.DataFrame


def firth_refit(
    f: Fit,
    terms: Sequence[str] | None = None,
    xtol: float = 1e-6,
    profile: Sequence[str] | None = None,
) -> FirthRefit:
    """Refit *f*'s model penalising only *terms* (default :func:`separated_columns`).

    Parameters
    ----------
    f : Fit
        The fit to compare with (its sample, factor bases and weights are used).
    terms : sequence of str, optional
        Design columns to penalise.
    xtol : float
        Precision of the profile interval's bounds (the book shows two decimals).
    profile : sequence of str, optional
        The penalised terms to give a profile interval (default all of
        them; each costs a series of refits).
    """
    terms = separated_columns(f) if terms is None else list(terms)
    if not terms:
        raise ValueError(f"{f.spec.column}: no term to penalise")
    X, keys = design(f.sample, f.spec, f.categorical)  # the fit's own sample and factor bases
    weights = f.sample[f.spec.weight].to_numpy(dtype=float) if f.weighted else None
    fitted = fit_firth_subset(X, f.sample[f.spec.outcome].to_numpy(), weights, penalised=terms)
    intervals = profile_interval(fitted, terms=list(terms if profile is None else profile), xtol=xtol)
    intervals = intervals.set_index("term")
    plain = f.result.table.set_index("term")["coef"]
    rows = []
    for k, name in enumerate(X.columns):
        row = {
            "term": keys[name],
            "penalised": name in terms,
            "firth": float(np.asarray(fitted.params)[k]),
            "plain": plain[name],
        }
        if name in intervals.index:
            iv = intervals.loc[name]
            row.update(lower=iv["lower"], upper=iv["upper"], lower_open=iv["lower_open"], upper_open=iv["upper_open"])
        rows.append(row)
    return FirthRefit(fitted, terms, pd.DataFrame(rows))


def weights_tests(frame: pd.DataFrame, specs: Mapping[int, modelspec.ModelSpec]) -> pd.DataFrame:
    """The DuMouchel-Duncan test of every model.

    Returns
    -------
    DataFrame
        ``model`` (Table 4 column), ``statistic``, ``df``, ``p``,
        ``converged`` (whether the test could be computed: the augmented
        fit reached a maximum and the covariance of its augmenting terms is
        invertible; if not, e.g. under separation, ``statistic`` and ``p``
        are missing), ``dropped`` (augmenting terms collinear with the design)
        and ``status`` (the Newton loop's own word, or ``singular
        covariance`` from :func:`~scsrepro.survey.penalised.dumouchel_duncan`; for a fit without a
        finite maximum it depends on where the arithmetic gives up --
        ``maxiter`` on one machine, ``singular`` on another -- so it is kept
        as data and not shown in the book).
    """
    rows = []
    for spec in specs.values():
        sample, categorical = estimation_sample(frame, spec)
        X, _ = design(sample, spec, categorical)
        test = dumouchel_duncan(X, sample[spec.outcome].to_numpy(), sample[spec.weight].to_numpy(dtype=float))
        valid = test.status == "converged"
        rows.append(
            {
                "model": spec.column,
                "statistic": test.statistic if valid else float("nan"),
                "df": test.df,
                "p": test.p_value if valid else float("nan"),
                "converged": valid,
                "dropped": ", ".join(test.dropped),
                "status": test.status,
            }
        )
    return pd.DataFrame(rows)
