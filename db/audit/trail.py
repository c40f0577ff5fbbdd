# Over 500 lines on purpose: the trail as auditors read it: filters, pages, exports, one
# event, a record's history, the chain head, each role-checked.
"""The audit trail as auditors read it: filtered, paged, exported, verified; a record's history.

Reading the trail requires the ``auditor`` role, checked here on every call
(:class:`~db.errors.PermissionDenied` otherwise; called inside ``db.session.write_session``
the refusal is itself audited). A record's history (:func:`record_history`) is open to
everyone who reads the registers, with experts' personal data withheld as in the registers.

The log reaches millions of rows, so nothing here counts or skips over the whole table:

- pages are **keyset** pages on ``id`` (newest first): ``before_id`` gives the next older
  page, ``after_id`` the next newer one; each is one index range scan of ``limit + 1`` rows;
- the total shown is the head's ``last_id`` when unfiltered (ids are contiguous from 1),
  otherwise a count that stops at :data:`COUNT_LIMIT` ("more than 10,000");
- the lists for the filter widgets are read with a skip scan over an index (one index probe
  per distinct value);
- an action prefix (``technology.``) is turned into the list of actions it covers, so it
  matches exactly on both databases and uses the ``(action, id)`` index.

Periods are calendar days in Korea (KST, Asia/Seoul); times are stored in UTC and returned
as UTC-aware timestamps for the UI to show in KST.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from db import audit, clock
from db.audit import describe, keys, receipt, records
from db.errors import N_, NotFound, ValidationFailed
from db.models import PROPOSAL_ENTITIES, Application, AuditEvent, Proposal, User
from db.policy import AUDITORS, HISTORY_READERS, Actor, may_see_personal_data, require, require_role

MAX_PAGE_SIZE = 500
COUNT_LIMIT = 10_000
EXPORT_LIMIT = 100_000
HASH_LENGTH = 64

COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
)
HISTORY_COLUMNS = (
    "id",
    "occurred_at",
    "actor_name",
    "actor_display_name",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "reason",
)
_SELECTED = tuple(getattr(AuditEvent, c) for c in COLUMNS)

DATES_REVERSED = N_("The end date is before the start date.")
ENTITY_ID_WITHOUT_ENTITY = N_("Choose the kind of record first, then its number.")
SIGN_IN_PREFIX = "signin."
"""Actions of signing in and sessions: a tab of their own, apart from the records' history."""
BAD_HEAD_HASH = N_("A head hash is 64 characters, each 0-9 or a-f.")


@dataclass(frozen=True)
class AuditFilters:
    """What to show; every field optional (``None`` or blank: no condition).

    ``actor`` is the username recorded on the event; ``action`` is exact, or a prefix
    (``technology.`` or ``technology``) with ``action_prefix``; ``date_from``/``date_to``
    are inclusive days in KST. ``sign_ins``: only sign-ins and sessions (``True``), none of
    them (``False``), or both (``None``).
    """

    actor: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    action_prefix: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sign_ins: bool | None = None

    def cleaned(self) -> AuditFilters:
        """Blank strings as ``None``, surrounding spaces removed."""

        def clean(value: str | None) -> str | None:
            value = (value or "").strip()
            return value or None

        return replace(
            self,
            actor=clean(self.actor),
            entity=clean(self.entity),
            entity_id=clean(self.entity_id),
            action=clean(self.action),
        )

    @property
    def is_empty(self) -> bool:
        c = self.cleaned()
        return not any((c.actor, c.entity, c.entity_id, c.action, c.date_from, c.date_to))

    @property
    def is_empty_but_tab(self) -> bool:
        """No filter other than the tab's (sign-ins or the rest)."""
        return replace(self, sign_ins=None).is_empty


@dataclass(frozen=True)
class PageInfo:
    """Where a page sits: its id range, whether there is more each way, and the total.

    ``total`` is exact unless ``total_is_lower_bound`` (then: more than ``total``).
    """

    newest_id: int | None
    oldest_id: int | None
    has_newer: bool
    has_older: bool
    total: int
    total_is_lower_bound: bool = False


@dataclass(frozen=True)
class ChainHead:
    """The last event of the chain and its hash (what an auditor notes down or exports)."""

    last_id: int
    last_hash: str


