"""Glue values into the chapters' text at a precision that does not depend on the CPU.

The chapters put every number of their running text into the notebook with
``myst_nb.glue`` and format it in the prose (``{glue:text}`key:.1f```).
MyST-NB stores the value's plain-text form, and for a float that is the
shortest text that gives back the float exactly -- seventeen significant
digits, the last of which can differ between two CPUs (different SIMD code
paths, different BLAS kernels). The committed notebooks must be the same on
every machine, so :func:`glue` rounds floats to :data:`SIGNIFICANT_DIGITS`
significant digits before storing them: ``1.2266376064956577`` is stored as
``1.22664``. That is more than any format in the prose shows.

Integers, strings, figures and anything else pass through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import myst_nb
import numpy as np

__all__ = ["SIGNIFICANT_DIGITS", "round_significant", "glue", "glue_all"]

#: Significant digits kept of a glued float.
SIGNIFICANT_DIGITS = 6


def round_significant(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """*value* rounded to *digits* significant digits if it is a float, else unchanged.

    Python floats and NumPy floating scalars are rounded and returned as a
    Python ``float`` (so the stored text is a plain number, not
    ``np.float64(...)``); NaN and infinities are returned as they are.
    Booleans, integers (Python or NumPy), strings and every other object
    are returned unchanged.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, np.floating)):
        return value
    x = float(value)
    if not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def glue(name: str, value: Any, display: bool = False) -> None:
    """``myst_nb.glue(name, value, display)`` with floats rounded by :func:`round_significant`.

    Unlike ``myst_nb.glue``, *display* defaults to False: the chapters glue
    values for the running text and show tables and figures separately.
    """

    myst_nb.glue(name, round_significant(value), display=display)


def glue_all(facts: Mapping[str, Any]) -> None:
    """Glue every named fact of *facts* (:func:`glue`, not displayed), in order.

    The chapters' sections get their prose facts from one helper of
    :mod:`scsrepro.book.facts` and publish them with one call of this.
    """
    for name, value in facts.items():
        glue(name, value)
