"""The replication kit (``make export``): Table 4's data and models for Stata and R.

``python -m scsrepro.paper.export [--data PATH] [--out DIR]`` writes, by
default from the committed twin into ``_build/export/``:

``analysis.csv``, ``analysis.dta``
    One row per respondent: approval, every Table 4 covariate after the
    codebook's recoding (non-substantive answers such as "don't know" are
    empty) and the weight the book uses (the data's own ``weight`` column, or
    raking to Table A2 capped at 2, :func:`scsrepro.paper.weights.weights_for`).
    The Stata file carries the codebook's variable labels and value labels.
``models.json``
    The seven models of ``data/models.yml``: outcome, covariates, factor
    base levels, weight, the variables of the listwise rule, and the Stata
    and R commands (:func:`scsrepro.paper.modelspec.stata_command`,
    :func:`~scsrepro.paper.modelspec.r_command`).
``table4.do``, ``table4.R``
    A Stata do-file (``ologit ... [pweight=weight]``) and an R script
    (``survey::svyolr``) that fit the seven models from the export; the R
    script writes ``table4_r.csv`` (model, term, coef, se, and ``nobs``; a
    model R cannot fit, such as the separated Model 5 of the twin, gets one
    row with term ``not estimated``).
``README.md``
    What each file is and where it came from (data file and its sha256).

A run on a file other than the committed twin writes into ``--out`` only and
prints no row-level data.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.data.files import write_all_atomic
from scsrepro.data.loading import load_survey
from scsrepro.data.paths import file_sha256
from scsrepro.paper import modelspec
from scsrepro.paper.weights import weights_for

OUT = paths.ROOT / "_build" / "export"
#: Stata limits a variable label to 80 characters and a value label to 32,000.
STATA_LABEL = 80


def model_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Outcome, every Table 4 covariate (recoded, non-substantive answers missing) and the weight."""
    cb = load_codebook()
    work = cb.derive(raw.copy())
    work["weight"] = weights_for(raw).to_numpy(float)
    specs = modelspec.load_specs()
    cols = ["approval", *dict.fromkeys(c for s in specs for c in s.covariates), "weight"]
    frame = cb.to_missing(work[cols].copy(), [c for c in cols if c in cb.names])
    return frame.astype(float)


def listwise_variables(spec: modelspec.ModelSpec) -> list[str]:
    """The variables a model's respondents must all have (outcome, covariates, weight)."""
    return [spec.outcome, *spec.covariates, spec.weight]


def models_json(specs: list[modelspec.ModelSpec]) -> str:
    models = [
        {
            "id": s.id,
            "column": s.column,
            "title": s.title,
            "outcome": s.outcome,
            "covariates": list(s.covariates),
            "factors": {k: int(v) for k, v in s.categorical.items()},
            "weight": s.weight,
            "listwise": listwise_variables(s),
            "stata": modelspec.stata_command(s),
            "r": modelspec.r_command(s),
        }
        for s in specs
    ]
    return json.dumps({"source": "data/models.yml", "models": models}, indent=1, ensure_ascii=False) + "\n"


def stata_do(specs: list[modelspec.ModelSpec]) -> str:
    lines = [
        "* Table 4 of Kostka (2019): the seven weighted ordered-logit models, refitted on the export.",
        "* Run from this folder: do table4.do (Stata 14 or later).",
        "* Non-substantive answers are already missing in analysis.dta; ologit drops incomplete rows,",
        "* which is the listwise rule of data/models.yml. [pweight] gives robust (sandwich) SEs.",
        "use analysis.dta, clear",
    ]
    for s in specs:
        lines += [f"* Model {s.id}: {s.title}", f"{modelspec.stata_command(s)}", f"estimates store m{s.id}"]
    lines.append("estimates table " + " ".join(f"m{s.id}" for s in specs) + ", b se")
    return "\n".join(lines) + "\n"


