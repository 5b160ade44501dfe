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

Readers see numbers and labels, not internals (:func:`table`):

* a float column whose values are all whole numbers shows them as integers
  with thousands separators ("2,209", not "2,209.000"), an integer column
  likewise; other unformatted floats keep :data:`DEFAULT_PRECISION`
  decimals without trailing zeros;
* no cell shows a negative zero ("-0.00" becomes "0.00");
* row and column labels, and text cells, that are codebook variable names
  are replaced by the variable's label ("SCS helps companies abide by
  regulations", not ``abide_regulations``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping

import pandas as pd
from pandas.io.formats.style import Styler

from scsrepro.data.codebook import load_codebook
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


#: A formatted zero with a minus sign: "-0", "-0.00", "-0.0%", "-0.00 pp".
_NEGATIVE_ZERO = re.compile(r"^-(0(?:\.0+)?)(?=%|\s|$)")


def no_negative_zero(text: str) -> str:
    """*text* without the minus sign of a formatted zero ("-0.00" -> "0.00")."""
    return _NEGATIVE_ZERO.sub(r"\1", text)


def _whole(values: pd.Series) -> bool:
    finite = values.dropna()
    finite = finite[finite.map(lambda v: isinstance(v, (int, float)) and math.isfinite(v))]
    return bool(len(finite)) and bool((finite == finite.round()).all()) and bool((finite.abs() < 1e15).all())


def default_format(values: pd.Series, shown: Callable[[object], str]) -> Callable[[object], str] | None:
    """The format of a column that no explicit format covers (None: pandas' own); *shown* formats text cells."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values) or (pd.api.types.is_float_dtype(values) and _whole(values)):
        return lambda v: f"{v:,.0f}"
    if pd.api.types.is_float_dtype(values):
        return _decimals
    if (values.dtype == object or pd.api.types.is_string_dtype(values)) and values.map(
        lambda v: isinstance(v, str)
    ).any():
        return shown
    return None


def _decimals(v) -> str:
    """A float at :data:`DEFAULT_PRECISION` decimals, trailing zeros dropped."""
    x = float(v)
    return f"{x:.{DEFAULT_PRECISION}f}".rstrip("0").rstrip(".") if math.isfinite(x) else str(x)


def p_value(v) -> str:
    """A p-value in a table: three decimals, ``<0.001`` below that, empty when missing."""
    x = float(v)
    if not math.isfinite(x):
        return ""
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def number(decimals: int) -> Callable[[object], str]:
    """A format for a column that mixes counts and measures: whole numbers as integers, others at *decimals*.

    ``number(3)`` shows 2209.0 as "2,209" and 1.2345 as "1.234" (a design
    table's N beside its design effect, say).
    """

    def fmt(v) -> str:
        x = float(v)
        if math.isfinite(x) and x.is_integer():
            return f"{x:,.0f}"
        return f"{x:,.{decimals}f}"

    return fmt


def _named_axes(frame: pd.DataFrame, shown: Callable[[object], str]) -> pd.DataFrame:
    """*frame* with the names of its row and column axes as *shown* displays them."""
    index_names = [shown(n) if isinstance(n, str) else n for n in frame.index.names]
    column_names = [shown(n) if isinstance(n, str) else n for n in frame.columns.names]
    if index_names == list(frame.index.names) and column_names == list(frame.columns.names):
        return frame
    out = frame.copy()
    out.index = out.index.set_names(index_names)
    out.columns = out.columns.set_names(column_names)
    return out


def _formatter(spec) -> Callable[[object], str]:
    """*spec* (a format string or a callable) as a callable that never shows a negative zero."""
    if callable(spec):
        return lambda v: no_negative_zero(str(spec(v)))
    return lambda v: no_negative_zero(spec.format(v))


def _column_formats(frame: pd.DataFrame, formats, shown: Callable[[object], str]) -> dict:
    """One formatter per column: the explicit one (*formats*), else :func:`default_format`."""
    out = {}
    for col in frame.columns:
        spec = formats.get(col) if isinstance(formats, dict) else formats
        if spec is None:
            spec = default_format(frame[col], shown)
        if spec is not None:
            out[col] = _formatter(spec)
    return out


def display_names(labels: Mapping[str, str] | None = None) -> Callable[[object], str]:
    """How a label or text cell is shown: *labels* first, then codebook labels for variable names; whole numbers as integers.

    The names are looked up once, when the function is made, not for every cell.
    """
    cb = load_codebook()
    names = {n: cb[n].label for n in cb.names if cb[n].label} | dict(labels or {})

    def shown(value) -> str:
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return f"{value:,.0f}"
        return str(value)

    return shown


def index_label(value) -> str:
    """How a row or column label is shown without display names of the table's own (:func:`display_names`)."""
    return display_names()(value)


def _styled(
    frame: pd.DataFrame,
    uuid: str,
    formats,
    caption: str | None,
    hide_index: bool,
    hidden: pd.DataFrame | None = None,
    shown: Callable[[object], str] = str,
) -> _Table:
    styler = _Table(frame, uuid=uuid, cell_ids=True)
    styler = styler.format(precision=DEFAULT_PRECISION)
    styler = styler.format(_column_formats(frame, formats, shown), na_rep="")
    styler = styler.format_index(shown, axis=0).format_index(shown, axis=1)
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


def table(
    df: pd.DataFrame | pd.Series,
    formats=None,
    caption: str | None = None,
    hide_index: bool = False,
    labels: Mapping[str, str] | None = None,
) -> Styler:
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
    labels : optional display names of row and column labels (for example
        ``{"step1": "Census population (step 1)"}``); *formats* still use the
        frame's own names. Labels that are codebook variable names are shown
        as the variable's label without being listed here.

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
    shown = display_names(labels)
    frame = _named_axes(frame, shown)
    hidden = disclosure.cell_mask(frame)
    if "suppressed" in frame.columns:
        frame, hidden = frame.drop(columns="suppressed"), hidden.drop(columns="suppressed")
    if hidden.to_numpy().any():
        caption = f"{caption} {disclosure.footnote()}" if caption else disclosure.footnote()
    else:
        hidden = None
    digest = table_id(_styled(frame, _PLACEHOLDER_UUID, formats, caption, hide_index, hidden, shown))
    return _styled(frame, digest, formats, caption, hide_index, hidden, shown)