@dataclass(frozen=True)
class _Where:
    """The SQL conditions of some filters. ``actions``: the actions an action prefix covers
    (``None``: no prefix filter), kept apart from ``conds`` so that pages can read each
    action's ``(action, id)`` index in order and merge them. ``period``: a period is part of
    the conditions."""

    conds: list[ColumnElement[bool]]
    actions: tuple[str, ...] | None = None
    period: bool = False

    @property
    def all_conds(self) -> list[ColumnElement[bool]]:
        if self.actions is None:
            return self.conds
        covered = AuditEvent.action.in_(self.actions) if self.actions else false()
        return [*self.conds, covered]

    def newest_first(self, descending: bool = True) -> Any:
        """The page order. With a period, ``id + 0``: the planner cannot walk the primary
        key backwards then, and takes the period's ids from the time index and sorts them.
        Walking the key from the newest event down to an old period would read every event
        in between (PostgreSQL's estimate assumes the matches are spread evenly)."""
        key = AuditEvent.id + 0 if self.period else AuditEvent.id
        return key.desc() if descending else key.asc()


def _where(session: Session, filters: AuditFilters) -> _Where:
    """SQL conditions for ``filters``.

    :raise ValidationFailed: the period ends before it starts, or a record number is given
        without the kind of record.
    """
    f = filters.cleaned()
    if f.date_from and f.date_to and f.date_to < f.date_from:
        raise ValidationFailed({"date_to": DATES_REVERSED})
    if f.entity_id and not f.entity:
        raise ValidationFailed({"entity_id": ENTITY_ID_WITHOUT_ENTITY})
    conds: list[ColumnElement[bool]] = []
    actions: tuple[str, ...] | None = None
    if f.actor:
        conds.append(AuditEvent.actor_name == f.actor)
    if f.entity:
        conds.append(AuditEvent.entity == f.entity)
    if f.entity_id:
        conds.append(AuditEvent.entity_id == f.entity_id)
    if f.action and f.action_prefix:
        prefix = f.action
        actions = tuple(a for a in _distinct(session, AuditEvent.action) if a.startswith(prefix))
    elif f.action:
        conds.append(AuditEvent.action == f.action)
    if f.sign_ins is not None:
        sign_ins = tuple(
            a for a in _distinct(session, AuditEvent.action) if a.startswith(SIGN_IN_PREFIX)
        )
        if not f.sign_ins:
            conds.append(AuditEvent.action.not_in(sign_ins) if sign_ins else true())
        elif actions is None and not (f.action and not f.action_prefix):
            actions = sign_ins
        else:
            conds.append(AuditEvent.action.in_(sign_ins) if sign_ins else false())
    period = _period(session, f.date_from, f.date_to) if f.date_from or f.date_to else []
    return _Where(conds + period, actions, bool(period))


def _period(
    session: Session, date_from: dt.date | None, date_to: dt.date | None
) -> list[ColumnElement[bool]]:
    """Conditions for a period of KST days; a bound outside the trail's first and last event
    is left out (two index probes), so "from the beginning" costs nothing."""
    # Two statements: SQLite answers a lone min() or max() from the index, not both at once.
    first = session.execute(select(func.min(AuditEvent.occurred_at))).scalar()
    last = session.execute(select(func.max(AuditEvent.occurred_at))).scalar()
    conds: list[ColumnElement[bool]] = []
    if date_from:
        start = clock.city_day_start(date_from)
        if first is None or clock.utc_naive(first) < clock.utc_naive(start):
            conds.append(AuditEvent.occurred_at >= start)
    if date_to:
        end = clock.city_day_start(date_to + dt.timedelta(days=1))
        if last is None or clock.utc_naive(last) >= clock.utc_naive(end):
            conds.append(AuditEvent.occurred_at < end)
    return conds


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    if "occurred_at" in df:
        df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
    for col in ("id", "actor_id"):
        if col in df:
            df[col] = df[col].astype("Int64")
    return df


def _exists(
    session: Session, where: _Where, *, newer_than: int | None = None, older_than: int | None = None
) -> bool:
    """Whether a matching event lies beyond a page edge."""
    return bool(_ids(session, where, limit=1, newer_than=newer_than, older_than=older_than))


