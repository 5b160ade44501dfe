"""The facts of the fidelity appendix (``chapters/fidelity.md``), one helper per section.

Each ``*_facts`` helper returns the named values the prose of one section
quotes, for one :func:`scsrepro.book.gluing.glue_all` call; the other
helpers build the tables the appendix shows. The values keep the types the
prose formats them with (``{glue:text}`fid_calibrated_rate:.1f```): counts are
``int``, shares in per cent and tolerances are ``float``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scsrepro.paper.audit.granularity import N_RANGE
from scsrepro.paper.fidelity import SCORED_BASES, distance_in_tolerances
from scsrepro.paper.targets import BASES, BASIS_MEANING

__all__ = [
    "twin_facts",
    "tolerance_facts",
    "basis_table",
    "basis_facts",
    "targets_by_table",
    "table4_facts",
    "held_out_rows",
    "held_out_table",
    "held_out_facts",
    "errata_facts",
    "not_estimable_facts",
    "grim_shown",
    "granularity_facts",
]

#: Glue name of each tolerance the scoreboard section quotes, by key of
#: :data:`scsrepro.paper.fidelity.TOLERANCES`.
TOLERANCE_NAMES: dict[str, str] = {
    "percent_table_a2": "tol_a2",
    "percent": "tol_pct",
    "mean": "tol_mean",
    "sd": "tol_sd",
}

#: Columns of the per-table summary of the calibrated numbers.
TARGET_COLUMNS = ["table", "n_scored", "n_pass", "n_fail", "pass_rate"]

#: Columns of the table of pass rates by basis.
BASIS_COLUMNS = ["basis", "what agreement shows", "n_rows", "n_scored", "n_pass", "pass_rate"]

#: Columns of the held-out table, in the order shown.
HELD_OUT_COLUMNS = ["source", "item", "column", "published", "reproduced", "tolerance", "distance", "in tolerances"]


def twin_facts(params: Mapping[str, Any]) -> dict[str, Any]:
    """How the twin is made: seed, size and the settings the text quotes.

    Parameters
    ----------
    params : mapping
        The generator parameters, as :func:`scsrepro.twin.covariates.load_params`
        reads them (with the ``approval`` section of ``make calibrate``).

    Returns
    -------
    dict
        ``twin_seed`` and ``twin_n`` as stored; ``twin_enth_shift`` (how many
        SDs lower the enthusiasm factor of respondents without formal
        education is, a positive float); ``twin_count_weight`` and
        ``twin_band`` (floats) and ``twin_max_checks`` (int) of the stars
        stage; ``twin_n_latent``, the number of terms of the latent index.
    """
    stars_phase = params["approval"]["stars"]
    return {
        "twin_seed": params["seed"],
        "twin_n": params["n"],
        "twin_enth_shift": -float(params["factor_shifts_by_education"]["enth"][1]),
        "twin_count_weight": float(stars_phase["count_weight"]),
        "twin_band": float(stars_phase["band"]),
        "twin_max_checks": int(stars_phase["max_checks"]),
        "twin_n_latent": len(params["approval"]["latent"]),
    }


def tolerance_facts(tolerances: Mapping[str, float]) -> dict[str, float]:
    """The tolerances the scoreboard section quotes, by glue name (:data:`TOLERANCE_NAMES`).

    *tolerances* is :data:`scsrepro.paper.fidelity.TOLERANCES` (or a mapping
    with the same keys); the values are passed on unchanged.
    """
    return {name: tolerances[key] for key, name in TOLERANCE_NAMES.items()}


def _overall(summary: pd.DataFrame) -> pd.DataFrame:
    """The ``all`` rows of a fidelity summary, indexed by basis."""
    return summary[summary["table"].eq("all")].set_index("basis")


def basis_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows, scored rows, passes and pass rate of each basis, columns :data:`BASIS_COLUMNS`.

    *summary* is :func:`scsrepro.paper.fidelity.summary` of a scoreboard;
    one row per basis present, in the order of
    :data:`scsrepro.paper.targets.BASES` (the data-dependent bases first),
    with the basis's meaning (:data:`scsrepro.paper.targets.BASIS_MEANING`).
    """
    overall = _overall(summary)
    out = overall.loc[[b for b in BASES if b in overall.index]].reset_index()
    out.insert(1, "what agreement shows", out["basis"].map(BASIS_MEANING))
    return out[BASIS_COLUMNS]


