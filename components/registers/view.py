"""The filter bar of a register and the link that reproduces the view: the URL is the source
of truth when it changes from outside (a link from the overview, a pasted address, the first
visit); afterwards the widgets are, and each run writes their state back to the URL. Bad
parameters are dropped with a notice, kept until the user acts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.cells import escape_markdown
from components.city import first_day
from components.i18n import N_, _
from components.labels import label, labeller
from components.registers.spec import (
    DATE_MAX,
    RESERVED,
    Filter,
    Msgid,
    Notice,
    Register,
    View,
    filter_codes,
    state_key,
)
from components.url_state import must_sync
from db.listing import SEARCH_MAX_CHARS


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
        return day if first_day() <= day <= DATE_MAX else None
    if flt.kind == "local":
        return {"1": True, "0": False}.get(raw)
    if flt.kind == "code":
        return raw if raw in filter_codes(flt) else None
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
        st.session_state[state_key(reg, flt.param)] = _to_widget(flt, values.get(flt.attr))
    sorts = [code for code, _msg in reg.sorts]
    sort = params.get("sort")
    if sort is not None and sort not in sorts:
        notices.append(Notice(N_("The link's sort order is not known; the default order is used.")))
    st.session_state[state_key(reg, "sort")] = sort if sort in sorts else sorts[0]
    page = _positive_int(params.get("page"))
    if "page" in params and page is None:
        notices.append(Notice(N_("The link's page number is not valid; the first page is shown.")))
    st.session_state[state_key(reg, "page")] = page or 1
    record = _positive_int(params.get("id"))
    if "id" in params and record is None:
        notices.append(Notice(N_("The link's record number is not valid and was ignored.")))
    st.session_state[state_key(reg, "id")] = record
    st.session_state[state_key(reg, "last")] = _signature(reg)
    new_table(reg)


def _signature(reg: Register) -> tuple[Any, ...]:
    values = [st.session_state.get(state_key(reg, f.param)) for f in reg.filters]
    return (*values, st.session_state.get(state_key(reg, "sort")))


def new_table(reg: Register) -> None:
    """Forget the table's row selection (its rows changed) and the notices about the link
    (the user has moved on)."""
    forget_notices(reg)
    nonce = state_key(reg, "nonce")
    st.session_state[nonce] = st.session_state.get(nonce, 0) + 1


def _clear(reg: Register) -> None:
    for flt in reg.filters:
        st.session_state[state_key(reg, flt.param)] = _to_widget(flt, None)
    st.session_state[state_key(reg, "sort")] = reg.sorts[0][0]
    st.session_state[state_key(reg, "page")] = 1
    new_table(reg)


def _widget(reg: Register, flt: Filter) -> None:
    key = state_key(reg, flt.param)
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
            min_value=first_day(),
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
        named = labeller(flt.vocabulary)

        def name(code: str) -> str:
            return named(code) if code else _("All")

        st.selectbox(
            _(flt.label), ["", *filter_codes(flt)], format_func=name, key=key, help=help_text
        )


def open_view(reg: Register) -> View:
    """Draw the filter bar (prefilled from the URL when the URL changed from outside) and
    return what it decided: filter values, sort, page and the record to open."""
    params = {k: str(v) for k, v in st.query_params.to_dict().items() if k not in reg.keep}
    slot = st.container()
    kept = state_key(reg, "notices")  # notices about the link, kept until the user acts
    widgets = [state_key(reg, name) for name in [f.param for f in reg.filters] + ["sort"]]
    if must_sync(params, state_key(reg, "synced"), widgets):
        notices: list[Notice] = []
        _load_from_url(reg, params, notices)
        st.session_state[kept] = notices

    # Hand each widget its value again: select boxes keep their *shown* text in the
    # browser, which would stay in the old language after a language switch.
    for name in [f.param for f in reg.filters] + ["sort"]:
        key = state_key(reg, name)
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
                key=state_key(reg, "sort"),
            )
        for start in range(0, len(others), 4):
            cols = st.columns(4)
            for col, flt in zip(cols, others[start : start + 4], strict=False):
                with col:
                    _widget(reg, flt)
        st.button(
            _("Clear filters"),
            key=state_key(reg, "clear"),
            on_click=_clear,
            args=(reg,),
            icon=":material/filter_alt_off:",
            type="tertiary",
        )

    signature = _signature(reg)
    if signature != st.session_state.get(state_key(reg, "last")):
        st.session_state[state_key(reg, "last")] = signature
        st.session_state[state_key(reg, "page")] = 1
        new_table(reg)

    values = {
        f.attr: _from_widget(f, st.session_state.get(state_key(reg, f.param))) for f in reg.filters
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
        sort=str(st.session_state.get(state_key(reg, "sort"))),
        page=int(st.session_state.get(state_key(reg, "page")) or 1),
        record_id=st.session_state.get(state_key(reg, "id")),
        slot=slot,
    )
    for notice in [*st.session_state.get(kept, []), *now]:
        with slot:
            st.info(notice.text(), icon=":material/link_off:")
    return view


def notify(view: View, notice: Notice) -> None:
    """Show a notice about the link above the filter bar and keep it until the user acts
    (the first visit reruns once more in a browser, which would otherwise wipe it)."""
    kept = state_key(view.register, "notices")
    st.session_state[kept] = [*st.session_state.get(kept, []), notice]
    with view.slot:
        st.info(notice.text(), icon=":material/link_off:")


def forget_notices(reg: Register) -> None:
    st.session_state[state_key(reg, "notices")] = []


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
    st.session_state[state_key(reg, "synced")] = params
