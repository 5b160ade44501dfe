"""Disclosure control: the one rule for what the book shows of real respondents.

The rule
--------
A number computed from respondents -- a cell of a table, a share, a mean, a
plotted bar -- is shown only if at least :data:`MIN_RESPONDENTS` unweighted
respondents back it: the base of a share, mean or estimate, or the
respondents counted in a count. A number backed by fewer is *suppressed*:
its value is removed (NaN) and a boolean column ``suppressed`` marks its row
(:func:`suppress_rows`), or a cell mask marks it in a table of counts
(:func:`suppress_counts`). :func:`scsrepro.book.display.table` shows a
suppressed cell as :data:`MARK` with :func:`footnote` under the caption, the
figures leave its bar out, and the report writer keeps the ``suppressed``
column in ``_build/runs/<name>/tables/*.csv``. Printed numbers of the paper
are never suppressed; they are the paper's, not the data's.

When it applies
---------------
To every data file except the committed synthetic twin, whose respondents
are made up (:func:`applies`). On the twin, small cells stay visible, which
is also what keeps the committed notebooks unchanged. Whether a frame comes
from the twin is recorded by :func:`scsrepro.data.loading.load_survey` in
``df.attrs["committed_twin"]``; a frame that was not read from a file (a
test's random frame, the twin's generator) carries no such record and is
treated like the twin.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data.loading import is_committed_twin

__all__ = [
    "MIN_RESPONDENTS",
    "MARK",
    "VALUE_COLUMNS",
    "applies",
    "too_few",
    "suppress_rows",
    "suppress_counts",
    "cell_mask",
    "footnote",
]

#: Fewest unweighted respondents behind a number that may be shown.
MIN_RESPONDENTS = 10

#: What a table shows in place of a suppressed number.
MARK = "—"

#: The columns of a recomputed table that hold numbers computed from respondents.
VALUE_COLUMNS: tuple[str, ...] = ("reproduced", "se", "ci_low", "ci_high", "reproduced_alt", "se_calibrated")


def applies(data: Any) -> bool:
    """Whether disclosure control applies to *data*: a path, or a frame from :func:`~scsrepro.data.loading.load_survey`.

    A path applies unless it is the committed twin
    (:func:`~scsrepro.data.loading.is_committed_twin`); a frame applies when
    ``attrs["committed_twin"]`` says it was read from another file.
    """
    if isinstance(data, (str, os.PathLike)):
        return not is_committed_twin(Path(data))
    attrs = getattr(data, "attrs", {})
    return attrs.get("committed_twin") is False


def too_few(n: Any, apply: bool = True) -> np.ndarray:
    """Boolean array: which of the respondent counts *n* lie below :data:`MIN_RESPONDENTS` (all False if not *apply*).

    A missing count (a number not computed from respondents) is never too few.
    """
    counts = pd.to_numeric(pd.Series(np.ravel(np.asarray(n, dtype=object))), errors="coerce").to_numpy(dtype=float)
    if not apply:
        return np.zeros(counts.shape, dtype=bool)
    return np.isfinite(counts) & (counts < MIN_RESPONDENTS)


def suppress_rows(
    frame: pd.DataFrame, apply: bool, n_column: str = "n_base", columns: Sequence[str] = VALUE_COLUMNS
) -> pd.DataFrame:
    """*frame* with the numbers of rows backed by too few respondents removed, and a ``suppressed`` column.

    Parameters
    ----------
    frame : DataFrame
        One number (or one group's numbers) per row, with its unweighted
        respondent count in *n_column*.
    apply : bool
        :func:`applies` for the data; when False nothing is removed and
        ``suppressed`` is False everywhere (an existing ``True`` is kept).
    n_column : str
        The count that backs each row.
    columns : sequence of str
        The columns computed from respondents (those present are set to NaN
        in suppressed rows). The count itself is removed as well: it, too,
        is a number backed by too few respondents.

    Returns
    -------
    DataFrame
        A copy; ``suppressed`` is True where a row's numbers were removed.
    """
    out = frame.copy()
    small = too_few(out[n_column], apply) if n_column in out.columns else np.zeros(len(out), dtype=bool)
    before = out["suppressed"].to_numpy(dtype=bool) if "suppressed" in out.columns else np.zeros(len(out), dtype=bool)
    present = [c for c in dict.fromkeys([*columns, n_column]) if c in out.columns]
    if small.any() and present:
        for c in present:  # counts stay whole numbers, with a missing value where withheld
            if pd.api.types.is_integer_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c]):
                out[c] = out[c].astype("Int64")
        out.loc[small, present] = np.nan
    out["suppressed"] = before | small
    return out


def suppress_counts(counts: pd.DataFrame, apply: bool) -> pd.DataFrame:
    """A table of respondent counts with each count below :data:`MIN_RESPONDENTS` removed.

    The removed cells become NaN and ``attrs["suppressed"]`` holds the
    boolean mask (same labels as *counts*), which
    :func:`scsrepro.book.display.table` shows as :data:`MARK`.
    """
    mask = pd.DataFrame(
        too_few(counts.to_numpy(), apply).reshape(counts.shape), index=counts.index, columns=counts.columns
    )
    out = counts.astype("Int64").mask(mask) if mask.to_numpy().any() else counts.copy()
    out.attrs["suppressed"] = mask
    return out


def cell_mask(frame: pd.DataFrame) -> pd.DataFrame:
    """Which cells of *frame* are suppressed: its ``attrs["suppressed"]`` mask, or its ``suppressed`` column.

    The column marks every missing (NaN) cell of a flagged row; the mask is
    aligned on *frame*'s labels (cells it does not cover are not suppressed).
    """
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    given = frame.attrs.get("suppressed")
    if isinstance(given, pd.DataFrame):
        mask = mask | given.reindex(index=frame.index, columns=frame.columns, fill_value=False).astype(bool)
    if "suppressed" in frame.columns:
        rows = frame["suppressed"].fillna(False).to_numpy(dtype=bool)
        mask = mask | (frame.isna() & rows[:, None])
        mask["suppressed"] = False
    return mask


def footnote() -> str:
    """The note under a table with suppressed cells."""
    return (
        f"{MARK} Not shown: fewer than {MIN_RESPONDENTS} respondents behind the number "
        "(disclosure control, see the sampling chapter)."
    )
