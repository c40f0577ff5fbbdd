"""Staff keep the expert pool and the organizations: add, edit and retire an expert (with
their technical fields and declared ties, which the panel draw checks for conflicts of
interest), and add an organization.

Duplicates are caught with a message on the field: an expert with the same name (ignoring
case and spacing) in the same organization who is still in the pool; an organization with
the same Korean or English name and kind. Edits and retirements carry the ``version`` the
editor saw (lost-edit protection, as in :mod:`db.lost_edits`). Each write is one audit
event: ``expert.add``, ``expert.edit``, ``expert.retire``, ``organization.add``. The
events hold the expert's phone and e-mail like any other field; whoever may not see
personal data reads them withheld (:func:`db.audit.trail.record_history`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db import clock, domain, lost_edits, policy, recording
from db.city.store import city, positions, require_code
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.fairness.store import refresh_for_experts
from db.models import Expert, ExpertField, ExpertTie, Organization
from db.policy import STAFF, Actor

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,30}$")

DUPLICATE_EXPERT = N_(
    "An expert with this name in this organization is already in the pool; edit that "
    "record instead."
)
DUPLICATE_ORGANIZATION = N_("An organization of this kind with this name is already registered.")
UNKNOWN_ORGANIZATION = N_("Choose an organization from the list.")
BAD_EMAIL = N_("Enter an e-mail address such as name@example.kr.")
BAD_PHONE = N_("Enter a phone number of digits, spaces or hyphens, such as 053-120-1234.")
CHOOSE_FIELDS = N_("Choose at least one technical field.")
DATE_REQUIRED = N_("Choose a date.")
DATE_IN_FUTURE = N_("This date must not be in the future.")
RETIRED_BEFORE_JOINING = N_("The expert cannot leave the pool before joining it.")
ALREADY_RETIRED = N_("This expert has already left the pool. Nothing was saved.")
BAD_TIE = N_("Each declared tie needs an organization, a kind and a start date.")
NOT_HOME_REGION = N_(
    "An organization is inside the city when its region is one of the city's home regions: "
    "choose its region, or leave it outside the city."
)


@dataclass(frozen=True)
class TieInput:
    """A declared tie as a form gives it."""

    organization_id: int | None
    kind: str | None
    started_on: dt.date | None
    ended_on: dt.date | None = None
    note: str | None = None


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _clean_expert(
    session: Session,
    *,
    name: str,
    name_en: str | None,
    organization_id: int | None,
    affiliation: str,
    position: str | None,
    phone: str | None,
    email: str | None,
    fields: Sequence[str],
    ties: Sequence[TieInput],
    held: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]], dict[str, str]]:
    """The expert's values, fields (in the city's order) and ties, cleaned, and per-field
    problems; ``held``: the fields the expert has now (an edit may keep a retired one)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": recording.clean_text(name, "name", errors, max_chars=100),
        "name_en": recording.clean_text(name_en, "name_en", errors, required=False, max_chars=100)
        or None,
        "position": recording.clean_text(
            position, "position", errors, required=False, max_chars=100
        )
        or None,
        "affiliation": affiliation,
        "organization_id": organization_id,
    }
    phone_text = (phone or "").strip()
    if phone_text and not PHONE.fullmatch(phone_text):
        errors["phone"] = BAD_PHONE
    email_text = (email or "").strip()
    if email_text and (len(email_text) > 254 or not EMAIL.fullmatch(email_text)):
        errors["email"] = BAD_EMAIL
    values["phone"] = phone_text or None
    values["email"] = email_text or None
    if affiliation not in domain.AFFILIATIONS:
        errors["affiliation"] = recording.UNKNOWN_CHOICE
    if organization_id is None or session.get(Organization, organization_id) is None:
        errors["organization_id"] = UNKNOWN_ORGANIZATION
    order = positions(session, "fields")
    chosen = sorted(set(fields or ()), key=lambda f: (order.get(f, -1), str(f)))
    if not chosen:
        errors["fields"] = CHOOSE_FIELDS
    for f in chosen:
        require_code(session, "fields", f, errors, "fields", kept=held)
    tie_rows: list[dict[str, Any]] = []
    for tie in ties:
        if (
            tie.organization_id is None
            or session.get(Organization, tie.organization_id) is None
            or tie.kind not in domain.TIE_KINDS
            or tie.started_on is None
            or (tie.ended_on is not None and tie.ended_on < tie.started_on)
        ):
            errors["ties"] = BAD_TIE
            continue
        tie_rows.append(
            {
                "organization_id": tie.organization_id,
                "kind": tie.kind,
                "started_on": tie.started_on,
                "ended_on": tie.ended_on,
                "note": (tie.note or "").strip()[:500] or None,
            }
        )
    tie_rows.sort(key=lambda t: (t["organization_id"], t["kind"], t["started_on"]))
    return values, chosen, tie_rows, errors


