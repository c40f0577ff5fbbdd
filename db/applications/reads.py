"""Reading applications: an applicant reads only their own (another's is "not found", as if
it did not exist); staff read them all, and find the ones waiting for them in the work queue.

What an applicant follows (:attr:`ApplicationView.step`) is told from the application and,
once staff took it into the registration path, from its technology record: submitted (or
information requested), screening, under review, decided (with the decision's reason and
the regulation version it was decided under), or withdrawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.clock import as_utc
from db.errors import NotFound
from db.models import (
    AgendaItem,
    Application,
    ApplicationAttachment,
    ApplicationMessage,
    Meeting,
    RegulationVersion,
    Technology,
    User,
)
from db.policy import APPLICANTS, APPLICATION_HANDLERS, APPLICATION_READERS, Actor, require

STEP_OF_TECHNOLOGY = {
    "submitted": "screening",
    "screening": "screening",
    "under_review": "under_review",
    "registered": "decided",
    "rejected": "decided",
    "expired": "decided",
    "withdrawn": "decided",
}
STEPS = ("submitted", "screening", "under_review", "decided")
"""The steps an applicant follows, in order."""


@dataclass(frozen=True)
class Decision:
    """The registration review's decision on the application's technology."""

    outcome: str  # the technology's status: registered or rejected
    reason: str
    decided_at: dt.datetime | None
    meeting_code: str
    regulation_number: int | None


@dataclass(frozen=True)
class FileInfo:
    id: int
    filename: str
    size: int
    created_at: dt.datetime


@dataclass(frozen=True)
class Note:
    """A request for information (staff) or an answer (the applicant)."""

    kind: str
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ApplicationView:
    id: int
    version: int
    status: str
    step: str
    organisation: str
    contact_name: str
    contact_email: str
    contact_phone: str | None
    title_ko: str
    title_en: str
    field: str
    growth_sector: str
    certification: str
    description: str
    submitted_at: dt.datetime
    updated_at: dt.datetime
    reg_no: str | None
    files: tuple[FileInfo, ...]
    notes: tuple[Note, ...]
    decision: Decision | None

    @property
    def may_withdraw(self) -> bool:
        return self.status in ("submitted", "info_requested")

    @property
    def waits_for_answer(self) -> bool:
        return self.status == "info_requested"


def step_of(status: str, tech_status: str | None) -> str:
    """The step an applicant sees."""
    if status == "accepted" and tech_status is not None:
        return STEP_OF_TECHNOLOGY[tech_status]
    return status


def _may_read(session: Session, actor: Actor, application_id: int) -> Application:
    """:raise PermissionDenied: neither staff, an auditor nor an applicant. :raise NotFound:
    no such application, or another applicant's."""
    require(
        actor,
        (*APPLICANTS, *APPLICATION_READERS),
        action="application.read",
        entity="application",
        entity_id=application_id,
    )
    row = session.get(Application, application_id)
    if row is None:
        raise NotFound()
    if not actor.has(*APPLICATION_READERS) and row.applicant_id != actor.id:
        raise NotFound()
    return row


