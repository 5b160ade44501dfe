"""make calibrate's choice of settings: candidates scored over seeds, the best worst draw within the budget."""

from __future__ import annotations

import pandas as pd
import pytest

from scsrepro.twin import calibrate
from scsrepro.twin import covariates as twin
from scsrepro.twin import ensemble
from scsrepro.twin.settings import APPROVAL_DEFAULTS, approval_settings, candidate_settings


def _scores(rows):
    return pd.DataFrame(rows, columns=calibrate.SCORE_COLUMNS)


def test_candidates_override_sections_key_by_key_without_touching_the_defaults():
    out = candidate_settings(APPROVAL_DEFAULTS, {"stars": {"count_weight": 20.0}})
    assert out["stars"]["count_weight"] == 20.0 and out["stars"]["band"] == APPROVAL_DEFAULTS["stars"]["band"]
    assert APPROVAL_DEFAULTS["stars"]["count_weight"] == 5.0


def test_the_choice_is_the_best_worst_draw_and_ignores_held_out_numbers():
    s = _scores(
        [
            ["a", 1, False, 90.0, 99.0, 99.0, 50.0],
            ["a", 2, False, 80.0, 99.0, 99.0, 50.0],
            ["b", 1, False, 85.0, 98.0, 99.0, 0.0],
            ["b", 2, False, 84.0, 98.0, 99.0, 0.0],
        ]
    )
    assert calibrate.choose(s) == "b"  # worst stars 84 beats 80, whatever the held-out numbers
    assert calibrate.choose(s, eligible=["a"]) == "a"
    tie = _scores([["a", 1, False, 80.0, 99.0, 99.0, 0.0], ["b", 1, False, 80.0, 99.0, 99.0, 0.0]])
    assert calibrate.choose(tie) == "a"  # ties go to the first listed
    failing = _scores([["a", 1, True, float("nan"), float("nan"), float("nan"), float("nan")], ["b", 1, False, 70.0, 90.0, 90.0, 0.0]])
    assert calibrate.choose(failing) == "b"


def test_the_budget_keeps_the_defaults_and_excludes_a_bigger_search():
    assert calibrate.within_budget(candidate_settings(APPROVAL_DEFAULTS, {}))
    assert not calibrate.within_budget(candidate_settings(APPROVAL_DEFAULTS, calibrate.CANDIDATES["checks 12000"]))


def test_the_committed_settings_are_the_choice_from_the_committed_scores():
    """approval_params.yml holds the candidate that the recorded scores choose, and the file says which."""
    scores = pd.read_csv(calibrate.SCORES_FILE)
    assert set(scores["candidate"]) == set(calibrate.CANDIDATES)
    assert sorted(scores["seed"].unique()) == sorted(calibrate.CALIBRATION_SEEDS)
    eligible = [n for n, c in calibrate.CANDIDATES.items() if calibrate.within_budget(candidate_settings(APPROVAL_DEFAULTS, c))]
    chosen = calibrate.choose(scores[calibrate.SCORE_COLUMNS], eligible)
    assert scores.loc[scores["chosen"], "candidate"].unique().tolist() == [chosen]
    assert approval_settings(twin.load_params()) == candidate_settings(APPROVAL_DEFAULTS, calibrate.CANDIDATES[chosen])
    header = (twin.PARAMS_FILE.with_name(twin.APPROVAL_PARAMS_NAME)).read_text(encoding="utf-8")
    assert f"the candidate '{chosen}'" in header


@pytest.mark.parametrize("seed", calibrate.CALIBRATION_SEEDS)
def test_calibration_seeds_are_not_ensemble_seeds(seed):
    assert seed not in ensemble.ensemble_seeds(40)
