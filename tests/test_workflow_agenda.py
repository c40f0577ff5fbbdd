"""Putting an adoption before an adoption review meeting (SQLite and PostgreSQL).

Adding it to the agenda moves the proposal to ``under_review`` in the same transaction as
the agenda item, with an ``adoption.review`` event naming the meeting; a proposal decided
meanwhile is refused and nothing (item, status, event) is left behind. After the meeting
recommends it, the approvals list shows it as approvable by another approver.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, func, select, update

from db import adoptions, approvals, clock, meetings
from db.meetings import planning
from db.meetings.errors import NotReadyForAgenda
from db.models import Adoption, AgendaItem, AuditEvent, Meeting
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", roles))
        for name, roles in {"staff": ["staff"], "approver": ["approver"]}.items()
    }


def _meeting(engine: Engine, staff: Actor) -> int:
    with write_session(engine) as s:
        meeting_id: int = meetings.schedule_meeting(
            session=s,
            actor=staff,
            kind="adoption_review",
            title="도입 심의",
            scheduled_on=clock.city_today() + dt.timedelta(days=20),
        )
    return meeting_id


def _proposal(engine: Engine, staff: Actor) -> int:
    with write_session(engine) as s:
        return wd.adoption(s, wd.tech(s, wd.org(s)), staff.id, status="proposed")


def test_the_agenda_puts_the_adoption_under_review_with_its_event(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    meeting_id = _meeting(migrated_engine, staff)
    aid = _proposal(migrated_engine, staff)
    with write_session(migrated_engine) as s:
        meetings.add_agenda_item(session=s, actor=staff, meeting_id=meeting_id, adoption_id=aid)
    with read_session(migrated_engine) as s:
        adoption = s.get(Adoption, aid)
        assert adoption is not None
        assert (adoption.status, adoption.version) == ("under_review", 2)
        assert adoption.review_on is not None and adoption.updated_by_id == staff.id
        [event] = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "adoption.review"))
            .scalars()
            .all()
        )
        code = s.execute(select(Meeting.code).where(Meeting.id == meeting_id)).scalar_one()
    assert (event.entity, event.entity_id, event.actor_id) == ("adoption", str(aid), staff.id)
    assert json.loads(event.before or "{}") == {"status": "proposed"}
    assert json.loads(event.after or "{}")["meeting_code"] == code
    # It waits for the meeting in the work queue, on that meeting's agenda.
    with read_session(migrated_engine) as s:
        queue = approvals.work_queue(session=s, actor=staff).awaiting_meeting
    row = queue[(queue["kind"] == "adoption") & (queue["id"] == aid)]
    assert list(row["status"]) == ["under_review"] and list(row["meeting"]) == [code]


def test_a_decided_proposal_is_refused_and_leaves_nothing_behind(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    meeting_id = _meeting(migrated_engine, staff)
    aid = _proposal(migrated_engine, staff)
    with write_session(migrated_engine) as s:
        s.execute(update(Adoption).where(Adoption.id == aid).values(status="rejected"))
    with read_session(migrated_engine) as s:
        events_before = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    with pytest.raises(NotReadyForAgenda), write_session(migrated_engine) as s:
        meetings.add_agenda_item(session=s, actor=staff, meeting_id=meeting_id, adoption_id=aid)
    # The move's own compare-and-set refuses too (a decision landing after the check).
    with pytest.raises(NotReadyForAgenda), write_session(migrated_engine) as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        planning._adoption_under_review(s, staff, aid, meeting)
    with read_session(migrated_engine) as s:
        assert s.execute(select(func.count()).select_from(AgendaItem)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == (
            events_before
        )
        assert s.execute(select(Adoption.status).where(Adoption.id == aid)).scalar() == "rejected"


def test_after_the_recommendation_another_approver_can_approve(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, approver = people["staff"], people["approver"]
    meeting_id = _meeting(migrated_engine, staff)
    aid = _proposal(migrated_engine, staff)
    with write_session(migrated_engine) as s:
        meetings.add_agenda_item(session=s, actor=staff, meeting_id=meeting_id, adoption_id=aid)
    with read_session(migrated_engine) as s:
        pending = approvals.pending_decisions(session=s, actor=approver)
    row = pending[pending["key"] == f"adoption:{aid}"]
    assert list(row["can_approve"]) == [False]  # not recommended yet
    with write_session(migrated_engine) as s:
        s.execute(update(Meeting).where(Meeting.id == meeting_id).values(status="closed"))
        s.execute(
            update(AgendaItem)
            .where(AgendaItem.adoption_id == aid)
            .values(decision="passed", decided_at=clock.now_utc())
        )
    with read_session(migrated_engine) as s:
        pending = approvals.pending_decisions(session=s, actor=approver)
    row = pending[pending["key"] == f"adoption:{aid}"]
    assert list(row["can_approve"]) == [True] and list(row["recommended"]) == [True]
    with write_session(migrated_engine) as s:
        adoptions.decide_adoption(
            session=s, actor=approver, adoption_id=aid, decision="approve", comment="적정"
        )
    with read_session(migrated_engine) as s:
        adoption = s.get(Adoption, aid)
        assert adoption is not None and adoption.status == "approved"
        assert adoption.version == 3
