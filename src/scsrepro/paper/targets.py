"""The recipe file ``data/targets.yml`` and the inputs every table reads.

How each printed number is recomputed is configuration, not code:
``data/targets.yml`` maps every published id to a recipe (variable, codes,
base, treatment of non-substantive answers, weighting) or lists it as not
computable with the reason, and gives each id a *basis*: what agreement on
it can prove (:data:`BASES`; the one place that says which numbers are held
out of the twin's calibration). This module parses and checks that file
(:func:`load_targets`) and keeps one cache of the inputs the tables read --
the recipes, the codebook and the published files -- keyed on each file's
version, so a changed file is read again.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scsrepro.data import paths
from scsrepro.data.yaml_files import cached, read_yaml
from scsrepro.paper.published import load_published, published_files

__all__ = [
    "TARGETS_FILE",
    "METHODS",
    "BASES",
    "BASIS_MEANING",
    "Recipe",
    "Targets",
    "as_list",
    "weighted_flag",
    "definition",
    "load_targets",
    "published_table_names",
    "cached",
    "cached_published",
]

#: Path of the recipe file.
TARGETS_FILE: Path = paths.DATA / "targets.yml"

#: Published files that are not in the long format of printed numbers.
_NOT_NUMBERS = {"errata"}

METHODS = ("share", "summary", "count", "vif", "ologit", "quota", "same_as", "design", "verdict")

#: What agreement with a printed number can prove, in the order the book
#: reports them: first the two that depend on the data (calibrated, held
#: out), then those fixed by them or by construction.
BASES = ("calibrated", "held_out", "implied", "design", "arithmetic", "context")
#: One line per basis, for tables and documentation.
BASIS_MEANING: dict[str, str] = {
    "calibrated": "the synthetic twin was tuned to it",
    "held_out": "neither tuned nor implied by tuned numbers: a check of the twin",
    "implied": "fixed by calibrated or design numbers (sums, complements, repeats)",
    "design": "holds on any data by the weighting (raked margins, weight cap)",
    "arithmetic": "recomputed from other printed numbers, without respondent data",
    "context": "a fact respondent data cannot give (not computable)",
}
#: Basis of every not-computable id.
_CONTEXT = "context"

_RECIPE_KEYS = {
    "basis",
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
_ALT_KEYS = _RECIPE_KEYS - {"ids", "items", "alternative", "method", "target", "note", "basis"}
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

    def is_weighted(self, published_column: str) -> bool:
        """Whether this recipe's number in *published_column* is weighted (:func:`weighted_flag`)."""
        return weighted_flag(self.spec, published_column)


def weighted_flag(spec: Mapping[str, Any], published_column: str) -> bool:
    """Whether a recipe (or alternative reading) *spec* is weighted in *published_column*.

    Key ``weighted``: ``column`` (the default) makes every column weighted
    except one named ``unweighted``; true or false fixes it.
    """
    flag = spec.get("weighted", "column")
    if flag == "column":
        return str(published_column).strip().lower() != "unweighted"
    return bool(flag)


