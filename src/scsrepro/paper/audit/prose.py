"""Check 6: the numbers and comparisons of the paper's text against its tables.

A sentence often repeats or combines table entries; the rules of
:mod:`scsrepro.paper.audit.prose_rules` say which, and this module recomputes
each claim over the rounding box of its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from scsrepro.paper.audit.common import EPS, Lookup, box, finding, findings_frame, fmt
from scsrepro.paper.audit.granularity import grim_table
from scsrepro.paper.audit.prose_rules import DOUBTER_LEVELS, FUNCTIONS, PROSE_RULES, QUALITATIVE_CLAIMS

__all__ = ["prose_comparisons", "check_prose_claims"]


def _inputs(look: Lookup, ids: list) -> tuple[list[str], list[float], list[float], list[str]] | None:
    """Flatten candidate input ids; a nested list is summed first; '@k' is the constant k."""
    flat_ids, vals, halves, shown = [], [], [], []
    for item in ids:
        if isinstance(item, list):
            if not look.has(*item):
                return None
            flat_ids += item
            vals.append(sum(look.v(i) for i in item))
            halves.append(sum(look.h(i) for i in item))
            shown.append("(" + "+".join(look.printed(i).replace("%", "") for i in item) + ")")
        elif item.startswith("@"):
            vals.append(float(item[1:]))
            halves.append(0.0)
            shown.append(item[1:])
        else:
            if not look.has(item):
                return None
            flat_ids.append(item)
            vals.append(look.v(item))
            halves.append(look.h(item))
            shown.append(look.printed(item).replace("%", "").strip())
    return flat_ids, vals, halves, shown


def _gap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two intervals (0 if they overlap)."""
    return max(a[0] - b[1], b[0] - a[1], 0.0)


def prose_comparisons(published: pd.DataFrame, rules: Sequence[dict] | None = None) -> pd.DataFrame:
    """Compare every mapped prose claim with its table counterparts.

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    rules : sequence of dict, optional
        Replacement for :data:`PROSE_RULES`.

    Returns
    -------
    DataFrame
        One row per rule whose inputs are all present: claim ids, printed
        claim, each candidate's value and range, the first candidate that
        fits (``fits``; empty if none), the gap to the nearest candidate and
        the resulting ``status`` (``ok`` or a severity).
    """
    look = Lookup(published)
    out = []
    for rule in PROSE_RULES if rules is None else rules:
        claims = rule["claims"]
        if not look.has(*claims):
            continue
        c_vals = [look.v(c) for c in claims]
        c_half = [look.h(c) for c in claims]
        results = _candidate_results(look, rule["candidates"])
        if not results:
            continue
        for res in results:
            res["gap"] = _claim_gap(rule["compare"], c_vals, c_half, res)
        fits = [r for r in results if r["gap"] <= EPS]
        out.append(
            {
                "claims": ";".join(claims),
                "source": ";".join(dict.fromkeys(look.frame.loc[c, "source"] for c in claims)),
                "claim_printed": ", ".join(look.printed(c) for c in claims),
                "claim_values": c_vals,
                "compare": rule["compare"],
                "candidates": results,
                "fits": fits[0]["label"] if fits else "",
                "gap": min(r["gap"] for r in results),
                "status": _status(rule, results, fits),
                "why": rule.get("why", ""),
            }
        )
    return pd.DataFrame(out)


def _candidate_results(look: Lookup, candidates: list) -> list[dict]:
    """Value and rounding range of each recomputation of a rule whose inputs are present."""
    results = []
    for label, fname, ids in candidates:
        got = _inputs(look, ids)
        if got is None:
            continue
        flat, vals, halves, shown = got
        centre, lo, hi = box(FUNCTIONS[fname], vals, halves)
        results.append(
            {
                "label": label,
                "ids": flat,
                "centre": centre,
                "lo": lo,
                "hi": hi,
                "shown": f"{fname}({', '.join(shown)})",
            }
        )
    return results


