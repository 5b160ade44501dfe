"""The recipe file ``data/targets.yml`` and the inputs every table reads.

How each printed number is recomputed is configuration, not code:
``data/targets.yml`` maps every published id to a recipe (variable, codes,
base, treatment of non-substantive answers, weighting), lists it as not
computable with the reason, or marks it as held out of the twin's
calibration. This module parses and checks that file (:func:`load_targets`)
and keeps one cache of the inputs the tables read -- the recipes, the
codebook and the published files -- keyed on each file's version, so a
changed file is read again.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from scsrepro.data import paths
from scsrepro.data.codebook import Codebook, default_codebook_path, load_codebook
from scsrepro.paper.published import load_published, published_files

__all__ = [
    "TARGETS_FILE",
    "METHODS",
    "Recipe",
    "Targets",
    "as_list",
    "load_targets",
    "published_table_names",
    "cached",
    "cached_codebook",
    "cached_published",
]

#: Path of the recipe file.
TARGETS_FILE: Path = paths.DATA / "targets.yml"

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


def as_list(x: Any) -> list:
    """*x* as a list (a list or tuple as it is, anything else as one element)."""
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
    return cached("targets", p, lambda: _parse_targets(p, name))


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
        patterns = [str(x) for x in as_list(block["ids"])]
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
        not_comp += [(str(pat), reason) for pat in as_list(entry["ids"])]
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


def cached(kind: str, path: Path, loader: Callable[[], Any]) -> Any:
    """Load once per file version (the key changes when the file changes)."""
    key = (kind, *_stamp(path))
    if key not in _CACHE:
        _CACHE[key] = loader()
    return _CACHE[key]


def cached_codebook() -> Codebook:
    """The default codebook, loaded once per file version (shared by the tables and figures)."""

    path = default_codebook_path()
    return cached("codebook", path, lambda: load_codebook(path))


def cached_published(name: str) -> pd.DataFrame:
    """A copy of the published table *name*, read once per file version."""
    path = paths.PUBLISHED / f"{name}.csv"
    return cached("published", path, lambda: load_published(name)).copy()
