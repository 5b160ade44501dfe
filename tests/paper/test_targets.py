"""The recipe file and its checks (scsrepro.paper.targets)."""

from __future__ import annotations

import pytest

from scsrepro.paper.fidelity import all_published
from scsrepro.paper.targets import BASES, BASIS_MEANING, definition, load_targets


def test_load_targets_rejects_bad_files(tmp_path):
    p = tmp_path / "t.yml"
    p.write_text("recipes:\n  - ids: 'x_{item}'\n    method: share\n    variable: v\n    items: {14_30: [1]}\n")
    with pytest.raises(ValueError, match="quote it"):
        load_targets(p)
    p.write_text("recipes:\n  - ids: x\n    method: guess\n")
    with pytest.raises(ValueError, match="method 'guess'"):
        load_targets(p)
    p.write_text("recipes:\n  - ids: x\n    method: share\n    colour: red\n    expr: a == 1\n")
    with pytest.raises(ValueError, match="unknown key"):
        load_targets(p)
    with pytest.raises(ValueError, match="not found"):
        load_targets(tmp_path / "missing.yml")


def test_overlapping_recipes_are_an_error(tmp_path):
    p = tmp_path / "t.yml"
    p.write_text("basis_defaults: {count: calibrated}\nrecipes:\n  - ids: 'a_*'\n    method: count\n"
                 "  - ids: a_b\n    method: count\n")
    with pytest.raises(ValueError, match="matches 2 entries"):
        load_targets(p).lookup("a_b")




# ------------------------------------------------------------------ basis
_BASIS_FILE = """
basis_defaults: {ologit: calibrated}
recipes:
  - ids: "t_{item}"
    method: share
    basis: calibrated
    variable: v
    items: {a: [1], b: {codes: [2], basis: design}}
  - ids: m_1
    method: ologit
  - ids: copy_b
    method: same_as
    target: t_b
  - ids: copy_of_copy
    method: same_as
    target: copy_b
  - ids: mine
    method: same_as
    target: t_a
    basis: implied
not_computable:
  - ids: bg
    reason: background
"""


def test_basis_from_key_item_default_copy_and_context(tmp_path):
    p = tmp_path / "t.yml"
    p.write_text(_BASIS_FILE)
    t = load_targets(p)
    assert t.basis_of("t_a") == "calibrated"  # block key
    assert t.basis_of("t_b") == "design"  # item override
    assert t.basis_of("m_1") == "calibrated"  # default of the method
    assert t.basis_of("copy_b") == t.basis_of("copy_of_copy") == "design"  # same_as inherits
    assert t.basis_of("mine") == "implied"  # unless it says otherwise
    assert t.basis_of("bg") == "context"  # not computable
    assert not t.is_held_out("t_a")
    with pytest.raises(ValueError, match="no recipe"):
        t.basis_of("nothing")


@pytest.mark.parametrize(
    "text, message",
    [
        ("recipes:\n  - ids: x\n    method: count\n", "no basis"),
        ("recipes:\n  - ids: x\n    method: count\n    basis: tuned\n", "basis 'tuned'"),
        ("basis_defaults: {count: guess}\nrecipes:\n  - ids: x\n    method: count\n", "basis 'guess'"),
        ("basis_defaults: {same_as: design}\nrecipes: []\n", "same_as inherits"),
        ("recipes:\n  - ids: x\n    method: same_as\n    target: y\n"
         "  - ids: y\n    method: same_as\n    target: x\n", "cycle"),
        ("recipes:\n  - ids: x\n    method: same_as\n    target: nowhere\n", "no recipe"),
        ("roles: {held_out: [x]}\nrecipes:\n  - ids: x\n    method: count\n    basis: held_out\n", "'roles' is gone"),
    ],
)
def test_bad_bases_are_refused(tmp_path, text, message):
    p = tmp_path / "t.yml"
    p.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_targets(p)


def test_every_published_number_has_a_basis():
    t = load_targets()
    bases = {i: t.basis_of(i) for i in all_published()["id"]}
    assert set(bases.values()) <= set(BASES) == set(BASIS_MEANING)
    assert {b for i, b in bases.items() if i.startswith("t3_total_")} == {"implied", "design"}
    assert {b for i, b in bases.items() if i.startswith("t3_doubters_")} == {"held_out"}
    assert {b for i, b in bases.items() if i.startswith("a1_")} == {"arithmetic", "context"}
    # not-computable ids are context, and context is nothing else
    assert all((b == "context") == isinstance(t.lookup(i), str) for i, b in bases.items())


def test_definition_resolves_copies_and_weighting():
    t = load_targets()
    rows = all_published().set_index("id")[["column", "statistic"]].to_dict("index")
    female = definition(t, "a2_w_gender_female", rows)
    assert definition(t, "p_sample_female", rows) == definition(t, "t3_total_gender_female", rows) == female
    assert definition(t, "a2_u_gender_female", rows) != female  # unweighted
    assert definition(t, "a3_age_mean", rows) != definition(t, "a3_age_sd", rows)
    assert definition(t, "p_model_fairness", rows) == ("ologit", "t4_m5_fairness_coef")
