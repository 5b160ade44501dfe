"""Who was asked a question, read off the data.

An ``asked_if`` condition decides a row only where every variable it uses
holds a value the codebook allows. :func:`condition_state` splits the rows
into asked, not asked and undecidable (in neither mask); an undecidable row
is one whose filter variable is empty or invalid, which is reported as that
variable's own problem instead of cascading into branching errors. The
schema (:mod:`scsrepro.data.schema`) checks the branching with it and the
random frames (:mod:`scsrepro.data.fake`) follow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pandas as pd

from scsrepro.data.codebook import Codebook
from scsrepro.data.expressions import ALWAYS, evaluate_condition, expression_names
from scsrepro.data.variables import Variable

__all__ = ["condition_state", "valid_mask", "remembered_conditions"]

#: ``{(id(frame), condition): (frame, result)}`` while :func:`remembered_conditions` is active.
_MEMO: ContextVar[dict | None] = ContextVar("scsrepro_condition_memo", default=None)


@contextmanager
def remembered_conditions() -> Iterator[None]:
    """Within the block, :func:`condition_state` works out each condition once per frame.

    For one validation pass over a frame that does not change: many
    questions share a filter, and the schema asks about each filter twice
    per question (asked but empty, not asked but answered). The memory is
    keyed by the frame object itself and forgotten when the block ends.
    """
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def valid_mask(df: pd.DataFrame, var: Variable) -> pd.Series:
    """Rows where *var* holds a value the codebook allows (not empty)."""
    col = df[var.name]
    if var.is_coded:
        return col.isin(var.allowed_codes).fillna(False).astype(bool)
    if var.type == "integer":
        return ((col >= var.min) & (col <= var.max)).fillna(False).astype(bool)
    return col.notna()


def condition_state(df: pd.DataFrame, expr: str, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    """Return (asked, not_asked) boolean masks; undecidable rows are in neither.

    A row is undecidable when a variable the condition uses is empty or holds
    an invalid value: that variable's own problem is reported instead, so one
    bad cell does not cascade into branching errors.
    """
    if expr == ALWAYS:
        t = pd.Series(True, index=df.index)
        return t, ~t
    memo = _MEMO.get()
    if memo is not None:
        hit = memo.get((id(df), expr))
        if hit is not None and hit[0] is df:
            return hit[1]
    result = _condition_state(df, expr, codebook)
    if memo is not None:
        memo[(id(df), expr)] = (df, result)
    return result


def _condition_state(df: pd.DataFrame, expr: str, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    names = expression_names(expr)
    known = pd.Series(True, index=df.index)
    for n in names:
        known &= valid_mask(df, codebook[n])
    cond = evaluate_condition(df, expr)
    asked = (cond.fillna(False).astype(bool)) & known
    not_asked = (~cond.fillna(True).astype(bool)) & known
    return asked, not_asked
