#!/bin/sh
# Every reference fixture of tests/fixtures, inputs first, then R's answers.
# `make fixtures` and `make verify` both run this list, so it is kept in one place.
# Run from the repository root; PYTHON names the interpreter (default python3).
# R packages (Debian): r-base-core r-cran-survey r-cran-mass r-cran-vgam r-cran-brglm2 r-cran-numderiv
# R libraries: survey MASS VGAM brglm2 numDeriv
set -eu
PY="${PYTHON:-python3}"
"$PY" tests/fixtures/make_inputs.py
"$PY" tests/fixtures/make_firth_input.py
Rscript tests/r/make_fixtures.R
Rscript tests/r/margins.R
Rscript tests/r/gologit.R
Rscript tests/r/firth.R
"$PY" tests/fixtures/make_twin_inputs.py
Rscript tests/r/table4_on_twin.R
Rscript tests/r/calibration.R
