"""Table A4: every variance inflation factor is the reciprocal of its tolerance."""

from __future__ import annotations

import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, finding, findings_frame, fmt

__all__ = ["check_table_a4_vif"]


def check_table_a4_vif(published: pd.DataFrame) -> pd.DataFrame:
    """Check that every VIF of Table A4 is the reciprocal of its tolerance.

    With the tolerance rounded to three decimals, 1/tolerance can lie
    anywhere between ``1/(t + h)`` and ``1/(t - h)``; the printed VIF must
    fall in that range widened by its own rounding.

    Parameters
    ----------
    published : DataFrame
        Published numbers; pairs ``a4_<x>_tolerance`` / ``a4_<x>_vif``.

    Returns
    -------
    DataFrame
        Findings; severity ``misprint``.
    """
    look = Lookup(published)
    rows = []
    for tid in [i for i in look.frame.index if i.startswith("a4_") and i.endswith("_tolerance")]:
        vid = tid[: -len("_tolerance")] + "_vif"
        if not look.has(vid):
            continue
        t, ht, v, hv = look.v(tid), look.h(tid), look.v(vid), look.h(vid)
        if t - ht <= 0:
            continue
        lo, hi = 1 / (t + ht), 1 / (t - ht)
        if v + hv < lo - EPS or v - hv > hi + EPS:
            rows.append(
                finding(
                    "table_a4_vif",
                    "Table A4",
                    [tid, vid],
                    f"tolerance {look.printed(tid)}, VIF {look.printed(vid)}",
                    f"VIF {fmt(1 / t, 3)}",
                    f"1/{look.printed(tid)} = {fmt(1 / t, 4)} (range {fmt(lo, 4)}-{fmt(hi, 4)}), printed {look.printed(vid)}",
                    "misprint",
                    "The variance inflation factor is by definition the reciprocal of the tolerance, and the printed "
                    "pair does not satisfy that.",
                )
            )
    return findings_frame(rows)
