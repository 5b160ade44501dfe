"""The headline shares with standard errors that account for the raking.

The paper reports Table 2 (approval by group of users) without standard
errors; the book's fixed-weight SEs treat the weights as known
constants. Here the share approving ("somewhat" or "strongly") in each of
Table 2's groups gets both the fixed-weight SE (Stata ``[pweight]``, R
``svydesign(ids = ~1, weights = ~w)``) and the calibrated SE of a design
raked on age group, gender and region
(:func:`scsrepro.paper.weights.calibration_design`, R ``calibrate(...,
calfun = "raking")``). The groups are the bases of Table 2's recipes in
``data/targets.yml``, so they are the groups Table 2 is computed on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.paper.recipes import base_mask
from scsrepro.paper.targets import cached_published, load_targets
from scsrepro.paper.weights import calibration_design
from scsrepro.survey.calibration import calibrated_proportions

__all__ = ["APPROVE", "table_2_groups", "approval_shares"]

#: Approval codes counted as approving.
APPROVE: tuple[int, ...] = (4, 5)


def table_2_groups() -> dict[str, str]:
    """``{Table 2 column: base expression}``, from the recipes of Table 2's ``n`` rows."""
    targets = load_targets()
    rows = cached_published("table_2")
    out = {}
    for r in rows[rows["statistic"] == "n"].itertuples(index=False):
        out[str(r.column)] = str(targets.recipe(r.id).get("base", "all"))
    return out


def approval_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """The weighted share approving in each Table 2 group, with fixed-weight and calibrated SEs.

    Parameters
    ----------
    frame : DataFrame
        From :func:`scsrepro.paper.fitting.model_frame`.

    Returns
    -------
    DataFrame
        ``group`` (Table 2's column), ``n`` (respondents with an answer),
        ``approve_pct``, ``se_fixed`` and ``se_calibrated`` (percentage
        points), ``ratio`` (calibrated / fixed).
    """
    design = calibration_design(frame)
    approval = frame["approval"]
    rows = []
    for group, base in table_2_groups().items():
        inside = base_mask(frame, base) & approval.notna().to_numpy()
        y = pd.Series(np.where(inside, approval.isin(APPROVE).astype(float), np.nan))
        shares = calibrated_proportions(y, design, levels=[0.0, 1.0]).set_index("level")
        rows.append(
            {
                "group": group,
                "n": int(inside.sum()),
                "approve_pct": 100 * float(shares.loc[1.0, "proportion"]),
                "se_fixed": 100 * float(shares.loc[1.0, "se_fixed"]),
                "se_calibrated": 100 * float(shares.loc[1.0, "se"]),
            }
        )
    out = pd.DataFrame(rows)
    out["ratio"] = out["se_calibrated"] / out["se_fixed"]
    return out
