"""Compare what two executions of a chapter show, whatever their cell layout.

A chapter's outputs are of two kinds: the values glued into the prose
(``myst_nb.glue``; each a display output named in its ``scrapbook``
metadata) and everything else a cell displays (tables, figures, printed
text). Restructuring a chapter's cells -- moving the glue calls into one
loop, merging two cells -- moves outputs between cells without changing
them. This script compares the two kinds separately:

* glued values by name: the same names, and for each name the same data;
* every other output, in order of appearance: the same data and text.

Execution counts and cell ids are ignored; nothing else is. The
architecture issue's rule "notebooks re-executed after the move must be
identical apart from source lines" is checked with it:

    python tests/compare_outputs.py OLD.ipynb NEW.ipynb

prints each difference and exits 1 if there is one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat


def _payload(output: dict) -> str:
    keep = {k: output.get(k) for k in ("output_type", "name", "text", "data", "ename", "evalue") if k in output}
    return json.dumps(keep, sort_keys=True)


def shown(path: str | Path) -> tuple[dict[str, str], list[str]]:
    """(glued values by name, every other output in order) of the notebook at *path*."""
    nb = nbformat.read(path, as_version=4)
    glued: dict[str, str] = {}
    other: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                if name in glued:
                    raise ValueError(f"{path}: {name!r} is glued twice")
                glued[name] = _payload(output)
            else:
                other.append(_payload(output))
    return glued, other


def differences(old: str | Path, new: str | Path) -> list[str]:
    """Human-readable differences between what *old* and *new* show (empty: the same)."""
    g_old, o_old = shown(old)
    g_new, o_new = shown(new)
    out = [f"glued only in {old}: {k}" for k in sorted(set(g_old) - set(g_new))]
    out += [f"glued only in {new}: {k}" for k in sorted(set(g_new) - set(g_old))]
    out += [f"glued value differs: {k}" for k in sorted(set(g_old) & set(g_new)) if g_old[k] != g_new[k]]
    if len(o_old) != len(o_new):
        out.append(f"{len(o_old)} other outputs in {old}, {len(o_new)} in {new}")
    out += [f"output {i + 1} differs" for i, (a, b) in enumerate(zip(o_old, o_new)) if a != b]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    diff = differences(*argv)
    for line in diff:
        print(line)
    print("same outputs" if not diff else f"{len(diff)} difference(s)")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
