"""The fidelity scoreboard (scsrepro.paper.fidelity) and the recipe coverage."""

from __future__ import annotations

import fnmatch
import os

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.fake import random_valid_frame
from scsrepro.paper import fidelity as F
from scsrepro.paper import tables as T
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import BASES, definition, load_targets, published_table_names

_VALUES: dict[str, float] = {}


def published_value(id_: str) -> float:
    """Printed value of one id (read per file, so an errata file cannot interfere)."""
    if not _VALUES:
        for name in published_table_names():
            pub = load_published(name)
            _VALUES.update(zip(pub["id"], pub["value"]))
    return float(_VALUES[id_])


def _rows(table: str, values: dict[str, float], **extra) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame({"id": list(values), "reproduced": list(values.values())})
    for k, v in extra.items():
        frame[k] = v
    return {table: frame}


def _board_row(board: pd.DataFrame, id_: str) -> pd.Series:
    return board.set_index("id").loc[id_]


# ------------------------------------------------------------------ coverage
def test_every_published_row_has_a_recipe_or_a_reason():
    targets = load_targets()
    uncovered, ids = [], []
    for name in published_table_names():
        for id_ in load_published(name)["id"]:
            ids.append(id_)
            if targets.lookup(id_) is None:  # lookup raises if two entries match
                uncovered.append(id_)
    assert not uncovered, uncovered
    assert len(ids) == 809


def test_every_recipe_is_used():
    targets = load_targets()
    ids = [i for name in published_table_names() for i in load_published(name)["id"]]
    from scsrepro.paper.published import hypothesis_verdicts

    ids += hypothesis_verdicts()["id"].tolist()
    dead = [r.pattern for r in targets.recipes if not any(r.matches(i) for i in ids)]
    dead += [p for p, _ in targets.not_computable if not any(fnmatch.fnmatchcase(i, p) for i in ids)]
    assert not dead, dead


def test_recipe_variables_exist_in_the_codebook():
    from scsrepro.data.codebook import load_codebook

    cb = load_codebook()
    for r in load_targets().recipes:
        for key in ("variable", "predictor"):
            if r.get(key):
                assert r.get(key) in cb, (r.pattern, r.get(key))


def test_held_out_roles_follow_the_basis():
    ids = ["t3_total_region_east", "t3_doubters_region_east", "p_res_urban_approve", "a2_w_region_east"]
    roles = F.default_roles(ids)
    assert roles == {"t3_total_region_east": "target", "t3_doubters_region_east": "held_out",
                     "p_res_urban_approve": "held_out", "a2_w_region_east": "target"}
    assert F.default_bases(ids) == {"t3_total_region_east": "design", "t3_doubters_region_east": "held_out",
                                    "p_res_urban_approve": "held_out", "a2_w_region_east": "design"}


# ------------------------------------------------------------------ status logic
def test_table_a2_tolerance_is_half_a_point():
    pub = published_value("a2_w_approval_neutral")
    board = F.scoreboard(_rows("table_a2", {"a2_w_approval_neutral": pub + 0.49,
                                            "a2_w_approval_strongly_approve": published_value("a2_w_approval_strongly_approve") - 0.51}))
    inside = _board_row(board, "a2_w_approval_neutral")
    outside = _board_row(board, "a2_w_approval_strongly_approve")
    assert (inside["status"], inside["tolerance"]) == ("pass", 0.5)
    assert outside["status"] == "fail"
    assert inside["distance"] == pytest.approx(0.49)


