"""The shared parts of the four register pages: filter bar, table, pager, detail card,
downloads, and the link (``st.query_params``) that reproduces the view.

A page describes its register with a :class:`Register` (which filters, columns, detail
fields) and then reads like a paragraph::

    view = registers.open_view(TECHNOLOGIES)          # URL -> widgets -> filters
    registers.detail(view, data.technology_detail(url, view.record_id))
    df, total = registers.rows(view, lambda offset, limit: data.technologies_page(...))
    registers.table(view, df, total)
    registers.downloads(view, total, lambda: data.technologies_export(...))
    registers.sync_url(view)                            # widgets -> URL

The URL is the source of truth when it changes from outside (a link from the overview, a
pasted address, the first visit); afterwards the widgets are, and each run writes their
state back to the URL. Parameters that cannot be used (a bad date, an unknown code, a page
out of range) are dropped with a short notice. Text from the database or the URL is never
rendered as HTML: tables are data grids, detail values are ``st.text``, and the few places
where it sits inside Markdown (the card's title, the search words) go through
:func:`escape_markdown`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import streamlit as st

from components import data
from components.export import download_buttons
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime, fmt_int
from components.labels import label
from db import clock
from db.listing import EXPORT_LIMIT, SEARCH_MAX_CHARS

PAGE_SIZE = 50
TABLE_ROWS_SHOWN = 15  # rows visible before the table scrolls
TABLE_ROW_PX = 35
TABLE_HEADER_PX = 38
DATE_MIN = dt.date(2000, 1, 1)
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


# The city's vocabularies (data, ``db.city``) by their name in ``components.labels``: a code
# filter on one of them offers the city's codes, read from the database.
CITY_VOCABULARIES = {
    "field": "fields",
    "growth_sector": "sectors",
    "org_kind": "organisation_kinds",
}


def _codes(flt: Filter) -> tuple[str, ...]:
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
    wide: bool = False  # detail card: a paragraph across the card


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


# --- Markdown and values ----------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&@])")
# before ". @ /" and a colon, except one between digits (a time such as 14:03 never starts
# a link or an icon, and a hidden character there would be copied with the time)
_LINK_MAKERS = re.compile(r"([.@/]|(?<!\d):|:(?!\d))")
_ZERO_WIDTH_SPACE = "\u200b"


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown``: Markdown syntax is escaped, and a
    zero-width space before ``. : @ /`` stops what escaping does not (web addresses and
    e-mail addresses turned into links, ``:material/...:`` icons). For text from the
    database or the URL that is not inside a sentence of ours, use ``st.text`` instead."""
    spaced = _LINK_MAKERS.sub(_ZERO_WIDTH_SPACE + r"\1", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", spaced)


def _key(reg: Register, name: str) -> str:
    return f"reg_{reg.key}_{name}"


def _text(column: Column, record: Mapping[str, Any]) -> Any:
    """The value of ``column`` in ``record`` for a person: labels, local/external, money."""
    key = column.en if column.en and current_language() == "en" else column.key
    value = record.get(key)
    if column.en and not value:
        value = record.get(column.key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column.kind == "codes":
        return ", ".join(label(column.vocabulary, c) for c in value)
    if column.vocabulary:
        return label(column.vocabulary, str(value))
    if column.kind == "local":
        return label("locality", "local" if value else "external")
    if column.kind == "bool":
        return _("Yes") if value else _("No")
    return value


def _shown(column: Column, record: Mapping[str, Any]) -> str:
    """``_text`` as a string for the detail card."""
    value = _text(column, record)
    if value is None or value == "":
        return "-"
    if isinstance(value, dt.date):
        return fmt_date(value)
    if column.kind == "money":
        return _("{amount} won", amount=fmt_int(int(value)))
    if column.kind == "int":
        return fmt_int(value)
    return str(value)


def display_frame(columns: tuple[Column, ...], df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with translated headers and labels instead of codes, in ``columns`` order;
    columns the data does not have (e.g. personal data withheld) are left out."""
    out = pd.DataFrame(index=range(len(df)))
    records = df.to_dict("records")
    for column in columns:
        if column.key not in df.columns:
            continue
        out[_(column.header)] = pd.Series([_text(column, r) for r in records], dtype=object)
    return out


def _column_config(columns: tuple[Column, ...]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for column in columns:
        if column.kind in ("money", "int"):
            config[_(column.header)] = st.column_config.NumberColumn(format="localized")
        elif column.kind == "date":
            config[_(column.header)] = st.column_config.DateColumn(format="YYYY-MM-DD")
    return config


# --- URL <-> widgets ------------------------------------------------------------------------


def _parse(reg: Register, params: Mapping[str, str], notices: list[Notice]) -> dict[str, Any]:
    """Values of the URL parameters; bad ones are dropped with a notice."""
    out: dict[str, Any] = {}
    by_param = {f.param: f for f in reg.filters}
    for name, raw in params.items():
        if name in RESERVED:
            continue
        flt = by_param.get(name)
        if flt is None:
            notices.append(
                Notice(
                    N_("The link's parameter “{name}” is not used on this page and was ignored."),
                    (("name", escape_markdown(name[:40])),),
                )
            )
            continue
        value = _parse_value(flt, raw)
        if value is None and raw != "":
            notices.append(
                Notice(
                    N_("The link's value for “{filter}” is not valid and was ignored."),
                    (("filter", Msgid(flt.label)),),
                )
            )
        out[flt.attr] = value
    return out


def _parse_value(flt: Filter, raw: str) -> Any:
    if flt.kind == "date":
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            return None
        return day if DATE_MIN <= day <= DATE_MAX else None
    if flt.kind == "local":
        return {"1": True, "0": False}.get(raw)
    if flt.kind == "code":
        return raw if raw in _codes(flt) else None
    text = raw.strip()
    return text[:SEARCH_MAX_CHARS] or None


def _serialize(flt: Filter, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if flt.kind == "date":
        return str(value.isoformat())
    if flt.kind == "local":
        return "1" if value else "0"
    return str(value)


def _positive_int(raw: str | None) -> int | None:
    """A page or record number from the URL (1 .. 2**31-1, the range of the id columns)."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    n = int(raw)
    return n if 1 <= n <= 2**31 - 1 else None


def _to_widget(flt: Filter, value: Any) -> Any:
    """The widget state for a filter value ("" stands for "All" in the select boxes)."""
    if flt.kind == "date":
        return value
    if flt.kind == "local":
        return "" if value is None else ("1" if value else "0")
    return value or ""


def _from_widget(flt: Filter, state: Any) -> Any:
    """The filter value of a widget state (None for "All"; stripped search text)."""
    if flt.kind == "date":
        return state if isinstance(state, dt.date) else None
    if flt.kind == "local":
        return {"1": True, "0": False}.get(state or "")
    if flt.kind == "search":
        return str(state or "").strip()
    return state or None


def _load_from_url(reg: Register, params: dict[str, str], notices: list[Notice]) -> None:
    """Set the widgets, page and open record from the URL (it changed from outside)."""
    values = _parse(reg, params, notices)
    for flt in reg.filters:
        st.session_state[_key(reg, flt.param)] = _to_widget(flt, values.get(flt.attr))
    sorts = [code for code, _msg in reg.sorts]
    sort = params.get("sort")
    if sort is not None and sort not in sorts:
        notices.append(Notice(N_("The link's sort order is not known; the default order is used.")))
    st.session_state[_key(reg, "sort")] = sort if sort in sorts else sorts[0]
    page = _positive_int(params.get("page"))
    if "page" in params and page is None:
        notices.append(Notice(N_("The link's page number is not valid; the first page is shown.")))
    st.session_state[_key(reg, "page")] = page or 1
    record = _positive_int(params.get("id"))
    if "id" in params and record is None:
        notices.append(Notice(N_("The link's record number is not valid and was ignored.")))
    st.session_state[_key(reg, "id")] = record
    st.session_state[_key(reg, "last")] = _signature(reg)
    _new_table(reg)


def _signature(reg: Register) -> tuple[Any, ...]:
    values = [st.session_state.get(_key(reg, f.param)) for f in reg.filters]
    return (*values, st.session_state.get(_key(reg, "sort")))


def _new_table(reg: Register) -> None:
    """Forget the table's row selection (its rows changed) and the notices about the link
    (the user has moved on)."""
    _forget_notices(reg)
    nonce = _key(reg, "nonce")
    st.session_state[nonce] = st.session_state.get(nonce, 0) + 1


def _clear(reg: Register) -> None:
    for flt in reg.filters:
        st.session_state[_key(reg, flt.param)] = _to_widget(flt, None)
    st.session_state[_key(reg, "sort")] = reg.sorts[0][0]
    st.session_state[_key(reg, "page")] = 1
    _new_table(reg)


def _widget(reg: Register, flt: Filter) -> None:
    key = _key(reg, flt.param)
    help_text = _(flt.help) if flt.help else None
    if flt.kind == "search":
        st.text_input(
            _(flt.label),
            key=key,
            max_chars=SEARCH_MAX_CHARS,
            placeholder=_("Type and press Enter"),
            help=help_text,
        )
    elif flt.kind == "date":
        st.date_input(
            _(flt.label),
            value=None,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
            key=key,
            format="YYYY-MM-DD",
            help=help_text,
        )
    elif flt.kind == "local":
        names = {
            "": _("All"),
            "1": label("locality", "local"),
            "0": label("locality", "external"),
        }
        st.selectbox(
            _(flt.label), list(names), format_func=names.__getitem__, key=key, help=help_text
        )
    else:
        vocabulary = flt.vocabulary

        def name(code: str) -> str:
            return label(vocabulary, code) if code else _("All")

        st.selectbox(_(flt.label), ["", *_codes(flt)], format_func=name, key=key, help=help_text)


def open_view(reg: Register) -> View:
    """Draw the filter bar (prefilled from the URL when the URL changed from outside) and
    return what it decided: filter values, sort, page and the record to open."""
    params = {k: str(v) for k, v in st.query_params.to_dict().items() if k not in reg.keep}
    slot = st.container()
    kept = _key(reg, "notices")  # notices about the link, kept until the user acts
    if params != st.session_state.get(_key(reg, "synced")):
        notices: list[Notice] = []
        _load_from_url(reg, params, notices)
        st.session_state[kept] = notices

    # Hand each widget its value again: select boxes keep their *shown* text in the
    # browser, which would stay in the old language after a language switch.
    for name in [f.param for f in reg.filters] + ["sort"]:
        key = _key(reg, name)
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]

    search = [f for f in reg.filters if f.kind == "search"]
    others = [f for f in reg.filters if f.kind != "search"]
    with st.container(border=True):
        top = st.columns([3, 1])
        with top[0]:
            for flt in search:
                _widget(reg, flt)
        with top[1]:
            sorts = dict(reg.sorts)
            st.selectbox(
                _("Sort by"),
                list(sorts),
                format_func=lambda code: _(sorts[code]),
                key=_key(reg, "sort"),
            )
        for start in range(0, len(others), 4):
            cols = st.columns(4)
            for col, flt in zip(cols, others[start : start + 4], strict=False):
                with col:
                    _widget(reg, flt)
        st.button(
            _("Clear filters"),
            key=_key(reg, "clear"),
            on_click=_clear,
            args=(reg,),
            icon=":material/filter_alt_off:",
            type="tertiary",
        )

    signature = _signature(reg)
    if signature != st.session_state.get(_key(reg, "last")):
        st.session_state[_key(reg, "last")] = signature
        st.session_state[_key(reg, "page")] = 1
        _new_table(reg)

    values = {
        f.attr: _from_widget(f, st.session_state.get(_key(reg, f.param))) for f in reg.filters
    }
    now: list[Notice] = []  # notices about the current filters
    try:
        filters = reg.make(**values)
    except ValueError:
        now.append(Notice(N_("The period ends before it starts, so the dates were not applied.")))
        values = {
            k: (None if isinstance(v, dt.date) and k != "as_of" else v) for k, v in values.items()
        }
        filters = reg.make(**values)
    view = View(
        register=reg,
        values=values,
        filters=filters,
        sort=str(st.session_state.get(_key(reg, "sort"))),
        page=int(st.session_state.get(_key(reg, "page")) or 1),
        record_id=st.session_state.get(_key(reg, "id")),
        slot=slot,
    )
    for notice in [*st.session_state.get(kept, []), *now]:
        with slot:
            st.info(notice.text(), icon=":material/link_off:")
    return view


def _notify(view: View, notice: Notice) -> None:
    """Show a notice about the link above the filter bar and keep it until the user acts
    (the first visit reruns once more in a browser, which would otherwise wipe it)."""
    kept = _key(view.register, "notices")
    st.session_state[kept] = [*st.session_state.get(kept, []), notice]
    with view.slot:
        st.info(notice.text(), icon=":material/link_off:")


def _forget_notices(reg: Register) -> None:
    st.session_state[_key(reg, "notices")] = []


def sync_url(view: View) -> None:
    """Write the view's filters, sort, page and open record to the URL, so that a link
    reproduces it (only when they differ from what the URL already says)."""
    reg = view.register
    params: dict[str, str] = {}
    for flt in reg.filters:
        text = _serialize(flt, view.values.get(flt.attr))
        if text is not None:
            params[flt.param] = text
    if view.sort != reg.sorts[0][0]:
        params["sort"] = view.sort
    if view.page > 1:
        params["page"] = str(view.page)
    if view.record_id is not None:
        params["id"] = str(view.record_id)
    current = {k: str(v) for k, v in st.query_params.to_dict().items()}
    kept = {k: v for k, v in current.items() if k in reg.keep}
    if {**params, **kept} != current:
        st.query_params.from_dict({**params, **kept})
    st.session_state[_key(reg, "synced")] = params


# --- rows, table, pager ---------------------------------------------------------------------


def rows(
    view: View, read: Callable[[int, int], tuple[pd.DataFrame, int]]
) -> tuple[pd.DataFrame, int]:
    """The view's page of rows (``read(offset, limit)``); a page beyond the last falls back
    to the first with a notice."""
    df, total = read(view.offset, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if view.page > pages:
        _notify(
            view,
            Notice(
                N_(
                    "Page {page} does not exist for these filters (there are {pages}); the "
                    "first page is shown."
                ),
                (("page", view.page), ("pages", pages)),
            ),
        )
        view.page = 1
        st.session_state[_key(view.register, "page")] = 1
        df, total = read(0, PAGE_SIZE)
    return df, total


def describe(view: View) -> str:
    """The active filters in words (Markdown-escaped), e.g. "Field: Roads · Local firms"."""
    parts: list[str] = []
    for flt in view.register.filters:
        value = view.values.get(flt.attr)
        if value is None or value == "":
            continue
        if flt.kind == "date":
            shown = fmt_date(value)
        elif flt.kind == "local":
            shown = label("locality", "local" if value else "external")
        elif flt.kind == "code":
            shown = label(flt.vocabulary, value)
        else:
            shown = "“" + escape_markdown(str(value)) + "”"
        parts.append(f"{_(flt.label)}: {shown}")
    return " · ".join(parts)


def table(view: View, df: pd.DataFrame, total: int) -> None:
    """The count with the filters in words, the page of rows (select one to open it), and
    the pager; or, when nothing matches, what to do about it."""
    reg = view.register
    words = describe(view)
    as_of = view.values.get("as_of") is not None
    noun = reg.count_as_of if as_of and reg.count_as_of else reg.count
    st.markdown(f"**{_(noun, n=fmt_int(total))}**" + (f" · {words}" if words else ""))
    if as_of and reg.as_of_note:
        st.caption(_(reg.as_of_note))
    if total == 0:
        st.info(
            _(reg.empty)
            + " "
            + (
                _("Clear a filter, shorten the search text or choose a later date to see more.")
                if words
                else _("The register holds no records yet.")
            ),
            icon=":material/search_off:",
        )
        return
    ids = [int(i) for i in df["id"]]
    st.session_state[_key(reg, "ids")] = ids
    table_key = _key(reg, f"table_{st.session_state.get(_key(reg, 'nonce'), 0)}")
    st.dataframe(
        display_frame(reg.columns, df),
        hide_index=True,
        width="stretch",
        column_config=_column_config(reg.columns),
        height=TABLE_HEADER_PX + TABLE_ROW_PX * min(len(df), TABLE_ROWS_SHOWN) + 2,
        key=table_key,
        on_select=lambda: _selected(reg, table_key),
        selection_mode="single-row",
        placeholder="",
    )
    st.caption(_("Select a row to see the whole record."))
    _pager(view, total)


def _selected(reg: Register, table_key: str) -> None:
    state = st.session_state.get(table_key)
    chosen = list(state.selection.rows) if state is not None else []
    ids = st.session_state.get(_key(reg, "ids"), [])
    if chosen and chosen[0] < len(ids):
        st.session_state[_key(reg, "id")] = ids[chosen[0]]


def _step(reg: Register, delta: int, pages: int) -> None:
    key = _key(reg, "page")
    st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1) + delta), pages)
    _new_table(reg)


