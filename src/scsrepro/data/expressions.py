"""The codebook's condition language: ``asked_if`` and ``condition`` expressions.

A condition is ``"always"`` or a pandas ``DataFrame.eval`` expression over
variable names, built from comparisons combined with ``&``, ``|``, ``~``,
``and``, ``or`` and ``not``. This module checks such expressions
(:func:`expression_names`), evaluates them row by row
(:func:`evaluate_condition`) and orders questions so that each comes after
the variables its condition uses (:func:`branching_order_from`).

Examples
--------
>>> sorted(expression_names("(use_sesame == 1) | (use_tencent == 1)"))
['use_sesame', 'use_tencent']
>>> expression_names(ALWAYS)
set()
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping

import pandas as pd

__all__ = ["ALWAYS", "branching_order_from", "evaluate_condition", "expression_names"]

#: The ``asked_if`` value of questions put to every respondent.
ALWAYS = "always"

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
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_AST):
            raise ValueError(
                f"expression {expr!r} uses {type(node).__name__}, which is not "
                "allowed (use comparisons combined with &, |, ~)"
            )
    return set(_referenced(expr))


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
    # only the columns the expression names: pandas builds a resolver for
    # every column of the frame it evaluates on, which costs more than the
    # evaluation itself on a frame of a few hundred columns
    used = [c for c in _referenced(expr) if c in df.columns]
    result = df[used].eval(expr, engine="python")
    if not isinstance(result, pd.Series):  # a constant expression
        return pd.Series(bool(result), index=df.index, dtype="boolean")
    return result.astype("boolean")


@functools.lru_cache(maxsize=1024)
def _referenced(expr: str) -> tuple[str, ...]:
    """Names in *expr* (not checked; :func:`expression_names` checks)."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return ()
    return tuple(sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}))


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