def test_other_percentages_mean_sd_vif_and_counts():
    values = {
        "t2_sesame_neutral": published_value("t2_sesame_neutral") + 0.9,   # 1 pp: pass
        "t2_tencent_neutral": published_value("t2_tencent_neutral") + 1.1,  # fail
        "t2_total_n": 2209.0,                                               # exact: pass
        "t2_sesame_n": 1308.0,                                              # off by one: fail
    }
    board = F.scoreboard(_rows("table_2", values)).set_index("id")
    assert board.loc[list(values), "status"].tolist() == ["pass", "fail", "pass", "fail"]
    a3 = {"a3_approval_mean": 4.269 + 0.019, "a3_age_mean": 31.21 + 0.021,
          "a3_approval_sd": 0.829 - 0.049, "a3_age_sd": 10.318 + 0.06}
    board = F.scoreboard(_rows("table_a3", a3)).set_index("id")
    assert board.loc[list(a3), "status"].tolist() == ["pass", "fail", "pass", "fail"]
    a4 = {"a4_age_vif": 1.087 + 0.04, "a4_age_tolerance": 0.92 - 0.06}
    board = F.scoreboard(_rows("table_a4", a4)).set_index("id")
    assert board.loc[list(a4), "status"].tolist() == ["pass", "fail"]
    assert board.loc["a4_age_tolerance", "tolerance"] == 0.05


def test_table_4_within_one_published_se_and_stars():
    coef, se = published_value("t4_m1_age_coef"), published_value("t4_m1_age_se")
    tables = {"table_4": pd.DataFrame({
        "id": ["t4_m1_age_coef", "t4_m2_age_coef", "t4_m1_age_se", "t4_m1_cut1", "t4_m1_observations"],
        "reproduced": [coef + 0.9 * se, published_value("t4_m2_age_coef") + 1.1 * published_value("t4_m2_age_se"),
                       se * 1.2, published_value("t4_m1_cut1"), 1944.0],
        "stars": ["***", "**", "", "*", ""],
    })}
    board = F.scoreboard(tables).set_index("id")
    assert board.loc["t4_m1_age_coef", "status"] == "pass"
    assert board.loc["t4_m1_age_coef", "tolerance"] == se
    assert board.loc["t4_m1_age_coef", "published_se"] == se
    assert bool(board.loc["t4_m1_age_coef", "stars_agree"]) is True
    assert board.loc["t4_m2_age_coef", "status"] == "fail"
    assert bool(board.loc["t4_m2_age_coef", "stars_agree"]) is False  # printed ***, reproduced **
    assert board.loc["t4_m1_cut1", "status"] == "pass"
    assert bool(board.loc["t4_m1_cut1", "stars_agree"]) is False      # printed ***
    se_row = board.loc["t4_m1_age_se"]
    assert se_row["status"] == "n/a" and se_row["role"] == "target"
    assert se_row["distance"] == pytest.approx(0.2)                  # relative distance
    assert board.loc["t4_m1_observations", "status"] == "pass"
    assert pd.isna(board.loc["t4_m1_observations", "stars_agree"])


def test_prose_coefficients_use_the_table_4_se():
    pub = published_value("p_model_fairness")
    se = published_value("t4_m5_fairness_se")
    board = F.scoreboard(_rows("prose", {"p_model_fairness": pub + 0.8 * se})).set_index("id")
    assert board.loc["p_model_fairness", "tolerance"] == se
    assert board.loc["p_model_fairness", "status"] == "pass"


def test_erratum_not_computable_and_missing_rows():
    pub = published_value("a2_w_approval_neutral")
    tables = _rows("table_a2", {"a2_w_approval_neutral": pub + 5})
    board = F.scoreboard(tables, roles={"a2_w_approval_neutral": "erratum"}).set_index("id")
    assert (board.loc["a2_w_approval_neutral", "role"], board.loc["a2_w_approval_neutral", "status"]) == ("erratum", "n/a")
    # a design input is not computable, whatever the tables say
    assert board.loc["a1_14_25_male_census", "status"] == "n/a"
    assert board.loc["p_lit_baihang_nifa_share", "reason"].startswith("not computable")
    # a computable number no table produced is a failure, not a pass
    missing = board.loc["t2_total_n"]
    assert missing["status"] == "fail" and "no table" in missing["reason"]
    # Table 3's Doubters column is held out, its Total column repeats raked or calibrated margins
    assert board.loc["t3_doubters_region_east", ["role", "basis"]].tolist() == ["held_out", "held_out"]
    assert board.loc["t3_total_region_east", ["role", "basis"]].tolist() == ["target", "design"]
    assert board.loc["t3_total_income_lt_1000", ["role", "basis"]].tolist() == ["target", "implied"]
    with pytest.raises(ValueError, match="unknown role"):
        F.scoreboard(tables, roles={"a2_w_approval_neutral": "maybe"})


