"""Check 1: the significance stars of Table 4, recomputed from coefficient and SE."""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm

from scsrepro.paper.audit.common import Lookup, finding, findings_frame, fmt, half_unit
from scsrepro.survey.significance import STAR_LEVELS, stars

__all__ = ["table4_star_intervals", "check_table4_stars"]


#: Star marks from weakest to strongest (the package's one rule, scsrepro.survey.significance).
_STAR_LEVELS = ("", *reversed([mark for _, mark in STAR_LEVELS]))


def _se_id(est_id: str) -> str:
    return est_id[: -len("_coef")] + "_se" if est_id.endswith("_coef") else est_id + "_se"


def table4_star_intervals(published: pd.DataFrame) -> pd.DataFrame:
    """Significance stars of every Table 4 estimate, recomputed from coef and SE.

    For each coefficient and cut point the z statistic is ``|coef| / se`` and
    the p value is two-sided normal. Because both numbers are rounded, z can
    lie anywhere between ``(|coef| - h_c) / (se + h_s)`` and
    ``(|coef| + h_c) / (se - h_s)``, with ``h`` half a unit in the last
    printed digit; the stars that some z in that interval would give are
    listed in ``possible``.

    Parameters
    ----------
    published : DataFrame
        Published numbers; the rows with ids ``t4_*`` and statistic ``coef``
        or ``cut`` and their ``*_se`` partners are used.

    Returns
    -------
    DataFrame
        One row per estimate: ``id``, ``se_id``, ``coef``, ``se``, ``z``,
        ``z_lo``, ``z_hi``, ``p``, ``p_lo``, ``p_hi``, ``expected`` (stars at
        the printed values), ``possible`` (``|``-joined), ``printed`` stars
        and ``consistent`` (printed stars among the possible ones).
    """
    look = Lookup(published)
    est = published[published["id"].str.startswith("t4_") & published["statistic"].isin(["coef", "cut"])]
    rows = []
    for _, r in est.iterrows():
        sid = _se_id(r["id"])
        if not look.has(sid):
            continue
        b, hb = abs(float(r["value"])), half_unit(r["value_printed"])
        s, hs = look.v(sid), look.h(sid)
        z = b / s if s > 0 else math.inf
        z_lo = max(b - hb, 0.0) / (s + hs)
        z_hi = (b + hb) / (s - hs) if s - hs > 0 else math.inf
        p, p_lo, p_hi = (2 * norm.sf(x) for x in (z, z_hi, z_lo))
        weakest, strongest = _STAR_LEVELS.index(stars(p_hi)), _STAR_LEVELS.index(stars(p_lo))
        possible = _STAR_LEVELS[weakest : strongest + 1]
        rows.append(
            {
                "id": r["id"],
                "se_id": sid,
                "coef": float(r["value"]),
                "se": s,
                "coef_printed": r["value_printed"],
                "se_printed": look.printed(sid),
                "z": z,
                "z_lo": z_lo,
                "z_hi": z_hi,
                "p": p,
                "p_lo": p_lo,
                "p_hi": p_hi,
                "expected": stars(p),
                "possible": "|".join(x or "none" for x in possible),
                "printed": r["stars"],
                "consistent": r["stars"] in possible,
            }
        )
    return pd.DataFrame(rows)


def check_table4_stars(published: pd.DataFrame) -> pd.DataFrame:
    """Flag Table 4 stars that are wrong for every value the rounding allows.

    Parameters
    ----------
    published : DataFrame
        Published numbers (see :func:`table4_star_intervals`).

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`), severity ``misprint``.
    """
    table = table4_star_intervals(published)
    rows = []
    for _, r in (table[~table["consistent"]] if len(table) else table).iterrows():
        expected = r["possible"].replace("|", " or ")
        rows.append(
            finding(
                "table4_stars",
                "Table 4",
                [r["id"], r["se_id"]],
                f"{r['coef_printed']} {r['se_printed']}",
                f"{r['expected'] or 'no stars'} (p = {fmt(r['p'])})",
                f"|{fmt(r['coef'], 5)}|/{fmt(r['se'], 5)} = {r['z']:.2f} (rounding range {r['z_lo']:.2f}-{r['z_hi']:.2f})"
                f" -> p = {r['p']:.3f} ({r['p_lo']:.3f}-{r['p_hi']:.3f}) -> {expected} expected,"
                f" printed {r['printed'] or 'none'}",
                "misprint",
                "The printed stars do not follow from the printed estimate and standard error for any value "
                "consistent with their rounding.",
            )
        )
    return findings_frame(rows)
