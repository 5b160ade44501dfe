"""The numbers behind the sampling chapter's figures (scsrepro.book.figures.sampling).

Computed on the committed synthetic twin, compared with an independent
computation and with the paper's design, and read back from the drawn
figures.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from scsrepro.book.figures import sampling as figs  # noqa: E402
from scsrepro.paper import quota, tables  # noqa: E402
from scsrepro.paper.published import load_published, published_value  # noqa: E402
from scsrepro.paper.weights import RAKING_VARIABLES, WEIGHT_CAP, population_margins  # noqa: E402


@pytest.fixture(scope="module")
def a2(twin):
    return tables.table_a2(*twin)


# ------------------------------------------------------------------ weights
def test_weight_histogram_and_cells(twin):
    df, w = twin
    wn = w / w.mean()
    cells = figs.weight_cells(df, w)
    assert cells["n"].sum() == len(df)
    assert cells["share"].sum() == pytest.approx(100)
    assert cells["weighted_share"].sum() == pytest.approx(100)
    assert cells["max_weight"].max() == pytest.approx(wn.max())
    assert cells["at_cap"].sum() == int((wn >= WEIGHT_CAP * (1 - 1e-9)).sum())
    assert cells["max_weight"].max() <= WEIGHT_CAP + 1e-9
    # the weighted shares of the raking variables hold the paper's margins
    margins = population_margins()
    for var in RAKING_VARIABLES:
        got = pd.Series(np.asarray(wn), index=df.index).groupby(df[var]).sum() / len(df)
        for code, share in margins[var].items():
            assert got[code] == pytest.approx(share, abs=1e-8)

    fig = figs.weight_histogram(w)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in ax.patches])
    assert heights.sum() == len(df)
    assert any(np.allclose(line.get_xdata(), WEIGHT_CAP) for line in ax.lines)


def test_design_numbers_beside_the_paper(twin):
    design = tables.design_numbers(*twin).set_index("id")
    assert design.at["p_design_margin_of_error", "reproduced"] == pytest.approx(
        published_value("p_design_margin_of_error"), abs=0.005)
    assert design.at["x_design_kish_deff", "reproduced"] == pytest.approx(
        design.at["x_design_kish_deff", "published"], abs=0.001)


# ------------------------------------------------------------------ representativeness
def test_representativeness_numbers(a2):
    pa1 = load_published("table_a1")
    printed = quota.printed_table(pa1)
    shares = quota.printed_regional_shares(pa1)
    design = quota.quota_table(printed["step1"], printed["step3"], shares)
    comp = figs.quota_comparison(a2, design)
    pct = comp.set_index(["category", "source"])["percent"]
    q = figs.QUOTA_SOURCES[0]
    assert pct[("Female", q)] + pct[("Male", q)] == pytest.approx(100)
    total = sum(shares.values())
    for region in ("West", "Central", "East"):
        assert pct[(region, q)] == pytest.approx(shares[region] / total * 100)
    # the regional-label question: the quota's East is the smallest, the weighted East the largest
    assert pct[("East", q)] < pct[("Central", q)] < pct[("West", q)]
    paper_w = figs.QUOTA_SOURCES[4]
    assert pct[("East", paper_w)] > pct[("Central", paper_w)] > pct[("West", paper_w)]
    a2i = a2.set_index("id")
    assert pct[("East", figs.QUOTA_SOURCES[1])] == a2i.at["a2_u_region_east", "reproduced"]
    assert pct[("Male", figs.QUOTA_SOURCES[2])] == a2i.at["a2_w_gender_male", "reproduced"]
    assert pct[("Male", paper_w)] == a2i.at["a2_w_gender_male", "published"]

    fig = figs.representativeness(comp)
    assert [ax.get_title() for ax in fig.axes] == ["Gender", "Region"]
    for ax in fig.axes:
        dim = ax.get_title()
        for cont, source in zip(ax.containers, figs.QUOTA_SOURCES[:3]):
            want = comp[(comp["dimension"] == dim) & (comp["source"] == source)]["percent"]
            np.testing.assert_allclose([b.get_height() for b in cont], want)




def test_disclosure_control_hides_small_bins_and_small_cells():
    rng = np.random.default_rng(3)
    w = pd.Series(np.concatenate([rng.uniform(0.9, 1.1, 400), [1.9, 0.3, 0.31]]))
    ax = figs.weight_histogram(w, protect=True).axes[0]
    heights = np.array([p.get_height() for p in ax.patches])
    assert heights.min() == 0 or heights.min() >= 10
    assert heights[heights > 0].min() >= 10 and heights.sum() < len(w)
    assert any("not shown" in t.get_text() for t in ax.texts)
    cells = pd.DataFrame({"age_group": [1, 2], "n": [40, 4], "share": [90.9, 9.1], "mean_weight": [1.0, 1.2],
                          "min_weight": [0.9, 1.1], "max_weight": [1.1, 1.3], "weighted_share": [90.0, 10.0],
                          "at_cap": [0, 1]})
    shown = figs.shown_cells(cells, protect=True)
    assert shown["suppressed"].tolist() == [False, True]
    assert shown.loc[1, list(figs.CELL_NUMBERS)].isna().all()
    assert not figs.shown_cells(cells, protect=False)["suppressed"].any()
