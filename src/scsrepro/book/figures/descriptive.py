"""Figures of the descriptives chapter, and the numbers behind them.

The module has three parts.

*Numbers.* :func:`option_shares` (a "select all that apply" question) and
:func:`category_shares` (a single-choice question) give the weighted
percentage of each answer with a design-based 95 % interval from
:func:`scsrepro.survey.estimates.weighted_proportions`; :func:`published_points`
finds the paper's printed number for an answer through the recipes of
``data/targets.yml``. (The weights and the quota design, for the sampling
chapter, are in :mod:`scsrepro.book.figures.sampling`.)

*Layouts.* :func:`table_a2_layout` and :func:`table_a3_layout` turn the long
output of :func:`scsrepro.paper.tables.table_a2` / :func:`~scsrepro.paper.tables.table_a3`
into the paper's layout, with the printed values, the differences, the
bases and the errata marks beside each row. They reshape; they compute no
estimate.

*Figures.* Every figure function takes one of those frames and returns a
matplotlib figure in the house style of :mod:`scsrepro.book.style`. A figure
draws exactly the numbers of its frame, so a test that checks the frame and
the drawn bars checks the figure.
"""

from __future__ import annotations

import fnmatch
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import seaborn as sns

from scsrepro.book import style as plots
from scsrepro.data.codebook import Codebook, Variable, load_codebook
from scsrepro.paper import disclosure
from scsrepro.paper.fidelity import load_errata
from scsrepro.paper.published import load_published
from scsrepro.paper.targets import Recipe, Targets, load_targets
from scsrepro.survey.estimates import weighted_proportions
from scsrepro.survey.weighting import check_weights

__all__ = [
    "SHARE_COLUMNS",
    "SHARE_FORMATS",
    "BASE_WORDS",
    "option_shares",
    "category_shares",
    "published_points",
    "with_published",
    "table_a2_layout",
    "table_a3_layout",
    "errata_for",
    "share_bars",
    "approval_bars",
]

#: Columns of the frames returned by :func:`option_shares` and :func:`category_shares`.
SHARE_COLUMNS = ("variable", "code", "label", "percent", "se", "ci_low", "ci_high", "n")

#: Display formats of a shares frame (after :func:`with_published`), for :func:`scsrepro.book.display.table`.
SHARE_FORMATS: dict[str, str] = {
    "percent": "{:.2f}",
    "se": "{:.2f}",
    "ci_low": "{:.2f}",
    "ci_high": "{:.2f}",
    "published": "{:.2f}",
    "difference": "{:+.2f}",
}

#: Plain words for the bases of ``data/targets.yml`` (an unknown base is shown as its expression).
BASE_WORDS: dict[str, str] = {
    "all": "all respondents",
    "use_dont_know == 0": 'respondents who did not answer "I don\'t know" to the question on systems used',
    "use_sesame == 1": "Sesame Credit users only",
    "use_tencent == 1": "Tencent Credit users only",
    "sesame_or_tencent == 1": "users of Sesame and/or Tencent Credit only",
    "use_gov_pilot == 1": "participants in a local government pilot only",
}


