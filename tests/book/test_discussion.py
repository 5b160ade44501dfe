"""Tests for the Figure 1 diagram of the discussion chapter (scsrepro.book.figures.framework)."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg")

from scsrepro.book.figures import framework as pf# noqa: E402
from scsrepro.paper.published import load_hypotheses  # noqa: E402


@pytest.fixture(scope="module")
def hypotheses():
    return load_hypotheses()


@pytest.fixture(scope="module")
def figure(hypotheses):
    return pf.framework_figure(hypotheses)


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _boxes(fig, prefix):
    return [p for ax in fig.axes for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def test_figure_has_three_category_boxes_and_one_outcome(figure):
    categories = _boxes(figure, "category:")
    assert [p.get_gid() for p in categories] == [f"category:{name}" for name, _ in pf.CATEGORIES]
    assert len(categories) == 3
    assert len(_boxes(figure, "outcome")) == 1
    assert pf.OUTCOME in _texts(figure)


def test_one_arrow_per_category_pointing_right(figure):
    arrows = [a for ax in figure.axes for a in ax.texts if isinstance(a, matplotlib.text.Annotation)]
    assert len(arrows) == len(pf.CATEGORIES)
    assert all(a.xy[0] > a.xyann[0] for a in arrows)


def test_labels_come_from_the_hypotheses_file(hypotheses, figure):
    text = "\n".join(_texts(figure))
    for category in hypotheses["category"].unique():
        assert category in text
    for h in hypotheses["hypothesis"]:
        assert f"{h}," in text or f"{h})" in text
    # a renamed category in the file shows up renamed in the figure
    renamed = hypotheses.assign(category=hypotheses["category"].replace("Online habits", "Internet use"))
    text2 = "\n".join(_texts(pf.framework_figure(renamed)))
    assert "Internet use" in text2 and "Online habits" not in text2


def test_every_category_box_contains_its_subcategories(hypotheses):
    groups = pf.framework_groups(hypotheses)
    assert set(groups["framework"]) == {name for name, _ in pf.CATEGORIES}
    assert sorted(groups["category"]) == sorted(hypotheses["category"].unique())
    # Models 1-3, 4-5 and 6-7 of Table 4 map to the three categories in order
    first = groups.groupby("framework", sort=False).head(1)["framework"].tolist()
    assert first == [name for name, _ in pf.CATEGORIES]
    counted = groups["hypotheses"].str.split(", ").map(len).sum()
    assert counted == len(hypotheses)


def test_category_of_model():
    assert pf.category_of_model(1) == pf.CATEGORIES[0][0]
    assert pf.category_of_model(5) == pf.CATEGORIES[1][0]
    assert pf.category_of_model(7) == pf.CATEGORIES[2][0]
    with pytest.raises(ValueError, match="Models 1-7"):
        pf.category_of_model(8)


def test_hypothesis_overview(hypotheses):
    over = pf.hypothesis_overview(hypotheses)
    assert len(over) == len(hypotheses)
    assert list(over.columns) == ["variable", "expected sign", "model", "paper's verdict"]
    assert over.index.names == ["Figure 1 category", "sub-category", "hypothesis"]
    assert set(over["paper's verdict"]) <= {"supported", "not supported"}


def test_bad_input_raises_clear_errors(hypotheses):
    with pytest.raises(ValueError, match="lacks columns"):
        pf.framework_groups(hypotheses.drop(columns=["category"]))
    with pytest.raises(ValueError, match="empty"):
        pf.framework_groups(hypotheses.iloc[0:0])
    with pytest.raises(ValueError, match="Models 1-7"):
        pf.framework_figure(hypotheses.assign(model=9))


def test_figure_is_deterministic(hypotheses):
    def png():
        buf = io.BytesIO()
        pf.framework_figure(hypotheses).savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    assert png() == png()
