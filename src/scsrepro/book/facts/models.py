"""Tables and prose facts of the Models chapter (``chapters/models.md``).

``*_table`` functions (and :func:`table_4_layout`) build the frames the
chapter shows with :func:`scsrepro.book.display.table`; ``*_facts``
functions return the named, formatted facts a section's prose quotes, which
the chapter publishes with one :func:`scsrepro.book.gluing.glue_all` call.

Every fact is a ``str`` (the chapter's prose shows it with ``{glue:text}``),
formatted with :mod:`scsrepro.book.facts.common`. The fits and statistics
themselves come from :mod:`scsrepro.paper.tables`,
:mod:`scsrepro.paper.robustness`, :mod:`scsrepro.paper.hypotheses` and
:mod:`scsrepro.paper.model_summaries`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from scsrepro.book.facts.common import count, pct, signed
from scsrepro.data.codebook import Codebook
from scsrepro.paper import disclosure, fitting, hypotheses, model_summaries, modelspec, robustness
from scsrepro.survey.regression_table import esttab

__all__ = [
    "term_labels",
    "spec_table",
    "specification_facts",
    "table_4_terms",
    "table_4_layout",
    "table_4_facts",
    "se_differences_table",
    "coefficient_labels",
    "slopes",
    "slope_terms",
    "a4_table",
    "VIF_WARNING",
    "a4_facts",
    "verdicts_table",
    "hypotheses_facts",
    "exceptions_table",
    "h14_facts",
    "h15_table",
    "h15_facts",
    "short_labels",
    "education_by_approval_table",
    "model5_education_facts",
    "base_group_separation",
    "separation_table",
    "separation_facts",
    "treatments_table",
    "treatment_facts",
    "not_estimable_facts",
]

#: Table 4's Model 5 education dummies (Table 4 keys, fitted terms), low to high.
_EDUC_KEYS = ["educ_2", "educ_3", "educ_4"]
_EDUC_TERMS = ["education_2", "education_3", "education_4"]


def term_labels(published_4: pd.DataFrame) -> dict[str, str]:
    """Table 4's row labels by term key (``item`` -> ``measure`` of the printed table)."""
    return dict(zip(published_4["item"], published_4["measure"], strict=False))


# --------------------------------------------------------------------------- the specification


def spec_table(frame: pd.DataFrame, specs: Iterable[modelspec.ModelSpec], published_4: pd.DataFrame) -> pd.DataFrame:
    """One row per model of *specs* (by Table 4 column): block added, covariates, sample size here and printed.

    ``N (this data)`` is the size of :func:`scsrepro.paper.fitting.estimation_sample`
    on *frame* (:func:`~scsrepro.paper.fitting.model_frame`), ``N (paper)``
    the ``n`` row of *published_4* (``load_published("table_4")``).
    """
    specs = list(specs)
    printed_n = published_4[published_4["statistic"].eq("n")].set_index("column")["value"]
    return pd.DataFrame(
        {
            "block": [s.title for s in specs],
            "covariates": [len(s.covariates) for s in specs],
            "N (this data)": [len(fitting.estimation_sample(frame, s)[0]) for s in specs],
            "N (paper)": [int(printed_n[s.column]) for s in specs],
        },
        index=[s.column for s in specs],
    )


def specification_facts(specs: pd.DataFrame) -> dict[str, str]:
    """``n_models``, ``n_equal`` (samples of the printed size), ``n_min`` and ``n_max`` of :func:`spec_table`."""
    n = specs["N (this data)"]
    return {
        "n_models": str(len(specs)),
        "n_equal": str(int(n.eq(specs["N (paper)"]).sum())),
        "n_min": count(n.min()),
        "n_max": count(n.max()),
    }


# --------------------------------------------------------------------------- Table 4


def table_4_terms(t4: pd.DataFrame) -> list[str]:
    """Table 4's coefficient and cut-point keys in row order (each once)."""
    return list(dict.fromkeys(t4.loc[t4["statistic"].isin(["coef", "cut"]), "item"]))


