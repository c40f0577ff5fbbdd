"""Four eyes, answered once (``db.policy.approval_refusal``), on SQLite and PostgreSQL.

The proposer may not decide an item; whoever edited it after it was proposed may not approve
it; whoever ran the meeting that recommended it (recorded any write on that meeting, its
seats, agenda items, evaluations or corrections, or created it) may not approve it. Every
place that decides or shows whether approval is possible asks the same function: the
adoption and step-proposal writes, the batch decision, the approvals list and the decision
screen. A refusal is audited as ``permission.denied`` and changes nothing; a colleague who
did not run the meeting may approve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from db import adoptions, approvals, audit, meetings, models, policy
from db.adoptions import writes as adoption_writes
from db.models import (
    Adoption,
    AgendaItem,
    Evaluation,
    EvaluationScore,
    Expert,
    Meeting,
    MeetingCorrection,
    PanelSeat,
    Proposal,
)
from db.policy import Actor
from db.session import read_session, write_session
from tests import deliberation_data as dd
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    """A staff member who proposes, a staff member with the approver role who runs meetings,
    and an approver colleague."""
    roles = {"staff": ["staff"], "runner": ["staff", "approver"], "colleague": ["approver"]}
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", r))
        for name, r in roles.items()
    }


def read(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with read_session(engine) as s:
        return fn(session=s, **kwargs)


def write(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


def approve(engine: Engine, who: Actor, adoption_id: int) -> None:
    write(
        engine,
        adoptions.decide_adoption,
        actor=who,
        adoption_id=adoption_id,
        decision="approve",
        comment="승인",
    )


def _event(s: Any, who: Actor, action: str, entity: str, entity_id: int) -> None:
    audit.append(
        s,
        actor_id=who.id,
        actor_name=who.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        after={"by": "test"},
    )


def _seat(s: Any, meeting_id: int) -> int:
    expert = Expert(
        name="시험 위원",
        organization_id=wd.org(s),
        affiliation="public",
        registered_on=dt.date(2020, 1, 1),
        created_at=wd.NOW,
    )
    s.add(expert)
    s.flush()
    seat = PanelSeat(meeting_id=meeting_id, expert_id=expert.id, method="random_draw")
    s.add(seat)
    s.flush()
    return int(seat.id)


def _item(s: Any, meeting_id: int) -> int:
    return int(
        s.execute(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)).scalar_one()
    )


def _ran_by_creating(s: Any, who: Actor, meeting_id: int) -> None:
    s.execute(update(Meeting).where(Meeting.id == meeting_id).values(created_by_id=who.id))


def _ran_by_holding(s: Any, who: Actor, meeting_id: int) -> None:
    _event(s, who, "meeting.hold", "meeting", meeting_id)


def _ran_by_minutes(s: Any, who: Actor, meeting_id: int) -> None:
    _event(s, who, "meeting.minutes", "meeting", meeting_id)


def _ran_by_attendance(s: Any, who: Actor, meeting_id: int) -> None:
    _event(s, who, "panel_seat.attendance", "panel_seat", _seat(s, meeting_id))


def _ran_by_deciding(s: Any, who: Actor, meeting_id: int) -> None:
    _event(s, who, "agenda_item.decide", "agenda_item", _item(s, meeting_id))


def _ran_by_scoring(s: Any, who: Actor, meeting_id: int) -> None:
    evaluation = Evaluation(
        agenda_item_id=_item(s, meeting_id), seat_id=_seat(s, meeting_id), recorded_at=wd.NOW
    )
    s.add(evaluation)
    s.flush()
    s.add_all(
        EvaluationScore(evaluation_id=evaluation.id, criterion=c, score=80)
        for c in ("novelty", "progressiveness", "applicability", "economy", "diffusion")
    )
    _event(s, who, "evaluation.record", "evaluation", evaluation.id)


def _ran_by_correcting(s: Any, who: Actor, meeting_id: int) -> None:
    correction = MeetingCorrection(
        meeting_id=meeting_id, text="정정", created_at=wd.NOW, created_by_id=None
    )
    s.add(correction)
    s.flush()
    _event(s, who, "meeting.correct", "meeting_correction", correction.id)


RAN_BY = {
    "created it": _ran_by_creating,
    "held it": _ran_by_holding,
    "wrote the minutes": _ran_by_minutes,
    "recorded attendance": _ran_by_attendance,
    "recorded a decision": _ran_by_deciding,
    "recorded scores": _ran_by_scoring,
    "recorded a correction": _ran_by_correcting,
}


def recommended_adoption(
    engine: Engine, proposer: Actor, runner: Actor | None, how: str = "held it"
) -> tuple[int, str]:
    """An adoption proposed by ``proposer``, under review, recommended by a meeting that
    ``runner`` ran (``how``); returns its id and the meeting's code."""
    with write_session(engine) as s:
        aid = wd.adoption(s, wd.tech(s, wd.org(s)), proposer.id)
        meeting_id = wd.recommend(s, aid)
        if runner is not None:
            RAN_BY[how](s, runner, meeting_id)
        code = s.execute(select(Meeting.code).where(Meeting.id == meeting_id)).scalar_one()
    return aid, str(code)