def r_script(specs: list[modelspec.ModelSpec]) -> str:
    # json.dumps writes a double-quoted string with backslash escapes, which R reads the same way
    calls = ",\n  ".join(
        f"fit({s.id}, c({', '.join(json.dumps(v) for v in listwise_variables(s))}),\n"
        f"      {json.dumps(modelspec.r_command(s))})"
        for s in specs
    )
    return f"""# Table 4 of Kostka (2019): the seven weighted ordered-logit models, refitted with
# R's survey::svyolr on the export. Run from this folder: Rscript table4.R
# (needs the survey package; Debian: r-base-core r-cran-survey). Writes table4_r.csv.
#
# Each model is fitted on the rows complete for its variables (the listwise rule
# of data/models.yml), then again from that fit with tight optim settings, so the
# result is the converged estimate with an accurate Hessian. Model 5's education
# terms are quasi-separated on some data (no finite maximum): R then stops with a
# singular variance, and the model gets one row, term "not estimated".

suppressMessages(library(survey))
options(digits = 15)
d0 <- read.csv("analysis.csv")

fit <- function(id, vars, command) {{
  tryCatch(fit_once(id, vars, command), error = function(e) {{
    message("Model ", id, " not estimated: ", conditionMessage(e))
    data.frame(model = id, term = "not estimated", coef = NA, se = NA)
  }})
}}

fit_once <- function(id, vars, command) {{
  d <- d0[complete.cases(d0[, vars]), ]
  first <- eval(parse(text = command))
  ctl <- list(reltol = 1e-15, maxit = 20000, ndeps = rep(1e-6, length(coef(first))))
  tight <- sub("data = d))", "data = d), control = ctl)", command, fixed = TRUE)
  stopifnot(tight != command)
  m <- eval(parse(text = tight))
  est <- coef(m)
  se <- sqrt(diag(vcov(m)))[names(est)]
  rbind(data.frame(model = id, term = names(est), coef = unname(est), se = unname(se)),
        data.frame(model = id, term = "nobs", coef = nrow(d), se = NA))
}}

out <- rbind(
  {calls}
)
write.csv(out, "table4_r.csv", row.names = FALSE)
"""


def dta_bytes(frame: pd.DataFrame) -> bytes:
    """*frame* as a Stata 118 file with the codebook's variable and value labels."""
    cb = load_codebook()
    value_labels, variable_labels = {}, {}
    for col in frame.columns:
        if col in cb.names:
            var = cb[col]
            variable_labels[col] = var.label[:STATA_LABEL]
            if var.codes:
                value_labels[col] = {int(k): str(v) for k, v in var.codes.items() if k not in var.missing_reasons}
        elif col == "weight":
            variable_labels[col] = "survey weight used by the book (data's own, or raking capped at 2)"
    buf = io.BytesIO()
    frame.to_stata(
        buf,
        write_index=False,
        version=118,
        variable_labels=variable_labels,
        value_labels=value_labels,
        time_stamp=pd.Timestamp("2019-01-01"),  # fixed, so the file's bytes depend on the data only
        data_label="Kostka (2019) Table 4 analysis data (scsrepro export)",
    )
    return buf.getvalue()


def write_export(data: Path = paths.SYNTHETIC / "twin.csv", out: Path = OUT) -> list[Path]:
    """Write the replication kit for *data* into *out* (all files or none)."""
    data = Path(data)
    frame = model_frame(load_survey(data))
    specs = modelspec.load_specs()
    digest = file_sha256(data)
    readme = "\n".join(
        [
            "# Replication kit: Table 4",
            "",
            f"Written by `make export` (`python -m scsrepro.paper.export`) from `{data.name}`",
            f"(sha256 {digest}), {len(frame)} respondents.",
            "",
            "- `analysis.csv`, `analysis.dta`: approval, the Table 4 covariates after the codebook's",
            "  recoding (non-substantive answers missing) and the book's weight; the .dta file has",
            "  the codebook's variable and value labels.",
            "- `models.json`: the seven models of `data/models.yml`, with Stata and R commands.",
            "- `table4.do`: Stata (`ologit ... [pweight=weight]`).",
            "- `table4.R`: R (`survey::svyolr`), writes `table4_r.csv`.",
            "",
        ]
    )
    files = {
        out / "analysis.csv": frame.to_csv(index=False, lineterminator="\n", float_format="%.15g").encode(),
        out / "analysis.dta": dta_bytes(frame),
        out / "models.json": models_json(specs).encode("utf-8"),
        out / "table4.do": stata_do(specs).encode("utf-8"),
        out / "table4.R": r_script(specs).encode("utf-8"),
        out / "README.md": readme.encode("utf-8"),
    }
    return write_all_atomic(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scsrepro.paper.export", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=paths.SYNTHETIC / "twin.csv", help="data file (default: the twin)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default _build/export)")
    args = parser.parse_args(argv)
    written = write_export(args.data, args.out)
    for path in written:
        print(f"[export] wrote {paths.relative(path)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
