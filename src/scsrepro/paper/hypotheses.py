"""Verdicts on the hypotheses H1-H21 from a table of coefficients.

The paper states for each hypothesis whether Table 4 supports it, but not the
rule it applied. This module states one rule and applies it, in the same
way, to any table of estimates: the printed Table 4 and a refit of the
models on respondent data.

The rule (:func:`verdict`)
--------------------------
A hypothesis is judged in the model that introduces its variable (the
``model`` column of ``data/published/table_1_hypotheses.csv``), on the Table 4
term(s) listed for it, with two-sided Wald tests ``z = coef / se``.

* **One term.** *Supported* if the coefficient has the expected sign and
  ``p < alpha`` (default 0.05).
* **A factor with several dummies** (income: two dummies against the lowest
  group; education: three dummies against "no formal education"). The
  hypotheses predict a direction for the whole factor ("lower incomes
  approve more"), so every dummy must point that way, and at least one
  contrast with the base level must be significant after a Bonferroni
  correction for the number of dummies (smallest ``p < alpha / k``).
  A factor whose dummies point in different directions is never supported.

Everything else is *not supported*; :attr:`Verdict.reason` says which part
failed (wrong sign, mixed signs, or not significant). A hypothesis whose
term has no finite estimate or standard error on the data at hand (a level
nobody in the sample has) is *not estimable* (:func:`verdict_table`). The rule needs only
coefficients and standard errors, so it can be applied to the printed table
as well as to a refit, which separates disagreements caused by the rule
from disagreements caused by the estimates.

A sharper rule (:func:`sharp_verdict_table`)
--------------------------------------------
The rule above, like the paper, lumps "not significant" together with
"significant in the opposite direction", and judges a factor by its
smallest dummy p-value. The sharper rule has three outcomes
(:data:`OUTCOMES`):

* *supported*: the test rejects and the estimate points the predicted way;
* *contradicted*: the test rejects and the estimate points the other way
  (for a factor: at least one dummy against the predicted direction);
* *not significant*: the test does not reject.

A single term is tested with its Wald z; a factor with a joint Wald test of
all its dummies (``chi2`` on as many degrees of freedom as dummies), which
needs their covariance. The paper prints no covariances, so on the printed
table a factor falls back to the Bonferroni bound of the smallest p-value
(the column ``test`` says which test was used). A Holm adjustment across
all hypotheses judged (``p_holm``, ``outcome_holm``) controls the
family-wise error of reading 21 verdicts at once.

Coding of the joining dummy (H15)
---------------------------------
Section 3.2 codes the joining dummy 1 = "automatically integrated into a
payment app"; H15 expects active joiners to approve more, so under that
coding the expected sign is negative. The paper's text reads the estimate
as if the dummy meant "joined actively". :func:`verdict_table` takes
``flip=`` to judge a hypothesis under the reversed coding (the expected sign
is reversed, nothing else changes), so both readings can be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ALPHA",
    "NOT_ESTIMABLE",
    "OUTCOMES",
    "holm",
    "joint_wald",
    "sharp_verdict_table",
    "Verdict",
    "verdict",
    "verdict_table",
    "estimates_from_published",
    "estimates_from_table_4",
]

#: Significance level of the rule.
ALPHA = 0.05

_SIGNS = {"+": 1, "-": -1}


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for one hypothesis.

    Attributes
    ----------
    supported : bool
    direction : str
        ``"expected"``, ``"opposite"`` or ``"mixed"`` (dummies of a factor
        pointing both ways; a zero coefficient counts as neither sign and
        makes the direction ``"mixed"``).
    p : float
        Two-sided p-value of the single term, or the smallest p-value of the
        factor's dummies.
    p_adjusted : float
        ``p`` times the number of terms (Bonferroni), capped at 1; equals
        ``p`` for a single term.
    reason : str
        Short explanation in words.
    """

    supported: bool
    direction: str
    p: float
    p_adjusted: float
    reason: str

    @property
    def label(self) -> str:
        """``"supported"`` or ``"not supported"`` (the paper's wording)."""
        return "supported" if self.supported else "not supported"


def _p_values(coef: np.ndarray, se: np.ndarray) -> np.ndarray:
    return 2 * stats.norm.sf(np.abs(coef / se))


