"""Decisions that do not depend on floating-point rounding noise.

The synthetic twin is made by greedy searches: a move is accepted when the
objective falls, candidates are ranked by a predicted change, answers are
cut from a ranked score, a cell "passes" when its distance is within a
tolerance. Computed on another CPU, the numbers behind these decisions
differ in their last bits: BLAS kernels and NumPy's SIMD loops add in
different orders and use fused multiply-adds, ``exp`` and ``log`` are
different polynomial approximations. A comparison of two values that are
equal in exact arithmetic (two respondents with identical answers, say),
or that differ by less than that noise, then goes one way on one machine
and the other way on the next, and a greedy search amplifies one flipped
decision into a different dataset.

Every such decision in the twin's generation and calibration goes through
this module, which makes it on values **rounded to a resolution far above
rounding noise** and breaks ties by **position** (the respondent's row):

* :func:`quantize` maps a value to an integer number of resolution units.
  Two values that are equal in exact arithmetic and carry noise of
  relative size ~1e-15 (a few units in the last place) get the same
  integer unless they straddle a rounding boundary, which happens with
  probability ``noise / resolution`` (about 1e-6 or less at the
  resolutions below);
* :func:`order`, :func:`top` and :func:`argbest` rank by the quantized
  value and then by index, so ties never fall to the noise;
* :func:`less` and :func:`within` compare quantized values;
* :func:`fixed_point_sum` adds weights as exact integers of ``2**-40``,
  so a weighted share is the same on every machine whatever order the
  additions take; :func:`exact_sum` is a correctly rounded sum
  (``math.fsum``) for short lists such as the terms of an objective.

Resolutions (absolute, on the scale of the value compared):

``OBJECTIVE``
    1e-6, for objective values and predicted changes (sums of squared
    standardised distances, of order 1e-3 to 1e4). Measured across BLAS
    kernels and SIMD levels over a whole ``make data`` run, objective values
    differ by at most 3e-11 (relative 1.3e-12), so the resolution is more
    than 10,000 times the noise; an improvement smaller than 1e-6 is no
    improvement for the search.
``DISTANCE``
    1e-8, for standardised distances ``|z|`` compared with a band, and for
    latent scores (of order 1 to 10; noise about 1e-13).
``SHARE``
    1e-9 percentage points, for shares compared with their tolerance
    (computed from exact fixed-point sums).

README ("What is guaranteed") says what this buys;
``tests/test_kernel_variation.py`` checks the outcome under other BLAS
kernels and SIMD levels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

#: Resolution of objective values and predicted changes of the objective.
OBJECTIVE = 1e-6
#: Resolution of standardised distances (|z|) and latent scores.
DISTANCE = 1e-8
#: Resolution of shares, in percentage points.
SHARE = 1e-9

#: Fixed-point unit of :func:`fixed_point_sum` (2**-40, about 9.1e-13).
FIXED_POINT_BITS = 40


def quantize(x, resolution: float) -> np.ndarray:
    """Integer number of *resolution* units nearest to *x* (elementwise).

    ``+inf`` and ``-inf`` map to the largest and smallest int64 so that they
    still sort last and first; NaN is an error (a decision on NaN has no
    meaning).
    """
    a = np.asarray(x, dtype=float)
    if np.isnan(a).any():
        raise ValueError("cannot decide on NaN values")
    big = np.iinfo(np.int64).max
    scaled = np.clip(np.rint(np.where(np.isfinite(a), a, 0.0) / resolution), -(2.0**62), 2.0**62)
    q = scaled.astype(np.int64)
    q = np.where(np.isposinf(a), big, q)
    q = np.where(np.isneginf(a), -big, q)
    return q if q.ndim else q[()]


def order(values, resolution: float, descending: bool = False) -> np.ndarray:
    """Positions that sort *values*: by the quantized value, ties by position."""
    q = quantize(values, resolution)
    return np.argsort(-q if descending else q, kind="stable")


def top(values, k: int, resolution: float, descending: bool = True) -> np.ndarray:
    """Positions of the *k* largest (or smallest) values, ties by position."""
    return order(values, resolution, descending=descending)[:k]


def argbest(values, resolution: float) -> int:
    """Position of the smallest quantized value (the first one on ties)."""
    return int(np.argmin(quantize(values, resolution)))


def less(a, b, resolution: float):
    """``a < b`` decided on quantized values."""
    return quantize(a, resolution) < quantize(b, resolution)


def less_equal(a, b, resolution: float):
    """``a <= b`` decided on quantized values."""
    return quantize(a, resolution) <= quantize(b, resolution)


def within(distance, tolerance, resolution: float):
    """``|distance| <= tolerance`` decided on quantized values."""
    return quantize(np.abs(distance), resolution) <= quantize(tolerance, resolution)


def exact_sum(values: Iterable[float]) -> float:
    """Correctly rounded sum (``math.fsum``): the same whatever the order."""
    return math.fsum(
        np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float).ravel().tolist()
    )


def to_fixed_point(w) -> np.ndarray:
    """Non-negative values as exact integers of ``2**-FIXED_POINT_BITS``."""
    a = np.asarray(w, dtype=float)
    if np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError("fixed-point sums take finite, non-negative values")
    if a.size and a.max() * 2.0**FIXED_POINT_BITS * a.size >= 2.0**62:
        raise ValueError("values too large for a 64-bit fixed-point sum")
    return np.rint(np.ldexp(a, FIXED_POINT_BITS)).astype(np.int64)


def fixed_point_sum(w_fixed: np.ndarray, mask: np.ndarray | None = None) -> int:
    """Exact integer sum of fixed-point values (optionally of those in *mask*)."""
    a = w_fixed if mask is None else w_fixed[mask]
    return int(a.sum(dtype=np.int64))


def ratio(num: int, den: int) -> float:
    """``num / den`` of two fixed-point sums, correctly rounded."""
    return num / den if den else math.nan
