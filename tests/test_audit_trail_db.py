"""The audit trail's data layer on SQLite and PostgreSQL: keyset pages, filters, totals,
exports, a record's history, the head and verification, and who may read any of it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db import audit, clock, passwords
from db.audit import trail as trail
from db.audit.trail import AuditFilters
from db.engine import make_engine
from db.errors import NotFound, PermissionDenied, ValidationFailed
from db.models import AuditEvent
from db.policy import Actor
from db.session import read_session, write_session
from tests.conftest import BACKENDS, fresh_database_url
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401  (fixture)

KST = dt.timezone(dt.timedelta(hours=9))
ACTORS = ("kim", "lee", "park")
KINDS = (
    ("technology", "technology.submit"),
    ("technology", "technology.register"),
    ("expert", "expert.register"),
    ("meeting", "meeting.hold"),
    ("technology", "technology.screen"),
)
N = 237  # not a multiple of any page size used below


@dataclass(frozen=True)
class Ev:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str


@dataclass
class Trail:
    engine: Engine
    auditor: Actor
    staff: Actor
    events: list[Ev]  # every event in the trail, by id (the user.create ones too)


def _at(i: int) -> dt.datetime:
    """Event i happens at 08:00 + 37 min * i KST from 2019-08-06: several per day, across
    midnight KST, so the period filters have boundaries to get right."""
    return dt.datetime(2019, 8, 6, 8, 0, tzinfo=KST) + dt.timedelta(minutes=37 * i)


@pytest.fixture(scope="module", params=BACKENDS)
def t(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trail]:
    """A trail of N events by several users over a few days (shared by the module: read
    only)."""
    url = fresh_database_url(request, str(request.param), tmp_path_factory.mktemp("trail"))
    engine = make_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "BCRYPT_ROUNDS", 4)
        auditor = actor_of(engine, make_user(engine, "auditor.kim", ["auditor"]))
        staff = actor_of(engine, make_user(engine, "staff.lee", ["staff"]))
    with write_session(engine) as s:
        for i in range(N):
            entity, action = KINDS[i % len(KINDS)]
            audit.append(
                s,
                actor_id=staff.id if i % 10 == 0 else None,
                actor_name="staff.lee" if i % 10 == 0 else ACTORS[i % len(ACTORS)],
                action=action,
                entity=entity,
                entity_id=i % 13,
                before={"status": "a"} if i % 2 else None,
                after={"status": "b", "i": i, "note": "=1+2 <b>x</b>"},
                reason=f"reason {i}" if i % 3 == 0 else None,
                at=_at(i).astimezone(dt.UTC),
            )
    with read_session(engine) as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        events = [
            Ev(
                r.id,
                clock.as_utc(r.occurred_at),
                r.actor_name,
                r.action,
                r.entity,
                r.entity_id or "",
            )
            for r in rows
        ]
    yield Trail(engine, auditor, staff, events)
    engine.dispose()


def page(t: Trail, filters: AuditFilters = AuditFilters(), **kw: Any) -> Any:
    with read_session(t.engine) as s:
        return trail.events_page(session=s, actor=t.auditor, filters=filters, **kw)


def expected(t: Trail, keep: Callable[[Ev], bool]) -> list[int]:
    return [e.id for e in reversed(t.events) if keep(e)]


def day(d: int) -> dt.date:
    return dt.date(2019, 8, d)


def in_kst_days(e: Ev, first: dt.date | None, last: dt.date | None) -> bool:
    local = e.at.astimezone(KST).date()
    return (first is None or local >= first) and (last is None or local <= last)


FILTER_CASES: dict[str, tuple[AuditFilters, Callable[[Ev], bool]]] = {
    "none": (AuditFilters(), lambda e: True),
    "actor": (AuditFilters(actor="lee"), lambda e: e.actor == "lee"),
    "entity": (AuditFilters(entity="expert"), lambda e: e.entity == "expert"),
    "entity_id": (
        AuditFilters(entity="technology", entity_id="5"),
        lambda e: e.entity == "technology" and e.entity_id == "5",
    ),
    "action": (AuditFilters(action="meeting.hold"), lambda e: e.action == "meeting.hold"),
    "action_prefix": (
        AuditFilters(action="technology.", action_prefix=True),
        lambda e: e.action.startswith("technology."),
    ),
    "period": (
        AuditFilters(date_from=day(7), date_to=day(9)),
        lambda e: in_kst_days(e, day(7), day(9)),
    ),
    "open_period": (AuditFilters(date_from=day(8)), lambda e: in_kst_days(e, day(8), None)),
    "combined": (
        AuditFilters(actor="kim", action="technology", action_prefix=True, date_to=day(9)),
        lambda e: (
            e.actor == "kim" and e.action.startswith("technology") and in_kst_days(e, None, day(9))
        ),
    ),
    "nothing": (AuditFilters(actor="nobody"), lambda e: False),
}


def walk_older(t: Trail, f: AuditFilters, limit: int) -> list[list[int]]:
    pages = []
    df, info = page(t, f, limit=limit)
    pages.append(list(df["id"]))
    assert not info.has_newer
    while info.has_older:
        df, info = page(t, f, before_id=info.oldest_id, limit=limit)
        pages.append(list(df["id"]))
    return pages


@pytest.mark.parametrize("limit", [1, 7, 50])
@pytest.mark.parametrize("case", sorted(FILTER_CASES))
def test_paging_older_then_newer_is_complete_and_consistent(
    t: Trail, case: str, limit: int
) -> None:
    f, keep = FILTER_CASES[case]
    want = expected(t, keep)
    if limit == 1 and len(want) > 60:  # one event a page: the first few are enough
        pages = []
        df, info = page(t, f, limit=1)
        for _ in range(5):
            pages.append(list(df["id"]))
            df, info = page(t, f, before_id=info.oldest_id, limit=1)
        assert [i for p in pages for i in p] == want[:5]
        return
    pages = walk_older(t, f, limit)
    flat = [i for p in pages for i in p]
    assert flat == want  # newest first, every match once, nothing else
    assert all(len(p) == limit for p in pages[:-1])
    if not want:
        assert pages == [[]]
        return
    df, info = page(t, f, before_id=pages[-1][-1], limit=limit)  # past the oldest: empty
    assert df.empty and not info.has_older and info.has_newer
    # back up again from the oldest page: the same pages in reverse, ending on the newest
    back = []
    cursor = pages[-1][0]
    while True:
        df, info = page(t, f, after_id=cursor, limit=limit)
        back.append(list(df["id"]))
        assert info.has_older == (len(pages) > 1)
        if not info.has_newer:
            break
        cursor = back[-1][0]
    assert back == (pages[:-1][::-1] or [pages[0]])


def test_newer_than_the_newest_gives_the_newest_page(t: Trail) -> None:
    newest, _ = page(t, limit=10)
    df, info = page(t, after_id=t.events[-3].id, limit=10)
    assert list(df["id"]) == list(newest["id"])
    assert not info.has_newer and info.has_older


def test_both_cursors_are_a_programming_error(t: Trail) -> None:
    with pytest.raises(ValueError):
        page(t, after_id=1, before_id=5)


def test_page_columns_and_times(t: Trail) -> None:
    df, info = page(t, limit=3)
    assert list(df.columns) == list(trail.COLUMNS)
    assert str(df["occurred_at"].dt.tz) == "UTC"
    assert df["occurred_at"].iloc[0] == t.events[-1].at
    assert json.loads(df["after"].iloc[0])["note"] == "=1+2 <b>x</b>"  # text, as stored
    assert (info.newest_id, info.oldest_id) == (t.events[-1].id, t.events[-3].id)


def test_totals(t: Trail, monkeypatch: pytest.MonkeyPatch) -> None:
    _, info = page(t)
    assert (info.total, info.total_is_lower_bound) == (len(t.events), False)
    _, info = page(t, AuditFilters(actor="lee"))
    assert (info.total, info.total_is_lower_bound) == (
        sum(e.actor == "lee" for e in t.events),
        False,
    )
    monkeypatch.setattr(trail, "COUNT_LIMIT", 20)
    _, info = page(t, AuditFilters(actor="lee"))
    assert (info.total, info.total_is_lower_bound) == (20, True)


def test_period_days_are_kst_days(t: Trail) -> None:
    """Day D in the filter runs from 00:00 to 24:00 KST (15:00 UTC the day before)."""
    df, _ = page(t, AuditFilters(date_from=day(7), date_to=day(7)), limit=500)
    local = [ts.tz_convert("Asia/Seoul") for ts in df["occurred_at"]]
    assert local and all(ts.date() == day(7) for ts in local)
    firsts = [e for e in t.events if e.at.astimezone(KST).date() == day(7)]
    assert len(df) == len(firsts)
    # an event at 23:59 KST on the 6th is 14:59 UTC on the 6th: not in the 7th
    assert all(e.at.astimezone(KST).date() != day(6) for e in firsts)


def test_blank_filters_are_no_filters(t: Trail) -> None:
    df, info = page(t, AuditFilters(actor="  ", entity="", action=" "), limit=5)
    assert info.total == len(t.events) and len(df) == 5


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (AuditFilters(date_from=day(9), date_to=day(8)), "date_to"),
        (AuditFilters(entity_id="5"), "entity_id"),
    ],
)
def test_contradicting_filters_are_explained(t: Trail, filters: AuditFilters, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        page(t, filters)
    assert field in err.value.errors


def test_an_unknown_action_prefix_matches_nothing(t: Trail) -> None:
    df, info = page(t, AuditFilters(action="zzz", action_prefix=True))
    assert df.empty and info.total == 0 and not info.has_older


def test_distinct_values_for_the_filter_widgets(t: Trail) -> None:
    with read_session(t.engine) as s:
        actions = trail.distinct_actions(session=s, actor=t.auditor)
        entities = trail.distinct_entities(session=s, actor=t.auditor)
        actors = trail.distinct_actors(session=s, actor=t.auditor)
    assert actions == sorted({e.action for e in t.events})
    assert entities == sorted({e.entity for e in t.events})
    assert actors == sorted({e.actor for e in t.events})


def test_distinct_values_of_an_empty_trail(migrated_engine: Engine) -> None:
    auditor = Actor(id=None, username="a", roles=frozenset({"auditor"}))
    with read_session(migrated_engine) as s:
        assert trail.distinct_actions(session=s, actor=auditor) == []
        df, info = trail.events_page(session=s, actor=auditor, filters=AuditFilters())
    assert df.empty and list(df.columns) == list(trail.COLUMNS)
    assert (info.total, info.has_older, info.has_newer) == (0, False, False)


def test_export_is_chronological_and_capped(t: Trail) -> None:
    with read_session(t.engine) as s:
        df, truncated = trail.export_events(
            session=s, actor=t.auditor, filters=AuditFilters(entity="expert")
        )
        few, cut = trail.export_events(
            session=s, actor=t.auditor, filters=AuditFilters(entity="expert"), limit=5
        )
    want = [e.id for e in t.events if e.entity == "expert"]
    assert list(df["id"]) == want and not truncated
    assert list(few["id"]) == want[-5:] and cut  # the newest five, oldest first
    assert {"hash", "prev_hash", "before", "after", "reason"} <= set(df.columns)


def test_export_of_a_prefix_in_chain_order(t: Trail) -> None:
    with read_session(t.engine) as s:
        df, _ = trail.export_events(
            session=s, actor=t.auditor, filters=AuditFilters(action="tech", action_prefix=True)
        )
    assert list(df["id"]) == [e.id for e in t.events if e.action.startswith("tech")]


def test_one_event(t: Trail) -> None:
    with read_session(t.engine) as s:
        ev = trail.get_event(session=s, actor=t.auditor, event_id=t.events[5].id)
        with pytest.raises(NotFound):
            trail.get_event(session=s, actor=t.auditor, event_id=99_999)
    assert ev.id == t.events[5].id and ev.occurred_at == t.events[5].at
    assert len(ev.hash) == 64


def test_record_history_newest_first_with_who_and_why(t: Trail) -> None:
    with read_session(t.engine) as s:
        hist = trail.record_history(
            session=s, actor=t.staff, entity="technology", entity_id=5, limit=200
        )
    df = hist.events
    want = [e for e in t.events if e.entity == "technology" and e.entity_id == "5"]
    assert list(df["id"]) == [e.id for e in reversed(want)]
    assert hist.total == len(want) and not hist.has_older
    assert list(df["occurred_at"]) == sorted(df["occurred_at"], reverse=True)
    assert list(df.columns) == list(trail.HISTORY_COLUMNS)
    by_staff = df[df["actor_name"] == "staff.lee"]
    assert set(by_staff["actor_display_name"]) <= {"Staff.Lee"}
    assert df["actor_display_name"].isna().sum() == (df["actor_name"] != "staff.lee").sum()
    assert any(str(r).startswith("reason ") for r in df["reason"].dropna())


def test_record_history_of_a_record_without_events(t: Trail) -> None:
    with read_session(t.engine) as s:
        hist = trail.record_history(session=s, actor=t.auditor, entity="technology", entity_id=999)
    assert hist.events.empty and list(hist.events.columns) == list(trail.HISTORY_COLUMNS)
    assert hist.total == 0 and not hist.has_older


def test_head_and_verification(t: Trail) -> None:
    with read_session(t.engine) as s:
        head = trail.chain_head(session=s, actor=t.auditor)
        result = trail.verify_chain(session=s, actor=t.auditor)
        with_head = trail.verify_chain(
            session=s, actor=t.auditor, expected_head=f"  {head.last_hash.upper()} "
        )
    assert head.last_id == len(t.events)
    assert result.ok and (result.last_good_id, result.head_hash) == (head.last_id, head.last_hash)
    assert with_head.ok


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63, "0" * 65])
def test_a_malformed_exported_head_is_explained(t: Trail, bad: str) -> None:
    with read_session(t.engine) as s, pytest.raises(ValidationFailed) as err:
        trail.verify_chain(session=s, actor=t.auditor, expected_head=bad)
    assert "expected_head" in err.value.errors


# --- who may read the trail ------------------------------------------------------------

CALLS: dict[str, Callable[[Any, Actor], object]] = {
    "events_page": lambda s, a: trail.events_page(session=s, actor=a, filters=AuditFilters()),
    "export_events": lambda s, a: trail.export_events(session=s, actor=a, filters=AuditFilters()),
    "get_event": lambda s, a: trail.get_event(session=s, actor=a, event_id=1),
    "distinct_actions": lambda s, a: trail.distinct_actions(session=s, actor=a),
    "distinct_entities": lambda s, a: trail.distinct_entities(session=s, actor=a),
    "distinct_actors": lambda s, a: trail.distinct_actors(session=s, actor=a),
    "chain_head": lambda s, a: trail.chain_head(session=s, actor=a),
    "verify_chain": lambda s, a: trail.verify_chain(session=s, actor=a),
    "record_history": lambda s, a: trail.record_history(
        session=s, actor=a, entity="technology", entity_id=5
    ),
}
ACTION_OF = {name: "audit_event.read" for name in CALLS} | {
    "export_events": "audit_event.export",
    "verify_chain": "audit_event.verify",
    "record_history": "audit_event.history",
}
# role set -> the functions it may call (everything else is refused)
ALLOWED: dict[str, set[str]] = {
    "auditor": set(CALLS),
    "auditor+admin": set(CALLS),
    "staff": {"record_history"},
    "approver": {"record_history"},
    "staff+approver": {"record_history"},
    "executive": {"record_history"},  # a record's history, experts' personal data withheld
    "admin": set(),
    "executive+staff+approver+admin": {"record_history"},
}


@pytest.mark.parametrize("roles", sorted(ALLOWED))
def test_role_table_refusals_are_audited(migrated_engine: Engine, roles: str) -> None:
    user = actor_of(migrated_engine, make_user(migrated_engine, "someone", roles.split("+")))
    refused = sorted(set(CALLS) - ALLOWED[roles])
    for name in sorted(CALLS):
        if name in refused:
            with pytest.raises(PermissionDenied), write_session(migrated_engine) as s:
                CALLS[name](s, user)
        else:
            with read_session(migrated_engine) as s:
                CALLS[name](s, user)
    with read_session(migrated_engine) as s:
        denied = (
            s.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "permission.denied")
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    assert [(d.actor_id, d.actor_name) for d in denied] == [(user.id, "someone")] * len(refused)
    assert [json.loads(d.after or "{}")["action"] for d in denied] == [
        ACTION_OF[name] for name in refused
    ]
    if "record_history" in refused:
        history = [d for d in denied if "audit_event.history" in (d.after or "")]
        assert [(h.entity, h.entity_id) for h in history] == [("technology", "5")]
