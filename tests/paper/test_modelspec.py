"""The model specification (data/models.yml) and its Stata/R export."""

from __future__ import annotations

from scsrepro.paper import modelspec
from scsrepro.paper.published import load_published


def test_seven_models_with_the_paper_terms():
    specs = modelspec.load_specs()
    assert [s.id for s in specs] == list(range(1, 8))
    t4 = load_published("table_4")
    keys = modelspec.term_keys()
    for s in specs:
        printed = t4[t4["column"].eq(s.column) & t4["statistic"].eq("coef")]["item"].tolist()
        assert s.terms(keys) == printed, s.id


def test_stata_command_uses_base_levels_and_pweights():
    m1 = modelspec.load_specs()[0]
    assert modelspec.stata_command(m1) == (
        "ologit approval age ib1.income_group gender ib1.education urban ib1.region [pweight=weight]"
    )


def test_r_command_is_svyolr_on_a_weights_only_design():
    m7 = modelspec.load_specs()[6]
    cmd = modelspec.r_command(m7)
    assert cmd.startswith("svyolr(factor(approval) ~ age + relevel(factor(income_group), ref = \"1\")")
    assert "quality_of_life" in cmd and "svydesign(ids = ~1, weights = ~weight" in cmd


def test_export_has_every_model():
    out = modelspec.export()
    assert out["stata"].count("ologit ") == 7
    assert out["r"].count("svyolr(") == 7