def _jump(reg: Register) -> None:
    st.session_state[_key(reg, "page")] = int(st.session_state[_key(reg, "jump")])
    _new_table(reg)


def _pager(view: View, total: int) -> None:
    reg = view.register
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if pages == 1:
        return
    first = view.offset + 1
    last = min(view.offset + PAGE_SIZE, total)
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
    with left:
        st.button(
            _("Previous"),
            key=_key(reg, "prev"),
            disabled=view.page <= 1,
            on_click=_step,
            args=(reg, -1, pages),
            icon=":material/chevron_left:",
            width="stretch",
        )
    with middle:
        jump = _key(reg, "jump")
        st.session_state[jump] = view.page
        st.number_input(
            _(
                "Page {page} of {pages} (records {first}-{last})",
                page=fmt_int(view.page),
                pages=fmt_int(pages),
                first=fmt_int(first),
                last=fmt_int(last),
            ),
            min_value=1,
            max_value=pages,
            step=1,
            key=jump,
            on_change=_jump,
            args=(reg,),
        )
    with right:
        st.button(
            _("Next"),
            key=_key(reg, "next"),
            disabled=view.page >= pages,
            on_click=_step,
            args=(reg, 1, pages),
            icon=":material/chevron_right:",
            icon_position="right",
            width="stretch",
        )


