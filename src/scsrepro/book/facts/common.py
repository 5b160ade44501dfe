"""Formatting of numbers for the running text, shared by every chapter's facts.

Also the one sentence every chapter prints beside an agreement or a pattern
that the synthetic twin's calibration put there (:func:`construction_note`).
"""

from __future__ import annotations

import math
from typing import Any

from IPython.display import Markdown

__all__ = ["pct", "count", "p_value", "signed", "CONSTRUCTION_LABEL", "construction_note", "construction_facts"]

#: The label of the appendix section that explains how the twin is made (``chapters/fidelity.md``).
CONSTRUCTION_LABEL = "twin-construction"


def pct(x: float, digits: int = 1) -> str:
    """A percentage (or any number) at *digits* decimals: ``pct(61.234) == "61.2"``."""
    return f"{x:.{digits}f}"


def count(n: Any) -> str:
    """A count with a thousands separator: ``count(2209) == "2,209"``."""
    return f"{int(n):,}"


def p_value(p: float | None) -> str:
    """A p-value for the text: ``p < 0.001`` or three decimals (``p = n/a`` if missing)."""
    if p is None or not math.isfinite(p):
        return "p = n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def signed(x: float, digits: int = 1) -> str:
    """A number with its sign always shown: ``signed(1.25) == "+1.2"``."""
    return f"{x:+.{digits}f}"


def construction_note(is_twin: bool) -> str:
    """The standard sentence beside an agreement or pattern that the twin's calibration put there.

    *is_twin* says whether the chapter's data are the committed synthetic
    twin (``scsrepro.data.loading.data_label(path) == "twin"``). On the twin
    the sentence says that the result just shown reflects the calibration
    (an agreement built in, or a pattern that rests on calibrated answers)
    and links (MyST Markdown) to the appendix's account of how the twin is made;
    on any other data it is ``""``, since a real survey or another file was
    not tuned to the paper and the agreement, if any, is then the data's own.
    """
    if not is_twin:
        return ""
    return (
        "On the committed synthetic twin, this result reflects what the calibration built into the data "
        f"and is no evidence about the real survey ([how the twin is made]({CONSTRUCTION_LABEL}))."
    )


def construction_facts(is_twin: bool) -> dict[str, Markdown]:
    """``{"construction_note": ...}``: :func:`construction_note` as Markdown, for ``glue_all``.

    The chapters quote it with ``{glue:md}`construction_note:myst``` so
    that its link is rendered; on other data the glued Markdown is empty
    and the sentence disappears.
    """
    return {"construction_note": Markdown(construction_note(is_twin))}