@dataclass(frozen=True)
class Targets:
    """The parsed ``data/targets.yml``.

    Attributes
    ----------
    recipes : tuple of Recipe
        Expanded recipes.
    not_computable : tuple of (str, str)
        ``(pattern, reason)`` pairs.
    basis_defaults : mapping of str to str
        Basis of a recipe without a ``basis`` key, by method.
    source : str
        Display name of the file.
    """

    recipes: tuple[Recipe, ...]
    not_computable: tuple[tuple[str, str], ...]
    basis_defaults: Mapping[str, str] = field(default_factory=dict)
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

    def basis_of(self, id_: str) -> str:
        """The basis of a published id, one of :data:`BASES`.

        A not-computable id is ``context``. A recipe's basis is its
        ``basis`` key, else the default of its method; a ``same_as`` recipe
        without one has the basis of the id it repeats.

        Raises
        ------
        ValueError
            If the id has no recipe, a recipe has no basis, or ``same_as``
            targets form a cycle.
        """
        seen: list[str] = []
        while True:
            hit = self.lookup(id_)
            if isinstance(hit, str):
                return _CONTEXT
            if hit is None:
                raise ValueError(f"{self.source}: published id {id_!r} has no recipe")
            basis = hit.get("basis") or self.basis_defaults.get(hit.method)
            if basis:
                return str(basis)
            if hit.method != "same_as":
                raise ValueError(
                    f"{self.source}: recipe {hit.pattern!r} has no basis and method {hit.method!r} no default"
                )
            seen.append(id_)
            id_ = str(hit.get("target"))
            if id_ in seen:
                raise ValueError(f"{self.source}: same_as targets form a cycle: {' -> '.join([*seen, id_])}")

    def is_held_out(self, id_: str) -> bool:
        """Whether *id_* has the basis ``held_out`` (kept out of the twin's calibration); False without a recipe."""
        return self.lookup(id_) is not None and self.basis_of(id_) == "held_out"


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
        Expanded recipes, not-computable entries and the default bases.

    Raises
    ------
    ValueError
        If the file is not a mapping, a block has unknown keys or an unknown
        method, ``{item}`` and ``items`` do not go together, an item key is
        not a string (YAML reads ``14_30`` as a number: quote it), a
        design quantity is unknown, or a basis is unknown or missing.
    """
    p = Path(path) if path is not None else TARGETS_FILE
    name = paths.relative(p) if p.is_absolute() else str(p)
    if not p.is_file():
        raise ValueError(f"recipe file {name} not found")
    return cached("targets", p, lambda: _parse_targets(p, name))


def _parse_targets(p: Path, name: str) -> Targets:
    raw = read_yaml(p)
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
            if "basis" in spec and spec["basis"] not in BASES:
                problems.append(f"{where} ({pat}): basis {spec['basis']!r} is not one of {', '.join(BASES)}")
            recipes.append(Recipe(pattern=pat, method=method, spec=spec))
    not_comp: list[tuple[str, str]] = []
    for entry in raw.get("not_computable") or []:
        if not isinstance(entry, dict) or not entry.get("ids") or not entry.get("reason"):
            problems.append(f"{name}: not_computable entries need 'ids' and 'reason'")
            continue
        reason = " ".join(str(entry["reason"]).split())
        not_comp += [(str(pat), reason) for pat in as_list(entry["ids"])]
    defaults = _basis_defaults(raw, name, problems)
    targets = Targets(tuple(recipes), tuple(not_comp), defaults, name)
    problems += _missing_bases(targets)
    if problems:
        raise ValueError(f"{name} has {len(problems)} problem(s):\n" + "\n".join(f"  - {m}" for m in problems))
    return targets


def _basis_defaults(file: dict, name: str, problems: list[str]) -> dict[str, str]:
    """The ``basis_defaults`` mapping (method to basis) of the parsed *file*; problems go to *problems*."""
    if "roles" in file:
        problems.append(f"{name}: 'roles' is gone; held-out numbers are recipes with 'basis: held_out'")
    raw = file.get("basis_defaults")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{name}: basis_defaults must map methods to bases")
        return {}
    for method, basis in raw.items():
        if method not in METHODS or method == "same_as":
            problems.append(f"{name}: basis_defaults: {method!r} is not a method with a default (same_as inherits)")
        if basis not in BASES:
            problems.append(f"{name}: basis_defaults: basis {basis!r} of {method!r} is not one of {', '.join(BASES)}")
    return {str(k): str(v) for k, v in raw.items()}


def _missing_bases(targets: Targets) -> list[str]:
    """Recipes whose basis cannot be resolved (no key, no default, a broken same_as chain)."""
    problems = []
    for r in targets.recipes:
        if r.get("basis") or targets.basis_defaults.get(r.method):
            continue
        if r.method != "same_as":
            problems.append(f"{targets.source}: recipe {r.pattern!r} has no basis and method {r.method!r} no default")
            continue
        try:
            targets.basis_of(str(r.get("target")))
        except ValueError as exc:
            problems.append(f"{targets.source}: recipe {r.pattern!r} (same_as {r.get('target')!r}): {exc}")
    return problems


def definition(targets: Targets, id_: str, published: Mapping[str, Mapping[str, Any]]) -> tuple:
    """What *id_* measures, as a key: ids with equal keys give the same number on any data.

    *targets* is the parsed recipe file (:func:`load_targets`); *published*
    gives each id's published ``column`` (which decides whether a share is
    weighted) and ``statistic`` (mean or SD). A ``same_as`` id has the
    definition of the id it repeats; methods other than share, summary,
    count and design define one number each.
    """
    recipe = targets.recipe(id_)
    while recipe.method == "same_as":
        id_ = str(recipe.get("target"))
        recipe = targets.recipe(id_)
    row, spec = published[id_], recipe.spec
    base = " ".join(str(spec.get("base") or "all").split())
    weighted = recipe.is_weighted(row["column"])
    if recipe.method == "share":
        what: tuple = (
            (" ".join(str(spec["expr"]).split()),)
            if spec.get("expr")
            else (
                spec.get("variable"),
                tuple(sorted(as_list(spec.get("codes")))),
                spec.get("nonsubstantive", "keep"),
            )
        )
        return ("share", *what, base, weighted, spec.get("scale", "percent"))
    if recipe.method == "summary":
        return ("summary", spec.get("variable"), base, weighted, row["statistic"])
    if recipe.method == "count":
        return ("count", spec.get("variable"), base)
    if recipe.method == "design":
        return ("design", spec.get("quantity"), base)
    return (recipe.method, id_)


def published_table_names() -> list[str]:
    """Stems of the long-format files in ``data/published`` (errata excluded)."""
    return [s for s in published_files() if s not in _NOT_NUMBERS]


# ===================================================================== inputs
def cached_published(name: str) -> pd.DataFrame:
    """A copy of the published table *name*, read once per file version."""
    path = paths.PUBLISHED / f"{name}.csv"
    return cached("published", path, lambda: load_published(name)).copy()
