"""The fidelity scoreboard: every printed number against its recomputation.

:func:`scoreboard` lines up each number of ``data/published`` with the value
the table functions of :mod:`scsrepro.paper.tables` recomputed from respondent data
and decides whether the two agree within a fixed tolerance:

==========================================  ==================================
number                                      tolerance
==========================================  ==================================
Table A2 percentages                        +/- 0.5 percentage points
every other percentage                      +/- 1 percentage point
means (Table A3)                            +/- 0.02
standard deviations (Table A3)              +/- 0.05
VIF and tolerance (Table A4)                +/- 0.05 (both columns)
Table 4 coefficients and cut points         +/- 1 published standard error
coefficients the text repeats from Table 4  +/- 1 published SE of that cell
counts (N, observations, quota cells)       exact
ratios (no rule given: "1 in 5", weights)   +/- 0.01 (1 point on a 0-1 scale)
Table 4 standard errors                     not scored; relative distance shown
==========================================  ==================================

(:data:`~scsrepro.paper.tolerances.TOLERANCES` and
:func:`~scsrepro.paper.tolerances.tolerance_for`, defined in
:mod:`scsrepro.paper.tolerances` and importable from here.)

Each row has a *basis*, what agreement on it can prove (``calibrated``,
``held_out``, ``implied``, ``design``, ``arithmetic`` or ``context``; set per
recipe in ``data/targets.yml``, see :data:`scsrepro.paper.targets.BASES`),
and a role: ``erratum`` for ids listed in ``data/published/errata.csv`` (if
that file exists), ``held_out`` for the other rows of basis ``held_out``,
``target`` otherwise. The status is ``pass`` or ``fail`` for scored rows and
``n/a`` for errata, for numbers that no respondent data can reproduce,
for unscored rows and for numbers that disclosure control suppressed
(column ``suppressed``, :mod:`scsrepro.paper.disclosure`). :func:`summary`
and :func:`acceptance` report the pass rates by basis.

``python -m scsrepro.paper.fidelity --data PATH`` computes every table from a data
file, writes ``_build/tables/<table>.csv`` and ``_build/fidelity.csv``, and
prints the summary.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.files import write_csv_atomic
from scsrepro.data.loading import DataValidationError, load_survey
from scsrepro.paper import disclosure
from scsrepro.paper.published import hypothesis_verdicts
from scsrepro.paper.tables import all_tables, write_tables
from scsrepro.paper.targets import BASES, Recipe, Targets, cached_published, load_targets, published_table_names
from scsrepro.paper.tolerances import TOLERANCES, published_se_by_id, tolerance_for

__all__ = [
    "TOLERANCES",
    "ROLES",
    "STATUSES",
    "ERRATA_FILE",
    "BOARD_COLUMNS",
    "ERRATA_ID_COLUMNS",
    "load_errata",
    "default_roles",
    "default_bases",
    "all_published",
    "tolerance_for",
    "scoreboard",
    "summary",
    "SUMMARY_COLUMNS",
    "acceptance",
    "SCORED_BASES",
    "ACCEPTANCE_KEYS",
    "largest_distances",
    "write_scoreboard",
    "main",
]

ROLES = ("target", "held_out", "erratum")
STATUSES = ("pass", "fail", "n/a")
ERRATA_FILE: Path = paths.PUBLISHED / "errata.csv"
SCOREBOARD_FILE: Path = paths.BUILD / "fidelity.csv"

BOARD_COLUMNS: tuple[str, ...] = tuple(
    "id table file source measure item column statistic kind published reproduced distance tolerance "
    "tolerance_rule role basis status reason published_se published_stars reproduced_stars stars_agree "
    "erratum_reading reproduced_alt alt_reading suppressed".split()
)
_FLOAT_SLACK = 1e-9
#: Bases with scored rows, in the order they are reported (``context`` rows
#: are never scored).
SCORED_BASES: tuple[str, ...] = tuple(b for b in BASES if b != "context")
#: Keys of :func:`acceptance`, in order (the columns of the seed check).
ACCEPTANCE_KEYS: tuple[str, ...] = (
    *(f"{b}_{what}" for b in SCORED_BASES for what in ("scored", "pass")),
    *"t4_cells t4_within_1se t4_within_2se t4_stars_agree".split(),
)


# ===================================================================== roles
#: Optional errata columns that may list the published ids an erratum concerns.
ERRATA_ID_COLUMNS = ("id", "published_id", "published_ids", "ids", "items")
#: When an errata file has this column, only the ids listed in it are taken
#: out of the pass rate: the printed numbers the twin does *not* follow. The
#: other ids of an erratum (``published_ids``) are involved in the
#: contradiction but still reproduced, so they stay scored.
ERRATA_EXCLUDED_COLUMN = "excluded_ids"


def load_errata(path: str | os.PathLike[str] | None = None, published_ids: set[str] | None = None) -> pd.DataFrame:
    """Read the errata list, or return an empty one when the file is absent.

    The file needs an ``id`` and a ``reading`` column. With an
    ``excluded_ids`` column (as ``data/published/errata.csv`` has), exactly
    the ids listed there are errata. Otherwise ``id`` is either the
    published id the erratum concerns or an erratum label of its own; in the
    latter case the published ids are looked for in the optional columns
    ``published_id``, ``published_ids``, ``ids`` or ``items`` (several ids
    separated by ``;``, ``,`` or spaces). When *published_ids* is given, only
    tokens that are published ids are kept.

    Parameters
    ----------
    path : str or path-like, optional
        Defaults to ``data/published/errata.csv``.
    published_ids : set of str, optional
        The published ids, to recognise which tokens name a printed number.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (a published id), ``reading`` and ``erratum`` (the
        errata rows' own ``id`` values), one row per published id; readings
        of an id named by several errata are joined with ``"; "``.

    Raises
    ------
    ValueError
        If the file lacks an ``id`` or a ``reading`` column.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=str) for c in ("id", "reading", "erratum")})
    p = Path(path) if path is not None else ERRATA_FILE
    if not p.is_file():
        return empty
    frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in ("id", "reading") if c not in frame.columns]
    if missing:
        raise ValueError(f"{paths.relative(p)}: missing column(s) {missing}; found {list(frame.columns)}")
    rows = []
    for rec in frame.to_dict("records"):
        tokens = []
        columns = (ERRATA_EXCLUDED_COLUMN,) if ERRATA_EXCLUDED_COLUMN in frame.columns else ERRATA_ID_COLUMNS
        for col in columns:
            if col in rec and rec[col]:
                tokens += [t for t in re.split(r"[;,\s]+", rec[col]) if t]
        if published_ids is not None:
            tokens = [t for t in tokens if t in published_ids]
        for t in dict.fromkeys(tokens):
            rows.append({"id": t, "reading": rec["reading"].strip(), "erratum": rec["id"].strip()})
    if not rows:
        return empty
    out = pd.DataFrame(rows)
    join = lambda s: "; ".join(dict.fromkeys(x for x in s if x))  # noqa: E731
    return out.groupby("id", sort=False, as_index=False).agg({"reading": join, "erratum": join})


