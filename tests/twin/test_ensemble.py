"""The ensemble of twins (``make ensemble``): its runner, its backends and its committed file."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from scsrepro.data import paths
from scsrepro.paper import claims
from scsrepro.twin import covariates as twin
from scsrepro.twin import ensemble

#: A draw small enough for a test: the real pipeline with a tiny search budget
#: (the kernel probe's idea), and one cheap family of statistics.
TINY = {"families": ("dd_test",), "latent_iterations": 1}


def tiny_settings() -> dict:
    s = ensemble.approval_settings(twin.load_params())
    return {**s, "polish": {**s["polish"], "max_rounds": 1}, "stars": {**s["stars"], "rounds": 1, "max_checks": 2}}


@pytest.fixture(scope="module")
def committed():
    return pd.read_csv(ensemble.ENSEMBLE_FILE, dtype={"outcome": str}, keep_default_na=False, na_values={"value": [""]})


# --------------------------------------------------------------------------- the runner
def test_seeds_are_the_committed_one_then_one_upwards():
    assert ensemble.ensemble_seeds(4, default=20180401) == [20180401, 1, 2, 3]
    assert ensemble.ensemble_seeds(3, default=2) == [2, 1, 3]
    assert ensemble.ensemble_seeds(1, default=9) == [9]
    with pytest.raises(ValueError, match="at least one draw"):
        ensemble.ensemble_seeds(0)


def test_settings_are_the_committed_ones_without_the_searched_coefficients():
    params = twin.load_params()
    s = ensemble.approval_settings(params)
    assert "latent" not in s and "group_shifts" not in s
    for key, value in s.items():
        assert value == params["approval"].get(key, value), key


def test_repeated_seeds_are_refused():
    with pytest.raises(ValueError, match="repeat"):
        ensemble.run([3, 3], progress=False)


def test_draws_on_a_dask_cluster_equal_the_local_run(tmp_path, monkeypatch):
    """Two tiny draws through a LocalCluster give the rows of the local joblib run, in the order of the seeds.

    The local run keeps its twins; scoring a kept twin again gives the same rows without drawing.
    """
    distributed = pytest.importorskip("distributed")
    settings = tiny_settings()
    kept = tmp_path / "kept"
    local = ensemble.run([5, 4], jobs=1, progress=False, settings=settings, keep=kept, **TINY)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, local_directory=tmp_path
    ) as cluster, distributed.Client(cluster) as client:
        remote = ensemble.run([5, 4], scheduler=client, progress=False, settings=settings, **TINY)
    pd.testing.assert_frame_equal(local, remote)
    assert local["seed"].drop_duplicates().tolist() == [5, 4]
    shas = local[local["key"] == "twin_sha256"].set_index("seed")["outcome"]
    assert shas.str.fullmatch(r"[0-9a-f]{64}").all() and shas.is_unique
    assert set(local["family"]) == {"draw", "dd_test"} and ensemble.failed_seeds(local) == []
    assert hashlib.sha256((kept / "5.csv").read_bytes()).hexdigest() == shas[5]

    def no_drawing(*args, **kwargs):
        raise AssertionError("drew again")

    monkeypatch.setattr(ensemble, "draw_twin", no_drawing)
    again = ensemble.draw(5, settings=settings, keep=kept, **TINY)
    pd.testing.assert_frame_equal(again, local[local["seed"] == 5].reset_index(drop=True))


def test_a_seed_without_a_twin_is_a_failed_draw_not_a_crash(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("no twin here")

    monkeypatch.setattr(ensemble, "draw_twin", broken)
    rows = ensemble.draw(8, **TINY)
    assert set(rows["family"]) == {"draw"}
    assert rows.set_index("key").loc["failed", "outcome"] == "ValueError: no twin here"
    assert ensemble.failed_seeds(rows) == [8]


def test_failed_draws_are_replaced_by_the_next_seeds(monkeypatch):
    calls = []

    def fake_run(seeds, **kwargs):
        calls.append(list(seeds))
        return pd.concat(
            [
                pd.DataFrame({"seed": s, "family": "draw", "key": ["failed"], "value": [float(s == 2)], "outcome": ""})
                for s in seeds
            ]
        )

    monkeypatch.setattr(ensemble, "run", fake_run)
    monkeypatch.setattr(ensemble.twin, "load_params", lambda: {"seed": 99})
    rows = ensemble.run_successful(4)
    assert calls == [[99, 1, 2, 3], [4]]
    assert rows["seed"].nunique() == 5 and ensemble.failed_seeds(rows) == [2]


# --------------------------------------------------------------------------- the committed file
def test_the_committed_ensemble_has_twenty_draws_of_the_current_generator(committed):
    draws = committed[committed["family"] == "draw"].pivot(index="seed", columns="key", values="outcome")
    made = draws[~draws.index.isin(ensemble.failed_seeds(committed))]
    assert len(made) >= 20
    assert made["twin_sha256"].is_unique and made["twin_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (draws["generator"] == ensemble.generator()).all(), "data/synthetic/ensemble.csv: run `make ensemble`"
    assert list(committed.columns) == ensemble.COLUMNS
    assert not committed.duplicated(["seed", "family", "key"]).any()


def test_the_committed_draw_is_the_committed_twin_bit_for_bit(committed):
    rows = committed[(committed["family"] == "draw")]
    seed = rows.loc[(rows["key"] == "committed") & (rows["value"] == 1), "seed"]
    assert seed.tolist() == [int(twin.load_params()["seed"])]
    sha = rows.loc[(rows["seed"] == seed.item()) & (rows["key"] == "twin_sha256"), "outcome"].item()
    assert sha == hashlib.sha256((paths.SYNTHETIC / "twin.csv").read_bytes()).hexdigest()


def test_every_draw_that_made_a_twin_computed_every_family(committed):
    stats = committed[committed["family"] != "draw"]
    failed = stats[stats["key"] == "error"]
    assert failed.empty, failed.to_string()
    no_twin = set(ensemble.failed_seeds(committed))
    assert committed["seed"].nunique() - len(no_twin) >= 20
    for seed in set(committed["seed"]) - no_twin:
        assert set(stats.loc[stats["seed"] == seed, "family"]) >= set(claims.FAMILIES), seed


def test_readme_pass_counts_by_basis_are_the_committed_draws_rates(committed):
    """README's table of pass counts by basis quotes the committed draw."""
    seed = int(twin.load_params()["seed"])
    rates = committed[(committed["seed"] == seed) & (committed["family"] == "acceptance")].set_index("key")["value"]
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    quoted = {
        m.group(1).replace(" ", "_"): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| (\w+(?: out)?) \|[^\n]*\| (\d+) of (\d+) \|$", readme, flags=re.M)
    }
    assert quoted and set(quoted) <= {k.removesuffix("_pass") for k in rates.index}
    for basis, (passed, scored) in quoted.items():
        assert round(100 * passed / scored, 4) == round(float(rates[f"{basis}_pass"]), 4), basis
