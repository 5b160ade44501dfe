"""Reading and validating respondent-level survey data.

:func:`load_survey` is the one way the chapters read data: it reads a CSV
that follows the data contract of ``data/codebook.yml``, validates it with the
schema generated from the codebook, and adds the derived variables. The same
call works on the synthetic twin and on the real microdata.

Every reading problem (file missing, empty, binary or not UTF-8, not
comma-separated, duplicate/missing/unknown columns, rows with the wrong number
of fields, text in numeric columns) is reported through the same
:class:`~scsrepro.data.schema.DataValidationError` as the schema's own failures,
naming the file, the column, the offending values and the data rows. The
loader never writes anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import Codebook, display_name, load_codebook
from scsrepro.data.schema import DataValidationError, Problem, validate_frame

__all__ = ["DataValidationError", "data_label", "is_committed_twin", "load_survey", "read_csv_cells"]


def _fail(name: str, what: str, where: str | None = None) -> DataValidationError:
    return DataValidationError(name, [Problem("file", what, where=where)])


def read_csv_cells(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, list[Problem], str]:
    """Read a CSV file as text cells, collecting structural problems.

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    Returns
    -------
    (pandas.DataFrame, list of Problem, str)
        The cells as strings (one column per header field, duplicates
        included, a ``RangeIndex`` over data rows), the problems found in
        the file's structure (separator, blank lines, rows with the wrong
        number of fields), and the file's display name.

    Raises
    ------
    DataValidationError
        If the file cannot be read as a CSV at all (missing, a folder, empty,
        binary, not UTF-8, no header).
    """
    p = Path(path)
    name = display_name(p)
    records = _read_records(p, name)
    header = [h.strip() for h in records[0]]
    problems: list[Problem] = []
    if len(header) == 1:
        _check_separator(header[0], name)
    rows = records[1:]
    if not rows:
        problems.append(Problem("file", "no data rows after the header row", where="file"))
    cells, ragged = _rectangular(rows, len(header))
    problems += ragged
    # duplicate, empty and unknown column names are kept here and reported
    # by the schema step, with their position in the header
    frame = pd.DataFrame(cells, columns=header, index=pd.RangeIndex(len(cells)), dtype="string")
    return frame, problems, name


def _read_records(p: Path, name: str) -> list[list[str]]:
    """The file's CSV records, trailing blank lines dropped; at least the header.

    Raises :class:`DataValidationError` for a file that is not a readable
    UTF-8 CSV (missing, a folder, empty, a workbook, binary, not UTF-8).
    """
    if not p.exists():
        raise _fail(name, "file not found")
    if not p.is_file():
        raise _fail(name, "is not a file (a folder?)")
    data = p.read_bytes()
    if not data.strip():
        raise _fail(name, "file is empty: expected a header row of variable names followed by one row per respondent")
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise _fail(name, "not a CSV file: this looks like a spreadsheet workbook (xlsx/xls); export it as UTF-8 CSV")
    if b"\x00" in data:
        raise _fail(name, "not a CSV file: it contains binary (NUL) bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(
            name, "not a UTF-8 text file (save the CSV as UTF-8)", where=f"byte {exc.start}, line {line} of the file"
        ) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _fail(name, f"not a readable CSV file ({exc})") from None
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing blank lines
    if not records:
        raise _fail(name, "file is empty: no header row")
    return records


def _check_separator(header: str, name: str) -> None:
    """Reject a one-field header that another separator would split."""
    for sep, sep_name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if sep in header:
            raise _fail(
                name,
                f"not a comma-separated file: the header row is separated by {sep_name}; save it with commas",
                where="header row",
            )


def _rectangular(rows: list[list[str]], width: int) -> tuple[list[list[str]], list[Problem]]:
    """Pad or cut every row to *width* fields; report blank lines and rows of another width."""
    ragged: dict[int, list[int]] = {}
    cells: list[list[str]] = []
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            if not any(c.strip() for c in row):
                ragged.setdefault(0, []).append(i)
            else:
                ragged.setdefault(len(row), []).append(i)
            row = (row + [""] * width)[:width]
        cells.append(row)
    problems = []
    for n_fields, bad_rows in ragged.items():
        what = (
            "blank line inside the data" if n_fields == 0 else f"row has {n_fields} field(s) but the header has {width}"
        )
        problems.append(Problem("file", what, values=[n_fields] if n_fields else [], rows=bad_rows))
    return cells, problems


def load_survey(
    path: str | os.PathLike[str],
    codebook: Codebook | None = None,
    derive: bool = True,
) -> pd.DataFrame:
    """Read, validate and prepare a respondent-level survey file.

    Parameters
    ----------
    path : str or path-like
        A CSV following the data contract of the codebook (UTF-8, header of
        variable names, numeric codes, empty cells for questions not asked).
    codebook : Codebook, optional
        Defaults to the project's ``data/codebook.yml``.
    derive : bool, default True
        Whether to add the derived variables (age group, income group,
        region, commercial-user and (dis)advantage dummies, ...).

    Returns
    -------
    pandas.DataFrame
        One row per respondent, a ``RangeIndex``; raw columns as nullable
        ``Int64`` (``weight``: ``Float64``) with codes intact (98/99 kept),
        then the derived columns. ``df.attrs["source"]`` is the file's
        display name (relative to the project root, or the bare file name),
        ``df.attrs["codebook"]`` the codebook's, ``df.attrs["committed_twin"]``
        whether the file is the committed synthetic twin (:func:`is_committed_twin`).

    Raises
    ------
    DataValidationError
        If the file cannot be read or does not follow the codebook; the
        message names the file, every failing column, its offending values
        and the data rows (1 = first line after the header).

    Examples
    --------
    >>> from scsrepro.data.loading import load_survey
    >>> df = load_survey("data/synthetic/twin.csv")  # doctest: +SKIP
    """
    cb = codebook or load_codebook()
    cells, problems, name = read_csv_cells(path)
    try:
        df = validate_frame(cells, cb, source=name)
    except DataValidationError as exc:
        # rows already reported as blank or ragged would only repeat here
        broken = {r for p in problems for r in p.rows}
        later = [q for q in (p.without_rows(broken) for p in exc.problems) if q is not None]
        raise DataValidationError(name, problems + later) from None
    if problems:
        raise DataValidationError(name, problems)
    if derive:
        df = cb.derive(df)
    df.attrs["source"] = name
    df.attrs["codebook"] = cb.source
    df.attrs["committed_twin"] = is_committed_twin(path)
    return df


def is_committed_twin(path: str | os.PathLike[str]) -> bool:
    """Whether the file at *path* is the committed synthetic twin, byte for byte.

    True when its sha256 equals the checksum recorded in
    ``data/synthetic/twin.csv.sha256``, whatever the file is called; a copy
    of the twin with one byte changed, or any other file, is not the twin.
    This is the one test the chapters use to decide whether a note that holds
    only for the twin (how it is made, agreement by construction) applies,
    and whether disclosure control is needed (:mod:`scsrepro.paper.disclosure`).
    """
    path = Path(path)
    recorded = paths.SYNTHETIC / "twin.csv.sha256"
    if not (path.is_file() and recorded.is_file()):
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == recorded.read_text().split()[0]


def data_label(path: str | os.PathLike[str]) -> str:
    """A short name for the data in *path*, for captions and column labels.

    ``"twin"`` when the file is the committed synthetic twin
    (:func:`is_committed_twin`), otherwise the file's stem, so that a page
    run on other data never calls them the twin.
    """
    return "twin" if is_committed_twin(path) else Path(path).stem