def default_roles(
    ids: Sequence[str], targets: Targets | None = None, errata: pd.DataFrame | None = None
) -> dict[str, str]:
    """Role of each published id: erratum, then held out, then target.

    Parameters
    ----------
    ids : sequence of str
        Published ids.
    targets : Targets, optional
        Recipe file (for the held-out patterns); default :func:`load_targets`.
    errata : pandas.DataFrame, optional
        Output of :func:`load_errata`; default reads the errata file.

    Returns
    -------
    dict of str to str
    """
    targets = targets or load_targets()
    errata = load_errata(published_ids=set(ids)) if errata is None else errata
    err = set(errata["id"])
    return {i: "erratum" if i in err else "held_out" if targets.is_held_out(i) else "target" for i in ids}


def default_bases(ids: Sequence[str], targets: Targets | None = None) -> dict[str, str]:
    """Basis of each published id (:meth:`scsrepro.paper.targets.Targets.basis_of`).

    *targets* defaults to :func:`load_targets`. An id without a recipe
    (which the coverage test forbids) is ``context``, like every number
    nothing computes.
    """
    targets = targets or load_targets()
    return {i: targets.basis_of(i) if targets.lookup(i) is not None else "context" for i in ids}


# ===================================================================== board
def all_published() -> pd.DataFrame:
    """Every published number the scoreboard scores, with its file (``file``), in file order.

    The long-format files of ``data/published`` and the paper's verdicts on
    H1-H21 (file ``table_1``). Raises ValueError if an id repeats.
    """
    frames = [cached_published(name).assign(file=name) for name in published_table_names()]
    frames.append(hypothesis_verdicts().assign(file="table_1"))
    pub = pd.concat(frames, ignore_index=True)
    dup = pub["id"][pub["id"].duplicated()]
    if len(dup):
        raise ValueError(f"published ids repeated across files: {sorted(set(dup))[:10]}")
    return pub


