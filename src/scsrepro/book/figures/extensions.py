"""Figures of the chapter "Beyond the paper" (``chapters/extensions.md``), in the house style.

``cap_plot``
    The headline approval share and the Table 4 coefficients under each
    weight cap.

Each function returns the figure (closed), so a chapter cell can end with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from scsrepro.book import style as plots
from scsrepro.survey.significance import Z95

__all__ = ["cap_plot"]


def cap_plot(summary: pd.DataFrame, shifts: pd.DataFrame):
    """Two panels: approval by cap (95 % intervals), and each Table 4 coefficient's shift.

    Parameters
    ----------
    summary : DataFrame
        :func:`scsrepro.paper.cap_sensitivity.cap_summary`; infeasible caps
        are named on the axis and drawn without a point.
    shifts : DataFrame
        :func:`scsrepro.paper.cap_sensitivity.cap_shifts` of Table 4.
    """
    fig, (ax, ax2) = plots.figure(width=plots.WIDTH * 1.6, height=3.6, ncols=2)
    caps = summary["cap"].tolist()
    y = np.arange(len(caps))
    ok = summary["feasible"].to_numpy(dtype=bool)
    est, se = summary["approve_pct"].to_numpy(dtype=float), summary["approve_se"].to_numpy(dtype=float)
    ax.errorbar(est[ok], y[ok], xerr=Z95 * se[ok], fmt="o", color=sns.color_palette(plots.PALETTE)[0], capsize=3)
    for k in np.flatnonzero(~ok):
        for a in (ax, ax2):
            a.annotate(
                "infeasible", (0.5, y[k]), xycoords=("axes fraction", "data"), va="center", ha="center", color="0.35"
            )
    ax.set_yticks(y, [f"cap {c}" for c in caps])
    ax.set_ylim(len(caps) - 0.5, -0.5)
    ax.set_xlabel("approving (somewhat or strongly), weighted %")
    ax.set_title("Headline share", loc="left")
    order = {c: k for k, c in enumerate(caps)}
    jitter = np.linspace(-0.25, 0.25, max(1, int(shifts.groupby("cap").size().max())))
    for cap, d in shifts.groupby("cap", sort=False):
        ax2.scatter(d["shift_se"], order[cap] + jitter[: len(d)], s=12, color="0.25")
    ax2.axvline(0, color="0.4", lw=0.8)
    for edge in (-1, 1):
        ax2.axvline(edge, color="0.6", lw=0.8, ls="--")
    ax2.set_yticks(y, [f"cap {c}" for c in caps])
    ax2.set_ylim(len(caps) - 0.5, -0.5)
    ax2.set_xlabel("change from the paper's cap, in standard errors")
    ax2.set_title("Table 4 coefficients", loc="left")
    return plots.finish(fig)
