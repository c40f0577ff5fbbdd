"""Technologies: registering a submission (with its registration number) and its lifecycle.

Lifecycle (design.md): submitted -> screening -> under_review -> registered | rejected;
registered -> expired | withdrawn. Who moves what:

- staff move a submission to screening and from screening to review (one compare-and-set
  on the status the caller saw, one audit event: ``technology.screen``/``technology.review``);
- registered and rejected follow a registration review meeting's decision, recorded by the
  deliberation work, never by a direct move;
- expired and withdrawn end a registration the city relies on, so they follow the four-eyes
  rule: staff *propose* the step with a reason, another person with the approver role
  confirms it (:mod:`db.approvals.proposals`).

Registration numbers follow the city's pattern (``reg_no_pattern`` of its profile, such as
``AB-{year}-{seq:03}``): the year of submission in the city and a running number within the
year, the next after the highest given so far. Two submissions at once never get the same number: on
PostgreSQL registrations take a transaction-level advisory lock (on SQLite ``BEGIN
IMMEDIATE`` already serialises writers), and the unique constraint on ``reg_no`` backs it
up: a clash (a writer that did not take the lock, such as an import) is retried with the
next number.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import clock, domain, lost_edits, policy, recording
from db.approvals import proposals
from db.city.store import city, outside_sector, require_code, with_attribute
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Organization, Technology
from db.policy import STAFF, Actor
from db.technologies import fields

REGISTRATION_LOCK = 0x4E5450_01  # pg_advisory_xact_lock key: "NTP" + 1
NUMBER_ATTEMPTS = 5

DIRECT_MOVES = {"screening": "screen", "under_review": "review"}
BY_MEETING = ("registered", "rejected")
ACTIVE = ("submitted", "screening", "under_review", "registered")

DUPLICATE_TITLE = N_(
    "This organization already has a technology with this title in the register; "
    "check the existing record instead of submitting it again."
)
UNKNOWN_OWNER = N_("Choose the organization that owns the technology.")
MEETING_DECIDES = N_(
    "Registration and rejection follow a registration review meeting's decision; record "
    "the decision with the meeting. Nothing was saved."
)
STEP_NOT_POSSIBLE = domain.STEP_NOT_POSSIBLE


def _check_codes(
    session: Session,
    field: str,
    growth_sector: str,
    certification: str,
    errors: dict[str, str],
    kept: Technology | None = None,
) -> None:
    """Record a problem for each of the three codes that this write may not use: the field
    and growth sector are the city's (an edit may keep a retired one its record holds,
    ``kept``), the certification a national one."""
    require_code(session, "fields", field, errors, "field", kept=_held(kept, "field"))
    require_code(
        session,
        "sectors",
        growth_sector,
        errors,
        "growth_sector",
        kept=_held(kept, "growth_sector"),
    )
    if certification not in domain.CERTIFICATIONS:
        errors["certification"] = recording.UNKNOWN_CHOICE


def _held(tech: Technology | None, name: str) -> tuple[str, ...]:
    return () if tech is None else (getattr(tech, name),)


def next_reg_no(session: Session, year: int) -> str:
    """The next free registration number of ``year`` in the city's pattern: one more than
    the highest number of that year given so far (of all time, for a pattern without
    ``{year}``)."""
    pattern = city(session).reg_no_pattern
    numbers = session.execute(
        select(Technology.reg_no).where(
            Technology.reg_no.startswith(pattern.prefix(year), autoescape=True)
        )
    ).scalars()
    highest = 0
    for reg_no in numbers:
        parsed = pattern.parse(reg_no)
        if parsed is not None and parsed[0] in (year, None):
            highest = max(highest, parsed[1])
    return pattern.format(year, highest + 1)


def _normalized(title: str) -> str:
    """A title as compared for duplicates: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def _duplicate_fields(
    session: Session, owner_org_id: int, title_ko: str, title_en: str
) -> dict[str, str]:
    """Which titles an active technology of the same owner already has (per field).

    Compared in Python after normalising (an owner has a handful of technologies)."""
    rows = session.execute(
        select(Technology.title_ko, Technology.title_en).where(
            Technology.owner_org_id == owner_org_id, Technology.status.in_(ACTIVE)
        )
    ).all()
    errors: dict[str, str] = {}
    ko, en = _normalized(title_ko), _normalized(title_en)
    for row in rows:
        if ko and _normalized(row.title_ko) == ko:
            errors["title_ko"] = DUPLICATE_TITLE
        if en and _normalized(row.title_en) == en:
            errors["title_en"] = DUPLICATE_TITLE
    return errors


