"""Inquiries and agreements in ``db/`` on SQLite and PostgreSQL: every rule and refusal,
one audit event per write and none for a failed write, stale edits refused naming who
won, and the aggregates against the demo data hand-counted as of 2019-08-08."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from db import clock, domain, models
from db import intercity as ic
from db.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from db.intercity import agreement_reads as ar
from db.intercity import analysis as q
from db.lost_edits import StaleEdit
from db.models import (
    Adoption,
    Agreement,
    AuditEvent,
    Inquiry,
    InquiryFollowup,
    Organization,
    Technology,
)
from db.policy import Actor
from db.session import read_session, write_session
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401 (fixture)

DAY = dt.timedelta(days=1)
AS_OF = dt.date(2019, 8, 8)


@dataclass(frozen=True)
class FromToday:
    """A date in a parameter table, given in days from the city's today and read when the
    test runs (a date computed at import would go stale when the run crosses midnight)."""

    days: int

    def __add__(self, other: dt.timedelta) -> FromToday:
        return FromToday(self.days + other.days)

    def __sub__(self, other: dt.timedelta) -> FromToday:
        return FromToday(self.days - other.days)

    @property
    def date(self) -> dt.date:
        return clock.city_today() + dt.timedelta(days=self.days)


def on_dates(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every :class:`FromToday` read as the date it is today."""
    return {k: v.date if isinstance(v, FromToday) else v for k, v in values.items()}


TODAY = FromToday(0)
NOW = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)


# Dates are checked against today: run at 00:30 in the city, when UTC is a day behind.
pytestmark = pytest.mark.usefixtures("city_after_midnight")


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    e = migrated_engine
    return {
        "staff": actor_of(e, make_user(e, "staff.one", ["staff"])),
        "staff2": actor_of(e, make_user(e, "staff.two", ["staff"])),
        "executive": actor_of(e, make_user(e, "mayor.office", ["executive"])),
        "auditor": actor_of(e, make_user(e, "bai.auditor", ["auditor"])),
        "approver": actor_of(e, make_user(e, "section.chief", ["approver"])),
        "admin": actor_of(e, make_user(e, "sys.admin", ["admin"])),
    }


def add_org(engine: Engine, name: str = "부산광역시", kind: str = "metropolitan_city") -> int:
    with write_session(engine) as s:
        o = Organization(
            name_ko=name, name_en=name, kind=kind, region="KR-26", country="KR", created_at=NOW
        )
        s.add(o)
        s.flush()
        return o.id


def events(engine: Engine, action: str | None = None) -> list[AuditEvent]:
    with read_session(engine) as s:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(s.execute(query).scalars())


def run(engine: Engine, fn: Callable[..., Any], **kw: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kw)


def refused(
    engine: Engine, fn: Callable[..., Any], error: type[Exception] = ValidationFailed, **kw: Any
) -> Any:
    """Run a write that must fail; nothing may be written (no audit event either)."""
    head = len(events(engine))
    with pytest.raises(error) as caught:
        run(engine, fn, **kw)
    assert len(events(engine)) == head, "a failed write left an audit event"
    return caught.value


def log(engine: Engine, actor: Actor, org_id: int, **kw: Any) -> int:
    values: dict[str, Any] = dict(
        received_on=clock.city_today() - 30 * DAY,
        channel="email",
        topic="플랫폼 운영 현황 문의",
        org_id=org_id,
    )
    values.update(kw)
    return int(run(engine, ic.log_inquiry, actor=actor, **values))


def inquiry(engine: Engine, inquiry_id: int) -> Inquiry:
    with read_session(engine) as s:
        row = s.get(Inquiry, inquiry_id)
        assert row is not None
        return row


# --- inquiries ------------------------------------------------------------------------------


