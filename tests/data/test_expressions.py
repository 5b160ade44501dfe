"""Tests of the condition language (scsrepro.data.expressions)."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.data.expressions import ALWAYS, branching_order_from, evaluate_condition, expression_names


def test_expression_names_lists_the_variables_used():
    assert expression_names("(use_sesame == 1) | (use_tencent == 1)") == {"use_sesame", "use_tencent"}
    assert expression_names("income in [1, 2] and not (age < 18)") == {"income", "age"}
    assert expression_names(ALWAYS) == set()


@pytest.mark.parametrize(
    "expr, message",
    [
        ("a ==", "not a valid expression: 'a =='"),
        ("f(a) == 1", "uses Call, which is not allowed"),
        ("a.b == 1", "uses Attribute, which is not allowed"),
    ],
)
def test_expression_names_rejects_other_constructs(expr, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        expression_names(expr)


def test_evaluate_condition_leaves_undecidable_rows_missing():
    df = pd.DataFrame({"a": pd.array([1, 2, None], dtype="Int64")})
    assert evaluate_condition(df, "a == 1").tolist() == [True, False, pd.NA]
    always = evaluate_condition(df, ALWAYS)
    assert always.dtype == "boolean" and always.all()


def test_branching_order_puts_filters_first_and_finds_cycles():
    assert branching_order_from({"b": {"a"}, "a": set(), "c": {"b", "outside"}}) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="circular among: x, y"):
        branching_order_from({"x": {"y"}, "y": {"x"}, "z": set()})
