"""The overview cards' sparklines (issue #22): bars drawn by the app as a small SVG from
numbers only, the same bars as before (the series' last 12 complete months, in order), named
for screen readers in the reader's language, and nothing in them read as markup or Markdown."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from components.tiles import BARS_HEIGHT, Bars, bars_markdown, bars_svg
from tests.apptest import button, monthly_counts_in, new_app, sign_in, text_input

# On 8 Aug 2019 the running month (2019-08) is left out: the bars are Aug 2018 to Jul 2019.
AS_OF = "2019-08-08"
MONTHS = [f"2018-{m:02d}" for m in range(8, 13)] + [f"2019-{m:02d}" for m in range(1, 8)]
# The cards with bars, in the order of the page, and the series each draws.
CARDS = {
    "Experts registered": "experts",
    "Technologies registered": "registrations",
    "Deliberation meetings held": "meetings",
    "Technologies adopted": "adoptions",
    "Inter-city inquiries": "inquiries",
}


class _Svg(HTMLParser):
    """The SVG's label, and each bar's height and title (its hover text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svg: dict[str, str | None] = {}
        self.bars: list[dict[str, str | None]] = []
        self.titles: list[str] = []
        self.other: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svg = dict(attrs)
        elif tag == "rect":
            self.bars.append(dict(attrs))
        elif tag == "title":
            self._in_title = True
        else:
            self.other.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False if tag == "title" else self._in_title

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)


def parse(markdown: str) -> tuple[str, _Svg]:
    """The colour directive of a sparkline's markdown and its SVG, parsed."""
    found = re.fullmatch(r":(\w+)\[(<svg .*</svg>)\]", markdown)
    assert found, markdown[:200]
    svg = _Svg()
    svg.feed(found.group(2))
    return found.group(1), svg


def sparklines(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m.value) for m in at.markdown if 'class="ntp-bars"' in str(m.value)]


def expected_counts(url: str) -> dict[str, list[int]]:
    """Each series' new records per month over ``MONTHS``, read from the database."""
    return monthly_counts_in(url, MONTHS, CARDS.values())


def test_each_card_draws_the_bars_of_its_last_twelve_complete_months(app_env: str) -> None:
    at = new_app()
    at.query_params["as_of"] = AS_OF
    at = sign_in(at, "executive.demo")
    assert not at.exception
    lines = sparklines(at)
    assert len(lines) == len(CARDS)
    expected = expected_counts(app_env)
    for markdown, (name, series) in zip(lines, CARDS.items(), strict=True):
        colour, svg = parse(markdown)
        counts = expected[series]
        assert colour == "green"  # every card's figure rose over the year: the rise's colour
        assert svg.svg["role"] == "img"
        assert svg.svg["aria-label"] == (
            f"{name}: new per month, 2018-08 to 2019-07: {', '.join(map(str, counts))}."
        )
        # One bar per month, in order, each named with its month and count on hover ...
        assert svg.titles == [f"{m}: {n}" for m, n in zip(MONTHS, counts, strict=True)]
        assert not svg.other  # nothing but the bars and their names
        # ... standing on zero, the highest one full height, each as high as its count.
        heights = [float(b["height"] or "nan") for b in svg.bars]
        assert max(heights) == BARS_HEIGHT
        for h, n in zip(heights, counts, strict=True):
            assert h == pytest.approx(BARS_HEIGHT * n / max(counts), abs=0.06)
        # The card's caption names the same highest month as the tallest bar.
        top = counts.index(max(counts))
        caption = f"highest {max(counts)} ({MONTHS[top]})"
        assert any(caption in str(c.value) for c in at.caption), caption


def test_the_bars_are_named_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    at.query_params["as_of"] = AS_OF
    text_input(at, "사용자 이름").input("executive.demo")
    text_input(at, "비밀번호").input("ntp-demo-2019-08-08")
    button(at, "로그인").click()
    at.run()
    assert not at.exception
    labels = [parse(m)[1].svg["aria-label"] or "" for m in sparklines(at)]
    assert len(labels) == len(CARDS)
    assert labels[0].startswith("등록 전문가: 월별 신규 건수, 2018-08~2019-07: ")
    assert all("new per month" not in label for label in labels)


def test_the_bars_colour_follows_the_change_as_the_figure_says_it() -> None:
    bars = Bars([1, 2], ["2019-01", "2019-02"], "x")
    assert bars_markdown(bars, 3).startswith(":green[<svg ")
    assert bars_markdown(bars, -1).startswith(":red[<svg ")
    assert bars_markdown(bars, 0).startswith(":gray[<svg ")
    assert bars_markdown(bars, None).startswith(":gray[<svg ")
    assert bars_markdown(bars, 3, "inverse").startswith(":red[<svg ")
    assert bars_markdown(bars, -1, "inverse").startswith(":green[<svg ")
    assert bars_markdown(bars, 3, "off").startswith(":gray[<svg ")


def test_nothing_in_the_bars_is_read_as_markup_or_markdown() -> None:
    """The SVG is the one piece of the app's own HTML on the page: its label and bar names
    are escaped for HTML and for the Markdown around it, so no text can add an element, an
    attribute, a link or end the colour directive early."""
    text = 'a "b" <script>alert(1)</script> [x](javascript:alert(1)) *y* _z_ \\ ]'
    markdown = bars_markdown(Bars([0, 5], ["<img src=x onerror=alert(1)>", "]("], text), 1)
    colour, svg = parse(markdown)
    assert colour == "green"
    assert svg.svg["aria-label"] == text
    assert svg.titles == ["<img src=x onerror=alert(1)>: 0", "](: 5"]
    assert not svg.other
    inner = markdown[len(":green[") : -1]
    for raw in ("<script", "<img", "[", "]", "*", "_", "\\", '"b"'):
        assert raw not in inner.replace("<svg ", "").replace("</svg>", ""), raw
    # Negative or zero counts: no bar below the line or taller than the drawing.
    _, svg = parse(bars_markdown(Bars([-3, 0], ["a", "b"], "t"), 0))
    assert [b["height"] for b in svg.bars] == ["0.0", "0.0"]
    assert bars_svg(Bars([], [], "t")).count("<rect") == 0
