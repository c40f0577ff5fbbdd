"""Experts take part themselves (issue 19): accounts by invitation, their own answers,
declarations and scores, on their own meetings only; staff write a score only as a proxy of a
signed paper sheet, which the fairness report flags. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db import mail, meetings
from db.accounts import experts as invitations
from db.errors import DomainError, PermissionDenied, ValidationFailed
from db.fairness import fairness_report
from db.meetings import errors as e
from db.meetings import panelist
from db.models import (
    AuditEvent,
    Evaluation,
    EvaluationSheet,
    Expert,
    ExpertInvitation,
    ItemDeclaration,
    ItemRecusal,
    PanelSeat,
    PanelSubstitution,
    User,
)
from db.policy import Actor
from db.session import read_session, write_session
from tests.deliberation_data import (
    DRAW_DAY,
    FAILING,
    MEETING_DAY,
    PASSING,
    PROXY,
    World,
    build,
    drawn,
    held,
    items_of,
    write,
)
from tests.pdfs import zip_file
from tests.users import cheap_bcrypt  # noqa: F401

PASSWORD = "Juniper-orchard-2026!"


@pytest.fixture
def w(migrated_engine: Engine, cheap_bcrypt: None) -> World:
    return build(migrated_engine)


def letter(token: str) -> mail.Letter:
    return mail.Letter("Your expert account", f"Open: /sign_up?invite={token}", "en")


def invite(w: World, expert_id: int, actor: str = "staff", **kw: Any) -> str:
    with write_session(w.engine) as s:
        return invitations.invite_expert(
            session=s,
            actor=w.actors[actor],
            expert_id=expert_id,
            compose=letter,
            deliver=False,
            **kw,
        )


def accept(w: World, token: str, password: str = PASSWORD, **kw: Any) -> int:
    with write_session(w.engine) as s:
        return invitations.accept_invitation(session=s, token=token, password=password, **kw)


def expert_actor(w: World, expert_id: int) -> Actor:
    user_id = accept(w, invite(w, expert_id))
    with read_session(w.engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        return Actor(user.id, user.username, user.role_names, user.display_name)


def as_expert(w: World, who: Actor, fn: Any, **kwargs: Any) -> Any:
    with write_session(w.engine) as s:
        return fn(session=s, actor=who, **kwargs)


def read_as(w: World, who: Actor, fn: Any, **kwargs: Any) -> Any:
    with read_session(w.engine) as s:
        return fn(session=s, actor=who, **kwargs)


# --- accounts by invitation -------------------------------------------------------------------


def test_an_invited_expert_opens_an_account_linked_to_their_record(w: World) -> None:
    expert_id = w.experts["public1"]
    token = invite(w, expert_id)
    with read_session(w.engine) as s:
        row = s.execute(select(ExpertInvitation)).scalar_one()
        # only the hash of the token is stored; the link went through the outbox
        assert row.id == hashlib.sha256(token.encode()).hexdigest() and token not in row.id
        assert [m.kind for m in mail.messages_to(s, row.email)] == ["expert_invite"]
    with read_session(w.engine) as s:
        assert invitations.invitation(session=s, token=token).expert_id == expert_id
    user_id = accept(w, token)
    with read_session(w.engine) as s:
        user = s.get(User, user_id)
        assert user is not None and user.role_names == frozenset({"expert"})
        assert user.email_verified_at is not None
        expert = s.get(Expert, expert_id)
        assert expert is not None and expert.user_id == user_id
    # single use; no second invitation for a linked expert
    with pytest.raises(DomainError) as used:
        accept(w, token)
    assert used.value.message == invitations.INVITE_USED
    with pytest.raises(DomainError) as linked:
        invite(w, expert_id)
    assert linked.value.message == invitations.ALREADY_LINKED


def test_invitations_expire_are_replaced_and_are_staffs(w: World) -> None:
    expert_id = w.experts["public2"]
    sent = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    old = invite(w, expert_id, now=sent)
    with pytest.raises(DomainError) as expired:
        accept(w, old, now=sent + invitations.INVITE_LIFETIME)
    assert expired.value.message == invitations.INVITE_EXPIRED
    first = invite(w, expert_id)
    second = invite(w, expert_id)
    with pytest.raises(DomainError):  # a new invitation ends the earlier ones
        accept(w, first)
    with pytest.raises(ValidationFailed) as weak:
        accept(w, second, password="short")
    assert set(weak.value.errors) == {"password"}
    with read_session(w.engine) as s:
        assert s.get(Expert, expert_id).user_id is None  # type: ignore[union-attr]
    for role in ("auditor", "approver_only", "executive", "admin"):
        with pytest.raises(PermissionDenied):
            invite(w, expert_id, actor=role)
    with pytest.raises(DomainError) as unknown:
        accept(w, "not-a-token")
    assert unknown.value.message == invitations.INVITE_UNKNOWN


# --- the expert's own meetings only -----------------------------------------------------------


def test_an_expert_reads_and_answers_only_their_own_meetings(w: World) -> None:
    meeting_id, draw = drawn(w)
    member = draw.expert_ids[0]
    outsider = next(x for k, x in w.experts.items() if x not in draw.expert_ids)
    me = expert_actor(w, member)
    stranger = expert_actor(w, outsider)
    mine = read_as(w, me, panelist.my_meetings)
    assert [m.id for m in mine] == [meeting_id] and mine[0].response is None
    assert read_as(w, stranger, panelist.my_meetings) == []
    with pytest.raises(PermissionDenied):
        read_as(w, stranger, panelist.my_agenda, meeting_id=meeting_id)
    with pytest.raises(PermissionDenied):
        as_expert(w, stranger, panelist.respond, meeting_id=meeting_id, attend=True)
    with pytest.raises(PermissionDenied):  # staff have no expert area
        read_as(w, w.staff, panelist.my_meetings)
    agenda = read_as(w, me, panelist.my_agenda, meeting_id=meeting_id)
    assert len(agenda.items) == 2 and all(i.declaring_open for i in agenda.items)
    assert not any(i.scoring_open for i in agenda.items)  # not held yet
    # every refusal is audited
    with read_session(w.engine) as s:
        denied = s.execute(
            select(AuditEvent.actor_id).where(AuditEvent.action == "permission.denied")
        ).scalars()
        assert stranger.id in set(denied)


def test_a_decline_draws_a_substitute_by_the_regulations_rule(w: World) -> None:
    meeting_id, draw = drawn(w)
    me = expert_actor(w, draw.expert_ids[0])
    other = expert_actor(w, draw.expert_ids[1])
    assert as_expert(w, other, panelist.respond, meeting_id=meeting_id, attend=True) is None
    substitute = as_expert(
        w, me, panelist.respond, meeting_id=meeting_id, attend=False, drawn_on=DRAW_DAY
    )
    assert substitute is not None and substitute not in draw.expert_ids
    with read_session(w.engine) as s:
        seats = {
            x.expert_id: x
            for x in s.execute(
                select(PanelSeat).where(PanelSeat.meeting_id == meeting_id)
            ).scalars()
        }
        assert seats[draw.expert_ids[0]].response == "declined"
        assert seats[draw.expert_ids[0]].attended is False
        assert seats[draw.expert_ids[1]].response == "confirmed"
        assert seats[substitute].method == "substitute"
        sub = s.get(PanelSubstitution, seats[substitute].id)
        assert sub is not None and sub.replaced_seat_id == seats[draw.expert_ids[0]].id
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "panel_seat.substitute")
        ).scalar_one()
        assert event.actor_id == me.id and json.loads(event.after or "")["why"] == "declined"
    with pytest.raises(e.AlreadyDeclined):
        as_expert(w, me, panelist.respond, meeting_id=meeting_id, attend=True)
    write(w, meetings.hold_meeting, meeting_id=meeting_id, held_on=MEETING_DAY)
    with pytest.raises(e.AnswerClosed):
        as_expert(w, other, panelist.respond, meeting_id=meeting_id, attend=False)


# --- declarations and own scores in the window --------------------------------------------------


def test_an_expert_declares_and_scores_within_the_window_only(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    me = expert_actor(w, members[0])
    with pytest.raises(e.DeclareFirst):
        as_expert(w, me, panelist.score, item_id=t2, scores=PASSING)
    with pytest.raises(ValidationFailed):
        as_expert(w, me, panelist.declare, item_id=t1, conflict=True, statement=" ")
    as_expert(
        w, me, panelist.declare, item_id=t1, conflict=True, statement="I advised the applicant."
    )
    as_expert(w, me, panelist.declare, item_id=t2, conflict=False, statement="No tie at all.")
    with read_session(w.engine) as s:
        rows = s.execute(select(ItemDeclaration).order_by(ItemDeclaration.id)).scalars().all()
        assert [(r.agenda_item_id, r.conflict, r.signed_by_id) for r in rows] == [
            (t1, True, me.id),
            (t2, False, me.id),
        ]
        assert all(r.signed_at is not None for r in rows)
        assert s.execute(select(ItemRecusal.agenda_item_id)).scalars().all() == [t1]
    with pytest.raises(e.ConflictDeclared):  # a declared conflict stands
        as_expert(w, me, panelist.declare, item_id=t1, conflict=False, statement="Changed mind")
    with pytest.raises(e.RecusedFromItem):
        as_expert(w, me, panelist.score, item_id=t1, scores=PASSING)
    first = as_expert(w, me, panelist.score, item_id=t2, scores=FAILING, comment="Weak.")
    again = as_expert(w, me, panelist.score, item_id=t2, scores=PASSING, comment="Better.")
    assert first == again
    with read_session(w.engine) as s:
        ev = s.get(Evaluation, first)
        assert ev is not None and (ev.origin, ev.entered_by_id) == ("self", me.id)
        assert ev.updated_at is not None and ev.comment == "Better."
        change = s.execute(
            select(AuditEvent).where(AuditEvent.action == "evaluation.change")
        ).scalar_one()
        assert change.actor_id == me.id and json.loads(change.before or "")["novelty"] == 60
    agenda = read_as(w, me, panelist.my_agenda, meeting_id=meeting_id)
    by_id = {i.id: i for i in agenda.items}
    assert by_id[t2].scores == PASSING and by_id[t2].outcome is None
    assert by_id[t1].recused and by_id[t1].scores is None
    # the others score (staff enter their paper sheets), the item is decided: the window closes
    for x in members[1:]:
        write(w, meetings.record_evaluation, item_id=t2, expert_id=x, scores=PASSING, **PROXY)
    decided = write(w, meetings.record_decision, item_id=t2, reason="Scores pass.")
    assert decided.decision == "passed" and decided.outcome.members == len(members)
    with pytest.raises(e.ItemDecided):
        as_expert(w, me, panelist.score, item_id=t2, scores=FAILING)
    with pytest.raises(e.DeclarationClosed):
        as_expert(w, me, panelist.declare, item_id=t2, conflict=True, statement="Late.")
    after = {i.id: i for i in read_as(w, me, panelist.my_agenda, meeting_id=meeting_id).items}
    assert after[t2].outcome is not None and after[t2].outcome.members == len(members)
    assert after[t2].scores == PASSING  # still only their own


def test_an_expert_writes_nothing_of_another_member_or_meeting(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    other = write(
        w,
        meetings.schedule_meeting,
        kind="adoption_review",
        title="Adoption review",
        scheduled_on=MEETING_DAY,
    )
    t3 = write(w, meetings.add_agenda_item, meeting_id=other, adoption_id=w.adoption_id)
    panel = write(w, meetings.draw_and_seat_panel, meeting_id=other, seed=5, drawn_on=DRAW_DAY)
    mine = next(x for x in members if x not in panel.expert_ids)
    someone = next(x for x in members if x != mine)
    me = expert_actor(w, mine)
    # the staff's write (any member's scores) is not the expert's
    with pytest.raises(PermissionDenied):
        as_expert(w, me, meetings.record_evaluation, item_id=t2, expert_id=someone,
                  scores=PASSING, **PROXY)  # fmt: skip
    for fn, kw in (
        (panelist.declare, {"item_id": t3, "conflict": False, "statement": "None."}),
        (panelist.score, {"item_id": t3, "scores": PASSING}),
        (panelist.respond, {"meeting_id": other, "attend": False}),
        (panelist.my_agenda, {"meeting_id": other}),
    ):
        with pytest.raises(PermissionDenied):
            as_expert(w, me, fn, **kw)
    # another member's scores are not in the expert's view
    as_expert(w, me, panelist.declare, item_id=t2, conflict=False, statement="None.")
    write(w, meetings.record_evaluation, item_id=t2, expert_id=someone, scores=FAILING, **PROXY)
    agenda = read_as(w, me, panelist.my_agenda, meeting_id=meeting_id)
    assert all(i.scores is None and i.outcome is None for i in agenda.items)
    # a proxy entry for them stands: they cannot overwrite it, nor staff theirs
    write(w, meetings.record_evaluation, item_id=t2, expert_id=mine, scores=FAILING, **PROXY)
    with pytest.raises(e.ScoredByProxy):
        as_expert(w, me, panelist.score, item_id=t2, scores=PASSING)
    as_expert(w, me, panelist.declare, item_id=t1, conflict=False, statement="None.")
    as_expert(w, me, panelist.score, item_id=t1, scores=PASSING)
    with pytest.raises(e.AlreadyScored):
        write(w, meetings.record_evaluation, item_id=t1, expert_id=mine, scores=FAILING,
              **PROXY)  # fmt: skip


# --- staff: proxy entry only, flagged -----------------------------------------------------------


def test_staff_enter_scores_only_as_a_proxy_with_reason_and_sheet(w: World) -> None:
    meeting_id, members = held(w)
    t1, _t2 = items_of(w, meeting_id)
    base = {"item_id": t1, "expert_id": members[0], "scores": PASSING}
    with pytest.raises(TypeError):  # no reason and sheet: no way to call it
        write(w, meetings.record_evaluation, **base)
    with pytest.raises(ValidationFailed) as bad:
        write(w, meetings.record_evaluation, **base, reason=" ", sheet_name="s.pdf", sheet=b"")
    assert set(bad.value.errors) == {e.F_PROXY_REASON, e.F_SHEET}
    with pytest.raises(ValidationFailed) as not_pdf:
        write(w, meetings.record_evaluation, **base, reason="Paper.", sheet_name="s.pdf",
              sheet=zip_file())  # fmt: skip
    assert set(not_pdf.value.errors) == {e.F_SHEET}
    for role in ("auditor", "approver_only", "executive", "admin"):
        with pytest.raises(PermissionDenied):
            write(w, meetings.record_evaluation, role, **base, **PROXY)
    evaluation_id = write(w, meetings.record_evaluation, **base, **PROXY)
    with read_session(w.engine) as s:
        ev = s.get(Evaluation, evaluation_id)
        assert ev is not None and ev.origin == "proxy" and ev.entered_by_id == w.staff.id
        assert ev.proxy_reason == PROXY["reason"]
        sheet = s.get(EvaluationSheet, evaluation_id)
        assert sheet is not None and sheet.content == PROXY["sheet"]
        progress = panelist.panel_progress(session=s, actor=w.staff, meeting_id=meeting_id)
        row = next(p for p in progress if p.item_id == t1 and p.expert_id == members[0])
        assert (row.origin, row.entered_by, row.proxy_reason) == (
            "proxy",
            w.staff.display_name,
            PROXY["reason"],
        )
        assert row.sheet_sha256 == hashlib.sha256(PROXY["sheet"]).hexdigest()
        assert all(p.origin is None for p in progress if p is not row)
        report = fairness_report(session=s, actor=w.actors["auditor"], live=True)
        flags = report.flags[report.flags["kind"] == "proxy_scores"]
        assert list(zip(flags["meeting_id"], flags["expert_id"], strict=True)) == [
            (meeting_id, members[0])
        ]


def test_panel_progress_is_for_meeting_readers(w: World) -> None:
    meeting_id, members = held(w)
    me = expert_actor(w, members[0])
    for who in (me, w.actors["executive"], w.actors["admin"]):
        with pytest.raises(PermissionDenied):
            read_as(w, who, panelist.panel_progress, meeting_id=meeting_id)
    assert read_as(w, w.actors["auditor"], panelist.panel_progress, meeting_id=meeting_id)


# --- reminders ---------------------------------------------------------------------------------


def reminder(name: str, declarations: int, scores: int) -> mail.Letter:
    return mail.Letter("Waiting for you", f"{name}: {declarations} / {scores}", "en")


def remind(w: World, actor: str = "staff", **kw: Any) -> panelist.Reminded:
    with write_session(w.engine) as s:
        return panelist.remind_panel(
            session=s,
            actor=w.actors[actor],
            meeting_id=kw.pop("meeting_id"),
            compose=reminder,
            deliver=False,
            **kw,
        )


def test_staff_remind_the_members_who_owe_a_declaration_or_scores(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    done_id, owing_id, *others = members
    done, owing = expert_actor(w, done_id), expert_actor(w, owing_id)
    # one member has declared a conflict on the first item and scored the second: owes nothing
    as_expert(w, done, panelist.declare, item_id=t1, conflict=True, statement="My client.")
    as_expert(w, done, panelist.declare, item_id=t2, conflict=False, statement="No tie.")
    as_expert(w, done, panelist.score, item_id=t2, scores=PASSING)
    # another has declared on one item only: owes a declaration and both score sheets
    as_expert(w, owing, panelist.declare, item_id=t1, conflict=False, statement="No tie.")
    for role in ("auditor", "approver_only", "executive"):
        with pytest.raises(PermissionDenied):
            remind(w, role, meeting_id=meeting_id)
    first = remind(w, meeting_id=meeting_id, now=dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC))
    with read_session(w.engine) as s:
        names = dict(s.execute(select(Expert.id, Expert.name)).all())
        address = s.execute(select(User.email).where(User.id == owing.id)).scalar_one()
        sent = [m for m in mail.messages_to(s, address) if m.kind == panelist.REMINDER_KIND]
        assert [m.body for m in sent] == [f"{names[owing_id]}: 1 / 2"]
        assert not [
            m for m in mail.messages_to(s, done.username) if m.kind == panelist.REMINDER_KIND
        ]
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "meeting.remind"))
        assert json.loads(event.scalar_one().after or "")["reminded"] == [names[owing_id]]
    assert first.sent == [names[owing_id]]
    # the members without an account are listed for a call, not mailed
    assert sorted(first.no_account) == sorted(names[x] for x in others)
    assert first.owing == 1 + len(others)
    # pressed again the same evening: nobody is mailed twice; the next day, again
    again = remind(w, meeting_id=meeting_id, now=dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    assert again.sent == [] and again.recent == [names[owing_id]]
    later = remind(w, meeting_id=meeting_id, now=dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC))
    assert later.sent == [names[owing_id]]


def test_nobody_is_reminded_of_a_closed_window(w: World) -> None:
    meeting_id, members = held(w)
    t1, t2 = items_of(w, meeting_id)
    expert_actor(w, members[0])
    for item in (t1, t2):
        for x in members:
            write(w, meetings.record_evaluation, item_id=item, expert_id=x, scores=PASSING, **PROXY)
        write(w, meetings.record_decision, item_id=item, reason="Scores pass.")
    done = remind(w, meeting_id=meeting_id)
    assert (done.sent, done.no_account, done.owing) == ([], [], 0)
