"""The twin's sample design: quota cells, raking weights, province and age.

Steps 1 and 2 of the recipe in :mod:`scsrepro.twin.covariates`. The 18 age
group x gender x region cell counts are parameters (:func:`calibrate_cells`
documents how they were made); :func:`draw_demographics` expands them into
respondents in random order, computes the capped raking weights that every
later variable is calibrated to (:func:`raking_weights`), and gives each
respondent a province of the region and a numeric age inside the age group
(:func:`draw_age`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from scsrepro.survey import decisions
from scsrepro.survey.weighting import rake
from scsrepro.twin.selection import stream

__all__ = ["Demographics", "draw_demographics", "raking_weights", "calibrate_cells", "draw_age"]


@dataclass(frozen=True)
class Demographics:
    """The quota variables of every respondent, their weights, province and age."""

    age_group: np.ndarray
    gender: np.ndarray
    region: np.ndarray
    weights: np.ndarray
    province: np.ndarray
    age: np.ndarray


def draw_demographics(params: dict, seed: int) -> Demographics:
    """Quota cells -> age group, gender, region; then weights, province and age.

    Draws ``age_group``, ``gender`` and ``region`` from the cell counts
    ``params["cells"]`` (Table A2's unweighted margins, see
    :func:`calibrate_cells`) in the order of the ``"order"`` stream; the
    raking weights from ``params["weighting"]`` (Table A2's weighted
    shares); ``province`` within the region from ``params["provinces"]``
    (``"province"`` stream); and the numeric ``age`` for Table A3's weighted
    mean and SD (``params["age"]``, ``"age"`` stream).
    """
    n = int(params["n"])
    cells = np.array(params["cells"], dtype=int)
    if cells[:, 3].sum() != n:
        raise ValueError(f"cell counts sum to {cells[:, 3].sum()}, not n = {n}")
    demo = np.repeat(cells[:, :3], cells[:, 3], axis=0)
    demo = demo[stream(seed, "order").permutation(n)]
    age_group, gender, region = demo[:, 0], demo[:, 1], demo[:, 2]
    frame = pd.DataFrame({"age_group": age_group, "gender": gender, "region": region})
    w = raking_weights(frame, params).to_numpy()

    # province within region
    rng = stream(seed, "province")
    province = np.zeros(n, dtype=int)
    for reg, shares in params["provinces"].items():
        m = region == int(reg)
        codes = np.array([int(k) for k in shares])
        p = np.array([float(v) for v in shares.values()])
        province[m] = rng.choice(codes, size=int(m.sum()), p=p / p.sum())

    age = draw_age(params["age"], age_group, w, stream(seed, "age"))
    return Demographics(age_group, gender, region, w, province, age)


def raking_weights(df: pd.DataFrame, params: dict) -> pd.Series:
    """Capped raking weights of age group, gender and region (mean 1).

    A private equivalent of ``scsrepro.paper.weights.weights_for``: the margins are the
    weighted Table A2 shares copied into ``params["weighting"]`` (rescaled to
    sum to one), the cap is 2.0 on the mean-1 scale.
    """
    wp = params["weighting"]
    margins = {}
    for var, shares in wp["margins"].items():
        tot = sum(float(v) for v in shares.values())
        margins[var] = {int(k): float(v) / tot for k, v in shares.items()}
    return rake(df[list(margins)], margins, cap=float(wp["cap"]))


def calibrate_cells(params: dict, theta: dict | None = None) -> list[list[int]]:
    """Integer age x gender x region counts for the unweighted margins.

    The joint table is log-linear with all two-way interactions:
    independence times ``exp(scale * (ag[a, g] + ar[a, r] + gr[g, r]))``, the
    first level of each variable being the reference (parameters in
    ``params["cells_theta"]``). Iterative proportional fitting restores the
    unweighted margins and controlled rounding keeps them exact.

    The interactions were found by minimising the Kullback-Leibler
    divergence of the table from independence subject to (a) Kish's design
    effect of the capped raking weights being the paper's implied 1.13 (its
    2.22 % margin of error at n = 2,209; an independent table gives only
    1.07) and (b) correlations of the region code with age group and gender
    of at most about 0.1 and of age group with gender of at most about 0.25
    (Table A4's VIFs of region, age and gender are 1.03, 1.09 and 1.10).
    ``scale`` then fine-tunes the design effect after rounding. Returns rows
    ``[age_group, gender, region, count]``; the result is stored in the
    parameter file, this function documents how it was made.
    """

    th = params["cells_theta"] if theta is None else theta
    scale = float(th.get("scale", 1.0))
    ag = np.zeros((3, 2))
    ar = np.zeros((3, 3))
    gr = np.zeros((2, 3))
    for a, v in th["age_x_male"].items():
        ag[int(a) - 1, 1] = float(v)
    for a, row in th["age_x_region"].items():
        for r, v in row.items():
            ar[int(a) - 1, int(r) - 1] = float(v)
    for r, v in th["male_x_region"].items():
        gr[1, int(r) - 1] = float(v)
    mu = params["margins_unweighted"]
    n = int(params["n"])
    age = np.array([mu["age_group"][k] for k in (1, 2, 3)], dtype=float)
    gen = np.array([mu["gender"][k] for k in (0, 1)], dtype=float)
    reg = np.array([mu["region"][k] for k in (1, 2, 3)], dtype=float)
    pattern = ag[:, :, None] + ar[:, None, :] + gr[None, :, :]
    table = np.einsum("a,g,r->agr", age / n, gen / n, reg / n) * n * np.exp(scale * pattern)
    for _ in range(2000):
        table *= (age / table.sum((1, 2)))[:, None, None]
        table *= (gen / table.sum((0, 2)))[None, :, None]
        table *= (reg / table.sum((0, 1)))[None, None, :]
    # floor and the remainders' order decided at a resolution of 1e-8 (scsrepro.survey.decisions)
    counts = (decisions.quantize(table, 1e-8) // 10**8).astype(int)
    rem = table - counts
    while True:
        da, dg, dr = age - counts.sum((1, 2)), gen - counts.sum((0, 2)), reg - counts.sum((0, 1))
        if not (da.any() or dg.any() or dr.any()):
            break
        best = None
        for a, g, r in itertools.product(range(3), range(2), range(3)):
            if (
                da[a] > 0
                and dg[g] > 0
                and dr[r] > 0
                and (best is None or decisions.less(rem[best], rem[a, g, r], decisions.DISTANCE))
            ):
                best = (a, g, r)
        if best is None:  # pragma: no cover - margins are consistent by construction
            raise RuntimeError("controlled rounding of the cell table failed")
        counts[best] += 1
        rem[best] -= 1
    return [[a + 1, g, r + 1, int(counts[a, g, r])] for a, g, r in itertools.product(range(3), range(2), range(3))]


def draw_age(p: dict, age_group: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Numeric age inside each age group, with weighted mean and SD solved.

    Within group g the age follows ``P(a) ~ exp(theta_g (a - lo) / (hi - lo))``
    on the integers lo..hi. Respondents are ranked by a uniform draw and get
    the matching quantile, so the realised distribution is the intended one.
    The tilts of the two large groups are solved (Nelder-Mead on the
    weighted moments) for Table A3's weighted mean and SD; the oldest group's
    tilt is a fixed parameter.
    """

    groups = {int(k): (int(v[0]), int(v[1])) for k, v in p["groups"].items()}
    u = rng.random(age_group.size)
    ranks = {}
    for g in groups:
        m = age_group == g
        r = np.empty(int(m.sum()))
        r[decisions.order(u[m], decisions.DISTANCE)] = (np.arange(m.sum()) + 0.5) / m.sum()
        ranks[g] = (m, r)

    def ages(thetas: dict) -> np.ndarray:
        a = np.zeros(age_group.size)
        for g, (lo, hi) in groups.items():
            m, r = ranks[g]
            vals = np.arange(lo, hi + 1)
            th = thetas[g]
            pr = np.exp(th * (vals - lo) / (hi - lo))
            cdf = np.cumsum(pr / pr.sum())
            # quantile lookup on quantized values, so last-bit noise in cdf cannot move a boundary
            pos = np.searchsorted(decisions.quantize(cdf, 1e-12), decisions.quantize(r, 1e-12))
            a[m] = vals[np.minimum(pos, vals.size - 1)]
        return a

    total = decisions.exact_sum(w)

    def moments(a):
        # correctly rounded sums: the same on every machine (scsrepro.survey.decisions)
        mu = decisions.exact_sum(w * a) / total
        return mu, np.sqrt(decisions.exact_sum(w * (a - mu) ** 2) / total)

    fixed = float(p["theta_oldest"])
    tm, ts = float(p["target_mean"]), float(p["target_sd"])

    def obj(x):
        mu, sd = moments(ages({1: x[0], 2: x[1], 3: fixed}))
        # Nelder-Mead decides by comparing values: compare them at a fixed
        # resolution, far above rounding noise, so its path is the same everywhere
        return float(decisions.quantize((mu - tm) ** 2 + (sd - ts) ** 2, 1e-12)) * 1e-12

    start = np.array([float(p["theta_start"][0]), float(p["theta_start"][1])])
    res = minimize(obj, start, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-9, "maxiter": 400})
    return ages({1: res.x[0], 2: res.x[1], 3: fixed})
