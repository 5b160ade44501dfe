"""The ensemble statistics of scsrepro.paper.claims, on the committed twin and on constructed failures."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.data import paths
from scsrepro.data.files import csv_text
from scsrepro.paper import claims, hypotheses, tables
from scsrepro.twin.covariates import load_params

OUTCOMES = {
    "held_out": {"pass", "fail"},
    "verdict": {"supported", "not significant", "contradicted"},
    "po_flag": {"flagged", "not flagged", "not estimable"},
    "dd_test": {"rejects", "does not reject", "not estimable"},
}


def twin_params():
    return load_params()


@pytest.fixture(scope="module")
def stats(twin):
    """Every family's statistics on the committed twin."""
    return claims.statistics(twin)


def test_rows_have_the_columns_and_unique_keys(stats):
    assert list(stats.columns) == claims.COLUMNS
    assert not stats.duplicated(["family", "key"]).any()
    assert set(stats["family"]) == {*claims.FAMILIES, "verdict_holm"}
    assert not (stats["key"] == "error").any()


def test_the_committed_draw_of_the_ensemble_is_these_statistics(stats):
    """data/synthetic/ensemble.csv's committed draw holds what the code computes now on the committed twin."""
    seed = int(twin_params()["seed"])
    committed = pd.read_csv(paths.ENSEMBLE, dtype={"outcome": str}, keep_default_na=False, na_values={"value": [""]})
    mine = committed[(committed["seed"] == seed) & (committed["family"] != "draw")].drop(columns="seed")
    assert csv_text(stats) == csv_text(mine.reset_index(drop=True)), "data/synthetic/ensemble.csv is stale: run `make ensemble`"


@pytest.mark.parametrize("family", sorted(OUTCOMES))
def test_outcomes_are_the_documented_words(stats, family):
    assert set(stats.loc[stats["family"] == family, "outcome"]) <= OUTCOMES[family]


def test_verdicts_are_the_three_outcome_rule_on_the_refit(stats):
    verdicts = stats[stats["family"] == "verdict"]
    assert verdicts["key"].tolist() == [f"H{i}" for i in range(1, 22)]
    sig = verdicts["value"] < hypotheses.ALPHA
    assert (verdicts.loc[~sig, "outcome"] == "not significant").all()
    assert verdicts.loc[sig, "outcome"].isin(["supported", "contradicted"]).all()


def test_po_keys_are_table4_keys(twin, specs, stats):
    po = stats[stats["family"] == "po_flag"]
    assert po["key"].str.fullmatch(r"Model [1-7]\|\w+").all()
    assert "Model 1|income_2" in set(po["key"]) and not po["key"].str.contains("income_group").any()
    flagged = po[po["outcome"] == "flagged"]
    assert (flagged["value"] < hypotheses.ALPHA).all() and len(flagged) > 0


def test_coef_keys_follow_table4(twin):
    t4 = tables.table_4(twin)
    keys = claims.coef_keys(t4)
    assert keys[0].startswith("Model ") and "|" in keys[0]
    assert len(keys) == len(t4[t4["statistic"].eq("coef")].dropna(subset=["se", "se_calibrated"]))


def test_a_failing_family_is_recorded_or_raised(twin, monkeypatch):
    def broken(d):
        raise RuntimeError("no luck")

    monkeypatch.setitem(claims.FAMILIES, "dd_test", broken)
    rec = claims.statistics(twin, ["dd_test"], errors="record")
    assert rec[["family", "key", "outcome"]].values.tolist() == [["dd_test", "error", "error: RuntimeError: no luck"]]
    assert pd.isna(rec["value"].iloc[0])
    with pytest.raises(RuntimeError, match="no luck"):
        claims.statistics(twin, ["dd_test"])


def test_unknown_families_and_error_modes_are_refused(twin):
    with pytest.raises(ValueError, match="unknown ensemble statistics"):
        claims.statistics(twin, ["nonsense"])
    with pytest.raises(ValueError, match="errors must be"):
        claims.statistics(twin, ["dd_test"], errors="ignore")


def test_po_keys_of_flagged_rows(specs):
    po = pd.DataFrame({"p": [0.01, 0.2]}, index=pd.MultiIndex.from_tuples([("Model 1", "income_group_2"), ("Model 1", "all")]))
    assert claims.po_keys(po, specs) == ["Model 1|income_2", "Model 1|all"]
