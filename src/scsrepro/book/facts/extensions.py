"""Tables and prose facts of the chapter "Beyond the paper" (``chapters/extensions.md``).

One function per section returns the facts its prose needs (``*_facts``,
``str`` values for one ``glue_all`` call); ``*_table`` functions build the
frames the chapter shows. The conventions are those of
:mod:`scsrepro.book.facts.models`.
"""

from __future__ import annotations

import pandas as pd

from scsrepro.book.facts.common import and_list, count, pct, signed
from scsrepro.book.figures.models import TERM_LABELS
from scsrepro.paper import disclosure, hypotheses
from scsrepro.survey.significance import critical_value

__all__ = [
    "CAP_FORMATS",
    "cap_table",
    "cap_facts",
    "retained_table",
    "dropped_table",
    "sharp_verdicts_table",
    "sharp_facts",
    "calibration_table",
    "calibration_facts",
    "wald_shown",
    "partial_facts",
    "ame_table",
    "ame_facts",
    "nested_facts",
    "nested_table",
    "firth_table",
    "firth_facts",
    "weights_test_table",
    "weights_test_facts",
]


# --------------------------------------------------------------------------- the weight cap


#: Formats of :func:`cap_table`'s columns.
CAP_FORMATS: dict[str, str] = {
    "largest weight": "{:.2f}",
    "Kish deff": "{:.3f}",
    "effective n": "{:,.0f}",
    "approving %": "{:.1f}",
    "SE": "{:.2f}",
    "strongly approving %": "{:.1f}",
    "Table 2: largest change (points)": "{:.2f}",
    "Table 4: largest change (SEs)": "{:.2f}",
    "Table 4: stars changed": "{:.0f}",
}


