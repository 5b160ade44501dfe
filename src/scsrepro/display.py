"""Tables for the book: pandas Stylers that render the same way on every run.

A pandas ``Styler`` gets a random id for its CSS on every call, which would
make every executed notebook differ from the last and break the byte-for-byte
comparison that nbval and the build's reproducibility check rely on. The
helper below derives the id from the table's content instead.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.io.formats.style import Styler


class _Table(Styler):
    """A Styler whose plain-text form is the table itself, not its memory address."""

    def __repr__(self) -> str:
        return self.data.to_string()


def table(df: pd.DataFrame | pd.Series, formats=None, caption: str | None = None, hide_index: bool = False) -> Styler:
    """Return a deterministic Styler for *df*.

    Parameters
    ----------
    df : the table to show (a Series is shown as a one-column table).
    formats : anything :meth:`pandas.io.formats.style.Styler.format` accepts
        (a format string, a callable, or a dict column -> format).
    caption : optional caption shown above the table.
    hide_index : hide the row labels.
    """
    frame = df.to_frame() if isinstance(df, pd.Series) else df
    digest = hashlib.sha1(
        pd.util.hash_pandas_object(frame.astype(str), index=True).values.tobytes()
        + repr(list(frame.columns)).encode()
        + (caption or "").encode()
    ).hexdigest()[:10]
    styler = _Table(frame, uuid=digest)
    if formats is not None:
        styler = styler.format(formats, na_rep="")
    if caption:
        styler = styler.set_caption(caption)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler
