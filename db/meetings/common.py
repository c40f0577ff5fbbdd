"""What the meeting writes share beyond every audited write's kit (:mod:`db.recording`):
locking the meeting, checking its status, the regulation it obeys (:func:`regulation_of`),
finding a seat, the members who may vote on an item, refusing a conflicted expert.

Only staff write (approvers are staff members too, and write as staff); auditors, staff and
approvers read meeting records; the fairness report and the evidence package are the
auditor's (the role sets are :mod:`db.policy`'s). Auditors, executives and administrators are
refused by every write, in ``db/``, whatever a page shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.city.store import regulation_criteria
from db.meetings.draw import HALF, TIE_WINDOW_YEARS, PoolExpert, Tie, conflict_reason
from db.meetings.errors import (
    Conflicted,
    MeetingAlreadyHeld,
    MeetingClosed,
    MeetingNotFound,
    MeetingNotHeld,
    NoRegulationInForce,
)
from db.meetings.scoring import Thresholds
from db.models import (
    AgendaItem,
    Expert,
    ExpertTie,
    ItemRecusal,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    Technology,
)
from db.regulation.rules import Rules
from db.regulation.versions import Version, first_version, in_force_on, version_by_id

TITLE_MAX_CHARS: Final = 300
PANEL_SIZE: Final = 7
SEAT_PERIOD_DAYS: Final = 365


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


@dataclass(frozen=True)
class Regulated:
    """What the regulation gives one meeting: its version (the one it is bound to, else the
    one in force on its date; None for a meeting recorded before the city's first version, see
    :func:`unregulated_rule`), the quorum and the scoring rule it decides by, and the quorum
    and pass marks it stored when it was scheduled (a meeting of the time before the
    regulation was data may hold others: *held under exceptional settings*)."""

    version: Version | None
    quorum: int
    thresholds: Thresholds
    stored_quorum: int
    stored_marks: tuple[float, float] | None  # meeting_rules' (None: none recorded)
    fallback: Rules | None = None  # a meeting without a version: the city's first version's

    @property
    def rules(self) -> Rules | None:
        """The rules the meeting's panel obeys: its version's, else the city's first."""
        return self.version.rules if self.version else self.fallback

    @property
    def exceptional(self) -> bool:
        """The meeting's stored quorum or pass marks differ from its version's."""
        if self.version is None:
            return False
        marks = (self.thresholds.stage1_pass, self.thresholds.overall_pass)
        return self.stored_quorum != self.quorum or (
            self.stored_marks is not None and self.stored_marks != marks
        )

    @property
    def panel_size(self) -> int:
        return self.rules.panel_size if self.rules else PANEL_SIZE

    @property
    def cap(self) -> Fraction:
        return self.rules.affiliation_cap if self.rules else HALF

    @property
    def window_years(self) -> int:
        return self.rules.conflict_window_years if self.rules else TIE_WINDOW_YEARS

    @property
    def max_appointed(self) -> int | None:
        return self.rules.max_appointed if self.rules else None

    @property
    def seat_limit(self) -> int | None:
        return self.rules.max_seats_per_expert if self.rules else None

    @property
    def seat_period_days(self) -> int:
        return self.rules.seat_period_days if self.rules else SEAT_PERIOD_DAYS


def regulated(
    version: Version | None,
    kind: str,
    stored_quorum: int,
    stored_marks: tuple[float, float] | None,
    unregulated: tuple[Thresholds, Rules] | None = None,
) -> Regulated:
    """:class:`Regulated` of a meeting of ``kind`` under ``version``. Without a version (a
    meeting recorded before the regulation was data): the stored quorum, and the scoring rule
    ``unregulated`` (:func:`unregulated_rule`) with the stored pass marks where the meeting
    kept them."""
    if version is None:
        if unregulated is None:
            raise NoRegulationInForce(day="-")
        rule, first = unregulated
        marks = (
            rule
            if stored_marks is None
            else replace(rule, stage1_pass=stored_marks[0], overall_pass=stored_marks[1])
        )
        return Regulated(None, stored_quorum, marks, stored_quorum, stored_marks, first)
    rules = version.rules
    return Regulated(
        version,
        int(rules.quorum[kind]),
        Thresholds.from_rules(rules),
        stored_quorum,
        stored_marks,
    )


def unregulated_rule(session: Session) -> tuple[Thresholds, Rules] | None:
    """The scoring rule of a meeting recorded without a regulation version: the city's
    criteria (its vocabulary, in its order, each with its stage), unweighted, and the pass
    marks of the city's first approved version (a meeting that kept its own marks decides by
    those); with that version's rules for its panel. None when the city has no approved
    version at all."""
    first = first_version(session)
    if first is None:
        return None
    marks = Thresholds.from_rules(first.rules)
    rule = Thresholds(
        stage1_pass=marks.stage1_pass,
        overall_pass=marks.overall_pass,
        criteria=tuple((c, 1.0, stage) for c, stage in regulation_criteria(session).items()),
    )
    return rule, first.rules