def test_errata_file(tmp_path, monkeypatch):
    assert list(F.load_errata(tmp_path / "none.csv").columns) == ["id", "reading", "erratum"]
    path = tmp_path / "errata.csv"
    path.write_text(
        "id,reading,items\n"
        "a2_w_scs_use_sesame_credit,misprint: probably 58.xx,\n"
        "E-AGE,52.43 read as 62.43,a2_u_age_14_30; p_not_an_id\n"
    )
    monkeypatch.setattr(F, "ERRATA_FILE", path)
    board = F.scoreboard(_rows("table_a2", {"a2_w_scs_use_sesame_credit": 58.0})).set_index("id")
    row = board.loc["a2_w_scs_use_sesame_credit"]
    assert (row["role"], row["status"]) == ("erratum", "n/a")
    assert row["erratum_reading"].startswith("misprint")
    assert board.loc["a2_u_age_14_30", "role"] == "erratum"
    assert board.loc["a2_u_age_14_30", "erratum_reading"] == "52.43 read as 62.43"
    assert (board["role"] == "erratum").sum() == 2
    (tmp_path / "bad.csv").write_text("id,comment\nx,y\n")
    with pytest.raises(ValueError, match="reading"):
        F.load_errata(tmp_path / "bad.csv")


def test_an_id_reproduced_twice_is_an_error():
    tables = {**_rows("table_a2", {"a2_w_approval_neutral": 1.0}), **_rows("prose", {"a2_w_approval_neutral": 2.0})}
    with pytest.raises(ValueError, match="more than one table"):
        F.scoreboard(tables)


def test_summary_counts():
    pub = published_value("a2_w_approval_neutral")
    tables = _rows("table_a2", {"a2_w_approval_neutral": pub, "a2_w_approval_somewhat_approve": 0.0})
    board = F.scoreboard(tables)
    s = F.summary(board).set_index(["table", "basis"])
    a2 = s.loc[("table_a2", "calibrated")]
    errata = set(F.load_errata()["id"])
    calibrated = board[board["file"].eq("table_a2") & board["basis"].eq("calibrated")]
    n = len(calibrated) - int(calibrated["id"].isin(errata).sum())  # errata leave the counts
    assert n == 224 - 8 - len({i for i in errata if i.startswith("a2_")})  # 8 raking margins are design
    assert (a2["n_rows"], a2["n_scored"], a2["n_pass"]) == (n, n, 1)
    assert a2["pass_rate"] == pytest.approx(1 / n)
    assert ("table_3", "held_out") in s.index and ("table_3", "design") in s.index and ("all", "calibrated") in s.index
    assert s.loc[("all", "context"), "n_scored"] == 0 and np.isnan(s.loc[("all", "context"), "pass_rate"])
    # the bases come in the order of BASES, each closed by its "all" row
    order = F.summary(board)["basis"].drop_duplicates().tolist()
    assert order == [b for b in BASES if b in order]
    with pytest.raises(ValueError, match="not a scoreboard"):
        F.summary(pd.DataFrame({"x": [1]}))


# ------------------------------------------------------------------ from data
@pytest.fixture(scope="module")
def frame_2209():
    return random_valid_frame(2209, seed=7, weight=True)


def test_scoreboard_is_computed_from_the_data(frame_2209):
    df = frame_2209
    board = F.scoreboard({"table_2": T.table_2(df)}).set_index("id")
    assert board.loc["t2_total_n", "status"] == "pass"  # 2,209 respondents
    changed = df.copy()
    changed["approval"] = changed["approval"].mask(changed["approval"] == 1, 5)
    changed = changed.iloc[1:]
    board2 = F.scoreboard({"table_2": T.table_2(changed)}).set_index("id")
    assert board2.loc["t2_total_n", "status"] == "fail"
    assert board2.loc["t2_total_strongly_approve", "reproduced"] > board.loc["t2_total_strongly_approve", "reproduced"]
    assert board2.loc["t2_total_strongly_disapprove", "reproduced"] == 0


