"""Fitting the paper's Table 4 models: one path from respondent data to a fitted model.

Every Table 4 model of the package -- in the tables (:func:`scsrepro.paper.tables.table_4`),
in the robustness checks (:mod:`scsrepro.paper.robustness`), in the chapters and,
through :func:`design`, in the synthetic twin's calibration -- is set up here:

``model_frame``
    the respondent frame with derived variables and a ``weight`` column;
``estimation_sample``
    a model's listwise sample (:func:`scsrepro.paper.modelspec.estimation_frame`),
    optionally with levels of a factor merged;
``design``
    the covariate matrix of :func:`scsrepro.survey.design.design_matrix` and
    the Table 4 key of each of its columns;
``fit``
    the model fitted by :func:`scsrepro.survey.models.fit_ologit` (Stata's
    stopping rule by default, as Table 4 was estimated in Stata), weighted
    or not, or penalised;
``tidy``
    the fit as a long table keyed by Table 4's terms.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import modelspec
from scsrepro.paper.weights import calibration_design, weights_for
from scsrepro.survey.calibration import calibrated_ologit_cov
from scsrepro.survey.design import design_matrix
from scsrepro.survey.models import OlogitResult, fit_ologit
from scsrepro.survey.ordered_logit import WeightedOrderedModel, params_from_theta
from scsrepro.survey.significance import Z95

__all__ = [
    "Fit",
    "model_frame",
    "estimation_sample",
    "empty_base_note",
    "design",
    "fit",
    "tidy",
    "key_covariance",
    "calibrated_covariance",
]


def model_frame(df: pd.DataFrame, weights=None) -> pd.DataFrame:
    """The respondent frame with the codebook's derived variables and a ``weight`` column.

    Parameters
    ----------
    df : DataFrame
        Raw respondent data (codes as in the data file).
    weights : array-like, optional
        Survey weights; by default :func:`scsrepro.paper.weights.weights_for` (the
        data's own ``weight`` column, or raking for the synthetic twin).
    """

    w = weights_for(df) if weights is None else pd.Series(np.asarray(weights, dtype=float), index=df.index)
    frame = load_codebook().derive(df).reset_index(drop=True)
    frame["weight"] = w.to_numpy(dtype=float)
    return frame


def estimation_sample(
    frame: pd.DataFrame, spec: modelspec.ModelSpec, merge: Mapping[str, Mapping] | None = None
) -> tuple[pd.DataFrame, dict]:
    """Model *spec*'s listwise sample, with levels of factors optionally merged.

    Parameters
    ----------
    frame : DataFrame
        From :func:`model_frame`.
    spec : ModelSpec
    merge : dict, optional
        ``{variable: {old code: new code}}``, e.g. ``{"education": {1: 2}}``
        to count "no formal education" as "low". If a factor's base level is
        merged away, the level it joins becomes the base.

    Returns
    -------
    sample : DataFrame
        The rows and columns that enter the model (same rows as without
        merging: merging never drops a respondent).
    categorical : dict
        ``{factor: base level}`` for :func:`scsrepro.survey.models.fit_ologit`.

    A factor whose base level has no respondent in the sample (possible on
    small data) gets its lowest present level as the base, so the model can
    still be fitted; ``sample.attrs["empty_base"]`` records ``{factor: the
    specified base}`` and :func:`empty_base_note` says what that means.
    """
    sample = modelspec.estimation_frame(frame, spec).reset_index(drop=True)
    categorical = dict(spec.categorical)
    for var, mapping in (merge or {}).items():
        if var not in spec.covariates:
            raise ValueError(f"model {spec.id} has no covariate {var!r} to merge")
        mapping = {float(k): float(v) for k, v in mapping.items()}
        sample[var] = sample[var].replace(mapping)
        if var in categorical and float(categorical[var]) in mapping:
            categorical[var] = int(mapping[float(categorical[var])])
    empty = {}
    for var, base in categorical.items():
        present = sorted(sample[var].unique().tolist())
        if present and float(base) not in present:
            empty[var] = base
            categorical[var] = int(present[0])
    sample.attrs["empty_base"] = empty
    return sample, categorical


def empty_base_note(spec: modelspec.ModelSpec, variable: str, base: object) -> str:
    """Why the contrasts of *variable* in *spec* are missing: nobody in the sample has its base level."""
    return (
        f"not estimable on these data: no respondent of {spec.column}'s estimation sample has "
        f"{variable} = {base} (the base level), so the contrasts with it cannot be estimated"
    )


def design(sample: pd.DataFrame, spec: modelspec.ModelSpec, categorical: Mapping | None = None):
    """The covariate matrix of *spec* on *sample* and the Table 4 key of each column.

    Returns ``(X, keys)``: *X* from :func:`scsrepro.survey.design.design_matrix`
    (its ``attrs`` say what each column codes and which columns belong to
    each factor), and ``keys`` mapping each column to its Table 4 key
    (:func:`scsrepro.paper.modelspec.table4_keys`).
    """
    categorical = spec.categorical if categorical is None else categorical
    X, _ = design_matrix(sample, list(spec.covariates), categorical)
    return X, modelspec.table4_keys(X.attrs["coding"])


@dataclass
class Fit:
    """One fitted model: the spec, how it was fitted, its sample and its result."""

    spec: modelspec.ModelSpec
    sample: pd.DataFrame
    categorical: dict
    result: OlogitResult
    weighted: bool = True
    merge: dict = field(default_factory=dict)
    label: str = ""

    @property
    def empty_base(self) -> dict:
        """``{factor: specified base level}`` for factors whose base level nobody in the sample has."""
        return dict(self.sample.attrs.get("empty_base", {}))

    @property
    def keys(self) -> dict[str, str]:
        """Table 4 key of every fitted term (slopes and cut points)."""
        return modelspec.table4_keys(self.result.coding, cuts=self.result.table["term"])


def fit(
    frame: pd.DataFrame,
    spec: modelspec.ModelSpec,
    merge: Mapping[str, Mapping] | None = None,
    weighted: bool = True,
    convergence: str = "stata",
    prior_sd: float | None = None,
    label: str | None = None,
) -> Fit:
    """Fit one model of ``data/models.yml`` on :func:`estimation_sample`.

    The fit is :func:`scsrepro.survey.models.fit_ologit` with robust standard errors
    (unweighted fits too, so that only the weighting differs) and, by
    default, Stata's stopping rule as in Table 4. ``prior_sd`` switches to the
    penalised fit (and to ``convergence="exact"``). Warnings of the fit
    (e.g. separation) are not shown; they are kept in ``result.warnings``.
    """
    sample, categorical = estimation_sample(frame, spec, merge)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_ologit(
            sample,
            spec.outcome,
            list(spec.covariates),
            categorical=categorical,
            weight=spec.weight if weighted else None,
            convergence="exact" if prior_sd is not None else convergence,
            prior_sd=prior_sd,
        )
    return Fit(spec, sample, categorical, result, weighted, dict(merge or {}), label or spec.column)


def tidy(f: Fit) -> pd.DataFrame:
    """Long table of one fit: ``model, label, term, coef, se, p, ci_low, ci_high`` (Table 4 keys)."""
    t = f.result.table
    return pd.DataFrame(
        {
            "model": f.spec.id,
            "label": f.label,
            "term": t["term"].map(f.keys).to_numpy(),
            "coef": t["coef"].to_numpy(),
            "se": t["se"].to_numpy(),
            "p": t["p"].to_numpy(),
            "ci_low": (t["coef"] - Z95 * t["se"]).to_numpy(),
            "ci_high": (t["coef"] + Z95 * t["se"]).to_numpy(),
        }
    )


def key_covariance(f: Fit) -> pd.DataFrame:
    """The fit's covariance of its estimates, rows and columns named by Table 4 key."""
    keys = f.keys
    cov = f.result.cov
    return pd.DataFrame(cov.to_numpy(), index=[keys[t] for t in cov.index], columns=[keys[t] for t in cov.columns])


def calibrated_covariance(frame: pd.DataFrame, f: Fit) -> pd.DataFrame:
    """Covariance of *f*'s estimates that accounts for the raking of the weights.

    The weights are treated as raked on :data:`~scsrepro.paper.weights.RAKING_VARIABLES`
    (age group, gender, region), capped weights included, which is what R's
    ``survey`` computes for ``calibrate(..., calfun = "raking", bounds =
    c(-Inf, cap))`` (:mod:`scsrepro.survey.calibration`). Every respondent of
    *frame* stays in the calibrated design; those outside the model's
    listwise sample have no influence before the residualisation, as in R.

    Parameters
    ----------
    frame : DataFrame
        From :func:`model_frame`: all respondents, with the ``weight`` the
        fit used.
    f : Fit
        A weighted fit of :func:`fit` on *frame* (no merged levels needed).

    Returns
    -------
    DataFrame
        Rows and columns named like ``f.result.cov``.
    """
    if not f.weighted:
        raise ValueError("calibrated standard errors need the weighted fit")
    used = np.zeros(len(frame), dtype=bool)
    used[frame.index.get_indexer(modelspec.estimation_frame(frame, f.spec).index)] = True
    calibration = calibration_design(frame, f.spec.weight)
    X, _ = design_matrix(f.sample, list(f.spec.covariates), f.categorical)
    y = f.sample[f.spec.outcome].to_numpy()
    model = WeightedOrderedModel(y, X, f.sample[f.spec.weight].to_numpy(dtype=float))
    theta = f.result.table["coef"].to_numpy(dtype=float)
    V = calibrated_ologit_cov(model, params_from_theta(theta, X.shape[1]), calibration, used)
    names = f.result.cov.index
    return pd.DataFrame(V, index=names, columns=names)
