"""The seven models of Table 4, read from ``data/models.yml``.

One specification serves every consumer: :func:`estimation_frame` applies
the listwise-deletion rule, :func:`table4_keys` translates fitted terms
(``income_group_2``, recorded by the design matrix as ``("income_group", 2)``)
into Table 4's keys (``income_2``), and :func:`export` writes the Stata and R
commands. The models are fitted by :func:`scsrepro.paper.fitting.fit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.data.yaml_files import cached, read_yaml

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
    raw = read_yaml(path)
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
    """Covariate -> Table 4 term keys (the file is read once per version, see
    :func:`scsrepro.data.yaml_files.cached`; every fit's keys ask for it)."""
    p = Path(path)
    terms = cached("model-terms", p, lambda: read_yaml(p)["terms"])
    return {k: list(v) for k, v in terms.items()}


def table4_key(variable: str, level: object = None, keys: Mapping[str, list[str]] | None = None) -> str:
    """Table 4's key of a covariate, or of one level of a factor.

    ``table4_key("gender") == "male"``; ``table4_key("education", 3) ==
    "educ_3"``: a level's key is the factor's prefix in ``data/models.yml``
    with the level number, so a contrast with a merged base level still
    names its level. *keys* are :func:`term_keys` (read when not given).
    """
    first = (term_keys() if keys is None else keys)[variable][0]
    return first if level is None else f"{first.rsplit('_', 1)[0]}_{level}"


def table4_keys(coding: Mapping[str, tuple[str, object]], cuts: Iterable[str] = ()) -> dict[str, str]:
    """Table 4 keys of fitted terms, from what each term codes.

    *coding* is ``{term: (covariate, level or None)}`` as recorded by
    :func:`scsrepro.survey.design.design_matrix` (``X.attrs["coding"]``, also
    ``OlogitResult.coding``); cut points (``cut1`` ...) in *cuts* keep their
    names. This is the one translation from fitted terms to Table 4 rows.
    """
    keys = term_keys()
    out = {term: table4_key(var, level, keys) for term, (var, level) in coding.items()}
    out.update({c: c for c in cuts if str(c).startswith("cut")})
    return out


def estimation_frame(df: pd.DataFrame, spec: ModelSpec, codebook=None) -> pd.DataFrame:
    """Apply the listwise rule: the rows and columns that enter *spec*.

    Non-substantive codes become missing (via the codebook), then every row
    with a missing outcome, covariate or weight is dropped.
    """

    return _recoded(df, spec, codebook).dropna().astype(float)


def missing_cells(df: pd.DataFrame, spec: ModelSpec, codebook=None) -> pd.DataFrame:
    """Which of *spec*'s variables each row lacks under the listwise rule (non-substantive codes count as missing).

    A row enters :func:`estimation_frame` exactly when its row here is all False.
    """
    return _recoded(df, spec, codebook).isna()


def _recoded(df: pd.DataFrame, spec: ModelSpec, codebook=None) -> pd.DataFrame:
    """*spec*'s columns of *df* with the non-substantive codes set to missing."""
    cb = codebook or load_codebook()
    cols = [spec.outcome, *spec.covariates, spec.weight]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"model {spec.id}: data lack columns {missing}")
    return cb.to_missing(df[cols].copy(), [c for c in cols if c in cb.names])


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
