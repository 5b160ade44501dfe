"""Reading the project's YAML files, fast and once per file version.

Every YAML file the package reads (the codebook, the targets, the model
specification, the twin's parameters, chapter headers) goes through
:func:`parse_yaml` or :func:`read_yaml`. They use PyYAML's libyaml-based
``CSafeLoader`` when PyYAML was built with it (the wheels on PyPI are),
which parses the codebook about ten times faster than the pure-Python
``SafeLoader``, and fall back to ``SafeLoader`` otherwise. Both are safe
loaders and build the same values from the same text.

:func:`cached` keeps what a loader built from a file for the life of the
process, keyed by the file's resolved path, modification time and size, so
a file that changes is read again. The codebook, for example, is parsed
once per process instead of once per table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

#: The loader used: libyaml's when available, else PyYAML's own.
LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CACHE: dict[tuple, Any] = {}


def parse_yaml(text: str) -> Any:
    """The value of YAML *text* (safe loading)."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - LOADER is a safe loader


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The value of the UTF-8 YAML file at *path*."""
    return parse_yaml(Path(path).read_text(encoding="utf-8"))


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def cached(kind: str, path: str | os.PathLike[str], loader: Callable[[], Any]) -> Any:
    """``loader()`` once per *kind* and version of the file at *path*.

    The key changes when the file changes (path, modification time, size).
    The value is shared: callers must not modify it.
    """
    key = (kind, *_stamp(Path(path)))
    if key not in _CACHE:
        _CACHE[key] = loader()
    return _CACHE[key]
