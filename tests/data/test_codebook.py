"""Tests of data/codebook.yml and scsrepro.data.codebook.

The codebook is checked three ways: its content against what the paper
prints (codes, filters, and Table A3 means recomputed from Table A2 shares),
its self-validation (a broken codebook must be rejected with a clear
message), and the transforms it drives (derive, to_missing, label).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from scsrepro.data.codebook import (
    CodebookError,
    load_codebook,
    parse_codebook,
)

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK_FILE = ROOT / "data" / "codebook.yml"


@pytest.fixture(scope="module")
def cb():
    return load_codebook(CODEBOOK_FILE)


@pytest.fixture()
def raw_yaml():
    return yaml.safe_load(CODEBOOK_FILE.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ content
EXPECTED = """
respondent_id weight age age_group gender income income_group education urban
province region employment lives_in_pilot_locality smartphone_time
post_frequency ccp_member gov_confidence use_tencent use_sesame use_gov_pilot
use_other use_dont_know use_none commercial_user sesame_score tencent_score
score_vs_friends gov_score_vs_others transparency info_received info_none
join_auto_payment join_active fairness received_advantages
received_disadvantages gov_received_advantages gov_received_disadvantages
accountability abide_regulations quality_of_life approval mutual_mistrust
nationwide_scs manage_nationwide dr_central_gov dr_provincial_gov
dr_municipal_gov dr_state_owned dr_foreign dr_private
""".split()


def test_codebook_covers_every_variable_the_paper_uses(cb):
    missing = [n for n in EXPECTED if n not in cb]
    assert not missing, f"codebook lacks {missing}"


def test_every_variable_is_documented(cb):
    for var in cb:
        assert var.label, var.name
        assert var.sources, f"{var.name} has no sources"
        if not var.is_derived and var.type not in ("multiselect_option",):
            assert var.question_en, f"{var.name} has no question_en"
        if var.is_derived:
            assert var.notes and "Rule" in var.notes or var.name == "region", var.name
    for group in cb.groups.values():
        assert group.question_en and group.options, group.name


def test_missing_codes_are_codes_with_known_reasons(cb):
    reasons = set(cb.meta["missing_reasons"])
    for var in cb:
        assert set(var.missing_codes) <= set(var.codes), var.name
        assert set(var.missing_reasons.values()) <= reasons, var.name
        assert set(var.substantive_codes).isdisjoint(var.missing_codes)
        # fixed non-substantive codes
        for code, reason in var.missing_reasons.items():
            assert {"dk": 98, "rna": 99, "no_smartphone": 97}[reason] == code, var.name


def test_approval_wording_as_printed(cb):
    var = cb["approval"]
    assert var.question_zh == "您多大程度上赞同社会信用体系?"
    assert var.codes_zh[1] == "非常反对" and var.codes_zh[5] == "非常赞同"
    assert var.substantive_codes == (1, 2, 3, 4, 5)
    assert var.labels[3] == "Neither approve nor disapprove"
    assert var.missing_codes == ()


def test_filters_follow_table_a2_notes(cb):
    assert cb["sesame_score"].asked_if == "use_sesame == 1"
    assert cb["tencent_score"].asked_if == "use_tencent == 1"
    assert cb["gov_score_vs_others"].asked_if == "use_gov_pilot == 1"
    both = "(use_sesame == 1) | (use_tencent == 1)"
    assert cb["score_vs_friends"].asked_if == both
    assert cb.groups["adv"].asked_if == both
    assert cb["adv_credit"].asked_if == both  # options inherit the group's filter
    assert cb["approval"].always_asked


def test_province_and_region_assignment(cb):
    prov = cb["province"]
    assert len(prov.codes) == 31
    mapping = cb["region"].derivation["mapping"]
    assert set(mapping) == set(prov.codes)
    counts = pd.Series(mapping).value_counts().to_dict()
    assert counts == {1: 12, 2: 8, 3: 11}  # West, Central, East
    assert cb["region"].labels == {1: "West", 2: "Central", 3: "East"}
    assert mapping[11] == 3 and mapping[42] == 2 and mapping[65] == 1
    assert "ASSUMPTION" in cb["region"].notes


def _mean_from_shares(shares: dict[int, float], var) -> float:
    """Mean over substantive codes, non-substantive answers as missing."""
    sub = {c: s for c, s in shares.items() if c not in var.missing_codes}
    return sum(c * s for c, s in sub.items()) / sum(sub.values())


@pytest.mark.parametrize(
    "name, shares, a3_mean",
    [
        # Table A2 weighted shares -> Table A3 weighted mean
        ("smartphone_time", {1: 8.18, 2: 20.74, 3: 23.78, 4: 18.18, 5: 7.67, 6: 20.33, 97: 1.12}, 3.581),
        ("sesame_score", {1: 1.33, 2: 3.84, 3: 11.70, 4: 40.59, 5: 28.86, 6: 7.28, 98: 3.07, 99: 3.33}, 4.214),
        ("ccp_member", {0: 70.67, 1: 21.13, 99: 8.20}, 0.230),
        ("income_group", {1: 30.88, 2: 45.77, 3: 14.05, 99: 9.30}, 1.814),
        ("received_disadvantages", {1: 25.14, 0: 70.99, 99: 3.88}, 0.261),
        ("gov_score_vs_others", {1: 0.63, 2: 36.59, 3: 56.46, 98: 5.69, 99: 0.62}, 2.596),
        ("fairness", {1: 0.15, 2: 5.42, 3: 44.72, 4: 32.19, 98: 17.52}, 3.321),
        ("score_vs_friends", {1: 0.71, 2: 4.95, 3: 23.64, 4: 43.98, 5: 15.84, 98: 8.55, 99: 2.33}, 3.777),
    ],
)
def test_codes_reproduce_table_a3_means(cb, name, shares, a3_mean):
    var = cb[name]
    assert set(shares) == set(var.codes), name
    assert _mean_from_shares(shares, var) == pytest.approx(a3_mean, abs=0.0015)


def test_smartphone_coding_discrepancy_is_recorded(cb):
    notes = cb["smartphone_time"].notes
    assert "Section 3.2" in notes and "3.581" in notes


# ---------------------------------------------------------- self-validation
def _error(raw) -> str:
    with pytest.raises(CodebookError) as info:
        parse_codebook(raw, source="data/broken.yml")
    return str(info.value)


def _var(raw, name):
    return next(v for v in raw["variables"] if v["name"] == name)


def test_valid_yaml_parses(raw_yaml):
    assert len(parse_codebook(raw_yaml)) == len(raw_yaml["variables"])


def test_unknown_key_is_rejected(raw_yaml):
    _var(raw_yaml, "approval")["lable"] = "typo"
    msg = _error(raw_yaml)
    assert "data/broken.yml" in msg and "'approval'" in msg and "'lable'" in msg


def test_duplicate_name_is_rejected(raw_yaml):
    raw_yaml["variables"].append(copy.deepcopy(_var(raw_yaml, "gender")))
    msg = _error(raw_yaml)
    assert "'gender'" in msg and "duplicate" in msg


def test_asked_if_with_unknown_variable_is_rejected(raw_yaml):
    _var(raw_yaml, "sesame_score")["asked_if"] = "uses_sesame == 1"
    msg = _error(raw_yaml)
    assert "'sesame_score'" in msg and "unknown variable 'uses_sesame'" in msg


def test_asked_if_with_bad_syntax_is_rejected(raw_yaml):
    _var(raw_yaml, "sesame_score")["asked_if"] = "use_sesame =="
    assert "'sesame_score'" in _error(raw_yaml)


def test_missing_code_not_in_codes_is_rejected(raw_yaml):
    _var(raw_yaml, "fairness")["missing_codes"] = {98: "dk", 99: "rna"}
    msg = _error(raw_yaml)
    assert "'fairness'" in msg and "missing code 99 is not one of its codes" in msg


def test_unknown_missing_reason_is_rejected(raw_yaml):
    _var(raw_yaml, "fairness")["missing_codes"] = {98: "unsure"}
    assert "unknown reason 'unsure'" in _error(raw_yaml)


def test_unknown_type_and_group_are_rejected(raw_yaml):
    _var(raw_yaml, "gender")["type"] = "boolean"
    _var(raw_yaml, "use_other")["group"] = "scs_usage"
    msg = _error(raw_yaml)
    assert "'gender'" in msg and "boolean" in msg
    assert "'use_other'" in msg and "'scs_usage'" in msg
    assert "2 problem(s)" in msg or "3 problem(s)" in msg


def test_circular_branching_is_rejected(raw_yaml):
    _var(raw_yaml, "gender")["asked_if"] = "approval == 1"
    _var(raw_yaml, "approval")["asked_if"] = "gender == 1"
    assert "circular" in _error(raw_yaml)


def test_derivation_must_cover_source_codes(raw_yaml):
    del _var(raw_yaml, "region")["derivation"]["mapping"][65]
    msg = _error(raw_yaml)
    assert "'region'" in msg and "65" in msg


def test_derived_from_unknown_variable_is_rejected(raw_yaml):
    _var(raw_yaml, "age_group")["derived_from"] = ["age_years"]
    msg = _error(raw_yaml)
    assert "'age_group'" in msg and "age_years" in msg


def test_missing_file_and_bad_yaml_name_the_file(tmp_path):
    with pytest.raises(CodebookError, match="nope.yml"):
        load_codebook(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("variables: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="bad.yml"):
        load_codebook(bad)


# --------------------------------------------------------------- transforms
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


def test_to_missing_replaces_only_non_substantive_codes(cb):
    df = pd.DataFrame({
        "income": pd.array([1, 99, 11, None], dtype="Int64"),
        "fairness": pd.array([98, 4, 1, 3], dtype="Int64"),
        "approval": pd.array([1, 5, 3, 4], dtype="Int64"),
    })
    out = cb.to_missing(df)
    assert out["income"].isna().tolist() == [False, True, False, True]
    assert out["fairness"].isna().tolist() == [True, False, False, False]
    assert out["approval"].tolist() == [1, 5, 3, 4]
    assert df["income"].tolist()[1] == 99  # input unchanged
    only = cb.to_missing(df, columns=["fairness"])
    assert only["income"].tolist()[1] == 99


def test_label_gives_ordered_categoricals(cb):
    df = pd.DataFrame({"approval": pd.array([5, 1, None], dtype="Int64"),
                       "fairness": pd.array([98, 2, 4], dtype="Int64")})
    out = cb.label(df)
    assert isinstance(out["approval"].dtype, pd.CategoricalDtype)
    assert out["approval"].cat.ordered
    assert list(out["approval"].cat.categories) == list(cb["approval"].labels.values())
    assert out["approval"].tolist()[:2] == ["Strongly approve", "Strongly disapprove"]
    assert pd.isna(out["approval"].tolist()[2])
    assert out["fairness"].tolist()[0] == "I don't know"
    dropped = cb.label(df, "fairness", drop_missing=True)
    assert pd.isna(dropped["fairness"].tolist()[0])
    assert "I don't know" not in list(dropped["fairness"].cat.categories)
    zh = cb.label(df, ["approval"], language="zh")
    assert zh["approval"].tolist()[0] == "非常赞同"


def test_label_rejects_uncoded_columns_and_unknown_codes(cb):
    df = pd.DataFrame({"age": pd.array([20], dtype="Int64"),
                       "approval": pd.array([6], dtype="Int64")})
    with pytest.raises(ValueError, match="'age'"):
        cb.label(df, "age")
    with pytest.raises(ValueError, match="'approval'.*6"):
        cb.label(df, "approval")


def test_lookup_of_unknown_variable_names_it(cb):
    with pytest.raises(KeyError, match="aproval"):
        cb["aproval"]


def test_to_frame_lists_every_variable(cb):
    table = cb.to_frame()
    assert list(table["name"]) == cb.names
    assert table.loc["approval", "codes"].startswith("1 = Strongly disapprove; 2 = ")
    assert table.loc["income", "missing_codes"] == "99 (rna)"
    assert table.loc["region", "derived_from"] == "province"
