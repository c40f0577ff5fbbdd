"""What an audit event names, as a person reads it: the record by its human number (a
technology's registration number, a meeting's code, an adoption's technology and project)
instead of its internal id, and the actor's display name and roles.

Read for one page of events at a time: one query per kind of record on the page (never per
event). No role check here: the callers in :mod:`db.audit.trail` check it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.models import (
    Adoption,
    AdoptionEvaluation,
    AgendaItem,
    Agreement,
    Application,
    Contract,
    Evaluation,
    Expert,
    ExpertTie,
    Inquiry,
    InquiryFollowup,
    Meeting,
    Organization,
    PanelSeat,
    Proposal,
    Publication,
    RegulationVersion,
    Technology,
    Testbed,
    TestbedSale,
    User,
    UserRole,
)


@dataclass(frozen=True)
class RecordName:
    """A record as a person names it: ``number`` (``DG-2019-041``, ``NTP-2019-05``; the id
    when the record has no number of its own or is gone), and ``detail`` in Korean and
    English (a project, a title, a name; may be empty). ``found``: the record still exists.
    """

    number: str
    detail_ko: str = ""
    detail_en: str = ""
    found: bool = True


@dataclass(frozen=True)
class ActorName:
    """Who acted: display name (empty for a deleted or system account) and current roles."""

    display_name: str
    roles: tuple[str, ...]


def _ids(values: Iterable[str]) -> list[int]:
    return sorted({int(v) for v in values if v is not None and str(v).isdigit()})


def record_names(
    session: Session, records: Iterable[tuple[str, str | None]]
) -> dict[tuple[str, str], RecordName]:
    """The names of ``(entity, entity_id)`` pairs (kinds without a name of their own, and
    records that no longer exist, are left out: the caller shows the id)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entity, entity_id in records:
        if entity_id is not None:
            wanted[entity].add(str(entity_id))
    out: dict[tuple[str, str], RecordName] = {}
    for entity, ids in wanted.items():
        reader = _READERS.get(entity)
        if reader is None:
            continue
        for key, name in reader(session, _ids(ids)).items():
            out[(entity, str(key))] = name
    return out


def _technologies(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Technology.id, Technology.reg_no, Technology.title_ko, Technology.title_en).where(
            Technology.id.in_(ids)
        )
    )
    return {r.id: RecordName(r.reg_no, r.title_ko, r.title_en) for r in rows}


def _adoptions(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Adoption.id, Technology.reg_no, Adoption.project_name)
        .join(Technology, Technology.id == Adoption.technology_id)
        .where(Adoption.id.in_(ids))
    )
    return {r.id: RecordName(r.reg_no, r.project_name, r.project_name) for r in rows}


def _testbeds(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Testbed.id, Technology.reg_no, Testbed.site)
        .join(Technology, Technology.id == Testbed.technology_id)
        .where(Testbed.id.in_(ids))
    )
    return {r.id: RecordName(r.reg_no, r.site or "", r.site or "") for r in rows}


def _meetings(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Meeting.id, Meeting.code, Meeting.title).where(Meeting.id.in_(ids))
    )
    return {r.id: RecordName(r.code, r.title, r.title) for r in rows}


def _agenda_items(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(AgendaItem.id, AgendaItem.position, Meeting.code, Technology.reg_no)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .where(AgendaItem.id.in_(ids))
    )
    return {r.id: RecordName(f"{r.code} #{r.position}", r.reg_no, r.reg_no) for r in rows}


def _panel_seats(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(PanelSeat.id, Meeting.code, Expert.name, Expert.name_en)
        .join(Meeting, Meeting.id == PanelSeat.meeting_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(PanelSeat.id.in_(ids))
    )
    return {r.id: RecordName(r.code, r.name, r.name_en or r.name) for r in rows}


def _evaluations(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Evaluation.id, Meeting.code, AgendaItem.position, Expert.name, Expert.name_en)
        .join(AgendaItem, AgendaItem.id == Evaluation.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(PanelSeat, PanelSeat.id == Evaluation.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(Evaluation.id.in_(ids))
    )
    return {r.id: RecordName(f"{r.code} #{r.position}", r.name, r.name_en or r.name) for r in rows}


def _experts(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(select(Expert.id, Expert.name, Expert.name_en).where(Expert.id.in_(ids)))
    return {r.id: RecordName(r.name, "", r.name_en or "") for r in rows}


def _expert_ties(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(ExpertTie.id, Expert.name, Organization.name_ko, Organization.name_en)
        .join(Expert, Expert.id == ExpertTie.expert_id)
        .join(Organization, Organization.id == ExpertTie.organization_id)
        .where(ExpertTie.id.in_(ids))
    )
    return {r.id: RecordName(r.name, r.name_ko, r.name_en) for r in rows}


def _organizations(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Organization.id, Organization.name_ko, Organization.name_en).where(
            Organization.id.in_(ids)
        )
    )
    return {r.id: RecordName(r.name_ko, "", r.name_en) for r in rows}


def _inquiries(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Inquiry.id, Organization.name_ko, Organization.name_en, Inquiry.topic)
        .join(Organization, Organization.id == Inquiry.org_id)
        .where(Inquiry.id.in_(ids))
    )
    return {r.id: RecordName(r.name_ko, r.topic, r.name_en) for r in rows}


def _followups(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(InquiryFollowup.id, Organization.name_ko, Organization.name_en)
        .join(Inquiry, Inquiry.id == InquiryFollowup.inquiry_id)
        .join(Organization, Organization.id == Inquiry.org_id)
        .where(InquiryFollowup.id.in_(ids))
    )
    return {r.id: RecordName(r.name_ko, "", r.name_en) for r in rows}


def _agreements(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Agreement.id, Agreement.title_ko, Agreement.title_en).where(Agreement.id.in_(ids))
    )
    return {r.id: RecordName(r.title_ko, "", r.title_en) for r in rows}


