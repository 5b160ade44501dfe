"""Figures of the bivariate chapter (approval across groups).

The functions take numbers that are already computed (by
:mod:`scsrepro.paper.bivariate` and :mod:`scsrepro.paper.tables`) and return a
matplotlib figure in the house style of :mod:`scsrepro.book.style`; they compute
nothing themselves, so the numbers a figure shows are exactly the numbers
the chapter prints and the tests check.

* :func:`approval_by_group`: Figure 4, small multiples of the weighted share
  approving and strongly approving by group, with 95 % intervals, the
  paper's stated shares as markers and one Rao-Scott p-value per panel.
* :func:`heldout_comparison`: printed numbers held out of the twin's
  calibration against the twin's estimate and its 95 % interval.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scsrepro.book.facts.common import p_value
from scsrepro.book.style import ORDINAL, WIDTH, percent_axis, use_style
from scsrepro.paper import disclosure

__all__ = ["MEASURE_COLOURS", "approval_by_group", "heldout_comparison"]

_BAR = 0.38
_ERR = {"fmt": "none", "ecolor": "0.15", "elinewidth": 0.9, "capsize": 2.0, "zorder": 3}
_PAPER = {"marker": "D", "s": 26, "color": "black", "zorder": 4, "linewidths": 0}


def _colours() -> dict[str, tuple]:
    pal = sns.color_palette(ORDINAL, 6)
    return {"approve": pal[4], "strongly approve": pal[5]}


#: Bar colour of each measure (the blue end of the ordinal palette).
MEASURE_COLOURS: dict[str, tuple] = _colours()


def _need(frame: pd.DataFrame, cols: set[str], what: str) -> None:
    missing = cols - set(frame.columns)
    if missing:
        raise ValueError(f"{what} lacks the column(s) {sorted(missing)}")


#: What a figure writes where disclosure control withheld a group's bars.
_WITHHELD = f"{disclosure.MARK} fewer than {disclosure.MIN_RESPONDENTS} respondents"


def _bar_layout(n_measures: int) -> tuple[np.ndarray, float]:
    """Offset of each measure's bar from its group's position (first measure on top), and the bar height."""
    offsets = np.linspace(_BAR / 2, -_BAR / 2, n_measures) if n_measures > 1 else np.zeros(1)
    height = _BAR * 2 / max(n_measures, 1) * 0.95
    return offsets, height


def _group_panel(
    ax, part: pd.DataFrame, panel: str, title: str, colours: dict[str, tuple], published: pd.DataFrame | None
) -> None:
    """One panel of Figure 4 on *ax*: a bar per group and measure of *colours*, with its interval.

    *part* holds the panel's estimates; shares of *published* stated for
    the panel are drawn as diamonds on their bar.
    """
    offsets, height = _bar_layout(len(colours))
    groups = list(dict.fromkeys(part["group"]))
    ypos = {g: len(groups) - 1 - i for i, g in enumerate(groups)}
    for off, measure in zip(offsets, colours):
        sub = part[part["measure"] == measure].set_index("group").reindex(groups)
        y = np.array([ypos[g] for g in groups], dtype=float) + off
        share = sub["share"].to_numpy(dtype=float)
        ax.barh(y, share, height=height, color=colours[measure], label=measure, zorder=2)
        lo = np.clip(share - sub["ci_low"].to_numpy(dtype=float), 0, None)
        hi = np.clip(sub["ci_high"].to_numpy(dtype=float) - share, 0, None)
        ok = np.isfinite(share) & np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(share[ok], y[ok], xerr=[lo[ok], hi[ok]], **_ERR)
        if published is not None:
            pub = published[(published["panel"] == panel) & (published["measure"] == measure)]
            pub = pub[pub["group"].isin(groups)]
            if len(pub):
                ax.scatter(
                    pub["value"].to_numpy(dtype=float),
                    np.array([ypos[g] for g in pub["group"]], dtype=float) + off,
                    **_PAPER,
                )
    if "suppressed" in part.columns:  # disclosure control: the group's bars are withheld
        for g in dict.fromkeys(part.loc[part["suppressed"].fillna(False).astype(bool), "group"]):
            ax.annotate(_WITHHELD, xy=(0, ypos[g]), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels(list(reversed(groups)))
    ax.set_ylim(-0.6, len(groups) - 0.4)
    percent_axis(ax, "x", 100)
    ax.grid(axis="y", visible=False)
    ax.set_title(title, loc="left")


def _group_legend(fig, colours: dict[str, tuple], published: pd.DataFrame | None, caption_n: int | None) -> None:
    """Figure 4's legend line: the measures' colours, the interval, the paper's diamonds and the N."""
    handles: list[Artist] = [Patch(color=colours[m], label=m) for m in colours]
    handles.append(Line2D([], [], color="0.15", lw=0.9, label="95 % confidence interval"))
    if published is not None and len(published):
        handles.append(
            Line2D([], [], marker="D", ls="", color="black", markersize=5, label="share stated in the paper")
        )
    label = "weighted shares" + (f", N = {caption_n:,}" if caption_n is not None else "")
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), title=label, bbox_to_anchor=(0.5, 0.0))


