"""What a build or a verification ran on: the commit, the packages and the machine.

Used by the colophon (:func:`scsrepro.book.build.colophon`) and by the
verification report (:mod:`scsrepro.book.verify`), so both describe a run
the same way.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
import sys
from pathlib import Path


def top_level_packages(root: Path) -> list[str]:
    """The packages ``requirements.in`` asks for, lower-cased, in its order."""
    names = []
    for line in (root / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.append(re.split(r"[<>=!~ \[]", line)[0].lower())
    return names


def pinned_versions(root: Path) -> dict[str, str]:
    """Every package pinned in ``requirements.lock``: name (lower case) -> version."""
    pins = {}
    for line in (root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def installed_version(name: str) -> str:
    """The version of *name* installed in this environment ("not installed" if absent)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_commit(root: Path) -> str:
    """The checked-out commit, marked when tracked files have uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")


def _first(path: str, pattern: str) -> str | None:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(pattern, text, flags=re.M)
    return m.group(1).strip() if m else None


def machine() -> dict[str, str]:
    """Operating system, processor, number of CPUs, memory and Python of this machine."""
    mem_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    return {
        "os": f"{platform.system()} {platform.release()}",
        "architecture": platform.machine(),
        "processor": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor() or "unknown",
        "cpus": str(os.cpu_count()),
        "memory": f"{int(mem_kb) / 2**20:.1f} GiB" if mem_kb else "unknown",
        "python": sys.version.split()[0],
    }
