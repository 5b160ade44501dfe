"""GRIM, DEBIT and GRIMMER (scsrepro.paper.audit.granularity): constructed cases, brute force, the paper."""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from scsrepro.paper import audit
from scsrepro.paper.audit import granularity as gr
from scsrepro.paper.published import REQUIRED_COLUMNS, load_published, parse_printed

# --------------------------------------------------------------------------- builders


def row(id, printed, *, source="Table X", measure="m", item="i", column="", statistic="percent",
        unit="percent", base="", note=""):
    return {"id": id, "source": source, "measure": measure, "item": item, "column": column,
            "statistic": statistic, "value_printed": str(printed), "value": parse_printed(str(printed)),
            "unit": unit, "stars": "", "base": base, "kind": "result", "note": note}


def frame(rows):
    out = pd.DataFrame(rows, columns=list(REQUIRED_COLUMNS))
    out["file"] = "constructed"
    return out


def n_row(id, n, column=""):
    return row(id, f"{n:,}", source="Table 2", column=column, statistic="n", unit="count")


def a2_block(stem, counts, n, base="all respondents", items=None, note=""):
    """Unweighted Table A2 rows of *counts* out of *n* (half-up to two decimals), and the weighted twin."""
    rows = []
    for item, k in zip(items or [f"c{j}" for j in range(len(counts))], counts):
        printed = str((Decimal(100 * k) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for col in ("unweighted", "weighted"):
            rows.append(row(f"a2_{col[0]}_{stem}_{item}", printed, source="Table A2", measure=stem, item=item,
                            column=col, base=base, note=note))
    return rows


def a3_pair(key, mean, sd):
    return [row(f"a3_{key}_mean", mean, source="Table A3", statistic="mean", unit="scalar"),
            row(f"a3_{key}_sd", sd, source="Table A3", statistic="sd", unit="scalar")]


def rounded(x: Fraction, decimals: int, mode) -> str:
    """x rounded by the decimal module (an implementation independent of the one under test)."""
    with localcontext() as ctx:
        ctx.prec = 60
        return str((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-decimals), mode))


def rounded_sqrt(x: Fraction, decimals: int, mode) -> str:
    with localcontext() as ctx:
        ctx.prec = 60
        root = (Decimal(x.numerator) / Decimal(x.denominator)).sqrt()
        return str(root.quantize(Decimal(1).scaleb(-decimals), mode))


# --------------------------------------------------------------------------- exact rounding and GRIM


def test_printed_integer_is_exact_and_keeps_the_printed_decimals():
    assert gr.printed_integer(32.8, "32.80") == (3280, 2)
    assert gr.printed_integer(0.829, ".829") == (829, 3)
    assert gr.printed_integer(1.814, "1,814", "read as 1.814: decimal comma") == (1814, 3)
    assert gr.printed_integer(31.0, "31 %") == (31, 0)
    with pytest.raises(ValueError):
        gr.printed_integer(-1.5, "-1.5")


def test_grim_search_agrees_with_brute_force_rounding():
    rng = np.random.default_rng(20240611)
    for _ in range(12):
        n_true = int(rng.integers(100, 400))
        ks = rng.integers(0, n_true + 1, size=int(rng.integers(1, 4)))
        printed = [rounded(Fraction(100 * int(k), n_true), 2, ROUND_HALF_UP) for k in ks]
        if rng.random() < 0.5:  # nudge one share off by a unit in the last digit
            printed[0] = str(Decimal(printed[0]) + Decimal("0.01"))
        expected = {}
        for n in range(100, 401):
            near = [range(max(int(Decimal(p) * n / 100) - 2, 0), min(int(Decimal(p) * n / 100) + 3, n) + 1)
                    for p in printed]  # the k near p N / 100: any k whose share rounds to p is among them
            ok = {mode: all(any(rounded(Fraction(100 * k, n), 2, mode) == p for k in ks) for p, ks in zip(printed, near))
                  for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN)}
            if any(ok.values()):
                up, even = ok[ROUND_HALF_UP], ok[ROUND_HALF_EVEN]
                expected[n] = "either" if up and even else "half-up" if up else "half-even"
        assert gr.consistent_ns(printed, 100, 400) == expected, printed


