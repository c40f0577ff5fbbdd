# Over 500 lines on purpose: scheduling, the agenda and the panel (draw, appointment,
# substitutes) obey one regulation version and share its pool and seat-limit reads.
"""Before the meeting: schedule it, set its agenda, draw and seat its panel.

Every write takes ``*, session`` (the caller owns the transaction, see
``db.session.write_session``) and the acting ``actor``; refuses anyone but staff
(``PermissionDenied``, audited by the session); locks the meeting row first; changes state
with a compare-and-set; and appends its audit event in the same transaction. Actions use the
vocabulary of the demo history (``meeting.schedule``, ``agenda_item.add``,
``meeting.draw_panel``, ``panel_seat.draw``) plus ``panel_seat.appoint`` and
``panel_seat.substitute``.

A meeting obeys the regulation version in force on its date, bound when it is scheduled
(``meetings.regulation_id``): its quorum and pass marks are the version's (staff cannot set
them); its panel is drawn with the version's size, affiliation cap, conflict window and limit
of seats per expert; seats filled by hand are limited to the version's ``max_appointed``; a
drawn member who is absent or recused is replaced by a substitute drawn by rule
(:func:`draw_substitute`).

A scheduled meeting takes agenda items until its panel is drawn; then the agenda is fixed,
because the draw checked conflicts of interest against exactly those applicants. A meeting's
panel is drawn once (a repeated draw would let anyone try seeds until one pleases).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections import defaultdict

import pandas as pd
from sqlalchemy import and_, exists, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import clock, domain
from db.errors import N_, DomainError, ValidationFailed
from db.listing import AnySelect
from db.meetings.common import (
    TITLE_MAX_CHARS,
    Regulated,
    find_seat,
    lock_meeting,
    refuse_conflict,
    regulation_of,
    require_open,
)
from db.meetings.draw import (
    SEED_BITS,
    SUBSTITUTE_RULE,
    Candidate,
    Draw,
    DrawnSeat,
    PoolExpert,
    SubstituteInputs,
    Tie,
    cap_seats,
    conflict_reason,
    draw_panel,
    pick_substitute,
)
from db.meetings.errors import (
    F_DATE,
    F_KIND,
    F_NOTE,
    F_TITLE,
    AgendaFixed,
    AlreadyOnAgenda,
    AlreadyReplaced,
    AlreadySeated,
    EmptyAgenda,
    MeetingNotFound,
    NoRegulationInForce,
    NotOnPanel,
    NotReadyForAgenda,
    NotReplaceable,
    PanelAlreadyDrawn,
    PanelBelowQuorum,
    PanelNotDrawn,
    SeatLimitReached,
    TooManyAppointed,
    WrongItemForMeeting,
)
from db.meetings.scoring import Thresholds
from db.models import (
    Adoption,
    AgendaItem,
    Expert,
    ExpertField,
    ExpertTie,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    PanelSubstitution,
    Technology,
    Testbed,
)
from db.policy import STAFF, Actor, require_role
from db.recording import (
    UNKNOWN_CHOICE,
    clean_text,
    compare_and_set,
    conflict_from,
    last_event,
    record,
)
from db.regulation.versions import in_force_on

CODE_PREFIX = "NTP"
CODE_RE = re.compile(r"^NTP-(\d{4})-(\d+)$")


# --- scheduling and agenda ----------------------------------------------------------------


def _next_code(session: Session, year: int) -> str:
    codes = session.execute(
        select(Meeting.code).where(Meeting.code.like(f"{CODE_PREFIX}-{year}-%"))
    ).scalars()
    numbers = [int(m.group(2)) for c in codes if (m := CODE_RE.match(c))]
    return f"{CODE_PREFIX}-{year}-{max(numbers, default=0) + 1:02d}"


def schedule_meeting(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    title: str,
    scheduled_on: dt.date,
    location: str | None = None,
) -> int:
    """Schedule a meeting (code ``NTP-<year>-<nn>``, numbered within the year) under the
    regulation version in force on ``scheduled_on``: it is bound to that version and records
    the version's quorum for its kind and pass marks (staff cannot choose them). Returns its
    id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: a field is missing or out of range.
    :raise NoRegulationInForce: no approved version is in force on that day.
    """
    require_role(actor, STAFF, "meeting.schedule", "meeting")
    errors: dict[str, str] = {}
    if kind not in domain.MEETING_KINDS:
        errors[F_KIND] = UNKNOWN_CHOICE
    title = clean_text(title, F_TITLE, errors, max_chars=TITLE_MAX_CHARS)
    place = clean_text(location, N_("Location"), errors, required=False, max_chars=200)
    if not isinstance(scheduled_on, dt.date):
        errors[F_DATE] = N_("Choose a date.")
    if errors:
        raise ValidationFailed(errors)
    version = in_force_on(session, scheduled_on)
    if version is None:
        raise NoRegulationInForce(day=scheduled_on.isoformat())
    quorum = int(version.rules.quorum[kind])
    marks = Thresholds.from_rules(version.rules)
    for _attempt in range(5):
        code = _next_code(session, scheduled_on.year)
        meeting = Meeting(
            code=code,
            kind=kind,
            title=title,
            scheduled_on=scheduled_on,
            location=place or None,
            status="scheduled",
            quorum=quorum,
            regulation_id=version.id,
            created_by_id=actor.id,
        )
        try:
            with session.begin_nested():
                session.add(meeting)
                session.flush()
        except IntegrityError:  # another official took the same number meanwhile
            continue
        break
    else:  # pragma: no cover - five collisions in a row
        raise DomainError()
    session.add(
        MeetingRules(
            meeting_id=meeting.id,
            stage1_pass=float(marks.stage1_pass),
            overall_pass=float(marks.overall_pass),
        )
    )
    record(
        session,
        actor,
        "meeting.schedule",
        "meeting",
        meeting.id,
        after={
            "code": code,
            "kind": kind,
            "title": title,
            "scheduled_on": scheduled_on,
            "location": meeting.location,
            "quorum": quorum,
            "status": "scheduled",
            "stage1_pass": marks.stage1_pass,
            "overall_pass": marks.overall_pass,
            "regulation_id": version.id,
            "regulation_number": version.number,
        },
    )
    return meeting.id


def add_agenda_item(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    technology_id: int | None = None,
    adoption_id: int | None = None,
    testbed_id: int | None = None,
) -> int:
    """Put a technology under review (registration review), an adoption proposal (adoption
    review) or a testbed application (testbed selection) on a scheduled meeting's agenda,
    before its panel is drawn. Returns the item's id.

    :raise PermissionDenied: the actor is not staff.
    :raise MeetingClosed/MeetingAlreadyHeld/AgendaFixed: the agenda can no longer change.
    :raise WrongItemForMeeting/NotReadyForAgenda/AlreadyOnAgenda: the item does not fit.
    """
    require_role(actor, STAFF, "agenda_item.add", "meeting", meeting_id)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled")
    if meeting.draw_seed is not None:
        raise AgendaFixed(code=meeting.code)
    tech_id = _agenda_subject(session, meeting, technology_id, adoption_id, testbed_id)
    tech = session.get(Technology, tech_id)
    if tech is None:
        raise WrongItemForMeeting(code=meeting.code)
    if adoption_id is not None:
        same = AgendaItem.adoption_id == adoption_id
    elif testbed_id is not None:
        same = AgendaItem.testbed_id == testbed_id
    else:
        same = and_(
            AgendaItem.technology_id == tech_id,
            AgendaItem.adoption_id.is_(None),
            AgendaItem.testbed_id.is_(None),
        )
    waiting = session.execute(
        select(Meeting.code)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(same, AgendaItem.decision == "pending", Meeting.status != "closed")
        .limit(1)
    ).scalar()
    if waiting is not None:
        raise AlreadyOnAgenda(what=tech.reg_no, code=waiting)
    position = (
        session.execute(
            select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
        ).scalar()
        or 0
    ) + 1
    item = AgendaItem(
        meeting_id=meeting.id,
        position=position,
        technology_id=tech_id,
        adoption_id=adoption_id,
        testbed_id=testbed_id,
        decision="pending",
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raise AlreadyOnAgenda(what=tech.reg_no, code=meeting.code) from None
    if adoption_id is not None:
        _adoption_under_review(session, actor, adoption_id, meeting)
    record(
        session,
        actor,
        "agenda_item.add",
        "agenda_item",
        item.id,
        after={
            "meeting_id": meeting.id,
            "position": position,
            "technology_id": tech_id,
            "adoption_id": adoption_id,
            "testbed_id": testbed_id,
        },
    )
    return item.id


def _adoption_under_review(
    session: Session, actor: Actor, adoption_id: int, meeting: Meeting
) -> None:
    """A proposal put before an adoption review is under review from now on: a
    compare-and-set from ``proposed`` and its ``adoption.review`` event, in the agenda's
    transaction. One already under review (its earlier meeting did not recommend it) stays
    so; one decided meanwhile is refused.

    :raise NotReadyForAgenda: an approver decided the proposal since it was checked.
    """
    domain.require_transition("adoption", "proposed", "under_review")
    now = clock.now_utc()
    today = clock.city_today()
    moved = compare_and_set(
        session,
        update(Adoption)
        .where(Adoption.id == adoption_id, Adoption.status == "proposed")
        .values(
            status="under_review",
            review_on=today,
            updated_at=now,
            updated_by_id=actor.id,
            version=Adoption.version + 1,
        ),
    )
    if moved:
        record(
            session,
            actor,
            "adoption.review",
            "adoption",
            adoption_id,
            before={"status": "proposed"},
            after={"status": "under_review", "review_on": today, "meeting_code": meeting.code},
        )
        return
    row = session.execute(
        select(Adoption.status, Adoption.project_name).where(Adoption.id == adoption_id)
    ).one()
    if row.status != "under_review":
        raise NotReadyForAgenda(what=row.project_name)


def _agenda_subject(
    session: Session,
    meeting: Meeting,
    technology_id: int | None,
    adoption_id: int | None,
    testbed_id: int | None,
) -> int:
    """The technology id of the item after checking it fits the meeting's kind."""
    if meeting.kind == "registration_review":
        if adoption_id is not None or testbed_id is not None or technology_id is None:
            raise WrongItemForMeeting(code=meeting.code)
        tech = session.get(Technology, technology_id)
        if tech is None:
            raise WrongItemForMeeting(code=meeting.code)
        if tech.status != "under_review":
            raise NotReadyForAgenda(what=tech.reg_no)
        return tech.id
    if meeting.kind == "adoption_review":
        adoption = session.get(Adoption, adoption_id) if adoption_id is not None else None
        if adoption is None or testbed_id is not None:
            raise WrongItemForMeeting(code=meeting.code)
        if technology_id is not None and technology_id != adoption.technology_id:
            raise WrongItemForMeeting(code=meeting.code)
        if adoption.status not in ("proposed", "under_review"):
            raise NotReadyForAgenda(what=adoption.project_name)
        return adoption.technology_id
    testbed = session.get(Testbed, testbed_id) if testbed_id is not None else None
    if testbed is None or adoption_id is not None:
        raise WrongItemForMeeting(code=meeting.code)
    if technology_id is not None and technology_id != testbed.technology_id:
        raise WrongItemForMeeting(code=meeting.code)
    if testbed.status != "applied":
        raise NotReadyForAgenda(what=testbed.site or str(testbed.id))
    return testbed.technology_id


