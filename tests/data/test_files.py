"""Recorded CSV outputs: atomic, and floats at a precision that does not depend on the CPU."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.data import files
from scsrepro.paper import fidelity


def test_floats_are_recorded_at_six_significant_digits():
    frame = pd.DataFrame({"a": [1.2266376064956577, 2209.0], "b": ["x", 0.30000000000000004], "n": [1, 2]})
    text = files.csv_text(frame)
    assert text == "a,b,n\n1.22664,x,1\n2209,0.3,2\n"


def test_last_bit_differences_do_not_reach_the_file():
    x = 61.29999999581233
    assert files.csv_text(pd.DataFrame({"v": [x]})) == files.csv_text(pd.DataFrame({"v": [np.nextafter(x, 0)]}))


def test_write_csv_atomic_writes_the_recorded_text(tmp_path):
    frame = pd.DataFrame({"v": [1 / 3]})
    path = files.write_csv_atomic(frame, tmp_path / "sub" / "t.csv")
    assert path.read_text() == "v\n0.333333\n"


def test_distances_below_the_recorded_precision_are_zero():
    board = pd.DataFrame({
        "statistic": ["percent", "percent", "se", "coef"],
        "published": [38.7, 38.7, 0.5, 0.0147],
        "distance": [4.18802e-09, 0.25, 3e-7, 0.0030677],
    })
    out = fidelity.recorded_distances(board)
    assert out["distance"].tolist() == [0.0, 0.25, 0.0, 0.0030677]
    assert board["distance"].iloc[0] == 4.18802e-09  # the board itself is not changed


def test_write_all_atomic_touches_nothing_when_one_file_fails(tmp_path, monkeypatch):
    files.write_all_atomic({tmp_path / "a.txt": b"old a", tmp_path / "b.txt": b"old b"})
    calls = {"n": 0}
    real = files.os.fsync

    def fails_second(fd):  # the disk fills up while the second file is synced
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(fd)

    monkeypatch.setattr(files.os, "fsync", fails_second)
    try:
        files.write_all_atomic({tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b"})
    except OSError as exc:
        assert "disk full" in str(exc)
    else:  # pragma: no cover - the patched fsync always fails once
        raise AssertionError("the failure was not raised")
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    assert (tmp_path / "b.txt").read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_write_all_atomic_leaves_no_temporary_file_when_a_move_fails(tmp_path, monkeypatch):
    files.write_all_atomic({tmp_path / "a.txt": b"old a"})

    def failing(src, dst):
        raise OSError("cannot move")

    monkeypatch.setattr(files.os, "replace", failing)
    try:
        files.write_all_atomic({tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b"})
    except OSError as exc:
        assert "cannot move" in str(exc)
    else:  # pragma: no cover - the patched replace always fails
        raise AssertionError("the failure was not raised")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
