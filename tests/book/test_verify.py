"""``make verify``: its recorded hashes stay current, and a difference is reported and fails.

The full verification (regenerating the twin, executing every chapter,
re-scoring a seed, the kernel checks, R) takes several minutes and runs as
``make verify`` in CI after ``make test``. Here the reports step runs for
real in a temporary copy, once as committed and once with a recorded hash
tampered with; the other pieces are tested on constructed inputs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scsrepro.book import build, verify
from scsrepro.data.paths import ROOT

TWIN = ROOT / "data" / "synthetic" / "twin.csv"


@pytest.fixture(scope="module")
def computed(tmp_path_factory) -> Path:
    """A folder whose ``_build`` holds the reports the build writes for the committed twin."""
    base = tmp_path_factory.mktemp("reports")
    build.write_reports(ROOT, TWIN, base / "_build", force=True, log=lambda *a: None)
    return base


def test_the_recorded_report_hashes_are_those_of_the_reports_computed_now(computed):
    """``data/verify/expected.csv`` holds the hashes the build's own reports have on this machine."""
    found = verify.compare_reports(ROOT, computed)
    assert len(found) >= 12
    differ = [a.name for a in found if a.result != "match"]
    assert not differ, f"reports differ from data/verify/expected.csv (run python -m scsrepro.book.verify --record): {differ}"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A private copy of the project, so that a tampered expectation cannot leak into the real one."""
    root = tmp_path_factory.mktemp("project") / "root"
    verify.copy_project(ROOT, root)
    return root


def test_the_reports_step_matches_and_the_report_names_the_run(project, capsys):
    artefacts, report = verify.verify(project, steps=["reports"], log=lambda *a: None)
    assert len(artefacts) >= 12 and all(a.result == "match" for a in artefacts), [
        (a.name, a.result) for a in artefacts if a.result != "match"
    ]
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Verification report")
    assert verify.summary_line(artefacts) in text and "**Machine:**" in text and "| pandas |" in text
    data = json.loads((report.parent / "report.json").read_text(encoding="utf-8"))
    assert data["summary"] == f"verify: {len(artefacts)} artefacts, {len(artefacts)} matched, 0 differ"
    assert {a["name"] for a in data["artefacts"]} == {a.name for a in artefacts}


def test_a_difference_is_reported_last_and_fails(project, monkeypatch, capsys):
    """``main`` prints what differs, ends with the summary line and exits 1 (the step itself is replaced)."""

    def one_differs(root, copy, log):
        return [verify.Artefact("reports", "_build/tables/table_4.csv", "a" * 64, "b" * 64, "differ", 0.1)]

    monkeypatch.setattr(verify.paths, "ROOT", project)
    monkeypatch.setattr(verify, "step_reports", one_differs)
    code = verify.main(["--steps", "reports"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert out[-1] == "verify: 1 artefacts, 0 matched, 1 differ"
    assert any("differs: _build/tables/table_4.csv" in line for line in out)


def test_a_tampered_expectation_differs(project, computed):
    """The reports step compares with the recorded hashes: one wrong hash, one difference."""
    expected = project / verify.EXPECTED
    original = expected.read_text(encoding="utf-8")
    lines = original.splitlines()
    name, digest = lines[1].split(",")
    expected.write_text("\n".join([lines[0], f"{name},{'0' * len(digest)}", *lines[2:]]) + "\n", encoding="utf-8")
    try:
        found = verify.compare_reports(project, computed)
    finally:
        expected.write_text(original, encoding="utf-8")
    assert [a.name for a in found if a.result == "differ"] == [name]


def test_skipped_artefacts_are_not_counted():
    a = [
        verify.Artefact("twin", "x", "1", "1", "match", 1.0),
        verify.Artefact("R", "y", "2", "", "skipped", 0.0, "skipped: R not installed"),
        verify.Artefact("reports", "z", "3", "4", "differ", 1.0),
    ]
    assert verify.summary_line(a) == "verify: 2 artefacts, 1 matched, 1 differ"


def test_without_r_the_r_step_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(verify.shutil, "which", lambda name: None)
    messages = []
    found = verify.step_r(ROOT, tmp_path, messages.append)
    assert found and all(a.result == "skipped" and a.note == "skipped: R not installed" for a in found)
    assert any("skipped: R not installed" in m for m in messages)


def test_notebooks_that_differ_only_in_sanitised_fields_match(tmp_path):
    rules = verify.sanitisers(ROOT)
    nb = json.loads((ROOT / "chapters" / "sampling.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append(
        {"cell_type": "code", "metadata": {}, "source": "", "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "<Figure at 0x7f3a12345678>"}]}
    )
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.write_text(json.dumps(nb), encoding="utf-8")
    nb["cells"][-1]["outputs"][0]["text"] = "<Figure at 0x7f3a87654321>"
    b.write_text(json.dumps(nb), encoding="utf-8")
    assert verify.sanitised_outputs(a, rules) == verify.sanitised_outputs(b, rules)
    nb["cells"][-1]["outputs"][0]["text"] = "<Figure of another size at 0x7f3a87654321>"
    b.write_text(json.dumps(nb), encoding="utf-8")
    assert verify.sanitised_outputs(a, rules) != verify.sanitised_outputs(b, rules)


def test_the_draws_redrawn_by_default_are_the_first_two_besides_the_committed_one():
    rows = verify.draw_rows(ROOT / verify.ENSEMBLE)
    committed = [s for s, lines in rows.items() if any(",draw,committed,1," in line for line in lines)]
    others = [s for s in rows if s not in committed]
    assert len(committed) == 1 and len(others) >= 2
    assert verify.seeds_to_check(ROOT, "") == others[:2]
    assert verify.seeds_to_check(ROOT, "all") == list(rows)
    assert verify.seeds_to_check(ROOT, "7, 11") == [7, 11]


def test_the_book_shows_the_last_report_or_says_there_is_none(tmp_path):
    for name in ("requirements.in",):
        shutil.copy2(ROOT / name, tmp_path / name)
    assert "No verification has been run" in build.verification_page(tmp_path)
    report = tmp_path / build.VERIFY_REPORT
    report.parent.mkdir(parents=True)
    report.write_text("# Verification report\n\nverify: 1 artefacts, 1 matched, 0 differ\n", encoding="utf-8")
    assert build.verification_page(tmp_path) == report.read_text(encoding="utf-8")
    assert Path(build.VERIFY_REPORT).as_posix() == (verify.REPORT_DIR / "report.md").as_posix()


def test_an_r_without_a_needed_library_skips_the_r_step_and_names_it(monkeypatch, tmp_path):
    monkeypatch.setattr(verify.shutil, "which", lambda name: "/usr/bin/Rscript")
    monkeypatch.setattr(verify, "missing_r_libraries", lambda libs: [lib for lib in libs if lib == "VGAM"])
    messages = []
    found = verify.step_r(ROOT, tmp_path, messages.append)
    assert found and all(a.result == "skipped" and a.note == "skipped: R lacks VGAM" for a in found)
    assert any("R lacks VGAM" in m for m in messages)


def test_the_fixture_script_runs_every_r_script_and_lists_every_library_they_load():
    import re

    script = (ROOT / verify.FIXTURE_SCRIPT).read_text(encoding="utf-8")
    used = set()
    for path in sorted((ROOT / "tests" / "r").glob("*.R")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"library\((\w+)\)", text)) | set(re.findall(r"\b(\w+)::", text))
        assert f"Rscript tests/r/{path.name}" in script, f"{verify.FIXTURE_SCRIPT} does not run {path.name}"
    listed = set(verify.r_libraries(ROOT))
    assert used and used <= listed, f"{verify.FIXTURE_SCRIPT} does not list {sorted(used - listed)}"
