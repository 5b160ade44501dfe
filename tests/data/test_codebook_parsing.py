"""Tests of the codebook's self-validation (scsrepro.data.codebook_parsing).

A broken codebook must be rejected with a clear message that names the
codebook file and the variable concerned.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from scsrepro.data.codebook import CodebookError, parse_codebook

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK_FILE = ROOT / "data" / "codebook.yml"


@pytest.fixture()
def raw_yaml():
    return yaml.safe_load(CODEBOOK_FILE.read_text(encoding="utf-8"))


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
