"""Writing output files so that a reader never sees half of one.

Every file the package writes (the twin, its checksum and README, the
scoreboard, the errata list) goes through :func:`write_atomic`: the bytes go
to a temporary file in the target folder, which then replaces the target
with :func:`os.replace`. If anything fails, the temporary file is removed
and the previous file stays as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically (creating the parent folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write *frame* as UTF-8 CSV (no index, ``\\n`` line ends) atomically."""
    return write_atomic(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
