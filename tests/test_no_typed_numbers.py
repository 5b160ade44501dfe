"""Chapter prose must not contain typed, data-dependent numbers or counts.

Every number a chapter states about the data comes from a ``glue`` call, so
that the text stays true when the chapter runs on other data. This test
reads each ``chapters/*.md`` source, removes code cells, inline code, glue
roles, math, MyST directive options, labels, citations and link targets,
and reports what remains of two kinds.

**Numerals.** Any numeral that is not on the allow list :data:`ALLOWED`:

- years (1900-2099): dates of the survey, of sources and of the paper;
- labels of the paper's own objects: "Table 4", "Table A2", "Figure 5",
  "Model 5", "H15", "step 2", "section 3.2", "footnote 10", "Interview 8" --
  these name things, they are not results. A singular label takes one
  number; only a plural label ("Tables", "Models", "Figures", "codes")
  takes a list or a range, written "2, 3 and 7", "2 to 7", "4-5" or
  "H1–H21", and no item of it may be followed by a unit ("per cent", "%",
  "respondents", ...). So "In Table 4, 80 per cent approve." and "Model 3
  and 45 respondents" are caught, while "Table 4", "Model 3" and
  "Models 2 to 7" are allowed;
- answer codes quoted from the questionnaire, written as ``1 =``..``5 =`` --
  the codebook's codes, not results;
- software versions ("Python 3.11") and ordered-list markers ("1. ");
- design constants of the study that the paper fixes rather than measures:
  the planned quota sample of 2,000, the age range 14 to 65, the weight cap
  2.0 and the 95 % confidence level.

**Number words.** A count written in words says how many members of a set
have some property ("four of them", "most of them", "none of the binary
logits separated", "all seven", "nobody in the group"); on other data the
count changes and the sentence becomes false. The rule (:func:`typed_counts`):

1. *a count of a set*: a cardinal from two upwards, or a quantifier (none,
   most, all, both, neither, half, few, several, many, majority, ...),
   followed by "of": "four of", "most of them", "none of the";
2. *a quantifier before a cardinal*: "all seven", "both two", "only three";
3. *a cardinal before a unit of a result*: "eighty per cent", "forty
   respondents";
4. *a zero count of people*: "nobody", "no one", and "dozen(s)" anywhere.

"one" is never counted (it is mostly an article or a pronoun: "one of the
answers", "one variable at a time"), nor is text in double quotes (the
codebook's labels, such as "none or low", and the paper's words). A count
that the paper or the project's design fixes, and that therefore stays true
on any data, is on the allow list :data:`ALLOWED_COUNTS`, each with its
reason. Everything else is either glued from a computation or rephrased.
"""

from __future__ import annotations

import re

import pytest

from scsrepro.book.facts.common import construction_facts
from scsrepro.book.passages import TWIN_PASSAGES, twin_passages
from scsrepro.data.paths import CHAPTERS

# --------------------------------------------------------------------------- numerals

_SINGULAR = r"(?:Table|Figure|Model|model|Step|step|Section|section|Footnote|footnote|Interview|Hypothesis|hypothesis|Appendix|cut|code|Chapter|chapter)"
_PLURAL = r"(?:Tables|Figures|Models|models|Steps|steps|Sections|sections|Footnotes|footnotes|Interviews|Hypotheses|hypotheses|cuts|codes|Chapters|chapters)"
_ITEM = r"[A-Z]?\d+(?:\.\d+)?"
# a list item must not be followed by the unit of a result ("Models 4 and 5 per cent")
_NO_UNIT = r"(?!\s*(?:%|per\s*cent|percent|respondents|people|users|points|percentage)\b)(?!\d)"
_LIST = rf"{_ITEM}{_NO_UNIT}(?:\s*,\s*{_ITEM}{_NO_UNIT})*(?:\s*(?:-|–|to|and|or)\s*{_ITEM}{_NO_UNIT})?"

