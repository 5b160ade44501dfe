"""scsrepro.book.facts.common: the prose's number formats and the construction note."""

from __future__ import annotations

import re

from IPython.display import Markdown

from scsrepro.book.facts import common
from scsrepro.data import paths
from scsrepro.data.loading import data_label


def test_number_formats():
    assert common.pct(61.234) == "61.2"
    assert common.count(2209) == "2,209"
    assert common.p_value(0.0004) == "p < 0.001" and common.p_value(0.1234) == "p = 0.123"
    assert common.p_value(None) == "p = n/a" and common.p_value(float("nan")) == "p = n/a"
    assert common.signed(1.25) == "+1.2" and common.signed(-3, 0) == "-3"
    missing = [common.pct(float("nan")), common.count(None), common.signed(float("nan"))]
    assert missing == [common.NOT_AVAILABLE] * 3


def test_twin_note_and_does_not_apply():
    assert common.twin_note(True, "on the twin").data == "on the twin"
    assert common.twin_note(False, "on the twin").data == ""
    assert common.twin_note(False, "on the twin", "elsewhere").data == "elsewhere"
    line = common.does_not_apply("the seed check")
    assert line.startswith("The seed check concerns the committed synthetic twin only")


def test_the_construction_note_is_one_sentence_on_the_twin_and_nothing_elsewhere():
    note = common.construction_note(True)
    assert note.startswith("On the committed synthetic twin") and note.endswith(".")
    assert len(re.findall(r"[.!?](?:\s|$)", note)) == 1  # one sentence
    assert "no evidence about the real survey" in note
    assert common.construction_note(False) == ""


def test_the_construction_note_links_to_a_label_of_the_appendix():
    note = common.construction_note(True)
    assert f"]({common.CONSTRUCTION_LABEL})" in note  # a MyST cross-reference to a label
    fidelity = (paths.CHAPTERS / "fidelity.md").read_text(encoding="utf-8")
    assert re.search(rf"^\({re.escape(common.CONSTRUCTION_LABEL)}\)=\s*$", fidelity, flags=re.M)


def test_construction_facts_glue_markdown_for_the_md_role():
    on_twin = common.construction_facts(True)["construction_note"]
    assert isinstance(on_twin, Markdown) and on_twin.data == common.construction_note(True)
    assert common.construction_facts(False)["construction_note"].data == ""


def test_every_chapter_that_quotes_the_note_glues_it_from_the_checksum():
    for md in sorted(paths.CHAPTERS.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        if "construction_note" in text:
            assert "{glue:md}`construction_note:myst`" in text, md.name
            assert f'chapter_notes("{md.stem}", ' in text, md.name
            assert "is_committed_twin(data_path)" in text, md.name


def test_the_data_label_tells_the_twin_from_other_data(tmp_path):
    twin = paths.SYNTHETIC / "twin.csv"
    assert data_label(twin) == "twin"
    other = tmp_path / "resampled.csv"
    other.write_bytes(twin.read_bytes() + b"\n")
    assert data_label(other) != "twin"
