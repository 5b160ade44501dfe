"""The book's results beyond the paper, as data: one row per statistic.

The ensemble of twins (:mod:`scsrepro.twin.ensemble`) computes these rows on
every draw, so the book can say which of its results hold across plausible
twins and which belong to one draw. They are computed here exactly as the
chapters compute them (the same functions, arguments and merges), on any
data that meets the codebook.

Each row has a ``family``, a ``key`` within it, a numeric ``value`` and an
``outcome``. The outcome is the *claim* the book makes from the value (a
verdict, "flagged", "significant", "pass"); rows whose outcome is empty are
distributions only (pass rates, shifts, estimates). A claim *holds* in a draw
when that draw's outcome equals the committed twin's.

=================  ==================================================  =====================================
family             key                                                 value; outcome
=================  ==================================================  =====================================
``acceptance``     ``<basis>_pass`` (per basis), ``t4_within_1se``,     per cent; ""
                   ``t4_within_2se``, ``t4_stars_agree``
``held_out``       published id of each held-out number                distance; ``pass`` / ``fail``
``verdict``        H1-H21                                              p on the refit; three-outcome verdict
``verdict_holm``   H1-H21                                              Holm p; verdict after Holm
``po_flag``        ``Model m|term`` of the proportional-odds test      p; ``flagged`` / ``not flagged``
``rural_urban``    rural id of each rural-urban pair                   p; ``significant`` / ``not significant``
``caps``           ``cap <c>|<measure>`` of the cap comparison         the measure; ``feasible`` rows only
``calibrated_se``  ``Model m|term`` of Table 4                         SE ratio; ``same`` / ``changes``
``partial_po``     ``Model m|term`` freed in the partial model         Wald p; ``differ`` / ``equal``
``ame``            ``Model m|term`` (effect on approving)              AME; ``significant`` / ...
``nested``         ``Model m|term`` (Model 1's terms)                  sample minus block change; which
                                                                       change is larger
``firth``          penalised term of Model 5                           Firth estimate; whether the profile
                                                                       interval ``includes 0``, ``excludes 0``
                                                                       or is ``open``
``dd_test``        ``Model m``                                         p; ``rejects`` / ``does not reject``
                                                                       / ``not estimable``
=================  ==================================================  =====================================

Significance is judged at :data:`scsrepro.paper.hypotheses.ALPHA` throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.paper import (
    bivariate,
    cap_sensitivity,
    effects,
    fidelity,
    fitting,
    hypotheses,
    model_summaries,
    modelspec,
    nested,
    partial_po,
    separation,
    tables,
)
from scsrepro.paper.published import load_hypotheses, load_published
from scsrepro.paper.weights import weights_for
from scsrepro.survey.design import coding_of
from scsrepro.survey.significance import critical_value

__all__ = [
    "COLUMNS",
    "FAMILIES",
    "MERGE5",
    "STABLE_SHARE",
    "coef_keys",
    "failed_seeds",
    "model_term_keys",
    "po_keys",
    "statistics",
]

COLUMNS = ["family", "key", "value", "outcome"]
#: A claim of the committed twin is *stable* when at least this share of the
#: ensemble's draws make it too.
STABLE_SHARE = 0.9
#: Model 5's education merge of the proportional-odds test and the AMEs (as in the chapters).
MERGE5 = {"education": {1: 2}}


class _Data:
    """What several families share, each computed once (the chapters' own calls)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df

    @cached_property
    def w(self) -> pd.Series:
        return weights_for(self.df)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        return tables.all_tables(self.df, self.w)

    @cached_property
    def board(self) -> pd.DataFrame:
        return fidelity.scoreboard(self.tables)

    @cached_property
    def frame(self) -> pd.DataFrame:
        return fitting.model_frame(self.df)

    @cached_property
    def specs(self) -> dict[int, modelspec.ModelSpec]:
        return {s.id: s for s in modelspec.load_specs()}

    @cached_property
    def fits(self) -> dict:
        return {m: fitting.fit(self.frame, s) for m, s in self.specs.items()}

    @cached_property
    def po_table(self) -> pd.DataFrame:
        samples = {m: fitting.estimation_sample(self.frame, s, MERGE5) for m, s in self.specs.items()}
        po = model_summaries.proportional_odds_by_model(samples, self.specs, thresholds=[3, 4])
        return model_summaries.proportional_odds_table(po)


def _rows(family: str, keys: Sequence[str], values: Any, outcomes: Any = None) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    outcome = [""] * len(values) if outcomes is None else [str(o) for o in outcomes]
    return pd.DataFrame({"family": family, "key": list(keys), "value": values, "outcome": outcome})


def _significance(p: pd.Series, yes: str = "significant", no: str = "not significant", alpha: float = hypotheses.ALPHA):
    return np.where(p.isna(), "not estimable", np.where(p < alpha, yes, no))


def model_term_keys(rows: pd.DataFrame) -> list[str]:
    """Claim keys ``Model m|term`` of a table with ``model`` and ``term`` columns, in its order."""
    return [f"{m}|{t}" for m, t in zip(rows["model"], rows["term"])]


def coef_keys(t4: pd.DataFrame) -> list[str]:
    """Claim keys of Table 4's coefficients with both standard errors (*t4*: ``tables.table_4``), in its order."""
    rows = _coefficients(t4)
    return [f"{m}|{k}" for m, k in zip(rows["column"], rows["item"])]


def _coefficients(t4: pd.DataFrame) -> pd.DataFrame:
    return t4[t4["statistic"].eq("coef")].dropna(subset=["se", "se_calibrated"])


# --------------------------------------------------------------------------- families
def _acceptance(d: _Data) -> pd.DataFrame:
    acc = fidelity.acceptance(d.board)
    keys, values = [], []
    for basis in fidelity.SCORED_BASES:
        if acc[f"{basis}_scored"]:
            keys.append(f"{basis}_pass")
            values.append(100 * acc[f"{basis}_pass"] / acc[f"{basis}_scored"])
    for k in ("t4_within_1se", "t4_within_2se", "t4_stars_agree"):
        keys.append(k)
        values.append(100 * acc[k] / acc["t4_cells"])
    return _rows("acceptance", keys, values)


def _held_out(d: _Data) -> pd.DataFrame:
    rows = d.board[(d.board["basis"] == "held_out") & d.board["status"].isin(["pass", "fail"])]
    return _rows("held_out", rows["id"], rows["distance"], rows["status"])


def _verdicts(d: _Data) -> pd.DataFrame:
    refit = pd.concat([fitting.tidy(f) for f in d.fits.values()])[["model", "term", "coef", "se"]]
    cov = {m: fitting.key_covariance(f) for m, f in d.fits.items()}
    sharp = hypotheses.sharp_verdict_table(load_hypotheses(), refit, cov)
    return pd.concat(
        [
            _rows("verdict", sharp["hypothesis"], sharp["p"], sharp["outcome"]),
            _rows("verdict_holm", sharp["hypothesis"], sharp["p_holm"], sharp["outcome_holm"]),
        ]
    )


def po_keys(po_rows: pd.DataFrame, specs: dict[int, modelspec.ModelSpec]) -> list[str]:
    """Claim keys (``Model m|<Table 4 key>``) of rows of a proportional-odds table indexed by (model, term)."""
    keys = []
    for model, term in po_rows.index:
        spec = specs[int(str(model).split()[1])]
        t4 = term if term == "all" else modelspec.table4_key(*coding_of(term, spec.covariates, spec.categorical))
        keys.append(f"{model}|{t4}")
    return keys


def _po_flags(d: _Data) -> pd.DataFrame:
    po = d.po_table
    return _rows("po_flag", po_keys(po, d.specs), po["p"], _significance(po["p"], "flagged", "not flagged"))


def _rural_urban(d: _Data) -> pd.DataFrame:
    pairs = [("p_res_rural_approve", "p_res_urban_approve")]
    pairs += bivariate.rural_urban_pairs(d.tables["table_5"]["id"], "t5_rural_")
    pairs += bivariate.rural_urban_pairs(load_published("prose")["id"], "p_disc_rural_")
    tests = bivariate.pair_tests(d.df, d.w, pairs)
    return _rows("rural_urban", tests["id_a"], tests["p_value"], _significance(tests["p_value"]))


def _caps(d: _Data) -> pd.DataFrame:
    summary = cap_sensitivity.cap_summary(d.df)
    measures = ["max_weight", "deff", "approve_pct", "t2_max_shift", "t4_max_shift_se", "t4_star_changes"]
    parts = [
        _rows(
            "caps",
            [f"cap {c}|feasible" for c in summary["cap"]],
            summary["feasible"].astype(float),
            np.where(summary["feasible"], "feasible", "infeasible"),
        )
    ]
    for m in measures:
        parts.append(_rows("caps", [f"cap {c}|{m}" for c in summary["cap"]], summary[m]))
    return pd.concat(parts)


def _calibrated_se(d: _Data) -> pd.DataFrame:
    t4 = _coefficients(d.tables["table_4"])
    z = critical_value(1 - hypotheses.ALPHA)
    fixed = (t4["reproduced"] / t4["se"]).abs() > z
    cal = (t4["reproduced"] / t4["se_calibrated"]).abs() > z
    return _rows(
        "calibrated_se", coef_keys(t4), t4["se_calibrated"] / t4["se"], np.where(fixed == cal, "same", "changes")
    )


def _partial_po(d: _Data) -> pd.DataFrame:
    flagged = model_summaries.flagged_terms(d.po_table)
    partial = partial_po.fit_flagged(d.frame, d.specs, flagged, MERGE5)
    wald = partial_po.wald_table(partial)
    return _rows("partial_po", model_term_keys(wald), wald["p"], _significance(wald["p"], "differ", "equal"))


def _ame(d: _Data) -> pd.DataFrame:
    fits = {m: (fitting.fit(d.frame, s, MERGE5) if m == 5 else d.fits[m]) for m, s in d.specs.items()}
    ames = pd.concat([effects.model_ames(f) for f in fits.values()], ignore_index=True)
    ames = ames[ames["outcome"] == "approve"]
    return _rows("ame", model_term_keys(ames), ames["ame"], _significance(ames["p"]))


def _nested(d: _Data) -> pd.DataFrame:
    c = nested.common_sample_comparison(d.frame, list(d.specs.values()), merges={5: MERGE5})
    diff = c["sample_change"].abs() - c["block_change"].abs()
    which = np.where(diff.isna(), "not estimable", np.where(diff > 0, "sample larger", "block larger"))
    return _rows("nested", model_term_keys(c), diff, which)


def _firth(d: _Data) -> pd.DataFrame:
    c = separation.firth_refit(d.fits[5]).comparison
    c = c[c["penalised"]]
    opened = c["lower_open"] | c["upper_open"]
    zero = np.where(opened, "open", np.where((c["lower"] <= 0) & (c["upper"] >= 0), "includes 0", "excludes 0"))
    return _rows("firth", c["term"], c["firth"], zero)


def _dd_test(d: _Data) -> pd.DataFrame:
    dd = separation.weights_tests(d.frame, d.specs)
    p = dd["p"].where(dd["converged"])
    return _rows("dd_test", dd["model"], p, _significance(p, "rejects", "does not reject"))


#: The families in the order they are computed and reported.
FAMILIES: dict[str, Callable[[_Data], pd.DataFrame]] = {
    "acceptance": _acceptance,
    "held_out": _held_out,
    "verdict": _verdicts,
    "po_flag": _po_flags,
    "rural_urban": _rural_urban,
    "caps": _caps,
    "calibrated_se": _calibrated_se,
    "partial_po": _partial_po,
    "ame": _ame,
    "nested": _nested,
    "firth": _firth,
    "dd_test": _dd_test,
}


def failed_seeds(rows: pd.DataFrame) -> list[int]:
    """Seeds of ensemble rows (:mod:`scsrepro.twin.ensemble`) whose draw made no twin.

    Such a draw has a row of family ``draw``, key ``failed`` and value 1.
    """
    flag = rows[(rows["family"] == "draw") & (rows["key"] == "failed")]
    return flag.loc[flag["value"] == 1, "seed"].astype(int).tolist()


def statistics(df: pd.DataFrame, families: Sequence[str] | None = None, errors: str = "raise") -> pd.DataFrame:
    """The ensemble statistics of one data set (columns :data:`COLUMNS`).

    Parameters
    ----------
    df : pandas.DataFrame
        A respondent frame as :func:`scsrepro.data.loading.load_survey` returns it.
    families : sequence of str, optional
        Keys of :data:`FAMILIES` to compute (all by default); ``verdict``
        also gives ``verdict_holm``.
    errors : {"raise", "record"}
        What a family that fails does: raise, or (``"record"``, as the
        ensemble does, so one odd draw does not stop a run of many) give one
        row with key ``error``, no value and the exception's type and message
        as its outcome. Its claims then do not hold in that draw.
    """
    chosen = list(FAMILIES) if families is None else list(families)
    unknown = sorted(set(chosen) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown ensemble statistics {unknown}; known: {list(FAMILIES)}")
    if errors not in ("raise", "record"):
        raise ValueError(f"errors must be 'raise' or 'record', not {errors!r}")
    d = _Data(df)
    parts = []
    for family in chosen:
        try:
            parts.append(FAMILIES[family](d))
        except Exception as exc:
            if errors == "raise":
                raise
            parts.append(_rows(family, ["error"], [np.nan], [f"error: {type(exc).__name__}: {exc}"[:200]]))
    return pd.concat(parts, ignore_index=True)[COLUMNS]
