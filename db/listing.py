"""What the four registers share: filter checks, search, paging, the export cap.

Every register query is one ``select()`` built from typed columns: filters become WHERE
conditions with bound parameters, search text becomes ``ILIKE``/``lower() LIKE`` with the
wildcards ``%`` and ``_`` escaped, and paging is ``LIMIT``/``OFFSET`` in the database with
the record id as the last sort key, so pages never overlap or skip a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, TypeAlias

import pandas as pd
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from db.city.profile_file import CODE
from db.city.store import is_code

PAGE_LIMIT_MAX = 500
"""The most rows one page may ask for (the UI shows 50)."""

EXPORT_LIMIT = 100_000
"""The most rows a download holds; the UI says so when the filtered records are more."""

AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"
"""A ``select()`` of any columns."""

SEARCH_MAX_CHARS = 200
"""Search text longer than this is refused (the UI's input stops there)."""


def check_code(name: str, value: str | None, allowed: Iterable[str]) -> None:
    """:raise ValueError: ``value`` is set and not one of ``allowed``."""
    if value is not None and value not in tuple(allowed):
        raise ValueError(f"unknown {name} {value!r}")


class WithTerms(Protocol):
    """Filters holding codes of the city's vocabularies: ``TERMS`` maps each such attribute
    to its vocabulary (``{"field": "fields"}``)."""

    TERMS: ClassVar[Mapping[str, str]]


def check_term_shapes(filters: WithTerms) -> None:
    """:raise ValueError: a code of the city's vocabularies (``filters.TERMS``) is set and
    cannot be one (a code is lower-case ASCII): checked where the filters are made, without
    a database; :func:`check_terms` checks the codes against the city's vocabularies."""
    for attr in filters.TERMS:
        value = getattr(filters, attr)
        if value is not None and not (isinstance(value, str) and CODE.match(value)):
            raise ValueError(f"unknown {attr} {value!r}")


def check_terms(session: Session, filters: WithTerms) -> None:
    """:raise ValueError: a code of the city's vocabularies (``filters.TERMS``) is set and is
    not one of the city's (retired codes are: older records hold them). Every register read
    and headline figure that takes such filters calls it."""
    for attr, vocabulary in filters.TERMS.items():
        value = getattr(filters, attr)
        if value is not None and not is_code(session, vocabulary, value, for_new_use=False):
            raise ValueError(f"unknown {attr} {value!r}")


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    """:raise ValueError: both ends are set and ``start`` is after ``end``."""
    if start is not None and end is not None and start > end:
        raise ValueError(f"period starts ({start}) after it ends ({end})")


def check_search(q: str) -> None:
    """:raise ValueError: the search text is longer than :data:`SEARCH_MAX_CHARS`."""
    if len(q) > SEARCH_MAX_CHARS:
        raise ValueError(f"search text longer than {SEARCH_MAX_CHARS} characters")


def check_window(offset: int, limit: int) -> None:
    """:raise ValueError: a negative offset, or a page size outside 1..PAGE_LIMIT_MAX."""
    if offset < 0 or not 1 <= limit <= PAGE_LIMIT_MAX:
        raise ValueError(f"bad page window offset={offset} limit={limit}")


def contains_any(q: str, columns: Sequence[Any]) -> ColumnElement[bool]:
    """Case-insensitive substring match of ``q`` on any of ``columns`` (bound, escaped)."""
    text = q.strip()
    return or_(*(c.icontains(text, autoescape=True) for c in columns))


def check_sort(sort: str, sorts: dict[str, tuple[Any, ...]]) -> None:
    """:raise ValueError: ``sort`` is not one of the register's sort orders."""
    if sort not in sorts:
        raise ValueError(f"unknown sort order {sort!r}")


def frame(rows: Sequence[Any], query: AnySelect) -> pd.DataFrame:
    """Rows of ``query`` as a DataFrame whose columns are the query's labels (also when
    empty)."""
    columns = list(query.selected_columns.keys())
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def count(session: Session, query: AnySelect) -> int:
    """How many rows ``query`` returns (counted in the database)."""
    return int(
        session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
    )


def fetch(
    session: Session, query: AnySelect, *, offset: int, limit: int, total: int | None = None
) -> tuple[pd.DataFrame, int]:
    """One window of the ordered ``query`` and the total number of rows it has (``total``
    when the caller knows it already, e.g. from a stored summary)."""
    if total is None:
        total = count(session, query)
    if total == 0 or offset >= total:
        return frame([], query), total
    rows = session.execute(query.offset(offset).limit(limit)).all()
    return frame(rows, query), total


def one_row(session: Session, query: AnySelect) -> dict[str, Any] | None:
    """The single row of ``query`` by column label, or None (to build a :class:`Detail`)."""
    row = session.execute(query).first()
    return None if row is None else dict(row._mapping)


def related(session: Session, query: AnySelect) -> pd.DataFrame:
    """A detail's related list: the rows of ``query`` (columns: its labels, also when
    empty)."""
    return frame(session.execute(query).all(), query)


@dataclass(frozen=True, kw_only=True)
class Detail:
    """One record of a register as its detail card shows it. Subclasses declare the
    fields (named as the register's columns) and the related lists (DataFrames);
    ``withheld``: fields this reader may not see (an expert's phone, say), left empty."""

    withheld: frozenset[str] = frozenset()

    def card(self) -> dict[str, Any]:
        """The fields and related lists the reader may see, by name: what the register's
        generic card walks through by its column names."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "withheld" and f.name not in self.withheld
        }
