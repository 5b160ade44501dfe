"""Formatting of numbers for the running text, shared by every chapter's facts."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["pct", "count", "p_value", "signed"]


def pct(x: float, digits: int = 1) -> str:
    """A percentage (or any number) at *digits* decimals: ``pct(61.234) == "61.2"``."""
    return f"{x:.{digits}f}"


def count(n: Any) -> str:
    """A count with a thousands separator: ``count(2209) == "2,209"``."""
    return f"{int(n):,}"


def p_value(p: float | None) -> str:
    """A p-value for the text: ``p < 0.001`` or three decimals (``p = n/a`` if missing)."""
    if p is None or not math.isfinite(p):
        return "p = n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def signed(x: float, digits: int = 1) -> str:
    """A number with its sign always shown: ``signed(1.25) == "+1.2"``."""
    return f"{x:+.{digits}f}"
