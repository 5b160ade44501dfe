"""Comparing the nested models of Table 4 properly.

Models 2-7 each add one block of covariates to Model 1's socio-demographics,
but each is fitted on its own listwise sample: the paper's N runs from about
1,100 to 1,944. Two things then change at once between Model 1 and Model k:
who is in the sample, and what else the model controls for. And a logit
coefficient changes scale whenever covariates are added, even ones
unrelated to the others, so raw coefficients of nested logits cannot be
compared (the problem the KHB method addresses).

This module separates the two changes and compares on the probability
scale:

``retained``
    the share of each socio-demographic group that each model's listwise
    deletion keeps, so a reader sees whom a model loses;
``common_sample_comparison``
    for each Model k, Model 1 refitted on Model k's sample, and the average
    marginal effects (AMEs) of Model 1's covariates on the probability of
    approving in three fits: Model 1 on its own sample, Model 1 on Model k's
    sample, Model k. The change from the first to the second is due to the
    sample, the change from the second to the third to Model k's added
    block; AMEs are on the same (probability) scale in every fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import modelspec
from scsrepro.paper.effects import model_ames
from scsrepro.paper.fitting import fit

__all__ = ["GROUPS", "retained", "dropped_by", "common_sample_comparison"]

#: Socio-demographic variables by which :func:`retained` splits the respondents.
GROUPS: tuple[str, ...] = ("age_group", "gender", "education", "income_group", "urban", "region")


def _kept(frame: pd.DataFrame, spec: modelspec.ModelSpec) -> pd.Series:
    """Boolean per row of *frame*: does the row enter *spec*'s listwise sample?"""
    return ~modelspec.missing_cells(frame, spec).any(axis=1)


def retained(frame: pd.DataFrame, specs: Sequence[modelspec.ModelSpec], groups: Sequence[str] = GROUPS) -> pd.DataFrame:
    """Share of each group that each model's listwise sample keeps (per cent, unweighted).

    Parameters
    ----------
    frame : DataFrame
        From :func:`scsrepro.paper.fitting.model_frame`.
    specs : sequence of ModelSpec
    groups : sequence of str
        Codebook variables to split by; a respondent whose group is not
        known is left out of that variable's rows.

    Returns
    -------
    DataFrame
        ``variable``, ``level`` (the codebook's label, non-substantive
        answers last), ``n`` (respondents in the group), then one
        column per model (its Table 4 column name) with the percentage of
        the group in that model's sample; a first row ``variable = "all"``.
    """
    kept = pd.DataFrame({s.column: _kept(frame, s) for s in specs})
    rows = [{"variable": "all", "level": "", "n": len(frame), **(100 * kept.mean()).to_dict()}]
    labelled = load_codebook().label(frame[list(groups)])
    for var in groups:
        levels = labelled[var]
        for level in levels.cat.categories:
            mask = (levels == level).to_numpy()
            if not mask.any():
                continue
            rows.append({"variable": var, "level": level, "n": int(mask.sum()), **(100 * kept[mask].mean()).to_dict()})
    return pd.DataFrame(rows)


def dropped_by(frame: pd.DataFrame, specs: Sequence[modelspec.ModelSpec]) -> pd.DataFrame:
    """For each model, how many respondents each of its variables removes.

    Returns
    -------
    DataFrame
        ``model`` (Table 4 column), ``variable``, ``missing`` (respondents
        with no usable answer on the variable), ``only`` (respondents
        dropped because of this variable alone), and each model's
        ``n`` (sample size) and ``dropped``; one row per variable that
        removes anyone.
    """
    rows = []
    for spec in specs:
        missing = modelspec.missing_cells(frame, spec)
        cols = list(missing.columns)
        n_missing = missing.sum(axis=1)
        kept = int((n_missing == 0).sum())
        for c in cols:
            if missing[c].any():
                rows.append(
                    {
                        "model": spec.column,
                        "variable": c,
                        "missing": int(missing[c].sum()),
                        "only": int((missing[c] & (n_missing == 1)).sum()),
                        "n": kept,
                        "dropped": len(frame) - kept,
                    }
                )
    return pd.DataFrame(rows, columns=["model", "variable", "missing", "only", "n", "dropped"])


def common_sample_comparison(
    frame: pd.DataFrame,
    specs: Sequence[modelspec.ModelSpec],
    base: int = 1,
    outcome: str = "approve",
    merges: Mapping[int, Mapping[str, Mapping]] | None = None,
) -> pd.DataFrame:
    """The base model's covariates in three fits per larger model, on the probability scale.

    For every model *k* other than *base* (whose covariates it must
    contain): the AME on *outcome* of each of the base model's terms in
    (a) the base model on its own sample, (b) the base model refitted on
    model *k*'s listwise sample, (c) model *k*. ``sample_change`` = b - a
    is due to the respondents model *k* loses, ``block_change`` = c - b to
    the covariates it adds (the same respondents, the same scale).
    ``merges`` maps a model *k* to factor levels merged in all three of its
    fits (Model 5's "no formal education" into "low", where the data
    separate it), so that the three compare the same contrasts.

    Returns
    -------
    DataFrame
        ``model`` (model *k*'s column), ``term`` (Table 4 key), ``nobs``
        (model *k*'s N), ``ame_own``, ``ame_common``, ``ame_full`` and
        their ``se_*``, ``sample_change``, ``block_change``; a term one of
        the fits cannot estimate (a base level nobody in its sample has) is
        missing there.
    """
    by_id = {s.id: s for s in specs}
    reduced = by_id[base]

    def approve(f) -> pd.DataFrame:
        a = model_ames(f)
        return a[a["outcome"] == outcome].set_index("term")[["ame", "se"]]

    merges = dict(merges or {})
    rows = []
    for spec in specs:
        if spec.id == base:
            continue
        merge = merges.get(spec.id)
        own = approve(fit(frame, reduced, merge))
        missing = set(reduced.covariates) - set(spec.covariates)
        if missing:
            raise ValueError(f"{spec.column} lacks {sorted(missing)} of {reduced.column}: not nested")
        sample_rows = modelspec.estimation_frame(frame, spec).index
        full = fit(frame, spec, merge)
        common = approve(fit(frame.loc[sample_rows], reduced, merge))
        larger = approve(full)
        for term in own.index:
            row = {"model": spec.column, "term": term, "nobs": full.result.nobs}
            for name, fitted in (("own", own), ("common", common), ("full", larger)):
                have = term in fitted.index  # a contrast the data cannot estimate in this fit is missing
                row[f"ame_{name}"] = fitted.loc[term, "ame"] if have else float("nan")
                row[f"se_{name}"] = fitted.loc[term, "se"] if have else float("nan")
            rows.append(row)
    out = pd.DataFrame(rows)
    out["sample_change"] = out["ame_common"] - out["ame_own"]
    out["block_change"] = out["ame_full"] - out["ame_common"]
    return out
