"""The synthetic twin's approval answers, calibrated to Table 4 and Table 2.

Approval is generated last, given every other variable of the twin. It is
the one variable that all seven models of Table 4 share, so it carries most
of the calibration. The procedure has three stages.

1. **A latent draw.** Each respondent gets a latent score
   ``eta = x' beta + e`` with logistic noise ``e`` and ``beta`` taken from the
   published coefficients (socio-demographics from Model 1, each block's
   own variables from the model that introduces them). Respondents are
   ranked by the score and cut into the five answers so that the
   unweighted shares equal Table A2's unweighted column exactly.

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

All randomness comes from a ``numpy`` Generator seeded by the caller, so the
result is a deterministic function of the covariates, the parameters and the
seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scsrepro.data.codebook import load_codebook
from scsrepro.paper import fitting, modelspec
from scsrepro.paper.published import load_published
from scsrepro.paper.weights import weights_for
from scsrepro.survey import decisions, significance
from scsrepro.survey.newton import newton_maximise, scaled_solve, step_converged
from scsrepro.survey.ordered_logit import (
    cuts_increasing,
    fit_stata_rebased,
    ordered_logit_derivatives,
    ordered_logit_scores,
    params_from_theta,
)
from scsrepro.survey.sandwich import influence_rows, robust_se

LEVELS = 5


# --------------------------------------------------------------------------- model designs


@dataclass
class Design:
    """One Table 4 model prepared for fast refitting on a fixed sample."""

    spec: modelspec.ModelSpec
    rows: np.ndarray  # positions in the twin frame
    X: np.ndarray  # n_m x p, Table 4 term order
    w: np.ndarray  # weights of those rows
    terms: list[str]  # Table 4 keys of the slopes
    target: np.ndarray  # published (slopes, cut1..cut4)
    target_se: np.ndarray
    active: np.ndarray  # which cells enter the objective
    target_stars: list[str] = field(default_factory=list)  # published significance stars
    se: np.ndarray | None = None  # current robust SEs (Stata scale)
    theta: np.ndarray | None = None  # current estimate, Stata scale
    sm_params: np.ndarray | None = None  # current estimate, statsmodels scale
    hinv: np.ndarray | None = None  # inverse of minus the Hessian, Stata scale
    stata: bool = False  # refit with Stata's stopping rule (a separated model)
    groups: list[list[int]] = field(default_factory=list)  # columns of each factor's dummies

    @property
    def cells(self) -> list[str]:
        return [*self.terms, "cut1", "cut2", "cut3", "cut4"]

    def snapshot(self) -> tuple:
        """The current fit (estimate, statsmodels parameters, inverse Hessian, SEs)."""
        return self.theta, self.sm_params, self.hinv, self.se

    def restore(self, state: tuple) -> None:
        """Go back to a fit saved by :meth:`snapshot`."""
        self.theta, self.sm_params, self.hinv, self.se = state


def published_targets(
    spec: modelspec.ModelSpec, terms: list[str], published: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Published estimates, SEs and stars of one model, in (slopes, cuts) order."""
    t4 = published[published["column"].eq(spec.column)]
    est = t4[t4["statistic"].isin(["coef", "cut"])].set_index("item")
    se = t4[t4["statistic"].eq("se")].set_index("item")["value"]
    cells = [*terms, "cut1", "cut2", "cut3", "cut4"]
    stars = est["stars"].reindex(cells).fillna("").astype(str).tolist()
    return est["value"].reindex(cells).to_numpy(float), se.reindex(cells).to_numpy(float), stars


def prepare_designs(
    frame: pd.DataFrame,
    weights: pd.Series,
    specs: list[modelspec.ModelSpec] | None = None,
    exclude: dict[int, list[str]] | None = None,
    codebook=None,
) -> list[Design]:
    """Estimation samples and design matrices of the seven models.

    The samples do not depend on approval (nobody's approval is missing), so
    they are fixed for the whole calibration.

    Parameters
    ----------
    frame : raw twin frame (codes), approval may hold placeholders.
    weights : respondent weights aligned with *frame*.
    exclude : model id -> Table 4 cells left out of the objective.
    """
    cb = codebook or load_codebook()
    specs = specs or modelspec.load_specs()
    published = load_published("table_4")
    work = cb.derive(frame.copy()) if "income_group" not in frame else frame.copy()
    work["approval"] = work["approval"].fillna(LEVELS) if "approval" in work else LEVELS
    work["weight"] = np.asarray(weights, dtype=float)
    exclude = exclude or {}
    designs = []
    for spec in specs:
        est = modelspec.estimation_frame(work, spec, cb)
        rows = work.index.get_indexer(est.index)
        design, names = fitting.design(est, spec)
        X, terms = design.to_numpy(dtype=float), [names[c] for c in design.columns]
        target, se, stars = published_targets(spec, terms, published)
        cells = [*terms, "cut1", "cut2", "cut3", "cut4"]
        active = np.array([c not in exclude.get(spec.id, []) for c in cells])
        groups = [[design.columns.get_loc(c) for c in cols] for cols in design.attrs["factors"].values()]
        designs.append(
            Design(spec, rows, X, est["weight"].to_numpy(float), terms, target, se, active, stars, groups=groups)
        )
    return designs


