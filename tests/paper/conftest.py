"""Fixtures shared by the tests of scsrepro.paper: the committed twin, its model frame, the Table 4 specs."""

from __future__ import annotations

import pytest

from scsrepro.data import paths
from scsrepro.data.loading import load_survey
from scsrepro.paper import fitting, modelspec


@pytest.fixture(scope="module")
def twin():
    """The committed synthetic twin as loaded by the book."""
    return load_survey(paths.SYNTHETIC / "twin.csv")


@pytest.fixture(scope="module")
def frame(twin):
    """The twin with the derived variables and the book's weights (:func:`scsrepro.paper.fitting.model_frame`)."""
    return fitting.model_frame(twin)


@pytest.fixture(scope="module")
def specs():
    """The Table 4 models by id."""
    return {s.id: s for s in modelspec.load_specs()}