def _total(session: Session, where: _Where) -> tuple[int, bool]:
    if not where.all_conds:
        return chain_head_unchecked(session).last_id, False
    capped_ids = select(AuditEvent.id).where(*where.all_conds)
    # In the page's order, so that the count reads the index the page reads: with a period, a
    # bare LIMIT invites a sequential scan that may cross the whole table to reach an old
    # period (see _Where.newest_first); on SQLite (no statistics) a bare LIMIT may take an
    # index holding one condition only (user and action: the (actor_name, entity, id) index,
    # 241k table lookups at scale 100, against the (action, id) index the page reads).
    if where.period or session.get_bind().dialect.name == "sqlite":
        capped_ids = capped_ids.order_by(where.newest_first())
    capped = capped_ids.limit(COUNT_LIMIT + 1).subquery()
    n = int(session.execute(select(func.count()).select_from(capped)).scalar_one())
    return (COUNT_LIMIT, True) if n > COUNT_LIMIT else (n, False)


def events_page(
    *,
    session: Session,
    actor: Actor,
    filters: AuditFilters,
    after_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[pd.DataFrame, PageInfo]:
    """One page of matching events, newest first (columns :data:`COLUMNS`).

    No cursor: the newest page. ``before_id``: the ``limit`` events just older than that id.
    ``after_id``: the ``limit`` events just newer than it (or the newest page, if fewer are
    left). ``limit`` is clamped to 1..:data:`MAX_PAGE_SIZE`.

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValidationFailed: the filters contradict themselves (see :class:`AuditFilters`).
    :raise ValueError: both cursors were given.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    if after_id is not None and before_id is not None:
        raise ValueError("give after_id or before_id, not both")
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    # Plain ints: a numpy integer taken from a DataFrame would reach SQLite as a BLOB.
    after_id = None if after_id is None else int(after_id)
    before_id = None if before_id is None else int(before_id)
    where = _where(session, filters)
    if after_id is not None:
        ids = _ids(session, where, newer_than=after_id, limit=limit + 1)
        if len(ids) <= limit:  # the newest end: show the newest full page instead
            return events_page(session=session, actor=actor, filters=filters, limit=limit)
        ids = ids[:limit][::-1]
        has_newer = True
        has_older = _exists(session, where, older_than=ids[-1])
    else:
        ids = _ids(session, where, older_than=before_id, limit=limit + 1)
        has_older = len(ids) > limit
        ids = ids[:limit]
        has_newer = before_id is not None and _exists(
            session, where, newer_than=ids[0] if ids else before_id - 1
        )
    rows = _rows_by_id(session, ids)
    total, lower_bound = _total(session, where)
    info = PageInfo(
        newest_id=ids[0] if ids else None,
        oldest_id=ids[-1] if ids else None,
        has_newer=has_newer,
        has_older=has_older,
        total=total,
        total_is_lower_bound=lower_bound,
    )
    return _frame(rows, COLUMNS), info


def _ids(
    session: Session,
    where: _Where,
    *,
    limit: int,
    newer_than: int | None = None,
    older_than: int | None = None,
) -> list[int]:
    """The ids of one page, nearest to the cursor first.

    Only ids, so each filter is answered from an index that ends in ``id`` (for a period, an
    index-only scan and a sort of ids, not of whole rows); the rows are then read by id. An
    action prefix reads each covered action's index in order (at most ``limit`` entries
    each) and merges them: exact, and fast whether the actions are common or rare (one
    ``IN`` list would have the planner either walk the whole key or sort every match).
    """
    upward = newer_than is not None

    def ids_where(*extra: ColumnElement[bool]) -> Select[Any]:
        query = select(AuditEvent.id).where(*where.conds, *extra)
        if newer_than is not None:
            query = query.where(AuditEvent.id > newer_than)
        if older_than is not None:
            query = query.where(AuditEvent.id < older_than)
        return query.order_by(where.newest_first(not upward)).limit(limit)

    if where.actions is None:
        query = ids_where()
    elif not where.actions:
        return []
    elif len(where.actions) == 1:
        query = ids_where(AuditEvent.action == where.actions[0])
    else:
        streams = [ids_where(AuditEvent.action == a).subquery() for a in where.actions]
        merged = union_all(*(select(s.c.id) for s in streams)).subquery()
        query = select(merged.c.id).order_by(merged.c.id.asc() if upward else merged.c.id.desc())
        query = query.limit(limit)
    return [int(i) for i in session.execute(query).scalars()]


def _rows_by_id(session: Session, ids: list[int], chunk: int = 5_000) -> list[Any]:
    """The rows of ``ids``, newest first (in chunks: SQLite caps bound parameters)."""
    rows: list[Any] = []
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        rows.extend(
            session.execute(
                select(*_SELECTED).where(AuditEvent.id.in_(part)).order_by(AuditEvent.id.desc())
            ).all()
        )
    return rows


def export_events(
    *, session: Session, actor: Actor, filters: AuditFilters, limit: int = EXPORT_LIMIT
) -> tuple[pd.DataFrame, bool]:
    """The matching events in chain order (oldest first), at most ``limit`` of them (the
    newest), with their hashes so the export can be checked on its own; and whether more
    matched than were exported.

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValidationFailed: the filters contradict themselves.
    """
    require_role(actor, AUDITORS, "audit_event.export", "audit_event")
    limit = max(1, min(int(limit), EXPORT_LIMIT))
    ids = _ids(session, _where(session, filters), limit=limit + 1)
    truncated = len(ids) > limit
    return _frame(_rows_by_id(session, ids[:limit])[::-1], COLUMNS), truncated


@dataclass(frozen=True)
class Event:
    """One audit event, every column as stored (``occurred_at`` UTC-aware; ``before`` and
    ``after`` the canonical JSON that was hashed)."""

    id: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str | None
    before: str | None
    after: str | None
    reason: str | None
    prev_hash: str
    hash: str


def get_event(*, session: Session, actor: Actor, event_id: int) -> Event:
    """One event by id, every column (``occurred_at`` UTC-aware).

    :raise PermissionDenied: the actor is not an auditor.
    :raise NotFound: no event has that id.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    row = session.execute(select(*_SELECTED).where(AuditEvent.id == int(event_id))).first()
    if row is None:
        raise NotFound(N_("There is no audit event number {id}."), id=event_id)
    event = dict(zip(COLUMNS, row, strict=True))
    return Event(**{**event, "occurred_at": clock.as_utc(event["occurred_at"])})


