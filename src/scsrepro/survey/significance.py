"""The one significance rule and the one critical value of the package.

Regression tables in the social sciences mark coefficients with stars:
``***`` for p < 0.01, ``**`` for p < 0.05 and ``*`` for p < 0.10 (two-sided),
the convention of Stata's ``esttab, star(* 0.10 ** 0.05 *** 0.01)`` and of
R's ``stargazer`` and the one Kostka (2019) states under Table 4. Everything
in the package that assigns, checks or aims at stars uses :func:`stars`
(or its |z| form :func:`star_bands`), and every 95 % Wald interval uses
:func:`critical_value`.
"""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["STAR_LEVELS", "stars", "critical_value", "Z95", "star_bands"]

#: Two-sided p-value thresholds and their stars, strongest first.
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def stars(p: float) -> str:
    """Significance stars of a two-sided p-value (``""`` if not significant or not finite).

    >>> stars(0.009), stars(0.049), stars(0.099), stars(0.1)
    ('***', '**', '*', '')
    """
    if not math.isfinite(p):
        return ""
    for threshold, mark in STAR_LEVELS:
        if p < threshold:
            return mark
    return ""


def critical_value(level: float = 0.95) -> float:
    """Standard-normal quantile of a two-sided *level* interval (1.959964 for 95 %)."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    return float(stats.norm.ppf(1 - (1 - level) / 2))


#: The critical value of every 95 % Wald interval in the package.
Z95: float = critical_value(0.95)


def star_bands(digits: int | None = None) -> dict[str, tuple[float, float]]:
    """The |z| interval of each star mark under :func:`stars`: ``{"***": (2.5758, inf), ...}``.

    A coefficient gets the mark whose band holds its |z| = |coef / se|.
    *digits* rounds the edges (the twin's calibration objective uses four
    decimals, the precision its parameters were searched with).
    """
    edges = [float(stats.norm.isf(p / 2)) for p, _ in STAR_LEVELS]
    if digits is not None:
        edges = [round(e, digits) for e in edges]
    uppers = [math.inf, *edges[:-1]]
    bands = {mark: (lo, hi) for (_, mark), lo, hi in zip(STAR_LEVELS, edges, uppers)}
    bands[""] = (0.0, edges[-1])
    return bands
