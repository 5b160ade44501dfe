"""scsrepro.book.display: tables whose output depends only on what they display.

The committed notebooks are compared byte for byte on other machines, where
floating-point results may differ in their last bits. A table's id and its
plain-text form must therefore follow the displayed (formatted) values, not
the data behind them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.display import DEFAULT_PRECISION, index_label, no_negative_zero, plain_text, table


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"coef": [1.2266376064956577, -0.7207061723833296], "n": [1944, 1100], "label": ["a", "b"]},
        index=["x", "y"],
    )


def _nudged(frame: pd.DataFrame, delta: float) -> pd.DataFrame:
    out = frame.copy()
    out["coef"] = out["coef"] * (1 + delta)
    return out


def test_id_ignores_differences_below_the_displayed_precision(frame):
    a = table(frame, {"coef": "{:.3f}"}, caption="c")
    b = table(_nudged(frame, 1e-15), {"coef": "{:.3f}"}, caption="c")
    assert not frame["coef"].equals(_nudged(frame, 1e-15)["coef"])  # the data really differ
    assert a.uuid == b.uuid
    assert a.to_html() == b.to_html()
    assert repr(a) == repr(b)


def test_id_ignores_last_bits_with_the_default_format(frame):
    assert table(frame).uuid == table(_nudged(frame, 1e-15)).uuid


def test_id_changes_when_a_displayed_value_changes(frame):
    a = table(frame, {"coef": "{:.3f}"})
    b = table(_nudged(frame, 1e-3), {"coef": "{:.3f}"})  # 1.227 -> 1.228
    assert a.uuid != b.uuid
    assert a.to_html() != b.to_html()


def test_id_changes_with_the_format_caption_and_labels(frame):
    ids = {
        table(frame).uuid,
        table(frame, {"coef": "{:.3f}"}).uuid,
        table(frame, caption="another caption").uuid,
        table(frame, hide_index=True).uuid,
        table(frame.rename(index={"x": "z"})).uuid,
    }
    assert len(ids) == 5


def test_id_is_written_into_the_html(frame):
    t = table(frame)
    assert len(t.uuid) == 10 and f'id="T_{t.uuid}"' in t.to_html()
    assert "placeholder" not in t.to_html()


def test_plain_text_is_the_formatted_table(frame):
    text = repr(table(frame, {"coef": "{:.3f}", "n": "{:,}"}, caption="Cap"))
    assert text.splitlines()[0] == "Cap"
    assert "1.227" in text and "1,944" in text
    assert "1.2266376" not in text  # never the raw data
    rows = text.splitlines()[1:]
    assert len({len(r) for r in rows}) == 1  # columns aligned


def test_default_float_format_has_fixed_decimals(frame):
    with pd.option_context("styler.format.precision", 2):
        text = repr(table(frame))
    assert f"{1.2266376064956577:.{DEFAULT_PRECISION}f}" in text


def test_missing_values_are_blank_with_explicit_formats():
    t = table(pd.DataFrame({"v": [1.0, np.nan]}), "{:.1f}")
    assert plain_text(t).splitlines()[-1].strip() == "1"
    assert "nan" not in t.to_html()


def test_series_and_multiindex_render():
    s = pd.Series([0.5, 0.25], index=["a", "b"], name="share")
    assert "0.5" in repr(table(s)) and "0.500000" not in repr(table(s))
    cols = pd.MultiIndex.from_product([["M1", "M2"], ["coef", "se"]])
    wide = pd.DataFrame(np.arange(8.0).reshape(2, 4) / 3, columns=cols, index=["x", "y"])
    lines = repr(table(wide, "{:.2f}")).splitlines()
    assert lines[0].split() == ["M1", "M1", "M2", "M2"]
    assert lines[-1].split() == ["y", "1.33", "1.67", "2.00", "2.33"]


def test_suppressed_rows_show_a_mark_and_the_footnote_and_hide_the_flag():
    from scsrepro.paper import disclosure

    frame = pd.DataFrame({"item": ["a", "b"], "published": [1.0, 2.0], "reproduced": [1.5, 2.5], "n_base": [50, 3]})
    shown = repr(table(disclosure.suppress_rows(frame, True), {"reproduced": "{:.2f}"}, caption="Cap.", hide_index=True))
    lines = shown.splitlines()
    assert lines[0] == f"Cap. {disclosure.footnote()}"
    assert "suppressed" not in shown
    assert lines[-1].split() == ["b", "2", disclosure.MARK, disclosure.MARK]  # a whole number shows as one
    assert "1.50" in shown and "2.50" not in shown


def test_a_table_with_nothing_suppressed_renders_as_before():
    from scsrepro.paper import disclosure

    frame = pd.DataFrame({"item": ["a"], "reproduced": [1.5], "n_base": [50]})
    flagged = disclosure.suppress_rows(frame, False)
    fmt = {"reproduced": "{:.2f}"}
    assert table(flagged, fmt, caption="C").to_html() == table(frame, fmt, caption="C").to_html()


def test_a_mask_of_cells_marks_a_wide_table():
    from scsrepro.paper import disclosure

    counts = disclosure.suppress_counts(pd.DataFrame([[12, 3]], index=["x"], columns=["p", "q"]), True)
    assert repr(table(counts)).splitlines()[-1].split() == ["x", "12", disclosure.MARK]


def test_whole_numbers_show_as_integers_and_zeros_without_a_sign():
    frame = pd.DataFrame({"n": [2209.0, 1100.0], "w": [212.6556, 3.5], "d": [-0.001, 0.5]}, index=["a", "b"])
    text = repr(table(frame, {"d": "{:.2f}"}))
    assert "2,209" in text and "2,209.0" not in text
    assert "212.6556" in text and "212.655600" not in text
    assert "-0.00" not in text and " 0.00" in text
    assert no_negative_zero("-0.0%") == "0.0%" and no_negative_zero("-0.01") == "-0.01"


def test_variable_names_in_labels_show_the_codebook_label():
    frame = pd.DataFrame({"abide_regulations": [1.0]}, index=["approval"])
    html = table(frame).to_html()
    assert "SCS helps companies abide by regulations" in html and ">abide_regulations<" not in html
    assert index_label(3.0) == "3" and index_label("not a variable") == "not a variable"
