"""Table 3's doubters and the approval they imply (scsrepro.paper.doubters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import bivariate as B
from scsrepro.paper import doubters as D
from scsrepro.paper.published import load_published


def test_implied_approval_is_bayes_rule():
    # 20 % doubters overall; a group with 10 % of everyone and 30 % of the doubters
    # has 0.3 * 20 / 0.1 = 60 % doubters, so 40 % approve.
    assert D.implied_approval(30.0, 10.0, 20.0) == pytest.approx(40.0)
    np.testing.assert_allclose(D.implied_approval([30.0, 70.0], [10.0, 90.0], 20.0), [40.0, 100 - 70 * 20 / 90])


def test_table3_implied_approval_on_printed_numbers():
    """The printed Table 3 puts approval in the 51-65 group below the 31-50 group (audit finding)."""
    pub = load_published()
    t3 = pub[pub["id"].str.startswith("t3_")].rename(columns={"value": "published"})
    rate = pub.set_index("id").loc[["t2_total_strongly_disapprove", "t2_total_somewhat_disapprove",
                                    "t2_total_neutral"], "value"].sum()
    out = D.table3_implied_approval(t3, rate).set_index(["variable", "code"])
    assert "income_group" not in out.index.get_level_values(0)
    assert out.loc[("age_group", 3), "implied_approve"] == pytest.approx(100 - 3.60 * 20.0 / 3.17)
    assert out.loc[("age_group", 3), "implied_approve"] < out.loc[("age_group", 2), "implied_approve"]
    assert out.loc[("urban", 0), "implied_approve"] == pytest.approx(100 - 26.59 * 20.0 / 16.39)
    edu = out.xs("education", level="variable")["implied_approve"]
    assert edu.idxmin() == 1  # no formal education, not "low" (code 2)


def test_printed_doubter_rate_sums_table_2s_doubter_answers():
    published = pd.DataFrame({"id": [*D.DOUBTER_TOTAL_IDS, "t2_total_strongly_approve"], "value": [1.5, 2.5, 16.0, 40]})
    assert D.printed_doubter_rate(published) == 20.0
    with pytest.raises(ValueError, match="lack"):
        D.printed_doubter_rate(published.iloc[1:])
    real = load_published().set_index("id")["value"]
    assert D.printed_doubter_rate(load_published()) == pytest.approx(float(real[list(D.DOUBTER_TOTAL_IDS)].sum()))


def test_the_doubter_helpers_live_in_one_module_only():
    for name in D.__all__:
        assert name not in B.__all__
