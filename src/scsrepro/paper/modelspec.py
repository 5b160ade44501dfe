"""The seven models of Table 4, read from ``data/models.yml``.

One specification serves every consumer: :func:`estimation_frame` applies
the listwise-deletion rule, :func:`fit_model` fits one model with
:func:`scsrepro.survey.models.fit_ologit`, and :func:`term_map` translates the
package's dummy names (``income_group_2``) into Table 4's term keys
(``income_2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.survey.models import fit_ologit

SPEC_FILE = paths.DATA / "models.yml"


@dataclass(frozen=True)
class ModelSpec:
    """One model: its number, Table 4 column, title and covariates."""

    id: int
    column: str
    title: str
    outcome: str
    weight: str
    covariates: tuple[str, ...]
    categorical: dict

    def terms(self, term_keys: dict) -> list[str]:
        """Table 4 term keys of this model, in row order."""
        return [t for c in self.covariates for t in term_keys[c]]


def load_specs(path: Path | str = SPEC_FILE) -> list[ModelSpec]:
    """Read the model specification; fail clearly on unknown fields."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    terms = raw["terms"]
    specs = []
    for m in raw["models"]:
        unknown = [c for c in m["covariates"] if c not in terms]
        if unknown:
            raise ValueError(f"{Path(path).name}: model {m['id']} lists covariates without Table 4 terms: {unknown}")
        specs.append(
            ModelSpec(
                id=int(m["id"]),
                column=m["column"],
                title=m["title"],
                outcome=raw["outcome"],
                weight=raw["weight"],
                covariates=tuple(m["covariates"]),
                categorical={k: v for k, v in raw["categorical"].items() if k in m["covariates"]},
            )
        )
    return specs


def term_keys(path: Path | str = SPEC_FILE) -> dict[str, list[str]]:
    """Covariate -> Table 4 term keys."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["terms"]


def term_map(spec: ModelSpec, path: Path | str = SPEC_FILE) -> dict[str, str]:
    """Map the fitted term names of :func:`fit_ologit` to Table 4 keys."""
    keys = term_keys(path)
    mapping = {}
    for cov in spec.covariates:
        if cov in spec.categorical:
            base = spec.categorical[cov]
            # fit_ologit names dummies "<var>_<level>"; levels above the base, in order
            levels = [k for k in keys[cov]]
            codes = [lvl for lvl in range(1, 10) if lvl != base][: len(levels)]
            for code, key in zip(codes, levels):
                mapping[f"{cov}_{code}"] = key
        else:
            mapping[cov] = keys[cov][0]
    for j in range(1, 5):
        mapping[f"cut{j}"] = f"cut{j}"
    return mapping


def estimation_frame(df: pd.DataFrame, spec: ModelSpec, codebook=None) -> pd.DataFrame:
    """Apply the listwise rule: the rows and columns that enter *spec*.

    Non-substantive codes become missing (via the codebook), then every row
    with a missing outcome, covariate or weight is dropped.
    """

    cb = codebook or load_codebook()
    cols = [spec.outcome, *spec.covariates, spec.weight]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"model {spec.id}: data lack columns {missing}")
    frame = cb.to_missing(df[cols].copy(), [c for c in cols if c in cb.names])
    return frame.dropna().astype(float)


def fit_model(df: pd.DataFrame, spec: ModelSpec, codebook=None, convergence: str = "stata"):
    """Fit one Table 4 model on *df* (raw codes plus a ``weight`` column).

    Table 4 was estimated in Stata, so by default the fit uses Stata's
    stopping rule (``convergence="stata"``, see
    :meth:`scsrepro.survey.models.WeightedOrderedModel.fit_stata`). On regular data
    this equals the exact maximum to about 1e-6; it differs only where the
    maximum does not exist (separation), as in the paper's Model 5.
    """

    frame = estimation_frame(df, spec, codebook)
    return fit_ologit(
        frame,
        spec.outcome,
        list(spec.covariates),
        categorical=spec.categorical,
        weight=spec.weight,
        convergence=convergence,
    )


# --------------------------------------------------------------------------- export


def stata_command(spec: ModelSpec) -> str:
    """The Stata command that fits *spec*, e.g. ``ologit approval age ib1.income_group ... [pweight=weight]``.

    Factors use Stata's ``ib#.`` notation with the specification's base
    level, which is what Table 4 reports.
    """
    terms = [f"ib{spec.categorical[c]}.{c}" if c in spec.categorical else c for c in spec.covariates]
    return f"ologit {spec.outcome} {' '.join(terms)} [pweight={spec.weight}]"


def r_command(spec: ModelSpec, data: str = "d") -> str:
    """The R ``survey`` call that fits *spec* (equal to the Stata command's estimates and SEs)."""
    terms = [
        f'relevel(factor({c}), ref = "{spec.categorical[c]}")' if c in spec.categorical else c for c in spec.covariates
    ]
    formula = f"factor({spec.outcome}) ~ " + " + ".join(terms)
    return f"svyolr({formula}, design = svydesign(ids = ~1, weights = ~{spec.weight}, data = {data}))"


def export(specs: list[ModelSpec] | None = None) -> dict[str, str]:
    """Stata do-file and R script text for all seven models.

    Both scripts apply the same listwise rule as :func:`estimation_frame`
    only if the data's non-substantive codes have been set to missing first
    (codes 97-99 in ``data/codebook.yml``); the header says so.
    """
    specs = specs or load_specs()
    note = "non-substantive codes (97/98/99, see data/codebook.yml) must be set to missing first"
    stata = [f"* The seven models of Table 4 (data/models.yml); {note}."]
    r = [f"# The seven models of Table 4 (data/models.yml); {note}.", "library(survey)"]
    for s in specs:
        stata += [f"* Model {s.id}: {s.title}", stata_command(s)]
        r += [f"# Model {s.id}: {s.title}", f"m{s.id} <- {r_command(s)}"]
    return {"stata": "\n".join(stata) + "\n", "r": "\n".join(r) + "\n"}
