"""Workflow rules called on ``db/`` directly, on SQLite and PostgreSQL.

The heart is a role x action x relation table: every role set against every workflow
action, and for decisions every relation to the item (proposer, editor, other). Every
disallowed cell must be refused *and* leave a ``permission.denied`` audit event, with the
record unchanged; every allowed cell must change the record and leave its own event.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from db import adoptions, approvals, clock, lost_edits, models, policy, technologies
from db.adoptions import writes as adoption_writes
from db.approvals import screen
from db.city import store as city_store
from db.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from db.models import Adoption, Proposal, Technology
from db.policy import Actor
from db.session import read_session, write_session
from db.technologies import writes as technology_writes
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

ROLE_SETS: dict[str, list[str]] = {
    "executive": ["executive"],
    "auditor": ["auditor"],
    "admin": ["admin"],
    "staff": ["staff"],
    "approver": ["approver"],
    "staff+approver": ["staff", "approver"],
}
RELATIONS = ("proposer", "editor", "other")


def write(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


def read(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with read_session(engine) as s:
        return fn(session=s, **kwargs)


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    """One account per role set, plus a second staff member and a second approver."""
    out: dict[str, Actor] = {}
    for name, roles in ROLE_SETS.items():
        username = name.replace("+", "-") + ".user"
        out[name] = actor_of(migrated_engine, make_user(migrated_engine, username, roles))
    out["staff2"] = actor_of(migrated_engine, make_user(migrated_engine, "staff2.user", ["staff"]))
    out["approver2"] = actor_of(
        migrated_engine, make_user(migrated_engine, "approver2.user", ["approver"])
    )
    return out


def adoption_with(engine: Engine, actor: Actor, relation: str, proposer: Actor) -> int:
    """An adoption under review, recommended, to which ``actor`` stands in ``relation``."""
    with write_session(engine) as s:
        owner = wd.org(s)
        proposer_id = actor.id if relation == "proposer" else proposer.id
        aid = wd.adoption(s, wd.tech(s, owner), proposer_id)
        wd.recommend(s, aid)
        if relation == "editor":
            assert actor.id is not None
            wd.mark_edited(s, aid, actor.id, actor.username)
    return aid


def expect_refused(
    engine: Engine,
    run: Callable[[], Any],
    error: type[Exception],
    actor: Actor,
    check_unchanged: Callable[[], None],
) -> None:
    before = len(wd.events(engine, "permission.denied"))
    head = len(wd.events(engine))
    with pytest.raises(error) as caught:
        run()
    assert type(caught.value) is error
    denied = wd.events(engine, "permission.denied")
    assert len(denied) == before + 1, "refusal not audited"
    assert denied[-1].actor_id == actor.id
    # only the refusal was recorded: the refused write left no event
    assert len(wd.events(engine)) == head + 1
    check_unchanged()


# --- decisions: role x decision x relation -----------------------------------------------


def expected_decision(roles: list[str], decision: str, relation: str) -> type[Exception] | None:
    if "approver" not in roles:
        return PermissionDenied
    if relation == "proposer":
        return policy.OwnProposal
    if relation == "editor" and decision == "approve":
        return policy.EditedByActor
    return None


@pytest.mark.parametrize("decision", ["approve", "reject", "return"])
@pytest.mark.parametrize("role", list(ROLE_SETS))
def test_decide_adoption_table(
    migrated_engine: Engine, people: dict[str, Actor], role: str, decision: str
) -> None:
    actor = people[role]
    for relation in RELATIONS:
        aid = adoption_with(migrated_engine, actor, relation, people["staff2"])
        expected = expected_decision(ROLE_SETS[role], decision, relation)

        def run(aid: int = aid) -> None:
            write(
                migrated_engine,
                adoptions.decide_adoption,
                actor=actor,
                adoption_id=aid,
                decision=decision,
                comment="검토 의견",
            )

        if expected is None:
            run()
            new = {"approve": "approved", "reject": "rejected", "return": "proposed"}[decision]
            assert wd.status_of(migrated_engine, Adoption, aid) == new, (role, relation)
            ev = wd.events(migrated_engine, f"adoption.{decision}", aid)
            assert len(ev) == 1 and ev[0].actor_id == actor.id and ev[0].reason == "검토 의견"
        else:
            expect_refused(
                migrated_engine,
                run,
                expected,
                actor,
                functools.partial(_assert_status, migrated_engine, Adoption, aid, "under_review"),
            )


def _assert_status(engine: Engine, model: Any, record_id: int, status: str) -> None:
    assert wd.status_of(engine, model, record_id) == status


# --- proposals and edits: role x action (x relation for edits) ---------------------------


@pytest.mark.parametrize("role", list(ROLE_SETS))
def test_edit_adoption_table(migrated_engine: Engine, people: dict[str, Actor], role: str) -> None:
    actor = people[role]
    for relation in RELATIONS:
        aid = adoption_with(migrated_engine, actor, relation, people["staff2"])

        def run(aid: int = aid) -> None:
            write(
                migrated_engine,
                adoptions.edit_adoption,
                actor=actor,
                adoption_id=aid,
                expected="under_review",
                version=1,
                project_name="수정된 사업",
                department="도로과",
                budget_krw=99_000_000,
                year=2026,
                justification="공기 단축",
                reason="예산 조정",
            )

        if "staff" in ROLE_SETS[role]:
            run()
            edits = wd.events(migrated_engine, "adoption.edit", aid)
            assert edits[-1].actor_id == actor.id
            with read_session(migrated_engine) as s:
                a = s.get(Adoption, aid)
                assert a is not None
                assert (a.project_name, a.budget_krw, a.updated_by_id) == (
                    "수정된 사업",
                    99_000_000,
                    actor.id,
                )
        else:
            expect_refused(migrated_engine, run, PermissionDenied, actor, lambda: None)


@pytest.mark.parametrize("role", list(ROLE_SETS))
def test_propose_and_register_table(
    migrated_engine: Engine, people: dict[str, Actor], role: str
) -> None:
    """Staff-only writes: propose an adoption, register a submission, move a technology,
    propose ending a registration, propose a testbed step."""
    actor = people[role]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        registered = wd.tech(s, owner)
        submitted = wd.tech(s, owner, status="submitted")
        to_end = wd.tech(s, owner)
        tb = wd.testbed(s, wd.tech(s, owner), status="selected")
    staff = "staff" in ROLE_SETS[role]
    cells: list[tuple[str, Callable[[], Any], Callable[[], None]]] = [
        (
            "propose",
            lambda: write(
                migrated_engine,
                adoptions.propose_adoption,
                actor=actor,
                technology_id=registered,
                project_name="신천대로 보수",
                department="도로과",
                budget_krw=300_000_000,
                year=2026,
                justification="유지관리비 절감",
            ),
            lambda: None,
        ),
        (
            "register",
            lambda: write(
                migrated_engine,
                technologies.register_technology,
                actor=actor,
                title_ko="투수 블록",
                title_en="Permeable block",
                owner_org_id=owner,
                field="roads",
                growth_sector="none",
                certification="none",
                summary=None,
            ),
            lambda: None,
        ),
        (
            "move",
            lambda: write(
                migrated_engine,
                technologies.move_technology,
                actor=actor,
                tech_id=submitted,
                to="screening",
                expected="submitted",
                reason="",
            ),
            lambda: _assert_status(migrated_engine, Technology, submitted, "submitted"),
        ),
        (
            "propose_withdraw",
            lambda: write(
                migrated_engine,
                technologies.move_technology,
                actor=actor,
                tech_id=to_end,
                to="withdrawn",
                expected="registered",
                reason="업체 요청",
            ),
            lambda: _assert_status(migrated_engine, Technology, to_end, "registered"),
        ),
        (
            "propose_testbed_step",
            lambda: write(
                migrated_engine,
                approvals.propose_testbed_step,
                actor=actor,
                testbed_id=tb,
                to="in_progress",
                expected="selected",
                site="달서구 보도",
                started_on=dt.date(2026, 11, 2),
                planned_end_on=dt.date(2027, 5, 31),
            ),
            lambda: None,
        ),
    ]
    for name, run, unchanged in cells:
        if staff:
            run()
        else:
            expect_refused(migrated_engine, run, PermissionDenied, actor, unchanged)
    if staff:
        assert wd.status_of(migrated_engine, Technology, submitted) == "screening"
        assert wd.status_of(migrated_engine, Technology, to_end) == "registered"  # proposed only
        with read_session(migrated_engine) as s:
            assert s.execute(select(Proposal.id)).scalars().all()


@pytest.mark.parametrize("role", list(ROLE_SETS))
def test_decide_step_proposal_table(
    migrated_engine: Engine, people: dict[str, Actor], role: str
) -> None:
    actor = people[role]
    for relation in ("proposer", "other"):
        with write_session(migrated_engine) as s:
            tb = wd.testbed(s, wd.tech(s, wd.org(s)), status="selected")
            pid = approvals.propose_testbed_step(
                session=s,
                actor=people["staff2"],
                testbed_id=tb,
                to="in_progress",
                expected="selected",
                site="달서구 보도",
                started_on=dt.date(2026, 11, 2),
                planned_end_on=dt.date(2027, 5, 31),
            )
            if relation == "proposer":
                s.execute(
                    update(Proposal).where(Proposal.id == pid).values(proposed_by_id=actor.id)
                )

        def run(pid: int = pid) -> None:
            write(
                migrated_engine,
                approvals.decide_proposal,
                actor=actor,
                proposal_id=pid,
                decision="approve",
                comment="착수 승인",
            )

        if "approver" not in ROLE_SETS[role]:
            expected: type[Exception] | None = PermissionDenied
        elif relation == "proposer":
            expected = policy.OwnProposal
        else:
            expected = None
        if expected is None:
            run()
            assert wd.status_of(migrated_engine, models.Testbed, tb) == "in_progress"
            assert wd.events(migrated_engine, "testbed.start", tb)[-1].actor_id == actor.id
        else:
            expect_refused(
                migrated_engine,
                run,
                expected,
                actor,
                functools.partial(_assert_status, migrated_engine, models.Testbed, tb, "selected"),
            )


# --- the meeting recommendation ------------------------------------------------------------


def approve(engine: Engine, actor: Actor, aid: int, comment: str = "승인함") -> None:
    write(
        engine,
        adoptions.decide_adoption,
        actor=actor,
        adoption_id=aid,
        decision="approve",
        comment=comment,
    )


def test_approval_needs_a_meeting_recommendation(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    approver, proposer = people["approver"], people["staff2"]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        none = wd.adoption(s, wd.tech(s, owner), proposer.id)
        failed = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, failed, decision="failed")
        deferred = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, deferred, decision="deferred")
        not_held = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, not_held, meeting_id=wd.meeting(s, status="scheduled", held=False))
        wrong_kind = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, wrong_kind, meeting_id=wd.meeting(s, kind="registration_review"))
        overturned = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, overturned, decided_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
        wd.recommend(
            s, overturned, decision="failed", decided_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
        )
        good = wd.adoption(s, wd.tech(s, owner), proposer.id)
        wd.recommend(s, good)
    for aid in (none, failed, deferred, not_held, wrong_kind, overturned):
        with pytest.raises(DomainError) as caught:
            approve(migrated_engine, approver, aid)
        assert caught.value.message == adoption_writes.NOT_RECOMMENDED, aid
        assert wd.status_of(migrated_engine, Adoption, aid) == "under_review"
        assert not wd.events(migrated_engine, "adoption.approve", aid)
    # rejecting needs no recommendation (a failed meeting is the usual reason)
    write(
        migrated_engine,
        adoptions.decide_adoption,
        actor=approver,
        adoption_id=failed,
        decision="reject",
        comment="심의 부결에 따라 반려",
    )
    assert wd.status_of(migrated_engine, Adoption, failed) == "rejected"
    approve(migrated_engine, approver, good)
    assert wd.status_of(migrated_engine, Adoption, good) == "approved"
    with read_session(migrated_engine) as s:
        a = s.get(Adoption, good)
        assert a is not None
        assert a.decided_by_id == approver.id and a.decision_comment == "승인함"
        assert a.approved_on is not None


def test_an_edit_after_the_recommendation_needs_a_new_one(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, approver = people["staff"], people["approver"]
    [aid] = wd.under_review_adoptions(migrated_engine, people["staff2"].id or 0, 1)
    write(
        migrated_engine,
        adoptions.edit_adoption,
        actor=staff,
        adoption_id=aid,
        expected="under_review",
        version=1,
        project_name="시험 사업 변경",
        department="도로과",
        budget_krw=5_000_000_000,
        year=2026,
        justification="공기 단축",
    )
    with pytest.raises(DomainError) as caught:
        approve(migrated_engine, approver, aid)
    assert caught.value.message == adoption_writes.RECOMMENDATION_STALE
    ctx = read(migrated_engine, approvals.decision_context, actor=approver, adoption_id=aid)
    blocked = [b.message for b in ctx.blocked]
    assert ctx.can_approve is False and adoption_writes.RECOMMENDATION_STALE in blocked
    assert ctx.editors == ("Staff.User",)
    with write_session(migrated_engine) as s:
        wd.recommend(s, aid, decided_at=clock.now_utc() + dt.timedelta(seconds=1))
    approve(migrated_engine, approver, aid)  # another approver, new recommendation
    assert wd.status_of(migrated_engine, Adoption, aid) == "approved"


def test_return_sends_back_and_voids_the_recommendation(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    approver = people["approver"]
    [aid] = wd.under_review_adoptions(migrated_engine, people["staff2"].id or 0, 1)
    write(
        migrated_engine,
        adoptions.decide_adoption,
        actor=approver,
        adoption_id=aid,
        decision="return",
        comment="예산 근거 보완 바랍니다",
    )
    with read_session(migrated_engine) as s:
        a = s.get(Adoption, aid)
        assert a is not None
        assert (a.status, a.decision_comment, a.review_on) == (
            "proposed",
            "예산 근거 보완 바랍니다",
            None,
        )
    # back under review (by the deliberation work) with only the old recommendation
    with write_session(migrated_engine) as s:
        s.execute(update(Adoption).where(Adoption.id == aid).values(status="under_review"))
    with pytest.raises(DomainError) as caught:
        approve(migrated_engine, approver, aid)
    assert caught.value.message == adoption_writes.RECOMMENDATION_STALE


def test_comment_is_mandatory_and_decision_known(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    [aid] = wd.under_review_adoptions(migrated_engine, people["staff2"].id or 0, 1)
    for decision, comment, field in (
        ("approve", "   ", "comment"),
        ("reject", "", "comment"),
        ("return", "x" * 2001, "comment"),
        ("veto", "이유", "decision"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            write(
                migrated_engine,
                adoptions.decide_adoption,
                actor=people["approver"],
                adoption_id=aid,
                decision=decision,
                comment=comment,
            )
        assert field in caught.value.errors
    assert wd.status_of(migrated_engine, Adoption, aid) == "under_review"
    assert not wd.events(migrated_engine, "adoption.approve")


def test_second_decision_gets_the_winners_name_and_time(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    [aid] = wd.under_review_adoptions(migrated_engine, people["staff2"].id or 0, 1)
    approve(migrated_engine, people["approver"], aid)
    before = len(wd.events(migrated_engine))
    for decision in ("approve", "reject", "return"):
        with pytest.raises(Conflict) as caught:
            write(
                migrated_engine,
                adoptions.decide_adoption,
                actor=people["approver2"],
                adoption_id=aid,
                decision=decision,
                comment="늦은 결정",
            )
        assert caught.value.params["by"] == "Approver.User"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", caught.value.params["at"])
        assert "Already decided by Approver.User at" in str(caught.value)
    assert len(wd.events(migrated_engine)) == before  # a lost race leaves no event
    with read_session(migrated_engine) as s:
        a = s.get(Adoption, aid)
        assert a is not None and a.decided_by_id == people["approver"].id


def test_deciding_what_no_meeting_reviewed_is_not_a_conflict(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(migrated_engine) as s:
        aid = wd.adoption(s, wd.tech(s, wd.org(s)), people["staff2"].id, status="proposed")
    with pytest.raises(DomainError) as caught:
        write(
            migrated_engine,
            adoptions.decide_adoption,
            actor=people["approver"],
            adoption_id=aid,
            decision="reject",
            comment="x",
        )
    assert not isinstance(caught.value, Conflict)
    with pytest.raises(NotFound):
        approve(migrated_engine, people["approver"], 999_999)


# --- proposing and editing adoptions ----------------------------------------------------


def propose(engine: Engine, actor: Actor, **overrides: Any) -> int:
    fields: dict[str, Any] = dict(
        project_name="달서구 보도 정비",
        department="도로과",
        budget_krw=250_000_000,
        year=clock.city_today().year,
        justification="유지관리비 절감",
    )
    fields.update(overrides)
    return int(write(engine, adoptions.propose_adoption, actor=actor, **fields))


def test_propose_adoption_validates_each_field(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        registered, submitted = wd.tech(s, owner), wd.tech(s, owner, status="submitted")
    with pytest.raises(ValidationFailed) as caught:
        propose(
            migrated_engine,
            staff,
            technology_id=submitted,
            project_name=" ",
            department="",
            budget_krw=0,
            year=1999,
            justification="",
        )
    assert caught.value.errors == {
        "technology_id": adoption_writes.NOT_REGISTERED,
        "project_name": "This field is required.",
        "department": "This field is required.",
        "budget_krw": adoption_writes.BUDGET_INVALID,
        "year": adoption_writes.YEAR_INVALID,
        "justification": "This field is required.",
    }
    aid = propose(migrated_engine, staff, technology_id=registered)
    with read_session(migrated_engine) as s:
        a = s.get(Adoption, aid)
        assert a is not None
        assert (a.status, a.proposed_by_id, a.updated_by_id) == ("proposed", staff.id, staff.id)
    [ev] = wd.events(migrated_engine, "adoption.propose", aid)
    assert ev.actor_id == staff.id and ev.reason == "유지관리비 절감"
    # the same technology, project and year again: a duplicate, whatever the spacing
    with pytest.raises(ValidationFailed) as caught:
        propose(
            migrated_engine,
            people["staff2"],
            technology_id=registered,
            project_name=" 달서구  보도 정비",
        )
    assert caught.value.errors == {"project_name": adoption_writes.DUPLICATE_ADOPTION}
    assert len(wd.events(migrated_engine, "adoption.propose")) == 1


def test_edit_only_while_open_and_records_the_change(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    [aid] = wd.under_review_adoptions(migrated_engine, people["staff2"].id or 0, 1)
    kwargs: dict[str, Any] = dict(
        actor=staff,
        adoption_id=aid,
        expected="under_review",
        version=1,
        project_name="시험 사업",
        department="도로관리과",
        budget_krw=120_000_000,
        year=2026,
        justification="공기 단축",
    )
    with read_session(migrated_engine) as s:
        a = s.get(Adoption, aid)
        assert a is not None
        kwargs["project_name"] = a.project_name
    write(migrated_engine, adoptions.edit_adoption, **kwargs)
    [ev] = wd.events(migrated_engine, "adoption.edit", aid)
    assert ev.before == '{"department":"도로과"}' and ev.after == '{"department":"도로관리과"}'
    kwargs["version"] = 2  # the edit incremented it
    with pytest.raises(DomainError) as caught:
        write(migrated_engine, adoptions.edit_adoption, **kwargs)  # nothing changed
    assert caught.value.message == lost_edits.NOTHING_CHANGED
    with pytest.raises(DomainError):
        write(migrated_engine, adoptions.edit_adoption, **{**kwargs, "expected": "proposed"})
    write(
        migrated_engine,
        adoptions.decide_adoption,
        actor=people["approver"],
        adoption_id=aid,
        decision="reject",
        comment="부적합",
    )
    with pytest.raises(Conflict):
        write(migrated_engine, adoptions.edit_adoption, **{**kwargs, "department": "건설과"})


# --- bulk decisions ----------------------------------------------------------------------


def test_decide_many_checks_and_audits_each_item(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    me, other = people["staff+approver"], people["staff2"]
    good = wd.under_review_adoptions(migrated_engine, other.id or 0, 2)
    own = wd.under_review_adoptions(migrated_engine, me.id or 0, 1)
    unrecommended = wd.under_review_adoptions(migrated_engine, other.id or 0, 1, recommended=False)
    decided = wd.under_review_adoptions(migrated_engine, other.id or 0, 1)
    approve(migrated_engine, people["approver"], decided[0])
    keys = [f"adoption:{i}" for i in (*good, *own, *unrecommended, *decided)] + ["adoption:999999"]
    denied_before = len(wd.events(migrated_engine, "permission.denied"))
    outcomes = write(
        migrated_engine,
        approvals.decide_many,
        actor=me,
        keys=keys,
        decision="approve",
        comment="일괄 승인",
    )
    assert [o.outcome for o in outcomes] == [
        "done",
        "done",
        "refused",
        "failed",
        "conflict",
        "failed",
    ]
    assert outcomes[2].message == policy.OwnProposal.message
    assert outcomes[3].message == adoption_writes.NOT_RECOMMENDED
    assert outcomes[4].params["by"] == "Approver.User"
    for aid in good:
        assert wd.status_of(migrated_engine, Adoption, aid) == "approved"
        assert wd.events(migrated_engine, "adoption.approve", aid)[0].actor_id == me.id
    assert wd.status_of(migrated_engine, Adoption, own[0]) == "under_review"
    denied = wd.events(migrated_engine, "permission.denied")
    assert len(denied) == denied_before + 1 and denied[-1].entity_id == str(own[0])
    with pytest.raises(ValidationFailed):
        write(
            migrated_engine,
            approvals.decide_many,
            actor=me,
            keys=keys,
            decision="approve",
            comment="",
        )
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            approvals.decide_many,
            actor=people["staff"],
            keys=keys,
            decision="approve",
            comment="x",
        )


# --- technologies: registration numbers, duplicates, moves -------------------------------


def register(
    engine: Engine, actor: Actor, owner: int | None, title: str, **kw: Any
) -> tuple[int, str]:
    fields: dict[str, Any] = dict(
        title_ko=title,
        title_en=kw.pop("title_en", f"{title} (en)"),
        owner_org_id=owner,
        field="roads",
        growth_sector="none",
        certification="none",
        summary=None,
    )
    fields.update(kw)
    result: tuple[int, str] = write(engine, technologies.register_technology, actor=actor, **fields)
    return result


def test_registration_numbers_follow_the_city_style(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    year = clock.city_today().year
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        s.add(
            Technology(
                reg_no=f"DG-{year}-007",
                title_ko="기존",
                title_en="Existing",
                owner_org_id=owner,
                is_local=True,
                field="roads",
                growth_sector="none",
                status="registered",
                submitted_on=dt.date(year, 1, 2),
            )
        )
        s.add(
            Technology(
                reg_no=f"DG-{year - 1}-120",
                title_ko="작년",
                title_en="Last year",
                owner_org_id=owner,
                is_local=True,
                field="roads",
                growth_sector="none",
                status="registered",
                submitted_on=dt.date(year - 1, 1, 2),
            )
        )
    tid, reg_no = register(migrated_engine, staff, owner, "신형 포장재")
    assert reg_no == f"DG-{year}-008"
    assert re.fullmatch(r"DG-\d{4}-\d{3}", reg_no)
    _tid2, reg_no2 = register(migrated_engine, staff, owner, "다른 포장재")
    assert reg_no2 == f"DG-{year}-009"
    with read_session(migrated_engine) as s:
        t = s.get(Technology, tid)
        assert t is not None
        assert (t.status, t.created_by_id, t.is_local) == ("submitted", staff.id, True)
    [ev] = wd.events(migrated_engine, "technology.submit", tid)
    assert f'"reg_no":"{reg_no}"' in (ev.after or "")


def test_registration_numbers_are_unique_under_concurrency(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        start.wait()
        try:
            for j in range(3):
                results.append(
                    register(migrated_engine, people["staff"], owner, f"기술 {i}-{j}")[1]
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == len(set(results)) == 24
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, 25))


def test_duplicate_submissions_are_caught_per_field(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff = people["staff"]
    with write_session(migrated_engine) as s:
        owner, other_owner = wd.org(s), wd.org(s)
    register(migrated_engine, staff, owner, "스마트 가로등", title_en="Smart Street Light")
    with pytest.raises(ValidationFailed) as caught:
        register(migrated_engine, staff, owner, " 스마트  가로등", title_en="smart street light")
    assert caught.value.errors == {
        "title_ko": technology_writes.DUPLICATE_TITLE,
        "title_en": technology_writes.DUPLICATE_TITLE,
    }
    with pytest.raises(ValidationFailed) as caught:
        register(migrated_engine, staff, owner, "다른 이름", title_en="SMART street light")
    assert caught.value.errors == {"title_en": technology_writes.DUPLICATE_TITLE}
    register(migrated_engine, staff, other_owner, "스마트 가로등", title_en="Smart Street Light")
    with write_session(migrated_engine) as s:
        s.execute(
            update(Technology).where(Technology.owner_org_id == owner).values(status="rejected")
        )
    register(migrated_engine, staff, owner, "스마트 가로등", title_en="Smart Street Light")
    with pytest.raises(ValidationFailed) as caught:
        register(
            migrated_engine,
            staff,
            None,
            "",
            title_en="",
            field="space",
            growth_sector="x",
            certification="y",
        )
    assert set(caught.value.errors) == {
        "title_ko",
        "title_en",
        "owner_org_id",
        "field",
        "growth_sector",
        "certification",
    }


def test_technology_moves(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    staff, staff2, approver = people["staff"], people["staff2"], people["approver"]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        tid = wd.tech(s, owner, status="submitted")
        registered = wd.tech(s, owner)

    def move(actor: Actor, to: str, expected: str, tech_id: int = tid, reason: str = "") -> Any:
        return write(
            migrated_engine,
            technologies.move_technology,
            actor=actor,
            tech_id=tech_id,
            to=to,
            expected=expected,
            reason=reason,
        )

    assert move(staff, "screening", "submitted") is None
    with pytest.raises(Conflict) as caught:  # someone saw the old state
        move(staff2, "screening", "submitted")
    assert caught.value.params["by"] == "Staff.User"
    with pytest.raises(ValidationFailed):
        move(staff, "submitted", "screening")
    move(staff2, "under_review", "screening")
    with read_session(migrated_engine) as s:
        t = s.get(Technology, tid)
        assert t is not None
        assert (t.status, t.screening_on is not None, t.review_on is not None) == (
            "under_review",
            True,
            True,
        )
    with pytest.raises(DomainError) as caught_meeting:
        move(staff, "registered", "under_review")
    assert caught_meeting.value.message == technology_writes.MEETING_DECIDES
    actions = [e.action for e in wd.events(migrated_engine, entity_id=tid, entity="technology")]
    assert actions == ["technology.screen", "technology.review"]
    # ending a registration: a proposal with a reason, confirmed by another approver
    with pytest.raises(ValidationFailed):
        move(staff, "withdrawn", "registered", registered, reason="")
    pid = move(staff, "withdrawn", "registered", registered, reason="업체 폐업")
    assert wd.status_of(migrated_engine, Technology, registered) == "registered"
    with pytest.raises(DomainError):  # one open proposal per record
        move(staff2, "expired", "registered", registered, reason="기간 만료")
    write(
        migrated_engine,
        approvals.decide_proposal,
        actor=approver,
        proposal_id=pid,
        decision="approve",
        comment="폐업 확인",
    )
    with read_session(migrated_engine) as s:
        t = s.get(Technology, registered)
        assert t is not None and t.status == "withdrawn" and t.ended_on is not None
    [ev] = wd.events(migrated_engine, "technology.withdraw", registered)
    assert ev.actor_id == approver.id and f'"proposal_id":{pid}' in (ev.after or "")


# --- testbeds ------------------------------------------------------------------------------


def test_testbed_steps_each_proposed_and_confirmed(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, approver = people["staff"], people["approver"]
    with write_session(migrated_engine) as s:
        tb = wd.testbed(s, wd.tech(s, wd.org(s)))

    def step(to: str, expected: str, **details: Any) -> int:
        return int(
            write(
                migrated_engine,
                approvals.propose_testbed_step,
                actor=staff,
                testbed_id=tb,
                to=to,
                expected=expected,
                **details,
            )
        )

    def confirm(pid: int, decision: str = "approve") -> None:
        write(
            migrated_engine,
            approvals.decide_proposal,
            actor=approver,
            proposal_id=pid,
            decision=decision,
            comment="확인",
        )

    with pytest.raises(DomainError) as caught:
        step("selected", "applied")
    assert "selection meeting" in caught.value.message
    with write_session(migrated_engine) as s:
        wd.select_testbed(s, tb)
    confirm(step("selected", "applied"))
    with pytest.raises(ValidationFailed) as invalid:
        step("in_progress", "selected", site="", started_on=dt.date(2026, 12, 1),
             planned_end_on=dt.date(2026, 11, 1))  # fmt: skip
    assert set(invalid.value.errors) == {"site", "planned_end_on"}
    declined = step("in_progress", "selected", site="동구 배수지", started_on=dt.date(2026, 11, 1),
                    planned_end_on=dt.date(2027, 3, 31))  # fmt: skip
    confirm(declined, "reject")
    assert wd.status_of(migrated_engine, models.Testbed, tb) == "selected"
    assert wd.events(migrated_engine, "proposal.decline", declined)
    confirm(step("in_progress", "selected", site="동구 배수지", started_on=dt.date(2026, 11, 1),
                 planned_end_on=dt.date(2027, 3, 31)))  # fmt: skip
    with pytest.raises(ValidationFailed):
        step("completed", "in_progress", completed_on=dt.date(2030, 1, 1))
    confirm(step("completed", "in_progress", completed_on=dt.date(2026, 11, 2)))
    with pytest.raises(ValidationFailed):
        step("certified", "completed", certification="none")
    confirm(step("certified", "completed", certification="green_technology"))
    with read_session(migrated_engine) as s:
        t = s.get(models.Testbed, tb)
        assert t is not None
        assert (t.status, t.site, t.started_on, t.completed_on, t.certification) == (
            "certified",
            "동구 배수지",
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 2),
            "green_technology",
        )
    actions = [e.action for e in wd.events(migrated_engine, entity_id=tb, entity="testbed")]
    assert actions == ["testbed.select", "testbed.start", "testbed.complete", "testbed.certify"]
    with pytest.raises(Conflict):  # deciding a closed proposal again
        confirm(declined)


# --- reads --------------------------------------------------------------------------------


def test_work_queue_and_pending_decisions(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    me, other = people["staff+approver"], people["staff2"]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        submitted = wd.tech(s, owner, status="submitted")
        reviewing = wd.tech(s, owner, status="under_review")
        free = wd.tech(s, owner)
        taken = wd.tech(s, owner)
        wd.adoption(s, taken, other.id, status="proposed")
    mine = propose(migrated_engine, me, technology_id=free)
    queue = read(migrated_engine, approvals.work_queue, actor=me)
    assert set(vars(queue)) == {"to_screen", "to_propose", "awaiting_meeting", "my_proposals"}
    assert queue.to_screen["id"].tolist() == [submitted]
    assert queue.to_screen["next_status"].tolist() == ["screening"]
    assert free not in queue.to_propose["id"].tolist()
    assert taken not in queue.to_propose["id"].tolist()
    waiting = set(zip(queue.awaiting_meeting["kind"], queue.awaiting_meeting["id"]))
    assert ("technology", reviewing) in waiting and ("adoption", mine) in waiting
    assert queue.my_proposals["key"].tolist() == [f"adoption:{mine}"]
    with pytest.raises(PermissionDenied):
        read(migrated_engine, approvals.work_queue, actor=people["approver"])

    own = wd.under_review_adoptions(migrated_engine, me.id or 0, 1)
    theirs = wd.under_review_adoptions(migrated_engine, other.id or 0, 1)
    bare = wd.under_review_adoptions(migrated_engine, other.id or 0, 1, recommended=False)
    pending = read(migrated_engine, approvals.pending_decisions, actor=me)
    assert pending["key"].tolist() == [f"adoption:{theirs[0]}", f"adoption:{bare[0]}"]
    assert pending["can_approve"].tolist() == [True, False]
    assert pending["approve_blocked"].tolist()[1] == adoption_writes.NOT_RECOMMENDED
    everything = read(migrated_engine, approvals.pending_decisions, actor=me, include_excluded=True)
    row = everything[everything["key"] == f"adoption:{own[0]}"].iloc[0]
    assert not row["can_decide"] and row["excluded_reason"]
    ctx = read(migrated_engine, approvals.decision_context, actor=me, adoption_id=theirs[0])
    assert ctx.can_approve and ctx.recommendation.recommended
    assert ctx.deliberations["decision"].tolist() == ["passed"]
    # one column per criterion of the meeting's regulation, in the city's order (no list in code)
    with read_session(migrated_engine) as s:
        city_criteria = [t.code for t in city_store.terms(s, "criteria")]
    scored = list(ctx.deliberations.columns[len(screen.DELIBERATION_COLUMNS) :])
    assert scored == city_criteria and scored
    assert ctx.technology.owner_en.startswith("Test Company")
    with pytest.raises(PermissionDenied):
        read(migrated_engine, approvals.pending_decisions, actor=people["staff"])
