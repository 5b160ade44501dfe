"""The twin's latent structure and the state that the questionnaire steps share.

Step 3 of the recipe in :mod:`scsrepro.twin.covariates`. Four common factors
(socio-economic status ``ses``, enthusiasm for SCSs ``enth``, online activity
``online``, readiness to refuse answers ``refuse``) depend on age, gender and
region (``params["factors"]``); each survey item has a latent score that
loads on the factors, the demographics and the urban code
(``params["loadings"]``) plus its own noise. :class:`Draw` holds them together
with the weights and the variables drawn so far; the steps of
:mod:`scsrepro.twin.blocks` and :mod:`scsrepro.twin.user_blocks` read and
extend it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scsrepro.data.codebook import Codebook
from scsrepro.twin.cells import Demographics
from scsrepro.twin.selection import WeightedSample, code_percents, counts_from_percents, peel, standardize, stream

__all__ = ["FACTORS", "DEMOS", "Draw", "draw_latent_structure", "shift_factors_by_education"]

FACTORS = ("ses", "enth", "online", "refuse")
DEMOS = ("age", "male", "region")


@dataclass
class Draw:
    """One twin in the making: parameters, weights, factors and the variables so far.

    ``refuse`` is the refusal factor as first drawn (before any
    ``factor_shifts_by_education``); ``out`` maps a raw variable to its
    float codes (NaN = not asked); ``cache`` holds the latent scores drawn
    so far, in the order they were first needed.
    """

    params: dict
    seed: int
    codebook: Codebook
    sample: WeightedSample
    factors: dict[str, np.ndarray]
    demographics: dict[str, np.ndarray]
    refuse: np.ndarray
    out: dict[str, np.ndarray] = field(default_factory=dict)
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.params["n"])

    @property
    def variables(self) -> dict:
        """The per-question targets, ``params["variables"]``."""
        return self.params["variables"]

    @property
    def listwise(self) -> dict:
        """The counts behind Table 4's sample sizes, ``params["listwise"]``."""
        return self.params["listwise"]

    def latent(self, name: str) -> np.ndarray:
        """The latent score of one item: its own noise stream plus loadings (cached)."""
        if name in self.cache:
            return self.cache[name]
        spec = self.params["loadings"].get(name, {}) or {}
        z = stream(self.seed, f"latent:{name}").standard_normal(self.n) * float(spec.get("noise", 1.0))
        for k, v in spec.items():
            if k in self.factors:
                z = z + float(v) * self.factors[k]
            elif k in self.demographics:
                z = z + float(v) * self.demographics[k]
            elif k == "urban":
                z = z + float(v) * standardize(self.out["urban"])
        self.cache[name] = z
        return z

    def everyone_answers(self, name: str) -> np.ndarray:
        """An item asked of everyone, without non-substantive answers: exact counts, both columns."""
        v = self.variables[name]
        everyone = self.sample.all
        return peel(
            self.sample,
            self.latent(name),
            everyone,
            counts_from_percents(code_percents(v["unweighted"]), self.n),
            code_percents(v["weighted"]),
            everyone,
        )


def draw_latent_structure(params: dict, seed: int, codebook: Codebook, demo: Demographics) -> Draw:
    """The common factors, and a :class:`Draw` holding age, gender and province.

    Each factor of :data:`FACTORS` is a standard normal draw (``"factors"``
    stream) plus ``params["factors"]`` loadings on the standardized age,
    gender (``male``) and region code.
    """
    n = int(params["n"])
    rng = stream(seed, "factors")
    demo_std = {"age": standardize(demo.age), "male": standardize(demo.gender), "region": standardize(demo.region)}
    fac = {}
    for f in FACTORS:
        spec = params["factors"].get(f, {}) or {}
        fac[f] = rng.standard_normal(n) + sum(float(spec.get(d, 0.0)) * demo_std[d] for d in DEMOS)
    draw = Draw(params, seed, codebook, WeightedSample(demo.weights), fac, demo_std, refuse=fac["refuse"])
    draw.out["age"] = demo.age.astype(float)
    draw.out["gender"] = demo.gender.astype(float)
    draw.out["province"] = demo.province.astype(float)
    return draw


def shift_factors_by_education(
    fac: dict, education: np.ndarray, shifts: dict | None, cache: dict, loadings: dict
) -> None:
    """Shift latent factors for respondents at given education levels.

    ``shifts`` maps a factor to ``{education code: shift}`` (in factor SD
    units). Only items drawn after education see the shift, so a factor that
    an already drawn item loads on cannot be shifted (that would make the
    item's meaning depend on the order of the draws).
    """
    for name, by_level in (shifts or {}).items():
        if name not in fac:
            raise ValueError(f"factor_shifts_by_education: unknown factor {name!r}; known: {sorted(fac)}")
        used = [item for item in cache if name in (loadings.get(item) or {})]
        if used:
            raise ValueError(f"factor_shifts_by_education: factor {name!r} is already used by {used}")
        for level, value in by_level.items():
            fac[name] = fac[name] + float(value) * (education == int(level))