# --- detail card ----------------------------------------------------------------------------


def _close(reg: Register) -> None:
    st.session_state[_key(reg, "id")] = None
    _new_table(reg)


def detail(
    view: View,
    record: dict[str, Any] | None,
    *,
    history: Callable[[int], Any] | None = None,
    actions: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """The card of the open record: its fields and related lists, then (when given) the
    forms that change it (``actions(record)``, staff) and its history (``history(limit)``,
    see :func:`history_panel`); or, when the record does not exist, a notice (and the
    record is closed)."""
    reg = view.register
    if view.record_id is None:
        return
    if record is None:
        _notify(view, Notice(reg.missing, (("id", view.record_id),)))
        view.record_id = None
        st.session_state[_key(reg, "id")] = None
        return
    with st.container(border=True):
        head, close = st.columns([5, 1])
        with head:
            title = " · ".join(
                str(_shown(c, record)) for c in reg.heading if _shown(c, record) != "-"
            )
            st.subheader(escape_markdown(title))
        with close:
            st.button(
                _("Close"),
                key=_key(reg, "close"),
                on_click=_close,
                args=(reg,),
                icon=":material/close:",
                width="stretch",
            )
        # Values are plain text (st.text): no Markdown, no links made from addresses.
        short = [c for c in reg.fields if not c.wide and _present(c, record)]
        for start in range(0, len(short), 3):
            cols = st.columns(3)
            for col, column in zip(cols, short[start : start + 3], strict=False):
                with col:
                    st.markdown(f"**{_(column.header)}**")
                    st.text(_shown(column, record))
        for column in reg.fields:
            if column.wide and _present(column, record):
                st.markdown(f"**{_(column.header)}**")
                st.text(_shown(column, record))
        for rel in reg.related:
            st.markdown(f"**{_(rel.title)}**")
            items = record.get(rel.key) or []
            if items:
                st.dataframe(
                    display_frame(rel.columns, pd.DataFrame(items)),
                    hide_index=True,
                    width="stretch",
                    column_config=_column_config(rel.columns),
                    placeholder="",
                )
            else:
                st.caption(_(rel.empty))
        if actions is not None:
            actions(record)
        if history is not None:
            history_panel(history, f"{reg.key}_{view.record_id}")


def _present(column: Column, record: Mapping[str, Any]) -> bool:
    return column.key in record


# --- downloads ------------------------------------------------------------------------------


def downloads(view: View, total: int, read: Callable[[], tuple[pd.DataFrame, int]]) -> None:
    """CSV and Excel of every filtered record (not just this page). The files are built when
    asked for, since a large register takes a moment to write."""
    reg = view.register
    if total == 0:
        return
    heading = _("Download the records")
    st.markdown(f"**{heading}**")
    asked = _key(reg, "export")
    signature = (repr(view.filters), view.sort, current_language())
    if st.session_state.get(asked) != signature:
        st.button(
            _("Prepare the files ({n} records)", n=fmt_int(min(total, EXPORT_LIMIT))),
            key=_key(reg, "prepare"),
            on_click=lambda: st.session_state.__setitem__(asked, signature),
            icon=":material/file_download:",
        )
        return
    df, matching = read()
    if matching > len(df):
        st.caption(
            _(
                "The files hold the first {limit} of {n} records; narrow the filters to "
                "download the rest.",
                limit=fmt_int(len(df)),
                n=fmt_int(matching),
            )
        )
    export = display_frame(reg.columns, df)
    export.insert(0, _("Record number"), [int(i) for i in df["id"]])
    download_buttons(export, f"{reg.key}-{clock.city_today().isoformat()}", key=_key(reg, "dl"))


# --- a record's history ---------------------------------------------------------------------
# Every record's detail card ends with its history from the audit trail: who did what, when
# and why, newest first, the newest page first with a button for older events.

HISTORY_ACTIONS: dict[str, str] = {
    "adoption.propose": N_("Proposed"),
    "adoption.edit": N_("Edited"),
    "adoption.review": N_("Put before a meeting"),
    "adoption.approve": N_("Approved"),
    "adoption.reject": N_("Rejected"),
    "adoption.return": N_("Returned for rework"),
    "adoption.import": N_("Imported"),
    "proposal.create": N_("Step proposed"),
    "proposal.decline": N_("Step rejected"),
    "testbed.import": N_("Imported"),
    "testbed.apply": N_("Applied"),
    "testbed.select": N_("Selected"),
    "testbed.reject": N_("Rejected"),
    "testbed.start": N_("Started"),
    "testbed.complete": N_("Completed"),
    "testbed.certify": N_("Certified"),
    "testbed.edit": N_("Edited"),
    "technology.submit": N_("Submitted"),
    "technology.screen": N_("Moved to screening"),
    "technology.review": N_("Sent to review"),
    "technology.register": N_("Registered"),
    "technology.reject": N_("Rejected"),
    "technology.certify": N_("Certification changed"),
    "technology.expire": N_("Expired"),
    "technology.withdraw": N_("Withdrawn"),
    "technology.edit": N_("Edited"),
    "expert.add": N_("Added to the pool"),
    "expert.register": N_("Added to the pool"),
    "expert.edit": N_("Edited"),
    "expert.retire": N_("Left the pool"),
    "organization.add": N_("Added"),
    "inquiry.receive": N_("Received"),
    "inquiry.edit": N_("Edited"),
    "inquiry.answer": N_("Answered"),
    "inquiry.hold_visit": N_("Visit held"),
    "inquiry.benchmark": N_("Benchmarked"),
    "inquiry.move": N_("Status changed"),
    "organization.create": N_("Added"),
    "meeting.schedule": N_("Scheduled"),
    "meeting.draw_panel": N_("Panel drawn"),
    "meeting.hold": N_("Held"),
    "meeting.minutes": N_("Minutes recorded"),
    "meeting.close": N_("Closed"),
    "meeting.correct": N_("Correction added"),
    "permission.denied": N_("Refused"),
}
HISTORY_FIELDS: dict[str, str] = {
    "status": N_("Status"),
    "project_name": N_("Project"),
    "department": N_("Department"),
    "budget_krw": N_("Budget"),
    "year": N_("Year"),
    "justification": N_("Justification"),
    "title_ko": N_("Title in Korean"),
    "title_en": N_("Title in English"),
    "summary": N_("Summary"),
    "field": N_("Field"),
    "fields": N_("Fields"),
    "growth_sector": N_("Growth sector"),
    "certification": N_("Certification"),
    "site": N_("Site"),
    "name": N_("Name in Korean"),
    "name_en": N_("Name in English"),
    "position": N_("Position"),
    "affiliation": N_("Affiliation"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "retired_on": N_("Left the pool"),
    "registered_on": N_("Registered"),
    "meeting_code": N_("Meeting"),
    "title": N_("Title"),
    "scheduled_on": N_("Scheduled for"),
    "location": N_("Location"),
    "review_on": N_("Review started"),
    "topic": N_("Topic"),
    "answered_on": N_("Answered"),
    "visit_on": N_("Visit held"),
    "benchmarked_on": N_("Benchmarked"),
    "approved_on": N_("Approved"),
    "rejected_on": N_("Rejected"),
}
_HISTORY_VOCABULARY = {
    "field": "field",
    "fields": "field",
    "growth_sector": "growth_sector",
    "certification": "certification",
    "affiliation": "affiliation",
}
_STATUS_VOCABULARY = {
    "technology": "tech_status",
    "adoption": "adoption_status",
    "testbed": "testbed_stage",
    "inquiry": "inquiry_status",
}
HISTORY_STEP = 20
HISTORY_MAX = 200
WITHHELD = "(withheld)"


def _history_value(entity: str, key: str, value: Any) -> str:
    if value is None or value == "":
        return "-"
    if value == WITHHELD:
        return _("withheld")
    vocabulary = _STATUS_VOCABULARY.get(entity) if key == "status" else _HISTORY_VOCABULARY.get(key)
    if isinstance(value, list):
        if vocabulary:
            return ", ".join(label(vocabulary, str(v)) for v in value)
        return fmt_int(len(value))
    if vocabulary:
        return label(vocabulary, str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return fmt_int(value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _history_changes(entity: str, before: Any, after: Any) -> str:
    """What an event changed, in words: "Budget: 120,000,000 → 99,000,000; Status: ..."."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    parts: list[str] = []
    for key in [*after, *(k for k in before if k not in after)]:
        if key not in HISTORY_FIELDS:
            continue
        name = _(HISTORY_FIELDS[key])
        new = _history_value(entity, key, after.get(key))
        if key in before:
            old = _history_value(entity, key, before.get(key))
            parts.append(f"{name}: {old} → {new}")
        else:
            parts.append(f"{name}: {new}")
    return "; ".join(parts)


def _history_who(row: Mapping[str, Any]) -> str:
    name = row.get("actor_display_name")
    user = str(row.get("actor_name") or "")
    if name is None or (isinstance(name, float) and math.isnan(name)) or not name:
        return user
    return f"{name} ({user})"


def _action_name(code: str) -> str:
    text = HISTORY_ACTIONS.get(code)
    return _(text) if text else code


def history_frame(events: pd.DataFrame) -> pd.DataFrame:
    """The events of a history as the reader sees them: when, who, what, why, what changed."""
    rows = events.to_dict("records")
    return pd.DataFrame(
        {
            _("When"): [fmt_datetime(r["occurred_at"].to_pydatetime()) for r in rows],
            _("Who"): [_history_who(r) for r in rows],
            _("What"): [_action_name(str(r["action"])) for r in rows],
            _("Changes"): [
                _history_changes(str(r["entity"]), r["before"], r["after"]) for r in rows
            ],
            _("Why"): [r["reason"] if isinstance(r["reason"], str) else "" for r in rows],
        },
        dtype=object,
    )


def history_panel(read: Callable[[int], Any], key: str) -> None:
    """A record's history (``read(limit)`` returns a ``RecordHistory``), newest first: the
    newest events, a count, and a button for older ones (up to :data:`HISTORY_MAX`; the
    auditors' trail holds every event)."""
    shown_key = f"history_{key}"
    limit = int(st.session_state.get(shown_key, HISTORY_STEP))
    hist = read(limit)
    st.markdown("**" + _("History") + "**")
    if hist.total == 0:
        st.caption(_("No recorded events for this record."))
        return
    st.caption(
        _(
            "{shown} of {n} events, newest first: who did what, when and why.",
            shown=fmt_int(len(hist.events)),
            n=fmt_int(hist.total),
        )
    )
    st.dataframe(
        history_frame(hist.events),
        hide_index=True,
        width="stretch",
        key=f"{shown_key}_table",
        height=TABLE_HEADER_PX + TABLE_ROW_PX * min(len(hist.events), 10) + 2,
        placeholder="",
    )
    if hist.has_older:
        if limit + HISTORY_STEP <= HISTORY_MAX:
            st.button(
                _("Show older events"),
                key=f"{shown_key}_more",
                on_click=lambda: st.session_state.__setitem__(shown_key, limit + HISTORY_STEP),
                icon=":material/history:",
                type="tertiary",
            )
        else:
            st.caption(_("Older events are in the audit trail."))
