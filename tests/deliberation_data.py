"""A small world for the deliberation tests, written straight into a fresh test database.

Two applicant companies with a technology each under review, an expert pool in the "roads"
field across the four affiliation categories (one expert works for applicant A, one has a
consulting tie to applicant B that ended in 2023), a few experts of another field, and one
user per role. Helpers then drive a meeting through the ``db.meetings`` writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select, update

from db import audit, meetings
from db.meetings import panelist
from db.models import (
    Adoption,
    AuditEvent,
    Expert,
    ExpertField,
    ExpertTie,
    Organization,
    PanelSeat,
    Technology,
    User,
    UserRole,
)
from db.passwords import UNUSABLE_PASSWORD
from db.policy import Actor
from db.session import read_session, write_session
from tests.pdfs import real_pdf

MEETING_DAY = dt.date(2024, 6, 20)
DRAW_DAY = dt.date(2024, 6, 1)
CREATED = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
ROLES = {
    "staff": ("staff",),
    "staff2": ("staff",),
    "approver": ("staff", "approver"),
    "approver_only": ("approver",),
    "auditor": ("auditor",),
    "executive": ("executive",),
    "admin": ("admin",),
}
PASSING = {
    "novelty": 85,
    "progressiveness": 80,
    "applicability": 78,
    "economy": 75,
    "diffusion": 77,
}
FAILING = {
    "novelty": 60,
    "progressiveness": 62,
    "applicability": 80,
    "economy": 80,
    "diffusion": 80,
}


@dataclass
class World:
    engine: Engine
    actors: dict[str, Actor] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    techs: dict[str, int] = field(default_factory=dict)
    experts: dict[str, int] = field(default_factory=dict)
    adoption_id: int = 0

    @property
    def staff(self) -> Actor:
        return self.actors["staff"]


PROXY: dict[str, Any] = {
    "reason": "The member scored on paper; the signed sheet is scanned.",
    "sheet_name": "score-sheet.pdf",
    "sheet": real_pdf(),
}
"""What staff's proxy entry of a member's paper sheet needs (``meetings.record_evaluation``):
the tests of the deliberation rules enter scores this way since experts enter their own."""


def build(engine: Engine) -> World:
    """Write the world and return its handles."""
    w = World(engine)
    with write_session(engine) as s:
        audit.ensure_head(s)
        for key, roles in ROLES.items():
            user = User(
                username=f"{key}.test",
                display_name=f"{key.title()} Tester",
                password_hash=UNUSABLE_PASSWORD,
                created_at=CREATED,
            )
            user.roles = [UserRole(role=r) for r in roles]
            s.add(user)
            s.flush()
            w.actors[key] = Actor(user.id, user.username, frozenset(roles), user.display_name)
        for key, org_kind in (
            ("applicant_a", "company"),
            ("applicant_b", "company"),
            ("institute", "public_institution"),
            ("firm", "company"),
            ("university", "university"),
            ("research", "research_institute"),
        ):
            organization = Organization(
                name_ko=f"{key} (ko)",
                name_en=key.replace("_", " ").title(),
                kind=org_kind,
                region="KR-27",
                is_local=True,
                created_at=CREATED,
            )
            s.add(organization)
            s.flush()
            w.orgs[key] = organization.id
        plan = (
            [("public", "institute")] * 8
            + [("industry", "firm")] * 7
            + [("academia", "university")] * 5
            + [("other", "research")] * 2
        )
        for n, (affiliation, org) in enumerate(plan, start=1):
            w.experts[f"{affiliation}{n}"] = _expert(s, f"Expert {n}", org, affiliation, w)
        w.experts["insider"] = _expert(s, "Insider", "applicant_a", "industry", w)
        w.experts["consultant"] = _expert(s, "Consultant", "firm", "industry", w)
        s.add(
            ExpertTie(
                expert_id=w.experts["consultant"],
                organization_id=w.orgs["applicant_b"],
                kind="consulting",
                started_on=dt.date(2020, 1, 1),
                ended_on=dt.date(2023, 1, 1),
            )
        )
        for n in range(1, 5):
            w.experts[f"bridges{n}"] = _expert(
                s, f"Bridge expert {n}", "institute", "public", w, fields=("bridges",)
            )
        for key, org in (("t1", "applicant_a"), ("t2", "applicant_b"), ("t3", "applicant_b")):
            tech = Technology(
                reg_no=f"DG-2024-{len(w.techs) + 101:03d}",
                title_ko=f"{key} 기술",
                title_en=f"Technology {key}",
                owner_org_id=w.orgs[org],
                is_local=True,
                field="roads",
                growth_sector="none",
                status="under_review",
                submitted_on=dt.date(2024, 1, 10),
                screening_on=dt.date(2024, 2, 1),
                review_on=dt.date(2024, 3, 1),
            )
            s.add(tech)
            s.flush()
            w.techs[key] = tech.id
        s.execute(
            update(Technology)
            .where(Technology.id == w.techs["t3"])
            .values(status="registered", registered_on=dt.date(2024, 4, 1))
        )
        adoption = Adoption(
            technology_id=w.techs["t3"],
            project_name="Ring road repaving",
            department="Roads division",
            budget_krw=120_000_000,
            year=2024,
            justification="Cheaper maintenance",
            status="proposed",
            proposed_on=dt.date(2024, 5, 1),
        )
        s.add(adoption)
        s.flush()
        w.adoption_id = adoption.id
    return w


def _expert(
    s: Any,
    name: str,
    org: str,
    affiliation: str,
    w: World,
    *,
    fields: tuple[str, ...] = ("roads",),
) -> int:
    e = Expert(
        name=name,
        name_en=name,
        organization_id=w.orgs[org],
        affiliation=affiliation,
        phone="010-0000-0000",
        email=f"{name.replace(' ', '.').lower()}@example.org",
        registered_on=dt.date(2023, 1, 1),
        created_at=CREATED,
    )
    s.add(e)
    s.flush()
    for f in fields:
        s.add(ExpertField(expert_id=e.id, field=f))
    return int(e.id)


def write(w: World, fn: Any, actor: str = "staff", /, **kwargs: Any) -> Any:
    """Call a ``db.meetings`` write as ``actor`` in its own transaction."""
    with write_session(w.engine) as s:
        return fn(session=s, actor=w.actors[actor], **kwargs)


def scheduled(
    w: World, *, kind: str = "registration_review", items: tuple[str, ...] = ("t1", "t2")
) -> int:
    meeting_id = write(
        w, meetings.schedule_meeting, kind=kind, title="Roads review", scheduled_on=MEETING_DAY
    )
    for key in items:
        write(w, meetings.add_agenda_item, meeting_id=meeting_id, technology_id=w.techs[key])
    return int(meeting_id)


def drawn(w: World, **kw: Any) -> tuple[int, meetings.Draw]:
    meeting_id = scheduled(w, **kw)
    draw = write(w, meetings.draw_and_seat_panel, meeting_id=meeting_id, seed=42, drawn_on=DRAW_DAY)
    return meeting_id, draw


def held(w: World, *, absent: int = 0, **kw: Any) -> tuple[int, list[int]]:
    """A meeting being held; the first ``absent`` members absent. Returns (id, expert ids)."""
    meeting_id, draw = drawn(w, **kw)
    write(w, meetings.hold_meeting, meeting_id=meeting_id, held_on=MEETING_DAY)
    members = list(draw.expert_ids)
    for n, expert_id in enumerate(members):
        write(
            w,
            meetings.record_attendance,
            meeting_id=meeting_id,
            expert_id=expert_id,
            attended=n >= absent,
        )
    return meeting_id, members


def items_of(w: World, meeting_id: int) -> list[int]:
    from db.models import AgendaItem

    with read_session(w.engine) as s:
        return list(
            s.execute(
                select(AgendaItem.id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            ).scalars()
        )


def score_all(
    w: World, item_id: int, experts: list[int], scores: dict[str, int], *, own: bool = False
) -> None:
    """Every member in ``experts`` scores the item: by staff's proxy entry of their paper
    sheets, or (``own``) each signed in with their own account, declaring no conflict first."""
    for expert_id in experts:
        if not own:
            write(
                w,
                meetings.record_evaluation,
                item_id=item_id,
                expert_id=expert_id,
                scores=scores,
                **PROXY,
            )
            continue
        me = expert_account(w, expert_id)
        with write_session(w.engine) as s:
            panelist.declare(
                session=s, actor=me, item_id=item_id, conflict=False, statement="No conflict."
            )
            panelist.score(session=s, actor=me, item_id=item_id, scores=scores)


def expert_account(w: World, expert_id: int) -> Actor:
    """The expert's own account (role ``expert``), created and linked on first use."""
    with write_session(w.engine) as s:
        expert = s.get(Expert, expert_id)
        assert expert is not None
        if expert.user_id is None:
            account = User(
                username=f"expert{expert_id}.test",
                display_name=expert.name,
                password_hash=UNUSABLE_PASSWORD,
                created_at=CREATED,
                roles=[UserRole(role="expert")],
            )
            s.add(account)
            s.flush()
            expert.user_id = account.id
            s.flush()
        user = s.get(User, expert.user_id)
        assert user is not None
        return Actor(user.id, user.username, frozenset({"expert"}), user.display_name)


def seats(w: World, meeting_id: int) -> list[PanelSeat]:
    with read_session(w.engine) as s:
        return list(
            s.execute(select(PanelSeat).where(PanelSeat.meeting_id == meeting_id)).scalars()
        )


def audit_count(w: World) -> int:
    with read_session(w.engine) as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def last_actions(w: World, n: int) -> list[str]:
    with read_session(w.engine) as s:
        return list(
            reversed(
                s.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(n))
                .scalars()
                .all()
            )
        )
