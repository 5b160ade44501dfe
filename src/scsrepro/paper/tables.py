"""The paper's tables recomputed from respondent-level data.

One public function per published table. Each takes the *raw* respondent
frame (numeric codes as in the data file; derived variables are added here
with the codebook) and the survey weights, and returns a frame with one row
per number printed in the matching ``data/published`` file, in the same
order, with the columns of :data:`COLUMNS`:

``id, source, measure, item, column, statistic``
    copied from the published transcription;
``published``
    the printed number;
``reproduced``
    the number recomputed from the microdata;
``se, ci_low, ci_high``
    design-based standard error and 95 % Wald interval where the number is
    a weighted estimate (:mod:`scsrepro.survey.estimates`);
``n_base``
    unweighted number of respondents in the base;
``reading``
    how the number was computed (base and coding, from ``data/targets.yml``);
``reproduced_alt, alt_reading, closer``
    a second reading where the paper is ambiguous (never scored), and which
    of the two readings lies nearer the printed number;
``computable, note``
    ``False`` for printed numbers that no respondent data can reproduce
    (design inputs, background facts), with the reason in ``note``;
``suppressed``
    True where disclosure control removed the number (data other than the
    committed twin, fewer than ten respondents behind it;
    :mod:`scsrepro.paper.disclosure`).

How each number is computed is configuration, not code: ``data/targets.yml``
maps every published id to a recipe (variable, codes, base, treatment of
non-substantive answers, weighting) or lists it as not computable. The few
estimates from respondent data (share, summary, count) are implemented once
in :mod:`scsrepro.paper.recipes`; the methods that belong to one table (vif,
ologit, quota, design, verdict, same_as) are resolved here, with the table,
from the steps of :mod:`scsrepro.paper.vif` (Table A4),
:mod:`scsrepro.paper.model_rows` (Table 4) and
:mod:`scsrepro.paper.sample_design` (the design numbers). The recipe file is
read by :mod:`scsrepro.paper.targets`.

Weights: a ``weight`` column of the frame is used when present; otherwise
weights are computed by capped raking on age group, gender and region to the
paper's weighted Table A2 shares (:func:`scsrepro.paper.weights.weights_for`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.data.files import csv_text, write_all_atomic
from scsrepro.paper import hypotheses
from scsrepro.paper.model_rows import fit_models, printed_se, table4_row
from scsrepro.paper.published import hypothesis_verdicts, load_hypotheses
from scsrepro.paper.quota import reproduce_table_a1
from scsrepro.paper.recipes import COLUMNS, TABLE4_COLUMNS, empty_result, generic_table
from scsrepro.paper.sample_design import design_effect_rows, design_quantity, design_rows
from scsrepro.paper.targets import Recipe, cached_published, load_targets, published_table_names
from scsrepro.paper.vif import (
    SAMPLES,
    alternative_vif,
    predictor_matrix,
    sample_readings,
    vif_for_sample,
    vif_predictors,
)
from scsrepro.paper.weights import check_frame, prepare, weights_for

__all__ = [
    "COLUMNS",
    "table_a1",
    "table_a2",
    "table_a3",
    "table_a4",
    "table_2",
    "table_3",
    "table_4",
    "table_5",
    "prose_numbers",
    "design_numbers",
    "all_tables",
    "write_tables",
    "TABLE_FUNCTIONS",
]


# ===================================================================== tables
def table_a1() -> pd.DataFrame:
    """Table A1, the quota design, recomputed from its printed inputs.

    No microdata are involved: :func:`scsrepro.paper.quota.reproduce_table_a1`
    carries the census populations and internet-penetration rates through
    the five steps. Rows for the inputs themselves (census, Pew, Statista
    shares, the planned 2,000) are marked not computable.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table A1 number, columns :data:`COLUMNS`.
    """

    comparison = reproduce_table_a1()
    lookup = {
        (r.age_group, r.gender, r.column): (float(r.recomputed), float(r.unrounded))
        for r in comparison.itertuples(index=False)
    }

    def resolve(recipe: Recipe, row: pd.Series) -> dict:
        if recipe.method != "quota":
            raise ValueError(f"{row['id']}: Table A1 rows are computed by 'quota', not {recipe.method!r}")
        age_group, gender = str(row["item"]).split()
        key = (age_group, gender, recipe.get("step"))
        if key not in lookup:
            raise ValueError(f"{row['id']}: no recomputed quota cell for {key}")
        value, unrounded = lookup[key]
        return {
            **empty_result(),
            "reproduced": value,
            "n_base": np.nan,
            "reading": f"quota step {recipe.get('step')} rounded half up (unrounded {unrounded:.3f})",
        }

    return generic_table("table_a1", None, None, resolve=resolve, prepared=(None, None))


def table_a2(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table A2, respondents' characteristics and answers.

    Unweighted and weighted percentages of each answer in its base (all
    respondents, or those asked the question); "I don't know" and "rather
    not answer" stay in the base because the table prints their shares.
    Weighted rows carry a linearisation SE and a 95 % Wald interval.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw respondent frame (codes as in the data file).
    w : pandas.Series or array-like, optional
        Weights aligned with *df*; default :func:`weights_for`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table A2 number, columns :data:`COLUMNS`.
    """
    return generic_table("table_a2", df, w)


