"""How much the weight cap matters: the headline results under other caps.

The paper's weights are raked on age group, gender and region and capped at
2.0 (:data:`scsrepro.paper.weights.WEIGHT_CAP`). The cap is a judgement
call: a lower cap trades bias on the raking margins for variance, a higher
one the reverse. This module re-rakes the respondents to the same margins
under each cap of :data:`CAPS` and recomputes, for each:

* the weights' Kish design effect and effective sample size;
* the headline: the weighted share approving (``somewhat`` or ``strongly``)
  and the share strongly approving, with design-based standard errors;
* Table 2 (approval by group of users) and Table 4 (the seven models).

A cap can be infeasible: raking must give a group at least its population
share, and when the group is too small for that even with every member at
the cap, no capped weights meet the margins. Such a cap is reported as
infeasible with the raking's reason, not dropped.

On data that carry their own ``weight`` column (the real survey), the
column is set aside here and every cap re-rakes to the paper's weighted
Table A2 margins, so the rows compare caps and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import tables
from scsrepro.paper.weights import WEIGHT_CAP, weights_for
from scsrepro.survey.estimates import weighted_proportions
from scsrepro.survey.weighting import RakingError, effective_n, kish_deff

__all__ = ["CAPS", "APPROVE", "CapRun", "cap_label", "rake_under_caps", "cap_estimates", "cap_shifts", "cap_summary"]

#: The caps compared (``None``: raking without a cap). 2.0 is the paper's.
CAPS: tuple[float | None, ...] = (1.5, 2.0, 3.0, None)

#: Approval codes counted as approving (somewhat or strongly approve).
APPROVE: tuple[int, ...] = (4, 5)


def cap_label(cap: float | None) -> str:
    """``"1.5"``, ``"2.0"``, ... or ``"none"``."""
    return "none" if cap is None else f"{cap:.1f}"


@dataclass(frozen=True)
class CapRun:
    """The weights under one cap, or why there are none.

    Attributes
    ----------
    cap : float or None
    weights : Series or None
        Mean-1 weights aligned with the frame; ``None`` when infeasible.
    reason : str
        The raking's error message when infeasible, else ``""``.
    """

    cap: float | None
    weights: pd.Series | None
    reason: str = ""

    @property
    def feasible(self) -> bool:
        return self.weights is not None


def rake_under_caps(df: pd.DataFrame, caps: Sequence[float | None] = CAPS) -> list[CapRun]:
    """Rake *df* to the paper's margins under each cap.

    Parameters
    ----------
    df : DataFrame
        Raw respondent frame; a ``weight`` column is ignored.
    caps : sequence of float or None
        Caps on the mean-1 scale; ``None`` for no cap.

    Returns
    -------
    list of CapRun
        One per cap, in order.
    """
    raw = df.drop(columns=["weight"], errors="ignore")
    runs = []
    for cap in caps:
        try:
            runs.append(CapRun(cap, weights_for(raw, cap=cap)))
        except RakingError as err:
            runs.append(CapRun(cap, None, str(err)))
    return runs


def _headline(frame: pd.DataFrame, w: np.ndarray) -> dict[str, float]:
    """Weighted shares approving and strongly approving (per cent) with their SEs."""
    y = frame["approval"]
    approve = y.isin(APPROVE).astype(float).where(y.notna())
    out = {}
    for name, var in (("approve", approve), ("strongly_approve", y.eq(5).astype(float).where(y.notna()))):
        p = weighted_proportions(var, w, levels=[0.0, 1.0]).set_index("level")
        out[f"{name}_pct"] = 100 * float(p.loc[1.0, "proportion"])
        out[f"{name}_se"] = 100 * float(p.loc[1.0, "se"])
    return out


def cap_estimates(
    df: pd.DataFrame, caps: Sequence[float | None] = CAPS, runs: Sequence[CapRun] | None = None
) -> pd.DataFrame:
    """Table 2 and Table 4 under each feasible cap, long (*runs*: :func:`rake_under_caps`, if already raked).

    Returns
    -------
    DataFrame
        ``cap`` (label), ``table`` (``"table_2"`` or ``"table_4"``), ``id``,
        ``column``, ``item``, ``statistic``, ``value``, ``se`` and
        ``stars`` (Table 4 coefficients only).
    """
    parts = []
    for run in rake_under_caps(df, caps) if runs is None else runs:
        if not run.feasible:
            continue
        for name, fn in (("table_2", tables.table_2), ("table_4", tables.table_4)):
            t = fn(df, run.weights)
            t = t[t["statistic"].isin(["percent", "coef", "cut"])] if name == "table_4" else t
            parts.append(
                pd.DataFrame(
                    {
                        "cap": cap_label(run.cap),
                        "table": name,
                        "id": t["id"].to_numpy(),
                        "column": t["column"].to_numpy(),
                        "item": t["item"].to_numpy(),
                        "statistic": t["statistic"].to_numpy(),
                        "value": t["reproduced"].to_numpy(dtype=float),
                        "se": t["se"].to_numpy(dtype=float),
                        "stars": t["stars"].to_numpy() if "stars" in t else "",
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def cap_shifts(estimates: pd.DataFrame, table: str, reference: float | None = WEIGHT_CAP) -> pd.DataFrame:
    """Each cap's values of *table* beside the reference cap's.

    Parameters
    ----------
    estimates : DataFrame
        From :func:`cap_estimates`.
    table : {"table_2", "table_4"}
    reference : float or None
        The cap compared with (the paper's 2.0).

    Returns
    -------
    DataFrame
        The rows of *table* with ``value_ref``, ``se_ref``, ``stars_ref``
        (under the reference cap), ``diff`` (value minus reference) and, for
        Table 4, ``shift_se`` (``diff / se_ref``); Table 4 holds coefficients only.
    """
    ref_label = cap_label(reference)
    t = estimates[(estimates["table"] == table) & estimates["value"].notna()]
    if table == "table_4":
        t = t[t["statistic"] == "coef"]
    ref = t.loc[t["cap"] == ref_label, ["id", "value", "se", "stars"]]
    out = t.merge(ref, on="id", how="left", suffixes=("", "_ref"), validate="many_to_one")
    out["diff"] = out["value"] - out["value_ref"]
    if table == "table_4":
        out["shift_se"] = out["diff"] / out["se_ref"]
    return out.reset_index(drop=True)


def cap_summary(
    df: pd.DataFrame,
    caps: Sequence[float | None] = CAPS,
    reference: float | None = WEIGHT_CAP,
    estimates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per cap: the weights, the headline, and the shifts in Tables 2 and 4.

    Parameters
    ----------
    df : DataFrame
        Raw respondent frame.
    caps : sequence
        Caps compared; must include *reference*.
    reference : float or None
        The cap the shifts are measured from (the paper's 2.0).
    estimates : DataFrame, optional
        :func:`cap_estimates` for the same data and caps, if already computed.

    Returns
    -------
    DataFrame
        ``cap``, ``feasible``, ``reason``, ``max_weight``, ``deff`` (Kish),
        ``n_eff``, ``approve_pct``, ``approve_se``, ``strongly_approve_pct``,
        ``strongly_approve_se``, ``t2_max_shift`` (largest absolute change
        of a Table 2 percentage, points), ``t4_max_shift_se`` (largest
        absolute change of a Table 4 coefficient in units of its SE under
        the reference cap), ``t4_star_changes`` (coefficients whose stars
        differ from the reference cap's) out of ``t4_coefficients``. Infeasible caps have only the
        first three filled.
    """
    if reference not in caps:
        raise ValueError(f"the reference cap {reference!r} must be one of the caps {list(caps)}")
    frame = load_codebook().derive(df).reset_index(drop=True)
    runs = rake_under_caps(df, caps)
    est = cap_estimates(df, caps, runs) if estimates is None else estimates
    t2 = cap_shifts(est, "table_2", reference)
    t4 = cap_shifts(est, "table_4", reference)
    rows = []
    for run in runs:
        label = cap_label(run.cap)
        row: dict = {"cap": label, "feasible": run.feasible, "reason": run.reason}
        if run.weights is not None:
            w = run.weights.to_numpy(dtype=float)
            row.update(max_weight=float(w.max()), deff=kish_deff(w), n_eff=effective_n(w))
            row.update(_headline(frame, w))
            mine2, mine4 = t2[t2["cap"] == label], t4[t4["cap"] == label]
            row["t2_max_shift"] = float(mine2["diff"].abs().max())
            row["t4_max_shift_se"] = float(mine4["shift_se"].abs().max())
            row["t4_star_changes"] = int((mine4["stars"].fillna("") != mine4["stars_ref"].fillna("")).sum())
            row["t4_coefficients"] = len(mine4)
        rows.append(row)
    return pd.DataFrame(rows)