def verdict(coef: Sequence[float], se: Sequence[float], expected_sign: str, alpha: float = ALPHA) -> Verdict:
    """Apply the rule of this module to the term(s) of one hypothesis.

    Parameters
    ----------
    coef, se : sequences of float
        The coefficient(s) and standard error(s) of the hypothesis' term(s),
        one entry per term (several for a factor's dummies).
    expected_sign : {"+", "-"}
        The sign the hypothesis predicts under the data's coding.
    alpha : float
        Significance level (two-sided).

    Returns
    -------
    Verdict

    Raises
    ------
    ValueError
        Empty or unequal inputs, a missing or non-positive standard error, or
        an unknown sign.
    """
    b = np.asarray(coef, dtype=float).ravel()
    s = np.asarray(se, dtype=float).ravel()
    if b.size == 0 or b.shape != s.shape:
        raise ValueError(f"need one standard error per coefficient, got {b.size} and {s.size}")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ValueError(f"coefficients and standard errors must be finite (se > 0): {b.tolist()}, {s.tolist()}")
    if expected_sign not in _SIGNS:
        raise ValueError(f"expected_sign must be '+' or '-', got {expected_sign!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    want = _SIGNS[expected_sign]
    signs = np.sign(b)
    if np.all(signs == want):
        direction = "expected"
    elif np.all(signs == -want):
        direction = "opposite"
    else:
        direction = "mixed"
    p = _p_values(b, s)
    p_min = float(p.min())
    p_adj = min(1.0, p_min * b.size)
    significant = p_adj < alpha
    several = b.size > 1
    what = "every dummy has" if several else "the coefficient has"
    test = f"smallest p = {p_min:.3g}, Bonferroni-adjusted {p_adj:.3g}" if several else f"p = {p_min:.3g}"
    if direction == "expected" and significant:
        reason = f"{what} the expected sign and is significant ({test})"
    elif direction == "expected":
        reason = f"{what} the expected sign but is not significant ({test})"
    elif direction == "opposite":
        reason = f"{what} the opposite sign ({test}{', significant' if significant else ''})"
    else:
        reason = f"the dummies point in different directions ({test})"
    return Verdict(direction == "expected" and significant, direction, p_min, p_adj, reason)


def verdict_table(
    hypotheses: pd.DataFrame,
    estimates: pd.DataFrame,
    alpha: float = ALPHA,
    flip: Iterable[str] = (),
) -> pd.DataFrame:
    """Judge every hypothesis with :func:`verdict`.

    Parameters
    ----------
    hypotheses : DataFrame
        As returned by :func:`scsrepro.paper.published.load_hypotheses` (columns
        ``id, hypothesis, variable, term, model, expected_sign``; ``term``
        holds ``;``-separated Table 4 keys).
    estimates : DataFrame
        Long table with columns ``model`` (int), ``term`` (Table 4 key),
        ``coef`` and ``se``, e.g. from :func:`estimates_from_table_4` or
        :func:`estimates_from_published`.
    alpha : float
        Significance level.
    flip : iterable of str
        Hypothesis ids (``"h15"``) to judge with the expected sign reversed,
        i.e. as if the dummy were coded the other way round.

    Returns
    -------
    DataFrame
        One row per hypothesis: ``id, hypothesis, variable, model, terms,
        expected_sign, coef`` (the single coefficient, or the dummies'
        coefficients joined by ``" / "`` as text), ``p`` (smallest),
        ``p_adjusted``, ``direction``, ``verdict``, ``reason``.

    Raises
    ------
    KeyError
        If a hypothesis' term is not in ``estimates`` for its model.
    """
    flip = set(flip)
    unknown = flip - set(hypotheses["id"])
    if unknown:
        raise ValueError(f"flip names hypotheses that are not in the table: {sorted(unknown)}")
    est = estimates.set_index(["model", "term"])
    if not est.index.is_unique:
        dup = est.index[est.index.duplicated()].tolist()
        raise ValueError(f"estimates hold a (model, term) pair more than once: {dup[:5]}")
    rows = []
    for h in hypotheses.itertuples(index=False):
        terms = [t.strip() for t in str(h.term).split(";") if t.strip()]
        keys = [(int(h.model), t) for t in terms]
        missing = [k for k in keys if k not in est.index]
        if missing:
            raise KeyError(f"{h.hypothesis}: no estimate for {missing}")
        sign = h.expected_sign
        if h.id in flip:
            sign = "+" if sign == "-" else "-"
        b = est.loc[keys, "coef"].to_numpy(dtype=float)
        s = est.loc[keys, "se"].to_numpy(dtype=float)
        row = {
            "id": h.id,
            "hypothesis": h.hypothesis,
            "variable": h.variable,
            "model": int(h.model),
            "terms": ", ".join(terms),
            "expected_sign": sign,
            "coef": " / ".join(f"{x:.3g}" for x in b),
        }
        if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s)) and np.all(s > 0)):
            rows.append({**row, **_not_estimable(terms, b, s)})
            continue
        v = verdict(b, s, sign, alpha)
        rows.append(
            {
                **row,
                "p": v.p,
                "p_adjusted": v.p_adjusted,
                "direction": v.direction,
                "verdict": v.label,
                "reason": v.reason,
            }
        )
    return pd.DataFrame(rows)


