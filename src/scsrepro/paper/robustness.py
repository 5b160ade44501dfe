"""Checks of Table 4 that the paper does not report.

Every function here fits the models of Table 4 through
:func:`scsrepro.paper.fitting.fit` -- optionally with levels of a factor
merged (Model 5's "no education" with "low"), without weights, or
penalised -- so the checks refit exactly the models of Table 4 and change
one thing at a time:

``estimate_text``
    a coefficient or standard error as text for the book, or a statement
    that it diverges when there is no finite estimate (separation);
``weighted_vs_unweighted``
    every model with and without the survey weights, side by side;
``predicted_probabilities``
    average predicted probability of an answer (by default the top one,
    "strongly approve") when a covariate is set to each of its values for
    everyone in the estimation sample, with delta-method or simulation
    intervals from the robust covariance;
``proportional_odds_test``
    a Brant-type Wald test of the proportional-odds assumption from stacked
    binary logits with a respondent-clustered covariance.

Names of terms follow Table 4 (``educ_2``, ``income_3`` ...; see
:func:`scsrepro.paper.modelspec.table4_keys`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from scsrepro.paper import modelspec
from scsrepro.paper.fitting import Fit, fit, tidy
from scsrepro.paper.hypotheses import holm
from scsrepro.survey import margins
from scsrepro.survey.design import design_matrix
from scsrepro.survey.models import OlogitResult
from scsrepro.survey.newton import newton_maximise, step_converged

__all__ = [
    "DIVERGENCE_BOUND",
    "NOT_ESTIMABLE",
    "diverges",
    "estimate_text",
    "weighted_vs_unweighted",
    "predicted_probabilities",
    "POTest",
    "proportional_odds_test",
]


# --------------------------------------------------------------------------- fitting


#: Size of a coefficient or cut point (log-odds) beyond which :func:`estimate_text`
#: reports it as diverging rather than as a number. No survey covariate has
#: a real effect of that size (an odds ratio of e^20, about 5e8); a term gets
#: there only when the likelihood keeps rising towards infinity, with
#: logistic tails of the order of ``exp(-20)`` ~ 2e-9 left to gain, so where
#: the optimiser stops depends on its tolerance and on the last bits of the
#: arithmetic (two CPUs give different values: Model 5 run to convergence
#: stops at -25.0 on one and -25.3 on another). Stata's stopping rule halts
#: earlier (the paper's Model 5 near -13), which is why the bound is not the
#: separation check's ``LARGE_COEF`` of 10: those values are shown as Stata
#: would print them.
DIVERGENCE_BOUND = 20.0

#: What :func:`estimate_text` shows for a term the data cannot estimate.
NOT_ESTIMABLE = "not estimable on these data"


def diverges(result: OlogitResult, term: str, bound: float = DIVERGENCE_BOUND) -> bool:
    """True when *term* of *result* has no finite estimate to report.

    That is the case when its coefficient is not finite or its size exceeds
    *bound* (:data:`DIVERGENCE_BOUND`): under (quasi-)separation the
    likelihood keeps rising towards infinity and the number is wherever the
    optimiser happened to stop.
    """
    b = float(result.coef()[term])
    return not np.isfinite(b) or abs(b) > bound


def estimate_text(
    result: OlogitResult,
    term: str,
    what: str = "coef",
    fmt: str = "{:.3f}",
    bound: float = DIVERGENCE_BOUND,
) -> str:
    """A coefficient or standard error of *result* as text for a table or the prose.

    Parameters
    ----------
    result : OlogitResult
    term : str
        A fitted term (``education_2``, ``cut1`` ...).
    what : {"coef", "se"}
    fmt : str
        Format of the number when there is one.
    bound : float
        See :func:`diverges`.

    Returns
    -------
    str
        ``fmt`` applied to the number; for a term that :func:`diverges`,
        ``"diverges (|b| > 20)"`` for the coefficient and ``"unbounded"``
        for its standard error (also for a standard error that is not finite),
        because neither has a value that the data determine; for a term the
        fit does not have (a level nobody in the sample has),
        :data:`NOT_ESTIMABLE`.
    """
    if what not in ("coef", "se"):
        raise ValueError(f"what must be 'coef' or 'se', got {what!r}")
    if term not in result.coef().index:
        return NOT_ESTIMABLE
    gone = diverges(result, term, bound)
    if what == "coef":
        return f"diverges (|b| > {bound:g})" if gone else fmt.format(float(result.coef()[term]))
    se = float(result.se()[term])
    return "unbounded" if gone or not np.isfinite(se) else fmt.format(se)


def weighted_vs_unweighted(
    frame: pd.DataFrame,
    specs: Sequence[modelspec.ModelSpec],
    merge: Mapping[int, Mapping] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Every model fitted with and without the survey weights.

    Parameters
    ----------
    frame : DataFrame
        From :func:`scsrepro.paper.fitting.model_frame`.
    specs : sequence of ModelSpec
    merge : dict, optional
        ``{model id: merge}`` passed to :func:`fit` (the same in both fits).
    alpha : float
        Level for ``significance_changes``.

    Returns
    -------
    DataFrame
        One row per slope: ``model, term, coef_weighted, se_weighted,
        coef_unweighted, se_unweighted, shift`` (unweighted minus weighted
        coefficient, in weighted standard errors), ``se_ratio`` (unweighted /
        weighted SE), ``sign_changes`` and ``significance_changes`` (at
        ``alpha``, two-sided).
    """
    merge = merge or {}
    rows = []
    for spec in specs:
        w = tidy(fit(frame, spec, merge.get(spec.id)))
        u = tidy(fit(frame, spec, merge.get(spec.id), weighted=False))
        both = w.merge(u, on=["model", "term"], suffixes=("_weighted", "_unweighted"))
        rows.append(both[~both["term"].str.startswith("cut")])
    out = pd.concat(rows, ignore_index=True)
    out["shift"] = (out["coef_unweighted"] - out["coef_weighted"]) / out["se_weighted"]
    out["se_ratio"] = out["se_unweighted"] / out["se_weighted"]
    out["sign_changes"] = np.sign(out["coef_unweighted"]) != np.sign(out["coef_weighted"])
    out["significance_changes"] = (out["p_unweighted"] < alpha) != (out["p_weighted"] < alpha)
    keep = [
        "model",
        "term",
        "coef_weighted",
        "se_weighted",
        "p_weighted",
        "coef_unweighted",
        "se_unweighted",
        "p_unweighted",
        "shift",
        "se_ratio",
        "sign_changes",
        "significance_changes",
    ]
    return out[keep]