def _reproduced(tables: Mapping[str, pd.DataFrame], published_ids: set[str]) -> pd.DataFrame:
    parts = []
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"table {name!r} is a {type(frame).__name__}, not a DataFrame")
        for col in ("id", "reproduced"):
            if col not in frame.columns:
                raise ValueError(f"table {name!r} has no {col!r} column")
        part = frame[frame["id"].isin(published_ids)].copy()
        part["table"] = name
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["id", "table", "reproduced"])
    rep = pd.concat(parts, ignore_index=True)
    dup = rep["id"][rep["id"].duplicated()]
    if len(dup):
        where = rep[rep["id"].isin(set(dup))].groupby("id")["table"].apply(list).to_dict()
        raise ValueError(f"published ids reproduced by more than one table: {dict(list(where.items())[:10])}")
    return rep


def _role_map(
    ids: Sequence[str], targets: Targets, errata: pd.DataFrame, roles: Mapping[str, str] | None
) -> dict[str, str]:
    """:func:`default_roles` of *ids*, overridden by *roles* for the ids it names."""
    role_of = default_roles(ids, targets, errata)
    if roles is not None:
        bad = {k: v for k, v in roles.items() if v not in ROLES}
        if bad:
            raise ValueError(f"unknown role(s) {bad}; allowed {ROLES}")
        role_of.update({k: v for k, v in roles.items() if k in role_of})
    return role_of


def _status(
    r: Mapping[str, Any],
    hit: Recipe | str | None,
    source: str,
    role: str,
    rule: tuple[float, bool, str],
    reproduced: float,
    x: Any,
) -> tuple[str, str]:
    """Status and reason of the published row *r*.

    *hit* is its recipe (from the recipe file *source*), *rule* its
    :func:`tolerance_for`, *reproduced* the recomputed value and *x* its row
    of the reproduced tables, None when no table gave it.
    """
    tol, scored, text = rule
    have = x is not None
    if isinstance(hit, str):
        return "n/a", f"not computable: {hit}"
    if hit is None:
        return "n/a", f"no recipe in {source}"
    if role == "erratum":
        return "n/a", "erratum"
    if not scored:
        return "n/a", text
    if have and bool(x.get("suppressed", False)):
        return "n/a", f"suppressed: fewer than {disclosure.MIN_RESPONDENTS} respondents (disclosure control)"
    if not np.isfinite(reproduced):
        return "fail", "not reproduced" + (
            f": {x['note']}" if have and str(x.get("note", "")) else "" if have else f" (no table gave {r['id']})"
        )
    return ("pass" if abs(reproduced - r["value"]) <= tol + _FLOAT_SLACK * max(1.0, abs(r["value"])) else "fail"), ""


