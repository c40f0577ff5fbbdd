"""The inputs of a technology's fields, drawn from their one description
(``db.technologies.fields``): the submission form and the correction form both draw them here,
so a field's name, choices and limits are the same wherever it is typed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import streamlit as st

from components import data
from components.forms import Form
from components.i18n import _
from components.labels import label
from db.technologies.fields import RecordField

Persist = Literal["page", "session"] | None  # Streamlit's persist_state of a widget


def _choices(f: RecordField, current: Any) -> tuple[str, ...]:
    if isinstance(f.choices, str):
        codes = data.vocabulary(data.database_url(), f.choices, offered=True)
    else:
        codes = tuple(f.choices or ())
    if current and current not in codes:  # a retired code the record keeps
        codes = (*codes, current)
    return codes


def _first(f: RecordField, codes: Sequence[str], current: Any) -> int | None:
    """The index chosen when the form opens: the record's value, else the field's default for
    a new record."""
    if current is not None:
        return codes.index(current) if current in codes else None
    if f.new == "last":
        return len(codes) - 1
    if f.new == "outside" and isinstance(f.choices, str):
        outside = data.vocabulary_with(data.database_url(), f.choices, "outside")
        return next((i for i, c in enumerate(codes) if c in outside), None)
    return None


def _name(f: RecordField) -> str:
    return _(f.label) if f.required else _("{field} (optional)", field=_(f.label))


def _input(
    f: RecordField,
    key: str,
    current: Any,
    organisations: Mapping[int, str] | None,
    persist_state: Persist = None,
) -> None:
    if f.kind == "text":
        st.text_input(
            _name(f),
            value=current or "",
            max_chars=f.max_chars,
            key=key,
            persist_state=persist_state,
        )
    elif f.kind == "long_text":
        st.text_area(
            _name(f),
            value=current or "",
            max_chars=f.max_chars,
            key=key,
            persist_state=persist_state,
        )
    elif f.kind == "organisation":
        names = dict(organisations or {})
        st.selectbox(
            _name(f),
            list(names),
            format_func=lambda i: names.get(int(i), "-"),
            index=list(names).index(current) if current in names else None,
            placeholder=_(f.placeholder) if f.placeholder else None,
            key=key,
            persist_state=persist_state,
        )
    else:
        codes = _choices(f, current)
        kind = f.labels or f.key
        st.selectbox(
            _name(f),
            codes,
            index=_first(f, codes, current),
            format_func=lambda c: label(kind, c),
            placeholder=_(f.placeholder) if f.placeholder else None,
            key=key,
            persist_state=persist_state,
        )


def technology_inputs(
    form: Form,
    fields: Sequence[RecordField],
    key: Callable[[str], str],
    current: Mapping[str, Any] | None = None,
    *,
    organisations: Mapping[int, str] | None = None,
    persist_state: Persist = None,
) -> None:
    """An input for each of ``fields`` (in their order; codes side by side in one row), each
    followed by its problem from the last attempt; ``key(field)`` names its widget;
    ``current``: the record's values (None: a new record, with the fields' defaults);
    ``organisations``: id -> name, the owners a new record may have; ``persist_state``: kept
    while not drawn (Streamlit's widget option; the work queue's lazy tabs)."""
    values = current or {}
    i = 0
    while i < len(fields):
        row = [fields[i]]
        while row[-1].kind == "code" and i + len(row) < len(fields):
            if fields[i + len(row)].kind != "code":
                break
            row.append(fields[i + len(row)])
        columns = st.columns(len(row)) if len(row) > 1 else [st.container()]
        for f, column in zip(row, columns, strict=True):
            with column:
                _input(f, key(f.key), values.get(f.key), organisations, persist_state)
                form.field_error(f.key)
        i += len(row)
