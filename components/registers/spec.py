"""What a register is made of (its filters, columns, detail fields and related lists), what
the filter bar decided for one run (:class:`View`), and how a value of a record reads in the
table and in the detail card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import streamlit as st

from components import data
from components.cells import in_language, missing, money, yes_no
from components.i18n import _, fmt_date, fmt_int
from components.labels import CITY_VOCABULARIES, label, labeller

PAGE_SIZE = 50
TABLE_ROWS_SHOWN = 15  # rows visible before the table scrolls
DATE_MAX = dt.date(2100, 12, 31)
RESERVED = ("sort", "page", "id")  # URL parameters besides the filters

FilterKind = Literal["date", "local", "code", "search"]
ColumnKind = Literal["text", "date", "local", "money", "bool", "codes", "int"]


@dataclass(frozen=True)
class Filter:
    """One filter of a register: a widget bound to a URL parameter and a filter attribute."""

    param: str  # URL query parameter (the contract with the overview's links)
    attr: str  # attribute of the register's filter dataclass
    label: str  # msgid of the widget label
    kind: FilterKind
    codes: tuple[str, ...] = ()  # allowed codes (kind "code"; a city vocabulary's are read)
    vocabulary: str = ""  # components.labels vocabulary of the codes
    help: str | None = None  # msgid


def filter_codes(flt: Filter) -> tuple[str, ...]:
    """The codes a code filter offers and accepts (a city vocabulary's are read from the
    database, retired ones included: older records hold them)."""
    if flt.vocabulary in CITY_VOCABULARIES:
        return data.vocabulary(data.database_url(), CITY_VOCABULARIES[flt.vocabulary])
    return flt.codes


@dataclass(frozen=True)
class Column:
    """One column of the table or one field of the detail card."""

    key: str  # column of the data (the Korean text where ``en`` is set)
    header: str  # msgid
    kind: ColumnKind = "text"
    vocabulary: str = ""  # codes shown as labels
    en: str = ""  # column holding the English text, shown in the English interface
    wide: bool = False  # detail card: a paragraph across the card; a related table: a sentence
    # that takes the room left and wraps (a decision's reason)


@dataclass(frozen=True)
class Related:
    """A list of related records in the detail card (e.g. a technology's adoptions)."""

    key: str
    title: str  # msgid
    columns: tuple[Column, ...]
    empty: str  # msgid


@dataclass(frozen=True)
class Register:
    key: str  # session-state prefix and download file name
    make: Callable[..., Any]  # the filter dataclass
    filters: tuple[Filter, ...]
    sorts: tuple[tuple[str, str], ...]  # (code, msgid); the first is the default
    columns: tuple[Column, ...]
    count: str  # msgid with {n}: "{n} technologies"
    empty: str  # msgid: "No technologies match these filters."
    heading: tuple[Column, ...]  # detail card title
    fields: tuple[Column, ...]  # detail card fields
    missing: str  # msgid with {id}
    related: tuple[Related, ...] = ()
    as_of_note: str = ""  # msgid shown under the count when the as-of filter is set
    count_as_of: str = ""  # msgid with {n} used instead of ``count`` when as-of is set
    keep: tuple[str, ...] = ()  # URL parameters another part of the page owns (left alone)
    # What the count includes while none of ``scope_filters`` (attributes) is set, where that
    # differs from the overview's figure of the same records (msgid), e.g. every status
    count_scope: str = ""
    scope_filters: tuple[str, ...] = ()


class Msgid(str):
    """A message id given as a notice parameter: translated when the notice is shown."""


@dataclass(frozen=True)
class Notice:
    """A notice about the link, kept in the session and translated each time it is shown
    (the reader may switch languages in between)."""

    msgid: str
    params: tuple[tuple[str, Any], ...] = ()

    def text(self) -> str:
        shown = {
            k: _(v) if isinstance(v, Msgid) else fmt_int(v) if isinstance(v, int) else v
            for k, v in self.params
        }
        return _(self.msgid, **shown)


@dataclass
class View:
    """What the filter bar decided for this run."""

    register: Register
    values: dict[str, Any]  # filter attribute -> value
    filters: Any  # the register's filter dataclass built from ``values``
    sort: str
    page: int
    record_id: int | None
    slot: Any = None  # where notices go (above the filter bar)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


# --- values ----------------------------------------------------------------------------


def state_key(reg: Register, name: str) -> str:
    return f"reg_{reg.key}_{name}"


def text_of(
    column: Column, record: Mapping[str, Any], name: Callable[[str | None], str] | None = None
) -> Any:
    """The value of ``column`` in ``record`` for a person: labels, local/external, money.
    ``name``: the column vocabulary's :func:`~components.labels.labeller`, when the caller
    reads many records."""
    value: Any = record.get(column.key)
    if column.en:
        value = in_language(value, record.get(column.en))
    if missing(value):
        return None
    if column.vocabulary and name is None:
        name = labeller(column.vocabulary)
    if column.kind == "codes":
        assert name is not None
        return ", ".join(name(c) for c in value)
    if name is not None:
        return name(str(value))
    if column.kind == "local":
        return label("locality", "local" if value else "external")
    if column.kind == "bool":
        return yes_no(value)
    return value


def shown(column: Column, record: Mapping[str, Any]) -> str:
    """``_text`` as a string for the detail card."""
    value = text_of(column, record)
    if value is None or value == "":
        return "-"
    if isinstance(value, dt.date):
        return fmt_date(value)
    if column.kind == "money":
        return money(value)
    if column.kind == "int":
        return fmt_int(value)
    return str(value)


def display_frame(columns: tuple[Column, ...], df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with translated headers and labels instead of codes, in ``columns`` order;
    columns the data does not have (e.g. personal data withheld) are left out."""
    records = df.to_dict("records")
    shown: dict[str, list[Any]] = {}  # (one frame built at the end: a column added at a time
    for column in columns:  # costs pandas a copy and checks per column, on every rerun)
        if column.key not in df.columns:
            continue
        name = labeller(column.vocabulary) if column.vocabulary else None
        shown[_(column.header)] = [text_of(column, r, name) for r in records]
    return pd.DataFrame(shown, index=range(len(df)), dtype=object)


NAME_PX = 150  # a name or title column of a register table
# A row of a table with a sentence in it (a decision's reason): Streamlit wraps the text of
# its cells only in rows taller than 4rem (64 px); three lines of it.
WRAPPED_ROW_PX = 72


def column_config(columns: tuple[Column, ...]) -> dict[str, Any]:
    """How the table shows each column. At 1440 px the dates stay in view: names and titles
    (the ``en`` columns) and labels of codes take a bounded width (the whole text is in the
    record, a click away) and the first column (the record's number) stays pinned."""
    config: dict[str, Any] = {}
    for i, column in enumerate(columns):
        pinned = i == 0
        if column.kind in ("money", "int"):
            config[_(column.header)] = st.column_config.NumberColumn(
                format="localized", pinned=pinned
            )
        elif column.kind == "date":
            config[_(column.header)] = st.column_config.DateColumn(
                format="YYYY-MM-DD", pinned=pinned
            )
        elif column.wide:
            config[_(column.header)] = st.column_config.TextColumn(width="large")
        elif column.en:
            config[_(column.header)] = st.column_config.TextColumn(width=NAME_PX, pinned=pinned)
        elif column.vocabulary:
            config[_(column.header)] = st.column_config.TextColumn(width="small", pinned=pinned)
        elif pinned:
            config[_(column.header)] = st.column_config.TextColumn(pinned=True)
    return config
