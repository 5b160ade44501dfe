"""The pandera schema of the raw survey data, generated from the codebook.

Nothing here is written per variable: every column check, branching rule and
multi-select rule is produced from ``data/codebook.yml`` by
:func:`build_schema`. :func:`validate_frame` runs the schema lazily and turns
all failures into one readable :class:`DataValidationError` that names the
file, each failing column, its offending values and the data rows (counted
from 1 after the header, as in a spreadsheet without its header line).
Who was asked a question is decided by :mod:`scsrepro.data.branching`; random
data that pass the schema come from :mod:`scsrepro.data.fake`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from scsrepro.data.branching import condition_state, remembered_conditions
from scsrepro.data.codebook import Codebook, load_codebook
from scsrepro.data.expressions import ALWAYS, expression_names
from scsrepro.data.variables import Group, Variable

__all__ = [
    "DataValidationError",
    "Problem",
    "build_schema",
    "coerce_frame",
    "format_problems",
    "validate_frame",
]

#: How many distinct offending values / row numbers a message lists.
MAX_VALUES = 10
MAX_ROWS = 15

_INT_TEXT = re.compile(r"^[+-]?\d+(\.0*)?$")
_FLOAT_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# ------------------------------------------------------------------ errors
@dataclass
class Problem:
    """One validation failure: a column (or group), what is wrong, where.

    Attributes
    ----------
    column : str
        The column (or ``group 'name'``, or ``file``) concerned.
    what : str
        Description of the rule that is broken.
    values : list
        Offending values (distinct, in order of first appearance).
    rows : list of int
        Data rows (1 = first line after the header); empty for header-level
        problems.
    where : str, optional
        Position text used instead of rows (e.g. ``"header row"``).
    """

    column: str
    what: str
    values: list[Any] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    where: str | None = None

    def without_rows(self, rows: set[int]) -> Problem | None:
        """Return the problem minus *rows*, or None if no row is left.

        Problems without rows (header-level) are returned unchanged. Values
        that parallel the rows are filtered with them.
        """
        if not self.rows:
            return self
        keep = [i for i, r in enumerate(self.rows) if r not in rows]
        if not keep:
            return None
        values = [self.values[i] for i in keep] if len(self.values) == len(self.rows) else self.values
        return Problem(self.column, self.what, values, [self.rows[i] for i in keep], self.where)


class Marker(str):
    """A descriptive value shown as is (not quoted) in messages, e.g. ``<empty>``."""


EMPTY = Marker("<empty>")


class DataValidationError(ValueError):
    """Raw survey data do not follow the codebook.

    Parameters
    ----------
    source : str
        Display name of the file (or frame) validated.
    problems : list of Problem
        Every problem found.

    Attributes
    ----------
    source, problems
        As given; ``str(err)`` is the full readable message.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(format_problems(source, self.problems))


def _cap(items: Sequence[Any], limit: int) -> str:
    shown = ", ".join(str(x) for x in items[:limit])
    if len(items) > limit:
        shown += f", … and {len(items) - limit} more"
    return shown


def _fmt_value(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "<empty>"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, Marker):
        return str(v)
    if isinstance(v, str):
        return repr(v)
    return str(v)


def format_problems(source: str, problems: Sequence[Problem]) -> str:
    """Render problems as one message naming file, columns, values and rows.

    Parameters
    ----------
    source : str
        Display name of the file.
    problems : sequence of Problem
        The problems.

    Returns
    -------
    str
        A multi-line message; long lists are cut with "… and N more".
    """
    lines = [
        f"{source}: {len(problems)} problem(s) found; the data do not follow "
        "the codebook. Row numbers are data rows counted from 1 after the "
        "header (spreadsheet row = data row + 1)."
    ]
    for p in problems:
        plain = p.column == "file" or p.column.startswith("group '")
        text = f"  - {p.column}: {p.what}" if plain else f"  - column {p.column}: {p.what}"
        if p.values:
            vals = list(dict.fromkeys(_fmt_value(v) for v in p.values))
            text += f"; offending value(s): {_cap(vals, MAX_VALUES)}"
        if p.rows:
            rows = sorted(set(int(r) for r in p.rows))
            text += f" (data row{'s' if len(rows) > 1 else ''} {_cap(rows, MAX_ROWS)})"
        elif p.where:
            text += f" ({p.where})"
        lines.append(text)
    return "\n".join(lines)