def register_technology(
    *,
    session: Session,
    actor: Actor,
    title_ko: str,
    title_en: str,
    owner_org_id: int | None,
    field: str,
    growth_sector: str | None = None,
    certification: str = "none",
    summary: str | None = None,
) -> tuple[int, str]:
    """Record a technology submission (status ``submitted``) and give it its registration
    number; return ``(id, reg_no)``. Without a growth sector the technology is outside the
    city's growth sectors (the profile's ``outside`` sector).

    The owner must be an organisation whose kind may own technologies. A duplicate is the
    same title (Korean or English, ignoring case and spacing) for the same owner among
    technologies that are not rejected, expired or withdrawn.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: title_ko, title_en (missing, too long, duplicate),
        owner_org_id, field, growth_sector, certification, summary.
    """
    policy.require_role(actor, STAFF, "technology.submit", "technology")
    errors: dict[str, str] = {}
    title_ko = recording.clean_text(title_ko, "title_ko", errors, max_chars=fields.TITLE_MAX_CHARS)
    title_en = recording.clean_text(title_en, "title_en", errors, max_chars=fields.TITLE_MAX_CHARS)
    summary_text = recording.clean_text(
        summary, "summary", errors, required=False, max_chars=fields.SUMMARY_MAX_CHARS
    )
    owner = session.get(Organization, owner_org_id) if owner_org_id is not None else None
    if owner is None or owner.kind not in with_attribute(
        session, "organisation_kinds", "owns_technologies"
    ):
        errors["owner_org_id"] = UNKNOWN_OWNER
    if growth_sector is None:
        growth_sector = outside_sector(session)
    _check_codes(session, field, growth_sector, certification, errors)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRATION_LOCK})
    if owner is not None and (title_ko or title_en):
        for name, problem in _duplicate_fields(session, owner.id, title_ko, title_en).items():
            errors.setdefault(name, problem)
    if errors:
        raise ValidationFailed(errors)
    assert owner is not None
    now = clock.now_utc()
    today = clock.city_today()
    for _attempt in range(NUMBER_ATTEMPTS):
        reg_no = next_reg_no(session, today.year)
        tech = Technology(
            reg_no=reg_no,
            title_ko=title_ko,
            title_en=title_en,
            summary=summary_text or None,
            owner_org_id=owner.id,
            is_local=owner.is_local,
            field=field,
            growth_sector=growth_sector,
            certification=certification,
            status="submitted",
            submitted_on=today,
            created_by_id=actor.id,
            updated_at=now,
            updated_by_id=actor.id,
        )
        try:
            with session.begin_nested():
                session.add(tech)
                session.flush()
        except IntegrityError:
            continue  # another writer took the number: count again
        break
    else:  # pragma: no cover - needs NUMBER_ATTEMPTS clashes in a row
        raise DomainError()
    recording.record(
        session,
        actor,
        "technology.submit",
        "technology",
        tech.id,
        before=None,
        after={
            "reg_no": reg_no,
            "title_ko": title_ko,
            "title_en": title_en,
            "owner_org_id": owner.id,
            "is_local": owner.is_local,
            "field": field,
            "growth_sector": growth_sector,
            "certification": certification,
            "status": "submitted",
            "submitted_on": today,
        },
        at=now,
    )
    return tech.id, reg_no


