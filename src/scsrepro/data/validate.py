"""Command-line check of a survey data file against the codebook.

Usage::

    python -m scsrepro.data.validate PATH [--codebook CODEBOOK]

Exit status 0 and a one-line ``OK`` summary on standard output when the file
follows the codebook; exit status 1 and the readable error (file, columns,
offending values, data rows) on standard error when it does not. The check
only reads: it never writes or changes any file. ``make validate DATA=path``
calls it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from scsrepro.data.codebook import Codebook, CodebookError, load_codebook
from scsrepro.data.loading import load_survey
from scsrepro.data.schema import DataValidationError

__all__ = ["main", "summary"]


def summary(df: pd.DataFrame, codebook: Codebook) -> str:
    """Return the one-line OK message for a validated frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Frame returned by :func:`scsrepro.data.loading.load_survey` (derived
        columns not added).
    codebook : Codebook
        The codebook used.

    Returns
    -------
    str
        E.g. ``"OK: data/synthetic/twin.csv - 2209 respondents, 63 columns
        follow data/codebook.yml (version 1); weight column absent"``.
    """
    has_weight = any(v.type == "weight" and v.name in df.columns for v in codebook.raw_variables)
    return (
        f"OK: {df.attrs.get('source', '<data>')} - {len(df)} respondents, "
        f"{df.shape[1]} columns follow {codebook.source} (version {codebook.version}); "
        f"weight column {'present' if has_weight else 'absent'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if the file is valid, 1 if not (or the codebook is broken).
    """
    parser = argparse.ArgumentParser(
        prog="python -m scsrepro.data.validate",
        description="Check a respondent-level CSV against data/codebook.yml.",
    )
    parser.add_argument("path", help="CSV file to check")
    parser.add_argument("--codebook", default=None, help="codebook YAML (default: the project's data/codebook.yml)")
    args = parser.parse_args(argv)
    try:
        cb = load_codebook(args.codebook)
        df = load_survey(args.path, codebook=cb, derive=False)
    except (DataValidationError, CodebookError) as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    print(summary(df, cb))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