# --- the panel ------------------------------------------------------------------------------


def _applicants(session: Session, meeting_id: int) -> tuple[set[int], set[str]]:
    rows = session.execute(
        select(Technology.owner_org_id, Technology.field)
        .join(AgendaItem, AgendaItem.technology_id == Technology.id)
        .where(AgendaItem.meeting_id == meeting_id)
    ).all()
    return {r[0] for r in rows}, {r[1] for r in rows}


def pool_for(
    session: Session, *, drawn_on: dt.date, meeting_on: dt.date, applicants: set[int]
) -> list[PoolExpert]:
    """The experts in the pool on ``drawn_on`` (registered by then, not retired by the
    meeting), with their fields and their ties to ``applicants``."""
    rows = session.execute(
        select(Expert.id, Expert.organization_id, Expert.affiliation).where(
            Expert.registered_on <= drawn_on,
            or_(Expert.retired_on.is_(None), Expert.retired_on > meeting_on),
        )
    ).all()
    fields: dict[int, set[str]] = defaultdict(set)
    for expert_id, code in session.execute(select(ExpertField.expert_id, ExpertField.field)):
        fields[expert_id].add(code)
    ties: dict[int, list[Tie]] = defaultdict(list)
    if applicants:
        for expert_id, org_id, started, ended in session.execute(
            select(
                ExpertTie.expert_id,
                ExpertTie.organization_id,
                ExpertTie.started_on,
                ExpertTie.ended_on,
            ).where(ExpertTie.organization_id.in_(sorted(applicants)))
        ):
            ties[expert_id].append(Tie(org_id, started, ended))
    return [
        PoolExpert(i, org, aff, frozenset(fields.get(i, ())), tuple(ties.get(i, ())))
        for i, org, aff in rows
    ]


