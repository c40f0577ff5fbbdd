"""Staff edits of register records: technologies and testbeds (adoptions: ``adoptions.py``;
experts and organizations: ``experts.py``).

Every edit is lost-edit protected (:mod:`db.workflow.lost_edits`): it carries the ``version``
of the record its editor saw, writes with a compare-and-set on that version and increments
it. If anyone saved the record in between, nothing is written and
:class:`~db.workflow.lost_edits.StaleEdit` names who saved it and when. Each edit is one audit
event (``technology.edit``, ``testbed.edit``) with the changed fields before and after and
the editor's optional note as the reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import domain, policy, recording
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Technology, Testbed
from db.policy import STAFF, Actor
from db.workflow import lost_edits
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


def current_version(session: Session, model: Any, record_id: int) -> int | None:
    """The version of a record now (for an edit form to carry), or None if it is gone."""
    value = session.execute(select(model.version).where(model.id == record_id)).scalar()
    return None if value is None else int(value)


SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "adoption": (
        "technology_id", "project_name", "department", "budget_krw", "year", "justification",
        "status",
    ),
    "technology": (*TECHNOLOGY_FIELDS, "status", "reg_no", "owner_org_id"),
    "testbed": ("site", "status", "technology_id"),
    "expert": (
        "name", "name_en", "organization_id", "affiliation", "position", "phone", "email",
        "registered_on", "retired_on",
    ),
}  # fmt: skip


def edit_snapshot(
    *, session: Session, actor: Actor, entity: str, record_id: int
) -> dict[str, Any] | None:
    """A record as an edit form starts from: its editable fields and its ``version`` (the
    version the edit will carry), read now and uncached; experts with their field codes and
    declared ties. None when there is no such record.

    :raise PermissionDenied: the actor is not staff.
    :raise ValueError: an entity without edits.
    """
    from db.models import Adoption, Expert, ExpertField, ExpertTie

    policy.require_role(actor, STAFF, f"{entity}.edit", entity, record_id)
    models: dict[str, Any] = {
        "adoption": Adoption,
        "technology": Technology,
        "testbed": Testbed,
        "expert": Expert,
    }
    if entity not in models:
        raise ValueError(f"no edits for {entity!r}")
    model = models[entity]
    columns = [getattr(model, c) for c in ("id", "version", *SNAPSHOT_FIELDS[entity])]
    row = session.execute(select(*columns).where(model.id == record_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    if entity == "expert":
        order = {f: i for i, f in enumerate(domain.FIELDS)}
        out["fields"] = sorted(
            session.execute(
                select(ExpertField.field).where(ExpertField.expert_id == record_id)
            ).scalars(),
            key=order.__getitem__,
        )
        out["ties"] = [
            dict(r._mapping)
            for r in session.execute(
                select(
                    ExpertTie.organization_id,
                    ExpertTie.kind,
                    ExpertTie.started_on,
                    ExpertTie.ended_on,
                    ExpertTie.note,
                )
                .where(ExpertTie.expert_id == record_id)
                .order_by(ExpertTie.started_on, ExpertTie.id)
            ).all()
        ]
    return out