# --------------------------------------------------------------------------- predicted probabilities


def _averaging_setup(f: Fit, category: int | None) -> tuple[int, pd.DataFrame, np.ndarray]:
    """What averaging predictions over *f*'s sample needs.

    The 0-based index of outcome *category* (default the highest), the
    sample's design matrix (checked against the fitted slopes) and the
    weights scaled to sum to 1 (equal weights for an unweighted fit).
    """
    res, sample = f.result, f.sample
    outcome = f.spec.outcome
    levels = sorted(sample[outcome].unique().tolist())
    code = levels[-1] if category is None else category
    if code not in levels:
        raise ValueError(f"category {category!r} is not an outcome level {levels}")
    k = levels.index(code)
    X0, _ = design_matrix(sample, list(f.spec.covariates), f.categorical)
    slopes = [t for t in res.table["term"] if not t.startswith("cut")]
    if list(X0.columns) != slopes:
        raise ValueError("the sample's design does not match the fitted terms")
    w = sample[f.spec.weight].to_numpy(dtype=float) if f.weighted else np.ones(len(sample))
    w = w / w.sum()
    return k, X0, w


def _simulated_interval(
    X: np.ndarray, w: np.ndarray, sims: np.ndarray, nb: int, k: int, level: float
) -> tuple[float, float]:
    """Percentile interval of the average probability of category *k* over simulated estimates.

    *sims* holds one parameter vector per row (the *nb* slopes, then the cut
    points).
    """
    eta_s = X @ sims[:, :nb].T  # n x draws
    cuts_s = sims[:, nb:]
    K = cuts_s.shape[1] + 1
    up = expit(cuts_s[:, k] - eta_s) if k < K - 1 else 1.0
    low = expit(cuts_s[:, k - 1] - eta_s) if k > 0 else 0.0
    p_s = w @ (up - low)
    lo, hi = np.quantile(p_s, [0.5 - level / 2, 0.5 + level / 2])
    return lo, hi


