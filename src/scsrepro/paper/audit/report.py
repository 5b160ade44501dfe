"""The driver: every check in order, a count of the findings, and the errata file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scsrepro.data import paths
from scsrepro.data.files import write_csv_atomic
from scsrepro.paper.audit.common import FINDING_COLUMNS, empty_findings
from scsrepro.paper.audit.counts import check_block_sums
from scsrepro.paper.audit.crosstab import check_cross_table
from scsrepro.paper.audit.granularity import check_debit, check_grim, check_grimmer
from scsrepro.paper.audit.moments import check_a3_from_a2
from scsrepro.paper.audit.prose import check_prose_claims
from scsrepro.paper.audit.stars import check_table4_stars
from scsrepro.paper.audit.table_a1 import check_table_a1
from scsrepro.paper.audit.table_a4 import check_table_a4_vif
from scsrepro.paper.published import load_published

__all__ = ["CHECKS", "run_audit", "summary", "write_errata"]


#: The checks run by :func:`run_audit`, in order.
CHECKS: tuple[tuple[str, Callable[[pd.DataFrame], pd.DataFrame]], ...] = (
    ("table4_stars", check_table4_stars),
    ("a3_from_a2", check_a3_from_a2),
    ("table_a1", check_table_a1),
    ("grim", check_grim),
    ("debit", check_debit),
    ("grimmer", check_grimmer),
    ("block_sums", check_block_sums),
    ("prose_claims", check_prose_claims),
    ("cross_table", check_cross_table),
    ("table_a4_vif", check_table_a4_vif),
)


def run_audit(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run every check on the published numbers.

    Parameters
    ----------
    published : DataFrame, optional
        Published numbers in the long format; defaults to
        ``load_published()``.

    Returns
    -------
    DataFrame
        All findings, in the order of :data:`CHECKS`, with the columns of
        :data:`FINDING_COLUMNS`.
    """
    if published is None:
        published = load_published()
    frames = [f(published) for _, f in CHECKS]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_findings()
    return pd.concat(frames, ignore_index=True)[list(FINDING_COLUMNS)]


def summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Count findings by check and severity.

    Parameters
    ----------
    findings : DataFrame
        Output of :func:`run_audit`.

    Returns
    -------
    DataFrame
        Columns ``check``, ``severity`` and ``n``, in check order.
    """
    if findings.empty:
        return pd.DataFrame(
            {"check": pd.Series(dtype=str), "severity": pd.Series(dtype=str), "n": pd.Series(dtype=int)}
        )
    order = {name: k for k, (name, _) in enumerate(CHECKS)}
    out = findings.groupby(["check", "severity"]).size().rename("n").reset_index()
    out["_o"] = out["check"].map(order).fillna(len(order))
    return out.sort_values(["_o", "severity"]).drop(columns="_o").reset_index(drop=True)


def write_errata(path: str | Path | None = None, published: pd.DataFrame | None = None) -> Path:
    """Write the audit's findings as CSV, atomically.

    The findings go to a temporary file in the target directory, which then
    replaces the target in one step, so a reader never sees a half-written
    file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Target file; defaults to ``_build/tables/errata.csv`` under the
        project root. Parent directories are created.
    published : DataFrame, optional
        Published numbers; defaults to ``load_published()``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if path is None:
        path = paths.TABLES / "errata.csv"
    path = Path(path)
    findings = run_audit(published)
    write_csv_atomic(findings, path)
    return path
