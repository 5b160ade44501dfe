"""The book's house style for figures, and small helpers every chapter uses.

Every figure in the book is drawn with seaborn/matplotlib through these
helpers so that they look alike: one palette, one font size, light grid,
no top/right spines, percentages on a 0-100 axis, and 95 % confidence
intervals drawn as thin error bars. Chapter-specific figure functions live
in the modules that compute their numbers' neighbours (e.g.
``scsrepro.book.figures.descriptive``) and call :func:`use_style` first.

Figures are returned, not shown: a chapter cell ends with the figure object
so that myst-nb captures it (PNG, deterministic metadata).
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns

#: Categorical palette (colour-blind safe).
PALETTE = "colorblind"
#: Sequential palette for ordered answers (disapprove ... approve).
ORDINAL = "RdYlBu"
#: Width of a single-column figure in inches; two-panel figures use 1.6x.
WIDTH = 7.0


def use_style() -> None:
    """Apply the house style (idempotent)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "axes.titlesize": 11,
            "legend.frameon": False,
            # deterministic SVG ids, should a chapter ever save SVG
            "svg.hashsalt": "scsrepro",
        }
    )


def figure(width: float = WIDTH, height: float = 4.0, **kwargs):
    """A new figure and axes in the house style."""
    use_style()
    return plt.subplots(figsize=(width, height), **kwargs)


def percent_axis(ax, axis: str = "x", limit: float = 100.0) -> None:
    """Label an axis in per cent from 0 to *limit*."""
    setter = ax.set_xlim if axis == "x" else ax.set_ylim
    setter(0, limit)
    fmt = matplotlib.ticker.PercentFormatter(xmax=100, decimals=0)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def finish(fig):
    """Tight layout and close the pyplot state; return the figure for display."""
    fig.tight_layout()
    plt.close(fig)
    return fig