def _delta_estimates(
    X0: pd.DataFrame, w: np.ndarray, theta: np.ndarray, V: np.ndarray, variable: str, values: list, base, k: int, level
) -> list[tuple[float, float, float]]:
    """Average probability of answer *k* (0-based) at each value, with its delta-method interval.

    :func:`scsrepro.survey.margins.average_predictions` computes every
    answer; they are labelled by their 0-based position, so *k* picks one.
    """
    nb = X0.shape[1]
    out = margins.average_predictions(
        margins.ordered_logit_model(nb),
        theta,
        V,
        X0,
        w,
        variable,
        values,
        base=base,
        outcome_levels=range(theta.size - nb + 1),
        level=level,
    )
    out = out[out["outcome"].eq(str(k))]
    return list(zip(out["probability"], out["ci_low"], out["ci_high"]))


def predicted_probabilities(
    f: Fit,
    variable: str,
    values: Sequence | None = None,
    category: int | None = None,
    method: str = "delta",
    draws: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Average predicted probability of one answer at each value of a covariate.

    For each value ``v``, *variable* is set to ``v`` for every respondent of
    the model's estimation sample, the other covariates keep their observed
    values, and the predicted probabilities of answer *category* are
    averaged with the survey weights (Stata ``margins, at(variable = (...))``
    after ``ologit [pweight=]``).

    Parameters
    ----------
    f : Fit
    variable : str
        A covariate of the model (a factor is set through its dummies).
    values : sequence, optional
        Default: the values observed in the sample, sorted.
    category : int, optional
        Outcome code; default the highest ("strongly approve").
    method : {"delta", "simulation"}
        ``"delta"``: delta method on the logit of the probability, so the
        interval stays inside (0, 1)
        (:func:`scsrepro.survey.margins.average_predictions`, which gives
        every answer and sets of answers at once). ``"simulation"``: ``draws`` parameter
        vectors from the normal approximation with the robust covariance,
        percentile interval; reproducible through ``seed``.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``variable, value, probability, ci_low, ci_high, method``.
    """
    if method not in ("delta", "simulation"):
        raise ValueError(f"method must be 'delta' or 'simulation', got {method!r}")
    res, sample = f.result, f.sample
    k, X0, w = _averaging_setup(f, category)
    theta = res.table["coef"].to_numpy(dtype=float)
    V = res.cov.to_numpy(dtype=float)
    nb = X0.shape[1]
    values = sorted(sample[variable].unique().tolist()) if values is None else list(values)
    base = f.categorical.get(variable)
    if method == "delta":
        estimates = _delta_estimates(X0, w, theta, V, variable, values, base, k, level)
    else:
        rng = np.random.default_rng(seed)
        # Cholesky, not an eigen- or singular-value decomposition: the Cholesky
        # factor is unique, whereas eigenvectors may come back with other signs
        # (or rotated within a near-degenerate eigenspace) from another LAPACK
        # kernel, which turned the same seed into other draws on another CPU
        sims = rng.multivariate_normal(theta, V, size=draws, method="cholesky")
        estimates = []
        for v in values:
            X = margins.set_covariate(X0, variable, v, base=base).to_numpy(dtype=float)
            p = float(w @ margins.ordered_logit_probabilities(theta, X, nb)[:, k])
            estimates.append((p, *_simulated_interval(X, w, sims, nb, k, level)))
    rows = [
        dict(variable=variable, value=v, probability=float(p), ci_low=float(lo), ci_high=float(hi), method=method)
        for v, (p, lo, hi) in zip(values, estimates)
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- proportional odds


@dataclass
class POTest:
    """Result of :func:`proportional_odds_test`.

    Attributes
    ----------
    table : DataFrame
        One row per slope and a last row ``"all"`` (omnibus): ``term``,
        one column ``b_gt_<t>`` per threshold with the binary-logit slope,
        ``chi2``, ``df``, ``p``, and ``p_holm`` (Holm-adjusted over the
        slopes of this model; NaN for the omnibus row).
    thresholds : list
        The thresholds ``t`` of the binary outcomes ``y > t``.
    counts : Series
        Respondents (unweighted) below/at and above each threshold.
    cov : ndarray
        Cluster-robust covariance of the stacked binary-logit estimates.
    warnings : list of str
        Binary logits that did not converge or have a coefficient beyond
        10 in absolute value (signs of separation).
    not_estimable : dict
        ``{term: reason}`` for the slopes the test cannot judge on these
        data (a binary logit separates on them); their row of ``table`` has
        no slopes, statistic or p-value, and the other slopes are tested in
        binary logits without them.
    """

    table: pd.DataFrame
    thresholds: list
    counts: pd.DataFrame
    cov: np.ndarray
    warnings: list[str] = field(default_factory=list)
    not_estimable: dict[str, str] = field(default_factory=dict)


def _weighted_logit(X: np.ndarray, y: np.ndarray, w: np.ndarray, maxiter: int = 100, tol: float = 1e-10):
    """Weighted logistic regression by Newton-Raphson; returns (coef, converged).

    The package's Newton loop (:func:`scsrepro.survey.newton.newton_maximise`)
    from zero. Under separation the Newton steps grow without end or the
    Hessian becomes singular; the fit then stops and reports
    ``converged=False``.
    """

    def derivatives(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = expit(X @ b)
        return X.T @ (w * (y - p)), -(X * (w * p * (1 - p))[:, None]).T @ X

    # the plain solve: under separation its LinAlgError is what stops the fit
    res = newton_maximise(
        np.zeros(X.shape[1]), derivatives, step_converged(tol), solve=np.linalg.solve, maxiter=maxiter
    )
    return res.theta, res.status == "converged"


def proportional_odds_test(
    sample: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    categorical: Mapping | None = None,
    weight: str | None = "weight",
    thresholds: Sequence | None = None,
) -> POTest:
    """Brant-type Wald test of the proportional-odds assumption.

    The ordered logit assumes that each covariate shifts every cumulative
    logit ``logit P(y > t)`` by the same amount. The test fits one weighted
    binary logit per threshold ``t`` (outcome ``y > t``, with intercept and
    the same covariates), stacks the estimates and tests, for each slope,
    that its coefficients are equal across thresholds (``df`` = number of
    thresholds - 1), and for all slopes jointly (the omnibus row). This is
    Brant's (1990) test with the covariance Stata's ``suest`` gives: the
    binary logits share respondents, so their covariance is the sandwich
    ``A^-1 B A^-1 * n / (n - 1)`` with ``A`` the block-diagonal Hessian and
    ``B`` the sum over respondents of the outer product of their stacked
    weighted scores (clusters = respondents). With survey weights this is
    the appropriate covariance; Brant's original formula is model-based and
    unweighted.

    Parameters
    ----------
    sample : DataFrame
        Complete estimation sample (e.g. from :func:`scsrepro.paper.fitting.estimation_sample`).
    outcome, covariates, categorical, weight
        As for :func:`scsrepro.survey.models.fit_ologit`.
    thresholds : sequence, optional
        Outcome values ``t`` for the binary outcomes ``y > t``. Default: all
        but the highest outcome value. Merging sparse categories means leaving
        their thresholds out: ``[3, 4]`` on a 1..5 outcome tests whether the
        split between 1-3 / 4-5 and 1-4 / 5 follow the same slopes, i.e.
        answers 1-3 collapsed into one category.

    Returns
    -------
    POTest

    A slope on which a binary logit separates (its coefficient beyond
    :data:`PO_SEPARATION_BOUND`, as with a small group whose respondents all
    answer above a threshold) has no finite estimate, and its Wald
    statistic would be noise or a singular matrix. Such slopes are reported
    as not estimable (``POTest.not_estimable``) and the binary logits are
    refitted without them, so the other slopes are still tested.
    """
    data = sample.reset_index(drop=True)
    categorical = dict(categorical or {})
    X, indicators = design_matrix(data, list(covariates), categorical)
    names = list(X.columns)
    y = data[outcome].to_numpy(dtype=float)
    w = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float)
    thresholds = _checked_thresholds(y, thresholds)
    dropped = _separated_groups(X, indicators, y, thresholds)
    keep, msgs = [n for n in names if n not in dropped], []
    while True:
        Xc = np.column_stack([np.ones(len(data)), X[keep].to_numpy(dtype=float)])
        coefs, scores, blocks, round_msgs, counts = _binary_logits(Xc, y, w, thresholds)
        msgs += [m for m in round_msgs if m not in msgs]
        separated = _separated(keep, coefs, thresholds)
        if not separated:
            break
        dropped.update(separated)
        keep = [n for n in keep if n not in separated]
    V = _stacked_covariance(scores, blocks, len(Xc))
    table = _po_table(keep, thresholds, coefs, V)
    table = _with_rows_for(table, names, dropped)
    return POTest(table, list(thresholds), pd.DataFrame(counts), V, msgs, dropped)


#: Size of a binary-logit slope beyond which :func:`proportional_odds_test`
#: takes the logit to separate on it (the same bound as its warnings).
PO_SEPARATION_BOUND = 10.0


def _separated_groups(
    X: pd.DataFrame, indicators: Mapping[str, np.ndarray], y: np.ndarray, thresholds: Sequence
) -> dict[str, str]:
    """``{slope: reason}`` for slopes of a group whose respondents all lie on one side of a threshold.

    *indicators* are :func:`~scsrepro.survey.design.design_matrix`'s 0/1
    groups: a dummy's level, a factor's base level (which concerns all the
    factor's dummies) or a binary covariate. Such a group separates the
    binary logit ``y > t``, whose estimate for it then has no finite value.
    """
    out: dict[str, str] = {}
    factors = X.attrs.get("factors", {})
    for name, z in indicators.items():
        z = np.asarray(z, dtype=bool)
        if z.all() or not z.any():
            continue
        sides = [f"y > {t:g}" for t in thresholds if np.unique(y[z] > t).size == 1]
        if not sides:
            continue
        group = name.split(" (base level)")[0]
        terms = [name] if name in X.columns else factors.get(group.split("=")[0], [])
        why = (
            f"not estimable on these data: all respondents with {group} lie on one side of "
            f"{' and '.join(sides)}, so the binary logit separates"
        )
        out.update({t: why for t in terms if t not in out})
    return out


def _separated(names: Sequence[str], coefs: Sequence[np.ndarray], thresholds: Sequence) -> dict[str, str]:
    """``{slope: reason}`` for the slopes of *names* that some binary logit pushes beyond the bound."""
    out = {}
    for s, name in enumerate(names):
        beyond = [f"y > {t:g}" for t, b in zip(thresholds, coefs) if not abs(b[1 + s]) <= PO_SEPARATION_BOUND]
        if beyond:
            out[name] = (
                f"not estimable on these data: the binary logit {' and '.join(beyond)} separates on {name} "
                f"(coefficient beyond {PO_SEPARATION_BOUND:g})"
            )
    return out


def _with_rows_for(table: pd.DataFrame, names: Sequence[str], dropped: Mapping[str, str]) -> pd.DataFrame:
    """*table* with an empty row (no slopes, statistic or p) for each dropped slope, in the order of *names*."""
    if not dropped:
        return table
    rows = table.set_index("term")
    empty = pd.DataFrame(index=pd.Index(list(dropped), name="term"), columns=rows.columns, dtype=float)
    full = pd.concat([rows.drop(index="all"), empty]).reindex(names)
    full["df"] = full["df"].astype(float)
    return pd.concat([full, rows.loc[["all"]]]).rename_axis("term").reset_index()


def _checked_thresholds(y: np.ndarray, thresholds: Sequence | None) -> list:
    """The thresholds of the binary outcomes ``y > t``: by default all but the highest value of *y*."""
    levels = sorted(np.unique(y).tolist())
    thresholds = levels[:-1] if thresholds is None else sorted(thresholds)
    if len(thresholds) < 2:
        raise ValueError("the test needs at least two thresholds")
    bad = [t for t in thresholds if not (levels[0] <= t < levels[-1])]
    if bad:
        raise ValueError(f"thresholds {bad} leave one side empty (outcome values {levels})")
    return thresholds


def _binary_logits(Xc: np.ndarray, y: np.ndarray, w: np.ndarray, thresholds: Sequence) -> tuple:
    """One weighted binary logit of ``y > t`` on *Xc* per threshold.

    Returns the coefficient vectors, each respondent's weighted scores and
    the inverse Hessian of each logit, the separation warnings, and the
    respondents at or below and above each threshold.
    """
    coefs, scores, blocks, msgs, counts = [], [], [], [], {}
    for t in thresholds:
        yt = (y > t).astype(float)
        counts[f"y > {t:g}"] = {"at or below": int((yt == 0).sum()), "above": int(yt.sum())}
        b, ok = _weighted_logit(Xc, yt, w)
        if not ok or np.max(np.abs(b[1:]), initial=0.0) > 10:
            msgs.append(
                f"binary logit y > {t:g}: {'no convergence' if not ok else 'a coefficient beyond 10'} (separation?)"
            )
        p = expit(Xc @ b)
        coefs.append(b)
        scores.append(Xc * (w * (yt - p))[:, None])
        blocks.append(np.linalg.pinv((Xc * (w * p * (1 - p))[:, None]).T @ Xc))
    return coefs, scores, blocks, msgs, counts


def _stacked_covariance(scores: Sequence[np.ndarray], blocks: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Cluster-robust covariance ``A^-1 B A^-1 * n / (n - 1)`` of the stacked binary logits (clusters = respondents)."""
    J, q = len(blocks), blocks[0].shape[0]
    S = np.hstack(scores)  # n x (J q): stacked scores, one row per respondent (cluster)
    A_inv = np.zeros((J * q, J * q))
    for j, B in enumerate(blocks):
        A_inv[j * q : (j + 1) * q, j * q : (j + 1) * q] = B
    return n / (n - 1) * A_inv @ (S.T @ S) @ A_inv


def _wald(theta: np.ndarray, V: np.ndarray, slopes: Sequence[int], J: int, q: int) -> tuple[float, int]:
    """Wald statistic and df that each of *slopes* is equal across the *J* stacked logits of *q* coefficients."""
    r_rows: list[np.ndarray] = []
    for s in slopes:
        for j in range(1, J):
            r = np.zeros(J * q)
            r[j * q + 1 + s] = 1.0
            r[1 + s] = -1.0
            r_rows.append(r)
    if not r_rows:
        return np.nan, 0
    R = np.array(r_rows)
    d = R @ theta
    try:
        return float(d @ np.linalg.solve(R @ V @ R.T, d)), R.shape[0]
    except np.linalg.LinAlgError:  # the covariance of these differences is singular: no test
        return np.nan, R.shape[0]


def _po_table(names: Sequence[str], thresholds: Sequence, coefs: Sequence[np.ndarray], V: np.ndarray) -> pd.DataFrame:
    """The table of :class:`POTest`: one Wald test per slope (Holm-adjusted), then the omnibus row ``all``."""
    J, q = len(thresholds), coefs[0].size
    theta = np.concatenate(coefs)
    rows = []
    for s, name in enumerate(names):
        chi2, df = _wald(theta, V, [s], J, q)
        rows.append(
            {
                "term": name,
                **{f"b_gt_{t:g}": coefs[j][1 + s] for j, t in enumerate(thresholds)},
                "chi2": chi2,
                "df": df,
                "p": float(stats.chi2.sf(chi2, df)),
            }
        )
    columns = ["term", *[f"b_gt_{t:g}" for t in thresholds], "chi2", "df", "p"]
    table = pd.DataFrame(rows, columns=columns)
    table["p_holm"] = holm(table["p"].to_numpy(dtype=float))
    chi2, df = _wald(theta, V, range(len(names)), J, q)
    omnibus = {"term": "all", "chi2": chi2, "df": df, "p": float(stats.chi2.sf(chi2, df)), "p_holm": np.nan}
    return pd.concat([table, pd.DataFrame([omnibus])], ignore_index=True)
