"""Speed benchmarks (``make bench``); never part of ``make test``.

Targets from the issues: the covariates draw in well under a minute, and
``make data`` (covariates plus the calibrated approval) in at most five
minutes on the project's two-core machine. pytest-benchmark reports the
timings; compare them with those targets.
"""

from __future__ import annotations

from scsrepro.paper import tables
from scsrepro.twin import covariates as twin
from scsrepro.data.loading import load_survey
from scsrepro.data.paths import SYNTHETIC


def test_bench_covariates(benchmark):
    params = twin.load_params()
    benchmark.pedantic(twin.generate_covariates, args=(params, int(params["seed"])), rounds=3, iterations=1)


def test_bench_make_data(benchmark):
    params = twin.load_params()
    benchmark.pedantic(twin.generate, args=(params, int(params["seed"])), rounds=1, iterations=1)


def test_bench_all_tables(benchmark):
    df = load_survey(SYNTHETIC / "twin.csv")
    benchmark.pedantic(tables.all_tables, args=(df,), rounds=1, iterations=1)
