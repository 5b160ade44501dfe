"""The sample design's numbers (scsrepro.paper.sample_design)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import sample_design as S
from scsrepro.paper.published import load_published
from scsrepro.paper.recipes import COLUMNS
from scsrepro.paper.targets import load_targets
from scsrepro.survey.weighting import implied_deff

W = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 2.0, 1.0])
FRAME = pd.DataFrame({"age_group": [3, 3, 1, 2, 3, 1, 2, 2, 1, 3], "region": [1, 1, 1, 2, 1, 3, 3, 1, 2, 2]})


def test_design_rows_select_the_design_recipes():
    targets = load_targets()
    prose = load_published("prose")
    selected = prose.loc[S.design_rows(targets)(prose), "id"]
    assert set(selected) == {"p_intro_respondents", "p_design_sample_size", "p_design_margin_of_error",
                             "p_design_max_weight", "p_design_weight_older_west"}


def test_design_quantities_by_hand():
    targets = load_targets()
    wn = W / W.mean()

    def quantity(id_):
        return S.design_quantity(targets.recipe(id_), FRAME, W, wn)

    assert quantity("p_design_sample_size")["reproduced"] == 10.0
    deff = len(W) * (W**2).sum() / W.sum() ** 2
    assert quantity("p_design_margin_of_error")["reproduced"] == pytest.approx(
        100 * 1.959964 * np.sqrt(deff * 0.25 / 10), rel=1e-5)
    assert quantity("p_design_max_weight")["reproduced"] == pytest.approx(3 / W.mean())
    older_west = quantity("p_design_weight_older_west")  # rows 0, 1, 4
    assert older_west["n_base"] == 3
    assert older_west["reproduced"] == pytest.approx(wn[[0, 1, 4]].mean())
    nobody = S.design_quantity(targets.recipe("p_design_weight_older_west"), FRAME.assign(region=2), W, wn)
    assert np.isnan(nobody["reproduced"]) and nobody["note"] == "no respondent in this cell"


def test_design_effect_rows():
    printed = pd.Series({"p_design_sample_size": 2209.0, "p_design_margin_of_error": 2.22})
    rows = S.design_effect_rows(printed, W).set_index("id")
    assert list(rows.reset_index().columns) == list(COLUMNS)
    deff = len(W) * (W**2).sum() / W.sum() ** 2
    assert rows.loc["x_design_kish_deff", "reproduced"] == pytest.approx(deff)
    assert rows.loc["x_design_effective_n", "reproduced"] == pytest.approx(len(W) / deff)
    implied = implied_deff(0.0222, 2209)
    assert rows.loc["x_design_kish_deff", "published"] == pytest.approx(implied)
    assert rows.loc["x_design_effective_n", "published"] == pytest.approx(2209 / implied)
    assert rows["computable"].all() and str(rows["n_base"].dtype) == "Int64"
    unprinted = S.design_effect_rows(pd.Series(dtype=float), W)
    assert unprinted["published"].isna().all()
