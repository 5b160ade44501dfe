"""Granularity checks: whether printed numbers can come from whole respondents.

A share of N respondents is a multiple of 1/N, so a percentage printed to two
decimals arises only from certain N (GRIM, Brown and Heathers 2017). A 0/1
variable's mean and SD both follow from one count k (DEBIT, Heathers and Brown
2019). Integer answers need an integer sum T and an integer sum of squares Q of
T's parity, as x**2 and x are both even or both odd (GRIMMER, Anaya 2016;
Allard 2018). Every rounding decision is made on integers and fractions, under
round-half-up and under round-half-to-even; the tables say which rule works.

Weighted statistics are not ratios of counts. GRIM tests the unweighted Table
A2 column; the weighted Tables 2, 3 and 5 and the prose's whole percentages are
rows of :func:`grim_table` that do not apply. Table A3 is weighted (note a), so
DEBIT and GRIMMER only test whether a printed pair *could* be unweighted at a
known N. The range test holds under any weights: on the integers lo..hi a mean
m allows a population variance from f(1 - f) (f the fractional part of m) to
(hi - m)(m - lo) (Bhatia and Davis), a sample SD up to sqrt(N/(N - 1)) more;
for a 0/1 variable both bounds are m(1 - m). Only a pair outside it is a
finding of ``debit`` or ``grimmer``.

A test cannot reject (the tables say so) when a mean printed to d decimals has
N >= 10**d (a percentage: N >= 100 * 10**d), as every value is then a rounded
T/N; the sum-of-squares test can reject only while the interval of admissible
Q is shorter than 2, that is (N - 1) * SD < 10**d.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from scsrepro.paper.audit.common import Lookup, empty_findings, finding, findings_frame, fmt, half_unit
from scsrepro.paper.audit.counts import BASE_N, is_multi_select
from scsrepro.paper.audit.moments import A3_CODINGS
from scsrepro.paper.published import parse_printed

__all__ = [
    "RULES",
    "N_RANGE",
    "NOT_APPLICABLE",
    "A3_EXTRA_ROWS",
    "A3_READING",
    "printed_integer",
    "consistent_ns",
    "mean_is_informative",
    "debit_rules",
    "grimmer_rules",
    "range_test",
    "grim_table",
    "check_grim",
    "debit_table",
    "check_debit",
    "grimmer_table",
    "check_grimmer",
]

#: The rounding rules tried: round half up, round half to even.
RULES: tuple[str, ...] = ("half-up", "half-even")

#: Sample sizes searched by GRIM (inclusive).
N_RANGE: tuple[int, int] = (100, 3000)

#: Printed shares that GRIM does not apply to, and why (keys: ``source`` of the rows, ``prose``).
NOT_APPLICABLE: dict[str, str] = {
    "Table 2": "weighted (Table 2's title): weighted shares are not k/N",
    "Table 3": "weighted: the Total column repeats Table A2's weighted shares",
    "Table 5": "weighted (Table 5's title) and printed as whole percentages",
    "prose": "whole percentages: every N of 100 or more gives every whole percentage",
}

#: Table A3 rows without a Table A2 block: (lowest code, highest code, base).
#: The government pilot rows are 0/1 (Table A3 note d) and asked of pilot
#: participants; age is in whole years (the survey's 14-65).
A3_EXTRA_ROWS: dict[str, tuple[int, int, str]] = {
    "gov_pilot_advantages": (0, 1, "government pilot participants"),
    "gov_pilot_disadvantages": (0, 1, "government pilot participants"),
    "age": (14, 65, "all respondents"),
}

_PRINTED_N = r"^(t2|t4|t5)_"


# --------------------------------------------------------------------------- exact rounding


def printed_integer(value: float, value_printed: str, note: str = "") -> tuple[int, int]:
    """A printed number as the integer P and decimals d with value = P / 10**d, exactly.

    The decimals are those of the printed string (:func:`half_unit`, which
    honours a ``read as`` note), so ``"32.80"`` gives (3280, 2).
    """
    decimals = round(-math.log10(2 * half_unit(value_printed, note)))
    scaled = Fraction(repr(float(value))) * 10**decimals
    if scaled.denominator != 1 or scaled < 0:
        raise ValueError(f"{value_printed!r} is not a non-negative number with {decimals} decimals")
    return int(scaled), decimals


def _parse(text: str) -> tuple[int, int]:
    return printed_integer(parse_printed(text), text)


def _k_range(printed: int, decimals: int, n, scale: int, lo: int, hi: int, rule: str):
    """First and last integer k in [lo*n, hi*n] whose scale*k/n rounds to printed/10**decimals.

    *n* may be an int or an integer array. The exact value scale*k/n lies in
    [P - 1/2, P + 1/2] (in units of the last digit) when
    n(2P - 1) <= 2 scale 10**d k <= n(2P + 1); an end that is hit exactly is
    kept or dropped as *rule* rounds it.
    """
    two_a = 2 * scale * 10**decimals
    low_num, high_num = n * (2 * printed - 1), n * (2 * printed + 1)
    first, last = -((-low_num) // two_a), high_num // two_a
    low_hit, high_hit = first * two_a == low_num, last * two_a == high_num
    odd = printed % 2 == 1
    if rule == "half-up":
        first, last = first, last - high_hit
    else:
        first, last = first + (low_hit & odd), last - (high_hit & odd)
    return np.maximum(first, lo * n), np.minimum(last, hi * n)


def _sd_rules(variance: Fraction, printed: int, decimals: int) -> set[str]:
    """Rules under which sqrt(*variance*) rounds to printed/10**decimals (compared as squares)."""
    v = variance * 4 * 10 ** (2 * decimals)
    low, high = (2 * printed - 1) ** 2, (2 * printed + 1) ** 2
    if (printed == 0 or v > low) and v < high:
        return set(RULES)
    out = set()
    if printed > 0 and v == low:
        out.add("half-up")
    if v in (low, high) and printed % 2 == 0 and not (printed == 0 and v == low):
        out.add("half-even")
    return out


def _label(up, even) -> str:
    return "either" if up and even else "half-up" if up else "half-even" if even else "none"


# --------------------------------------------------------------------------- GRIM


def _grim_fits(values: Sequence[tuple[int, int]], n_min: int, n_max: int, scale: int = 100) -> dict[int, str]:
    """N -> rule, for every N in range at which each value is a rounded scale*k/N (0 <= k <= N) under one rule."""
    ns = np.arange(int(n_min), int(n_max) + 1, dtype=np.int64)
    masks = []
    for rule in RULES:
        ok = np.ones(len(ns), dtype=bool)
        for p, d in values:
            first, last = _k_range(p, d, ns, scale, 0, 1, rule)
            ok &= first <= last
        masks.append(ok)
    up, even = masks
    fit = up | even
    return {int(n): _label(u, e) for n, u, e in zip(ns[fit], up[fit], even[fit])}


def consistent_ns(
    printed: Sequence[str], n_min: int = N_RANGE[0], n_max: int = N_RANGE[1], scale: int = 100
) -> dict[int, str]:
    """Every N in the range at which each printed share is a rounded scale*k/N (0 <= k <= N).

    *printed* are the shares as printed (``"47.89"``, ``"0.60%"``; their
    decimals count), *scale* 100 for percentages and 1 for proportions.
    Returns N -> the rule that works for every share (``half-up``,
    ``half-even`` or ``either``).
    """
    return _grim_fits([_parse(t) for t in printed], n_min, n_max, scale)


def mean_is_informative(n: int, decimals: int, scale: int = 1) -> bool:
    """Whether a value printed to *decimals* can fail GRIM at *n*: only if n < scale * 10**decimals."""
    return n < scale * 10**decimals


def _printed_ns(published: pd.DataFrame) -> dict[str, int]:
    rows = published[(published["statistic"] == "n") & published["id"].str.match(_PRINTED_N)]
    return {i: int(v) for i, v in zip(rows["id"], rows["value"])}


@dataclass(frozen=True)
class _Block:
    source: str
    label: str
    rows: pd.DataFrame
    base: str
    base_ids: tuple[tuple[str, ...], tuple[str, ...]]
    reason: str  # "" when GRIM applies


def _blocks(published: pd.DataFrame) -> Iterator[_Block]:
    """Every block of printed percentages: Table A2 unweighted, Tables 2, 3 and 5, the prose."""
    pct = published[published["statistic"] == "percent"]
    a2 = pct[pct["id"].str.startswith("a2_u_")]
    for measure, rows in a2.groupby("measure", sort=False):
        base = str(rows["base"].iloc[0])
        yield _Block("Table A2 (unweighted)", str(measure), rows, base, BASE_N.get(base, ((), ())), "")
    n_rows = published[published["id"].str.startswith("t2_") & (published["statistic"] == "n")]
    n_of = dict(zip(n_rows["column"], n_rows["id"]))
    for column, rows in pct[pct["id"].str.startswith("t2_")].groupby("column", sort=False):
        ids = (n_of[column],) if column in n_of else ()
        yield _Block("Table 2", str(column), rows, str(rows["base"].iloc[0]), (ids, ids), NOT_APPLICABLE["Table 2"])
    for (measure, column), rows in pct[pct["id"].str.startswith("t3_")].groupby(["measure", "column"], sort=False):
        ids = ("t2_total_n",) if column == "Total" else ()
        label = f"{measure} ({column})"
        yield _Block("Table 3", label, rows, str(rows["base"].iloc[0]), (ids, ids), NOT_APPLICABLE["Table 3"])
    for column, rows in pct[pct["id"].str.startswith("t5_")].groupby("column", sort=False):
        yield _Block("Table 5", str(column), rows, str(rows["base"].iloc[0]), ((), ()), NOT_APPLICABLE["Table 5"])
    prose = pct[pct["id"].str.startswith("p_") & (pct["kind"] == "result")]
    if len(prose):
        yield _Block("prose", "percentages in the text", prose, "", ((), ()), NOT_APPLICABLE["prose"])


def _values(rows: pd.DataFrame) -> list[tuple[int, int]]:
    return [printed_integer(v, p, n) for v, p, n in zip(rows["value"], rows["value_printed"], rows["note"])]


def _base_bounds(look: Lookup, block: _Block) -> tuple[int, int] | None:
    lo_ids, hi_ids = block.base_ids
    if not lo_ids or not look.has(*lo_ids, *hi_ids):
        return None
    return int(max(look.v(i) for i in lo_ids)), int(min(look.v(i) for i in hi_ids))


def _counts(values: Sequence[tuple[int, int]], n: int) -> list[int]:
    """The respondent count nearest to each share at *n*."""
    return [round(Fraction(p * n, 100 * 10**d)) for p, d in values]


def _analyse(look: Lookup, block: _Block, printed_ns: dict[str, int]) -> dict:
    """One row of :func:`grim_table`."""
    values = _values(block.rows)
    fits = _grim_fits(values, *N_RANGE)
    bounds = _base_bounds(look, block)
    at_base: list[int] = []
    closest = None
    if bounds is not None:
        lo, hi = bounds
        at_base = [n for n in fits if lo <= n <= hi]
        printed_values = set(printed_ns.values())
        if fits:
            closest = min(fits, key=lambda n: (max(lo - n, n - hi, 0), n not in printed_values, n))
    counts = _counts(values, closest) if closest else []
    decimals = max(d for _, d in values)
    return {
        "source": block.source,
        "block": block.label,
        "ids": ";".join(block.rows["id"]),
        "printed": " / ".join(p.replace("%", "").strip() for p in block.rows["value_printed"]),
        "decimals": decimals,
        "applies": not block.reason,
        "reason": block.reason or "unweighted percentages",
        "informative": mean_is_informative(N_RANGE[0], decimals, 100),
        "base": block.base,
        "base_used": block.base or ("all respondents (assumed)" if block.source.startswith("Table A2") else ""),
        "base_ids": ";".join(dict.fromkeys(block.base_ids[0] + block.base_ids[1])),
        "base_lo": None if bounds is None else bounds[0],
        "base_hi": None if bounds is None else bounds[1],
        "consistent_with_base": None if bounds is None else bool(at_base),
        "rules_at_base": "; ".join(f"{n:,}: {fits[n]}" for n in at_base),
        "closest_n": closest,
        "rules_at_closest": fits.get(closest, "") if closest else "",
        "n_consistent": len(fits),
        "consistent_ns": list(fits),
        "printed_ns": [i for i, v in printed_ns.items() if v in fits],
        "counts_at_closest": counts,
        "counts_add_up": bool(counts) and sum(counts) == closest and not is_multi_select(block.rows["note"].iloc[0]),
    }


def grim_table(published: pd.DataFrame) -> pd.DataFrame:
    """GRIM for every block of printed percentages, one row per block.

    Each block is searched over :data:`N_RANGE` and set against the printed N
    of its base (:data:`BASE_N`; Table A2 blocks with no stated base are
    taken to be asked of everyone; Table 2: the column's N). Blocks GRIM does
    not apply to (:data:`NOT_APPLICABLE`) are searched as if unweighted and
    have ``applies`` False. Columns: ``source, block, ids, printed, decimals,
    applies, reason, informative`` (a share with these decimals can fail at
    N = 100), ``base`` (stated), ``base_used, base_ids, base_lo, base_hi,
    consistent_with_base, rules_at_base``, ``closest_n`` (the consistent N
    closest to the base; among equals a printed N, then the smallest) and
    ``rules_at_closest``, ``n_consistent, consistent_ns``, ``printed_ns``
    (ids of the printed Ns of Tables 2, 4 and 5 that fit),
    ``counts_at_closest`` and ``counts_add_up`` (single-choice blocks).
    """
    look = Lookup(published)
    printed_ns = _printed_ns(published)
    out = pd.DataFrame([_analyse(look, b, printed_ns) for b in _blocks(published)])
    for column in ("base_lo", "base_hi", "closest_n"):
        if column in out:
            out[column] = out[column].astype("Int64")
    return out


def _near_misses(rows: pd.DataFrame, n: int) -> str:
    """The shares of *rows* that no count gives at *n*, with the nearest shares that one does."""
    out = []
    for (p, d), text in zip(_values(rows), rows["value_printed"]):
        if _grim_fits([(p, d)], n, n):
            continue
        k0 = p * n // (100 * 10**d)
        near = sorted({math.floor(Fraction(100 * 10**d * k, n) + Fraction(1, 2)) for k in range(k0 - 1, k0 + 3)})
        below = max((x for x in near if x < p), default=None)
        above = min((x for x in near if x > p), default=None)
        shown = [_show(x, d) for x in (below, above) if x is not None]
        out.append(f"{text.replace('%', '').strip()} (nearest {' or '.join(shown)})")
    return ", ".join(out)


def _show(printed: int, decimals: int) -> str:
    """P / 10**d written with d decimals, exactly."""
    whole, part = divmod(printed, 10**decimals)
    return f"{whole}.{part:0{decimals}d}" if decimals else str(whole)


def _grim_finding(r: pd.Series, rows: pd.DataFrame, printed_ns: dict[str, int]) -> dict:
    fits = r["consistent_ns"]
    shown = ", ".join(f"{n:,}" for n in fits[:8]) + (" ..." if len(fits) > 8 else "")
    searched = f"{N_RANGE[0]}-{N_RANGE[1]:,}"
    ids = r["ids"].split(";") + [i for i in r["base_ids"].split(";") if i]
    if not fits:
        return finding(
            "grim", r["source"], ids, f"{r['block']}: {r['printed']}", f"no N in {searched}",
            f"no N in {searched} makes every share a rounded 100k/N (round half up or half to even)",
            "misprint",
            "No whole number of respondents gives all of these unweighted percentages, so at least one of them is "
            "misprinted or the column is not unweighted.",
        )  # fmt: skip
    n0 = int(r["closest_n"])
    equal = [i for i, v in printed_ns.items() if v == n0]
    hits = [f"{k:,} = {i}" for k in r["counts_at_closest"] for i, v in printed_ns.items() if v == k]
    lo, hi = int(r["base_lo"]), int(r["base_hi"])
    base_n = f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"
    misses = _near_misses(rows, lo) if lo == hi else ""
    everyone = r["base_used"].startswith("all respondents")
    total = float(rows["value"].sum())
    if not is_multi_select(str(rows["note"].iloc[0])) and abs(total - 100) > 0.005 * len(rows) + 1e-9:
        # a single-choice block that does not add up to 100 is misprinted, and that alone
        # makes its shares unattainable at the base: the N recovered here means nothing
        return finding(
            "grim", r["source"], ids, f"{r['block']}: {r['printed']}",
            f"base N = {base_n} does not fit; the shares add up to {fmt(total, 2)}",
            f"base {r['base_used']}: N = {base_n} does not fit" + (f" ({misses} unattainable)" if misses else "")
            + f"; the shares of this single-choice block add up to {fmt(total, 2)}, so the nearest N that fits"
            f" ({n0:,}) reflects the misprint, not a base",
            "misprint",
            "The shares of a single-choice question must add up to 100 within rounding; these do not, so at least "
            "one is misprinted, and the misprint is why no count out of the base gives them (see block_sums).",
        )  # fmt: skip
    return finding(
        "grim", r["source"], ids + [i for i in equal if i not in ids],
        f"{r['block']}: {r['printed']}",
        f"recovered base N = {n0:,} ({r['rules_at_closest']})" + (f" = {', '.join(equal)}" if equal else "")
        + f"; {r['n_consistent']} of {N_RANGE[1] - N_RANGE[0] + 1:,} Ns fit",
        f"base {r['base_used']}: N = {base_n} does not fit"
        + (f" ({misses} unattainable)" if misses else "")
        + f"; Ns that fit in {searched}: {shown}"
        + (f"; printed Ns among them: {', '.join(r['printed_ns'])}" if r["printed_ns"] else "")
        + f"; at N = {n0:,} the counts are {', '.join(f'{k:,}' for k in r['counts_at_closest'])}"
        + (" (they add up to N)" if r["counts_add_up"] else "")
        + (f" ({'; '.join(hits)})" if hits else ""),
        "mixed_base",
        ("No base is stated, so the question is taken to have gone to every respondent; "
         if not r["base"] else "The question went to every respondent; " if everyone else "")
        + f"no count out of N = {base_n} gives these percentages. The closest N that does is {n0:,}, so they "
        "were computed on a different number of respondents.",
    )  # fmt: skip


def check_grim(published: pd.DataFrame) -> pd.DataFrame:
    """Findings of :func:`grim_table` for the blocks GRIM applies to.

    A block that no N in :data:`N_RANGE` fits is a ``misprint``; a block
    whose stated (or, for Table A2 blocks without one, assumed: all
    respondents) base does not fit is a ``mixed_base`` finding that names the
    recovered base, the printed Ns it equals and the counts at it. A block
    consistent with its base gives no finding.

    Parameters
    ----------
    published : DataFrame
        Published numbers.

    Returns
    -------
    DataFrame
        Findings (columns :data:`FINDING_COLUMNS`).
    """
    table = grim_table(published)
    if table.empty:
        return empty_findings()
    printed_ns = _printed_ns(published)
    by_id = published.set_index("id", drop=False)
    rows = []
    for _, r in table[table["applies"]].iterrows():
        base_ok = r["consistent_with_base"]
        if r["n_consistent"] and (base_ok is None or bool(base_ok)):
            continue
        rows.append(_grim_finding(r, by_id.loc[r["ids"].split(";")], printed_ns))
    return findings_frame(rows)


# --------------------------------------------------------------------------- DEBIT and GRIMMER

#: What the DEBIT and GRIMMER rows of Table A3 test.
A3_READING = (
    "Table A3 is weighted (note a) and a weighted mean is not T/N: the count and sum-of-squares tests apply only "
    "to an unweighted reading at N; the range test holds under any weights"
)


def _sos_informative(n: int, sd: tuple[int, int]) -> bool:
    """Whether Q's interval, 2 (n - 1) SD / 10**d long, is shorter than 2, so the parity test can reject."""
    return (n - 1) * sd[0] < 10 ** (2 * sd[1])


def _sum_of_squares_bounds(total: int, n: int, lo: int, hi: int) -> tuple[int, int]:
    """Least and largest sum of squares of *n* integers in [lo, hi] that add up to *total*."""
    q, r = divmod(total, n)
    q_min = (n - r) * q * q + r * (q + 1) ** 2
    j, rem = divmod(total - n * lo, hi - lo)
    q_max = j * hi * hi + (n - j) * lo * lo + ((lo + rem) ** 2 - lo * lo if rem else 0)
    return q_min, q_max


def _sum_of_squares_fits(total: int, n: int, lo: int, hi: int, denom: int, sd: tuple[int, int], rule: str) -> bool:
    """Whether an integer sum of squares Q of *total*'s parity gives the SD (variance (nQ - T^2) / (n denom))."""
    ps, ds = sd
    q_min, q_max = _sum_of_squares_bounds(total, n, lo, hi)
    t2n = Fraction(total * total, n)
    a, b = Fraction(max(2 * ps - 1, 0), 2 * 10**ds), Fraction(2 * ps + 1, 2 * 10**ds)
    q_lo = max(q_min, math.ceil(denom * a * a + t2n))
    q_hi = min(q_max, math.floor(denom * b * b + t2n))
    q = q_lo + (q_lo - total) % 2
    while q <= q_hi:
        if rule in _sd_rules(Fraction(n * q - total * total, n * denom), ps, ds):
            return True
        q += 2
    return False


def _grimmer(mean: tuple[int, int], sd: tuple[int, int], n: int, lo: int, hi: int) -> dict[str, str]:
    out = {}
    for formula, denom in (("sample", n - 1), ("population", n)):
        ok = set()
        for rule in RULES:
            first, last = (int(x) for x in _k_range(*mean, n, 1, lo, hi, rule))
            if denom > 0 and any(_sum_of_squares_fits(t, n, lo, hi, denom, sd, rule) for t in range(first, last + 1)):
                ok.add(rule)
        out[formula] = _label("half-up" in ok, "half-even" in ok)
    return out


def grimmer_rules(mean: str, sd: str, n: int, lo: int, hi: int) -> dict[str, str]:
    """GRIMMER: can *n* integer answers in [lo, hi] have the printed mean and SD?

    For each sum T whose mean T/n rounds to *mean*, some integer Q in the
    interval of sums of squares the SD allows must have T's parity and lie
    between the least and largest Q of n integers in [lo, hi] adding to T (a
    necessary condition). Returns ``sample`` (divisor n - 1) and
    ``population`` (divisor n) -> the rule under which some (T, Q) fits:
    ``half-up``, ``half-even``, ``either`` or ``none``.
    """
    return _grimmer(_parse(mean), _parse(sd), int(n), int(lo), int(hi))


def debit_rules(mean: str, sd: str, n: int) -> dict[str, str]:
    """DEBIT: is a printed mean and SD of a 0/1 variable k/n and sqrt(k(n-k)/(n(n-1))) (or /n**2) for one k?

    This is :func:`grimmer_rules` on [0, 1], where Q = T = k.
    """
    return grimmer_rules(mean, sd, n, 0, 1)


def _variance_bounds(mean: tuple[int, int], lo: int, hi: int) -> tuple[Fraction, Fraction] | None:
    """Least and largest population variance of a distribution on the integers lo..hi whose mean rounds to *mean*."""
    pm, dm = mean
    m_lo = max(Fraction(2 * pm - 1, 2 * 10**dm), Fraction(lo))
    m_hi = min(Fraction(2 * pm + 1, 2 * 10**dm), Fraction(hi))
    if m_lo > m_hi:
        return None

    def frac_var(m: Fraction) -> Fraction:
        f = m - math.floor(m)
        return f * (1 - f)

    def bhatia_davis(m: Fraction) -> Fraction:
        return (hi - m) * (m - lo)

    v_min = Fraction(0) if math.floor(m_hi) >= math.ceil(m_lo) else min(frac_var(m_lo), frac_var(m_hi))
    centre = Fraction(lo + hi, 2)
    v_max = bhatia_davis(centre) if m_lo <= centre <= m_hi else max(bhatia_davis(m_lo), bhatia_davis(m_hi))
    return v_min, v_max


def _range_ok(mean: tuple[int, int], sd: tuple[int, int], lo: int, hi: int, factor: Fraction) -> bool:
    """The range test with a variance factor between 1 (population SD) and *factor* (sample SD at n/(n-1))."""
    bounds = _variance_bounds(mean, lo, hi)
    if bounds is None:
        return False
    ps, ds = sd
    s_lo, s_hi = Fraction(max(2 * ps - 1, 0), 2 * 10**ds) ** 2, Fraction(2 * ps + 1, 2 * 10**ds) ** 2
    return bounds[0] <= s_hi and bounds[1] * factor >= s_lo


def range_test(mean: str, sd: str, lo: int, hi: int, n: int | None = None) -> bool:
    """Whether some distribution on the integers lo..hi, weighted or not, has the printed mean and SD.

    The SD may be a population SD or a sample SD at *n* (any n of at least
    ``N_RANGE[0]`` when *n* is None).
    """
    return _range_ok(_parse(mean), _parse(sd), int(lo), int(hi), _factor(int(n or 0)))


@dataclass(frozen=True)
class _A3Row:
    key: str
    ids: tuple[str, str]
    printed: str
    lo: int
    hi: int
    mean: tuple[int, int]
    sd: tuple[int, int]
    ns: tuple[tuple[int, str], ...]


def _valid_n(grim: pd.DataFrame, stem: str, codes: dict[str, int | None]) -> tuple[int, str] | None:
    """The base the unweighted Table A2 block was recovered on, less the answers Table A3 treats as missing."""
    prefix = f"a2_u_{stem}_"
    rows = grim[grim["ids"].str.startswith(prefix) & grim["applies"]]
    if rows.empty or rows["closest_n"].iloc[0] is None or pd.isna(rows["closest_n"].iloc[0]):
        return None
    r = rows.iloc[0]
    n0 = int(r["closest_n"])
    items = [i.removeprefix(prefix) for i in r["ids"].split(";")]
    valid = n0 - sum(k for item, k in zip(items, r["counts_at_closest"]) if codes.get(item, 0) is None)
    return valid, f"coded answers among the N = {n0:,} of the Table A2 block"


def _a3_rows(published: pd.DataFrame) -> list[_A3Row]:
    """The Table A3 rows with integer codes, the range of the codes and the Ns to test."""
    look = Lookup(published)
    grim = grim_table(published)
    listwise = sorted({(v, i) for i, v in _printed_ns(published).items() if i.startswith("t4_")}, reverse=True)
    specs: dict[str, tuple[int, int, tuple[int, str] | None]] = {}
    for key, (stem, codes) in A3_CODINGS.items():
        coded = [c for c in codes.values() if c is not None]
        specs[key] = (min(coded), max(coded), _valid_n(grim, stem, codes) if len(grim) else None)
    for key, (lo, hi, base) in A3_EXTRA_ROWS.items():
        ids = BASE_N.get(base, ((), ()))[0]
        known = look.has(*ids) and ids
        specs[key] = (lo, hi, (int(look.v(ids[0])), f"printed N of {base} ({ids[0]})") if known else None)
    out = []
    for key, (lo, hi, valid) in specs.items():
        mid, sid = f"a3_{key}_mean", f"a3_{key}_sd"
        if not look.has(mid, sid):
            continue
        rows = published.set_index("id").loc[[mid, sid]]
        mean, sd = (printed_integer(r["value"], r["value_printed"], r["note"]) for _, r in rows.iterrows())
        ns = [valid] if valid else []
        ns += [(v, f"{i} (listwise)") for v, i in listwise if valid and v < valid[0]]
        ns = list({n: (n, s) for n, s in ns}.values())
        printed = f"mean {look.printed(mid)}, SD {look.printed(sid)}"
        out.append(_A3Row(key, (mid, sid), printed, lo, hi, mean, sd, tuple(ns)))
    return out


def _moment_table(specs: Sequence[_A3Row], binary: bool) -> pd.DataFrame:
    rows = []
    for spec in [x for x in specs if ((x.lo, x.hi) == (0, 1)) == binary]:
        for n, source in spec.ns or ((0, "no N known: only the range test applies"),):
            fits = _grimmer(spec.mean, spec.sd, n, spec.lo, spec.hi) if n else {"sample": "", "population": ""}
            informative = (mean_is_informative(n, spec.mean[1]), _sos_informative(n, spec.sd)) if n else (None, None)
            rows.append(
                {
                    "variable": spec.key,
                    "ids": ";".join(spec.ids),
                    "printed": spec.printed,
                    "codes": f"{spec.lo}-{spec.hi}",
                    "n": n or None,
                    "n_source": source,
                    "applies": False,
                    "reason": A3_READING,
                    "mean_informative": informative[0],
                    "sd_informative": None if binary else informative[1],
                    "sample": fits["sample"],
                    "population": fits["population"],
                    "unweighted": bool({fits["sample"], fits["population"]} - {"none"}) if n else None,
                    "range_test": _range_ok(spec.mean, spec.sd, spec.lo, spec.hi, _factor(n)),
                    "note": _informative_note(n, informative, binary, spec.mean[1]),
                }
            )
    out = pd.DataFrame(rows)
    if len(out):
        out["n"] = out["n"].astype("Int64")
    return out.drop(columns="sd_informative") if binary and len(out) else out


def _factor(n: int) -> Fraction:
    """The largest variance factor allowed at *n*: n/(n-1) (a sample SD); any n >= ``N_RANGE[0]`` if n is 0."""
    n = n or N_RANGE[0]
    return Fraction(n, n - 1)


def _informative_note(n: int, informative: tuple, binary: bool, decimals: int) -> str:
    if not n or informative[0]:
        return ""
    if binary:
        return f"N >= 10^{decimals}: some k/N gives every mean; only the SD of those k can fail"
    if not informative[1]:
        return f"not informative: N >= 10^{decimals} and (N - 1) * SD >= 10^{decimals}"
    return f"N >= 10^{decimals}: only the sum-of-squares test can reject"


def debit_table(published: pd.DataFrame) -> pd.DataFrame:
    """DEBIT for every 0/1 row of Table A3, one row per row and N tested.

    The Ns are the coded answers of the row's Table A2 block at the base
    :func:`grim_table` recovered for it (for the government pilot rows the
    printed N of pilot participants) and every smaller Table 4 N (listwise
    samples). ``sample`` and ``population`` name the rule under which one
    count k gives the printed mean and that SD, ``unweighted`` whether either
    SD does, ``range_test`` whether the pair fits any weights (SD =
    sqrt(m(1 - m)), up to sqrt(N/(N - 1)) more); ``applies`` is False with
    its ``reason`` (Table A3 is weighted); ``mean_informative`` is N < 10**d.
    Columns: ``variable, ids, printed, codes, n, n_source, applies, reason,
    mean_informative, sample, population, unweighted, range_test, note``.
    """
    return _moment_table(_a3_rows(published), binary=True)


def grimmer_table(published: pd.DataFrame) -> pd.DataFrame:
    """GRIMMER for every Table A3 row of integer answers, one row per row and N tested.

    As :func:`debit_table` for the rows whose codes are not 0/1
    (:data:`A3_CODINGS`, and age in whole years at N = 2,209 and the listwise
    Ns), with ``sd_informative``: whether the sum-of-squares test can reject
    at that N ((N - 1) * SD < 10**d).
    """
    return _moment_table(_a3_rows(published), binary=False)


def _moment_findings(published: pd.DataFrame, binary: bool, check: str) -> pd.DataFrame:
    """A finding for each Table A3 row whose printed pair fails the range test at every N tested."""
    specs = _a3_rows(published)
    table = _moment_table(specs, binary)
    rows = []
    for spec in specs:
        grp = table[table["variable"] == spec.key] if len(table) else table
        if grp.empty or grp["range_test"].any():
            continue
        ns = [int(n) for n in grp["n"].dropna()]
        n = min(ns, default=N_RANGE[0])
        v_min, v_max = _variance_bounds(spec.mean, spec.lo, spec.hi) or (math.nan, math.nan)
        unweighted = "; ".join(f"N = {k:,}: {s} (sample), {p} (population)"
                               for k, s, p in zip(ns, grp["sample"], grp["population"]))  # fmt: skip
        dummy = (spec.lo, spec.hi) == (0, 1)
        rows.append(
            finding(
                check, "Table A3", spec.ids, spec.printed,
                f"SD {fmt(math.sqrt(v_min), 4)}-{fmt(math.sqrt(v_max * n / (n - 1)), 4)}",
                f"codes {spec.lo}-{spec.hi}: population variance between {fmt(float(v_min), 4)} (f(1-f)) and "
                f"{fmt(float(v_max), 4)} ((hi-m)(m-lo)) over the printed mean's rounding interval, x N/(N-1) "
                f"for a sample SD at N >= {n:,}" + (f"; unweighted reading {unweighted}" if unweighted else ""),
                "misprint",
                ("For a yes/no variable the standard deviation is fixed by the mean, weighted or not; " if dummy
                 else f"No distribution of answers coded {spec.lo}-{spec.hi}, weighted or not, has this mean and "
                 "SD; ") + "the printed pair is incompatible, so one of the two numbers is misprinted.",
            )
        )  # fmt: skip
    return findings_frame(rows)


def check_debit(published: pd.DataFrame) -> pd.DataFrame:
    """Findings of :func:`debit_table`: 0/1 rows of Table A3 whose SD cannot follow from the mean (``misprint``)."""
    return _moment_findings(published, True, "debit")


def check_grimmer(published: pd.DataFrame) -> pd.DataFrame:
    """Findings of :func:`grimmer_table`: integer rows of Table A3 whose SD no distribution has (``misprint``)."""
    return _moment_findings(published, False, "grimmer")
