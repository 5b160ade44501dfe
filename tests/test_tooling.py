"""Lint, format and type checks of src/ (configuration in pyproject.toml).

``ruff`` (pyflakes, pycodestyle, import order, bugbear, pyupgrade, and the
formatter) and ``mypy`` run on the package as part of ``make test``, so a
new unused import, an unsorted import block, code that the formatter would
change, or a type error fails the suite. ``make lint`` runs the same three.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str, tmp_path: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_in_src():
    r = run("ruff", "check", "--no-cache", "src")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_src_is_formatted_by_ruff():
    r = run("ruff", "format", "--no-cache", "--check", "src")
    assert r.returncode == 0, "run `.venv/bin/ruff format src`:\n" + r.stdout[-4000:]


def test_mypy_finds_no_type_errors(tmp_path):
    r = run("mypy", "--cache-dir", str(tmp_path / "mypy"))
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
