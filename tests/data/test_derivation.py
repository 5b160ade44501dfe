"""Tests of the derived variables (scsrepro.data.derivation, via Codebook.derive)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "codebook.yml")


def _hand_frame(cb):
    """Six respondents; columns not needed by a rule stay empty."""
    data = {
        "age": [14, 30, 31, 50, 51, 65],
        "income": [1, 6, 7, 10, 11, 99],
        "province": [11, 15, 14, 45, 50, 44],
        "use_sesame": [1, 0, 0, 1, 0, 0],
        "use_tencent": [0, 1, 0, 1, 0, 0],
        "use_gov_pilot": [0, 1, 1, 0, 0, 0],
        "use_other": [0, 0, 0, 0, 1, 0],
        "adv_none": [1, 0, None, 0, None, None],
        "disadv_none": [0, 0, None, 1, None, None],
        "disadv_rna": [1, 0, None, 0, None, None],
        "gov_adv_received": [None, 1, 0, None, None, None],
        "gov_adv_none": [None, 0, 1, None, None, None],
        "gov_disadv_received": [None, 0, 0, None, None, None],
        "gov_disadv_none": [None, 1, 1, None, None, None],
    }
    opts = ["adv_credit", "adv_loan_rate", "adv_savings_rate", "adv_visa",
            "adv_deposit_free", "adv_fast_checkin", "adv_dating"]
    for o in opts:
        data[o] = [0, 0, None, 0, None, None]
    data["adv_visa"] = [0, 1, None, 1, None, None]
    for o in ["disadv_credit", "disadv_loan_rate", "disadv_savings_rate", "disadv_visa",
              "disadv_deposit", "disadv_transport", "disadv_dating"]:
        data[o] = [0, 0, None, 0, None, None]
    data["disadv_transport"] = [0, 1, None, 0, None, None]
    return pd.DataFrame({k: pd.array(v, dtype="Int64") for k, v in data.items()})


def test_derive_rules_on_hand_built_frame(cb):
    out = cb.derive(_hand_frame(cb))
    assert out["age_group"].tolist() == [1, 1, 2, 2, 3, 3]
    assert out["income_group"].tolist() == [1, 1, 2, 2, 3, 99]
    assert out["region"].tolist() == [3, 1, 2, 1, 1, 3]
    assert out["sesame_or_tencent"].tolist() == [1, 1, 0, 1, 0, 0]
    assert out["commercial_user"].tolist() == [1, 1, 0, 1, 1, 0]
    assert out["commercial_only"].tolist() == [1, 0, 0, 1, 1, 0]
    assert out["gov_pilot_only"].tolist() == [0, 0, 1, 0, 0, 0]
    assert out["received_advantages"].astype(object).where(out["received_advantages"].notna(), None).tolist() == [0, 1, None, 1, None, None]
    rd = out["received_disadvantages"]
    assert rd.astype(object).where(rd.notna(), None).tolist() == [99, 1, None, 0, None, None]
    gra = out["gov_received_advantages"]
    assert gra.astype(object).where(gra.notna(), None).tolist() == [None, 1, 0, None, None, None]
    grd = out["gov_received_disadvantages"]
    assert grd.astype(object).where(grd.notna(), None).tolist() == [None, 0, 0, None, None, None]
    assert str(out["age_group"].dtype) == "Int64"


def test_derive_needs_its_sources(cb):
    with pytest.raises(KeyError, match="age_group"):
        cb.derive(pd.DataFrame({"income": pd.array([1], dtype="Int64")}))