def _board_row(
    r: Mapping[str, Any],
    targets: Targets,
    rep_by_id: pd.DataFrame,
    role: str,
    se_of: Mapping[str, float],
    reading: Mapping[str, str],
) -> dict:
    """The scoreboard row of the published row *r*.

    *rep_by_id* holds the reproduced rows by id, *role* is the row's role,
    *se_of* :func:`scsrepro.paper.tolerances.published_se_by_id` and
    *reading* the errata readings by id.
    """
    id_ = r["id"]
    hit = targets.lookup(id_)
    have = id_ in rep_by_id.index
    x = rep_by_id.loc[id_] if have else {}
    reproduced = float(x["reproduced"]) if have and pd.notna(x["reproduced"]) else np.nan
    rule = tolerance_for(r, hit, se_of)
    status, reason = _status(r, hit, targets.source, role, rule, reproduced, x if have else None)
    if r["statistic"] == "se":
        distance = abs(reproduced - r["value"]) / abs(r["value"]) if r["value"] else np.nan
    else:
        distance = abs(reproduced - r["value"])
    is_t4_est = r["file"] == "table_4" and r["statistic"] in ("coef", "cut")
    rep_stars = str(x.get("stars", "") or "") if have and is_t4_est else ""
    return {
        "id": id_,
        "table": x["table"] if have else r["file"],
        "file": r["file"],
        "source": r["source"],
        "measure": r["measure"],
        "item": r["item"],
        "column": r["column"],
        "statistic": r["statistic"],
        "kind": r["kind"],
        "published": float(r["value"]),
        "reproduced": reproduced,
        "distance": distance,
        "tolerance": rule[0],
        "tolerance_rule": rule[2],
        "role": role,
        "basis": default_bases([id_], targets)[id_],
        "status": status,
        "reason": reason,
        "published_se": se_of.get(id_, np.nan) if is_t4_est else np.nan,
        "published_stars": r["stars"] if is_t4_est else "",
        "reproduced_stars": rep_stars,
        "stars_agree": (r["stars"] == rep_stars) if is_t4_est and np.isfinite(reproduced) else pd.NA,
        "erratum_reading": reading.get(id_, ""),
        "reproduced_alt": float(x["reproduced_alt"])
        if have and "reproduced_alt" in x and pd.notna(x["reproduced_alt"])
        else np.nan,
        "alt_reading": str(x.get("alt_reading", "") or "") if have else "",
        "suppressed": bool(x.get("suppressed", False)) if have else False,
    }


