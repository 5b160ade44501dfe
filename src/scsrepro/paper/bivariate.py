"""Approval across groups: the analysis helpers of the bivariate chapter.

The paper's Section 4 crosses approval of social credit systems with the use
of SCSs (Table 2), with six socio-demographic variables (Figure 4), with the
profile of the "doubters" (Table 3) and, for the benefits of commercial
systems, with rural or urban residence (Table 5). The printed numbers of
those tables are recomputed by :mod:`scsrepro.paper.tables` and scored by
:mod:`scsrepro.paper.fidelity`; this module adds what those modules do not
provide:

* :func:`approval_by_group` / :func:`approval_panels`: the numbers behind
  Figure 4, the weighted share approving (somewhat or strongly) and
  strongly approving within each group, with a design-based 95 % interval;
* :func:`panel_tests`: one Rao-Scott test of approval against the grouping
  variable per panel of Figure 4 (:func:`scsrepro.survey.estimates.weighted_crosstab`);
* :func:`pair_test`: a Rao-Scott test of the difference between two printed
  shares that differ only in their base (rural against urban), each defined
  by its recipe in ``data/targets.yml``; :func:`rural_urban_pairs` pairs the
  printed ids and :func:`pair_tests` tests many pairs at once;
* :func:`group_sizes`: the Table 2 groups' unweighted and weighted sizes;
* :func:`side_by_side` and :func:`errata_entries`: small display helpers.

Every estimate is a domain estimate in the sense of
:mod:`scsrepro.survey.estimates`: respondents outside a group stay in the design
with a missing value, exactly as the table functions of
:mod:`scsrepro.paper.tables` compute their shares, so a share here and the
matching printed-number recomputation there agree to the last digit
(tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scsrepro.data import paths
from scsrepro.data.codebook import Codebook, default_codebook_path, load_codebook
from scsrepro.data.expressions import evaluate_condition
from scsrepro.paper import disclosure
from scsrepro.paper.doubters import DOUBTER_CODES
from scsrepro.paper.targets import load_targets
from scsrepro.survey.estimates import weighted_crosstab, weighted_proportions
from scsrepro.survey.weighting import check_weights

__all__ = [
    "APPROVAL",
    "MEASURES",
    "Panel",
    "PANELS",
    "FIGURE4_PROSE",
    "group_labels",
    "approval_by_group",
    "approval_panels",
    "stated_shares",
    "approval_levels3",
    "panel_tests",
    "pair_test",
    "rural_urban_pairs",
    "pair_tests",
    "group_sizes",
    "side_by_side",
    "errata_entries",
]

#: The dependent variable.
APPROVAL = "approval"
#: What Figure 4 shows: answer codes counted as approving, by measure.
MEASURES: dict[str, tuple[int, ...]] = {
    "approve": (4, 5),
    "strongly approve": (5,),
}


@dataclass(frozen=True)
class Panel:
    """One panel of Figure 4: a grouping variable and the panel's title."""

    variable: str
    title: str


#: The six panels of Figure 4, in the paper's order.
PANELS: tuple[Panel, ...] = (
    Panel("age_group", "Age"),
    Panel("income_group", "Income (RMB per month)"),
    Panel("gender", "Gender"),
    Panel("education", "Education"),
    Panel("urban", "Location"),
    Panel("region", "Region"),
)


#: The shares the text reads off Figure 4 (Section 4.2): published id ->
#: (grouping variable, group code, measure). Each must agree with the id's
#: recipe in ``data/targets.yml`` (tested).
FIGURE4_PROSE: dict[str, tuple[str, int, str]] = {
    "p_res_urban_approve": ("urban", 1, "approve"),
    "p_res_rural_approve": ("urban", 0, "approve"),
    "p_res_west_approve": ("region", 1, "approve"),
    "p_res_central_approve": ("region", 2, "approve"),
    "p_res_east_approve": ("region", 3, "approve"),
    "p_res_age_51_65_strong": ("age_group", 3, "strongly approve"),
}


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------
def _codebook(codebook: Codebook | None) -> Codebook:
    if codebook is not None:
        return codebook

    return load_codebook(default_codebook_path())


