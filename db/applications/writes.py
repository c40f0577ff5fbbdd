"""Applications: what an applicant writes (submit, answer a request, withdraw) and what staff
write (ask for more information, take the application into the registration path).

Every write checks the role here (:func:`db.policy.require_applicant` for the applicant's
own writes, :data:`db.policy.APPLICATION_HANDLERS` for staff), checks its step in
:data:`db.domain.APPLICATION_TRANSITIONS`, changes the status with a compare-and-set on the
version the caller saw and appends its audit event in the same transaction. The submission
is the application's first audited event, by the applicant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import update
from sqlalchemy.orm import Session

from db import domain, mail, recording
from db.accounts.users import EMAIL_INVALID, email_is_valid
from db.applications import attachments as files
from db.city.store import outside_sector, require_code
from db.clock import as_utc, now_utc
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Application, ApplicationAttachment, ApplicationMessage, User
from db.policy import APPLICATION_HANDLERS, Actor, require, require_applicant

NOT_VERIFIED: Final = N_(
    "Verify your e-mail address before you submit: open the link we mailed you, or ask for "
    "a new one on the E-mail verification page. Nothing was saved."
)
CHANGED: Final = N_(
    "This application changed meanwhile. Nothing was saved; reload the page to see its "
    "current state."
)
NOT_NOW: Final = N_(
    "This step is not possible in the application's current state. Nothing was saved."
)

LanguageLetter = Callable[[str], mail.Letter]
"""Writes a message in the given language (the applicant's)."""


@dataclass(frozen=True)
class ApplicationInput:
    """What an applicant fills in: the fields staff need to screen a technology."""

    organisation: str
    contact_name: str
    contact_email: str
    contact_phone: str
    title_ko: str
    title_en: str
    field: str
    growth_sector: str | None
    certification: str
    description: str


def _checked_files(
    uploads: Sequence[tuple[str, bytes]], errors: dict[str, str], params: dict[str, str]
) -> list[files.Attachment]:
    if len(uploads) > files.MAX_FILES:
        errors["attachments"] = files.TOO_MANY
        return []
    out = []
    for name, content in uploads:
        found = files.problem(name, content)
        if found is not None:
            errors["attachments"], more = found
            params.update(more)
            return []
        out.append(files.Attachment(files.safe_name(name), content))
    return out


class ApplicationInvalid(ValidationFailed):
    """Per-field problems of an application; ``params`` fill an attachment's sentence."""

    def __init__(self, errors: dict[str, str], params: dict[str, str]) -> None:
        super().__init__(errors)
        self.params = params


def _store_files(
    session: Session, application_id: int, checked: list[files.Attachment], now: dt.datetime
) -> list[dict[str, object]]:
    for f in checked:
        session.add(
            ApplicationAttachment(
                application_id=application_id,
                filename=f.filename,
                size=len(f.content),
                sha256=f.sha256,
                content=f.content,
                created_at=now,
            )
        )
    session.flush()
    return [{"filename": f.filename, "size": len(f.content), "sha256": f.sha256} for f in checked]


def submit_application(
    *,
    session: Session,
    actor: Actor,
    fields: ApplicationInput,
    uploads: Sequence[tuple[str, bytes]] = (),
    language: str = "ko",
    now: dt.datetime | None = None,
) -> int:
    """Submit an application (status ``submitted``) with its PDF attachments; return its id.
    Audited as ``application.submit``, by the applicant (the record's first event).

    :raise PermissionDenied: the actor is not an applicant, or also an official.
    :raise DomainError: the applicant's e-mail address is not verified yet.
    :raise ApplicationInvalid: per field (organisation, contact_name, contact_email,
        contact_phone, title_ko, title_en, field, growth_sector, certification, description,
        attachments); nothing stored.
    """
    require_applicant(actor, action="application.submit")
    user = session.get(User, actor.id, populate_existing=True)
    if user is None or user.email_verified_at is None:
        raise DomainError(NOT_VERIFIED)
    now = as_utc(now or now_utc())
    errors: dict[str, str] = {}
    params: dict[str, str] = {}
    organisation = recording.clean_text(fields.organisation, "organisation", errors, max_chars=200)
    contact_name = recording.clean_text(fields.contact_name, "contact_name", errors, max_chars=120)
    contact_email = (fields.contact_email or "").strip()
    if not email_is_valid(contact_email):
        errors["contact_email"] = EMAIL_INVALID
    phone = recording.clean_text(
        fields.contact_phone, "contact_phone", errors, required=False, max_chars=32
    )
    title_ko = recording.clean_text(fields.title_ko, "title_ko", errors, max_chars=300)
    title_en = recording.clean_text(fields.title_en, "title_en", errors, max_chars=300)
    description = recording.clean_text(fields.description, "description", errors)
    field = require_code(session, "fields", fields.field, errors, "field")
    sector = fields.growth_sector or outside_sector(session)
    sector = require_code(session, "sectors", sector, errors, "growth_sector")
    if fields.certification not in domain.CERTIFICATIONS:
        errors["certification"] = recording.UNKNOWN_CHOICE
    checked = _checked_files(uploads, errors, params)
    if errors:
        raise ApplicationInvalid(errors, params)
    row = Application(
        applicant_id=user.id,
        organisation=organisation,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=phone or None,
        title_ko=title_ko,
        title_en=title_en,
        field=field,
        growth_sector=sector,
        certification=fields.certification,
        description=description,
        language=language if language in ("ko", "en") else "ko",
        status="submitted",
        submitted_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    stored = _store_files(session, row.id, checked, now)
    recording.record(
        session,
        actor,
        "application.submit",
        "application",
        row.id,
        after={
            "organisation": organisation,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": phone or None,
            "title_ko": title_ko,
            "title_en": title_en,
            "field": field,
            "growth_sector": sector,
            "certification": fields.certification,
            "status": "submitted",
            "attachments": stored,
        },
        at=now,
    )
    return row.id


def _load(session: Session, application_id: int) -> Application:
    row = session.get(Application, application_id, populate_existing=True)
    if row is None:
        raise NotFound()
    return row


def _own(session: Session, actor: Actor, application_id: int, action: str) -> Application:
    """The applicant's own application (another's is not found, as if it did not exist).

    :raise PermissionDenied: the actor is not an applicant.
    :raise NotFound: no such application of theirs.
    """
    require_applicant(actor, action=action, entity_id=application_id)
    row = _load(session, application_id)
    if row.applicant_id != actor.id:
        raise NotFound()
    return row


def _move(
    session: Session,
    actor: Actor,
    row: Application,
    *,
    version: int,
    to: str,
    action: str,
    now: dt.datetime,
    extra: dict[str, object] | None = None,
    reason: str | None = None,
    technology_id: int | None = None,
) -> None:
    """The status step ``row.status`` -> ``to``: checked against the table, one
    compare-and-set on (status, version), one audit event."""
    if row.version != version:
        raise DomainError(CHANGED)
    if to not in domain.APPLICATION_TRANSITIONS[row.status]:
        raise DomainError(NOT_NOW)
    values: dict[str, object] = {"status": to, "updated_at": now, "version": version + 1}
    if technology_id is not None:
        values["technology_id"] = technology_id
    if not recording.compare_and_set(
        session,
        update(Application)
        .where(
            Application.id == row.id,
            Application.status == row.status,
            Application.version == version,
        )
        .values(**values),
    ):
        raise DomainError(CHANGED)
    recording.record(
        session,
        actor,
        action,
        "application",
        row.id,
        before={"status": row.status},
        after={"status": to, **(extra or {})},
        reason=reason,
        at=now,
    )


def _message(
    session: Session, application_id: int, kind: str, actor: Actor, body: str, now: dt.datetime
) -> None:
    session.add(
        ApplicationMessage(
            application_id=application_id, kind=kind, author_id=actor.id, body=body, created_at=now
        )
    )
    session.flush()


def withdraw_application(
    *,
    session: Session,
    actor: Actor,
    application_id: int,
    version: int,
    now: dt.datetime | None = None,
) -> None:
    """The applicant withdraws their application before staff took it into review.

    :raise PermissionDenied: the actor is not an applicant.
    :raise NotFound: not their application.
    :raise DomainError: it was taken into review already, or changed meanwhile.
    """
    row = _own(session, actor, application_id, "application.withdraw")
    _move(
        session,
        actor,
        row,
        version=version,
        to="withdrawn",
        action="application.withdraw",
        now=as_utc(now or now_utc()),
    )


def answer_request(
    *,
    session: Session,
    actor: Actor,
    application_id: int,
    version: int,
    answer: str,
    uploads: Sequence[tuple[str, bytes]] = (),
    now: dt.datetime | None = None,
) -> None:
    """The applicant answers staff's request for more information (with more PDFs if they
    wish); the application is back with staff (``submitted``).

    :raise PermissionDenied: the actor is not an applicant.
    :raise NotFound: not their application.
    :raise ApplicationInvalid: no answer, or an attachment refused (``answer``,
        ``attachments``); nothing stored.
    :raise DomainError: no request waits for an answer, or it changed meanwhile.
    """
    row = _own(session, actor, application_id, "application.answer")
    now = as_utc(now or now_utc())
    errors: dict[str, str] = {}
    params: dict[str, str] = {}
    text = recording.clean_text(answer, "answer", errors)
    checked = _checked_files(uploads, errors, params)
    if errors:
        raise ApplicationInvalid(errors, params)
    _move(
        session, actor, row, version=version, to="submitted", action="application.answer", now=now
    )
    _message(session, row.id, "answer", actor, text, now)
    _store_files(session, row.id, checked, now)


def request_information(
    *,
    session: Session,
    actor: Actor,
    application_id: int,
    version: int,
    request: str,
    letter: LanguageLetter,
    deliver: bool,
    now: dt.datetime | None = None,
) -> None:
    """Staff ask the applicant for more information: the application waits
    (``info_requested``) and the applicant is mailed ``letter`` in their language.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such application.
    :raise ValidationFailed: no request text (``request``).
    :raise DomainError: the application is not waiting for staff, or changed meanwhile.
    """
    require(
        actor,
        APPLICATION_HANDLERS,
        action="application.request_info",
        entity="application",
        entity_id=application_id,
    )
    row = _load(session, application_id)
    now = as_utc(now or now_utc())
    errors: dict[str, str] = {}
    text = recording.clean_text(request, "request", errors)
    if errors:
        raise ValidationFailed(errors)
    _move(
        session,
        actor,
        row,
        version=version,
        to="info_requested",
        action="application.request_info",
        now=now,
        reason=text,
    )
    _message(session, row.id, "request", actor, text, now)
    applicant = session.get(User, row.applicant_id)
    recipient = (applicant.email if applicant is not None else None) or row.contact_email
    mail.enqueue(
        session,
        recipient=recipient,
        letter=letter(row.language),
        kind="info_request",
        deliver=deliver,
        now=now,
    )


def accept_application(
    *,
    session: Session,
    actor: Actor,
    application_id: int,
    version: int,
    owner_org_id: int | None,
    now: dt.datetime | None = None,
) -> tuple[int, str]:
    """Staff take the application into the registration path: a technology record is
    registered from its fields (status ``submitted``, owned by ``owner_org_id``) and carries
    the application's screening, review and decision from then on. Returns the
    technology's (id, registration number).

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such application.
    :raise ValidationFailed: the technology's checks (owner, duplicate title...).
    :raise DomainError: the application is not waiting for staff, or changed meanwhile.
    """
    from db.technologies.writes import register_technology

    require(
        actor,
        APPLICATION_HANDLERS,
        action="application.accept",
        entity="application",
        entity_id=application_id,
    )
    row = _load(session, application_id)
    if row.version != version or "accepted" not in domain.APPLICATION_TRANSITIONS[row.status]:
        raise DomainError(CHANGED if row.version != version else NOT_NOW)
    tech_id, reg_no = register_technology(
        session=session,
        actor=actor,
        title_ko=row.title_ko,
        title_en=row.title_en,
        owner_org_id=owner_org_id,
        field=row.field,
        growth_sector=row.growth_sector,
        certification=row.certification,
        summary=row.description,
    )
    _move(
        session,
        actor,
        row,
        version=version,
        to="accepted",
        action="application.accept",
        now=as_utc(now or now_utc()),
        extra={"technology_id": tech_id, "reg_no": reg_no},
        technology_id=tech_id,
    )
    return tech_id, reg_no
