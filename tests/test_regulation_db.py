"""Regulation versions and meetings that obey the version in force (SQLite and PostgreSQL).

The insider scenario of the issue, step by step: "a staff member scheduled a meeting with
quorum 1 and pass marks 0, appointed 7 experts by hand, marked the 7 drawn experts absent and
scored 0: the decision was 'passed'". Every step is refused with a sentence, or is no longer
possible: the rules are data that only an administrator drafts and a second person approves.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db import meetings
from db.errors import PermissionDenied, ValidationFailed
from db.meetings import errors as e
from db.meetings.draw import PoolTooSmall
from db.meetings.records import meeting_record, replay_substitute
from db.models import (
    AuditEvent,
    Meeting,
    MeetingRules,
    PanelSeat,
    PanelSubstitution,
    RegulationVersion,
)
from db.policy import Actor, OwnDraft
from db.regulation import versions as reg
from db.regulation.rules import RulesInvalid
from db.session import read_session, write_session
from tests.deliberation_data import (
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
    score_all,
    seats,
    write,
)

ZERO = dict.fromkeys(PASSING, 0)


@pytest.fixture
def w(migrated_engine: Engine) -> World:
    return build(migrated_engine)


def first_rules(w: World) -> dict[str, Any]:
    """Version 1's rules (the demo profile's) as a draft form would hold them."""
    with read_session(w.engine) as s:
        v1 = reg.in_force_on(s, dt.date(2018, 1, 1))
        assert v1 is not None and v1.number == 1
        return dict(json.loads(v1.rules.as_json()))


def approved(w: World, effective_on: dt.date, **changes: Any) -> int:
    """A version drafted by the administrator with ``changes`` and approved by the approver."""
    rules = {**first_rules(w), **changes}
    version_id = write(
        w, reg.draft_version, "admin", effective_on=effective_on, directive="Rev.", rules=rules
    )
    write(w, reg.approve_version, "approver", version_id=version_id)
    return int(version_id)


def number_in_force(w: World, day: dt.date) -> int | None:
    with read_session(w.engine) as s:
        v = reg.in_force_on(s, day)
        return None if v is None else v.number


# --- versions: drafted by an administrator, approved by another person --------------------------


def test_an_administrator_drafts_and_an_approver_approves(w: World) -> None:
    rules = {**first_rules(w), "pass_marks": {"1": 75, "2": 72}}
    version_id = write(
        w,
        reg.draft_version,
        "admin",
        effective_on=dt.date(2025, 1, 1),
        directive="Directive 2025-3",
        rules=rules,
    )
    assert last_actions(w, 1) == ["regulation.draft"]
    with read_session(w.engine) as s:
        row = s.get(RegulationVersion, version_id)
        assert row is not None and (row.number, row.status) == (2, "draft")
    assert number_in_force(w, dt.date(2025, 6, 1)) == 1  # a draft is not in force
    write(w, reg.approve_version, "approver", version_id=version_id, expected_version=1)
    assert last_actions(w, 1) == ["regulation.approve"]
    assert number_in_force(w, dt.date(2025, 6, 1)) == 2
    with read_session(w.engine) as s:
        listed = reg.list_versions(session=s, actor=w.actors["auditor"])
        assert [(v.number, v.status) for v in listed] == [(2, "approved"), (1, "approved")]
        assert listed[0].approved_by == "Approver Tester" and listed[0].drafted_by == "Admin Tester"
        assert listed[0].rules.pass_marks == {1: 75.0, 2: 72.0}


def test_a_version_approved_by_its_drafter_is_refused(w: World) -> None:
    admin = w.actors["admin"]
    both = Actor(admin.id, admin.username, frozenset({"admin", "approver"}), admin.display_name)
    with write_session(w.engine) as s:
        version_id = reg.draft_version(
            session=s,
            actor=both,
            effective_on=dt.date(2025, 1, 1),
            directive="Self-approved",
            rules=first_rules(w),
        )
    before = audit_count(w)
    with pytest.raises(OwnDraft) as refused, write_session(w.engine) as s:
        reg.approve_version(session=s, actor=both, version_id=version_id)
    assert "another approver must approve it" in str(refused.value)
    assert "Nothing was saved" in str(refused.value)
    assert audit_count(w) == before + 1 and last_actions(w, 1) == ["permission.denied"]
    assert number_in_force(w, dt.date(2025, 6, 1)) == 1
    write(w, reg.approve_version, "approver", version_id=version_id)
    assert number_in_force(w, dt.date(2025, 6, 1)) == 2


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"quorum": {"registration_review": 1, "adoption_review": 5, "testbed_selection": 5}},
         "quorum.registration_review"),
        ({"pass_marks": {"1": 101, "2": 70}}, "pass_marks.1"),
        ({"pass_marks": {"1": 70, "2": -1}}, "pass_marks.2"),
        ({"panel_size": 2}, "panel_size"),
    ],
)  # fmt: skip
def test_a_draft_outside_the_limits_is_refused(w: World, change: dict, key: str) -> None:
    before = audit_count(w)
    with pytest.raises(RulesInvalid) as bad:
        write(
            w,
            reg.draft_version,
            "admin",
            effective_on=dt.date(2025, 1, 1),
            directive="Bent",
            rules={**first_rules(w), **change},
        )
    assert key in {p.key for p in bad.value.problems}
    assert "Nothing was saved" in str(bad.value)
    assert audit_count(w) == before
    with read_session(w.engine) as s:
        assert s.execute(select(func.count()).select_from(RegulationVersion)).scalar_one() == 1


def test_a_draft_needs_its_date_and_directive(w: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        write(w, reg.draft_version, "admin", effective_on=None, directive=" ", rules={})
    assert set(bad.value.errors) == {"Effective date", "Directive"}


@pytest.mark.parametrize("role", ["staff", "approver", "auditor", "executive"])
def test_only_administrators_draft(w: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        write(
            w,
            reg.draft_version,
            role,
            effective_on=dt.date(2025, 1, 1),
            directive="x",
            rules=first_rules(w),
        )
    assert last_actions(w, 1) == ["permission.denied"]


@pytest.mark.parametrize("role", ["staff", "admin", "auditor"])
def test_only_approvers_approve(w: World, role: str) -> None:
    version_id = write(
        w,
        reg.draft_version,
        "admin",
        effective_on=dt.date(2025, 1, 1),
        directive="x",
        rules=first_rules(w),
    )
    with pytest.raises(PermissionDenied):
        write(w, reg.approve_version, role, version_id=version_id)


def test_readers_of_the_regulation(w: World) -> None:
    for role in ("auditor", "staff", "approver_only", "admin"):
        with read_session(w.engine) as s:
            assert reg.list_versions(session=s, actor=w.actors[role])
    with read_session(w.engine) as s, pytest.raises(PermissionDenied):
        reg.list_versions(session=s, actor=w.actors["executive"])


def test_an_approved_version_is_never_edited_and_a_draft_is_compared_and_set(w: World) -> None:
    version_id = write(
        w,
        reg.draft_version,
        "admin",
        effective_on=dt.date(2025, 1, 1),
        directive="First text",
        rules=first_rules(w),
    )
    write(
        w,
        reg.edit_draft,
        "admin",
        version_id=version_id,
        expected_version=1,
        effective_on=dt.date(2025, 2, 1),
        directive="Second text",
        rules={**first_rules(w), "max_appointed": 0},
    )
    with pytest.raises(reg.ChangedSinceRead):  # edited since version 1 was read
        write(
            w,
            reg.edit_draft,
            "admin",
            version_id=version_id,
            expected_version=1,
            effective_on=dt.date(2025, 3, 1),
            directive="Lost edit",
            rules=first_rules(w),
        )
    with pytest.raises(reg.ChangedSinceRead):  # the approver read the first text
        write(w, reg.approve_version, "approver", version_id=version_id, expected_version=1)
    write(w, reg.approve_version, "approver", version_id=version_id, expected_version=2)
    with pytest.raises(reg.NotADraft) as refused:
        write(
            w,
            reg.edit_draft,
            "admin",
            version_id=version_id,
            expected_version=3,
            effective_on=dt.date(2025, 3, 1),
            directive="After approval",
            rules=first_rules(w),
        )
    assert "never changed" in str(refused.value)
    with pytest.raises(reg.NotADraft):
        write(w, reg.withdraw_draft, "admin", version_id=version_id, reason="Too late")
    with read_session(w.engine) as s:
        row = s.get(RegulationVersion, version_id)
        assert row is not None and (row.directive, row.status) == ("Second text", "approved")


def test_a_withdrawn_draft_is_never_in_force(w: World) -> None:
    version_id = write(
        w,
        reg.draft_version,
        "admin",
        effective_on=dt.date(2025, 1, 1),
        directive="x",
        rules=first_rules(w),
    )
    write(w, reg.withdraw_draft, "admin", version_id=version_id, reason="Drafted by mistake.")
    with pytest.raises(reg.NotADraft):
        write(w, reg.approve_version, "approver", version_id=version_id)
    assert number_in_force(w, dt.date(2026, 1, 1)) == 1


def test_in_force_on_picks_the_right_version_on_boundary_dates(w: World) -> None:
    approved(w, dt.date(2025, 3, 1), max_appointed=0)  # version 2
    write(  # version 3: a draft of the same date, never in force
        w,
        reg.draft_version,
        "admin",
        effective_on=dt.date(2025, 3, 1),
        directive="Draft",
        rules=first_rules(w),
    )
    approved(w, dt.date(2026, 1, 1), max_appointed=0)  # version 4
    approved(w, dt.date(2026, 1, 1), max_appointed=1)  # version 5: same date, higher number
    assert number_in_force(w, dt.date(2017, 12, 31)) is None  # before version 1
    assert number_in_force(w, dt.date(2018, 1, 1)) == 1
    assert number_in_force(w, dt.date(2025, 2, 28)) == 1
    assert number_in_force(w, dt.date(2025, 3, 1)) == 2
    assert number_in_force(w, dt.date(2025, 12, 31)) == 2
    assert number_in_force(w, dt.date(2026, 1, 1)) == 5


def test_the_differences_between_two_versions(w: World) -> None:
    second = approved(w, dt.date(2025, 3, 1), pass_marks={"1": 80, "2": 70}, max_appointed=0)
    with read_session(w.engine) as s:
        first = reg.in_force_on(s, dt.date(2024, 1, 1))
        assert first is not None
        found = reg.compare_versions(
            session=s, actor=w.actors["auditor"], first_id=first.id, second_id=second
        )
    assert found == [("pass_marks.1", 70.0, 80.0), ("max_appointed", 1, 0)]


# --- meetings obey the version in force on their date -----------------------------------------


def test_a_meeting_is_bound_to_the_version_in_force_on_its_date(w: World) -> None:
    second = approved(
        w,
        dt.date(2024, 6, 1),
        quorum={"registration_review": 4, "adoption_review": 5, "testbed_selection": 5},
        pass_marks={"1": 90, "2": 90},
    )
    before = write(
        w,
        meetings.schedule_meeting,
        kind="registration_review",
        title="Before",
        scheduled_on=dt.date(2024, 5, 31),
    )
    meeting_id, members = held(w, items=("t1",))
    with read_session(w.engine) as s:
        old, new = s.get(Meeting, before), s.get(Meeting, meeting_id)
        assert old is not None and new is not None
        assert (old.regulation_id, old.quorum) == (1, 5)
        assert (new.regulation_id, new.quorum) == (second, 4)
        marks = s.get(MeetingRules, meeting_id)
        assert marks is not None and (marks.stage1_pass, marks.overall_pass) == (90.0, 90.0)
        record = meeting_record(session=s, actor=w.actors["auditor"], meeting_id=meeting_id)
    assert (record.regulation.number, record.regulation.exceptional) == (2, False)
    (t1,) = items_of(w, meeting_id)
    score_all(w, t1, members, PASSING)
    result = write(w, meetings.record_decision, item_id=t1, reason="Below the marks in force.")
    assert result.decision == "failed" and result.thresholds.stage1_pass == 90
    # a version approved later does not change the meeting's
    approved(w, dt.date(2024, 6, 2), pass_marks={"1": 50, "2": 50})
    with read_session(w.engine) as s:
        again = meeting_record(session=s, actor=w.actors["auditor"], meeting_id=meeting_id)
    assert again.regulation.number == 2 and again.items[0].follows is True


def test_no_meeting_before_the_first_version(w: World) -> None:
    with pytest.raises(e.NoRegulationInForce) as refused:
        write(
            w,
            meetings.schedule_meeting,
            kind="registration_review",
            title="Too early",
            scheduled_on=dt.date(2017, 6, 1),
        )
    assert "2017-06-01" in str(refused.value)


def test_the_panel_is_drawn_with_the_versions_size_and_seat_limit(w: World) -> None:
    approved(
        w,
        dt.date(2024, 1, 1),
        panel_size=5,
        quorum={"registration_review": 3, "adoption_review": 3, "testbed_selection": 3},
        max_appointed=0,
        max_seats_per_expert=1,
    )
    first, draw = drawn(w, items=("t1",))
    assert len(draw.seats) == 5 and len(seats(w, first)) == 5
    # a second meeting's draw excludes everyone who already holds the one seat allowed
    second, again = drawn(w, items=("t2",))
    assert not set(draw.expert_ids) & set(again.expert_ids)
    limited = {x.expert_id for x in again.exclusions if x.reason == "seat_limit"}
    assert limited == set(draw.expert_ids) - {w.experts["consultant"]}
    with pytest.raises(e.TooManyAppointed):  # the version allows no seat filled by hand
        free = next(x for k, x in w.experts.items() if k.startswith("academia"))
        write(w, meetings.appoint_member, meeting_id=second, expert_id=free, reason="Help.")


def test_an_appointment_refuses_an_expert_at_the_seat_limit(w: World) -> None:
    approved(w, dt.date(2024, 1, 1), max_seats_per_expert=1)
    first, draw = drawn(w, items=("t1",))
    second, _again = drawn(w, items=("t2",))
    busy = next(x for x in draw.expert_ids if x != w.experts["consultant"])
    with pytest.raises(e.SeatLimitReached) as refused:
        write(w, meetings.appoint_member, meeting_id=second, expert_id=busy, reason="Help.")
    assert "1 seats on meetings within 365 days" in str(refused.value)
    del first


# --- the insider scenario ---------------------------------------------------------------------


def test_the_insider_scenario_is_refused_step_by_step(w: World) -> None:
    # 1. Quorum 1 and pass marks 0 cannot be set: they are not parameters any more, and a
    #    version saying so is refused (quorum) or needs a second person (marks).
    for bent in ({"quorum": 1}, {"thresholds": (0, 0)}):
        with pytest.raises(TypeError):
            write(
                w,
                meetings.schedule_meeting,
                kind="registration_review",
                title="Bent",
                scheduled_on=MEETING_DAY,
                **bent,
            )
    meeting_id, members = held(w, absent=7)
    with read_session(w.engine) as s:
        meeting = s.get(Meeting, meeting_id)
        marks = s.get(MeetingRules, meeting_id)
        assert meeting is not None and marks is not None
        assert (meeting.quorum, marks.stage1_pass, marks.overall_pass) == (5, 70.0, 70.0)
    # 2. Seven experts appointed by hand: the regulation allows one.
    outsiders = [
        x for k, x in w.experts.items() if x not in members and k not in ("insider", "consultant")
    ]
    write(w, meetings.appoint_member, meeting_id=meeting_id, expert_id=outsiders[0], reason="r")
    for expert_id in outsiders[1:7]:
        with pytest.raises(e.TooManyAppointed) as refused:
            write(
                w, meetings.appoint_member, meeting_id=meeting_id, expert_id=expert_id, reason="r"
            )
    assert "the most its regulation allows (1)" in str(refused.value)
    # 3. The 7 drawn members are absent: they are replaced by substitutes drawn by rule.
    substitutes = [
        write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=x, seed=100 + n)
        for n, x in enumerate(members)
    ]
    assert last_actions(w, 1) == ["panel_seat.substitute"]
    with pytest.raises(e.AlreadyReplaced):
        write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=members[0])
    with pytest.raises(e.NotReplaceable):  # the appointed member has not been marked absent
        write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=outsiders[0])
    by_method: dict[str, int] = {}
    for seat in seats(w, meeting_id):
        by_method[seat.method] = by_method.get(seat.method, 0) + 1
    assert by_method == {"random_draw": 7, "appointed": 1, "substitute": 7}
    chosen = {s.expert_id for s in substitutes}
    assert len(chosen) == 7 and not chosen & (set(members) | {outsiders[0]})
    assert not chosen & {w.experts["insider"], w.experts["consultant"]}  # no conflicts
    # 4. Below quorum nothing is decided: only the appointed member is present so far.
    write(
        w, meetings.record_attendance, meeting_id=meeting_id, expert_id=outsiders[0], attended=True
    )
    t1, _t2 = items_of(w, meeting_id)
    with pytest.raises(e.NoQuorum):
        write(w, meetings.record_decision, item_id=t1, reason="Passed.", decision="passed")
    # 5. Scored 0 by a quorum, the item fails: "passed" is refused.
    for x in chosen:
        write(w, meetings.record_attendance, meeting_id=meeting_id, expert_id=x, attended=True)
    score_all(w, t1, [outsiders[0], *chosen], ZERO)
    with pytest.raises(e.DecisionAgainstScores):
        write(w, meetings.record_decision, item_id=t1, reason="Passed.", decision="passed")
    assert write(w, meetings.record_decision, item_id=t1, reason="Fails.").decision == "failed"
    with read_session(w.engine) as s:
        record = meeting_record(session=s, actor=w.actors["auditor"], meeting_id=meeting_id)
    checks = {c.key: c.ok for c in record.checks}
    assert checks["appointed"] is True and checks["substitutes"] is True
    assert checks["seat_reasons"] is True  # drawn by rule: the draw is the reason


def test_substitutes_are_reproducible_from_their_seed(w: World) -> None:
    meeting_id, members = held(w, absent=2)
    first = write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=members[0], seed=7)
    second = write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=members[1], seed=7)
    with read_session(w.engine) as s:
        rows = list(
            s.execute(select(PanelSubstitution).order_by(PanelSubstitution.seat_id)).scalars()
        )
        assert [r.seed for r in rows] == [7, 7]
        assert [replay_substitute(r) for r in rows] == [first.expert_id, second.expert_id]
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "panel_seat.substitute").limit(1)
        ).scalar_one()
        after = json.loads(event.after or "{}")
        assert (after["seed"], after["why"], after["replaces_expert_id"]) == (
            7,
            "absent",
            members[0],
        )
    assert first.expert_id not in members and second.expert_id != first.expert_id


def test_a_recused_member_is_replaced_and_an_empty_pool_is_refused(w: World) -> None:
    approved(w, dt.date(2024, 1, 1), panel_size=7, max_appointed=0)
    meeting_id, draw = drawn(w)
    write(w, meetings.recuse, meeting_id=meeting_id, expert_id=draw.expert_ids[0], reason="Tie.")
    seat = write(
        w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=draw.expert_ids[0], seed=3
    )
    assert seat.expert_id not in draw.expert_ids
    with write_session(w.engine) as s:  # everyone else is seated elsewhere already
        for expert_id in w.experts.values():
            if (
                s.execute(
                    select(PanelSeat).where(
                        PanelSeat.meeting_id == meeting_id, PanelSeat.expert_id == expert_id
                    )
                ).first()
                is None
            ):
                s.add(PanelSeat(meeting_id=meeting_id, expert_id=expert_id, method="appointed"))
    write(w, meetings.recuse, meeting_id=meeting_id, expert_id=draw.expert_ids[1], reason="Tie.")
    with pytest.raises(PoolTooSmall):
        write(w, meetings.draw_substitute, meeting_id=meeting_id, expert_id=draw.expert_ids[1])


# --- recusal per agenda item, conflicts computed ----------------------------------------------


def test_recusal_is_per_agenda_item(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    write(
        w,
        meetings.declare_conflict,
        meeting_id=meeting_id,
        expert_id=members[0],
        note="Advised applicant A on this technology.",
        recuse=True,
        item_id=t1,
    )
    assert last_actions(w, 1) == ["agenda_item.recuse"]
    with pytest.raises(e.RecusedFromItem):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=members[0], scores=PASSING, **PROXY
        )
    write(w, meetings.record_evaluation, item_id=t2, expert_id=members[0], scores=PASSING, **PROXY)
    with pytest.raises(e.AlreadyRecusedFromItem):
        write(
            w, meetings.recuse, meeting_id=meeting_id, expert_id=members[0], reason="x", item_id=t1
        )
    with pytest.raises(e.HasScored):  # scored t2 already
        write(
            w, meetings.recuse, meeting_id=meeting_id, expert_id=members[0], reason="x", item_id=t2
        )
    score_all(w, t1, members[1:], PASSING)  # six of seven: every member who may vote on t1
    assert write(w, meetings.record_decision, item_id=t1, reason="Passes.").decision == "passed"
    score_all(w, t2, members[1:], PASSING)
    assert write(w, meetings.record_decision, item_id=t2, reason="Passes.").decision == "passed"
    with read_session(w.engine) as s:
        record = meeting_record(session=s, actor=w.actors["auditor"], meeting_id=meeting_id)
    first, second = record.items
    assert (first.voters, second.voters) == (6, 7)
    assert list(first.recusals["expert_id"]) == [members[0]] and second.recusals.empty
    assert first.follows and second.follows
    assert {c.key: c.ok for c in record.checks}["no_conflict"] is True


def test_a_computed_conflict_excludes_the_member_from_that_item_only(w: World) -> None:
    """A tie to applicant A recorded after the draw: the member cannot score A's item nor
    count towards its quorum, and still scores applicant B's."""
    from db.models import ExpertTie

    meeting_id, members = held(w, absent=2)  # 5 present: the quorum
    t1, t2 = items_of(w, meeting_id)
    present = members[2:]
    with write_session(w.engine) as s:
        s.add(
            ExpertTie(
                expert_id=present[0],
                organization_id=w.orgs["applicant_a"],
                kind="joint_research",
                started_on=dt.date(2022, 3, 1),
            )
        )
    with pytest.raises(e.Conflicted):
        write(
            w, meetings.record_evaluation, item_id=t1, expert_id=present[0], scores=PASSING, **PROXY
        )
    score_all(w, t2, present, PASSING)
    assert write(w, meetings.record_decision, item_id=t2, reason="Passes.").decision == "passed"
    score_all(w, t1, present[1:], PASSING)
    with pytest.raises(e.NoQuorum) as refused:  # 4 may vote on t1
        write(w, meetings.record_decision, item_id=t1, reason="Passes.")
    assert "Only 4 members who may vote on this item" in str(refused.value)