# --------------------------------------------------------------- coercion
def coerce_frame(
    df: pd.DataFrame, codebook: Codebook, *, allow_derived: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check the columns and turn cell text or numbers into typed columns.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw data; cells may be strings (as read from CSV, empty string or
        ``<NA>`` meaning an empty cell) or numbers.
    codebook : Codebook
        The codebook.
    allow_derived : bool, default False
        If true, derived columns already present are dropped silently
        instead of being reported.

    Returns
    -------
    (pandas.DataFrame, list of Problem)
        The frame with the codebook's raw columns as nullable ``Int64``
        (``weight``: ``Float64``), in codebook order, and the problems found:
        missing required columns, unknown columns, derived columns stored in
        the data, non-numeric text, non-whole numbers in integer columns.
    """
    problems: list[Problem] = []
    raw_names = [v.name for v in codebook.raw_variables]
    derived = {v.name for v in codebook.derived_variables}
    for col in codebook.required_columns:
        if col not in df.columns:
            problems.append(
                Problem(
                    col, "required column is missing from the data", values=[col], where="header row: no such column"
                )
            )
    dup = df.columns[df.columns.duplicated()].unique()
    for col in dup:
        where = [str(i) for i, c in enumerate(df.columns, start=1) if c == col]
        problems.append(
            Problem(str(col), "duplicate column name", values=[col], where=f"header row, columns {', '.join(where)}")
        )
    first_seen = ~df.columns.duplicated()
    for pos, (col, first_) in enumerate(zip(df.columns, first_seen), start=1):
        if col in raw_names or not first_:
            continue
        if col in derived and allow_derived:
            continue
        if col == "":
            problems.append(
                Problem("(unnamed)", "empty column name in the header", values=[col], where=f"header row, column {pos}")
            )
            continue
        if col in derived:
            what = "derived variable must not be stored in the data; it is computed from " + ", ".join(
                codebook[col].derived_from
            )
        else:
            what = "column is not in the codebook"
        problems.append(Problem(col, what, values=[col], where=f"header row, column {pos}"))
    df = df.loc[:, first_seen]
    out = pd.DataFrame(index=df.index)
    for name in raw_names:
        if name not in df.columns:
            continue
        var = codebook[name]
        series, bad = _coerce_series(df[name], var)
        out[name] = series
        problems.extend(bad)
    return out, problems


def _coerce_series(s: pd.Series, var: Variable) -> tuple[pd.Series, list[Problem]]:
    positions = np.arange(1, len(s) + 1)
    want_float = var.type == "weight"
    problems: list[Problem] = []
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        num = pd.to_numeric(s).astype("Float64")
        if not want_float:
            frac = (num.notna() & ((num % 1) != 0)).fillna(False).to_numpy(bool)
            if frac.any():
                problems.append(
                    Problem(
                        var.name,
                        "not a whole number (codes and integers must be whole)",
                        values=list(num[frac]),
                        rows=list(positions[frac]),
                    )
                )
                num = num.mask(pd.Series(frac, index=num.index))
            return num.round().astype("Int64"), problems
        return num, problems
    text = s.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy(bool)
    pattern = _FLOAT_TEXT if want_float else _INT_TEXT
    ok = text.fillna("").str.match(pattern).to_numpy(bool)
    bad = ~empty & ~ok
    if bad.any():
        badvals = list(text[bad])
        looks_decimal = all(_FLOAT_TEXT.match(v) for v in badvals)
        what = (
            "not a whole number (codes and integers must be whole)"
            if looks_decimal
            else "text that is not a number (use numeric codes, never labels)"
        )
        problems.append(Problem(var.name, what, values=badvals, rows=list(positions[bad])))
    cleaned = text.where(pd.Series(~empty & ok, index=s.index))
    num = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    if want_float:
        return num, problems
    return num.round().astype("Int64"), problems


# ----------------------------------------------------------------- schema
def _needs(df: pd.DataFrame, names: Iterable[str]) -> bool:
    return all(n in df.columns for n in names)


def build_schema(codebook: Codebook | None = None) -> pa.DataFrameSchema:
    """Generate the pandera schema of the raw data from the codebook.

    Column checks: nullable integer (``Int64``) or float (``Float64``)
    dtypes; allowed codes (``isin``); the integer range of ``age``; unique,
    positive respondent ids; weight > 0; all required columns, no others.
    Dataframe-level checks: for every question, asked -> a valid answer,
    not asked -> an empty cell; for every multi-select group, the least
    number of selected options and the exclusive options.

    Parameters
    ----------
    codebook : Codebook, optional
        Defaults to the project's codebook.

    Returns
    -------
    pandera.DataFrameSchema
        Its ``metadata["checks"]`` maps each dataframe-level check's key to
        a description used to build readable error messages.
    """
    cb = codebook or load_codebook()
    columns: dict[str, pa.Column] = {}
    info: dict[str, dict[str, Any]] = {}
    wide: list[pa.Check] = []
    for var in cb.raw_variables:
        checks: list[pa.Check] = []
        if var.type == "id":
            checks += [pa.Check.gt(0, error=f"positive:{var.name}"), _not_empty(var.name)]
            columns[var.name] = pa.Column("Int64", checks, nullable=True, unique=True, required=True, title=var.label)
            continue
        if var.type == "weight":
            checks += [pa.Check.gt(0, error=f"positive:{var.name}"), _not_empty(var.name)]
            columns[var.name] = pa.Column("Float64", checks, nullable=True, required=var.required, title=var.label)
            continue
        if var.type == "integer":
            checks.append(pa.Check.in_range(var.min, var.max, error=f"range:{var.name}"))
        else:
            checks.append(pa.Check.isin(list(var.allowed_codes), error=f"codes:{var.name}"))
        columns[var.name] = pa.Column(
            "Int64", checks, nullable=True, required=var.required, title=var.label, description=var.question_en
        )
        # branching: both directions
        for kind in ("asked_empty", "not_asked_filled"):
            key = f"branching:{kind}:{var.name}"
            fn = _branching_fn(cb, var, kind)
            info[key] = {"kind": kind, "column": var.name, "expr": var.asked_if, "fn": fn}
            wide.append(pa.Check(fn, error=key))
    for group in cb.groups.values():
        if group.min_selected > 0:
            key = f"multiselect:min:{group.name}"
            fn = _min_selected_fn(cb, group)
            info[key] = {"kind": "min_selected", "group": group.name, "fn": fn}
            wide.append(pa.Check(fn, error=key))
        for opt in group.exclusive:
            key = f"multiselect:exclusive:{group.name}:{opt}"
            fn = _exclusive_fn(cb, group, opt)
            info[key] = {"kind": "exclusive", "group": group.name, "column": opt, "fn": fn}
            wide.append(pa.Check(fn, error=key))
    return pa.DataFrameSchema(
        columns,
        checks=wide,
        strict=True,
        ordered=False,
        name=f"raw survey data ({cb.source})",
        metadata={"checks": info, "codebook": cb.source},
    )


def _not_empty(name: str) -> pa.Check:
    # A column check rather than ``nullable=False``: pandera skips the
    # dataframe-level checks once a not-nullable failure occurs, which would
    # hide the other problems of the same file.
    return pa.Check(lambda s: s.notna(), ignore_na=False, error=f"not_empty:{name}")


def _branching_fn(cb: Codebook, var: Variable, kind: str) -> Callable[[pd.DataFrame], pd.Series]:
    names = expression_names(var.asked_if) | {var.name}

    def check(df: pd.DataFrame) -> pd.Series:
        if not _needs(df, names):
            return pd.Series(True, index=df.index)
        asked, not_asked = condition_state(df, var.asked_if, cb)
        if kind == "asked_empty":
            bad = asked & df[var.name].isna()
        else:
            bad = not_asked & df[var.name].notna()
        return ~bad.astype(bool)

    return check


def _min_selected_fn(cb: Codebook, group: Group) -> Callable[[pd.DataFrame], pd.Series]:
    names = expression_names(group.asked_if) | set(group.options)

    def check(df: pd.DataFrame) -> pd.Series:
        if not _needs(df, names):
            return pd.Series(True, index=df.index)
        asked, _ = condition_state(df, group.asked_if, cb)
        opts = df[list(group.options)]
        complete = opts.isin([0, 1]).all(axis=1)
        n_sel = (opts == 1).fillna(False).sum(axis=1)
        bad = asked & complete & (n_sel < group.min_selected)
        return ~bad.astype(bool)

    return check


def _exclusive_fn(cb: Codebook, group: Group, opt: str) -> Callable[[pd.DataFrame], pd.Series]:
    others = [o for o in group.options if o != opt]

    def check(df: pd.DataFrame) -> pd.Series:
        if not _needs(df, group.options):
            return pd.Series(True, index=df.index)
        this = (df[opt] == 1).fillna(False).astype(bool)
        other = (df[others] == 1).fillna(False).any(axis=1)
        return ~(this & other)

    return check


# -------------------------------------------------------------- validation
def _checked(schema, typed: pd.DataFrame, cb: Codebook, problems: list) -> list:
    """*problems* and those of the schema's checks on *typed*, each cell reported once."""
    problems = list(problems)
    try:
        schema.validate(typed, lazy=True)
    except SchemaErrors as exc:
        problems.extend(
            _without_cells(
                _problems_from_failures(exc.failure_cases, typed, schema, cb),
                {(p.column, r) for p in problems for r in p.rows},
            )
        )
    except SchemaError as exc:  # pragma: no cover - lazy=True collects errors
        problems.append(Problem("file", str(exc)))
    # Rows failing a dataframe-level check are taken from the check itself:
    # pandera's failure cases omit rows whose cells are all empty.
    problems.extend(
        _without_cells(
            _wide_problems(schema, typed, cb),
            {(p.column, r) for p in problems for r in p.rows},
        )
    )
    return problems


def validate_frame(
    df: pd.DataFrame,
    codebook: Codebook | None = None,
    source: str = "<data frame>",
) -> pd.DataFrame:
    """Validate raw data against the codebook and return it typed.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw data, one row per respondent, codes intact (cells may be text as
        read from a CSV, or numbers). Row numbers in messages are the
        positions in *df* counted from 1.
    codebook : Codebook, optional
        Defaults to the project's codebook.
    source : str
        Name of the file the data came from, used in the message.

    Returns
    -------
    pandas.DataFrame
        The raw columns as nullable ``Int64`` (``weight``: ``Float64``), in
        codebook order, with *df*'s index.

    Raises
    ------
    DataValidationError
        Listing every problem with column, offending values and data rows.
    """
    cb = codebook or load_codebook()
    typed, problems = coerce_frame(df, cb)
    original_index = typed.index
    typed = typed.reset_index(drop=True)
    schema = build_schema(cb)
    with remembered_conditions():
        problems = _checked(schema, typed, cb, problems)
    if problems:
        order = {name: i for i, name in enumerate(cb.names)}
        problems.sort(key=lambda p: order.get(p.column, -1))
        raise DataValidationError(source, problems)
    typed.index = original_index
    return typed


def _without_cells(problems: list[Problem], unreadable: set[tuple[str, int]]) -> list[Problem]:
    """Drop "empty cell" reports for cells that were unreadable text.

    Such cells are already reported as non-numeric; reporting them again as
    empty would only repeat the same problem.
    """
    kept = []
    for p in problems:
        q: Problem | None = p
        if p.values == [EMPTY]:
            q = p.without_rows({r for c, r in unreadable if c == p.column})
        if q is not None:
            kept.append(q)
    return kept


def _problems_from_failures(
    fc: pd.DataFrame, df: pd.DataFrame, schema: pa.DataFrameSchema, cb: Codebook
) -> list[Problem]:
    info = schema.metadata["checks"]
    problems: list[Problem] = []
    for (column, check), part in fc.groupby(["column", "check"], sort=False, dropna=False):
        check = str(check)
        part = part[part["index"].notna()].sort_values("index", kind="stable")
        rows = [int(i) + 1 for i in part["index"]]
        if check in info:
            continue  # reported by _wide_problems
        if check in ("column_in_dataframe", "column_in_schema"):
            continue  # already reported by coerce_frame, with the header position
        col = str(column)
        values = list(part["failure_case"])
        kind, _, _ = check.partition(":")
        if kind == "codes":
            var = cb[col]
            what = "code not allowed by the codebook (allowed: " + ", ".join(map(str, var.allowed_codes)) + ")"
        elif kind == "range":
            var = cb[col]
            what = f"value outside the allowed range {var.min}-{var.max}"
        elif kind == "positive":
            what = "value must be greater than 0"
        elif check == "field_uniqueness":
            what = "duplicate value (must be unique)"
        elif kind == "not_empty" or check == "not_nullable":
            what = "empty cell (a value is required in every row)"
            values = [EMPTY]
        else:
            what = f"failed check {check}"
        problems.append(Problem(col, what, values=values, rows=rows))
    return problems


def _wide_problems(schema: pa.DataFrameSchema, df: pd.DataFrame, cb: Codebook) -> list[Problem]:
    problems = []
    for key, meta in schema.metadata["checks"].items():
        ok = meta["fn"](df).to_numpy(bool)
        if not ok.all():
            rows = [int(i) + 1 for i in np.flatnonzero(~ok)]
            problems.append(_wide_problem(key, meta, rows, df, cb))
    return problems


def _wide_problem(key: str, meta: dict[str, Any], rows: list[int], df: pd.DataFrame, cb: Codebook) -> Problem:
    positions = [r - 1 for r in rows]
    kind = meta["kind"]
    if kind == "asked_empty":
        cond = meta["expr"]
        when = "every respondent was asked" if cond == ALWAYS else f"asked if {cond}"
        return Problem(
            meta["column"], f"empty cell although the question was asked ({when})", values=[EMPTY], rows=rows
        )
    if kind == "not_asked_filled":
        values = list(df[meta["column"]].iloc[positions])
        return Problem(
            meta["column"],
            f"answer given although the question was not asked (asked only "
            f"if {meta['expr']}); such cells must be empty",
            values=values,
            rows=rows,
        )
    group = cb.groups[meta["group"]]
    if kind == "min_selected":
        return Problem(
            f"group '{group.name}' (columns {', '.join(group.options)})",
            f"fewer than {group.min_selected} option(s) selected although the question was asked ({group.asked_if})",
            values=[Marker("all options 0")],
            rows=rows,
        )
    opt = meta["column"]
    others = [o for o in group.options if o != opt]
    values = []
    for pos in positions:
        sel = [o for o in others if df[o].iloc[pos] == 1]
        values.append(Marker(f"{opt}=1 with " + ", ".join(f"{o}=1" for o in sel)))
    return Problem(
        opt,
        f"option of group '{group.name}' that excludes all other options was selected together with another option",
        values=values,
        rows=rows,
    )
