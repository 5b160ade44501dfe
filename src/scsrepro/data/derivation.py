"""Computing the derived variables from the raw ones.

Each derived variable of the codebook carries a machine-readable rule (its
``derivation``); :func:`derive_variables` applies the rules of a list of
variables to a raw frame, :func:`derive_variable` one rule. The rules
(each is also written in the variable's ``notes``):

``bins``
    code ``k`` where ``lo <= source <= hi`` for the bin ``k: [lo, hi]``.
``recode``
    code ``mapping[source]``.
``condition``
    1 where the expression holds, 0 where it does not.
``any_selected``
    among rows where the derived variable's ``asked_if`` holds: 99 if the
    ``rna_option`` is selected, else 1 if any of ``options`` is selected,
    else 0; empty where not asked.

The rules are checked when the codebook is read
(:mod:`scsrepro.data.codebook_parsing`); :meth:`Codebook.derive
<scsrepro.data.codebook.Codebook.derive>` is the usual way to call them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scsrepro.data.expressions import evaluate_condition
from scsrepro.data.variables import Variable

__all__ = ["derive_variable", "derive_variables"]


def derive_variables(df: pd.DataFrame, variables: Iterable[Variable]) -> pd.DataFrame:
    """Add the derived *variables* to a raw frame, in the order given.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw data (codes intact).
    variables : iterable of Variable
        Derived variables (their rules use raw variables only; the codebook
        checks this when it is read).

    Returns
    -------
    pandas.DataFrame
        A copy of *df* with the derived columns (nullable ``Int64``) added
        or overwritten.

    Raises
    ------
    KeyError
        If a raw variable a rule needs is not in *df*.
    """
    out = df.copy()
    for var in variables:
        missing = [c for c in var.derived_from if c not in out.columns]
        if missing:
            raise KeyError(
                f"cannot derive {var.name!r}: column(s) {', '.join(repr(m) for m in missing)} not in the data"
            )
        out[var.name] = derive_variable(out, var)
    return out


def derive_variable(df: pd.DataFrame, var: Variable) -> pd.Series:
    """Compute one derived variable.

    Parameters
    ----------
    df : pandas.DataFrame
        Frame holding every column the rule of *var* uses.
    var : Variable
        A derived variable (one with a ``derivation``).

    Returns
    -------
    pandas.Series
        Nullable ``Int64`` values aligned with *df*.
    """
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