#: The verdict of a hypothesis whose terms have no finite estimate and standard error.
NOT_ESTIMABLE = "not estimable"


def _not_estimable(terms: Sequence[str], b: np.ndarray, s: np.ndarray) -> dict:
    """The verdict columns of a hypothesis the rule cannot judge: a term without a finite estimate or SE."""
    bad = [t for t, x, e in zip(terms, b, s) if not (np.isfinite(x) and np.isfinite(e) and e > 0)]
    return {
        "p": np.nan,
        "p_adjusted": np.nan,
        "direction": "",
        "verdict": NOT_ESTIMABLE,
        "reason": f"not estimable on these data: no finite estimate and standard error for {', '.join(bad)}",
    }


def _model_number(column: pd.Series) -> pd.Series:
    number = column.str.extract(r"^Model (\d+)$", expand=False)
    if number.isna().any():
        raise ValueError(f"not a Table 4 model column: {column[number.isna()].unique().tolist()}")
    return number.astype(int)


def estimates_from_published(table_4: pd.DataFrame) -> pd.DataFrame:
    """The printed Table 4 as a long table ``model, term, coef, se``.

    Parameters
    ----------
    table_4 : DataFrame
        ``load_published("table_4")``.
    """
    pub = table_4[table_4["statistic"].isin(["coef", "cut", "se"])]
    wide = pub.pivot_table(index=["column", "item"], columns="statistic", values="value", aggfunc="first")
    wide.columns.name = None
    wide["coef"] = wide["coef"].fillna(wide["cut"]) if "cut" in wide else wide["coef"]
    out = wide.reset_index()[["column", "item", "coef", "se"]]
    out.insert(0, "model", _model_number(out["column"]))
    return out.drop(columns="column").rename(columns={"item": "term"}).sort_values(["model", "term"], ignore_index=True)


def estimates_from_table_4(reproduced: pd.DataFrame) -> pd.DataFrame:
    """The reproduced Table 4 (:func:`scsrepro.paper.tables.table_4`) as ``model, term, coef, se``."""
    rows = reproduced[reproduced["statistic"].isin(["coef", "cut"])]
    out = pd.DataFrame(
        {
            "model": _model_number(rows["column"]).to_numpy(),
            "term": rows["item"].to_numpy(),
            "coef": rows["reproduced"].to_numpy(dtype=float),
            "se": rows["se"].to_numpy(dtype=float),
        }
    )
    return out.sort_values(["model", "term"], ignore_index=True)


# --------------------------------------------------------------------------- the sharper rule