def _duplicate_expert(
    session: Session, name: str, organization_id: int, exclude: int | None
) -> bool:
    rows = session.execute(
        select(Expert.id, Expert.name).where(
            Expert.organization_id == organization_id, Expert.retired_on.is_(None)
        )
    ).all()
    wanted = _norm(name)
    return any(r.id != exclude and _norm(r.name) == wanted for r in rows)


def _ties_of(session: Session, expert_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            ExpertTie.organization_id,
            ExpertTie.kind,
            ExpertTie.started_on,
            ExpertTie.ended_on,
            ExpertTie.note,
        )
        .where(ExpertTie.expert_id == expert_id)
        .order_by(ExpertTie.organization_id, ExpertTie.kind, ExpertTie.started_on)
    ).all()
    return [dict(r._mapping) for r in rows]


def _write_ties(session: Session, expert_id: int, ties: list[dict[str, Any]]) -> None:
    """Replace the expert's declared ties (Core statements: loaded rows stay untouched)."""
    session.execute(delete(ExpertTie).where(ExpertTie.expert_id == expert_id))
    if ties:
        session.execute(insert(ExpertTie), [{"expert_id": expert_id, **t} for t in ties])


def _fields_of(session: Session, expert_id: int) -> list[str]:
    """The expert's field codes, in the city's order."""
    order = positions(session, "fields")
    return sorted(
        session.execute(
            select(ExpertField.field).where(ExpertField.expert_id == expert_id)
        ).scalars(),
        key=lambda f: (order.get(f, -1), f),
    )


def _write_fields(session: Session, expert_id: int, fields: list[str]) -> None:
    session.execute(delete(ExpertField).where(ExpertField.expert_id == expert_id))
    if fields:
        session.execute(insert(ExpertField), [{"expert_id": expert_id, "field": f} for f in fields])


def add_expert(
    *,
    session: Session,
    actor: Actor,
    name: str,
    organization_id: int | None,
    affiliation: str,
    fields: Sequence[str],
    registered_on: dt.date | None,
    name_en: str | None = None,
    position: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    ties: Sequence[TieInput] = (),
) -> int:
    """Add an expert to the pool; return their id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: name (missing, too long, duplicate), name_en,
        organization_id, affiliation, position, phone, email, fields, registered_on, ties.
    """
    policy.require_role(actor, STAFF, "expert.add", "expert")
    values, chosen, tie_rows, errors = _clean_expert(
        session,
        name=name,
        name_en=name_en,
        organization_id=organization_id,
        affiliation=affiliation,
        position=position,
        phone=phone,
        email=email,
        fields=fields,
        ties=ties,
    )
    if registered_on is None:
        errors["registered_on"] = DATE_REQUIRED
    elif registered_on > clock.city_today():
        errors["registered_on"] = DATE_IN_FUTURE
    if (
        "name" not in errors
        and "organization_id" not in errors
        and _duplicate_expert(session, values["name"], values["organization_id"], None)
    ):
        errors["name"] = DUPLICATE_EXPERT
    if errors:
        raise ValidationFailed(errors)
    now = clock.now_utc()
    expert = Expert(registered_on=registered_on, created_at=now, updated_at=now, **values)
    session.add(expert)
    session.flush()
    _write_fields(session, expert.id, chosen)
    _write_ties(session, expert.id, tie_rows)
    recording.record(
        session,
        actor,
        "expert.add",
        "expert",
        expert.id,
        before=None,
        after={**values, "registered_on": registered_on, "fields": chosen, "ties": tie_rows},
        at=now,
    )
    return expert.id


def _locked_expert(session: Session, expert_id: int, version: int) -> tuple[Expert, int]:
    expert = session.get(Expert, expert_id, populate_existing=True, with_for_update=True)
    if expert is None:
        raise NotFound()
    return expert, lost_edits.check_seen(session, expert, "expert", version)


