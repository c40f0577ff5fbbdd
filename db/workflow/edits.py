"""Staff edits of register records: technologies and testbeds (adoptions: ``adoptions.py``;
experts and organizations: ``experts.py``).

Every edit is lost-edit protected (:mod:`db.lost_edits`): it carries the ``version``
of the record its editor saw, writes with a compare-and-set on that version and increments
it. If anyone saved the record in between, nothing is written and
:class:`~db.lost_edits.StaleEdit` names who saved it and when. Each edit is one audit
event (``technology.edit``, ``testbed.edit``) with the changed fields before and after and
the editor's optional note as the reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db import domain, lost_edits, policy, recording
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Technology, Testbed
from db.policy import STAFF, Actor
from db.workflow.technologies import ACTIVE, _duplicate_fields

NOT_EDITABLE = N_(
    "This record's lifecycle has ended, so it can no longer be edited. Nothing was saved."
)
TECHNOLOGY_FIELDS = ("title_ko", "title_en", "summary", "field", "growth_sector", "certification")
TESTBED_FIELDS = ("site",)
TESTBED_FINISHED = ("rejected", "certified")


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
        technology of the same owner; codes: unknown).
    :raise DomainError: nothing changed; the lifecycle has ended.
    """
    policy.require_role(actor, STAFF, "technology.edit", "technology", tech_id)
    tech = session.get(Technology, tech_id, populate_existing=True, with_for_update=True)
    if tech is None:
        raise NotFound()
    seen = lost_edits.check_seen(session, tech, "technology", version)
    if tech.status not in ACTIVE:
        raise DomainError(NOT_EDITABLE)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title_ko": recording.clean_text(title_ko, "title_ko", errors, max_chars=300),
        "title_en": recording.clean_text(title_en, "title_en", errors, max_chars=300),
        "summary": recording.clean_text(summary, "summary", errors, required=False) or None,
        "field": field,
        "growth_sector": growth_sector,
        "certification": certification,
    }
    if field not in domain.FIELDS:
        errors["field"] = recording.UNKNOWN_CHOICE
    if growth_sector not in domain.GROWTH_SECTORS:
        errors["growth_sector"] = recording.UNKNOWN_CHOICE
    if certification not in domain.CERTIFICATIONS:
        errors["certification"] = recording.UNKNOWN_CHOICE
    note = recording.clean_text(reason, "reason", errors, required=False)
    before = {k: getattr(tech, k) for k in TECHNOLOGY_FIELDS}
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


def edit_testbed(
    *,
    session: Session,
    actor: Actor,
    testbed_id: int,
    version: int,
    site: str,
    reason: str = "",
) -> int:
    """Correct a testbed's site while it is not finished; return the new version. Its
    stages move only through step proposals (:mod:`db.workflow.proposals`).

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such testbed.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: ``site`` missing or too long.
    :raise DomainError: nothing changed; the testbed is finished.
    """
    policy.require_role(actor, STAFF, "testbed.edit", "testbed", testbed_id)
    testbed = session.get(Testbed, testbed_id, populate_existing=True, with_for_update=True)
    if testbed is None:
        raise NotFound()
    seen = lost_edits.check_seen(session, testbed, "testbed", version)
    if testbed.status in TESTBED_FINISHED:
        raise DomainError(NOT_EDITABLE)
    errors: dict[str, str] = {}
    values = {"site": recording.clean_text(site, "site", errors, max_chars=300)}
    note = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    before = {"site": testbed.site}
    return lost_edits.save_edit(
        session, actor, Testbed, "testbed", testbed_id, seen, before, values, reason=note
    )
