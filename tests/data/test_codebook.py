"""Tests of data/codebook.yml and scsrepro.data.codebook.

The codebook's content is checked against what the paper prints (codes,
filters, and Table A3 means recomputed from Table A2 shares), then the
reading of the file, the lookups and the transforms (to_missing, label).
Its self-validation is tested in test_codebook_parsing.py, the derived
variables in test_derivation.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scsrepro.data import codebook, codebook_parsing, variables
from scsrepro.data.codebook import (
    CodebookError,
    load_codebook,
)

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK_FILE = ROOT / "data" / "codebook.yml"


@pytest.fixture(scope="module")
def cb():
    return load_codebook(CODEBOOK_FILE)


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


# ------------------------------------------------------------------ reading
def test_missing_file_and_bad_yaml_name_the_file(tmp_path):
    with pytest.raises(CodebookError, match="nope.yml"):
        load_codebook(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("variables: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="bad.yml"):
        load_codebook(bad)


# --------------------------------------------------------------- transforms
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


def test_the_codebooks_types_and_error_are_importable_from_it():
    assert codebook.CodebookError is codebook_parsing.CodebookError
    assert codebook.Variable is variables.Variable and codebook.Group is variables.Group


def test_lookup_of_unknown_variable_names_it(cb):
    with pytest.raises(KeyError, match="aproval"):
        cb["aproval"]


def test_to_frame_lists_every_variable(cb):
    table = cb.to_frame()
    assert list(table["name"]) == cb.names
    assert table.loc["approval", "codes"].startswith("1 = Strongly disapprove; 2 = ")
    assert table.loc["income", "missing_codes"] == "99 (rna)"
    assert table.loc["region", "derived_from"] == "province"