def recent_seat_counts(
    session: Session,
    *,
    drawn_on: dt.date,
    days: int,
    except_meeting: int | None = None,
    experts: list[int] | None = None,
) -> dict[int, int]:
    """Expert id -> seats on meetings dated from ``days`` before ``drawn_on`` on (meetings
    still to come included: a seat already promised is a seat taken); only ``experts`` when
    given. The writes count from the day of the draw, or the meeting's date if earlier (a
    meeting recorded after the fact)."""
    since = drawn_on - dt.timedelta(days=days)
    query = (
        select(PanelSeat.expert_id, func.count())
        .join(Meeting, Meeting.id == PanelSeat.meeting_id)
        .where(Meeting.scheduled_on >= since)
        .group_by(PanelSeat.expert_id)
    )
    if except_meeting is not None:
        query = query.where(Meeting.id != except_meeting)
    if experts is not None:
        query = query.where(PanelSeat.expert_id.in_(experts))
    return {int(e): int(n) for e, n in session.execute(query)}


def draw_and_seat_panel(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    seed: int | None = None,
    drawn_on: dt.date | None = None,
) -> Draw:
    """Draw the panel of a scheduled meeting by rule ``balanced-v1``
    (``db.meetings.draw``) with its regulation's panel size, affiliation cap, conflict window
    and limit of seats per expert, and seat it; record the seed, the pool size, the
    exclusions and why on the meeting, and the rule's inputs in ``meeting_rules``. ``seed``
    defaults to a fresh random 62-bit number; ``drawn_on`` to today (KST). A meeting is
    drawn once.

    :raise PermissionDenied: the actor is not staff.
    :raise PanelAlreadyDrawn/EmptyAgenda/PanelBelowQuorum/PoolTooSmall: see the messages.
    """
    require_role(actor, STAFF, "meeting.draw_panel", "meeting", meeting_id)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled")
    if meeting.draw_seed is not None:
        raise PanelAlreadyDrawn(code=meeting.code, seed=str(meeting.draw_seed))
    applicants, fields = _applicants(session, meeting.id)
    if not applicants:
        raise EmptyAgenda(code=meeting.code)
    reg = regulation_of(session, meeting)
    size = reg.panel_size
    if size < reg.quorum:
        raise PanelBelowQuorum(size=size, quorum=reg.quorum)
    day = drawn_on or clock.city_today()
    chosen_seed = secrets.randbits(SEED_BITS) if seed is None else seed
    result = draw_panel(
        pool=pool_for(
            session, drawn_on=day, meeting_on=meeting.scheduled_on, applicants=applicants
        ),
        applicant_org_ids=applicants,
        fields=fields,
        size=size,
        seed=chosen_seed,
        as_of=meeting.scheduled_on,
        seat_counts=recent_seat_counts(
            session,
            drawn_on=min(day, meeting.scheduled_on),
            days=reg.seat_period_days,
            except_meeting=meeting.id,
        ),
        window_years=reg.window_years,
        cap=reg.cap,
        seat_limit=reg.seat_limit,
    )
    exclusions = [{"expert_id": x.expert_id, "reason": x.reason} for x in result.exclusions]
    done = compare_and_set(
        session,
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "scheduled", Meeting.draw_seed.is_(None))
        .values(
            draw_seed=result.seed,
            draw_pool_size=result.pool_size,
            draw_exclusions=json.dumps(exclusions, separators=(",", ":")),
        ),
    )
    if not done:  # pragma: no cover - the meeting lock makes this unreachable
        raise conflict_from(
            session, last_event(session, "meeting", meeting.id, ("meeting.draw_panel",))
        )
    rules = session.get(MeetingRules, meeting.id)
    if rules is None:
        rules = MeetingRules(
            meeting_id=meeting.id,
            stage1_pass=reg.thresholds.stage1_pass,
            overall_pass=reg.thresholds.overall_pass,
        )
        session.add(rules)
    rules.draw_rule = result.rule
    rules.draw_on = day
    rules.draw_size = size
    rules.draw_fields = json.dumps(list(result.fields))
    rules.draw_targets = json.dumps(result.targets, sort_keys=True)
    rules.draw_candidates = _candidates_json(result.candidates)
    record(
        session,
        actor,
        "meeting.draw_panel",
        "meeting",
        meeting.id,
        after={
            "draw_seed": result.seed,
            "draw_pool_size": result.pool_size,
            "excluded": len(exclusions),
            "rule": result.rule,
            "size": size,
            "drawn_on": day,
            "fields": list(result.fields),
            "field_matched": result.field_matched,
            "targets": result.targets,
        },
    )
    for s in result.seats:
        seat = PanelSeat(meeting_id=meeting.id, expert_id=s.expert_id, method="random_draw")
        session.add(seat)
        session.flush()
        record(
            session,
            actor,
            "panel_seat.draw",
            "panel_seat",
            seat.id,
            after={
                "meeting_id": meeting.id,
                "expert_id": s.expert_id,
                "method": "random_draw",
                "rank": s.rank,
                "ticket": s.ticket,
            },
        )
    return result


