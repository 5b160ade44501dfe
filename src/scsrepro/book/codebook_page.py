"""The Codebook appendix: every survey variable, its question, codes, filter and distribution.

:func:`variable_entries` reads ``data/codebook.yml`` and, for each stored
variable (derived ones too, identifiers and weights left out), gives what
the appendix page shows:

* the label, the question as worded in English and, where the paper prints
  it, in Chinese;
* who was asked (the ``asked_if`` filter, with the labels of the variables
  it names);
* the codes and the missing codes;
* the distribution on the data of the run: respondents (unweighted) and
  weighted per cent of those asked, for every code; for a numeric variable
  (age), its range, mean and quartiles.

On data other than the committed twin, a count below
:data:`~scsrepro.paper.disclosure.MIN_RESPONDENTS` and its share are
suppressed (:mod:`scsrepro.paper.disclosure`), like every other number of
the book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.data.expressions import ALWAYS, expression_names
from scsrepro.paper import disclosure

#: Variable types that the page does not tabulate (one value per respondent).
NOT_TABULATED = ("id", "weight")
#: Display formats of the distributions (respondent counts are whole numbers by default).
FORMATS = {
    "weighted per cent": "{:.1f}",
    **{c: "{:.1f}" for c in ("minimum", "lower quartile", "median", "upper quartile", "maximum", "weighted mean")},
}


@dataclass(frozen=True)
class Entry:
    """What the codebook page shows for one variable."""

    name: str
    label: str
    question: str
    question_zh: str
    asked: str
    codes: str
    distribution: pd.DataFrame

    @property
    def numeric(self) -> bool:
        """A numeric variable (summarised in one row) rather than a coded one (one row per code)."""
        return "answer" not in self.distribution.columns


def asked_text(expr: str) -> str:
    """Who was asked, in words: everyone, or the filter with the labels of the variables it names."""
    if expr == ALWAYS:
        return "everyone"
    cb = load_codebook()
    names = sorted(expression_names(expr))
    named = "; ".join(f"`{n}`: {cb[n].label}" for n in names if n in cb.names)
    return f"respondents for whom `{expr}` ({named})"


def codes_text(var) -> str:
    """The codes and missing codes of a coded variable, as one line."""
    if not var.codes:
        return f"numeric, {var.min} to {var.max}" if var.min is not None else "numeric"
    parts = [f"{c} = {lab}" for c, lab in var.codes.items() if c not in var.missing_reasons]
    missing = [f"{c} = {var.codes.get(c, reason)}" for c, reason in var.missing_reasons.items()]
    return "; ".join(parts) + (f". Missing codes: {'; '.join(missing)}" if missing else "")


def distribution(values: pd.Series, weights: np.ndarray, var, suppress: bool) -> pd.DataFrame:
    """Respondents and weighted per cent of those asked, by code (or a summary for a numeric variable)."""
    asked = values.notna().to_numpy()
    x, w = values[asked], np.asarray(weights, dtype=float)[asked]
    if not var.codes:
        q = x.quantile([0.0, 0.25, 0.5, 0.75, 1.0]).to_numpy() if len(x) else np.full(5, np.nan)
        mean = float(np.average(x, weights=w)) if len(x) else np.nan
        stats = ["minimum", "lower quartile", "median", "upper quartile", "maximum"]
        frame = pd.DataFrame([{"respondents": len(x), **dict(zip(stats, q)), "weighted mean": mean}])
        return disclosure.suppress_rows(frame, suppress, n_column="respondents", columns=(*stats, "weighted mean"))
    total = w.sum()
    rows = []
    for code, label in var.codes.items():
        hit = (x == code).to_numpy()
        rows.append(
            {
                "code": int(code),
                "answer": label,
                "respondents": int(hit.sum()),
                "weighted per cent": 100 * w[hit].sum() / total if total > 0 else np.nan,
            }
        )
    frame = disclosure.suppress_rows(
        pd.DataFrame(rows), suppress, n_column="respondents", columns=("weighted per cent",)
    )
    return frame.set_index("code")


def variable_entries(df: pd.DataFrame, weights, suppress: bool) -> list[Entry]:
    """One :class:`Entry` per variable of the codebook found in *df* (derived variables computed first)."""
    cb = load_codebook()
    frame = cb.derive(df.copy())
    entries = []
    for name in cb.names:
        var = cb[name]
        if var.type in NOT_TABULATED or name not in frame.columns:
            continue
        entries.append(
            Entry(
                name=name,
                label=var.label,
                question=(var.question_en or "").strip(),
                question_zh=(var.question_zh or "").strip(),
                asked=asked_text(var.asked_if),
                codes=codes_text(var),
                distribution=distribution(frame[name], weights, var, suppress),
            )
        )
    return entries


def entry_markdown(entry: Entry) -> str:
    """The text of one variable's entry (Markdown), shown above its distribution."""
    lines = [f"**{entry.label}** (`{entry.name}`)", ""]
    if entry.question:
        lines += [f"> {entry.question}", ""]
    if entry.question_zh:
        lines += [f"> {entry.question_zh}", ""]
    lines += [f"Asked of: {entry.asked}.", "", f"Codes: {entry.codes}."]
    return "\n".join(lines)


def page_facts(entries: list[Entry], data_name: str) -> dict[str, object]:
    """Numbers the page's text states: how many variables, how many asked of everyone."""
    return {
        "codebook_variables": len(entries),
        "codebook_everyone": sum(e.asked == "everyone" for e in entries),
        "codebook_filtered": sum(e.asked != "everyone" for e in entries),
        "codebook_data": data_name,
        "codebook_min": disclosure.MIN_RESPONDENTS,
    }