ALLOWED = [
    r"\b(?:19|20)\d\d\b",  # years
    rf"\b{_PLURAL}\s+{_LIST}",  # label lists and ranges: "Models 2, 3 and 7", "Tables A2 and A3"
    rf"\b{_SINGULAR}\s+{_ITEM}\b",  # one label: "Table 4", "Model 5", "section 3.2", "code 98"
    r"\bH\d+(?:\s*(?:-|–|to)\s*H\d+)?\b",  # hypotheses: "H6", "H1–H21"
    r"\b\d\s*=",  # answer codes "1 = strongly disapprove"
    r"\b2,000\b",
    r"\b14\s*(?:to|-|–)\s*65\b",
    r"\b2\.0\b",
    r"\b95\s*(?:%|per\s*cent)",
    r"Python\s+3\.\d+",  # the software version the README and index name
    r"(?m)^\s*\d+\.\s",  # ordered-list markers
]

# --------------------------------------------------------------------------- number words

_CARDINALS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    "|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
)
_QUANTIFIERS = "none|most|all|both|neither|half|quarter|third|few|several|many|majority|minority|dozens"

COUNT_RULES = {
    "count of a set": rf"\b(?:{_CARDINALS}|{_QUANTIFIERS})\s+of\b",
    "quantifier before a cardinal": rf"\b(?:all|both|none|only|just|every|each)\s+(?:{_CARDINALS})\b",
    "cardinal before a unit": rf"\b(?:{_CARDINALS})\s+(?:per\s*cent|percent|%|respondents|people|users|points)\b",
    "zero count or dozen": r"\b(?:nobody|no\s+one|dozens?)\b",
}

#: Counts that the paper or the project's design fixes: they stay true on any data.
#: Each entry: (pattern, reason). Patterns are matched case-insensitively against the
#: prose with glue roles removed.
ALLOWED_COUNTS = [
    (r"one hundred per cent", "the whole: what shares add up to, not a result"),
    (r"recomputes all of them", "the chapter's own scope: the paper's tables it recomputes"),
    (r"repeats two of its cells", "the paper's text quotes two cells of Table 2"),
    (r"all of them are asked of", "the questionnaire's routing: who was asked the questions"),
    (r"none of them can be\s+recomputed", "the paper's fieldwork numbers are not respondent data"),
    (r"a few of these changes", "the twin's generator: which printed changes set its factor structure"),
    (r"enter none of these steps", "the twin's generator: what its calibration uses"),
    (r"none of these\s+numbers entered the calibration", "the recipe's roles: held-out rows are never calibrated"),
    (r"the outcome of all seven models", "the paper's design: approval is the outcome of each of its seven models"),
]


def prose(md: str) -> str:
    """The chapter text a reader sees, without code and markup."""
    text = re.sub(r"^---\n.*?\n---\n", "", md, flags=re.S)  # front matter
    text = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)  # code cells
    text = re.sub(r"```[^\n]*\n.*?```", lambda m: _directive_body(m.group(0)), text, flags=re.S)
    text = re.sub(r"\{glue(?::[a-z]*)?\}`[^`]*`", "", text)  # glue roles: {glue}, {glue:}, {glue:text}, ...
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
    """Numerals of the prose that no rule of :data:`ALLOWED` explains."""
    text = prose(md)
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text)
    return re.findall(r"[^\s]*\d[^\s]*", text)


def typed_counts(md: str) -> list[str]:
    """Counts in words (:data:`COUNT_RULES`) that no entry of :data:`ALLOWED_COUNTS` explains."""
    text = " ".join(prose(md).split())
    text = re.sub(r"\"[^\"]*\"|“[^”]*”", " ", text)  # quoted labels and the paper's words
    for pattern, _reason in ALLOWED_COUNTS:
        text = re.sub(pattern, " ", text, flags=re.I)
    found = []
    for pattern in COUNT_RULES.values():
        found += [m.group(0) for m in re.finditer(pattern, text, flags=re.I)]
    return found