def _candidates_json(candidates: tuple[Candidate, ...] | list[Candidate]) -> str:
    return json.dumps(
        [[c.id, c.affiliation, c.field_match, c.recent_seats] for c in candidates],
        separators=(",", ":"),
    )


def _refuse_seat_limit(session: Session, reg: Regulated, expert: Expert, meeting: Meeting) -> None:
    """:raise SeatLimitReached: ``expert`` holds the regulation's most seats in its period."""
    if reg.seat_limit is None:
        return
    held = recent_seat_counts(
        session,
        drawn_on=min(clock.city_today(), meeting.scheduled_on),
        days=reg.seat_period_days,
        except_meeting=meeting.id,
        experts=[expert.id],
    ).get(expert.id, 0)
    if held >= reg.seat_limit:
        raise SeatLimitReached(name=expert.name, n=held, days=reg.seat_period_days)


def appoint_member(
    *, session: Session, actor: Actor, meeting_id: int, expert_id: int, reason: str
) -> int:
    """Seat one more expert by appointment, with the reason, within the regulation's limit of
    seats filled by hand (``max_appointed``); the expert must be free of conflicts with the
    applicants, under the limit of seats per expert and not on the panel already. A member
    who is absent or recused is replaced by :func:`draw_substitute` instead. Returns the seat
    id.

    :raise PermissionDenied: the actor is not staff.
    :raise TooManyAppointed/SeatLimitReached/AlreadySeated/Conflicted/PanelNotDrawn/
        MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "panel_seat.appoint", "meeting", meeting_id)
    errors: dict[str, str] = {}
    why = clean_text(reason, F_NOTE, errors)
    if errors:
        raise ValidationFailed(errors)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled", "held")
    if meeting.draw_seed is None:
        raise PanelNotDrawn(code=meeting.code)
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotOnPanel(code=meeting.code)
    if find_seat(session, meeting.id, expert_id) is not None:
        raise AlreadySeated(name=expert.name, code=meeting.code)
    reg = regulation_of(session, meeting)
    appointed = session.execute(
        select(func.count())
        .select_from(PanelSeat)
        .where(PanelSeat.meeting_id == meeting.id, PanelSeat.method == "appointed")
    ).scalar_one()
    if reg.max_appointed is not None and appointed >= reg.max_appointed:
        raise TooManyAppointed(code=meeting.code, n=int(appointed), most=reg.max_appointed)
    for item in session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    ).scalars():
        refuse_conflict(session, meeting, item, expert, reg.window_years)
    _refuse_seat_limit(session, reg, expert, meeting)
    seat = PanelSeat(meeting_id=meeting.id, expert_id=expert_id, method="appointed")
    try:
        with session.begin_nested():
            session.add(seat)
            session.flush()
    except IntegrityError:
        raise AlreadySeated(name=expert.name, code=meeting.code) from None
    record(
        session,
        actor,
        "panel_seat.appoint",
        "panel_seat",
        seat.id,
        after={"meeting_id": meeting.id, "expert_id": expert_id, "method": "appointed"},
        reason=why,
    )
    return seat.id


def draw_substitute(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    expert_id: int,
    seed: int | None = None,
    drawn_on: dt.date | None = None,
) -> DrawnSeat:
    """Replace the member ``expert_id``, absent or recused from the meeting, by a substitute
    drawn by rule ``substitute-v1`` (``db.meetings.draw``) from the same pool: free of
    conflicts with the applicants, under the limit of seats per expert, not on the panel.
    The seed (default: a fresh random 62-bit number), the candidates and the rule's inputs
    are recorded (``panel_substitutions``), so the draw replays. ``drawn_on`` defaults to
    today (KST). Returns the substitute.

    :raise PermissionDenied: the actor is not staff.
    :raise NotOnPanel/NotReplaceable/AlreadyReplaced/PanelNotDrawn/PoolTooSmall/
        MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "panel_seat.substitute", "meeting", meeting_id)
    return substitute_by_rule(
        session=session, actor=actor, meeting_id=meeting_id, expert_id=expert_id, seed=seed,
        drawn_on=drawn_on,
    )  # fmt: skip