#: The three outcomes of :func:`sharp_verdict_table`.
OUTCOMES: tuple[str, str, str] = ("supported", "not significant", "contradicted")


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values; NaN entries stay NaN and are not counted.

    ``min(1, max_{j <= i} (m - j + 1) p_(j))`` for the i-th smallest of the
    ``m`` finite p-values, returned in the input order: R's
    ``p.adjust(p, "holm")`` (checked in ``tests/paper/test_hypotheses.py``).
    Written out rather than taken from statsmodels' ``multipletests``,
    which gives the same numbers but runs a full garbage collection on
    every call (about 70 ms in a test process), and the proportional-odds
    test calls this once per fit.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    have = np.flatnonzero(np.isfinite(p))
    order = have[np.argsort(p[have], kind="stable")]
    m = order.size
    out[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    return out


def joint_wald(
    coef: Sequence[float] | np.ndarray, cov: Sequence[Sequence[float]] | np.ndarray
) -> tuple[float, int, float]:
    """Wald test that every coefficient is zero: ``(chi2, df, p)``.

    Raises
    ------
    ValueError
        If the covariance is not a finite positive-definite matrix of matching size.
    """
    b = np.asarray(coef, dtype=float).ravel()
    V = np.asarray(cov, dtype=float)
    if V.shape != (b.size, b.size) or not np.all(np.isfinite(V)) or not np.all(np.isfinite(b)):
        raise ValueError(f"need finite coefficients and a {b.size} x {b.size} covariance, got {V.shape}")
    try:
        L = np.linalg.cholesky(V)
    except np.linalg.LinAlgError as err:
        raise ValueError("the covariance of the tested coefficients is not positive definite") from err
    z = np.linalg.solve(L, b)
    chi2 = float(z @ z)
    return chi2, int(b.size), float(stats.chi2.sf(chi2, b.size))


def _sharp_test(b: np.ndarray, s: np.ndarray, V: np.ndarray | None) -> tuple[str, float, int, float]:
    """``(test, statistic, df, p)`` for one hypothesis' terms."""
    if b.size == 1:
        z = float(b[0] / s[0])
        return "Wald z", z, 1, float(2 * stats.norm.sf(abs(z)))
    if V is not None:
        chi2, df, p = joint_wald(b, V)
        return f"joint Wald chi2({df})", chi2, df, p
    p = float(min(1.0, _p_values(b, s).min() * b.size))
    return "Bonferroni (no covariance printed)", np.nan, int(b.size), p


def _outcome(direction: str, p: float, alpha: float) -> str:
    if not p < alpha:
        return "not significant"
    return "supported" if direction == "expected" else "contradicted"


def sharp_verdict_table(
    hypotheses: pd.DataFrame,
    estimates: pd.DataFrame,
    covariances: Mapping[int, pd.DataFrame] | None = None,
    alpha: float = ALPHA,
    flip: Iterable[str] = (),
) -> pd.DataFrame:
    """Judge every hypothesis with the three-outcome rule, joint tests and Holm.

    Parameters
    ----------
    hypotheses, estimates, alpha, flip
        As for :func:`verdict_table`.
    covariances : mapping of int to DataFrame, optional
        ``{model: covariance}`` indexed (rows and columns) by Table 4 key, as
        :func:`scsrepro.paper.fitting.key_covariance` returns; factors of a
        model without one are judged by the Bonferroni bound.

    Returns
    -------
    DataFrame
        One row per hypothesis: ``id, hypothesis, model, terms,
        expected_sign, direction, test, statistic, df, p, outcome, p_holm,
        outcome_holm`` (Holm over the hypotheses with a finite p-value).
        A hypothesis without finite estimates is ``not estimable``.
    """
    base = verdict_table(hypotheses, estimates, alpha=alpha, flip=flip)
    est = estimates.set_index(["model", "term"])
    rows = []
    for h in base.itertuples(index=False):
        terms = [t.strip() for t in h.terms.split(",")]
        row = {k: getattr(h, k) for k in ("id", "hypothesis", "model", "terms", "expected_sign", "direction")}
        if h.verdict == NOT_ESTIMABLE:
            rows.append({**row, "test": "", "statistic": np.nan, "df": np.nan, "p": np.nan, "outcome": NOT_ESTIMABLE})
            continue
        keys = [(h.model, t) for t in terms]
        b = est.loc[keys, "coef"].to_numpy(dtype=float)
        s = est.loc[keys, "se"].to_numpy(dtype=float)
        cov = (covariances or {}).get(h.model)
        V = cov.loc[terms, terms].to_numpy(dtype=float) if cov is not None else None
        test, stat, df, p = _sharp_test(b, s, V)
        rows.append(
            {**row, "test": test, "statistic": stat, "df": df, "p": p, "outcome": _outcome(h.direction, p, alpha)}
        )
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"])
    out["outcome_holm"] = [
        NOT_ESTIMABLE if o == NOT_ESTIMABLE else _outcome(d, p, alpha)
        for o, d, p in zip(out["outcome"], out["direction"], out["p_holm"])
    ]
    return out
