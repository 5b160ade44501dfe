"""Tables and prose facts of the Models chapter's checks beyond the paper (``chapters/models.md``).

The section "Beyond the paper": weighted against unweighted estimates
(:func:`weighting_facts`), predicted probabilities
(:func:`probability_facts`, :func:`probability_table`), the answers behind
each model (:func:`answer_shares_table`, :func:`share_facts`) and the
proportional-odds test (:func:`flagged_table`,
:func:`proportional_odds_facts`, :func:`flagged_pattern`,
:func:`po_not_estimable_facts`). The conventions are those of
:mod:`scsrepro.book.facts.models`, which holds the facts of the sections
that reproduce the paper: ``*_table`` functions build frames to show,
``*_facts`` functions return ``str`` facts for one ``glue_all`` call.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from scsrepro.book.facts.common import and_list, count, pct
from scsrepro.book.facts.models import short_labels
from scsrepro.book.figures.models import TERM_LABELS
from scsrepro.data.codebook import Codebook
from scsrepro.paper import disclosure, hypotheses, model_summaries, modelspec, robustness
from scsrepro.survey.design import coding_of

__all__ = [
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
    "po_not_estimable_facts",
]


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
    return {title: short_labels(codebook, ps[0][1]) for title, ps in PROBABILITY_PANELS.items() if len(ps) == 1}


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
    protect = any(disclosure.applies(smp[0]) for smp in samples.values())
    return disclosure.suppress_counts(shares, protect) if protect else shares


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
        names = and_list(leaders)
        who, whose = f"{names} are flagged in the most models, {counts.max()} of the {n_models} each", "the slope of "
        whose += leaders[0]
    return (
        f"{who}. In the binary logits {whose} is {span('b_gt_3')} for approving at least somewhat and "
        f"{span('b_gt_4')} for approving strongly, so Table 4's single coefficient averages two different effects."
    )
