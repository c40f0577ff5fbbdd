"""Applications on SQLite and PostgreSQL: submitting with PDF attachments (each refusal
stores nothing), who reads what (role x record), the applicant's steps, requests for
information by mail, withdrawal, and staff taking an application into registration."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db import applications, mail
from db.applications import attachments as files
from db.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from db.models import (
    AgendaItem,
    Application,
    ApplicationAttachment,
    AuditEvent,
    RegulationVersion,
    Technology,
)
from db.policy import Actor
from db.session import read_session, write_session
from tests import pdfs
from tests import workflow_data as wd
from tests.applicant_data import applicant, fields, submit
from tests.security_payloads import FORMULA, fit, formula_like
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401


def letter(lang: str) -> mail.Letter:
    return mail.Letter(subject="More information, please", body="See the request.", language=lang)


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    e = migrated_engine
    return {
        "kim": applicant(e, "kim@firm.example"),
        "lee": applicant(e, "lee@other.example"),
        "staff": actor_of(e, make_user(e, "clerk", ["staff"])),
        "approver": actor_of(e, make_user(e, "chief", ["approver"])),
        "auditor": actor_of(e, make_user(e, "audit", ["auditor"])),
        "admin": actor_of(e, make_user(e, "root", ["admin"])),
        "executive": actor_of(e, make_user(e, "mayor", ["executive"])),
    }


def stored(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as s:
        return (
            s.execute(select(func.count(Application.id))).scalar_one(),
            s.execute(select(func.count(ApplicationAttachment.id))).scalar_one(),
        )


def view(engine: Engine, actor: Actor, application_id: int) -> applications.ApplicationView:
    with read_session(engine) as s:
        return applications.application_view(session=s, actor=actor, application_id=application_id)


def write(engine: Engine, fn: Any, **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


def test_submission_is_the_first_event_by_the_applicant(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    app_id = submit(migrated_engine, people["kim"])
    with read_session(migrated_engine) as s:
        [first, *_rest] = s.execute(
            select(AuditEvent)
            .where(AuditEvent.entity == "application", AuditEvent.entity_id == str(app_id))
            .order_by(AuditEvent.id)
        ).scalars()
    assert (first.action, first.actor_id) == ("application.submit", people["kim"].id)
    v = view(migrated_engine, people["kim"], app_id)
    assert (v.status, v.step, len(v.files)) == ("submitted", "submitted", 1)
    assert v.files[0].filename == "certificate.pdf"
    with read_session(migrated_engine) as s:
        name, content = applications.attachment(
            session=s, actor=people["kim"], attachment_id=v.files[0].id
        )
    assert content == pdfs.real_pdf() and name == "certificate.pdf"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("big.pdf", b"%PDF-1.7\n" + b"0" * files.MAX_BYTES, files.TOO_LARGE),
        ("empty.pdf", b"", files.EMPTY),
        ("fake.pdf", b"MZ\x90\x00 this is a program", files.NOT_PDF),
        ("page.pdf", b"<html><script>alert(1)</script></html>", files.NOT_PDF),
        ("archive.pdf", pdfs.zip_file(), files.ZIP),
        ("bomb.pdf", pdfs.bomb_pdf(), files.BOMB),
        ("broken.pdf", pdfs.real_pdf()[:120], files.UNREADABLE),
        ("script.pdf", pdfs.script_pdf(), files.ACTIVE),
        ("letter.docx", pdfs.real_pdf(), files.NOT_PDF_NAME),
    ],
)
def test_bad_attachments_are_refused_and_nothing_stored(
    migrated_engine: Engine, people: dict[str, Actor], name: str, content: bytes, expected: str
) -> None:
    uploads = [("good.pdf", pdfs.real_pdf()), (name, content)]
    with pytest.raises(applications.ApplicationInvalid) as refused:
        submit(migrated_engine, people["kim"], uploads)
    assert refused.value.errors["attachments"] == expected
    assert refused.value.params["name"] == name
    assert stored(migrated_engine) == (0, 0)


def test_too_many_attachments(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    uploads = [(f"f{i}.pdf", pdfs.real_pdf()) for i in range(files.MAX_FILES + 1)]
    with pytest.raises(applications.ApplicationInvalid) as refused:
        submit(migrated_engine, people["kim"], uploads)
    assert refused.value.errors["attachments"] == files.TOO_MANY
    assert stored(migrated_engine) == (0, 0)


def test_missing_fields_are_named(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit(migrated_engine, people["kim"], title_ko="", contact_email="x", field="nope")
    assert {"title_ko", "contact_email", "field"} <= set(refused.value.errors)
    assert stored(migrated_engine) == (0, 0)


def test_an_unverified_applicant_cannot_submit(migrated_engine: Engine) -> None:
    park = applicant(migrated_engine, "park@firm.example", verified=False)
    with pytest.raises(DomainError) as refused:
        submit(migrated_engine, park)
    assert refused.value.message == applications.writes.NOT_VERIFIED
    assert stored(migrated_engine) == (0, 0)


@pytest.mark.parametrize("role", ["staff", "approver", "auditor", "admin", "executive"])
def test_officials_cannot_submit_as_an_applicant(
    migrated_engine: Engine, people: dict[str, Actor], role: str
) -> None:
    with pytest.raises(PermissionDenied):
        submit(migrated_engine, people[role])
    assert stored(migrated_engine) == (0, 0)
    with read_session(migrated_engine) as s:  # the refusal is audited
        denied = s.execute(
            select(AuditEvent).where(AuditEvent.action == "permission.denied")
        ).scalars()
        assert any(e.actor_id == people[role].id for e in denied)


# who reads what: (reader, whose application) -> allowed
READS = [
    ("kim", True),
    ("lee", False),
    ("staff", True),
    ("approver", None),
    ("auditor", True),  # reads everything, changes nothing
    ("admin", None),
    ("executive", None),
]


@pytest.mark.parametrize(("reader", "allowed"), READS)
def test_applicants_read_only_their_own(
    migrated_engine: Engine, people: dict[str, Actor], reader: str, allowed: bool | None
) -> None:
    """True: reads it; False: not found (as if it did not exist); None: refused."""
    app_id = submit(migrated_engine, people["kim"])
    file_id = view(migrated_engine, people["kim"], app_id).files[0].id
    actor = people[reader]
    with read_session(migrated_engine) as s:
        if allowed:
            assert applications.application_view(session=s, actor=actor, application_id=app_id)
            assert applications.attachment(session=s, actor=actor, attachment_id=file_id)
        else:
            error = NotFound if allowed is False else PermissionDenied
            with pytest.raises(error):
                applications.application_view(session=s, actor=actor, application_id=app_id)
            with pytest.raises(error):
                applications.attachment(session=s, actor=actor, attachment_id=file_id)
    with read_session(migrated_engine) as s:
        if reader in ("kim", "lee"):
            mine = applications.my_applications(session=s, actor=actor)
            assert list(mine["id"]) == ([app_id] if reader == "kim" else [])
        else:
            with pytest.raises(PermissionDenied):
                applications.my_applications(session=s, actor=actor)


def test_another_applicant_cannot_change_it(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    app_id = submit(migrated_engine, people["kim"])
    with pytest.raises(NotFound):
        write(
            migrated_engine,
            applications.withdraw_application,
            actor=people["lee"],
            application_id=app_id,
            version=1,
        )
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            applications.request_information,
            actor=people["lee"],
            application_id=app_id,
            version=1,
            request="?",
            letter=letter,
            deliver=False,
        )
    assert view(migrated_engine, people["kim"], app_id).status == "submitted"


def test_request_answer_accept_and_follow(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e, kim, staff = migrated_engine, people["kim"], people["staff"]
    app_id = submit(e, kim)
    with read_session(e) as s:
        queue = applications.applications_waiting(session=s, actor=staff)
    assert list(queue["id"]) == [app_id]
    write(
        e,
        applications.request_information,
        actor=staff,
        application_id=app_id,
        version=1,
        request="Please attach the patent certificate.",
        letter=letter,
        deliver=False,
    )
    v = view(e, kim, app_id)
    assert (v.status, v.step, v.waits_for_answer) == ("info_requested", "info_requested", True)
    assert [n.kind for n in v.notes] == ["request"]
    with read_session(e) as s:
        [request_mail] = [m for m in mail.messages_to(s, "kim@firm.example") if m.kind != "verify"]
    assert (request_mail.kind, request_mail.language) == ("info_request", "en")
    with pytest.raises(DomainError):  # staff cannot accept while the applicant is asked
        write(
            e,
            applications.accept_application,
            actor=staff,
            application_id=app_id,
            version=2,
            owner_org_id=None,
        )
    with pytest.raises(DomainError):  # a stale version
        write(
            e,
            applications.answer_request,
            actor=kim,
            application_id=app_id,
            version=1,
            answer="Attached.",
        )
    write(
        e,
        applications.answer_request,
        actor=kim,
        application_id=app_id,
        version=2,
        answer="Attached.",
        uploads=[("patent.pdf", pdfs.real_pdf(2))],
    )
    v = view(e, kim, app_id)
    assert (v.status, [n.kind for n in v.notes], len(v.files)) == (
        "submitted",
        ["request", "answer"],
        2,
    )
    with write_session(e) as s:
        owner = wd.org(s, "(주)방수기술")
    tech_id, reg_no = write(
        e,
        applications.accept_application,
        actor=staff,
        application_id=app_id,
        version=3,
        owner_org_id=owner,
    )
    v = view(e, kim, app_id)
    assert (v.status, v.step, v.reg_no, v.may_withdraw) == ("accepted", "screening", reg_no, False)
    with pytest.raises(DomainError):  # taken into review: too late to withdraw
        write(e, applications.withdraw_application, actor=kim, application_id=app_id, version=4)
    with write_session(e) as s:
        tech = s.get(Technology, tech_id)
        assert tech is not None
        assert (tech.title_en, tech.certification) == (fields(e).title_en, "patent")
        tech.status = "rejected"  # as a registration review would leave it
    v = view(e, kim, app_id)
    assert v.step == "decided" and v.decision is not None and v.decision.outcome == "rejected"


def test_withdraw_before_review(migrated_engine: Engine, people: dict[str, Actor]) -> None:
    app_id = submit(migrated_engine, people["kim"])
    write(
        migrated_engine,
        applications.withdraw_application,
        actor=people["kim"],
        application_id=app_id,
        version=1,
    )
    v = view(migrated_engine, people["kim"], app_id)
    assert (v.status, v.step, v.may_withdraw) == ("withdrawn", "withdrawn", False)
    with read_session(migrated_engine) as s:
        assert applications.applications_waiting(session=s, actor=people["staff"]).empty


def _accepted(engine: Engine, people: dict[str, Actor], **changes: str) -> tuple[int, int]:
    app_id = submit(engine, people["kim"], **changes)
    with write_session(engine) as s:
        owner = wd.org(s)
    tech_id, _reg_no = write(
        engine,
        applications.accept_application,
        actor=people["staff"],
        application_id=app_id,
        version=1,
        owner_org_id=owner,
    )
    return app_id, tech_id


def test_the_decision_with_its_reason_and_regulation_version(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    e = migrated_engine
    app_id, tech_id = _accepted(e, people)
    with write_session(e) as s:
        meeting_id = wd.meeting(s, kind="registration_review")
        number = s.execute(select(func.max(RegulationVersion.number))).scalar()
        regulation = s.execute(
            select(RegulationVersion.id).where(RegulationVersion.number == number)
        ).scalar()
        meeting = s.get(wd.Meeting, meeting_id)
        assert meeting is not None
        meeting.regulation_id = regulation
        s.add(
            AgendaItem(
                meeting_id=meeting_id,
                position=1,
                technology_id=tech_id,
                decision="passed",
                decision_reason="Novel and applicable on city sites.",
                decided_at=wd.NOW,
            )
        )
        tech = s.get(Technology, tech_id)
        assert tech is not None
        tech.status = "registered"
    v = view(e, people["kim"], app_id)
    assert v.step == "decided" and v.decision is not None
    assert (v.decision.outcome, v.decision.reason) == (
        "registered",
        "Novel and applicable on city sites.",
    )
    assert v.decision.regulation_number == number


@pytest.mark.parametrize("payload", FORMULA[:6])
def test_formula_payloads_from_applicants_are_inert_in_exports(
    migrated_engine: Engine, people: dict[str, Actor], payload: str
) -> None:
    from components.export import to_csv
    from db.technologies.register import TechnologyFilters, technologies_export

    _accepted(
        migrated_engine,
        people,
        title_ko=fit(payload, 300),
        title_en=fit(payload, 300),
        description=fit(payload, 4000),
    )
    with read_session(migrated_engine) as s:
        frame, _count = technologies_export(session=s, filters=TechnologyFilters(q=""))
    import csv
    import io

    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert len(rows) == 2 and rows[1][rows[0].index("title_en")].startswith("'")
    assert not [c for c in cells if formula_like(c)]


def test_the_technology_history_begins_with_the_applicant_submission(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    from db.audit import trail

    _app_id, tech_id = _accepted(migrated_engine, people)
    with read_session(migrated_engine) as s:
        hist = trail.record_history(
            session=s, actor=people["executive"], entity="technology", entity_id=tech_id
        )
    events = hist.events.sort_values("id")
    first = events.iloc[0]
    assert (first["action"], first["actor_name"]) == ("application.submit", "kim@firm.example")
    assert first["after"]["contact_email"] == trail.WITHHELD  # the executive sees no contacts
    assert "technology.submit" in set(events["action"])
