"""Data grids: the height of one that scrolls after a number of rows, and the grid of workflow
rows (work queue, approvals), each column a data key, a header (msgid) and how its value
reads; translated headers, labels instead of codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from components.cells import missing, moment, row_name
from components.i18n import N_, _
from components.labels import label, labeller

ROW_PX = 35  # a data grid's row and header heights in Streamlit
HEADER_PX = 38


def height(rows: int, shown: int) -> int:
    """The pixel height of a data grid of ``rows`` rows that scrolls after ``shown`` rows."""
    return HEADER_PX + ROW_PX * min(rows, shown) + 2


@dataclass(frozen=True)
class Col:
    """A column of a workflow grid: data key, header msgid, how to show the value."""

    key: str
    header: str
    show: Callable[[Any, Mapping[str, Any]], Any] | None = None
    width: int | None = None  # pixels; Streamlit sizes the others to their content
    link: Callable[[Mapping[str, Any]], str] | None = None  # the value links to this page


LINK_TEXT = r"[?&]show=([^&]*)$"  # a link cell reads as its ``show=`` parameter


def link_cell(address: str, text: Any) -> str:
    """A link column's value: the page ``address`` that reads as ``text``."""
    sep = "&" if "?" in address else "?"
    return f"{address}{sep}show={quote(str(text), safe='')}"


def table(
    df: pd.DataFrame,
    columns: Sequence[Col],
    *,
    empty: str,
    key: str,
    on_open: Callable[[Mapping[str, Any]], None] | None = None,
) -> None:
    """``df`` as a data grid with translated headers and labels, or ``empty`` (msgid).
    ``on_open``: a click on a row opens it (called with the row of ``df``, before the rerun)."""
    if df.empty:
        st.info(_(empty))
        return
    shown: dict[str, list[Any]] = {}  # (one frame built at the end, not a column at a time)
    rows = df.to_dict("records")  # plain dicts: iterrows builds a Series per row
    for col in columns:
        show = col.show.bound() if isinstance(col.show, Vocab) else col.show
        values = [
            show(r.get(col.key), r) if show else ("" if missing(r.get(col.key)) else r.get(col.key))
            for r in rows
        ]
        if col.link is not None:
            values = [
                link_cell(col.link(r), v) if v not in ("", "-") else None
                for r, v in zip(rows, values, strict=True)
            ]
        shown[_(col.header)] = values
    out = pd.DataFrame(shown, index=range(len(df)), dtype=object)
    config: dict[str, Any] = {
        _(c.header): st.column_config.Column(width=c.width) for c in columns if c.width
    }
    for c in columns:
        if c.link is not None:
            config[_(c.header)] = st.column_config.LinkColumn(width=c.width, display_text=LINK_TEXT)
    height_px = min(HEADER_PX + ROW_PX * len(out), 420)
    if on_open is None:
        st.dataframe(
            out,
            hide_index=True,
            width="stretch",
            column_config=config,
            key=key,
            height=height_px,
            placeholder="",
        )
        return

    def opened() -> None:
        chosen = st.session_state[key].selection.rows
        if chosen and chosen[0] < len(rows):
            on_open(rows[chosen[0]])

    st.dataframe(
        out,
        hide_index=True,
        width="stretch",
        column_config=config,
        key=key,
        height=height_px,
        on_select=opened,
        selection_mode="single-row",
        placeholder="",
    )


@dataclass(frozen=True)
class Vocab:
    """How a code of vocabulary ``kind`` reads in a column: its label."""

    kind: str

    def __call__(self, value: Any, _row: Mapping[str, Any]) -> str:
        return "-" if missing(value) else label(self.kind, str(value))

    def bound(self) -> Callable[[Any, Mapping[str, Any]], str]:
        """The same with the labels read once (a whole column)."""
        name = labeller(self.kind)
        return lambda value, _row: "-" if missing(value) else name(str(value))


def vocab(kind: str) -> Vocab:
    return Vocab(kind)


def title_col(header: str = N_("Technology")) -> Col:
    return Col("title_ko", header, lambda _v, r: row_name(r, "title_ko", "title_en"))


def date_col(key: str, header: str) -> Col:
    return Col(key, header, lambda v, _r: moment(v))
