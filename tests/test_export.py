"""``make export``: the replication kit loads in Stata form with its labels, and R refits Table 4 from it.

The R test runs the exported ``table4.R`` with ``Rscript`` and compares every
coefficient and cut point with the book's Table 4 (1e-5) for the six models
that have a finite maximum on the twin (Model 5 is quasi-separated; the
script reports it as "not estimated"). Without R it is skipped with the
install hint.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from scsrepro.data.codebook import load_codebook
from scsrepro.data.loading import load_survey
from scsrepro.data.paths import SYNTHETIC
from scsrepro.paper import export, modelspec, tables
from test_r_twin_table4 import table4_key

TWIN = SYNTHETIC / "twin.csv"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    written = export.write_export(TWIN, out)
    return out, written


def test_the_kit_has_every_file(kit):
    out, written = kit
    names = {p.name for p in written}
    assert names == {"analysis.csv", "analysis.dta", "models.json", "table4.do", "table4.R", "README.md"}
    assert all((out / n).stat().st_size > 0 for n in names)


def test_the_stata_file_loads_with_the_codebooks_labels(kit):
    out, _ = kit
    cb = load_codebook()
    with pd.read_stata(out / "analysis.dta", iterator=True) as reader:
        labels, varlabels = reader.value_labels(), reader.variable_labels()
    assert varlabels["approval"] == cb["approval"].label[: export.STATA_LABEL]
    assert {int(k): v for k, v in labels["approval"].items()} == {
        k: v for k, v in cb["approval"].codes.items() if k not in cb["approval"].missing_reasons
    }
    frame = pd.read_stata(out / "analysis.dta")
    assert isinstance(frame["approval"].dtype, pd.CategoricalDtype)
    raw = pd.read_stata(out / "analysis.dta", convert_categoricals=False)
    expected = export.model_frame(load_survey(TWIN))
    assert list(raw.columns) == list(expected.columns)
    np.testing.assert_array_equal(raw.to_numpy(float), expected.to_numpy(float))  # exact, missing included


def test_the_analysis_data_are_the_books_model_frame(kit):
    out, _ = kit
    csv = pd.read_csv(out / "analysis.csv")
    expected = export.model_frame(load_survey(TWIN))
    np.testing.assert_allclose(csv.to_numpy(float), expected.to_numpy(float), rtol=1e-14, equal_nan=True)
    assert list(csv.columns) == list(expected.columns)


def test_the_models_and_scripts_use_the_specifications_commands(kit):
    out, _ = kit
    models = json.loads((out / "models.json").read_text(encoding="utf-8"))["models"]
    specs = modelspec.load_specs()
    assert [m["id"] for m in models] == [s.id for s in specs] and len(models) == 7
    do, r = (out / "table4.do").read_text(), (out / "table4.R").read_text()
    for m, s in zip(models, specs):
        assert m["stata"] == modelspec.stata_command(s) and m["stata"] in do
        assert m["r"] == modelspec.r_command(s) and m["r"].replace('"', '\\"') in r


def test_the_r_script_refits_table_4(kit, tmp_path):
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed (Debian: apt install r-base-core r-cran-survey)")
    out, _ = kit
    for name in ("analysis.csv", "table4.R"):
        shutil.copy2(out / name, tmp_path / name)
    proc = subprocess.run(["Rscript", "table4.R"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ref = pd.read_csv(tmp_path / "table4_r.csv")
    ours = tables.table_4(load_survey(TWIN))
    keys = modelspec.term_keys()
    compared = 0
    for spec in modelspec.load_specs():
        rows = ref[ref["model"].eq(spec.id) & ref["term"].ne("nobs")]
        if spec.id == 5:
            assert rows["term"].tolist() == ["not estimated"]  # quasi-separated on the twin
            continue
        rows = rows.assign(key=[table4_key(t, spec, keys) for t in rows["term"]])
        mine = ours[ours["column"].eq(spec.column) & ours["statistic"].isin(["coef", "cut"])].set_index("item")
        assert sorted(rows["key"]) == sorted(mine.index)
        np.testing.assert_allclose(mine.loc[rows["key"], "reproduced"], rows["coef"], atol=1e-5, rtol=0)
        compared += len(rows)
    assert compared > 50