def _weights(w: Any, n: int) -> np.ndarray:
    return check_weights(w, n)


def _column(frame: pd.DataFrame, variable: str) -> pd.Series:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"expected the respondent data as a DataFrame, got {type(frame).__name__}")
    if variable not in frame.columns:
        raise ValueError(
            f"variable {variable!r} is not in the data; derived variables are added by "
            "scsrepro.data.loading.load_survey (or Codebook.derive)"
        )
    return frame[variable]


def _substantive(frame: pd.DataFrame, variable: str, cb: Codebook) -> np.ndarray:
    """Float codes of *variable*, NaN where missing or non-substantive."""
    s = pd.to_numeric(_column(frame, variable), errors="coerce").astype(float)
    if variable in cb and cb[variable].missing_codes:
        s = s.mask(s.isin(cb[variable].missing_codes))
    return s.to_numpy(dtype=float)


def group_labels(
    variable: str, codebook: Codebook | None = None, observed: Sequence | np.ndarray | None = None
) -> dict:
    """Substantive codes of *variable* and their display labels, in code order.

    Labels come from the codebook; a label of the form ``"Short: long"`` (the
    education levels) is cut to its short part. Variables the codebook does
    not know take their *observed* values as labels.
    """
    cb = _codebook(codebook)
    if variable in cb and cb[variable].codes:
        var = cb[variable]
        return {c: str(var.labels[c]).split(":")[0].strip() for c in var.substantive_codes}
    if observed is None:
        raise ValueError(f"{variable!r} is not a coded codebook variable; pass its observed values")
    return {v: str(v) for v in sorted(pd.unique(pd.Series(observed).dropna()).tolist())}


# ---------------------------------------------------------------------------
# Figure 4: approval by group
# ---------------------------------------------------------------------------
#: The estimate columns of :func:`approval_by_group`, in per cent.
_ESTIMATES = ("share", "se", "ci_low", "ci_high")


def _group_share(
    member: np.ndarray, a: np.ndarray, codes: Sequence[int], wv: np.ndarray, method: str, level: float
) -> dict[str, float]:
    """Weighted percentage of the group *member* whose approval *a* is one of *codes*.

    A domain estimate: respondents outside the group stay in the design with
    a missing value. Returns the :data:`_ESTIMATES` in per cent.
    """
    y = np.where(member, np.isin(a, list(codes)).astype(float), np.nan)
    est = weighted_proportions(y, wv, levels=[0.0, 1.0], method=method, level=level).iloc[1]
    return {
        "share": 100 * est["proportion"],
        "se": 100 * est["se"],
        "ci_low": 100 * est["ci_low"],
        "ci_high": 100 * est["ci_high"],
    }


