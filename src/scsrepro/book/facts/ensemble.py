"""The ensemble of twins as the appendix and the chapters show it.

Reads ``data/synthetic/ensemble.csv`` (:mod:`scsrepro.twin.ensemble`): one
row per draw and statistic of :mod:`scsrepro.paper.claims`. A statistic with
an ``outcome`` is a claim the book makes on the committed twin; it *holds* in
a draw when that draw's outcome is the committed draw's, and it is *stable*
when it holds in at least :data:`scsrepro.paper.claims.STABLE_SHARE` of the
draws. A claim a draw cannot make (a term its test never freed) does not
hold there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.book.display import table
from scsrepro.book.facts.common import and_list
from scsrepro.book.figures.models import TERM_LABELS
from scsrepro.data import paths
from scsrepro.paper.claims import STABLE_SHARE, failed_seeds

#: The quantiles a distribution is summarised by (low, median, high).
QUANTILES = (0.05, 0.5, 0.95)

__all__ = [
    "FAMILY_LABELS",
    "distributions",
    "draws_table",
    "ensemble_facts",
    "family_summary",
    "marks",
    "with_marks",
    "read_ensemble",
    "stability",
]

#: What each family of claims is, as the appendix names it.
FAMILY_LABELS = {
    "acceptance": "pass rates of the scoreboard (per cent)",
    "held_out": "held-out numbers within tolerance",
    "verdict": "three-outcome verdicts, H1-H21",
    "verdict_holm": "verdicts after Holm's correction",
    "po_flag": "terms flagged by the proportional-odds test",
    "rural_urban": "rural-urban differences significant",
    "caps": "weight caps: feasibility and shifts",
    "calibrated_se": "significance unchanged by calibrated SEs",
    "partial_po": "freed slopes that differ by threshold",
    "ame": "marginal effects on approving significant",
    "nested": "sample or added block the larger change",
    "firth": "Model 5's penalised education terms",
    "dd_test": "DuMouchel-Duncan test of the weights",
}


def read_ensemble(path: str | Path) -> pd.DataFrame:
    """``ensemble.csv`` with empty outcomes as ``""``."""
    ens = pd.read_csv(path, dtype={"family": str, "key": str, "outcome": str}, keep_default_na=False)
    ens["value"] = pd.to_numeric(ens["value"].replace("", np.nan))
    return ens


def _committed_seed(ens: pd.DataFrame) -> int:
    rows = ens[(ens["family"] == "draw") & (ens["key"] == "committed") & (ens["value"] == 1)]
    if len(rows) != 1:
        raise ValueError(f"the ensemble must have exactly one committed draw, it has {len(rows)}")
    return int(rows["seed"].iloc[0])


def _stats(ens: pd.DataFrame) -> pd.DataFrame:
    """The statistics' rows: no draw metadata, no record of a family that failed."""
    return ens[(ens["family"] != "draw") & (ens["key"] != "error")]


def draws_table(ens: pd.DataFrame) -> pd.DataFrame:
    """One row per draw: its seed, whether it is the committed twin, whether the generator failed on it,
    the scoreboard's pass rates (per cent) and how many families of statistics failed on it (see
    :func:`scsrepro.paper.claims.statistics`)."""
    acc = ens[ens["family"] == "acceptance"].pivot(index="seed", columns="key", values="value")
    seeds = list(dict.fromkeys(ens["seed"]))
    acc = acc.reindex(seeds)
    committed, failed = _committed_seed(ens), set(failed_seeds(ens))
    out = pd.DataFrame(
        {
            "committed twin": ["yes" if s == committed else "" for s in seeds],
            "failed": ["yes" if s in failed else "" for s in seeds],
            "calibrated pass (%)": acc.get("calibrated_pass"),
            "held out pass (%)": acc.get("held_out_pass"),
            "Table 4 within 1 SE (%)": acc.get("t4_within_1se"),
            "stars agree (%)": acc.get("t4_stars_agree"),
            "families failed": ens[ens["key"] == "error"].groupby("seed").size().reindex(seeds, fill_value=0),
        },
        index=pd.Index(seeds, name="seed"),
    )
    return out