def denials(engine: Engine) -> list[Any]:
    return wd.events(engine, "permission.denied")


# --- the rule on the write, for every kind of write on the meeting ---------------------------


@pytest.mark.parametrize("how", list(RAN_BY))
def test_who_ran_the_recommending_meeting_cannot_approve(
    migrated_engine: Engine, people: dict[str, Actor], how: str
) -> None:
    staff, runner, colleague = people["staff"], people["runner"], people["colleague"]
    aid, code = recommended_adoption(migrated_engine, staff, runner, how)
    before = len(wd.events(migrated_engine))
    with pytest.raises(policy.RanTheMeeting) as caught:
        approve(migrated_engine, runner, aid)
    assert caught.value.params == {"action": "adoption.approve", "code": code}
    assert str(caught.value) == (
        f"You ran the meeting that recommended this item ({code}), so another approver must "
        "decide it. Nothing was saved."
    )
    # audited as a refusal like the others, and nothing else was written
    [denied] = wd.events(migrated_engine)[before:]
    assert (denied.action, denied.actor_id, denied.entity, denied.entity_id) == (
        "permission.denied",
        runner.id,
        "adoption",
        str(aid),
    )
    assert denied.reason == "four eyes: ran the meeting"
    assert wd.status_of(migrated_engine, Adoption, aid) == "under_review"
    # a colleague who did not run it may approve
    approve(migrated_engine, colleague, aid)
    assert wd.status_of(migrated_engine, Adoption, aid) == "approved"


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_who_ran_the_meeting_may_still_reject_or_return(
    migrated_engine: Engine, people: dict[str, Actor], decision: str
) -> None:
    aid, _code = recommended_adoption(migrated_engine, people["staff"], people["runner"])
    write(
        migrated_engine,
        adoptions.decide_adoption,
        actor=people["runner"],
        adoption_id=aid,
        decision=decision,
        comment="재검토",
    )
    expected = {"reject": "rejected", "return": "proposed"}[decision]
    assert wd.status_of(migrated_engine, Adoption, aid) == expected


