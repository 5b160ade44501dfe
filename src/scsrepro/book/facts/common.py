"""Formatting of numbers for the running text, and passages that hold on the twin only.

Numbers are formatted with :func:`pct`, :func:`count`, :func:`p_value` and
:func:`signed`. A passage that is true of the committed synthetic twin only
is glued as MyST Markdown by :func:`twin_note` and shown with
``{glue:md}`name:myst``` (or the ``glue:md`` directive with
``:format: myst``): its text on the twin, nothing or a one-line "does not
apply" (:func:`does_not_apply`) on other data. Whether the data are the twin
is :func:`scsrepro.data.loading.is_committed_twin` (by checksum).

The short passage is always the same sentence, :func:`construction_note`,
printed beside an agreement or a pattern that the twin's calibration put
there; the longer ones (how the twin is made, the seed check, the warnings
at the top of a chapter) are in :mod:`scsrepro.book.passages`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from IPython.display import Markdown

__all__ = [
    "NOT_AVAILABLE",
    "pct",
    "count",
    "p_value",
    "signed",
    "and_list",
    "twin_note",
    "does_not_apply",
    "CONSTRUCTION_LABEL",
    "construction_note",
    "construction_facts",
]

#: The label of the appendix section that explains how the twin is made (``chapters/fidelity.md``).
CONSTRUCTION_LABEL = "twin-construction"

#: What a fact shows when the data give no number (a term not estimable on them).
NOT_AVAILABLE = "n/a"


def _missing(x: Any) -> bool:
    try:
        return x is None or not math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def pct(x: float, digits: int = 1) -> str:
    """A percentage (or any number) at *digits* decimals: ``pct(61.234) == "61.2"`` (``"n/a"`` if missing)."""
    return NOT_AVAILABLE if _missing(x) else f"{x:.{digits}f}"


def count(n: Any) -> str:
    """A count with a thousands separator: ``count(2209) == "2,209"`` (``"n/a"`` if missing)."""
    return NOT_AVAILABLE if _missing(n) else f"{int(n):,}"


def p_value(p: float | None) -> str:
    """A p-value for the text: ``p < 0.001`` or three decimals (``p = n/a`` if missing)."""
    if p is None or not math.isfinite(p):
        return "p = n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def signed(x: float, digits: int = 1) -> str:
    """A number with its sign always shown: ``signed(1.25) == "+1.2"`` (``"n/a"`` if missing)."""
    return NOT_AVAILABLE if _missing(x) else f"{x:+.{digits}f}"


def and_list(items: Sequence[str], empty: str = "none") -> str:
    """Items as prose: ``a``, ``a and b``, ``a, b and c``; *empty* for no item."""
    items = list(items)
    if not items:
        return empty
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def twin_note(is_twin: bool, text: str, elsewhere: str = "") -> Markdown:
    """A MyST passage for ``{glue:md}``: *text* on the committed twin, *elsewhere* (default: nothing) on other data."""
    return Markdown(text if is_twin else elsewhere)


def does_not_apply(what: str) -> str:
    """The one line that replaces a twin-only section on other data: *what* (a noun phrase) does not apply."""
    return f"{what[:1].upper()}{what[1:]} concerns the committed synthetic twin only and does not apply to the data of this run."


def construction_note(is_twin: bool) -> str:
    """The standard sentence beside an agreement or pattern that the twin's calibration put there.

    *is_twin* says whether the chapter's data are the committed synthetic
    twin (:func:`scsrepro.data.loading.is_committed_twin`). On the twin the
    sentence says that the result just shown reflects the calibration (an
    agreement built in, or a pattern that rests on calibrated answers) and
    links (MyST Markdown) to the appendix's account of how the twin is made;
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
    return {"construction_note": twin_note(is_twin, construction_note(True))}
