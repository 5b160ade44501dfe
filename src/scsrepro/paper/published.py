"""Load and validate the numbers printed in Kostka (2019).

The CSV files in ``data/published/`` are hand transcriptions of every number
printed in the paper (tables, prose, footnotes and figure captions).  They are
never written by code.  This module reads them, checks that they are internally
consistent and exposes them as :class:`pandas.DataFrame` objects or single
values.

All long-format files share the columns in :data:`REQUIRED_COLUMNS`.  The
hypotheses of Table 1 live in a file of their own with the columns in
:data:`HYPOTHESIS_COLUMNS`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from scsrepro.data import paths

__all__ = [
    "REQUIRED_COLUMNS",
    "HYPOTHESIS_COLUMNS",
    "STATISTICS",
    "UNITS",
    "KINDS",
    "STARS",
    "HYPOTHESES_FILE",
    "default_data_dir",
    "published_files",
    "parse_printed",
    "load_published",
    "published_value",
    "load_hypotheses",
]

#: Columns every long-format file must have, in this order.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "measure",
    "item",
    "column",
    "statistic",
    "value_printed",
    "value",
    "unit",
    "stars",
    "base",
    "kind",
    "note",
)

#: Columns of ``table_1_hypotheses.csv``, in this order.
HYPOTHESIS_COLUMNS: tuple[str, ...] = (
    "id",
    "hypothesis",
    "category",
    "variable",
    "term",
    "model",
    "expected_sign",
    "paraphrase",
    "verdict",
    "verdict_location",
    "note",
)

STATISTICS = frozenset(
    {"percent", "n", "mean", "sd", "coef", "se", "cut", "tolerance", "vif", "count", "ratio", "population", "share"}
)
UNITS = frozenset({"percent", "count", "scalar", "points"})
KINDS = frozenset({"result", "design", "context"})
STARS = frozenset({"", "*", "**", "***"})

#: File name of the Table 1 hypotheses (not in the long format).
HYPOTHESES_FILE = "table_1_hypotheses.csv"

_ID_PATTERN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
# A note containing "read as <number>" documents a deliberate reading of a
# printed string that is not a plain number (a misprint such as "1,814" for
# 1.814, or a number written in words such as "seventeen").
_READ_AS = re.compile(r"read as (-?\d+(?:\.\d+)?)")
_TOLERANCE = 1e-9
_VALUE_CACHE: dict = {}


def default_data_dir() -> Path:
    """Return the ``data/published`` directory of the repository (see :mod:`scsrepro.data.paths`)."""

    return paths.PUBLISHED


def _resolve_dir(directory: str | Path | None) -> Path:
    path = default_data_dir() if directory is None else Path(directory)
    if not path.is_dir():
        raise FileNotFoundError(f"published-data directory not found: {path}")
    return path


#: The twin's decisions on contradictory published numbers (see README);
#: not a transcription, so not part of the long format.
ERRATA_FILE = "errata.csv"


def published_files(directory: str | Path | None = None) -> list[str]:
    """List the long-format file names (without ``.csv``) in a directory.

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Directory to scan; defaults to :func:`default_data_dir`.

    Returns
    -------
    list of str
        Sorted file stems, excluding the hypotheses file and the errata
        list, which have formats of their own.
    """
    path = _resolve_dir(directory)
    return sorted(p.stem for p in path.glob("*.csv") if p.name not in (HYPOTHESES_FILE, ERRATA_FILE))


def parse_printed(text: str) -> float:
    """Parse a number as printed in the paper.

    Surrounding whitespace, parentheses (standard errors), trailing
    significance stars, percent signs, thousands separators and inner spaces
    are removed before conversion.

    Parameters
    ----------
    text : str
        The printed string, e.g. ``"0.0147***"``, ``"(0.00549)"``,
        ``"31 %"`` or ``"116,573,566"``.

    Returns
    -------
    float
        The parsed number.

    Raises
    ------
    ValueError
        If what remains is not a number.
    """
    s = str(text).strip().rstrip("*").strip()
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1]
    s = s.replace("%", "").replace(",", "").replace(" ", "")
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"not a printed number: {text!r}") from None


def _fail(path: Path, column: str, problem: str, rows: list[int], values) -> None:
    shown = list(values)[:10]
    more = "" if len(rows) <= 10 else f" (and {len(rows) - 10} more)"
    raise ValueError(
        f"{path.name}: column '{column}': {problem}; offending values {shown} "
        f"at rows {rows[:10]}{more} (CSV line numbers, header = line 1)"
    )


def _line_numbers(index) -> list[int]:
    return [int(i) + 2 for i in index]


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"published-data file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name}: missing required column(s) {missing}; found {list(frame.columns)}")
    extra = [c for c in frame.columns if c not in required]
    if extra:
        raise ValueError(f"{path.name}: unexpected column(s) {extra}")
    if list(frame.columns) != list(required):
        raise ValueError(f"{path.name}: columns out of order; expected {list(required)}, found {list(frame.columns)}")
    return frame


def _check_ids(frame: pd.DataFrame, path: Path) -> None:
    bad = ~frame["id"].map(lambda s: bool(_ID_PATTERN.fullmatch(s)))
    if bad.any():
        _fail(path, "id", "ids must be non-empty snake_case", _line_numbers(frame.index[bad]), frame.loc[bad, "id"])
    dup = frame["id"].duplicated(keep=False)
    if dup.any():
        _fail(path, "id", "duplicate ids", _line_numbers(frame.index[dup]), frame.loc[dup, "id"])


def _check_allowed(frame: pd.DataFrame, path: Path, column: str, allowed) -> None:
    bad = ~frame[column].isin(allowed)
    if bad.any():
        _fail(
            path,
            column,
            f"values must be one of {sorted(allowed)}",
            _line_numbers(frame.index[bad]),
            frame.loc[bad, column],
        )


def _validate_file(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, REQUIRED_COLUMNS)
    if frame.empty:
        raise ValueError(f"{path.name}: file has no data rows")
    _check_ids(frame, path)
    for column in ("source", "measure", "item", "value_printed"):
        blank = frame[column].str.strip() == ""
        if blank.any():
            _fail(path, column, "must not be empty", _line_numbers(frame.index[blank]), frame.loc[blank, "id"])
    _check_allowed(frame, path, "statistic", STATISTICS)
    _check_allowed(frame, path, "unit", UNITS)
    _check_allowed(frame, path, "kind", KINDS)
    _check_allowed(frame, path, "stars", STARS)

    values = pd.to_numeric(frame["value"].str.strip(), errors="coerce")
    bad = values.isna() | ~values.map(lambda v: math.isfinite(v) if pd.notna(v) else False)
    if bad.any():
        _fail(path, "value", "not a finite number", _line_numbers(frame.index[bad]), frame.loc[bad, "value"])

    # value must agree with value_printed, unless a note documents the reading
    mismatch_rows, mismatch_vals = [], []
    for idx, printed, value, note in zip(frame.index, frame["value_printed"], values, frame["note"]):
        match = _READ_AS.search(note)
        if match:
            expected = float(match.group(1))
        else:
            try:
                expected = parse_printed(printed)
            except ValueError:
                expected = None
        if expected is None or not math.isclose(expected, value, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE):
            mismatch_rows.append(idx)
            mismatch_vals.append(f"{printed!r} -> {value}")
    if mismatch_rows:
        _fail(
            path,
            "value",
            "value disagrees with value_printed (document a non-literal reading with 'read as <number>' in note)",
            _line_numbers(mismatch_rows),
            mismatch_vals,
        )

    # stars must equal the trailing stars of value_printed
    printed_stars = frame["value_printed"].str.strip().str.extract(r"(\**)$")[0]
    bad = printed_stars != frame["stars"]
    if bad.any():
        _fail(
            path,
            "stars",
            "stars disagree with the stars in value_printed",
            _line_numbers(frame.index[bad]),
            (frame.loc[bad, "value_printed"] + " / " + frame.loc[bad, "stars"]),
        )

    frame = frame.copy()
    frame["value"] = values.astype(float)
    return frame


def load_published(name: str | None = None, directory: str | Path | None = None) -> pd.DataFrame:
    """Load one transcribed file, or all of them, validated.

    Parameters
    ----------
    name : str, optional
        File stem such as ``"table_4"`` (``".csv"`` may be included).  If
        omitted, every long-format file in the directory is loaded and
        concatenated; ids must then be unique across all files.
    directory : str or pathlib.Path, optional
        Directory holding the CSV files; defaults to the repository's
        ``data/published``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`REQUIRED_COLUMNS` plus ``file`` (the file stem).
        ``value`` is float; all other columns are strings.

    Raises
    ------
    ValueError
        If a required column is missing, an id is malformed or duplicated, a
        value is not numeric or disagrees with ``value_printed``, or a
        categorical column holds an unknown value.  The message names the
        file, the column, the offending values and their CSV line numbers.
    FileNotFoundError
        If the directory or the named file does not exist.
    """
    path = _resolve_dir(directory)
    if name is not None:
        stem = name[:-4] if name.endswith(".csv") else name
        if stem + ".csv" == HYPOTHESES_FILE:
            raise ValueError(f"{HYPOTHESES_FILE} is not in the long format; use load_hypotheses()")
        names = [stem]
    else:
        names = published_files(path)
        if not names:
            raise FileNotFoundError(f"no published CSV files in {path}")
    frames = []
    for stem in names:
        frame = _validate_file(path / f"{stem}.csv")
        frame["file"] = stem
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True)
    dup = result["id"].duplicated(keep=False)
    if dup.any():
        clash = result.loc[dup, ["id", "file"]].sort_values("id")
        pairs = [f"{i} ({f}.csv)" for i, f in zip(clash["id"], clash["file"])]
        raise ValueError(f"{path.name}: column 'id': ids duplicated across files: {pairs[:20]}")
    return result


def published_value(id: str, directory: str | Path | None = None) -> float:
    """Return the parsed value of one transcribed number.

    Parameters
    ----------
    id : str
        The row id, e.g. ``"t4_m1_age_coef"``.
    directory : str or pathlib.Path, optional
        Directory holding the CSV files.

    Returns
    -------
    float
        The ``value`` column of that row.

    Raises
    ------
    KeyError
        If no row has this id.
    """
    path = _resolve_dir(directory)
    # cache the validated values; the key changes whenever a file changes
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(path.glob("*.csv")))
    key = (str(path.resolve()), stamp)
    values = _VALUE_CACHE.get(key)
    if values is None:
        frame = load_published(directory=path)
        values = dict(zip(frame["id"], frame["value"]))
        _VALUE_CACHE.clear()
        _VALUE_CACHE[key] = values
    if id not in values:
        raise KeyError(f"no published number with id {id!r}")
    return float(values[id])


def load_hypotheses(directory: str | Path | None = None) -> pd.DataFrame:
    """Load the Table 1 hypotheses H1-H21 with their expected signs and verdicts.

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Directory holding ``table_1_hypotheses.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per hypothesis with the columns of
        :data:`HYPOTHESIS_COLUMNS`; ``model`` is an integer.  ``term`` lists
        the Table 4 term keys, separated by ``;`` when there are several.

    Raises
    ------
    ValueError
        If columns are missing, ids are duplicated or not ``h1``..``h21``,
        or ``expected_sign``, ``verdict`` or ``model`` hold invalid values.
    """
    path = _resolve_dir(directory) / HYPOTHESES_FILE
    frame = _read_csv(path, HYPOTHESIS_COLUMNS)
    _check_ids(frame, path)
    expected_ids = [f"h{k}" for k in range(1, 22)]
    if sorted(frame["id"], key=lambda s: int(s[1:]) if s[1:].isdigit() else 0) != expected_ids:
        missing = sorted(set(expected_ids) - set(frame["id"]))
        extra = sorted(set(frame["id"]) - set(expected_ids))
        raise ValueError(f"{path.name}: column 'id': expected h1..h21; missing {missing}, unexpected {extra}")
    _check_allowed(frame, path, "expected_sign", {"+", "-"})
    _check_allowed(frame, path, "verdict", {"supported", "not supported"})
    _check_allowed(frame, path, "model", {str(k) for k in range(1, 8)})
    frame = frame.copy()
    frame["model"] = frame["model"].astype(int)
    return frame


def hypothesis_verdicts(directory: str | Path | None = None) -> pd.DataFrame:
    """The paper's 21 verdicts on its hypotheses as long-format rows.

    The verdicts are printed facts (Section 4.3 says which hypotheses the
    estimates support), so the scoreboard treats them like any other
    published number: id ``h<N>_verdict``, statistic ``verdict``, value 1
    for "supported" and 0 for "not supported", ``column`` the model that
    introduces the variable. They are derived from
    ``table_1_hypotheses.csv``, not stored twice.
    """
    h = load_hypotheses(directory)
    supported = h["verdict"].str.strip().str.lower().eq("supported")
    return pd.DataFrame(
        {
            "id": h["id"] + "_verdict",
            "source": h["verdict_location"].fillna("Section 4.3"),
            "measure": "Hypothesis verdict",
            "item": h["hypothesis"],
            "column": "Model " + h["model"].astype(int).astype(str),
            "statistic": "verdict",
            "value_printed": h["verdict"],
            "value": supported.astype(float),
            "unit": "scalar",
            "stars": "",
            "base": "",
            "kind": "result",
            "note": "1 = supported, 0 = not supported",
        }
    )