def test_a_status_flips_when_the_data_move_toward_the_paper(frame_2209):
    df = frame_2209.copy()
    board = F.scoreboard({"prose": T.prose_numbers(df)}).set_index("id")
    assert board.loc["p_disc_mutual_mistrust", "status"] == "fail"
    n = len(df)
    yes = np.zeros(n, dtype=int)
    yes[: int(round(0.76 * n))] = 1
    df["mutual_mistrust"] = pd.array(yes, dtype="Int64")
    df["weight"] = 1.0
    board2 = F.scoreboard({"prose": T.prose_numbers(df)}).set_index("id")
    assert board2.loc["p_disc_mutual_mistrust", "reproduced"] == pytest.approx(100 * int(round(0.76 * n)) / n)
    assert board2.loc["p_disc_mutual_mistrust", "status"] == "pass"


# ------------------------------------------------------------------ writing & CLI
def test_write_scoreboard_is_atomic(tmp_path, monkeypatch):
    board = F.scoreboard(_rows("table_a2", {"a2_w_approval_neutral": 18.0}))
    path = F.write_scoreboard(board, tmp_path / "sub" / "fidelity.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert len(back) == len(board) == 809 + 21  # printed numbers + the paper's 21 verdicts
    before = path.read_text()

    def broken(frame):
        raise OSError("disk full")

    monkeypatch.setattr("scsrepro.data.files.csv_text", broken)
    with pytest.raises(OSError):
        F.write_scoreboard(board, path)
    assert path.read_text() == before
    assert os.listdir(path.parent) == ["fidelity.csv"]


def test_main_writes_tables_and_scoreboard(tmp_path, capsys):
    data = tmp_path / "data.csv"
    random_valid_frame(300, seed=9, weight=True).to_csv(data, index=False)
    out = tmp_path / "fidelity.csv"
    code = F.main(["--data", str(data), "--tables-dir", str(tmp_path / "tables"), "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == sorted(
        f"{n}.csv" for n in ("table_a1", "table_a2", "table_a3", "table_a4", "table_1", "table_2", "table_3",
                             "table_4", "table_5", "prose", "design"))
    board = pd.read_csv(out, keep_default_na=False)
    assert len(board) == 809 + 21 and set(board["status"]) <= {"pass", "fail", "n/a"}
    assert "pass_rate" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id\n1\n")
    assert F.main(["--data", str(bad), "--tables-dir", str(tmp_path / "t2"), "--out", str(tmp_path / "f2.csv")]) == 2
    assert not (tmp_path / "f2.csv").exists()


def test_distance_in_tolerances_handles_exact_rows():
    board = pd.DataFrame({"distance": [0.5, 0.0, 2.0, np.nan, 0.3], "tolerance": [1.0, 0.0, 0.0, 1.0, 0.1]})
    got = F.distance_in_tolerances(board)
    assert got.iloc[0] == 0.5 and got.iloc[1] == 0.0 and np.isinf(got.iloc[2])
    assert np.isnan(got.iloc[3]) and got.iloc[4] == pytest.approx(3.0)


# ------------------------------------------------------------------ bases
def _panel_like_frame(n: int = 1500, seed: int = 4) -> pd.DataFrame:
    """A random codebook-valid file without a weight column, aged like an online panel.

    Uniform random ages cannot be raked to Table A2's age margins under the
    cap; ages 62/36/2 % (young respondents over-represented, the oldest
    under-represented) can, and the cap binds as it does on the twin.
    """
    df = random_valid_frame(n, seed=seed).copy()
    rng = np.random.default_rng(seed)
    k1, k2 = int(0.62 * n), int(0.36 * n)
    ages = np.concatenate([rng.integers(14, 31, k1), rng.integers(31, 51, k2), rng.integers(51, 66, n - k1 - k2)])
    df["age"] = pd.array(rng.permutation(ages), dtype="Int64")
    return df


@pytest.fixture(scope="module")
def random_board():
    df = _panel_like_frame()
    assert "weight" not in df.columns
    return F.scoreboard(T.all_tables(df))


def test_every_row_has_an_allowed_basis(random_board):
    assert random_board["basis"].isin(BASES).all()
    assert not random_board.loc[random_board["id"].str.startswith("t3_total_"), "basis"].eq("held_out").any()
    held = random_board["basis"].eq("held_out")
    assert (random_board.loc[held, "role"].isin(["held_out", "erratum"])).all()
    assert not random_board.loc[~held, "role"].eq("held_out").any()  # one source: the basis


def test_design_rows_hold_on_random_data(random_board):
    design = random_board[random_board["basis"].eq("design") & random_board["role"].ne("erratum")]
    assert len(design) >= 20
    assert design["status"].eq("pass").all(), design.loc[design["status"].ne("pass"), ["id", "published", "reproduced"]]
    # random data fail most calibrated rows, so passing is not a property of every row
    calibrated = random_board[random_board["basis"].eq("calibrated") & random_board["status"].isin(["pass", "fail"])]
    assert calibrated["status"].eq("fail").mean() > 0.5


def test_no_held_out_row_measures_what_another_basis_measures(random_board):
    targets = load_targets()
    pub = F.all_published()
    rows = pub.set_index("id")[["column", "statistic"]].to_dict("index")
    computable = [i for i in pub["id"] if not isinstance(targets.lookup(i), str)]
    by_basis: dict[str, set] = {}
    for i in computable:
        by_basis.setdefault(targets.basis_of(i), set()).add(definition(targets, i, rows))
    shared = by_basis["held_out"] & (by_basis["calibrated"] | by_basis["design"] | by_basis["implied"])
    assert not shared, shared
    # the same on the numbers: no held-out value equals a value of another basis
    values = random_board.dropna(subset=["reproduced"])
    held = values[values["basis"].eq("held_out")]
    others = values[values["basis"].isin(["calibrated", "design", "implied"])]
    assert not held["reproduced"].isin(set(others["reproduced"])).any()


def test_acceptance_counts_cells_the_data_cannot_estimate(frame_2209):
    """A refit with missing Table 4 cells (stars unknown) is scored, not a crash (second-dataset failure)."""
    board = F.scoreboard({"table_4": T.table_4(frame_2209)})
    cells = board["source"].eq("Table 4") & board["statistic"].isin(["coef", "cut"])
    lost = board.index[cells][:3]
    board.loc[lost, ["reproduced", "distance"]] = np.nan
    board.loc[lost, "stars_agree"] = pd.NA
    accepted = F.acceptance(board)
    assert accepted["t4_stars_agree"] <= accepted["t4_cells"] - 3
    assert accepted["t4_within_1se"] <= accepted["t4_cells"] - 3


def test_acceptance_counts_from_a_scoreboard():
    board = pd.DataFrame(
        {
            "table": ["table_a2", "table_a2", "prose", "table_3", "table_3", "table_4", "table_4", "table_a2"],
            "role": ["target", "target", "target", "held_out", "target", "target", "target", "erratum"],
            "basis": ["calibrated", "design", "context", "held_out", "implied", "calibrated", "calibrated",
                      "calibrated"],
            "status": ["pass", "fail", "n/a", "pass", "pass", "pass", "fail", "n/a"],
            "source": ["Table A2", "Table A2", "prose", "Table 3", "Table 3", "Table 4", "Table 4", "Table A2"],
            "statistic": ["percent", "percent", "count", "percent", "percent", "coef", "cut", "percent"],
            "distance": [0.1, 0.9, None, 0.2, 0.3, 0.05, 0.35, 9.0],
            "tolerance": [0.5, 0.5, 0.0, 1.0, 1.0, 0.1, 0.2, 0.5],
            "published_se": [None, None, None, None, None, 0.1, 0.2, None],
            "stars_agree": [None, None, None, None, None, True, False, None],
        }
    )
    s = F.acceptance(board)
    assert list(s) == list(F.ACCEPTANCE_KEYS)
    assert s == {
        "calibrated_scored": 3, "calibrated_pass": 2, "held_out_scored": 1, "held_out_pass": 1,
        "implied_scored": 1, "implied_pass": 1, "design_scored": 1, "design_pass": 0,
        "arithmetic_scored": 0, "arithmetic_pass": 0,
        "t4_cells": 2, "t4_within_1se": 1, "t4_within_2se": 2, "t4_stars_agree": 1,
    }
