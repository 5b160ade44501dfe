"""The seed check (``make seeds``): its summary and its committed file."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from scsrepro.paper import fidelity, tables
from scsrepro.data import paths
from scsrepro.twin import seeds as seedcheck
from scsrepro.data.loading import load_survey


def test_acceptance_counts_from_a_scoreboard():
    board = pd.DataFrame(
        {
            "role": ["target", "target", "target", "held_out", "target", "target"],
            "status": ["pass", "fail", "n/a", "pass", "pass", "fail"],
            "source": ["Table A2", "Table A2", "prose", "Table 3", "Table 4", "Table 4"],
            "statistic": ["percent", "percent", "count", "percent", "coef", "cut"],
            "distance": [0.1, 0.9, None, 0.2, 0.05, 0.35],
            "published_se": [None, None, None, None, 0.1, 0.2],
            "stars_agree": [None, None, None, None, True, False],
        }
    )
    s = fidelity.acceptance(board)
    assert s == {
        "targets_scored": 4, "targets_pass": 2, "t4_cells": 2, "t4_within_1se": 1, "t4_within_2se": 2,
        "t4_stars_agree": 1, "held_out": 1, "held_out_within": 1,
    }


def test_committed_seed_check_describes_the_committed_twin():
    """The default seed's row must be the live scoreboard of data/synthetic/twin.csv."""
    check = pd.read_csv(seedcheck.SEED_FILE)
    assert list(check.columns) == seedcheck.COLUMNS
    assert check["seed"].is_unique and len(check) >= 3
    row = check[check["default"]].iloc[0]
    twin_csv = paths.SYNTHETIC / "twin.csv"
    assert row["twin_sha256"] == hashlib.sha256(twin_csv.read_bytes()).hexdigest(), (
        "data/synthetic/seed_check.csv describes another twin: run `make seeds`"
    )
    live = fidelity.acceptance(fidelity.scoreboard(tables.all_tables(load_survey(twin_csv))))
    for key, value in live.items():
        assert row[key] == value, key
    assert (check[["t4_stars_agree", "t4_within_1se"]].le(check["t4_cells"], axis=0)).all().all()


@pytest.mark.parametrize("column", ["targets_pass", "t4_within_1se", "t4_stars_agree"])
def test_other_seeds_are_real_draws(column):
    check = pd.read_csv(seedcheck.SEED_FILE)
    others = check[~check["default"]]
    assert len(others) >= 2
    assert others["twin_sha256"].is_unique
    assert (others[column] > 0).all()
