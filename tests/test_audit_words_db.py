"""The audit trail in words, data side, on SQLite and PostgreSQL: records named by their human
numbers (registration number, meeting code), actors by name and role, sign-ins apart."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from db import audit
from db.audit import trail
from db.audit.trail import AuditFilters
from db.errors import PermissionDenied
from db.models import Adoption, Meeting, Organization, Technology
from db.session import read_session, write_session
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401  (fixture)

T0 = dt.datetime(2020, 3, 2, 1, 0, tzinfo=dt.UTC)


def _records(engine: Engine) -> tuple[int, int, int]:
    with write_session(engine) as s:
        org = Organization(name_ko="가나건설", name_en="Gana Construction", kind="company",
                           region="KR-27", created_at=T0)  # fmt: skip
        s.add(org)
        s.flush()
        tech = Technology(reg_no="AB-2020-007", title_ko="투수 포장", title_en="Permeable paving",
                          owner_org_id=org.id, is_local=True, field="roads",
                          growth_sector="medical", submitted_on=T0.date())  # fmt: skip
        s.add(tech)
        s.flush()
        adoption = Adoption(technology_id=tech.id, project_name="매곡정수장 개량공사",
                            department="상수도사업본부", budget_krw=1, year=2020,
                            justification="-", proposed_on=T0.date())  # fmt: skip
        meeting = Meeting(code="NTP-2020-03", kind="adoption_review", title="제3차",
                          scheduled_on=T0.date())  # fmt: skip
        s.add_all([adoption, meeting])
        s.flush()
        return tech.id, adoption.id, meeting.id


@pytest.mark.usefixtures("cheap_bcrypt")
def test_records_and_actors_by_name(migrated_engine: Engine) -> None:
    auditor = actor_of(migrated_engine, make_user(migrated_engine, "auditor.kim", ["auditor"]))
    chief = actor_of(migrated_engine, make_user(migrated_engine, "chief", ["staff", "approver"]))
    tech_id, adoption_id, meeting_id = _records(migrated_engine)
    with read_session(migrated_engine) as s:
        names = trail.name_events(
            session=s,
            actor=auditor,
            records=[
                ("technology", str(tech_id)),
                ("adoption", str(adoption_id)),
                ("meeting", str(meeting_id)),
                ("technology", "99999"),
                ("import", None),
            ],
            actor_ids=[chief.id, None],
        )
        with pytest.raises(PermissionDenied):
            trail.name_events(session=s, actor=chief, records=[], actor_ids=[])
    assert names.records[("technology", str(tech_id))].number == "AB-2020-007"
    adoption = names.records[("adoption", str(adoption_id))]
    assert (adoption.number, adoption.detail_ko) == ("AB-2020-007", "매곡정수장 개량공사")
    assert names.records[("meeting", str(meeting_id))].number == "NTP-2020-03"
    assert ("technology", "99999") not in names.records  # gone: the caller shows the id
    assert chief.id is not None
    assert names.actors[chief.id].roles == ("approver", "staff")


@pytest.mark.usefixtures("cheap_bcrypt")
def test_sign_ins_apart_from_the_rest(migrated_engine: Engine) -> None:
    auditor = actor_of(migrated_engine, make_user(migrated_engine, "auditor.kim", ["auditor"]))
    with write_session(migrated_engine) as s:
        for action in ("signin.success", "technology.submit", "signin.session", "meeting.hold"):
            audit.append(s, actor_id=None, actor_name="kim", action=action, entity="user",
                         entity_id=1)  # fmt: skip

    def actions(filters: AuditFilters) -> list[str]:
        with read_session(migrated_engine) as s:
            df, _info = trail.events_page(session=s, actor=auditor, filters=filters)
        return [a for a in df["action"] if a != "user.create"]

    assert actions(AuditFilters(sign_ins=True)) == ["signin.session", "signin.success"]
    assert actions(AuditFilters(sign_ins=False)) == ["meeting.hold", "technology.submit"]
    assert actions(AuditFilters(sign_ins=False, action="signin.", action_prefix=True)) == []
    assert actions(AuditFilters(sign_ins=True, action="signin.session")) == ["signin.session"]
    assert len(actions(AuditFilters())) == 4
