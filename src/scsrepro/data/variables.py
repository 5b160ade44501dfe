"""One entry of the codebook: a :class:`Variable` or a multi-select :class:`Group`.

Both are frozen records built by :mod:`scsrepro.data.codebook_parsing` from
``data/codebook.yml``; a :class:`~scsrepro.data.codebook.Codebook` holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scsrepro.data.expressions import ALWAYS

__all__ = ["CODED_TYPES", "VARIABLE_TYPES", "Group", "Variable"]

VARIABLE_TYPES = (
    "id",
    "weight",
    "integer",
    "binary",
    "nominal",
    "ordinal",
    "multiselect_option",
)
CODED_TYPES = ("binary", "nominal", "ordinal", "multiselect_option")


@dataclass(frozen=True)
class Variable:
    """One variable of the codebook.

    Attributes
    ----------
    name, label, type : str
        Column name, short label and one of ``VARIABLE_TYPES``.
    question_en, question_zh : str or None
        Question as asked (English rendering; Chinese only where printed).
    codes : dict of int to str
        Every allowed code with its label (non-substantive codes included).
    codes_zh : dict of int to str
        Chinese answer labels where the paper prints them.
    missing_reasons : dict of int to str
        Non-substantive codes with their reason (``dk``, ``rna``, ...).
    asked_if : str
        Branching condition (``"always"`` or a ``DataFrame.eval`` expression).
    group : str or None
        Multi-select group of an option column.
    min, max : int or None
        Range of an ``integer`` variable.
    required : bool
        Whether the column must be present in raw data.
    derived_from : tuple of str
        Raw variables a derived variable is computed from (empty if raw).
    derivation : dict or None
        Machine-readable derivation rule.
    sources : tuple of str
        Where the paper reports the variable.
    notes : str or None
        Discrepancies and assumptions.
    """

    name: str
    label: str
    type: str
    question_en: str | None = None
    question_zh: str | None = None
    codes: Mapping[int, str] = field(default_factory=dict)
    codes_zh: Mapping[int, str] = field(default_factory=dict)
    missing_reasons: Mapping[int, str] = field(default_factory=dict)
    asked_if: str = ALWAYS
    group: str | None = None
    min: int | None = None
    max: int | None = None
    required: bool = True
    derived_from: tuple[str, ...] = ()
    derivation: Mapping[str, Any] | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def labels(self) -> dict[int, str]:
        """Code-to-label mapping, in code order."""
        return dict(self.codes)

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """Non-substantive codes (treated as missing in means and models)."""
        return tuple(sorted(self.missing_reasons))

    @property
    def substantive_codes(self) -> tuple[int, ...]:
        """Codes that carry an answer, in code order."""
        return tuple(c for c in self.codes if c not in self.missing_reasons)

    @property
    def allowed_codes(self) -> tuple[int, ...]:
        """All allowed codes, in code order."""
        return tuple(self.codes)

    @property
    def is_derived(self) -> bool:
        """Whether the variable is computed rather than stored."""
        return bool(self.derived_from)

    @property
    def is_coded(self) -> bool:
        """Whether the variable takes values from a list of codes."""
        return self.type in CODED_TYPES

    @property
    def always_asked(self) -> bool:
        """Whether every respondent was asked the question."""
        return self.asked_if == ALWAYS


@dataclass(frozen=True)
class Group:
    """A "select all that apply" question stored as 0/1 option columns.

    Attributes
    ----------
    name, label : str
        Group key and short label.
    asked_if : str
        Branching condition shared by all options.
    min_selected : int
        Least number of options a respondent who was asked must select.
    exclusive : tuple of str
        Options that cannot be selected together with any other option.
    options : tuple of str
        Option columns, in codebook order.
    question_en : str or None
        The question.
    sources : tuple of str
        Where the paper reports it.
    notes : str or None
        Assumptions and discrepancies.
    """

    name: str
    label: str
    asked_if: str
    min_selected: int
    exclusive: tuple[str, ...]
    options: tuple[str, ...]
    question_en: str | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None