def test_staff_logs_an_inquiry_with_one_audit_event(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    org = add_org(e)
    head = len(events(e))
    iid = log(e, people["staff"], org, contact_name="김주무관", note="방문 희망")
    row = inquiry(e, iid)
    assert (row.status, row.version, row.org_id, row.contact_name) == (
        "received",
        1,
        org,
        "김주무관",
    )
    new = events(e)[head:]
    assert [(ev.action, ev.entity, ev.entity_id) for ev in new] == [
        ("inquiry.receive", "inquiry", str(iid))
    ]
    assert new[0].actor_id == people["staff"].id


def test_an_inquiry_from_a_new_body_creates_it_in_the_same_transaction(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    new = ic.NewOrganization(
        name_ko="히로시마시", name_en="City of Hiroshima", kind="foreign_city", country="jp"
    )
    iid = log(e, people["staff"], None, new_org=new)
    with read_session(e) as s:
        org = s.execute(
            select(Organization).where(Organization.name_ko == "히로시마시")
        ).scalar_one()
    assert (org.kind, org.region, org.country) == ("foreign_city", None, "JP")
    assert inquiry(e, iid).org_id == org.id
    assert [ev.action for ev in events(e)][-2:] == ["organization.create", "inquiry.receive"]


@pytest.mark.parametrize("role", ["executive", "auditor", "approver", "admin"])
def test_only_staff_write_and_refusals_are_audited(
    migrated_engine: Engine, people: dict[str, Actor], role: str
) -> None:
    e = migrated_engine
    org = add_org(e)
    iid = log(e, people["staff"], org)
    actor = people[role]
    writes: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (
            ic.log_inquiry,
            dict(received_on=clock.city_today(), channel="call", topic="x", org_id=org),
        ),
        (ic.add_followup, dict(inquiry_id=iid, followed_on=clock.city_today(), note="x")),
        (
            ic.move_inquiry,
            dict(inquiry_id=iid, to="answered", on=clock.city_today(), expected="received"),
        ),
        (
            ic.edit_inquiry,
            dict(
                inquiry_id=iid,
                version=1,
                received_on=clock.city_today(),
                channel="call",
                topic="y",
                org_id=org,
            ),
        ),
        (
            ic.create_agreement,
            dict(
                kind="mou",
                status="planned",
                title_ko="협약",
                planned_on=clock.city_today(),
                partner_org_id=org,
            ),
        ),
    ]
    for fn, kw in writes:
        before = len(events(e))
        with pytest.raises(PermissionDenied):
            run(e, fn, actor=actor, **kw)
        new = events(e)[before:]
        assert [ev.action for ev in new] == ["permission.denied"], fn.__name__
        assert new[0].actor_id == actor.id
    assert inquiry(e, iid).status == "received"
    with read_session(e) as s:
        assert s.execute(select(func.count()).select_from(Inquiry)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Agreement)).scalar_one() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_on": TODAY + DAY}, "received_on"),
        ({"received_on": None}, "received_on"),
        ({"channel": "fax"}, "channel"),
        ({"topic": "  "}, "topic"),
        ({"topic": "x" * 301}, "topic"),
        ({"org_id": None}, "org_id"),
        ({"org_id": 999_999}, "org_id"),
        ({"org_id": None, "new_org": ic.NewOrganization("새 기관", kind="province")}, "org_region"),
        (
            {
                "org_id": None,
                "new_org": ic.NewOrganization(
                    "뉴욕시", kind="foreign_city", region="KR-11", country="US"
                ),
            },
            "org_region",
        ),
        (
            {
                "org_id": None,
                "new_org": ic.NewOrganization("외국 도시", kind="foreign_city", region="KR-11"),
            },
            "org_country",
        ),
        (
            {
                "org_id": None,
                "new_org": ic.NewOrganization(
                    "어딘가", kind="province", region="KR-11", country="Korea"
                ),
            },
            "org_country",
        ),
        (
            {
                "org_id": None,
                "new_org": ic.NewOrganization("어딘가", kind="spaceport", region="KR-11"),
            },
            "org_kind",
        ),
        (
            {
                "org_id": None,
                "new_org": ic.NewOrganization(
                    "부산광역시", kind="metropolitan_city", region="KR-26"
                ),
            },
            "org_name_ko",
        ),
    ],
)
def test_logging_refuses_bad_input_naming_the_field(
    migrated_engine: Engine, people: dict[str, Actor], change: dict[str, Any], field: str
) -> None:
    e = migrated_engine
    org = add_org(e)
    values: dict[str, Any] = dict(
        received_on=clock.city_today(), channel="email", topic="문의", org_id=org
    )
    values.update(on_dates(change))
    exc = refused(e, ic.log_inquiry, actor=people["staff"], **values)
    assert field in exc.errors, exc.errors
    with read_session(e) as s:
        assert s.execute(select(func.count()).select_from(Inquiry)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Organization)).scalar_one() == 1


