"""The survey's variables, codes and labels, read from ``data/codebook.yml``.

The codebook is the single source of truth of the data contract: the pandera
schema (:mod:`scsrepro.data.schema`), the loader (:mod:`scsrepro.data.loading`) and the
derived variables all come from it. This module

* reads the YAML file and checks the codebook itself (unknown keys, duplicate
  names, ``asked_if`` expressions that refer to unknown variables, missing
  codes that are not codes, ...), raising :class:`CodebookError`;
* offers lookups, e.g. ``codebook["approval"].labels``,
  ``.missing_codes`` and ``.substantive_codes``;
* computes the derived variables (:meth:`Codebook.derive`), turns
  non-substantive codes into missing values (:meth:`Codebook.to_missing`) and
  codes into labelled categoricals (:meth:`Codebook.label`).

Examples
--------
>>> from scsrepro.data.codebook import load_codebook
>>> cb = load_codebook()
>>> cb["approval"].labels[5]
'Strongly approve'
>>> cb["income"].missing_codes
(99,)
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "ALWAYS",
    "CodebookError",
    "Codebook",
    "Group",
    "Variable",
    "default_codebook_path",
    "display_name",
    "load_codebook",
]

#: The ``asked_if`` value of questions put to every respondent.
ALWAYS = "always"

VARIABLE_TYPES = (
    "id",
    "weight",
    "integer",
    "binary",
    "nominal",
    "ordinal",
    "multiselect_option",
)
CODED_TYPES = ("binary", "nominal", "ordinal", "multiselect_option")

_TOP_KEYS_REQUIRED = {"codebook_version", "missing_reasons", "groups", "variables"}
_TOP_KEYS_OPTIONAL = {"title", "paper", "n_respondents_published"}
_VAR_KEYS_REQUIRED = {"name", "label", "type"}
_VAR_KEYS_OPTIONAL = {
    "question_en",
    "question_zh",
    "codes",
    "codes_zh",
    "missing_codes",
    "asked_if",
    "group",
    "min",
    "max",
    "required",
    "derived_from",
    "derivation",
    "sources",
    "notes",
}
_GROUP_KEYS_REQUIRED = {"label", "asked_if", "min_selected", "exclusive"}
_GROUP_KEYS_OPTIONAL = {"question_en", "sources", "notes"}
_DERIVATION_KEYS = {
    "bins": ({"method", "source", "bins"}, set()),
    "recode": ({"method", "source", "mapping"}, set()),
    "condition": ({"method", "expr"}, set()),
    "any_selected": ({"method", "options"}, {"rna_option"}),
}
_ALLOWED_AST = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.And,
    ast.Or,
    ast.Not,
    ast.Invert,
    ast.BitAnd,
    ast.BitOr,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.List,
    ast.Tuple,
)


class CodebookError(ValueError):
    """The codebook file itself is malformed or inconsistent.

    The message names the codebook file and lists every problem found, one
    per line, each naming the variable or group concerned.
    """


def display_name(path: str | os.PathLike[str]) -> str:
    """Return a short, machine-independent name for *path*.

    The path relative to the project root when the file lies inside the
    project, otherwise only the file name; never an absolute path, so that
    messages and ``DataFrame.attrs`` stay portable.

    Parameters
    ----------
    path : str or path-like
        Any file path.

    Returns
    -------
    str
        The display name.
    """
    p = Path(path)
    try:
        resolved = p.resolve()
        root = Path(__file__).resolve().parents[3]
        return resolved.relative_to(root).as_posix()
    except (ValueError, OSError, IndexError):
        return p.name


def default_codebook_path() -> Path:
    """Return the path of the project's codebook.

    The environment variable ``SCSREPRO_CODEBOOK`` overrides the default
    ``data/codebook.yml`` of the project root (the root being two folders
    above this package, i.e. the checkout the package is installed from).

    Returns
    -------
    pathlib.Path
        Path of the codebook file.
    """
    env = os.environ.get("SCSREPRO_CODEBOOK")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "data" / "codebook.yml"


def expression_names(expr: str) -> set[str]:
    """Return the variable names used in an ``asked_if``-style expression.

    Parameters
    ----------
    expr : str
        A pandas ``DataFrame.eval`` expression, or ``"always"``.

    Returns
    -------
    set of str
        Names referenced by the expression (empty for ``"always"``).

    Raises
    ------
    ValueError
        If the expression is not valid Python syntax or uses constructs other
        than comparisons, ``&``, ``|``, ``~``, ``and``, ``or``, ``not``,
        names and constants.
    """
    if expr == ALWAYS:
        return set()
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression: {expr!r} ({exc.msg})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_AST):
            raise ValueError(
                f"expression {expr!r} uses {type(node).__name__}, which is not "
                "allowed (use comparisons combined with &, |, ~)"
            )
        if isinstance(node, ast.Name):
            names.add(node.id)
    return names


def evaluate_condition(df: pd.DataFrame, expr: str) -> pd.Series:
    """Evaluate an ``asked_if``-style condition row by row.

    Parameters
    ----------
    df : pandas.DataFrame
        Frame holding every variable the expression refers to.
    expr : str
        A pandas ``DataFrame.eval`` expression, or ``"always"``.

    Returns
    -------
    pandas.Series
        Nullable boolean series aligned with *df*: ``True`` where the
        condition holds, ``False`` where it does not, ``<NA>`` where it cannot
        be decided because a variable it uses is missing.
    """
    if expr == ALWAYS:
        return pd.Series(True, index=df.index, dtype="boolean")
    result = df.eval(expr, engine="python")
    if not isinstance(result, pd.Series):  # a constant expression
        return pd.Series(bool(result), index=df.index, dtype="boolean")
    return result.astype("boolean")


@dataclass(frozen=True)
class Variable:
    """One variable of the codebook.

    Attributes
    ----------
    name, label, type : str
        Column name, short label and one of ``VARIABLE_TYPES``.
    question_en, question_zh : str or None
        Question as asked (English rendering; Chinese only where printed).
    codes : dict of int to str
        Every allowed code with its label (non-substantive codes included).
    codes_zh : dict of int to str
        Chinese answer labels where the paper prints them.
    missing_reasons : dict of int to str
        Non-substantive codes with their reason (``dk``, ``rna``, ...).
    asked_if : str
        Branching condition (``"always"`` or a ``DataFrame.eval`` expression).
    group : str or None
        Multi-select group of an option column.
    min, max : int or None
        Range of an ``integer`` variable.
    required : bool
        Whether the column must be present in raw data.
    derived_from : tuple of str
        Raw variables a derived variable is computed from (empty if raw).
    derivation : dict or None
        Machine-readable derivation rule.
    sources : tuple of str
        Where the paper reports the variable.
    notes : str or None
        Discrepancies and assumptions.
    """

    name: str
    label: str
    type: str
    question_en: str | None = None
    question_zh: str | None = None
    codes: Mapping[int, str] = field(default_factory=dict)
    codes_zh: Mapping[int, str] = field(default_factory=dict)
    missing_reasons: Mapping[int, str] = field(default_factory=dict)
    asked_if: str = ALWAYS
    group: str | None = None
    min: int | None = None
    max: int | None = None
    required: bool = True
    derived_from: tuple[str, ...] = ()
    derivation: Mapping[str, Any] | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def labels(self) -> dict[int, str]:
        """Code-to-label mapping, in code order."""
        return dict(self.codes)

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """Non-substantive codes (treated as missing in means and models)."""
        return tuple(sorted(self.missing_reasons))

    @property
    def substantive_codes(self) -> tuple[int, ...]:
        """Codes that carry an answer, in code order."""
        return tuple(c for c in self.codes if c not in self.missing_reasons)

    @property
    def allowed_codes(self) -> tuple[int, ...]:
        """All allowed codes, in code order."""
        return tuple(self.codes)

    @property
    def is_derived(self) -> bool:
        """Whether the variable is computed rather than stored."""
        return bool(self.derived_from)

    @property
    def is_coded(self) -> bool:
        """Whether the variable takes values from a list of codes."""
        return self.type in CODED_TYPES

    @property
    def always_asked(self) -> bool:
        """Whether every respondent was asked the question."""
        return self.asked_if == ALWAYS


@dataclass(frozen=True)
class Group:
    """A "select all that apply" question stored as 0/1 option columns.

    Attributes
    ----------
    name, label : str
        Group key and short label.
    asked_if : str
        Branching condition shared by all options.
    min_selected : int
        Least number of options a respondent who was asked must select.
    exclusive : tuple of str
        Options that cannot be selected together with any other option.
    options : tuple of str
        Option columns, in codebook order.
    question_en : str or None
        The question.
    sources : tuple of str
        Where the paper reports it.
    notes : str or None
        Assumptions and discrepancies.
    """

    name: str
    label: str
    asked_if: str
    min_selected: int
    exclusive: tuple[str, ...]
    options: tuple[str, ...]
    question_en: str | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None


class Codebook:
    """The parsed, self-checked codebook.

    Use :func:`load_codebook` to create one.

    Parameters
    ----------
    variables : list of Variable
        Variables in codebook order.
    groups : dict of str to Group
        Multi-select groups.
    meta : dict
        Top-level entries (``codebook_version``, ``missing_reasons``, ...).
    source : str
        Display name of the codebook file.
    """

    def __init__(
        self,
        variables: list[Variable],
        groups: dict[str, Group],
        meta: dict[str, Any],
        source: str,
    ) -> None:
        self._vars = {v.name: v for v in variables}
        self.groups: dict[str, Group] = dict(groups)
        self.meta = dict(meta)
        self.source = source

    # ------------------------------------------------------------- lookups
    def __getitem__(self, name: str) -> Variable:
        try:
            return self._vars[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a variable of the codebook {self.source}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._vars

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._vars.values())

    def __len__(self) -> int:
        return len(self._vars)

    def __repr__(self) -> str:
        return (
            f"Codebook({self.source!r}, {len(self.raw_variables)} raw and "
            f"{len(self.derived_variables)} derived variables, "
            f"{len(self.groups)} multi-select groups)"
        )

    @property
    def version(self) -> int:
        """The ``codebook_version`` entry."""
        return int(self.meta["codebook_version"])

    @property
    def names(self) -> list[str]:
        """All variable names, in codebook order."""
        return list(self._vars)

    @property
    def raw_variables(self) -> list[Variable]:
        """Variables stored in the CSV (not derived), in codebook order."""
        return [v for v in self._vars.values() if not v.is_derived]

    @property
    def derived_variables(self) -> list[Variable]:
        """Variables computed by :meth:`derive`, in codebook order."""
        return [v for v in self._vars.values() if v.is_derived]

    @property
    def required_columns(self) -> list[str]:
        """Columns every raw data file must have."""
        return [v.name for v in self.raw_variables if v.required]

    @property
    def optional_columns(self) -> list[str]:
        """Raw columns that may be absent (``weight``)."""
        return [v.name for v in self.raw_variables if not v.required]

    @property
    def id_column(self) -> str:
        """Name of the respondent identifier."""
        return next(v.name for v in self._vars.values() if v.type == "id")

    def to_frame(self) -> pd.DataFrame:
        """Return the codebook as a tidy table, one row per variable.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``label``, ``type``, ``group``, ``asked_if``,
            ``codes`` (``"1 = ...; 2 = ..."``), ``missing_codes``,
            ``derived_from``, ``sources``, ``notes``; index ``name``.
        """
        rows = []
        for v in self:
            rows.append(
                {
                    "name": v.name,
                    "label": v.label,
                    "type": v.type,
                    "group": v.group or "",
                    "asked_if": v.asked_if,
                    "codes": "; ".join(f"{c} = {lab}" for c, lab in v.codes.items()),
                    "missing_codes": ", ".join(f"{c} ({r})" for c, r in v.missing_reasons.items()),
                    "derived_from": ", ".join(v.derived_from),
                    "sources": ", ".join(v.sources),
                    "notes": " ".join((v.notes or "").split()),
                }
            )
        return pd.DataFrame(rows).set_index("name", drop=False)

    def asked_if(self, name: str) -> str:
        """Return the branching condition of variable *name*."""
        return self[name].asked_if

    # ---------------------------------------------------------- transforms
    def derive(self, df: pd.DataFrame) -> pd.DataFrame:
        """Add every derived variable to a raw frame.

        Rules (each is also written in the variable's ``notes``):

        ``bins``
            code ``k`` where ``lo <= source <= hi`` for the bin ``k: [lo, hi]``.
        ``recode``
            code ``mapping[source]``.
        ``condition``
            1 where the expression holds, 0 where it does not.
        ``any_selected``
            among rows where the derived variable's ``asked_if`` holds: 99 if
            the ``rna_option`` is selected, else 1 if any of ``options`` is
            selected, else 0; empty where not asked.

        Parameters
        ----------
        df : pandas.DataFrame
            Raw data (codes intact), e.g. from :func:`scsrepro.data.loading.load_survey`
            with ``derive=False``.

        Returns
        -------
        pandas.DataFrame
            A copy of *df* with the derived columns (nullable ``Int64``) added
            or overwritten, in codebook order after the raw columns.

        Raises
        ------
        KeyError
            If a raw variable a rule needs is not in *df*.
        """
        out = df.copy()
        for var in self.derived_variables:
            missing = [c for c in var.derived_from if c not in out.columns]
            if missing:
                raise KeyError(
                    f"cannot derive {var.name!r}: column(s) {', '.join(repr(m) for m in missing)} not in the data"
                )
            out[var.name] = self._derive_one(var, out)
        return out

    def _derive_one(self, var: Variable, df: pd.DataFrame) -> pd.Series:
        rule = var.derivation or {}
        method = rule["method"]
        result = pd.Series(pd.NA, index=df.index, dtype="Int64")
        if method == "bins":
            src = pd.to_numeric(df[rule["source"]]).astype("Float64")
            for code, (lo, hi) in rule["bins"].items():
                result[((src >= lo) & (src <= hi)).fillna(False)] = code
        elif method == "recode":
            src = df[rule["source"]].astype("Int64")
            mapped = src.map(lambda x: rule["mapping"].get(int(x)) if pd.notna(x) else pd.NA)
            result = mapped.astype("Int64")
        elif method == "condition":
            cond = evaluate_condition(df, rule["expr"])
            result = cond.astype("Int64")
        elif method == "any_selected":
            asked = evaluate_condition(df, var.asked_if).fillna(False).astype(bool)
            opts = df[list(rule["options"])].astype("Int64")
            anysel = (opts == 1).any(axis=1)
            value = pd.Series(np.where(anysel, 1, 0), index=df.index, dtype="Int64")
            if rule.get("rna_option"):
                rna = (df[rule["rna_option"]].astype("Int64") == 1).fillna(False)
                value[rna.astype(bool)] = 99
            result[asked] = value[asked]
        else:  # pragma: no cover - rejected when the codebook is read
            raise ValueError(f"unknown derivation method {method!r}")
        return result

    def to_missing(self, df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Replace non-substantive codes (98, 99, 97, ...) by missing values.

        This is how the paper treats "I don't know" and "I'd rather not
        answer" in means and models (Table A3 note c).

        Parameters
        ----------
        df : pandas.DataFrame
            Data with codes intact.
        columns : iterable of str, optional
            Columns to treat; by default every column of *df* that the
            codebook gives non-substantive codes.

        Returns
        -------
        pandas.DataFrame
            A copy of *df*; the chosen columns hold ``<NA>`` instead of
            non-substantive codes.
        """
        out = df.copy()
        cols = (
            list(columns)
            if columns is not None
            else [c for c in out.columns if c in self._vars and self._vars[c].missing_reasons]
        )
        for col in cols:
            var = self[col]
            if var.missing_reasons:
                out[col] = out[col].mask(out[col].isin(var.missing_codes))
        return out

    def label(
        self,
        df: pd.DataFrame,
        columns: Iterable[str] | str | None = None,
        *,
        drop_missing: bool = False,
        language: str = "en",
    ) -> pd.DataFrame:
        """Turn codes into ordered categoricals carrying the labels.

        Categories follow code order, so the non-substantive answers (codes
        97-99) come last.

        Parameters
        ----------
        df : pandas.DataFrame
            Data with codes intact.
        columns : str or iterable of str, optional
            Columns to label; by default every coded column of *df* known to
            the codebook.
        drop_missing : bool, default False
            If true, non-substantive codes become missing instead of labelled
            categories.
        language : {"en", "zh"}
            Label language; ``"zh"`` needs ``codes_zh`` in the codebook.

        Returns
        -------
        pandas.DataFrame
            A copy of *df* with the chosen columns as ordered ``category``.

        Raises
        ------
        ValueError
            If a column is not coded (e.g. ``age``), has no labels in the
            requested language, or holds a code the codebook does not know
            (the message names the column and the codes).
        """
        if isinstance(columns, str):
            columns = [columns]
        cols = (
            list(columns)
            if columns is not None
            else [c for c in df.columns if c in self._vars and self._vars[c].is_coded]
        )
        out = df.copy()
        for col in cols:
            var = self[col]
            if not var.is_coded:
                raise ValueError(f"column {col!r} is of type {var.type!r} and has no labels")
            labels = var.codes if language == "en" else var.codes_zh
            if not labels:
                raise ValueError(f"column {col!r} has no {language!r} labels in the codebook")
            keep = {c: lab for c, lab in labels.items() if not (drop_missing and c in var.missing_reasons)}
            values = out[col]
            known = set(labels) if language == "en" else set(var.codes)
            present = set(int(x) for x in values.dropna().unique())
            unknown = sorted(present - known)
            if unknown:
                raise ValueError(
                    f"column {col!r} holds code(s) {', '.join(map(str, unknown))} that the codebook does not define"
                )
            mapped = values.map(lambda x, keep=keep: keep.get(int(x)) if pd.notna(x) else None)
            out[col] = pd.Categorical(mapped, categories=list(dict.fromkeys(keep.values())), ordered=True)
        return out


# ---------------------------------------------------------------- reading
def load_codebook(path: str | os.PathLike[str] | None = None) -> Codebook:
    """Read and check a codebook file.

    Parameters
    ----------
    path : str or path-like, optional
        The YAML file; by default :func:`default_codebook_path`.

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    CodebookError
        If the file is missing, is not YAML, or the codebook is inconsistent.
        The message names the file and lists all problems found.
    """
    p = Path(path) if path is not None else default_codebook_path()
    name = display_name(p)
    if not p.is_file():
        raise CodebookError(f"codebook {name}: file not found")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodebookError(f"codebook {name}: not a readable YAML file ({exc})") from None
    return parse_codebook(raw, source=name)


def parse_codebook(raw: Any, source: str = "<codebook>") -> Codebook:
    """Build and check a :class:`Codebook` from already-parsed YAML.

    Parameters
    ----------
    raw : dict
        The YAML document.
    source : str
        Name used in error messages.

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    CodebookError
        Listing every problem found.
    """
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise CodebookError(f"codebook {source}: the top level must be a mapping")
    _check_keys(raw, _TOP_KEYS_REQUIRED, _TOP_KEYS_OPTIONAL, "top level", errors)
    reasons = raw.get("missing_reasons") or {}
    if not isinstance(reasons, dict):
        errors.append("top level: 'missing_reasons' must be a mapping")
        reasons = {}

    variables: list[Variable] = []
    seen: set[str] = set()
    entries = raw.get("variables") or []
    if not isinstance(entries, list):
        errors.append("top level: 'variables' must be a list")
        entries = []
    for i, entry in enumerate(entries, start=1):
        var = _parse_variable(entry, i, reasons, errors)
        if var is None:
            continue
        if var.name in seen:
            errors.append(f"variable {var.name!r}: duplicate name (entry {i})")
            continue
        seen.add(var.name)
        variables.append(var)

    groups_raw = raw.get("groups") or {}
    if not isinstance(groups_raw, dict):
        errors.append("top level: 'groups' must be a mapping")
        groups_raw = {}
    groups = _parse_groups(groups_raw, variables, errors)
    # options inherit the group's asked_if
    variables = [_with_group_condition(v, groups) if v.type == "multiselect_option" else v for v in variables]
    _check_cross_references(variables, groups, errors)
    if errors:
        raise CodebookError(
            f"codebook {source} has {len(errors)} problem(s):\n" + "\n".join(f"  - {e}" for e in errors)
        )
    cb = Codebook(variables, groups, {k: raw[k] for k in raw if k not in ("variables", "groups")}, source)
    return cb


def _check_keys(entry: dict, required: set, optional: set, where: str, errors: list[str]) -> None:
    unknown = sorted(set(entry) - required - optional)
    if unknown:
        errors.append(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    absent = sorted(required - set(entry))
    if absent:
        errors.append(f"{where}: missing key(s) {', '.join(map(repr, absent))}")


def _int_keyed(mapping: Any, where: str, what: str, errors: list[str]) -> dict[int, Any]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        errors.append(f"{where}: {what!r} must be a mapping of integer codes")
        return {}
    out: dict[int, Any] = {}
    for k, v in mapping.items():
        if isinstance(k, bool) or not isinstance(k, int):
            errors.append(f"{where}: {what!r} has a non-integer code {k!r}")
            continue
        out[k] = v
    return out


def _parse_variable(entry: Any, index: int, reasons: dict, errors: list[str]) -> Variable | None:
    if not isinstance(entry, dict):
        errors.append(f"variables entry {index}: must be a mapping")
        return None
    name = entry.get("name")
    where = f"variable {name!r}" if isinstance(name, str) else f"variables entry {index}"
    _check_keys(entry, _VAR_KEYS_REQUIRED, _VAR_KEYS_OPTIONAL, where, errors)
    if not isinstance(name, str) or not name.isidentifier():
        errors.append(f"{where}: 'name' must be a valid identifier")
        return None
    vtype = entry.get("type")
    if vtype not in VARIABLE_TYPES:
        errors.append(f"{where}: type {vtype!r} is not one of {', '.join(VARIABLE_TYPES)}")
        return None
    codes = _int_keyed(entry.get("codes"), where, "codes", errors)
    codes = {k: str(v) for k, v in sorted(codes.items())}
    codes_zh = {k: str(v) for k, v in _int_keyed(entry.get("codes_zh"), where, "codes_zh", errors).items()}
    missing = {k: str(v) for k, v in _int_keyed(entry.get("missing_codes"), where, "missing_codes", errors).items()}
    for code, reason in missing.items():
        if code not in codes:
            errors.append(f"{where}: missing code {code} is not one of its codes")
        if reason not in reasons:
            errors.append(
                f"{where}: missing code {code} has unknown reason {reason!r} (known: {', '.join(sorted(reasons))})"
            )
    for code in codes_zh:
        if code not in codes:
            errors.append(f"{where}: codes_zh has code {code} that is not one of its codes")
    if vtype in CODED_TYPES and not codes:
        errors.append(f"{where}: a {vtype} variable needs 'codes'")
    if vtype not in CODED_TYPES and codes:
        errors.append(f"{where}: a {vtype} variable must not have 'codes'")
    if vtype in ("binary", "multiselect_option"):
        substantive = {c for c in codes if c not in missing}
        if substantive != {0, 1}:
            errors.append(f"{where}: a {vtype} variable must have substantive codes 0 and 1")
    if vtype == "multiselect_option":
        if missing:
            errors.append(f"{where}: option columns cannot have missing codes")
        if not entry.get("group"):
            errors.append(f"{where}: a multiselect_option needs a 'group'")
        if "asked_if" in entry:
            errors.append(f"{where}: an option takes 'asked_if' from its group; remove it")
    elif entry.get("group"):
        errors.append(f"{where}: only multiselect_option variables belong to a group")
    lo, hi = entry.get("min"), entry.get("max")
    if vtype == "integer":
        if not isinstance(lo, int) or not isinstance(hi, int) or lo > hi:
            errors.append(f"{where}: an integer variable needs integer 'min' <= 'max'")
    elif lo is not None or hi is not None:
        errors.append(f"{where}: only integer variables have 'min'/'max'")
    required = entry.get("required", True)
    if not isinstance(required, bool):
        errors.append(f"{where}: 'required' must be true or false")
        required = True
    if required is False and vtype != "weight":
        errors.append(f"{where}: only the weight column may be optional")
    derived_from = entry.get("derived_from") or []
    if not isinstance(derived_from, list):
        errors.append(f"{where}: 'derived_from' must be a list")
        derived_from = []
    derivation = entry.get("derivation")
    if bool(derived_from) != (derivation is not None):
        errors.append(f"{where}: 'derived_from' and 'derivation' go together")
    if derivation is not None:
        _check_derivation(derivation, codes, where, errors)
        if vtype in ("id", "weight", "multiselect_option"):
            errors.append(f"{where}: a {vtype} variable cannot be derived")
    sources = entry.get("sources") or []
    if not isinstance(sources, list):
        errors.append(f"{where}: 'sources' must be a list")
        sources = []
    asked_if = entry.get("asked_if", ALWAYS)
    if not isinstance(asked_if, str):
        errors.append(f"{where}: 'asked_if' must be a string")
        asked_if = ALWAYS
    else:
        try:
            expression_names(asked_if)
        except ValueError as exc:
            errors.append(f"{where}: asked_if {exc}")
    if vtype not in ("multiselect_option",) and "asked_if" not in entry:
        errors.append(f"{where}: missing key 'asked_if' (use 'always' if everyone was asked)")
    return Variable(
        name=name,
        label=str(entry.get("label", "")),
        type=vtype,
        question_en=entry.get("question_en"),
        question_zh=entry.get("question_zh"),
        codes=codes,
        codes_zh=codes_zh,
        missing_reasons=missing,
        asked_if=asked_if,
        group=entry.get("group"),
        min=lo,
        max=hi,
        required=required,
        derived_from=tuple(derived_from),
        derivation=derivation,
        sources=tuple(str(s) for s in sources),
        notes=entry.get("notes"),
    )


def _check_derivation(rule: Any, codes: dict[int, str], where: str, errors: list[str]) -> None:
    if not isinstance(rule, dict) or rule.get("method") not in _DERIVATION_KEYS:
        errors.append(f"{where}: 'derivation' needs a 'method' among {', '.join(_DERIVATION_KEYS)}")
        return
    required, optional = _DERIVATION_KEYS[rule["method"]]
    _check_keys(rule, required, optional, f"{where} derivation", errors)
    method = rule["method"]
    if method == "bins":
        bins = _int_keyed(rule.get("bins"), where, "bins", errors)
        for code, bounds in bins.items():
            if code not in codes:
                errors.append(f"{where}: bin code {code} is not one of its codes")
            if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] <= bounds[1]):
                errors.append(f"{where}: bin {code} must be [low, high]")
        rule["bins"] = bins
    elif method == "recode":
        mapping = _int_keyed(rule.get("mapping"), where, "mapping", errors)
        for src, dst in mapping.items():
            if dst not in codes:
                errors.append(f"{where}: recode maps {src} to {dst}, which is not one of its codes")
        rule["mapping"] = mapping
    elif method == "condition":
        try:
            expression_names(str(rule.get("expr")))
        except ValueError as exc:
            errors.append(f"{where}: derivation {exc}")
    elif method == "any_selected":
        if not isinstance(rule.get("options"), list) or not rule.get("options"):
            errors.append(f"{where}: 'options' must be a non-empty list")


