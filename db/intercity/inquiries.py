"""Inquiries from other governments and bodies: logging one, its follow-ups, its status
steps and corrections.

Status order (design.md): received -> answered -> visit held -> benchmarked (the body
adopted the scheme). A step only goes forward; the answer is never skipped, the visit may
be (a body can adopt the scheme after the answer alone). Each step carries its date, which is
not later than today (KST), not before the inquiry was received and not before the previous
step's date. Steps cannot be undone: "benchmarked" is final.

Concurrency: a step is a compare-and-set on the status the official saw; an edit is a
compare-and-set on the record's ``version`` (every write to the row increments it), so
two officials cannot silently overwrite each other: the loser is told who saved the record
and when (:class:`~db.lost_edits.StaleEdit`, the refusal of every lost edit).

Audit events: ``inquiry.receive`` (and ``organization.create`` for a new asking body),
``inquiry.answer``, ``inquiry.hold_visit``, ``inquiry.benchmark``, ``inquiry.edit``,
``inquiry_followup.record`` - the action names the demo history uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import update
from sqlalchemy.orm import Session

from db import clock, domain, lost_edits, policy, recording
from db.errors import N_, ValidationFailed
from db.intercity import common
from db.intercity.common import NewOrganization
from db.models import Inquiry, InquiryFollowup
from db.policy import STAFF, Actor

NEXT: Final = domain.INQUIRY_TRANSITIONS
"""The next steps of each status (the lifecycle in :mod:`db.domain`)."""
DATE_COLUMN: Final = {
    "answered": "answered_on",
    "visit_held": "visit_on",
    "benchmarked": "benchmarked_on",
}
ACTION: Final = {
    "answered": "inquiry.answer",
    "visit_held": "inquiry.hold_visit",
    "benchmarked": "inquiry.benchmark",
}
STEP_ORDER = ("answered_on", "visit_on", "benchmarked_on")

STATUS_ORDER = N_(
    "An inquiry moves forward one step at a time: received, answered, visit held, "
    "benchmarked (the visit may be skipped). Choose the next step."
)
BEFORE_PREVIOUS_STEP = N_("The date cannot be before the date of the previous step.")
AFTER_A_STEP = N_(
    "The inquiry cannot be received after a step already recorded for it (answer, visit or "
    "benchmarking); correct the date."
)
EDIT_FIELDS = ("org_id", "received_on", "channel", "topic", "contact_name", "note")


def _clean_fields(
    *,
    received_on: Any,
    channel: Any,
    topic: str | None,
    contact_name: str | None,
    note: str | None,
    errors: dict[str, str],
) -> dict[str, Any]:
    return {
        "received_on": common.clean_date(received_on, "received_on", errors),
        "channel": common.choice(channel, "channel", domain.INQUIRY_CHANNELS, errors),
        "topic": recording.clean_text(topic, "topic", errors, max_chars=300),
        "contact_name": recording.clean_text(
            contact_name, "contact_name", errors, required=False, max_chars=100
        )
        or None,
        "note": recording.clean_text(note, "note", errors, required=False) or None,
    }


def log_inquiry(
    *,
    session: Session,
    actor: Actor,
    received_on: dt.date | None,
    channel: str,
    topic: str,
    org_id: int | None = None,
    new_org: NewOrganization | None = None,
    contact_name: str | None = None,
    note: str | None = None,
) -> int:
    """Record an inquiry (status ``received``) from an existing body (``org_id``) or a new
    one (``new_org``, created with it); return the inquiry's id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: received_on (missing, in the future), channel,
        topic (missing, too long), contact_name, note (too long), org_id (no body chosen or
        unknown), org_name_ko, org_name_en, org_kind, org_region, org_country (new body).
    """
    policy.require_role(actor, STAFF, "inquiry.receive", "inquiry")
    errors: dict[str, str] = {}
    values = _clean_fields(
        received_on=received_on,
        channel=channel,
        topic=topic,
        contact_name=contact_name,
        note=note,
        errors=errors,
    )
    common.resolve_organization(session, actor, org_id, new_org, "org_id", errors, write=False)
    if errors:
        raise ValidationFailed(errors)
    body = common.resolve_organization(
        session, actor, org_id, new_org, "org_id", errors, write=True
    )
    assert body is not None
    now = clock.now_utc()
    inquiry = Inquiry(org_id=body, status="received", version=1, **values)
    session.add(inquiry)
    session.flush()
    recording.record(
        session,
        actor,
        "inquiry.receive",
        "inquiry",
        inquiry.id,
        before=None,
        after={"org_id": body, "status": "received", **values},
        at=now,
    )
    return inquiry.id


def _load(session: Session, inquiry_id: int) -> Inquiry:
    inquiry = session.get(Inquiry, inquiry_id, populate_existing=True, with_for_update=True)
    if inquiry is None:
        raise common.not_found()
    return inquiry


def move_inquiry(
    *,
    session: Session,
    actor: Actor,
    inquiry_id: int,
    to: str,
    on: dt.date | None,
    expected: str,
) -> None:
    """Move an inquiry from ``expected`` (the status the official saw) to the next step
    ``to``, dated ``on``.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such inquiry.
    :raise Conflict: the inquiry is no longer in ``expected`` (names who moved it, when).
    :raise ValidationFailed: ``status`` (not the next step), ``on`` (missing, in the future,
        before the inquiry was received or before the previous step).
    """
    action = ACTION.get(to, "inquiry.move")
    policy.require_role(actor, STAFF, action, "inquiry", inquiry_id)
    inquiry = _load(session, inquiry_id)
    if inquiry.status != expected:
        raise lost_edits.stale_edit(session, "inquiry", inquiry_id)
    errors: dict[str, str] = {}
    if not domain.allows("inquiry", expected, to):
        errors["status"] = STATUS_ORDER
    day = common.clean_date(on, "on", errors)
    previous = max((d for d in (inquiry.answered_on, inquiry.visit_on) if d), default=None)
    if day is not None and "on" not in errors:
        if day < inquiry.received_on:
            errors["on"] = common.BEFORE_RECEIVED
        elif previous is not None and day < previous:
            errors["on"] = BEFORE_PREVIOUS_STEP
    if errors:
        raise ValidationFailed(errors)
    column = DATE_COLUMN[to]
    if not recording.compare_and_set(
        session,
        update(Inquiry)
        .where(Inquiry.id == inquiry_id, Inquiry.status == expected)
        .values({"status": to, column: day, "version": Inquiry.version + 1}),
    ):  # pragma: no cover - row is locked
        raise lost_edits.stale_edit(session, "inquiry", inquiry_id)
    recording.record(
        session,
        actor,
        action,
        "inquiry",
        inquiry_id,
        before={"status": expected},
        after={"status": to, column: day},
    )


def add_followup(
    *, session: Session, actor: Actor, inquiry_id: int, followed_on: dt.date | None, note: str
) -> int:
    """Record a follow-up (date and note) of an inquiry; return its id.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such inquiry.
    :raise ValidationFailed: followed_on (missing, in the future, before the inquiry was
        received), note (missing, too long).
    """
    policy.require_role(actor, STAFF, "inquiry_followup.record", "inquiry", inquiry_id)
    inquiry = session.get(Inquiry, inquiry_id, with_for_update={"read": True})
    if inquiry is None:
        raise common.not_found()
    errors: dict[str, str] = {}
    day = common.clean_date(followed_on, "followed_on", errors)
    if day is not None and "followed_on" not in errors and day < inquiry.received_on:
        errors["followed_on"] = common.BEFORE_RECEIVED
    text = recording.clean_text(note, "note", errors)
    if errors:
        raise ValidationFailed(errors)
    assert day is not None
    followup = InquiryFollowup(inquiry_id=inquiry_id, followed_on=day, note=text)
    session.add(followup)
    session.flush()
    recording.record(
        session,
        actor,
        "inquiry_followup.record",
        "inquiry_followup",
        followup.id,
        before=None,
        after={"inquiry_id": inquiry_id, "followed_on": day, "note": text},
    )
    return followup.id


def edit_inquiry(
    *,
    session: Session,
    actor: Actor,
    inquiry_id: int,
    version: int,
    received_on: dt.date | None,
    channel: str,
    topic: str,
    org_id: int | None = None,
    new_org: NewOrganization | None = None,
    contact_name: str | None = None,
    note: str | None = None,
) -> int:
    """Correct an inquiry's body, date, channel, topic, contact or note, if it is still at
    ``version`` (the version the official opened); return the new version.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such inquiry.
    :raise StaleEdit: someone saved it since ``version`` (names them and the time).
    :raise ValidationFailed: per field as :func:`log_inquiry`; received_on also after a
        recorded step.
    :raise DomainError: nothing changed.
    """
    policy.require_role(actor, STAFF, "inquiry.edit", "inquiry", inquiry_id)
    inquiry = _load(session, inquiry_id)
    seen = lost_edits.check_seen(session, inquiry, "inquiry", version)
    errors: dict[str, str] = {}
    values = _clean_fields(
        received_on=received_on,
        channel=channel,
        topic=topic,
        contact_name=contact_name,
        note=note,
        errors=errors,
    )
    day = values["received_on"]
    steps = [d for d in (inquiry.answered_on, inquiry.visit_on, inquiry.benchmarked_on) if d]
    first_step = min(steps, default=None)
    if day is not None and "received_on" not in errors and first_step and day > first_step:
        errors["received_on"] = AFTER_A_STEP
    common.resolve_organization(session, actor, org_id, new_org, "org_id", errors, write=False)
    if errors:
        raise ValidationFailed(errors)
    values["org_id"] = common.resolve_organization(
        session, actor, org_id, new_org, "org_id", errors, write=True
    )
    before = {k: getattr(inquiry, k) for k in EDIT_FIELDS}
    return lost_edits.save_edit(
        session, actor, Inquiry, "inquiry", inquiry_id, seen, before, values
    )
