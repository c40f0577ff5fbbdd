"""Issue #8: the work queue's shared counts as a stored summary (the user's own counts live),
and the audit trail filtered by user and kind of record read through its own index."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event, select, text

from db import approvals, summaries
from db.audit import trail as at
from db.errors import PermissionDenied
from db.models import StoredSummary, User
from db.policy import Actor
from db.session import read_session


def _actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(id=u.id, username=u.username, roles=u.role_names, display_name=u.display_name)


def _stored_counts(engine: Engine, actor: Actor) -> approvals.QueueCounts:
    with read_session(engine) as s:
        return approvals.queue_counts(
            session=s,
            actor=actor,
            shared=lambda: summaries.queue_counts(s, summaries.data_version(s)),
        )


def test_queue_counts_from_the_summary_equal_the_live_ones(seeded_engine: Engine) -> None:
    staff, staff2 = _actor(seeded_engine, "staff.demo"), _actor(seeded_engine, "staff2.demo")
    for actor in (staff, staff2):
        with read_session(seeded_engine) as s:
            live = approvals.queue_counts(session=s, actor=actor)
        assert _stored_counts(seeded_engine, actor) == live  # computed and stored
        assert _stored_counts(seeded_engine, actor) == live  # read back from the row
    with read_session(seeded_engine) as s:
        row = s.execute(
            select(StoredSummary.payload).where(StoredSummary.name == "workflow.queue_counts/1")
        ).scalar_one()
    # Only the shared counts are stored: the user's own ones are read live for each user.
    assert "my_proposals" not in row and "to_propose" in row
    one, two = _stored_counts(seeded_engine, staff), _stored_counts(seeded_engine, staff2)
    assert one.to_propose == two.to_propose
    with read_session(seeded_engine) as s:
        assert one.my_proposals == approvals.queue_counts(session=s, actor=staff).my_proposals
        assert two.my_proposals == approvals.queue_counts(session=s, actor=staff2).my_proposals


def test_queue_counts_check_the_role_before_the_summary(seeded_engine: Engine) -> None:
    auditor = _actor(seeded_engine, "auditor.demo")
    asked: list[bool] = []
    with read_session(seeded_engine) as s, pytest.raises(PermissionDenied):
        approvals.queue_counts(session=s, actor=auditor, shared=lambda: asked.append(True) or {})
    assert asked == []


def test_audit_trail_by_user_and_kind_uses_its_index(seeded_engine: Engine) -> None:
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's plan depends on statistics")
    auditor = _actor(seeded_engine, "auditor.demo")
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(seeded_engine, "before_cursor_execute", seen)
    try:
        with read_session(seeded_engine) as s:
            frame, _info = at.events_page(
                session=s,
                actor=auditor,
                filters=at.AuditFilters(actor="staff2.demo", entity="technology"),
            )
    finally:
        event.remove(seeded_engine, "before_cursor_execute", seen)
    assert len(frame) > 0
    assert set(frame["actor_name"]) == {"staff2.demo"} and set(frame["entity"]) == {"technology"}
    filtered = [(q, p) for q, p in statements if "actor_name = ?" in q and "entity = ?" in q]
    assert len(filtered) >= 2  # the page's ids and its capped count
    with seeded_engine.connect() as conn:
        for query, params in filtered:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).all()
            detail = " ".join(str(r[-1]) for r in plan)
            assert "ix_audit_events_by_actor_entity" in detail, detail
            assert "TEMP B-TREE" not in detail, detail  # newest first from the index, no sort
    with seeded_engine.connect() as conn:
        names = {r[1] for r in conn.execute(text("PRAGMA index_list(adoptions)"))}
    assert "ix_adoptions_proposed_by" in names


def test_audit_trail_count_reads_the_index_of_the_page(seeded_engine: Engine) -> None:
    """User and action: the capped count reads the (action, id) index as the page does, not
    the user's whole range of the (actor_name, entity, id) index (SQLite has no statistics)."""
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    auditor = _actor(seeded_engine, "auditor.demo")
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(seeded_engine, "before_cursor_execute", seen)
    try:
        with read_session(seeded_engine) as s:
            frame, _info = at.events_page(
                session=s,
                actor=auditor,
                filters=at.AuditFilters(actor="staff2.demo", action="technology.submit"),
            )
    finally:
        event.remove(seeded_engine, "before_cursor_execute", seen)
    assert len(frame) > 0 and set(frame["action"]) == {"technology.submit"}
    filtered = [(q, p) for q, p in statements if "actor_name = ?" in q and "action = ?" in q]
    assert any("count(" in q for q, _p in filtered)
    with seeded_engine.connect() as conn:
        for query, params in filtered:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).all()
            detail = " ".join(str(r[-1]) for r in plan)
            assert "ix_audit_events_by_actor_entity" not in detail, detail


def _read_by_record_index(engine: Engine, read, marker: str = "audit_events"):  # type: ignore[no-untyped-def]
    """``read(session)``'s result, after checking that each of its statements holding
    ``marker`` reads the audit trail through ``ix_audit_events_record`` (SQLite's plan)."""
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with read_session(engine) as s:
            result = read(s)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    audit_reads = [(q, p) for q, p in statements if marker in q]
    assert audit_reads
    with engine.connect() as conn:
        for query, params in audit_reads:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).all()
            lookups = [str(r[-1]) for r in plan if "audit_events" in str(r[-1])]
            assert lookups and all(
                "ix_audit_events_record (entity=? AND entity_id=?)" in d for d in lookups
            ), lookups
    return result


def test_who_ran_the_meetings_is_read_by_record_from_the_audit_index(
    seeded_engine: Engine,
) -> None:
    """Four eyes asks who ran the meetings behind every item an approver sees: each read of
    the audit trail is a lookup of the (entity, entity_id) index, never a walk of every event
    of a kind (a join let SQLite do that: 3 s for five meetings on the approvals page)."""
    from db.models import Meeting
    from db.policy import meeting_runners

    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with read_session(seeded_engine) as s:
        mids = s.execute(select(Meeting.id).order_by(Meeting.id).limit(5)).scalars().all()
    runners = _read_by_record_index(seeded_engine, lambda s: meeting_runners(s, mids))
    assert set(runners) == set(mids)  # every demo meeting was run by someone


def test_a_records_history_is_read_through_the_index_of_its_record(seeded_engine: Engine) -> None:
    """Opening a record reads its history through ``(entity, entity_id, id)``, not by walking
    every event of that kind of record newest first through ``(entity, id)`` (SQLite chose
    that without statistics: 5.8 s for an old technology at scale 100)."""
    from db.models import AuditEvent

    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    staff = _actor(seeded_engine, "staff.demo")
    with read_session(seeded_engine) as s:
        oldest = s.execute(
            select(AuditEvent.entity_id)
            .where(AuditEvent.entity == "technology")
            .order_by(AuditEvent.id)
            .limit(1)
        ).scalar_one()
    history = _read_by_record_index(
        seeded_engine,
        lambda s: at.record_history(session=s, actor=staff, entity="technology", entity_id=oldest),
        marker="FROM audit_events",
    )
    assert history.total >= 1