def _claim_gap(compare: str, c_vals: list[float], c_half: list[float], res: dict) -> float:
    """How far the claimed values lie from one recomputation, by the rule's comparison."""
    if compare == "equal":
        return _gap((c_vals[0] - c_half[0], c_vals[0] + c_half[0]), (res["lo"], res["hi"]))
    elif compare == "at_most":
        return max(c_vals[0] - c_half[0] - res["hi"], 0.0)
    elif compare == "between":
        lo = min(v - h for v, h in zip(c_vals, c_half))
        hi = max(v + h for v, h in zip(c_vals, c_half))
        return _gap((lo, hi), (res["lo"], res["hi"]))
    else:
        raise ValueError(f"unknown comparison {compare!r}")


def _status(rule: dict, results: list[dict], fits: list[dict]) -> str:
    """``ok`` if the rule's first recomputation fits, else the severity of the miss."""
    if fits and fits[0] is results[0]:
        return "ok"
    elif fits:
        return "mixed_base"
    elif min(r["gap"] for r in results) <= 0.5:
        return "rounding"
    else:
        return rule["on_miss"]


def check_prose_claims(
    published: pd.DataFrame, rules: Sequence[dict] | None = None, qualitative: Sequence[dict] | None = None
) -> pd.DataFrame:
    """Findings of the prose-versus-table comparison.

    Numeric claims follow :data:`PROSE_RULES` (see :func:`prose_comparisons`);
    worded claims about group differences follow :data:`QUALITATIVE_CLAIMS`
    and are tested on the approval shares implied by Table 3: the share of
    doubters within group g is ``d_g * D / t_g`` (``d_g`` the group's share
    among doubters, ``t_g`` its share among all respondents, ``D`` the share
    of doubters, levels 1-3 of Table 2's total column), so the share
    approving is 100 minus that. A worded claim is reported only when the
    rounding ranges of the groups do not overlap in the way the claim needs.

    Parameters
    ----------
    published : DataFrame
        Published numbers.
    rules, qualitative : sequence of dict, optional
        Replacements for :data:`PROSE_RULES` and :data:`QUALITATIVE_CLAIMS`.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    look = Lookup(published)
    rows = _numeric_claim_findings(prose_comparisons(published, rules))
    # Table 5's N against Table 2's commercial users, with the N the A2 blocks imply
    if look.has("t5_n", "t2_commercial_n") and look.v("t5_n") != look.v("t2_commercial_n"):
        rows.append(_table5_n_finding(look, published))
    for claim in QUALITATIVE_CLAIMS if qualitative is None else qualitative:
        found = _qualitative_claim_finding(look, claim)
        if found is not None:
            rows.append(found)
    return findings_frame(rows)


def _numeric_claim_findings(table: pd.DataFrame) -> list[dict]:
    """Findings for the rows of :func:`prose_comparisons` whose status is not ``ok``."""
    rows = []
    for _, r in (table[table["status"] != "ok"] if len(table) else table).iterrows():
        cands = r["candidates"]
        recomputed = "; ".join(f"{c['label']}: {fmt(c['centre'], 2)}" for c in cands)
        arithmetic = (
            "; ".join(
                f"{c['shown']} = {fmt(c['centre'], 2)} (range {fmt(c['lo'], 2)}-{fmt(c['hi'], 2)})" for c in cands
            )
            + f" vs printed {r['claim_printed']} ({r['compare']})"
        )
        ids = r["claims"].split(";") + [i for c in cands for i in c["ids"]]
        rows.append(
            finding(
                "prose_claims",
                r["source"],
                ids,
                r["claim_printed"],
                recomputed,
                arithmetic,
                r["status"],
                _numeric_explanation(r),
            )
        )
    return rows


def _numeric_explanation(r: pd.Series) -> str:
    """Why a numeric claim (a row of :func:`prose_comparisons`) is a finding."""
    if r["why"]:
        return r["why"]
    elif r["status"] == "mixed_base":
        return f"The text's figure fits '{r['fits']}' rather than the base it names ('{r['candidates'][0]['label']}')."
    elif r["status"] == "rounding":
        return (
            "The text's figure misses the table value by less than one more rounding step, "
            "so it was rounded the wrong way or from other unrounded numbers."
        )
    elif r["compare"] == "at_most":
        return "The text's figure is larger than the most the tables allow for this group."
    elif r["compare"] == "between":
        return (
            "The figure for all respondents should lie between the figures the text gives for "
            "its parts, and it does not."
        )
    else:
        return "No printed table number, combined as the text implies, gives the text's figure."


def _table5_n_finding(look: Lookup, published: pd.DataFrame) -> dict:
    """Table 5's N, which differs from Table 2's commercial users, against the N the A2 blocks imply."""
    ns = grim_table(published)
    sets = (
        [
            set(x)
            for base, x, applies in zip(ns["base"], ns["consistent_ns"], ns["applies"])
            if applies and base == "Sesame and/or Tencent Credit users"
        ]
        if len(ns)
        else []
    )
    common = sorted(set.intersection(*sets)) if sets else []
    n5 = int(look.v("t5_n"))
    fits = n5 in common
    return finding(
        "prose_claims",
        "Table 5 title; Table 2",
        ["t5_n", "t2_commercial_n"],
        f"Table 5 N = {look.printed('t5_n')} (commercial SCS users)",
        f"Table 2 commercial users N = {look.printed('t2_commercial_n')}"
        + (
            f"; Table A2 Sesame and/or Tencent blocks imply N = {', '.join(f'{x:,}' for x in common[:5])}"
            if common
            else ""
        ),
        f"{n5:,} != {int(look.v('t2_commercial_n')):,}; unweighted Table A2 blocks asked of Sesame and/or "
        f"Tencent users are all attainable for N in {{{', '.join(f'{x:,}' for x in common[:5]) or 'none'}}}",
        "mixed_base" if fits else "unsupported_claim",
        (
            "Table 5 is labelled as covering commercial SCS users, but its N is the number of Sesame and/or "
            "Tencent users, a smaller group than Table 2's commercial users."
        )
        if fits
        else "Table 5's N does not match the number of commercial SCS users in Table 2.",
    )


def _approve_by_group(look: Lookup, measure: str, groups: dict[str, str]):
    out = {}
    for label, key in groups.items():
        d, t = f"t3_doubters_{measure}_{key}", f"t3_total_{measure}_{key}"
        if not look.has(d, t, *DOUBTER_LEVELS):
            return None
        vals = [look.v(d), look.v(t)] + [look.v(i) for i in DOUBTER_LEVELS]
        halves = [look.h(d), look.h(t)] + [look.h(i) for i in DOUBTER_LEVELS]
        out[label] = (box(FUNCTIONS["approve_given"], vals, halves), [d, t])
    return out


def _qualitative_claim_finding(look: Lookup, claim: dict) -> dict | None:
    """A worded claim (an entry of :data:`QUALITATIVE_CLAIMS`) that the Table 3 approval shares contradict."""
    shares = _approve_by_group(look, claim["measure"], claim["groups"])
    if shares is None:
        return None
    labels = list(shares)
    rng = {k: (v[0][1], v[0][2]) for k, v in shares.items()}
    centre = {k: v[0][0] for k, v in shares.items()}
    ok = True
    if claim["order"] in ("lowest", "highest"):
        c = claim["claimed"]
        others = [k for k in labels if k != c]
        if claim["order"] == "lowest":
            ok = all(rng[c][0] <= rng[k][1] for k in others)
        else:
            ok = all(rng[c][1] >= rng[k][0] for k in others)
    elif claim["order"] == "increasing":
        ok = all(rng[a][0] <= rng[b][1] for a, b in zip(labels, labels[1:]))
    if ok:
        return None
    extreme = (min if claim["order"] == "lowest" else max)(labels, key=lambda k: centre[k])
    ids = [i for v in shares.values() for i in v[1]] + list(DOUBTER_LEVELS)
    return finding(
        "prose_claims",
        claim["source"],
        ids,
        claim["text"],
        "approve (4-5) by group: "
        + ", ".join(f"{k} {fmt(centre[k], 1)}%" for k in labels)
        + (f"; {claim['order']}: {extreme}" if claim["order"] != "increasing" else ""),
        "100 - doubters share x ("
        + "+".join(look.printed(i).replace("%", "") for i in DOUBTER_LEVELS)
        + ") / total share: "
        + ", ".join(f"{k} {fmt(rng[k][0], 1)}-{fmt(rng[k][1], 1)}" for k in labels),
        "unsupported_claim",
        (
            f"By Table 3 the {claim['order']} approval is in the group '{extreme}', not in the group the text names"
            if claim["order"] != "increasing"
            else "By Table 3 approval does not rise across the groups as the text says"
        )
        + (f"; {claim['caveat']}." if claim.get("caveat") else "."),
    )
