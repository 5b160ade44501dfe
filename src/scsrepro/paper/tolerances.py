"""How close a recomputed number must come to the printed one.

The fixed tolerances of the fidelity scoreboard (:mod:`scsrepro.paper.fidelity`,
whose docstring tabulates them): :data:`TOLERANCES` by kind of number, and
:func:`tolerance_for`, the rule for one published row. Table 4's
coefficients and cut points, and the prose that repeats them, are judged
against the paper's own standard error of the cell
(:func:`published_se_by_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scsrepro.paper.model_rows import printed_se
from scsrepro.paper.targets import Recipe, cached_published

__all__ = ["TOLERANCES", "published_se_by_id", "tolerance_for"]

#: Fixed tolerances (absolute, in the unit of the printed number).
TOLERANCES: dict[str, float] = {
    "percent_table_a2": 0.5,
    "percent": 1.0,
    "mean": 0.02,
    "sd": 0.05,
    "vif": 0.05,
    "tolerance": 0.05,
    "count": 0.0,
    "ratio": 0.01,
}


def published_se_by_id() -> dict[str, float]:
    """Published SE of each Table 4 coefficient and cut point, by its id."""
    t4 = cached_published("table_4")
    se = printed_se(t4)
    return {
        r.id: se.get((r.column, r.item), np.nan) for r in t4.itertuples(index=False) if r.statistic in ("coef", "cut")
    }


def tolerance_for(
    row: Mapping[str, Any], recipe: Recipe | str | None = None, se_of: Mapping[str, float] | None = None
) -> tuple[float, bool, str]:
    """Tolerance of one published number.

    Parameters
    ----------
    row : mapping
        A published row (needs ``id``, ``file``, ``statistic``, ``unit``).
    recipe : Recipe or str, optional
        Its recipe (used for prose that repeats a Table 4 cell).
    se_of : mapping, optional
        Published SE by Table 4 coefficient id (default from the data).

    Returns
    -------
    (float, bool, str)
        Tolerance, whether the row is scored, and the rule in words.
    """
    se_of = published_se_by_id() if se_of is None else se_of
    stat, file, id_ = row["statistic"], row["file"], row["id"]
    if stat == "se":
        return np.nan, False, "not scored: standard error (relative distance shown)"
    if stat in ("coef", "cut"):
        ref = id_
        if isinstance(recipe, Recipe) and recipe.method == "same_as":
            ref = recipe.get("target")
        se = se_of.get(ref, np.nan)
        if not np.isfinite(se):
            return np.nan, False, f"not scored: no published SE for {ref}"
        return float(se), True, f"1 published SE of {ref}"
    if stat in ("percent", "share"):
        if file == "table_a2":
            return TOLERANCES["percent_table_a2"], True, "Table A2 percentage: 0.5 pp"
        return TOLERANCES["percent"], True, "percentage: 1 pp"
    if stat in ("mean", "sd", "vif", "tolerance"):
        return TOLERANCES[stat], True, f"{stat}: {TOLERANCES[stat]:g}"
    if stat in ("n", "count", "population"):
        return TOLERANCES["count"], True, "count: exact"
    if stat == "ratio":
        return TOLERANCES["ratio"], True, "ratio: 0.01"
    if stat == "verdict":
        return 0.0, True, "hypothesis verdict: the same verdict"
    raise ValueError(f"published id {id_!r}: no tolerance rule for statistic {stat!r}")