def _derivation_names(rule: Mapping[str, Any]) -> set[str]:
    method = rule["method"]
    if method in ("bins", "recode"):
        return {rule["source"]}
    if method == "condition":
        return expression_names(rule["expr"])
    names = set(rule["options"])
    if rule.get("rna_option"):
        names.add(rule["rna_option"])
    return names


def _parse_groups(groups_raw: dict, variables: list[Variable], errors: list[str]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for gname, g in groups_raw.items():
        where = f"group {gname!r}"
        if not isinstance(g, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        _check_keys(g, _GROUP_KEYS_REQUIRED, _GROUP_KEYS_OPTIONAL, where, errors)
        options = tuple(v.name for v in variables if v.group == gname)
        if not options:
            errors.append(f"{where}: no variable belongs to this group")
        exclusive = g.get("exclusive") or []
        if not isinstance(exclusive, list):
            errors.append(f"{where}: 'exclusive' must be a list")
            exclusive = []
        for opt in exclusive:
            if opt not in options:
                errors.append(f"{where}: exclusive option {opt!r} is not an option of the group")
        min_sel = g.get("min_selected", 0)
        if not isinstance(min_sel, int) or isinstance(min_sel, bool) or not 0 <= min_sel <= len(options):
            errors.append(f"{where}: 'min_selected' must be an integer between 0 and the number of options")
            min_sel = 0
        asked_if = g.get("asked_if", ALWAYS)
        try:
            expression_names(str(asked_if))
        except ValueError as exc:
            errors.append(f"{where}: asked_if {exc}")
            asked_if = ALWAYS
        groups[gname] = Group(
            name=gname,
            label=str(g.get("label", "")),
            asked_if=str(asked_if),
            min_selected=min_sel,
            exclusive=tuple(exclusive),
            options=options,
            question_en=g.get("question_en"),
            sources=tuple(g.get("sources") or ()),
            notes=g.get("notes"),
        )
    for v in variables:
        if v.group and v.group not in groups_raw:
            errors.append(f"variable {v.name!r}: group {v.group!r} is not defined under 'groups'")
    return groups


def _with_group_condition(var: Variable, groups: dict[str, Group]) -> Variable:
    group = groups.get(var.group or "")
    if group is None:
        return var
    return Variable(**{**var.__dict__, "asked_if": group.asked_if})


def _check_cross_references(variables: list[Variable], groups: dict[str, Group], errors: list[str]) -> None:
    by_name = {v.name: v for v in variables}
    raw_names = {v.name for v in variables if not v.is_derived}
    if sum(v.type == "id" for v in variables) != 1:
        errors.append("top level: exactly one variable of type 'id' is required")

    def check_expr(expr: str, where: str, own: set[str]) -> None:
        try:
            names = expression_names(expr)
        except ValueError:
            return  # already reported
        for n in sorted(names):
            if n not in by_name:
                errors.append(f"{where}: asked_if refers to unknown variable {n!r}")
            elif n not in raw_names:
                errors.append(f"{where}: asked_if refers to derived variable {n!r}; use raw variables")
            elif n in own:
                errors.append(f"{where}: asked_if refers to itself ({n!r})")

    for v in variables:
        if v.type != "multiselect_option":
            check_expr(v.asked_if, f"variable {v.name!r}", {v.name})
        if v.is_derived and v.derivation is not None and "method" in v.derivation:
            for n in v.derived_from:
                if n not in by_name:
                    errors.append(f"variable {v.name!r}: derived_from names unknown variable {n!r}")
                elif n not in raw_names:
                    errors.append(f"variable {v.name!r}: derived_from names derived variable {n!r}; use raw variables")
            try:
                needed = _derivation_names(v.derivation)
            except (KeyError, ValueError, TypeError):
                continue
            missing = sorted(needed - set(v.derived_from))
            if missing:
                errors.append(
                    f"variable {v.name!r}: derivation uses {', '.join(map(repr, missing))} not listed in derived_from"
                )
            if v.derivation["method"] == "recode" and v.derivation.get("source") in by_name:
                src = by_name[v.derivation["source"]]
                uncovered = sorted(set(src.codes) - set(v.derivation["mapping"]))
                if uncovered:
                    errors.append(
                        f"variable {v.name!r}: recode does not map code(s) "
                        f"{', '.join(map(str, uncovered))} of {src.name!r}"
                    )
    for g in groups.values():
        check_expr(g.asked_if, f"group {g.name!r}", set(g.options))
    # branching must not be circular
    deps: dict[str, set[str]] = {}
    for v in variables:
        if v.is_derived:
            continue
        try:
            deps[v.name] = expression_names(v.asked_if) & raw_names
        except ValueError:
            deps[v.name] = set()
    try:
        branching_order_from(deps)
    except ValueError as exc:
        errors.append(f"top level: {exc}")


def branching_order_from(deps: Mapping[str, set[str]]) -> list[str]:
    """Order names so that each comes after the names its condition uses.

    Parameters
    ----------
    deps : mapping of str to set of str
        For each name, the names its ``asked_if`` refers to.

    Returns
    -------
    list of str
        A deterministic topological order (ties keep the mapping's order).

    Raises
    ------
    ValueError
        If the conditions are circular.
    """
    order: list[str] = []
    done: set[str] = set()
    pending = list(deps)
    while pending:
        progress = False
        for name in list(pending):
            if deps[name] <= done | (set(deps[name]) - set(deps)):
                order.append(name)
                done.add(name)
                pending.remove(name)
                progress = True
        if not progress:
            raise ValueError("asked_if conditions are circular among: " + ", ".join(pending))
    return order