def table_4_layout(t4: pd.DataFrame, published_4: pd.DataFrame, source: str, columns: Sequence[str]) -> pd.DataFrame:
    """Table 4 (:func:`scsrepro.paper.tables.table_4`) in the paper's layout, refit above print.

    :func:`scsrepro.survey.regression_table.esttab` of the coefficients with stars,
    standard errors, cut points and numbers of observations; the refit's
    lines are labelled *source* (the data's name), the printed ones
    ``paper``; rows are labelled from *published_4*, *columns* give the
    models' order.
    """
    est = t4[t4["statistic"].isin(["coef", "cut", "n"])]

    def side(name: str, coef: str, se: str, stars: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "source": name,
                "column": est["column"],
                "term": est["item"],
                "coef": est[coef],
                "se": est[se],
                "stars": est[stars],
            }
        )

    long = pd.concat(
        [side(source, "reproduced", "se", "stars"), side("paper", "published", "published_se", "published_stars")]
    )
    return esttab(long, table_4_terms(t4), columns, labels=term_labels(published_4), sources=[source, "paper"])


def not_estimable_facts(t4: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, str]:
    """``t4_not_estimable``: which refitted cells of Table 4 the data cannot estimate, and why ("" if none).

    *t4* is :func:`scsrepro.paper.tables.table_4`; a cell is listed when its
    note starts with "not estimable" (:mod:`scsrepro.paper.model_rows`).
    """
    rows = t4[t4["statistic"].isin(["coef", "cut"]) & t4["note"].str.startswith("not estimable")]
    if rows.empty:
        return {"t4_not_estimable": ""}
    why = rows["note"].str.split(";").str[0].str.removeprefix("not estimable on these data: ")
    parts = [
        f"{', '.join(labels.get(i, i) for i in g['item'])} in {column}, because {reason}"
        for (column, reason), g in rows.assign(why=why).groupby(["column", "why"], sort=False)
    ]
    return {"t4_not_estimable": "Not estimable on these data, and left empty in the table: " + "; ".join(parts) + "."}


def table_4_facts(cells: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, str]:
    """Stars, intervals and standard errors of the refit against the print.

    *cells* is :func:`scsrepro.paper.model_summaries.compare_cells`; *labels*
    :func:`term_labels`. Facts: ``n_cells``, ``stars_same``, ``n_outside``
    and ``outside_terms`` (printed estimates outside the refit's interval,
    or ``"none"``), the median absolute SE difference overall
    (``se_median_abs``), for the education dummies (``se_educ_median_abs``)
    and for the other terms
    (``se_other_median_abs``), and the other term with the largest
    difference (``se_other_max_term``, ``se_other_max``).
    """
    outside = cells[cells["outside"]]
    educ = cells["item"].str.startswith("educ_")
    other = cells.loc[~educ]
    worst = other.loc[other["se_diff_pct"].abs().idxmax()]
    return {
        "n_cells": str(len(cells)),
        "stars_same": str(int(cells["stars"].eq(cells["published_stars"]).sum())),
        "n_outside": str(int(cells["outside"].sum())),
        "outside_terms": ", ".join(f"{labels[r.item]} in {r.column}" for r in outside.itertuples()) or "none",
        "se_median_abs": pct(cells["se_diff_pct"].abs().median(), 0),
        "se_educ_median_abs": pct(cells.loc[educ, "se_diff_pct"].abs().median(), 0),
        "se_other_median_abs": pct(other["se_diff_pct"].abs().median(), 0),
        "se_other_max_term": f"{labels[worst['item']]} in {worst['column']}",
        "se_other_max": signed(worst["se_diff_pct"], 0),
    }


