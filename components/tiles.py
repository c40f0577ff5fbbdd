"""The one tile row: one ``st.metric`` per headline figure, side by side, labels and help
through i18n (the caller translates them). Every row of KPI tiles in the app is drawn here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from components.i18n import fmt_int


@dataclass(frozen=True)
class Tile:
    """One figure: a whole number (formatted here) or a text already formatted."""

    label: str
    value: int | str
    help: str | None = None
    delta: int | str | None = None  # None: no change shown
    delta_color: Literal["normal", "inverse", "off"] = "normal"
    delta_arrow: Literal["auto", "up", "down", "off"] = "auto"
    chart: Sequence[Any] | None = None  # a sparkline of bars under the figure
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
                    chart_data=t.chart,
                    chart_type="bar",
                )
                if below is not None:
                    below(start + i)
