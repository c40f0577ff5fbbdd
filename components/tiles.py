"""KPI tiles: one ``st.metric`` per headline figure, labels and help through i18n."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from components.i18n import fmt_int


@dataclass(frozen=True)
class Tile:
    label: str
    value: int
    help: str | None = None
    delta: int | None = None


def tile_row(tiles: Sequence[Tile]) -> None:
    """Render tiles side by side (wrapping by four)."""
    for start in range(0, len(tiles), 4):
        cols = st.columns(4)
        for col, t in zip(cols, tiles[start : start + 4], strict=False):
            with col:
                st.metric(
                    t.label,
                    fmt_int(t.value),
                    delta=None if t.delta is None else fmt_int(t.delta),
                    help=t.help,
                    border=True,
                )
