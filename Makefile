# One-command set-up, build and test of the compendium. See README.md.
#
#   make book      set up .venv if needed, execute stale chapters, render _build/html
#   make test      set up .venv if needed, run every test (pytest + strict nbval)
#   make serve     serve the rendered book at http://127.0.0.1:8000/ (the address in _config.yml)
#   make lint      ruff (lint and format check) and mypy on src/ (also part of make test)
#   make validate DATA=path   check a data file against the codebook
#   make lab       JupyterLab on the project's kernel; .md chapters open as notebooks
#   make data      regenerate the synthetic twin from the committed parameters (bit-identical)
#   make calibrate search the twin's approval parameters again (writes data/synthetic/approval_params.yml)
#   make verify    rerun everything from scratch in a temporary copy and compare (SEEDS=all: every draw of the ensemble)
#   make export    the replication kit for Stata and R in _build/export (DATA=path: another data file)
#   make bench     speed benchmarks (never part of `make test`)
#   make fixtures  recompute the R reference fixtures in tests/fixtures (needs R + survey)
#   make ensemble  redraw the twin for SEEDS seeds (default 20) in parallel and score each (writes data/synthetic/ensemble.csv)
#   make lock      re-resolve requirements.lock from requirements.in

SHELL := /bin/bash

# Single-threaded BLAS for everything run from here (make data, calibrate,
# ensemble, book and test): one thread is as fast on two cores and makes timings
# comparable. The results do not depend on it: tests/test_kernel_variation.py
# (run by `make verify`) regenerates a reduced twin with two BLAS threads,
# another BLAS kernel and another SIMD level and requires identical decisions
# (README, "What is guaranteed").
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?=
JOBS ?= 2

.PHONY: venv book test serve verify export validate lab bench lock clean execute data calibrate fixtures ensemble lint

venv: $(STAMP)

# The venv is (re)installed only when the lock or the package metadata change.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

book: $(STAMP)
	$(PY) -m scsrepro.book.build --jobs $(JOBS) $(if $(DATA),--data "$(DATA)")

serve:
	$(PYTHON) -m http.server 8000 --bind 127.0.0.1 --directory _build/html

execute: $(STAMP)
	$(PY) -m scsrepro.book.build --jobs $(JOBS) --execute-only

# Checks marked `verify` (too slow here) run in `make verify`; CI runs both.
test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadfile tests chapters --nbval --nbval-current-env \
		--nbval-sanitize-with nbval-sanitize.cfg -p no:cacheprovider -m "not verify"

export: $(STAMP)
	$(PY) -m scsrepro.paper.export $(if $(DATA),--data "$(DATA)")

verify: $(STAMP)
	$(PY) -m scsrepro.book.verify --jobs $(JOBS) $(if $(SEEDS),--seeds "$(SEEDS)")

# The same checks run inside `make test` (tests/test_tooling.py).
lint: $(STAMP)
	$(VENV)/bin/ruff check src
	$(VENV)/bin/ruff format --check src
	$(VENV)/bin/mypy

validate: $(STAMP)
	@test -n "$(DATA)" || { echo "usage: make validate DATA=path/to/file.csv" >&2; exit 2; }
	$(PY) -m scsrepro.data.validate "$(DATA)"

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. --ServerApp.contents_manager_class=jupytext.TextFileContentsManager

data: $(STAMP)
	$(PY) -m scsrepro.twin.covariates

calibrate: $(STAMP)
	$(PY) -m scsrepro.twin.calibrate

# Every core by default (JOBS=n for fewer); DASK_SCHEDULER_ADDRESS=host:port
# runs the draws on that Dask cluster instead; KEEP=dir keeps each draw's twin
# there (and scores kept twins instead of drawing them again).
ensemble: $(STAMP)
	$(PY) -m scsrepro.twin.ensemble --draws $(or $(SEEDS),20) $(if $(filter command line,$(origin JOBS)),--jobs $(JOBS)) $(if $(KEEP),--keep "$(KEEP)")

# Speed figures against the goals of issue 16 (_build/bench.json), then the
# micro-benchmarks of the twin; ROUNDS=n times each figure n times (default 3).
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(if $(ROUNDS),--rounds $(ROUNDS))
	$(PY) -m pytest benchmarks --benchmark-only -p no:cacheprovider

# R is not needed by `make test`: the tests read the committed references.
fixtures: $(STAMP)
	PYTHON=$(PY) sh tests/make_fixtures.sh

lock:
	$(PYTHON) -m venv _build/lockenv && _build/lockenv/bin/pip install --quiet uv
	_build/lockenv/bin/uv pip compile requirements.in --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --no-header --annotation-style line -o requirements.lock

clean:
	rm -rf _build
