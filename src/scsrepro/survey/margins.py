"""Average marginal effects and average predictions of a model for a categorical outcome.

The functions take any model that gives each row a probability for each of
``K`` answers -- a callback ``prob(theta, X) -> (n, K)`` -- with the
estimates ``theta``, their covariance ``V``, the design matrix (from
:func:`scsrepro.survey.design.design_matrix`) and the survey weights, and
return tidy frames with delta-method standard errors. The ordered logit
(:func:`ordered_logit_model`; :func:`from_ologit_result` for a fit of
:func:`scsrepro.survey.models.fit_ologit`) has analytic derivatives; any
other callback (a generalised ordered logit's ``probabilities``) is
differentiated numerically.

``average_marginal_effects``
    the weighted average effect of each column on the probability of each
    answer and of named sets of answers (e.g. ``{4, 5}``), as Stata
    ``margins, dydx(*)`` after ``ologit ... [pweight = w]``: a derivative
    for a continuous column, the change from the base level for a factor's
    dummy (its other dummies at 0, ``dydx(i.factor)``) and, by default
    (``discrete=``), the change from 0 to 1 for any other 0/1 column (Stata
    treats those as continuous unless written ``i.x``);
``average_predictions``
    the weighted average probability of each answer with one covariate set
    to a value for everyone (``margins, at(x = (...))``), with intervals
    symmetric on the logit scale;
``set_covariate``
    the design matrix with one covariate (a factor through its dummies) set
    to a value in every row.

Numerical derivatives: central differences with step ``FIRST_STEP * max(1,
|t|)`` in a parameter ``t`` and ``FIRST_STEP * max(1, sd(x))`` in a column
``x``; ``FIRST_STEP`` = eps^(1/3) (about 6e-6) balances truncation (order
step^2) against rounding (order eps / step). The theta derivative of an
effect that is itself a difference quotient in ``x`` takes that quotient
with the wider step ``SECOND_STEP`` = eps^(1/4) (about 1.2e-4), as a mixed
second difference needs, and ``FIRST_STEP`` in theta. The error of a step
in theta grows with the size of the column the parameter multiplies (age in
years: about 1e-7 relative in a standard error, 1e-9 for a 0/1 column).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from scsrepro.survey.models import OlogitResult
from scsrepro.survey.ordered_logit import category_pieces
from scsrepro.survey.significance import critical_value
from scsrepro.survey.weighting import check_weights

__all__ = [
    "FIRST_STEP",
    "SECOND_STEP",
    "ProbFn",
    "ProbabilityModel",
    "ordered_logit_probabilities",
    "ordered_logit_jacobian",
    "ordered_logit_x_derivative",
    "ordered_logit_model",
    "from_ologit_result",
    "Margins",
    "set_covariate",
    "marginal_effect_components",
    "prediction_components",
    "average_marginal_effects",
    "average_predictions",
    "logit_interval",
]

_EPS = float(np.finfo(float).eps)
#: Relative step of a central difference for a first derivative (eps^(1/3)).
FIRST_STEP = _EPS ** (1 / 3)
#: Relative step in x of a difference quotient that is then differentiated in theta (eps^(1/4)).
SECOND_STEP = _EPS**0.25

#: ``prob(theta, X) -> (n, K)``: each row's probability of each answer; *X* is
#: the design matrix as a float array, columns in the DataFrame's order.
ProbFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ProbabilityModel:
    """A probability callback with its derivatives, where they are known.

    Attributes
    ----------
    prob : ProbFn
        ``prob(theta, X) -> (n, K)``.
    jacobian : callable, optional
        ``jacobian(theta, X) -> (n, K, P)``: d prob / d theta. Without it,
        central differences in theta (step :data:`FIRST_STEP`).
    x_derivative : callable, optional
        ``x_derivative(theta, X, j) -> (D, dD)``: ``D`` (n, K) the
        derivative of ``prob`` with respect to column ``j`` of *X*, ``dD``
        (n, K, P) its derivative with respect to theta. Without it, central
        differences in the column.
    """

    prob: ProbFn
    jacobian: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    x_derivative: Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]] | None = None


# --------------------------------------------------------------------------- the ordered logit


def _ordered_logit_pieces(theta, X, k_slopes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~scsrepro.survey.ordered_logit.category_pieces` with the slopes counted by *k_slopes*."""
    X = np.asarray(X, dtype=float)
    if X.shape[1] != k_slopes:
        raise ValueError(f"X has {X.shape[1]} columns, the model {k_slopes} slopes")
    return category_pieces(X, theta)


