"""Figures of the Models chapter, in the house style of :mod:`scsrepro.book.style`.

``coefficient_plot``
    Table 4 as small multiples: the reproduced estimates with 95 %
    intervals and the printed estimates marked, one panel per model.
``probability_plot``
    Average predicted probabilities of "strongly approve" with intervals,
    one panel per covariate (or group of covariates).
``weighting_plot``
    Unweighted against weighted estimates of the same models.

Each function returns the figure (closed), so a chapter cell can end with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scsrepro.book import style as plots

__all__ = ["TERM_LABELS", "coefficient_plot", "probability_plot", "weighting_plot"]

#: Short names of Table 4's terms for axis labels.
TERM_LABELS: dict[str, str] = {
    "age": "Age (years)",
    "income_2": "Income 1,000-4,000",
    "income_3": "Income > 4,000",
    "male": "Male",
    "educ_2": "Education: low",
    "educ_3": "Education: medium",
    "educ_4": "Education: high",
    "urban": "Urban",
    "region_2": "Central",
    "region_3": "East",
    "smartphone_time": "Smartphone time",
    "post_frequency": "Posting frequency",
    "ccp_member": "CCP member",
    "gov_confidence": "Confidence in government",
    "sesame_score": "Sesame score",
    "score_vs_friends": "Score vs friends",
    "transparency": "Transparency",
    "received_info": "Received information",
    "joined_automatically": "Joined automatically",
    "fairness": "Fairness of score",
    "received_advantages": "Received advantages",
    "received_disadvantages": "Received disadvantages",
    "accountability": "Accountability",
    "abide_regulations": "Abiding regulations",
    "quality_of_life": "Quality of life",
}

_Z = 1.959963984540054


def coefficient_plot(
    ours: pd.DataFrame,
    published: pd.DataFrame,
    terms: Sequence[str],
    xlim: tuple[float, float] = (-3.0, 3.5),
    labels: Mapping[str, str] | None = None,
    ours_label: str = "synthetic twin (95 % CI)",
    published_label: str = "paper (95 % CI)",
    shade_label: str = "paper's estimate outside the twin's 95 % CI",
):
    """Small multiples of Table 4: reproduced estimates beside the printed ones.

    Parameters
    ----------
    ours, published : DataFrame
        Long tables ``model, term, coef, se`` (cut points are left out).
    terms : sequence of str
        Table 4 keys in row order; each panel shows those its model has.
    xlim : (float, float)
        Common horizontal range. An estimate outside it is drawn as an arrow
        at the edge with its value written next to it.
    labels : mapping, optional
        Axis labels of the terms (default :data:`TERM_LABELS`).
    ours_label, published_label, shade_label : str
        Legend entries of the refit, the print and the shaded rows (name
        the data with :func:`scsrepro.data.loading.data_label`).

    A row is shaded when the printed estimate lies outside the reproduced
    95 % interval, i.e. where the twin differs from the paper by more than
    its own sampling error.
    """
    labels = dict(TERM_LABELS if labels is None else labels)
    models = sorted(set(published["model"]) | set(ours["model"]))
    per_model = {m: [t for t in terms if t in set(ours.loc[ours["model"].eq(m), "term"])] for m in models}
    ncol = 2
    nrow = int(np.ceil((len(models) + 1) / ncol))
    heights = [max(len(per_model[m]) for m in models[r * ncol : (r + 1) * ncol]) + 1 for r in range(nrow)]
    fig, axes = plots.figure(
        width=plots.WIDTH * 1.6,
        height=0.2 * sum(heights) + 1.0,
        nrows=nrow,
        ncols=ncol,
        sharex=True,
        gridspec_kw={"height_ratios": heights},
    )
    palette = sns.color_palette(plots.PALETTE)
    c_ours, c_pub, c_shade = palette[0], palette[1], palette[3]
    ours_i = ours.set_index(["model", "term"])
    pub_i = published.set_index(["model", "term"])
    flat = axes.ravel()
    for ax, m in zip(flat, models):
        rows = per_model[m]
        y = np.arange(len(rows))[::-1].astype(float)
        for yi, t in zip(y, rows):
            b, s = ours_i.loc[(m, t), ["coef", "se"]]
            lo, hi = b - _Z * s, b + _Z * s
            has_pub = (m, t) in pub_i.index
            if has_pub:
                pb, ps = pub_i.loc[(m, t), ["coef", "se"]]
                if not lo <= pb <= hi:
                    ax.axhspan(yi - 0.5, yi + 0.5, color=c_shade, alpha=0.15, lw=0)
                _interval(ax, pb, pb - _Z * ps, pb + _Z * ps, yi - 0.22, c_pub, "D", xlim, hollow=True)
            _interval(ax, b, lo, hi, yi + 0.12, c_ours, "o", xlim)
        ax.axvline(0, color="0.4", lw=0.8, zorder=0)
        ax.set_yticks(y, [labels.get(t, t) for t in rows])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_title(f"Model {m}", loc="left")
        ax.grid(axis="y", visible=False)
        ax.set_xlim(*xlim)
    for ax in flat[len(models) :]:
        ax.axis("off")
    handles = [
        Line2D([0], [0], color=c_ours, marker="o", lw=1.2, label=ours_label),
        Line2D([0], [0], color=c_pub, marker="D", markerfacecolor="white", lw=0.8, label=published_label),
        Patch(color=c_shade, alpha=0.3, label=shade_label),
        Line2D([0], [0], color="0.3", marker="<", lw=0, label="beyond the axis (value written)"),
    ]
    flat[len(models)].legend(handles=handles, loc="center left")
    for ax in flat[max(0, len(models) - ncol) : len(models)]:
        ax.set_xlabel("ordered-logit coefficient (log-odds)")
    return plots.finish(fig)


def _interval(ax, b, lo, hi, y, color, marker, xlim, hollow=False):
    """One estimate with its interval, clipped to *xlim* (arrow and value when outside)."""
    left, right = xlim
    ax.plot([max(lo, left), min(hi, right)], [y, y], color=color, lw=1.2 if not hollow else 0.8, solid_capstyle="butt")
    if b < left or b > right:
        edge = left if b < left else right
        ax.plot(edge, y, marker="<" if b < left else ">", color=color, ms=6, clip_on=False)
        ax.annotate(
            f"{b:.3g}",
            (edge, y),
            xytext=(6 if b < left else -6, 0),
            textcoords="offset points",
            ha="left" if b < left else "right",
            va="center",
            fontsize=7,
            color=color,
        )
    else:
        ax.plot(b, y, marker=marker, color=color, ms=4.5, markerfacecolor="white" if hollow else color, zorder=3)


def probability_plot(
    panels: Mapping[str, pd.DataFrame],
    tick_labels: Mapping[str, Mapping] | None = None,
    ncols: int = 2,
    ylabel: str = "P(strongly approve)",
    series_labels: Mapping[str, str] | None = None,
):
    """Average predicted probabilities with intervals, one panel per entry of *panels*.

    Parameters
    ----------
    panels : mapping title -> DataFrame
        Frames from :func:`scsrepro.paper.robustness.predicted_probabilities`
        (columns ``variable, value, probability, ci_low, ci_high``); a frame
        holding several variables draws one line per variable (with a
        legend) against the answer codes.
    tick_labels : mapping title -> {value: label}, optional
        Labels of the horizontal axis of a panel (e.g. income groups).
    series_labels : mapping variable -> label, optional
        Legend entries of panels with several variables.
    """
    series_labels = dict(series_labels or {})
    tick_labels = dict(tick_labels or {})
    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plots.figure(width=plots.WIDTH * 1.6, height=3.3 * nrows, nrows=nrows, ncols=ncols, sharey=True)
    flat = np.atleast_1d(axes).ravel()
    palette = sns.color_palette(plots.PALETTE)
    for ax, (title, frame) in zip(flat, panels.items()):
        variables = list(dict.fromkeys(frame["variable"]))
        width = 0.08 * (len(variables) - 1)
        for i, (var, color) in enumerate(zip(variables, palette)):
            d = frame[frame["variable"].eq(var)]
            x = d["value"].to_numpy(dtype=float) + (i * 0.08 - width / 2)
            p = 100 * d["probability"].to_numpy()
            err = np.vstack([p - 100 * d["ci_low"].to_numpy(), 100 * d["ci_high"].to_numpy() - p])
            ax.errorbar(
                x,
                p,
                yerr=err,
                color=color,
                marker="o",
                ms=4.5,
                lw=1.2,
                capsize=2.5,
                elinewidth=0.9,
                label=series_labels.get(var, var) if len(variables) > 1 else None,
            )
        values = sorted(frame["value"].unique())
        ticks = tick_labels.get(title)
        ax.set_xticks(values, [ticks.get(v, v) for v in values] if ticks else [f"{v:g}" for v in values])
        ax.set_title(title, loc="left")
        plots.percent_axis(ax, "y")
        if len(variables) > 1:
            ax.legend(loc="upper left")
    for ax in flat[n:]:
        ax.axis("off")
    for ax in flat[::ncols]:
        ax.set_ylabel(ylabel)
    return plots.finish(fig)


def weighting_plot(comparison: pd.DataFrame, limit: float = 2.0):
    """Unweighted against weighted coefficients, one dot per model and term.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`scsrepro.paper.robustness.weighted_vs_unweighted`.
    limit : float
        Half-width of both axes; the few larger coefficients are drawn at
        the border.

    The right panel shows the shift (unweighted minus weighted) in units of
    the weighted standard error, so that large moves stand out whatever the
    scale of the covariate.
    """
    fig, (ax, ax2) = plots.figure(width=plots.WIDTH * 1.6, height=4.2, ncols=2)
    palette = sns.color_palette(plots.PALETTE, n_colors=int(comparison["model"].max()))
    for m, d in comparison.groupby("model"):
        colour = palette[int(m) - 1]
        ax.scatter(
            d["coef_weighted"].clip(-limit, limit),
            d["coef_unweighted"].clip(-limit, limit),
            s=18,
            color=colour,
            label=f"Model {m}",
            zorder=3,
        )
        ax2.scatter(d["shift"], np.full(len(d), m) + np.linspace(-0.25, 0.25, len(d)), s=14, color=colour)
    ax.plot([-limit, limit], [-limit, limit], color="0.4", lw=0.8, zorder=0)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_xlabel("weighted coefficient")
    ax.set_ylabel("unweighted coefficient")
    ax.set_title("Same models, with and without weights", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    ax2.axvline(0, color="0.4", lw=0.8)
    for edge in (-1, 1):
        ax2.axvline(edge, color="0.6", lw=0.8, ls="--")
    ax2.set_yticks(sorted(comparison["model"].unique()), [f"Model {m}" for m in sorted(comparison["model"].unique())])
    ax2.invert_yaxis()
    ax2.set_xlabel("shift in weighted standard errors")
    ax2.set_title("Unweighted minus weighted", loc="left")
    return plots.finish(fig)
