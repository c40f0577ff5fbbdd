"""What the inquiry and agreement writes share: messages, date checks, the asking body or
partner (an existing organisation or a new one). Edits are lost-edit protected by the same
mechanism as every other record (:mod:`db.lost_edits`).

Writers hold the ``staff`` role (:data:`db.policy.STAFF`; design.md: staff "log inquiries and
agreements"; the administrator manages accounts and runs imports, so holds no write here).
Every write is one audit event in the caller's transaction (:func:`db.recording.record`); a
refusal is a :class:`~db.errors.PermissionDenied`, recorded by ``db.session.write_session``
after the rollback.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import clock, domain, recording
from db.city.store import city, require_code, with_attribute
from db.errors import N_, NotFound
from db.models import AuditEvent, Organization, User
from db.policy import Actor

# Messages a person reads (English templates; the UI translates them).
DATE_REQUIRED = N_("Enter the date.")
DATE_IN_FUTURE = N_("The date cannot be later than today.")
BEFORE_RECEIVED = N_("The date cannot be before the inquiry was received.")
CHOOSE_OR_NEW = N_("Choose an existing body or enter the name of a new one.")
UNKNOWN_ORG = N_("This body is not in the register; choose it again from the list.")
ORG_EXISTS = N_(
    "A body of this kind with this Korean name is already registered; choose it from the "
    "list instead."
)
REGION_REQUIRED = N_("Choose the region of a Korean body.")
REGION_ABROAD = N_("A body outside Korea has no Korean region; leave the region empty.")
COUNTRY_INVALID = N_("Enter the country as two letters (ISO 3166), e.g. KR, JP, US.")
FOREIGN_CITY_IN_KOREA = N_("A foreign city is outside Korea: enter its country.")
NOT_ASKING_KIND = N_(
    "A body of this kind does not ask about the platform or sign agreements; choose another kind."
)


def clean_date(
    value: Any,
    name: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    not_after_today: bool = True,
) -> dt.date | None:
    """``value`` as a date (``datetime`` is cut to its date); records a problem for
    ``name`` when it is missing (and required), not a date, or later than today (KST)."""
    if value is None or value == "":
        if required:
            errors[name] = DATE_REQUIRED
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        errors[name] = DATE_REQUIRED
        return None
    if not_after_today and value > clock.city_today():
        errors[name] = DATE_IN_FUTURE
    return value


def choice(value: Any, name: str, allowed: tuple[str, ...], errors: dict[str, str]) -> str:
    if value not in allowed:
        errors[name] = recording.UNKNOWN_CHOICE
        return ""
    return str(value)


@dataclass(frozen=True)
class NewOrganization:
    """A body that is not in the register yet: names, kind, region (Korean bodies) and
    country (ISO 3166 alpha-2)."""

    name_ko: str
    name_en: str = ""
    kind: str = ""
    region: str | None = None
    country: str = "KR"


COUNTRY = re.compile(r"[A-Z]{2}")


def resolve_organization(
    session: Session,
    actor: Actor,
    org_id: int | None,
    new: NewOrganization | None,
    field: str,
    errors: dict[str, str],
    *,
    write: bool,
) -> int | None:
    """The id of the chosen organisation, or of ``new`` once it is created (when ``write``
    is true and no other field has a problem). Problems go to ``errors``: the choice under
    ``field``, the new body's under ``org_name_ko``, ``org_name_en``, ``org_kind``,
    ``org_region``, ``org_country``. A new body's kind is one of the city's kinds that ask
    and sign (``inquires``); one that is abroad (``abroad``) has a country other than Korea
    and no region; one in the city's home regions is local. A created organisation is
    audited as ``organization.create``."""
    if org_id is not None:
        if session.get(Organization, org_id) is None:
            errors[field] = UNKNOWN_ORG
        return org_id
    if new is None or not (new.name_ko or "").strip():
        errors[field] = CHOOSE_OR_NEW
        return None
    name_ko = recording.clean_text(new.name_ko, "org_name_ko", errors, max_chars=200)
    name_en = recording.clean_text(
        new.name_en, "org_name_en", errors, required=False, max_chars=200
    )
    kind = require_code(session, "organisation_kinds", new.kind, errors, "org_kind")
    if kind and kind not in with_attribute(session, "organisation_kinds", "inquires"):
        errors["org_kind"] = NOT_ASKING_KIND
        kind = ""
    country = (new.country or "").strip().upper()
    if not COUNTRY.fullmatch(country):
        errors["org_country"] = COUNTRY_INVALID
    region = new.region or None
    if country == "KR":
        if region is None:
            errors["org_region"] = REGION_REQUIRED
        elif region not in domain.REGIONS:
            errors["org_region"] = recording.UNKNOWN_CHOICE
        if kind in with_attribute(session, "organisation_kinds", "abroad"):
            errors["org_country"] = FOREIGN_CITY_IN_KOREA
    elif region is not None and COUNTRY.fullmatch(country):
        errors["org_region"] = REGION_ABROAD
    if name_ko and kind:
        taken = session.execute(
            select(func.count())
            .select_from(Organization)
            .where(Organization.name_ko == name_ko, Organization.kind == kind)
        ).scalar_one()
        if taken:
            errors["org_name_ko"] = ORG_EXISTS
    if errors or not write:
        return None
    now = clock.now_utc()
    org = Organization(
        name_ko=name_ko,
        name_en=name_en or name_ko,
        kind=kind,
        region=region if country == "KR" else None,
        is_local=country == "KR" and city(session).is_home(region),
        country=country,
        created_at=now,
    )
    session.add(org)
    session.flush()
    recording.record(
        session,
        actor,
        "organization.create",
        "organization",
        org.id,
        before=None,
        after={
            "name_ko": org.name_ko,
            "name_en": org.name_en,
            "kind": org.kind,
            "region": org.region,
            "country": org.country,
        },
        at=now,
    )
    return org.id


def not_found() -> NotFound:
    return NotFound()


LIST_LIMIT: Final = 1000
"""The most rows a list (overdue inquiries, link candidates) returns; the count is exact."""


@dataclass(frozen=True, kw_only=True)
class LastChange:
    """Who (display name, else account name) last wrote the record, and when (None for a
    record no audited write touched)."""

    changed_by: str | None = None
    changed_at: dt.datetime | None = None


def last_change(session: Session, entity: str, entity_id: int) -> dict[str, Any]:
    """Who (display name, else account name) last wrote the record, and when."""
    event = session.execute(
        select(
            func.coalesce(User.display_name, AuditEvent.actor_name).label("who"),
            AuditEvent.occurred_at,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id == str(entity_id),
            AuditEvent.action != "permission.denied",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return {"changed_by": None, "changed_at": None}
    return {"changed_by": event.who, "changed_at": event.occurred_at}
