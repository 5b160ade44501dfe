"""The survey's variables, codes and labels, read from ``data/codebook.yml``.

The codebook is the single source of truth of the data contract: the pandera
schema (:mod:`scsrepro.data.schema`), the loader (:mod:`scsrepro.data.loading`) and the
derived variables all come from it. This module holds the :class:`Codebook`
object and reads it:

* :func:`load_codebook` reads the YAML file; the document is parsed and the
  codebook itself checked by :mod:`scsrepro.data.codebook_parsing` (unknown
  keys, duplicate names, ``asked_if`` expressions that refer to unknown
  variables, missing codes that are not codes, ...), raising
  :class:`CodebookError`;
* the :class:`Codebook` offers lookups, e.g. ``codebook["approval"].labels``,
  ``.missing_codes`` and ``.substantive_codes`` (each entry a
  :class:`~scsrepro.data.variables.Variable`);
* it computes the derived variables (:meth:`Codebook.derive`, rules in
  :mod:`scsrepro.data.derivation`), turns non-substantive codes into missing
  values (:meth:`Codebook.to_missing`) and codes into labelled categoricals
  (:meth:`Codebook.label`).

The condition language of ``asked_if`` lives in
:mod:`scsrepro.data.expressions`. The types a codebook hands out and the
error it raises -- :class:`Variable`, :class:`Group` and
:class:`CodebookError` -- are importable from here, as part of its API.

Examples
--------
>>> from scsrepro.data.codebook import load_codebook
>>> cb = load_codebook()
>>> cb["approval"].labels[5]
'Strongly approve'
>>> cb["income"].missing_codes
(99,)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from scsrepro.data.codebook_parsing import CodebookError, parse_document
from scsrepro.data.derivation import derive_variables
from scsrepro.data.variables import Group, Variable
from scsrepro.data.yaml_files import cached, read_yaml

__all__ = [
    "CodebookError",
    "Codebook",
    "Group",
    "Variable",
    "default_codebook_path",
    "display_name",
    "load_codebook",
    "parse_codebook",
]


def display_name(path: str | os.PathLike[str]) -> str:
    """Return a short, machine-independent name for *path*.

    The path relative to the project root when the file lies inside the
    project, otherwise only the file name; never an absolute path, so that
    messages and ``DataFrame.attrs`` stay portable.

    Parameters
    ----------
    path : str or path-like
        Any file path.

    Returns
    -------
    str
        The display name.
    """
    p = Path(path)
    try:
        resolved = p.resolve()
        root = Path(__file__).resolve().parents[3]
        return resolved.relative_to(root).as_posix()
    except (ValueError, OSError, IndexError):
        return p.name


def default_codebook_path() -> Path:
    """Return the path of the project's codebook.

    The environment variable ``SCSREPRO_CODEBOOK`` overrides the default
    ``data/codebook.yml`` of the project root (the root being two folders
    above this package, i.e. the checkout the package is installed from).

    Returns
    -------
    pathlib.Path
        Path of the codebook file.
    """
    env = os.environ.get("SCSREPRO_CODEBOOK")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "data" / "codebook.yml"


class Codebook:
    """The parsed, self-checked codebook.

    Use :func:`load_codebook` to create one.

    Parameters
    ----------
    variables : list of Variable
        Variables in codebook order.
    groups : dict of str to Group
        Multi-select groups.
    meta : dict
        Top-level entries (``codebook_version``, ``missing_reasons``, ...).
    source : str
        Display name of the codebook file.
    """

    def __init__(
        self,
        variables: list[Variable],
        groups: dict[str, Group],
        meta: dict[str, Any],
        source: str,
    ) -> None:
        self._vars = {v.name: v for v in variables}
        self.groups: dict[str, Group] = dict(groups)
        self.meta = dict(meta)
        self.source = source

    # ------------------------------------------------------------- lookups
    def __getitem__(self, name: str) -> Variable:
        try:
            return self._vars[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a variable of the codebook {self.source}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._vars

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._vars.values())

    def __len__(self) -> int:
        return len(self._vars)

    def __repr__(self) -> str:
        return (
            f"Codebook({self.source!r}, {len(self.raw_variables)} raw and "
            f"{len(self.derived_variables)} derived variables, "
            f"{len(self.groups)} multi-select groups)"
        )

    @property
    def version(self) -> int:
        """The ``codebook_version`` entry."""
        return int(self.meta["codebook_version"])

    @property
    def names(self) -> list[str]:
        """All variable names, in codebook order."""
        return list(self._vars)

    @property
    def raw_variables(self) -> list[Variable]:
        """Variables stored in the CSV (not derived), in codebook order."""
        return [v for v in self._vars.values() if not v.is_derived]

    @property
    def derived_variables(self) -> list[Variable]:
        """Variables computed by :meth:`derive`, in codebook order."""
        return [v for v in self._vars.values() if v.is_derived]

    @property
    def required_columns(self) -> list[str]:
        """Columns every raw data file must have."""
        return [v.name for v in self.raw_variables if v.required]

    @property
    def optional_columns(self) -> list[str]:
        """Raw columns that may be absent (``weight``)."""
        return [v.name for v in self.raw_variables if not v.required]

    @property
    def id_column(self) -> str:
        """Name of the respondent identifier."""
        return next(v.name for v in self._vars.values() if v.type == "id")

    def to_frame(self) -> pd.DataFrame:
        """Return the codebook as a tidy table, one row per variable.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``label``, ``type``, ``group``, ``asked_if``,
            ``codes`` (``"1 = ...; 2 = ..."``), ``missing_codes``,
            ``derived_from``, ``sources``, ``notes``; index ``name``.
        """
        rows = []
        for v in self:
            rows.append(
                {
                    "name": v.name,
                    "label": v.label,
                    "type": v.type,
                    "group": v.group or "",
                    "asked_if": v.asked_if,
                    "codes": "; ".join(f"{c} = {lab}" for c, lab in v.codes.items()),
                    "missing_codes": ", ".join(f"{c} ({r})" for c, r in v.missing_reasons.items()),
                    "derived_from": ", ".join(v.derived_from),
                    "sources": ", ".join(v.sources),
                    "notes": " ".join((v.notes or "").split()),
                }
            )
        return pd.DataFrame(rows).set_index("name", drop=False)

    def asked_if(self, name: str) -> str:
        """Return the branching condition of variable *name*."""
        return self[name].asked_if

    # ---------------------------------------------------------- transforms
    def derive(self, df: pd.DataFrame) -> pd.DataFrame:
        """Add every derived variable to a raw frame.

        The rules (``bins``, ``recode``, ``condition``, ``any_selected``) are
        described in :mod:`scsrepro.data.derivation`; each is also written in
        the variable's ``notes``.

        Parameters
        ----------
        df : pandas.DataFrame
            Raw data (codes intact), e.g. from :func:`scsrepro.data.loading.load_survey`
            with ``derive=False``.

        Returns
        -------
        pandas.DataFrame
            A copy of *df* with the derived columns (nullable ``Int64``) added
            or overwritten, in codebook order after the raw columns.

        Raises
        ------
        KeyError
            If a raw variable a rule needs is not in *df*.
        """
        return derive_variables(df, self.derived_variables)

    def to_missing(self, df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Replace non-substantive codes (98, 99, 97, ...) by missing values.

        This is how the paper treats "I don't know" and "I'd rather not
        answer" in means and models (Table A3 note c).

        Parameters
        ----------
        df : pandas.DataFrame
            Data with codes intact.
        columns : iterable of str, optional
            Columns to treat; by default every column of *df* that the
            codebook gives non-substantive codes.

        Returns
        -------
        pandas.DataFrame
            A copy of *df*; the chosen columns hold ``<NA>`` instead of
            non-substantive codes.
        """
        out = df.copy()
        cols = (
            list(columns)
            if columns is not None
            else [c for c in out.columns if c in self._vars and self._vars[c].missing_reasons]
        )
        for col in cols:
            var = self[col]
            if var.missing_reasons:
                out[col] = out[col].mask(out[col].isin(var.missing_codes))
        return out

    def label(
        self,
        df: pd.DataFrame,
        columns: Iterable[str] | str | None = None,
        *,
        drop_missing: bool = False,
        language: str = "en",
    ) -> pd.DataFrame:
        """Turn codes into ordered categoricals carrying the labels.

        Categories follow code order, so the non-substantive answers (codes
        97-99) come last.

        Parameters
        ----------
        df : pandas.DataFrame
            Data with codes intact.
        columns : str or iterable of str, optional
            Columns to label; by default every coded column of *df* known to
            the codebook.
        drop_missing : bool, default False
            If true, non-substantive codes become missing instead of labelled
            categories.
        language : {"en", "zh"}
            Label language; ``"zh"`` needs ``codes_zh`` in the codebook.

        Returns
        -------
        pandas.DataFrame
            A copy of *df* with the chosen columns as ordered ``category``.

        Raises
        ------
        ValueError
            If a column is not coded (e.g. ``age``), has no labels in the
            requested language, or holds a code the codebook does not know
            (the message names the column and the codes).
        """
        if isinstance(columns, str):
            columns = [columns]
        cols = (
            list(columns)
            if columns is not None
            else [c for c in df.columns if c in self._vars and self._vars[c].is_coded]
        )
        out = df.copy()
        for col in cols:
            var = self[col]
            if not var.is_coded:
                raise ValueError(f"column {col!r} is of type {var.type!r} and has no labels")
            labels = var.codes if language == "en" else var.codes_zh
            if not labels:
                raise ValueError(f"column {col!r} has no {language!r} labels in the codebook")
            keep = {c: lab for c, lab in labels.items() if not (drop_missing and c in var.missing_reasons)}
            values = out[col]
            known = set(labels) if language == "en" else set(var.codes)
            present = set(int(x) for x in values.dropna().unique())
            unknown = sorted(present - known)
            if unknown:
                raise ValueError(
                    f"column {col!r} holds code(s) {', '.join(map(str, unknown))} that the codebook does not define"
                )
            mapped = values.map(lambda x, keep=keep: keep.get(int(x)) if pd.notna(x) else None)
            out[col] = pd.Categorical(mapped, categories=list(dict.fromkeys(keep.values())), ordered=True)
        return out


