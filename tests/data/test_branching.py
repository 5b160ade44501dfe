"""Tests of who was asked, read off the data (scsrepro.data.branching)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scsrepro.data.branching import condition_state, valid_mask
from scsrepro.data.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "codebook.yml")


def test_valid_mask_follows_codes_and_ranges(cb):
    df = pd.DataFrame(
        {
            "use_sesame": pd.array([1, 0, 7, None], dtype="Int64"),
            "age": pd.array([14, 65, 13, None], dtype="Int64"),
        }
    )
    assert valid_mask(df, cb["use_sesame"]).tolist() == [True, True, False, False]
    assert valid_mask(df, cb["age"]).tolist() == [True, True, False, False]


def test_rows_with_an_invalid_filter_value_are_neither_asked_nor_not_asked(cb):
    df = pd.DataFrame({"use_sesame": pd.array([1, 0, 7, None], dtype="Int64")})
    asked, not_asked = condition_state(df, cb["sesame_score"].asked_if, cb)
    assert asked.tolist() == [True, False, False, False]
    assert not_asked.tolist() == [False, True, False, False]
    everyone, nobody = condition_state(df, "always", cb)
    assert everyone.all() and not nobody.any()