def substitute_by_rule(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    expert_id: int,
    seed: int | None = None,
    drawn_on: dt.date | None = None,
) -> DrawnSeat:
    """:func:`draw_substitute` once the caller's right to ask for it is settled: staff, or
    the member themselves declining their seat (``db.meetings.panelist.respond``)."""
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled", "held")
    if meeting.draw_seed is None:
        raise PanelNotDrawn(code=meeting.code)
    replaced = find_seat(session, meeting.id, expert_id)
    if replaced is None:
        raise NotOnPanel(code=meeting.code)
    member = session.get(Expert, expert_id)
    assert member is not None
    if not (replaced.recused or replaced.attended is False):
        raise NotReplaceable(name=member.name, code=meeting.code)
    earlier = session.execute(
        select(PanelSubstitution.seat_id).where(PanelSubstitution.replaced_seat_id == replaced.id)
    ).scalar()
    if earlier is not None:
        raise AlreadyReplaced(name=member.name, code=meeting.code)
    reg = regulation_of(session, meeting)
    day = drawn_on or clock.city_today()
    applicants, fields = _applicants(session, meeting.id)
    seats = list(
        session.execute(select(PanelSeat).where(PanelSeat.meeting_id == meeting.id)).scalars()
    )
    seated = {s.expert_id for s in seats}
    counts = recent_seat_counts(
        session,
        drawn_on=min(day, meeting.scheduled_on),
        days=reg.seat_period_days,
        except_meeting=meeting.id,
    )
    on = meeting.held_on or meeting.scheduled_on
    candidates = [
        Candidate(e.id, e.affiliation, not fields or bool(e.fields & fields), counts.get(e.id, 0))
        for e in sorted(
            pool_for(session, drawn_on=day, meeting_on=on, applicants=applicants),
            key=lambda e: e.id,
        )
        if e.id not in seated
        and conflict_reason(e, applicants, on, reg.window_years) is None
        and (reg.seat_limit is None or counts.get(e.id, 0) < reg.seat_limit)
    ]
    held: dict[str, int] = {}
    affiliation = {
        e: a
        for e, a in session.execute(
            select(Expert.id, Expert.affiliation).where(Expert.id.in_(sorted(seated)))
        )
    }
    for s in seats:
        if not s.recused and s.attended is not False:
            held[affiliation[s.expert_id]] = held.get(affiliation[s.expert_id], 0) + 1
    inputs = SubstituteInputs(member.affiliation, held, cap_seats(reg.panel_size, reg.cap))
    chosen_seed = secrets.randbits(SEED_BITS) if seed is None else seed
    chosen = pick_substitute(candidates, seed=chosen_seed, inputs=inputs)
    seat = PanelSeat(meeting_id=meeting.id, expert_id=chosen.expert_id, method="substitute")
    session.add(seat)
    session.flush()
    session.add(
        PanelSubstitution(
            seat_id=seat.id,
            replaced_seat_id=replaced.id,
            rule=SUBSTITUTE_RULE,
            seed=chosen_seed,
            drawn_on=day,
            inputs=json.dumps(
                {"affiliation": inputs.affiliation, "held": dict(inputs.held), "cap": inputs.cap},
                sort_keys=True,
            ),
            candidates=_candidates_json(candidates),
        )
    )
    session.flush()
    record(
        session,
        actor,
        "panel_seat.substitute",
        "panel_seat",
        seat.id,
        after={
            "meeting_id": meeting.id,
            "expert_id": chosen.expert_id,
            "method": "substitute",
            "replaces_seat_id": replaced.id,
            "replaces_expert_id": expert_id,
            "why": (
                "recused"
                if replaced.recused
                else "declined"
                if replaced.response == "declined"
                else "absent"
            ),
            "rule": SUBSTITUTE_RULE,
            "seed": chosen_seed,
            "candidates": len(candidates),
            "ticket": chosen.ticket,
            "drawn_on": day,
        },
    )
    return chosen