def se_differences_table(cells: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The SE differences of :func:`~scsrepro.paper.model_summaries.compare_cells`, term by model."""
    wide = cells.pivot_table(index="item", columns="column", values="se_diff_pct", sort=False)
    wide.index = [labels[i] for i in wide.index]
    return wide


def coefficient_labels(name: str) -> dict[str, str]:
    """Legend entries of the coefficient plot that name the data (*name*: :func:`scsrepro.data.loading.data_label`)."""
    ours = "synthetic twin" if name == "twin" else name
    return {"ours_label": f"{ours} (95 % CI)", "shade_label": f"paper's estimate outside the {name}'s 95 % CI"}


def slopes(estimates: pd.DataFrame) -> pd.DataFrame:
    """The rows of a long estimates table (``term`` column) that are not cut points."""
    return estimates[~estimates["term"].str.startswith("cut")]


def slope_terms(t4: pd.DataFrame) -> list[str]:
    """Table 4's slope keys in row order (:func:`table_4_terms` without the cut points)."""
    return [t for t in table_4_terms(t4) if not t.startswith("cut")]


# --------------------------------------------------------------------------- Table A4


#: Table A4's columns as the chapter shows them: ``(value, statistic)`` -> heading.
_A4_COLUMNS = {
    ("published", "tolerance"): "tolerance (paper)",
    ("reproduced", "tolerance"): "tolerance (pairwise)",
    ("published", "vif"): "VIF (paper)",
    ("reproduced", "vif"): "VIF (pairwise)",
    ("reproduced_alt", "vif"): "VIF (complete cases)",
}


def a4_table(a4: pd.DataFrame) -> pd.DataFrame:
    """Table A4 wide: tolerance and VIF as printed, pairwise, and VIF on complete cases.

    *a4* is :func:`scsrepro.paper.tables.table_a4`.
    """
    wide = a4.pivot_table(
        index="item", columns="statistic", values=["published", "reproduced", "reproduced_alt"], sort=False
    )
    wide = wide.reindex(columns=list(_A4_COLUMNS))
    wide.columns = list(_A4_COLUMNS.values())
    return wide


#: A VIF from which multicollinearity is commonly taken to be a concern.
VIF_WARNING = 5.0


def a4_facts(a4: pd.DataFrame, wide: pd.DataFrame) -> dict[str, str]:
    """Largest VIFs and the complete-case sample of Table A4 (*wide* from :func:`a4_table`).

    ``vif_high`` counts the recomputed VIFs that reach :data:`VIF_WARNING`.
    """
    pairwise, paper = wide["VIF (pairwise)"], wide["VIF (paper)"]
    return {
        "vif_high": str(int((pairwise >= VIF_WARNING).sum())),
        "vif_warning": f"{VIF_WARNING:g}",
        "a4_n": str(len(wide)),
        "vif_max": pct(pairwise.max(), 2),
        "vif_max_paper": pct(paper.max(), 2),
        "vif_max_name": str(pairwise.idxmax()),
        "n_complete": str(a4.attrs["n_complete"]),
        "vif_maxdiff": pct((pairwise - paper).abs().max(), 2),
    }


# --------------------------------------------------------------------------- the hypotheses


def verdicts_table(hyp: pd.DataFrame, on_print: pd.DataFrame, on_refit: pd.DataFrame) -> pd.DataFrame:
    """The paper's verdict on each hypothesis next to the rule's, on the print and on the refit.

    *hyp* is ``load_hypotheses()``; *on_print* and *on_refit* are
    :func:`scsrepro.paper.hypotheses.verdict_table` of the printed and the
    refitted estimates (same row order as *hyp*).
    """
    return pd.DataFrame(
        {
            "variable": hyp["variable"].to_numpy(),
            "model": hyp["model"].to_numpy(),
            "expected sign": hyp["expected_sign"].to_numpy(),
            "paper says": hyp["verdict"].to_numpy(),
            "rule on printed Table 4": on_print["verdict"].to_numpy(),
            "rule on refit": on_refit["verdict"].to_numpy(),
            "refit: why": on_refit["reason"].to_numpy(),
        },
        index=hyp["hypothesis"],
    )


def _disagree(verdicts: pd.DataFrame) -> pd.Index:
    return verdicts.index[~verdicts["rule on refit"].eq(verdicts["paper says"])]


def hypotheses_facts(verdicts: pd.DataFrame, alpha: float = hypotheses.ALPHA) -> dict[str, str]:
    """The rule's level and how often it agrees with the paper (*verdicts*: :func:`verdicts_table`).

    Facts: ``alpha``, ``n_hyp``, ``agree_print``, ``agree_twin`` and
    ``disagree_twin`` (the hypotheses where the rule on the refit differs
    from the paper, or ``"none"``).
    """
    agree_print = verdicts["rule on printed Table 4"].eq(verdicts["paper says"])
    agree_refit = verdicts["rule on refit"].eq(verdicts["paper says"])
    return {
        "alpha": str(alpha),
        "n_hyp": str(len(verdicts)),
        "agree_print": str(int(agree_print.sum())),
        "agree_twin": str(int(agree_refit.sum())),
        "disagree_twin": ", ".join(_disagree(verdicts)) or "none",
    }


def exceptions_table(verdicts: pd.DataFrame, on_print: pd.DataFrame, on_refit: pd.DataFrame) -> pd.DataFrame:
    """Terms, printed and refitted coefficient and p-value of the hypotheses judged differently.

    A hypothesis is listed when the rule on the refit (*verdicts*, from
    :func:`verdicts_table`) differs from the paper's verdict.
    """
    differ = _disagree(verdicts)
    printed, refit = on_print.set_index("hypothesis"), on_refit.set_index("hypothesis")
    return pd.DataFrame(
        {
            "terms": refit.loc[differ, "terms"],
            "printed coef": printed.loc[differ, "coef"],
            "printed p": printed.loc[differ, "p"],
            "refit coef": refit.loc[differ, "coef"],
            "refit p": refit.loc[differ, "p"],
        }
    )


def h14_facts(cells: pd.DataFrame, column: str = "Model 5", item: str = "received_info") -> dict[str, str]:
    """Coefficient and standard error of the information dummy, refit and print, and their SE ratio.

    *cells* is :func:`scsrepro.paper.model_summaries.compare_cells`.
    """
    info = cells.set_index(["column", "item"]).loc[(column, item)]
    return {
        "h14_coef_twin": pct(info["reproduced"], 3),
        "h14_coef_paper": pct(info["published"], 3),
        "h14_se_twin": pct(info["se"], 3),
        "h14_se_paper": pct(info["published_se"], 3),
        "h14_se_ratio": pct(info["published_se"] / info["se"], 1),
    }


def _row(verdicts: pd.DataFrame, hypothesis: str) -> pd.Series:
    return verdicts.set_index("hypothesis").loc[hypothesis]


def h15_table(
    stated: Mapping[str, pd.DataFrame], flipped: Mapping[str, pd.DataFrame], hypothesis: str = "H15"
) -> pd.DataFrame:
    """H15 judged under the stated coding and under the reading of the paper's text.

    *stated* and *flipped* map a data name (``"paper"``, ``"refit"``) to
    :func:`scsrepro.paper.hypotheses.verdict_table` without and with
    ``flip=["h15"]``. Rows are indexed by ``(coding, data)``.
    """
    readings = {"stated: 1 = automatically integrated": stated, "as the text reads it: 1 = joined actively": flipped}
    shown = ["expected_sign", "coef", "p", "direction", "verdict"]
    return pd.DataFrame(
        [
            {"coding": coding, "data": data, **_row(v, hypothesis)[shown]}
            for coding, tables in readings.items()
            for data, v in tables.items()
        ]
    ).set_index(["coding", "data"])


def h15_facts(on_print: pd.DataFrame, on_refit: pd.DataFrame) -> dict[str, str]:
    """H15's printed and refitted coefficient and p-value (stated coding), and whether their signs agree.

    ``h15_refit_sign`` is ``"the same sign as"`` or ``"the opposite sign to"``
    (the printed estimate).
    """
    printed, refit = _row(on_print, "H15"), _row(on_refit, "H15")
    same = (float(printed["coef"]) < 0) == (float(refit["coef"]) < 0)
    return {
        "h15_p_paper": pct(printed["p"], 2),
        "h15_coef_paper": str(printed["coef"]),
        "h15_coef_twin": str(refit["coef"]),
        "h15_p_twin": pct(refit["p"], 2),
        "h15_refit_sign": "the same sign as" if same else "the opposite sign to",
    }


# --------------------------------------------------------------------------- Model 5's education


def short_labels(codebook: Codebook, variable: str) -> dict[int, str]:
    """The codebook's answer labels of *variable*, each cut at its first colon."""
    return {k: v.split(":")[0] for k, v in codebook[variable].labels.items()}


def education_by_approval_table(sample: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Respondents of a model's sample by education (rows, in code order) and approval, with totals.

    Counts below the disclosure threshold are withheld on data other than
    the committed twin (:func:`scsrepro.paper.disclosure.suppress_counts`).
    """
    edu = short_labels(codebook, "education")
    counts = pd.crosstab(sample["education"].map(edu), sample["approval"].astype(int), margins=True, margins_name="all")
    counts = counts.reindex([*[edu[k] for k in sorted(edu) if edu[k] in counts.index], "all"])
    counts.columns.name = "approval"
    return _withheld(counts, disclosure.applies(sample))


def _withheld(counts: pd.DataFrame, apply: bool) -> pd.DataFrame:
    """*counts* unchanged, or with the counts below the disclosure threshold withheld when *apply*."""
    return disclosure.suppress_counts(counts, apply) if apply else counts


def model5_education_facts(printed: pd.DataFrame, sample5: pd.DataFrame) -> dict[str, str]:
    """Range of the printed education dummies in Model 5 and elsewhere; the group without education.

    *printed* is :func:`scsrepro.paper.hypotheses.estimates_from_published`;
    *sample5* Model 5's estimation sample. ``m5_separation`` is the sentence
    that says whether the base group's answers separate the education
    dummies (:func:`base_group_separation`).
    """
    pub_educ = printed[printed["term"].str.startswith("educ_")]
    in5 = pub_educ["model"].eq(5)
    none = sample5[sample5["education"].eq(1)]
    return {
        "m5_separation": base_group_separation(none["approval"], sample5["approval"]),
        "pub5_educ_lo": str(pub_educ.loc[in5, "coef"].min()),
        "pub5_educ_hi": str(pub_educ.loc[in5, "coef"].max()),
        "pub_educ_other_lo": str(pub_educ.loc[~in5, "coef"].min()),
        "pub_educ_other_hi": str(pub_educ.loc[~in5, "coef"].max()),
        "m5_none_n": str(len(none)),
        "m5_none_top": str(int(none["approval"].eq(5).sum())),
    }


def base_group_separation(base: pd.Series, everyone: pd.Series) -> str:
    """A sentence on whether a factor's base group (*base*: its answers) separates the factor's dummies.

    Separated when the whole base group gives the highest (or the lowest)
    answer in *everyone*: the dummies' likelihood then keeps rising as they
    move away from zero and has no finite maximum.
    """
    if base.empty:
        return "The base group is empty in this sample, so the education dummies have no reference group."
    for answer, where, side, limit in [
        (everyone.max(), "below the top", "below", "minus"),
        (everyone.min(), "above the lowest", "above", "plus"),
    ]:
        if base.eq(answer).all():
            return (
                f"Nobody in the base group answers {where} category, so the data are quasi-separated: the "
                f"likelihood keeps rising as every education dummy is pushed further {side} zero, and the "
                f"maximum lies at {limit} infinity. There is no finite estimate to report."
            )
    return "The base group's answers do not all lie at one end of the scale, so they do not separate the dummies."


def separation_table(
    printed: pd.DataFrame,
    stata_fit: fitting.Fit,
    exact_fit: fitting.Fit,
    labels: Mapping[str, str],
) -> pd.DataFrame:
    """Model 5's education dummies as printed, at Stata's stopping point and run to convergence.

    The converged values are :func:`scsrepro.paper.robustness.estimate_text`
    (text, ``diverges`` when there is no finite estimate). A dummy the data
    cannot estimate (its level, or the base level, has nobody in the
    sample) is missing at Stata's stop and ``not estimable`` converged.
    """
    pub5 = printed[printed["model"].eq(5)].set_index("term")
    exact = exact_fit.result
    return pd.DataFrame(
        {
            "paper (Stata)": pub5.loc[_EDUC_KEYS, "coef"].to_numpy(),
            "paper SE": pub5.loc[_EDUC_KEYS, "se"].to_numpy(),
            "Stata's stopping rule": stata_fit.result.coef().reindex(_EDUC_TERMS).to_numpy(),
            "SE (Stata rule)": stata_fit.result.se().reindex(_EDUC_TERMS).to_numpy(),
            "run to convergence": [robustness.estimate_text(exact, t, fmt="{:,.3f}") for t in _EDUC_TERMS],
            "SE (converged)": [robustness.estimate_text(exact, t, "se", "{:,.3f}") for t in _EDUC_TERMS],
        },
        index=[labels[k] for k in _EDUC_KEYS],
    )


def separation_facts(separation: pd.DataFrame, stata_fit: fitting.Fit, exact_fit: fitting.Fit) -> dict[str, str]:
    """The first education dummy printed, at Stata's stop and converged; likelihood gain; contrasts.

    *separation* is :func:`separation_table`. ``gap_stata`` and
    ``gap_exact`` are the medium-minus-low contrast of the two fits.
    """

    def gap(f: fitting.Fit) -> float:
        coef = f.result.coef()
        low = 0.0 if f.categorical.get("education") == 2 else coef.get("education_2", float("nan"))
        return float(coef.get("education_3", float("nan")) - low)

    exact = exact_fit.result
    return {
        "pub5_educ2": pct(separation["paper (Stata)"].iloc[0], 2),
        "stata_educ2": pct(separation["Stata's stopping rule"].iloc[0], 1),
        "exact_educ2": robustness.estimate_text(exact, "education_2", fmt="{:.1f}"),
        "exact_se2": robustness.estimate_text(exact, "education_2", "se", "{:,.0f}"),
        "ll_gain": f"{exact.ll - stata_fit.result.ll:.1e}",
        "gap_stata": pct(gap(stata_fit), 3),
        "gap_exact": pct(gap(exact_fit), 3),
    }


def treatments_table(treatments: model_summaries.EducationTreatments, labels: Mapping[str, str]) -> pd.DataFrame:
    """Slopes (coefficient and SE) of every fit of *treatments*, one column pair per fit."""
    wide = pd.concat({f.label: fitting.tidy(f).set_index("term")[["coef", "se"]] for f in treatments.fits}, axis=1)
    terms = [t for t in wide.index if not t.startswith("cut")]
    wide = wide.loc[terms]
    wide.index = [labels.get(t, t) for t in terms]
    return wide


def treatment_facts(treatments: model_summaries.EducationTreatments) -> dict[str, str]:
    """The merged fit's education dummies, the penalised fits' first dummy, and the other slopes' shift.

    The penalised facts are those of the first (``_small``) and the last
    (``_large``) prior SD of *treatments*.
    """
    merged = fitting.tidy(treatments.merged).set_index("term")
    small, large = treatments.penalised[0], treatments.penalised[-1]
    return {
        "merged_educ3": pct(merged["coef"].get("educ_3"), 2),
        "merged_educ4": pct(merged["coef"].get("educ_4"), 2),
        "merged_p": pct(merged["p"].reindex(["educ_3", "educ_4"]).min(), 2),
        "pen_sd_small": f"{treatments.prior_sds[0]:g}",
        "pen_sd_large": f"{treatments.prior_sds[-1]:g}",
        "pen_educ2_small": pct(small.result.coef().get("education_2"), 2),
        "pen_educ2_large": pct(large.result.coef().get("education_2"), 2),
        "other_shift": pct(model_summaries.largest_shift(treatments.fits), 3),
    }