def move_technology(
    *, session: Session, actor: Actor, tech_id: int, to: str, expected: str, reason: str = ""
) -> int | None:
    """Move technology ``tech_id`` from ``expected`` to ``to``.

    ``screening`` and ``under_review`` are applied at once (returns ``None``); ``expired``
    and ``withdrawn`` become a proposal that another person with the approver role confirms
    (returns the proposal's id; ``reason`` is mandatory then). ``registered`` and
    ``rejected`` are refused: they follow a registration review meeting.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such technology.
    :raise Conflict: the technology is no longer in ``expected`` (names who moved it).
    :raise ValidationFailed: ``to`` is not a next step of ``expected`` (``to``); missing
        reason (``reason``).
    :raise DomainError: ``to`` is decided by a meeting.
    """
    if to in proposals.TECHNOLOGY_VERBS:
        return proposals.propose_technology_end(
            session=session, actor=actor, tech_id=tech_id, to=to, expected=expected, reason=reason
        )
    verb = DIRECT_MOVES.get(to, "move")
    policy.require_role(actor, STAFF, f"technology.{verb}", "technology", tech_id)
    if to in BY_MEETING:
        raise DomainError(MEETING_DECIDES)
    tech = session.get(Technology, tech_id, populate_existing=True, with_for_update=True)
    if tech is None:
        raise NotFound()
    if tech.status != expected:
        raise proposals.changed(session, "technology", tech_id)
    if to not in DIRECT_MOVES:
        raise ValidationFailed({"to": STEP_NOT_POSSIBLE})
    domain.require_transition("technology", expected, to)
    errors: dict[str, str] = {}
    note = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    now, today = clock.now_utc(), clock.city_today()
    dated = {"screening": "screening_on", "under_review": "review_on"}[to]
    if not recording.compare_and_set(
        session,
        update(Technology)
        .where(Technology.id == tech_id, Technology.status == expected)
        .values(
            status=to,
            updated_at=now,
            updated_by_id=actor.id,
            version=Technology.version + 1,
            **{dated: today},
        ),
    ):
        raise proposals.changed(session, "technology", tech_id)
    recording.record(
        session,
        actor,
        f"technology.{verb}",
        "technology",
        tech_id,
        before={"status": expected},
        after={"status": to, dated: today},
        reason=note or None,
        at=now,
    )
    return None


def edit_technology(
    *,
    session: Session,
    actor: Actor,
    tech_id: int,
    version: int,
    title_ko: str,
    title_en: str,
    field: str,
    growth_sector: str,
    certification: str,
    summary: str | None = None,
    reason: str = "",
) -> int:
    """Correct a technology's register fields (titles, summary, field, growth sector,
    certification) while its lifecycle is open; return the new version. The registration
    number, owner and status are not edited here (status moves are their own steps).

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such technology.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: per field (titles: missing, too long, duplicate of another
        technology of the same owner; codes: unknown, or retired and not the record's own).
    :raise DomainError: nothing changed; the lifecycle has ended.
    """
    policy.require_role(actor, STAFF, "technology.edit", "technology", tech_id)
    tech = session.get(Technology, tech_id, populate_existing=True, with_for_update=True)
    if tech is None:
        raise NotFound()
    seen = lost_edits.check_seen(session, tech, "technology", version)
    if tech.status not in ACTIVE:
        raise DomainError(lost_edits.NOT_EDITABLE)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title_ko": recording.clean_text(
            title_ko, "title_ko", errors, max_chars=fields.TITLE_MAX_CHARS
        ),
        "title_en": recording.clean_text(
            title_en, "title_en", errors, max_chars=fields.TITLE_MAX_CHARS
        ),
        "summary": recording.clean_text(
            summary, "summary", errors, required=False, max_chars=fields.SUMMARY_MAX_CHARS
        )
        or None,
        "field": field,
        "growth_sector": growth_sector,
        "certification": certification,
    }
    _check_codes(session, field, growth_sector, certification, errors, kept=tech)
    note = recording.clean_text(reason, "reason", errors, required=False)
    before = {k: getattr(tech, k) for k in fields.CORRECTED}
    others = _duplicate_fields(
        session,
        tech.owner_org_id,
        values["title_ko"] if values["title_ko"] != before["title_ko"] else "",
        values["title_en"] if values["title_en"] != before["title_en"] else "",
    )
    for name, problem in others.items():
        errors.setdefault(name, problem)
    if errors:
        raise ValidationFailed(errors)
    return lost_edits.save_edit(
        session, actor, Technology, "technology", tech_id, seen, before, values, reason=note
    )
