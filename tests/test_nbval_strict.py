"""nbval really compares outputs: a tampered copy of a chapter must fail.

`make test` runs nbval on every committed notebook in strict mode. This test
guards that set-up: it changes one text output of a copy of a chapter and
checks that nbval, run the same way as in `make test`, reports a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from scsrepro.book.staleness import discover
from scsrepro.data.paths import ROOT


def _nbval(path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "nbval-sanitize.cfg"), "-p", "no:cacheprovider", "-q"],
        cwd=ROOT, capture_output=True, text=True,
    )


@pytest.mark.build
def test_tampered_output_fails_nbval(tmp_path):
    chapter = discover(ROOT)[0]
    target = chapter.notebook.parent / f".tampered-{chapter.name}.ipynb"
    nb = nbformat.read(chapter.notebook, as_version=4)
    for cell in nb.cells:
        outputs = [o for o in cell.get("outputs", []) if "text/plain" in o.get("data", {})]
        if outputs:
            outputs[0]["data"]["text/plain"] += "\ntampered"
            break
    else:
        pytest.skip("no text output to tamper with")
    try:
        nbformat.write(nb, target)
        result = _nbval(target)
    finally:
        target.unlink(missing_ok=True)
    assert result.returncode != 0, "nbval accepted a notebook whose output was changed"
    assert "failed" in result.stdout
