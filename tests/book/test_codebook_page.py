"""The codebook appendix: every variable, its question, filter, codes and distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scsrepro.book import codebook_page as page
from scsrepro.data.codebook import load_codebook
from scsrepro.paper import disclosure


@pytest.fixture(scope="module")
def entries(twin):
    df, w = twin
    return page.variable_entries(df, w, suppress=False)


def test_every_variable_but_ids_and_weights_has_an_entry(entries, twin):
    cb = load_codebook()
    expected = [n for n in cb.names if cb[n].type not in page.NOT_TABULATED and n in cb.derive(twin[0].copy())]
    assert [e.name for e in entries] == expected and len(entries) > 40


def test_distributions_count_those_asked_and_weighted_shares_add_to_100(entries, twin):
    df, _ = twin
    derived = load_codebook().derive(df.copy())
    for e in entries:
        asked = int(derived[e.name].notna().sum())
        if e.numeric:
            assert int(e.distribution["respondents"].iloc[0]) == asked, e.name
        else:
            assert int(e.distribution["respondents"].sum()) == asked, e.name
            if asked:
                assert e.distribution["weighted per cent"].sum() == pytest.approx(100), e.name


def test_filters_and_codes_are_in_words(entries):
    approval = next(e for e in entries if e.name == "approval")
    assert approval.asked == "everyone" and "Strongly approve" in approval.codes
    filtered = [e for e in entries if e.asked != "everyone"]
    assert filtered and all("respondents for whom" in e.asked for e in filtered)
    assert any(e.question_zh for e in entries)  # the paper prints some Chinese wording
    text = page.entry_markdown(approval)
    assert text.startswith(f"**{approval.label}** (`approval`)") and "Asked of: everyone." in text


def test_small_counts_are_withheld_on_other_data(twin):
    df, w = twin
    small = df.head(60).copy()
    shown = page.variable_entries(small, np.asarray(w)[:60], suppress=True)
    withheld = [e for e in shown if "suppressed" in e.distribution and e.distribution["suppressed"].any()]
    assert withheld
    for e in withheld:
        rows = e.distribution[e.distribution["suppressed"]]
        assert rows["respondents"].isna().all()
        kept = e.distribution[~e.distribution["suppressed"]]["respondents"].dropna()
        assert (kept >= disclosure.MIN_RESPONDENTS).all() or e.numeric


def test_page_facts_count_the_entries(entries):
    facts = page.page_facts(entries, "twin")
    assert facts["codebook_variables"] == len(entries)
    assert facts["codebook_everyone"] + facts["codebook_filtered"] == len(entries)
    assert isinstance(pd.Series(facts).get("codebook_data"), str)
