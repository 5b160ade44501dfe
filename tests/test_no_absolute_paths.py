"""No committed file may contain an absolute path of the machine it was made on."""

from __future__ import annotations

import re
import subprocess

from scsrepro.data.paths import ROOT

PATTERN = re.compile(r"(?<![\w.])/(root|work|tmp|home/[a-z_][\w-]*|Users/[\w-]+)/")


def test_no_absolute_machine_paths_in_tracked_files():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".jpg", ".pdf"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for lineno, line in enumerate(text.splitlines(), 1):
            if PATTERN.search(line) and name != "tests/test_no_absolute_paths.py":
                offenders.append(f"{name}:{lineno}: {line.strip()[:100]}")
    assert not offenders, "absolute machine paths found:\n" + "\n".join(offenders)