def stability(ens: pd.DataFrame, share: float = STABLE_SHARE) -> pd.DataFrame:
    """Every claim of the committed twin and how many draws share it.

    Returns one row per (family, key) with an outcome on the committed twin:
    ``outcome`` (the committed twin's), ``holds`` (draws with the same
    outcome), ``draws`` (the draws that made a twin), ``share`` (per cent)
    and ``stable`` ("yes" when the share is at least *share*).
    """
    stats = _stats(ens)
    claims = stats[stats["outcome"] != ""]
    committed = claims[claims["seed"] == _committed_seed(ens)].set_index(["family", "key"])["outcome"]
    n = ens["seed"].nunique() - len(failed_seeds(ens))
    wide = claims.pivot_table(index=["family", "key"], columns="seed", values="outcome", aggfunc="first")
    wide = wide.reindex(committed.index)
    holds = wide.eq(committed, axis=0).sum(axis=1).astype(int)
    out = pd.DataFrame({"outcome": committed, "holds": holds, "draws": n})
    out["share"] = 100 * out["holds"] / n
    out["stable"] = np.where(out["holds"] >= share * n, "yes", "no")
    return out


def distributions(ens: pd.DataFrame) -> pd.DataFrame:
    """Median and 5-95 % range of every numeric statistic, and where the committed draw sits.

    One row per (family, key) with a value on the committed twin:
    ``median``, ``low`` and ``high`` (the quantiles :data:`QUANTILES`),
    ``committed`` and ``rank`` (per cent of the draws whose value is at most
    the committed one).
    """
    stats = _stats(ens).dropna(subset=["value"])
    wide = stats.pivot_table(index=["family", "key"], columns="seed", values="value", aggfunc="first")
    mine = stats[stats["seed"] == _committed_seed(ens)].set_index(["family", "key"])["value"]
    wide = wide.reindex(mine.index)
    low, mid, high = QUANTILES
    q = wide.quantile(list(QUANTILES), axis=1, interpolation="linear").T
    rank = 100 * wide.le(mine, axis=0).sum(axis=1) / wide.notna().sum(axis=1)
    return pd.DataFrame({"median": q[mid], "low": q[low], "high": q[high], "committed": mine, "rank": rank})


def family_summary(stab: pd.DataFrame) -> pd.DataFrame:
    """Claims per family and how many are stable (*stab*: :func:`stability`)."""
    g = stab.groupby(level="family", sort=False)
    out = pd.DataFrame({"claims": g.size(), "stable": g["stable"].apply(lambda s: int((s == "yes").sum()))})
    out["stable (%)"] = 100 * out["stable"] / out["claims"]
    out.index = [FAMILY_LABELS.get(f, f) for f in out.index]
    out.index.name = "claims"
    return out


def marks(stab: pd.DataFrame | None, family: str, keys: Sequence[str]) -> list[str] | None:
    """The stability mark of each claim *keys* of *family*: "yes (19/20)"; None without an ensemble."""
    if stab is None:
        return None
    rows = stab.loc[family] if family in stab.index.get_level_values("family") else stab.iloc[:0]
    out = []
    for key in keys:
        if key in rows.index:
            r = rows.loc[key]
            out.append(f"{r['stable']} ({r['holds']}/{r['draws']})")
        else:
            out.append("")
    return out


#: The column a chapter table's stability marks go in.
MARK_COLUMN = "stable across twins"


def with_marks(
    shown: pd.DataFrame, stab: pd.DataFrame | None, family: str, keys: Sequence[str], column: str = MARK_COLUMN
) -> pd.DataFrame:
    """*shown* with a column of stability marks (:func:`marks`) for its rows' claims *keys*.

    *keys* are the claims' keys (:mod:`scsrepro.paper.claims`) in the order
    of *shown*'s rows. Without an ensemble (other data) *shown* is returned
    unchanged. With two-level columns the mark goes under ``("", column)``.
    """
    if stab is None:
        return shown
    keys = list(keys)
    if len(keys) != len(shown):
        raise ValueError(f"{len(keys)} claim keys for a table of {len(shown)} rows ({family})")
    out = shown.copy()
    name: Any = ("", column) if isinstance(out.columns, pd.MultiIndex) else column
    out[name] = marks(stab, family, keys)
    mask = shown.attrs.get("suppressed")
    if mask is not None:
        mask = mask.copy()
        mask[name] = False
        out.attrs["suppressed"] = mask
    return out


