"""Figures of the sampling chapter, and the numbers behind them.

:func:`weight_cells` describes the weights by raking cell and
:func:`quota_comparison` sets the quota design beside the achieved and the
weighted sample; :func:`weight_histogram` and :func:`representativeness`
draw them in the house style of :mod:`scsrepro.book.style`. Tables in the
paper's layout come from :mod:`scsrepro.book.figures.descriptive`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns

from scsrepro.book import style as plots
from scsrepro.data.codebook import Codebook, load_codebook
from scsrepro.paper import disclosure
from scsrepro.paper.weights import RAKING_VARIABLES, WEIGHT_CAP
from scsrepro.survey.weighting import check_weights

__all__ = [
    "QUOTA_SOURCES",
    "CELL_NUMBERS",
    "weight_cells",
    "shown_cells",
    "quota_comparison",
    "weight_histogram",
    "representativeness",
]

#: The sources of :func:`quota_comparison`, in order.
QUOTA_SOURCES = (
    "Quota (Table A1)",
    "Achieved sample (unweighted)",
    "Weighted sample",
    "Paper, unweighted (Table A2)",
    "Paper, weighted (Table A2)",
)


def weight_cells(df: pd.DataFrame, w, cap: float = WEIGHT_CAP, codebook: Codebook | None = None) -> pd.DataFrame:
    """The weights by raking cell (age group x gender x region).

    Weights are put on the mean-1 scale first (the scale of the paper's cap).

    Parameters
    ----------
    df : pandas.DataFrame
        Respondent frame (raw or derived).
    w : array-like
        Survey weights aligned with *df*.
    cap : float
        The cap to count respondents at (default 2.0).

    Returns
    -------
    pandas.DataFrame
        One row per occupied cell with its labels, ``n``, ``share`` (per cent
        of respondents), ``mean_weight``, ``min_weight``, ``max_weight``,
        ``weighted_share`` (per cent of the weighted total) and ``at_cap``
        (respondents whose weight equals the cap), sorted by mean weight,
        largest first.
    """
    cb = codebook or load_codebook()
    frame = df if all(v in df.columns for v in RAKING_VARIABLES) else cb.derive(df)
    wn = check_weights(w, len(df))
    wn = wn / wn.mean()
    cells = pd.DataFrame({v: frame[v].to_numpy() for v in RAKING_VARIABLES})
    cells = cb.label(cells, list(RAKING_VARIABLES))
    cells["weight"] = wn
    cells["at_cap"] = wn >= cap * (1 - 1e-9)
    out = (
        cells.groupby(list(RAKING_VARIABLES), observed=True, sort=True)
        .agg(
            n=("weight", "size"),
            mean_weight=("weight", "mean"),
            min_weight=("weight", "min"),
            max_weight=("weight", "max"),
            weight_total=("weight", "sum"),
            at_cap=("at_cap", "sum"),
        )
        .reset_index()
    )
    out["share"] = out["n"] / len(cells) * 100
    out["weighted_share"] = out.pop("weight_total") / wn.sum() * 100
    out["at_cap"] = out["at_cap"].astype(int)
    cols = list(RAKING_VARIABLES) + [
        "n",
        "share",
        "weighted_share",
        "mean_weight",
        "min_weight",
        "max_weight",
        "at_cap",
    ]
    return out[cols].sort_values(["mean_weight", "n"], ascending=[False, False], kind="stable").reset_index(drop=True)


#: The columns of :func:`weight_cells` computed from the respondents of a cell.
CELL_NUMBERS = ("n", "share", "weighted_share", "mean_weight", "min_weight", "max_weight", "at_cap")


def shown_cells(cells: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """:func:`weight_cells` as the book may show it: cells of too few respondents withheld.

    :func:`scsrepro.paper.disclosure.suppress_rows` on the cell size ``n``
    (every number of such a cell is removed; *protect* is
    :func:`scsrepro.paper.disclosure.applies`).
    """
    return disclosure.suppress_rows(cells, protect, n_column="n", columns=CELL_NUMBERS)


def quota_comparison(a2: pd.DataFrame, quota: pd.DataFrame) -> pd.DataFrame:
    """Quota targets beside the achieved and the weighted sample, by gender and region.

    Parameters
    ----------
    a2 : pandas.DataFrame
        Output of :func:`scsrepro.paper.tables.table_a2`.
    quota : pandas.DataFrame
        Output of :func:`scsrepro.paper.quota.quota_table` (index age group x
        gender; columns ``step5`` and one per region).

    Returns
    -------
    pandas.DataFrame
        Long frame with ``dimension`` (Gender, Region), ``category``,
        ``source`` (the quota, the achieved sample, the weighted sample, and
        the paper's two Table A2 columns) and ``percent``.
    """
    total = quota["step5"].sum()
    by_gender = quota["step5"].groupby(level="gender").sum() / total * 100
    pct: dict[tuple[str, str], dict[str, float]] = {}
    for gender in ("female", "male"):
        pct[("Gender", gender.capitalize())] = {QUOTA_SOURCES[0]: float(by_gender[gender])}
    for region in ("West", "Central", "East"):
        pct[("Region", region)] = {QUOTA_SOURCES[0]: float(quota[region].sum() / total * 100)}
    names = {"unweighted": (QUOTA_SOURCES[1], QUOTA_SOURCES[3]), "weighted": (QUOTA_SOURCES[2], QUOTA_SOURCES[4])}
    for r in a2[a2["measure"].isin(["Gender", "Region"])].itertuples(index=False):
        ours, paper = names[r.column]
        pct[(r.measure, r.item)].update({ours: float(r.reproduced), paper: float(r.published)})
    rows = [
        {"dimension": dim, "category": cat, "source": src, "percent": values[src]}
        for (dim, cat), values in pct.items()
        for src in QUOTA_SOURCES
    ]
    return pd.DataFrame(rows, columns=["dimension", "category", "source", "percent"])


def weight_histogram(weights, cap: float | None = WEIGHT_CAP, binwidth: float = 0.05, protect: bool = False):
    """Histogram of the weights on the mean-1 scale, with the cap marked.

    Parameters
    ----------
    weights : array-like
        Survey weights (any scale; divided by their mean).
    cap : float or None
        Where to draw the cap line (None: no line).
    binwidth : float
        Width of the bins.
    protect : bool
        Disclosure control (:func:`scsrepro.paper.disclosure.applies`): bins
        with fewer than :data:`~scsrepro.paper.disclosure.MIN_RESPONDENTS`
        respondents are not drawn, and a note under the axis says so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    wn = np.asarray(weights, dtype=float)
    wn = wn / wn.mean()
    top = max(wn.max(), cap or 0) + binwidth
    bins = np.arange(0, top + binwidth, binwidth)
    fig, ax = plots.figure(height=3.4)
    colour = sns.color_palette(plots.PALETTE)[0]
    if protect:
        counts, edges = np.histogram(wn, bins=bins)
        hidden = disclosure.too_few(counts)
        shown = np.where(hidden, 0, counts)
        ax.bar(edges[:-1], shown, width=np.diff(edges), align="edge", color=colour, edgecolor="white")
        if hidden.any() and counts[hidden].sum() > 0:
            ax.annotate(
                f"bins with fewer than {disclosure.MIN_RESPONDENTS} respondents not shown",
                xy=(0.01, 0.98),
                xycoords="axes fraction",
                va="top",
                fontsize=8,
            )
    else:
        sns.histplot(x=wn, bins=bins, ax=ax, color=colour, edgecolor="white")
    if cap is not None:
        ax.axvline(cap, color="black", linestyle="--", linewidth=1)
        ax.annotate(
            f"cap {cap:.1f}",
            xy=(cap, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=9,
        )
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("weight (mean 1)")
    ax.set_ylabel("respondents")
    return plots.finish(fig)


def representativeness(comparison: pd.DataFrame, sources: Sequence[str] = QUOTA_SOURCES[:3]):
    """Quota targets against the achieved and the weighted sample, one panel per dimension.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`quota_comparison`.
    sources : sequence of str
        Which sources to draw, in order (one bar colour each).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per ``dimension`` (Gender, then Region); in each, one bar
        container per source, in the order of *sources*.
    """
    data = comparison[comparison["source"].isin(list(sources))]
    dims = list(dict.fromkeys(data["dimension"]))
    widths = [data.loc[data["dimension"] == d, "category"].nunique() for d in dims]
    fig, axes = plots.figure(
        width=plots.WIDTH * 1.3, height=3.8, ncols=len(dims), sharey=True, gridspec_kw={"width_ratios": widths}
    )
    axes = np.atleast_1d(axes)
    for ax, dim in zip(axes, dims):
        sub = data[data["dimension"] == dim]
        sns.barplot(
            data=sub,
            x="category",
            y="percent",
            hue="source",
            hue_order=list(sources),
            errorbar=None,
            ax=ax,
            legend=ax is axes[-1],
        )
        ax.set_title(dim)
        ax.set_xlabel("")
        ax.set_ylabel("per cent of the sample")
        plots.percent_axis(ax, "y", 80)
        for cont in ax.containers:
            ax.bar_label(cont, fmt="%.0f", fontsize=8, padding=1)
    axes[-1].legend(loc="upper left", fontsize=8)
    return plots.finish(fig)
