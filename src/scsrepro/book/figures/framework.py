"""The paper's Figure 1: the conceptual framework, drawn from the hypotheses.

Kostka (2019) groups the factors that may shape approval of social credit
systems (SCSs) into three categories and draws each as a box with an arrow
to "SCS approval". The paper's Table 4 enters the categories step by step:
Models 1-3 add the individual characteristics and beliefs, Models 4-5 the
characteristics of SCSs, Models 6-7 the received (dis)advantages and the
perceived functions. This module uses that model numbering (the ``model``
column of ``data/published/table_1_hypotheses.csv``) to assign each
hypothesis to one of the three categories, so the sub-category names and
variables shown in the diagram come from the hypotheses file and are not
typed a second time here.

Functions
---------
framework_groups
    One row per sub-category of the hypotheses file with its category,
    hypotheses and variables.
hypothesis_overview
    The hypotheses H1-H21 ordered by category, for the table under the figure.
framework_figure
    The diagram (matplotlib, house style of :mod:`scsrepro.book.style`).
"""

from __future__ import annotations

import matplotlib.patches as mpatches
import pandas as pd

from scsrepro.book import style as plots
from scsrepro.paper.published import load_hypotheses

__all__ = ["CATEGORIES", "OUTCOME", "category_of_model", "framework_groups", "hypothesis_overview", "framework_figure"]

#: The three categories of Figure 1 and the Table 4 models that introduce them.
CATEGORIES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Individual characteristics and beliefs", (1, 2, 3)),
    ("Characteristics of SCSs", (4, 5)),
    ("Received (dis)advantages and perceived functions", (6, 7)),
)
#: The outcome box of Figure 1.
OUTCOME = "SCS approval"

_REQUIRED = ("hypothesis", "category", "variable", "model", "expected_sign", "verdict")


def category_of_model(model: int) -> str:
    """The Figure 1 category whose factors enter the paper's Table 4 in *model*.

    Raises
    ------
    ValueError
        If *model* is not one of the seven models of Table 4.
    """
    for name, models in CATEGORIES:
        if int(model) in models:
            return name
    raise ValueError(f"model {model!r} is not one of Table 4's Models 1-7")


def _checked(hypotheses: pd.DataFrame | None) -> pd.DataFrame:
    h = load_hypotheses() if hypotheses is None else hypotheses
    missing = [c for c in _REQUIRED if c not in h.columns]
    if missing:
        raise ValueError(f"hypotheses table lacks columns {missing}")
    if h.empty:
        raise ValueError("hypotheses table is empty")
    h = h.copy()
    h["framework"] = [category_of_model(m) for m in h["model"]]
    return h


