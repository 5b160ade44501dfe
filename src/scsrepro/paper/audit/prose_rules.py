"""The claims of the paper's text that :mod:`scsrepro.paper.audit.prose` checks.

:data:`PROSE_RULES` maps each numeric claim to the table numbers it should
follow from and the formula (:data:`FUNCTIONS`) that combines them;
:data:`QUALITATIVE_CLAIMS` lists the worded claims about group differences.
Both say *where to look*; the numbers themselves come from ``data/published``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

__all__ = ["DOUBTER_LEVELS", "FUNCTIONS", "PROSE_RULES", "QUALITATIVE_CLAIMS"]

#: The approval levels of Table 2's Total column that make a respondent a
#: doubter (1-3: strongly or somewhat disapprove, neutral).
DOUBTER_LEVELS = ("t2_total_strongly_disapprove", "t2_total_somewhat_disapprove", "t2_total_neutral")


def _f_sum(*x):
    return sum(x)


def _f_ratio(a, b):
    return 100.0 * a / b


def _f_product(a, b):
    return a * b / 100.0


def _f_complement(*x):
    return 100.0 - sum(x)


def _f_overlap(n_a, n_b, n_union):
    """Share of the users of b who also use a: 100 (n_a + n_b - n_union) / n_b."""
    return 100.0 * (n_a + n_b - n_union) / n_b


def _f_rescale(*x):
    """Sum of shares within a subgroup, re-expressed as a share of everyone: sum * n_sub / n_all."""
    *shares, n_sub, n_all = x
    return sum(shares) * n_sub / n_all


def _f_approve_given(d_share, t_share, *levels):
    """Share approving (4 or 5) within a group from Table 3: 100 - d_g * D / t_g (Bayes)."""
    return 100.0 - d_share * sum(levels) / t_share


#: The formulas a rule of :data:`PROSE_RULES` may name, by name.
FUNCTIONS: dict[str, Callable[..., float]] = {
    "sum": _f_sum,
    "ratio": _f_ratio,
    "product": _f_product,
    "complement": _f_complement,
    "overlap": _f_overlap,
    "rescale": _f_rescale,
    "approve_given": _f_approve_given,
}

#: Numeric claims of the text and how to recompute them from the tables.
#:
#: Each rule names the prose ids it checks (``claims``; a pair for the
#: ``between`` comparison), how to compare (``compare``: ``equal`` - the
#: rounding intervals must overlap; ``at_most`` - the claim may not exceed the
#: recomputed value; ``between`` - the table value of the whole group must lie
#: between the claimed values for its parts, since it is their weighted
#: average), the recomputations to try (``candidates``: label, function of
#: :data:`FUNCTIONS`, input ids; the first is the one whose base the text
#: states) and the severity when none fits (``on_miss``). A claim that fits
#: only a later candidate is a ``mixed_base`` finding; one that misses every
#: candidate by no more than half a point is a ``rounding`` finding.
#: ``why`` optionally replaces the generic explanation of a finding.
#: ``t5_n`` stands for the number of Sesame and/or Tencent users: Table 5's
#: N is the only N that reproduces the unweighted Table A2 blocks asked of
#: that group (see the ``grim`` check, :func:`check_grim`, and the Table 5 finding of
#: :func:`check_prose_claims`).
PROSE_RULES: tuple[dict, ...] = tuple(
    [
        {
            "claims": [p],
            "compare": "equal",
            "candidates": [("Table A2 weighted", "sum", [t])],
            "on_miss": "unsupported_claim",
        }
        for p, t in [
            ("p_sample_female", "a2_w_gender_female"),
            ("p_sample_male", "a2_w_gender_male"),
            ("p_sample_age_14_30", "a2_w_age_14_30"),
            ("p_sample_age_31_50", "a2_w_age_31_50"),
            ("p_sample_age_51_plus", "a2_w_age_51_plus"),
            ("p_sample_region_west", "a2_w_region_west"),
            ("p_sample_region_central", "a2_w_region_central"),
            ("p_sample_region_east", "a2_w_region_east"),
            ("p_sample_urban", "a2_w_location_urban"),
            ("p_sample_income_lt_1000", "a2_w_income_lt_1000"),
            ("p_sample_income_1000_4000", "a2_w_income_1000_4000"),
            ("p_sample_income_gt_4000", "a2_w_income_gt_4000"),
            ("p_sample_income_no_answer", "a2_w_income_no_answer"),
            ("p_sample_educ_none", "a2_w_education_none"),
            ("p_sample_educ_low", "a2_w_education_low"),
            ("p_sample_educ_medium", "a2_w_education_medium"),
            ("p_sample_educ_high", "a2_w_education_high"),
            ("p_res_gov_pilot_aware", "a2_w_scs_use_gov_pilot"),
            ("p_concl_gov_pilot", "a2_w_scs_use_gov_pilot"),
            ("p_res_tencent_users", "a2_w_scs_use_tencent_credit"),
            ("p_res_no_scs", "a2_w_scs_use_none"),
            ("p_res_dont_know_scs", "a2_w_scs_use_dont_know"),
            ("p_res_neutral", "a2_w_approval_neutral"),
            ("p_res_strong_approve", "a2_w_approval_strongly_approve"),
            ("p_res_gov_pilot_strong", "t2_gov_pilot_strongly_approve"),
            ("p_res_commercial_strong", "t2_commercial_strongly_approve"),
            ("p_disc_urban_credit", "t5_urban_credit_without_difficulty"),
            ("p_disc_rural_credit", "t5_rural_credit_without_difficulty"),
            ("p_disc_urban_deposit_free", "t5_urban_deposit_free_sharing"),
            ("p_disc_rural_deposit_free", "t5_rural_deposit_free_sharing"),
            ("p_disc_urban_visa", "t5_urban_fast_tracked_visa"),
            ("p_disc_rural_visa", "t5_rural_fast_tracked_visa"),
            ("p_model_ccp", "t4_m3_ccp_member_coef"),
            ("p_model_gov_confidence", "t4_m3_gov_confidence_coef"),
            ("p_model_fairness", "t4_m5_fairness_coef"),
            ("p_model_received_advantages", "t4_m6_received_advantages_coef"),
            ("p_model_accountability", "t4_m7_accountability_coef"),
            ("p_model_abide_regulations", "t4_m7_abide_regulations_coef"),
            ("p_model_quality_of_life", "t4_m7_quality_of_life_coef"),
            ("p_intro_respondents", "t2_total_n"),
            ("p_design_sample_size", "t2_total_n"),
            ("p_fig2_n", "t2_total_n"),
            ("p_fig4_n", "t2_total_n"),
        ]
    ]
    # the rules below differ in shape, so mypy would join their dicts to object
    + cast(
        "list[dict]",
        [
            {
                "claims": ["p_res_approve"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table A2 weighted, levels 4+5",
                        "sum",
                        ["a2_w_approval_somewhat_approve", "a2_w_approval_strongly_approve"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_disapprove"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table A2 weighted, levels 1+2",
                        "sum",
                        ["a2_w_approval_strongly_disapprove", "a2_w_approval_somewhat_disapprove"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_doubters_share"],
                "compare": "equal",
                "candidates": [
                    ("Table 2 total, levels 1-3", "sum", list(DOUBTER_LEVELS)),
                    (
                        "Table A2 unweighted, levels 1-3",
                        "sum",
                        [
                            "a2_u_approval_strongly_disapprove",
                            "a2_u_approval_somewhat_disapprove",
                            "a2_u_approval_neutral",
                        ],
                    ),
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_doubters_ratio"],
                "compare": "equal",
                "candidates": [("Table 2 total, levels 1-3, as a fraction", "product", [list(DOUBTER_LEVELS), "@1"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_sesame_users"],
                "compare": "equal",
                "candidates": [
                    ("Table A2 weighted", "sum", ["a2_w_scs_use_sesame_credit"]),
                    ("Table A2 unweighted", "sum", ["a2_u_scs_use_sesame_credit"]),
                    ("Table 2 N share", "ratio", ["t2_sesame_n", "t2_total_n"]),
                ],
                "on_miss": "unsupported_claim",
                "why": "The text's Sesame share matches neither Table A2 column nor Table 2's group size; the weighted "
                "Table A2 figure, about half the unweighted one, is itself doubtful.",
            },
            {
                "claims": ["p_res_both_users"],
                "compare": "equal",
                "candidates": [
                    (
                        "footnote 10 share x Table A2 weighted Tencent",
                        "product",
                        ["p_fn10_tencent_also_sesame", "a2_w_scs_use_tencent_credit"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_commercial_users"],
                "compare": "at_most",
                "candidates": [
                    (
                        "Table A2 weighted: 100 - none - don't know",
                        "complement",
                        ["a2_w_scs_use_none", "a2_w_scs_use_dont_know"],
                    ),
                    (
                        "Table A2 unweighted: 100 - none - don't know",
                        "complement",
                        ["a2_u_scs_use_none", "a2_u_scs_use_dont_know"],
                    ),
                ],
                "on_miss": "unsupported_claim",
                "why": "Respondents who take part in no SCS or do not know cannot be commercial users (the options "
                "exclude each other), and Table A2 leaves fewer than the text's share for everyone else.",
            },
            {
                "claims": ["p_concl_commercial_users"],
                "compare": "at_most",
                "candidates": [
                    (
                        "Table A2 weighted: 100 - none - don't know",
                        "complement",
                        ["a2_w_scs_use_none", "a2_w_scs_use_dont_know"],
                    )
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_res_gov_pilot_aware"],
                "compare": "at_most",
                "candidates": [
                    (
                        "pilot-locality residents x aware among them",
                        "product",
                        ["p_res_pilot_locality_residents", "p_res_pilot_locality_aware"],
                    )
                ],
                "on_miss": "unsupported_claim",
                "why": "If awareness of a local pilot requires living in a pilot locality, the text's own figures for "
                "those localities allow only about 5 % of all respondents to be aware, fewer than the 7 % stated.",
            },
            {
                "claims": ["p_fn10_tencent_also_sesame"],
                "compare": "equal",
                "candidates": [
                    (
                        "Table 2 Ns: (Sesame + Tencent - Sesame and/or Tencent) / Tencent",
                        "overlap",
                        ["t2_sesame_n", "t2_tencent_n", "t5_n"],
                    )
                ],
                "on_miss": "unsupported_claim",
                "why": "The group sizes of Tables 2 and 5 put the overlap of Tencent and Sesame users above the "
                "footnote's share; a weighted overlap could differ, but no weighted counts are printed.",
            },
            {
                "claims": ["p_disc_score_slightly_higher"],
                "compare": "equal",
                "candidates": [
                    (
                        "slightly + much higher, as a share of all respondents",
                        "rescale",
                        [
                            "a2_w_score_vs_friends_slightly_higher",
                            "a2_w_score_vs_friends_much_higher",
                            "t5_n",
                            "t2_total_n",
                        ],
                    ),
                    ("slightly higher, among Sesame/Tencent users", "sum", ["a2_w_score_vs_friends_slightly_higher"]),
                    (
                        "slightly + much higher, among Sesame/Tencent users",
                        "sum",
                        ["a2_w_score_vs_friends_slightly_higher", "a2_w_score_vs_friends_much_higher"],
                    ),
                ],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_no_understanding", "p_disc_urban_no_understanding"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_transparency_know_nothing"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_any_benefit", "p_disc_urban_any_benefit"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_advantages_yes"])],
                "on_miss": "unsupported_claim",
            },
            {
                "claims": ["p_disc_rural_any_disadvantage", "p_disc_urban_any_disadvantage"],
                "compare": "between",
                "candidates": [("Table A2 weighted", "sum", ["a2_w_disadvantages_yes"])],
                "on_miss": "unsupported_claim",
            },
        ],
    )
    + [
        {
            "claims": [p],
            "compare": "equal",
            "candidates": [
                (
                    "Table 3 via Bayes: 100 - doubters share x 20.00 / total share",
                    "approve_given",
                    [d, t, *DOUBTER_LEVELS],
                )
            ],
            "on_miss": "unsupported_claim",
        }
        for p, d, t in [
            ("p_res_urban_approve", "t3_doubters_location_urban", "t3_total_location_urban"),
            ("p_res_rural_approve", "t3_doubters_location_rural", "t3_total_location_rural"),
            ("p_res_west_approve", "t3_doubters_region_west", "t3_total_region_west"),
            ("p_res_east_approve", "t3_doubters_region_east", "t3_total_region_east"),
            ("p_res_central_approve", "t3_doubters_region_central", "t3_total_region_central"),
        ]
    ]
)

#: Worded (non-numeric) claims about group differences, checked against the
#: share approving (levels 4-5) implied by Table 3 and Table 2's total column.
#: ``order``: ``lowest``/``highest`` - the named group has the extreme share;
#: ``increasing`` - the share rises along the listed groups.
QUALITATIVE_CLAIMS: tuple[dict, ...] = (
    {
        "source": "Section 4.2 para 1",
        "text": "approval is lowest in the group with low education",
        "order": "lowest",
        "claimed": "Low",
        "measure": "education",
        "groups": {"No": "no", "Low": "low", "Medium": "medium", "High": "high"},
        "caveat": "the text may use 'low education' loosely for the two lowest groups",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "approval is highest in the group with the highest education",
        "order": "highest",
        "claimed": "High",
        "measure": "education",
        "groups": {"No": "no", "Low": "low", "Medium": "medium", "High": "high"},
        "caveat": "",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "the 51-65 age group shows the strongest approval",
        "order": "highest",
        "claimed": "51-65",
        "measure": "age",
        "groups": {"14-30": "14_30", "31-50": "31_50", "51-65": "51_65"},
        "caveat": "the text may mean strong approval only (its 56 %), which no table shows by age",
    },
    {
        "source": "Section 4.2 para 1",
        "text": "approval is higher among respondents with a higher income",
        "order": "increasing",
        "claimed": None,
        "measure": "income",
        "groups": {"<1,000": "lt_1000", "1,000-4,000": "1000_4000", ">4,000": "gt_4000"},
        "caveat": "",
    },
)
