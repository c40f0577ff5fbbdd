"""What the meeting writes share beyond every audited write's kit (:mod:`db.recording`):
locking the meeting, checking its status, its pass marks, finding a seat, refusing a
conflicted expert.

Only staff write (approvers are staff members too, and write as staff); auditors, staff and
approvers read meeting records; the fairness report and the evidence package are the
auditor's (the role sets are :mod:`db.policy`'s). Auditors, executives and administrators are
refused by every write, in ``db/``, whatever a page shows.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.meetings.draw import PoolExpert, Tie, conflict_reason
from db.meetings.errors import (
    Conflicted,
    MeetingAlreadyHeld,
    MeetingClosed,
    MeetingNotFound,
    MeetingNotHeld,
)
from db.meetings.scoring import DEFAULT_THRESHOLDS, Thresholds
from db.models import (
    AgendaItem,
    Expert,
    ExpertTie,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    Technology,
)

TITLE_MAX_CHARS: Final = 300


def lock_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    writers already hold the database lock): every deliberation write takes it first, so a
    write never interleaves with closing the meeting or with another write to it.

    :raise MeetingNotFound: no such meeting.
    """
    meeting = session.execute(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if meeting is None:
        raise MeetingNotFound(id=meeting_id)
    return meeting


def require_open(meeting: Meeting, *statuses: str) -> None:
    """:raise MeetingClosed / MeetingNotHeld / MeetingAlreadyHeld: the meeting's status is
    not one of ``statuses``."""
    if meeting.status in statuses:
        return
    if meeting.status == "closed":
        raise MeetingClosed(code=meeting.code)
    if meeting.status == "scheduled":
        raise MeetingNotHeld(code=meeting.code)
    raise MeetingAlreadyHeld(code=meeting.code)


def thresholds_of(session: Session, meeting_id: int) -> tuple[Thresholds, bool]:
    """The pass marks the meeting decides by, and whether the meeting recorded its own
    (meetings without a ``meeting_rules`` row, the demo history, use the defaults)."""
    rules = session.get(MeetingRules, meeting_id)
    if rules is None:
        return DEFAULT_THRESHOLDS, False
    return Thresholds(float(rules.stage1_pass), float(rules.overall_pass)), True


def find_seat(session: Session, meeting_id: int, expert_id: int) -> PanelSeat | None:
    return session.execute(
        select(PanelSeat)
        .where(PanelSeat.meeting_id == meeting_id, PanelSeat.expert_id == expert_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def refuse_conflict(session: Session, meeting: Meeting, item: AgendaItem, expert: Expert) -> None:
    """:raise Conflicted: ``expert`` has a conflict (rule step 1 of the draw) with the
    applicant of ``item`` on the meeting's date."""
    owner_id = session.execute(
        select(Technology.owner_org_id).where(Technology.id == item.technology_id)
    ).scalar_one()
    ties = tuple(
        Tie(org, started, ended)
        for org, started, ended in session.execute(
            select(ExpertTie.organization_id, ExpertTie.started_on, ExpertTie.ended_on).where(
                ExpertTie.expert_id == expert.id, ExpertTie.organization_id == owner_id
            )
        )
    )
    candidate = PoolExpert(expert.id, expert.organization_id, expert.affiliation, ties=ties)
    found = conflict_reason(candidate, {owner_id}, meeting.held_on or meeting.scheduled_on)
    if found is not None:
        org = session.get(Organization, owner_id)
        template = Conflicted.message if found[0] == "same_organization" else Conflicted.TIE
        raise Conflicted(template, name=expert.name, org=org.name_ko if org else str(owner_id))
