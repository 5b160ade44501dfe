"""The twin's latent structure (``scsrepro.twin.latent``)."""

from __future__ import annotations

import numpy as np
import pytest

from scsrepro.twin.latent import shift_factors_by_education


def test_factor_shift_by_education_is_checked():
    fac = {"enth": np.zeros(4), "ses": np.zeros(4)}
    edu = np.array([1, 2, 1, 4])
    shift_factors_by_education(fac, edu, {"enth": {1: -1.5}}, {}, {})
    np.testing.assert_allclose(fac["enth"], [-1.5, 0, -1.5, 0])
    with pytest.raises(ValueError, match="unknown factor 'mood'"):
        shift_factors_by_education(fac, edu, {"mood": {1: 1.0}}, {}, {})
    with pytest.raises(ValueError, match="already used by \\['education'\\]"):
        shift_factors_by_education(fac, edu, {"ses": {1: 1.0}}, {"education": None}, {"education": {"ses": 0.9}})
