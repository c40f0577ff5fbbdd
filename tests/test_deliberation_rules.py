"""The rules of deliberations (issue 5), on SQLite and PostgreSQL, through ``db.meetings``.

A recused or conflicted expert's scores cannot be recorded; an expert cannot sit twice on
one meeting; a decision needs quorum and a reason and follows the scoring rule; a closed
meeting cannot be edited (corrections are new entries); every write is an audit event in
the same transaction; auditors, executives and administrators are refused every write.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from db import meetings
from db.errors import Conflict, Named, PermissionDenied, ValidationFailed
from db.meetings import errors as e
from db.meetings.draw import Candidate, select_seats
from db.models import (
    Adoption,
    AgendaItem,
    AuditEvent,
    ExpertTie,
    Meeting,
    MeetingCorrection,
    MeetingRules,
    PanelSeat,
    Technology,
)
from db.session import read_session, write_session
from tests.deliberation_data import (
    DRAW_DAY,
    FAILING,
    MEETING_DAY,
    PASSING,
    PROXY,
    World,
    audit_count,
    build,
    drawn,
    held,
    items_of,
    last_actions,
    scheduled,
    score_all,
    seats,
    write,
)


@pytest.fixture
def w(migrated_engine: Engine) -> World:
    return build(migrated_engine)


# --- the whole life of a meeting -------------------------------------------------------------


def test_a_meeting_from_schedule_to_close(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    score_all(w, t2, members, FAILING)
    first = write(w, meetings.record_decision, item_id=t1, reason="Meets both stages.")
    second = write(w, meetings.record_decision, item_id=t2, reason="Stage 1 below the mark.")
    assert (first.decision, second.decision) == ("passed", "failed")
    assert second.outcome.failed_stage == 1
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Two items, one passed.")
    with read_session(w.engine) as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        assert (meeting.status, meeting.held_on) == ("closed", MEETING_DAY)
        assert meeting.code == "NTP-2024-01" and meeting.closed_at is not None
        t_1 = s.get(Technology, w.techs["t1"])
        t_2 = s.get(Technology, w.techs["t2"])
        assert t_1 is not None and t_2 is not None
        assert (t_1.status, t_1.registered_on) == ("registered", MEETING_DAY)
        assert (t_2.status, t_2.rejected_on) == ("rejected", MEETING_DAY)
        reasons = dict(
            s.execute(
                select(AgendaItem.decision, AgendaItem.decision_reason).where(
                    AgendaItem.meeting_id == meeting_id
                )
            ).all()
        )
    assert reasons == {"passed": "Meets both stages.", "failed": "Stage 1 below the mark."}


def test_the_draw_is_recorded_and_replays(w: World) -> None:
    meeting_id, draw = drawn(w)
    with read_session(w.engine) as s:
        meeting = s.get(Meeting, meeting_id)
        rules = s.get(MeetingRules, meeting_id)
        assert meeting is not None and rules is not None
        assert meeting.draw_seed == 42 and meeting.draw_pool_size == draw.pool_size == 22
        exclusions = json.loads(meeting.draw_exclusions or "[]")
        assert {(x["expert_id"], x["reason"]) for x in exclusions} == {
            (w.experts["insider"], "same_organization"),
            (w.experts["consultant"], "tie"),
        }
        assert rules.draw_rule == "balanced-v1" and rules.draw_on == DRAW_DAY
        candidates = [Candidate(*c) for c in json.loads(rules.draw_candidates or "[]")]
        seated = s.execute(
            select(PanelSeat.expert_id).where(PanelSeat.meeting_id == meeting_id)
        ).scalars()
        assert set(seated) == set(draw.expert_ids)
    _targets, replay = select_seats(candidates, size=7, seed=42, field_matched=True)
    assert tuple(x.expert_id for x in replay) == draw.expert_ids
    assert draw.targets == {"public": 2, "industry": 2, "academia": 2, "other": 1}
    assert not {w.experts[f"bridges{n}"] for n in range(1, 5)} & set(draw.expert_ids)


def test_a_panel_is_drawn_once_and_then_the_agenda_is_fixed(w: World) -> None:
    meeting_id, _draw = drawn(w, items=("t1",))
    with pytest.raises(e.PanelAlreadyDrawn):
        write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=7)
    with pytest.raises(e.AgendaFixed):
        write(w, meetings.add_agenda_item, meeting_id=meeting_id, technology_id=w.techs["t2"])


def test_an_empty_agenda_cannot_be_drawn(w: World) -> None:
    meeting_id = scheduled(w, items=())
    with pytest.raises(e.EmptyAgenda):
        write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=1)


def test_a_technology_waits_on_one_agenda_at_a_time(w: World) -> None:
    scheduled(w, items=("t1",))
    other = scheduled(w, items=())
    with pytest.raises(e.AlreadyOnAgenda):
        write(w, meetings.add_agenda_item, meeting_id=other, technology_id=w.techs["t1"])
    with pytest.raises(e.NotReadyForAgenda):  # t3 is registered, not under review
        write(w, meetings.add_agenda_item, meeting_id=other, technology_id=w.techs["t3"])


# --- who may score -----------------------------------------------------------------------------


def test_a_recused_expert_cannot_be_scored(w: World) -> None:
    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    write(
        w,
        meetings.declare_conflict,
        meeting_id=meeting_id,
        expert_id=members[0],
        note="Advised the applicant last year.",
        recuse=True,
    )
    with pytest.raises(e.Recused):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY
        )
    write(
        w, meetings.recuse, meeting_id=meeting_id, expert_id=members[1], reason="Chair's request."
    )
    with pytest.raises(e.Recused):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[1], scores=PASSING, **PROXY
        )


def test_a_declaration_judged_no_conflict_keeps_the_member_scoring(w: World) -> None:
    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    write(
        w,
        meetings.declare_conflict,
        meeting_id=meeting_id,
        expert_id=members[0],
        note="Attended the applicant's briefing; the committee sees no interest.",
        recuse=False,
    )
    write(w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY)


def test_a_conflicted_expert_cannot_be_scored(w: World) -> None:
    """A tie to the applicant recorded after the draw still refuses the scores."""
    meeting_id, members = held(w)
    t1, _t2 = items_of(w, meeting_id)
    with write_session(w.engine) as s:
        s.add(
            ExpertTie(
                expert_id=members[2],
                organization_id=w.orgs["applicant_a"],
                kind="joint_research",
                started_on=dt.date(2022, 3, 1),
                ended_on=None,
            )
        )
    with pytest.raises(e.Conflicted):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[2], scores=PASSING, **PROXY
        )


def test_absent_and_non_panel_experts_cannot_be_scored(w: World) -> None:
    meeting_id, members = held(w, absent=1)
    t1, _ = items_of(w, meeting_id)
    with pytest.raises(e.NotAttending):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY
        )
    outsider = next(x for k, x in w.experts.items() if k.startswith("bridges"))
    with pytest.raises(e.NotOnPanel):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=outsider, scores=PASSING, **PROXY
        )


def test_scores_are_recorded_once_and_checked(w: World) -> None:
    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    write(w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY)
    with pytest.raises(e.AlreadyScored):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY
        )
    with pytest.raises(ValidationFailed) as bad:
        write(
            w,
            meetings.record_evaluation,
            item_id=t1,
            expert_id=members[1],
            scores={**PASSING, "economy": 101, "diffusion": "x"},
            **PROXY,
        )
    assert set(bad.value.errors) == {"Economy", "Diffusion"}
    # the criteria are named by the city's own labels, in each language
    assert {k.labels["ko"] for k in bad.value.errors if isinstance(k, Named)} == {
        "경제성",
        "보급성",
    }
    with pytest.raises(e.HasScored):
        write(
            w,
            meetings.record_attendance,
            meeting_id=meeting_id,
            expert_id=members[0],
            attended=False,
        )
    with pytest.raises(e.HasScored):
        write(
            w, meetings.recuse, meeting_id=meeting_id, expert_id=members[0], reason="Late recusal."
        )


def test_scores_wait_for_the_meeting_to_be_held(w: World) -> None:
    meeting_id, draw = drawn(w)
    t1, _ = items_of(w, meeting_id)
    with pytest.raises(e.MeetingNotHeld):
        write(
            w,
            meetings.record_evaluation,
            item_id=t1,
            expert_id=draw.expert_ids[0],
            scores=PASSING,
            **PROXY,
        )


# --- seats -----------------------------------------------------------------------------------


def test_an_expert_cannot_sit_twice_on_one_meeting(w: World) -> None:
    meeting_id, members = held(w)
    with pytest.raises(e.AlreadySeated):
        write(
            w,
            meetings.appoint_member,
            meeting_id=meeting_id,
            expert_id=members[0],
            reason="Substitute",
        )
    with pytest.raises(IntegrityError), write_session(w.engine) as s:
        s.execute(insert(PanelSeat).values(meeting_id=meeting_id, expert_id=members[0]))
    free = next(
        x for k, x in w.experts.items() if x not in members and k not in ("insider", "consultant")
    )
    seat_id = write(
        w, meetings.appoint_member, meeting_id=meeting_id, expert_id=free, reason="Member 3 is ill."
    )
    assert seat_id and len(seats(w, meeting_id)) == 8


def test_a_conflicted_expert_cannot_be_appointed(w: World) -> None:
    meeting_id, _members = held(w)
    for key in ("insider", "consultant"):
        with pytest.raises(e.Conflicted):
            write(
                w,
                meetings.appoint_member,
                meeting_id=meeting_id,
                expert_id=w.experts[key],
                reason="Substitute",
            )


# --- decisions -------------------------------------------------------------------------------


def test_a_decision_needs_quorum(w: World) -> None:
    meeting_id, members = held(w, absent=3)  # 4 of 7 present, quorum 5
    t1, t2 = items_of(w, meeting_id)
    score_all(w, t1, members[3:], PASSING)
    with pytest.raises(e.NoQuorum):
        write(w, meetings.record_decision, item_id=t1, reason="Scores pass.")
    # Without quorum an item can still be deferred, with its reason.
    result = write(
        w, meetings.record_decision, item_id=t2, reason="No quorum.", decision="deferred"
    )
    assert result.decision == "deferred"
    with read_session(w.engine) as s:
        tech = s.get(Technology, w.techs["t2"])
        assert tech is not None and tech.status == "under_review"


def test_recused_members_do_not_count_towards_quorum(w: World) -> None:
    meeting_id, members = held(w, absent=2)  # 5 present
    t1, _ = items_of(w, meeting_id)
    write(w, meetings.recuse, meeting_id=meeting_id, expert_id=members[2], reason="Related firm.")
    score_all(w, t1, members[3:], PASSING)
    with pytest.raises(e.NoQuorum):
        write(w, meetings.record_decision, item_id=t1, reason="Scores pass.")


def test_a_decision_needs_a_reason(w: World) -> None:
    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as bad:
            write(w, meetings.record_decision, item_id=t1, reason=reason)
        assert list(bad.value.errors) == ["Reason for the decision"]
    with pytest.raises(ValidationFailed):  # deferring needs its reason too
        write(w, meetings.record_decision, item_id=t1, reason="", decision="deferred")


def test_a_decision_follows_the_scores(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    score_all(w, t1, members, FAILING)
    with pytest.raises(e.DecisionAgainstScores):
        write(w, meetings.record_decision, item_id=t1, reason="Useful anyway.", decision="passed")
    score_all(w, t2, members[:-1], PASSING)
    with pytest.raises(e.ScoresMissing):
        write(w, meetings.record_decision, item_id=t2, reason="Passes.")
    assert write(w, meetings.record_decision, item_id=t1, reason="Fails.", decision="failed")


def test_a_meeting_decides_by_its_regulation_versions_pass_marks(w: World) -> None:
    """Pass marks are no longer a parameter of scheduling: they come from the regulation
    version in force on the meeting's date (here a stricter version 2, approved by another
    person than its drafter)."""
    from db.regulation import versions

    with read_session(w.engine) as s:
        first = versions.in_force_on(s, MEETING_DAY)
        assert first is not None
        rules = {**json.loads(first.rules.as_json()), "pass_marks": {"1": 90, "2": 90}}
    version_id = write(
        w,
        versions.draft_version,
        "admin",
        effective_on=MEETING_DAY,
        directive="Strict marks",
        rules=rules,
    )
    write(w, versions.approve_version, "approver", version_id=version_id)
    meeting_id = write(
        w,
        meetings.schedule_meeting,
        kind="registration_review",
        title="Strict review",
        scheduled_on=MEETING_DAY,
    )
    write(w, meetings.add_agenda_item, meeting_id=meeting_id, technology_id=w.techs["t1"])
    draw = write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=3, drawn_on=DRAW_DAY)
    write(w, meetings.hold_meeting, meeting_id=meeting_id, held_on=MEETING_DAY)
    for x in draw.expert_ids:
        write(w, meetings.record_attendance, meeting_id=meeting_id, expert_id=x, attended=True)
    (t1,) = items_of(w, meeting_id)
    score_all(w, t1, list(draw.expert_ids), PASSING)
    result = write(w, meetings.record_decision, item_id=t1, reason="Below the strict marks.")
    assert result.decision == "failed" and result.thresholds.stage1_pass == 90


def test_a_meeting_without_a_version_is_weighed_by_the_citys_criteria(w: World) -> None:
    """A meeting recorded before the regulation was data (no version bound, none in force on
    its date) decides by the city's criteria, unweighted, in their stages, and by the pass
    marks it kept; nothing of the rule comes from code."""
    from db.city.store import terms
    from db.meetings.common import Regulations
    from db.regulation import versions

    with read_session(w.engine) as s:
        reg = Regulations(s).of(
            kind="registration_review",
            regulation_id=None,
            scheduled_on=dt.date(1990, 1, 1),
            quorum=3,
            marks=(61.0, 66.0),
        )
        criteria = terms(s, "criteria")
        first = versions.first_version(s)
    assert first is not None and reg.rules == first.rules  # its panel: the first version's
    assert reg.version is None and reg.quorum == 3
    assert (reg.thresholds.stage1_pass, reg.thresholds.overall_pass) == (61.0, 66.0)
    assert reg.thresholds.criteria == tuple(
        (t.code, 1.0, int(t.attributes["stage"])) for t in criteria
    )


def test_a_second_decision_is_told_who_decided_first(w: World) -> None:
    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    write(w, meetings.record_decision, item_id=t1, reason="Passes.")
    with pytest.raises(Conflict) as lost:
        write(w, meetings.record_decision, "staff2", item_id=t1, reason="Passes too.")
    assert lost.value.params["by"] == "Staff Tester"
    with pytest.raises(e.ItemDecided):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY
        )


def test_an_adoption_review_records_a_recommendation_only(w: World) -> None:
    meeting_id = write(
        w,
        meetings.schedule_meeting,
        kind="adoption_review",
        title="Adoption review",
        scheduled_on=MEETING_DAY,
    )
    item_id = write(w, meetings.add_agenda_item, meeting_id=meeting_id, adoption_id=w.adoption_id)
    with pytest.raises(e.WrongItemForMeeting):
        write(w, meetings.add_agenda_item, meeting_id=meeting_id, technology_id=w.techs["t1"])
    draw = write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=5, drawn_on=DRAW_DAY)
    write(w, meetings.hold_meeting, meeting_id=meeting_id, held_on=MEETING_DAY)
    for x in draw.expert_ids:
        write(w, meetings.record_attendance, meeting_id=meeting_id, expert_id=x, attended=True)
    score_all(w, item_id, list(draw.expert_ids), PASSING)
    assert (
        write(w, meetings.record_decision, item_id=item_id, reason="Recommended.").decision
        == "passed"
    )
    with read_session(w.engine) as s:
        adoption = s.get(Adoption, w.adoption_id)
        item = s.get(AgendaItem, item_id)
        assert adoption is not None and item is not None
        # On the agenda it went under review; the approver, not the meeting, decides it.
        assert adoption.status == "under_review"
        assert (item.decision, item.adoption_id) == ("passed", w.adoption_id)


# --- closing and corrections -------------------------------------------------------------


def closed(w: World) -> tuple[int, list[int], list[int]]:
    meeting_id, members = held(w)
    items = items_of(w, meeting_id)
    for item_id in items:
        score_all(w, item_id, members, PASSING)
        write(w, meetings.record_decision, item_id=item_id, reason="Passes.")
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    return meeting_id, members, items


def test_closing_needs_decisions_and_minutes(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    with pytest.raises(e.ItemsUndecided):
        write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Early.")
    for item_id in (t1, t2):
        write(
            w,
            meetings.record_decision,
            item_id=item_id,
            reason="Applicant asked.",
            decision="deferred",
        )
    with pytest.raises(ValidationFailed):
        write(w, meetings.close_meeting, meeting_id=meeting_id)
    write(w, meetings.record_minutes, meeting_id=meeting_id, minutes="Both deferred.")
    write(w, meetings.close_meeting, meeting_id=meeting_id)
    del members


def test_a_closed_meeting_cannot_be_edited(w: World) -> None:
    meeting_id, members, items = closed(w)
    before = audit_count(w)
    attempts: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (
            meetings.record_attendance,
            {"meeting_id": meeting_id, "expert_id": members[0], "attended": False},
        ),
        (
            meetings.declare_conflict,
            {"meeting_id": meeting_id, "expert_id": members[0], "note": "x", "recuse": True},
        ),
        (meetings.recuse, {"meeting_id": meeting_id, "expert_id": members[0], "reason": "x"}),
        (
            meetings.record_evaluation,
            {"item_id": items[0], "expert_id": members[0], "scores": PASSING, **PROXY},
        ),
        (meetings.record_decision, {"item_id": items[0], "reason": "x", "decision": "deferred"}),
        (meetings.record_minutes, {"meeting_id": meeting_id, "minutes": "Rewritten."}),
        (meetings.close_meeting, {"meeting_id": meeting_id, "minutes": "Again."}),
        (meetings.add_agenda_item, {"meeting_id": meeting_id, "technology_id": w.techs["t3"]}),
        (meetings.draw_and_seat_panel, {"meeting_id": meeting_id, "seed": 9}),
        (meetings.hold_meeting, {"meeting_id": meeting_id, "held_on": MEETING_DAY}),
        (
            meetings.appoint_member,
            {"meeting_id": meeting_id, "expert_id": members[0], "reason": "x"},
        ),
    ]
    for fn, kwargs in attempts:
        with pytest.raises((e.MeetingClosed, Conflict)):
            write(w, fn, **kwargs)
    assert audit_count(w) == before
    correction = write(
        w,
        meetings.add_correction,
        meeting_id=meeting_id,
        text="The minutes omit that member 4 left at 16:10.",
        agenda_item_id=items[1],
    )
    assert last_actions(w, 1) == ["meeting.correct"]
    with read_session(w.engine) as s:
        row = s.get(MeetingCorrection, correction)
        assert row is not None and row.created_by_id == w.staff.id
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.minutes == "Both passed."


def test_corrections_are_for_closed_meetings(w: World) -> None:
    meeting_id, _members = held(w)
    with pytest.raises(e.MeetingStillOpen):
        write(w, meetings.add_correction, meeting_id=meeting_id, text="Too early.")


# --- every write is audited, in the same transaction -----------------------------------------


def test_every_write_is_an_audit_event(w: World) -> None:
    start = audit_count(w)
    meeting_id = scheduled(w)
    assert last_actions(w, 3) == ["meeting.schedule", "agenda_item.add", "agenda_item.add"]
    write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=11, drawn_on=DRAW_DAY)
    assert last_actions(w, 8) == ["meeting.draw_panel"] + ["panel_seat.draw"] * 7
    write(w, meetings.hold_meeting, meeting_id=meeting_id, held_on=MEETING_DAY)
    assert last_actions(w, 1) == ["meeting.hold"]
    members = [s.expert_id for s in seats(w, meeting_id)]
    for x in members:
        write(w, meetings.record_attendance, meeting_id=meeting_id, expert_id=x, attended=True)
        assert last_actions(w, 1) == ["panel_seat.attendance"]
    write(
        w,
        meetings.declare_conflict,
        meeting_id=meeting_id,
        expert_id=members[0],
        note="n",
        recuse=False,
    )
    assert last_actions(w, 1) == ["panel_seat.declare_conflict"]
    t1, t2 = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    assert last_actions(w, 1) == ["evaluation.record"]
    write(w, meetings.record_decision, item_id=t1, reason="Passes.")
    assert last_actions(w, 2) == ["agenda_item.decide", "technology.register"]
    write(w, meetings.record_decision, item_id=t2, reason="Deferred.", decision="deferred")
    write(w, meetings.record_minutes, meeting_id=meeting_id, minutes="Done.")
    assert last_actions(w, 2) == ["agenda_item.decide", "meeting.minutes"]
    write(w, meetings.close_meeting, meeting_id=meeting_id)
    assert last_actions(w, 1) == ["meeting.close"]
    # 3 + 8 + hold 1 + 7 attendance + 1 declaration + 7 scores + 2 + 1 + 1 + 1
    assert audit_count(w) - start == 32
    with read_session(w.engine) as s:
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "agenda_item.decide").limit(1)
        ).scalar_one()
        after = json.loads(event.after or "{}")
        assert after["decision"] == "passed" and after["stage1_pass"] == 70.0
        assert event.reason == "Passes." and event.actor_name == "staff.test"


def test_a_refused_write_leaves_no_event_but_its_refusal(w: World) -> None:
    meeting_id, members = held(w, absent=3)
    t1, _ = items_of(w, meeting_id)
    before = audit_count(w)
    with pytest.raises(e.NoQuorum):
        write(w, meetings.record_decision, item_id=t1, reason="Passes.")
    assert audit_count(w) == before
    del members


# --- roles: only staff write; auditors change nothing ----------------------------------------

WRITES: dict[str, Callable[[World, int, list[int], list[int]], tuple[Callable[..., Any], dict]]] = {
    "schedule_meeting": lambda w, m, x, i: (
        meetings.schedule_meeting,
        {"kind": "registration_review", "title": "T", "scheduled_on": MEETING_DAY},
    ),
    "add_agenda_item": lambda w, m, x, i: (
        meetings.add_agenda_item,
        {"meeting_id": m, "technology_id": w.techs["t3"]},
    ),
    "draw_and_seat_panel": lambda w, m, x, i: (meetings.draw_and_seat_panel, {"meeting_id": m}),
    "appoint_member": lambda w, m, x, i: (
        meetings.appoint_member,
        {"meeting_id": m, "expert_id": x[0], "reason": "r"},
    ),
    "draw_substitute": lambda w, m, x, i: (
        meetings.draw_substitute,
        {"meeting_id": m, "expert_id": x[0]},
    ),
    "hold_meeting": lambda w, m, x, i: (
        meetings.hold_meeting,
        {"meeting_id": m, "held_on": MEETING_DAY},
    ),
    "record_attendance": lambda w, m, x, i: (
        meetings.record_attendance,
        {"meeting_id": m, "expert_id": x[0], "attended": True},
    ),
    "declare_conflict": lambda w, m, x, i: (
        meetings.declare_conflict,
        {"meeting_id": m, "expert_id": x[0], "note": "n", "recuse": True},
    ),
    "recuse": lambda w, m, x, i: (
        meetings.recuse,
        {"meeting_id": m, "expert_id": x[0], "reason": "r"},
    ),
    "record_evaluation": lambda w, m, x, i: (
        meetings.record_evaluation,
        {"item_id": i[0], "expert_id": x[0], "scores": PASSING, **PROXY},
    ),
    "record_decision": lambda w, m, x, i: (
        meetings.record_decision,
        {"item_id": i[0], "reason": "r"},
    ),
    "record_minutes": lambda w, m, x, i: (
        meetings.record_minutes,
        {"meeting_id": m, "minutes": "m"},
    ),
    "close_meeting": lambda w, m, x, i: (meetings.close_meeting, {"meeting_id": m, "minutes": "m"}),
    "add_correction": lambda w, m, x, i: (meetings.add_correction, {"meeting_id": m, "text": "t"}),
}


@pytest.mark.parametrize("role", ["auditor", "executive", "admin", "approver_only"])
def test_only_staff_write(w: World, role: str) -> None:
    """Every write refuses every role but staff, in ``db/``; each refusal is audited and
    changes nothing."""
    meeting_id, members = held(w)
    items = items_of(w, meeting_id)
    for name, make in WRITES.items():
        fn, kwargs = make(w, meeting_id, members, items)
        before = audit_count(w)
        with pytest.raises(PermissionDenied):
            write(w, fn, role, **kwargs)
        assert audit_count(w) == before + 1, name
        with read_session(w.engine) as s:
            event = s.execute(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
            ).scalar_one()
        assert event.action == "permission.denied", name
        assert event.actor_name == f"{role}.test"


def test_staff_and_approvers_who_are_staff_may_write(w: World) -> None:
    for role in ("staff", "staff2", "approver"):
        assert write(
            w,
            meetings.schedule_meeting,
            role,
            kind="testbed_selection",
            title=f"By {role}",
            scheduled_on=MEETING_DAY,
        )


def test_two_officials_deciding_at_once_get_one_winner(w: World) -> None:
    """The meeting row is locked first: the second decision waits, then is told who won."""
    import threading

    meeting_id, members = held(w)
    t1, _ = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(who: str) -> None:
        barrier.wait()
        try:
            write(w, meetings.record_decision, who, item_id=t1, reason=f"Decided by {who}.")
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=decide, args=(who,)) for who in ("staff", "staff2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "won"]
    with read_session(w.engine) as s:
        decided = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "agenda_item.decide", AuditEvent.entity_id == str(t1)
            )
        ).all()
    assert len(decided) == 1
