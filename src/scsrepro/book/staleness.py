"""Which chapters must be executed: discovery and the records of their inputs (steps 1-2 of ``make book``).

1. **Find the chapters** (:func:`discover`): every ``chapters/*.md`` listed
   in ``_toc.yml`` that carries a jupytext header with a kernelspec, with
   the defaults of its ``parameters`` cell (:func:`parameters_of`).
2. **Decide what is stale** (:func:`is_stale`): each executed notebook
   records, in its metadata under :data:`RECORD_KEY`, the sha256 of every
   input that made it (:func:`input_record`): the chapter source, its data
   file, the lock and every project file the chapter's kernel opened --
   recorded while it ran by an audit hook (``_kernel/sitecustomize.py``) --
   so ``data/models.yml``, ``data/targets.yml``, the twin's parameters or a
   module of ``src/`` count exactly when the chapter reads them. A chapter
   is executed again only when its notebook is missing, has no record, or a
   recorded hash differs from the file's current content. Nothing depends
   on modification times or on the machine: a fresh clone, whose committed
   notebooks carry their records, executes nothing, and touching a file
   without changing it executes nothing.

The rendered book and the reports, which live under ``_build`` only, keep a
fingerprint of their inputs in a stamp file (:func:`fingerprint`,
:func:`recorded_fingerprint`, :func:`write_stamp`).

This module imports no notebook machinery, so that a build with nothing to
execute starts fast; :mod:`scsrepro.book.execute` executes the stale
chapters.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from scsrepro.data import paths
from scsrepro.data.paths import file_sha256
from scsrepro.data.yaml_files import parse_yaml

#: Key of the executed notebook's metadata that records the hashes of its inputs.
RECORD_KEY = "scsrepro"

#: Files every chapter depends on besides its source, its data and the files
#: it was seen to open: the locked environment.
SHARED_INPUTS = ("requirements.lock",)


class BuildError(RuntimeError):
    """A chapter or the book failed to build; the message says where."""


@dataclass
class Chapter:
    """An executable chapter: its MyST source and the notebook it produces."""

    name: str
    source: Path
    root: Path
    parameters: dict = field(default_factory=dict)

    @property
    def notebook(self) -> Path:
        return self.source.with_suffix(".ipynb")

    def output(self, out_dir: Path | None = None) -> Path:
        """The executed notebook: next to the source, or in *out_dir* (a run on other data)."""
        return (out_dir / f"{self.name}.ipynb") if out_dir else self.notebook


# --------------------------------------------------------------------------- discovery


def toc_files(root: Path) -> list[str]:
    """Return the document paths listed in ``_toc.yml``, in book order."""
    toc = parse_yaml((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("chapters", "sections", "parts"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for key in ("chapters", "parts"):
        walk(toc.get(key, []))
    return found


def is_executable(md: Path) -> bool:
    """True when a MyST file has a jupytext header with a kernelspec."""
    text = md.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    header = text.split("---", 2)[1]
    meta = parse_yaml(header) or {}
    return "kernelspec" in meta and "jupytext" in meta


_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", flags=re.M | re.S)


def _cell_options(body: str) -> tuple[dict, str]:
    """The options and the code of a MyST ``code-cell`` body (``:key: value`` lines or a ``---`` YAML block)."""
    if body.startswith("---\n"):
        head, _, code = body[4:].partition("\n---\n")
        return parse_yaml(head) or {}, code
    options: dict = {}
    lines = body.split("\n")
    while lines and lines[0].startswith(":"):
        key, _, value = lines.pop(0)[1:].partition(":")
        options[key.strip()] = parse_yaml(value.strip()) if value.strip() else None
    return options, "\n".join(lines)


def parameters_of(md: Path) -> dict:
    """Read the default values of a chapter's ``parameters`` cell.

    The MyST source is scanned for its code cells without jupytext, whose
    import alone costs a second that a build with nothing to execute should
    not pay; ``tests/book/test_staleness.py`` checks that the result equals
    the parameters cell jupytext reads from every chapter.
    """
    for body in _CODE_CELL.findall(md.read_text(encoding="utf-8")):
        options, code = _cell_options(body)
        if "parameters" in (options.get("tags") or []):
            namespace: dict = {}
            exec(compile(code, f"{md.name}:parameters", "exec"), {}, namespace)
            return {k: v for k, v in namespace.items() if not k.startswith("_")}
    raise BuildError(f"{paths.relative(md)} has no code cell tagged 'parameters'")


def discover(root: Path) -> list[Chapter]:
    """Return the executable chapters listed in the table of contents."""
    chapters = []
    for doc in toc_files(root):
        md = root / f"{doc}.md"
        if md.is_file() and is_executable(md):
            chapters.append(Chapter(md.stem, md, root, parameters_of(md)))
    return chapters


# --------------------------------------------------------------------------- staleness


def data_file(chapter: Chapter, override: Path | None = None) -> Path | None:
    """The data file a chapter reads (its ``data_path`` parameter)."""
    if override is not None:
        return override
    value = chapter.parameters.get("data_path")
    if not value:
        return None
    return (chapter.source.parent / value).resolve()


def inputs_of(chapter: Chapter, data: Path | None = None, reads: list[str] | None = None) -> list[Path]:
    """Every file whose change makes the chapter's notebook out of date.

    The chapter's source, its data file and the lock, and the project files
    the chapter opened when it was executed (*reads*, recorded by
    :func:`_execute` in the notebook, see :func:`input_record`): its modules
    of ``src/``, ``data/models.yml``, ``data/targets.yml``, the published
    numbers, the twin's parameters -- whatever it actually read.
    """
    root = chapter.root
    files = {chapter.source, *(root / name for name in SHARED_INPUTS)}
    files.update(root / r for r in reads or [])
    d = data_file(chapter, data)
    if d is not None:
        files.add(d)
    return sorted(files)


def fingerprint(files: list[Path], root: Path, extra: dict | None = None) -> str:
    """Content hash of *files* (and their paths) plus *extra* settings."""
    h = hashlib.sha256()
    for f in files:
        try:
            name = f.relative_to(root).as_posix()
        except ValueError:
            name = f.name
        h.update(name.encode())
        h.update(b"\0")
        h.update(f.read_bytes() if f.is_file() else b"\0missing\0")
        h.update(b"\0")
    h.update(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()


def recorded_fingerprint(stamp: Path) -> str | None:
    """The fingerprint a stamp file records, or None when there is no stamp.

    The up-to-date check of the rendered book and of the reports, which live
    under ``_build`` only (chapters record their inputs in the notebook:
    :func:`is_stale`).
    """
    return json.loads(stamp.read_text()).get("fingerprint") if stamp.is_file() else None


def write_stamp(stamp: Path, digest: str) -> None:
    """Record *digest* as the fingerprint of the inputs that made an output."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": digest}, indent=1))


