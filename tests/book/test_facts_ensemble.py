"""The ensemble as the book shows it: stability marks, distributions, the facts of the prose."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from scsrepro.book.facts import ensemble as E
from scsrepro.paper.published import load_hypotheses


def _draw(seed: int, committed: bool, stars: float, verdict_h1: str, po: str, failed: bool = False) -> list[dict]:
    rows = [
        {"seed": seed, "family": "draw", "key": "twin_sha256", "value": np.nan, "outcome": f"{seed:064x}"},
        {"seed": seed, "family": "draw", "key": "committed", "value": float(committed), "outcome": ""},
        {"seed": seed, "family": "draw", "key": "failed", "value": float(failed), "outcome": ""},
    ]
    if failed:
        return rows
    return rows + [
        {"seed": seed, "family": "acceptance", "key": "calibrated_pass", "value": 99.0, "outcome": ""},
        {"seed": seed, "family": "acceptance", "key": "t4_stars_agree", "value": stars, "outcome": ""},
        {"seed": seed, "family": "acceptance", "key": "held_out_pass", "value": 20.0, "outcome": ""},
        {"seed": seed, "family": "acceptance", "key": "t4_within_1se", "value": 98.0, "outcome": ""},
        {"seed": seed, "family": "verdict", "key": "H1", "value": 0.01, "outcome": verdict_h1},
        {"seed": seed, "family": "verdict", "key": "H2", "value": 0.5, "outcome": "not significant"},
        {"seed": seed, "family": "po_flag", "key": "Model 1|age", "value": 0.01, "outcome": po},
    ]


@pytest.fixture
def ens():
    """Ten draws: H1 contradicted in 9, the age flag in 8, one failed draw."""
    rows = _draw(100, True, 95.0, "contradicted", "flagged")
    for s in range(1, 10):
        rows += _draw(s, False, 80.0 + s, "contradicted" if s != 3 else "supported", "flagged" if s > 2 else "not flagged")
    rows += _draw(10, False, 0.0, "", "", failed=True)
    text = pd.DataFrame(rows).to_csv(index=False)
    return E.read_ensemble(io.StringIO(text))


def test_stability_counts_the_draws_that_share_the_committed_outcome(ens):
    st = E.stability(ens)
    assert st.loc[("verdict", "H1"), "holds"] == 9 and st.loc[("verdict", "H1"), "draws"] == 10
    assert st.loc[("verdict", "H1"), "stable"] == "yes"  # 9 of 10 = the 90 % rule, inclusive
    assert st.loc[("po_flag", "Model 1|age"), "holds"] == 8
    assert st.loc[("po_flag", "Model 1|age"), "stable"] == "no"
    assert st.loc[("verdict", "H2"), "share"] == 100.0
    assert ("acceptance", "t4_stars_agree") not in st.index  # a distribution, not a claim


def test_a_failed_draw_is_not_a_draw_of_the_stability_rule(ens):
    assert E.stability(ens)["draws"].unique().tolist() == [10]


def test_distributions_place_the_committed_draw(ens):
    d = E.distributions(ens)
    stars = d.loc[("acceptance", "t4_stars_agree")]
    assert stars["committed"] == 95.0 and stars["rank"] == 100.0
    assert stars["median"] == pytest.approx(np.median([95, *[80 + s for s in range(1, 10)]]))
    assert list(d.columns) == ["median", "low", "high", "committed", "rank"]


def test_marks_and_the_marked_table(ens):
    st = E.stability(ens)
    assert E.marks(st, "verdict", ["H1", "H9"]) == ["yes (9/10)", ""]
    assert E.marks(None, "verdict", ["H1"]) is None
    shown = pd.DataFrame({"p": [0.01, 0.5]}, index=["H1", "H2"])
    marked = E.with_marks(shown, st, "verdict", ["H1", "H2"])
    assert marked[E.MARK_COLUMN].tolist() == ["yes (9/10)", "yes (10/10)"]
    assert E.with_marks(shown, None, "verdict", ["H1", "H2"]) is shown
    with pytest.raises(ValueError, match="1 claim keys for a table of 2 rows"):
        E.with_marks(shown, st, "verdict", ["H1"])


def test_facts_of_the_appendix(ens):
    f = E.ensemble_facts(ens, E.stability(ens))
    assert f["ens_draws"] == 10 and f["ens_failed"] == 1
    assert f["ens_stars_min"] == 81.0 and f["ens_stars_committed"] == 95.0 and f["ens_stars_rank"] == 100.0
    assert f["ens_claims"] == 3 and f["ens_stable"] == 2
    assert (f["ens_stable_share"], f["ens_q_low"], f["ens_q_high"]) == ("90", "5", "95")
    assert E.ensemble_facts(None, None) == {}


def test_draws_table_has_a_row_per_draw_and_marks_the_committed_one(ens):
    t = E.draws_table(ens)
    assert t.index.tolist() == [100, *range(1, 11)]
    assert t.loc[100, "committed twin"] == "yes" and (t["committed twin"] == "yes").sum() == 1
    assert t.loc[10, "failed"] == "yes" and np.isnan(t.loc[10, "stars agree (%)"])


def test_survival_facts_name_the_departures_from_the_paper(ens):
    hyp = load_hypotheses()
    f = E.survival_facts(E.stability(ens), hyp)
    paper_h1 = hyp.set_index("hypothesis").loc["H1", "verdict"]
    assert paper_h1 != "supported"  # the paper does not support H1, nor does the committed draw
    assert f["ens_departures_n"] == "0 hypotheses" and f["ens_departures"] == "none"
    assert (f["ens_po_flagged"], f["ens_po_flagged_stable"]) == ("1", "0")
    assert E.survival_facts(None, hyp) == {}


def test_labels_are_for_readers():
    assert E.claim_label("po_flag", "Model 3|male") == "Model 3: Male"
    assert E.claim_label("partial_po", "Model 1|all") == "Model 1: all terms"
    assert E.claim_label("caps", "cap 3.0|t4_star_changes") == "cap 3.0: Table 4 star changes"
    assert E.claim_label("acceptance", "t4_stars_agree") == "Table 4 stars agreeing (%)"