def framework_groups(hypotheses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sub-categories of the hypotheses file grouped into Figure 1's categories.

    Parameters
    ----------
    hypotheses : DataFrame, optional
        As from :func:`scsrepro.paper.published.load_hypotheses` (the default).

    Returns
    -------
    DataFrame
        Columns ``framework`` (one of :data:`CATEGORIES`), ``category`` (the
        file's sub-category), ``hypotheses`` (e.g. ``"H1-H6"`` as a
        comma-separated list) and ``variables``; rows in file order.

    Raises
    ------
    ValueError
        If columns are missing, the table is empty or a model number is not
        in 1-7.
    """
    h = _checked(hypotheses)
    rows = []
    for (framework, category), part in h.groupby(["framework", "category"], sort=False):
        rows.append(
            {
                "framework": framework,
                "category": category,
                "hypotheses": ", ".join(part["hypothesis"]),
                "variables": ", ".join(part["variable"]),
            }
        )
    order = {name: i for i, (name, _) in enumerate(CATEGORIES)}
    out = pd.DataFrame(rows)
    out = out.sort_values("framework", key=lambda s: s.map(order), kind="stable")
    return out.reset_index(drop=True)


def hypothesis_overview(hypotheses: pd.DataFrame | None = None) -> pd.DataFrame:
    """H1-H21 by Figure 1 category, for display under the diagram.

    Returns
    -------
    DataFrame
        Indexed by (category of Figure 1, sub-category, hypothesis) with
        columns ``variable``, ``expected sign``, ``model`` (the Table 4 model
        that introduces it) and ``paper's verdict``.
    """
    h = _checked(hypotheses)
    order = {name: i for i, (name, _) in enumerate(CATEGORIES)}
    h = h.sort_values("framework", key=lambda s: s.map(order), kind="stable")
    out = pd.DataFrame(
        {
            "Figure 1 category": h["framework"],
            "sub-category": h["category"],
            "hypothesis": h["hypothesis"],
            "variable": h["variable"],
            "expected sign": h["expected_sign"],
            "model": h["model"].astype(int),
            "paper's verdict": h["verdict"],
        }
    )
    return out.set_index(["Figure 1 category", "sub-category", "hypothesis"])


def _box(ax, x, y, w, h, title, lines, gid, colour):
    patch = mpatches.FancyBboxPatch(
        (x, y),
        w,
        h,
        boxstyle="round,pad=0.01,rounding_size=0.015",
        linewidth=1.2,
        edgecolor=colour,
        facecolor=colour + "22" if colour.startswith("#") else "white",
    )
    patch.set_gid(gid)
    ax.add_patch(patch)
    if not lines:
        ax.text(
            x + w / 2, y + h / 2, title, ha="center", va="center", fontsize=10.5, fontweight="bold", gid=gid + ":title"
        )
        return patch
    ax.text(x + 0.015, y + h - 0.02, title, ha="left", va="top", fontsize=9.5, fontweight="bold", gid=gid + ":title")
    if lines:
        ax.text(x + 0.015, y + h - 0.065, "\n".join(lines), ha="left", va="top", fontsize=7.6, linespacing=1.35)
    return patch


def framework_figure(hypotheses: pd.DataFrame | None = None, width: float = plots.WIDTH * 1.3):
    """Draw Figure 1: three boxes of factors with arrows to an approval box.

    Each category box lists its sub-categories from the hypotheses file with
    the hypotheses (``H1, H2, ...``) and variables they cover.

    Parameters
    ----------
    hypotheses : DataFrame, optional
        As from :func:`scsrepro.paper.published.load_hypotheses` (the default).
    width : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Category boxes carry the gid ``"category:<name>"``, the outcome box
        the gid ``"outcome"``.
    """
    groups = framework_groups(hypotheses)
    colours = ["#0173b2", "#de8f05", "#029e73"]
    fig, ax = plots.figure(width=width, height=5.4)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.grid(False)
    n = len(CATEGORIES)
    gap = 0.035
    box_h = (1 - gap * (n + 1)) / n
    x0, w = 0.01, 0.62
    ox, ow, oh = 0.78, 0.2, 0.16
    oy = 0.5 - oh / 2
    for i, (name, _) in enumerate(CATEGORIES):
        y = 1 - gap - (i + 1) * box_h - i * gap
        part = groups[groups["framework"] == name]
        lines = []
        for row in part.itertuples(index=False):
            lines.append(f"{row.category} ({row.hypotheses})")
            lines.append("    " + _wrap(row.variables, 78))
        _box(ax, x0, y, w, box_h, name, lines, f"category:{name}", colours[i % len(colours)])
        ax.annotate(
            "",
            xy=(ox, oy + oh * (0.8 - 0.3 * i)),
            xytext=(x0 + w, y + box_h / 2),
            arrowprops={"arrowstyle": "-|>", "color": "0.25", "linewidth": 1.3, "shrinkA": 2, "shrinkB": 2},
        )
    _box(ax, ox, oy, ow, oh, OUTCOME, [], "outcome", "#555555")
    return plots.finish(fig)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n    ".join(lines)
