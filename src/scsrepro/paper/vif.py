"""Table A4's collinearity statistics: tolerance and VIF of the 21 predictors.

:func:`scsrepro.paper.tables.table_a4` lines the numbers computed here up with
the printed Table A4, in these steps:

``vif_predictors``
    the predictors, in the order of the published rows, from their ``vif``
    recipes in ``data/targets.yml``;
``predictor_matrix``
    their answers as plain numeric codes (income group, education and region
    too), non-substantive answers missing;
``vif_for_sample``
    tolerance and VIF under one reading of the unstated estimation sample:
    ``"pairwise"`` (:func:`vif_pairwise`, every correlation from the
    respondents who answered both items) or ``"listwise"`` (the complete
    cases, :func:`scsrepro.survey.models.vif_table`);
``alternative_vif``
    the other reading, or None where these data cannot give it;
``sample_readings``
    how each reading was computed, in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper.recipes import data_column
from scsrepro.paper.targets import Recipe, Targets
from scsrepro.survey.design import vif_table

__all__ = [
    "SAMPLES",
    "vif_predictors",
    "predictor_matrix",
    "vif_pairwise",
    "vif_for_sample",
    "alternative_vif",
    "sample_readings",
]

#: The two readings of Table A4's estimation sample.
SAMPLES: tuple[str, str] = ("pairwise", "listwise")


def vif_predictors(targets: Targets, ids: Iterable[str]) -> list[str]:
    """The predictors named by the ``vif`` recipes of *ids*, each once, in order of appearance.

    Ids without a recipe (not computable) are skipped; a recipe of another
    method is an error.
    """
    predictors: list[str] = []
    for id_ in ids:
        hit = targets.lookup(id_)
        if isinstance(hit, Recipe):
            if hit.method != "vif":
                raise ValueError(f"{id_}: Table A4 rows are computed by 'vif', not {hit.method!r}")
            if hit.get("predictor") not in predictors:
                predictors.append(hit.get("predictor"))
    return predictors


def predictor_matrix(frame: pd.DataFrame, predictors: Sequence[str]) -> pd.DataFrame:
    """The *predictors* of *frame* (derived variables added) as floats, non-substantive codes missing."""
    cb = load_codebook()
    X = cb.to_missing(pd.DataFrame({p: data_column(frame, p) for p in predictors}), [p for p in predictors if p in cb])
    return X.apply(lambda s: pd.to_numeric(s, errors="coerce").astype(float))


def vif_pairwise(X: pd.DataFrame) -> pd.DataFrame:
    """Tolerance and VIF from the pairwise-complete correlation matrix."""
    for c in X.columns:
        if X[c].nunique(dropna=True) < 2:
            raise ValueError(f"predictor {c!r} has no variance")
    R = X.corr(method="pearson", min_periods=3)
    if R.isna().any().any():
        pairs = [(a, b) for a in R.index for b in R.columns if pd.isna(R.loc[a, b])]
        raise ValueError(f"pairwise correlations undefined (fewer than 3 joint answers or no variance) for {pairs[:5]}")
    ev = np.linalg.eigvalsh(R.to_numpy())
    if ev.min() <= 1e-10:
        raise ValueError(
            f"the pairwise correlation matrix is not positive definite (smallest eigenvalue "
            f"{ev.min():.3g}); use sample='listwise'"
        )
    vif = np.diag(np.linalg.inv(R.to_numpy()))
    return pd.DataFrame({"predictor": list(X.columns), "tolerance": 1 / vif, "vif": vif})


def vif_for_sample(X: pd.DataFrame, predictors: Sequence[str], sample: str) -> pd.DataFrame:
    """Tolerance and VIF of *predictors* under the *sample* reading, indexed by predictor.

    ``"pairwise"``: :func:`vif_pairwise`; otherwise listwise, which needs
    more complete cases than parameters of the auxiliary regressions.
    """
    if sample == "pairwise":
        return vif_pairwise(X).set_index("predictor")
    complete = int(len(X.dropna()))
    if complete <= len(predictors) + 1:
        raise ValueError(
            f"only {complete} respondents answered all {len(predictors)} predictors: too few "
            "for the listwise auxiliary regressions; use sample='pairwise'"
        )
    return vif_table(X, predictors).set_index("predictor")


def alternative_vif(X: pd.DataFrame, predictors: Sequence[str], sample: str) -> tuple[str, pd.DataFrame | None]:
    """The reading other than *sample* and its :func:`vif_for_sample`, None if these data cannot give it."""
    other = "listwise" if sample == "pairwise" else "pairwise"
    try:
        with np.errstate(all="ignore"):
            alt = vif_for_sample(X, predictors, other)
    except (ValueError, np.linalg.LinAlgError):
        alt = None
    return other, alt


def sample_readings(n_complete: int) -> dict[str, str]:
    """How each reading of :data:`SAMPLES` computes the VIFs, with *n_complete* complete cases."""
    return {
        "pairwise": "unweighted; pairwise-complete correlations; income, education, region as numeric codes",
        "listwise": f"unweighted OLS on the {n_complete} complete cases; income, education, region as numeric codes",
    }
