"""Tests of the codebook's entries (scsrepro.data.variables)."""

from __future__ import annotations

from scsrepro.data.variables import CODED_TYPES, Variable


def test_codes_split_into_substantive_and_missing():
    var = Variable(
        name="fairness",
        label="Fairness",
        type="ordinal",
        codes={1: "No", 2: "Yes", 99: "Rather not say", 98: "Don't know"},
        missing_reasons={99: "rna", 98: "dk"},
    )
    assert var.missing_codes == (98, 99)
    assert var.substantive_codes == (1, 2)
    assert var.allowed_codes == (1, 2, 99, 98)
    assert var.labels[2] == "Yes"
    assert var.is_coded and var.always_asked and not var.is_derived


def test_integer_and_derived_variables():
    age = Variable(name="age", label="Age", type="integer", min=14, max=65, asked_if="x == 1")
    assert "integer" not in CODED_TYPES and not age.is_coded and not age.always_asked
    group = Variable(name="g", label="G", type="ordinal", codes={1: "a"}, derived_from=("age",), derivation={})
    assert group.is_derived
