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
) -> None:
    """Draw ``tiles`` side by side, ``per_row`` to a row; ``below(i)`` draws what goes under
    the ``i``-th tile (a caption, a link), inside its column."""
    for start in range(0, len(tiles), per_row):
        cols = st.columns(per_row)
        for i, (col, t) in enumerate(zip(cols, tiles[start : start + per_row], strict=False)):
            with col:
                st.metric(
                    t.label,
                    _number(t.value),
                    delta=_number(t.delta),
                    delta_color=t.delta_color,
                    delta_arrow=t.delta_arrow,
                    help=t.help,
                    border=border,
                    chart_data=t.chart,
                    chart_type="bar",
                )
                if below is not None:
                    below(start + i)
