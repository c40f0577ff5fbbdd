"""The overview's trend and pipeline drawn by the app (issue #22), not as Vega-Lite views: the
same figures as the database says (every month's count of every series, every stage's
count), the values on hover or beside each bar, the counts in words for screen readers, in
the reader's language, and nothing but the app's own markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from components.charts import PALETTE, pipeline_html, trend_svg
from components.i18n import set_language
from tests.apptest import monthly_counts_in, new_app, sign_in

AS_OF = "2019-08-08"
# The trend on 8 Aug 2019: the 24 months up to it, its running month (2019-08) left out.
MONTHS = [f"2017-{m:02d}" for m in range(9, 13)]
MONTHS += [f"2018-{m:02d}" for m in range(1, 13)] + [f"2019-{m:02d}" for m in range(1, 8)]
SERIES_NAMES = {
    "registrations": "Registrations",
    "meetings": "Meetings held",
    "adoptions": "Adoptions",
    "inquiries": "Inquiries",
    "experts": "Experts joined",
}
ALLOWED = {"div", "span", "svg", "line", "text", "polyline", "path", "rect", "title"}


class _Markup(HTMLParser):
    """Tags, the SVG's attributes, the points' hover titles, and the visible texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.svg: dict[str, str | None] = {}
        self.points: list[dict[str, str | None]] = []
        self.titles: list[str] = []
        self.texts: list[str] = []
        self._title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.svg = dict(attrs) if tag == "svg" else self.svg
        if tag == "path":
            self.points.append(dict(attrs))
        self._title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._title = False

    def handle_data(self, data: str) -> None:
        (self.titles if self._title else self.texts).append(data)


def parsed(markup: str) -> _Markup:
    p = _Markup()
    p.feed(markup)
    return p


def expected_trend(url: str) -> dict[str, list[int]]:
    return monthly_counts_in(url, MONTHS, SERIES_NAMES)


def drawings(at) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The trend's and the pipeline's markup on the page."""
    trend = [str(m.value) for m in at.markdown if 'class="ntp-trend"' in str(m.value)]
    pipeline = [str(h.proto.body) for h in at.get("html") if "ntp-pipeline" in h.proto.body]
    assert len(trend) == 1 and len(pipeline) == 1
    return trend[0], pipeline[0]


def test_the_trend_and_pipeline_show_the_databases_figures(app_env: str) -> None:
    at = new_app()
    at.query_params["as_of"] = AS_OF
    at = sign_in(at, "executive.demo")
    assert not at.exception
    trend, pipeline = drawings(at)
    # Two Vega-Lite views are left on the page: the breakdowns (the city's own names).
    assert len(at.get("vega_lite_chart")) == 2
    t = parsed(trend)
    assert set(t.tags) <= ALLOWED
    expected = expected_trend(app_env)
    # Every month's count of every series on hover of its column, in order ...
    assert t.titles == [
        " · ".join([m, *(f"{SERIES_NAMES[s]}: {expected[s][i]:,}" for s in SERIES_NAMES)])
        for i, m in enumerate(MONTHS)
    ]
    # ... and in words for screen readers (the drawing is one picture to them).
    assert t.svg["role"] == "img"
    assert t.svg["aria-label"] == (
        "Trends by month, 2017-09 to 2019-07: "
        + "; ".join(
            f"{SERIES_NAMES[s]}: {', '.join(f'{n:,}' for n in expected[s])}" for s in SERIES_NAMES
        )
        + "."
    )
    # A point's height says its count: the highest one reaches the top tick at or above it.
    top = max(max(v) for v in expected.values())
    ticks = [int(x.replace(",", "")) for x in t.texts if re.fullmatch(r"[\d,]+", x)]
    assert max(ticks) >= top and max(ticks) < 2 * top + 10
    # (a series' points: one path of dots, a dot per month)
    dots = [re.findall(r"M([\d.]+) ([\d.]+)h0", p["d"] or "") for p in t.points]
    assert [len(d) for d in dots] == [len(MONTHS)] * len(SERIES_NAMES)
    heights = [float(y) for d in dots for _x, y in d]
    assert min(heights) == pytest.approx(250 - 238 * top / max(ticks), abs=0.06)
    # The pipeline: each stage and its count, written beside its bar, in lifecycle order.
    p = parsed(pipeline)
    assert set(p.tags) <= {"div", "span"}
    shown = [x for x in p.texts if x.strip()]
    assert shown[:2] == ["Submitted", "0"] and shown[-3:-1] == ["Adopted", "54"]
    assert shown[-1] == "Technologies"


def test_the_trend_is_drawn_in_korean(monkeypatch: pytest.MonkeyPatch) -> None:
    monthly = pd.DataFrame(
        [{"month": m, "series": s, "count": 2} for s in SERIES_NAMES for m in ("2019-06",)]
    )
    set_language("ko")
    try:
        t = parsed(trend_svg(monthly))
        pipe = parsed(pipeline_html({"submitted": 1, "adopted": 3}))
    finally:
        set_language("en")
    assert (t.svg["aria-label"] or "").startswith("월별 추이, 2019-06~2019-06: 기술 등록: 2; ")
    assert "전문가 신규 등록" in t.texts and "월" in t.texts
    assert [x for x in pipe.texts if x.strip()] == ["신청", "1", "활용", "3", "기술"]


def test_the_drawings_keep_colours_and_bar_lengths() -> None:
    monthly = pd.DataFrame(
        [
            {"month": m, "series": s, "count": n}
            for n, s in enumerate(SERIES_NAMES)
            for m in ("2019-06", "2019-07")
        ]
    )
    lines = re.findall(r'<polyline [^>]*stroke="(#[0-9a-f]{6})"', trend_svg(monthly))
    assert lines == list(PALETTE[: len(SERIES_NAMES)])  # Vega's colours, in the series' order
    html = pipeline_html({"submitted": 0, "screening": 5, "adopted": 20})
    shares = re.findall(r"width:calc\(\(100% - 5em\) \* ([\d.]+)\)", html)
    assert shares == ["0.0000", "0.2500", "1.0000"]  # the highest stage the full width


def test_nothing_in_the_drawings_is_read_as_markup_or_markdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only app texts go in, but they are escaped all the same (a translation with a bracket
    or an asterisk must not end the markdown or open a tag)."""
    from components import charts

    monkeypatch.setattr(charts, "label", lambda kind, code: f"<b>*{code}*</b> [x]_")
    t = trend_svg(pd.DataFrame([{"month": "2019-06", "series": "meetings", "count": 1}]))
    p = pipeline_html({"submitted": 1})
    assert "<b>" not in t and "*" not in t and "[" not in t  # (drawn through Markdown)
    assert "_" not in t.replace("ntp-", "")
    assert "&lt;b&gt;&#42;meetings&#42;&lt;/b&gt; &#91;x&#93;&#95;" in t
    assert "<b>" not in p and "&lt;b&gt;" in p  # (st.html: markup only)