CHAPTER_FILES = sorted(p for p in CHAPTERS.glob("*.md"))


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.name)
def test_no_typed_result_numbers(path):
    found = typed_numbers(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: numerals typed into the prose (use glue): {found}"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.name)
def test_no_typed_counts_in_words(path):
    found = typed_counts(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: counts written as words (glue them or rephrase): {found}"


# --------------------------------------------------------------------------- the scanner itself

BAD_NUMERALS = [
    ("Approval was 80 per cent.\n", ["80"]),
    ("In Table 4, 80 per cent approve.\n", ["80"]),
    ("Model 3 and 45 respondents agree.\n", ["45"]),
    ("In Tables 2 and 3, 45 per cent approve.\n", ["45"]),
    ("Models 4 and 5 per cent approve.\n", ["5"]),
    ("Figure 2 shows 58 % of users.\n", ["58"]),
    ("H14 fails in 3 models.\n", ["3"]),
]

GOOD_NUMERALS = [
    "In Table 4, Model 5 (2018) shows {glue:text}`x`.\n",
    "Table 4 and Model 3 alone.\n",
    "Models 2 to 7 each add one block; Models 1-3 and Models 2, 3 and 7.\n",
    "Figures 2, 3, 5 and 6 and Tables A2 and A3; hypotheses H1–H21 and H6.\n",
    "Collapse codes 1 to 3; code 98 is don't know; section 3.2, footnote 10, Interview 10.\n",
    "Answers run from 1 = strongly disapprove to 5 = strongly approve.\n",
    "```{code-cell} ipython3\nx = 42\n```\n",
]


@pytest.mark.parametrize(("text", "expected"), BAD_NUMERALS)
def test_the_scanner_catches_typed_numerals(text, expected):
    assert typed_numbers(text) == expected


@pytest.mark.parametrize("text", GOOD_NUMERALS)
def test_the_scanner_allows_labels_and_constants(text):
    assert typed_numbers(text) == []


BAD_COUNTS = [
    "Four of them concern the tables on this page.",
    "None of the binary logits separated.",
    "On the twin, most of them concern one variable.",
    "Gender violates the assumption in all seven models.",
    "Half of the respondents approve.",
    "Nobody in the base group answers below the top category.",
    "Eighty per cent approve.",
    "A group of a few dozen people.",
    "Both of the tests reject.",
    "Only two respondents chose it.",
]

GOOD_COUNTS = [
    "{glue:text}`n` of the {glue:text}`m` models reject; the table lists {glue:text}`k` of them.",
    "Respondents chose one of the two disapproving answers, one variable at a time.",
    'The base becomes "none or low".',
    "The chapter recomputes all of them from respondent-level data.",
    "Every respondent of a cell gets the same weight.",
    "The seven models and the four cut points.",
]


@pytest.mark.parametrize("text", BAD_COUNTS)
def test_the_scanner_catches_counts_in_words(text):
    assert typed_counts(text + "\n"), text


@pytest.mark.parametrize("text", GOOD_COUNTS)
def test_the_scanner_allows_fixed_counts(text):
    assert typed_counts(text + "\n") == [], text


def test_every_allowed_count_is_used():
    """An allow-list entry that no chapter needs any more is removed, not kept 'just in case'."""
    texts = [" ".join(prose(p.read_text(encoding="utf-8")).split()) for p in CHAPTER_FILES]
    texts += [" ".join(text.split()) for text in _twin_only_passages(True).values()]
    unused = [pattern for pattern, _ in ALLOWED_COUNTS if not any(re.search(pattern, t, flags=re.I) for t in texts)]
    assert not unused, f"allow-list entries no chapter uses: {unused}"


# Passages that hold on the committed twin only are glued as MyST
# (``{glue:md}``) from ``scsrepro.book.passages`` and ``construction_note``;
# they follow the same rule, and vanish (or shrink to one line) on other data.
def _twin_only_passages(is_twin: bool) -> dict[str, str]:
    notes = {
        f"{chapter}.{name}": md.data
        for chapter in TWIN_PASSAGES
        for name, md in twin_passages(chapter, is_twin).items()
    }
    notes["construction_note"] = construction_facts(is_twin)["construction_note"].data
    return notes


@pytest.mark.parametrize("is_twin", [True, False], ids=["twin", "other data"])
def test_twin_only_passages_have_no_typed_numbers_and_vanish_on_other_data(is_twin):
    for name, text in _twin_only_passages(is_twin).items():
        assert not typed_numbers(text), f"{name}: numerals typed into a passage (use glue)"
        assert not typed_counts(text + "\n"), f"{name}: counts written as words"
        if not is_twin:
            assert text == "" or text.endswith("does not apply to the data of this run."), name
