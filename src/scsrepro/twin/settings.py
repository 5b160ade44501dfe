"""The approval generator's settings: the defaults, the committed ones and candidates.

The settings are what ``make calibrate`` does not search but chooses
(counts, the separated group, the weights and budgets of the polishing and
stars phases); the latent coefficients and group shifts are searched for
each seed. ``make data``, the ensemble and ``make calibrate`` read them
from here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

__all__ = ["APPROVAL_DEFAULTS", "approval_settings", "candidate_settings"]

#: Settings of the approval section that the search does not change.
APPROVAL_DEFAULTS = {
    # Table A2 unweighted approval shares as counts of 2,209 respondents
    # (0.50, 0.81, 19.24, 31.55, 47.89 per cent; they add up to 2,209).
    "counts": [11, 18, 425, 697, 1058],
    # Model 5's quasi-separation (Table 4: education about -13): the
    # no-education respondents in its sample all strongly approve.
    "separation": {"model": 5, "variable": "education", "level": 1, "answer": 5},
    # weight of the approval-share targets (Table A2, Table 2) against Table 4
    "share_weight": 1.0,
    # polishing settings (scsrepro.twin.polish.polish)
    "polish": {"max_rounds": 1500, "batch": 40, "patience": 60},
    # significance-stars phase (scsrepro.twin.polish.polish_exact): weights of
    # the coefficient, standard-error and share terms, the cost of one cell
    # whose stars disagree, the band (in published SEs) a passing cell must
    # stay inside, and the search budget (rounds, candidates checked exactly
    # per round, exact checks in all)
    "stars": {
        "coef_weight": 0.1,
        "se_weight": 0.3,
        "share_weight": 0.1,
        "count_weight": 5.0,
        "band": 0.99,
        "rounds": 200,
        "candidates": 24,
        "max_checks": 4000,
    },
}


def approval_settings(params: dict) -> dict:
    """The settings of the committed ``approval_params.yml`` (in *params*), the defaults where it is silent.

    Only the settings are kept; the latent coefficients and group shifts are
    searched for each seed.
    """
    committed = params.get("approval") or {}
    return {k: copy.deepcopy(committed.get(k, v)) for k, v in APPROVAL_DEFAULTS.items()}


def candidate_settings(base: Mapping, overrides: Mapping) -> dict:
    """*base* with the sections of *overrides* updated key by key."""
    out = copy.deepcopy(dict(base))
    for section, values in overrides.items():
        out[section] = {**out.get(section, {}), **values} if isinstance(values, Mapping) else values
    return out
