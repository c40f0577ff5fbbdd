"""Records for the workflow tests, written straight into a test database.

The deliberation work (meetings, agendas, decisions) is not what these tests exercise, so
meetings and their recommendations are inserted directly, as the deliberation pages would
leave them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db import audit, clock
from db.models import (
    Adoption,
    AgendaItem,
    AuditEvent,
    Meeting,
    Organization,
    Technology,
    Testbed,
)
from db.session import read_session, write_session

_seq = itertools.count(1)
NOW = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)


def org(s: Session, name: str = "", *, is_local: bool = True) -> int:
    n = next(_seq)
    o = Organization(
        name_ko=name or f"테스트 기업 {n}",
        name_en=name or f"Test Company {n}",
        kind="company",
        region="KR-27",
        is_local=is_local,
        created_at=NOW,
    )
    s.add(o)
    s.flush()
    return o.id


def tech(s: Session, owner_id: int, *, status: str = "registered", title: str = "") -> int:
    n = next(_seq)
    t = Technology(
        reg_no=f"TEST-{n:06d}",
        title_ko=title or f"시험 기술 {n}",
        title_en=title or f"Test technology {n}",
        owner_org_id=owner_id,
        is_local=True,
        field="roads",
        growth_sector="none",
        certification="none",
        status=status,
        submitted_on=dt.date(2026, 1, 5),
        registered_on=dt.date(2026, 3, 2) if status == "registered" else None,
    )
    s.add(t)
    s.flush()
    return t.id


def adoption(
    s: Session,
    tech_id: int,
    proposer_id: int | None,
    *,
    status: str = "under_review",
    project: str = "",
) -> int:
    a = Adoption(
        technology_id=tech_id,
        project_name=project or f"시험 사업 {next(_seq)}",
        department="도로과",
        budget_krw=120_000_000,
        year=2026,
        justification="공기 단축",
        status=status,
        proposed_on=dt.date(2026, 10, 1),
        proposed_by_id=proposer_id,
        review_on=dt.date(2026, 10, 10) if status == "under_review" else None,
    )
    s.add(a)
    s.flush()
    return a.id


def meeting(
    s: Session, *, kind: str = "adoption_review", status: str = "closed", held: bool = True
) -> int:
    n = next(_seq)
    m = Meeting(
        code=f"T-{n:05d}",
        kind=kind,
        title=f"시험 회의 {n}",
        scheduled_on=dt.date(2026, 10, 20),
        held_on=dt.date(2026, 10, 20) if held else None,
        status=status,
        quorum=5,
    )
    s.add(m)
    s.flush()
    return m.id


def recommend(
    s: Session,
    adoption_id: int,
    *,
    decision: str = "passed",
    meeting_id: int | None = None,
    decided_at: dt.datetime | None = None,
) -> int:
    """Put the adoption before an adoption review meeting with ``decision``; return the
    meeting's id."""
    mid = meeting_id if meeting_id is not None else meeting(s)
    a = s.get(Adoption, adoption_id)
    assert a is not None
    position = s.execute(
        select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == mid)
    ).scalar_one()
    s.add(
        AgendaItem(
            meeting_id=mid,
            position=position + 1,
            technology_id=a.technology_id,
            adoption_id=adoption_id,
            decision=decision,
            decision_reason="시험 의결",
            decided_at=decided_at or clock.now_utc(),
        )
    )
    s.flush()
    return mid


def testbed(s: Session, tech_id: int, *, status: str = "applied") -> int:
    tb = Testbed(
        technology_id=tech_id,
        status=status,
        applied_on=dt.date(2026, 9, 1),
        started_on=dt.date(2026, 9, 10) if status in ("in_progress", "completed") else None,
        site="시험 현장" if status != "applied" else None,
    )
    s.add(tb)
    s.flush()
    return tb.id


def select_testbed(s: Session, testbed_id: int, decision: str = "passed") -> None:
    tb = s.get(Testbed, testbed_id)
    assert tb is not None
    mid = meeting(s, kind="testbed_selection")
    s.add(
        AgendaItem(
            meeting_id=mid,
            position=1,
            technology_id=tb.technology_id,
            testbed_id=testbed_id,
            decision=decision,
            decided_at=clock.now_utc(),
        )
    )
    s.flush()


def mark_edited(s: Session, adoption_id: int, user_id: int, username: str) -> None:
    """Record that ``user_id`` edited the adoption (as ``edit_adoption`` would)."""
    audit.append(
        s,
        actor_id=user_id,
        actor_name=username,
        action="adoption.edit",
        entity="adoption",
        entity_id=adoption_id,
        before={"department": "도로과"},
        after={"department": "도로관리과"},
    )


def events(
    engine: Engine,
    action: str | None = None,
    entity_id: int | None = None,
    entity: str | None = None,
) -> list[AuditEvent]:
    """Audit events, oldest first, optionally of one action and/or one record."""
    with read_session(engine) as s:
        q = select(AuditEvent).order_by(AuditEvent.id)
        if entity:
            q = q.where(AuditEvent.entity == entity)
        if action:
            q = q.where(AuditEvent.action == action)
        if entity_id is not None:
            q = q.where(AuditEvent.entity_id == str(entity_id))
        rows = list(s.execute(q).scalars())
        for r in rows:
            s.expunge(r)
        return rows


def status_of(engine: Engine, model: Any, record_id: int) -> str:
    with read_session(engine) as s:
        return str(s.execute(select(model.status).where(model.id == record_id)).scalar_one())


def under_review_adoptions(
    engine: Engine, proposer_id: int, n: int, *, recommended: bool = True
) -> list[int]:
    """``n`` adoptions under review, each of its own technology, all recommended by one
    closed adoption review meeting."""
    ids: list[int] = []
    with write_session(engine) as s:
        owner = org(s)
        mid = meeting(s) if recommended else None
        for _ in range(n):
            aid = adoption(s, tech(s, owner), proposer_id)
            if recommended:
                recommend(s, aid, meeting_id=mid)
            ids.append(aid)
    return ids


def ids(rows: Iterable[AuditEvent]) -> list[int]:
    return [int(r.entity_id or 0) for r in rows]