def table_a3(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table A3, weighted means and standard deviations.

    Non-substantive codes are missing (note c); the SD is Stata's
    ``summarize [aweight=]`` definition (:func:`scsrepro.survey.estimates.weighted_sd`).
    Mean rows carry a design-based SE and 95 % interval.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table A3 number.
    """
    return generic_table("table_a3", df, w)


def table_a4(df: pd.DataFrame, sample: str = "pairwise") -> pd.DataFrame:
    """Table A4, tolerance and VIF of the 21 predictors.

    As the paper describes it, each predictor is regressed (unweighted OLS
    with a constant) on the other twenty, with income group, education and
    region as plain numeric codes and non-substantive answers missing.

    The estimation sample is not stated. The predictors have different
    bases (the Sesame score only for Sesame users, the SCS items only for
    Sesame/Tencent users), so a listwise sample keeps only respondents who
    answered all 21, which on codebook-valid random data of a few hundred
    rows leaves fewer respondents than parameters and makes the VIFs
    meaningless. The default ``"pairwise"`` reading uses all available
    answers: each correlation from the respondents who answered both items,
    VIF_j = [R^-1]_jj. It equals the listwise OLS VIF when no answer is
    missing, and it is well defined whenever every pair of items has joint
    answers and the matrix is positive definite (checked; a clear error
    otherwise). ``sample="listwise"`` gives the complete-case reading
    (:func:`scsrepro.survey.design.vif_table`).

    Parameters
    ----------
    df : pandas.DataFrame
        Raw respondent frame.
    sample : {"pairwise", "listwise"}
        Estimation sample reading (see above).

    Returns
    -------
    pandas.DataFrame
        One row per printed Table A4 number; ``n_base`` is the number of
        respondents who answered the predictor (pairwise) or the complete
        cases (listwise). ``reproduced_alt`` holds the other reading when it
        can be computed.
    """

    if sample not in SAMPLES:
        raise ValueError(f"sample must be 'pairwise' or 'listwise', got {sample!r}")
    check_frame(df)
    targets = load_targets()
    pub = cached_published("table_a4")
    frame = load_codebook().derive(df).reset_index(drop=True)
    predictors = vif_predictors(targets, pub["id"])
    X = predictor_matrix(frame, predictors)
    main = vif_for_sample(X, predictors, sample)
    other, alt = alternative_vif(X, predictors, sample)
    n_complete = int(len(X.dropna()))
    counts = X.notna().sum()
    reading = sample_readings(n_complete)

    def resolve(hit: Recipe, row: pd.Series) -> dict:
        p, stat = hit.get("predictor"), row["statistic"]
        if hit.method != "vif" or stat not in ("vif", "tolerance"):
            raise ValueError(f"{row['id']}: Table A4 rows are computed by 'vif' as vif or tolerance")
        return {
            **empty_result(),
            "reproduced": float(main.loc[p, stat]),
            "n_base": int(counts[p]) if sample == "pairwise" else n_complete,
            "reading": reading[sample],
            "reproduced_alt": np.nan if alt is None else float(alt.loc[p, stat]),
            "alt_reading": reading[other] if alt is not None else f"{other}: not computable on these data",
        }

    out = generic_table("table_a4", None, None, resolve=resolve, prepared=(None, None))
    out.attrs["sample"] = sample
    out.attrs["n_complete"] = n_complete
    return out


def table_2(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table 2, approval of SCSs by group of users.

    Weighted percentage of each approval level among all respondents,
    Sesame users, Tencent users, commercial users, commercial users outside
    government pilots, government-pilot participants and those of them
    without a commercial SCS; the group Ns are unweighted counts.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table 2 number.
    """
    return generic_table("table_2", df, w)


def table_3(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table 3, socio-demographic profile of the doubters (approval 1-3).

    Weighted percentages within the doubters and within all respondents.
    For income, the designated readings follow the printed numbers: the
    totals keep "prefer not to say" in the base (they equal Table A2), the
    doubter shares drop it (they sum to 100). The other base of each column
    is reported in ``reproduced_alt``/``alt_reading``, and ``closer`` says
    which of the two lies nearer the printed number.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table 3 number.
    """
    return generic_table("table_3", df, w)


def table_4(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table 4, the seven weighted ordered logit models.

    Each model of ``data/models.yml`` is fitted once with
    :func:`scsrepro.paper.fitting.fit` (Stata ``ologit [pweight=]``
    equivalent, listwise sample, Stata's stopping rule). Rows: every coefficient and cut point
    (``se`` = reproduced SE, ``stars`` = reproduced significance stars,
    ``published_se`` and ``published_stars`` from the paper,
    ``se_calibrated`` the SE that accounts for the raking of the weights,
    :func:`scsrepro.paper.fitting.calibrated_covariance`), every standard
    error (reproduced SE), and each model's number of observations.
    Optimiser and separation warnings go to ``note``; a model that cannot be
    fitted yields missing values with the reason in ``note``.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table 4 number, columns :data:`COLUMNS` plus
        ``published_se``, ``stars``, ``published_stars``, ``se_calibrated``.
    """

    frame, wv = prepare(df, w)
    frame["weight"] = wv
    fits = fit_models(frame)
    se_of = printed_se(cached_published("table_4"))

    def resolve(hit: Recipe, row: pd.Series) -> dict:
        if hit.method != "ologit":
            raise ValueError(f"{row['id']}: Table 4 rows are computed by 'ologit', not {hit.method!r}")
        return table4_row(fits, row, se_of)

    return generic_table("table_4", None, None, resolve=resolve, prepared=(None, None), extra=TABLE4_COLUMNS)


def table_5(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table 5, advantages of commercial SCSs by rural/urban residence.

    Weighted percentage of Sesame and/or Tencent users in rural and in urban
    areas who selected each advantage, and the unweighted N of commercial
    users who answered the question.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        One row per printed Table 5 number.
    """
    return generic_table("table_5", df, w)


def prose_numbers(df: pd.DataFrame, w: Any = None, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every number of the running text, footnotes and figure captions.

    Survey results are recomputed with their recipes; numbers the text
    repeats from a table (``same_as``) take that table's reproduced value,
    from *tables* when given (so that, e.g., the models are not fitted
    twice) or by computing the table. Background facts and design facts
    that no respondent data can reproduce are marked not computable. The
    design quantities (sample size, margin of error, weights) are left to
    :func:`design_numbers`.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.
    tables : dict, optional
        Already computed tables by name (``"table_a2"``, ``"table_4"`` ...).

    Returns
    -------
    pandas.DataFrame
        One row per prose number except the design quantities.
    """
    targets = load_targets()
    prepared = prepare(df, w)
    w_used = prepared[1]
    cache: dict[str, pd.DataFrame] = dict(tables or {})
    owner = {}
    for name in published_table_names():
        for id_ in cached_published(name)["id"]:
            owner[id_] = name

    def resolve(recipe: Recipe, row: pd.Series) -> dict:
        if recipe.method != "same_as":
            raise ValueError(f"{row['id']}: prose rows use share/count/same_as, not {recipe.method!r}")
        target = recipe.get("target")
        name = owner.get(target)
        if name is None:
            raise ValueError(f"{row['id']}: same_as target {target!r} is not a published id")
        if name not in cache:
            fn = TABLE_FUNCTIONS.get(name)
            if fn is None:
                raise ValueError(f"{row['id']}: no table function computes {name!r}")
            cache[name] = fn(df, pd.Series(w_used, index=df.index)) if name != "table_a1" else fn()
        src = cache[name].set_index("id")
        if target not in src.index:
            raise ValueError(f"{row['id']}: table {name!r} has no row {target!r}")
        t = src.loc[target]
        return {
            "reproduced": float(t["reproduced"]),
            "se": float(t["se"]),
            "ci_low": float(t["ci_low"]),
            "ci_high": float(t["ci_high"]),
            "n_base": t["n_base"],
            "computable": bool(t["computable"]),
            "reading": f"same as {target}: {t['reading']}",
            "note": str(t["note"] or ""),
        }

    design = design_rows(targets)
    return generic_table("prose", df, w, rows=lambda pub: ~design(pub), resolve=resolve, prepared=prepared)


def design_numbers(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Sample size, design effect and margin of error of the weights.

    The paper's n = 2,209, its maximum weight of 2.0, the weight of older
    respondents in the West and its margin of error of 2.22 % are recomputed
    from the weights. Two rows not printed in the paper follow (ids
    starting ``x_``): Kish's design effect next to the design effect the
    printed margin implies (:func:`scsrepro.survey.weighting.implied_deff`), and the
    effective sample size next to the one it implies.

    Parameters
    ----------
    df, w
        As for :func:`table_a2`.

    Returns
    -------
    pandas.DataFrame
        The prose rows whose recipe is ``design``, then the ``x_`` rows.
    """
    targets = load_targets()
    frame, wv = prepare(df, w)
    wn = wv / wv.mean()

    def resolve(recipe: Recipe, row: pd.Series) -> dict:
        return design_quantity(recipe, frame, wv, wn)

    design = design_rows(targets)
    out = generic_table("prose", df, w, rows=design, resolve=resolve, prepared=(frame, wv))
    extra = design_effect_rows(out.set_index("id")["published"], wv)
    both = pd.concat([out, extra], ignore_index=True)
    both["suppressed"] = both["suppressed"].eq(True)  # the whole sample's rows are never suppressed
    return both


#: The table functions by published file name (``prose`` and ``design``
#: share the prose file).
TABLE_FUNCTIONS: dict[str, Callable[..., pd.DataFrame]] = {
    "table_a1": table_a1,
    "table_a2": table_a2,
    "table_a3": table_a3,
    "table_a4": lambda df, w=None: table_a4(df),
    "table_2": table_2,
    "table_3": table_3,
    "table_4": table_4,
    "table_5": table_5,
}


def table_1(df: pd.DataFrame, w: Any = None, table4: pd.DataFrame | None = None) -> pd.DataFrame:
    """The verdicts on hypotheses H1-H21 (Table 1) from the reproduced Table 4.

    Applies the verdict rule of :mod:`scsrepro.paper.hypotheses` to the models
    fitted by :func:`table_4` (pass *table4* to reuse them) and lines the
    result up with the paper's verdicts: ``reproduced`` is 1 when the
    estimates support the hypothesis, 0 when they do not, missing when they
    cannot be estimated on the data (the reason is in ``reading``).
    """

    t4 = table_4(df, w) if table4 is None else table4
    verdicts = hypotheses.verdict_table(load_hypotheses(), hypotheses.estimates_from_table_4(t4))
    labels = verdicts.set_index("id")["verdict"].str.lower()
    ours = labels.eq("supported").astype(float).where(labels.ne(hypotheses.NOT_ESTIMABLE))
    pub = hypothesis_verdicts()
    out = pub[["id", "source", "measure", "item", "column", "statistic"]].copy()
    out["published"] = pub["value"].to_numpy()
    out["reproduced"] = ours.reindex(pub["id"].str.removesuffix("_verdict")).to_numpy()
    out["reading"] = verdicts.set_index("id")["reason"].reindex(pub["id"].str.removesuffix("_verdict")).to_numpy()
    out["computable"] = True
    out["suppressed"] = False  # verdicts come from the models, not from small cells
    return out


def all_tables(df: pd.DataFrame, w: Any = None) -> dict[str, pd.DataFrame]:
    """Compute every table once.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw respondent frame.
    w : pandas.Series or array-like, optional
        Weights; computed once with :func:`weights_for` when omitted.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``table_a1``, ``table_a2``, ``table_a3``, ``table_a4``, ``table_1``
        (hypothesis verdicts), ``table_2``, ``table_3``, ``table_4``,
        ``table_5``, ``prose`` and ``design``; the
        prose numbers reuse the tables computed before them.
    """
    check_frame(df)
    if w is None:
        w = weights_for(df)
    out: dict[str, pd.DataFrame] = {"table_a1": table_a1()}
    out["table_a2"] = table_a2(df, w)
    out["table_a3"] = table_a3(df, w)
    out["table_a4"] = table_a4(df)
    out["table_2"] = table_2(df, w)
    out["table_3"] = table_3(df, w)
    out["table_4"] = table_4(df, w)
    out["table_1"] = table_1(df, w, table4=out["table_4"])
    out["table_5"] = table_5(df, w)
    out["prose"] = prose_numbers(df, w, tables=out)
    out["design"] = design_numbers(df, w)
    return out


_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def write_tables(tables: Mapping[str, pd.DataFrame], directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write each table to ``<directory>/<name>.csv``, all or nothing.

    Written with :func:`scsrepro.data.files.write_all_atomic`: if anything
    fails, no target file is touched.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        E.g. the result of :func:`all_tables`.
    directory : str or path-like, optional
        Target folder (created if needed); default ``_build/tables``.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        If a name is not a plain file name or a value is not a DataFrame.
    """
    directory = Path(directory) if directory is not None else paths.TABLES
    for name, frame in tables.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"table name {name!r} is not a plain file name")
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"table {name!r} is a {type(frame).__name__}, not a DataFrame")
    return write_all_atomic(
        {directory / f"{name}.csv": csv_text(frame).encode("utf-8") for name, frame in tables.items()}
    )
