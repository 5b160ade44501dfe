"""Writing output files so that a reader never sees half of one.

Every file the package writes (the twin, its checksum and README, the
reproduced tables, the scoreboard, the errata list) goes through
:func:`write_all_atomic` (several files, all or nothing) or its one-file
form :func:`write_atomic`: the bytes go to a temporary file in the target
folder, which then replaces the target with :func:`os.replace`. If anything
fails, the temporary files are removed and the previous files stay as they
were.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically (creating the parent folder)."""
    return write_all_atomic({Path(path): data})[0]


def write_all_atomic(files: Mapping[Path, bytes]) -> list[Path]:
    """Write several files, all or nothing.

    Each file's bytes first go to a temporary file beside it (parent folders
    are created); only when every one has been written and synced are they
    moved into place with :func:`os.replace`. If anything fails before that,
    the temporary files are removed and no target is touched; if a move
    itself fails (rare: the files are already on the same disk), the files
    moved before it are new, the rest keep their old content, and no
    temporary file is left behind.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.
    """
    pending: list[tuple[str, Path]] = []
    try:
        for target, data in files.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            pending.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        for tmp, _ in pending:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    moved = 0
    try:
        for tmp, target in pending:
            os.replace(tmp, target)
            moved += 1
    except BaseException:
        for tmp, _ in pending[moved:]:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    return [target for _, target in pending]


#: Significant digits of the floats in recorded CSV outputs (the reproduced
#: tables, the scoreboard, the errata list). Estimates differ between CPUs in
#: their last bits; six digits are what any comparison with the paper uses
#: and the same on every machine (README, "What is guaranteed").
RECORD_DIGITS = 6


def csv_text(frame: pd.DataFrame) -> str:
    """*frame* as CSV text: no index, ``\\n`` line ends, floats at :data:`RECORD_DIGITS` digits.

    Floats are rounded wherever they sit, also in columns of mixed type.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s):
            continue  # handled by float_format below
        if s.dtype == object and s.map(lambda v: isinstance(v, float)).any():
            out[col] = s.map(lambda v: format(v, f".{RECORD_DIGITS}g") if isinstance(v, float) else v)
    return out.to_csv(index=False, lineterminator="\n", float_format=f"%.{RECORD_DIGITS}g")


def write_csv_atomic(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write *frame* as UTF-8 CSV (:func:`csv_text`) atomically."""
    return write_atomic(path, csv_text(frame).encode("utf-8"))
