"""Table 4's printed numbers from the seven fitted models.

:func:`scsrepro.paper.tables.table_4` fits every model once
(:func:`fit_models`) and then resolves each printed number -- coefficient,
cut point, standard error or number of observations -- from those fits
(:func:`table4_row`); :func:`printed_se` gives the paper's standard error of
each cell, which the rows and the fidelity scoreboard put next to the
reproduced one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import modelspec
from scsrepro.paper.fitting import calibrated_covariance, empty_base_note, fit
from scsrepro.paper.modelspec import load_specs
from scsrepro.paper.recipes import empty_result
from scsrepro.survey.significance import Z95

__all__ = ["fit_models", "printed_se", "table4_row"]


def fit_models(frame: pd.DataFrame) -> dict[str, dict]:
    """Every model of ``data/models.yml`` fitted once on *frame*, by Table 4 column.

    *frame* has the derived variables and a ``weight`` column. A fitted
    model gives ``table`` (its estimates indexed by Table 4 key, with
    ``se_calibrated``, the standard error that accounts for the raking:
    :func:`scsrepro.paper.fitting.calibrated_covariance`), ``nobs``,
    ``warnings`` (each once) and ``diagnostics``; a model that cannot be
    fitted gives the reason as ``error``.
    """
    specs = {s.column: s for s in load_specs()}
    term_keys = modelspec.term_keys()
    fits: dict[str, dict] = {}
    for column, spec in specs.items():
        try:
            fitted = fit(frame, spec)
        except (ValueError, np.linalg.LinAlgError) as exc:
            fits[column] = {"error": f"model could not be fitted: {exc}"}
            continue
        res = fitted.result
        keys = modelspec.table4_keys(res.coding, cuts=res.table["term"])
        cuts, missing_cuts = _table4_cuts(res.outcome_levels, spec)
        keys.update(cuts)
        se_cal = np.sqrt(np.diag(calibrated_covariance(frame, fitted)))
        tab = res.table.assign(key=res.table["term"].map(keys), se_calibrated=se_cal).set_index("key")
        # contrasts with a base level nobody has are not Table 4's contrasts: leave them out
        absent = {
            key: empty_base_note(spec, var, base) for var, base in fitted.empty_base.items() for key in term_keys[var]
        } | missing_cuts
        tab = tab.drop(index=[k for k in absent if k in tab.index])
        msgs = list(dict.fromkeys(res.warnings))
        fits[column] = {
            "table": tab,
            "nobs": res.nobs,
            "warnings": msgs,
            "diagnostics": res.diagnostics,
            "not_estimable": absent,
        }
    return fits


def _table4_cuts(levels: list, spec: modelspec.ModelSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Table 4's key of each fitted cut point, and the Table 4 cut points the fit has no counterpart for.

    Table 4's ``cutk`` separates answer *k* from *k* + 1 (answers 1 to 5).
    A fit whose sample lacks an answer has fewer cut points: its ``cutj``
    separates ``levels[j-1]`` from ``levels[j]``, which is Table 4's
    ``cut<levels[j-1]>`` when the two answers are adjacent. Returns
    ``({fitted cut: Table 4 key}, {Table 4 key: why it is not estimable})``;
    on a sample with every answer both are trivial.
    """
    keys, have = {}, set()
    for j in range(1, len(levels)):
        lo, hi = levels[j - 1], levels[j]
        if float(hi) == float(lo) + 1:
            keys[f"cut{j}"] = f"cut{int(lo)}"
            have.add(int(lo))
        else:
            keys[f"cut{j}"] = f"cut{j}_between_{int(lo)}_and_{int(hi)}"
    codes = sorted(int(c) for c in load_codebook()[spec.outcome].codes)
    missing = {
        f"cut{k}": (
            f"not estimable on these data: {spec.column}'s estimation sample has no respondent with "
            f"{spec.outcome} = {', '.join(str(c) for c in (k, k + 1) if c not in levels)}, so the cut point "
            f"between {k} and {k + 1} does not exist"
        )
        for k in codes[:-1]
        if k not in have
    }
    return keys, missing


def printed_se(published_4: pd.DataFrame) -> dict[tuple[str, str], float]:
    """The printed standard errors of Table 4 by ``(column, item)`` (*published_4*: its published rows)."""
    return {(r.column, r.item): float(r.value) for r in published_4.itertuples(index=False) if r.statistic == "se"}


def table4_row(fits: Mapping[str, dict], row: pd.Series, se_of: Mapping[tuple[str, str], float]) -> dict:
    """One printed Table 4 number resolved from *fits* (:func:`fit_models`).

    *row* is the published row, *se_of* :func:`printed_se`. A coefficient or
    cut point gives the estimate with its SE, 95 % Wald interval, stars and
    the SE that accounts for the raking (``se_calibrated``);
    an SE row the reproduced SE; an ``n`` row the number of observations
    with the model's warnings. A model that could not be fitted, or a term
    it did not estimate, leaves the number missing with the reason in
    ``note``.
    """
    stat = row["statistic"]
    res = {
        **empty_result(),
        "n_base": np.nan,
        "reading": f"{row['column']}: weighted ordered logit, robust SE",
        "published_se": se_of.get((row["column"], row["item"]), np.nan) if stat in ("coef", "cut") else np.nan,
        "stars": "",
        "se_calibrated": np.nan,
    }
    model = fits.get(row["column"])
    if model is None:
        raise ValueError(f"{row['id']}: column {row['column']!r} is not a model of data/models.yml")
    if "error" in model:
        res["note"] = model["error"]
        return res
    tab, item = model["table"], row["item"]
    if stat == "n":
        res.update(reproduced=float(model["nobs"]), n_base=model["nobs"], note="; ".join(model["warnings"]))
    elif item in model.get("not_estimable", {}):
        res["note"] = model["not_estimable"][item]
    elif item not in tab.index:
        res["note"] = f"not estimable on these data: no respondent of the estimation sample has the level of {item!r}"
    else:
        t = tab.loc[item]
        related = [d.message for d in model["diagnostics"] if d.term == t["term"]]
        res["n_base"] = model["nobs"]
        if stat == "se":
            res["reproduced"] = float(t["se"])
        else:
            res.update(
                reproduced=float(t["coef"]),
                se=float(t["se"]),
                ci_low=float(t["coef"] - Z95 * t["se"]),
                ci_high=float(t["coef"] + Z95 * t["se"]),
                stars=str(t["stars"]),
                se_calibrated=float(t["se_calibrated"]),
            )
        res["note"] = "; ".join(related)
    return res
