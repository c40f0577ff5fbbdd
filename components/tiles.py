"""The one tile row: one ``st.metric`` per headline figure, side by side, labels and help
through i18n (the caller translates them). Every row of KPI tiles in the app is drawn here.

A tile's sparkline is a small SVG made here from numbers only (:func:`bars_svg`), not
``st.metric``'s own chart: that one is a whole Vega-Lite view per tile (about 190 DOM nodes
each, a third of the overview's page, re-embedded by the browser on every run), the SVG is a
dozen rectangles the browser draws with the text around it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

import streamlit as st

from components.i18n import fmt_int


@dataclass(frozen=True)
class Bars:
    """A sparkline: one bar per count, in order, each named (e.g. its month) on hover, and
    ``text``, what the bars show in words (read by screen readers instead of the drawing)."""

    counts: Sequence[int]
    names: Sequence[str]
    text: str


@dataclass(frozen=True)
class Tile:
    """One figure: a whole number (formatted here) or a text already formatted."""

    label: str
    value: int | str
    help: str | None = None
    delta: int | str | None = None  # None: no change shown
    delta_color: Literal["normal", "inverse", "off"] = "normal"
    delta_arrow: Literal["auto", "up", "down", "off"] = "auto"
    chart: Bars | None = None  # a sparkline of bars under the figure
    delta_description: str | None = None  # what the change is over ("since 7 Dec 2025")


def _number(value: int | str | None) -> str | None:
    """A whole number (Python's or numpy's) formatted for the reader; text as it is."""
    if isinstance(value, str) or value is None:
        return value
    return fmt_int(int(value))


def tile_row(
    tiles: Sequence[Tile],
    *,
    per_row: int = 4,
    border: bool = True,
    below: Callable[[int], None] | None = None,
    height: int | None = None,
) -> None:
    """Draw ``tiles`` side by side, ``per_row`` to a row; ``below(i)`` draws what goes under
    the ``i``-th tile (a caption, a link), inside its column. With ``height`` (pixels) each
    tile and what goes under it share one bordered card of that height, so a row's cards
    line up whatever each holds."""
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for i, (col, t) in enumerate(zip(cols, tiles[start : start + per_row], strict=False)):
            card = col.container(border=border, height=height) if height else col
            with card:
                st.metric(
                    t.label,
                    _number(t.value),
                    delta=_number(t.delta),
                    delta_color=t.delta_color,
                    delta_arrow=t.delta_arrow,
                    delta_description=t.delta_description,
                    help=t.help,
                    border=border and not height,
                )
                if t.chart is not None and t.chart.counts:
                    bars = bars_markdown(t.chart, t.delta, t.delta_color)
                    st.markdown(bars, unsafe_allow_html=True)
                if below is not None:
                    below(start + i)


BARS_HEIGHT = 48  # px, as st.metric's own chart
BAR_SHARE = 0.4  # of each bar's slot; the rest is the gap to the next bar
# The colour of the figure's change, as st.metric colours its chart: the theme's green for a
# rise, red for a fall, grey for none (Streamlit's colour directives follow the theme).
_COLOURS = {1: "green", -1: "red", 0: "gray"}


def bars_markdown(
    bars: Bars,
    delta: int | str | None,
    delta_color: Literal["normal", "inverse", "off"] = "normal",
) -> str:
    """``bars`` as markdown: the SVG inside the colour directive of ``delta``'s sign (a
    number's; text or nothing: grey), as ``st.metric`` colours its change (``inverse``: a
    fall green; ``off``: grey). The SVG fills with the text colour the directive sets."""
    sign = (delta > 0) - (delta < 0) if isinstance(delta, int) else 0
    sign = {"normal": sign, "inverse": -sign, "off": 0}[delta_color]
    return f":{_COLOURS[sign]}[{bars_svg(bars)}]"


def bars_svg(bars: Bars) -> str:
    """An SVG of ``bars``, one line, the app's own markup: numbers, the bars' names and their
    text, all escaped (the text is the app's translation, never a user's). Bars stand on zero,
    the highest one full height; each bar's name and count show on hover (its ``title``);
    screen readers read ``role="img"`` and its label, not the rectangles."""
    counts = [max(int(n), 0) for n in bars.counts]
    top = max(counts, default=0) or 1
    slot = 100 / max(len(counts), 1)
    rects = []
    for i, (n, name) in enumerate(zip(counts, bars.names, strict=True)):
        h = round(BARS_HEIGHT * n / top, 1)
        rects.append(
            f'<rect x="{i * slot + slot * (1 - BAR_SHARE) / 2:.2f}%" y="{BARS_HEIGHT - h}" '
            f'width="{slot * BAR_SHARE:.2f}%" height="{h}">'
            f"<title>{markup_text(name)}: {n}</title></rect>"
        )
    return (
        f'<svg class="ntp-bars" role="img" aria-label="{markup_text(bars.text)}" width="100%" '
        f'height="{BARS_HEIGHT}" fill="currentColor">' + "".join(rects) + "</svg>"
    )


def markup_text(text: object) -> str:
    """``text`` escaped for HTML and for the markdown around the SVG (its brackets would end
    the colour directive; a backslash or asterisk would be read as markdown)."""
    return (
        escape(str(text), quote=True)
        .replace("[", "&#91;")
        .replace("]", "&#93;")
        .replace("\\", "&#92;")
        .replace("*", "&#42;")
        .replace("_", "&#95;")
    )