def _decision(session: Session, tech: Technology | None) -> Decision | None:
    if tech is None or tech.status not in ("registered", "rejected"):
        return None
    found = session.execute(
        select(
            AgendaItem.decision_reason,
            AgendaItem.decided_at,
            Meeting.code,
            RegulationVersion.number,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(RegulationVersion, RegulationVersion.id == Meeting.regulation_id)
        .where(
            AgendaItem.technology_id == tech.id,
            AgendaItem.decision.in_(("passed", "failed")),
            Meeting.kind == "registration_review",
        )
        .order_by(AgendaItem.decided_at.desc(), AgendaItem.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return Decision(tech.status, "", None, "", None)
    reason, decided_at, code, number = found
    return Decision(
        outcome=tech.status,
        reason=reason or "",
        decided_at=None if decided_at is None else as_utc(decided_at),
        meeting_code=code,
        regulation_number=number,
    )


def application_view(*, session: Session, actor: Actor, application_id: int) -> ApplicationView:
    """One application with its files, requests and answers, step and decision.

    :raise PermissionDenied: the actor is neither staff nor an applicant.
    :raise NotFound: no such application, or another applicant's.
    """
    row = _may_read(session, actor, application_id)
    tech = session.get(Technology, row.technology_id) if row.technology_id else None
    files = session.execute(
        select(
            ApplicationAttachment.id,
            ApplicationAttachment.filename,
            ApplicationAttachment.size,
            ApplicationAttachment.created_at,
        )
        .where(ApplicationAttachment.application_id == row.id)
        .order_by(ApplicationAttachment.id)
    ).all()
    notes = session.execute(
        select(ApplicationMessage.kind, ApplicationMessage.body, ApplicationMessage.created_at)
        .where(ApplicationMessage.application_id == row.id)
        .order_by(ApplicationMessage.id)
    ).all()
    return ApplicationView(
        id=row.id,
        version=row.version,
        status=row.status,
        step=step_of(row.status, tech.status if tech else None),
        organisation=row.organisation,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        title_ko=row.title_ko,
        title_en=row.title_en,
        field=row.field,
        growth_sector=row.growth_sector,
        certification=row.certification,
        description=row.description,
        submitted_at=as_utc(row.submitted_at),
        updated_at=as_utc(row.updated_at),
        reg_no=tech.reg_no if tech else None,
        files=tuple(FileInfo(i, n, s, as_utc(c)) for i, n, s, c in files),
        notes=tuple(Note(k, b, as_utc(c)) for k, b, c in notes),
        decision=_decision(session, tech),
    )


def attachment(*, session: Session, actor: Actor, attachment_id: int) -> tuple[str, bytes]:
    """An attachment's file name and content, for download.

    :raise PermissionDenied: the actor is neither staff nor an applicant.
    :raise NotFound: no such file, or one of another applicant's applications.
    """
    found = session.execute(
        select(
            ApplicationAttachment.application_id,
            ApplicationAttachment.filename,
            ApplicationAttachment.content,
        ).where(ApplicationAttachment.id == attachment_id)
    ).first()
    if found is None:
        require(
            actor,
            (*APPLICANTS, *APPLICATION_READERS),
            action="application.read",
            entity="application",
        )
        raise NotFound()
    _may_read(session, actor, found[0])
    return found[1], bytes(found[2])


COLUMNS = ["id", "submitted_at", "title_ko", "title_en", "organisation", "status", "step", "reg_no"]


def my_applications(*, session: Session, actor: Actor) -> pd.DataFrame:
    """The acting applicant's applications, newest first (:data:`COLUMNS`).

    :raise PermissionDenied: the actor is not an applicant.
    """
    require(actor, APPLICANTS, action="application.list", entity="application")
    return _listing(session, Application.applicant_id == actor.id)


def applications_waiting(
    *, session: Session, actor: Actor, limit: int | None = None
) -> pd.DataFrame:
    """Applications waiting for staff (new, or answered) and those waiting for the
    applicant's answer, oldest first: the work queue's list (:data:`COLUMNS` and
    ``applicant``).

    :raise PermissionDenied: the actor is not staff.
    """
    require(actor, APPLICATION_HANDLERS, action="application.list", entity="application")
    return _listing(
        session,
        Application.status.in_(("submitted", "info_requested")),
        oldest_first=True,
        limit=limit,
    )


def waiting_count(*, session: Session, actor: Actor) -> int:
    """How many applications wait for staff (new or answered).

    :raise PermissionDenied: the actor is not staff.
    """
    require(actor, APPLICATION_HANDLERS, action="application.list", entity="application")
    return int(
        session.execute(
            select(func.count(Application.id)).where(Application.status == "submitted")
        ).scalar_one()
    )


def _listing(
    session: Session, where: object, *, oldest_first: bool = False, limit: int | None = None
) -> pd.DataFrame:
    order = Application.submitted_at.asc() if oldest_first else Application.submitted_at.desc()
    query = (
        select(Application, Technology.status, Technology.reg_no, User.display_name)
        .outerjoin(Technology, Technology.id == Application.technology_id)
        .join(User, User.id == Application.applicant_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(order, Application.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [
        {
            "id": a.id,
            "submitted_at": as_utc(a.submitted_at),
            "title_ko": a.title_ko,
            "title_en": a.title_en,
            "organisation": a.organisation,
            "status": a.status,
            "step": step_of(a.status, tech_status),
            "reg_no": reg_no,
            "applicant": name,
        }
        for a, tech_status, reg_no, name in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=[*COLUMNS, "applicant"])
