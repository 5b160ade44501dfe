"""environment.yml, requirements.in and requirements.lock must agree."""

from __future__ import annotations

import yaml

from scsrepro.book.provenance import pinned_versions, top_level_packages
from scsrepro.data.paths import ROOT


def _top_level() -> list[str]:
    return top_level_packages(ROOT)


def _lock() -> dict[str, str]:
    return pinned_versions(ROOT)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = {}
    for dep in env["dependencies"]:
        entries = dep.get("pip", []) if isinstance(dep, dict) else [dep]  # the pip: list installs from PyPI
        for entry in entries:
            if entry not in ("pip",) and not entry.startswith("python="):
                name, _, version = entry.partition("==")
                deps[name.lower()] = version
    return deps


def test_every_top_level_package_is_locked():
    lock = _lock()
    missing = sorted(set(_top_level()) - set(lock))
    assert not missing, f"in requirements.in but not in requirements.lock: {missing}"


def test_environment_yml_declares_the_same_packages():
    top, conda = set(_top_level()), set(_conda())
    assert top == conda, f"only in requirements.in: {sorted(top - conda)}; only in environment.yml: {sorted(conda - top)}"


def test_environment_yml_pins_the_locked_versions():
    lock = _lock()
    drift = {name: (version, lock.get(name)) for name, version in _conda().items() if version != lock.get(name)}
    assert not drift, f"environment.yml pin differs from requirements.lock (yml, lock): {drift}"


def test_lock_pins_jupyter_book_1():
    assert _lock()["jupyter-book"].startswith("1."), "Jupyter Book 2 cannot build offline; keep 1.x"


def test_python_version_matches():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()
