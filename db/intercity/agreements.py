"""Agreements with partners (MOUs and joint operations): recording, correcting, and linking
what they produced (adoptions and testbeds).

Status and dates must agree, so that the stored status and the status a date reading gives
(``db.kpi.headline.agreements_by_status``: expired after ``ends_on``, active from
``starts_on``, signed from ``signed_on``) never contradict each other on the day of the write:

- *planned*: not signed yet (no signing date); a start, if known, lies ahead;
- *signed*: needs ``signed_on``; it has not started (no start date, or one ahead);
- *active*: needs ``signed_on`` and ``starts_on`` (not later than today);
- *expired*: needs an end date before today ("expired by date");
- always: planned (not later than today) <= signed (not later than today) <= starts <= ends;
  an end date needs a start date; *planned*, *signed* and *active* cannot have an end date
  that has passed (choose *expired*).

An edit is a compare-and-set on ``version``; the loser is told who changed the agreement and
when. Linking: an adoption or a testbed that came while a signed agreement was in force
(from its signing to its end) may be recorded as produced by it; rejected ones produce
nothing. Audit events: ``agreement.plan`` (recorded, whatever its status),
``agreement.edit``, ``organization.create`` (a new partner),
``adoption.link_agreement``/``adoption.unlink_agreement`` and the same for ``testbed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import update
from sqlalchemy.orm import Session

from db import clock, domain, lost_edits, policy, recording
from db.errors import N_, DomainError, ValidationFailed
from db.intercity import common
from db.intercity.common import NewOrganization
from db.models import Adoption, Agreement, Testbed
from db.policy import STAFF, Actor

SIGNED_ON_REQUIRED = N_("Enter the date it was signed.")
STARTS_ON_REQUIRED = N_("Enter the date it started.")
ENDS_ON_REQUIRED = N_("Enter the date it ended (before today).")
PLANNED_NOT_SIGNED = N_("A planned agreement is not signed yet: clear this date or choose Signed.")
SIGNED_BEFORE_PLANNED = N_("It cannot be signed before it was planned.")
STARTS_BEFORE_SIGNED = N_("It cannot start before it was signed.")
START_AHEAD = N_("It has started already: choose Active, or enter a start date after today.")
START_NOT_YET = N_("An active agreement has started: the start date cannot be later than today.")
ENDS_BEFORE_START = N_("The end date cannot be before the start date.")
END_NEEDS_START = N_("An end date needs a start date.")
END_PASSED = N_("The end date has passed: choose Expired, or correct the date.")
NOT_EXPIRED_YET = N_("An agreement expires after its end date: the end date must be before today.")

PRODUCT_KINDS: Final = ("adoption", "testbed")
NOT_IN_FORCE = N_(
    "Only a signed agreement produces adoptions and testbeds; this one is still planned. "
    "Nothing was saved."
)
OUTSIDE_TERM = N_(
    "This record began on {day}, outside the agreement's term ({start} to {end}); only what "
    "came while the agreement was in force can be linked to it. Nothing was saved."
)
REJECTED_PRODUCT = N_("A rejected record produced nothing; it cannot be linked. Nothing was saved.")
LINKED_ELSEWHERE = N_(
    "This record is already linked to another agreement (number {other}); unlink it there "
    "first. Nothing was saved."
)
NOT_LINKED = N_("This record is not linked to this agreement. Nothing was saved.")
ALREADY_LINKED = N_("This record is already linked to this agreement. Nothing was saved.")

FIELDS = (
    "partner_org_id",
    "kind",
    "title_ko",
    "title_en",
    "scope",
    "status",
    "planned_on",
    "signed_on",
    "starts_on",
    "ends_on",
)


def _clean(
    *,
    kind: Any,
    status: Any,
    title_ko: str | None,
    title_en: str | None,
    scope: str | None,
    planned_on: Any,
    signed_on: Any,
    starts_on: Any,
    ends_on: Any,
    errors: dict[str, str],
) -> dict[str, Any]:
    """The agreement's fields, cleaned, with the status and date rules of the module."""
    today = clock.city_today()
    status = common.choice(status, "status", domain.AGREEMENT_STATUSES, errors)
    values: dict[str, Any] = {
        "kind": common.choice(kind, "kind", domain.AGREEMENT_KINDS, errors),
        "status": status,
        "title_ko": recording.clean_text(title_ko, "title_ko", errors, max_chars=300),
        "title_en": recording.clean_text(
            title_en, "title_en", errors, required=False, max_chars=300
        ),
        "scope": recording.clean_text(scope, "scope", errors, required=False) or None,
        "planned_on": common.clean_date(planned_on, "planned_on", errors),
        "signed_on": common.clean_date(signed_on, "signed_on", errors, required=False),
        "starts_on": common.clean_date(
            starts_on, "starts_on", errors, required=False, not_after_today=False
        ),
        "ends_on": common.clean_date(
            ends_on, "ends_on", errors, required=False, not_after_today=False
        ),
    }
    values["title_en"] = values["title_en"] or values["title_ko"]
    planned, signed = values["planned_on"], values["signed_on"]
    starts, ends = values["starts_on"], values["ends_on"]

    def problem(name: str, message: str) -> None:
        errors.setdefault(name, message)

    if status == "planned" and signed is not None:
        problem("signed_on", PLANNED_NOT_SIGNED)
    if status in ("signed", "active", "expired") and signed is None:
        problem("signed_on", SIGNED_ON_REQUIRED)
    if status in ("active", "expired") and starts is None:
        problem("starts_on", STARTS_ON_REQUIRED)
    if status == "expired" and ends is None:
        problem("ends_on", ENDS_ON_REQUIRED)
    if status in ("planned", "signed") and starts is not None and starts <= today:
        problem("starts_on", START_AHEAD)
    if status == "active" and starts is not None and starts > today:
        problem("starts_on", START_NOT_YET)
    if planned and signed and signed < planned:
        problem("signed_on", SIGNED_BEFORE_PLANNED)
    if signed and starts and starts < signed:
        problem("starts_on", STARTS_BEFORE_SIGNED)
    if ends is not None and starts is None:
        problem("starts_on", END_NEEDS_START)
    if starts and ends and ends < starts:
        problem("ends_on", ENDS_BEFORE_START)
    if ends is not None and status in ("planned", "signed", "active") and ends < today:
        problem("ends_on", END_PASSED)
    if status == "expired" and ends is not None and ends >= today:
        problem("ends_on", NOT_EXPIRED_YET)
    return values


