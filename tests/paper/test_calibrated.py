"""Tests for scsrepro.paper.calibrated: Table 2's approval shares with calibrated SEs."""

from __future__ import annotations

import pytest

from scsrepro.paper import calibrated, fitting, tables


def test_groups_shares_and_fixed_ses_are_table_2s(twin):
    out = calibrated.approval_shares(fitting.model_frame(twin)).set_index("group")
    t2 = tables.table_2(twin).set_index("id")
    prefix = {"Total": "t2_total", "Users of Sesame Credit": "t2_sesame"}
    assert list(out.index) == list(calibrated.table_2_groups())
    for group, p in prefix.items():
        assert out.loc[group, "n"] == t2.loc[f"{p}_n", "reproduced"]
        approve = t2.loc[f"{p}_somewhat_approve", "reproduced"] + t2.loc[f"{p}_strongly_approve", "reproduced"]
        assert out.loc[group, "approve_pct"] == pytest.approx(approve, abs=1e-9)
    assert (out["se_calibrated"] > 0).all() and (out["se_fixed"] > 0).all()


def test_the_share_of_a_raking_margin_has_no_calibrated_variance(twin):
    # a share the raking fixes (men) has a calibrated SE of zero; approval does not
    frame = fitting.model_frame(twin).assign(approval=lambda d: 3.0 + 2 * d["gender"])
    total = calibrated.approval_shares(frame).set_index("group").loc["Total"]
    assert total["se_calibrated"] < 1e-8 < total["se_fixed"]
