"""Lifecycles as data (``db.domain.TRANSITIONS``), on SQLite and PostgreSQL.

Every status write asks the lifecycle whether its step exists (``domain.allows``, directly
or through ``domain.require_transition``). Proved write by write: each one, run for a step
of its lifecycle, asks for exactly that step and succeeds; with that step taken out of the
table it is refused and changes nothing. And every step that is not in a table is refused by
the writes that could attempt it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db import adoptions, approvals, clock, domain, intercity, meetings, models, technologies
from db.errors import DomainError
from db.policy import Actor
from db.session import read_session, write_session
from tests import deliberation_data as dd
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

MODELS: dict[str, Any] = {
    "technology": models.Technology,
    "adoption": models.Adoption,
    "testbed": models.Testbed,
    "inquiry": models.Inquiry,
}


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    roles = {"staff": ["staff"], "approver": ["approver"]}
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", r))
        for name, r in roles.items()
    }


def test_the_tables_name_known_statuses_and_return_for_rework() -> None:
    statuses = {
        "technology": domain.TECH_STATUSES,
        "adoption": domain.ADOPTION_STATUSES,
        "testbed": domain.TESTBED_STATUSES,
        "inquiry": domain.INQUIRY_STATUSES,
    }
    assert set(domain.TRANSITIONS) == set(statuses)
    for kind, table in domain.TRANSITIONS.items():
        assert set(table) == set(statuses[kind]), kind
        assert all(set(nexts) <= set(statuses[kind]) for nexts in table.values()), kind
    assert domain.allows("adoption", "under_review", "proposed")  # returned for rework
    assert domain.final_statuses("testbed") == ("rejected", "certified")
    assert domain.reachable("inquiry", "received", "benchmarked")
    assert not domain.reachable("inquiry", "answered", "received")


# --- records in a given status ------------------------------------------------------------


def _inquiry(s: Any, status: str) -> int:
    days = dict(
        zip(
            ("answered_on", "visit_on", "benchmarked_on"),
            (dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)),
            strict=True,
        )
    )
    reached = domain.INQUIRY_STATUSES.index(status)
    dated = list(days)[:reached]
    inquiry = models.Inquiry(
        org_id=wd.org(s),
        received_on=dt.date(2026, 3, 1),
        channel="email",
        topic="벤치마킹 문의",
        status=status,
        **{k: v for k, v in days.items() if k in dated},
    )
    s.add(inquiry)
    s.flush()
    return int(inquiry.id)


def record_in(engine: Engine, kind: str, status: str, proposer: Actor) -> int:
    with write_session(engine) as s:
        if kind == "technology":
            return wd.tech(s, wd.org(s), status=status)
        if kind == "adoption":
            return wd.adoption(s, wd.tech(s, wd.org(s)), proposer.id, status=status)
        if kind == "testbed":
            return wd.testbed(s, wd.tech(s, wd.org(s)), status=status)
        return _inquiry(s, status)


def status_of(engine: Engine, kind: str, record_id: int) -> str:
    return wd.status_of(engine, MODELS[kind], record_id)


def write(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


# --- the writes that take a step ----------------------------------------------------------

TODAY_MINUS = dt.timedelta(days=3)


def _testbed_details(to: str) -> dict[str, Any]:
    today = clock.city_today()
    details: dict[str, dict[str, Any]] = {
        "in_progress": {
            "site": "시험 현장",
            "started_on": today - TODAY_MINUS,
            "planned_end_on": today + TODAY_MINUS,
        },
        "completed": {"completed_on": today},
        "certified": {"certification": "patent"},
    }
    return details.get(to, {})


def move(
    engine: Engine, people: dict[str, Actor], kind: str, record_id: int, start: str, to: str
) -> None:
    """Ask the write of ``kind`` to move the record from ``start`` to ``to`` (proposing and
    confirming, where a step is proposed)."""
    staff, approver = people["staff"], people["approver"]
    if kind == "technology":
        pid = write(
            engine,
            technologies.move_technology,
            actor=staff,
            tech_id=record_id,
            to=to,
            expected=start,
            reason="사유",
        )
        if pid is not None:
            _confirm(engine, approver, pid)
    elif kind == "testbed":
        if to in ("selected", "rejected"):
            with write_session(engine) as s:
                wd.select_testbed(s, record_id, "passed" if to == "selected" else "failed")
        pid = write(
            engine,
            approvals.propose_testbed_step,
            actor=staff,
            testbed_id=record_id,
            to=to,
            expected=start,
            **_testbed_details(to),
        )
        _confirm(engine, approver, pid)
    elif kind == "inquiry":
        write(
            engine,
            intercity.move_inquiry,
            actor=staff,
            inquiry_id=record_id,
            to=to,
            on=clock.city_today(),
            expected=start,
        )
    elif to == "under_review":  # put before an adoption review meeting
        meeting_id = write(
            engine,
            meetings.schedule_meeting,
            actor=staff,
            kind="adoption_review",
            title="도입 심의",
            scheduled_on=clock.city_today() + dt.timedelta(days=20),
        )
        write(
            engine,
            meetings.add_agenda_item,
            actor=staff,
            meeting_id=meeting_id,
            adoption_id=record_id,
        )
    else:
        decision = {v: k for k, v in adoptions.writes.OUTCOMES.items()}[to]
        with write_session(engine) as s:
            wd.recommend(s, record_id)
        write(
            engine,
            adoptions.decide_adoption,
            actor=approver,
            adoption_id=record_id,
            decision=decision,
            comment="검토",
        )


def _confirm(engine: Engine, approver: Actor, proposal_id: int) -> None:
    write(
        engine,
        approvals.decide_proposal,
        actor=approver,
        proposal_id=proposal_id,
        decision="approve",
        comment="확인",
    )


# --- every impossible step is refused ------------------------------------------------------


def impossible(kind: str) -> list[tuple[str, str]]:
    table = domain.TRANSITIONS[kind]
    return [(a, b) for a, b in itertools.permutations(table, 2) if not domain.allows(kind, a, b)]


@pytest.mark.parametrize("kind", list(domain.TRANSITIONS))
def test_every_impossible_step_is_refused(
    migrated_engine: Engine, people: dict[str, Actor], kind: str
) -> None:
    pairs = impossible(kind)
    assert pairs
    for start, to in pairs:
        record_id = record_in(migrated_engine, kind, start, people["staff"])
        with pytest.raises(DomainError):
            move(migrated_engine, people, kind, record_id, start, to)
        assert status_of(migrated_engine, kind, record_id) == start, (kind, start, to)


# --- every status write asks the table, for its own step ------------------------------------


@dataclass(frozen=True)
class Step:
    """A status write taking one step: ``run(engine, people)`` returns (record id, check)
    where the check tells whether the step happened."""

    kind: str
    start: str
    to: str
    via: str  # which write


STEPS = [
    *(
        Step("technology", a, b, "technologies.move_technology + approvals.decide_proposal")
        for a, b in (
            ("submitted", "screening"),
            ("screening", "under_review"),
            ("registered", "expired"),
            ("registered", "withdrawn"),
        )
    ),
    *(
        Step("technology", "under_review", b, "meetings.record_decision")
        for b in ("registered", "rejected")
    ),
    Step("adoption", "proposed", "under_review", "meetings.add_agenda_item (adoption)"),
    *(
        Step("adoption", "under_review", b, "adoptions.decide_adoption")
        for b in ("approved", "rejected", "proposed")
    ),
    *(
        Step("testbed", a, b, "approvals.propose_testbed_step + approvals.decide_proposal")
        for a, b in (
            ("applied", "selected"),
            ("applied", "rejected"),
            ("selected", "in_progress"),
            ("in_progress", "completed"),
            ("completed", "certified"),
        )
    ),
    *(
        Step("inquiry", a, b, "intercity.move_inquiry")
        for a, b in (
            ("received", "answered"),
            ("answered", "visit_held"),
            ("answered", "benchmarked"),
            ("visit_held", "benchmarked"),
        )
    ),
]


def test_the_steps_cover_every_table() -> None:
    covered = {(s.kind, s.start, s.to) for s in STEPS}
    every = {(k, a, b) for k, table in domain.TRANSITIONS.items() for a in table for b in table[a]}
    assert covered == every


def _registration_review(
    engine: Engine, step: Step
) -> tuple[Callable[[], None], Callable[[], str]]:
    """A registration review of a technology under review, driven through ``db.meetings``
    up to its decision, scored to pass or fail."""
    w = dd.build(engine)
    meeting_id, members = dd.held(w, items=("t1",))
    [item] = dd.items_of(w, meeting_id)
    dd.score_all(w, item, members, dd.PASSING if step.to == "registered" else dd.FAILING)

    def decide() -> None:
        dd.write(w, meetings.record_decision, item_id=item, reason="심의 결과")

    return decide, lambda: status_of(engine, "technology", w.techs["t1"])


def _direct(
    engine: Engine, people: dict[str, Actor], step: Step
) -> tuple[Callable[[], None], Callable[[], str]]:
    record_id = record_in(engine, step.kind, step.start, people["staff"])
    return (
        lambda: move(engine, people, step.kind, record_id, step.start, step.to),
        lambda: status_of(engine, step.kind, record_id),
    )


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.kind}:{s.start}->{s.to}")
def test_each_status_write_asks_the_table_for_its_step(
    migrated_engine: Engine,
    people: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
    step: Step,
) -> None:
    if step.via == "meetings.record_decision":
        run, status = _registration_review(migrated_engine, step)
    else:
        run, status = _direct(migrated_engine, people, step)
    asked: list[tuple[str, str, str]] = []
    allows = domain.allows

    def spy(kind: str, start: str, to: str) -> bool:
        asked.append((kind, start, to))
        return allows(kind, start, to)

    monkeypatch.setattr(domain, "allows", spy)
    # without the step in the table the write is refused and changes nothing ...
    table = domain.TRANSITIONS[step.kind]
    with monkeypatch.context() as m:
        m.setitem(table, step.start, tuple(s for s in table[step.start] if s != step.to))
        with pytest.raises(DomainError):
            run()
    assert status() == step.start, step.via
    assert (step.kind, step.start, step.to) in asked, step.via
    # ... and with it, the same write takes the step, having asked for it
    asked.clear()
    run()
    assert status() == step.to, step.via
    assert (step.kind, step.start, step.to) in asked, step.via


def test_a_step_proposed_before_the_table_changed_is_checked_again_on_confirmation(
    migrated_engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    tech_id = record_in(migrated_engine, "technology", "registered", people["staff"])
    pid = write(
        migrated_engine,
        technologies.move_technology,
        actor=people["staff"],
        tech_id=tech_id,
        to="withdrawn",
        expected="registered",
        reason="기업 요청",
    )
    monkeypatch.setitem(domain.TECH_TRANSITIONS, "registered", ("expired",))
    with pytest.raises(DomainError):
        _confirm(migrated_engine, people["approver"], pid)
    assert status_of(migrated_engine, "technology", tech_id) == "registered"
    with read_session(migrated_engine) as s:
        still = s.execute(select(models.Proposal.status).where(models.Proposal.id == pid))
        assert still.scalar() == "pending"
