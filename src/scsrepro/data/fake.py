"""Random raw datasets that follow the codebook, for tests and demonstrations.

:func:`random_valid_frame` draws a small, uncalibrated raw dataset that obeys
the codebook (codes, branching, multi-select rules); it is used by the tests
and by the book to show that the chapters run on any dataset that follows the
codebook. The values carry no information about the real survey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scsrepro.data.branching import condition_state
from scsrepro.data.codebook import Codebook, load_codebook
from scsrepro.data.expressions import ALWAYS, branching_order_from, expression_names
from scsrepro.data.variables import Group, Variable

__all__ = ["random_valid_frame"]


def random_valid_frame(
    n: int,
    seed: int,
    codebook: Codebook | None = None,
    *,
    weight: bool = False,
    p_missing: float = 0.05,
) -> pd.DataFrame:
    """Draw a small, uncalibrated raw dataset that follows the codebook.

    Values are drawn uniformly from each variable's substantive codes (and
    the non-substantive codes with probability *p_missing* each); questions
    are filled only for respondents the branching logic would ask, and the
    multi-select rules (least number selected, exclusive options) hold. The
    result carries no information about the real survey.

    Parameters
    ----------
    n : int
        Number of respondents (> 0).
    seed : int
        Seed of ``numpy.random.default_rng``; equal seeds give equal frames.
    codebook : Codebook, optional
        Defaults to the project's codebook.
    weight : bool, default False
        Whether to add a ``weight`` column (uniform on 0.5-2.0).
    p_missing : float, default 0.05
        Probability of each non-substantive code among those asked.

    Returns
    -------
    pandas.DataFrame
        Raw columns (``Int64``; ``weight`` ``Float64``) in codebook order.
    """
    if n <= 0:
        raise ValueError("n must be a positive number of respondents")
    cb = codebook or load_codebook()
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(index=pd.RangeIndex(n))
    for key in _drawing_order(cb):
        if key.startswith("group:"):
            group = cb.groups[key[6:]]
            _draw_group(df, group, _asked(df, group.asked_if, cb), rng)
            continue
        var = cb[key]
        if var.type == "weight" and not weight:
            continue
        if var.type == "id":
            df[var.name] = pd.array(np.arange(1, n + 1), dtype="Int64")
        elif var.type == "weight":
            df[var.name] = pd.array(np.round(rng.uniform(0.5, 2.0, n), 4), dtype="Float64")
        else:
            df[var.name] = _draw_answers(var, _asked(df, var.asked_if, cb), rng, p_missing)
    order = [v.name for v in cb.raw_variables if v.name in df.columns]
    return df[order]


def _drawing_order(cb: Codebook) -> list[str]:
    """Units to draw (variable names, or ``group:<name>`` for a whole group), each after those its filter uses."""
    raw = cb.raw_variables
    raw_names = {v.name for v in raw}
    units: dict[str, set[str]] = {}
    for v in raw:
        key = f"group:{v.group}" if v.group else v.name
        deps = expression_names(v.asked_if) & raw_names
        units.setdefault(key, set()).update(deps)
    members = {key: ([o for o in cb.groups[key[6:]].options] if key.startswith("group:") else [key]) for key in units}
    name_to_unit = {m: key for key, ms in members.items() for m in ms}
    unit_deps = {key: {name_to_unit[d] for d in ds} - {key} for key, ds in units.items()}
    return branching_order_from(unit_deps)


def _asked(df: pd.DataFrame, expr: str, cb: Codebook) -> np.ndarray:
    """Rows that the condition *expr* puts the question to, given the columns drawn so far."""
    if expr == ALWAYS:
        return pd.Series(True, index=df.index).to_numpy(bool)
    return condition_state(df, expr, cb)[0].to_numpy(bool)


def _draw_answers(
    var: Variable, asked: np.ndarray, rng: np.random.Generator, p_missing: float
) -> pd.api.extensions.ExtensionArray:
    n = len(asked)
    if var.type == "integer":
        assert var.min is not None and var.max is not None  # the codebook requires both for integer variables
        values = rng.integers(var.min, var.max + 1, n).astype(float)
    else:
        subst = np.array(var.substantive_codes)
        miss = np.array(var.missing_codes)
        values = rng.choice(subst, n).astype(float)
        if miss.size:
            use_missing = rng.random(n) < p_missing * miss.size
            values[use_missing] = rng.choice(miss, int(use_missing.sum()))
    values[~asked] = np.nan
    return pd.array(values, dtype="Float64").astype("Int64")


def _draw_group(df: pd.DataFrame, group: Group, asked: np.ndarray, rng: np.random.Generator) -> None:
    n = len(df)
    opts = list(group.options)
    regular = [o for o in opts if o not in group.exclusive]
    sel = np.zeros((n, len(opts)), dtype=float)
    idx = {o: i for i, o in enumerate(opts)}
    for o in regular:
        sel[:, idx[o]] = rng.random(n) < 0.4
    if group.exclusive:
        pick_excl = rng.random(n) < 0.1 * len(group.exclusive)
        choice = rng.choice(len(group.exclusive), n)
        for r in np.flatnonzero(pick_excl):
            sel[r, :] = 0
            sel[r, idx[group.exclusive[choice[r]]]] = 1
    if group.min_selected > 0:
        for r in np.flatnonzero(sel.sum(axis=1) < group.min_selected):
            pool = regular or list(group.exclusive)
            if not regular:
                sel[r, :] = 0
                sel[r, idx[pool[rng.integers(len(pool))]]] = 1
                continue
            need = group.min_selected - int(sel[r].sum())
            free = [idx[o] for o in regular if sel[r, idx[o]] == 0]
            for c in rng.choice(free, size=min(need, len(free)), replace=False):
                sel[r, c] = 1
    sel[~asked, :] = np.nan
    for o in opts:
        df[o] = pd.array(sel[:, idx[o]], dtype="Float64").astype("Int64")