WITHHELD = "(withheld)"
"""What replaces an expert's phone or e-mail in a history read by someone who may not see
personal data (the mayor's office, approvers without the staff role)."""
PERSONAL_KEYS = frozenset({"phone", "email"})
APPLICANT_PERSONAL_KEYS = frozenset({"contact_name", "contact_email", "contact_phone"})
HISTORY_PAGE = 20
HISTORY_PAGE_MAX = 200


@dataclass(frozen=True)
class RecordHistory:
    """One page of a record's history, newest first, and where it sits.

    ``events``: columns :data:`HISTORY_COLUMNS` (``before``/``after`` as dicts or None);
    ``total``: every event of the record(s); ``has_older``: more beyond this page
    (ask again with ``before_id`` = the last id shown)."""

    events: pd.DataFrame
    total: int
    has_older: bool


def _withheld(
    value: dict[str, Any] | None, keys: frozenset[str] = PERSONAL_KEYS
) -> dict[str, Any] | None:
    if not value:
        return value
    return {k: (WITHHELD if k in keys and v is not None else v) for k, v in value.items()}


def record_history(
    *,
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: str | int,
    related: Sequence[tuple[str, str | int]] = (),
    limit: int = HISTORY_PAGE,
    before_id: int | None = None,
) -> RecordHistory:
    """Everything that happened to one record, newest first: who (username, and the name
    the account has now), what (action, before, after as dicts), when, and why (reason).
    Refused attempts on the record are part of it, and so are the step proposals made for
    a testbed or technology, and the events of the company's application a technology came
    in as (its contact details withheld like an expert's). ``related``: more
    ``(entity, id)`` records to show in the same list. One page of ``limit`` events
    (clamped to 1..:data:`HISTORY_PAGE_MAX`), older ones with ``before_id``; ``total``
    counts them all.

    Open to everyone who reads the registers (:data:`HISTORY_READERS`). An expert's phone and
    e-mail in before/after are replaced by :data:`WITHHELD` for whoever may not see personal
    data (the rule of ``db.experts.register``).

    :raise PermissionDenied: the actor holds none of :data:`HISTORY_READERS`.
    """
    require(
        actor, HISTORY_READERS, action="audit_event.history", entity=entity, entity_id=entity_id
    )
    limit = max(1, min(int(limit), HISTORY_PAGE_MAX))
    records = [(entity, str(entity_id)), *((e, str(i)) for e, i in related)]
    if entity in PROPOSAL_ENTITIES and str(entity_id).isdigit():
        steps = session.execute(
            select(Proposal.id).where(
                Proposal.entity == entity, Proposal.entity_id == int(entity_id)
            )
        ).scalars()
        records += [("proposal", str(i)) for i in steps if ("proposal", str(i)) not in records]
    if entity == "technology" and str(entity_id).isdigit():
        # A technology that came in as a company's application: its history begins with the
        # applicant's submission.
        came_from = session.execute(
            select(Application.id).where(Application.technology_id == int(entity_id))
        ).scalars()
        records += [("application", str(i)) for i in came_from]
    which = or_(*(and_(AuditEvent.entity == e, AuditEvent.entity_id == i) for e, i in records))
    query = (
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_name,
            User.display_name,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.before,
            AuditEvent.after,
            AuditEvent.reason,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(which)
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < int(before_id))
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    total = int(
        session.execute(select(func.count()).select_from(AuditEvent).where(which)).scalar_one()
    )
    personal = may_see_personal_data(actor)
    out = []
    for r in rows[:limit]:
        before = json.loads(r.before) if r.before else None
        after = json.loads(r.after) if r.after else None
        if not personal and r.entity == "expert":
            before, after = _withheld(before), _withheld(after)
        if not personal and r.entity == "application":  # the applicant's contact details
            before = _withheld(before, APPLICANT_PERSONAL_KEYS)
            after = _withheld(after, APPLICANT_PERSONAL_KEYS)
        out.append((*r[:7], before, after, r.reason))
    return RecordHistory(
        events=_frame(out, HISTORY_COLUMNS), total=total, has_older=len(rows) > limit
    )


