"""A statcheck-style errata audit of the paper's printed numbers.

Every number Kostka (2019) prints is transcribed in ``data/published``, and
many of them constrain one another. Each check recomputes one family of
constraints from the transcription alone and returns a tidy frame of
findings (columns :data:`FINDING_COLUMNS`) wherever the printed numbers
disagree by more than their own rounding allows: a printed number stands for
half a unit in its last digit on either side, and a quantity computed from
printed numbers is evaluated over that whole box. A check whose inputs are
absent returns no rows, so the checks can be tested on small constructed
frames. The configuration tables (:data:`A3_CODINGS`,
:data:`A3_ALTERNATIVE_CODINGS`, :data:`BASE_N`, :data:`T3_TO_A2`,
:data:`PROSE_RULES`) say *where to look*; every finding is computed from
``data/published``.

``common``       the findings frame, the rounding rule and the lookup of rows by id
``stars``        check 1: Table 4's significance stars from coefficient and SE
``moments``      check 2: Table A3's means and SDs from the Table A2 distributions
``table_a1``     check 3: the quota arithmetic of Table A1
``counts``       check 5: blocks that add to 100; the printed N of each base (:data:`BASE_N`)
``granularity``  GRIM, DEBIT, GRIMMER: the Ns a percentage block allows; means and SDs of
                 0/1 and integer answers (Table A3)
``prose``        check 6: the text's numbers and worded claims against the tables
``prose_rules``  the claims of the text that ``prose`` checks, and where to look for them
``crosstab``     check 7: Tables 3 and 2 against Table A2 and against each other
``table_a4``     Table A4: each VIF is the reciprocal of its tolerance
``report``       :func:`run_audit`, :func:`summary` and :func:`write_errata`

This package re-exports the public names of those modules that callers use.
"""

from __future__ import annotations

from scsrepro.paper.audit.common import FINDING_COLUMNS, SEVERITIES, half_unit
from scsrepro.paper.audit.counts import BASE_N, check_block_sums
from scsrepro.paper.audit.crosstab import T3_TO_A2, check_cross_table
from scsrepro.paper.audit.granularity import (
    check_debit,
    check_grim,
    check_grimmer,
    consistent_ns,
    debit_rules,
    debit_table,
    grim_table,
    grimmer_rules,
    grimmer_table,
    range_test,
)
from scsrepro.paper.audit.moments import A3_ALTERNATIVE_CODINGS, A3_CODINGS, check_a3_from_a2, compare_a3_with_a2
from scsrepro.paper.audit.prose import check_prose_claims, prose_comparisons
from scsrepro.paper.audit.prose_rules import PROSE_RULES, QUALITATIVE_CLAIMS
from scsrepro.paper.audit.report import CHECKS, run_audit, summary, write_errata
from scsrepro.paper.audit.stars import check_table4_stars, table4_star_intervals
from scsrepro.paper.audit.table_a1 import check_table_a1
from scsrepro.paper.audit.table_a4 import check_table_a4_vif

__all__ = [
    "FINDING_COLUMNS",
    "SEVERITIES",
    "A3_CODINGS",
    "A3_ALTERNATIVE_CODINGS",
    "BASE_N",
    "T3_TO_A2",
    "PROSE_RULES",
    "QUALITATIVE_CLAIMS",
    "half_unit",
    "consistent_ns",
    "table4_star_intervals",
    "check_table4_stars",
    "compare_a3_with_a2",
    "check_a3_from_a2",
    "check_table_a1",
    "grim_table",
    "check_grim",
    "debit_rules",
    "debit_table",
    "check_debit",
    "grimmer_rules",
    "grimmer_table",
    "check_grimmer",
    "range_test",
    "check_block_sums",
    "prose_comparisons",
    "check_prose_claims",
    "check_cross_table",
    "check_table_a4_vif",
    "CHECKS",
    "run_audit",
    "summary",
    "write_errata",
]
