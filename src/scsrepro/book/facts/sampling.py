"""Prose facts of the Sampling chapter (``chapters/sampling.md``).

The chapter glues most of its numbers where it computes them; the helpers
here return the facts whose wording depends on the data: which way
weighting moves a share (:func:`quota_facts`), the statement of the
disclosure rule, the one place the book states it
(:func:`disclosure_facts`), and the weight of older Western respondents
with the sentence on it, which disclosure control may withhold
(:func:`older_west_facts`). Shares are floats in per cent, formatted in the
prose (``{glue:text}`quota_female:.1f```), directions are ``str``, and
sentences are MyST Markdown for ``{glue:md}``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from scsrepro.book.figures.sampling import QUOTA_SOURCES
from scsrepro.data.loading import is_committed_twin
from scsrepro.paper import disclosure

__all__ = ["direction", "quota_facts", "disclosure_facts", "older_west_facts"]

#: Headers of Paper Table A1's steps as the book shows them (the paper's own column names are ``step1`` ...).
STEP_LABELS = {
    "step1": "Census population (step 1)",
    "step2_n": "Scaled to 2,000 (step 2)",
    "step3": "Share online (step 3)",
    "step4_n": "Online (step 4)",
    "step5_n": "Rescaled to 2,000 (step 5)",
    "East_n": "East",
    "Central_n": "Central",
    "West_n": "West",
}


def direction(target: float, before: float, after: float) -> str:
    """Where *after* lies from *target* compared with *before*: ``"closer to"``, ``"further from"`` or ``"no closer to"``."""
    gap_before, gap_after = abs(before - target), abs(after - target)
    if gap_after < gap_before:
        return "closer to"
    return "further from" if gap_after > gap_before else "no closer to"


def quota_facts(comparison: pd.DataFrame) -> dict[str, float | str]:
    """The quota, the data's and the paper's female share, and the East and West shares.

    *comparison* is :func:`scsrepro.book.figures.sampling.quota_comparison`.
    ``female_shift`` and ``paper_female_shift`` say whether weighting moves
    the female share of the data and of the paper's Table A2 towards the
    quota (:func:`direction`).
    """
    shares = comparison.set_index(["category", "source"])["percent"]
    quota, achieved, weighted, paper_u, paper_w = QUOTA_SOURCES

    def share(category: str, source: str) -> float:
        return float(shares[(category, source)])

    female = {src: share("Female", src) for src in QUOTA_SOURCES}
    return {
        "quota_female": female[quota],
        "achieved_female": female[achieved],
        "weighted_female": female[weighted],
        "paper_unweighted_female": female[paper_u],
        "paper_weighted_female": female[paper_w],
        "female_shift": direction(female[quota], female[achieved], female[weighted]),
        "paper_female_shift": direction(female[quota], female[paper_u], female[paper_w]),
        "quota_east": share("East", quota),
        "quota_west": share("West", quota),
        "paper_weighted_east": share("East", paper_w),
        "paper_weighted_west": share("West", paper_w),
    }


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
