"""Tests of random_valid_frame: random raw data that follow the codebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.data.loading import load_survey
from scsrepro.data.schema import validate_frame

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "codebook.yml")


def write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 42])
def test_random_valid_frame_passes_validation(cb, seed, tmp_path):
    df = random_valid_frame(200, seed=seed, codebook=cb, weight=seed % 2 == 0)
    validate_frame(df, cb)  # raises if not valid
    loaded = load_survey(write(df, tmp_path / "r.csv"), codebook=cb, derive=False)
    pd.testing.assert_frame_equal(loaded, df, check_like=False)


def test_random_valid_frame_is_deterministic_and_seed_dependent(cb):
    a = random_valid_frame(50, seed=5, codebook=cb)
    b = random_valid_frame(50, seed=5, codebook=cb)
    c = random_valid_frame(50, seed=6, codebook=cb)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_random_valid_frame_respects_branching_and_groups(cb):
    df = random_valid_frame(400, seed=9, codebook=cb)
    sesame = df["use_sesame"] == 1
    assert df.loc[sesame, "sesame_score"].notna().all()
    assert df.loc[~sesame, "sesame_score"].isna().all()
    commercial = (df["use_sesame"] == 1) | (df["use_tencent"] == 1)
    assert df.loc[~commercial, "adv_none"].isna().all()
    use = df[list(cb.groups["scs_use"].options)]
    assert (use.sum(axis=1) >= 1).all()
    assert not ((df["use_none"] == 1) & (df["use_sesame"] == 1)).any()
    assert (df["use_none"] == 1).any() and sesame.any()  # both branches occur
    assert "weight" not in df.columns
