"""A record's history (``db.audit.trail.record_history``), SQLite and PostgreSQL:
newest first, paged with a total, step proposals included, open to every register reader,
and experts' phone and e-mail withheld from whoever may not see personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from db import approvals, audit, experts
from db.audit import trail as trail
from db.errors import PermissionDenied
from db.models import AuditEvent
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

ROLES = {
    "staff": ["staff"],
    "staff2": ["staff"],
    "auditor": ["auditor"],
    "executive": ["executive"],
    "approver": ["approver"],
    "admin": ["admin"],
}


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", roles))
        for name, roles in ROLES.items()
    }


def _history(engine: Engine, actor: Actor, entity: str, record_id: int, **kw: object):  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return trail.record_history(
            session=s, actor=actor, entity=entity, entity_id=record_id, **kw
        )


def _expert(engine: Engine, staff: Actor) -> int:
    with write_session(engine) as s:
        org = wd.org(s)
    expert_id: int = 0
    with write_session(engine) as s:
        expert_id = experts.add_expert(
            session=s,
            actor=staff,
            name="박 전문",
            organization_id=org,
            affiliation="public",
            fields=["roads"],
            registered_on=dt.date(2025, 1, 2),
            phone="010-1234-5678",
            email="park@example.kr",
        )
    with write_session(engine) as s:
        experts.edit_expert(
            session=s,
            actor=staff,
            expert_id=expert_id,
            version=1,
            name="박 전문",
            organization_id=org,
            affiliation="public",
            fields=["roads"],
            phone="010-9999-0000",
            email="park@example.kr",
            reason="연락처 변경",
        )
    return expert_id


@pytest.mark.parametrize(
    ("role", "sees"),
    [("staff", True), ("auditor", True), ("executive", False), ("approver", False)],
)
def test_experts_personal_data_in_history_follows_the_register_rule(
    migrated_engine: Engine, people: dict[str, Actor], role: str, sees: bool
) -> None:
    expert_id = _expert(migrated_engine, people["staff"])
    hist = _history(migrated_engine, people[role], "expert", expert_id)
    assert list(hist.events["action"]) == ["expert.edit", "expert.add"]
    edit, add = hist.events.to_dict("records")
    assert edit["reason"] == "연락처 변경" and edit["actor_name"] == "staff.user"
    texts = repr(hist.events.to_dict("records"))
    if sees:
        assert edit["before"] == {"phone": "010-1234-5678"}
        assert edit["after"] == {"phone": "010-9999-0000"}
        assert add["after"]["email"] == "park@example.kr"
    else:
        assert edit["before"] == {"phone": trail.WITHHELD}
        assert edit["after"] == {"phone": trail.WITHHELD}
        assert add["after"]["email"] == trail.WITHHELD and add["after"]["name"] == "박 전문"
        for secret in ("010-1234-5678", "010-9999-0000", "park@example.kr"):
            assert secret not in texts


def test_newest_first_in_pages_with_the_total(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(migrated_engine) as s:
        tid = wd.tech(s, wd.org(s))
        for n in range(25):
            audit.append(
                s,
                actor_id=people["staff"].id,
                actor_name="staff.user",
                action="technology.edit",
                entity="technology",
                entity_id=tid,
                before={"summary": str(n)},
                after={"summary": str(n + 1)},
                reason=f"고침 {n}",
            )
            audit.append(  # another record's event in between: never part of this history
                s, actor_id=None, actor_name="system", action="x.y", entity="technology",
                entity_id=tid + 1000,
            )  # fmt: skip
    first = _history(migrated_engine, people["executive"], "technology", tid, limit=10)
    assert first.total == 25 and first.has_older and len(first.events) == 10
    assert list(first.events["reason"]) == [f"고침 {n}" for n in range(24, 14, -1)]
    assert first.events["actor_display_name"].iloc[0] == "Staff.User"
    last_id = int(first.events["id"].iloc[-1])
    rest = _history(
        migrated_engine, people["staff"], "technology", tid, limit=100, before_id=last_id
    )
    assert not rest.has_older and rest.total == 25
    assert list(rest.events["reason"]) == [f"고침 {n}" for n in range(14, -1, -1)]


def test_a_testbeds_history_includes_its_step_proposals(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    staff, approver = people["staff"], people["approver"]
    with write_session(migrated_engine) as s:
        tbid = wd.testbed(s, wd.tech(s, wd.org(s)), status="selected")
    with write_session(migrated_engine) as s:
        pid = approvals.propose_testbed_step(
            session=s,
            actor=staff,
            testbed_id=tbid,
            to="in_progress",
            expected="selected",
            site="수성구 시험 현장",
            started_on=dt.date(2026, 9, 1),
            planned_end_on=dt.date(2027, 3, 1),
        )
    with write_session(migrated_engine) as s:
        approvals.decide_proposal(
            session=s, actor=approver, proposal_id=pid, decision="approve", comment="현장 적정"
        )
    hist = _history(migrated_engine, people["executive"], "testbed", tbid)
    assert list(hist.events["action"]) == ["testbed.start", "proposal.create"]
    assert list(hist.events["entity"]) == ["testbed", "proposal"]
    assert hist.events["reason"].iloc[0] == "현장 적정"


def test_admins_without_a_register_role_are_refused_and_audited(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    with pytest.raises(PermissionDenied), write_session(migrated_engine) as s:
        trail.record_history(session=s, actor=people["admin"], entity="expert", entity_id=1)
    with read_session(migrated_engine) as s:
        denied = s.execute(
            select(AuditEvent).where(AuditEvent.action == "permission.denied")
        ).scalar_one()
    assert (denied.actor_name, denied.entity, denied.entity_id) == ("admin.user", "expert", "1")