def test_status_moves_forward_in_order_with_dated_steps(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e, staff = migrated_engine, people["staff"]
    iid = log(e, staff, add_org(e), received_on=clock.city_today() - 20 * DAY)
    move = ic.move_inquiry
    # no skipping the answer, no going backwards or sideways
    assert (
        "status"
        in refused(
            e,
            move,
            actor=staff,
            inquiry_id=iid,
            to="visit_held",
            on=clock.city_today(),
            expected="received",
        ).errors
    )
    assert (
        "status"
        in refused(
            e,
            move,
            actor=staff,
            inquiry_id=iid,
            to="received",
            on=clock.city_today(),
            expected="received",
        ).errors
    )
    # dates: not in the future, not before the inquiry was received
    assert refused(
        e,
        move,
        actor=staff,
        inquiry_id=iid,
        to="answered",
        on=clock.city_today() + DAY,
        expected="received",
    ).errors == {"on": "The date cannot be later than today."}
    assert (
        "on"
        in refused(
            e,
            move,
            actor=staff,
            inquiry_id=iid,
            to="answered",
            on=clock.city_today() - 21 * DAY,
            expected="received",
        ).errors
    )
    assert (
        "on"
        in refused(
            e, move, actor=staff, inquiry_id=iid, to="answered", on=None, expected="received"
        ).errors
    )

    run(
        e,
        move,
        actor=staff,
        inquiry_id=iid,
        to="answered",
        on=clock.city_today() - 15 * DAY,
        expected="received",
    )
    row = inquiry(e, iid)
    assert (row.status, row.answered_on, row.version) == (
        "answered",
        clock.city_today() - 15 * DAY,
        2,
    )
    # not before the previous step
    assert (
        "on"
        in refused(
            e,
            move,
            actor=staff,
            inquiry_id=iid,
            to="visit_held",
            on=clock.city_today() - 16 * DAY,
            expected="answered",
        ).errors
    )
    # the visit may be skipped: a body can adopt the scheme after the answer
    run(
        e,
        move,
        actor=staff,
        inquiry_id=iid,
        to="benchmarked",
        on=clock.city_today(),
        expected="answered",
    )
    row = inquiry(e, iid)
    assert (row.status, row.visit_on, row.benchmarked_on) == (
        "benchmarked",
        None,
        clock.city_today(),
    )
    # benchmarked is final
    assert (
        "status"
        in refused(
            e,
            move,
            actor=staff,
            inquiry_id=iid,
            to="visit_held",
            on=clock.city_today(),
            expected="benchmarked",
        ).errors
    )
    steps = [(ev.action, ev.before, ev.after) for ev in events(e) if ev.entity == "inquiry"][1:]
    assert [s[0] for s in steps] == ["inquiry.answer", "inquiry.benchmark"]
    assert steps[0][1] == '{"status":"received"}'


def test_a_step_someone_else_took_first_is_refused_naming_them(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    iid = log(e, people["staff"], add_org(e))
    run(
        e,
        ic.move_inquiry,
        actor=people["staff2"],
        inquiry_id=iid,
        to="answered",
        on=clock.city_today(),
        expected="received",
    )
    exc = refused(
        e,
        ic.move_inquiry,
        Conflict,
        actor=people["staff"],
        inquiry_id=iid,
        to="answered",
        on=clock.city_today(),
        expected="received",
    )
    assert exc.params["by"] == "Staff.Two"
    assert exc.params["at"].endswith("KST")
    assert inquiry(e, iid).version == 2


def test_followups_are_dated_and_audited(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    e, staff = migrated_engine, people["staff"]
    iid = log(e, staff, add_org(e), received_on=clock.city_today() - 10 * DAY)
    add = ic.add_followup
    assert (
        "followed_on"
        in refused(
            e, add, actor=staff, inquiry_id=iid, followed_on=clock.city_today() + DAY, note="x"
        ).errors
    )
    assert (
        "followed_on"
        in refused(
            e, add, actor=staff, inquiry_id=iid, followed_on=clock.city_today() - 11 * DAY, note="x"
        ).errors
    )
    assert (
        "note"
        in refused(
            e, add, actor=staff, inquiry_id=iid, followed_on=clock.city_today(), note=" "
        ).errors
    )
    refused(
        e, add, NotFound, actor=staff, inquiry_id=999_999, followed_on=clock.city_today(), note="x"
    )
    fid = run(
        e,
        add,
        actor=staff,
        inquiry_id=iid,
        followed_on=clock.city_today() - 2 * DAY,
        note="벤치마킹 자료 송부",
    )
    ev = events(e)[-1]
    assert (ev.action, ev.entity, ev.entity_id) == (
        "inquiry_followup.record",
        "inquiry_followup",
        str(fid),
    )
    with read_session(e) as s:
        f = s.get(InquiryFollowup, fid)
        assert f is not None and (f.inquiry_id, f.note) == (iid, "벤치마킹 자료 송부")


def test_a_concurrent_edit_is_refused_naming_who_changed_it(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    org = add_org(e)
    iid = log(e, people["staff"], org)
    base: dict[str, Any] = dict(
        inquiry_id=iid,
        version=1,
        received_on=clock.city_today() - 30 * DAY,
        channel="email",
        org_id=org,
    )
    # both opened version 1; staff2 saves first
    assert run(e, ic.edit_inquiry, actor=people["staff2"], topic="수정된 주제", **base) == 2
    exc = refused(e, ic.edit_inquiry, StaleEdit, actor=people["staff"], topic="다른 주제", **base)
    assert exc.params["by"] == "Staff.Two"
    row = inquiry(e, iid)
    assert (row.topic, row.version) == ("수정된 주제", 2)
    ev = events(e, "inquiry.edit")[-1]
    assert ev.before == '{"topic":"플랫폼 운영 현황 문의"}'
    assert ev.after == '{"topic":"수정된 주제"}'
    # a status step also changes the version, so an edit opened before it is refused
    run(
        e,
        ic.move_inquiry,
        actor=people["staff"],
        inquiry_id=iid,
        to="answered",
        on=clock.city_today() - 5 * DAY,
        expected="received",
    )
    refused(
        e,
        ic.edit_inquiry,
        StaleEdit,
        actor=people["staff2"],
        topic="또 다른 주제",
        **(base | {"version": 2}),
    )
    # nothing changed; received after a recorded step
    refused(
        e,
        ic.edit_inquiry,
        DomainError,
        actor=people["staff"],
        topic="수정된 주제",
        **(base | {"version": 3}),
    )
    exc = refused(
        e,
        ic.edit_inquiry,
        actor=people["staff"],
        topic="수정된 주제",
        **(base | {"version": 3, "received_on": clock.city_today() - 4 * DAY}),
    )
    assert "received_on" in exc.errors


# --- agreements -----------------------------------------------------------------------------

PAST, LONG_AGO, AHEAD = FromToday(-30), FromToday(-400), FromToday(300)


@pytest.mark.parametrize(
    ("status", "dates", "field"),
    [
        ("planned", {"signed_on": PAST}, "signed_on"),
        ("planned", {"starts_on": PAST}, "starts_on"),
        ("signed", {}, "signed_on"),
        ("signed", {"signed_on": PAST, "starts_on": PAST}, "starts_on"),
        ("active", {"signed_on": PAST}, "starts_on"),
        ("active", {"signed_on": PAST, "starts_on": AHEAD}, "starts_on"),
        ("active", {"signed_on": PAST, "starts_on": PAST - DAY}, "starts_on"),
        ("active", {"signed_on": PAST, "starts_on": PAST, "ends_on": PAST - DAY}, "ends_on"),
        ("active", {"signed_on": LONG_AGO, "starts_on": LONG_AGO, "ends_on": PAST}, "ends_on"),
        ("expired", {"signed_on": PAST, "starts_on": PAST, "ends_on": AHEAD}, "ends_on"),
        ("expired", {"signed_on": PAST, "starts_on": PAST}, "ends_on"),
        ("signed", {"signed_on": TODAY + DAY}, "signed_on"),
        ("signed", {"signed_on": LONG_AGO - DAY}, "signed_on"),
        ("planned", {"ends_on": AHEAD}, "starts_on"),
        ("ratified", {}, "status"),
    ],
)
def test_agreement_status_and_dates_must_agree(
    migrated_engine: Engine,
    people: dict[str, Actor],
    status: str,
    dates: dict[str, Any],
    field: str,
) -> None:
    e = migrated_engine
    org = add_org(e, "한국도로공사", "public_corporation")
    exc = refused(
        e,
        ic.create_agreement,
        actor=people["staff"],
        kind="mou",
        status=status,
        title_ko="신기술 활용 업무협약",
        planned_on=LONG_AGO.date,
        partner_org_id=org,
        **on_dates(dates),
    )
    assert field in exc.errors, exc.errors


@pytest.mark.parametrize(
    ("status", "dates"),
    [
        ("planned", {}),
        ("planned", {"starts_on": AHEAD, "ends_on": AHEAD + DAY}),
        ("signed", {"signed_on": PAST, "starts_on": AHEAD}),
        ("active", {"signed_on": PAST, "starts_on": PAST, "ends_on": AHEAD}),
        ("active", {"signed_on": PAST, "starts_on": TODAY}),
        ("expired", {"signed_on": LONG_AGO, "starts_on": LONG_AGO, "ends_on": PAST}),
    ],
)
def test_agreements_whose_status_and_dates_agree_are_recorded(
    migrated_engine: Engine, people: dict[str, Actor], status: str, dates: dict[str, Any]
) -> None:
    e = migrated_engine
    org = add_org(e, "한국도로공사", "public_corporation")
    aid = run(
        e,
        ic.create_agreement,
        actor=people["staff"],
        kind="mou",
        status=status,
        title_ko="신기술 활용 업무협약",
        planned_on=LONG_AGO.date,
        partner_org_id=org,
        **on_dates(dates),
    )
    with read_session(e) as s:
        a = s.get(Agreement, aid)
        assert a is not None and (a.status, a.title_en, a.version) == (
            status,
            "신기술 활용 업무협약",
            1,
        )
        # the stored status is what a date reading of today gives
        assert (
            s.execute(
                select(ar.agreement_status_on(clock.city_today())).where(Agreement.id == aid)
            ).scalar_one()
            == status
        )
    assert [(ev.action, ev.entity_id) for ev in events(e)[-1:]] == [("agreement.plan", str(aid))]


def test_agreement_edit_is_a_compare_and_set_on_its_version(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    org = add_org(e, "대구광역시교육청", "education_office")
    common: dict[str, Any] = dict(
        kind="mou",
        title_ko="학교 시설 신기술 적용 협약",
        planned_on=LONG_AGO.date,
        partner_org_id=org,
    )
    aid = run(e, ic.create_agreement, actor=people["staff"], status="planned", **common)
    signed: dict[str, Any] = dict(status="signed", signed_on=PAST.date, **common)
    assert (
        run(e, ic.edit_agreement, actor=people["staff2"], agreement_id=aid, version=1, **signed)
        == 2
    )
    exc = refused(
        e,
        ic.edit_agreement,
        StaleEdit,
        actor=people["staff"],
        agreement_id=aid,
        version=1,
        **(signed | {"scope": "다른 범위"}),
    )
    assert exc.params["by"] == "Staff.Two"
    refused(
        e,
        ic.edit_agreement,
        DomainError,
        actor=people["staff"],
        agreement_id=aid,
        version=2,
        **signed,
    )
    refused(
        e, ic.edit_agreement, NotFound, actor=people["staff"], agreement_id=999, version=1, **signed
    )
    ev = events(e, "agreement.edit")[-1]
    assert ev.before == '{"signed_on":null,"status":"planned"}'
    assert ev.after == f'{{"signed_on":"{PAST.date.isoformat()}","status":"signed"}}'


def _product(engine: Engine, kind: str, began: dt.date, status: str) -> int:
    tag = f"{kind}-{began.isoformat()}-{status}"
    with write_session(engine) as s:
        owner = Organization(
            name_ko=f"시험 기업 {tag}",
            name_en="Test Co",
            kind="company",
            region="KR-27",
            created_at=NOW,
        )
        s.add(owner)
        s.flush()
        tech = Technology(
            reg_no=f"T-{tag}",
            title_ko="시험 기술",
            title_en="Test technology",
            owner_org_id=owner.id,
            is_local=True,
            field="roads",
            growth_sector="none",
            status="registered",
            submitted_on=began - 100 * DAY,
        )
        s.add(tech)
        s.flush()
        if kind == "adoption":
            row: Adoption | models.Testbed = Adoption(
                technology_id=tech.id,
                project_name="시험 사업",
                department="도로과",
                budget_krw=1_000_000,
                year=began.year,
                justification="시험",
                status=status,
                proposed_on=began,
            )
        else:
            row = models.Testbed(
                technology_id=tech.id, site="시험 현장", status=status, applied_on=began
            )
        s.add(row)
        s.flush()
        return row.id


@pytest.mark.parametrize("kind", ["adoption", "testbed"])
def test_linking_what_an_agreement_produced(
    migrated_engine: Engine, people: dict[str, Actor], kind: str
) -> None:
    e, staff = migrated_engine, people["staff"]
    org = add_org(e, "경상북도", "province")
    base: dict[str, Any] = dict(
        kind="joint_operation",
        title_ko="공동운영 협약",
        planned_on=LONG_AGO.date,
        partner_org_id=org,
    )
    planned = run(e, ic.create_agreement, actor=staff, status="planned", **base)
    active = run(
        e,
        ic.create_agreement,
        actor=staff,
        status="active",
        signed_on=PAST.date,
        starts_on=PAST.date,
        **base,
    )
    ok = _product(e, kind, (PAST + DAY).date, "approved" if kind == "adoption" else "selected")
    early = _product(e, kind, (PAST - DAY).date, "approved" if kind == "adoption" else "selected")
    rejected = _product(e, kind, (PAST + DAY).date, "rejected")
    link = ic.link_product
    refused(e, link, DomainError, actor=staff, agreement_id=planned, kind=kind, product_id=ok)
    exc = refused(
        e, link, DomainError, actor=staff, agreement_id=active, kind=kind, product_id=early
    )
    assert exc.params["start"] == PAST.date.isoformat()
    refused(e, link, DomainError, actor=staff, agreement_id=active, kind=kind, product_id=rejected)
    refused(
        e,
        link,
        DomainError,
        actor=staff,
        agreement_id=active,
        kind=kind,
        product_id=ok,
        linked=False,
    )
    with pytest.raises(PermissionDenied):
        run(e, link, actor=people["auditor"], agreement_id=active, kind=kind, product_id=ok)

    head = len(events(e))
    run(e, link, actor=staff, agreement_id=active, kind=kind, product_id=ok)
    new = events(e)[head:]
    assert [(ev.action, ev.entity, ev.entity_id, ev.after) for ev in new] == [
        (f"{kind}.link_agreement", kind, str(ok), f'{{"agreement_id":{active}}}')
    ]
    refused(e, link, DomainError, actor=staff, agreement_id=active, kind=kind, product_id=ok)
    with read_session(e) as s:
        df = ar.agreements(session=s)
        row = df[df["id"] == active].iloc[0]
        adoptions, testbeds = ar.agreement_products(session=s, agreement_id=active)
        candidates = ar.link_candidates(session=s, agreement_id=active, kind=kind)
    produced = adoptions if kind == "adoption" else testbeds
    assert list(produced["id"]) == [ok]
    assert int(row["adoptions" if kind == "adoption" else "testbeds"]) == 1
    if kind == "adoption":
        assert int(row["adopted"]) == 1
    assert ok not in set(candidates["id"]) and early not in set(candidates["id"])
    run(e, link, actor=staff, agreement_id=active, kind=kind, product_id=ok, linked=False)
    assert events(e)[-1].action == f"{kind}.unlink_agreement"
    with read_session(e) as s:
        assert ar.link_candidates(session=s, agreement_id=active, kind=kind)["id"].tolist() == [ok]


# --- reads against the demo data ----------------------------------------------------------------


def test_inquiries_as_of_the_press_release(seeded_engine: Engine) -> None:
    """The press release of 2019-08-08: seven bodies had asked - the Board of Audit and
    Inspection, two ministries (in Sejong), Busan, Daejeon, Gyeonggi-do, Gyeongsangbuk-do."""
    with read_session(seeded_engine) as s:
        figures = q.summary(session=s, as_of=AS_OF, overdue_days=14)
        kinds = q.by_kind(session=s, as_of=AS_OF)
        regions = q.by_region(session=s, as_of=AS_OF)
        quarters = q.over_time(session=s, as_of=AS_OF, period="quarter")
        months = q.over_time(session=s, as_of=AS_OF, period="month")
        late, n_late = q.overdue(session=s, as_of=AS_OF, days=14)
    assert (figures["received"], figures["bodies"], figures["overdue"]) == (7, 7, 0)
    assert kinds.groupby("kind")["n"].sum().to_dict() == {
        "audit_body": 1,
        "ministry": 2,
        "metropolitan_city": 2,
        "province": 2,
    }
    counted = dict(zip(regions["region"], regions["inquiries"], strict=True))
    assert {r: n for r, n in counted.items() if n} == {
        "KR-11": 1,
        "KR-50": 2,
        "KR-26": 1,
        "KR-30": 1,
        "KR-41": 1,
        "KR-47": 1,
    }
    assert len(counted) == 18 and counted[q.ABROAD] == 0
    # April: the audit board's visit; the others "since then", May to July
    assert months.set_index("period")["received"].to_dict() == {
        "2019-04": 1,
        "2019-05": 2,
        "2019-06": 2,
        "2019-07": 2,
        "2019-08": 0,
    }
    assert quarters["received"].sum() == 7 and list(quarters["period"]) == ["2019-Q2", "2019-Q3"]
    assert n_late == 0 and late.empty
    # by then nobody had benchmarked yet; the audit board had visited
    assert figures["now_benchmarked"] == 0
    assert kinds[(kinds["kind"] == "audit_body")]["status"].tolist() == ["visit_held"]


def test_overdue_list_matches_the_rule_counted_by_hand(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        rows = s.execute(select(Inquiry.id, Inquiry.received_on, Inquiry.answered_on)).all()
        for as_of, days in (
            (dt.date(2026, 11, 20), 14),
            (dt.date(2019, 6, 1), 3),
            (dt.date(2020, 1, 1), 0),
        ):
            expected = sorted(
                (r.received_on, r.id)
                for r in rows
                if r.received_on < as_of - dt.timedelta(days=days)
                and (r.answered_on is None or r.answered_on > as_of)
            )
            df, total = q.overdue(session=s, as_of=as_of, days=days)
            assert total == len(expected)
            assert list(df["id"]) == [i for _d, i in expected]
            assert list(df["days_waiting"]) == [(as_of - d).days for d, _i in expected]
            assert q.summary(session=s, as_of=as_of, overdue_days=days)["overdue"] == total
        with pytest.raises(ValueError):
            q.overdue(session=s, as_of=AS_OF, days=-1)


def test_agreements_as_of_the_press_release_and_their_products(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        then = ar.agreements(session=s, as_of=AS_OF)
        now = ar.agreements(session=s)
        testbeds = dict(
            s.execute(
                select(models.Testbed.agreement_id, func.count())
                .where(
                    models.Testbed.agreement_id.is_not(None), models.Testbed.status != "rejected"
                )
                .group_by(models.Testbed.agreement_id)
            ).all()
        )
        adoptions = dict(
            s.execute(
                select(Adoption.agreement_id, func.count())
                .where(Adoption.agreement_id.is_not(None), Adoption.status != "rejected")
                .group_by(Adoption.agreement_id)
            ).all()
        )
    # four agreements planned for the second half of 2019, none signed by the press release
    assert sorted(then["partner_en"]) == [
        "Daegu Metropolitan Office of Education",
        "Gyeongsangbuk-do",
        "Korea Expressway Corporation",
        "Kyungpook National University",
    ]
    assert set(then["status_then"]) == {"planned"}
    assert (
        dict(zip(then["partner_en"], then["kind"], strict=True))["Gyeongsangbuk-do"]
        == "joint_operation"
    )
    for row in now.itertuples():
        assert row.testbeds == testbeds.get(row.id, 0)
        assert row.adoptions == adoptions.get(row.id, 0)
    assert now["testbeds"].sum() == sum(testbeds.values()) > 0


def test_status_filter_and_unknown_codes(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        active = ar.agreements(session=s, status="active")
        assert set(active["status_then"]) == {"active"}
        with pytest.raises(ValueError):
            ar.agreements(session=s, status="ratified")
        with pytest.raises(ValueError):
            q.over_time(session=s, as_of=AS_OF, period="week")


# --- pages, counts in SQL and stored summaries (issue 8: the same cost at scale 100) -----------


def plain(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with every missing value as None (a column of one missing value is not of the
    string dtype the whole list's column has)."""
    return [{k: None if pd.isna(v) else v for k, v in r.items()} for r in df.to_dict("records")]


FILTERS = [
    (None, None, None),
    (AS_OF, None, None),
    (None, "active", None),
    (None, "expired", None),
    (None, None, "mou"),
    (dt.date(2021, 6, 30), "signed", None),
]


@pytest.mark.parametrize(("as_of", "status", "kind"), FILTERS)
def test_agreement_counts_and_pages_equal_the_whole_list(
    seeded_engine: Engine, as_of: dt.date | None, status: str | None, kind: str | None
) -> None:
    """The tiles' counts (one aggregate statement) equal counting the whole list, pages of
    any size put together are the whole list in its order, and one agreement read by its
    number is its row of the list (or nothing when it was not planned by the date)."""
    with read_session(seeded_engine) as s:
        whole = ar.agreements(session=s, as_of=as_of, status=status, kind=kind)
        counts = ar.agreement_counts(session=s, as_of=as_of, status=status, kind=kind)
        for size in (1, 5, 50):
            pages = [
                ar.agreements(
                    session=s, as_of=as_of, status=status, kind=kind, offset=o, limit=size
                )
                for o in range(0, len(whole) + size, size)
            ]
            joined = pd.concat(pages, ignore_index=True) if pages else whole
            assert list(joined["id"]) == list(whole["id"])
            assert pages[-1].empty
        everyone = ar.agreements(session=s)
        for aid in everyone["id"]:
            one = ar.agreements(session=s, as_of=as_of, agreement_id=int(aid))
            if as_of is None:
                assert plain(one) == plain(everyone[everyone["id"] == aid])
            else:
                listed = ar.agreements(session=s, as_of=as_of)
                assert list(one["id"]) == [i for i in listed["id"] if i == aid]
    assert counts["total"] == len(whole)
    statuses = whole["status_then"].value_counts().to_dict()
    assert {st_: counts[st_] for st_ in domain.AGREEMENT_STATUSES} == {
        st_: int(statuses.get(st_, 0)) for st_ in domain.AGREEMENT_STATUSES
    }
    assert counts["produced"] == int(whole["adoptions"].sum() + whole["testbeds"].sum())
    if as_of == AS_OF:  # the press release: four planned, none signed
        assert (counts["total"], counts["planned"], counts["signed"]) == (4, 4, 0)


def test_overdue_pages_equal_the_whole_list(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        as_of, days = dt.date(2026, 11, 20), 0
        whole, total = q.overdue(session=s, as_of=as_of, days=days)
        assert total == len(whole) >= 3
        pages = [
            q.overdue(session=s, as_of=as_of, days=days, offset=o, limit=2, total=total)
            for o in range(0, total, 2)
        ]
        assert all(n == total for _df, n in pages)
        joined = pd.concat([df for df, _n in pages], ignore_index=True)
        assert list(joined["id"]) == list(whole["id"])
        # a total given by the caller is not counted again (and is what is returned)
        assert q.overdue(session=s, as_of=as_of, days=days, limit=1, total=12345)[1] == 12345


def test_stored_intercity_figures_equal_the_computed_ones(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    """Computed and stored at the first read, read back from ``stored_summaries`` at the
    second: the same values and types; a write (new data version) is seen at once."""
    from db import summaries

    e = migrated_engine
    org = add_org(e, "부산광역시", "metropolitan_city")
    abroad = add_org(e, "Fukuoka City", "foreign_city")
    with write_session(e) as s:
        s.execute(
            models.Organization.__table__.update()
            .where(models.Organization.id == abroad)
            .values(region=None, country="JP")
        )
    for n, body in enumerate((org, org, abroad)):
        run(
            e,
            ic.log_inquiry,
            actor=people["staff"],
            received_on=clock.city_today() - dt.timedelta(days=30 + n),
            channel="email",
            topic=f"문의 {n}",
            org_id=body,
        )
    run(
        e,
        ic.create_agreement,
        actor=people["staff"],
        kind="mou",
        status="signed",
        title_ko="업무협약",
        planned_on=clock.city_today() - dt.timedelta(days=40),
        signed_on=clock.city_today() - dt.timedelta(days=20),
        starts_on=clock.city_today() + dt.timedelta(days=20),
        partner_org_id=org,
    )
    reads: list[tuple[str, dict[str, Any]]] = [
        ("inquiry_summary", {"as_of": clock.city_today(), "overdue_days": 14}),
        ("inquiries_by_kind", {"as_of": clock.city_today()}),
        ("inquiries_by_region", {"as_of": clock.city_today()}),
        ("inquiries_abroad", {"as_of": clock.city_today()}),
        ("inquiries_over_time", {"as_of": clock.city_today(), "period": "month"}),
        ("inquiries_over_time", {"as_of": dt.date(2000, 1, 1), "period": "quarter"}),
        ("agreement_counts", {"as_of": None, "status": None, "kind": None}),
        ("agreements", {"as_of": None, "status": None, "kind": None, "offset": 0, "limit": 50}),
        ("agreements", {"as_of": AS_OF, "status": None, "kind": None, "offset": 0, "limit": 50}),
    ]
    direct = {
        "inquiry_summary": q.summary,
        "inquiries_by_kind": q.by_kind,
        "inquiries_by_region": q.by_region,
        "inquiries_abroad": q.abroad_by_country,
        "inquiries_over_time": q.over_time,
        "agreement_counts": ar.agreement_counts,
        "agreements": ar.agreements,
    }
    for name, params in reads:
        with read_session(e) as s:
            expected = direct[name](session=s, **params)
            version = summaries.data_version(s)
            first = summaries.intercity(s, version, name, **params)
        with read_session(e) as s:
            again = summaries.intercity(s, version, name, **params)
        for got in (first, again):
            if isinstance(expected, pd.DataFrame):
                pd.testing.assert_frame_equal(got, expected)
            else:
                assert got == expected
    stored = dict(summaries.stored_names(e))
    assert stored["intercity.agreements/1"] == 2
    assert stored["intercity.inquiry_summary/1"] == 1
    # a write gives a new version: the next read counts the new inquiry
    run(
        e,
        ic.log_inquiry,
        actor=people["staff"],
        received_on=clock.city_today(),
        channel="call",
        topic="새 문의",
        org_id=org,
    )
    with read_session(e) as s:
        figures = summaries.intercity(
            s,
            summaries.data_version(s),
            "inquiry_summary",
            as_of=clock.city_today(),
            overdue_days=14,
        )
    assert figures["received"] == 4
