"""Every chapter's code cells stay short (ARCHITECTURE.md: median <= 8 lines, longest <= 15)."""

from __future__ import annotations

import pytest

from cell_lengths import MAX_GOAL, MEDIAN_GOAL, ROOT, code_cell_lengths, report

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("row", report(), ids=lambda r: r["chapter"])
def test_chapter_cells_meet_the_goals(row):
    assert row["median"] <= MEDIAN_GOAL and row["max"] <= MAX_GOAL, row


def test_the_measure_counts_hidden_cells_and_skips_parameters(tmp_path):
    chapter = tmp_path / "c.md"
    long_hidden = "\n".join(f"x{i} = {i}" for i in range(16))
    header = (ROOT / "chapters" / "discussion.md").read_text().split("\n---\n", 1)[0] + "\n---\n\n"
    chapter.write_text(
        header +
        "```{code-cell} ipython3\n:tags: [parameters]\n\n" + "\n".join(f"p{i} = 0" for i in range(30)) + "\n```\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input]\n\n" + long_hidden + "\n\n\n```\n"
    )
    assert code_cell_lengths(chapter) == [16]  # blank lines do not count; the parameters cell does not count
    assert 16 > MAX_GOAL  # such a chapter fails the test above