def cap_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The cap comparison as shown: one row per cap (*summary*: ``cap_sensitivity.cap_summary``)."""
    out = summary.set_index("cap")[
        [
            "feasible",
            "max_weight",
            "deff",
            "n_eff",
            "approve_pct",
            "approve_se",
            "strongly_approve_pct",
            "t2_max_shift",
            "t4_max_shift_se",
            "t4_star_changes",
        ]
    ].copy()
    out["feasible"] = out["feasible"].map({True: "yes", False: "no"})
    out.columns = [
        "raking feasible",
        "largest weight",
        "Kish deff",
        "effective n",
        "approving %",
        "SE",
        "strongly approving %",
        "Table 2: largest change (points)",
        "Table 4: largest change (SEs)",
        "Table 4: stars changed",
    ]
    return out


def cap_facts(summary: pd.DataFrame, reference: str = "2.0") -> dict[str, str]:
    """What the cap comparison shows (*summary*: ``cap_sensitivity.cap_summary``).

    Facts: ``cap_paper`` (the paper's cap, *reference*), ``cap_n`` (caps compared), ``cap_infeasible`` (the infeasible
    caps, or ``none``), ``cap_infeasible_reason`` (the raking's reason for
    the first one, or ``""``), ``cap_approve_lo`` / ``_hi`` (range of the
    approving share over feasible caps), ``cap_deff_lo`` / ``_hi``,
    ``cap_t2_max`` (points), ``cap_t4_max`` (SEs), ``cap_star_changes``
    (largest number of star changes against the paper's cap) out of
    ``cap_t4_n`` coefficients.
    """
    ok = summary[summary["feasible"]]
    bad = summary[~summary["feasible"]]
    others = ok[ok["cap"] != reference]
    return {
        "cap_paper": reference,
        "cap_n": str(len(summary)),
        "cap_infeasible": and_list([f"cap {c}" for c in bad["cap"]]),
        "cap_infeasible_reason": f"Raking under it stops with: {bad['reason'].iloc[0]}" if len(bad) else "",
        "cap_approve_lo": pct(ok["approve_pct"].min()),
        "cap_approve_hi": pct(ok["approve_pct"].max()),
        "cap_deff_lo": pct(ok["deff"].min(), 3),
        "cap_deff_hi": pct(ok["deff"].max(), 3),
        "cap_t2_max": pct(others["t2_max_shift"].max(), 2),
        "cap_t4_max": pct(others["t4_max_shift_se"].max(), 2),
        "cap_star_changes": count(others["t4_star_changes"].max()),
        "cap_t4_n": count(ok["t4_coefficients"].max()),
    }


# --------------------------------------------------------------------------- nested models


def retained_table(kept: pd.DataFrame, apply: bool) -> pd.DataFrame:
    """:func:`scsrepro.paper.nested.retained` as shown, groups of fewer than ten withheld when *apply*."""
    models = [c for c in kept.columns if c not in ("variable", "level", "n")]
    out = disclosure.suppress_rows(kept, apply, n_column="n", columns=models)
    return out.set_index(["variable", "level"])


def dropped_table(dropped: pd.DataFrame, apply: bool) -> pd.DataFrame:
    """:func:`scsrepro.paper.nested.dropped_by` as shown, counts below ten withheld when *apply*."""
    counts = dropped.set_index(["model", "variable"])
    return disclosure.suppress_counts(counts, apply)


# --------------------------------------------------------------------------- the sharper verdict rule


def sharp_verdicts_table(hyp: pd.DataFrame, on_print: pd.DataFrame, on_refit: pd.DataFrame) -> pd.DataFrame:
    """The paper's verdicts beside the three-outcome rule on the print and on the refit.

    *hyp* is ``load_hypotheses()``; *on_print* and *on_refit* are
    :func:`scsrepro.paper.hypotheses.sharp_verdict_table` (same row order).
    """
    return pd.DataFrame(
        {
            "variable": hyp["variable"].to_numpy(),
            "paper says": hyp["verdict"].to_numpy(),
            "printed: outcome": on_print["outcome"].to_numpy(),
            "printed: Holm": on_print["outcome_holm"].to_numpy(),
            "refit: test": on_refit["test"].to_numpy(),
            "refit: p": on_refit["p"].to_numpy(),
            "refit: outcome": on_refit["outcome"].to_numpy(),
            "refit: Holm p": on_refit["p_holm"].to_numpy(),
            "refit: Holm": on_refit["outcome_holm"].to_numpy(),
        },
        index=hyp["hypothesis"],
    )


def sharp_facts(table: pd.DataFrame) -> dict[str, str]:
    """Counts of each outcome on the print and the refit, before and after Holm (*table*: :func:`sharp_verdicts_table`).

    Facts ``sharp_n`` (hypotheses), ``sharp_<where>_<outcome>`` (``where`` in ``print``, ``print_holm``,
    ``refit``, ``refit_holm``; ``outcome`` in ``supported``, ``ns``,
    ``contradicted``), ``sharp_refit_contradicted_ids`` and
    ``sharp_print_contradicted_ids`` (hypotheses, or ``none``), and
    ``sharp_holm_lost`` (hypotheses supported on the refit that Holm's
    correction leaves not significant, or ``none``).
    """
    columns = {
        "print": "printed: outcome",
        "print_holm": "printed: Holm",
        "refit": "refit: outcome",
        "refit_holm": "refit: Holm",
    }
    short = dict(zip(hypotheses.OUTCOMES, ("supported", "ns", "contradicted")))
    out = {"sharp_n": str(len(table))}
    for where, col in columns.items():
        for outcome, name in short.items():
            out[f"sharp_{where}_{name}"] = str(int(table[col].eq(outcome).sum()))
    out["sharp_refit_contradicted_ids"] = and_list(table.index[table["refit: outcome"].eq("contradicted")].tolist())
    out["sharp_print_contradicted_ids"] = and_list(table.index[table["printed: outcome"].eq("contradicted")].tolist())
    lost = table["refit: outcome"].eq("supported") & ~table["refit: Holm"].eq("supported")
    out["sharp_holm_lost"] = and_list(table.index[lost].tolist())
    out["sharp_holm_lost_note"] = (
        f"those that lose their support are {out['sharp_holm_lost']}" if lost.any() else "none loses its support"
    )
    return out


# --------------------------------------------------------------------------- calibrated standard errors


def calibration_table(t4: pd.DataFrame) -> pd.DataFrame:
    """Table 4's coefficients with the fixed-weight and the calibrated SE (*t4*: ``tables.table_4``)."""
    rows = t4[t4["statistic"] == "coef"].dropna(subset=["se", "se_calibrated"])
    out = pd.DataFrame(
        {
            "model": rows["column"].to_numpy(),
            "term": [TERM_LABELS.get(t, t) for t in rows["item"]],
            "coef": rows["reproduced"].to_numpy(),
            "SE [pweight]": rows["se"].to_numpy(),
            "SE calibrated": rows["se_calibrated"].to_numpy(),
        }
    )
    out["ratio"] = out["SE calibrated"] / out["SE [pweight]"]
    return out.set_index(["model", "term"])


def calibration_facts(calib: pd.DataFrame, shares: pd.DataFrame, alpha: float = hypotheses.ALPHA) -> dict[str, str]:
    """How much the raking changes the standard errors.

    *calib* is :func:`calibration_table`, *shares*
    :func:`scsrepro.paper.calibrated.approval_shares`. Facts: ``cal_n``
    (coefficients), ``cal_median`` / ``cal_min`` / ``cal_max`` (ratio of
    calibrated to fixed SE, in per cent), ``cal_min_term`` (where the ratio
    is smallest), ``cal_sig_changes`` (coefficients whose two-sided test at
    *alpha* changes, listed in ``cal_sig_terms``), ``cal_share_min`` / ``cal_share_max`` (the ratio for
    the approving shares of Table 2's groups, per cent).
    """
    ratio = calib["ratio"]
    z = critical_value(1 - alpha)
    fixed = (calib["coef"] / calib["SE [pweight]"]).abs() > z
    cal = (calib["coef"] / calib["SE calibrated"]).abs() > z
    low = ratio.idxmin()
    return {
        "cal_n": str(len(calib)),
        "cal_median": pct(100 * ratio.median()),
        "cal_min": pct(100 * ratio.min()),
        "cal_max": pct(100 * ratio.max()),
        "cal_min_term": f"{low[1]} in {low[0]}",
        "cal_sig_changes": str(int((fixed != cal).sum())),
        "cal_sig_terms": and_list([f"{t} in {m}" for m, t in calib.index[fixed != cal]]),
        "cal_share_min": pct(100 * shares["ratio"].min()),
        "cal_share_max": pct(100 * shares["ratio"].max()),
    }


# --------------------------------------------------------------------------- partial proportional odds


def wald_shown(wald: pd.DataFrame) -> pd.DataFrame:
    """:func:`scsrepro.paper.partial_po.wald_table` as shown, terms labelled."""
    out = wald.copy()
    out["term"] = out["term"].map(lambda t: TERM_LABELS.get(t, "all freed terms" if t == "all" else t))
    return out.set_index(["model", "term"])


def partial_facts(wald: pd.DataFrame, predicted: pd.DataFrame, alpha: float = hypotheses.ALPHA) -> dict[str, str]:
    """The partial proportional-odds fits in numbers.

    *wald* is :func:`scsrepro.paper.partial_po.wald_table`, *predicted* the
    concatenated :func:`~scsrepro.paper.partial_po.predicted_comparison`.
    Facts: ``ppo_models`` (models refitted), ``ppo_terms`` (terms freed),
    ``ppo_reject`` (freed terms whose slopes differ at *alpha* in the
    partial fit), ``ppo_negative`` (respondents with a negative predicted
    probability, all fits), ``ppo_max_diff`` (largest difference of an
    average predicted probability, points) with ``ppo_max_where``.
    """
    terms = wald[wald["term"] != "all"]
    if predicted.empty:
        big_diff, where = float("nan"), "none"
    else:
        big = predicted.loc[predicted["difference"].abs().idxmax()]
        big_diff = 100 * abs(big["difference"])
        where = f"answer {big['outcome']} at {big['variable']} = {big['value']:g} in {big['model']}"
    return {
        "ppo_models": str(wald["model"].nunique()),
        "ppo_terms": str(len(terms)),
        "ppo_reject": str(int((terms["p"] < alpha).sum())),
        "ppo_negative": count(wald.drop_duplicates("model")["n_negative"].sum()),
        "ppo_max_diff": pct(big_diff),
        "ppo_max_where": where,
    }


# --------------------------------------------------------------------------- effects on the probability scale


def ame_table(ames: pd.DataFrame, outcome: str = "approve") -> pd.DataFrame:
    """AMEs on *outcome* in percentage points, one row per term, a column pair (AME, SE) per model."""
    a = ames[ames["outcome"] == outcome].copy()
    a["term"] = a["term"].map(lambda t: TERM_LABELS.get(t, t))
    order = list(dict.fromkeys(a["term"]))
    wide = a.pivot(index="term", columns="model", values=["ame", "se"]) * 100
    wide = wide.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False)
    wide.columns = [f"{m}: {'AME' if k == 'ame' else 'SE'}" for m, k in wide.columns]
    return wide.reindex(order)


