"""Summaries of the Table 4 refits that the Models chapter reports.

Each function starts from what :mod:`scsrepro.paper.tables` and
:mod:`scsrepro.paper.robustness` return and computes one comparison the
chapter shows; none of them refits anything that those modules do not:

``compare_cells``
    every printed coefficient and cut point of Table 4 next to its refit:
    the standard errors' relative difference and whether the printed value
    lies outside the refit's 95 % interval;
``education_treatments`` / ``largest_shift``
    Model 5 under the four treatments of its separated education factor,
    and how far the other coefficients move between them;
``probability_panels`` / ``interval_gap``
    average predicted probabilities for groups of covariates, and the
    largest difference between two kinds of intervals;
``proportional_odds_by_model`` / ``proportional_odds_table`` / ``flagged_terms``
    the proportional-odds test of every model, its results in one table,
    and the terms it rejects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.paper import fitting, modelspec, robustness

__all__ = [
    "Z_95",
    "compare_cells",
    "EducationTreatments",
    "education_treatments",
    "largest_shift",
    "probability_panels",
    "interval_gap",
    "proportional_odds_by_model",
    "proportional_odds_table",
    "flagged_terms",
]

#: Normal quantile of the two-sided 95 % interval, as the chapter has always used it.
Z_95 = 1.959964


def compare_cells(t4: pd.DataFrame) -> pd.DataFrame:
    """The coefficient and cut-point rows of Table 4 with the refit compared to the print.

    Parameters
    ----------
    t4 : DataFrame
        :func:`scsrepro.paper.tables.table_4` (columns ``statistic``,
        ``reproduced``, ``se``, ``published``, ``published_se`` ...).

    Returns
    -------
    DataFrame
        The rows with ``statistic`` ``coef`` or ``cut`` (index kept), plus
        ``se_diff_pct`` (refit SE relative to the printed one, in per cent:
        ``100 * (se / published_se - 1)``) and ``outside`` (the printed
        estimate lies outside the refit's 95 % interval).
    """
    cells = t4[t4["statistic"].isin(["coef", "cut"])].copy()
    cells["se_diff_pct"] = 100 * (cells["se"] / cells["published_se"] - 1)
    cells["outside"] = (cells["published"] - cells["reproduced"]).abs() > Z_95 * cells["se"]
    return cells


@dataclass
class EducationTreatments:
    """Model 5 fitted four ways: as in Table 4, with a factor merged, and penalised."""

    stata: fitting.Fit
    merged: fitting.Fit
    penalised: list[fitting.Fit]
    prior_sds: list[float]

    @property
    def fits(self) -> list[fitting.Fit]:
        """All fits in the order the chapter shows them: Stata's rule, merged, penalised."""
        return [self.stata, self.merged, *self.penalised]


def education_treatments(
    frame: pd.DataFrame,
    spec: modelspec.ModelSpec,
    merge: Mapping[str, Mapping],
    prior_sds: Sequence[float],
) -> EducationTreatments:
    """Fit *spec* with Stata's stopping rule, with *merge* applied, and penalised.

    Parameters
    ----------
    frame : DataFrame
        :func:`scsrepro.paper.fitting.model_frame`.
    spec : ModelSpec
        The model (the chapter uses Model 5).
    merge : dict
        ``{variable: {old code: new code}}`` for the merged fit, e.g.
        ``{"education": {1: 2}}``.
    prior_sds : sequence of float
        Prior standard deviations of the penalised fits, one fit each.

    Each fit is :func:`scsrepro.paper.fitting.fit`, labelled for the table.
    """
    return EducationTreatments(
        stata=fitting.fit(frame, spec, label="Stata's stopping rule"),
        merged=fitting.fit(frame, spec, merge=merge, label="none merged with low"),
        penalised=[fitting.fit(frame, spec, prior_sd=s, label=f"penalised, prior SD {s:g}") for s in prior_sds],
        prior_sds=list(prior_sds),
    )


def largest_shift(fits: Sequence[fitting.Fit], exclude_prefix: str = "educ_") -> float:
    """Largest absolute change of a slope between the first fit and any other.

    Cut points and the terms whose Table 4 key starts with *exclude_prefix*
    (the factor the fits treat differently) are left out; the remaining
    slopes are those of the first fit (:func:`scsrepro.paper.fitting.tidy`).
    """
    first = fitting.tidy(fits[0]).set_index("term")["coef"]
    others = [t for t in first.index if not t.startswith("cut") and not t.startswith(exclude_prefix)]
    base = first.loc[others]
    return max((fitting.tidy(f).set_index("term").loc[others, "coef"] - base).abs().max() for f in fits[1:])


def probability_panels(
    fits: Mapping[int, fitting.Fit],
    requests: Mapping[str, Sequence[tuple[int, str]]],
    method: str = "simulation",
    draws: int = 2000,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Average predicted probabilities for groups of covariates, one frame per panel.

    Parameters
    ----------
    fits : dict
        ``{model id: Fit}``.
    requests : dict
        ``{panel title: [(model id, variable), ...]}``.
    method, draws, seed
        Passed to :func:`scsrepro.paper.robustness.predicted_probabilities`.

    Returns
    -------
    dict
        ``{panel title: DataFrame}``, the requested variables' results
        stacked in order (a fresh index).
    """
    return {
        title: pd.concat(
            [
                robustness.predicted_probabilities(fits[m], var, method=method, draws=draws, seed=seed)
                for m, var in request
            ],
            ignore_index=True,
        )
        for title, request in requests.items()
    }


def interval_gap(panels: Mapping[str, pd.DataFrame], other: Mapping[str, pd.DataFrame]) -> float:
    """Largest absolute difference between the interval bounds of two sets of panels.

    *panels* and *other* are :func:`probability_panels` of the same requests
    by two methods (e.g. simulation and delta method); the result is in
    probability units.
    """
    return max(
        np.abs(panels[t][["ci_low", "ci_high"]].to_numpy() - other[t][["ci_low", "ci_high"]].to_numpy()).max()
        for t in panels
    )


def proportional_odds_by_model(
    samples: Mapping[int, tuple[pd.DataFrame, dict]],
    specs: Mapping[int, modelspec.ModelSpec],
    thresholds: Sequence = (3, 4),
) -> dict[int, robustness.POTest]:
    """:func:`scsrepro.paper.robustness.proportional_odds_test` of every model.

    Parameters
    ----------
    samples : dict
        ``{model id: (sample, categorical)}`` from
        :func:`scsrepro.paper.fitting.estimation_sample`.
    specs : dict
        ``{model id: ModelSpec}``.
    thresholds : sequence
        Thresholds ``t`` of the binary outcomes ``approval > t``.
    """
    return {
        m: robustness.proportional_odds_test(
            smp, "approval", specs[m].covariates, cat, "weight", thresholds=list(thresholds)
        )
        for m, (smp, cat) in samples.items()
    }


def proportional_odds_table(tests: Mapping[int, robustness.POTest]) -> pd.DataFrame:
    """Every model's test table stacked, indexed by ``("Model <id>", term)``."""
    return pd.concat(
        {f"Model {m}": r.table.set_index("term") for m, r in tests.items()},
        names=["model", "term"],
    )


def flagged_terms(po_all: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Term-level rows (not the omnibus ``all``) of :func:`proportional_odds_table` with ``p < alpha``."""
    return po_all[(po_all["p"] < alpha) & (po_all.index.get_level_values("term") != "all")]