def ensemble_facts(ens: pd.DataFrame | None, stab: pd.DataFrame | None) -> dict[str, Any]:
    """What the appendix says of the ensemble.

    ``ens_draws`` (int, draws that made a twin) and ``ens_failed`` (int,
    seeds the generator made no twin from); ``ens_stars_min`` / ``_median`` / ``_committed``
    and ``ens_calibrated_min`` / ``_median`` / ``_committed`` (per cent,
    floats: the worst draw, the median and the committed one);
    ``ens_stars_rank`` (per cent of draws with at most the committed draw's
    stars agreement); ``ens_claims``, ``ens_stable`` (ints) and
    ``ens_stable_pct`` (float); ``ens_stable_share``, ``ens_q_low`` and
    ``ens_q_high`` (the stability rule's share and the quantiles of
    :func:`distributions`, per cent, as text). ``{}`` without an ensemble
    (other data).
    """
    if ens is None or stab is None:
        return {}
    draws = draws_table(ens)
    committed = draws[draws["committed twin"] == "yes"].iloc[0]
    failed = int((draws["failed"] == "yes").sum())
    stars, cal = draws["stars agree (%)"].dropna(), draws["calibrated pass (%)"].dropna()
    return {
        "ens_draws": int(len(draws)) - failed,
        "ens_failed": failed,
        "ens_stars_min": float(stars.min()),
        "ens_stars_median": float(stars.median()),
        "ens_stars_committed": float(committed["stars agree (%)"]),
        "ens_stars_rank": float(100 * (stars <= committed["stars agree (%)"]).mean()),
        "ens_calibrated_min": float(cal.min()),
        "ens_calibrated_median": float(cal.median()),
        "ens_calibrated_committed": float(committed["calibrated pass (%)"]),
        "ens_claims": int(len(stab)),
        "ens_stable": int((stab["stable"] == "yes").sum()),
        "ens_stable_pct": float(100 * (stab["stable"] == "yes").mean()),
        "ens_stable_share": f"{100 * STABLE_SHARE:.0f}",
        "ens_q_low": f"{100 * QUANTILES[0]:.0f}",
        "ens_q_high": f"{100 * QUANTILES[2]:.0f}",
    }


# --------------------------------------------------------------------------- as shown
#: Names of the acceptance statistics and the cap measures.
STATISTIC_LABELS = {
    "calibrated_pass": "calibrated numbers passing (%)",
    "held_out_pass": "held-out numbers passing (%)",
    "implied_pass": "implied numbers passing (%)",
    "design_pass": "design numbers passing (%)",
    "arithmetic_pass": "arithmetic numbers passing (%)",
    "t4_within_1se": "Table 4 cells within 1 SE (%)",
    "t4_within_2se": "Table 4 cells within 2 SE (%)",
    "t4_stars_agree": "Table 4 stars agreeing (%)",
    "feasible": "feasible",
    "max_weight": "largest weight",
    "deff": "Kish design effect",
    "approve_pct": "approving (%)",
    "t2_max_shift": "largest Table 2 shift (points)",
    "t4_max_shift_se": "largest Table 4 shift (SEs)",
    "t4_star_changes": "Table 4 star changes",
}


def claim_label(family: str, key: str, board: pd.DataFrame | None = None) -> str:
    """A reader's name for a statistic: "Model 3: Male", "Table 5: ...", "cap 3.0: largest weight"."""
    if family == "acceptance":
        return STATISTIC_LABELS.get(key, key)
    if family == "caps":
        cap, _, measure = key.partition("|")
        return f"{cap}: {STATISTIC_LABELS.get(measure, measure)}"
    if "|" in key:
        model, _, term = key.partition("|")
        return f"{model}: {'all terms' if term == 'all' else TERM_LABELS.get(term, term)}"
    if family == "firth":
        return f"Model 5: {TERM_LABELS.get(key, key)}"
    if board is not None and key in set(board["id"]):
        row = board.loc[board["id"] == key].iloc[0]
        column = f", {row['column']}" if isinstance(row["column"], str) and row["column"] else ""
        return f"{row['source']}: {row['item'] or row['measure']}{column}"
    return key


def _labelled(frame: pd.DataFrame, board: pd.DataFrame | None) -> pd.DataFrame:
    out = frame.copy()
    out.index = pd.MultiIndex.from_tuples(
        [(FAMILY_LABELS.get(f, f), claim_label(f, k, board)) for f, k in frame.index], names=["family", "statistic"]
    )
    return out


