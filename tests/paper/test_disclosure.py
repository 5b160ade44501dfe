"""Disclosure control: the one rule for numbers backed by too few respondents (scsrepro.paper.disclosure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.fake import random_valid_frame
from scsrepro.data.loading import load_survey
from scsrepro.data.paths import SYNTHETIC
from scsrepro.paper import disclosure, tables


def test_it_applies_to_every_file_but_the_committed_twin(tmp_path):
    twin = SYNTHETIC / "twin.csv"
    assert not disclosure.applies(twin) and not disclosure.applies(str(twin))
    other = tmp_path / "other.csv"
    other.write_bytes(twin.read_bytes() + b"\n")
    assert disclosure.applies(other)
    assert not disclosure.applies(load_survey(twin, derive=False))
    assert not disclosure.applies(random_valid_frame(20, seed=1))  # not read from a file: treated like the twin


def test_too_few_counts_below_the_threshold_only_when_it_applies():
    n = [0, 9, 10, np.nan, pd.NA, 250]
    assert disclosure.too_few(n).tolist() == [True, True, False, False, False, False]
    assert not disclosure.too_few(n, apply=False).any()
    assert disclosure.MIN_RESPONDENTS == 10


def test_suppress_rows_removes_the_numbers_and_the_count_and_flags_the_row():
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "published": [1.0, 2.0, 3.0], "reproduced": [1.5, 2.5, 3.5], "n_base": [100, 4, 10]}
    )
    out = disclosure.suppress_rows(frame, apply=True)
    assert out["suppressed"].tolist() == [False, True, False]
    assert np.isnan(out.loc[1, "reproduced"]) and pd.isna(out.loc[1, "n_base"])
    assert out.loc[1, "published"] == 2.0  # the paper's number stays
    assert str(out["n_base"].dtype) == "Int64"  # counts stay whole numbers
    kept = disclosure.suppress_rows(frame, apply=False)
    assert not kept["suppressed"].any() and kept.drop(columns="suppressed").equals(frame)


def test_suppress_counts_masks_small_cells():
    counts = pd.DataFrame([[12, 3], [0, 40]], index=["x", "y"], columns=[1, 2])
    out = disclosure.suppress_counts(counts, apply=True)
    assert out.attrs["suppressed"].to_numpy().tolist() == [[False, True], [True, False]]
    assert out.loc["x", 1] == 12 and pd.isna(out.loc["x", 2])
    mask = disclosure.cell_mask(out)
    assert mask.to_numpy().tolist() == [[False, True], [True, False]]
    assert not disclosure.suppress_counts(counts, apply=False).attrs["suppressed"].to_numpy().any()


def test_the_recomputed_tables_carry_the_rule(tmp_path):
    raw = random_valid_frame(40, seed=4, weight=True)
    path = tmp_path / "small.csv"
    raw.to_csv(path, index=False)
    df = load_survey(path)
    a2 = tables.table_a2(df)
    assert "suppressed" in a2.columns
    small = a2["suppressed"]
    assert small.any()  # a file of 40 random respondents has answers given by fewer than ten
    assert a2.loc[small, "reproduced"].isna().all() and a2.loc[small, "n_base"].isna().all()
    assert not (a2["n_base"].dropna() < disclosure.MIN_RESPONDENTS).any()
    twin_like = tables.table_a2(raw)  # a frame not read from a file: nothing withheld
    assert not twin_like["suppressed"].any()


@pytest.mark.parametrize("text", [disclosure.footnote()])
def test_the_footnote_names_the_threshold(text):
    assert text.startswith(disclosure.MARK) and str(disclosure.MIN_RESPONDENTS) in text