def basis_facts(summary: pd.DataFrame) -> dict[str, Any]:
    """Scored rows, passes and pass rate of every basis with scored rows.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`scsrepro.paper.fidelity.summary` of a scoreboard; its ``all``
        rows are read.

    Returns
    -------
    dict
        For each basis of :data:`scsrepro.paper.fidelity.SCORED_BASES`:
        ``fid_<basis>_scored`` and ``fid_<basis>_pass`` (int, 0 for a basis
        without rows) and ``fid_<basis>_rate`` (float, per cent of the
        scored rows; NaN when none is scored).
    """
    overall = _overall(summary)
    facts: dict[str, Any] = {}
    for basis in SCORED_BASES:
        have = basis in overall.index
        scored = int(overall.loc[basis, "n_scored"]) if have else 0
        passed = int(overall.loc[basis, "n_pass"]) if have else 0
        facts[f"fid_{basis}_scored"] = scored
        facts[f"fid_{basis}_pass"] = passed
        facts[f"fid_{basis}_rate"] = 100 * passed / scored if scored else float("nan")
    return facts


def targets_by_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The calibrated rows of a fidelity summary, columns :data:`TARGET_COLUMNS`.

    *summary* is :func:`scsrepro.paper.fidelity.summary` of a scoreboard;
    the rows keep their order (one per table, then ``all``).
    """
    return summary[summary["basis"].eq("calibrated")][TARGET_COLUMNS]


def table4_facts(accepted: Mapping[str, int]) -> dict[str, Any]:
    """Table 4's cells and the per cent of them within one and two SEs and with the printed stars.

    Parameters
    ----------
    accepted : mapping
        :func:`scsrepro.paper.fidelity.acceptance` of a scoreboard (counts).

    Returns
    -------
    dict
        ``fid_t4_cells`` (the count as given) and ``fid_t4_within1``,
        ``fid_t4_within2``, ``fid_t4_stars`` (floats, per cent of the cells).
    """
    cells = accepted["t4_cells"]
    return {
        "fid_t4_cells": cells,
        "fid_t4_within1": 100 * accepted["t4_within_1se"] / cells,
        "fid_t4_within2": 100 * accepted["t4_within_2se"] / cells,
        "fid_t4_stars": 100 * accepted["t4_stars_agree"] / cells,
    }


def held_out_rows(board: pd.DataFrame) -> pd.DataFrame:
    """The held-out rows of a scoreboard (role ``held_out``: basis ``held_out``, errata left out), in board order."""
    return board[board["role"].eq("held_out")]


def _held_out_sorted(board: pd.DataFrame) -> pd.DataFrame:
    held = held_out_rows(board).assign(**{"in tolerances": lambda d: distance_in_tolerances(d)})
    return held.sort_values("in tolerances", ascending=False, kind="stable")


def held_out_ids(board: pd.DataFrame) -> list[str]:
    """The published ids of :func:`held_out_table`'s rows, in its order."""
    return _held_out_sorted(board)["id"].tolist()


def held_out_table(board: pd.DataFrame) -> pd.DataFrame:
    """The held-out rows, columns :data:`HELD_OUT_COLUMNS`, largest distance in tolerances first (stable).

    A number withheld by disclosure control (the board's ``suppressed``) is
    marked in ``attrs["suppressed"]`` for :func:`scsrepro.book.display.table`.
    """
    rows = _held_out_sorted(board)
    shown = rows[HELD_OUT_COLUMNS]
    if "suppressed" in rows.columns and rows["suppressed"].any():
        mask = pd.DataFrame(False, index=shown.index, columns=shown.columns)
        withheld = [c for c in ("reproduced", "distance", "in tolerances") if c in shown.columns]
        mask.loc[rows["suppressed"].to_numpy(dtype=bool), withheld] = True
        shown.attrs["suppressed"] = mask
    return shown


def held_out_facts(board: pd.DataFrame) -> dict[str, Any]:
    """How many numbers were held out, how many lie within tolerance, and their median distance.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`scsrepro.paper.fidelity.scoreboard`.

    Returns
    -------
    dict
        ``fid_held_n`` and ``fid_held_within`` (int, rows with status
        ``pass``) and ``fid_held_median`` (float, median distance in
        tolerances, :func:`scsrepro.paper.fidelity.distance_in_tolerances`).
    """
    held = held_out_rows(board)
    return {
        "fid_held_n": len(held),
        "fid_held_within": int((held["status"] == "pass").sum()),
        "fid_held_median": float(distance_in_tolerances(held).median()),
    }


def errata_facts(errata: pd.DataFrame, findings: pd.DataFrame) -> dict[str, int]:
    """The number of errata the twin follows and of findings of the audit.

    *errata* is ``data/published/errata.csv`` (one row per contradiction),
    *findings* :func:`scsrepro.paper.audit.run_audit`; returns
    ``fid_n_errata`` and ``fid_n_findings``, their numbers of rows.
    """
    return {"fid_n_errata": len(errata), "fid_n_findings": len(findings)}


