"""Per-chapter median and longest code cell of ``chapters/*.md`` (architecture goals).

The goal (ARCHITECTURE.md): a median code cell of at most 8 lines in every
chapter and no cell over 15, hidden-input cells included, as in QuantEcon's
lectures. Blank lines do not count; the ``parameters`` cell does not count.

Usage: ``python tests/cell_lengths.py`` prints a table and exits 1 if a
chapter misses a goal; ``tests/test_cell_lengths.py`` asserts the goals in
``make test``.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
MEDIAN_GOAL, MAX_GOAL = 8, 15


def code_cell_lengths(path: Path) -> list[int]:
    nb = jupytext.read(path)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        out.append(sum(1 for line in cell.source.splitlines() if line.strip()))
    return out


def report(root: Path = ROOT) -> list[dict]:
    rows = []
    for md in sorted((root / "chapters").glob("*.md")):
        lengths = code_cell_lengths(md)
        if lengths:
            rows.append({"chapter": md.stem, "cells": len(lengths), "median": statistics.median(lengths),
                         "max": max(lengths)})
    return rows


def main() -> int:
    rows = report()
    print(f"{'chapter':<14}{'cells':>6}{'median':>8}{'max':>5}   goal: median <= {MEDIAN_GOAL}, max <= {MAX_GOAL}")
    missed = 0
    for r in rows:
        ok = r["median"] <= MEDIAN_GOAL and r["max"] <= MAX_GOAL
        missed += not ok
        print(f"{r['chapter']:<14}{r['cells']:>6}{r['median']:>8g}{r['max']:>5}   {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
