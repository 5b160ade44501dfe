"""The whole book on a second dataset: the promise that the chapters run unchanged on other data.

:mod:`second_dataset` builds a codebook-valid file from the twin with
another shape (fewer rows, its own weights, an approval answer nobody
chose, a region of fewer than ten respondents, a model with an empty factor
level). The book is then built on it through the same code path as ``make
book DATA=<file>`` (:func:`scsrepro.book.build.build`, chapters executed two
at a time). The test checks that every chapter executes and the book
renders, that nothing under ``chapters/`` or ``data/`` changes, that the
pages name the data and leave out what holds on the twin only, and that
disclosure control withholds the small cells.
"""

from __future__ import annotations

import hashlib
import re
import time

import nbformat
import pandas as pd
import pytest

from scsrepro.book import build, execute, manifest, staleness
from scsrepro.book.facts.common import construction_note
from scsrepro.book.passages import TWIN_PASSAGES
from scsrepro.data import validate
from scsrepro.data.loading import data_label, is_committed_twin, load_survey
from scsrepro.data.paths import ROOT
from scsrepro.data.schema import DataValidationError
from scsrepro.paper import disclosure, fitting, modelspec
from second_dataset import EMPTY_APPROVAL, EMPTY_LEVEL, SMALL_REGION, write_second_dataset

DATA = ROOT / "_build" / "second_dataset" / "resampled.csv"

#: Words of the passages shown on the committed twin only (``scsrepro.book.passages`` and the
#: construction note), as they appear on a rendered page; none may appear on another data set's pages.
TWIN_ONLY_MARKERS = (
    "On the committed synthetic twin, this result reflects",
    "What agreement means on this page",
    "Where the numbers come from",
    "The data file of this run is the synthetic twin",
    "This page ran on the synthetic twin",
    "On the synthetic twin the information dummy",
    "made-up respondents",
    "Which of these conclusions belong to one draw?",
    "stable across twins",
)
RUN = ROOT / "_build" / "runs" / DATA.stem