def _distinct(session: Session, column: InstrumentedAttribute[str]) -> list[str]:
    """Distinct values of an indexed column by a skip scan: one index probe per value
    (``SELECT DISTINCT`` would read the whole index, millions of entries)."""
    first = select(column.label("v")).order_by(column).limit(1).scalar_subquery()
    walk = select(first.label("v")).cte("walk", recursive=True)
    following = select(column).where(column > walk.c.v).order_by(column).limit(1).scalar_subquery()
    walk = walk.union_all(select(following).where(walk.c.v.is_not(None)))
    query: Select[Any] = select(walk.c.v).where(walk.c.v.is_not(None))
    return [str(v) for v in session.execute(query).scalars()]


def distinct_actions(*, session: Session, actor: Actor) -> list[str]:
    """Every action in the trail, sorted (for the filter widget).

    :raise PermissionDenied: the actor is not an auditor.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    return _distinct(session, AuditEvent.action)


def distinct_entities(*, session: Session, actor: Actor) -> list[str]:
    """Every kind of record in the trail, sorted.

    :raise PermissionDenied: the actor is not an auditor.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    return _distinct(session, AuditEvent.entity)


def distinct_actors(*, session: Session, actor: Actor) -> list[str]:
    """Every username that appears as the actor of an event, sorted.

    :raise PermissionDenied: the actor is not an auditor.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    return _distinct(session, AuditEvent.actor_name)


def chain_head_unchecked(session: Session) -> ChainHead:
    """The recorded head, without a role check (for totals inside this module)."""
    last_id, last_hash = audit.read_head(session)
    return ChainHead(last_id=last_id, last_hash=last_hash)


def chain_head(*, session: Session, actor: Actor) -> ChainHead:
    """The recorded head of the chain: last event id and its hash.

    :raise PermissionDenied: the actor is not an auditor.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    return chain_head_unchecked(session)