def test_running_another_meeting_does_not_count(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    """Only the meeting that recommended it: running an earlier meeting that deferred it, or
    an unrelated one, leaves the approver free to approve; so does a refused write."""
    staff, runner = people["staff"], people["runner"]
    with write_session(migrated_engine) as s:
        aid = wd.adoption(s, wd.tech(s, wd.org(s)), staff.id)
        earlier = wd.recommend(s, aid, decision="deferred", decided_at=wd.NOW)
        _ran_by_holding(s, runner, earlier)
        _ran_by_holding(s, runner, wd.meeting(s))
        recommending = wd.recommend(s, aid)
        _event(s, runner, "permission.denied", "meeting", recommending)
    approve(migrated_engine, runner, aid)
    assert wd.status_of(migrated_engine, Adoption, aid) == "approved"


def test_the_rules_are_told_in_order(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    """Proposer first (for every decision), then editor, then meeting runner."""
    runner = people["runner"]
    own, _ = recommended_adoption(migrated_engine, runner, runner)
    edited, _ = recommended_adoption(migrated_engine, people["staff"], runner)
    ran, code = recommended_adoption(migrated_engine, people["staff"], runner)
    free, _ = recommended_adoption(migrated_engine, people["staff"], people["staff"])
    with write_session(migrated_engine) as s:
        wd.mark_edited(s, edited, runner.id or 0, runner.username)
        ids = [own, edited, ran, free]
        rec = adoption_writes.recommendations(s, ids)
        proposers = {r.id: r.proposed_by_id for r in s.execute(select(Adoption)).scalars()}
        items = [adoption_writes.pending(i, proposers[i], rec[i]) for i in ids]
        refusals = policy.approval_refusals(s, runner, items)
        one_by_one = {i.key: policy.approval_refusal(s, runner, i) for i in items}
    assert refusals == one_by_one
    assert [refusals[i.key] for i in items] == [
        policy.Refusal(policy.OwnProposal),
        policy.Refusal(policy.EditedByActor),
        policy.Refusal(policy.RanTheMeeting, (("code", code),)),
        None,
    ]
    assert [policy.decision_refusal(runner, i) for i in items] == [
        policy.Refusal(policy.OwnProposal),
        None,
        None,
        None,
    ]


# --- the same answer in the list, on the screen and in a batch -------------------------------


def test_list_screen_and_batch_give_the_runner_the_reason(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, runner, colleague = people["staff"], people["runner"], people["colleague"]
    aid, code = recommended_adoption(migrated_engine, staff, runner)
    key = f"adoption:{aid}"
    pending = read(migrated_engine, approvals.pending_decisions, actor=runner)
    row = pending[pending["key"] == key].iloc[0]
    assert bool(row["can_decide"]) and not bool(row["can_approve"])
    assert row["approve_blocked"] == policy.RanTheMeeting.notice
    assert row["blocked_params"] == {"code": code}
    ctx = read(migrated_engine, approvals.item_context, actor=runner, key=key)
    assert isinstance(ctx, approvals.AdoptionContext)
    assert ctx.can_decide and not ctx.can_approve
    assert ctx.blocked == (approvals.Blocker(policy.RanTheMeeting.notice, {"code": code}),)
    # the colleague sees it approvable
    theirs = read(migrated_engine, approvals.pending_decisions, actor=colleague)
    assert theirs[theirs["key"] == key]["can_approve"].tolist() == [True]
    assert read(migrated_engine, approvals.item_context, actor=colleague, key=key).can_approve
    # the batch refuses it alone, audited, and approves the others
    other, _ = recommended_adoption(migrated_engine, staff, None)
    before = len(denials(migrated_engine))
    outcomes = write(
        migrated_engine,
        approvals.decide_many,
        actor=runner,
        keys=[key, f"adoption:{other}"],
        decision="approve",
        comment="일괄 승인",
    )
    assert [(o.outcome, o.message, o.params.get("code")) for o in outcomes] == [
        ("refused", policy.RanTheMeeting.message, code),
        ("done", None, None),
    ]
    [denied] = denials(migrated_engine)[before:]
    assert (denied.actor_id, denied.entity_id, denied.reason) == (
        runner.id,
        str(aid),
        "four eyes: ran the meeting",
    )
    assert wd.status_of(migrated_engine, Adoption, aid) == "under_review"
    assert wd.status_of(migrated_engine, Adoption, other) == "approved"


# --- step proposals: the testbed selection meeting ------------------------------------------


def test_who_ran_the_selection_meeting_cannot_confirm_its_step(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, runner, colleague = people["staff"], people["runner"], people["colleague"]
    with write_session(migrated_engine) as s:
        tb = wd.testbed(s, wd.tech(s, wd.org(s)))
        wd.select_testbed(s, tb)
        meeting_id, code = s.execute(
            select(Meeting.id, Meeting.code)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.testbed_id == tb)
        ).one()
        _ran_by_deciding(s, runner, meeting_id)
    pid = write(
        migrated_engine,
        approvals.propose_testbed_step,
        actor=staff,
        testbed_id=tb,
        to="selected",
        expected="applied",
    )
    pending = read(migrated_engine, approvals.pending_decisions, actor=runner)
    row = pending[pending["key"] == f"proposal:{pid}"].iloc[0]
    assert (row["approve_blocked"], row["blocked_params"]) == (
        policy.RanTheMeeting.notice,
        {"code": code},
    )
    ctx = read(migrated_engine, approvals.proposal_context, actor=runner, proposal_id=pid)
    assert ctx.can_decide and not ctx.can_approve
    before = len(denials(migrated_engine))
    with pytest.raises(policy.RanTheMeeting):
        write(
            migrated_engine,
            approvals.decide_proposal,
            actor=runner,
            proposal_id=pid,
            decision="approve",
            comment="선정",
        )
    assert len(denials(migrated_engine)) == before + 1
    assert wd.status_of(migrated_engine, models.Testbed, tb) == "applied"
    write(
        migrated_engine,
        approvals.decide_proposal,
        actor=colleague,
        proposal_id=pid,
        decision="approve",
        comment="선정",
    )
    assert wd.status_of(migrated_engine, models.Testbed, tb) == "selected"
    with read_session(migrated_engine) as s:
        assert s.execute(select(Proposal.status).where(Proposal.id == pid)).scalar() == "confirmed"


# --- the regulation issue's case, through the meeting writes themselves ----------------------


def test_a_staff_approver_who_ran_the_meeting_alone_cannot_approve(
    migrated_engine: Engine,
) -> None:
    """An approver who also holds the staff role runs an adoption review alone on someone
    else's proposal (schedules it, sets the agenda, draws the panel, holds it, records
    attendance, scores and the decision, closes it) and then tries to approve: refused and
    audited; a colleague approver may approve."""
    w = dd.build(migrated_engine)
    with write_session(migrated_engine) as s:
        s.execute(
            update(Adoption)
            .where(Adoption.id == w.adoption_id)
            .values(proposed_by_id=w.actors["staff2"].id)
        )
    alone = "approver"  # staff + approver
    meeting_id = dd.write(
        w,
        meetings.schedule_meeting,
        alone,
        kind="adoption_review",
        title="Adoption review",
        scheduled_on=dd.MEETING_DAY,
    )
    item_id = dd.write(
        w, meetings.add_agenda_item, alone, meeting_id=meeting_id, adoption_id=w.adoption_id
    )
    draw = dd.write(
        w, meetings.draw_and_seat_panel, alone, meeting_id=meeting_id, seed=5, drawn_on=dd.DRAW_DAY
    )
    dd.write(w, meetings.hold_meeting, alone, meeting_id=meeting_id, held_on=dd.MEETING_DAY)
    for x in draw.expert_ids:
        dd.write(
            w, meetings.record_attendance, alone, meeting_id=meeting_id, expert_id=x, attended=True
        )
        dd.write(
            w,
            meetings.record_evaluation,
            alone,
            item_id=item_id,
            expert_id=x,
            scores=dd.PASSING,
            **dd.PROXY,
        )
    dd.write(w, meetings.record_decision, alone, item_id=item_id, reason="Recommended.")
    dd.write(w, meetings.close_meeting, alone, meeting_id=meeting_id, minutes="Recommended.")
    with read_session(migrated_engine) as s:
        code = s.execute(select(Meeting.code).where(Meeting.id == meeting_id)).scalar_one()
        status = s.execute(select(Adoption.status).where(Adoption.id == w.adoption_id)).scalar()
    assert status == "under_review"
    approver = w.actors[alone]
    before = dd.audit_count(w)
    with pytest.raises(policy.RanTheMeeting) as caught:
        dd.write(
            w,
            adoptions.decide_adoption,
            alone,
            adoption_id=w.adoption_id,
            decision="approve",
            comment="승인",
        )
    assert caught.value.params["code"] == code
    assert dd.audit_count(w) == before + 1 and dd.last_actions(w, 1) == ["permission.denied"]
    pending = read(migrated_engine, approvals.pending_decisions, actor=approver)
    assert pending["approve_blocked"].tolist() == [policy.RanTheMeeting.notice]
    dd.write(
        w,
        adoptions.decide_adoption,
        "approver_only",
        adoption_id=w.adoption_id,
        decision="approve",
        comment="승인",
    )
    with read_session(migrated_engine) as s:
        adoption = s.get(Adoption, w.adoption_id)
        assert adoption is not None and adoption.status == "approved"
        assert adoption.decided_by_id == w.actors["approver_only"].id


@pytest.mark.parametrize("write", ["a substitute draw", "a recusal from one item"])
def test_who_only_drew_a_substitute_or_recused_a_member_from_an_item_ran_the_meeting(
    migrated_engine: Engine, write: str
) -> None:
    """The regulation's own meeting writes (a substitute drawn by rule, a recusal from one
    agenda item) count as running the meeting, like every other write on it."""
    w = dd.build(migrated_engine)
    meeting_id = dd.write(
        w,
        meetings.schedule_meeting,
        "staff2",
        kind="adoption_review",
        title="Adoption review",
        scheduled_on=dd.MEETING_DAY,
    )
    item_id = dd.write(
        w, meetings.add_agenda_item, "staff2", meeting_id=meeting_id, adoption_id=w.adoption_id
    )
    draw = dd.write(
        w,
        meetings.draw_and_seat_panel,
        "staff2",
        meeting_id=meeting_id,
        seed=5,
        drawn_on=dd.DRAW_DAY,
    )
    dd.write(w, meetings.hold_meeting, "staff2", meeting_id=meeting_id, held_on=dd.MEETING_DAY)
    first = draw.expert_ids[0]
    runner = w.actors["approver"]
    with read_session(migrated_engine) as s:
        assert runner.id not in policy.meeting_runners(s, [meeting_id]).get(meeting_id, set())
    if write == "a substitute draw":
        dd.write(
            w,
            meetings.record_attendance,
            "staff2",
            meeting_id=meeting_id,
            expert_id=first,
            attended=False,
        )
        dd.write(
            w, meetings.draw_substitute, "approver", meeting_id=meeting_id, expert_id=first, seed=7
        )
    else:
        dd.write(
            w,
            meetings.declare_conflict,
            "approver",
            meeting_id=meeting_id,
            expert_id=first,
            note="Tie to the applicant.",
            recuse=True,
            item_id=item_id,
        )
    with read_session(migrated_engine) as s:
        assert runner.id in policy.meeting_runners(s, [meeting_id])[meeting_id]
