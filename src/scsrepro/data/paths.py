"""Where the project's files live.

Every path is resolved from the repository root, found as the first parent of
this file that holds ``_toc.yml``. Nothing here depends on the current working
directory, so the helpers behave the same from a chapter (run in
``chapters/``), from pytest (run at the root) and from the build script.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def _find_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_toc.yml").is_file() and (parent / "src").is_dir():
            return parent
    raise RuntimeError(
        "cannot find the compendium root (a folder with _toc.yml and src/) "
        f"above {here.name}; is the package installed from a checkout?"
    )


ROOT: Path = _find_root()
DATA: Path = ROOT / "data"
PUBLISHED: Path = DATA / "published"
SYNTHETIC: Path = DATA / "synthetic"
#: The ensemble of twins (``make ensemble``, :mod:`scsrepro.twin.ensemble`).
ENSEMBLE: Path = SYNTHETIC / "ensemble.csv"
CODEBOOK: Path = DATA / "codebook.yml"
CHAPTERS: Path = ROOT / "chapters"
BUILD: Path = ROOT / "_build"
TABLES: Path = BUILD / "tables"


def relative(path: Path | str) -> str:
    """Return *path* relative to the project root when it lies inside it.

    Used in messages and in outputs, so that no absolute machine path is ever
    written into the book or the committed notebooks.
    """
    p = Path(path).resolve()
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return p.name


def file_sha256(path: Path | str) -> str:
    """The sha256 of a file's bytes, as hex; ``"missing"`` when there is no such file.

    Here, with no heavy import, so that the staleness check of a no-op
    ``make book`` can use it.
    """
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "missing"
