"""Prose facts of the Sampling chapter (``chapters/sampling.md``).

The chapter glues most of its numbers where it computes them; the helpers
here return the facts whose wording depends on the data (which way
weighting moves a share). Shares are floats in per cent, formatted in the
prose (``{glue:text}`quota_female:.1f```), directions are ``str``.
"""

from __future__ import annotations

import pandas as pd

from scsrepro.book.figures.sampling import QUOTA_SOURCES

__all__ = ["direction", "quota_facts"]


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
