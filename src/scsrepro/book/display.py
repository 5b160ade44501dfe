"""Tables for the book: pandas Stylers that render the same way on every run.

A pandas ``Styler`` gets a random id for its CSS on every call, which would
make every executed notebook differ from the last and break the byte-for-byte
comparison that nbval and the build's reproducibility check rely on. The
helper below derives the id from what the reader sees instead: the table is
rendered once with a fixed placeholder id, and the id is a hash of that HTML
(formatted numbers, labels, caption). Two computations that differ only
below the displayed precision, as floating-point results do between CPUs,
give the same id and the same output; a change in any displayed value
gives a new id.

The plain-text form of a table (the ``text/plain`` output that nbval also
compares) is the formatted table too, never the raw full-precision data.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.io.formats.style import Styler

from scsrepro.paper import disclosure

#: Decimals shown for float cells that no format covers. This is pandas'
#: own default (``styler.format.precision``), written down here so that the
#: output does not depend on a global pandas option.
DEFAULT_PRECISION = 6

#: Id used for the one rendering whose hash becomes the real id.
_PLACEHOLDER_UUID = "placeholder"


_SEP = "\x1f"  # a delimiter that never occurs in a table cell


def plain_text(styler: Styler) -> str:
    """The table as the reader sees it, in aligned plain text.

    The cells are :meth:`Styler.to_string`'s formatted values (the same as
    in the HTML), caption first, every column right-aligned to its widest
    cell. Multi-level labels are written out on every row.
    """
    raw = styler.to_string(delimiter=_SEP, sparse_index=False, sparse_columns=False)
    rows = [line.split(_SEP) for line in raw.splitlines()]
    ncol = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (ncol - len(r)) for r in rows]
    widths = [max(len(r[j]) for r in rows) for j in range(ncol)]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    caption = styler.caption if isinstance(styler.caption, str) else None
    return "\n".join(([caption] if caption else []) + lines)


class _Table(Styler):
    """A Styler whose plain-text form is the formatted table, not its memory address."""

    def __repr__(self) -> str:
        return plain_text(self)


def _mark(_value) -> str:
    return disclosure.MARK


def _styled(
    frame: pd.DataFrame, uuid: str, formats, caption: str | None, hide_index: bool, hidden: pd.DataFrame | None = None
) -> _Table:
    styler = _Table(frame, uuid=uuid, cell_ids=True)
    styler = styler.format(precision=DEFAULT_PRECISION)
    if formats is not None:
        styler = styler.format(formats, na_rep="")
    if hidden is not None:
        for col in hidden.columns[hidden.any(axis=0).to_numpy()]:
            rows = list(frame.index[hidden[col].to_numpy()])
            styler = styler.format(_mark, subset=pd.IndexSlice[rows, [col]])
    if caption:
        styler = styler.set_caption(caption)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


def table_id(styler: Styler) -> str:
    """Ten hex digits derived from the HTML *styler* renders (its own id included)."""
    return hashlib.sha1(styler.to_html().encode("utf-8")).hexdigest()[:10]


def table(df: pd.DataFrame | pd.Series, formats=None, caption: str | None = None, hide_index: bool = False) -> Styler:
    """Return a deterministic Styler for *df*.

    Parameters
    ----------
    df : the table to show (a Series is shown as a one-column table).
    formats : anything :meth:`pandas.io.formats.style.Styler.format` accepts
        (a format string, a callable, or a dict column -> format). Cells no
        format covers are shown as pandas shows them by default: floats with
        a fixed number of decimals, :data:`DEFAULT_PRECISION` (six), whatever
        the global pandas options say. Six decimals hide differences in the
        last bits of a result (about sixteen significant digits) for any
        number below a billion, so a table without formats is still stable
        across CPUs; give explicit formats for anything the reader should
        see at a coarser precision.
    caption : optional caption shown above the table.
    hide_index : hide the row labels.

    Disclosure control (:mod:`scsrepro.paper.disclosure`): a boolean column
    ``suppressed`` is not shown; the missing cells of the rows it flags, and
    the cells of a mask in ``df.attrs["suppressed"]``, are shown as "—", and
    the rule's footnote is added to the caption. A table with nothing
    suppressed is rendered exactly as without this step.

    The Styler's id (``uuid``) is a hash of the table as displayed -- the
    HTML rendered with a fixed placeholder id -- so it changes exactly when
    something the reader sees changes. Its ``repr`` (the notebook's
    ``text/plain`` output) is :meth:`Styler.to_string`, the same formatted
    values as the HTML. Because the table is rendered once here, a format
    that does not fit a column (``"{:.1f}"`` on text) raises in the cell
    that makes the table instead of leaving its output empty.
    """
    frame = df.to_frame() if isinstance(df, pd.Series) else df
    hidden = disclosure.cell_mask(frame)
    if "suppressed" in frame.columns:
        frame, hidden = frame.drop(columns="suppressed"), hidden.drop(columns="suppressed")
    if hidden.to_numpy().any():
        caption = f"{caption} {disclosure.footnote()}" if caption else disclosure.footnote()
    else:
        hidden = None
    digest = table_id(_styled(frame, _PLACEHOLDER_UUID, formats, caption, hide_index, hidden))
    return _styled(frame, digest, formats, caption, hide_index, hidden)