def test_half_up_only_and_half_even_only():
    # 1 of 160 is 0.625 % exactly: half up prints 0.63, half to even 0.62
    assert gr.consistent_ns(["0.63"], 160, 160) == {160: "half-up"}
    assert gr.consistent_ns(["0.62"], 160, 160) == {160: "half-even"}
    # 5 of 160 is 3.125 %: 3.13 half up, 3.12 half to even; one rule must serve the whole block
    assert gr.consistent_ns(["0.63", "3.13"], 160, 160) == {160: "half-up"}
    assert gr.consistent_ns(["0.62", "3.12"], 160, 160) == {160: "half-even"}
    assert gr.consistent_ns(["0.63", "3.12"], 160, 160) == {}
    assert gr.consistent_ns(["50.00"], 160, 160) == {160: "either"}


def test_consistent_block_gives_no_finding():
    pub = frame(a2_block("region", [630, 669, 910], 2209) + [n_row("t2_total_n", 2209, "Total")])
    table = gr.grim_table(pub)
    assert table.loc[0, "consistent_with_base"] and table.loc[0, "closest_n"] == 2209
    assert table.loc[0, "rules_at_base"] == "2,209: either" and table.loc[0, "counts_add_up"]
    assert audit.check_grim(pub).empty


def test_block_no_n_fits_is_a_misprint():
    # 0.01 % needs N > 6,666; 0.00 and 0.01 cannot come from the same N below that
    pub = frame(a2_block("x", [0], 200) + [row("a2_u_x_c1", "0.01", source="Table A2", measure="x", item="c1",
                                                column="unweighted", base="all respondents"),
                                            n_row("t2_total_n", 200, "Total")])
    found = audit.check_grim(pub)
    assert found["severity"].tolist() == ["misprint"]
    assert found.loc[0, "recomputed"] == "no N in 100-3,000"


def test_block_fitting_only_a_smaller_n_names_the_recovered_base_and_the_printed_ns():
    # shares of the systems computed on 2,033 respondents, stated base all 2,209 (as in the paper)
    counts = [680, 1309, 160, 166, 162, 334]
    pub = frame(a2_block("scs_use", counts, 2033, note="footnote markers as printed: a")  # select all that apply
                + [n_row("t2_total_n", 2209, "Total"), n_row("t2_sesame_n", 1309, "Sesame"),
                   n_row("t2_tencent_n", 680, "Tencent"), n_row("t2_gov_pilot_n", 160, "Pilot")])
    table = gr.grim_table(pub)
    assert not table.loc[0, "consistent_with_base"]
    assert table.loc[0, "closest_n"] == 2033 and table.loc[0, "counts_at_closest"] == counts
    found = audit.check_grim(pub)
    assert found["severity"].tolist() == ["mixed_base"]
    assert found.loc[0, "recomputed"].startswith("recovered base N = 2,033 (either)")
    assert "680 = t2_tencent_n" in found.loc[0, "arithmetic"] and "1,309 = t2_sesame_n" in found.loc[0, "arithmetic"]


def test_a_single_choice_block_that_does_not_add_up_is_a_misprint_not_another_base():
    # three shares of 2,209 with the first misprinted (62.43 -> 52.43): no base fits, and the sum says why
    pub = frame([r for r in a2_block("age", [1379, 784, 46], 2209) if r["id"] != "a2_u_age_c0"]
                + [row("a2_u_age_c0", "52.43", source="Table A2", measure="age", item="c0", column="unweighted",
                       base="all respondents")]
                + [n_row("t2_total_n", 2209, "Total")])
    found = audit.check_grim(pub)
    assert found["severity"].tolist() == ["misprint"]
    assert "add up to 90" in found.loc[0, "recomputed"]
    multi = pub.assign(note="footnote markers as printed: a")
    assert audit.check_grim(multi)["severity"].tolist() == ["mixed_base"]  # a multi-select block need not add up


def test_recovered_base_equal_to_a_printed_n_is_named():
    pub = frame(a2_block("fairness", [2, 87, 687, 508, 265], 1549, base="")
                + [n_row("t2_total_n", 2209, "Total"), row("t5_n", "1,549", statistic="n", unit="count")])
    found = audit.check_grim(pub)
    assert found.loc[0, "recomputed"].startswith("recovered base N = 1,549 (either) = t5_n")
    assert "t5_n" in found.loc[0, "items"].split(";")
    assert "No base is stated" in found.loc[0, "explanation"]


