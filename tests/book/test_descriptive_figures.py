"""The numbers behind the figures of the sampling and descriptives chapters.

nbval compares a chapter's text outputs but not its images, so this file
checks every figure's numbers directly: each is computed through the
package functions on the committed synthetic twin, compared with an
independent computation and with the paper where the twin was calibrated,
and then read back from the drawn figure (bar lengths, error bars, markers).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer

matplotlib.use("Agg")

from scsrepro.book.figures import descriptive as figs  # noqa: E402
from scsrepro.book.figures import sampling as sampling_figs  # noqa: E402
from scsrepro.data.fake import random_valid_frame  # noqa: E402
from scsrepro.paper import tables  # noqa: E402
from scsrepro.paper.published import published_value  # noqa: E402
from scsrepro.paper.weights import weights_for  # noqa: E402

Z = 1.959963984540054
SESAME_SCORE = "Sesame credit reported score"


@pytest.fixture(scope="module")
def a2(twin):
    return tables.table_a2(*twin)


def _by_hand(df, w, var, code):
    y = pd.to_numeric(df[var]).astype(float)
    keep = y.notna().to_numpy()
    return float(np.average((y[keep] == code).to_numpy(), weights=np.asarray(w)[keep]) * 100)


def _check_intervals(frame):
    assert (frame["ci_low"] <= frame["percent"]).all() and (frame["percent"] <= frame["ci_high"]).all()
    np.testing.assert_allclose(frame["ci_high"] - frame["percent"], Z * frame["se"], rtol=1e-9)


def _barh_values(fig):
    ax = fig.axes[0]
    return np.array([p.get_width() for p in ax.containers[0]])


def _errorbar_extents(ax):
    """(low, high) ends of the error bars drawn with ax.errorbar."""
    from matplotlib.collections import LineCollection

    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1
    segs = lines[0].get_segments()
    return np.array([[s[:, 0].min(), s[:, 0].max(), s[:, 1].min(), s[:, 1].max()] for s in segs])


def _markers(ax):
    from matplotlib.collections import PathCollection

    pts = [c for c in ax.collections if isinstance(c, PathCollection)]
    return pts[0].get_offsets() if pts else np.empty((0, 2))


# ------------------------------------------------------------------ Figure 2
def test_figure_2_numbers(twin, a2):
    df, w = twin
    use = figs.with_published(figs.option_shares(df, w, "scs_use"), figs.published_points("p_res_*"))
    assert list(use["variable"]) == ["use_tencent", "use_sesame", "use_gov_pilot", "use_other",
                                     "use_dont_know", "use_none"]
    for r in use.itertuples():
        assert r.percent == pytest.approx(_by_hand(df, w, r.variable, 1), abs=1e-9)
        key = r.variable.replace("use_", "")
        stem = {"tencent": "tencent_credit", "sesame": "sesame_credit"}.get(key, key)
        assert r.percent == pytest.approx(a2.set_index("id").at[f"a2_w_scs_use_{stem}", "reproduced"], abs=1e-9)
    _check_intervals(use)
    assert (use["n"] == len(df)).all()
    # multi-select: the shares are separate estimates and sum to more than 100
    assert use["percent"].sum() > 100
    # the diamonds are the shares the paper's text quotes
    pub = use.set_index("variable")["published"]
    assert pub["use_sesame"] == published_value("p_res_sesame_users")
    assert pub["use_tencent"] == published_value("p_res_tencent_users")
    assert pub["use_gov_pilot"] == published_value("p_res_gov_pilot_aware")
    assert pub["use_none"] == published_value("p_res_no_scs")
    assert pub["use_dont_know"] == published_value("p_res_dont_know_scs")
    assert np.isnan(pub["use_other"])
    # the twin is calibrated to them (within the rounding of the text)
    assert (use["difference"].dropna().abs() <= 0.5).all()

    fig = figs.share_bars(use)
    np.testing.assert_allclose(_barh_values(fig), use["percent"])
    ext = _errorbar_extents(fig.axes[0])
    np.testing.assert_allclose(ext[:, 0], use["ci_low"])
    np.testing.assert_allclose(ext[:, 1], use["ci_high"])
    np.testing.assert_allclose(_markers(fig.axes[0])[:, 0], use["published"].dropna())


# ------------------------------------------------------------------ Figure 3
def test_figure_3_numbers(twin, a2):
    df, w = twin
    approval = figs.with_published(figs.category_shares(df, w, "approval"), figs.published_points("a2_w_approval_*"))
    assert list(approval["code"]) == [1, 2, 3, 4, 5]
    assert approval["percent"].sum() == pytest.approx(100)
    _check_intervals(approval)
    weighted = a2[a2["id"].str.startswith("a2_w_approval_")]
    np.testing.assert_allclose(approval["percent"], weighted["reproduced"])
    np.testing.assert_allclose(approval["published"], weighted["published"])
    for r in approval.itertuples():
        assert r.percent == pytest.approx(_by_hand(df, w, "approval", r.code), abs=1e-9)
    assert (approval["difference"].abs() <= 0.5).all()

    fig = figs.approval_bars(approval)
    ax = fig.axes[0]
    bars = [p.get_height() for c in ax.containers if isinstance(c, BarContainer) for p in c]
    np.testing.assert_allclose(bars, approval["percent"])
    ext = _errorbar_extents(ax)
    np.testing.assert_allclose(ext[:, 2], approval["ci_low"])
    np.testing.assert_allclose(ext[:, 3], approval["ci_high"])
    np.testing.assert_allclose(_markers(ax)[:, 1], approval["published"])


# ------------------------------------------------------------------ Figure 5
def test_figure_5_numbers(twin):
    df, w = twin
    manage = figs.with_published(figs.category_shares(df, w, "manage_nationwide"), figs.published_points("p_fig5_*"))
    assert list(manage["code"]) == [1, 2, 3, 4, 5, 98]
    assert manage["percent"].sum() == pytest.approx(100)
    _check_intervals(manage)
    for r in manage.itertuples():
        assert r.percent == pytest.approx(_by_hand(df, w, "manage_nationwide", r.code), abs=1e-9)
    ids = dict(zip(manage["code"], manage["id"]))
    assert ids[1] == "p_fig5_central_government" and ids[4] == "p_fig5_private_companies"
    assert manage["published"].notna().sum() == 4
    # prose tolerance: 1 percentage point; 'less than 2 %' for private companies
    assert (manage["difference"].dropna().abs() <= 1.0).all()
    assert manage.set_index("code").at[4, "percent"] < published_value("p_fig5_private_companies")

    fig = figs.share_bars(manage)
    np.testing.assert_allclose(_barh_values(fig), manage["percent"])
    np.testing.assert_allclose(_markers(fig.axes[0])[:, 0], manage["published"].dropna())


# ------------------------------------------------------------------ Figure 6
def test_figure_6_numbers(twin):
    df, w = twin
    trust = figs.with_published(figs.option_shares(df, w, "data_responsible"), figs.published_points("p_fig6_*"))
    assert list(trust["variable"]) == ["dr_central_gov", "dr_provincial_gov", "dr_municipal_gov",
                                       "dr_state_owned", "dr_foreign", "dr_private"]
    _check_intervals(trust)
    for r in trust.itertuples():
        assert r.percent == pytest.approx(_by_hand(df, w, r.variable, 1), abs=1e-9)
    assert trust["published"].notna().all()
    assert (trust["difference"].abs() <= 1.0).all()
    assert trust["percent"].sum() > 100

    fig = figs.share_bars(trust)
    np.testing.assert_allclose(_barh_values(fig), trust["percent"])
    ext = _errorbar_extents(fig.axes[0])
    np.testing.assert_allclose(ext[:, 0], trust["ci_low"])


# ------------------------------------------------------------------ layouts
def test_table_a2_layout_has_every_row(a2):
    layout, notes = figs.table_a2_layout(a2)
    assert len(layout) * 2 == len(a2)
    assert layout[("Unweighted %", "paper")].notna().all() and layout[("Weighted %", "paper")].notna().all()
    flagged = layout[("Notes", "notes")].str.contains("E-")
    errata = figs.errata_for(a2["id"])
    assert flagged.sum() == len(errata) and len(errata) > 0
    assert set(layout.loc[("Age", "14-30"), ("Notes", "notes")].split(", ")) == {"E-AGE (unweighted)"}
    # a block asked of Sesame users only carries one footnote letter that says so
    sesame = layout.xs(SESAME_SCORE, level="measure")[("Notes", "notes")]
    letters = set(sesame)
    assert len(letters) == 1
    assert "Sesame Credit users only" in notes.set_index("note").at[letters.pop(), "text"]


def test_table_a3_layout_has_every_row(twin):
    a3 = tables.table_a3(*twin)
    layout = figs.table_a3_layout(a3)
    assert len(layout) * 2 == len(a3)
    assert layout[("Mean", "paper")].notna().all() and layout[("Std. Dev.", "paper")].notna().all()
    assert (layout[("Notes", "erratum")] != "").sum() == len({e for e in figs.errata_for(a3["id"])["erratum"]})


# ------------------------------------------------------------------ other data
def test_numbers_on_another_codebook_valid_file():
    df = random_valid_frame(400, seed=5, weight=True)
    w = weights_for(df)
    assert np.array_equal(w.to_numpy(), df["weight"].to_numpy(dtype=float))
    use = figs.option_shares(df, w, "scs_use")
    assert use["percent"].between(0, 100).all()
    manage = figs.category_shares(df, w, "manage_nationwide")
    assert manage["percent"].sum() == pytest.approx(100)
    cells = sampling_figs.weight_cells(df, w)
    assert cells["n"].sum() == len(df)