class Regulations:
    """Versions read once per id and per day, for reads over many meetings."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_id: dict[int, Version | None] = {}
        self._on: dict[dt.date, Version | None] = {}
        self._unregulated: tuple[tuple[Thresholds, Rules] | None] | None = None

    def version(self, regulation_id: int | None, day: dt.date) -> Version | None:
        """The version ``regulation_id``, else the one in force on ``day``."""
        if regulation_id is not None:
            if regulation_id not in self._by_id:
                self._by_id[regulation_id] = version_by_id(self.session, regulation_id)
            return self._by_id[regulation_id]
        if day not in self._on:
            self._on[day] = in_force_on(self.session, day)
        return self._on[day]

    def of(
        self,
        *,
        kind: str,
        regulation_id: int | None,
        scheduled_on: dt.date,
        quorum: int,
        marks: tuple[float, float] | None,
    ) -> Regulated:
        version = self.version(regulation_id, scheduled_on)
        if version is not None:
            return regulated(version, kind, int(quorum), marks)
        if self._unregulated is None:
            self._unregulated = (unregulated_rule(self.session),)
        return regulated(None, kind, int(quorum), marks, self._unregulated[0])


def regulation_of(session: Session, meeting: Meeting) -> Regulated:
    """The regulation ``meeting`` obeys (see :class:`Regulated`)."""
    rules = session.get(MeetingRules, meeting.id)
    marks = None if rules is None else (float(rules.stage1_pass), float(rules.overall_pass))
    return Regulations(session).of(
        kind=meeting.kind,
        regulation_id=meeting.regulation_id,
        scheduled_on=meeting.scheduled_on,
        quorum=meeting.quorum,
        marks=marks,
    )


def find_seat(session: Session, meeting_id: int, expert_id: int) -> PanelSeat | None:
    return session.execute(
        select(PanelSeat)
        .where(PanelSeat.meeting_id == meeting_id, PanelSeat.expert_id == expert_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def applicant_of(session: Session, item: AgendaItem) -> int:
    """The applicant of ``item``: the owner of its technology."""
    return int(
        session.execute(
            select(Technology.owner_org_id).where(Technology.id == item.technology_id)
        ).scalar_one()
    )


def conflict_with(
    session: Session, meeting: Meeting, expert: Expert, owner_id: int, window_years: int
) -> tuple[str, int] | None:
    """The conflict (rule step 1 of the draw) of ``expert`` with the applicant ``owner_id``
    on the meeting's date, computed from the records as they stand: the same organisation,
    or a declared tie within the regulation's window."""
    ties = tuple(
        Tie(org, started, ended)
        for org, started, ended in session.execute(
            select(ExpertTie.organization_id, ExpertTie.started_on, ExpertTie.ended_on).where(
                ExpertTie.expert_id == expert.id, ExpertTie.organization_id == owner_id
            )
        )
    )
    candidate = PoolExpert(expert.id, expert.organization_id, expert.affiliation, ties=ties)
    return conflict_reason(
        candidate, {owner_id}, meeting.held_on or meeting.scheduled_on, window_years
    )


def refuse_conflict(
    session: Session, meeting: Meeting, item: AgendaItem, expert: Expert, window_years: int
) -> None:
    """:raise Conflicted: ``expert`` has a conflict (rule step 1 of the draw) with the
    applicant of ``item`` on the meeting's date."""
    owner_id = applicant_of(session, item)
    found = conflict_with(session, meeting, expert, owner_id, window_years)
    if found is not None:
        org = session.get(Organization, owner_id)
        template = Conflicted.message if found[0] == "same_organization" else Conflicted.TIE
        raise Conflicted(
            template,
            name=expert.name,
            org=org.name_ko if org else str(owner_id),
            years=window_years,
        )


def item_recused(session: Session, item_id: int) -> set[int]:
    """Seat ids recused from the agenda item ``item_id`` alone."""
    return set(
        session.execute(
            select(ItemRecusal.seat_id).where(ItemRecusal.agenda_item_id == item_id)
        ).scalars()
    )


def item_voters(
    session: Session, meeting: Meeting, item: AgendaItem, window_years: int
) -> list[PanelSeat]:
    """The seats that may vote on ``item``: attending, not recused from the meeting nor from
    this item, and without a conflict with its applicant (computed, as well as declared)."""
    seats = session.execute(
        select(PanelSeat).where(
            PanelSeat.meeting_id == meeting.id,
            PanelSeat.attended.is_(True),
            PanelSeat.recused.is_(False),
        )
    ).scalars()
    recused = item_recused(session, item.id)
    owner_id = applicant_of(session, item)
    out = []
    for seat in seats:
        if seat.id in recused:
            continue
        expert = session.get(Expert, seat.expert_id)
        if expert is not None and conflict_with(session, meeting, expert, owner_id, window_years):
            continue
        out.append(seat)
    return out