def approval_by_group(
    frame: pd.DataFrame,
    w: Any,
    variable: str,
    *,
    approval: str = APPROVAL,
    measures: Mapping[str, Sequence[int]] | None = None,
    method: str = "logit",
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Weighted share approving within each group of *variable*.

    For every substantive code of *variable* (non-substantive codes such as
    income "prefer not to say" and respondents with no answer leave the
    base) and every measure, the weighted percentage of the group whose
    approval is one of the measure's codes, with its design-based standard
    error and interval. Each group is a domain of the full design (R
    ``svyciprop(~I(approval %in% codes), subset(design, group == g))``), so
    the point estimate and the standard error equal those of the matching
    ``share`` recipe of :mod:`scsrepro.paper.tables`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Respondent data with the derived variables (``load_survey`` output).
    w : array-like
        Survey weights aligned with *frame*.
    variable : str
        Grouping variable.
    approval : str
        Outcome variable (default ``approval``).
    measures : mapping, optional
        Measure name -> answer codes; default :data:`MEASURES`.
    method : {"logit", "wald"}
        Interval, as in :func:`scsrepro.survey.estimates.weighted_proportions`. The
        default logit interval stays inside 0-100 for the small groups
        (51-65-year-olds, no formal education).
    level : float
        Confidence level.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per group and measure: ``variable, code, group, measure, n,
        share, se, ci_low, ci_high`` (percentages; ``n`` unweighted
        respondents in the group with an approval answer) and
        ``suppressed``. A group with fewer than two respondents gets NaN
        estimates; on data other than the committed twin, a group with too
        few respondents has its numbers withheld and ``suppressed`` set
        (:mod:`scsrepro.paper.disclosure`).
    """
    cb = _codebook(codebook)
    measures = dict(MEASURES if measures is None else measures)
    if not measures:
        raise ValueError("measures is empty")
    g = _substantive(frame, variable, cb)
    a = pd.to_numeric(_column(frame, approval), errors="coerce").astype(float).to_numpy()
    wv = _weights(w, len(frame))
    labels = group_labels(variable, cb, observed=g)
    rows = []
    for code, label in labels.items():
        member = (g == code) & ~np.isnan(a)
        n = int(member.sum())
        for measure, codes in measures.items():
            est = _group_share(member, a, codes, wv, method, level) if n >= 2 else dict.fromkeys(_ESTIMATES, np.nan)
            rows.append({"variable": variable, "code": code, "group": label, "measure": measure, "n": n, **est})
    out = pd.DataFrame(rows, columns=["variable", "code", "group", "measure", "n", *_ESTIMATES])
    out = disclosure.suppress_rows(out, disclosure.applies(frame), n_column="n", columns=("n", *_ESTIMATES))
    out.attrs.update({"method": method, "level": level})
    return out


def approval_panels(
    frame: pd.DataFrame,
    w: Any,
    panels: Sequence[Panel] = PANELS,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`approval_by_group` for every panel, stacked with a ``panel`` column first.

    Keyword arguments go to :func:`approval_by_group`.
    """
    parts = [approval_by_group(frame, w, p.variable, **kwargs).assign(panel=p.title) for p in panels]
    out = pd.concat(parts, ignore_index=True)
    out = out[["panel"] + [c for c in out.columns if c != "panel"]]
    out.attrs.update(parts[0].attrs if parts else {})
    return out


def stated_shares(
    estimates: pd.DataFrame, published: pd.DataFrame, stated: Mapping[str, tuple[str, int, str]] | None = None
) -> pd.DataFrame:
    """The paper's Figure 4 statements next to the figure's estimates.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Output of :func:`approval_panels`.
    published : pandas.DataFrame
        Published rows with ``id`` and ``value`` (e.g. ``load_published("prose")``).
    stated : mapping, optional
        Published id -> (variable, code, measure); default :data:`FIGURE4_PROSE`.

    Returns
    -------
    pandas.DataFrame
        One row per statement: ``id, panel, variable, code, group, measure,
        published, share, ci_low, ci_high, n, distance`` (``distance`` =
        |share - published|, points), ``in_interval`` (the printed value
        lies inside the figure's 95 % interval) and ``suppressed`` (the
        group's share is withheld by disclosure control).
    """
    stated = dict(FIGURE4_PROSE if stated is None else stated)
    value = published.set_index("id")["value"]
    est = estimates.set_index(["variable", "code", "measure"])
    rows = []
    for id_, (variable, code, measure) in stated.items():
        if id_ not in value.index:
            raise ValueError(f"published id {id_!r} not found")
        key = (variable, code, measure)
        if key not in est.index:
            raise ValueError(f"{id_}: the estimates have no {measure!r} share for {variable} == {code}")
        e = est.loc[key]
        pub = float(value[id_])
        rows.append(
            {
                "id": id_,
                "panel": e["panel"] if "panel" in e.index else variable,
                "variable": variable,
                "code": code,
                "group": e["group"],
                "measure": measure,
                "published": pub,
                "share": float(e["share"]),
                "ci_low": float(e["ci_low"]),
                "ci_high": float(e["ci_high"]),
                "n": float(e["n"]) if pd.notna(e["n"]) else np.nan,
                "distance": abs(float(e["share"]) - pub),
                "in_interval": bool(e["ci_low"] <= pub <= e["ci_high"]),
                "suppressed": bool(e.get("suppressed", False)),
            }
        )
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("Int64") if out["n"].notna().all() else out["n"]
    return out


def approval_levels3(values: Any) -> np.ndarray:
    """Collapse approval to the three categories Figure 4 distinguishes.

    0 = doubter (codes 1-3), 1 = somewhat approve (4), 2 = strongly approve
    (5); NaN stays NaN. The two shares of Figure 4 are functions of these
    three categories, and the disapproving codes are too rare (under 2 % of
    respondents) to fill a five-column table in the small groups.
    """
    a = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").astype(float).to_numpy()
    bad = ~np.isnan(a) & ~np.isin(a, [1, 2, 3, 4, 5])
    if bad.any():
        raise ValueError(f"approval codes must be 1-5; found {sorted(set(a[bad].tolist()))[:10]}")
    out = np.where(np.isin(a, DOUBTER_CODES), 0.0, np.where(a == 4, 1.0, np.where(a == 5, 2.0, np.nan)))
    return out


def panel_tests(
    frame: pd.DataFrame,
    w: Any,
    panels: Sequence[Panel] = PANELS,
    *,
    approval: str = APPROVAL,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Rao-Scott test of approval (three categories) against each panel's groups.

    :func:`scsrepro.survey.estimates.weighted_crosstab` on the grouping variable
    (non-substantive codes missing) and :func:`approval_levels3`; equal to R
    ``svychisq(~group + approval3, design, statistic = "F")``.

    Returns
    -------
    pandas.DataFrame
        One row per panel: ``panel, variable, groups, f, ndf, ddf, p_value,
        n_used, n_dropped``.
    """
    cb = _codebook(codebook)
    wv = _weights(w, len(frame))
    a3 = approval_levels3(_column(frame, approval))
    rows = []
    for p in panels:
        g = _substantive(frame, p.variable, cb)
        res = weighted_crosstab(pd.Series(g, name=p.variable), pd.Series(a3, name="approval3"), wv)
        rows.append(
            {
                "panel": p.title,
                "variable": p.variable,
                "groups": res.table.shape[0],
                "f": res.f,
                "ndf": res.ndf,
                "ddf": res.ddf,
                "p_value": res.p_value,
                "n_used": res.n_used,
                "n_dropped": res.n_dropped,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# two printed shares that differ in their base (rural vs urban)
# ---------------------------------------------------------------------------
def _mask(frame: pd.DataFrame, expr: str | None) -> np.ndarray:
    if expr is None or str(expr).strip() == "all":
        return np.ones(len(frame), dtype=bool)
    return evaluate_condition(frame, str(expr)).fillna(False).to_numpy(dtype=bool)


def _recipe_parts(frame: pd.DataFrame, id_: str, targets, cb: Codebook) -> tuple[np.ndarray, np.ndarray]:
    """(rows in the recipe's base with a valid answer, item indicator) of a ``share`` recipe."""
    recipe = targets.recipe(id_)
    seen = [id_]
    while recipe.method == "same_as":  # prose repeating a table cell: use the cell's recipe
        target = recipe.get("target")
        if target in seen:
            raise ValueError(f"{id_}: same_as recipes form a cycle {seen}")
        seen.append(target)
        recipe = targets.recipe(target)
    if recipe.method != "share":
        raise ValueError(f"{id_}: pair_test needs 'share' recipes, got {recipe.method!r}")
    base = _mask(frame, recipe.get("base"))
    if recipe.get("expr"):
        return base, _mask(frame, recipe.get("expr"))
    var = recipe.get("variable")
    v = _column(frame, var)
    valid = base & v.notna().to_numpy()
    if recipe.get("nonsubstantive", "keep") == "drop" and var in cb:
        valid &= ~v.isin(cb[var].missing_codes).fillna(False).to_numpy(dtype=bool)
    codes = recipe.get("codes")
    codes = [int(c) for c in (codes if isinstance(codes, (list, tuple)) else [codes])]
    return valid, v.isin(codes).fillna(False).to_numpy(dtype=bool)


def pair_test(
    frame: pd.DataFrame, w: Any, id_a: str, id_b: str, targets=None, codebook: Codebook | None = None
) -> dict:
    """Rao-Scott test that two printed shares with disjoint bases are equal.

    Both ids must have ``share`` recipes in ``data/targets.yml`` (or
    ``same_as`` recipes pointing to one) that count the same item in two
    groups (e.g. ``t5_rural_...`` and ``t5_urban_...``).
    Each respondent in either base is labelled by the base it belongs to and
    the 2 x 2 table of base by item is tested with
    :func:`scsrepro.survey.estimates.weighted_crosstab`.

    Returns
    -------
    dict
        ``share_a, share_b`` (weighted percentages, equal to the recipes'
        values), ``difference`` (a - b, points), ``f, ndf, ddf, p_value``,
        ``n_a, n_b`` (unweighted respondents).

    Raises
    ------
    ValueError
        If the two bases overlap or a recipe is not a share.
    """

    targets = targets or load_targets()
    cb = _codebook(codebook)
    wv = _weights(w, len(frame))
    in_a, ind_a = _recipe_parts(frame, id_a, targets, cb)
    in_b, ind_b = _recipe_parts(frame, id_b, targets, cb)
    if (in_a & in_b).any():
        raise ValueError(f"{id_a} and {id_b} have overlapping bases ({int((in_a & in_b).sum())} respondents)")
    side = np.where(in_a, 0.0, np.where(in_b, 1.0, np.nan))
    item = np.where(in_a, ind_a, ind_b).astype(float)
    item[np.isnan(side)] = np.nan
    res = weighted_crosstab(pd.Series(side, name="base"), pd.Series(item, name="item"), wv)
    tab = res.table
    shares = (tab[1.0] / tab.sum(axis=1) * 100) if 1.0 in tab.columns else pd.Series(0.0, index=tab.index)
    sa, sb = float(shares.get(0.0, np.nan)), float(shares.get(1.0, np.nan))
    return {
        "id_a": id_a,
        "id_b": id_b,
        "share_a": sa,
        "share_b": sb,
        "difference": sa - sb,
        "f": res.f,
        "ndf": res.ndf,
        "ddf": res.ddf,
        "p_value": res.p_value,
        "n_a": int(in_a.sum()),
        "n_b": int(in_b.sum()),
    }


def rural_urban_pairs(ids: Sequence[str], prefix: str) -> list[tuple[str, str]]:
    """(rural id, urban id) for every id of *ids* that starts with *prefix*, in order.

    The printed rural-urban numbers are named in pairs that differ only in
    ``_rural_`` / ``_urban_`` (``t5_rural_...`` and ``t5_urban_...``); *prefix*
    selects the rural half (``"t5_rural_"``, ``"p_disc_rural_"``).
    """
    if "_rural_" not in prefix:
        raise ValueError(f"prefix {prefix!r} does not select rural ids (no '_rural_')")
    return [(i, i.replace("_rural_", "_urban_", 1)) for i in ids if i.startswith(prefix)]


def pair_tests(
    frame: pd.DataFrame, w: Any, pairs: Sequence[tuple[str, str]], targets=None, codebook: Codebook | None = None
) -> pd.DataFrame:
    """:func:`pair_test` for each (id_a, id_b) of *pairs*: one row per pair, in order.

    The columns are the keys of :func:`pair_test`'s result (``id_a, id_b,
    share_a, share_b, difference, f, ndf, ddf, p_value, n_a, n_b``).
    """
    targets = targets or load_targets()
    cb = _codebook(codebook)
    rows = [pair_test(frame, w, a, b, targets=targets, codebook=cb) for a, b in pairs]
    columns = ["id_a", "id_b", "share_a", "share_b", "difference", "f", "ndf", "ddf", "p_value", "n_a", "n_b"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------
# Table 2: group sizes
# ---------------------------------------------------------------------------
def group_sizes(frame: pd.DataFrame, w: Any, ids: Sequence[str], targets=None) -> pd.DataFrame:
    """Unweighted and weighted size of the groups behind Table 2's Ns.

    The group of each id (a ``count`` recipe such as ``t2_sesame_n``) is its
    recipe's base in ``data/targets.yml``.

    Returns
    -------
    pandas.DataFrame
        One row per id: ``id, base, n`` (unweighted respondents, what the
        paper prints), ``weighted_n`` (sum of the weights scaled to a mean
        of 1) and ``weighted_share`` (per cent of all respondents).
    """

    targets = targets or load_targets()
    wv = _weights(w, len(frame))
    wn = wv / wv.mean()
    rows = []
    for id_ in ids:
        recipe = targets.recipe(id_)
        if recipe.method != "count":
            raise ValueError(f"{id_}: group_sizes needs 'count' recipes, got {recipe.method!r}")
        base = _mask(frame, recipe.get("base"))
        if recipe.get("variable"):
            base &= _column(frame, recipe.get("variable")).notna().to_numpy()
        rows.append(
            {
                "id": id_,
                "base": str(recipe.get("base") or "all"),
                "n": int(base.sum()),
                "weighted_n": float(wn[base].sum()),
                "weighted_share": float(100 * wn[base].sum() / wn.sum()),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# display helpers
# ---------------------------------------------------------------------------
def side_by_side(
    rows: pd.DataFrame,
    index: str = "item",
    columns: str = "column",
    values: Sequence[str] = ("published", "reproduced"),
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Printed and recomputed numbers as a wide table.

    Rows keep the order of first appearance of *index*, column groups the
    order of *columns*; within each group the *values* columns follow one
    another (renamed through *names*). Where *rows* flag numbers as
    ``suppressed`` (disclosure control), ``attrs["suppressed"]`` marks their
    recomputed cells (:func:`scsrepro.book.display.table` shows them as "—").
    """
    need = {index, columns, *values}
    if not need <= set(rows.columns):
        raise ValueError(f"rows lack columns {sorted(need - set(rows.columns))}")
    r_order = list(dict.fromkeys(rows[index]))
    c_order = list(dict.fromkeys(rows[columns]))
    wide = _wide(rows, index, columns, list(values), r_order, c_order, names)
    if "suppressed" in rows.columns and rows["suppressed"].any():
        # the cells of a withheld number (disclosure control) are marked, for the book's tables
        flags = rows.assign(**{v: rows["suppressed"].astype(float) for v in values if v != "published"})
        flags = flags.assign(published=0.0) if "published" in values else flags
        wide.attrs["suppressed"] = _wide(flags, index, columns, list(values), r_order, c_order, names).eq(1.0)
    return wide


def _wide(rows, index, columns, values, r_order, c_order, names) -> pd.DataFrame:
    wide = rows.pivot_table(index=index, columns=columns, values=values, aggfunc="first", sort=False)
    wide = wide.swaplevel(0, 1, axis=1)
    wide = wide.reindex(index=r_order, columns=pd.MultiIndex.from_product([c_order, values]))
    if names:
        wide = wide.rename(columns=dict(names), level=1)
    wide.index.name = None
    wide.columns.names = [None, None]
    return wide


def errata_entries(ids: Sequence[str], path=None) -> pd.DataFrame:
    """The rows of ``data/published/errata.csv`` with the given erratum ids, in that order."""
    p = paths.PUBLISHED / "errata.csv" if path is None else path
    errata = pd.read_csv(p, dtype=str, keep_default_na=False)
    unknown = [i for i in ids if i not in set(errata["id"])]
    if unknown:
        raise ValueError(f"{paths.relative(p)} has no erratum {unknown}")
    return errata.set_index("id").loc[list(ids)].reset_index()
