"""The paper's weighting policy (scsrepro.paper.weights): raking to Table A2 with a cap of 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.paper import tables as T
from scsrepro.paper.weights import population_margins, weights_for
from scsrepro.survey.weighting import RakingError


def _feasible_frame(n: int = 1500, seed: int = 4) -> pd.DataFrame:
    df = random_valid_frame(n, seed=seed).copy()
    rng = np.random.default_rng(seed)
    ages = np.concatenate([rng.integers(14, 31, int(0.5 * n)), rng.integers(31, 51, int(0.42 * n)),
                           rng.integers(51, 66, n - int(0.5 * n) - int(0.42 * n))])
    df["age"] = pd.array(ages, dtype="Int64")
    return df


def test_weights_for_rakes_to_table_a2_margins():
    df = _feasible_frame()
    assert "weight" not in df.columns
    w = weights_for(df)
    assert w.index.equals(df.index)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() <= 2.0 + 1e-9
    derived = load_codebook().derive(df)
    margins = population_margins()
    assert margins["region"][1] == pytest.approx(19.68 / 100.01)
    for var, shares in margins.items():
        got = w.groupby(derived[var].to_numpy()).sum() / w.sum()
        for code, share in shares.items():
            assert got[code] == pytest.approx(share, abs=1e-6), (var, code)
    # the raked weights are what the tables use when no weight column exists
    a2 = T.table_a2(df).set_index("id")["reproduced"]
    assert a2["a2_w_region_west"] == pytest.approx(100 * margins["region"][1], abs=1e-4)


def test_weights_for_reports_infeasible_raking():
    df = random_valid_frame(600, seed=3)  # ages uniform on 14-65: 14-30 cannot reach 55 % with cap 2
    with pytest.raises(RakingError):
        weights_for(df)