def relative_name(path: Path, root: Path) -> str:
    """*path* relative to *root* (POSIX), or its bare name outside it: never an absolute path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def input_record(files: list[Path], root: Path, data: str | None) -> dict:
    """What an executed notebook records about its inputs (metadata key :data:`RECORD_KEY`).

    ``{"inputs": {relative path: sha256}, "data": name of the data file
    given instead of the chapter's own, or None}``; sorted, so that the same
    inputs give the same bytes on every machine.
    """
    return {"inputs": dict(sorted((relative_name(f, root), file_sha256(f)) for f in files)), "data": data}


def recorded_inputs(output: Path) -> dict | None:
    """The input record of the executed notebook *output*, or None if it has none."""
    try:
        record = json.loads(output.read_text(encoding="utf-8")).get("metadata", {}).get(RECORD_KEY)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("inputs"), dict) else None


def is_stale(chapter: Chapter, output: Path, data: Path | None = None) -> str | None:
    """Why *chapter* must run again (a phrase for the log), or None when *output* is up to date.

    Up to date means: the notebook exists, records its inputs, was made from
    the same data override (*data*, ``None`` for the chapter's own), and
    every recorded input -- plus the source, the lock and the data file,
    which are always inputs -- has the recorded content now.
    """
    if not output.is_file():
        return "no executed notebook yet"
    record = recorded_inputs(output)
    if record is None:
        return "the notebook does not record its inputs"
    root = chapter.root
    if record.get("data") != (relative_name(data, root) if data else None):
        return "another data file"
    recorded = record["inputs"]
    for f in inputs_of(chapter, data):
        if relative_name(f, root) not in recorded:
            return f"{relative_name(f, root)} is not among the recorded inputs"
    for name, digest in recorded.items():
        path = root / name
        if file_sha256(path) != digest:
            return f"{name} changed"
    return None


def stale_chapters(
    chapters: list[Chapter], out_dir: Path | None = None, data: Path | None = None, force: bool = False
) -> dict[str, str]:
    """``{chapter name: why it must run}`` for the chapters whose notebook is not up to date (all with *force*).

    *out_dir* and *data* as for :func:`scsrepro.book.execute.execute_chapters`.
    """
    if force:
        return {ch.name: "forced" for ch in chapters}
    stale = {}
    for ch in chapters:
        reason = is_stale(ch, ch.output(out_dir), data)
        if reason is not None:
            stale[ch.name] = reason
    return stale