def load(is_twin: bool, path: str | Path | None = None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The committed ensemble and its :func:`stability` on the committed twin; ``(None, None)`` on other data.

    The ensemble describes draws of the twin, so it says nothing about other data.
    """
    if not is_twin:
        return None, None
    ens = read_ensemble(paths.ENSEMBLE if path is None else path)
    return ens, stability(ens)


def draws_shown(ens: pd.DataFrame | None):
    """:func:`draws_table` as the appendix shows it (None on other data)."""
    if ens is None:
        return None
    caption = "Each draw of the ensemble: the scoreboard's pass rates (per cent)."
    shown = draws_table(ens)
    return table(shown, {c: "{:.1f}" for c in shown.columns if c.endswith("(%)")}, caption=caption)


def summary_shown(stab: pd.DataFrame | None):
    """:func:`family_summary` as the appendix shows it (None on other data)."""
    if stab is None:
        return None
    caption = (
        "Claims the book makes on the committed twin, by kind, and how many hold in enough draws to count as stable."
    )
    return table(family_summary(stab), {"stable (%)": "{:.0f}"}, caption=caption)


def distributions_shown(ens: pd.DataFrame | None, board: pd.DataFrame | None = None):
    """:func:`distributions`, labelled, as the appendix shows it (None on other data)."""
    if ens is None:
        return None
    low, _, high = (f"{100 * q:.0f} %" for q in QUANTILES)
    caption = (
        f"Every numeric statistic over the draws: median, {low} ('low') and {high} ('high') quantiles, "
        "the committed draw and its rank (per cent of draws at or below it)."
    )
    shown = _labelled(distributions(ens), board)
    return table(
        shown, {c: "{:.3g}" for c in ["median", "low", "high", "committed"]} | {"rank": "{:.0f}"}, caption=caption
    )


def stability_shown(stab: pd.DataFrame | None, board: pd.DataFrame | None = None):
    """:func:`stability`, labelled, as the appendix shows it (None on other data)."""
    if stab is None:
        return None
    caption = "Every claim of the committed twin: its outcome, the draws that share it, and its stability mark."
    shown = _labelled(stab, board).drop(columns="draws")
    return table(shown, {"share": "{:.0f}"}, caption=caption)


def _stable_of(stab: pd.DataFrame, family: str, outcome: str) -> tuple[int, int]:
    """(stable claims, claims) of *family* whose committed outcome is *outcome*."""
    if family not in stab.index.get_level_values("family"):
        return 0, 0
    rows = stab.loc[family]
    rows = rows[rows["outcome"] == outcome]
    return int((rows["stable"] == "yes").sum()), int(len(rows))


def survival_facts(stab: pd.DataFrame | None, hyp: pd.DataFrame) -> dict[str, str]:
    """Which conclusions about the paper survive across twins (the Discussion's passage).

    *hyp* is :func:`scsrepro.paper.published.load_hypotheses`. Facts, as
    text: ``ens_departures`` (the hypotheses whose three-outcome verdict on
    the refit departs from the paper's, each with its outcome and mark, or
    "none"), ``ens_departures_n`` (how many, with the noun: "1 hypothesis",
    "3 hypotheses") and ``ens_departures_stable``; for the
    held-out numbers the twin misses, the significant rural-urban
    differences, the flagged proportional-odds terms and the weights tests
    that reject, ``ens_<x>`` (claims) and ``ens_<x>_stable``; and
    ``ens_stable_share`` (the stability rule's share, per cent). ``{}``
    without an ensemble.
    """
    if stab is None:
        return {}
    verdicts = stab.loc["verdict"] if "verdict" in stab.index.get_level_values("family") else stab.iloc[:0]
    paper = hyp.set_index("hypothesis")["verdict"]
    departs = [h for h, r in verdicts.iterrows() if (paper.get(h) == "supported") != (r["outcome"] == "supported")]
    listed = [
        f"{h} ({verdicts.loc[h, 'outcome']}, {'stable' if verdicts.loc[h, 'stable'] == 'yes' else 'not stable'})"
        for h in departs
    ]
    out = {
        "ens_stable_share": f"{100 * STABLE_SHARE:.0f}",
        "ens_departures": and_list(listed),
        "ens_departures_n": f"{len(departs)} hypothesis" if len(departs) == 1 else f"{len(departs)} hypotheses",
        "ens_departures_stable": str(int((verdicts.loc[departs, "stable"] == "yes").sum()) if departs else 0),
    }
    for name, family, outcome in [
        ("held_fail", "held_out", "fail"),
        ("ru_sig", "rural_urban", "significant"),
        ("po_flagged", "po_flag", "flagged"),
        ("dd_reject", "dd_test", "rejects"),
    ]:
        stable, n = _stable_of(stab, family, outcome)
        out[f"ens_{name}"], out[f"ens_{name}_stable"] = str(n), str(stable)
    return out
