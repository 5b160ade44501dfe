"""Chapter prose must not contain typed result numbers.

Every number a chapter states about the data comes from a ``glue`` call, so
that the text stays true when the chapter runs on other data. This test
reads each ``chapters/*.md`` source, removes code cells, inline code, glue
roles, math, MyST directive options, labels, citations and link targets,
and reports any remaining numeral that is not on the documented allow list
below.

Allowed (with the reason):
- years (1900-2099): dates of the survey, of sources and of the paper;
- labels of the paper's own objects: "Table 4", "Table A2", "Figure 5",
  "Model 5", "H15", "step 2", "section 3.2", "footnote 10", "Interview 8" --
  these name things, they are not results;
- answer codes quoted from the questionnaire, written as ``1 =``..``5 =`` or
  "code 98"/"code 99" -- the codebook's codes, not results;
- software versions ("Python 3.11") and ordered-list markers ("1. ");
- design constants of the study that the paper fixes rather than measures:
  the planned quota sample of 2,000, the age range 14 to 65, the weight cap
  2.0, the 95 % confidence level, and the five answer levels of the
  approval question.
"""

from __future__ import annotations

import re

import pytest

from scsrepro.data.paths import CHAPTERS

LABEL = r"(?:Table|Tables|Figure|Figures|Model|Models|model|models|step|steps|Step|section|Section|footnote|Footnote|Interview|H|Hypothesis|hypothesis|Appendix|cut|code|codes|Chapter|chapter)"
ALLOWED = [
    r"\b(?:19|20)\d\d\b",  # years
    LABEL + r"s?\s*[A-Z]?\d+(?:\.\d+)?(?:\s*(?:-|–|to|and|,)\s*[A-Z]?\d+)*",  # labels and label ranges
    r"\b\d\s*=",  # answer codes "1 = strongly disapprove"
    r"\b2,000\b",
    r"\b14\s*(?:to|-|–)\s*65\b",
    r"\b2\.0\b",
    r"\b95\s*(?:%|per\s*cent)",
    r"\bfive\b",
    r"Python\s+3\.\d+",  # the software version the README and index name
    r"(?m)^\s*\d+\.\s",  # ordered-list markers
]


def prose(md: str) -> str:
    """The chapter text a reader sees, without code and markup."""
    text = re.sub(r"^---\n.*?\n---\n", "", md, flags=re.S)  # front matter
    text = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)  # code cells
    text = re.sub(r"```[^\n]*\n.*?```", lambda m: _directive_body(m.group(0)), text, flags=re.S)
    text = re.sub(r"\{(?:glue|glue:text|glue:any|glue:md)\}`[^`]*`", "", text)
    text = re.sub(r"\{(?:cite|cite:t|cite:p|numref|ref|doc|eq|term)\}`[^`]*`", "", text)
    text = re.sub(r"`[^`]*`", "", text)  # inline code
    text = re.sub(r"\$[^$]*\$", "", text)  # math
    text = re.sub(r"^\(.*\)=\s*$", "", text, flags=re.M)  # labels
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"^:[a-z-]+:.*$", "", text, flags=re.M)  # directive options
    return text


def _directive_body(block: str) -> str:
    lines = block.splitlines()[1:-1]
    return "\n".join(lines)


def typed_numbers(md: str) -> list[str]:
    text = prose(md)
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text)
    return re.findall(r"[^\s]*\d[^\s]*", text)


CHAPTER_FILES = sorted(p for p in CHAPTERS.glob("*.md"))


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.name)
def test_no_typed_result_numbers(path):
    found = typed_numbers(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: numerals typed into the prose (use glue): {found}"


def test_the_scanner_finds_a_typed_number():
    assert typed_numbers("Approval was 80 per cent.\n") == ["80"]
    assert typed_numbers("In Table 4, Model 5 (2018) shows {glue:}`x`.\n") == []
    assert typed_numbers("```{code-cell} ipython3\nx = 42\n```\n") == []


# Passages that hold on the committed twin only live in the chapters' facts
# modules and are glued as MyST (``{glue:md}``); they follow the same rule.
def _note_helpers():
    from scsrepro.book.facts import bivariate, descriptives, discussion, fidelity, models, sampling

    return [m.twin_notes for m in (sampling, descriptives, bivariate, models, discussion, fidelity)]


@pytest.mark.parametrize("is_twin", [True, False], ids=["twin", "other data"])
@pytest.mark.parametrize("helper", _note_helpers(), ids=lambda h: h.__module__.rsplit(".", 1)[-1])
def test_twin_only_passages_have_no_typed_numbers_and_vanish_on_other_data(helper, is_twin):
    notes = helper(is_twin)
    for name, md in notes.items():
        assert not typed_numbers(md.data), f"{name}: numerals typed into a passage (use glue)"
        if not is_twin:
            assert md.data == "" or md.data.endswith("does not apply to the data of this run."), name