def not_estimable_facts(board: pd.DataFrame) -> dict[str, str]:
    """``fid_t4_missing``: how many Table 4 cells the data cannot estimate ("" when every cell has a value).

    *board* is :func:`scsrepro.paper.fidelity.scoreboard`; a coefficient or
    cut point of Table 4 without a reproduced value is counted.
    """
    t4 = board[board["source"].eq("Table 4") & board["statistic"].isin(["coef", "cut"])]
    k = int(t4["reproduced"].isna().sum())
    if k == 0:
        return {"fid_t4_missing": ""}
    return {
        "fid_t4_missing": f"On these data {k} of the cells cannot be estimated (see the Models chapter); "
        "they count as outside both bands and as disagreeing stars."
    }


# --------------------------------------------------------------------------- granularity


def _readings(ids: str, errata: pd.DataFrame) -> str:
    """The errata (ids ``E-*``) whose printed numbers include any of *ids* (``;``-joined)."""
    mine = set(ids.split(";"))
    hits = [r.id for r in errata.itertuples(index=False) if mine & set(str(r.published_ids).split(";"))]
    return ", ".join(hits)


def grim_shown(grim: pd.DataFrame, errata: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The blocks GRIM applies to, as shown: base, whether it fits, the N recovered, the erratum followed.

    *grim* is :func:`scsrepro.paper.audit.granularity.grim_table`, *errata*
    ``data/published/errata.csv``, *published* the paper's numbers (to name
    the printed Ns that fit by value and table).
    """
    g = grim[grim["applies"]]
    look = published.set_index("id")

    def printed(ids) -> str:
        return "; ".join(f"{int(look.loc[i, 'value']):,} ({look.loc[i, 'source']})" for i in ids)

    out = pd.DataFrame(
        {
            "block": g["block"].to_numpy(),
            "base": g["base_used"].to_numpy(),
            "N of base": [
                f"{int(lo):,}" if lo == hi else f"{int(lo):,}-{int(hi):,}" for lo, hi in zip(g["base_lo"], g["base_hi"])
            ],
            "fits base": g["consistent_with_base"].map({True: "yes", False: "no"}).to_numpy(),
            "nearest N that fits": g["closest_n"].to_numpy(),
            f"Ns that fit ({N_RANGE[0]:,}-{N_RANGE[1]:,})": g["n_consistent"].to_numpy(),
            "printed Ns that fit": [printed(x) for x in g["printed_ns"]],
            "erratum followed": [_readings(i, errata) for i in g["ids"]],
        }
    )
    return out


def granularity_facts(
    grim: pd.DataFrame, debit: pd.DataFrame, grimmer: pd.DataFrame, findings: pd.DataFrame
) -> dict[str, Any]:
    """Counts for the granularity section.

    ``gran_n_min`` / ``gran_n_max`` (the range of N searched), ``gran_blocks``
    (blocks GRIM applies to), ``gran_fit`` (consistent
    with their base), ``gran_misfit`` (not), ``gran_single`` (blocks that
    only one N in the range fits), ``gran_skipped`` (blocks it does not
    apply to), ``gran_moments`` (Table A3 variables DEBIT or GRIMMER examine)
    , ``gran_moments_informative`` (of those, variables where a test could
    reject at some N tried) and ``gran_moment_findings`` (findings of the
    audit's ``debit`` and ``grimmer`` checks, *findings* being
    :func:`scsrepro.paper.audit.run_audit`).
    """
    g = grim[grim["applies"]]
    moments = pd.concat([debit, grimmer], ignore_index=True)
    power = moments[["mean_informative", "sd_informative"]].fillna(False).astype(bool).any(axis=1)
    return {
        "gran_n_min": f"{N_RANGE[0]:,}",
        "gran_n_max": f"{N_RANGE[1]:,}",
        "gran_blocks": len(g),
        "gran_fit": int(g["consistent_with_base"].sum()),
        "gran_misfit": int((~g["consistent_with_base"].astype(bool)).sum()),
        "gran_single": int((g["n_consistent"] == 1).sum()),
        "gran_skipped": int((~grim["applies"]).sum()),
        "gran_moments": int(moments["variable"].nunique()),
        "gran_moments_informative": int(moments.loc[power, "variable"].nunique()),
        "gran_moment_findings": int(findings["check"].isin(["debit", "grimmer"]).sum()),
    }
