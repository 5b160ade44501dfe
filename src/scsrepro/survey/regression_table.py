"""Regression tables in the paper's layout (Stata ``esttab``).

:func:`esttab` lays estimates out as the paper's Table 4 does (coefficient
with stars, standard error in brackets below), with :func:`format_estimate`
printing numbers like Stata's ``esttab``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["format_estimate", "esttab"]


def format_estimate(x: float) -> str:
    """A number as Stata's ``esttab`` prints it by default (adaptive digits).

    Three significant digits below 1 in absolute value (``0.0147``,
    ``0.582``, ``-0.00187``), four above (``1.241``, ``-13.03``). NaN gives
    an empty string.
    """
    if x is None or not np.isfinite(x):
        return ""
    ax = abs(x)
    if ax == 0:
        return "0"
    digits = 3 if ax < 1 else 4
    decimals = max(0, digits - 1 - int(np.floor(np.log10(ax))))
    return f"{x:.{decimals}f}"


def esttab(
    estimates: pd.DataFrame,
    terms: Sequence[str],
    columns: Sequence[str],
    labels: Mapping[str, str] | None = None,
    sources: Sequence[str] | None = None,
    nobs_term: str = "observations",
) -> pd.DataFrame:
    """Regression table in the paper's layout: coefficient with stars, SE in brackets below.

    Parameters
    ----------
    estimates : DataFrame
        Long table with columns ``source`` (e.g. "twin", "paper"),
        ``column`` (e.g. "Model 1"), ``term``, ``coef``, ``se`` and
        ``stars``. The row with ``term == nobs_term`` holds the number of
        observations in ``coef``.
    terms : sequence of str
        Row order (slopes, then cut points); *nobs_term* is added at the end
        if present in *estimates*.
    columns : sequence of str
        Column order.
    labels : mapping, optional
        Row labels by term.
    sources : sequence of str, optional
        Which sources to show and in which order (default: as they appear).
        With several sources each term gets two lines per source, the
        source's name labelling them (``"twin"``, ``"twin SE"``, ...).

    Returns
    -------
    DataFrame of str
        Index ``(label, line)``; an empty cell where a model lacks the term
        or its estimate (or number of observations) is missing.
    """
    labels = dict(labels or {})
    sources = list(dict.fromkeys(estimates["source"])) if sources is None else list(sources)
    est = estimates.set_index(["source", "column", "term"])
    rows, index = [], []
    order = list(terms) + ([nobs_term] if (estimates["term"] == nobs_term).any() else [])
    for term in order:
        label = labels.get(term, term)
        for src in sources:
            coef_line, se_line = [], []
            for col in columns:
                key = (src, col, term)
                if key not in est.index:
                    coef_line.append("")
                    se_line.append("")
                    continue
                r = est.loc[key]
                if term == nobs_term:
                    coef_line.append(f"{int(r['coef']):,}" if np.isfinite(r["coef"]) else "")
                    se_line.append("")
                else:
                    coef_line.append(format_estimate(r["coef"]) + str(r.get("stars", "") or ""))
                    se_line.append(f"({format_estimate(r['se'])})" if np.isfinite(r["se"]) else "")
            name = src if len(sources) > 1 else ""
            rows.append(coef_line)
            index.append((label, name))
            if term != nobs_term:
                rows.append(se_line)
                index.append((label, f"{name} SE".strip()))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index), columns=list(columns))