# --------------------------------------------------------------------------- ordered-logit pieces


def newton_refit(d: Design, y: np.ndarray, tol: float = 1e-10, maxiter: int = 30):
    """Newton steps from the design's last estimate (no step halving).

    Returns the :class:`~scsrepro.survey.newton.NewtonResult`, or None
    if the loop did not converge (singular Hessian, cut points out of order,
    no convergence), in which case the caller fits from scratch.
    """
    assert d.theta is not None, "newton_refit starts from a fitted design"
    k = d.X.shape[1]
    res = newton_maximise(
        d.theta,
        lambda th: _gradient_and_hessian(d.X, y, d.w, th),
        step_converged(tol),
        valid=lambda th: cuts_increasing(th, k),
        maxiter=maxiter,
    )
    return res if res.status == "converged" else None


def _gradient_and_hessian(X: np.ndarray, y: np.ndarray, w: np.ndarray, theta: np.ndarray):
    scores, H = ordered_logit_derivatives(X, y, w, theta)
    return w @ scores, H


def refit(d: Design, y_full: np.ndarray) -> None:
    """Refit one model on the current answers and store the result.

    A model marked ``stata`` (the separated one, the paper's Model 5) is
    fitted from scratch with Stata's stopping rule, as the scoreboard does,
    so it stops where Stata stops instead of drifting towards infinity; it
    is iterated where the separated factor's drift is a single coordinate
    (:func:`~scsrepro.survey.ordered_logit.fit_stata_rebased`), so the
    stopping point keeps its digits on every CPU. The other models have a
    proper maximum, which both rules find to about 1e-6; they are refitted
    with Newton steps from the previous estimate (:func:`newton_refit`,
    much faster than building a model), falling back to a fit from scratch
    if that fails. Everything -- the Newton loop, the inverse Hessian and
    the robust standard errors -- is the engine's
    (:mod:`scsrepro.survey.ordered_logit`).
    """
    y = y_full[d.rows]
    k = d.X.shape[1]
    fast = newton_refit(d, y) if (not d.stata and d.theta is not None) else None
    if fast is not None:
        d.theta = fast.theta
        d.sm_params = params_from_theta(d.theta, k)
        H = fast.hessian
        scores = ordered_logit_scores(d.X, y, d.theta) * d.w[:, None]
        A = None
    else:
        params, _, inner, phi, A = fit_stata_rebased(y - 1, d.X, d.w, d.groups)
        if not np.all(np.isfinite(params)):
            raise np.linalg.LinAlgError(f"model {d.spec.id}: no finite estimate")
        d.sm_params = np.asarray(params)
        d.theta = A @ np.concatenate((phi[:k], inner.cuts_from_params(phi)))
        H = inner.hessian_cut(phi)
        scores = inner.score_obs_cut(phi) * d.w[:, None]
    hinv = scaled_solve(-H, np.eye(H.shape[0]))
    rows = influence_rows(scores, H)
    if A is not None:  # derivatives taken in the re-based coding: map back with A
        hinv, rows = A @ hinv @ A.T, rows @ A.T
    d.hinv = hinv
    d.se = robust_se(rows)


# --------------------------------------------------------------------------- objective


#: The objective is a sum of ``loss(z)`` over standardised distances ``z``:
#: ``z**2`` plus a steep extra penalty beyond ``INNER`` so that the search
#: cares most about bringing cells inside the tolerance band (|z| <= 1).
INNER = 0.85
PENALTY = 20.0


def loss(z: np.ndarray) -> np.ndarray:
    """Squared distance plus a steep penalty outside the inner band."""
    excess = np.maximum(np.abs(z) - INNER, 0.0)
    return z**2 + PENALTY * excess**2


