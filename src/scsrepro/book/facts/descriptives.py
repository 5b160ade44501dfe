"""The facts of the descriptives chapter (``chapters/descriptives.md``) that depend on which data it runs on.

:func:`twin_notes` gives the passages that hold on the committed twin only,
as MyST Markdown for ``{glue:md}``; :func:`errata_caption` the caption of
the table of Table A3's errata, which names what the readings are followed
by.
"""

from __future__ import annotations

from IPython.display import Markdown

from scsrepro.book.passages import twin_passages

__all__ = ["twin_notes", "errata_caption"]


def twin_notes(is_twin: bool) -> dict[str, Markdown]:
    """The chapter's passages on the committed twin only (nothing on other data).

    ``note_synthetic`` (the opening warning) and ``note_headline`` (the
    headline approval shares were calibrated).
    """
    return twin_passages("descriptives", is_twin)


def errata_caption(is_twin: bool) -> str:
    """Caption of the table of printed Table A3 numbers that are errata, and the reading the project follows."""
    if is_twin:
        return "Printed Table A3 numbers the twin does not follow, and its reading."
    return (
        "Printed Table A3 numbers that contradict other printed numbers (errata), and the reading the recipes follow."
    )