def ordered_logit_probabilities(theta, X, k_slopes: int) -> np.ndarray:
    """``(n, K)`` answer probabilities of an ordered logit.

    *theta* holds the *k_slopes* slopes, then the ``K - 1`` increasing cut
    points (Stata ``/cut#``, R ``zeta``): ``P(y <= k) = F(cut_k - x'beta)``.
    """
    return _ordered_logit_pieces(theta, X, k_slopes)[3]


def ordered_logit_jacobian(theta, X, k_slopes: int) -> np.ndarray:
    """``(n, K, P)`` derivatives of :func:`ordered_logit_probabilities` with respect to theta."""
    X = np.asarray(X, dtype=float)
    F, f, _, _ = _ordered_logit_pieces(theta, X, k_slopes)
    n, K = F.shape[0], F.shape[1] - 1
    J = np.zeros((n, K, k_slopes + K - 1))
    J[:, :, :k_slopes] = (f[:, :-1] - f[:, 1:])[:, :, None] * X[:, None, :]
    for m in range(K - 1):  # cut m is the upper bound of answer m and the lower bound of answer m + 1
        J[:, m, k_slopes + m] = f[:, m + 1]
        J[:, m + 1, k_slopes + m] = -f[:, m + 1]
    return J


def ordered_logit_x_derivative(theta, X, k_slopes: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Derivative of the answer probabilities with respect to column *j* of *X*, and its theta derivative.

    Returns ``D`` (n, K) with ``D_ik = beta_j (f(cut_{k-1} - eta_i) - f(cut_k - eta_i))``
    and ``dD`` (n, K, P), its derivative with respect to theta.
    """
    theta = np.asarray(theta, dtype=float)
    X = np.asarray(X, dtype=float)
    F, f, f1, _ = _ordered_logit_pieces(theta, X, k_slopes)
    n, K = F.shape[0], F.shape[1] - 1
    beta = theta[j]
    g = f[:, :-1] - f[:, 1:]  # d P / d eta
    dg = f1[:, 1:] - f1[:, :-1]  # d g / d eta
    dD = np.zeros((n, K, k_slopes + K - 1))
    dD[:, :, :k_slopes] = beta * dg[:, :, None] * X[:, None, :]
    dD[:, :, j] += g
    for m in range(K - 1):
        dD[:, m, k_slopes + m] = -beta * f1[:, m + 1]
        dD[:, m + 1, k_slopes + m] = beta * f1[:, m + 1]
    return beta * g, dD


def ordered_logit_model(k_slopes: int) -> ProbabilityModel:
    """The ordered logit with *k_slopes* slopes as a :class:`ProbabilityModel` (analytic derivatives)."""
    return ProbabilityModel(
        prob=lambda theta, X: ordered_logit_probabilities(theta, X, k_slopes),
        jacobian=lambda theta, X: ordered_logit_jacobian(theta, X, k_slopes),
        x_derivative=lambda theta, X, j: ordered_logit_x_derivative(theta, X, k_slopes, j),
    )


def from_ologit_result(result: OlogitResult) -> tuple[ProbabilityModel, np.ndarray, np.ndarray, list]:
    """What the functions here need from a fit of :func:`~scsrepro.survey.models.fit_ologit`.

    Returns ``(model, theta, V, outcome_levels)``: the ordered logit with
    the fit's number of slopes, the estimates (slopes, then cut points), the
    covariance of the fit's ``cov_type`` and the outcome's labels. The
    design matrix is :func:`~scsrepro.survey.design.design_matrix` on the
    estimation sample with the fit's covariates.
    """
    terms = result.table["term"].tolist()
    k_slopes = sum(not str(t).startswith("cut") for t in terms)
    theta = result.table["coef"].to_numpy(dtype=float)
    V = result.cov.loc[terms, terms].to_numpy(dtype=float)
    levels = list(result.outcome_levels) or list(range(1, len(terms) - k_slopes + 2))
    return ordered_logit_model(k_slopes), theta, V, levels


# --------------------------------------------------------------------------- numerical derivatives


def _as_model(model: ProbabilityModel | ProbFn) -> ProbabilityModel:
    return model if isinstance(model, ProbabilityModel) else ProbabilityModel(prob=model)


def _numeric_jacobian(fun: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, rel_step: float) -> np.ndarray:
    """Central differences of *fun* in each element of *theta*; the last axis indexes theta."""
    cols = []
    for p in range(theta.size):
        up, down = theta.copy(), theta.copy()
        h = rel_step * max(1.0, abs(theta[p]))
        up[p] += h
        down[p] -= h
        cols.append((fun(up) - fun(down)) / (up[p] - down[p]))
    return np.stack(cols, axis=-1)


def _average_jacobian(model: ProbabilityModel, theta: np.ndarray, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``(K, P)``: d (weighted average of prob) / d theta, analytic where the model has it."""
    if model.jacobian is not None:
        return np.einsum("i,ikp->kp", w, model.jacobian(theta, X))
    return _numeric_jacobian(lambda t: w @ model.prob(t, X), theta, FIRST_STEP)


def _shifted(X: np.ndarray, j: int, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """*X* with column *j* moved up and down by *h*, and the actual distance between them per row."""
    up, down = X.copy(), X.copy()
    up[:, j] += h
    down[:, j] -= h
    return up, down, up[:, j] - down[:, j]


def _derivative_effect(
    model: ProbabilityModel, theta: np.ndarray, X: np.ndarray, w: np.ndarray, j: int
) -> tuple[np.ndarray, np.ndarray]:
    """Average derivative of each answer's probability in column *j*, ``(K,)``, and its theta gradient, ``(K, P)``."""
    if model.x_derivative is not None:
        D, dD = model.x_derivative(theta, X, j)
        return w @ D, np.einsum("i,ikp->kp", w, dD)
    scale = max(1.0, float(np.std(X[:, j])))

    def quotient(t: np.ndarray, rel_step: float) -> np.ndarray:
        up, down, dist = _shifted(X, j, rel_step * scale)
        return (w / dist) @ (model.prob(t, up) - model.prob(t, down))

    est = quotient(theta, FIRST_STEP)
    if model.jacobian is not None:
        up, down, dist = _shifted(X, j, FIRST_STEP * scale)
        grad = np.einsum("i,ikp->kp", w / dist, model.jacobian(theta, up) - model.jacobian(theta, down))
    else:
        grad = _numeric_jacobian(lambda t: quotient(t, SECOND_STEP), theta, FIRST_STEP)
    return est, grad


def _discrete_effect(
    model: ProbabilityModel, theta: np.ndarray, X0: np.ndarray, X1: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Average change of each answer's probability from *X0* to *X1*, ``(K,)``, and its theta gradient."""
    est = w @ (model.prob(theta, X1) - model.prob(theta, X0))
    return est, _average_jacobian(model, theta, X1, w) - _average_jacobian(model, theta, X0, w)


# --------------------------------------------------------------------------- inputs


def _weights(weights, n: int) -> np.ndarray:
    """The weights scaled to sum to 1 (equal weights when None)."""
    w = np.ones(n) if weights is None else check_weights(weights, n=n, name="weights")
    return w / w.sum()


def _label(level) -> str:
    """An outcome level as text: integer-valued numbers without a decimal point (``5.0`` -> ``"5"``)."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _outcome_map(
    K: int, levels: Sequence | None, sets: Mapping[str, Collection] | None
) -> tuple[list[str], np.ndarray]:
    """Names of the reported outcomes and the ``(K, Q)`` 0/1 matrix that sums answers into them.

    The outcomes are each answer (named by its level) and then each named
    set of answers.
    """
    levels = list(range(1, K + 1)) if levels is None else list(levels)
    if len(levels) != K:
        raise ValueError(f"{len(levels)} outcome levels for a model of {K} answers")
    answers = [_label(v) for v in levels]
    names, columns = list(answers), list(np.eye(K).T)
    for name, members in (sets or {}).items():
        wanted = [_label(v) for v in members]
        unknown = [v for v in wanted if v not in answers]
        if unknown or not wanted:
            raise ValueError(f"set {name!r}: {unknown or 'no levels'} not among the outcome levels {answers}")
        if name in names:
            raise ValueError(f"set name {name!r} is already the name of an outcome")
        columns.append(np.isin(answers, wanted).astype(float))
        names.append(name)
    return names, np.column_stack(columns)


def _factors(X: pd.DataFrame, factors: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """``{factor: dummy columns}``, by default ``X.attrs["factors"]``, checked against *X*."""
    groups = {k: list(v) for k, v in (X.attrs.get("factors", {}) if factors is None else factors).items()}
    missing = [c for cols in groups.values() for c in cols if c not in X.columns]
    if missing:
        raise ValueError(f"factor dummies {missing} are not columns of the design matrix")
    return groups


def _is_binary(x: np.ndarray) -> bool:
    return set(np.unique(x).tolist()) == {0.0, 1.0}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Margins:
    """Estimates and their gradients in theta, all the delta method needs.

    ``labels`` (DataFrame) says what each estimate is, one row each;
    ``estimate`` is ``(m,)``, ``gradient`` ``(m, P)`` (d estimate / d theta).
    """

    labels: pd.DataFrame
    estimate: np.ndarray
    gradient: np.ndarray

    def cov(self, V) -> np.ndarray:
        """Delta-method covariance ``G V G'`` of the estimates."""
        G = self.gradient
        return G @ np.asarray(V, dtype=float) @ G.T

    def se(self, V) -> np.ndarray:
        """Delta-method standard errors ``sqrt(diag(G V G'))``."""
        G = self.gradient
        return np.sqrt(np.einsum("ij,jk,ik->i", G, np.asarray(V, dtype=float), G))


def _collect(labels: list[dict], estimates: list[np.ndarray], gradients: list[np.ndarray], M, names) -> Margins:
    """:class:`Margins` from per-block ``(K,)`` estimates and ``(K, P)`` gradients, summed into the outcomes *M*."""
    rows = [{**lab, "outcome": name} for lab in labels for name in names]
    est = np.concatenate([e @ M for e in estimates])
    grad = np.vstack([M.T @ g for g in gradients])
    return Margins(pd.DataFrame(rows), est, grad)


# --------------------------------------------------------------------------- counterfactual designs


def set_covariate(
    X: pd.DataFrame,
    variable: str,
    value,
    factors: Mapping[str, Sequence[str]] | None = None,
    base=None,
) -> pd.DataFrame:
    """Copy of the design matrix *X* with *variable* set to *value* in every row.

    *variable* is a column of *X* or a factor (a key of *factors*, default
    ``X.attrs["factors"]``). A factor's *value* is one of its levels (read
    from ``X.attrs["coding"]`` as :func:`~scsrepro.survey.design.design_matrix`
    records it, else from the dummy's name ``<factor>_<level>``): that
    level's dummy is set to 1 and the others to 0, all of them for *base*,
    the level without a dummy (which cannot be asked for without *base*).
    Raises ValueError for an unknown *variable* or level.
    """
    groups = _factors(X, factors)
    out = X.copy()
    if variable in groups:
        cols = groups[variable]
        coding = X.attrs.get("coding", {})
        level_of = {c: coding[c][1] if c in coding else c[len(variable) + 1 :] for c in cols}
        match = [c for c in cols if level_of[c] == value or _label(level_of[c]) == _label(value)]
        if not match and (base is None or value != base):
            raise ValueError(
                f"{variable} = {value!r} is not a level of the fitted model (dummies {cols}, base level {base!r})"
            )
        out[cols] = 0.0
        if match:
            out[match[0]] = 1.0
    elif variable in X.columns:
        out[variable] = float(value)
    else:
        raise ValueError(f"{variable!r} is not a covariate of the model")
    return out


def _effect_designs(
    X: pd.DataFrame, groups: Mapping[str, list[str]], discrete: bool | Collection[str], terms: Sequence[str]
) -> list[tuple[str, str, tuple[np.ndarray, np.ndarray] | int]]:
    """For each term: ``(term, kind, what)``, *what* the pair of designs of a discrete change or the column index."""
    Xa = X.to_numpy(dtype=float)
    factor_of = {c: cols for cols in groups.values() for c in cols}
    discrete = [discrete] if isinstance(discrete, str) else discrete
    chosen = (set(X.columns) if discrete else set()) if isinstance(discrete, bool) else set(discrete)
    if not isinstance(discrete, bool):
        bad = [c for c in chosen if c not in X.columns or not _is_binary(X[c].to_numpy(dtype=float))]
        if bad:
            raise ValueError(f"discrete: {bad} are not binary 0/1 columns of the design matrix")
    out: list[tuple[str, str, tuple[np.ndarray, np.ndarray] | int]] = []
    for term in terms:
        if term not in X.columns:
            raise ValueError(f"{term!r} is not a column of the design matrix")
        j = X.columns.get_loc(term)
        assert isinstance(j, int)  # column names are unique in a design matrix
        binary = term in chosen and _is_binary(Xa[:, j])
        if term in factor_of or binary:
            zero = [X.columns.get_loc(c) for c in factor_of.get(term, [term])]
            X0 = Xa.copy()
            X0[:, zero] = 0.0
            X1 = X0.copy()
            X1[:, j] = 1.0
            out.append((term, "discrete", (X0, X1)))
        else:
            out.append((term, "dydx", j))
    return out


# --------------------------------------------------------------------------- the estimates and their gradients


def marginal_effect_components(
    model: ProbabilityModel | ProbFn,
    theta,
    X: pd.DataFrame,
    weights=None,
    *,
    factors: Mapping[str, Sequence[str]] | None = None,
    discrete: bool | Collection[str] = True,
    terms: Sequence[str] | None = None,
    sets: Mapping[str, Collection] | None = None,
    outcome_levels: Sequence | None = None,
) -> Margins:
    """The average marginal effects with their gradients in theta (see :func:`average_marginal_effects`).

    ``labels`` has columns ``term, kind, outcome``; ``kind`` is ``"dydx"``
    (average derivative) or ``"discrete"`` (average change from the base
    level, or from 0 to 1).
    """
    m = _as_model(model)
    theta = np.asarray(theta, dtype=float)
    w = _weights(weights, len(X))
    Xa = X.to_numpy(dtype=float)
    names, M = _outcome_map(m.prob(theta, Xa[:1]).shape[1], outcome_levels, sets)
    labels, estimates, gradients = [], [], []
    for term, kind, what in _effect_designs(
        X, _factors(X, factors), discrete, list(X.columns) if terms is None else terms
    ):
        if isinstance(what, int):
            est, grad = _derivative_effect(m, theta, Xa, w, what)
        else:
            est, grad = _discrete_effect(m, theta, what[0], what[1], w)
        labels.append({"term": term, "kind": kind})
        estimates.append(est)
        gradients.append(grad)
    return _collect(labels, estimates, gradients, M, names)


def prediction_components(
    model: ProbabilityModel | ProbFn,
    theta,
    X: pd.DataFrame,
    weights=None,
    variable: str | None = None,
    values: Sequence | None = None,
    *,
    factors: Mapping[str, Sequence[str]] | None = None,
    base=None,
    sets: Mapping[str, Collection] | None = None,
    outcome_levels: Sequence | None = None,
) -> Margins:
    """The average predictions with their gradients in theta (see :func:`average_predictions`).

    ``labels`` has columns ``variable, value, outcome``.
    """
    m = _as_model(model)
    theta = np.asarray(theta, dtype=float)
    w = _weights(weights, len(X))
    designs: list[tuple[object, np.ndarray]] = [(None, X.to_numpy(dtype=float))]
    if variable is not None:
        values = _default_values(X, variable, _factors(X, factors), base) if values is None else list(values)
        designs = [(v, set_covariate(X, variable, v, factors, base).to_numpy(dtype=float)) for v in values]
    names, M = _outcome_map(m.prob(theta, designs[0][1][:1]).shape[1], outcome_levels, sets)
    labels = [{"variable": variable, "value": v} for v, _ in designs]
    estimates = [w @ m.prob(theta, Xv) for _, Xv in designs]
    gradients = [_average_jacobian(m, theta, Xv, w) for _, Xv in designs]
    return _collect(labels, estimates, gradients, M, names)


def _default_values(X: pd.DataFrame, variable: str, groups: Mapping[str, list[str]], base) -> list:
    """A numeric column's observed values, sorted; a factor's *base* (if given), then its dummies' levels."""
    if variable not in groups:
        if variable not in X.columns:
            raise ValueError(f"{variable!r} is not a covariate of the model")
        return sorted(np.unique(X[variable].to_numpy(dtype=float)).tolist())
    coding = X.attrs.get("coding", {})
    levels = [coding[c][1] if c in coding else c[len(variable) + 1 :] for c in groups[variable]]
    return ([] if base is None else [base]) + levels


# --------------------------------------------------------------------------- tables


def average_marginal_effects(
    model: ProbabilityModel | ProbFn, theta, V, X: pd.DataFrame, weights=None, *, level: float = 0.95, **options: Any
) -> pd.DataFrame:
    """Average marginal effects on the probability of each answer, with delta-method standard errors.

    Parameters
    ----------
    model : ProbabilityModel or callable
        ``prob(theta, X) -> (n, K)``, or a :class:`ProbabilityModel` with
        its derivatives (:func:`ordered_logit_model`); a bare callable is
        differentiated numerically (steps: see the module's notes).
    theta, V : array_like
        The estimates ``(P,)`` and their covariance ``(P, P)`` (e.g. robust).
    X : DataFrame
        The estimation sample's design matrix; the effects are averaged
        over its rows at their observed values.
    weights : array_like, optional
        Survey weights (any scale; normalised to sum to 1); default equal.
    level : float
        Confidence level of the Wald interval.
    **options
        Keywords of :func:`marginal_effect_components`:

        ``factors``
            ``{factor: dummy columns}``, default ``X.attrs["factors"]``. A
            dummy's effect is the change from the factor's base level to
            its level, the other dummies at 0 (Stata ``dydx(i.factor)``).
        ``discrete``
            Which binary 0/1 columns outside the factors get the change from
            0 to 1 instead of a derivative: ``True`` (default) all, ``False``
            none (what Stata does for a binary written without ``i.``), or
            the named columns.
        ``terms``
            The columns to report; default all.
        ``sets``
            ``{name: levels}``, sets of answers whose summed probability is
            reported too, e.g. ``{"approve": (4, 5)}``.
        ``outcome_levels``
            Labels of the ``K`` answers; default ``1..K``.

    Returns
    -------
    DataFrame
        One row per term and outcome (each answer, then each set):
        ``term, outcome, ame, se, z, p, ci_low, ci_high, kind``; ``outcome``
        is the answer's level as text or the set's name, ``kind`` is
        ``"dydx"`` or ``"discrete"``. A term's effects on all the answers sum
        to zero.
    """
    comp = marginal_effect_components(model, theta, X, weights, **options)
    se = comp.se(V)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = comp.estimate / se
    half = critical_value(level) * se
    return comp.labels[["term", "outcome"]].assign(
        ame=comp.estimate,
        se=se,
        z=z,
        p=2 * stats.norm.sf(np.abs(z)),
        ci_low=comp.estimate - half,
        ci_high=comp.estimate + half,
        kind=comp.labels["kind"],
    )


def logit_interval(p, se, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method interval of probabilities *p* symmetric on the logit scale, ``expit(logit p -+ z se / (p (1-p)))``.

    A probability of exactly 0 or 1 gets no interval (NaN).
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = critical_value(level) * np.asarray(se, dtype=float) / (p * (1 - p))
        centre = np.log(p / (1 - p))
    inside = (p > 0) & (p < 1)
    return np.where(inside, expit(centre - half), np.nan), np.where(inside, expit(centre + half), np.nan)


def average_predictions(
    model: ProbabilityModel | ProbFn,
    theta,
    V,
    X: pd.DataFrame,
    weights=None,
    variable: str | None = None,
    values: Sequence | None = None,
    *,
    level: float = 0.95,
    **options: Any,
) -> pd.DataFrame:
    """Average predicted probability of each answer with *variable* set to each value for everyone.

    For each value ``v`` every row of the design matrix gets ``variable = v``
    (:func:`set_covariate`; a factor through its dummies), the other columns
    keep their observed values, and the predicted probabilities are averaged
    with the weights (Stata ``margins, at(variable = (...))``).

    Parameters
    ----------
    model, theta, V, X, weights
        As for :func:`average_marginal_effects`.
    variable : str, optional
        A column of *X* or a factor; None: the average predictions at the
        observed covariates (one block, ``value`` None).
    values : sequence, optional
        Default: a column's observed values, sorted; a factor's ``base``
        (when given), then the levels of its dummies.
    level : float
        Confidence level.
    **options
        Keywords of :func:`prediction_components`: ``factors``, ``sets``,
        ``outcome_levels`` as for :func:`average_marginal_effects`, and
        ``base``, the factor's base level (needed to ask for it).

    Returns
    -------
    DataFrame
        One row per value and outcome (each answer, then each set):
        ``variable, value, outcome, probability, se, ci_low, ci_high``; the
        delta-method standard error and an interval symmetric on the logit
        scale (:func:`logit_interval`).
    """
    comp = prediction_components(model, theta, X, weights, variable, values, **options)
    se = comp.se(V)
    lo, hi = logit_interval(comp.estimate, se, level)
    return comp.labels.assign(probability=comp.estimate, se=se, ci_low=lo, ci_high=hi)