def loss_grad_curv(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of :func:`loss` (the second is piecewise constant)."""
    excess = np.maximum(np.abs(z) - INNER, 0.0)
    grad = 2 * z + 2 * PENALTY * np.sign(z) * excess
    curv = 2 + 2 * PENALTY * (excess > 0)
    return grad, curv


#: |z| interval of each star mark under the package's one significance rule
#: (:func:`scsrepro.survey.significance.star_bands`), with the edges at the
#: four decimals the committed parameters were searched with (2.5758, 1.96,
#: 1.6449): the objective aims a little inside each band (``STAR_MARGIN``),
#: so the fifth decimal never decides a star.
STAR_BANDS = significance.star_bands(digits=4)
#: Weight of the stars penalty and the safety margin inside each band.
STAR_WEIGHT = 20.0
STAR_MARGIN = 0.05


def band_edges(stars: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper |z| edges of each cell's printed stars (see STAR_BANDS)."""
    return np.array([STAR_BANDS[s][0] for s in stars]), np.array([STAR_BANDS[s][1] for s in stars])


def star_penalty(
    absz: np.ndarray, stars: list[str], feasible: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Penalty for |z| outside the band of the published stars, with derivatives.

    Returns (penalty, first derivative, second derivative) with respect to
    |z|, elementwise. Cells where *feasible* is False (the band cannot be
    reached without leaving the coefficient's tolerance) get no penalty.
    """
    lo, hi = band_edges(stars)
    lo, hi = lo + STAR_MARGIN, hi - STAR_MARGIN
    lo = np.where(lo <= STAR_MARGIN, 0.0, lo)  # no lower edge for "no stars"
    below = np.maximum(lo - absz, 0.0)
    above = np.maximum(absz - hi, 0.0)
    if feasible is not None:
        below = np.where(feasible, below, 0.0)
        above = np.where(feasible, above, 0.0)
    pen = STAR_WEIGHT * (below**2 + above**2)
    grad = STAR_WEIGHT * (-2 * below + 2 * above)
    curv = STAR_WEIGHT * 2 * ((below > 0) | (above > 0))
    return pen, grad, curv


#: Scale of the standard-error term: ``(log(se / published se) / SE_SCALE)**2``.
SE_SCALE = 0.25


def se_penalty(se: np.ndarray, target_se: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative (w.r.t. the SE) of the standard-error term.

    The term is ``weight * (log(se / target_se) / SE_SCALE)**2`` per cell: the
    reproduced robust SE should be as large as the published one, because a
    significance star depends on both the estimate and its SE.
    """
    r = np.log(se / target_se)
    k = weight / SE_SCALE**2
    grad = 2 * k * r / se
    curv = 2 * k * (1 - r) / se**2
    return grad, np.maximum(curv, 0.0)


def se_part(se: np.ndarray, target_se: np.ndarray, weight: float) -> np.ndarray:
    """The standard-error term per cell (see :func:`se_penalty`)."""
    return weight * (np.log(se / target_se) / SE_SCALE) ** 2


def stars_agree(d: Design) -> np.ndarray:
    """Whether each cell's reproduced |z| lies in the band of its printed stars."""
    assert d.theta is not None and d.se is not None, "stars_agree needs a fitted design (see refit)"
    return in_star_band(np.abs(d.theta) / d.se, d.target_stars)


def in_star_band(absz: np.ndarray, stars: list[str]) -> np.ndarray:
    """Whether each |z| lies in the band of its printed stars (decided at
    :data:`scsrepro.survey.decisions.DISTANCE`, so last-bit noise cannot flip it)."""
    lo, hi = band_edges(stars)
    res = decisions.DISTANCE
    return ~decisions.less(absz, lo, res) & decisions.less(absz, hi, res)


def stars_feasible(d: Design) -> np.ndarray:
    """Cells whose published star band is reachable inside the tolerance.

    With the current SE held fixed, the band of |theta| values that give the
    published stars must overlap the coefficient's inner tolerance band.
    """
    lo, hi = band_edges(d.target_stars)
    lo, hi = lo * d.se, hi * d.se
    a = np.abs(d.target) - INNER * d.target_se
    b = np.abs(d.target) + INNER * d.target_se
    return decisions.less(np.maximum(lo, np.maximum(a, 0)), np.minimum(hi, b), decisions.DISTANCE)


@dataclass
class ShareTarget:
    """A published share of an approval level within a group."""

    name: str
    mask: np.ndarray  # which respondents form the group
    level: int  # approval answer 1..5
    value: float  # published percentage
    tol: float  # tolerance in percentage points
    weighted: bool


@dataclass
class Calibration:
    """Everything the polishing loops need.

    ``share_weight`` and ``coef_weight`` scale the share and coefficient
    terms of the objective; with ``use_stars`` it also holds the stars
    penalty, ``se_weight`` times the standard-error term and
    ``star_count_weight`` per cell whose stars disagree. ``band`` is how many
    published SEs a Table 4 cell may be off and still count as passing in
    :meth:`passing` (the scoreboard's tolerance is one).
    """

    designs: list[Design]
    weights: np.ndarray
    shares: list[ShareTarget] = field(default_factory=list)
    share_weight: float = 1.0
    use_stars: bool = False
    se_weight: float = 0.0
    coef_weight: float = 1.0
    star_count_weight: float = 0.0
    band: float = 0.95
    #: respondents that are identical to the objective (see :func:`profiles`)
    profile: np.ndarray | None = None

    def __post_init__(self) -> None:
        # weights as exact integers, so weighted shares add up the same way on
        # every machine (scsrepro.survey.decisions.fixed_point_sum)
        self._fixed = decisions.to_fixed_point(self.weights)
        self._units = np.ones(len(self.weights), dtype=np.int64)
        self._den = [decisions.fixed_point_sum(self._fixed if s.weighted else self._units, s.mask) for s in self.shares]

    def passing(self, y: np.ndarray, band: float | None = None) -> np.ndarray:
        """Which active Table 4 cells (within *band* SEs, default ``self.band``) and shares (within tolerance) pass."""
        band = self.band if band is None else band
        cells = [
            decisions.within((d.theta - d.target) / d.target_se, band, decisions.DISTANCE)[d.active]
            for d in self.designs
        ]
        v = self.share_values(y) if self.shares else np.array([])
        shares = np.array(
            [decisions.within(v[j] - s.value, s.tol, decisions.SHARE) for j, s in enumerate(self.shares)], dtype=bool
        )
        return np.concatenate([*cells, shares])

    def coef_part(self) -> float:
        # every term is added with a correctly rounded sum (scsrepro.survey.decisions)
        terms: list[np.ndarray] = []
        for d in self.designs:
            assert d.theta is not None, "coef_part needs fitted designs (see refit)"
            r = (d.theta - d.target) / d.target_se
            terms.append(self.coef_weight * loss(r[d.active]))
            if self.use_stars and d.se is not None and d.target_stars:
                pen, _, _ = star_penalty(np.abs(d.theta) / d.se, d.target_stars, stars_feasible(d))
                terms.append(pen[d.active])
                terms.append(se_part(d.se, d.target_se, self.se_weight)[d.active])
                terms.append(np.array([self.star_count_weight * int(np.sum(~stars_agree(d)[d.active]))]))
        return decisions.exact_sum(np.concatenate(terms)) if terms else 0.0

    def share_values(self, y: np.ndarray) -> np.ndarray:
        """Each target's share in per cent, from exact fixed-point sums."""
        out = np.empty(len(self.shares))
        for j, s in enumerate(self.shares):
            base = self._fixed if s.weighted else self._units
            num = decisions.fixed_point_sum(base, s.mask & (y == s.level))
            out[j] = 100 * decisions.ratio(num, self._den[j])
        return out

    def share_part(self, y: np.ndarray) -> float:
        if not self.shares:
            return 0.0
        v = self.share_values(y)
        r = np.array([(v[j] - s.value) / s.tol for j, s in enumerate(self.shares)])
        return self.share_weight * decisions.exact_sum(loss(r))

    def objective(self, y: np.ndarray) -> float:
        return decisions.exact_sum([self.coef_part(), self.share_part(y)])

    def tie(self, values: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Give respondents who are identical to the objective the same value.

        Two respondents with the same profile (:func:`profiles`) and the same
        current answer have the same predicted change in exact arithmetic,
        but the computed values can differ in their last bits depending on
        where each row falls in a BLAS kernel. Every member of such a group
        gets the value of its first member, so ranking falls back on the
        row order, the same on every machine.
        """
        if self.profile is None:
            return values
        _, first, inverse = np.unique(self.alike(y), return_index=True, return_inverse=True)
        return values[first[inverse]]

    def alike(self, y: np.ndarray) -> np.ndarray:
        """One integer per respondent, equal for respondents alike to the objective
        (same profile and same current answer); requires ``profile``."""
        assert self.profile is not None
        return self.profile.astype(np.int64) * (LEVELS + 1) + np.asarray(y, dtype=np.int64)


def profiles(
    n: int, designs: list[Design], weights: np.ndarray, shares: list[ShareTarget], frozen: np.ndarray | None = None
) -> np.ndarray:
    """An integer per respondent; equal for respondents the objective cannot tell apart.

    Two respondents are alike when they are in the same models with the same
    covariate rows, carry the same weight (compared at 1e-9), belong to the
    same share groups and are both pinned or both free. With equal current
    answers, moving either one changes the objective by the same amount.
    """
    cols = [decisions.quantize(weights, 1e-9)[:, None]]
    for d in designs:
        block = np.zeros((n, d.X.shape[1] + 1), dtype=np.int64)
        block[d.rows, :-1] = decisions.quantize(d.X, 1e-9)
        block[d.rows, -1] = 1
        cols.append(block)
    cols += [s.mask.astype(np.int64)[:, None] for s in shares]
    cols.append((np.zeros(n, bool) if frozen is None else np.asarray(frozen, bool)).astype(np.int64)[:, None])
    _, inverse = np.unique(np.hstack(cols), axis=0, return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).ravel()


def approval_share_targets(frame: pd.DataFrame, codebook=None) -> list[ShareTarget]:
    """Approval shares the twin is calibrated to: Table A2 (both columns) and Table 2.

    Group definitions follow the codebook's derived Table 2 groups.
    """
    cb = codebook or load_codebook()
    work = cb.derive(frame.copy()) if "commercial_user" not in frame else frame
    a2 = load_published("table_a2")
    a2 = a2[a2["measure"].eq("Approval of social credit systems")]
    order = [
        "Strongly disapprove",
        "Somewhat disapprove",
        "Neither disapprove nor approve",
        "Somewhat approve",
        "Strongly approve",
    ]
    everyone = np.ones(len(work), bool)
    targets = []
    for col, weighted in (("unweighted", False), ("weighted", True)):
        block = a2[a2["column"].eq(col)].set_index("item")["value"]
        for level, item in enumerate(order, start=1):
            targets.append(ShareTarget(f"A2 {col} {item}", everyone, level, float(block[item]), 0.5, weighted))
    t2 = load_published("table_2")
    groups = {
        "Total": everyone,
        "Users of Sesame Credit": work["use_sesame"].eq(1).to_numpy(),
        "Users of Tencent Credit": work["use_tencent"].eq(1).to_numpy(),
        "Users of commercial SCSs": work["commercial_user"].eq(1).to_numpy(),
        "Users of commercial SCSs without using governmental pilots": work["commercial_only"].eq(1).to_numpy(),
        "Citizens part of governmental pilot": work["use_gov_pilot"].eq(1).to_numpy(),
        "Citizens part of governmental pilot without using commercial pilots": work["gov_pilot_only"].eq(1).to_numpy(),
    }
    shares = t2[t2["statistic"].eq("percent")]
    for _, row in shares.iterrows():
        level = int(str(row["item"]).split("=")[0].strip())
        mask = np.asarray(groups[row["column"]], dtype=bool)
        if mask.sum() == 0:
            continue
        targets.append(ShareTarget(f"Table 2 {row['column']} {level}", mask, level, float(row["value"]), 1.0, True))
    return targets


# --------------------------------------------------------------------------- stage 1: latent draw


def latent_index(n: int, designs: list[Design], coefs: dict[str, float]) -> np.ndarray:
    """Latent approval index: sum over Table 4 terms of coefficient x centred value.

    Each term's column is taken from the first model that contains it;
    respondents outside that model's sample (value missing or not asked)
    contribute zero for the term.
    """
    eta = np.zeros(n)
    seen: set[str] = set()
    for d in designs:
        for j, term in enumerate(d.terms):
            if term in seen or term not in coefs:
                continue
            seen.add(term)
            col = d.X[:, j]
            x = np.zeros(n)
            x[d.rows] = col - col.mean()
            eta += coefs[term] * x
    return eta


def assign_by_rank(score: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cut *score* into answers 1..5 with exactly ``counts`` respondents each."""
    order = decisions.order(score, decisions.DISTANCE)
    y = np.empty(len(score), dtype=int)
    start = 0
    for level, k in enumerate(counts, start=1):
        y[order[start : start + k]] = level
        start += k
    return y


def initial_coefficients(designs: list[Design]) -> dict[str, float]:
    """Start values: each term's published coefficient in the first model that has it.

    Coefficients the published fits could not pin down (|b| > 5, the
    separated education terms of Model 5) start at zero.
    """
    coefs: dict[str, float] = {}
    for d in designs:
        for j, term in enumerate(d.terms):
            if term not in coefs and d.active[j]:
                coefs[term] = float(d.target[j]) if abs(d.target[j]) < 5 else 0.0
    return coefs


def group_mean_targets(shares: list[ShareTarget]) -> list[tuple[str, np.ndarray, float]]:
    """Weighted mean answer of each Table 2 group implied by its published shares.

    Returns ``(group name, member mask, target mean)`` for every group but
    the total.
    """
    groups: dict[str, dict] = {}
    for s in shares:
        if not s.name.startswith("Table 2 ") or s.name.startswith("Table 2 Total"):
            continue
        g = groups.setdefault(s.name.rsplit(" ", 1)[0], {"mask": s.mask, "p": {}})
        g["p"][s.level] = s.value
    out = []
    for name, g in groups.items():
        total = sum(g["p"].values())
        out.append((name.removeprefix("Table 2 "), g["mask"], sum(k * v for k, v in g["p"].items()) / total))
    return out


def calibrate_latent(
    designs: list[Design],
    counts: np.ndarray,
    noise: np.ndarray,
    weights: np.ndarray | None = None,
    group_means: list[tuple[str, np.ndarray, float]] | None = None,
    iterations: int = 10,
    step: float = 1.0,
    fixed: tuple[np.ndarray, int] | None = None,
    log=None,
) -> tuple[dict[str, float], dict[str, float], np.ndarray | None]:
    """Tune the latent index so that the refitted models land near Table 4.

    With the noise held fixed (common random numbers), each iteration draws
    the answers, refits the seven models and moves every term's latent
    coefficient by the average gap between the published and the refitted
    estimate over the models that contain the term, and every Table 2
    group's shift by the gap between its published and its current mean
    answer. Returns the coefficients, the group shifts and the answers of
    the best iteration (None if no iteration kept every answer level in
    every model's sample). ``fixed`` = (mask, answer) pins some answers (see
    :func:`pin_answers`).
    """
    n = len(noise)
    coefs = initial_coefficients(designs)
    group_means = group_means or []
    gamma = np.zeros(len(group_means))
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    best: tuple[float, dict[str, float], dict[str, float], np.ndarray | None] = (np.inf, dict(coefs), {}, None)
    for it in range(iterations):
        shift = np.zeros(n)
        for g, (_, mask, _) in enumerate(group_means):
            shift[mask] += gamma[g]
        y = assign_by_rank(latent_index(n, designs, coefs) + shift + noise, counts)
        if fixed is not None:
            y = pin_answers(y, *fixed, score=latent_index(n, designs, coefs) + shift + noise)
        if any(len(np.unique(y[d.rows])) < LEVELS for d in designs):
            gamma *= 0.5  # an answer level vanished from a model's sample: step back
            continue
        for g, (_, mask, target) in enumerate(group_means):
            current = np.sum(w[mask] * y[mask]) / np.sum(w[mask])
            gamma[g] += 2.0 * step * (target - current)
        gaps: dict[str, list[float]] = {}
        parts = []
        for d in designs:
            refit(d, y)
            assert d.theta is not None  # set by refit
            z = (d.theta - d.target) / d.target_se
            parts.append(z[d.active] ** 2)
            for j, term in enumerate(d.terms):
                if d.active[j]:
                    gaps.setdefault(term, []).append(d.target[j] - d.theta[j])
        score = decisions.exact_sum(np.concatenate(parts))
        if decisions.less(score, best[0], decisions.OBJECTIVE):
            best = (score, dict(coefs), {name: float(gamma[g]) for g, (name, _, _) in enumerate(group_means)}, y)
        if log:
            log(f"latent iteration {it}: sum of squared z {score:.1f}")
        for term, gap in gaps.items():
            if term in coefs:
                coefs[term] += step * float(np.mean(gap))
    return best[1], best[2], best[3]


def pin_answers(y: np.ndarray, mask: np.ndarray, value: int, score: np.ndarray) -> np.ndarray:
    """Give the respondents in *mask* the answer *value*, keeping the counts.

    Each pinned respondent who holds another answer swaps it with a
    non-pinned holder of *value* (those with the lowest latent score
    first), so the number of respondents per answer does not change.
    """
    y = y.copy()
    need = np.flatnonzero(mask & (y != value))
    donors = np.flatnonzero(~mask & (y == value))
    donors = donors[decisions.order(score[donors], decisions.DISTANCE)][: len(need)]
    if len(donors) < len(need):
        raise ValueError(f"cannot pin {len(need)} answers to {value}: only {len(donors)} donors")
    y[donors] = y[need]
    y[need] = value
    return y


# --------------------------------------------------------------------------- stage 2: polishing


def _predicted_changes(cal: Calibration, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted objective change of moving each answer down or up one step.

    Returns two arrays (down, up) of length n with the linearised change of
    the coefficient part plus the exact change of the share part; moves that
    leave 1..5 get +inf.
    """
    n = len(y)
    delta = np.zeros((2, n))
    for d in cal.designs:
        assert d.theta is not None and d.hinv is not None, "_predicted_changes needs fitted designs (see refit)"
        yy = y[d.rows]
        s0 = ordered_logit_scores(d.X, yy, d.theta)
        grad, curv = loss_grad_curv((d.theta - d.target) / d.target_se)
        grad = np.where(d.active, cal.coef_weight * grad, 0.0)
        curv = np.where(d.active, cal.coef_weight * curv, 0.0)
        inv_se = np.where(d.active, 1 / d.target_se, 0.0)
        stars = cal.use_stars and d.se is not None and bool(d.target_stars)
        if stars:
            # |z| = |theta| / se; both move. The SE's change is predicted
            # from the sandwich's middle term: the moved observation's
            # influence u_i = H^-1 w_i s_i changes from u0 to u1, so each
            # variance changes by c (u1**2 - u0**2) (theta and H held fixed)
            assert d.se is not None  # implied by `stars`
            se = np.maximum(d.se, 1e-12)
            _, sg, sc = star_penalty(np.abs(d.theta) / se, d.target_stars, stars_feasible(d))
            sg, sc = np.where(d.active, sg, 0.0), np.where(d.active, sc, 0.0)
            eg, ec = se_penalty(se, d.target_se, cal.se_weight)
            eg, ec = np.where(d.active, eg, 0.0), np.where(d.active, ec, 0.0)
            c = len(yy) / (len(yy) - 1)
            u0 = (s0 * d.w[:, None]) @ d.hinv.T
            miss0 = ~stars_agree(d)
        for side, step in enumerate((-1, 1)):
            y1 = np.clip(yy + step, 1, LEVELS)
            s1 = ordered_logit_scores(d.X, y1, d.theta)
            dtheta = ((s1 - s0) * d.w[:, None]) @ d.hinv.T
            z = dtheta * inv_se
            delta[side, d.rows] += z @ grad + 0.5 * (z**2) @ curv
            if stars:
                u1 = u0 + dtheta
                dse = c * (u1**2 - u0**2) / (2 * se)
                dz = np.sign(d.theta) * dtheta / se - np.abs(d.theta) * dse / se**2
                delta[side, d.rows] += dz @ sg + 0.5 * (dz**2) @ sc
                delta[side, d.rows] += dse @ eg + 0.5 * (dse**2) @ ec
                if cal.star_count_weight:
                    z1 = np.abs(d.theta + dtheta) / np.maximum(se + dse, 1e-12)
                    miss1 = ~in_star_band(z1, d.target_stars)
                    change = miss1[:, d.active].sum(1) - miss0[d.active].sum()
                    delta[side, d.rows] += cal.star_count_weight * change
    if cal.shares:
        base = cal.share_values(y)
        grad, curv = loss_grad_curv(np.array([(base[j] - s.value) / s.tol for j, s in enumerate(cal.shares)]))
        for side, step in enumerate((-1, 1)):
            change = np.zeros(n)
            for j, s in enumerate(cal.shares):
                w = cal.weights if s.weighted else np.ones(n)
                total = np.sum(w[s.mask])
                # contribution of respondent i to this share before and after the move
                before = (y == s.level).astype(float)
                after = (np.clip(y + step, 1, LEVELS) == s.level).astype(float)
                dv = 100 * w * (after - before) / total * s.mask
                dz = dv / s.tol
                change += cal.share_weight * (grad[j] * dz + 0.5 * curv[j] * dz**2)
            delta[side] += change
    delta[0, y == 1] = np.inf
    delta[1, y == LEVELS] = np.inf
    return cal.tie(delta[0], y), cal.tie(delta[1], y)


def _best_moves(down: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The better of the two moves per respondent and its direction (down on ties)."""
    go_down = decisions.less_equal(down, up, decisions.OBJECTIVE)
    return np.where(go_down, down, up), np.where(go_down, -1, 1)


def polish(
    cal: Calibration,
    y: np.ndarray,
    max_rounds: int = 400,
    batch: int = 40,
    patience: int = 60,
    frozen: np.ndarray | None = None,
    log=None,
) -> tuple[np.ndarray, list[float]]:
    """Greedy batched moves of single answers that lower the objective.

    Each round predicts every possible one-step move, applies the *batch*
    most helpful ones (at most one per respondent), refits all models and
    keeps the batch only if the exact objective fell. A rejected batch is
    halved; a rejected single move is set aside (tabu) until the next
    accepted move, so the search tries the next candidate instead of
    stopping. The search ends after *patience* rejections in a row, when no
    move is predicted to help, or after *max_rounds* rounds.
    """
    y = y.copy()
    for d in cal.designs:
        refit(d, y)
    current = cal.objective(y)
    history = [current]
    size = batch
    tabu: set[int] = set()
    rejected = 0
    for round_ in range(max_rounds):
        down, up = _predicted_changes(cal, y)
        best, direction = _best_moves(down, up)
        if frozen is not None:
            best[frozen] = np.inf
        if tabu:
            best[list(tabu)] = np.inf
        candidates = decisions.order(best, decisions.OBJECTIVE)
        candidates = candidates[decisions.less(best[candidates], 0.0, decisions.OBJECTIVE)][:size]
        if len(candidates) == 0:
            break
        trial = y.copy()
        trial[candidates] += direction[candidates]
        saved = [d.snapshot() for d in cal.designs]
        try:
            for d in cal.designs:
                refit(d, trial)
            value = cal.objective(trial)
        except (np.linalg.LinAlgError, ValueError):
            value = np.inf  # e.g. an answer level vanished from a model's sample
        if decisions.less(value, current, decisions.OBJECTIVE):
            y, current = trial, value
            history.append(current)
            size = min(batch, size * 2)
            tabu.clear()
            rejected = 0
        else:
            for d, state in zip(cal.designs, saved):
                d.restore(state)
            rejected += 1
            if len(candidates) == 1:
                tabu.add(int(candidates[0]))
            size = max(1, size // 2)
            if rejected >= patience:
                break
        if log and round_ % 50 == 0:
            log(f"round {round_}: objective {current:.2f}, batch {size}")
    return y, history


def polish_exact(
    cal: Calibration,
    y: np.ndarray,
    max_rounds: int = 200,
    candidates: int = 24,
    max_widen: int = 16,
    max_checks: int = 4000,
    frozen: np.ndarray | None = None,
    log=None,
) -> tuple[np.ndarray, list[float]]:
    """Single moves checked exactly, for the stars phase.

    A star depends on the estimate *and* its standard error, and the SE's
    response to one changed answer is predicted much less well than the
    estimate's. So each round takes the *candidates* moves with the best
    predicted change (:func:`_predicted_changes`), refits the models that
    contain each mover exactly, and applies the single move that lowers the
    objective most, provided no Table 4 cell or approval share that was
    within its tolerance leaves it. When none of them helps, the next
    ``3 * candidates``, then ``12 * candidates`` ... up to
    ``max_widen * candidates`` are checked. The search stops when no
    checked move helps, after *max_rounds* rounds or after *max_checks*
    exact checks in all (a fixed budget, so the result does not depend on
    the machine's speed).
    """
    y = y.copy()
    n = len(y)
    for d in cal.designs:
        refit(d, y)
    member = np.zeros((len(cal.designs), n), dtype=bool)
    for row, d in enumerate(cal.designs):
        member[row, d.rows] = True
    current = cal.objective(y)
    passing = cal.passing(y)
    history = [current]
    checked, widen, checks = 0, 1, 0
    for round_ in range(max_rounds):
        if checks >= max_checks:
            break
        down, up = _predicted_changes(cal, y)
        best, direction = _best_moves(down, up)
        if frozen is not None:
            best[frozen] = np.inf
        order = decisions.order(best, decisions.OBJECTIVE)
        order = order[np.isfinite(best[order])]
        if cal.profile is not None:
            # a respondent identical to one ranked before it (same profile,
            # answer and move) would give the same exact result: skip it
            _, first = np.unique(cal.alike(y)[order], return_index=True)
            order = order[np.sort(first)]
        order = order[: candidates * widen]
        saved = [d.snapshot() for d in cal.designs]
        choice = None
        for i in order[checked:][: max_checks - checks]:
            checks += 1
            trial = y.copy()
            trial[i] += direction[i]
            touched = np.flatnonzero(member[:, i])
            try:
                for k in touched:
                    refit(cal.designs[k], trial)
                value = cal.objective(trial)
                ok = not np.any(passing & ~cal.passing(trial))
            except (np.linalg.LinAlgError, ValueError):
                value, ok = np.inf, False
            res = decisions.OBJECTIVE
            if ok and decisions.less(value, current, res) and (choice is None or decisions.less(value, choice[1], res)):
                choice = (int(i), value, [cal.designs[k].snapshot() for k in touched], touched)
            for k in touched:
                cal.designs[k].restore(saved[k])
        if choice is None:
            if widen >= max_widen or len(order) < candidates * widen:
                break
            checked, widen = len(order), widen * 4  # look further down the list
            continue
        checked, widen = 0, 1
        i, value, states, touched = choice
        y[i] += direction[i]
        for k, state in zip(touched, states):
            cal.designs[k].restore(state)
        current = value
        passing = cal.passing(y)
        history.append(current)
        if log and round_ % 25 == 0:
            log(f"exact round {round_}: objective {current:.2f}")
    return y, history


def report(cal: Calibration, y: np.ndarray) -> pd.DataFrame:
    """Per-cell distances of the current fit, for diagnostics."""
    rows = []
    for d in cal.designs:
        assert d.theta is not None, "report needs fitted designs (see refit)"
        for j, cell in enumerate(d.cells):
            rows.append(
                {
                    "model": d.spec.id,
                    "cell": cell,
                    "published": d.target[j],
                    "reproduced": d.theta[j],
                    "published_se": d.target_se[j],
                    "z": (d.theta[j] - d.target[j]) / d.target_se[j],
                    "active": bool(d.active[j]),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- entry points


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
    exact answer counts, the pinned separated group, then :func:`polish`
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