def verify_chain(
    *,
    session: Session,
    actor: Actor,
    expected_head: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> audit.VerifyResult:
    """Recompute the whole chain (:func:`db.audit.verify`); with ``expected_head``, a head
    hash exported earlier, also detect a truncated or rewritten tail. Reads only.

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValidationFailed: ``expected_head`` is not a 64-character hexadecimal hash.
    """
    require_role(actor, AUDITORS, "audit_event.verify", "audit_event")
    expected = (expected_head or "").strip().lower() or None
    if expected is not None and (
        len(expected) != HASH_LENGTH or any(c not in "0123456789abcdef" for c in expected)
    ):
        raise ValidationFailed({"expected_head": BAD_HEAD_HASH})
    return audit.verify(session, expected_head=expected, progress=progress)


@dataclass(frozen=True)
class EventNames:
    """What the events of a page name, as a person reads it: records by ``(entity,
    entity_id)`` and actors by user id (:mod:`db.audit.describe`)."""

    records: dict[tuple[str, str], describe.RecordName]
    actors: dict[int, describe.ActorName]


def name_events(
    *,
    session: Session,
    actor: Actor,
    records: Sequence[tuple[str, str | None]],
    actor_ids: Sequence[int | None],
) -> EventNames:
    """The human numbers of ``records`` and the names and roles of ``actor_ids`` (one query
    per kind of record).

    :raise PermissionDenied: the actor is not an auditor.
    """
    require_role(actor, AUDITORS, "audit_event.read", "audit_event")
    return EventNames(
        records=describe.record_names(session, records),
        actors=describe.actor_names(session, actor_ids),
    )


@dataclass(frozen=True)
class Integrity:
    """Both checks: the chain (:func:`db.audit.verify`) and the records against their seals
    (:func:`db.audit.records.verify_records`), with the records' names for the problems."""

    chain: audit.VerifyResult
    records: records.RecordsResult
    names: dict[tuple[str, str], describe.RecordName]

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.records.ok


CHAIN_PHASE = "chain"
RECORDS_PHASE = "records"


def verify_integrity(
    *,
    session: Session,
    actor: Actor,
    expected_head: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Integrity:
    """The chain, then every audited record against its newest seal, up to the head the
    chain check read. ``progress(phase, done, total)``: :data:`CHAIN_PHASE` with events,
    then :data:`RECORDS_PHASE` with tables. Reads only.

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValidationFailed: ``expected_head`` is not a 64-character hexadecimal hash.
    """
    head_id, _hash = audit.read_head(session)
    chain = verify_chain(
        session=session,
        actor=actor,
        expected_head=expected_head,
        progress=None if progress is None else lambda d, t: progress(CHAIN_PHASE, d, t),
    )
    found = records.verify_records(
        session,
        head_id=head_id,
        progress=None if progress is None else lambda d, t: progress(RECORDS_PHASE, d, t),
    )
    wanted = [(records.ENTITY_OF[p.table], str(p.record_id)) for p in found.problems]
    return Integrity(chain, found, describe.record_names(session, wanted))


def head_receipt(*, session: Session, actor: Actor) -> str:
    """A head receipt of the chain now, as the file a city keeps (:mod:`db.audit.receipt`).

    :raise PermissionDenied: the actor is not an auditor.
    :raise AuditKeyMissing: no audit key outside demo mode.
    """
    require_role(actor, AUDITORS, "audit_event.receipt", "audit_event")
    return receipt.receipt_text(receipt.make_receipt(session, keys.load_key()))


def check_head_receipt(*, session: Session, actor: Actor, content: bytes) -> receipt.ReceiptCheck:
    """The chain checked against a receipt's file (:func:`db.audit.receipt.check_receipt`).

    :raise PermissionDenied: the actor is not an auditor.
    :raise AuditKeyMissing: no audit key outside demo mode.
    """
    require_role(actor, AUDITORS, "audit_event.verify", "audit_event")
    key = keys.load_key()
    found = receipt.read_receipt(content)
    if found is None:
        return receipt.ReceiptCheck(False, receipt.NOT_A_RECEIPT, {})
    return receipt.check_receipt(session, found, key)