def _snapshot() -> dict[str, str]:
    """sha256 of every file under chapters/ and data/ (what the run must not touch)."""
    files = [p for d in ("chapters", "data") for p in sorted((ROOT / d).rglob("*")) if p.is_file()]
    return {p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _page(name: str) -> str:
    """The text of a rendered page of the run, without markup."""
    html = (RUN / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#8217;", "'")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Write the second file and build the book on it; the snapshots and the time it took."""
    write_second_dataset(DATA)
    before = _snapshot()
    start = time.monotonic()
    html = build.build(ROOT, data=DATA, jobs=2, force=True, log=lambda *a: None)
    took = time.monotonic() - start
    print(f"\n[second dataset] book built in {took:.0f} s")
    return {"html": html, "before": before, "after": _snapshot(), "seconds": took}


def test_the_file_has_another_shape_and_is_valid():
    path = write_second_dataset(DATA)
    assert validate.main([str(path)]) == 0
    assert not is_committed_twin(path) and data_label(path) == DATA.stem
    df = load_survey(path)
    twin = load_survey(ROOT / "data" / "synthetic" / "twin.csv")
    assert 600 <= len(df) <= 900 and len(df) != len(twin)
    assert "weight" in df.columns and df["weight"].notna().all()
    assert not df["approval"].eq(EMPTY_APPROVAL).any()
    assert 0 < int(df["region"].eq(SMALL_REGION).sum()) < disclosure.MIN_RESPONDENTS
    model, factor, level = EMPTY_LEVEL
    spec = {s.id: s for s in modelspec.load_specs()}[model]
    sample, _ = fitting.estimation_sample(fitting.model_frame(df), spec)
    assert not sample[factor].eq(level).any() and df[factor].eq(level).any()
    assert write_second_dataset(DATA).read_bytes() == path.read_bytes()  # deterministic


def test_a_column_outside_the_codebook_is_refused(tmp_path):
    extra = pd.read_csv(write_second_dataset(DATA), dtype=str, keep_default_na=False).assign(name="x")
    path = tmp_path / "extra.csv"
    extra.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="column is not in the codebook"):
        load_survey(path)


@pytest.mark.build
def test_every_chapter_executes_and_the_book_renders(run):
    chapters = staleness.discover(ROOT)
    for ch in chapters:
        nb = nbformat.read(RUN / "chapters" / f"{ch.name}.ipynb", as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, ch.name
        assert (run["html"] / "chapters" / f"{ch.name}.html").is_file(), ch.name
    assert not list((RUN / "chapters").glob("*.failed.ipynb"))


@pytest.mark.build
def test_nothing_under_chapters_or_data_changes(run):
    assert run["after"] == run["before"]


@pytest.mark.build
def test_the_pages_name_the_data_and_leave_out_what_holds_on_the_twin_only(run):
    for name in ("bivariate", "models"):
        assert f"({DATA.stem})" in _page(name), name
    assert "recomputed (twin)" not in _page("bivariate") and "Table 4 refitted (twin)" not in _page("models")
    assert f"Data of this run ( {DATA.name} )" in _page("colophon")
    fidelity = _page("fidelity")
    assert fidelity.count("does not apply to the data of this run") == 2  # how the twin is made, the ensemble
    assert "Each draw of the ensemble" not in fidelity and "made-up respondents" not in fidelity
    twin_only = [construction_note(True)] + [text for chapter in TWIN_PASSAGES.values() for text, _ in chapter.values()]
    for marker in TWIN_ONLY_MARKERS:
        assert any(marker in text for text in twin_only), marker  # the marker is a twin-only passage's
    for name in ("sampling", "descriptives", "bivariate", "models", "discussion", "fidelity"):
        page = _page(name)
        assert not [m for m in TWIN_ONLY_MARKERS if m in page], name


@pytest.mark.build
def test_known_failures_are_diagnostics(run):
    models = _page("models")
    assert "Not estimable on these data" in models  # the empty base level of Model 5, the missing cut point
    assert "The test cannot judge some terms on these data" in models  # the separated proportional-odds logits
    table_4 = pd.read_csv(RUN / "tables" / "table_4.csv")
    gone = table_4[table_4["reproduced"].isna() & table_4["statistic"].isin(["coef", "cut"])]
    assert len(gone) and gone["note"].str.startswith("not estimable on these data").all()


@pytest.mark.build
def test_disclosure_control_withholds_small_cells(run):
    for path in sorted((RUN / "tables").glob("*.csv")):
        if path.name == "errata.csv":  # the paper's printed numbers only
            continue
        table = pd.read_csv(path)
        assert "suppressed" in table.columns, path.name
        if "n_base" in table.columns:
            small = table["n_base"].notna() & (table["n_base"] < disclosure.MIN_RESPONDENTS)
            assert not small.any(), path.name  # a withheld row keeps no count either
            assert table.loc[table["suppressed"], "reproduced"].isna().all(), path.name
    prose = pd.read_csv(RUN / "tables" / "prose.csv").set_index("id")
    assert prose.loc["p_res_west_approve", "suppressed"]  # West: fewer than ten respondents
    board = pd.read_csv(RUN / "fidelity.csv", keep_default_na=False).set_index("id")
    assert board.loc["p_res_west_approve", "status"] == "n/a"  # not scored
    assert board.loc["p_res_west_approve", "reason"].startswith("suppressed")
    pages = {name: _page(name) for name in ("sampling", "bivariate", "models", "fidelity")}
    for name, text in pages.items():
        assert disclosure.footnote() in text, name
    assert "the rule applies on every page" in pages["sampling"]


@pytest.mark.build
def test_no_row_level_data_is_printed(run):
    for path in sorted((RUN / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                text = str(out.get("data", {}).get("text/plain", "")) + str(out.get("text", ""))
                assert "respondent_id" not in text, path.name


@pytest.mark.build
def test_every_output_of_the_manifest_exists_after_the_build(run):
    """Each file ``codecheck.yml`` lists is written by the build (here under the run's folder)."""
    entries = manifest.load_manifest()
    missing = [e["file"] for e in entries if not (RUN / e["file"].removeprefix("_build/")).is_file()]
    assert not missing, f"listed in codecheck.yml but not written by the build: {missing}"