def ame_facts(ames: pd.DataFrame, alpha: float = hypotheses.ALPHA, outcome: str = "approve") -> dict[str, str]:
    """Facts on the AMEs: ``ame_n`` (model-term pairs), ``ame_sig`` (significant at *alpha*),
    ``ame_max`` (the largest in absolute value, points, signed) and ``ame_max_where``."""
    a = ames[ames["outcome"] == outcome]
    big = a.loc[a["ame"].abs().idxmax()]
    return {
        "ame_n": str(len(a)),
        "ame_sig": str(int((a["p"] < alpha).sum())),
        "ame_max": signed(100 * big["ame"]),
        "ame_max_where": f"{TERM_LABELS.get(big['term'], big['term'])} in {big['model']}",
    }


def nested_facts(comparison: pd.DataFrame) -> dict[str, str]:
    """Which change dominates between Model 1 and the larger models (*comparison*: ``nested.common_sample_comparison``).

    Facts: ``nest_n`` (term-model pairs), ``nest_sample_larger`` (pairs where
    the change due to the sample exceeds the change due to the added block,
    in absolute value), ``nest_max_sample`` (largest sample change, points,
    signed) with ``nest_max_sample_where``, and ``nest_max_block`` with
    ``nest_max_block_where``.
    """
    c = comparison

    def biggest(column: str) -> tuple[str, str]:
        row = c.loc[c[column].abs().idxmax()]
        return signed(100 * row[column]), f"{TERM_LABELS.get(row['term'], row['term'])} in {row['model']}"

    s_val, s_where = biggest("sample_change")
    b_val, b_where = biggest("block_change")
    return {
        "nest_n": str(len(c)),
        "nest_sample_larger": str(int((c["sample_change"].abs() > c["block_change"].abs()).sum())),
        "nest_max_sample": s_val,
        "nest_max_sample_where": s_where,
        "nest_max_block": b_val,
        "nest_max_block_where": b_where,
    }


