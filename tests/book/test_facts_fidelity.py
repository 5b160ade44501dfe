"""scsrepro.book.facts.fidelity and paper.fidelity.largest_distances: the fidelity appendix's facts and tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts import fidelity as facts
from scsrepro.paper import fidelity
from scsrepro.paper.targets import BASIS_MEANING
from scsrepro.twin import covariates as twin


def _params(enth=(0.0, -1.5, 0.2), latent=("a", "b", "c")):
    return {
        "seed": 12345,
        "n": 300,
        "factor_shifts_by_education": {"enth": list(enth)},
        "approval": {"stars": {"count_weight": 5, "band": 0.99, "max_checks": "40"}, "latent": list(latent)},
    }


def test_twin_facts_reads_the_parameters_with_their_types():
    out = facts.twin_facts(_params())
    assert out == {
        "twin_seed": 12345,
        "twin_n": 300,
        "twin_enth_shift": 1.5,
        "twin_count_weight": 5.0,
        "twin_band": 0.99,
        "twin_max_checks": 40,
        "twin_n_latent": 3,
    }
    assert type(out["twin_count_weight"]) is float and type(out["twin_max_checks"]) is int
    # the shift is the second entry (no formal education), sign flipped
    assert facts.twin_facts(_params(enth=(0.0, 0.7)))["twin_enth_shift"] == -0.7


def test_twin_facts_of_the_committed_twin():
    out = facts.twin_facts(twin.load_params())
    assert type(out["twin_n"]) is int and out["twin_n"] > 0
    assert out["twin_enth_shift"] > 0  # the text says "lower"
    assert out["twin_n_latent"] > 0


def test_tolerance_facts():
    assert facts.tolerance_facts(fidelity.TOLERANCES) == {
        "tol_a2": fidelity.TOLERANCES["percent_table_a2"],
        "tol_pct": fidelity.TOLERANCES["percent"],
        "tol_mean": fidelity.TOLERANCES["mean"],
        "tol_sd": fidelity.TOLERANCES["sd"],
    }
    assert facts.tolerance_facts({"percent_table_a2": 1, "percent": 2, "mean": 3, "sd": 4, "vif": 9})["tol_sd"] == 4


def _summary():
    return pd.DataFrame(
        {
            "table": ["table_a2", "table_4", "all", "table_3", "all", "table_a2", "all", "prose", "all"],
            "basis": ["calibrated"] * 3 + ["held_out"] * 2 + ["design"] * 2 + ["context"] * 2,
            "n_scored": [10, 5, 15, 4, 4, 3, 3, 0, 0],
            "n_pass": [9, 3, 12, 1, 1, 3, 3, 0, 0],
            "n_fail": [1, 2, 3, 3, 3, 0, 0, 0, 0],
            "pass_rate": [0.9, 0.6, 0.8, 0.25, 0.25, 1.0, 1.0, np.nan, np.nan],
            "n_rows": [10, 5, 15, 4, 4, 3, 3, 2, 2],
        }
    )


def test_targets_by_table_keeps_calibrated_rows_and_the_shown_columns():
    out = facts.targets_by_table(_summary())
    assert list(out.columns) == facts.TARGET_COLUMNS
    assert out["table"].tolist() == ["table_a2", "table_4", "all"]


def test_basis_table_lists_the_bases_in_order_with_their_meaning():
    out = facts.basis_table(_summary())
    assert list(out.columns) == facts.BASIS_COLUMNS
    assert out["basis"].tolist() == ["calibrated", "held_out", "design", "context"]
    assert out["n_pass"].tolist() == [12, 1, 3, 0]
    assert out["what agreement shows"].tolist() == [BASIS_MEANING[b] for b in out["basis"]]


def test_basis_facts_read_the_all_rows():
    out = facts.basis_facts(_summary())
    assert set(out) == {f"fid_{b}_{k}" for b in fidelity.SCORED_BASES for k in ("scored", "pass", "rate")}
    assert (out["fid_calibrated_scored"], out["fid_calibrated_pass"]) == (15, 12)
    assert out["fid_calibrated_rate"] == pytest.approx(80.0)
    assert (out["fid_held_out_scored"], out["fid_held_out_pass"], out["fid_held_out_rate"]) == (4, 1, 25.0)
    assert (out["fid_implied_scored"], out["fid_implied_pass"]) == (0, 0)  # absent: zero, rate NaN
    assert math.isnan(out["fid_implied_rate"])
    assert type(out["fid_design_pass"]) is int and type(out["fid_design_rate"]) is float


def test_table4_facts_are_per_cent_of_the_cells():
    out = facts.table4_facts({"t4_cells": 8, "t4_within_1se": 6, "t4_within_2se": 8, "t4_stars_agree": 2})
    assert out == {"fid_t4_cells": 8, "fid_t4_within1": 75.0, "fid_t4_within2": 100.0, "fid_t4_stars": 25.0}


def _board():
    return pd.DataFrame(
        {
            "source": ["Table A2", "Table 3", "Table 3", "Table A2", "Table 3", "Table 4", "Table A2"],
            "item": list("abcdefg"),
            "column": ["x"] * 7,
            "published": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "reproduced": [1.2, 2.5, 3.0, 4.0, 9.0, 6.1, np.nan],
            "tolerance": [0.5, 1.0, 1.0, 0.0, 1.0, 0.1, 0.5],
            "distance": [0.2, 0.5, 0.0, 0.0, 4.0, 0.1, np.nan],
            "role": ["target", "held_out", "held_out", "target", "held_out", "target", "target"],
            "status": ["pass", "pass", "pass", "pass", "fail", "pass", "fail"],
        }
    )


def test_held_out_rows_and_table():
    board = _board()
    assert facts.held_out_rows(board)["item"].tolist() == ["b", "c", "e"]
    shown = facts.held_out_table(board)
    assert list(shown.columns) == facts.HELD_OUT_COLUMNS
    assert shown["item"].tolist() == ["e", "b", "c"]
    # ranked in tolerances, not in raw distance
    board.loc[2, ["tolerance", "distance"]] = [0.01, 0.3]
    assert facts.held_out_table(board)["item"].tolist() == ["c", "e", "b"]
    assert facts.held_out_table(board)["in tolerances"].iloc[0] == pytest.approx(30.0)


def test_held_out_facts():
    out = facts.held_out_facts(_board())
    assert out == {"fid_held_n": 3, "fid_held_within": 2, "fid_held_median": 0.5}
    board = _board()
    board.loc[1, "tolerance"] = 0.1  # 0.5 points at tolerance 0.1: 5 tolerances
    assert facts.held_out_facts(board)["fid_held_median"] == pytest.approx(4.0)
    assert type(out["fid_held_within"]) is int and type(out["fid_held_median"]) is float


def test_errata_facts_count_rows():
    out = facts.errata_facts(pd.DataFrame({"id": ["E1", "E2"]}), pd.DataFrame({"check": ["a", "b", "c"]}))
    assert out == {"fid_n_errata": 2, "fid_n_findings": 3}


def test_largest_distances_ranks_scored_targets_in_tolerances():
    board = _board()
    board.loc[3, ["reproduced", "distance"]] = [4.5, 0.5]  # an exact number that misses
    board.loc[3, "status"] = "fail"
    board = pd.concat([board, board.iloc[[0]].assign(item="h")], ignore_index=True)  # a tie with "a"
    out = fidelity.largest_distances(board, n=10)
    assert out["item"].tolist() == ["d", "f", "a", "h", "g"]  # miss at tolerance 0 first; ties in board order; NaN last
    assert math.isinf(out["in tolerances"].iloc[0])
    assert out["in tolerances"].iloc[1] == pytest.approx(1.0)
    assert out["in tolerances"].iloc[2] == pytest.approx(0.4)
    assert fidelity.largest_distances(board, n=2)["item"].tolist() == ["d", "f"]
    assert "in tolerances" not in board.columns  # the board itself is left alone


def test_grim_shown_ties_each_misfit_block_to_its_erratum():
    from scsrepro.data import paths
    from scsrepro.paper.audit import granularity, run_audit
    from scsrepro.paper.published import load_published

    published = load_published()
    errata = pd.read_csv(paths.ROOT / "data" / "published" / "errata.csv", keep_default_na=False)
    grim = granularity.grim_table(published)
    shown = facts.grim_shown(grim, errata, published).set_index("block")
    assert len(shown) == int(grim["applies"].sum())
    assert shown.loc["Region", "fits base"] == "no" and shown.loc["Region", "nearest N that fits"] == 2201
    assert "E-REGION-N" in shown.loc["Region", "erratum followed"]
    assert "1,549 (Table 5)" in shown.loc["Perceived fairness of SCS score", "printed Ns that fit"]
    found = facts.granularity_facts(
        grim, granularity.debit_table(published), granularity.grimmer_table(published), run_audit(published)
    )
    assert found["gran_blocks"] == found["gran_fit"] + found["gran_misfit"]
    assert found["gran_moment_findings"] == 0 and found["gran_n_min"] == "100"
