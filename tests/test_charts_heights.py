"""Bar charts with a bar (or a group of bars) per category are as tall as their categories,
as Streamlit sends them to the browser: a height of so many pixels a category (a Vega-Lite
step), and ``autosize`` fitting the width alone.

Without its own ``autosize`` a specification gets Streamlit's ``fit``, which makes a total
height the whole drawing's: the axis and the legend were taken from the bars, and Vega left
out every other region's name (``tests/browser/test_chart_heights_browser.py`` looks at the
drawn charts; this checks every such chart quickly, also those the browser test does not open).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as convert
from streamlit.elements.vega_charts import _prepare_vega_lite_spec as prepare

from components import charts, fairness, inquiries
from db.intercity import analysis as q

CHARTS: dict[str, tuple[Callable[[], alt.Chart | alt.LayerChart], int, str]] = {
    # name: (the chart, pixels a category, "position" or a bar's "offset")
    "inquiries by region": (
        lambda: inquiries._region_bars(
            pd.DataFrame(
                {
                    "region": ["sejong", "busan", q.ABROAD],
                    "inquiries": [3, 2, 1],
                    "name": ["Sejong", "Busan", "Abroad"],
                }
            )
        ),
        charts.ROW,
        "position",
    ),
    "outcomes funnel": (
        lambda: charts.funnel_chart(
            pd.DataFrame({"stage": ["testbed", "certified", "first_sale"], "testbeds": [5, 3, 1]})
        ),
        50,
        "position",
    ),
    "outcomes satisfaction": (
        lambda: charts.satisfaction_chart(
            pd.DataFrame(
                {
                    "department": ["Roads", "Water"],
                    "above": [2, 1],
                    "as_expected": [3, 0],
                    "below": [0, 1],
                }
            )
        ),
        34,
        "position",
    ),
    "outcomes targets": (
        lambda: charts.targets_chart(
            pd.DataFrame(
                {
                    "figure": ["contracts", "contracts", "technologies_adopted"],
                    "year": [2024, 2025, 2025],
                    "target": [10, 12, 40],
                    "actual": [5, 13, 30],
                }
            )
        ),
        22,
        "offset",
    ),
    "fairness composition": (
        lambda: fairness._composition_chart(
            pd.DataFrame(
                {
                    "affiliation": ["public", "industry", "academia", "other"],
                    "pool_share": [0.5, 0.3, 0.15, 0.05],
                    "seat_share": [0.45, 0.35, 0.15, 0.05],
                }
            )
        ),
        44,
        "position",
    ),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_a_bar_chart_is_as_tall_as_its_categories(name: str) -> None:
    build, step, per = CHARTS[name]
    sent: dict[str, Any] = prepare(dict(convert(build())), use_container_width=True)
    assert sent["height"] == {"step": step, "for": per}, sent.get("height")
    assert sent["autosize"] == {"type": "fit-x", "contains": "padding"}, sent.get("autosize")


def test_streamlit_would_otherwise_fit_the_height_too() -> None:
    """The cause, kept in view: a specification without ``autosize`` gets ``fit`` (its height
    then the whole drawing's). If Streamlit changes this default, ``charts.rows`` may go."""
    chart = alt.Chart(pd.DataFrame({"a": ["x"], "n": [1]})).mark_bar().encode(y="a:N", x="n:Q")
    sent = prepare(dict(convert(chart.properties(height=100))), use_container_width=True)
    assert sent["autosize"]["type"] == "fit"