def test_a_recusal_from_an_item_of_another_meeting_is_refused(w: World) -> None:
    meeting_id, members = held(w)
    with pytest.raises(ValidationFailed):
        write(
            w,
            meetings.recuse,
            meeting_id=meeting_id,
            expert_id=members[0],
            reason="x",
            item_id=10_000,
        )


# --- the fairness page flags exceptional settings and every seat filled by hand ---------------


def test_the_fairness_report_flags_exceptional_settings_and_appointed_seats(w: World) -> None:
    from sqlalchemy import update

    from db.fairness.report import fairness_report

    meeting_id, members = held(w)
    outsider = next(
        x for k, x in w.experts.items() if x not in members and k not in ("insider", "consultant")
    )
    write(w, meetings.appoint_member, meeting_id=meeting_id, expert_id=outsider, reason="Ill.")
    with read_session(w.engine) as s:
        report = fairness_report(session=s, actor=w.actors["auditor"])
    kinds = list(report.flags["kind"])
    assert kinds == ["appointed_seat"] and int(report.flags.iloc[0]["count"]) == 1
    # A meeting of the time before the regulation was data: quorum 1, pass marks 0.
    with write_session(w.engine) as s:
        s.execute(update(Meeting).where(Meeting.id == meeting_id).values(quorum=1))
        s.execute(
            update(MeetingRules)
            .where(MeetingRules.meeting_id == meeting_id)
            .values(stage1_pass=0.0, overall_pass=0.0)
        )
    with read_session(w.engine) as s:
        report = fairness_report(session=s, actor=w.actors["auditor"])
        record = meeting_record(session=s, actor=w.actors["auditor"], meeting_id=meeting_id)
    assert set(report.flags["kind"]) == {"appointed_seat", "exceptional_settings"}
    assert record.regulation.exceptional and record.regulation.stored_quorum == 1
    assert record.meeting["quorum"] == 5  # the version's quorum is the one that decides
    assert {c.key: c.ok for c in record.checks}["settings"] is False
    # Items are still decided by the version: zeros fail, whatever the stored marks say.
    (t1, _t2) = items_of(w, meeting_id)
    score_all(w, t1, members, ZERO)
    assert write(w, meetings.record_decision, item_id=t1, reason="Zeros.").decision == "failed"