# ---------------------------------------------------------------- reading
def load_codebook(path: str | os.PathLike[str] | None = None) -> Codebook:
    """Read and check a codebook file.

    Parameters
    ----------
    path : str or path-like, optional
        The YAML file; by default :func:`default_codebook_path`.

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    CodebookError
        If the file is missing, is not YAML, or the codebook is inconsistent.
        The message names the file and lists all problems found.
    """
    p = Path(path) if path is not None else default_codebook_path()
    name = display_name(p)
    if not p.is_file():
        raise CodebookError(f"codebook {name}: file not found")
    return cached("codebook", p, lambda: _read_codebook(p, name))


def _read_codebook(p: Path, name: str) -> Codebook:
    try:
        raw = read_yaml(p)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodebookError(f"codebook {name}: not a readable YAML file ({exc})") from None
    return parse_codebook(raw, source=name)


def parse_codebook(raw: Any, source: str = "<codebook>") -> Codebook:
    """Build and check a :class:`Codebook` from already-parsed YAML.

    Parameters
    ----------
    raw : dict
        The YAML document.
    source : str
        Name used in error messages.

    Returns
    -------
    Codebook
        The parsed codebook.

    Raises
    ------
    CodebookError
        Listing every problem found.
    """
    variables, groups, meta = parse_document(raw, source)
    return Codebook(variables, groups, meta, source)
