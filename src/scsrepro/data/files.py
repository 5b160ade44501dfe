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
