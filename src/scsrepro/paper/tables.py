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
    (design inputs, background facts), with the reason in ``note``.

How each number is computed is configuration, not code: ``data/targets.yml``
maps every published id to a recipe (variable, codes, base, treatment of
non-substantive answers, weighting) or lists it as not computable. The few
methods the recipes name (share, summary, count, vif, ologit, quota, same_as,
design) are implemented once here and reused by every table.

Weights: a ``weight`` column of the frame is used when present
(:func:`weights_for`); otherwise weights are computed by capped raking on age
group, gender and region to the paper's weighted Table A2 shares.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from scsrepro.data import paths
from scsrepro.data.codebook import Codebook, default_codebook_path, evaluate_condition, load_codebook
from scsrepro.data.files import csv_text
from scsrepro.paper import hypotheses
from scsrepro.paper.modelspec import fit_model, load_specs, term_map
from scsrepro.paper.published import hypothesis_verdicts, load_hypotheses, load_published, published_files
from scsrepro.paper.quota import reproduce_table_a1
from scsrepro.survey.estimates import weighted_mean, weighted_proportions, weighted_sd
from scsrepro.survey.models import vif_table
from scsrepro.survey.weighting import check_weights, effective_n, implied_deff, kish_deff, margin_of_error, rake

__all__ = [
    "COLUMNS",
    "TARGETS_FILE",
    "RAKING_VARIABLES",
    "Recipe",
    "Targets",
    "load_targets",
    "published_table_names",
    "population_margins",
    "weights_for",
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

#: Path of the recipe file.
TARGETS_FILE: Path = paths.DATA / "targets.yml"

#: Columns every table function returns, in this order (Table 4 adds
#: ``published_se``, ``stars`` and ``published_stars``).
COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "measure",
    "item",
    "column",
    "statistic",
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
TABLE4_COLUMNS: tuple[str, ...] = ("published_se", "stars", "published_stars")

#: Variables the twin's weights are raked on (Section 3.1: age, gender, region).
RAKING_VARIABLES: tuple[str, ...] = ("age_group", "gender", "region")
WEIGHT_CAP = 2.0

#: Published files that are not in the long format of printed numbers.
_NOT_NUMBERS = {"errata"}

METHODS = ("share", "summary", "count", "vif", "ologit", "quota", "same_as", "design", "verdict")
_RECIPE_KEYS = {
    "ids",
    "method",
    "variable",
    "codes",
    "expr",
    "base",
    "nonsubstantive",
    "weighted",
    "alternative",
    "reading",
    "note",
    "items",
    "step",
    "predictor",
    "target",
    "quantity",
    "scale",
}
_ALT_KEYS = _RECIPE_KEYS - {"ids", "items", "alternative", "method", "target", "note"}
_DESIGN_QUANTITIES = ("n", "margin_of_error", "max_weight", "mean_weight")
_Z95 = 1.959963984540054


# ===================================================================== recipes
@dataclass(frozen=True)
class Recipe:
    """One expanded recipe: a glob pattern of published ids and how to compute them.

    Attributes
    ----------
    pattern : str
        fnmatch pattern (``{item}`` already substituted).
    method : str
        One of :data:`METHODS`.
    spec : dict
        All recipe keys (block keys overridden by item keys).
    """

    pattern: str
    method: str
    spec: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a recipe key, or *default*."""
        return self.spec.get(key, default)

    def matches(self, id_: str) -> bool:
        """Whether the published id *id_* is covered by this recipe."""
        return fnmatch.fnmatchcase(id_, self.pattern)


@dataclass(frozen=True)
class Targets:
    """The parsed ``data/targets.yml``.

    Attributes
    ----------
    recipes : tuple of Recipe
        Expanded recipes.
    not_computable : tuple of (str, str)
        ``(pattern, reason)`` pairs.
    held_out : tuple of str
        Patterns of ids held out from calibration.
    source : str
        Display name of the file.
    """

    recipes: tuple[Recipe, ...]
    not_computable: tuple[tuple[str, str], ...]
    held_out: tuple[str, ...]
    source: str = "data/targets.yml"
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, id_: str) -> Recipe | str | None:
        """Return the recipe of *id_*, the reason it is not computable, or None.

        Raises
        ------
        ValueError
            If more than one recipe or entry matches the id.
        """
        if id_ in self._memo:
            return self._memo[id_]
        hits: list[Recipe | str] = [r for r in self.recipes if r.matches(id_)]
        hits += [reason for pat, reason in self.not_computable if fnmatch.fnmatchcase(id_, pat)]
        if len(hits) > 1:
            names = [h.pattern if isinstance(h, Recipe) else f"not_computable: {h[:40]}" for h in hits]
            raise ValueError(f"{self.source}: published id {id_!r} matches {len(hits)} entries: {names}")
        self._memo[id_] = hits[0] if hits else None
        return self._memo[id_]

    def recipe(self, id_: str) -> Recipe:
        """Return the recipe of a computable id (ValueError otherwise)."""
        hit = self.lookup(id_)
        if not isinstance(hit, Recipe):
            what = "is listed as not computable" if isinstance(hit, str) else "has no recipe"
            raise ValueError(f"{self.source}: published id {id_!r} {what}")
        return hit

    def is_held_out(self, id_: str) -> bool:
        """Whether *id_* matches a ``roles: held_out`` pattern."""
        return any(fnmatch.fnmatchcase(id_, p) for p in self.held_out)


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def load_targets(path: str | os.PathLike[str] | None = None) -> Targets:
    """Read and check the recipe file.

    Parameters
    ----------
    path : str or path-like, optional
        Defaults to :data:`TARGETS_FILE`.

    Returns
    -------
    Targets
        Expanded recipes, not-computable entries and held-out patterns.

    Raises
    ------
    ValueError
        If the file is not a mapping, a block has unknown keys or an unknown
        method, ``{item}`` and ``items`` do not go together, an item key is
        not a string (YAML reads ``14_30`` as a number: quote it), or a
        design quantity is unknown.
    """
    p = Path(path) if path is not None else TARGETS_FILE
    name = paths.relative(p) if p.is_absolute() else str(p)
    if not p.is_file():
        raise ValueError(f"recipe file {name} not found")
    return _cached("targets", p, lambda: _parse_targets(p, name))


def _parse_targets(p: Path, name: str) -> Targets:
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "recipes" not in raw:
        raise ValueError(f"{name}: expected a mapping with a 'recipes' list")
    problems: list[str] = []
    recipes: list[Recipe] = []
    for i, block in enumerate(raw.get("recipes") or [], start=1):
        where = f"{name}: recipe {i}"
        if not isinstance(block, dict) or "ids" not in block:
            problems.append(f"{where}: must be a mapping with 'ids'")
            continue
        where = f"{name}: recipe {block['ids']!r}"
        unknown = sorted(set(block) - _RECIPE_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown}")
        patterns = [str(x) for x in _as_list(block["ids"])]
        items = block.get("items")
        templated = any("{item}" in pat for pat in patterns)
        if templated != (items is not None):
            problems.append(f"{where}: '{{item}}' in ids and 'items' must go together")
            continue
        base = {k: v for k, v in block.items() if k not in ("ids", "items")}
        expansions: list[tuple[str, dict]] = []
        if items is None:
            expansions = [(pat, dict(base)) for pat in patterns]
        else:
            if not isinstance(items, dict):
                problems.append(f"{where}: 'items' must be a mapping")
                continue
            for key, val in items.items():
                if not isinstance(key, str):
                    problems.append(
                        f"{where}: item key {key!r} is not text (YAML read it as {type(key).__name__}); quote it"
                    )
                    continue
                if isinstance(val, list):
                    over = {"codes": val}
                elif isinstance(val, dict):
                    over = dict(val)
                else:
                    problems.append(f"{where}: item {key!r} must be a list of codes or a mapping")
                    continue
                bad = sorted(set(over) - _RECIPE_KEYS)
                if bad:
                    problems.append(f"{where}: item {key!r} has unknown key(s) {bad}")
                for pat in patterns:
                    expansions.append((pat.replace("{item}", key), {**base, **over}))
        for pat, spec in expansions:
            method = spec.get("method")
            if method not in METHODS:
                problems.append(f"{where}: method {method!r} is not one of {', '.join(METHODS)}")
                continue
            alt = spec.get("alternative")
            if alt is not None:
                if not isinstance(alt, dict) or set(alt) - _ALT_KEYS:
                    problems.append(f"{where}: 'alternative' may only override {sorted(_ALT_KEYS)}")
            if method == "design" and spec.get("quantity") not in _DESIGN_QUANTITIES:
                problems.append(f"{where}: design quantity must be one of {_DESIGN_QUANTITIES}")
            if method == "same_as" and not spec.get("target"):
                problems.append(f"{where}: same_as needs a 'target' id")
            if method == "share" and not (spec.get("expr") or (spec.get("variable") and spec.get("codes") is not None)):
                problems.append(f"{where} ({pat}): share needs 'variable' and 'codes', or 'expr'")
            if spec.get("nonsubstantive", "keep") not in ("keep", "drop"):
                problems.append(f"{where}: nonsubstantive must be 'keep' or 'drop'")
            recipes.append(Recipe(pattern=pat, method=method, spec=spec))
    not_comp: list[tuple[str, str]] = []
    for entry in raw.get("not_computable") or []:
        if not isinstance(entry, dict) or not entry.get("ids") or not entry.get("reason"):
            problems.append(f"{name}: not_computable entries need 'ids' and 'reason'")
            continue
        reason = " ".join(str(entry["reason"]).split())
        not_comp += [(str(pat), reason) for pat in _as_list(entry["ids"])]
    held = tuple(str(x) for x in ((raw.get("roles") or {}).get("held_out") or []))
    if problems:
        raise ValueError(f"{name} has {len(problems)} problem(s):\n" + "\n".join(f"  - {m}" for m in problems))
    return Targets(tuple(recipes), tuple(not_comp), held, name)


def published_table_names() -> list[str]:
    """Stems of the long-format files in ``data/published`` (errata excluded)."""
    return [s for s in published_files() if s not in _NOT_NUMBERS]


# ===================================================================== inputs
_CACHE: dict[tuple, Any] = {}


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def _cached(kind: str, path: Path, loader: Callable[[], Any]) -> Any:
    """Load once per file version (the key changes when the file changes)."""
    key = (kind, *_stamp(path))
    if key not in _CACHE:
        _CACHE[key] = loader()
    return _CACHE[key]


def cached_codebook() -> Codebook:
    """The default codebook, loaded once per file version (shared by the tables and figures)."""

    path = default_codebook_path()
    return _cached("codebook", path, lambda: load_codebook(path))


def _check_frame(df: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected the respondent data as a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError("the respondent frame has no rows")
    if not df.index.is_unique:
        raise ValueError("the respondent frame's index has duplicate labels; use reset_index(drop=True)")


def population_margins(targets: Targets | None = None) -> dict[str, dict[int, float]]:
    """Population shares of age group, gender and region for raking.

    Taken from the paper's *weighted* Table A2 percentages of those three
    variables, each normalised to sum to 1 (the printed age shares sum to
    99.99). Which Table A2 row is which code comes from the Table A2 recipes.

    Returns
    -------
    dict
        ``{variable: {code: share}}`` for the variables of
        :data:`RAKING_VARIABLES`.
    """
    targets = targets or load_targets()
    a2 = cached_published("table_a2")
    margins: dict[str, dict[int, float]] = {v: {} for v in RAKING_VARIABLES}
    for _, row in a2[a2["column"] == "weighted"].iterrows():
        hit = targets.lookup(row["id"])
        if not isinstance(hit, Recipe) or hit.get("variable") not in margins:
            continue
        codes = hit.get("codes") or []
        if len(codes) != 1:
            raise ValueError(f"raking margin {row['id']}: expected one code, got {codes}")
        margins[hit.get("variable")][int(codes[0])] = float(row["value"])
    for var, shares in margins.items():
        if not shares:
            raise ValueError(f"no weighted Table A2 row gives a margin for {var!r}")
        total = sum(shares.values())
        margins[var] = {k: v / total for k, v in sorted(shares.items())}
    return margins


def weights_for(df: pd.DataFrame, cap: float = WEIGHT_CAP) -> pd.Series:
    """The survey weights of a respondent frame.

    If *df* has a ``weight`` column, that column is returned (the real data
    carry the paper's weights). Otherwise, as for the synthetic twin,
    weights are computed by capped raking (:func:`scsrepro.survey.weighting.rake`,
    cap 2.0 on the mean-1 scale) on age group, gender and region to the
    margins of :func:`population_margins`.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw (or already derived) respondent frame.
    cap : float, default 2.0
        Largest weight when raking.

    Returns
    -------
    pandas.Series
        Float weights aligned with ``df.index``, named ``weight``.

    Raises
    ------
    ValueError
        If the ``weight`` column has missing, zero or negative values, or a
        raking variable cannot be derived.
    """
    _check_frame(df)
    if "weight" in df.columns:
        w = pd.to_numeric(df["weight"], errors="coerce").astype(float)
        bad = ~np.isfinite(w.to_numpy()) | (w.to_numpy() <= 0)
        if bad.any():
            pos = np.flatnonzero(bad)[:10].tolist()
            raise ValueError(
                f"column 'weight' must be a positive number in every row; "
                f"{int(bad.sum())} row(s) are not (row positions {pos})"
            )
        return w.rename("weight")
    frame = cached_codebook().derive(df)
    data = frame[list(RAKING_VARIABLES)]
    if data.isna().any().any():
        bad = {
            v: np.flatnonzero(data[v].isna().to_numpy())[:10].tolist() for v in RAKING_VARIABLES if data[v].isna().any()
        }
        raise ValueError(f"cannot rake: missing values in the raking variables at row positions {bad}")
    return rake(data.astype("int64"), population_margins(), cap=cap).rename("weight")


def _prepare(df: pd.DataFrame, w: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Derive the codebook variables and check the weights."""
    _check_frame(df)
    if w is None:
        w = weights_for(df)
    if isinstance(w, pd.Series):
        if len(w) != len(df) or not w.index.equals(df.index):
            raise ValueError(
                f"weights must be aligned with the frame (same length and index); got "
                f"{len(w)} weights for {len(df)} rows"
            )
        wv = pd.to_numeric(w, errors="coerce").to_numpy(dtype=float)
    else:
        wv = w
    wv = check_weights(wv, len(df))
    frame = cached_codebook().derive(df).reset_index(drop=True)
    return frame, wv


def _mask(frame: pd.DataFrame, expr: str | None) -> np.ndarray:
    """Rows where a base expression holds (``all`` or None: every row)."""
    if expr is None or str(expr).strip() == "all":
        return np.ones(len(frame), dtype=bool)
    try:
        cond = evaluate_condition(frame, str(expr))
    except Exception as exc:  # pandas raises several types for bad expressions
        raise ValueError(f"cannot evaluate base/expr {expr!r}: {exc}") from None
    return cond.fillna(False).to_numpy(dtype=bool)


def _column(frame: pd.DataFrame, var: str) -> pd.Series:
    if var not in frame.columns:
        raise ValueError(f"variable {var!r} named in {paths.relative(TARGETS_FILE)} is not in the data")
    return frame[var]


# ===================================================================== methods
def _empty_result(note: str = "") -> dict:
    return {"reproduced": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_base": 0, "note": note}


def _share(frame: pd.DataFrame, w: np.ndarray, spec: Mapping, weighted: bool) -> dict:
    """Percentage (or proportion) of the base in the item, with design-based SE/CI."""
    cb = cached_codebook()
    base = _mask(frame, spec.get("base"))
    if spec.get("expr"):
        ind = _mask(frame, spec["expr"])
        valid = base.copy()
    else:
        v = _column(frame, spec["variable"])
        valid = base & v.notna().to_numpy()
        if spec.get("nonsubstantive", "keep") == "drop" and spec["variable"] in cb:
            valid &= ~v.isin(cb[spec["variable"]].missing_codes).fillna(False).to_numpy(dtype=bool)
        codes = [int(c) for c in _as_list(spec["codes"])]
        ind = v.isin(codes).fillna(False).to_numpy(dtype=bool)
    scale = 1.0 if spec.get("scale") == "proportion" else 100.0
    n = int(valid.sum())
    if n == 0:
        return _empty_result("empty base: no respondent in the base answered")
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
    cb = cached_codebook()
    var = spec["variable"]
    v = _column(frame, var)
    if var in cb and cb[var].missing_codes:
        v = v.mask(v.isin(cb[var].missing_codes))
    x = pd.to_numeric(v, errors="coerce").astype(float).to_numpy()
    valid = _mask(frame, spec.get("base")) & ~np.isnan(x)
    n = int(valid.sum())
    if n < 2:
        return _empty_result("fewer than two respondents with a substantive answer")
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
    mask = _mask(frame, spec.get("base"))
    if spec.get("variable"):
        mask &= _column(frame, spec["variable"]).notna().to_numpy()
    n = int(mask.sum())
    return {"reproduced": float(n), "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_base": n, "note": ""}


def _weighted_flag(spec: Mapping, published_column: str) -> bool:
    flag = spec.get("weighted", "column")
    if flag == "column":
        return str(published_column).strip().lower() != "unweighted"
    return bool(flag)


def _describe(spec: Mapping, weighted: bool) -> str:
    if spec.get("reading"):
        return " ".join(str(spec["reading"]).split())
    method = spec.get("method")
    base = spec.get("base") or "all"
    if method == "share":
        what = spec.get("expr") or f"{spec.get('variable')} in {list(_as_list(spec.get('codes')))}"
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
    weighted = _weighted_flag(spec, row["column"])
    method = spec["method"]
    if method == "share":
        out = _share(frame, w, spec, weighted)
    elif method == "summary":
        out = _summary(frame, w, spec, row["statistic"], weighted)
    elif method == "count":
        out = _count(frame, spec)
    else:  # pragma: no cover - guarded by the callers
        raise ValueError(f"method {method!r} is not a per-row estimate")
    out["reading"] = _describe(spec, weighted)
    return out


# ===================================================================== assembly
def cached_published(name: str) -> pd.DataFrame:
    """A copy of the published table *name*, read once per file version."""
    path = paths.PUBLISHED / f"{name}.csv"
    return _cached("published", path, lambda: load_published(name)).copy()


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
        out[col] = _text(out[col])
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


def _text(s: pd.Series) -> pd.Series:
    """Text column with empty strings for missing values."""
    return pd.Series(["" if pd.isna(x) else str(x) for x in s], index=s.index, dtype=object)


def _not_computable(reason: str) -> dict:
    return {**_empty_result(reason), "n_base": np.nan, "computable": False, "reading": "not computable"}


def _generic_table(
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
    """
    targets = load_targets()
    pub = cached_published(name)
    if rows is not None:
        pub = pub[rows(pub)].reset_index(drop=True)
    frame, wv = prepared if prepared is not None else _prepare(df, w)
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
    return _finish(pub, results, extra=extra)


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
            **_empty_result(),
            "reproduced": value,
            "n_base": np.nan,
            "reading": f"quota step {recipe.get('step')} rounded half up (unrounded {unrounded:.3f})",
        }

    return _generic_table("table_a1", None, None, resolve=resolve, prepared=(None, None))


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
    return _generic_table("table_a2", df, w)


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
    return _generic_table("table_a3", df, w)


def _vif_pairwise(X: pd.DataFrame) -> pd.DataFrame:
    """Tolerance and VIF from the pairwise-complete correlation matrix."""
    for c in X.columns:
        if X[c].nunique(dropna=True) < 2:
            raise ValueError(f"predictor {c!r} has no variance")
    R = X.corr(method="pearson", min_periods=3)
    if R.isna().any().any():
        pairs = [(a, b) for a in R.index for b in R.columns if pd.isna(R.loc[a, b])]
        raise ValueError(f"pairwise correlations undefined (fewer than 3 joint answers or no variance) for {pairs[:5]}")
    ev = np.linalg.eigvalsh(R.to_numpy())
    if ev.min() <= 1e-10:
        raise ValueError(
            f"the pairwise correlation matrix is not positive definite (smallest eigenvalue "
            f"{ev.min():.3g}); use sample='listwise'"
        )
    vif = np.diag(np.linalg.inv(R.to_numpy()))
    return pd.DataFrame({"predictor": list(X.columns), "tolerance": 1 / vif, "vif": vif})


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
    (:func:`scsrepro.survey.models.vif_table`).

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

    if sample not in ("pairwise", "listwise"):
        raise ValueError(f"sample must be 'pairwise' or 'listwise', got {sample!r}")
    _check_frame(df)
    targets = load_targets()
    pub = cached_published("table_a4")
    frame = cached_codebook().derive(df).reset_index(drop=True)
    predictors: list[str] = []
    for id_ in pub["id"]:
        hit = targets.lookup(id_)
        if isinstance(hit, Recipe):
            if hit.method != "vif":
                raise ValueError(f"{id_}: Table A4 rows are computed by 'vif', not {hit.method!r}")
            if hit.get("predictor") not in predictors:
                predictors.append(hit.get("predictor"))
    cb = cached_codebook()
    X = cb.to_missing(pd.DataFrame({p: _column(frame, p) for p in predictors}), [p for p in predictors if p in cb])
    X = X.apply(lambda s: pd.to_numeric(s, errors="coerce").astype(float))

    def compute(kind: str) -> pd.DataFrame:
        if kind == "pairwise":
            return _vif_pairwise(X).set_index("predictor")
        complete = int(len(X.dropna()))
        if complete <= len(predictors) + 1:
            raise ValueError(
                f"only {complete} respondents answered all {len(predictors)} predictors: too few "
                "for the listwise auxiliary regressions; use sample='pairwise'"
            )
        return vif_table(X, predictors).set_index("predictor")

    main = compute(sample)
    other = "listwise" if sample == "pairwise" else "pairwise"
    try:
        with np.errstate(all="ignore"):
            alt = compute(other)
    except (ValueError, np.linalg.LinAlgError):
        alt = None
    n_complete = int(len(X.dropna()))
    counts = X.notna().sum()
    reading = {
        "pairwise": "unweighted; pairwise-complete correlations; income, education, region as numeric codes",
        "listwise": f"unweighted OLS on the {n_complete} complete cases; income, education, region as numeric codes",
    }

    def resolve(hit: Recipe, row: pd.Series) -> dict:
        p, stat = hit.get("predictor"), row["statistic"]
        if hit.method != "vif" or stat not in ("vif", "tolerance"):
            raise ValueError(f"{row['id']}: Table A4 rows are computed by 'vif' as vif or tolerance")
        return {
            **_empty_result(),
            "reproduced": float(main.loc[p, stat]),
            "n_base": int(counts[p]) if sample == "pairwise" else n_complete,
            "reading": reading[sample],
            "reproduced_alt": np.nan if alt is None else float(alt.loc[p, stat]),
            "alt_reading": reading[other] if alt is not None else f"{other}: not computable on these data",
        }

    out = _generic_table("table_a4", None, None, resolve=resolve, prepared=(None, None))
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
    return _generic_table("table_2", df, w)


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
    return _generic_table("table_3", df, w)


def table_4(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Table 4, the seven weighted ordered logit models.

    Each model of ``data/models.yml`` is fitted once with
    :func:`scsrepro.paper.modelspec.fit_model` (Stata ``ologit [pweight=]``
    equivalent, listwise sample). Rows: every coefficient and cut point
    (``se`` = reproduced SE, ``stars`` = reproduced significance stars,
    ``published_se`` and ``published_stars`` from the paper), every standard
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
        ``published_se``, ``stars``, ``published_stars``.
    """

    frame, wv = _prepare(df, w)
    specs = {s.column: s for s in load_specs()}
    fits: dict[str, dict] = {}
    for column, spec in specs.items():
        data = frame.copy()
        data[spec.weight] = wv
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = fit_model(data, spec)
            except (ValueError, np.linalg.LinAlgError) as exc:
                fits[column] = {"error": f"model could not be fitted: {exc}"}
                continue
        names = term_map(spec)
        tab = res.table.assign(key=res.table["term"].map(names)).set_index("key")
        msgs = list(dict.fromkeys(str(c.message) for c in caught))
        fits[column] = {"table": tab, "nobs": res.nobs, "warnings": msgs, "diagnostics": res.diagnostics, "map": names}
    pub = cached_published("table_4")
    se_of = {(r.column, r.item): float(r.value) for r in pub.itertuples(index=False) if r.statistic == "se"}

    def resolve(hit: Recipe, row: pd.Series) -> dict:
        if hit.method != "ologit":
            raise ValueError(f"{row['id']}: Table 4 rows are computed by 'ologit', not {hit.method!r}")
        stat = row["statistic"]
        res = {
            **_empty_result(),
            "n_base": np.nan,
            "reading": f"{row['column']}: weighted ordered logit, robust SE",
            "published_se": se_of.get((row["column"], row["item"]), np.nan) if stat in ("coef", "cut") else np.nan,
            "stars": "",
        }
        fit = fits.get(row["column"])
        if fit is None:
            raise ValueError(f"{row['id']}: column {row['column']!r} is not a model of data/models.yml")
        if "error" in fit:
            res["note"] = fit["error"]
            return res
        tab, item = fit["table"], row["item"]
        if stat == "n":
            res.update(reproduced=float(fit["nobs"]), n_base=fit["nobs"], note="; ".join(fit["warnings"]))
        elif item not in tab.index:
            res["note"] = f"term {item!r} was not estimated (a level absent from the estimation sample?)"
        else:
            t = tab.loc[item]
            related = [d.message for d in fit["diagnostics"] if d.term == t["term"]]
            res["n_base"] = fit["nobs"]
            if stat == "se":
                res["reproduced"] = float(t["se"])
            else:
                res.update(
                    reproduced=float(t["coef"]),
                    se=float(t["se"]),
                    ci_low=float(t["coef"] - _Z95 * t["se"]),
                    ci_high=float(t["coef"] + _Z95 * t["se"]),
                    stars=str(t["stars"]),
                )
            res["note"] = "; ".join(related)
        return res

    return _generic_table("table_4", None, None, resolve=resolve, prepared=(None, None), extra=TABLE4_COLUMNS)


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
    return _generic_table("table_5", df, w)


def _is_design(targets: Targets) -> Callable[[pd.DataFrame], pd.Series]:
    """Row selector: published rows whose recipe is a design quantity."""

    def is_design(id_: str) -> bool:
        hit = targets.lookup(id_)
        return isinstance(hit, Recipe) and hit.method == "design"

    def select(pub: pd.DataFrame) -> pd.Series:
        return pub["id"].map(is_design).astype(bool)

    return select


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
    prepared = _prepare(df, w)
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

    design = _is_design(targets)
    return _generic_table("prose", df, w, rows=lambda pub: ~design(pub), resolve=resolve, prepared=prepared)


def design_numbers(df: pd.DataFrame, w: Any = None) -> pd.DataFrame:
    """Sample size, design effect and margin of error of the weights.

    The paper's n = 2,209, its maximum weight of 2.0, the weight of older
    respondents in the West and its margin of error of 2.22 % are recomputed
    from the weights. Three rows not printed in the paper follow (ids
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
    frame, wv = _prepare(df, w)
    wn = wv / wv.mean()

    def resolve(recipe: Recipe, row: pd.Series) -> dict:
        q = recipe.get("quantity")
        base = _mask(frame, recipe.get("base"))
        res = {**_empty_result(), "n_base": int(base.sum()), "reading": _describe(recipe.spec, True)}
        if q == "n":
            res.update(reproduced=float(len(frame)), reading="number of respondents in the data")
        elif q == "margin_of_error":
            res["reproduced"] = margin_of_error(wv) * 100
        elif q == "max_weight":
            res["reproduced"] = float(wn[base].max())
        elif q == "mean_weight":
            res["reproduced"] = float(wn[base].mean()) if base.any() else np.nan
            if not base.any():
                res["note"] = "no respondent in this cell"
        return res

    design = _is_design(targets)
    out = _generic_table("prose", df, w, rows=design, resolve=resolve, prepared=(frame, wv))
    pub = out.set_index("id")["published"]
    n_pub = pub.get("p_design_sample_size", np.nan)
    moe_pub = pub.get("p_design_margin_of_error", np.nan)
    deff_pub = implied_deff(moe_pub / 100, int(n_pub)) if np.isfinite(moe_pub) and np.isfinite(n_pub) else np.nan
    extra = pd.DataFrame(
        [
            {
                "id": "x_design_kish_deff",
                "source": "derived",
                "measure": "Design effect",
                "item": "Kish design effect of the weights",
                "column": "",
                "statistic": "ratio",
                "published": deff_pub,
                "reproduced": kish_deff(wv),
                "n_base": len(wv),
                "reading": "published: deff implied by the printed 2.22 % and n (not printed in the paper)",
            },
            {
                "id": "x_design_effective_n",
                "source": "derived",
                "measure": "Design effect",
                "item": "Kish effective sample size",
                "column": "",
                "statistic": "n",
                "published": n_pub / deff_pub if np.isfinite(deff_pub) else np.nan,
                "reproduced": effective_n(wv),
                "n_base": len(wv),
                "reading": "published: n / implied deff (not printed in the paper)",
            },
        ]
    )
    extra["computable"] = True
    extra = extra.reindex(columns=list(COLUMNS))
    for col in ("reading", "alt_reading", "closer", "note"):
        extra[col] = _text(extra[col])
    extra["n_base"] = extra["n_base"].astype("Int64")
    return pd.concat([out, extra], ignore_index=True)


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
    estimates support the hypothesis, 0 when they do not.
    """

    t4 = table_4(df, w) if table4 is None else table4
    verdicts = hypotheses.verdict_table(load_hypotheses(), hypotheses.estimates_from_table_4(t4))
    ours = verdicts.set_index("id")["verdict"].str.lower().eq("supported").astype(float)
    pub = hypothesis_verdicts()
    out = pub[["id", "source", "measure", "item", "column", "statistic"]].copy()
    out["published"] = pub["value"].to_numpy()
    out["reproduced"] = ours.reindex(pub["id"].str.removesuffix("_verdict")).to_numpy()
    out["reading"] = verdicts.set_index("id")["reason"].reindex(pub["id"].str.removesuffix("_verdict")).to_numpy()
    out["computable"] = True
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
    _check_frame(df)
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

    Every table is first written to a temporary file in *directory*; only
    when all have been written are they moved into place with
    :func:`os.replace`. If anything fails, the temporary files are removed
    and no target file is touched.

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
    directory.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[str, Path]] = []
    try:
        for name, frame in tables.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            pending.append((tmp, directory / f"{name}.csv"))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(csv_text(frame))
    except BaseException:
        for tmp, _ in pending:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    written = []
    for tmp, target in pending:
        os.replace(tmp, target)
        written.append(target)
    return written
