"""scsrepro.book.facts.descriptives: the errata counts of the Descriptives chapter."""

from __future__ import annotations

import pandas as pd

from scsrepro.book.facts import descriptives as facts
from scsrepro.data import paths


def test_errata_facts_count_the_errata_of_tables_a2_and_a3():
    errata = pd.DataFrame(
        {"id": ["E-1", "E-2", "E-3", "E-4"],
         "published_ids": ["a2_u_age_14_30;a2_w_age_14_30", "p_res_both_users", "t2_n;a3_region_mean", ""]}
    )
    assert facts.errata_facts(errata) == {"errata_n": "4", "errata_here": "2"}
    assert facts.errata_facts(errata, prefixes=("p_res_",)) == {"errata_n": "4", "errata_here": "1"}


def test_errata_facts_on_the_committed_list():
    errata = pd.read_csv(paths.PUBLISHED / "errata.csv", keep_default_na=False)
    out = facts.errata_facts(errata)
    assert int(out["errata_n"]) == len(errata)
    assert 0 < int(out["errata_here"]) <= len(errata)
