"""Altair chart builders: translated titles, axes, legends and tooltips.

Each builder takes a small DataFrame of already-aggregated figures (never records) and the
translated texts, and returns a chart for ``st.altair_chart``. Korean text needs no special
handling in Vega-Lite beyond a font that has Hangul, which the browser provides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import altair as alt
import pandas as pd
import streamlit as st

from components import data
from components.i18n import _, current_language, fmt_int
from components.labels import label, labeller
from components.tiles import markup_text

FONT = "Noto Sans KR, Nanum Gothic, Malgun Gothic, sans-serif"


def show(build: Callable[..., alt.Chart | alt.LayerChart], /, *args: Any, **kwargs: Any) -> None:
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
        name,
        current_language(),
        tuple(data.frame_key(a) for a in args),
        {k: data.frame_key(v) for k, v in kwargs.items()},
        lambda: stable_dataset_names(dict(convert(build(*args, **kwargs)))),
    )
    st.vega_lite_chart(spec, width="stretch")


def stable_dataset_names(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with its datasets named by their order (``ntp_rows_0``, ...) instead of a hash
    of their content (not ``data_0``: Vega-Lite names its own data sources so, and a chart with
    a dataset of that name is drawn empty).

    The browser builds a chart's Vega view anew only when the specification without its
    data changes; when only the data does, it hands the new rows to the view it has. A name
    made of the data's hash made every new date a new specification: the overview's four
    charts were compiled and built from scratch on every change of its date."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        return spec
    renamed = {old: f"ntp_rows_{i}" for i, old in enumerate(datasets)}
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, ensure_ascii=False)
    for old, new in renamed.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    stable = json.loads(text)
    stable["datasets"] = {renamed[k]: v for k, v in datasets.items()}
    return dict(stable)


C = TypeVar("C", alt.Chart, alt.LayerChart)


def configure(chart: C) -> C:
    """The app's fonts (with Hangul) on axes and legends; legends under the chart."""
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT, orient="bottom"
    )


ROW = 28
"""Pixels of height a category of a horizontal bar chart gets: its bar and room for its
label (the theme's axis labels are 12-14 px high, and Vega leaves out a label that would
touch the one before it)."""


def rows(chart: C, *, step: int = ROW, per_bar: bool = False) -> C:
    """``chart`` (horizontal bars, one band a category on y) drawn ``step`` pixels a
    category, however many there are, with its axes and legend around the bars, and as wide
    as the page. ``per_bar``: ``step`` is a bar's within a category (``yOffset``: several
    bars a category, as many as the data has).

    Every chart with a bar (or a group of bars) per category is sized here, not with a
    total height. Streamlit gives a specification without ``autosize`` the type ``fit``
    (``st.vega_lite_chart``): a total height is then the whole drawing's, and what the axis
    and the legend need is taken from the bars. Six sectors over a legend were drawn in
    ~110 px instead of 264, six regions in ~15 px a region, and Vega then drew only every
    other region's name. ``fit-x`` fits the width alone, and a height of so many pixels a
    category (``alt.Step``) is the bars' own: the chart grows with its categories."""
    # (said both ways: with a yOffset, Vega-Lite's step is a bar's unless told otherwise)
    height = alt.Step(step, **{"for": "offset" if per_bar else "position"})
    return chart.properties(
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


# Colours of categories, fixed per code whatever the language (Tableau 10, Vega's default).
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2")


def _js(text: str) -> str:
    """``text`` as a string literal of a Vega expression (JSON's quoting; Hangul kept)."""
    return json.dumps(text, ensure_ascii=False)


def coded_color(field: str, codes: Sequence[str], names: Mapping[str, str]) -> alt.Color:
    """Colour by the code in ``field`` (the same colour for a code in every language), the
    legend showing ``names[code]``; the legend is ordered as ``codes``."""
    expr = "datum.value"
    for code in reversed(codes):
        expr = f"datum.value === {_js(code)} ? {_js(names.get(code, code))} : {expr}"
    return alt.Color(
        f"{field}:N",
        title=None,
        scale=alt.Scale(domain=list(codes), range=list(PALETTE[: len(codes)])),
        sort=list(codes),
        legend=alt.Legend(labelExpr=expr),
    )


def breakdown_chart(frame: pd.DataFrame, *, kind: str, title: str) -> alt.Chart:
    """Grouped horizontal bars of registered and adopted technologies per code of ``kind``."""
    names = {"registered": _("Registered"), "adopted": _("Adopted")}
    df = frame.assign(name=frame["code"].map(labeller(kind)))
    long = df.melt(
        id_vars=["name"], value_vars=["registered", "adopted"], var_name="code", value_name="n"
    )
    long["what"] = long["code"].map(names)
    order = list(df.sort_values("registered", ascending=False)["name"])
    # The order as a column of the data, not a list in the specification: a new date then
    # changes only the chart's data (see stable_dataset_names).
    long["rank"] = long["name"].map({n: i for i, n in enumerate(order)})
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(
                "name:N",
                title=None,
                sort=alt.EncodingSortField(field="rank", op="min"),
                axis=alt.Axis(labelLimit=180),
            ),
            yOffset=alt.YOffset("code:N", sort=list(names)),
            x=alt.X("n:Q", title=_("Technologies")),
            color=coded_color("code", list(names), names),
            tooltip=[
                alt.Tooltip("name:N", title=title),
                alt.Tooltip("what:N", title=_("Figure")),
                alt.Tooltip("n:Q", title=_("Technologies"), format=","),
            ],
        )
    )
    return configure(rows(chart, step=44))