# ===================================================================== numbers
def _as_float(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").astype(float).to_numpy()


def _row(var: str, code: int, label: str, est: pd.Series, n: int) -> dict:
    return {
        "variable": var,
        "code": int(code),
        "label": label,
        "percent": float(est["proportion"]) * 100,
        "se": float(est["se"]) * 100,
        "ci_low": float(est["ci_low"]) * 100,
        "ci_high": float(est["ci_high"]) * 100,
        "n": n,
    }


def option_shares(df: pd.DataFrame, w, options: str | Sequence[str], codebook: Codebook | None = None) -> pd.DataFrame:
    """Weighted share of respondents who selected each option of a multi-select question.

    Each option is a 0/1 column; its share is estimated among the
    respondents who were asked (a non-empty cell), so the shares of the
    options are separate estimates and need not sum to 100.

    Parameters
    ----------
    df : pandas.DataFrame
        Respondent frame (raw or derived).
    w : array-like
        Survey weights aligned with *df*.
    options : str or sequence of str
        A multi-select group of the codebook (e.g. ``"scs_use"``) or its
        option columns.
    codebook : Codebook, optional
        Defaults to the project's codebook.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHARE_COLUMNS` (``code`` is 1, ``label`` the option's
        label), one row per option in codebook order, percentages 0-100,
        and ``suppressed`` (disclosure control: the base has too few
        respondents, :mod:`scsrepro.paper.disclosure`).
    """
    cb = codebook or load_codebook()
    names = list(cb.groups[options].options) if isinstance(options, str) else list(options)
    wv = check_weights(w, len(df))
    rows = []
    for var in names:
        y = _as_float(df[var])
        est = weighted_proportions(y, wv, levels=[0.0, 1.0]).iloc[1]
        rows.append(_row(var, 1, cb[var].codes[1], est, int(np.isfinite(y).sum())))
    return _shown(pd.DataFrame(rows, columns=list(SHARE_COLUMNS)), df)


def category_shares(df: pd.DataFrame, w, variable: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """Weighted share of each answer of a single-choice question.

    Every code of the codebook is reported, the non-substantive ones ("I
    don't know", ...) included, so the shares sum to 100 among the
    respondents who were asked.

    Parameters
    ----------
    df, w
        As for :func:`option_shares`.
    variable : str
        A coded variable of the codebook.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHARE_COLUMNS`, one row per code in codebook order,
        and ``suppressed`` as for :func:`option_shares`.
    """
    cb = codebook or load_codebook()
    var = cb[variable]
    y = _as_float(df[variable])
    levels = [float(c) for c in var.codes]
    est = weighted_proportions(y, check_weights(w, len(df)), levels=levels)
    n = int(np.isfinite(y).sum())
    rows = [_row(variable, code, var.codes[code], est.iloc[i], n) for i, code in enumerate(var.codes)]
    return _shown(pd.DataFrame(rows, columns=list(SHARE_COLUMNS)), df)


def _shown(shares: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """*shares* with the column ``suppressed``: shares whose base has too few respondents withheld.

    :func:`scsrepro.paper.disclosure.suppress_rows` on the base ``n``,
    applied when the data are not the committed twin.
    """
    numbers = ("percent", "se", "ci_low", "ci_high", "n")
    return disclosure.suppress_rows(shares, disclosure.applies(df), n_column="n", columns=numbers)


def _single_code_recipe(targets: Targets, id_: str) -> Recipe | None:
    """The share recipe behind a published id (following ``same_as``), if it is one code among all."""
    hit, seen = targets.lookup(id_), set()
    while isinstance(hit, Recipe) and hit.method == "same_as" and hit.get("target") not in seen:
        seen.add(hit.get("target"))
        hit = targets.lookup(hit.get("target"))
    if not isinstance(hit, Recipe) or hit.method != "share" or hit.get("expr"):
        return None
    codes = hit.get("codes")
    codes = codes if isinstance(codes, list) else [codes]
    if len(codes) != 1 or str(hit.get("base") or "all").strip() != "all":
        return None
    return hit


def published_points(patterns: str | Iterable[str], targets: Targets | None = None) -> pd.DataFrame:
    """The paper's printed percentages of single answers, found by id pattern.

    A published id is kept when its recipe (after following ``same_as``) is
    the share of one code of one variable among all respondents; that
    variable and code say which answer the number belongs to.

    Parameters
    ----------
    patterns : str or iterable of str
        Shell-style patterns of published ids, e.g. ``"p_fig5_*"``.
    targets : Targets, optional
        Defaults to ``data/targets.yml``.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, code, id, published``; the first id wins when
        several name the same answer.
    """
    targets = targets or load_targets()
    pats = [patterns] if isinstance(patterns, str) else list(patterns)
    pub = load_published()
    rows = []
    for id_, value in zip(pub["id"], pub["value"]):
        if not any(fnmatch.fnmatchcase(id_, p) for p in pats):
            continue
        recipe = _single_code_recipe(targets, id_)
        if recipe is None:
            continue
        code = recipe.get("codes")
        code = code[0] if isinstance(code, list) else code
        rows.append({"variable": recipe.get("variable"), "code": int(code), "id": id_, "published": float(value)})
    out = pd.DataFrame(rows, columns=["variable", "code", "id", "published"])
    return out.drop_duplicates(["variable", "code"]).reset_index(drop=True)


def with_published(shares: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Add the printed value (``published``, ``id``) and ``difference`` to a shares frame."""
    out = shares.merge(points, on=["variable", "code"], how="left")
    out["difference"] = out["percent"] - out["published"]
    out["id"] = out["id"].fillna("")
    return out


# ===================================================================== layouts
def errata_for(ids: Iterable[str]) -> pd.DataFrame:
    """The errata (``data/published/errata.csv``, column ``excluded_ids``) among *ids*.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (published id), ``erratum`` and ``reading`` (the
        reading the twin follows), in the order of *ids*.
    """

    ids = list(ids)
    errata = load_errata(published_ids=set(ids)).set_index("id")
    rows = [
        {"id": i, "erratum": errata.at[i, "erratum"], "reading": errata.at[i, "reading"]}
        for i in ids
        if i in errata.index
    ]
    return pd.DataFrame(rows, columns=["id", "erratum", "reading"])


def _base_of(targets: Targets, id_: str) -> str:
    hit = targets.lookup(id_)
    if not isinstance(hit, Recipe):
        return "all"
    base = " ".join(str(hit.get("base") or "all").split())
    if hit.get("nonsubstantive") == "drop" and base == "all":
        return "all, answered"
    return base


def _base_words(base: str) -> str:
    if base == "all, answered":
        return "respondents who answered the question (non-substantive answers left out)"
    return BASE_WORDS.get(base, f"respondents with {base}")


def table_a2_layout(
    a2: pd.DataFrame, measures: Sequence[str] | None = None, targets: Targets | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table A2 as the paper lays it out, with this data's numbers beside the printed ones.

    Parameters
    ----------
    a2 : pandas.DataFrame
        Output of :func:`scsrepro.paper.tables.table_a2`.
    measures : sequence of str, optional
        Keep only these blocks (the ``measure`` of the published rows).
    targets : Targets, optional
        Recipes, for the bases; defaults to ``data/targets.yml``.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The table, indexed by ``(measure, item)`` in the paper's order, with
        two-level columns: ``Unweighted %`` and ``Weighted %`` (``data``,
        ``paper``, ``diff.`` = data minus paper; the weighted block also
        ``95% CI``), and
        ``Notes`` (``base n`` of the weighted estimate, ``notes``: footnote
        letters for a base other than all respondents and the erratum ids
        of printed numbers the twin does not follow). The second frame holds
        the footnotes (``note``, ``text``).
    """
    targets = targets or load_targets()
    sel = a2 if measures is None else a2[a2["measure"].isin(list(measures))]
    sel = sel.assign(key=sel["id"].str.replace(r"^a2_[uw]_", "", regex=True))
    errata = errata_for(sel["id"]).set_index("id")
    letters: dict[str, str] = {}
    notes_text: dict[str, str] = {}
    rows = []
    for _, grp in sel.groupby("key", sort=False):
        u = grp[grp["column"] == "unweighted"].iloc[0]
        wt = grp[grp["column"] == "weighted"].iloc[0]
        bases = (_base_of(targets, u["id"]), _base_of(targets, wt["id"]))
        marks = []
        if bases != ("all", "all"):
            if bases[0] == bases[1]:
                text = f"Base: {_base_words(bases[0])}."
            else:
                n_u = "" if pd.isna(u["n_base"]) else f" (n = {int(u['n_base']):,})"
                text = (
                    f"Base of the unweighted share: {_base_words(bases[0])}{n_u}; "
                    f"of the weighted share: {_base_words(bases[1])}."
                )
            if text not in letters:
                letters[text] = chr(ord("a") + len(letters))
                notes_text[letters[text]] = text
            marks.append(letters[text])
        for side, r in (("unweighted", u), ("weighted", wt)):
            if r["id"] in errata.index:
                mark = f"{errata.at[r['id'], 'erratum']} ({side})"
                marks.append(mark)
                notes_text[mark] = f"Printed {side} value not followed: {errata.at[r['id'], 'reading']}"
        rows.append(
            {
                ("", "measure"): u["measure"],
                ("", "item"): u["item"],
                ("Unweighted %", "data"): u["reproduced"],
                ("Unweighted %", "paper"): u["published"],
                ("Unweighted %", "diff."): u["reproduced"] - u["published"],
                ("Weighted %", "data"): wt["reproduced"],
                ("Weighted %", "95% CI"): _ci_text(wt["ci_low"], wt["ci_high"]),
                ("Weighted %", "paper"): wt["published"],
                ("Weighted %", "diff."): wt["reproduced"] - wt["published"],
                ("Notes", "base n"): wt["n_base"],
                ("Notes", "notes"): ", ".join(marks),
            }
        )
    table = pd.DataFrame(rows)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table = table.set_index([("", "measure"), ("", "item")])
    table.index.names = ["measure", "item"]
    notes = pd.DataFrame({"note": list(notes_text), "text": list(notes_text.values())})
    if "suppressed" in sel.columns and sel["suppressed"].any():
        table.attrs["suppressed"] = _a2_mask(table, sel)
    return table, notes


#: The cells of a :func:`table_a2_layout` row that come from the data, by column of Table A2.
_A2_DATA_CELLS = {
    "unweighted": [("Unweighted %", "data"), ("Unweighted %", "diff.")],
    "weighted": [("Weighted %", "data"), ("Weighted %", "95% CI"), ("Weighted %", "diff."), ("Notes", "base n")],
}


def _a2_mask(table: pd.DataFrame, sel: pd.DataFrame) -> pd.DataFrame:
    """Which cells of the Table A2 layout disclosure control withholds (rows flagged ``suppressed`` in *sel*)."""
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for r in sel[sel["suppressed"]].itertuples(index=False):
        for col in _A2_DATA_CELLS[r.column]:
            mask.loc[(r.measure, r.item), col] = True
    return mask


def _ci_text(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"{lo:.2f}\u2013\u2060{hi:.2f}"  # en dash, then a word joiner: no line break


def _codes_text(var: Variable) -> str:
    """How a Table A3 variable is coded, in the words of the codebook (Table A3 notes)."""
    if var.type == "integer":
        return f"years ({var.min}-{var.max})" if var.name == "age" else f"{var.min}-{var.max}"
    codes = [c for c in var.codes if c not in var.missing_reasons]
    if codes == [0, 1] and max(len(var.codes[0]), len(var.codes[1])) > 20:
        return f"1 = {var.codes[1]}, 0 otherwise"
    if len(codes) <= 3:
        return ", ".join(f"{c} = {var.codes[c]}" for c in codes)
    return f"{codes[0]} = {var.codes[codes[0]]} ... {codes[-1]} = {var.codes[codes[-1]]}"


def table_a3_layout(
    a3: pd.DataFrame,
    implied: pd.DataFrame | None = None,
    targets: Targets | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Table A3 with this data's weighted mean and SD beside the printed ones.

    Parameters
    ----------
    a3 : pandas.DataFrame
        Output of :func:`scsrepro.paper.tables.table_a3`.
    implied : pandas.DataFrame, optional
        Output of :func:`scsrepro.paper.audit.compare_a3_with_a2` (the means the
        printed Table A2 columns imply); adds which column the printed mean
        agrees with.
    targets, codebook
        Default to the project's files.

    Returns
    -------
    pandas.DataFrame
        Indexed by the printed row label (``item``); columns ``coding`` (codes from the
        codebook, as in the paper's notes), ``Mean`` and ``Std. Dev.``
        blocks (``data``, ``paper``, ``diff.`` = data minus paper; the mean
        also ``95% CI``),
        ``n`` (respondents with a substantive answer), ``printed mean agrees
        with`` (when *implied* is given) and ``erratum``.
    """
    targets = targets or load_targets()
    cb = codebook or load_codebook()
    a3 = a3.assign(key=a3["id"].str.replace(r"^a3_|_(mean|sd)$", "", regex=True))
    errata = errata_for(a3["id"]).groupby("erratum", sort=False)["id"].apply(list)
    err_of = {i: e for e, ids in errata.items() for i in ids}
    agree = {} if implied is None else dict(zip(implied["id"], implied["matches"]))
    rows = []
    for _, grp in a3.groupby("key", sort=False):
        m = grp[grp["statistic"] == "mean"].iloc[0]
        s = grp[grp["statistic"] == "sd"].iloc[0]
        recipe = targets.recipe(m["id"])
        row = {
            ("", "measure"): m["item"],
            ("", "coding"): _codes_text(cb[recipe.get("variable")]),
            ("Mean", "data"): m["reproduced"],
            ("Mean", "95% CI"): _ci_text(m["ci_low"], m["ci_high"]),
            ("Mean", "paper"): m["published"],
            ("Mean", "diff."): m["reproduced"] - m["published"],
            ("Std. Dev.", "data"): s["reproduced"],
            ("Std. Dev.", "paper"): s["published"],
            ("Std. Dev.", "diff."): s["reproduced"] - s["published"],
            ("Notes", "n"): m["n_base"],
        }
        if implied is not None:
            row[("Notes", "printed mean agrees with Table A2")] = agree.get(m["id"], "")
        row[("Notes", "erratum")] = ", ".join(dict.fromkeys(err_of[i] for i in (m["id"], s["id"]) if i in err_of))
        rows.append(row)
    table = pd.DataFrame(rows)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table = table.set_index(("", "measure"))
    table.index.name = "measure"
    return table


# ===================================================================== figures
def _wrap(labels: Iterable[str], width: int = 28) -> list[str]:
    return [textwrap.fill(str(x), width) for x in labels]


def share_bars(
    shares: pd.DataFrame, xlabel: str = "weighted share of respondents", wrap: int = 30, limit: float | None = None
):
    """Horizontal bars of weighted shares with 95 % intervals and the paper's values.

    Parameters
    ----------
    shares : pandas.DataFrame
        Columns ``label``, ``percent``, ``ci_low``, ``ci_high`` (from
        :func:`option_shares` or :func:`category_shares`) and optionally
        ``published`` (drawn as black diamonds where present).
    xlabel : str
    wrap : int
        Width at which long answer labels are wrapped.
    limit : float, optional
        Upper end of the axis (default: 100, or less when every bar is short).

    Returns
    -------
    matplotlib.figure.Figure
        One bar per row, in the frame's order from top to bottom.
    """
    data, withheld = _drawable(shares.reset_index(drop=True).assign(answer=_wrap(shares["label"], wrap)))
    fig, ax = plots.figure(height=0.55 * len(data) + 1.3)
    sns.barplot(
        data=data,
        x="percent",
        y="answer",
        orient="h",
        ax=ax,
        errorbar=None,
        color=sns.color_palette(plots.PALETTE)[0],
        label="this data (95% CI)",
    )
    y = np.arange(len(data))
    ax.errorbar(
        data["percent"],
        y,
        xerr=[data["percent"] - data["ci_low"], data["ci_high"] - data["percent"]],
        fmt="none",
        ecolor="black",
        elinewidth=1,
        capsize=3,
    )
    if "published" in data and data["published"].notna().any():
        has = data["published"].notna().to_numpy()
        ax.scatter(data.loc[has, "published"], y[has], marker="D", s=28, color="black", zorder=3, label="paper")
    upper = (
        limit
        if limit is not None
        else (100.0 if data["ci_high"].max() > 60 else 10 * np.ceil(data["ci_high"].max() / 10 + 0.5))
    )
    plots.percent_axis(ax, "x", upper)
    for i in withheld:
        ax.annotate(_WITHHELD, xy=(0, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(loc="lower right")
    return plots.finish(fig)


#: What a figure writes where disclosure control withheld a bar.
_WITHHELD = f"{disclosure.MARK} fewer than {disclosure.MIN_RESPONDENTS} respondents"


def _drawable(data: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """*data* with withheld shares (``suppressed``) drawn as empty bars, and their positions."""
    if "suppressed" not in data.columns or not data["suppressed"].any():
        return data, []
    withheld = [int(i) for i in np.flatnonzero(data["suppressed"].to_numpy(dtype=bool))]
    data = data.copy()
    data.loc[data["suppressed"], ["percent", "ci_low", "ci_high"]] = 0.0
    return data, withheld


def approval_bars(shares: pd.DataFrame):
    """Vertical bars of the approval distribution (ordinal colours), with 95 % intervals.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`category_shares` for ``approval``, optionally with
        ``published`` (drawn as black diamonds).

    Returns
    -------
    matplotlib.figure.Figure
    """
    data, withheld = _drawable(shares.reset_index(drop=True).assign(answer=_wrap(shares["label"], 14)))
    colours = sns.color_palette(plots.ORDINAL, len(data))
    fig, ax = plots.figure(height=3.8)
    sns.barplot(data=data, x="answer", y="percent", hue="answer", palette=colours, legend=False, errorbar=None, ax=ax)
    x = np.arange(len(data))
    ax.errorbar(
        x,
        data["percent"],
        yerr=[data["percent"] - data["ci_low"], data["ci_high"] - data["percent"]],
        fmt="none",
        ecolor="black",
        elinewidth=1,
        capsize=3,
        label="95% CI",
    )
    if "published" in data and data["published"].notna().any():
        has = data["published"].notna().to_numpy()
        ax.scatter(x[has], data.loc[has, "published"], marker="D", s=28, color="black", zorder=3, label="paper")
    plots.percent_axis(ax, "y", 10 * np.ceil(data["ci_high"].max() / 10 + 0.5))
    for i in withheld:
        ax.annotate(
            _WITHHELD, xy=(i, 0), xytext=(0, 4), textcoords="offset points", ha="center", rotation=90, fontsize=8
        )
    ax.set_xlabel("")
    ax.set_ylabel("weighted share of respondents")
    ax.legend(loc="upper left")
    return plots.finish(fig)
