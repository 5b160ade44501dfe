"""Prose facts of the Descriptives chapter (``chapters/descriptives.md``).

The chapter glues most of its numbers where it computes them; the helpers
here return the counts its prose would otherwise write as words
(:func:`errata_facts`) and the caption of the table of Table A3's errata
(:func:`errata_caption`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["errata_facts", "errata_caption"]


def errata_facts(errata: pd.DataFrame, prefixes: Sequence[str] = ("a2_", "a3_")) -> dict[str, str]:
    """How many errata there are and how many involve a printed number of this page's tables.

    *errata* is ``data/published/errata.csv`` (read with
    ``keep_default_na=False``); an erratum involves a table when one of its
    ``published_ids`` (separated by ``;``) starts with one of *prefixes*
    (Table A2 and Table A3 by default). Facts: ``errata_n`` and
    ``errata_here``.
    """
    ids = errata["published_ids"].fillna("").astype(str).str.split(";")
    here = ids.map(lambda names: any(name.strip().startswith(tuple(prefixes)) for name in names))
    return {"errata_n": str(len(errata)), "errata_here": str(int(here.sum()))}


def errata_caption(is_twin: bool) -> str:
    """Caption of the table of printed Table A3 numbers that are errata, and the reading the project follows."""
    if is_twin:
        return "Printed Table A3 numbers the twin does not follow, and its reading."
    return (
        "Printed Table A3 numbers that contradict other printed numbers (errata), and the reading the recipes follow."
    )
