"""scsrepro.book.gluing: glued floats are stored at six significant digits."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from scsrepro.book import gluing
from scsrepro.book.gluing import SIGNIFICANT_DIGITS, round_significant
from scsrepro.data.paths import CHAPTERS


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (1.2266376064956577, "1.22664"),
        (1948.7309658629135, "1948.73"),
        (1.9999999999999973, "2.0"),
        (0.31772929818333395, "0.317729"),
        (38.70000000418803, "38.7"),
        (350000.0, "350000.0"),
        (-0.0017918313484022487, "-0.00179183"),
        (np.float64(5.033896770369748), "5.0339"),
        (np.float32(0.1), "0.1"),
    ],
)
def test_floats_are_rounded_to_six_significant_digits(value, stored):
    out = round_significant(value)
    assert type(out) is float  # a plain number in text/plain, not np.float64(...)
    assert repr(out) == stored


def test_last_bit_differences_vanish():
    a = 1.2266376064956577
    b = np.nextafter(a, 2.0)
    assert a != b and round_significant(a) == round_significant(b)


@pytest.mark.parametrize("value", [3, np.int64(4), True, np.bool_(False), "1.2266376064956577", None, [1.23456789]])
def test_other_values_pass_through(value):
    assert round_significant(value) is value


def test_non_finite_floats_pass_through():
    assert math.isnan(round_significant(float("nan")))
    assert round_significant(np.float64(np.inf)) == math.inf


def test_glue_passes_the_rounded_value_to_myst_nb(monkeypatch):
    import myst_nb

    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: seen.append((name, value, display)))
    gluing.glue("x", np.float64(0.7207061723833296))
    gluing.glue("n", 1135, display=True)
    assert seen == [("x", 0.720706, False), ("n", 1135, True)]


def test_chapters_glue_through_the_package():
    """No chapter glues with myst_nb directly (it would store full precision)."""
    for md in sorted(CHAPTERS.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        assert not re.search(r"from myst_nb import glue|myst_nb\.glue", text), md.name


def _significant_digits(text: str) -> int:
    """Significant digits written in a formatted number ("1,948" -> 4, "0.0320" -> 3)."""
    mantissa = re.split(r"[eE]", text)[0]
    digits = re.sub(r"\D", "", mantissa).lstrip("0")
    return len(digits)


def test_significant_digits():
    assert [_significant_digits(t) for t in ["1,948", "0.0320", "-25.0", "5.3e-06", "2.00"]] == [4, 3, 3, 2, 3]


def test_prose_shows_no_more_digits_than_are_glued():
    """A glued float keeps six significant digits; a format in the prose that
    shows more would print digits that were rounded away."""
    import nbformat

    role = re.compile(r"\{glue(?::text)?\}`([^`:]+):([^`]+)`")
    checked = 0
    for md in sorted(CHAPTERS.glob("*.md")):
        nb_path = md.with_suffix(".ipynb")
        if not nb_path.is_file():
            continue
        stored = {}
        for cell in nbformat.read(nb_path, as_version=4).cells:
            for out in cell.get("outputs", []):
                text = out.get("data", {}).get("application/papermill.record/text/plain")
                if text is not None:
                    stored[out["metadata"]["scrapbook"]["name"]] = text
        for key, fmt in role.findall(md.read_text(encoding="utf-8")):
            if fmt[-1] not in "fFeEgG%" or key not in stored:
                continue
            value = float(stored[key])
            if value != 0 and math.isfinite(value):
                shown = format(value, fmt)
                assert _significant_digits(shown) <= SIGNIFICANT_DIGITS, (md.name, key, fmt, shown)
                checked += 1
    assert checked > 0
