"""The paper's Table 4 layout (scsrepro.survey.regression_table), against hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.survey.regression_table import esttab, format_estimate


def test_format_estimate_follows_esttab():
    assert [format_estimate(x) for x in (0.0147, 0.582, -0.00187, 1.241, -13.03, 12.66)] == [
        "0.0147", "0.582", "-0.00187", "1.241", "-13.03", "12.66"
    ]
    assert format_estimate(float("nan")) == ""


def test_esttab_layout():
    est = pd.DataFrame(
        {
            "source": ["a", "a", "b", "a"],
            "column": ["M1", "M2", "M1", "M1"],
            "term": ["x", "x", "x", "observations"],
            "coef": [0.5, -1.25, 0.4, 1944],
            "se": [0.1, 0.3, 0.2, np.nan],
            "stars": ["***", "**", "", ""],
        }
    )
    out = esttab(est, ["x"], ["M1", "M2"], labels={"x": "The x"}, sources=["a", "b"])
    assert list(out.index) == [("The x", "a"), ("The x", "a SE"), ("The x", "b"), ("The x", "b SE"), ("observations", "a"), ("observations", "b")]
    assert out.loc[("The x", "a"), "M1"] == "0.500***"
    assert out.loc[("The x", "a SE"), "M2"] == "(0.300)"
    assert out.loc[("The x", "b"), "M2"] == ""
    assert out.loc[("observations", "a"), "M1"] == "1,944"


def test_esttab_leaves_a_missing_number_of_observations_empty():
    est = pd.DataFrame(
        {"source": ["a", "a"], "column": ["M1", "M2"], "term": ["observations"] * 2, "coef": [1944, np.nan],
         "se": [np.nan, np.nan], "stars": ["", ""]}
    )
    out = esttab(est, [], ["M1", "M2"])
    assert out.loc[("observations", ""), "M1"] == "1,944" and out.loc[("observations", ""), "M2"] == ""
