"""The recipe file and its checks (scsrepro.paper.targets)."""

from __future__ import annotations

import pytest

from scsrepro.paper.targets import load_targets


def test_load_targets_rejects_bad_files(tmp_path):
    p = tmp_path / "t.yml"
    p.write_text("recipes:\n  - ids: 'x_{item}'\n    method: share\n    variable: v\n    items: {14_30: [1]}\n")
    with pytest.raises(ValueError, match="quote it"):
        load_targets(p)
    p.write_text("recipes:\n  - ids: x\n    method: guess\n")
    with pytest.raises(ValueError, match="method 'guess'"):
        load_targets(p)
    p.write_text("recipes:\n  - ids: x\n    method: share\n    colour: red\n    expr: a == 1\n")
    with pytest.raises(ValueError, match="unknown key"):
        load_targets(p)
    with pytest.raises(ValueError, match="not found"):
        load_targets(tmp_path / "missing.yml")


def test_overlapping_recipes_are_an_error(tmp_path):
    p = tmp_path / "t.yml"
    p.write_text("recipes:\n  - ids: 'a_*'\n    method: count\n  - ids: a_b\n    method: count\n")
    with pytest.raises(ValueError, match="matches 2 entries"):
        load_targets(p).lookup("a_b")


