"""Tests of the command-line check ``python -m scsrepro.data.validate PATH``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.data.validate import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "scsrepro.data.validate", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


def snapshot(folder: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "codebook.yml")


@pytest.fixture()
def good_csv(cb, tmp_path):
    path = tmp_path / "good.csv"
    random_valid_frame(80, seed=21, codebook=cb).to_csv(path, index=False)
    return path


def test_cli_accepts_valid_file(good_csv, tmp_path):
    before = snapshot(tmp_path)
    result = run_cli(str(good_csv), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("OK: good.csv")
    assert "80 respondents" in lines[0] and "weight column absent" in lines[0]
    assert result.stderr == ""
    assert snapshot(tmp_path) == before


def test_cli_rejects_invalid_file_without_writing(cb, tmp_path):
    df = random_valid_frame(80, seed=21, codebook=cb)
    df.loc[4, "approval"] = 6
    path = tmp_path / "broken.csv"
    df.to_csv(path, index=False)
    before = snapshot(tmp_path)
    result = run_cli(str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    err = result.stderr
    assert "broken.csv" in err and "approval" in err and "data row 5" in err and "6" in err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("content, expected", [
    (None, "file not found"),
    (b"", "file is empty"),
    (b"PK\x03\x04rest-of-a-zip", "spreadsheet"),
])
def test_cli_reports_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    result = run_cli(str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "input.csv" in result.stderr and expected in result.stderr


def test_cli_reports_broken_codebook(good_csv, tmp_path):
    bad = tmp_path / "cb.yml"
    bad.write_text("codebook_version: 1\nvariables: []\n", encoding="utf-8")
    result = run_cli(str(good_csv), "--codebook", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "cb.yml" in result.stderr and "missing key" in result.stderr


def test_cli_needs_a_path(tmp_path):
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 2  # argparse usage error
    assert "path" in result.stderr


def test_main_returns_exit_status(good_csv, capsys):
    assert main([str(good_csv)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    assert main([str(good_csv.with_name("absent.csv"))]) == 1
    assert "absent.csv" in capsys.readouterr().err


def test_cli_accepts_weighted_file(cb, tmp_path):
    path = tmp_path / "weighted.csv"
    random_valid_frame(30, seed=3, codebook=cb, weight=True).to_csv(path, index=False)
    result = run_cli(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "weight column present" in result.stdout