# --- outcomes (issue 20) ----------------------------------------------------------------------


def _bars_with_values(
    base: alt.Chart, *, x: alt.X, y: alt.Y, value: str, fmt: str, horizontal: bool = False
) -> alt.LayerChart:
    """Bars and their values written at their ends (every figure readable without hovering)."""
    bars = base.mark_bar().encode(x=x, y=y)
    text = base.mark_text(
        align="left" if horizontal else "center",
        baseline="middle" if horizontal else "bottom",
        dx=3 if horizontal else 0,
        dy=0 if horizontal else -3,
    ).encode(x=x, y=y, text=alt.Text(value, format=fmt))
    return bars + text


def contracts_by_year_chart(by_year: pd.DataFrame) -> alt.LayerChart:
    """Bars of contract value per year (billions of won) with the number of contracts."""
    df = by_year.assign(
        billions=(by_year["amount_krw"].astype(float) / 1e9).round(2),
        year=by_year["year"].astype(str),
        contracts=by_year["contracts"].astype(int),
    )
    base = alt.Chart(df).encode(
        tooltip=[
            alt.Tooltip("year:O", title=_("Year")),
            alt.Tooltip("contracts:Q", title=_("Contracts"), format=","),
            alt.Tooltip("billions:Q", title=_("Value (billion won)"), format=",.2f"),
        ]
    )
    chart = _bars_with_values(
        base,
        x=alt.X("year:O", title=_("Year"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("billions:Q", title=_("Value (billion won)")),
        value="billions:Q",
        fmt=",.1f",
    ).properties(height=300)
    return configure(chart)


def funnel_chart(funnel: pd.DataFrame) -> alt.LayerChart:
    """Horizontal bars: testbeds at each stage of testbed -> certification -> first sale."""
    df = funnel.assign(
        stage=[label("funnel_stage", s) for s in funnel["stage"]],
        testbeds=funnel["testbeds"].astype(int),
    )
    base = alt.Chart(df).encode(
        tooltip=[
            alt.Tooltip("stage:N", title=_("Stage")),
            alt.Tooltip("testbeds:Q", title=_("Testbeds"), format=","),
        ]
    )
    chart = _bars_with_values(
        base,
        y=alt.Y("stage:N", title=None, sort=list(df["stage"]), axis=alt.Axis(labelLimit=200)),
        x=alt.X("testbeds:Q", title=_("Testbeds")),
        value="testbeds:Q",
        fmt=",",
        horizontal=True,
    )
    return configure(rows(chart, step=50))


def satisfaction_chart(satisfaction: pd.DataFrame) -> alt.LayerChart:
    """Stacked horizontal bars per department: evaluations better than, as, worse than
    expected, with the counts written in the bars."""
    order = ["above", "as_expected", "below"]
    names = [label("performance", p) for p in order]
    long = satisfaction.melt(
        id_vars=["department"], value_vars=order, var_name="performance", value_name="n"
    )
    long["n"] = long["n"].astype(int)
    long["what"] = long["performance"].map(lambda p: label("performance", p))
    long["rank"] = long["performance"].map(order.index)
    long = long[long["n"] > 0]
    departments = list(satisfaction["department"])
    base = alt.Chart(long).encode(
        y=alt.Y(
            "department:N",
            title=None,
            sort=departments,
            axis=alt.Axis(labelLimit=200, labelOverlap=False),
        ),
        x=alt.X("n:Q", title=_("Evaluations"), stack="zero"),
        order=alt.Order("rank:Q"),
        tooltip=[
            alt.Tooltip("department:N", title=_("Department")),
            alt.Tooltip("what:N", title=_("Performance")),
            alt.Tooltip("n:Q", title=_("Evaluations"), format=","),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "what:N",
            title=None,
            scale=alt.Scale(domain=names, range=["#2e7d32", "#90a4ae", "#c62828"]),
        )
    )
    text = base.mark_text(color="white", dx=-8, align="right").encode(
        text=alt.Text("n:Q", format=",")
    )
    return configure(rows(bars + text, step=34))


def targets_chart(targets: pd.DataFrame) -> alt.LayerChart:
    """Per figure and year, the actual as a share of the target (100 % = met), labelled."""
    df = targets.dropna(subset=["actual"]).copy()
    df = df[df["target"] > 0]
    df["percent"] = (df["actual"].astype(float) / df["target"].astype(float) * 100).round(0)
    df["figure"] = df["figure"].map(lambda f: label("target_figure", f))
    df["year"] = df["year"].astype(str)
    base = alt.Chart(df).encode(
        tooltip=[
            alt.Tooltip("figure:N", title=_("Figure")),
            alt.Tooltip("year:O", title=_("Year")),
            alt.Tooltip("target:Q", title=_("Target"), format=","),
            alt.Tooltip("actual:Q", title=_("Actual"), format=","),
            alt.Tooltip("percent:Q", title=_("Achieved (%)"), format=",.0f"),
        ]
    )
    y = alt.Y("figure:N", title=None, axis=alt.Axis(labelLimit=220))
    x = alt.X("percent:Q", title=_("Achieved (%)"))
    bars = base.mark_bar().encode(
        x=x, y=y, yOffset=alt.YOffset("year:O"), color=alt.Color("year:O", title=_("Year"))
    )
    text = base.mark_text(align="left", dx=3, baseline="middle").encode(
        x=x, y=y, yOffset=alt.YOffset("year:O"), text=alt.Text("percent:Q", format=",.0f")
    )
    rule = alt.Chart(pd.DataFrame({"percent": [100]})).mark_rule(strokeDash=[4, 4]).encode(x=x)
    return configure(rows(bars + text + rule, step=22, per_bar=True))


# --- app-made drawings (issue #22) ------------------------------------------------------------
# The overview's trend and pipeline as the app's own markup, not Vega-Lite views: each view
# costs the browser ~0.12 s of script, layout and canvas on every open of the page (four views
# were a third of the overview's open in Chromium; bench.overview_profile). Only the app's
# texts go in (its translations, month keys, numbers), every one escaped: no user text, nothing
# from another host. Charts with the city's own names (the breakdowns) stay Vega-Lite views.


def pipeline_html(stages: Mapping[str, int]) -> str:
    """Horizontal bars of technologies at each stage, in lifecycle order, each bar's stage and
    count written beside it (and on hover): the same figures as the Vega-Lite chart's bars and
    tooltips, read as text by screen readers."""
    top = max(stages.values(), default=0) or 1
    bars = []
    for stage, n in stages.items():
        name = label("pipeline_stage", stage)
        shown = markup_text(name)
        share = max(int(n), 0) / top
        bars.append(
            f'<div class="ntp-stage" title="{shown}: {fmt_int(n)}">{shown}</div>'
            '<div style="display:flex;align-items:center;gap:6px">'
            f'<div aria-hidden="true" style="background:{PALETTE[0]};height:20px;'
            f'width:calc((100% - 5em) * {share:.4f})"></div>'
            f'<span title="{shown}: {fmt_int(n)}">{fmt_int(n)}</span></div>'
        )
    axis = markup_text(_("Technologies"))
    return (
        '<div class="ntp-pipeline" style="display:grid;grid-template-columns:max-content 1fr;'
        'gap:6px 12px;align-items:center;font-size:0.875rem;padding:4px 0">'
        + "".join(bars)
        + f'<div></div><div style="opacity:0.7;font-size:0.8rem">{axis}'
        "</div></div>"
    )


def _ticks(top: int) -> list[int]:
    """Round steps (1, 2 or 5 times a power of ten) from 0 to at least ``top``, at most 6."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if top <= 5 * step * m:
                return list(range(0, step * m * (-(-max(top, 1) // (step * m)) + 1), step * m))
        step *= 10


TREND_W, TREND_H = 1000, 320  # the drawing's own units; it is scaled to the page's width
TREND_MIN_PX = 720  # the narrowest it is drawn (its texts then 0.72 of their size)
_PLOT = (56, 12, 990, 250)  # left, top, right, bottom of the plotting area


def trend_svg(monthly: pd.DataFrame) -> str:
    """Lines per series over months (``month``, ``series``, ``count``), a point per month, the
    month's count of every series on hover of its column, axes, and a legend under it; for
    screen readers, the counts of every series in words (``role="img"`` and its label)."""
    months = list(dict.fromkeys(str(m) for m in monthly["month"]))
    codes = list(dict.fromkeys(str(s) for s in monthly["series"]))
    counts = {
        (str(m), str(s)): int(n)
        for m, s, n in zip(monthly["month"], monthly["series"], monthly["count"], strict=True)
    }
    ticks = _ticks(max(counts.values(), default=0))
    left, top, right, bottom = _PLOT
    slot = (right - left) / max(len(months), 1)

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    def y(n: int) -> float:
        return bottom - (bottom - top) * n / (ticks[-1] or 1)

    parts = [
        f'<line x1="{left}" x2="{right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="currentColor" '
        f'stroke-opacity="{0.5 if t == 0 else 0.12}"/>'
        f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{fmt_int(t)}</text>'
        for t in ticks
    ]
    every = max(1, -(-len(months) // 24))
    parts += [
        f'<text transform="translate({x(i) + 4:.1f},{bottom + 10}) rotate(-45)" '
        f'text-anchor="end">{markup_text(m)}</text>'
        for i, m in enumerate(months)
        if i % every == 0
    ]
    month, count = markup_text(_("Month")), markup_text(_("Count"))
    parts.append(
        f'<text x="{(left + right) / 2}" y="{TREND_H - 4}" text-anchor="middle" '
        f'font-weight="bold">{month}</text>'
        f'<text transform="translate(12,{(top + bottom) / 2}) rotate(-90)" text-anchor="middle" '
        f'font-weight="bold">{count}</text>'
    )
    said, hover = [], [f"{markup_text(m)}" for m in months]
    for code, colour in zip(codes, PALETTE, strict=False):
        name = label("series", code)
        values = [counts.get((m, code), 0) for m in months]
        line = " ".join(f"{x(i):.1f},{y(n):.1f}" for i, n in enumerate(values))
        # The line, and its points as one path of dots (a round cap on each zero-length
        # stroke): two elements a series, not one per month.
        dots = "".join(f"M{x(i):.1f} {y(n):.1f}h0" for i, n in enumerate(values))
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<path d="{dots}" stroke="{colour}" stroke-width="8" stroke-linecap="round"/>'
        )
        shown = markup_text(name)
        hover = [f"{h} · {shown}: {fmt_int(n)}" for h, n in zip(hover, values, strict=True)]
        said.append(f"{name}: {', '.join(fmt_int(n) for n in values)}")
    # Hover: a month's counts of every series, over the month's whole column.
    parts += [
        f'<rect x="{left + slot * i:.1f}" y="{top}" width="{slot:.1f}" height="{bottom - top}" '
        f'fill-opacity="0" pointer-events="all"><title>{h}</title></rect>'
        for i, h in enumerate(hover)
    ]
    text = _(
        "Trends by month, {first} to {last}: {series}.",
        first=months[0] if months else "",
        last=months[-1] if months else "",
        series="; ".join(said),
    )
    legend = "".join(
        f'<span style="display:inline-flex;align-items:center;gap:4px;margin-right:16px">'
        f'<span style="width:12px;height:12px;border-radius:50%;background:{colour}"></span>'
        f"{markup_text(label('series', code))}</span>"
        for code, colour in zip(codes, PALETTE, strict=False)
    )
    return (
        # (scaled to the page's width, but not below TREND_MIN_PX: on a phone it scrolls
        # sideways rather than shrink its texts out of reading)
        f'<div class="ntp-trend"><div style="overflow-x:auto"><svg role="img" '
        f'aria-label="{markup_text(text)}" viewBox="0 0 {TREND_W} {TREND_H}" width="100%" '
        f'font-size="12" fill="currentColor" style="min-width:{TREND_MIN_PX}px;'
        f'max-height:{TREND_H + 40}px">' + "".join(parts) + "</svg></div>"
        '<div aria-hidden="true" style="text-align:center;font-size:0.8rem;margin-top:6px">'
        f"{legend}</div></div>"
    )
