"""The seed check (``make seeds``): its summary and its committed file."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from scsrepro.paper import fidelity, tables
from scsrepro.data import paths
from scsrepro.twin import seeds as seedcheck
from scsrepro.data.loading import load_survey


def test_acceptance_counts_from_a_scoreboard():
    board = pd.DataFrame(
        {
            "table": ["table_a2", "table_a2", "prose", "table_3", "table_3", "table_4", "table_4", "table_a2"],
            "role": ["target", "target", "target", "held_out", "target", "target", "target", "erratum"],
            "basis": ["calibrated", "design", "context", "held_out", "implied", "calibrated", "calibrated",
                      "calibrated"],
            "status": ["pass", "fail", "n/a", "pass", "pass", "pass", "fail", "n/a"],
            "source": ["Table A2", "Table A2", "prose", "Table 3", "Table 3", "Table 4", "Table 4", "Table A2"],
            "statistic": ["percent", "percent", "count", "percent", "percent", "coef", "cut", "percent"],
            "distance": [0.1, 0.9, None, 0.2, 0.3, 0.05, 0.35, 9.0],
            "tolerance": [0.5, 0.5, 0.0, 1.0, 1.0, 0.1, 0.2, 0.5],
            "published_se": [None, None, None, None, None, 0.1, 0.2, None],
            "stars_agree": [None, None, None, None, None, True, False, None],
        }
    )
    s = fidelity.acceptance(board)
    assert list(s) == list(fidelity.ACCEPTANCE_KEYS)
    assert s == {
        "calibrated_scored": 3, "calibrated_pass": 2, "held_out_scored": 1, "held_out_pass": 1,
        "implied_scored": 1, "implied_pass": 1, "design_scored": 1, "design_pass": 0,
        "arithmetic_scored": 0, "arithmetic_pass": 0,
        "t4_cells": 2, "t4_within_1se": 1, "t4_within_2se": 2, "t4_stars_agree": 1,
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


@pytest.mark.parametrize("column", ["calibrated_pass", "t4_within_1se", "t4_stars_agree"])
def test_other_seeds_are_real_draws(column):
    check = pd.read_csv(seedcheck.SEED_FILE)
    others = check[~check["default"]]
    assert len(others) >= 2
    assert others["twin_sha256"].is_unique
    assert (others[column] > 0).all()


def test_readme_pass_counts_by_basis_are_the_committed_seed_check():
    """README's table of pass counts by basis quotes the default row of the seed check."""
    row = pd.read_csv(seedcheck.SEED_FILE).query("default").iloc[0]
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    quoted = {
        m.group(1).replace(" ", "_"): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| (\w+(?: out)?) \|[^\n]*\| (\d+) of (\d+) \|$", readme, flags=re.M)
    }
    assert set(quoted) == set(fidelity.SCORED_BASES)
    for basis, (passed, scored) in quoted.items():
        assert (passed, scored) == (row[f"{basis}_pass"], row[f"{basis}_scored"]), basis
