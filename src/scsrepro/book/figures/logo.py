"""The book's logo and favicon, drawn here: five bars for the five answers to the approval question.

``python -m scsrepro.book.figures.logo`` writes ``chapters/_static/logo.png``
and ``chapters/_static/favicon.png`` (PNG files without a time stamp, so the
same code gives the same bytes); ``tests/book/test_logo.py`` checks that
the committed files are what this module draws.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from scsrepro.book.style import ORDINAL
from scsrepro.data import paths
from scsrepro.data.files import write_all_atomic

STATIC = paths.CHAPTERS / "_static"
#: Bar heights: strongly disapprove ... strongly approve, rising like the paper's finding.
HEIGHTS = (0.22, 0.34, 0.5, 0.72, 1.0)


def draw(size_px: int, dpi: int = 100) -> bytes:
    """The logo as PNG bytes, *size_px* pixels square."""
    colours = sns.color_palette(ORDINAL, len(HEIGHTS))
    fig = plt.figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    ax = fig.add_axes((0.08, 0.08, 0.84, 0.84))
    ax.bar(range(len(HEIGHTS)), HEIGHTS, width=0.78, color=colours, edgecolor="none")
    ax.set_xlim(-0.6, len(HEIGHTS) - 0.4)
    ax.set_ylim(0, 1.04)
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=True, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def files() -> dict[Path, bytes]:
    """The logo (160 px) and the favicon (32 px)."""
    return {STATIC / "logo.png": draw(160), STATIC / "favicon.png": draw(32)}


def main() -> int:
    for path in write_all_atomic(files()):
        print(f"[logo] wrote {paths.relative(path)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