def agenda_candidates(*, session: Session, meeting_id: int) -> pd.DataFrame:
    """What may go on this meeting's agenda: technologies under review (registration
    review), adoption proposals (adoption review) or testbed applications (testbed
    selection) not already waiting on an open agenda. Empty once the panel is drawn.

    :raise MeetingNotFound: no such meeting.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise MeetingNotFound(id=meeting_id)
    columns = [
        "technology_id", "adoption_id", "testbed_id", "reg_no", "title_ko", "title_en",
        "applicant_ko", "applicant_en", "detail",
    ]  # fmt: skip
    if meeting.status != "scheduled" or meeting.draw_seed is not None:
        return pd.DataFrame(columns=columns)
    waiting = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.decision == "pending", Meeting.status != "closed")
    )
    base = [Technology.reg_no, Technology.title_ko, Technology.title_en]
    owner = [Organization.name_ko, Organization.name_en]
    query: AnySelect
    if meeting.kind == "registration_review":
        query = (
            select(Technology.id, null(), null(), *base, *owner, null())
            .join(Organization, Organization.id == Technology.owner_org_id)
            .where(
                Technology.status == "under_review",
                ~exists(
                    waiting.where(
                        AgendaItem.technology_id == Technology.id,
                        AgendaItem.adoption_id.is_(None),
                        AgendaItem.testbed_id.is_(None),
                    )
                ),
            )
        )
    elif meeting.kind == "adoption_review":
        query = (
            select(Technology.id, Adoption.id, null(), *base, *owner, Adoption.project_name)
            .join(Technology, Technology.id == Adoption.technology_id)
            .join(Organization, Organization.id == Technology.owner_org_id)
            .where(
                Adoption.status.in_(("proposed", "under_review")),
                ~exists(waiting.where(AgendaItem.adoption_id == Adoption.id)),
            )
        )
    else:
        query = (
            select(Technology.id, null(), Testbed.id, *base, *owner, Testbed.site)
            .join(Technology, Technology.id == Testbed.technology_id)
            .join(Organization, Organization.id == Technology.owner_org_id)
            .where(
                Testbed.status == "applied",
                ~exists(waiting.where(AgendaItem.testbed_id == Testbed.id)),
            )
        )
    rows = session.execute(query.order_by(Technology.reg_no).limit(500)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)
