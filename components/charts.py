"""Altair chart builders: translated titles, axes, legends and tooltips.

Each builder takes a small DataFrame of already-aggregated figures (never records) and the
translated texts, and returns a chart for ``st.altair_chart``. Korean text needs no special
handling in Vega-Lite beyond a font that has Hangul, which the browser provides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import data
from components.i18n import _, current_language
from components.labels import label, labeller

FONT = "Noto Sans KR, Nanum Gothic, Malgun Gothic, sans-serif"


def show(build: Callable[..., alt.Chart], /, *args: Any, **kwargs: Any) -> None:
    """``st.altair_chart(build(*args, **kwargs), width="stretch")``, with the chart built and
    converted to Vega-Lite once per arguments and language instead of on every rerun
    (``components.data.chart_spec``).

    Altair validates the whole chart against the Vega-Lite schema when it is converted: about
    18 ms of CPU per chart, on every rerun. The converted specification is what Streamlit
    sends either way (``st.altair_chart`` converts, then draws it as ``st.vega_lite_chart``
    does), so the chart on screen is the same.
    """
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as convert
    except ImportError:  # a Streamlit without the converter: draw it the plain way
        st.altair_chart(build(*args, **kwargs), width="stretch")
        return
    name = f"{build.__module__}.{build.__qualname__}"
    spec = data.chart_spec(
        name, current_language(), args, kwargs, lambda: dict(convert(build(*args, **kwargs)))
    )
    st.vega_lite_chart(spec, width="stretch")


def configure(chart: alt.Chart) -> alt.Chart:
    """The app's fonts (with Hangul) on axes and legends; legends under the chart."""
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT, orient="bottom"
    )


def trend_chart(monthly: pd.DataFrame) -> alt.Chart:
    """Lines per series over months (``month``, ``series``, ``count``)."""
    df = monthly.assign(what=monthly["series"].map(lambda s: label("series", s)))
    chart = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=_("Month"), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("count:Q", title=_("Count")),
            color=alt.Color("what:N", title=None),
            tooltip=[
                alt.Tooltip("month:O", title=_("Month")),
                alt.Tooltip("what:N", title=_("Series")),
                alt.Tooltip("count:Q", title=_("Count"), format=","),
            ],
        )
        .properties(height=320)
    )
    return configure(chart)


def pipeline_chart(stages: dict[str, int]) -> alt.Chart:
    """Horizontal bars: technologies at each stage, in lifecycle order."""
    order = list(stages)
    df = pd.DataFrame(
        {
            "stage": [label("pipeline_stage", s) for s in order],
            "count": [stages[s] for s in order],
        }
    )
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("stage:N", title=None, sort=list(df["stage"])),
            x=alt.X("count:Q", title=_("Technologies")),
            tooltip=[
                alt.Tooltip("stage:N", title=_("Stage")),
                alt.Tooltip("count:Q", title=_("Technologies"), format=","),
            ],
        )
        .properties(height=220)
    )
    return configure(chart)


def breakdown_chart(frame: pd.DataFrame, *, kind: str, title: str) -> alt.Chart:
    """Grouped horizontal bars of registered and adopted technologies per code of ``kind``."""
    names = {"registered": _("Registered"), "adopted": _("Adopted")}
    df = frame.assign(name=frame["code"].map(labeller(kind)))
    long = df.melt(
        id_vars=["name"], value_vars=["registered", "adopted"], var_name="what", value_name="n"
    )
    long["what"] = long["what"].map(names)
    order = list(df.sort_values("registered", ascending=False)["name"])
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=180)),
            yOffset=alt.YOffset("what:N"),
            x=alt.X("n:Q", title=_("Technologies")),
            color=alt.Color("what:N", title=None),
            tooltip=[
                alt.Tooltip("name:N", title=title),
                alt.Tooltip("what:N", title=_("Figure")),
                alt.Tooltip("n:Q", title=_("Technologies"), format=","),
            ],
        )
        .properties(height=max(200, 44 * len(order)))
    )
    return configure(chart)