def create_agreement(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    status: str,
    title_ko: str,
    planned_on: dt.date | None,
    partner_org_id: int | None = None,
    new_partner: NewOrganization | None = None,
    title_en: str | None = None,
    scope: str | None = None,
    signed_on: dt.date | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> int:
    """Record an agreement with an existing partner (``partner_org_id``) or a new one
    (``new_partner``); return its id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: partner_org_id, org_* (new partner), kind, status,
        title_ko, title_en, scope, planned_on, signed_on, starts_on, ends_on (module rules).
    """
    policy.require_role(actor, STAFF, "agreement.plan", "agreement")
    errors: dict[str, str] = {}
    values = _clean(
        kind=kind,
        status=status,
        title_ko=title_ko,
        title_en=title_en,
        scope=scope,
        planned_on=planned_on,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        errors=errors,
    )
    common.resolve_organization(
        session, actor, partner_org_id, new_partner, "partner_org_id", errors, write=False
    )
    if errors:
        raise ValidationFailed(errors)
    partner = common.resolve_organization(
        session, actor, partner_org_id, new_partner, "partner_org_id", errors, write=True
    )
    agreement = Agreement(partner_org_id=partner, version=1, **values)
    session.add(agreement)
    session.flush()
    recording.record(
        session,
        actor,
        "agreement.plan",
        "agreement",
        agreement.id,
        before=None,
        after={"partner_org_id": partner, **values},
    )
    return agreement.id


def edit_agreement(
    *,
    session: Session,
    actor: Actor,
    agreement_id: int,
    version: int,
    kind: str,
    status: str,
    title_ko: str,
    planned_on: dt.date | None,
    partner_org_id: int | None = None,
    new_partner: NewOrganization | None = None,
    title_en: str | None = None,
    scope: str | None = None,
    signed_on: dt.date | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> int:
    """Change an agreement if it is still at ``version``; return the new version.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such agreement.
    :raise StaleEdit: someone saved it since ``version`` (names them and the time).
    :raise ValidationFailed: per field, as :func:`create_agreement`.
    :raise DomainError: nothing changed.
    """
    policy.require_role(actor, STAFF, "agreement.edit", "agreement", agreement_id)
    agreement = session.get(Agreement, agreement_id, populate_existing=True, with_for_update=True)
    if agreement is None:
        raise common.not_found()
    seen = lost_edits.check_seen(session, agreement, "agreement", version)
    errors: dict[str, str] = {}
    values = _clean(
        kind=kind,
        status=status,
        title_ko=title_ko,
        title_en=title_en,
        scope=scope,
        planned_on=planned_on,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        errors=errors,
    )
    common.resolve_organization(
        session, actor, partner_org_id, new_partner, "partner_org_id", errors, write=False
    )
    if errors:
        raise ValidationFailed(errors)
    values["partner_org_id"] = common.resolve_organization(
        session, actor, partner_org_id, new_partner, "partner_org_id", errors, write=True
    )
    before = {k: getattr(agreement, k) for k in FIELDS}
    return lost_edits.save_edit(
        session, actor, Agreement, "agreement", agreement_id, seen, before, values
    )


def link_product(
    *,
    session: Session,
    actor: Actor,
    agreement_id: int,
    kind: str,
    product_id: int,
    linked: bool = True,
) -> None:
    """Record (``linked``) or remove the link between an agreement and an adoption or a
    testbed (``kind``) that it produced.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such agreement or record.
    :raise ValidationFailed: ``kind`` is neither adoption nor testbed.
    :raise DomainError: the agreement is only planned; the record was rejected, began
        outside the agreement's term, is linked to another agreement, is already linked
        (or, to unlink, is not linked) to this one.
    """
    if kind not in PRODUCT_KINDS:
        raise ValidationFailed({"kind": recording.UNKNOWN_CHOICE})
    action = f"{kind}.{'link' if linked else 'unlink'}_agreement"
    policy.require_role(actor, STAFF, action, kind, product_id)
    agreement = session.get(Agreement, agreement_id, with_for_update={"read": True})
    model: Any = Adoption if kind == "adoption" else Testbed
    product: Adoption | Testbed | None = session.get(
        model, product_id, populate_existing=True, with_for_update=True
    )
    if agreement is None or product is None:
        raise common.not_found()
    current = product.agreement_id
    if not linked:
        if current != agreement_id:
            raise DomainError(NOT_LINKED)
    else:
        if current == agreement_id:
            raise DomainError(ALREADY_LINKED)
        if current is not None:
            raise DomainError(LINKED_ELSEWHERE, other=current)
        if agreement.signed_on is None:
            raise DomainError(NOT_IN_FORCE)
        if product.status == "rejected":
            raise DomainError(REJECTED_PRODUCT)
        began = product.proposed_on if isinstance(product, Adoption) else product.applied_on
        if began < agreement.signed_on or (agreement.ends_on and began > agreement.ends_on):
            raise DomainError(
                OUTSIDE_TERM,
                day=began.isoformat(),
                start=agreement.signed_on.isoformat(),
                end=agreement.ends_on.isoformat() if agreement.ends_on else "-",
            )
    new = agreement_id if linked else None
    if not recording.compare_and_set(
        session,
        update(model)
        .where(
            model.id == product_id,
            model.agreement_id.is_(current) if current is None else model.agreement_id == current,
        )
        .values(agreement_id=new),
    ):  # pragma: no cover - row is locked
        raise lost_edits.stale_edit(session, kind, product_id)
    recording.record(
        session,
        actor,
        action,
        kind,
        product_id,
        before={"agreement_id": current},
        after={"agreement_id": new},
    )
