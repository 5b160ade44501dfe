"""The paper's weighting policy: which weights a respondent frame gets.

Kostka (2019, Section 3.1) weights the sample by age, gender and region.
The real data carry those weights in a ``weight`` column, and
:func:`weights_for` returns it as it is. A frame without one (the synthetic
twin) is raked on the same three variables to the paper's weighted Table A2
shares (:func:`population_margins`), with weights capped at
:data:`WEIGHT_CAP`. The raking itself is :func:`scsrepro.survey.weighting.rake`,
which knows nothing of this paper; this module holds only the paper's
choices, so it sits in the paper layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper.targets import Recipe, Targets, cached_published, load_targets
from scsrepro.survey.calibration import Calibration
from scsrepro.survey.weighting import check_weights, rake

__all__ = [
    "RAKING_VARIABLES",
    "WEIGHT_CAP",
    "check_frame",
    "population_margins",
    "weights_for",
    "prepare",
    "calibration_design",
]

#: Variables the twin's weights are raked on (Section 3.1: age, gender, region).
RAKING_VARIABLES: tuple[str, ...] = ("age_group", "gender", "region")

#: Largest weight when raking (mean-1 scale).
WEIGHT_CAP = 2.0


def check_frame(df: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected the respondent data as a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError("the respondent frame has no rows")
    if not df.index.is_unique:
        raise ValueError("the respondent frame's index has duplicate labels; use reset_index(drop=True)")


def population_margins(targets: Targets | None = None) -> dict[str, dict[int, float]]:
    """Population shares of age group, gender and region for raking.

    Taken from the paper's *weighted* Table A2 percentages of those three
    variables, each normalised to sum to 1 (the printed age shares sum to
    99.99). Which Table A2 row is which code comes from the Table A2 recipes.

    Returns
    -------
    dict
        ``{variable: {code: share}}`` for the variables of
        :data:`RAKING_VARIABLES`.
    """
    targets = targets or load_targets()
    a2 = cached_published("table_a2")
    margins: dict[str, dict[int, float]] = {v: {} for v in RAKING_VARIABLES}
    for _, row in a2[a2["column"] == "weighted"].iterrows():
        hit = targets.lookup(row["id"])
        if not isinstance(hit, Recipe) or hit.get("variable") not in margins:
            continue
        codes = hit.get("codes") or []
        if len(codes) != 1:
            raise ValueError(f"raking margin {row['id']}: expected one code, got {codes}")
        margins[hit.get("variable")][int(codes[0])] = float(row["value"])
    for var, shares in margins.items():
        if not shares:
            raise ValueError(f"no weighted Table A2 row gives a margin for {var!r}")
        total = sum(shares.values())
        margins[var] = {k: v / total for k, v in sorted(shares.items())}
    return margins


def weights_for(df: pd.DataFrame, cap: float | None = WEIGHT_CAP) -> pd.Series:
    """The survey weights of a respondent frame.

    If *df* has a ``weight`` column, that column is returned (the real data
    carry the paper's weights). Otherwise, as for the synthetic twin,
    weights are computed by capped raking (:func:`scsrepro.survey.weighting.rake`,
    cap 2.0 on the mean-1 scale) on age group, gender and region to the
    margins of :func:`population_margins`.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw (or already derived) respondent frame.
    cap : float or None, default 2.0
        Largest weight when raking; ``None`` rakes without a cap.

    Returns
    -------
    pandas.Series
        Float weights aligned with ``df.index``, named ``weight``.

    Raises
    ------
    ValueError
        If the ``weight`` column has missing, zero or negative values, or a
        raking variable cannot be derived.
    """
    check_frame(df)
    if "weight" in df.columns:
        w = pd.to_numeric(df["weight"], errors="coerce").astype(float)
        bad = ~np.isfinite(w.to_numpy()) | (w.to_numpy() <= 0)
        if bad.any():
            pos = np.flatnonzero(bad)[:10].tolist()
            raise ValueError(
                f"column 'weight' must be a positive number in every row; "
                f"{int(bad.sum())} row(s) are not (row positions {pos})"
            )
        return w.rename("weight")
    frame = load_codebook().derive(df)
    data = frame[list(RAKING_VARIABLES)]
    if data.isna().any().any():
        bad = {
            v: np.flatnonzero(data[v].isna().to_numpy())[:10].tolist() for v in RAKING_VARIABLES if data[v].isna().any()
        }
        raise ValueError(f"cannot rake: missing values in the raking variables at row positions {bad}")
    return rake(data.astype("int64"), population_margins(), cap=cap).rename("weight")


def prepare(df: pd.DataFrame, w: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Derive the codebook variables and check the weights."""
    check_frame(df)
    if w is None:
        w = weights_for(df)
    if isinstance(w, pd.Series):
        if len(w) != len(df) or not w.index.equals(df.index):
            raise ValueError(
                f"weights must be aligned with the frame (same length and index); got "
                f"{len(w)} weights for {len(df)} rows"
            )
        wv = pd.to_numeric(w, errors="coerce").to_numpy(dtype=float)
    else:
        wv = w
    wv = check_weights(wv, len(df))
    frame = load_codebook().derive(df).reset_index(drop=True)
    return frame, wv


def calibration_design(frame: pd.DataFrame, weight: str = "weight") -> Calibration:
    """The respondents as a design raked on :data:`RAKING_VARIABLES`, for calibrated standard errors.

    *frame* has the derived variables (:func:`scsrepro.paper.fitting.model_frame`)
    and the weights in *weight*. Capped weights are treated as bounded
    raking weights, which is what R's ``survey`` computes for
    ``calibrate(..., calfun = "raking", bounds = c(-Inf, cap))``
    (:mod:`scsrepro.survey.calibration`).
    """
    return Calibration.from_frame(frame, list(RAKING_VARIABLES), frame[weight].to_numpy(dtype=float))
