"""How close a recomputed number must come to the printed one (scsrepro.paper.tolerances)."""

from __future__ import annotations

import numpy as np
import pytest

from scsrepro.paper import fidelity
from scsrepro.paper import tolerances as T
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import load_targets

VALUE = load_published().set_index("id")["value"]


def _row(id_, statistic, file="table_2"):
    return {"id": id_, "statistic": statistic, "file": file}


def test_published_se_by_id():
    se = T.published_se_by_id()
    assert se["t4_m1_age_coef"] == VALUE["t4_m1_age_se"]
    assert se["t4_m1_cut1"] == VALUE["t4_m1_cut1_se"]
    assert not any(k.endswith("_se") for k in se)


def test_rules_by_statistic():
    assert T.tolerance_for(_row("a2_x", "percent", "table_a2"), se_of={})[:2] == (0.5, True)
    assert T.tolerance_for(_row("t2_x", "percent"), se_of={})[:2] == (1.0, True)
    assert T.tolerance_for(_row("a3_x", "sd", "table_a3"), se_of={})[:2] == (0.05, True)
    assert T.tolerance_for(_row("t2_n", "n"), se_of={})[:2] == (0.0, True)
    assert T.tolerance_for(_row("h1", "verdict", "table_1"), se_of={})[:2] == (0.0, True)
    tol, scored, rule = T.tolerance_for(_row("t4_m1_age_se", "se", "table_4"), se_of={})
    assert np.isnan(tol) and not scored and "not scored" in rule
    with pytest.raises(ValueError, match="no tolerance rule"):
        T.tolerance_for(_row("t2_x", "median"), se_of={})


def test_coefficients_are_judged_by_the_printed_se_of_their_cell():
    tol, scored, rule = T.tolerance_for(_row("t4_m1_age_coef", "coef", "table_4"))
    assert (tol, scored, rule) == (VALUE["t4_m1_age_se"], True, "1 published SE of t4_m1_age_coef")
    prose = load_targets().lookup("p_model_fairness")  # prose repeating a Table 4 cell
    tol, scored, _ = T.tolerance_for(_row("p_model_fairness", "coef", "prose"), prose)
    assert (tol, scored) == (VALUE["t4_m5_fairness_se"], True)
    tol, scored, rule = T.tolerance_for(_row("t4_nope", "coef", "table_4"), se_of={})
    assert np.isnan(tol) and not scored and "no published SE" in rule


def test_fidelity_uses_these_rules():
    assert fidelity.TOLERANCES is T.TOLERANCES
    assert fidelity.tolerance_for is T.tolerance_for
