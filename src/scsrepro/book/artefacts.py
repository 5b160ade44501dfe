"""The book's figures as files: every figure of the executed chapters as a PNG.

A figure lives in its chapter's executed notebook, either displayed by a
cell that names it (``mystnb: figure: name:`` in the cell's metadata) or
glued under a name (``glue("fig-…", fig)``). :func:`write_figures` writes
each one to ``<out>/<name>.png``, so that ``codecheck.yml`` and the README's
list of tables and figures can point to a file, and a reviewer can open a
figure without Jupyter. A file is rewritten only when its bytes change.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path

from scsrepro.data.files import write_all_atomic

#: MIME types under which a notebook stores a PNG: displayed, and glued by myst-nb.
PNG_TYPES = ("image/png", "application/papermill.record/image/png")


def figure_outputs(notebook: Path) -> dict[str, bytes]:
    """The named PNG figures of an executed notebook: name -> PNG bytes.

    Raises ValueError for a figure with no name (neither glued nor named in
    its cell's metadata), which could not be listed in the manifest, and for
    a name used twice.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found: dict[str, bytes] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        cell_name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            png = next((data[t] for t in PNG_TYPES if t in data), None)
            if png is None:
                continue
            name = output.get("metadata", {}).get("scrapbook", {}).get("name") or cell_name
            if not name:
                raise ValueError(f"{notebook.name}: cell {index} shows a figure without a name")
            if name in found:
                raise ValueError(f"{notebook.name}: two figures are named {name!r}")
            found[name] = base64.b64decode(png if isinstance(png, str) else "".join(png))
    return found


def write_figures(notebooks: Mapping[str, Path], out: Path) -> list[Path]:
    """Write every named figure of *notebooks* (chapter -> executed notebook) to ``out/<name>.png``."""
    figures: dict[Path, bytes] = {}
    for chapter, notebook in notebooks.items():
        if not notebook.is_file():
            continue
        for name, png in figure_outputs(notebook).items():
            target = out / f"{name}.png"
            if target in figures:
                raise ValueError(f"figure {name!r} of chapter {chapter} has the name of another chapter's figure")
            figures[target] = png
    changed = {p: b for p, b in figures.items() if not p.is_file() or p.read_bytes() != b}
    if changed:
        write_all_atomic(changed)
    return sorted(figures)
