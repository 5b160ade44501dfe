"""What every check of the audit shares: the findings frame and the rounding rule.

A finding is one row with the columns :data:`FINDING_COLUMNS`; a check
builds its rows with :func:`finding` and returns them with
:func:`findings_frame`. A printed number stands for the interval of
:func:`half_unit` on either side of it; :func:`box` evaluates a formula over
the rounding box of its inputs, and :class:`Lookup` reads the published rows
by id.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence

import pandas as pd

__all__ = [
    "FINDING_COLUMNS",
    "SEVERITIES",
    "EPS",
    "empty_findings",
    "findings_frame",
    "finding",
    "fmt",
    "half_unit",
    "box",
    "Lookup",
]

#: Columns of every findings frame, in this order.
FINDING_COLUMNS: tuple[str, ...] = (
    "check",
    "source",
    "items",
    "printed",
    "recomputed",
    "arithmetic",
    "severity",
    "explanation",
)

#: Allowed severities.
#:
#: ``misprint``
#:     a printed number cannot be right as printed (a typo, a decimal comma,
#:     a dropped or altered digit, a coding description that does not produce
#:     the table).
#: ``mixed_base``
#:     the number is right for a different population, column or weighting
#:     than the one the paper states.
#: ``unsupported_claim``
#:     no printed number supports the statement, and no simple slip explains
#:     the gap.
#: ``rounding``
#:     the numbers disagree only by a rounding step (printed figures that were
#:     rounded independently, or a prose figure rounded the wrong way).
#: ``swapped_labels``
#:     the numbers fit much better with two labels exchanged.
SEVERITIES: tuple[str, ...] = (
    "misprint",
    "mixed_base",
    "unsupported_claim",
    "rounding",
    "swapped_labels",
)

#: Slack for comparisons of floating-point values that are equal on paper.
EPS = 1e-9


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in FINDING_COLUMNS})


def findings_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """Rows built by :func:`finding` as a findings frame (all columns str)."""
    if not rows:
        return empty_findings()
    out = pd.DataFrame(list(rows))
    missing = [c for c in FINDING_COLUMNS if c not in out.columns]
    if missing:
        raise ValueError(f"finding rows lack columns {missing}")
    bad = sorted(set(out["severity"]) - set(SEVERITIES))
    if bad:
        raise ValueError(f"unknown severities {bad}; allowed {SEVERITIES}")
    return out[list(FINDING_COLUMNS)].astype(str).reset_index(drop=True)


def finding(
    check: str,
    source: str,
    items: Sequence[str],
    printed: str,
    recomputed: str,
    arithmetic: str,
    severity: str,
    explanation: str,
) -> dict:
    """One finding row; *items* are joined with ``;``, duplicates dropped."""
    return {
        "check": check,
        "source": source,
        "items": ";".join(dict.fromkeys(items)),
        "printed": printed,
        "recomputed": recomputed,
        "arithmetic": arithmetic,
        "severity": severity,
        "explanation": explanation,
    }


def fmt(x: float, digits: int = 4) -> str:
    """Format a number compactly (no trailing zeros, no exponent)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "nan"
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


_READ_AS = re.compile(r"read as (-?\d+(?:\.\d+)?)")


def half_unit(value_printed: str, note: str = "") -> float:
    """Half a unit in the last printed digit of a number.

    Parameters
    ----------
    value_printed : str
        The number as printed (``"0.0147***"``, ``"(0.00549)"``, ``"31 %"``,
        ``"2,209"``).
    note : str, optional
        The row's note; when it contains ``read as <number>`` the decimals of
        that reading are used instead (``"1,814"`` read as 1.814 is given to
        three decimals).

    Returns
    -------
    float
        ``0.5 * 10**-d`` where ``d`` is the number of printed decimals.
    """
    match = _READ_AS.search(note or "")
    if match:
        text = match.group(1)
    else:
        text = str(value_printed).strip().rstrip("*").strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        text = text.replace("%", "").replace(" ", "").replace(",", "")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def box(f: Callable[..., float], values: Sequence[float], halves: Sequence[float]) -> tuple[float, float, float]:
    """Value of *f* at the printed numbers and its range over their rounding box.

    All formulas used in the audit are monotone in each argument, so the
    extremes over the box are attained at its corners.
    """
    centre = float(f(*values))
    lo = hi = centre
    for signs in itertools.product((-1.0, 1.0), repeat=len(values)):
        y = float(f(*[v + s * h for v, s, h in zip(values, signs, halves)]))
        lo, hi = min(lo, y), max(hi, y)
    return centre, lo, hi


class Lookup:
    """Value, half unit and presence of published rows by id."""

    def __init__(self, published: pd.DataFrame):
        self.frame = published.set_index("id", drop=False)

    def has(self, *ids: str) -> bool:
        return all(i in self.frame.index for i in ids)

    def v(self, i: str) -> float:
        return float(self.frame.at[i, "value"])

    def h(self, i: str) -> float:
        row = self.frame.loc[i]
        return half_unit(row["value_printed"], row.get("note", ""))

    def printed(self, i: str) -> str:
        return str(self.frame.at[i, "value_printed"])
