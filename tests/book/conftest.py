"""Fixtures shared by the book's tests."""

from __future__ import annotations

import pytest

from scsrepro.data.loading import load_survey
from scsrepro.data.paths import SYNTHETIC
from scsrepro.paper.weights import weights_for


@pytest.fixture(scope="module")
def twin():
    """The committed twin and the weights the book gives it."""
    df = load_survey(SYNTHETIC / "twin.csv")
    return df, weights_for(df)
