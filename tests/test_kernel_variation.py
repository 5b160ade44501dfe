"""Other CPUs, simulated on this one: the twin's decisions and a chapter's outputs.

Floating-point results differ in their last bits from one CPU to another:
OpenBLAS picks a kernel for the processor (with its own order of additions),
and NumPy dispatches SIMD loops (AVX-512, AVX2/FMA, SSE) at run time. Both
can be chosen by environment variables, which is how these tests imitate
other machines:

* ``OPENBLAS_CORETYPE`` forces an OpenBLAS kernel (``Haswell``: AVX2;
  ``Prescott``: an old SSE3 core);
* ``NPY_DISABLE_CPU_FEATURES`` switches off NumPy's dispatch targets
  (``X86_V4``/``AVX512_ICL``: AVX-512; ``X86_V3``: AVX2 and FMA3);
* ``OPENBLAS_NUM_THREADS=2`` splits BLAS work between two threads.

The first test runs the twin's decision-making stages on a reduced problem
(``tests/kernel_probe.py``) under three configurations and requires
identical checksums. Before the decisions were made on quantized values
(``scsrepro.survey.decisions``), this test failed: the AVX2 configuration gave
another ``approval_from_committed`` checksum than the other two.

The second executes the Models chapter (models, tables, glue) under the
old-core configuration and compares every output with the committed
notebook, exactly as ``make test`` does with nbval.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "tests" / "kernel_probe.py"

def _has_avx2() -> bool:
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX2"))


#: Numeric configurations: environment variables that imitate other CPUs.
#: (A forced AVX2 kernel would crash a processor without AVX2; there the
#: second configuration keeps the native kernel and varies the threads.)
CONFIGS = {
    "native": {},
    "avx2-two-threads": {
        **({"OPENBLAS_CORETYPE": "Haswell"} if _has_avx2() else {}),
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_NUM_THREADS": "2",
    },
    "old-core": {
        "OPENBLAS_CORETYPE": "Prescott",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_NUM_THREADS": "1",
    },
}

#: Fields of the probe's report that describe the configuration, not the result.
CONFIG_FIELDS = ("blas_core", "numpy_features", "blas_threads")

pytestmark = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="the kernel and SIMD switches used here are x86-64 names",
)


def environment(config: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
    env.update(CONFIGS[config])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def run_all(command, timeout: int = 600, configs=tuple(CONFIGS)) -> dict[str, subprocess.CompletedProcess]:
    """Run *command* (a list, or a function of the configuration's name that
    returns one) once per configuration, all at the same time."""
    procs = {name: subprocess.Popen(command(name) if callable(command) else command, cwd=ROOT,
                                    env=environment(name), text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name in configs}
    out = {}
    for name, p in procs.items():
        stdout, stderr = p.communicate(timeout=timeout)
        out[name] = subprocess.CompletedProcess(command, p.returncode, stdout, stderr)
    return out


@pytest.mark.verify
def test_twin_decisions_are_identical_under_other_kernels():
    runs = run_all([sys.executable, str(PROBE)])
    reports = {}
    for name, r in runs.items():
        assert r.returncode == 0, f"{name}: probe failed\n{r.stderr[-3000:]}"
        reports[name] = json.loads(r.stdout.strip().splitlines()[-1])
    # the configurations really are different machines to NumPy and OpenBLAS:
    # the old core has another BLAS kernel and fewer SIMD targets than native
    configs = {name: tuple(str(rep[f]) for f in CONFIG_FIELDS) for name, rep in reports.items()}
    assert len(set(configs.values())) == len(CONFIGS), f"the configurations did not take effect: {configs}"
    assert reports["old-core"]["blas_core"] != reports["native"]["blas_core"], configs
    assert reports["old-core"]["numpy_features"] != reports["native"]["numpy_features"] or \
        not reports["native"]["numpy_features"], configs
    # ... and the twin's decisions come out the same on all of them
    results = {name: {k: v for k, v in rep.items() if k not in CONFIG_FIELDS} for name, rep in reports.items()}
    reference = results["native"]
    assert reference["moves_from_committed"] > 0, "the probe made no decision to compare"
    for name, res in results.items():
        assert res == reference, f"{name} differs from native: {res} != {reference}"


@pytest.mark.verify
def test_models_chapter_reproduces_its_outputs_on_an_old_core():
    command = [
        sys.executable, "-m", "pytest", "chapters/models.ipynb", "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", "nbval-sanitize.cfg", "-p", "no:cacheprovider", "-q",
    ]
    r = subprocess.run(command, cwd=ROOT, env=environment("old-core"), text=True,
                       capture_output=True, timeout=900)
    tail = (r.stdout + r.stderr)[-4000:]
    assert r.returncode == 0, f"models.ipynb differs when executed on an old core:\n{tail}"
    assert " passed" in r.stdout and "failed" not in r.stdout.splitlines()[-1], tail


@pytest.mark.verify
def test_recorded_tables_and_scoreboard_are_identical_under_other_kernels(tmp_path):
    """``_build/tables`` and ``fidelity.csv`` come out byte for byte the same."""
    twin_csv = ROOT / "data" / "synthetic" / "twin.csv"
    runs = run_all(lambda name: [sys.executable, "-m", "scsrepro.paper.fidelity", "--data", str(twin_csv),
                                 "--tables-dir", str(tmp_path / name / "tables"),
                                 "--out", str(tmp_path / name / "fidelity.csv")],
                   configs=("native", "old-core"))
    for name, r in runs.items():
        assert r.returncode == 0, f"{name}: {r.stderr[-3000:]}"
    files = sorted(p.relative_to(tmp_path / "native") for p in (tmp_path / "native").rglob("*.csv"))
    assert len(files) >= 10
    differ = [str(f) for f in files if (tmp_path / "native" / f).read_bytes() != (tmp_path / "old-core" / f).read_bytes()]
    assert not differ, f"recorded outputs differ between kernels: {differ}"
