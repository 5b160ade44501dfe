"""The errata audit: each check on constructed inputs with a known answer, then on the paper."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import audit, quota
from scsrepro.paper.published import REQUIRED_COLUMNS, load_published, parse_printed
from scsrepro.survey.significance import stars


# --------------------------------------------------------------------------- builders


def row(id, printed, *, value=None, source="Table X", measure="m", item="i", column="",
        statistic="percent", unit="percent", base="", note=""):
    """One published-format row; ``value`` is parsed from ``printed`` unless given."""
    text = str(printed)
    stars = text.strip()[len(text.strip().rstrip("*")):]
    return {
        "id": id, "source": source, "measure": measure, "item": item, "column": column,
        "statistic": statistic, "value_printed": text,
        "value": float(parse_printed(text) if value is None else value),
        "unit": unit, "stars": stars, "base": base, "kind": "result", "note": note,
    }


def frame(rows):
    out = pd.DataFrame(rows, columns=list(REQUIRED_COLUMNS))
    out["file"] = "constructed"
    return out


def t4(coef_printed, se_printed, term="age", model=1):
    return [
        row(f"t4_m{model}_{term}_coef", coef_printed, source="Table 4", column=f"Model {model}",
            statistic="coef", unit="scalar", item=term),
        row(f"t4_m{model}_{term}_se", se_printed, source="Table 4", column=f"Model {model}",
            statistic="se", unit="scalar", item=term),
    ]


def a2_block(stem, items, unweighted, weighted, base="all respondents", measure=None, note=""):
    rows = []
    for item, u, w in zip(items, unweighted, weighted):
        for col, v in (("unweighted", u), ("weighted", w)):
            rows.append(row(f"a2_{col[0]}_{stem}_{item}", f"{v:.2f}", source="Table A2",
                            measure=measure or stem, item=item, column=col, base=base, note=note))
    return rows


def a3_pair(key, mean_printed, sd_printed, mean_value=None, note=""):
    return [
        row(f"a3_{key}_mean", mean_printed, value=mean_value, source="Table A3", statistic="mean",
            unit="scalar", column="Mean", note=note),
        row(f"a3_{key}_sd", sd_printed, source="Table A3", statistic="sd", unit="scalar", column="Std. Dev."),
    ]


def moments(shares, codes):
    p = np.asarray(shares, float) / sum(shares)
    c = np.asarray(codes, float)
    m = float((p * c).sum())
    return m, math.sqrt(float((p * (c - m) ** 2).sum()))


APPROVAL = ["strongly_disapprove", "somewhat_disapprove", "neutral", "somewhat_approve", "strongly_approve"]


# --------------------------------------------------------------------------- check 1: Table 4 stars


def test_correct_stars_give_no_finding():
    assert audit.check_table4_stars(frame(t4("0.582***", "(0.111)"))).empty


def test_wrong_stars_beyond_rounding_give_one_finding():
    found = audit.check_table4_stars(frame(t4("0.253***", "(0.168)")))
    assert len(found) == 1
    assert found.loc[0, "severity"] == "misprint"
    assert found.loc[0, "items"] == "t4_m1_age_coef;t4_m1_age_se"


@pytest.mark.parametrize("stars", ["*", "**"])
def test_borderline_cell_accepts_either_reading(stars):
    # 0.196/0.100 = 1.96: the rounding box spans z = 1.945 (p > .05) to 1.975 (p < .05)
    assert audit.check_table4_stars(frame(t4(f"0.196{stars}", "(0.100)"))).empty
    assert len(audit.check_table4_stars(frame(t4("0.196***", "(0.100)")))) == 1
    assert len(audit.check_table4_stars(frame(t4("0.196", "(0.100)")))) == 1


def test_cut_points_are_checked_with_their_standard_errors():
    good = [row("t4_m1_cut1", "-3.346***", source="Table 4", statistic="cut", unit="scalar"),
            row("t4_m1_cut1_se", "(0.711)", source="Table 4", statistic="se", unit="scalar")]
    assert audit.check_table4_stars(frame(good)).empty
    bad = [dict(good[0], value_printed="-3.346*", stars="*"), good[1]]
    assert audit.check_table4_stars(frame(bad))["items"].tolist() == ["t4_m1_cut1;t4_m1_cut1_se"]


def test_star_thresholds():
    assert [stars(p) for p in (0.005, 0.03, 0.07, 0.2)] == ["***", "**", "*", ""]  # the rule the audit applies


# --------------------------------------------------------------------------- check 2: A3 from A2


def test_consistent_a2_a3_pair_gives_no_finding():
    w = [10.0, 20.0, 30.0, 25.0, 15.0]
    m, sd = moments(w, [1, 2, 3, 4, 5])
    pub = frame(a2_block("approval", APPROVAL, [20.0] * 5, w) + a3_pair("approval", f"{m:.3f}", f"{sd:.3f}"))
    assert audit.check_a3_from_a2(pub).empty
    table = audit.compare_a3_with_a2(pub)
    assert set(table["matches"]) == {"weighted"}


def test_a3_matching_only_unweighted_column_is_mixed_base():
    u, w = [30.0, 30.0, 40.0], [20.0, 35.0, 45.0]
    m, sd = moments(u, [1, 2, 3])
    pub = frame(a2_block("region", ["west", "central", "east"], u, w) + a3_pair("region", f"{m:.3f}", f"{sd:.3f}"))
    found = audit.check_a3_from_a2(pub)
    assert found["severity"].tolist() == ["mixed_base"]
    assert "a3_region_mean" in found.loc[0, "items"]


def test_a3_matching_neither_column_is_reported():
    u, w = [30.0, 30.0, 40.0], [20.0, 35.0, 45.0]
    pub = frame(a2_block("region", ["west", "central", "east"], u, w) + a3_pair("region", "2.900", ".300"))
    assert audit.check_a3_from_a2(pub)["severity"].tolist() == ["unsupported_claim"]


def test_decimal_comma_misprint_is_recognised_and_checked():
    w = [58.0, 29.0, 9.0, 4.0]
    m, sd = moments(w[:3], [1, 2, 3])
    pub = frame(a2_block("income", ["lt_1000", "1000_4000", "gt_4000", "no_answer"], w, w)
                + a3_pair("income", f"{m:.3f}".replace(".", ","), f"{sd:.3f}", mean_value=round(m, 3),
                          note=f"read as {m:.3f}"))
    found = audit.check_a3_from_a2(pub)
    assert found["severity"].tolist() == ["misprint"]
    assert f"{m:.4f}".rstrip("0") in found.loc[0, "recomputed"]


def test_dummy_sd_must_follow_from_mean():
    # the granularity check 'debit' holds the SD-from-mean test of a 0/1 row (tests/paper/test_granularity.py)
    ok = frame(a3_pair("gender", ".612", ".487"))
    assert audit.check_debit(ok).empty
    bad = frame(a3_pair("gender", ".612", ".400"))
    assert audit.check_debit(bad)["check"].tolist() == ["debit"]


# --------------------------------------------------------------------------- check 4: GRIM (granularity)


def test_grim_recovers_a_known_n():
    shares = [f"{100 * k / 37:.2f}" for k in (5, 12, 20)]
    ns = list(audit.consistent_ns(shares, n_min=1, n_max=500))
    assert ns[0] == 37
    assert all(n % 37 == 0 or n > 37 for n in ns)


def test_block_from_another_n_is_mixed_base():
    n = 237
    shares = [round(100 * k / n, 2) for k in (50, 80, 107)]
    block = a2_block("region", ["west", "central", "east"], shares, shares)
    right = frame(block + [row("t2_total_n", str(n), statistic="n", unit="count")])
    assert audit.check_grim(right).empty
    wrong = frame(block + [row("t2_total_n", "250", statistic="n", unit="count")])
    found = audit.check_grim(wrong)
    assert found["check"].tolist() == ["grim"]
    assert found["severity"].tolist() == ["mixed_base"]
    assert "237" in found.loc[0, "recomputed"]


# --------------------------------------------------------------------------- check 5: sums


def test_block_summing_to_100_is_silent_and_to_90_is_reported():
    full = frame(a2_block("age", ["14_30", "31_50", "51_plus"], [55.30, 41.52, 3.18], [55.30, 41.52, 3.18]))
    assert audit.check_block_sums(full).empty
    short = frame(a2_block("age", ["14_30", "31_50", "51_plus"], [52.43, 35.49, 2.08], [55.30, 41.52, 3.18]))
    found = audit.check_block_sums(short)
    assert len(found) == 1
    assert "sum 90" in found.loc[0, "printed"]


def test_multi_select_blocks_are_exempt():
    block = a2_block("scs_use", ["a", "b"], [60.0, 70.0], [60.0, 70.0], note="footnote markers as printed: a")
    assert audit.check_block_sums(frame(block)).empty


# --------------------------------------------------------------------------- check 6: prose


def test_prose_claim_within_rounding_is_silent_and_beyond_is_reported():
    table = a2_block("gender", ["female", "male"], [40.0, 60.0], [38.7, 61.3])
    ok = frame(table + [row("p_sample_female", "39%", source="Section 3.1 para 4")])
    assert audit.check_prose_claims(ok).empty
    off = frame(table + [row("p_sample_female", "45%", source="Section 3.1 para 4")])
    found = audit.check_prose_claims(off)
    assert found["severity"].tolist() == ["unsupported_claim"]


# --------------------------------------------------------------------------- Table A4


def test_vif_must_be_reciprocal_of_tolerance():
    ok = [row("a4_age_tolerance", ".920", statistic="tolerance", unit="scalar"),
          row("a4_age_vif", "1.087", statistic="vif", unit="scalar")]
    assert audit.check_table_a4_vif(frame(ok)).empty
    bad = [ok[0], row("a4_age_vif", "1.078", statistic="vif", unit="scalar")]
    assert audit.check_table_a4_vif(frame(bad))["severity"].tolist() == ["misprint"]


# --------------------------------------------------------------------------- a consistent mini-paper


def mini_paper() -> pd.DataFrame:
    rows = []
    rows += t4("0.582***", "(0.111)", term="income_2")
    rows += t4("0.196*", "(0.100)", term="male")
    rows += [row("t4_m1_cut1", "-3.346***", source="Table 4", statistic="cut", unit="scalar"),
             row("t4_m1_cut1_se", "(0.711)", source="Table 4", statistic="se", unit="scalar")]

    n = 200
    u_app = [100 * k / n for k in (2, 4, 38, 64, 92)]
    w_app = [1.20, 1.80, 18.00, 31.00, 48.00]
    rows += a2_block("approval", APPROVAL, u_app, w_app)
    m, sd = moments(w_app, [1, 2, 3, 4, 5])
    rows += a3_pair("approval", f"{m:.3f}", f"{sd:.3f}")
    rows += a2_block("gender", ["female", "male"], [40.0, 60.0], [38.0, 62.0])
    rows += a2_block("region", ["west", "central", "east"], [20.0, 35.0, 45.0], [20.0, 36.0, 44.0])

    rows.append(row("t2_total_n", str(n), source="Table 2", column="Total", statistic="n", unit="count"))
    for lvl, w in zip(APPROVAL, w_app):
        rows.append(row(f"t2_total_{lvl}", f"{w:.2f}%", source="Table 2", column="Total"))
    for col, (f, m_) in (("doubters", (40.0, 60.0)), ("total", (38.0, 62.0))):
        label = "Doubters" if col == "doubters" else "Total"
        rows.append(row(f"t3_{col}_gender_female", f"{f:.2f}", source="Table 3", measure="Gender", column=label))
        rows.append(row(f"t3_{col}_gender_male", f"{m_:.2f}", source="Table 3", measure="Gender", column=label))

    groups = list(quota.GROUPS)
    pop = pd.Series([300e5, 200e5, 500e5, 400e5, 360e5, 240e5], index=pd.MultiIndex.from_tuples(groups))
    net = pd.Series([0.5] * 6, index=pop.index)
    shares = {"East": 0.45, "Central": 0.35, "West": 0.20}
    q = quota.quota_table(pop, net, shares)
    for (age, gender), r in q.iterrows():
        gid = f"a1_{age.replace('-', '_')}_{gender}"
        rows += [row(f"{gid}_census", f"{int(r['step1']):,}", source="Table A1", statistic="population", unit="count"),
                 row(f"{gid}_norm2000", str(int(r["step2_n"])), source="Table A1", statistic="n", unit="count"),
                 row(f"{gid}_internet_pct", "50.00%", source="Table A1"),
                 row(f"{gid}_reduced", str(int(r["step4_n"])), source="Table A1", statistic="n", unit="count"),
                 row(f"{gid}_renorm2000", str(int(r["step5_n"])), source="Table A1", statistic="n", unit="count")]
        rows += [row(f"{gid}_{reg.lower()}", str(int(r[f"{reg}_n"])), source="Table A1", statistic="n",
                     unit="count") for reg in quota.REGIONS]
    rows += [row(f"a1_header_{reg.lower()}_share", f"{int(100 * s)}%", source="Table A1", statistic="share")
             for reg, s in shares.items()]
    rows.append(row("a1_target_sample_renorm2000", "2000", source="Table A1", statistic="n", unit="count"))

    rows += [row("a4_age_tolerance", ".920", statistic="tolerance", unit="scalar"),
             row("a4_age_vif", "1.087", statistic="vif", unit="scalar")]
    rows.append(row("p_sample_female", "38%", source="Section 3.1 para 4"))
    rows.append(row("p_res_approve", "79%", source="Section 4.1 para 1"))
    return frame(rows)


def test_consistent_mini_paper_reports_nothing():
    pub = mini_paper()
    assert quota.reproduce_table_a1(published=pub[pub["id"].str.startswith("a1_")])["match"].all()
    findings = audit.run_audit(pub)
    assert findings.empty, findings.to_string()
    assert list(findings.columns) == list(audit.FINDING_COLUMNS)
    assert audit.summary(findings).empty


def test_mini_paper_with_one_error_reports_it():
    pub = mini_paper()
    pub.loc[pub["id"] == "a2_w_gender_male", ["value_printed", "value"]] = ["52.00", 52.0]
    findings = audit.run_audit(pub)
    assert len(findings) >= 1
    assert "a2_w_gender_male" in ";".join(findings["items"])


# --------------------------------------------------------------------------- the paper


@pytest.fixture(scope="module")
def paper_findings() -> pd.DataFrame:
    return audit.run_audit(load_published())


def test_findings_are_well_formed(paper_findings):
    assert list(paper_findings.columns) == list(audit.FINDING_COLUMNS)
    assert set(paper_findings["severity"]) <= set(audit.SEVERITIES)
    assert (paper_findings["explanation"].str.len() > 20).all()
    published_ids = set(load_published()["id"])
    for items in paper_findings["items"]:
        assert set(items.split(";")) <= published_ids


def test_paper_region_summary_statistics_are_unweighted(paper_findings):
    hit = paper_findings[(paper_findings["check"] == "a3_from_a2")
                         & paper_findings["items"].str.contains("a3_region_mean")]
    assert hit["severity"].tolist() == ["mixed_base"]


def test_paper_income_mean_is_a_decimal_comma_misprint(paper_findings):
    hit = paper_findings[paper_findings["items"].str.startswith("a3_income_mean")
                         & (paper_findings["severity"] == "misprint")]
    assert len(hit) == 1
    assert "1.814" in hit.iloc[0]["recomputed"]


def test_paper_unweighted_age_block_sums_to_90(paper_findings):
    hit = paper_findings[(paper_findings["check"] == "block_sums")
                         & paper_findings["items"].str.contains("a2_u_age_14_30")]
    assert len(hit) == 1
    assert "sum 90" in hit.iloc[0]["printed"]


def test_audit_is_deterministic(paper_findings):
    pd.testing.assert_frame_equal(paper_findings, audit.run_audit(load_published()))


def test_write_errata_writes_the_findings(tmp_path, paper_findings):
    target = tmp_path / "nested" / "errata.csv"
    written = audit.write_errata(target)
    assert written == target
    back = pd.read_csv(target, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, paper_findings.astype(str))
    assert [p.name for p in target.parent.iterdir()] == ["errata.csv"]


def test_summary_counts_every_finding(paper_findings):
    counts = audit.summary(paper_findings)
    assert counts["n"].sum() == len(paper_findings)
    assert set(counts.columns) == {"check", "severity", "n"}
