"""A second, codebook-valid data file with another shape than the twin.

The book promises that its chapters run unchanged on the real survey file.
:func:`write_second_dataset` makes a file that differs from the committed
twin in the ways real data can, deterministically from a seed:

* its rows are a subsample of the twin's, so N differs (``N_ROWS``);
* it carries its own ``weight`` column, so nothing is raked;
* nobody chose one approval answer (``EMPTY_APPROVAL``, "strongly disapprove");
* one region (``SMALL_REGION``, West) has fewer than ten respondents, all
  of whom strongly approve (so the binary logits of the proportional-odds
  test separate on it);
* one model's estimation sample has no respondent in one level of a factor
  (``EMPTY_LEVEL``: nobody without formal education in Model 5's sample).

``tests/test_second_dataset.py`` builds the whole book on it. The same file
can be written by hand for ``make book DATA=...``::

    python tests/second_dataset.py _build/second_dataset/resampled.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting, modelspec

SEED = 20240613
N_ROWS = 760
EMPTY_APPROVAL = 1
SMALL_REGION = 1
SMALL_REGION_N = 8
#: (model id, factor, level): the level nobody in that model's sample has
EMPTY_LEVEL = (5, "education", 1)

TWIN = paths.SYNTHETIC / "twin.csv"


def _in_model(derived: pd.DataFrame, model: int) -> pd.Series:
    """Which twin rows enter *model*'s listwise sample (twin weights: all present)."""
    spec = {s.id: s for s in modelspec.load_specs()}[model]
    frame = fitting.model_frame(derived, np.ones(len(derived)))
    kept = modelspec.estimation_frame(frame, spec).index
    return pd.Series(derived.index.isin(kept), index=derived.index)


def second_dataset(seed: int = SEED, n: int = N_ROWS) -> pd.DataFrame:
    """The raw rows of the second file (twin cells as text, a new id and a weight)."""
    rng = np.random.default_rng(seed)
    raw = pd.read_csv(TWIN, dtype=str, keep_default_na=False)
    derived = load_survey(TWIN)
    model, factor, level = EMPTY_LEVEL
    eligible = derived["approval"].ne(EMPTY_APPROVAL) & ~(_in_model(derived, model) & derived[factor].eq(level))
    small = eligible & derived["region"].eq(SMALL_REGION) & derived["approval"].eq(5)
    rest = eligible & derived["region"].ne(SMALL_REGION)
    picked = np.concatenate(
        [
            rng.choice(np.flatnonzero(small.to_numpy()), SMALL_REGION_N, replace=False),
            rng.choice(np.flatnonzero(rest.to_numpy()), n - SMALL_REGION_N, replace=False),
        ]
    )
    out = raw.iloc[rng.permutation(picked)].reset_index(drop=True)
    out["respondent_id"] = [str(i) for i in range(1, n + 1)]
    weight = rng.lognormal(0.0, 0.35, n)
    out["weight"] = [f"{x:.4f}" for x in np.clip(weight / weight.mean(), 0.3, 2.0)]
    return out


def write_second_dataset(path: Path, seed: int = SEED, n: int = N_ROWS) -> Path:
    """Write :func:`second_dataset` as a UTF-8 CSV at *path*; return *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    second_dataset(seed, n).to_csv(path, index=False, lineterminator="\n")
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else paths.BUILD / "second_dataset" / "resampled.csv"
    print(write_second_dataset(target))