def _contracts(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(Contract.id, Technology.reg_no, Contract.project_name)
        .join(Adoption, Adoption.id == Contract.adoption_id)
        .join(Technology, Technology.id == Adoption.technology_id)
        .where(Contract.id.in_(ids))
    )
    return {r.id: RecordName(r.reg_no, r.project_name, r.project_name) for r in rows}


def _adoption_evaluations(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(AdoptionEvaluation.id, Technology.reg_no, Adoption.project_name)
        .join(Adoption, Adoption.id == AdoptionEvaluation.adoption_id)
        .join(Technology, Technology.id == Adoption.technology_id)
        .where(AdoptionEvaluation.id.in_(ids))
    )
    return {r.id: RecordName(r.reg_no, r.project_name, r.project_name) for r in rows}


def _sales(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(TestbedSale.id, Technology.reg_no, TestbedSale.buyer)
        .join(Testbed, Testbed.id == TestbedSale.testbed_id)
        .join(Technology, Technology.id == Testbed.technology_id)
        .where(TestbedSale.id.in_(ids))
    )
    return {r.id: RecordName(r.reg_no, r.buyer, r.buyer) for r in rows}


def _applications(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(
            Application.id, Application.organisation, Application.title_ko, Application.title_en
        ).where(Application.id.in_(ids))
    )
    return {r.id: RecordName(r.organisation, r.title_ko, r.title_en) for r in rows}


def _users(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(ids))
    )
    return {r.id: RecordName(r.username, r.display_name, r.display_name) for r in rows}


def _regulations(session: Session, ids: list[int]) -> dict[int, RecordName]:
    rows = session.execute(
        select(RegulationVersion.id, RegulationVersion.number).where(RegulationVersion.id.in_(ids))
    )
    return {r.id: RecordName(f"#{r.number}") for r in rows}


def _proposals(session: Session, ids: list[int]) -> dict[int, RecordName]:
    """A step proposal named by the record it is about."""
    rows = session.execute(
        select(Proposal.id, Proposal.entity, Proposal.entity_id).where(Proposal.id.in_(ids))
    ).all()
    targets = record_names(session, ((r.entity, str(r.entity_id)) for r in rows))
    out: dict[int, RecordName] = {}
    for r in rows:
        target = targets.get((r.entity, str(r.entity_id)))
        if target is not None:
            out[r.id] = target
    return out


def _publications(session: Session, ids: list[int]) -> dict[int, RecordName]:
    """A publication named by its as-of date (and its title)."""
    rows = session.execute(
        select(Publication.id, Publication.as_of, Publication.title).where(Publication.id.in_(ids))
    )
    return {r.id: RecordName(r.as_of.isoformat(), r.title or "", r.title or "") for r in rows}


_READERS = {
    "technology": _technologies,
    "adoption": _adoptions,
    "testbed": _testbeds,
    "meeting": _meetings,
    "agenda_item": _agenda_items,
    "panel_seat": _panel_seats,
    "evaluation": _evaluations,
    "expert": _experts,
    "expert_tie": _expert_ties,
    "organization": _organizations,
    "inquiry": _inquiries,
    "inquiry_followup": _followups,
    "agreement": _agreements,
    "user": _users,
    "regulation_version": _regulations,
    "proposal": _proposals,
    "contract": _contracts,
    "adoption_evaluation": _adoption_evaluations,
    "sale": _sales,
    "application": _applications,
    "publication": _publications,
}


def actor_names(session: Session, ids: Iterable[int | None]) -> dict[int, ActorName]:
    """Display names and current roles of the users ``ids`` (gone users left out)."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    role = aliased(UserRole)
    rows = session.execute(
        select(User.id, User.display_name, role.role)
        .outerjoin(role, role.user_id == User.id)
        .where(User.id.in_(wanted))
        .order_by(User.id, role.role)
    )
    names: dict[int, str] = {}
    roles: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        names[r.id] = r.display_name
        if r.role:
            roles[r.id].append(r.role)
    return {i: ActorName(n, tuple(roles.get(i, ()))) for i, n in names.items()}
