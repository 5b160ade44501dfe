"""The facts of the sampling chapter (``chapters/sampling.md``) that depend on which data it runs on.

:func:`twin_notes` gives the passages that hold on the committed twin only,
:func:`disclosure_facts` the statement of the disclosure rule (the one place
the book states it) and :func:`older_west_facts` the weight of older
Western respondents and the sentence on it, which disclosure control may
withhold.
Each returns a mapping for one :func:`scsrepro.book.gluing.glue_all` call;
passages are MyST Markdown for ``{glue:md}``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from scsrepro.book.passages import twin_passages
from scsrepro.data.loading import is_committed_twin
from scsrepro.paper import disclosure

__all__ = ["twin_notes", "disclosure_facts", "older_west_facts"]


def twin_notes(is_twin: bool) -> dict[str, Markdown]:
    """The chapter's passages that hold on the committed twin only (empty on other data).

    ``note_caps`` (inline, after the older-Western respondents), ``note_a2``
    (after the composition table) and ``note_representativeness`` (after the
    quota figure).
    """
    return twin_passages("sampling", is_twin)


def disclosure_facts(data_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The disclosure rule's threshold and what it means for the data of this run.

    ``min_respondents`` (int, :data:`scsrepro.paper.disclosure.MIN_RESPONDENTS`)
    and ``disclosure_here``, a sentence: on the committed twin, why its small
    cells stay visible; on other data, that the rule applies to every page.
    """
    if is_committed_twin(data_path):
        here = (
            "The data of this run are the committed synthetic twin. Its respondents are made up, so nobody "
            "can be identified in them; the pages therefore show its small cells as they are, and nothing "
            "is withheld."
        )
    else:
        here = (
            "The data of this run are not the committed synthetic twin, so the rule applies on every page of this book."
        )
    return {"min_respondents": disclosure.MIN_RESPONDENTS, "disclosure_here": Markdown(here)}


def older_west_facts(row: pd.Series) -> dict[str, Any]:
    """The mean weight of older Western respondents and the sentence that quotes it.

    *row* is the ``p_design_weight_older_west`` row of
    :func:`scsrepro.paper.tables.design_numbers`. Facts:
    ``older_west_weight`` (float) and ``older_west_n`` (int; both missing
    when disclosure control withheld the cell) and ``older_west_sentence``,
    MyST Markdown that quotes them, or says that the cell has too few
    respondents to be shown.
    """
    withheld = bool(row.get("suppressed", False))
    if withheld:
        text = (
            "In the data fewer than {glue:text}`min_respondents` respondents fall into that group, so their "
            "weight is not shown (see the section on disclosure control below)."
        )
        return {"older_west_weight": np.nan, "older_west_n": np.nan, "older_west_sentence": Markdown(text)}
    text = (
        "In the data their mean weight is {glue:text}`older_west_weight:.2f` ({glue:text}`older_west_n:d` respondents)."
    )
    return {
        "older_west_weight": float(row["reproduced"]),
        "older_west_n": int(row["n_base"]),
        "older_west_sentence": Markdown(text),
    }
