"""The synthetic twin's approval answers, calibrated to Table 4 and Table 2.

Approval is generated last, given every other variable of the twin. It is
the one variable that all seven models of Table 4 share, so it carries most
of the calibration. The procedure has three stages.

1. **A latent draw.** Each respondent gets a latent score
   ``eta = x' beta + e`` with logistic noise ``e`` and ``beta`` taken from the
   published coefficients (socio-demographics from Model 1, each block's
   own variables from the model that introduces them). Respondents are
   ranked by the score and cut into the five answers so that the
   unweighted shares equal Table A2's unweighted column exactly. Every
   answer must occur in every model's sample (Table 4 prints four cut
   points per model), which a draw can miss; :func:`fill_answers` then swaps
   the fewest answers needed.

2. **Polishing against the published estimates.** The realised sample of a
   random draw misses the published coefficients by about one standard
   error per cell, which is exactly the size of the tolerance. So the draw
   is then *polished*: answers are moved up or down by one step where that
   moves the seven refitted models towards Table 4 and the weighted shares
   towards Table A2 and Table 2. The effect of one changed answer on each
   model's estimates is predicted with the model's influence function
   (``H^-1 w_i (s_i(new) - s_i(old))``, the one-step change of a
   pseudo-maximum-likelihood estimate when one observation changes); a
   batch of the most helpful moves is applied, the models are refitted
   exactly, and the batch is kept only if the objective really fell.

3. **Significance stars.** A star depends on the estimate *and* its robust
   standard error, so the last phase adds, for every Table 4 cell, a
   penalty for a ``|z|`` outside the band of the printed stars and
   (optionally) a term for the distance between the reproduced and the
   printed standard error. The standard error's response to one changed
   answer is predicted from the sandwich's middle term (the mover's
   influence ``u_i`` changes from ``u0`` to ``u1``, so each variance
   changes by about ``u1**2 - u0**2``). Because that prediction is rough,
   this phase checks its best candidate moves *exactly* (refitting the
   models that contain the respondent) and applies one at a time; a move
   is allowed only if no estimate or share that was within its tolerance
   leaves it. The coefficient and share terms are down-weighted in this
   phase (``coef_weight``, ``share_weight``) and every cell whose stars
   disagree costs a fixed amount (``count_weight``), so the search may
   trade closeness *inside* a tolerance band for the right stars, never a
   pass for a star.

The objective is a sum of squared standardised distances:
``((estimate - published) / published SE)^2`` over Table 4's coefficient
and cut cells that are calibration targets, plus
``((share - published) / tolerance)^2`` for the approval shares, plus in
phase 3 the stars and standard-error terms. Held-out numbers (Table 3,
Figure 4's group shares) never enter it.

The stages live in their own modules: the seven models and their refits in
:mod:`scsrepro.twin.designs`, the objective in :mod:`scsrepro.twin.objective`,
the latent draw in :mod:`scsrepro.twin.approval_latent` and the polishing in
:mod:`scsrepro.twin.polish`; this module holds the entry points,
:func:`add_approval` (``make data``) and :func:`calibrate_approval`
(``make calibrate``).

All randomness comes from a ``numpy`` Generator seeded by the caller, so the
result is a deterministic function of the covariates, the parameters and the
seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper.weights import weights_for
from scsrepro.twin.approval_latent import (
    assign_by_rank,
    calibrate_latent,
    fill_answers,
    group_mean_targets,
    latent_index,
    pin_answers,
)
from scsrepro.twin.designs import LEVELS, prepare_designs
from scsrepro.twin.objective import Calibration, approval_share_targets, profiles
from scsrepro.twin.polish import polish, polish_exact


def _setup(frame: pd.DataFrame, params: dict, codebook=None):
    """Designs, weights, share targets and the pinned group for *frame*."""

    cb = codebook or load_codebook()
    work = cb.derive(frame.copy())
    if "approval" not in work:
        work["approval"] = pd.array([LEVELS] * len(work), dtype="Int64")
    w = weights_for(work).to_numpy(float)
    designs = prepare_designs(work, pd.Series(w, index=work.index), exclude=params.get("exclude"), codebook=cb)
    shares = approval_share_targets(work, cb)
    pinned = None
    sep = params.get("separation")
    if sep:
        d = next(d for d in designs if d.spec.id == int(sep["model"]))
        mask = np.zeros(len(work), bool)
        mask[d.rows] = work[sep["variable"]].to_numpy()[d.rows] == sep["level"]
        pinned = (mask, int(sep["answer"]))
        d.stata = True
    return work, w, designs, shares, pinned


def _noise(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(np.random.SeedSequence([int(seed), 0xA9])).logistic(size=n)


def add_approval(frame: pd.DataFrame, params: dict, seed: int, log=None) -> pd.DataFrame:
    """Add the calibrated ``approval`` column to the twin's covariates.

    Deterministic given the covariates, *params* (the ``approval`` section
    of ``data/synthetic/twin_params.yml``) and *seed*: the latent index with
    the stored coefficients and group shifts, fixed-seed logistic noise,
    exact answer counts, the pinned separated group, every answer in every
    model's sample (:func:`fill_answers`), then :func:`polish`
    with the stored settings.
    """
    work, w, designs, shares, pinned = _setup(frame, params)
    n = len(work)
    noise = _noise(seed, n)
    shift = np.zeros(n)
    for name, mask, _ in group_mean_targets(shares):
        shift[mask] += float(params.get("group_shifts", {}).get(name, 0.0))
    score = latent_index(n, designs, params["latent"]) + shift + noise
    y = assign_by_rank(score, np.asarray(params["counts"], int))
    if pinned is not None:
        pin_mask, pin_value = pinned
        y = pin_answers(y, pin_mask, pin_value, score=score)
    frozen = pinned[0] if pinned else None
    y = fill_answers(y, [d.rows for d in designs], score, frozen)
    cal = Calibration(
        designs,
        w,
        shares,
        share_weight=float(params.get("share_weight", 1.0)),
        profile=profiles(n, designs, w, shares, frozen),
    )
    settings = params.get("polish", {})
    # phase 1: estimates and shares
    y, _ = polish(cal, y, frozen=frozen, log=log, **settings)
    # phase 2: significance stars, by exactly checked single moves that never
    # take a passing estimate or share outside its tolerance
    stars = params.get("stars")
    if stars:
        cal.use_stars = True
        cal.coef_weight = float(stars.get("coef_weight", 1.0))
        cal.share_weight = float(stars.get("share_weight", cal.share_weight))
        cal.star_count_weight = float(stars.get("count_weight", 0.0))
        cal.band = float(stars.get("band", cal.band))
        cal.se_weight = float(stars.get("se_weight", 0.0))
        y, _ = polish_exact(
            cal,
            y,
            max_rounds=int(stars.get("rounds", 200)),
            candidates=int(stars.get("candidates", 24)),
            max_checks=int(stars.get("max_checks", 4000)),
            frozen=frozen,
            log=log,
        )
    out = frame.copy()
    out["approval"] = pd.array(y, dtype="Int64")
    return out


def calibrate_approval(frame: pd.DataFrame, params: dict, seed: int, iterations: int = 12, log=print) -> dict:
    """Search the latent coefficients and group shifts (``make calibrate``).

    Returns a copy of *params* with ``latent`` and ``group_shifts`` filled
    in by :func:`calibrate_latent` on the twin's covariates.
    """
    work, w, designs, shares, pinned = _setup(frame, params)
    n = len(work)
    coefs, gamma, _ = calibrate_latent(
        designs,
        np.asarray(params["counts"], int),
        _noise(seed, n),
        weights=w,
        group_means=group_mean_targets(shares),
        iterations=iterations,
        fixed=pinned,
        log=log,
    )
    out = dict(params)
    out["latent"] = {k: round(float(v), 6) for k, v in coefs.items()}
    out["group_shifts"] = {k: round(float(v), 6) for k, v in gamma.items()}
    return out