def scoreboard(tables: Mapping[str, pd.DataFrame], roles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Score every published number against its recomputation.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Output of :func:`scsrepro.paper.tables.all_tables` (or any subset of it:
        published numbers of tables not given are counted as not reproduced).
    roles : dict of str to str, optional
        Role by published id, overriding the default of
        :func:`default_roles` (errata file, held-out patterns) for the ids it
        names. Values must be one of :data:`ROLES`.

    Returns
    -------
    pandas.DataFrame
        One row per published number, columns :data:`BOARD_COLUMNS`, in the
        order of the published files.

    Raises
    ------
    ValueError
        If a table lacks ``id``/``reproduced``, an id is reproduced by two
        tables, a role is unknown, or a statistic has no tolerance rule.
    """
    targets = load_targets()
    pub = all_published()
    rep = _reproduced(tables, set(pub["id"]))
    errata = load_errata(published_ids=set(pub["id"]))
    role_of = _role_map(pub["id"].tolist(), targets, errata, roles)
    reading = dict(zip(errata["id"], errata["reading"]))
    se_of = published_se_by_id()
    rep_by_id = rep.set_index("id") if len(rep) else pd.DataFrame()
    rows = [_board_row(r, targets, rep_by_id, role_of[r["id"]], se_of, reading) for r in pub.to_dict("records")]
    board = pd.DataFrame(rows, columns=list(BOARD_COLUMNS))
    board["stars_agree"] = board["stars_agree"].astype("boolean")
    return board


def distance_in_tolerances(board: pd.DataFrame) -> pd.Series:
    """Each row's distance divided by its tolerance (above 1 = a miss).

    A row with tolerance 0 (counts, verdicts: exact agreement required) gets
    0 when it matches and infinity when it does not; rows without a distance
    stay missing.
    """
    d = board["distance"].astype(float)
    t = board["tolerance"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d / t
    exact = t.eq(0) & d.notna()
    ratio[exact] = np.where(d[exact] > 0, np.inf, 0.0)
    return ratio


def largest_distances(board: pd.DataFrame, n: int = 12) -> pd.DataFrame:
    """The *n* scored targets farthest from the paper, measured in tolerances.

    The rows of *board* (a :func:`scoreboard`) with role ``target`` and
    status ``pass`` or ``fail``, with a column ``in tolerances``
    (:func:`distance_in_tolerances`), sorted by it from the largest down
    (a stable sort: ties keep the board's order; missing values last), the
    first *n* of them. A miss of a number that must match exactly ranks
    first.
    """
    scored = board[board["role"].eq("target") & board["status"].isin(["pass", "fail"])].copy()
    scored["in tolerances"] = distance_in_tolerances(scored)
    return scored.sort_values("in tolerances", ascending=False, kind="stable").head(n)


def acceptance(board: pd.DataFrame) -> dict:
    """The twin's acceptance figures from a scoreboard, as counts (keys :data:`ACCEPTANCE_KEYS`).

    For each basis of :data:`SCORED_BASES`, the scored rows and how many
    pass (``<basis>_scored``, ``<basis>_pass``; errata left out), read from
    :func:`summary`: ``held_out_pass`` of ``held_out_scored`` is the
    held-out headline. Then Table 4's coefficient and cut-point cells, how
    many lie within one and two published SEs and how many carry the
    printed stars. A cell the data cannot estimate (a level nobody in the
    sample has, so no stars) counts as neither within nor agreeing.
    """
    overall = summary(board)
    overall = overall[overall["table"].eq("all")].set_index("basis")
    out = {}
    for basis in SCORED_BASES:
        have = basis in overall.index
        out[f"{basis}_scored"] = int(overall.loc[basis, "n_scored"]) if have else 0
        out[f"{basis}_pass"] = int(overall.loc[basis, "n_pass"]) if have else 0
    t4 = board[board["source"].eq("Table 4") & board["statistic"].isin(["coef", "cut"])]
    in_se = t4["distance"] / t4["published_se"]
    out["t4_cells"] = len(t4)
    out["t4_within_1se"] = int((in_se <= 1).sum())
    out["t4_within_2se"] = int((in_se <= 2).sum())
    out["t4_stars_agree"] = int(t4["stars_agree"].eq(True).sum())
    return out


#: Columns of :func:`summary`.
SUMMARY_COLUMNS: tuple[str, ...] = tuple(
    "table basis n_rows n_scored n_pass n_fail n_na pass_rate mean_distance max_distance "
    "mean_distance_in_tolerances stars_agree_rate".split()
)


def _stats(g: pd.DataFrame) -> dict:
    """The counts, pass rate and distances of the scoreboard rows *g* (see :func:`summary`)."""
    scored = g[g["status"].isin(["pass", "fail"])]
    n_pass = int((scored["status"] == "pass").sum())
    d = scored["distance"].astype(float)
    t = scored["tolerance"].astype(float)
    ratio = distance_in_tolerances(scored)[(t > 0) & np.isfinite(d)]
    stars = g["stars_agree"].dropna()
    return {
        "n_rows": len(g),
        "n_scored": len(scored),
        "n_pass": n_pass,
        "n_fail": len(scored) - n_pass,
        "n_na": int((g["status"] == "n/a").sum()),
        "pass_rate": n_pass / len(scored) if len(scored) else np.nan,
        "mean_distance": float(d.mean()) if d.notna().any() else np.nan,
        "max_distance": float(d.max()) if d.notna().any() else np.nan,
        "mean_distance_in_tolerances": float(ratio.mean()) if len(ratio) else np.nan,
        "stars_agree_rate": float(stars.astype(bool).mean()) if len(stars) else np.nan,
    }


def summary(board: pd.DataFrame) -> pd.DataFrame:
    """Pass rates and distances by basis: the one place the scoreboard is counted.

    Errata (role ``erratum``) are left out; every other row counts under its
    basis, so the ``held_out`` rows are exactly the numbers held out of the
    twin's calibration.

    Parameters
    ----------
    board : pandas.DataFrame
        Output of :func:`scoreboard`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`. For each basis present, in the
        order of :data:`scsrepro.paper.targets.BASES`, one row per table and
        a row ``all``: ``n_rows``, ``n_scored`` (pass + fail), ``n_pass``,
        ``n_fail``, ``n_na``, ``pass_rate`` (of the scored rows, missing if
        none), ``mean_distance``, ``max_distance``,
        ``mean_distance_in_tolerances`` (distance / tolerance, counts with
        tolerance 0 left out) and, for Table 4, ``stars_agree_rate``.
    """
    need = {"table", "role", "basis", "status", "distance", "tolerance", "stars_agree"}
    if not need <= set(board.columns):
        raise ValueError(f"not a scoreboard: missing columns {sorted(need - set(board.columns))}")
    unknown = sorted(set(board["basis"]) - set(BASES))
    if unknown:
        raise ValueError(f"unknown basis {unknown}; allowed {BASES}")
    kept = board[board["role"].ne("erratum")]
    out = []
    for basis in BASES:
        part = kept[kept["basis"] == basis]
        for table, g in part.groupby("table", sort=False):
            out.append({"table": table, "basis": basis, **_stats(g)})
        if len(part):
            out.append({"table": "all", "basis": basis, **_stats(part)})
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


def write_scoreboard(board: pd.DataFrame, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the scoreboard as CSV, atomically (temporary file, then replace).

    Parameters
    ----------
    board : pandas.DataFrame
        Output of :func:`scoreboard`.
    path : str or path-like, optional
        Default ``_build/fidelity.csv``; parent folders are created.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not isinstance(board, pd.DataFrame):
        raise ValueError(f"board must be a DataFrame, got {type(board).__name__}")
    path = Path(path) if path is not None else SCOREBOARD_FILE
    write_csv_atomic(recorded_distances(board), path)
    return path


def recorded_distances(board: pd.DataFrame) -> pd.DataFrame:
    """The scoreboard with distances below the recorded precision set to 0.

    Values are recorded at six significant digits (``files.RECORD_DIGITS``).
    A distance smaller than a millionth of the published value (relative
    distances of standard errors: smaller than a millionth) is what is left
    when two numbers that agree at that precision are subtracted; its digits
    are rounding noise that differs between CPUs, so it is recorded as 0.
    """
    out = board.copy()
    d = out["distance"].astype(float)
    scale = np.where(out["statistic"].eq("se"), 1.0, np.maximum(out["published"].astype(float).abs(), 1.0))
    out["distance"] = d.where(~(d.abs() < 1e-6 * scale), 0.0)
    return out


# ===================================================================== CLI
def main(argv: Sequence[str] | None = None) -> int:
    """Compute every table from a data file and write tables and scoreboard.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default ``sys.argv[1:]``): ``--data PATH``
        (required), ``--tables-dir`` (default ``_build/tables``),
        ``--out`` (default ``_build/fidelity.csv``).

    Returns
    -------
    int
        0 on success, 2 if the data file cannot be read.
    """

    parser = argparse.ArgumentParser(prog="python -m scsrepro.paper.fidelity", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="respondent-level CSV following data/codebook.yml")
    parser.add_argument("--tables-dir", default=None, help="folder for <table>.csv (default _build/tables)")
    parser.add_argument("--out", default=None, help="scoreboard file (default _build/fidelity.csv)")
    args = parser.parse_args(argv)
    try:
        written, out, board = write_reports(args.data, args.tables_dir, args.out)
    except DataValidationError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"wrote {len(written)} tables to {paths.relative(written[0].parent)} and the scoreboard to {paths.relative(out)}"
    )
    print(summary_text(board))
    return 0


def write_reports(
    data: str | os.PathLike[str],
    tables_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
) -> tuple[list[Path], Path, pd.DataFrame]:
    """Compute every table from the data file *data*, write them and the scoreboard.

    Returns the table files, the scoreboard file and the scoreboard. Raises
    :class:`scsrepro.data.schema.DataValidationError` if *data* does not
    follow the codebook. ``make book`` and ``python -m scsrepro.paper.fidelity``
    both go through here.
    """
    tables = all_tables(load_survey(data))
    written = write_tables(tables, tables_dir)
    board = scoreboard(tables)
    return written, write_scoreboard(board, out), board


def summary_text(board: pd.DataFrame) -> str:
    """:func:`summary` of *board* as a plain-text table."""
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        return summary(board).to_string(index=False, float_format=lambda v: f"{v:.3f}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
