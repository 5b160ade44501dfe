"""The sample design's numbers: sample size, margin of error, weights, design effect.

The paper's text states its n, its margin of error and two facts about the
weights; ``data/targets.yml`` gives those prose numbers the recipe method
``design``. :func:`scsrepro.paper.tables.design_numbers` recomputes them with
:func:`design_quantity` from the survey weights and appends
:func:`design_effect_rows`, two derived numbers the paper does not print.
:func:`design_rows` tells the design rows of the prose file apart from the
others, which :func:`scsrepro.paper.tables.prose_numbers` computes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scsrepro.paper.recipes import COLUMNS, base_mask, describe, empty_result, text_column
from scsrepro.paper.targets import Recipe, Targets
from scsrepro.survey.weighting import effective_n, implied_deff, kish_deff, margin_of_error

__all__ = ["design_rows", "design_quantity", "design_effect_rows"]


def design_rows(targets: Targets) -> Callable[[pd.DataFrame], pd.Series]:
    """Row selector: published rows whose recipe is a design quantity."""

    def is_design(id_: str) -> bool:
        hit = targets.lookup(id_)
        return isinstance(hit, Recipe) and hit.method == "design"

    def select(pub: pd.DataFrame) -> pd.Series:
        return pub["id"].map(is_design).astype(bool)

    return select


def design_quantity(recipe: Recipe, frame: pd.DataFrame, wv: np.ndarray, wn: np.ndarray) -> dict:
    """The design quantity a ``design`` recipe names, as a recipe result.

    ``n`` (respondents in *frame*), ``margin_of_error`` (of the weights
    *wv*, in per cent), ``max_weight`` or ``mean_weight`` (of the weights
    scaled to a mean of 1, *wn*, in the recipe's base).
    """
    q = recipe.get("quantity")
    base = base_mask(frame, recipe.get("base"))
    res = {**empty_result(), "n_base": int(base.sum()), "reading": describe(recipe.spec, True)}
    if q == "n":
        res.update(reproduced=float(len(frame)), reading="number of respondents in the data")
    elif q == "margin_of_error":
        res["reproduced"] = margin_of_error(wv) * 100
    elif q == "max_weight":
        res["reproduced"] = float(wn[base].max())
    elif q == "mean_weight":
        res["reproduced"] = float(wn[base].mean()) if base.any() else np.nan
        if not base.any():
            res["note"] = "no respondent in this cell"
    return res


def design_effect_rows(published: pd.Series, wv: np.ndarray) -> pd.DataFrame:
    """Kish's design effect and effective sample size of *wv*, next to those the paper implies.

    *published* holds the printed design numbers by id; the printed margin
    of error and n imply a design effect
    (:func:`scsrepro.survey.weighting.implied_deff`) and with it an
    effective sample size. Two rows with ids starting ``x_`` and the
    columns of :data:`scsrepro.paper.recipes.COLUMNS`.
    """
    n_pub = published.get("p_design_sample_size", np.nan)
    moe_pub = published.get("p_design_margin_of_error", np.nan)
    deff_pub = implied_deff(moe_pub / 100, int(n_pub)) if np.isfinite(moe_pub) and np.isfinite(n_pub) else np.nan
    extra = pd.DataFrame(
        [
            {
                "id": "x_design_kish_deff",
                "source": "derived",
                "measure": "Design effect",
                "item": "Kish design effect of the weights",
                "column": "",
                "statistic": "ratio",
                "published": deff_pub,
                "reproduced": kish_deff(wv),
                "n_base": len(wv),
                "reading": "published: deff implied by the printed 2.22 % and n (not printed in the paper)",
            },
            {
                "id": "x_design_effective_n",
                "source": "derived",
                "measure": "Design effect",
                "item": "Kish effective sample size",
                "column": "",
                "statistic": "n",
                "published": n_pub / deff_pub if np.isfinite(deff_pub) else np.nan,
                "reproduced": effective_n(wv),
                "n_base": len(wv),
                "reading": "published: n / implied deff (not printed in the paper)",
            },
        ]
    )
    extra["computable"] = True
    extra = extra.reindex(columns=list(COLUMNS))
    for col in ("reading", "alt_reading", "closer", "note"):
        extra[col] = text_column(extra[col])
    extra["n_base"] = extra["n_base"].astype("Int64")
    return extra
