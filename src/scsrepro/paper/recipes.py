"""The recipe engine: one published row in, one recomputed number out.

Every table of :mod:`scsrepro.paper.tables` is a list of published rows, and
each row is recomputed with its recipe from ``data/targets.yml``
(:mod:`scsrepro.paper.targets`). The methods that estimate from respondent
data -- ``share``, ``summary`` and ``count`` -- are implemented here once;
:func:`generic_table` walks a published file, applies them, hands every
other method to the table's own resolver, adds the alternative reading where
the paper is ambiguous, and assembles the frame with the columns of
:data:`COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import load_codebook
from scsrepro.data.expressions import evaluate_condition
from scsrepro.paper import disclosure
from scsrepro.paper.published import REQUIRED_COLUMNS
from scsrepro.paper.targets import (
    TARGETS_FILE,
    Recipe,
    as_list,
    cached_published,
    load_targets,
    weighted_flag,
)
from scsrepro.paper.weights import prepare
from scsrepro.survey.estimates import weighted_mean, weighted_proportions, weighted_sd

__all__ = [
    "COLUMNS",
    "TABLE4_COLUMNS",
    "base_mask",
    "data_column",
    "empty_result",
    "describe",
    "generic_table",
    "text_column",
]

#: Columns every table function returns, in this order (Table 4 adds
#: ``published_se``, ``stars`` and ``published_stars``).
COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS[:6],  # id, source, measure, item, column, statistic: as transcribed
    "published",
    "reproduced",
    "se",
    "ci_low",
    "ci_high",
    "n_base",
    "reading",
    "reproduced_alt",
    "alt_reading",
    "closer",
    "computable",
    "note",
)
TABLE4_COLUMNS: tuple[str, ...] = ("published_se", "stars", "published_stars", "se_calibrated")


def base_mask(frame: pd.DataFrame, expr: str | None) -> np.ndarray:
    """Rows where a base expression holds (``all`` or None: every row)."""
    if expr is None or str(expr).strip() == "all":
        return np.ones(len(frame), dtype=bool)
    try:
        cond = evaluate_condition(frame, str(expr))
    except Exception as exc:  # pandas raises several types for bad expressions
        raise ValueError(f"cannot evaluate base/expr {expr!r}: {exc}") from None
    return cond.fillna(False).to_numpy(dtype=bool)


def data_column(frame: pd.DataFrame, var: str) -> pd.Series:
    if var not in frame.columns:
        raise ValueError(f"variable {var!r} named in {paths.relative(TARGETS_FILE)} is not in the data")
    return frame[var]


# ===================================================================== methods
def empty_result(note: str = "") -> dict:
    return {"reproduced": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_base": 0, "note": note}


def _share(frame: pd.DataFrame, w: np.ndarray, spec: Mapping, weighted: bool) -> dict:
    """Percentage (or proportion) of the base in the item, with design-based SE/CI."""
    cb = load_codebook()
    base = base_mask(frame, spec.get("base"))
    if spec.get("expr"):
        ind = base_mask(frame, spec["expr"])
        valid = base.copy()
    else:
        v = data_column(frame, spec["variable"])
        valid = base & v.notna().to_numpy()
        if spec.get("nonsubstantive", "keep") == "drop" and spec["variable"] in cb:
            valid &= ~v.isin(cb[spec["variable"]].missing_codes).fillna(False).to_numpy(dtype=bool)
        codes = [int(c) for c in as_list(spec["codes"])]
        ind = v.isin(codes).fillna(False).to_numpy(dtype=bool)
    scale = 1.0 if spec.get("scale") == "proportion" else 100.0
    n = int(valid.sum())
    if n == 0:
        return empty_result("empty base: no respondent in the base answered")
    y = np.where(valid, ind.astype(float), np.nan)
    if not weighted:
        p = float(np.nanmean(y))
        return {"reproduced": p * scale, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_base": n, "note": ""}
    if n < 2:
        p = float(y[valid][0])
        return {
            "reproduced": p * scale,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n_base": n,
            "note": "one respondent in the base: no standard error",
        }
    est = weighted_proportions(y, w, levels=[0.0, 1.0]).iloc[1]
    return {
        "reproduced": float(est["proportion"]) * scale,
        "se": float(est["se"]) * scale,
        "ci_low": float(est["ci_low"]) * scale,
        "ci_high": float(est["ci_high"]) * scale,
        "n_base": n,
        "note": "",
    }


def _summary(frame: pd.DataFrame, w: np.ndarray, spec: Mapping, statistic: str, weighted: bool) -> dict:
    """Weighted mean (with SE/CI) or Stata-aweight SD; non-substantive codes missing."""
    cb = load_codebook()
    var = spec["variable"]
    v = data_column(frame, var)
    if var in cb and cb[var].missing_codes:
        v = v.mask(v.isin(cb[var].missing_codes))
    x = pd.to_numeric(v, errors="coerce").astype(float).to_numpy()
    valid = base_mask(frame, spec.get("base")) & ~np.isnan(x)
    n = int(valid.sum())
    if n < 2:
        return empty_result("fewer than two respondents with a substantive answer")
    x = np.where(valid, x, np.nan)
    ww = w if weighted else np.ones_like(w)
    if statistic == "mean":
        m = weighted_mean(x, ww)
        return {
            "reproduced": float(m["mean"]),
            "se": float(m["se"]),
            "ci_low": float(m["ci_low"]),
            "ci_high": float(m["ci_high"]),
            "n_base": n,
            "note": "",
        }
    if statistic == "sd":
        return {
            "reproduced": weighted_sd(x, ww, definition="stata_aweight"),
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n_base": n,
            "note": "",
        }
    raise ValueError(f"summary recipes compute 'mean' or 'sd', not {statistic!r}")


def _count(frame: pd.DataFrame, spec: Mapping) -> dict:
    """Unweighted number of respondents in the base (with a non-missing variable)."""
    mask = base_mask(frame, spec.get("base"))
    if spec.get("variable"):
        mask &= data_column(frame, spec["variable"]).notna().to_numpy()
    n = int(mask.sum())
    return {"reproduced": float(n), "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_base": n, "note": ""}


def describe(spec: Mapping, weighted: bool) -> str:
    if spec.get("reading"):
        return " ".join(str(spec["reading"]).split())
    method = spec.get("method")
    base = spec.get("base") or "all"
    if method == "share":
        what = spec.get("expr") or f"{spec.get('variable')} in {list(as_list(spec.get('codes')))}"
        ns = "" if spec.get("expr") else f"; non-substantive {spec.get('nonsubstantive', 'keep')}"
        return f"{'weighted' if weighted else 'unweighted'} share: {what}; base {base}{ns}"
    if method == "summary":
        return (
            f"{'weighted' if weighted else 'unweighted'} {spec.get('variable')}; base {base}; non-substantive missing"
        )
    if method == "count":
        var = f" with {spec['variable']} answered" if spec.get("variable") else ""
        return f"unweighted count; base {base}{var}"
    return str(method)


def _estimate(frame: pd.DataFrame, w: np.ndarray, spec: Mapping, row: pd.Series) -> dict:
    """Dispatch share/summary/count for one published row."""
    weighted = weighted_flag(spec, row["column"])
    method = spec["method"]
    if method == "share":
        out = _share(frame, w, spec, weighted)
    elif method == "summary":
        out = _summary(frame, w, spec, row["statistic"], weighted)
    elif method == "count":
        out = _count(frame, spec)
    else:  # pragma: no cover - guarded by the callers
        raise ValueError(f"method {method!r} is not a per-row estimate")
    out["reading"] = describe(spec, weighted)
    return out


# ===================================================================== assembly
def _row_frame(pub: pd.DataFrame) -> pd.DataFrame:
    out = pub[["id", "source", "measure", "item", "column", "statistic"]].copy()
    out["published"] = pub["value"].astype(float).to_numpy()
    return out.reset_index(drop=True)


def _finish(pub: pd.DataFrame, results: list[dict], extra: Sequence[str] = ()) -> pd.DataFrame:
    out = _row_frame(pub)
    res = pd.DataFrame(results)
    for col in COLUMNS + tuple(extra):
        if col in out.columns:
            continue
        if col in res.columns:
            out[col] = res[col].to_numpy()
        elif col in ("reading", "alt_reading", "note", "stars", "published_stars"):
            out[col] = ""
        elif col == "computable":
            out[col] = True
        else:
            out[col] = np.nan
    out["n_base"] = pd.to_numeric(out["n_base"], errors="coerce").astype("Float64").round().astype("Int64")
    out["computable"] = out["computable"].astype(bool)
    for col in ("reading", "alt_reading", "note"):
        out[col] = text_column(out[col])
    out["closer"] = _closer(out)
    if "published_stars" in extra:
        out["published_stars"] = pub["stars"].to_numpy()
    return out[list(COLUMNS) + list(extra)]


def _closer(out: pd.DataFrame) -> pd.Series:
    """Which reading lies nearer the printed number (only where there are two)."""
    d_main = (out["reproduced"] - out["published"]).abs()
    d_alt = (out["reproduced_alt"] - out["published"]).abs()
    both = d_main.notna() & d_alt.notna()
    lab = np.where(d_main < d_alt, "designated", np.where(d_alt < d_main, "alternative", "tie"))
    return pd.Series(np.where(both, lab, ""), index=out.index, dtype=object)


def text_column(s: pd.Series) -> pd.Series:
    """Text column with empty strings for missing values."""
    return pd.Series(["" if pd.isna(x) else str(x) for x in s], index=s.index, dtype=object)


def _not_computable(reason: str) -> dict:
    return {**empty_result(reason), "n_base": np.nan, "computable": False, "reading": "not computable"}


def generic_table(
    name: str,
    df: pd.DataFrame,
    w: Any,
    rows: Callable[[pd.DataFrame], pd.Series] | None = None,
    resolve: Callable[[Recipe, pd.Series], dict] | None = None,
    prepared: tuple[pd.DataFrame | None, np.ndarray | None] | None = None,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """Compute every (selected) published row of file *name* with its recipe.

    Rows whose recipe is share/summary/count are estimated here; any other
    method is passed to *resolve*. ``prepared`` is the derived frame and the
    weights when already at hand (``(None, None)`` for tables that use no
    microdata).

    The last column, ``suppressed``, applies the disclosure rule
    (:func:`scsrepro.paper.disclosure.suppress_rows`): on data other than the
    committed twin, a number backed by fewer than ten respondents (its
    ``n_base``) is removed and marked.
    """
    targets = load_targets()
    pub = cached_published(name)
    if rows is not None:
        pub = pub[rows(pub)].reset_index(drop=True)
    frame, wv = prepared if prepared is not None else prepare(df, w)
    results = []
    for _, row in pub.iterrows():
        hit = targets.lookup(row["id"])
        if hit is None:
            raise ValueError(f"published id {row['id']!r} ({name}) has no recipe in {targets.source}")
        if isinstance(hit, str):
            results.append(_not_computable(hit))
            continue
        spec = dict(hit.spec)
        if hit.method in ("share", "summary", "count"):
            if wv is None:
                raise ValueError(
                    f"published id {row['id']!r}: {name} is computed without microdata, "
                    f"so its {hit.method!r} recipe cannot be estimated"
                )
            res = _estimate(frame, wv, spec, row)
        elif resolve is not None:
            res = resolve(hit, row)
        else:
            raise ValueError(f"published id {row['id']!r}: method {hit.method!r} is not handled by {name}")
        alt = spec.get("alternative")
        if alt and hit.method in ("share", "summary", "count"):
            assert wv is not None  # checked above for these methods
            alt_spec = {**spec, **alt, "alternative": None}
            alt_res = _estimate(frame, wv, alt_spec, row)
            res["reproduced_alt"] = alt_res["reproduced"]
            res["alt_reading"] = alt_res["reading"]
        note = " ".join(str(spec.get("note") or "").split())
        res["note"] = "; ".join(x for x in (res.get("note", ""), note) if x)
        res.setdefault("computable", True)
        results.append(res)
    apply = df is not None and disclosure.applies(df)
    return disclosure.suppress_rows(_finish(pub, results, extra=extra), apply)
