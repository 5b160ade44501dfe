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
from scsrepro.book.figures.models import TERM_LABELS
from scsrepro.data.codebook import Codebook
from scsrepro.paper import disclosure, fitting, hypotheses, model_summaries, modelspec, robustness
from scsrepro.survey.design import coding_of
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
    "education_by_approval_table",
    "model5_education_facts",
    "base_group_separation",
    "separation_table",
    "separation_facts",
    "treatments_table",
    "treatment_facts",
    "weighting_facts",
    "PROBABILITY_PANELS",
    "probability_ticks",
    "function_labels",
    "probability_facts",
    "probability_table",
    "answer_shares_table",
    "share_facts",
    "flagged_table",
    "proportional_odds_facts",
    "flagged_pattern",
    "not_estimable_facts",
    "po_not_estimable_facts",
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


def _short_labels(codebook: Codebook, variable: str) -> dict[int, str]:
    return {k: v.split(":")[0] for k, v in codebook[variable].labels.items()}


def education_by_approval_table(sample: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Respondents of a model's sample by education (rows, in code order) and approval, with totals.

    Counts below the disclosure threshold are withheld on data other than
    the committed twin (:func:`scsrepro.paper.disclosure.suppress_counts`).
    """
    edu = _short_labels(codebook, "education")
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


# --------------------------------------------------------------------------- beyond the paper


def _label(term: str) -> str:
    return TERM_LABELS.get(term, term)


def weighting_facts(wu: pd.DataFrame, demographic: modelspec.ModelSpec) -> dict[str, str]:
    """How much dropping the weights moves the slopes and their significance.

    *wu* is :func:`scsrepro.paper.robustness.weighted_vs_unweighted`;
    *demographic* the model whose covariates count as socio-demographic
    (Model 1). ``wu_block_*`` count the other models' added terms.
    """
    keys = modelspec.term_keys()
    demo_terms = {k for var in demographic.covariates for k in keys[var]}
    big = wu.loc[wu["shift"].abs().idxmax()]
    changed = wu["significance_changes"]
    block = wu[~wu["term"].isin(demo_terms)]
    return {
        "wu_n": str(len(wu)),
        "wu_max_shift": pct(abs(big["shift"]), 2),
        "wu_max_term": f"{_label(big['term'])} in Model {int(big['model'])}",
        "wu_within_one": str(int((wu["shift"].abs() < 1).sum())),
        "wu_sig_changes": str(int(changed.sum())),
        "wu_sig_terms": ", ".join(f"{_label(r.term)} (Model {r.model})" for r in wu[changed].itertuples()),
        "wu_sig_demo": str(int(wu.loc[changed, "term"].isin(demo_terms).sum())),
        "wu_block_n": str(len(block)),
        "wu_block_same": str(int((~block["significance_changes"]).sum())),
        "wu_se_ratio": pct(wu["se_ratio"].median(), 2),
    }


#: The panels of the predicted-probability figure: ``{title: [(model id, variable), ...]}``.
PROBABILITY_PANELS: dict[str, list[tuple[int, str]]] = {
    "Income (Model 1)": [(1, "income_group")],
    "Education (Model 1)": [(1, "education")],
    "Fairness of one's score (Model 5)": [(5, "fairness")],
    "Perceived functions (Model 7)": [(7, "accountability"), (7, "abide_regulations"), (7, "quality_of_life")],
}


def probability_ticks(codebook: Codebook) -> dict[str, dict[int, str]]:
    """Tick labels (short answer labels) of the single-variable panels of :data:`PROBABILITY_PANELS`."""
    return {title: _short_labels(codebook, ps[0][1]) for title, ps in PROBABILITY_PANELS.items() if len(ps) == 1}


def function_labels() -> dict[str, str]:
    """Legend names of the perceived functions, the variables of the last panel (Table 4's short term labels)."""
    keys = modelspec.term_keys()
    return {v: TERM_LABELS[keys[v][0]] for _, v in PROBABILITY_PANELS["Perceived functions (Model 7)"]}


def probability_facts(
    panels: Mapping[str, pd.DataFrame], delta: Mapping[str, pd.DataFrame], draws: int
) -> dict[str, str]:
    """Draws, the largest gap to the delta-method intervals, and probabilities at the ends.

    *panels* and *delta* are :func:`scsrepro.paper.model_summaries.probability_panels`
    of :data:`PROBABILITY_PANELS` by simulation and by the delta method;
    probabilities are given in per cent, without decimals. ``edu_none_lo``
    and ``edu_none_hi`` bound the interval of the education panel's lowest
    level (no formal education).
    """

    def at(frame: pd.DataFrame, value: int) -> str:
        return pct(100 * frame.set_index("value").loc[value, "probability"], 0)

    fair = panels["Fairness of one's score (Model 5)"]
    inc = panels["Income (Model 1)"]
    edu = panels["Education (Model 1)"].set_index("value").loc[1]
    abide = panels["Perceived functions (Model 7)"].query("variable == 'abide_regulations'")
    return {
        "draws": count(draws),
        "delta_gap": pct(100 * model_summaries.interval_gap(panels, delta)),
        "fair_lo": at(fair, 1),
        "fair_hi": at(fair, 4),
        "inc_lo": at(inc, 1),
        "inc_hi": at(inc, 3),
        "abide_lo": at(abide, 1),
        "abide_hi": at(abide, 4),
        "edu_none_lo": pct(100 * edu["ci_low"], 0),
        "edu_none_hi": pct(100 * edu["ci_high"], 0),
    }


def probability_table(panels: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All panels in one table indexed by ``(panel, variable, value)``."""
    return pd.concat(panels, names=["panel"]).reset_index(level=0).set_index(["panel", "variable", "value"])


def answer_shares_table(samples: Mapping[int, tuple[pd.DataFrame, dict]], codebook: Codebook) -> pd.DataFrame:
    """Respondents per approval answer (columns, labelled, every answer of the codebook) in each model's sample (rows).

    Counts below the disclosure threshold are withheld on data other than
    the committed twin (:func:`scsrepro.paper.disclosure.suppress_counts`).
    """
    labels = codebook["approval"].labels
    shares = (
        pd.DataFrame({f"Model {m}": smp[0]["approval"].value_counts().sort_index() for m, smp in samples.items()})
        .T.reindex(columns=[float(c) for c in sorted(labels)])
        .fillna(0)
        .astype(int)
    )
    shares.columns = [labels[int(c)] for c in shares.columns]
    return _withheld(shares, any(disclosure.applies(smp[0]) for smp in samples.values()))


def share_facts(shares: pd.DataFrame) -> dict[str, str]:
    """Fewest and most respondents in the two lowest answers, and their largest share (per cent).

    Where disclosure control withheld a count of the two lowest answers
    (:func:`answer_shares_table`), the three facts are the disclosure mark.
    """
    mask = shares.attrs.get("suppressed")
    if isinstance(mask, pd.DataFrame) and mask.iloc[:, :2].to_numpy().any():
        return dict.fromkeys(["low_min", "low_max", "low_pct"], disclosure.MARK)
    low = shares.iloc[:, :2].sum(axis=1)
    return {
        "low_min": str(int(low.min())),
        "low_max": str(int(low.max())),
        "low_pct": pct(100 * (low / shares.sum(axis=1)).max()),
    }


def flagged_table(
    po_all: pd.DataFrame, specs: Mapping[int, modelspec.ModelSpec], alpha: float = hypotheses.ALPHA
) -> pd.DataFrame:
    """The terms the test rejects with their binary-logit slopes and tests, rows ``"Model m: term label"``.

    The terms are :func:`scsrepro.paper.model_summaries.flagged_terms`.

    *po_all* is :func:`scsrepro.paper.model_summaries.proportional_odds_table`.
    """
    view = model_summaries.flagged_terms(po_all, alpha)[["b_gt_3", "b_gt_4", "chi2", "df", "p", "p_holm"]].copy()
    view.index = [f"{m}: {TERM_LABELS[_key(t, specs[int(m.split()[1])])]}" for m, t in view.index]
    return view


def _key(term: str, spec: modelspec.ModelSpec) -> str:
    """Table 4 key of a fitted term of *spec* (what the design matrix says it codes)."""
    return modelspec.table4_key(*coding_of(term, spec.covariates, spec.categorical))


def po_not_estimable_facts(
    tests: Mapping[int, robustness.POTest], specs: Mapping[int, modelspec.ModelSpec]
) -> dict[str, str]:
    """``po_not_estimable``: the terms the proportional-odds test cannot judge on these data ("" if none).

    Those of ``POTest.not_estimable`` (a binary logit separates on them),
    labelled as in Table 4.
    """
    gone = [f"{TERM_LABELS.get(_key(t, specs[m]), t)} in Model {m}" for m, r in tests.items() for t in r.not_estimable]
    if not gone:
        return {"po_not_estimable": ""}
    return {
        "po_not_estimable": "The test cannot judge some terms on these data, because a binary logit separates on "
        f"them (their rows are empty, and the other terms are tested without them): {', '.join(gone)}."
    }


def proportional_odds_facts(
    po_all: pd.DataFrame, tests: Mapping[int, robustness.POTest], flagged: pd.DataFrame, alpha: float = hypotheses.ALPHA
) -> dict[str, str]:
    """Counts of rejections (omnibus, term-level, after Holm), the most flagged term and the separation warnings.

    *po_all* is :func:`scsrepro.paper.model_summaries.proportional_odds_table`
    of *tests*, *flagged* its :func:`flagged_table`. ``po_pattern`` and
    ``po_separation`` are sentences (:func:`flagged_pattern`).
    """
    omni = po_all.xs("all", level="term")
    warnings = sum(len(r.warnings) for r in tests.values())
    return {
        "po_omni_sig": str(int((omni["p"] < alpha).sum())),
        "po_flagged": str(len(model_summaries.flagged_terms(po_all, alpha))),
        "po_terms": str(po_all.drop(index="all", level="term").shape[0]),
        "po_holm": str(int((po_all["p_holm"] < alpha).sum())),
        "po_pattern": flagged_pattern(flagged, len(omni)),
        "po_separation": (
            f"{warnings} of the binary logits showed signs of separation (no convergence, or a coefficient "
            "beyond 10), so the tests that rest on them are not reliable."
            if warnings
            else "No binary logit showed signs of separation (no convergence, or a coefficient beyond 10)."
        ),
    }


def flagged_pattern(flagged: pd.DataFrame, n_models: int) -> str:
    """A sentence on the term that the proportional-odds test flags in the most models.

    *flagged* is :func:`flagged_table` (rows ``"Model m: term label"``);
    ties are named together and the first of them, in table order, is
    described by its binary-logit slopes.
    """
    if flagged.empty:
        return (
            "No term is flagged, so nothing suggests that a single coefficient of Table 4 averages different effects."
        )
    terms = pd.Series([row.split(": ", 1)[1] for row in flagged.index], index=flagged.index)
    counts = terms.groupby(terms, sort=False).size()
    leaders = list(counts.index[counts.eq(counts.max())])
    first = flagged[terms.eq(leaders[0]).to_numpy()]

    def span(column: str) -> str:
        lo, hi = pct(first[column].min(), 2), pct(first[column].max(), 2)
        return lo if lo == hi else f"{lo} to {hi}"

    if len(leaders) == 1:
        who, whose = f"{leaders[0]} is flagged in the most models, {counts.max()} of the {n_models}", "its slope"
    else:
        names = f"{', '.join(leaders[:-1])} and {leaders[-1]}"
        who, whose = f"{names} are flagged in the most models, {counts.max()} of the {n_models} each", "the slope of "
        whose += leaders[0]
    return (
        f"{who}. In the binary logits {whose} is {span('b_gt_3')} for approving at least somewhat and "
        f"{span('b_gt_4')} for approving strongly, so Table 4's single coefficient averages two different effects."
    )