def edit_expert(
    *,
    session: Session,
    actor: Actor,
    expert_id: int,
    version: int,
    name: str,
    organization_id: int | None,
    affiliation: str,
    fields: Sequence[str],
    name_en: str | None = None,
    position: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    ties: Sequence[TieInput] = (),
    reason: str = "",
) -> int:
    """Change an expert's record, fields and declared ties; return the new version.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such expert.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: per field, as :func:`add_expert`.
    :raise DomainError: nothing changed.
    """
    policy.require_role(actor, STAFF, "expert.edit", "expert", expert_id)
    expert, seen = _locked_expert(session, expert_id, version)
    held = _fields_of(session, expert_id)
    values, chosen, tie_rows, errors = _clean_expert(
        session,
        name=name,
        name_en=name_en,
        organization_id=organization_id,
        affiliation=affiliation,
        position=position,
        phone=phone,
        email=email,
        fields=fields,
        ties=ties,
        held=held,
    )
    note = recording.clean_text(reason, "reason", errors, required=False)
    if (
        "name" not in errors
        and "organization_id" not in errors
        and expert.retired_on is None
        and _duplicate_expert(session, values["name"], values["organization_id"], expert_id)
    ):
        errors["name"] = DUPLICATE_EXPERT
    if errors:
        raise ValidationFailed(errors)
    before: dict[str, Any] = {k: getattr(expert, k) for k in values}
    before["fields"] = held
    before["ties"] = _ties_of(session, expert_id)
    after: dict[str, Any] = {**values, "fields": chosen, "ties": tie_rows}
    changes = lost_edits.changes_of(before, after)
    new_version = lost_edits.save_edit(
        session,
        actor,
        Expert,
        "expert",
        expert_id,
        seen,
        before,
        after,
        reason=note,
        recorded_only=("fields", "ties"),
    )
    if "fields" in changes:
        _write_fields(session, expert_id, chosen)
    if "ties" in changes:
        _write_ties(session, expert_id, tie_rows)
    if changes.keys() & {"organization_id", "affiliation", "ties"}:
        # inputs of closed meetings' stored fairness results (conflicts, composition)
        refresh_for_experts(session, [expert_id])
    session.expire(expert)
    return new_version


def retire_expert(
    *,
    session: Session,
    actor: Actor,
    expert_id: int,
    version: int,
    retired_on: dt.date | None,
    reason: str,
) -> int:
    """Record that an expert left the pool on ``retired_on`` (a reason is required);
    return the new version. They are no longer drawn for panels after that day.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such expert.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: retired_on (missing, in the future, before joining), reason.
    :raise DomainError: already retired.
    """
    policy.require_role(actor, STAFF, "expert.retire", "expert", expert_id)
    expert, seen = _locked_expert(session, expert_id, version)
    if expert.retired_on is not None:
        raise DomainError(ALREADY_RETIRED)
    errors: dict[str, str] = {}
    if retired_on is None:
        errors["retired_on"] = DATE_REQUIRED
    elif retired_on > clock.city_today():
        errors["retired_on"] = DATE_IN_FUTURE
    elif retired_on < expert.registered_on:
        errors["retired_on"] = RETIRED_BEFORE_JOINING
    text = recording.clean_text(reason, "reason", errors)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now_utc()
    lost_edits.compare_and_set(
        session, Expert, "expert", expert_id, seen, {"retired_on": retired_on, "updated_at": now}
    )
    session.expire(expert)
    recording.record(
        session,
        actor,
        "expert.retire",
        "expert",
        expert_id,
        before={"retired_on": None},
        after={"retired_on": retired_on},
        reason=text,
        at=now,
    )
    return seen + 1


def add_organization(
    *,
    session: Session,
    actor: Actor,
    name_ko: str,
    name_en: str,
    kind: str,
    region: str | None,
    is_local: bool | None = None,
) -> int:
    """Register an organization (a firm, institution, university ...); return its id.

    It is local (a local firm) when its region is one of the city's home regions; a caller
    that says whether it is (``is_local``) must agree.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: name_ko, name_en (missing, too long, duplicate of
        the same kind), kind (not the city's, or retired), region, is_local.
    """
    policy.require_role(actor, STAFF, "organization.add", "organization")
    errors: dict[str, str] = {}
    ko = recording.clean_text(name_ko, "name_ko", errors, max_chars=200)
    en = recording.clean_text(name_en, "name_en", errors, max_chars=200)
    require_code(session, "organisation_kinds", kind, errors, "kind")
    if region is not None and region not in domain.REGIONS:
        errors["region"] = recording.UNKNOWN_CHOICE
    local = city(session).is_home(region)
    if is_local is not None and bool(is_local) != local:
        errors["is_local"] = NOT_HOME_REGION
    if "kind" not in errors:
        for row in session.execute(
            select(Organization.name_ko, Organization.name_en).where(Organization.kind == kind)
        ).all():
            if ko and _norm(row.name_ko) == _norm(ko):
                errors.setdefault("name_ko", DUPLICATE_ORGANIZATION)
            if en and _norm(row.name_en) == _norm(en):
                errors.setdefault("name_en", DUPLICATE_ORGANIZATION)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now_utc()
    org = Organization(
        name_ko=ko, name_en=en, kind=kind, region=region, is_local=local, created_at=now
    )
    session.add(org)
    session.flush()
    recording.record(
        session,
        actor,
        "organization.add",
        "organization",
        org.id,
        before=None,
        after={"name_ko": ko, "name_en": en, "kind": kind, "region": region, "is_local": local},
        at=now,
    )
    return org.id