def test_weighted_and_whole_percent_blocks_do_not_apply():
    t2 = [row(f"t2_total_{j}", f"{v}%", source="Table 2", column="Total") for j, v in enumerate(["0.60", "99.40"])]
    prose = [row("p_x", "39%", source="Section 1"), row("p_y", "61%", source="Section 1")]
    pub = frame(t2 + prose + [n_row("t2_total_n", 2209, "Total")])
    table = gr.grim_table(pub).set_index("source")
    assert not table["applies"].any()
    assert table.loc["Table 2", "reason"] == gr.NOT_APPLICABLE["Table 2"]
    assert table.loc["Table 2", "consistent_with_base"] is False  # 0.60 % is not k/2,209: weighted, as labelled
    assert table.loc["prose", "n_consistent"] == 2901 and not table.loc["prose", "informative"]
    assert audit.check_grim(pub).empty


# --------------------------------------------------------------------------- DEBIT


def test_debit_consistent_and_inconsistent_pairs():
    assert gr.debit_rules(".612", ".487", 2209) == {"sample": "either", "population": "either"}
    assert gr.debit_rules(".612", ".400", 2209) == {"sample": "none", "population": "none"}
    # 5 of 10: population SD .500, sample SD sqrt(10/9)/2 = .527
    assert gr.debit_rules(".500", ".527", 10) == {"sample": "either", "population": "none"}
    assert gr.debit_rules(".500", ".500", 10) == {"sample": "none", "population": "either"}
    # .903 is no k/160 (144/160 = .900, 145/160 = .906): not an unweighted share of the 160 pilot participants
    assert gr.debit_rules(".903", ".297", 160) == {"sample": "none", "population": "none"}


def test_debit_is_exact_against_enumeration():
    n = 12
    real = {(rounded(Fraction(k, n), 3, ROUND_HALF_UP), rounded_sqrt(Fraction(k * (n - k), n * (n - 1)), 3,
                                                                     ROUND_HALF_UP)) for k in range(n + 1)}
    grid = itertools.product(sorted({m for m, _ in real}), sorted({s for _, s in real}))
    for m, s in grid:
        assert (gr.debit_rules(m, s, n)["sample"] in ("half-up", "either")) == ((m, s) in real), (m, s)


def test_debit_finding_only_when_no_weights_can_give_the_pair():
    pilot = [n_row("t2_gov_pilot_n", 160, "Pilot")]
    ok = frame(a3_pair("gov_pilot_advantages", ".903", ".297") + pilot)
    table = gr.debit_table(ok)
    assert table["n"].tolist() == [160] and table.loc[0, "sample"] == "none" and table.loc[0, "range_test"]
    assert "weighted" in table.loc[0, "reason"] and not table.loc[0, "applies"]
    assert audit.check_debit(ok).empty  # not k/160, but Table A3 is weighted: no finding
    bad = frame(a3_pair("gov_pilot_advantages", ".903", ".350") + pilot)
    found = audit.check_debit(bad)
    assert found["check"].tolist() == ["debit"] and found.loc[0, "severity"] == "misprint"
    # sqrt(m(1 - m)) over m in [.9025, .9035]: .2953-.2966, times sqrt(160/159) at most: .2976
    assert found.loc[0, "recomputed"] == "SD 0.2953-0.2976"


# --------------------------------------------------------------------------- GRIMMER


def test_grimmer_accepts_a_real_sample():
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, size=50)
    mean, sd = f"{Decimal(int(x.sum())) / 50:.2f}", f"{x.std(ddof=1):.2f}"
    assert gr.grimmer_rules(mean, sd, 50, 1, 5)["sample"] != "none"


def test_grimmer_rejects_by_parity():
    # ten answers with mean 3.00 (T = 30, even): SD 0.33 needs Q = 91 (odd), SD 0.47 gives Q = 92
    assert gr.grimmer_rules("3.00", "0.33", 10, 1, 5)["sample"] == "none"
    assert gr.grimmer_rules("3.00", "0.47", 10, 1, 5)["sample"] == "either"
    assert gr.range_test("3.00", "0.33", 1, 5, 10)  # any weights could give it: a pure parity failure


