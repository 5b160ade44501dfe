"""Tests of the loader and the generated schema.

Each bad-input test writes a codebook-conforming CSV, breaks it in one known
place and checks that the error names the file, the column, the offending
value and the data row (1 = first line after the header).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.fake import random_valid_frame
from scsrepro.data.loading import load_survey
from scsrepro.data.schema import (
    DataValidationError,
    build_schema,
    validate_frame,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "codebook.yml")


@pytest.fixture(scope="module")
def frame(cb):
    return random_valid_frame(120, seed=11, codebook=cb)


def write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def load_error(path: Path, cb) -> str:
    with pytest.raises(DataValidationError) as info:
        load_survey(path, codebook=cb)
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert path.name in msg, "message must name the file"
    return msg


def problem_line(msg: str, column: str) -> str:
    """The message line about *column* (fails if there is none)."""
    lines = [ln for ln in msg.splitlines() if re.search(rf"\b{re.escape(column)}\b", ln)]
    assert lines, f"no line names column {column!r} in:\n{msg}"
    return "\n".join(lines)


def first(mask: pd.Series, k: int = 0) -> int:
    """Position of the k-th True in *mask*."""
    return int(np.flatnonzero(mask.to_numpy(bool))[k])


# ------------------------------------------------------------------ schema
def test_schema_is_generated_from_the_codebook(cb):
    schema = build_schema(cb)
    assert isinstance(schema, pa.DataFrameSchema)
    assert set(schema.columns) == {v.name for v in cb.raw_variables}
    assert not schema.columns["weight"].required
    keys = schema.metadata["checks"]
    assert "branching:not_asked_filled:sesame_score" in keys
    assert "multiselect:exclusive:scs_use:use_none" in keys


# ------------------------------------------------------------ good loading
def test_load_survey_types_derives_and_names_source(cb, frame, tmp_path):
    path = write(frame, tmp_path / "survey.csv")
    df = load_survey(path, codebook=cb)
    assert df.attrs["source"] == "survey.csv"
    assert not df.attrs["source"].startswith("/")
    assert {v.name for v in cb.derived_variables} <= set(df.columns)
    assert all(str(df[c].dtype) == "Int64" for c in df.columns)
    assert isinstance(df.index, pd.RangeIndex) and len(df) == 120
    # codes intact: non-substantive codes are kept
    assert set(df["income"].dropna()) <= set(cb["income"].codes)
    raw = load_survey(path, codebook=cb, derive=False)
    assert "age_group" not in raw.columns


def test_weight_column_is_validated_when_present(cb, tmp_path):
    df = random_valid_frame(30, seed=2, codebook=cb, weight=True)
    loaded = load_survey(write(df, tmp_path / "w.csv"), codebook=cb)
    assert str(loaded["weight"].dtype) == "Float64"


def test_whitespace_and_integer_like_floats_are_accepted(cb, frame, tmp_path):
    text = frame.astype(object).astype(str).replace({"<NA>": ""})
    text["age"] = text["age"] + ".0"
    text["gender"] = " " + text["gender"] + " "
    loaded = load_survey(write(text, tmp_path / "t.csv"), codebook=cb, derive=False)
    assert loaded["age"].tolist() == frame["age"].tolist()


# --------------------------------------------------------------- bad input
def test_code_outside_allowed_set(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[2, "approval"] = 7
    bad.loc[9, "approval"] = 0
    msg = load_error(write(bad, tmp_path / "codes.csv"), cb)
    line = problem_line(msg, "approval")
    assert "7" in line and "0" in line and "data rows 3, 10" in line
    assert "allowed: 1, 2, 3, 4, 5" in line


def test_non_numeric_text(cb, frame, tmp_path):
    bad = frame.astype(object)
    bad.loc[4, "gender"] = "male"
    msg = load_error(write(bad, tmp_path / "text.csv"), cb)
    line = problem_line(msg, "gender")
    assert "'male'" in line and "data row 5" in line and "not a number" in line
    assert msg.count("gender") == 1  # not repeated as an empty cell


def test_non_whole_number(cb, frame, tmp_path):
    bad = frame.astype(object)
    bad.loc[0, "education"] = "2.5"
    line = problem_line(load_error(write(bad, tmp_path / "dec.csv"), cb), "education")
    assert "'2.5'" in line and "data row 1" in line and "whole number" in line


def test_duplicate_respondent_id(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[7, "respondent_id"] = bad.loc[3, "respondent_id"]
    line = problem_line(load_error(write(bad, tmp_path / "dup.csv"), cb), "respondent_id")
    assert "duplicate" in line and "data rows 4, 8" in line
    assert str(int(frame.loc[3, "respondent_id"])) in line


def test_non_positive_respondent_id(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[0, "respondent_id"] = 0
    line = problem_line(load_error(write(bad, tmp_path / "id0.csv"), cb), "respondent_id")
    assert "greater than 0" in line and "data row 1" in line and ": 0" in line


def test_age_out_of_range(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[5, "age"] = 13
    bad.loc[6, "age"] = 66
    line = problem_line(load_error(write(bad, tmp_path / "age.csv"), cb), "age")
    assert "13, 66" in line and "data rows 6, 7" in line and "14-65" in line


def test_missing_required_column(cb, frame, tmp_path):
    msg = load_error(write(frame.drop(columns=["education"]), tmp_path / "miss.csv"), cb)
    line = problem_line(msg, "education")
    assert "required column is missing" in line and "header row" in line


def test_unknown_extra_column(cb, frame, tmp_path):
    bad = frame.copy()
    bad["favourite_colour"] = 1
    line = problem_line(load_error(write(bad, tmp_path / "extra.csv"), cb), "favourite_colour")
    assert "not in the codebook" in line and f"header row, column {bad.shape[1]}" in line


def test_derived_column_stored_in_data(cb, frame, tmp_path):
    bad = cb.derive(frame)[list(frame.columns) + ["age_group"]]
    line = problem_line(load_error(write(bad, tmp_path / "derived.csv"), cb), "age_group")
    assert "must not be stored" in line and "age" in line and "header row" in line


def test_duplicate_column_name(cb, frame, tmp_path):
    path = tmp_path / "dupcol.csv"
    text = frame.to_csv(index=False).splitlines()
    header = text[0] + ",gender"
    body = [ln + ",1" for ln in text[1:]]
    path.write_text("\n".join([header] + body) + "\n", encoding="utf-8")
    line = problem_line(load_error(path, cb), "gender")
    assert "duplicate column name" in line and f"columns {list(frame.columns).index('gender') + 1}" in line


def test_answer_given_although_not_asked(cb, frame, tmp_path):
    bad = frame.copy()
    row = first(frame["use_sesame"] == 0)
    bad.loc[row, "sesame_score"] = 4
    line = problem_line(load_error(write(bad, tmp_path / "branch.csv"), cb), "sesame_score")
    assert "not asked" in line and "use_sesame == 1" in line
    assert f"data row {row + 1}" in line and ": 4" in line


def test_empty_although_asked(cb, frame, tmp_path):
    bad = frame.copy()
    row = first(frame["use_sesame"] == 1, 1)
    bad.loc[row, "sesame_score"] = pd.NA
    line = problem_line(load_error(write(bad, tmp_path / "asked.csv"), cb), "sesame_score")
    assert "empty cell although the question was asked" in line
    assert f"data row {row + 1}" in line and "<empty>" in line


def test_empty_cell_in_always_asked_question(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[10, "approval"] = pd.NA
    line = problem_line(load_error(write(bad, tmp_path / "empty.csv"), cb), "approval")
    assert "every respondent was asked" in line and "data row 11" in line


def test_multiselect_option_not_zero_or_one(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[3, "use_other"] = 2
    line = problem_line(load_error(write(bad, tmp_path / "opt.csv"), cb), "use_other")
    assert "allowed: 0, 1" in line and ": 2" in line and "data row 4" in line


def test_none_selected_together_with_sesame(cb, frame, tmp_path):
    bad = frame.copy()
    row = first((frame["use_sesame"] == 1) & (frame["use_none"] == 0))
    bad.loc[row, "use_none"] = 1
    line = problem_line(load_error(write(bad, tmp_path / "excl.csv"), cb), "use_none")
    assert "use_none=1 with" in line and "use_sesame=1" in line
    assert f"data row {row + 1}" in line


def test_no_option_selected_although_asked(cb, frame, tmp_path):
    bad = frame.copy()
    row = first((frame["use_sesame"] == 0) & (frame["use_tencent"] == 0))
    for opt in cb.groups["scs_use"].options:
        bad.loc[row, opt] = 0
    msg = load_error(write(bad, tmp_path / "minsel.csv"), cb)
    line = problem_line(msg, "scs_use")
    assert "fewer than 1 option" in line and "all options 0" in line
    assert f"data row {row + 1}" in line


def test_non_positive_weight(cb, tmp_path):
    df = random_valid_frame(40, seed=4, codebook=cb, weight=True)
    df.loc[1, "weight"] = 0.0
    df.loc[6, "weight"] = -1.5
    line = problem_line(load_error(write(df, tmp_path / "weight.csv"), cb), "weight")
    assert "greater than 0" in line and "data rows 2, 7" in line and "-1.5" in line


def test_empty_file(cb, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    assert "file is empty" in load_error(path, cb)


def test_header_only_file(cb, frame, tmp_path):
    path = write(frame.iloc[:0], tmp_path / "header_only.csv")
    assert "no data rows" in load_error(path, cb)


def test_binary_and_spreadsheet_files_are_not_csv(cb, tmp_path):
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\x00\x01\x02respondent_id")
    assert "not a CSV file" in load_error(binary, cb)
    xlsx = tmp_path / "data.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + b"\x14" * 40)
    assert "spreadsheet" in load_error(xlsx, cb)


def test_semicolon_separated_file(cb, frame, tmp_path):
    path = tmp_path / "semi.csv"
    frame.to_csv(path, index=False, sep=";")
    assert "not a comma-separated file" in load_error(path, cb)


def test_not_utf8(cb, frame, tmp_path):
    path = tmp_path / "latin.csv"
    data = frame.to_csv(index=False).encode("utf-8").replace(b"\n", b"\n\xe9", 1)
    path.write_bytes(data)
    msg = load_error(path, cb)
    assert "UTF-8" in msg and "line 2" in msg


def test_missing_file(cb, tmp_path):
    assert "file not found" in load_error(tmp_path / "nothing.csv", cb)


def test_row_with_wrong_number_of_fields(cb, frame, tmp_path):
    path = tmp_path / "ragged.csv"
    lines = frame.to_csv(index=False).splitlines()
    lines[3] = lines[3] + ",5"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = load_error(path, cb)
    assert f"row has {frame.shape[1] + 1} field(s) but the header has {frame.shape[1]}" in msg
    assert "data row 3" in msg


def test_long_lists_are_capped(cb, frame, tmp_path):
    bad = frame.copy()
    bad["approval"] = 9
    line = problem_line(load_error(write(bad, tmp_path / "many.csv"), cb), "approval")
    assert "… and 105 more" in line  # 120 rows, 15 shown
    assert line.count("9") >= 1


def test_several_problems_in_one_message(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[0, "approval"] = 8
    bad.loc[1, "age"] = 99
    msg = load_error(write(bad, tmp_path / "two.csv"), cb)
    assert "2 problem(s)" in msg
    err = pytest.raises(DataValidationError, load_survey, tmp_path / "two.csv", cb).value
    assert [p.column for p in err.problems] == ["age", "approval"]
    assert err.source == "two.csv"


def test_invalid_filter_variable_does_not_cascade(cb, frame, tmp_path):
    bad = frame.copy()
    row = first(frame["use_sesame"] == 1)
    bad.loc[row, "use_sesame"] = 5
    msg = load_error(write(bad, tmp_path / "cascade.csv"), cb)
    assert "use_sesame" in msg and "1 problem(s)" in msg


def test_nothing_is_written_on_failure(cb, frame, tmp_path):
    bad = frame.copy()
    bad.loc[0, "approval"] = 7
    path = write(bad, tmp_path / "bad.csv")
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    with pytest.raises(DataValidationError):
        load_survey(path, codebook=cb)
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    assert before == after


def test_validate_frame_reports_positions_of_any_index(cb, frame):
    bad = frame.copy()
    bad.index = bad.index + 1000
    bad.iloc[3, bad.columns.get_loc("approval")] = 6
    with pytest.raises(DataValidationError, match="data row 4"):
        validate_frame(bad, cb, source="memory")
    ok = validate_frame(frame.set_axis(frame.index + 1000), cb)
    assert ok.index[0] == 1000


def test_blank_line_is_reported_once(cb, frame, tmp_path):
    path = tmp_path / "blank.csv"
    lines = frame.to_csv(index=False).splitlines()
    lines[4] = ""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = load_error(path, cb)
    assert "blank line inside the data (data row 4)" in msg
    assert "1 problem(s)" in msg  # no cascade of empty cells for that row


def test_validate_frame_reports_duplicate_columns_in_memory(cb, frame):
    bad = pd.concat([frame, frame[["approval"]]], axis=1)
    with pytest.raises(DataValidationError) as info:
        validate_frame(bad, cb, source="memory")
    line = problem_line(str(info.value), "approval")
    assert "duplicate column name" in line and f"columns {list(frame.columns).index('approval') + 1}" in line


def test_empty_column_name_and_position_after_duplicates(cb, frame, tmp_path):
    path = tmp_path / "names.csv"
    lines = frame.to_csv(index=False).splitlines()
    lines = [ln + ",1,1,1" for ln in lines]
    lines[0] = lines[0].rsplit(",", 3)[0] + ",gender,,shoe_size"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = load_error(path, cb)
    width = frame.shape[1]
    assert f"header row, column {width + 2}" in problem_line(msg, "unnamed")
    assert f"header row, column {width + 3}" in problem_line(msg, "shoe_size")
    assert f"{width + 1}" in problem_line(msg, "gender")
    assert "3 problem(s)" in msg


def test_data_label_names_the_twin_only_when_it_is_the_committed_twin(tmp_path):
    from scsrepro.data import paths
    from scsrepro.data.loading import data_label

    assert data_label(paths.SYNTHETIC / "twin.csv") == "twin"
    copy = tmp_path / "survey_2018.csv"
    copy.write_bytes((paths.SYNTHETIC / "twin.csv").read_bytes())
    assert data_label(copy) == "twin"  # the same bytes are the twin, whatever the name
    copy.write_bytes(copy.read_bytes().replace(b"\n1,", b"\n2,", 1))
    assert data_label(copy) == "survey_2018"


def test_is_committed_twin_checks_the_bytes_and_load_survey_records_it(tmp_path):
    from scsrepro.data import paths
    from scsrepro.data.loading import is_committed_twin

    twin = paths.SYNTHETIC / "twin.csv"
    assert is_committed_twin(twin)
    assert load_survey(twin, derive=False).attrs["committed_twin"] is True
    copy = tmp_path / "twin.csv"  # the twin's name, other bytes
    copy.write_bytes(twin.read_bytes().replace(b"\n1,", b"\n2,", 1))
    assert not is_committed_twin(copy)
    assert not is_committed_twin(tmp_path / "missing.csv")
