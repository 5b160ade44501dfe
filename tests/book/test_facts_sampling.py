"""scsrepro.book.facts.sampling: which way weighting moves a share, and the quota facts."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.book.facts import sampling as facts
from scsrepro.book.figures.sampling import QUOTA_SOURCES


def test_direction():
    assert facts.direction(50.0, 40.0, 45.0) == "closer to"
    assert facts.direction(50.0, 45.0, 40.0) == "further from"
    assert facts.direction(50.0, 45.0, 55.0) == "no closer to"  # as far, on the other side


def _comparison(female: list[float]) -> pd.DataFrame:
    rows = [("Gender", "Female", src, v) for src, v in zip(QUOTA_SOURCES, female, strict=True)]
    rows += [("Region", region, src, v) for region, v in [("East", 20.0), ("West", 40.0)] for src in QUOTA_SOURCES]
    return pd.DataFrame(rows, columns=["dimension", "category", "source", "percent"])


def test_quota_facts_follow_the_data():
    # quota 45.7; data 40 -> 38 (further); paper 41 -> 44 (closer)
    out = facts.quota_facts(_comparison([45.7, 40.0, 38.0, 41.0, 44.0]))
    assert out["female_shift"] == "further from" and out["paper_female_shift"] == "closer to"
    assert out["quota_female"] == pytest.approx(45.7) and out["achieved_female"] == pytest.approx(40.0)
    assert out["weighted_female"] == pytest.approx(38.0) and out["paper_unweighted_female"] == pytest.approx(41.0)
    assert out["quota_east"] == pytest.approx(20.0) and out["paper_weighted_west"] == pytest.approx(40.0)
    other = facts.quota_facts(_comparison([45.7, 40.0, 44.0, 41.0, 44.0]))
    assert other["female_shift"] == "closer to"
