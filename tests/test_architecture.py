"""The package's layers, and that its imports point one way (ARCHITECTURE.md).

``scsrepro.data`` <- ``scsrepro.survey`` <- ``scsrepro.paper`` <- ``scsrepro.twin``
<- ``scsrepro.book``: a module may import its own layer and the layers to its
left, never one to its right. Every import counts, including those inside
functions, and relative imports are resolved first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "scsrepro"
LAYERS = ["data", "survey", "paper", "twin", "book"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import of the package in *path*."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "scsrepro"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "scsrepro":
                continue
            # "from scsrepro.paper import tables" imports scsrepro.paper.tables
            for a in node.names:
                candidate = f"{target}.{a.name}"
                sub = SRC.parent / Path(*candidate.split("."))
                out.append((node.lineno, candidate if (sub.with_suffix(".py").exists() or sub.is_dir()) else target))
    return out


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


MODULES = sorted(SRC.rglob("*.py"))


def test_every_module_sits_in_a_layer():
    loose = [module_name(p) for p in MODULES if layer(module_name(p)) is None and module_name(p) != "scsrepro"]
    assert not loose, f"modules outside the layer subpackages: {loose}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_to_lower_layers(path):
    own = layer(module_name(path))
    if own is None:
        return
    upward = [(line, mod) for line, mod in imported_modules(path)
              if layer(mod) is not None and layer(mod) > own]
    assert not upward, (
        f"{module_name(path)} (layer {LAYERS[own]}) imports a higher layer: "
        + ", ".join(f"{m} at line {line}" for line, m in upward)
    )


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The test above can fail: a data-layer module importing the twin is caught."""
    fake = SRC / "data" / "codebook.py"
    tree = imported_modules(fake)
    assert all(layer(m) == 0 for _, m in tree)
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from scsrepro.twin import covariates\n")
    monkeypatch.setattr(f"{__name__}.module_name", lambda p: "scsrepro.data.probe")
    found = imported_modules(probe)
    assert found == [(2, "scsrepro.twin.covariates")]
    assert layer(found[0][1]) > layer("scsrepro.data.probe")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_imports_another_modules_private_names(path):
    private = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("scsrepro")):
            private += [(node.lineno, a.name) for a in node.names if a.name.startswith("_") and a.name != "__version__"]
    assert not private, f"{module_name(path)} imports private names: {private}"