def test_grimmer_never_rejects_real_data():
    n, lo, hi = 7, 1, 4
    real = set()
    for combo in itertools.combinations_with_replacement(range(lo, hi + 1), n):
        t, q = sum(combo), sum(v * v for v in combo)
        real.add((rounded(Fraction(t, n), 2, ROUND_HALF_UP), rounded_sqrt(Fraction(n * q - t * t, n * (n - 1)), 2,
                                                                           ROUND_HALF_UP)))
    assert all(gr.grimmer_rules(m, s, n, lo, hi)["sample"] in ("half-up", "either") for m, s in real)


def test_range_test_bounds():
    assert not gr.range_test("2.500", ".100", 1, 5)  # a mean of 2.5 needs SD >= .5 on integers
    assert gr.range_test("2.500", ".500", 1, 5)
    assert not gr.range_test("3.000", "2.100", 1, 5)  # Bhatia-Davis: at most 2
    assert gr.range_test(".612", ".487", 0, 1)


def test_not_informative_cases_are_reported():
    assert not gr.mean_is_informative(2209, 3) and gr.mean_is_informative(999, 3)
    assert gr.mean_is_informative(2209, 2, scale=100) and not gr.mean_is_informative(10_000, 2, scale=100)
    levels = ["strongly_disapprove", "somewhat_disapprove", "neutral", "somewhat_approve", "strongly_approve"]
    pub = frame(a2_block("approval", [11, 18, 425, 697, 1058], 2209, items=levels)
                + a3_pair("approval", "4.269", ".829") + [n_row("t2_total_n", 2209, "Total")])
    table = gr.grimmer_table(pub)
    assert table["n"].tolist() == [2209]
    assert not table.loc[0, "mean_informative"] and not table.loc[0, "sd_informative"]
    assert table.loc[0, "note"].startswith("not informative")
    small = frame(a3_pair("age", "31.21", "10.32") + [n_row("t2_total_n", 99, "Total")])
    t = gr.grimmer_table(small)
    assert t.loc[0, "mean_informative"] and t.loc[0, "note"] == ""


def test_grimmer_finding_for_an_impossible_pair():
    pub = frame(a3_pair("age", "31.210", ".100") + [n_row("t2_total_n", 2209, "Total")])
    found = audit.check_grimmer(pub)
    assert found["check"].tolist() == ["grimmer"] and found.loc[0, "severity"] == "misprint"
    assert audit.check_grimmer(frame(a3_pair("age", "31.210", "10.318"))).empty


# --------------------------------------------------------------------------- the paper


#: GRIM findings on the paper: block -> recovered base (verified by an independent brute force).
PAPER_GRIM = {
    "Social credit use": 2033,
    "Level of education": 2128,
    "Region": 2201,
    "Tencent credit reported score": 682,
    "Transparency of weights": 2196,
    "Receive information on SCS": 2210,
    "Perceived fairness of SCS score": 1549,
}


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return load_published()


def test_paper_granularity_findings(published):
    found = audit.check_grim(published)
    # the age block adds up to 90 (a misprint, E-AGE): its misfit is that misprint, not another base
    age = found[found["printed"].str.startswith("Age:")]
    assert age["severity"].tolist() == ["misprint"] and "add up to 90" in age["recomputed"].iloc[0]
    found = found.drop(index=age.index)
    assert set(found["severity"]) == {"mixed_base"}
    recovered = {p.split(":")[0]: int(r.split(" = ")[1].split(" ")[0].replace(",", ""))
                 for p, r in zip(found["printed"], found["recomputed"])}
    assert recovered == PAPER_GRIM
    assert "(680 = t2_tencent_n; 1,309 = t2_sesame_n; 160 = t2_gov_pilot_n)" in found.iloc[0]["arithmetic"]
    assert audit.check_debit(published).empty
    assert audit.check_grimmer(published).empty


def test_paper_grim_table(published):
    table = gr.grim_table(published).set_index("block")
    a2 = table[table["source"] == "Table A2 (unweighted)"]
    assert a2["applies"].all() and a2["n_consistent"].gt(0).all()
    pilot = a2.loc["Government pilot score compared to other people"]
    assert pilot["consistent_with_base"] and pilot["rules_at_base"] == "160: half-up"
    friends = a2.loc["Score compared with other family members' and friends' scores"]
    assert friends["consistent_ns"] == [1549] and friends["printed_ns"] == ["t5_n"]
    t2 = table[table["source"] == "Table 2"]
    assert not t2["applies"].any() and not t2["consistent_with_base"].any()  # weighted, as the title says
