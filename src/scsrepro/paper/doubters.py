"""Table 3's doubters: what a doubter profile implies about approval by group.

Table 3 of the paper profiles the "doubters" (approval 1-3: strongly or
somewhat disapprove, or neutral) against all respondents. By Bayes' rule a
group's share among the doubters, its share among everyone and the share of
doubters overall give the share approving within the group
(:func:`implied_approval`); :func:`table3_implied_approval` applies this to a
whole Table 3 frame, printed or recomputed, and :func:`printed_doubter_rate`
reads the share of doubters off the printed Table 2.

The functions are also importable from :mod:`scsrepro.paper.bivariate`, the
analysis helpers of the bivariate chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.paper.targets import load_targets

__all__ = [
    "DOUBTER_CODES",
    "DOUBTER_TOTAL_IDS",
    "implied_approval",
    "printed_doubter_rate",
    "table3_implied_approval",
]

#: Table 3's doubters: strongly or somewhat disapprove, or neutral.
DOUBTER_CODES: tuple[int, ...] = (1, 2, 3)
#: The printed Table 2 shares (Total column) of the doubters' answers.
DOUBTER_TOTAL_IDS: tuple[str, ...] = (
    "t2_total_strongly_disapprove",
    "t2_total_somewhat_disapprove",
    "t2_total_neutral",
)


def implied_approval(doubters_share: Any, total_share: Any, doubter_rate: float) -> Any:
    """Share approving within a group implied by a doubter profile (Bayes' rule).

    With ``d`` the group's share among doubters, ``t`` its share among all
    respondents and ``D`` the share of doubters among all respondents (all in
    per cent), the share of doubters within the group is ``d * D / t`` and
    the share approving (somewhat or strongly) is ``100 - d * D / t``. The
    identity is exact when the three shares are weighted estimates on the
    same base.
    """
    d = np.asarray(doubters_share, dtype=float)
    t = np.asarray(total_share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 - d * float(doubter_rate) / t
    return out if out.ndim else float(out)


def printed_doubter_rate(published: pd.DataFrame, ids: Sequence[str] = DOUBTER_TOTAL_IDS) -> float:
    """The share of doubters among all respondents that Table 2 prints, in per cent.

    The sum of the printed Total-column shares of the doubters' answers
    (:data:`DOUBTER_TOTAL_IDS`) in *published* (rows with ``id`` and
    ``value``, e.g. ``load_published()``).
    """
    value = published.set_index("id")["value"]
    missing = [i for i in ids if i not in value.index]
    if missing:
        raise ValueError(f"published numbers lack {missing}")
    return float(value[list(ids)].sum())


def table3_implied_approval(
    t3: pd.DataFrame, doubter_rate: float, value: str = "published", measures: Sequence[str] | None = None, targets=None
) -> pd.DataFrame:
    """Approval by group implied by a Table 3 frame (printed or recomputed).

    Parameters
    ----------
    t3 : pandas.DataFrame
        Rows of Table 3 with ``id, measure, item, column`` (``Doubters`` /
        ``Total``) and the *value* column, e.g. :func:`scsrepro.paper.tables.table_3`.
    doubter_rate : float
        Share of doubters among all respondents, in per cent.
    value : str
        Column holding the numbers (``published`` or ``reproduced``).
    measures : sequence of str, optional
        Table 3 blocks to keep (default all but income, whose two columns
        have different bases).

    Returns
    -------
    pandas.DataFrame
        ``measure, item, variable, code, doubters, total, implied_approve``
        in Table 3 order; ``variable`` and ``code`` name the group as the
        recipe of its Doubters id in ``data/targets.yml`` defines it (empty
        when the frame has no ``id`` column).
    """
    need = {"measure", "item", "column", value}
    if not need <= set(t3.columns):
        raise ValueError(f"Table 3 frame lacks columns {sorted(need - set(t3.columns))}")
    wide = t3.pivot_table(index=["measure", "item"], columns="column", values=value, aggfunc="first", sort=False)
    missing = {"Doubters", "Total"} - set(wide.columns)
    if missing:
        raise ValueError(f"Table 3 frame lacks the column(s) {sorted(missing)}")
    wide = wide.reset_index()
    keep = [m for m in dict.fromkeys(wide["measure"]) if m != "Income"] if measures is None else list(measures)
    wide = wide[wide["measure"].isin(keep)]
    out = pd.DataFrame(
        {
            "measure": wide["measure"].to_numpy(),
            "item": wide["item"].to_numpy(),
            "doubters": wide["Doubters"].to_numpy(dtype=float),
            "total": wide["Total"].to_numpy(dtype=float),
        }
    )
    var_of, code_of = {}, {}
    if "id" in t3.columns:
        targets = targets or load_targets()
        for r in t3[t3["column"] == "Doubters"].itertuples(index=False):
            hit = targets.lookup(r.id)
            if hit is not None and not isinstance(hit, str) and hit.get("variable"):
                codes = hit.get("codes")
                codes = codes if isinstance(codes, (list, tuple)) else [codes]
                var_of[(r.measure, r.item)] = hit.get("variable")
                code_of[(r.measure, r.item)] = int(codes[0]) if len(codes) == 1 else None
    keys = list(zip(out["measure"], out["item"]))
    out.insert(2, "variable", [var_of.get(k, "") for k in keys])
    out.insert(3, "code", pd.array([code_of.get(k) for k in keys], dtype="Int64"))
    out["implied_approve"] = implied_approval(out["doubters"], out["total"], doubter_rate)
    return out
