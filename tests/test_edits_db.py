"""Staff edits on ``db/`` directly (SQLite and PostgreSQL): lost-edit protection, per-field
validation and duplicates, experts and organizations.

Lost-edit protection (one mechanism, ``db.lost_edits``, for all six edited records:
adoptions, technologies, testbeds, experts, inquiries, agreements): two officials open the
same record (both see the same version); the first saves; the second's edit is refused with
one message naming the first and the time, nothing of theirs is written, no audit event is
recorded for it, and the version moved on by exactly one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db import adoptions, experts, models, technologies, testbeds
from db import intercity as ic
from db.errors import DomainError, PermissionDenied, ValidationFailed
from db.experts import writes as expert_writes
from db.lost_edits import StaleEdit
from db.models import Adoption, AuditEvent, Expert, ExpertField, ExpertTie, Technology
from db.policy import Actor
from db.session import read_session, write_session
from db.technologies.writes import DUPLICATE_TITLE
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401


def write(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    out = {}
    for name, roles in {
        "kim": ["staff"],
        "lee": ["staff"],
        "approver": ["approver"],
        "executive": ["executive"],
    }.items():
        out[name] = actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", roles))
    return out


def _events(engine: Engine, action: str, entity_id: int) -> int:
    with read_session(engine) as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.entity_id == str(entity_id))
            ).scalar_one()
        )


def _version(engine: Engine, model: Any, record_id: int) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(model.version).where(model.id == record_id)).scalar_one())


def _adoption_edit(aid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=adoptions.edit_adoption,
        adoption_id=aid,
        expected="under_review",
        version=version,
        project_name="시험 사업 수정",
        department=department,
        budget_krw=150_000_000,
        year=2026,
        justification="공기 단축",
    )


def _tech_edit(tid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=technologies.edit_technology,
        tech_id=tid,
        version=version,
        title_ko="시험 기술 " + department,
        title_en="Test technology " + department,
        field="roads",
        growth_sector="none",
        certification="patent",
    )


def _testbed_edit(tbid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=testbeds.edit_testbed, testbed_id=tbid, version=version, site="현장 " + department
    )


def _expert_edit(eid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=experts.edit_expert,
        expert_id=eid,
        version=version,
        name="홍길동",
        organization_id=_ORG[0],
        affiliation="industry",
        fields=["roads", "bridges"],
        position=department,
    )


def _inquiry_edit(iid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=ic.edit_inquiry,
        inquiry_id=iid,
        version=version,
        received_on=dt.date(2026, 1, 5),
        channel="email",
        topic="운영 현황 문의 " + department,
        org_id=_ORG[0],
    )


def _agreement_edit(aid: int, version: int, department: str) -> dict[str, Any]:
    return dict(
        fn=ic.edit_agreement,
        agreement_id=aid,
        version=version,
        kind="mou",
        status="planned",
        title_ko="신기술 협약 " + department,
        planned_on=dt.date(2026, 1, 5),
        partner_org_id=_ORG[0],
    )


_ORG: list[int] = []


def _records(engine: Engine, staff: Actor) -> dict[str, tuple[Any, int, Callable[..., Any]]]:
    """One record of each kind: (model, id, edit kwargs maker)."""
    with write_session(engine) as s:
        owner = wd.org(s)
        tid = wd.tech(s, owner)
        aid = wd.adoption(s, wd.tech(s, owner), staff.id)
        tbid = wd.testbed(s, wd.tech(s, owner), status="selected")
    _ORG[:] = [owner]
    eid = write(
        engine,
        experts.add_expert,
        actor=staff,
        name="홍길동",
        organization_id=owner,
        affiliation="industry",
        fields=["roads"],
        registered_on=dt.date(2026, 1, 5),
    )
    iid = write(
        engine,
        ic.log_inquiry,
        actor=staff,
        received_on=dt.date(2026, 1, 5),
        channel="call",
        topic="운영 현황 문의",
        org_id=owner,
    )
    agid = write(
        engine,
        ic.create_agreement,
        actor=staff,
        kind="mou",
        status="planned",
        title_ko="신기술 협약",
        planned_on=dt.date(2026, 1, 5),
        partner_org_id=owner,
    )
    return {
        "adoption": (Adoption, aid, _adoption_edit),
        "technology": (Technology, tid, _tech_edit),
        "testbed": (models.Testbed, tbid, _testbed_edit),
        "expert": (Expert, eid, _expert_edit),
        "inquiry": (models.Inquiry, iid, _inquiry_edit),
        "agreement": (models.Agreement, agid, _agreement_edit),
    }


def _all_events(engine: Engine) -> list[tuple[Any, ...]]:
    with read_session(engine) as s:
        cols = AuditEvent.__table__.columns
        return [tuple(r) for r in s.execute(select(*cols).order_by(AuditEvent.id)).all()]


EDITED = ["adoption", "technology", "testbed", "expert", "inquiry", "agreement"]


@pytest.mark.parametrize("entity", EDITED)
def test_a_second_edit_on_an_old_version_is_refused_and_overwrites_nothing(
    migrated_engine: Engine, people: dict[str, Actor], entity: str
) -> None:
    kim, lee = people["kim"], people["lee"]
    model, record_id, edit = _records(migrated_engine, kim)[entity]
    seen = _version(migrated_engine, model, record_id)  # both open the record now
    first = edit(record_id, seen, "first")
    write(migrated_engine, first.pop("fn"), actor=kim, **first)
    with read_session(migrated_engine) as s:
        saved = {c.key: getattr(s.get(model, record_id), c.key) for c in model.__table__.columns}
    edits_before = _events(migrated_engine, f"{entity}.edit", record_id)
    trail_before = _all_events(migrated_engine)

    second = edit(record_id, seen, "second")
    with pytest.raises(StaleEdit) as refused:
        write(migrated_engine, second.pop("fn"), actor=lee, **second)

    # the same sentence for every record: who saved it (display name) and when (KST)
    assert refused.value.params["by"] == "Kim.User"  # the first editor's display name
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", refused.value.params["at"])
    assert str(refused.value) == (
        f"Kim.User saved this record at {refused.value.params['at']}, after you opened it. "
        "Nothing was saved: reload the record to see their changes, then make your edit again."
    )
    assert _all_events(migrated_engine) == trail_before  # the audit trail is unchanged
    with read_session(migrated_engine) as s:
        now = {c.key: getattr(s.get(model, record_id), c.key) for c in model.__table__.columns}
    assert now == saved  # nothing of the second edit was written
    assert now["version"] == seen + 1
    assert _events(migrated_engine, f"{entity}.edit", record_id) == edits_before
    # Starting again from the current version works, and moves it on by one.
    third = edit(record_id, seen + 1, "third")
    write(migrated_engine, third.pop("fn"), actor=lee, **third)
    assert _version(migrated_engine, model, record_id) == seen + 2


def test_transitions_move_the_version_on_so_an_edit_from_before_is_refused(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    kim = people["kim"]
    with write_session(migrated_engine) as s:
        tid = wd.tech(s, wd.org(s), status="submitted")
    write(migrated_engine, technologies.move_technology, actor=kim, tech_id=tid, to="screening",
          expected="submitted")  # fmt: skip
    assert _version(migrated_engine, Technology, tid) == 2
    with pytest.raises(StaleEdit):
        write(
            migrated_engine,
            **_tech_edit(tid, 1, "x") | {"fn": technologies.edit_technology},
            actor=kim,
        )


def test_technology_edit_validates_per_field_and_catches_a_duplicate_title(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    kim = people["kim"]
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        wd.tech(s, owner, title="같은 제목")
        tid = wd.tech(s, owner)
    kwargs = _tech_edit(tid, 1, "x")
    kwargs.pop("fn")
    with pytest.raises(ValidationFailed) as bad:
        write(
            migrated_engine,
            technologies.edit_technology,
            actor=kim,
            **{**kwargs, "title_ko": "  같은   제목 ", "title_en": "", "field": "nonsense"},
        )
    assert bad.value.errors == {
        "title_ko": DUPLICATE_TITLE,
        "title_en": "This field is required.",
        "field": "Choose a value from the list.",
    }
    assert _version(migrated_engine, Technology, tid) == 1
    with pytest.raises(PermissionDenied):
        write(migrated_engine, technologies.edit_technology, actor=people["approver"], **kwargs)


def test_experts_added_edited_and_retired_with_fields_and_ties(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    kim = people["kim"]
    with write_session(migrated_engine) as s:
        home, firm = wd.org(s), wd.org(s)
    tie = experts.TieInput(organization_id=firm, kind="consulting", started_on=dt.date(2024, 3, 1))
    eid = write(
        migrated_engine,
        experts.add_expert,
        actor=kim,
        name="김 전문",
        organization_id=home,
        affiliation="academia",
        fields=["bridges", "roads"],
        registered_on=dt.date(2025, 5, 1),
        phone="053-120-1234",
        email="kim@example.kr",
        ties=[tie],
    )
    with pytest.raises(ValidationFailed) as dup:
        write(
            migrated_engine,
            experts.add_expert,
            actor=kim,
            name="김  전문",
            organization_id=home,
            affiliation="academia",
            fields=[],
            registered_on=dt.date(2099, 1, 1),
            email="not an address",
            phone="call me",
        )
    assert dup.value.errors == {
        "name": expert_writes.DUPLICATE_EXPERT,
        "fields": expert_writes.CHOOSE_FIELDS,
        "registered_on": expert_writes.DATE_IN_FUTURE,
        "email": expert_writes.BAD_EMAIL,
        "phone": expert_writes.BAD_PHONE,
    }
    version = write(
        migrated_engine,
        experts.edit_expert,
        actor=kim,
        expert_id=eid,
        version=1,
        name="김 전문",
        organization_id=home,
        affiliation="academia",
        fields=["roads"],
        phone="053-120-1234",
        email="kim@example.kr",
        ties=[tie, experts.TieInput(firm, "employment", dt.date(2020, 1, 1), dt.date(2022, 1, 1))],
        reason="분야 정리",
    )
    assert version == 2
    with read_session(migrated_engine) as s:
        fields = s.execute(select(ExpertField.field).where(ExpertField.expert_id == eid)).scalars()
        ties = s.execute(select(ExpertTie.kind).where(ExpertTie.expert_id == eid)).scalars()
        assert list(fields) == ["roads"]
        assert sorted(ties) == ["consulting", "employment"]
    with pytest.raises(ValidationFailed) as bad:
        write(migrated_engine, experts.retire_expert, actor=kim, expert_id=eid, version=2,
              retired_on=dt.date(2020, 1, 1), reason="")  # fmt: skip
    assert set(bad.value.errors) == {"retired_on", "reason"}
    write(migrated_engine, experts.retire_expert, actor=kim, expert_id=eid, version=2,
          retired_on=dt.date(2026, 6, 30), reason="본인 요청")  # fmt: skip
    with read_session(migrated_engine) as s:
        expert = s.get(Expert, eid)
        assert expert is not None
        assert (expert.retired_on, expert.version) == (dt.date(2026, 6, 30), 3)
    with pytest.raises(DomainError):
        write(migrated_engine, experts.retire_expert, actor=kim, expert_id=eid, version=3,
              retired_on=dt.date(2026, 7, 1), reason="다시")  # fmt: skip
    with read_session(migrated_engine) as s:
        actions = list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "expert", AuditEvent.entity_id == str(eid))
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == ["expert.add", "expert.edit", "expert.retire"]


def test_organizations_added_once(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    kim = people["kim"]
    oid = write(
        migrated_engine,
        experts.add_organization,
        actor=kim,
        name_ko="대구 시험 주식회사",
        name_en="Daegu Test Co.",
        kind="company",
        region="KR-27",
        is_local=True,
    )
    assert oid > 0
    with pytest.raises(ValidationFailed) as dup:
        write(migrated_engine, experts.add_organization, actor=kim, name_ko="대구  시험 주식회사",
              name_en="daegu test co.", kind="company", region="KR-27", is_local=True)  # fmt: skip
    assert dup.value.errors == {
        "name_ko": expert_writes.DUPLICATE_ORGANIZATION,
        "name_en": expert_writes.DUPLICATE_ORGANIZATION,
    }
    with pytest.raises(PermissionDenied):
        write(migrated_engine, experts.add_organization, actor=people["executive"], name_ko="x",
              name_en="x", kind="company", region=None, is_local=False)  # fmt: skip


NEW_WRITES: dict[
    str, tuple[Callable[..., Any], Callable[[Engine, dict[str, Any]], dict[str, Any]]]
] = {
    "technology.edit": (
        technologies.edit_technology,
        lambda e, r: {**_tech_edit(r["technology"], 1, "x"), "fn": None},
    ),
    "testbed.edit": (testbeds.edit_testbed, lambda e, r: {**_testbed_edit(r["testbed"], 1, "x")}),
    "adoption.edit": (
        adoptions.edit_adoption,
        lambda e, r: {**_adoption_edit(r["adoption"], 1, "x")},
    ),
    "expert.edit": (experts.edit_expert, lambda e, r: {**_expert_edit(r["expert"], 1, "x")}),
    "expert.retire": (
        experts.retire_expert,
        lambda e, r: dict(
            expert_id=r["expert"], version=1, retired_on=dt.date(2026, 2, 1), reason="사유"
        ),
    ),
    "expert.add": (
        experts.add_expert,
        lambda e, r: dict(
            name="새 전문가",
            organization_id=_ORG[0],
            affiliation="other",
            fields=["roads"],
            registered_on=dt.date(2026, 1, 5),
        ),
    ),
    "organization.add": (
        experts.add_organization,
        lambda e, r: dict(
            name_ko="새 기관", name_en="New body", kind="company", region=None, is_local=False
        ),
    ),
}


@pytest.mark.parametrize("role", ["executive", "approver"])
def test_only_staff_edit_and_every_refusal_is_audited(
    migrated_engine: Engine, people: dict[str, Actor], role: str
) -> None:
    records = {k: v[1] for k, v in _records(migrated_engine, people["kim"]).items()}
    actor = people[role]
    for action, (fn, make) in NEW_WRITES.items():
        kwargs = make(migrated_engine, records)
        kwargs.pop("fn", None)
        with pytest.raises(PermissionDenied), write_session(migrated_engine) as s:
            fn(session=s, actor=actor, **kwargs)
        with read_session(migrated_engine) as s:
            denied = s.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "permission.denied")
                .order_by(AuditEvent.id.desc())
                .limit(1)
            ).scalar_one()
        assert denied.actor_id == actor.id and action in (denied.after or ""), action
    with read_session(migrated_engine) as s:  # nothing changed
        versions = [
            s.execute(select(m.version).where(m.id == records[k])).scalar_one()
            for k, m in (("technology", Technology), ("adoption", Adoption), ("expert", Expert))
        ]
    assert versions == [1, 1, 1]