def nested_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as shown: AMEs on approving in points, labelled terms."""
    c = comparison.copy()
    c["term"] = c["term"].map(lambda t: TERM_LABELS.get(t, t))
    cols = ["ame_own", "ame_common", "ame_full", "sample_change", "block_change"]
    out = c.set_index(["model", "term"])[["nobs", *cols]]
    out[cols] = out[cols] * 100
    return out.rename(
        columns={
            "ame_own": "Model 1, own sample",
            "ame_common": "Model 1, this sample",
            "ame_full": "this model",
            "sample_change": "due to sample",
            "block_change": "due to added block",
        }
    )


# --------------------------------------------------------------------------- separation and the weights


def firth_table(refit) -> pd.DataFrame:
    """The Firth refit as shown (*refit*: ``separation.firth_refit``): labelled terms, the interval as text."""
    c = refit.comparison

    def bound(x, is_open) -> str:
        return "open" if bool(is_open) else f"{x:.2f}"

    interval = [
        f"[{bound(r.lower, r.lower_open)}, {bound(r.upper, r.upper_open)}]" if r.penalised else ""
        for r in c.itertuples(index=False)
    ]
    return pd.DataFrame(
        {
            "penalised": c["penalised"].map({True: "yes", False: "no"}).to_numpy(),
            "Firth": c["firth"].to_numpy(),
            "Stata's stopping point": c["plain"].to_numpy(),
            "profile 95 % interval": interval,
        },
        index=pd.Index([TERM_LABELS.get(t, t) for t in c["term"]], name="term"),
    )


def firth_facts(refit) -> dict[str, str]:
    """Model 5's penalised education terms (*refit*: ``separation.firth_refit``).

    Facts: ``firth_terms`` (the penalised terms), ``firth_lo`` / ``firth_hi``
    (range of their estimates), ``firth_plain`` (the largest absolute value
    of the fit they replace), ``firth_open`` (intervals open on one side),
    ``firth_shift`` (largest change of an unpenalised term).
    """
    c = refit.comparison
    pen, other = c[c["penalised"]], c[~c["penalised"]]
    open_sides = int(pen[["lower_open", "upper_open"]].fillna(False).astype(bool).any(axis=1).sum())
    return {
        "firth_terms": and_list([TERM_LABELS.get(t, t) for t in pen["term"]]),
        "firth_lo": pct(pen["firth"].min(), 2),
        "firth_hi": pct(pen["firth"].max(), 2),
        "firth_plain": pct(pen["plain"].abs().max(), 1),
        "firth_open": str(open_sides),
        "firth_shift": pct((other["firth"] - other["plain"]).abs().max(), 3),
    }


def weights_test_table(tests: pd.DataFrame) -> pd.DataFrame:
    """The DuMouchel-Duncan tests as shown: whether the augmented fit converged, not the optimiser's word for why not."""
    out = tests.drop(columns=["status"]).set_index("model")
    out["converged"] = out["converged"].map({True: "yes", False: "no"})
    return out


def weights_test_facts(tests: pd.DataFrame, alpha: float = hypotheses.ALPHA) -> dict[str, str]:
    """The DuMouchel-Duncan tests (*tests*: ``separation.weights_tests``).

    Facts: ``dd_valid`` (models with a valid test), ``dd_reject`` (of those,
    rejected at *alpha*: the weights change the estimates), ``dd_reject_models``,
    ``dd_invalid_models`` (models whose augmented fit failed, or ``none``)
    and ``dd_invalid_note`` (a sentence naming them, ``""`` when there are none).
    """
    valid = tests[tests["converged"]]
    reject = valid[valid["p"] < alpha]
    invalid = tests[~tests["converged"]]
    note = ""
    if len(invalid):
        why = and_list(invalid["model"].tolist())
        note = f" The augmented fit has no finite maximum for {why}, so the test says nothing there."
    return {
        "dd_valid": str(len(valid)),
        "dd_reject": str(len(reject)),
        "dd_reject_models": and_list(reject["model"].tolist()),
        "dd_invalid_models": and_list(invalid["model"].tolist()),
        "dd_invalid_note": note,
    }
