"""Tests for the transcribed published numbers and their loader."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scsrepro.paper import published as pub
from scsrepro.paper.published import (
    REQUIRED_COLUMNS,
    load_hypotheses,
    load_published,
    parse_printed,
    published_value,
)

DATA_DIR = pub.default_data_dir()
LONG_FILES = sorted(p.name for p in DATA_DIR.glob("*.csv") if p.name not in (pub.HYPOTHESES_FILE, pub.ERRATA_FILE))
EXPECTED_FILES = {
    "table_a1.csv", "table_a2.csv", "table_a3.csv", "table_a4.csv", "table_2.csv",
    "table_3.csv", "table_4.csv", "table_5.csv", "prose.csv",
}
MODEL_TERMS = {
    1: ["age", "income_2", "income_3", "male", "educ_2", "educ_3", "educ_4", "urban",
        "region_2", "region_3"],
}
MODEL_TERMS[2] = MODEL_TERMS[1] + ["smartphone_time", "post_frequency"]
MODEL_TERMS[3] = MODEL_TERMS[1] + ["ccp_member", "gov_confidence"]
MODEL_TERMS[4] = MODEL_TERMS[1] + ["sesame_score", "score_vs_friends"]
MODEL_TERMS[5] = MODEL_TERMS[1] + ["transparency", "received_info", "joined_automatically", "fairness"]
MODEL_TERMS[6] = MODEL_TERMS[1] + ["received_advantages", "received_disadvantages"]
MODEL_TERMS[7] = MODEL_TERMS[1] + ["accountability", "abide_regulations", "quality_of_life"]


@pytest.fixture(scope="module")
def everything() -> pd.DataFrame:
    return load_published()


# --------------------------------------------------------------- structure
def test_expected_files_present():
    assert EXPECTED_FILES <= set(LONG_FILES)
    assert (DATA_DIR / pub.HYPOTHESES_FILE).is_file()
    assert (DATA_DIR / "README.md").is_file()


@pytest.mark.parametrize("name", LONG_FILES)
def test_every_file_has_uniform_columns(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == REQUIRED_COLUMNS


@pytest.mark.parametrize("name", LONG_FILES)
def test_each_file_loads(name):
    frame = load_published(name[:-4])
    assert len(frame) > 0
    assert frame["value"].dtype == float


def test_ids_unique_across_files(everything):
    assert everything["id"].is_unique
    assert set(everything["file"]) == {n[:-4] for n in LONG_FILES}


def test_value_agrees_with_printed(everything):
    literal = ~everything["note"].str.contains("read as ", regex=False)
    parsed = everything.loc[literal, "value_printed"].map(parse_printed)
    assert (parsed - everything.loc[literal, "value"]).abs().max() < 1e-9
    # the non-literal readings are the documented ones only
    readings = everything.loc[~literal]
    assert "a3_income_mean" in set(readings["id"])
    assert set(readings["file"]) <= {"prose", "table_a3"}


def test_published_value_and_misprint_reading():
    assert published_value("t4_m1_age_coef") == pytest.approx(0.0147)
    assert published_value("a2_w_approval_strongly_approve") == pytest.approx(48.89)
    assert published_value("a3_income_mean") == pytest.approx(1.814)
    assert published_value("a1_14_25_male_census") == 116_573_566
    with pytest.raises(KeyError, match="no_such_id"):
        published_value("no_such_id")


# --------------------------------------------------------------- counts
def test_table_4_counts():
    t4 = load_published("table_4")
    cells = t4[t4["statistic"].isin(["coef", "cut"])]
    assert len(cells) == 113
    assert (t4["statistic"] == "cut").sum() == 28
    assert (t4["statistic"] == "se").sum() == 113
    obs = t4[t4["item"] == "observations"]
    assert len(obs) == 7 and set(obs["statistic"]) == {"n"}
    assert obs.set_index("column")["value"].to_dict()["Model 4"] == 1100
    for model, terms in MODEL_TERMS.items():
        sub = t4[t4["column"] == f"Model {model}"]
        got = set(sub.loc[sub["statistic"] == "coef", "item"])
        assert got == set(terms), model
        assert set(sub.loc[sub["statistic"] == "cut", "item"]) == {"cut1", "cut2", "cut3", "cut4"}
        # every coefficient and cut point has exactly one standard error
        se_items = sub.loc[sub["statistic"] == "se", "item"]
        assert se_items.is_unique and set(se_items) == set(terms) | {"cut1", "cut2", "cut3", "cut4"}
    # stars live only in Table 4 and only on coefficients/cut points
    starred = t4[t4["stars"] != ""]
    assert set(starred["statistic"]) <= {"coef", "cut"}


def test_stars_recorded_per_cell():
    t4 = load_published("table_4")
    assert t4.set_index("id").loc["t4_m1_age_coef", "stars"] == "***"
    assert t4.set_index("id").loc["t4_m5_received_info_coef", "stars"] == ""


def test_table_a2_has_both_columns_for_every_row():
    a2 = load_published("table_a2")
    assert set(a2["column"]) == {"unweighted", "weighted"}
    per_row = a2.groupby(["measure", "item"])["column"].agg(sorted)
    assert all(cols == ["unweighted", "weighted"] for cols in per_row)
    assert len(per_row) == 112


def test_table_a3_and_a4_counts():
    a3 = load_published("table_a3")
    assert all(stats == ["mean", "sd"] for stats in a3.groupby("item")["statistic"].agg(sorted))
    assert a3["item"].nunique() == 27
    a4 = load_published("table_a4")
    assert a4["item"].nunique() == 21 and len(a4) == 42
    assert all(stats == ["tolerance", "vif"] for stats in a4.groupby("item")["statistic"].agg(sorted))


def test_table_2_counts():
    t2 = load_published("table_2")
    assert (t2["statistic"] == "percent").sum() == 35
    assert (t2["statistic"] == "n").sum() == 7
    assert t2["column"].nunique() == 7
    assert t2.groupby("column")["statistic"].apply(lambda s: (s == "percent").sum()).eq(5).all()


def test_table_3_table_5_table_a1_counts():
    t3 = load_published("table_3")
    assert len(t3) == 34 and set(t3["column"]) == {"Doubters", "Total"}
    t5 = load_published("table_5")
    assert (t5["statistic"] == "percent").sum() == 14 and published_value("t5_n") == 1549
    a1 = load_published("table_a1")
    cells = a1[a1["measure"] == "Representativeness of the sample"]
    assert len(cells) == 6 * 8
    assert sorted(a1.loc[a1["statistic"] == "share", "value"]) == [22, 37, 42]


def test_prose_contains_key_claims():
    prose = load_published("prose").set_index("id")
    for key, value in {"p_design_sample_size": 2209, "p_design_conversion_rate": 64,
                       "p_design_max_weight": 2.0, "p_design_margin_of_error": 2.22,
                       "p_res_approve": 80, "p_fig5_private_companies": 2,
                       "p_fig6_central_government": 77}.items():
        assert prose.loc[key, "value"] == pytest.approx(value), key
    assert "upper bound" in prose.loc["p_fig5_private_companies", "note"]


def test_categorical_columns(everything):
    assert set(everything["statistic"]) <= pub.STATISTICS
    assert set(everything["unit"]) <= pub.UNITS
    assert set(everything["kind"]) <= pub.KINDS
    pct = everything["statistic"] == "percent"
    assert (everything.loc[pct, "unit"] == "percent").all()


def test_hypotheses():
    hyp = load_hypotheses()
    assert list(hyp["id"]) == [f"h{k}" for k in range(1, 22)]
    t4_terms = set(load_published("table_4")["item"])
    for terms in hyp["term"]:
        assert set(terms.split(";")) <= t4_terms
    verdict = hyp.set_index("hypothesis")["verdict"]
    assert verdict["H3"] == "supported" and verdict["H1"] == "not supported"
    assert set(hyp["expected_sign"]) == {"+", "-"}


# --------------------------------------------------------------- bad input
HEADER = ",".join(REQUIRED_COLUMNS)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


GOOD = "x_one,Table 9,M,I,C,percent,12.5%,12.5,percent,,,result,"


def test_good_minimal_file_loads(tmp_path):
    _write(tmp_path, "demo.csv", [HEADER, GOOD])
    frame = load_published("demo", directory=tmp_path)
    assert frame.loc[0, "value"] == 12.5


def test_missing_column_raises(tmp_path):
    header = ",".join(c for c in REQUIRED_COLUMNS if c != "base")
    row = "x_one,Table 9,M,I,C,percent,12.5%,12.5,percent,,result,"
    _write(tmp_path, "demo.csv", [header, row])
    with pytest.raises(ValueError, match=r"demo\.csv.*missing required column.*base"):
        load_published("demo", directory=tmp_path)


def test_duplicate_id_within_file_raises(tmp_path):
    _write(tmp_path, "demo.csv", [HEADER, GOOD, GOOD])
    with pytest.raises(ValueError, match=r"demo\.csv.*'id'.*duplicate.*rows \[2, 3\]"):
        load_published("demo", directory=tmp_path)


def test_duplicate_id_across_files_raises(tmp_path):
    _write(tmp_path, "one.csv", [HEADER, GOOD])
    _write(tmp_path, "two.csv", [HEADER, GOOD])
    with pytest.raises(ValueError, match=r"duplicated across files.*x_one \(one\.csv\).*x_one \(two\.csv\)"):
        load_published(directory=tmp_path)


def test_non_numeric_value_raises(tmp_path):
    bad = "x_two,Table 9,M,I,C,percent,12.5%,twelve,percent,,,result,"
    _write(tmp_path, "demo.csv", [HEADER, GOOD, bad])
    with pytest.raises(ValueError, match=r"demo\.csv.*'value'.*not a finite number.*twelve.*rows \[3\]"):
        load_published("demo", directory=tmp_path)


def test_value_disagreeing_with_printed_raises(tmp_path):
    bad = "x_two,Table 9,M,I,C,percent,12.5%,0.125,percent,,,result,"
    _write(tmp_path, "demo.csv", [HEADER, bad])
    with pytest.raises(ValueError, match=r"demo\.csv.*'value'.*disagrees.*12\.5%.*rows \[2\]"):
        load_published("demo", directory=tmp_path)


def test_misprint_needs_documented_reading(tmp_path):
    undocumented = 'x_m,Table A3,S,Income group,Mean,mean,"1,814",1.814,scalar,,,result,'
    _write(tmp_path, "demo.csv", [HEADER, undocumented])
    with pytest.raises(ValueError, match="disagrees"):
        load_published("demo", directory=tmp_path)
    documented = 'x_m,Table A3,S,Income group,Mean,mean,"1,814",1.814,scalar,,,result,read as 1.814: misprint'
    _write(tmp_path, "demo.csv", [HEADER, documented])
    assert load_published("demo", directory=tmp_path).loc[0, "value"] == 1.814


def test_stars_mismatch_raises(tmp_path):
    bad = "x_s,Table 4,Age,age,Model 1,coef,0.0147***,0.0147,scalar,**,,result,"
    _write(tmp_path, "demo.csv", [HEADER, bad])
    with pytest.raises(ValueError, match=r"'stars'.*rows \[2\]"):
        load_published("demo", directory=tmp_path)


def test_unknown_statistic_raises(tmp_path):
    bad = "x_u,Table 9,M,I,C,median,3,3,scalar,,,result,"
    _write(tmp_path, "demo.csv", [HEADER, bad])
    with pytest.raises(ValueError, match=r"'statistic'.*median"):
        load_published("demo", directory=tmp_path)


def test_bad_hypotheses_file_raises(tmp_path):
    shutil.copy(DATA_DIR / pub.HYPOTHESES_FILE, tmp_path / pub.HYPOTHESES_FILE)
    path = tmp_path / pub.HYPOTHESES_FILE
    text = path.read_text(encoding="utf-8").replace(",+,", ",up,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"table_1_hypotheses\.csv.*'expected_sign'.*up"):
        load_hypotheses(tmp_path)


def test_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_published(directory=tmp_path / "nope")


def test_published_value_reads_explicit_directory_and_sees_edits(tmp_path):
    _write(tmp_path, "demo.csv", [HEADER, GOOD])
    assert published_value("x_one", directory=tmp_path) == 12.5
    edited = "x_one,Table 9,M,I,C,percent,13.75%,13.75,percent,,,result,"
    _write(tmp_path, "demo.csv", [HEADER, edited])
    assert published_value("x_one", directory=tmp_path) == 13.75
