"""scsrepro.book.facts.discussion: the discussion chapter's facts and tables, on small constructed inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scsrepro.book.facts import discussion as facts
from scsrepro.paper import fidelity
from scsrepro.paper.published import load_hypotheses

ADVANTAGES = {
    "credit_without_difficulty": "Obtained credit without difficulties",
    "deposit_free_sharing": "Used deposit-free sharing",
    "fast_tracked_visa": "Received a fast-tracked visa",
    "online_dating_positive": "Online dating",
}
#: (rural, urban) shares of the data; the paper's are these rounded
DATA = {
    "credit_without_difficulty": (30.0, 37.5),
    "deposit_free_sharing": (32.0, 40.0),
    "fast_tracked_visa": (11.0, 14.0),
    "online_dating_positive": (4.5, 4.0),
}


@pytest.fixture(scope="module")
def t5():
    rows = []
    for key, item in ADVANTAGES.items():
        rows.append({"id": f"t5_total_{key}", "item": item, "column": "Total", "published": 1.0, "reproduced": 1.0,
                     "n_base": 50})
        for area, share in zip(("Rural", "Urban"), DATA[key]):
            rows.append({"id": f"t5_{area.lower()}_{key}", "item": item, "column": area,
                         "published": float(round(share)), "reproduced": share,
                         "n_base": 10 if area == "Rural" else 40})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def prose():
    rows = [
        ("p_disc_rural_any_benefit", "Section 4.4 para 2", "Any benefit", "Rural", 87.0, 86.5, 10, ""),
        ("p_disc_urban_any_benefit", "Section 4.4 para 2", "Any benefit", "Urban", 88.0, 88.5, 40, ""),
        ("p_disc_urban_credit", "Section 4.4 para 2", "Credit", "Urban", 37.0, 37.5, 40, "repeats Table 5"),
        ("p_disc_rural_any_disadvantage", "Section 4.4 para 3", "Any disadvantage", "Rural", 29.0, 28.0, 10, None),
        ("p_disc_urban_any_disadvantage", "Section 4.4 para 3", "Any disadvantage", "Urban", 25.0, 24.0, 40, None),
        ("p_disc_mutual_mistrust", "Section 4.4 para 7", "Mutual mistrust", "", 76.0, 75.5, 50, ""),
        ("p_res_rural_other", "Section 4.1", "Elsewhere", "Rural", 1.0, 1.0, 10, ""),
    ]
    return pd.DataFrame(rows, columns=["id", "source", "measure", "column", "published", "reproduced", "n_base", "note"])


@pytest.fixture(scope="module")
def hypotheses():
    return load_hypotheses()


@pytest.fixture(scope="module")
def t4(hypotheses):
    framing = hypotheses[(hypotheses["model"] == 7) | (hypotheses["hypothesis"] == "H16")]
    rows = []
    for i, h in enumerate(framing.itertuples()):
        col = f"Model {h.model}"
        base = {"item": h.term, "column": col, "published_stars": "***", "stars": "**", "n_base": 100 + i}
        rows.append({**base, "id": f"t4_m{h.model}_{h.term}_coef", "statistic": "coef", "published": 1.0 + i / 10,
                     "reproduced": 0.5 + i, "se": 0.1})
        rows.append({**base, "id": f"t4_m{h.model}_{h.term}_se", "statistic": "se", "published": 0.1,
                     "reproduced": 0.1, "se": float("nan")})
    rows.append({"id": "t4_m1_male_coef", "item": "male", "column": "Model 1", "statistic": "coef", "published": 0.1,
                 "reproduced": 9.0, "se": 0.1, "published_stars": "", "stars": "", "n_base": 1})
    return pd.DataFrame(rows)


def test_framework_facts_count_hypotheses_and_verdicts(hypotheses):
    out = facts.framework_facts(hypotheses)
    assert out["n_hypotheses"] == len(hypotheses)
    assert 0 < out["n_subcategories"] <= hypotheses["category"].nunique()
    supported = int((hypotheses["verdict"] == "supported").sum())
    assert out["n_supported"] == supported
    fewer = hypotheses.assign(verdict="not supported")
    assert facts.framework_facts(fewer)["n_supported"] == 0
    assert all(type(v) is int for v in out.values())


def test_area_rows_keep_rural_and_urban_with_roles(t5):
    rows = facts.area_rows(t5)
    assert set(rows["column"]) == {"Rural", "Urban"} and len(rows) == 2 * len(ADVANTAGES)
    assert rows["role"].tolist() == [fidelity.default_roles(rows["id"].tolist())[i] for i in rows["id"]]


def test_table5_by_area_layout(t5):
    wide = facts.table5_by_area(t5)
    assert wide.index.name == "advantage (commercial SCS users)"
    assert wide.index.tolist() == list(ADVANTAGES.values())  # Table 5's order, not sorted
    assert wide.columns.tolist() == ["Rural: paper", "Rural: data", "Urban: paper", "Urban: data",
                                     "urban minus rural (data)"]
    assert wide.loc["Obtained credit without difficulties"].tolist() == [30.0, 30.0, 38.0, 37.5, 7.5]
    assert wide.loc["Online dating", "urban minus rural (data)"] == pytest.approx(-0.5)


def test_table5_facts(t5):
    out = facts.table5_facts(t5)
    assert out["t5_items"] == 4
    assert out["t5_urban_higher"] == 3
    assert out["t5_paper_urban_higher"] == int((facts.table5_by_area(t5)["Urban: paper"]
                                              > facts.table5_by_area(t5)["Rural: paper"]).sum())
    assert out["t5_gap_max"] == pytest.approx(8.0)
    assert out["t5_gap_max_item"] == "used deposit-free sharing"
    assert (out["t5_n_rural"], out["t5_n_urban"]) == (10, 40)
    assert out["t5_roles"] == ", ".join(sorted(set(facts.area_rows(t5)["role"])))
    assert out["t5_urban_credit_without_difficulty_rep"] == 37.5
    assert out["t5_urban_credit_without_difficulty_pub"] == 38.0
    assert out["t5_rural_fast_tracked_visa_rep"] == 11.0
    assert len([k for k in out if k.endswith(("_rep", "_pub"))]) == 2 * 2 * len(facts.T5_QUOTED)
    assert all(type(out[k]) is int for k in ("t5_items", "t5_urban_higher", "t5_paper_urban_higher", "t5_n_rural",
                                             "t5_n_urban"))
    assert type(out["t5_gap_max"]) is float


def test_area_contrasts_and_their_table(prose):
    contrasts = facts.area_contrasts(prose)
    # Section 4.4 only, rural or urban only, no repeat of Table 5 (a missing note counts as none)
    assert contrasts["id"].tolist() == [
        "p_disc_rural_any_benefit",
        "p_disc_urban_any_benefit",
        "p_disc_rural_any_disadvantage",
        "p_disc_urban_any_disadvantage",
    ]
    assert set(contrasts["role"]) <= set(fidelity.ROLES)
    shown = facts.contrast_table(contrasts)
    assert shown.index.names == ["measure", "column"]
    assert shown.columns.tolist() == ["paper", "data", "base (n)", "role"]
    assert shown.loc[("Any benefit", "Urban"), "data"] == 88.5


def test_contrast_facts(prose):
    assert facts.contrast_facts(prose) == {
        "rural_any_benefit_rep": 86.5,
        "urban_any_benefit_rep": 88.5,
        "rural_any_disadvantage_rep": 28.0,
        "urban_any_disadvantage_rep": 24.0,
    }


def test_framing_coefficients_join_hypotheses_and_table_4(t4, hypotheses):
    coefs = facts.framing_coefficients(t4, hypotheses)
    framing = hypotheses[(hypotheses["model"] == 7) | (hypotheses["hypothesis"] == "H16")]
    assert coefs["hypothesis"].tolist() == framing["hypothesis"].tolist()
    assert "H16" in coefs["hypothesis"].tolist()
    assert set(coefs["statistic"]) == {"coef"}
    assert "male" not in coefs["item"].tolist()
    assert coefs["role"].notna().all()
    table = facts.coefficient_table(coefs)
    assert table.index.names == ["hypothesis", "variable", "column"]
    assert table.columns.tolist() == ["paper", "paper stars", "data", "data SE", "data stars", "n", "role"]


def test_framing_coefficients_raise_on_a_missing_coefficient(t4, hypotheses):
    lacking = t4[~(t4["item"].eq("fairness") & t4["statistic"].eq("coef"))]
    with pytest.raises(ValueError, match="lacks a row"):
        facts.framing_coefficients(lacking, hypotheses)


def test_framing_facts(t4, hypotheses, prose):
    coefs = facts.framing_coefficients(t4, hypotheses)
    out = facts.framing_facts(coefs, prose)
    last = coefs.iloc[-1]  # the largest reproduced coefficient by construction
    assert out["coef_strongest_variable"] == last["variable"].lower()
    assert out["coef_strongest_or"] == pytest.approx(math.exp(last["reproduced"]))
    assert out["coef_fairness_pub"] == float(coefs.set_index("item").loc["fairness", "published"])
    assert out[f"coef_{last['item']}_rep"] == last["reproduced"]
    assert (out["mistrust_rep"], out["mistrust_pub"]) == (75.5, 76.0)
    assert out["mistrust_role"] in fidelity.ROLES
    assert out["coef_roles"] == ", ".join(sorted(set(coefs["role"])))


def test_limits_facts(t5, prose, t4, hypotheses):
    contrasts = facts.area_contrasts(prose)
    coefs = facts.framing_coefficients(t4, hypotheses)
    out = facts.limits_facts(pd.DataFrame({"x": range(7)}), t5, contrasts, coefs)
    assert out["n_data"] == 7
    shown = [*facts.area_rows(t5)["id"], *contrasts["id"], *coefs["id"], facts.MISTRUST_ID]
    assert out["all_roles"] == ", ".join(sorted(set(fidelity.default_roles(shown).values())))
    assert set(out["all_roles"].split(", ")) <= set(fidelity.ROLES)


def test_evidence_facts_count_by_basis():
    board = pd.DataFrame({
        "table": ["t3", "t3", "a2", "a2", "a2", "a1", "t3", "a2", "prose"],
        "role": ["held_out", "held_out", "target", "target", "target", "target", "target", "erratum", "target"],
        "basis": ["held_out", "held_out", "calibrated", "calibrated", "design", "arithmetic", "implied",
                  "calibrated", "context"],
        "status": ["pass", "fail", "pass", "fail", "pass", "pass", "fail", "n/a", "n/a"],
        "source": "Table A2", "statistic": "percent", "distance": 0.1, "tolerance": 1.0,
        "published_se": float("nan"), "stars_agree": None,
    })
    out = facts.evidence_facts(board)
    assert out == {"disc_held_pass": 1, "disc_held_scored": 2, "disc_calibrated_pass": 1,
                   "disc_calibrated_scored": 2, "disc_fixed_pass": 2, "disc_fixed_scored": 3}
    assert all(type(v) is int for v in out.values())
