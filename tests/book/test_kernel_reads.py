"""The kernel's read recorder (``scsrepro/book/_kernel/sitecustomize.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

from scsrepro.book.execute import KERNEL_HOOKS


def test_records_project_files_read_once_and_not_files_written(tmp_path):
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("X = 1\n")
    (root / "data.yml").write_text("a: 1\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    log = tmp_path / "reads.txt"
    code = (
        "import sys; sys.path.insert(0, 'pkg'); import mod\n"
        "open('data.yml').read(); open('data.yml').read()\n"
        f"open({str(outside)!r}).read()\n"
        "open('written.txt', 'w').write('x')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(KERNEL_HOOKS), "SCSREPRO_READS_LOG": str(log), "SCSREPRO_ROOT": str(root)}
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True)
    assert log.read_text().splitlines() == ["pkg/mod.py", "data.yml"]


def test_does_nothing_without_its_variables(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCSREPRO_")}
    env["PYTHONPATH"] = str(KERNEL_HOOKS)
    r = subprocess.run([sys.executable, "-c", "open(__import__('os').devnull).read()"], env=env, cwd=tmp_path)
    assert r.returncode == 0 and not any(tmp_path.iterdir())