def approval_by_group(
    estimates: pd.DataFrame,
    tests: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
    ncols: int = 3,
    caption_n: int | None = None,
):
    """Figure 4: approval by group in small multiples.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Columns ``panel, group, measure, share, ci_low, ci_high`` (per cent),
        e.g. :func:`scsrepro.paper.bivariate.approval_panels`. Panels, groups and
        measures are drawn in their order of appearance; each measure is one
        bar per group (first measure on top).
    tests : pandas.DataFrame, optional
        Columns ``panel, p_value``; the p-value goes under the panel title.
    published : pandas.DataFrame, optional
        Columns ``panel, group, measure, value``: shares stated in the paper,
        drawn as black diamonds on the matching bar.
    ncols : int
        Panels per row.
    caption_n : int, optional
        Number of respondents, shown in the legend line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(estimates, {"panel", "group", "measure", "share", "ci_low", "ci_high"}, "estimates")
    if tests is not None:
        _need(tests, {"panel", "p_value"}, "tests")
    if published is not None:
        _need(published, {"panel", "group", "measure", "value"}, "published")
    use_style()
    panels = list(dict.fromkeys(estimates["panel"]))
    measures = list(dict.fromkeys(estimates["measure"]))
    if not panels:
        raise ValueError("estimates has no rows")
    colours = {m: MEASURE_COLOURS.get(m, sns.color_palette(ORDINAL, 6)[3]) for m in measures}
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH * 1.6, 2.7 * nrows + 0.6), squeeze=False)
    p_of = dict(zip(tests["panel"], tests["p_value"])) if tests is not None else {}
    for ax, panel in zip(axes.flat, panels):
        title = panel if panel not in p_of else f"{panel}\nRao–Scott {p_value(p_of[panel])}"
        _group_panel(ax, estimates[estimates["panel"] == panel], panel, title, colours, published)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    _group_legend(fig, colours, published, caption_n)
    fig.tight_layout(rect=(0, 0.1 if nrows > 1 else 0.16, 1, 1))
    plt.close(fig)
    return fig


def heldout_comparison(
    rows: pd.DataFrame, panel: str | None = "panel", xlabel: str = "per cent", data_name: str = "twin"
):
    """Printed numbers held out of the calibration against the data's estimates.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``label, published, reproduced, ci_low, ci_high`` and,
        optionally, the *panel* column (one subplot per value, stacked).
        Rows are drawn top to bottom in their order.
    panel : str or None
        Name of the panel column; None draws a single panel.
    xlabel : str
        Label of the x axis.
    data_name : str
        The data's name in the legend (:func:`scsrepro.data.loading.data_label`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(rows, {"label", "published", "reproduced", "ci_low", "ci_high"}, "rows")
    if len(rows) == 0:
        raise ValueError("rows is empty")
    use_style()
    if panel is not None and panel in rows.columns:
        groups = list(dict.fromkeys(rows[panel]))
        parts = [rows[rows[panel] == g] for g in groups]
    else:
        groups, parts = [None], [rows]
    sizes = [len(p) for p in parts]
    fig, axes = plt.subplots(
        len(parts),
        1,
        figsize=(WIDTH, 0.28 * sum(sizes) + 0.9 * len(parts) + 0.4),
        gridspec_kw={"height_ratios": sizes},
        squeeze=False,
        sharex=True,
    )
    twin_colour = MEASURE_COLOURS["strongly approve"]
    for ax, name, part in zip(axes[:, 0], groups, parts):
        y = np.arange(len(part))[::-1].astype(float)
        rep = part["reproduced"].to_numpy(dtype=float)
        lo = np.clip(rep - part["ci_low"].to_numpy(dtype=float), 0, None)
        hi = np.clip(part["ci_high"].to_numpy(dtype=float) - rep, 0, None)
        ok = np.isfinite(rep) & np.isfinite(lo) & np.isfinite(hi)
        ax.errorbar(
            rep[ok],
            y[ok],
            xerr=[lo[ok], hi[ok]],
            fmt="o",
            color=twin_colour,
            ms=4,
            elinewidth=0.9,
            capsize=2,
            zorder=3,
            label=f"{data_name}, with 95 % interval",
        )
        ax.scatter(part["published"].to_numpy(dtype=float), y, label="printed in the paper", **_PAPER)
        ax.set_yticks(y)
        ax.set_yticklabels(part["label"].tolist())
        ax.set_ylim(-0.7, len(part) - 0.3)
        ax.grid(axis="y", visible=False)
        percent_axis(ax, "x", 100)
        if name is not None:
            ax.set_title(str(name), loc="left")
    axes[-1, 0].set_xlabel(xlabel)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.45 / fig.get_figheight(), 1, 1))
    plt.close(fig)
    return fig
