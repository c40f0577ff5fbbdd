# Over 500 lines on purpose: the schema as one file of typed models, the map every query
# reads; split by domain it would hide the foreign keys between them.
"""Typed SQLAlchemy 2 models of the shared database (one class per entity of design.md).

The schema itself is built by Alembic (``db/migrations``); these classes describe it for
queries and writes. Codes of the national lists in ``db.domain`` (statuses, roles, regions,
...) are guarded by CHECK constraints; codes of the city's vocabularies (technical fields,
growth sectors, kinds of organisation, criteria) are data: the ``*_terms`` tables, which the
columns holding them refer to by foreign keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db import domain

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that ``column`` holds one of ``values`` (or NULL)."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or column)


UtcDateTime = DateTime(timezone=True)


def _irregular_names(dialect: str) -> str:
    """SQL: an organization name is not "regular" (only printable ASCII, the middle dot and
    Hangul syllables, single spaces inside, none around), so ``lower(name)`` may differ from
    the import's ``norm_text(name)``. Used verbatim by the partial index below and by
    ``db.imports.checking`` (a planner uses a partial index only for the same expression)."""
    terms = []
    for name in ("name_ko", "name_en"):
        if dialect == "sqlite":
            terms.append(f"{name} GLOB '*[^ -~\u00b7\uac00-\ud7a3]*'")
        else:
            terms.append(f"{name} ~ '[^ -~\u00b7\uac00-\ud7a3]'")
        terms += [f"{name} LIKE ' %'", f"{name} LIKE '% '", f"{name} LIKE '%  %'"]
    return " OR ".join(terms)


IRREGULAR_ORG_NAMES = {d: _irregular_names(d) for d in ("sqlite", "postgresql")}


class Organization(Base):
    """A company, public body, university, ministry, local government or audit body."""

    __tablename__ = "organizations"
    __table_args__ = (
        one_of("region", domain.REGIONS),
        UniqueConstraint("name_ko", "kind", name="uq_organizations_name_kind"),
        # An import looks organizations up by the file's names (db.imports.checking).
        Index("ix_organizations_name_ko_lower", func.lower(text("name_ko"))),
        Index("ix_organizations_name_en_lower", func.lower(text("name_en"))),
        Index(
            "ix_organizations_irregular_names",
            "id",
            sqlite_where=text(IRREGULAR_ORG_NAMES["sqlite"]),
            postgresql_where=text(IRREGULAR_ORG_NAMES["postgresql"]),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(ForeignKey("organisation_kind_terms.code"))
    region: Mapped[str | None] = mapped_column(String(8))  # NULL for foreign bodies
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str] = mapped_column(String(2), default="KR")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class User(Base):
    """An account of the dashboard. Roles are rows of ``user_roles``.

    ``auth_epoch`` is bumped whenever existing sign-ins must stop working (sign-out
    everywhere, disabling, a role or password change); the failed-attempt columns implement
    the per-account back-off of the sign-in issue.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # A self-signed-up applicant's e-mail, proved by a verification link (migration 0015);
    # NULL until then (and for accounts an administrator created).
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    company_name: Mapped[str | None] = mapped_column(String(200))  # an applicant's company

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (one_of("role", domain.ROLES),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class SigninThrottle(Base):
    """The sign-in back-off of one account from one client (the SHA-256 of its address):
    its failure streak and when that client may try again (``db.accounts.signin``)."""

    __tablename__ = "signin_throttles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AuthSession(Base):
    """A server-side sign-in: the cookie only carries its id; lifetime and idle time live here."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auth_epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Expert(Base):
    """A person in the expert pool. ``phone``/``email`` are personal data (staff, auditors)."""

    __tablename__ = "experts"
    __table_args__ = (
        one_of("affiliation", domain.AFFILIATIONS),
        Index("ix_experts_registered_on", "registered_on"),
        # the pool per affiliation on a day (overview, fairness composition): covering
        Index("ix_experts_pool", "affiliation", "registered_on", "retired_on"),
        Index("ix_experts_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    affiliation: Mapped[str] = mapped_column(String(16))
    position: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The expert's own account, once they accepted an invitation (migration 0018).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    organization: Mapped[Organization] = relationship()
    fields: Mapped[list[ExpertField]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class ExpertField(Base):
    __tablename__ = "expert_fields"
    __table_args__ = (Index("ix_expert_fields_field", "field"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(ForeignKey("field_terms.code"), primary_key=True)


class ExpertTie(Base):
    """A declared tie between an expert and an organization (for conflict-of-interest checks)."""

    __tablename__ = "expert_ties"
    __table_args__ = (one_of("kind", domain.TIE_KINDS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Technology(Base):
    """A new technology submitted to the platform, with its lifecycle dates."""

    __tablename__ = "technologies"
    __table_args__ = (
        one_of("status", domain.TECH_STATUSES),
        one_of("certification", domain.CERTIFICATIONS),
        Index("ix_technologies_registered_on", "registered_on"),
        Index("ix_technologies_submitted_on", "submitted_on"),
        Index("ix_technologies_status", "status"),
        Index("ix_technologies_status_registered", "status", "registered_on"),
        Index("ix_technologies_status_submitted", "status", "submitted_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reg_no: Mapped[str] = mapped_column(String(32), unique=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_local: Mapped[bool] = mapped_column(Boolean)
    field: Mapped[str] = mapped_column(ForeignKey("field_terms.code"))
    growth_sector: Mapped[str] = mapped_column(ForeignKey("sector_terms.code"))
    certification: Mapped[str] = mapped_column(String(32), default="none")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    screening_on: Mapped[dt.date | None] = mapped_column(Date)
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)  # expired or withdrawn
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner: Mapped[Organization] = relationship()


class Meeting(Base):
    """A deliberation meeting; its panel draw (seed, pool, exclusions) is recorded on it."""

    __tablename__ = "meetings"
    __table_args__ = (
        one_of("kind", domain.MEETING_KINDS),
        one_of("status", domain.MEETING_STATUSES),
        Index("ix_meetings_held_on", "held_on"),
        Index("ix_meetings_scheduled_on", "scheduled_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    scheduled_on: Mapped[dt.date] = mapped_column(Date)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    quorum: Mapped[int] = mapped_column(SmallInteger, default=5)
    regulation_id: Mapped[int | None] = mapped_column(
        ForeignKey("regulation_versions.id"), index=True
    )
    draw_seed: Mapped[int | None] = mapped_column(BigInteger)
    draw_pool_size: Mapped[int | None] = mapped_column(Integer)
    draw_exclusions: Mapped[str | None] = mapped_column(Text)  # JSON: [{expert_id, reason}]
    minutes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    seats: Mapped[list[PanelSeat]] = relationship(back_populates="meeting")
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting")


class PanelSeat(Base):
    """One expert's seat on one meeting: how it was drawn, declarations, attendance."""

    __tablename__ = "panel_seats"
    __table_args__ = (
        UniqueConstraint("meeting_id", "expert_id", name="uq_panel_seats_meeting_expert"),
        one_of("method", domain.SEAT_METHODS),
        one_of("response", domain.SEAT_RESPONSES),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16), default="random_draw")
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_note: Mapped[str | None] = mapped_column(Text)
    recused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The member's own answer to the invitation to sit (migration 0018): confirmed or
    # declined, and when; NULL until they answer.
    response: Mapped[str | None] = mapped_column(String(16))
    responded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="seats")
    expert: Mapped[Expert] = relationship()


class AgendaItem(Base):
    """A technology (and for adoption reviews, an adoption proposal) before a meeting."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        one_of("decision", domain.DECISIONS),
        UniqueConstraint("meeting_id", "technology_id", name="uq_agenda_items_meeting_tech"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id"), index=True)
    adoption_id: Mapped[int | None] = mapped_column(ForeignKey("adoptions.id"), index=True)
    testbed_id: Mapped[int | None] = mapped_column(ForeignKey("testbeds.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16), default="pending")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    evaluations: Mapped[list[Evaluation]] = relationship(back_populates="item")


class Evaluation(Base):
    """One panel member's evaluation of one agenda item: the comment here, the score of each
    criterion in ``evaluation_scores`` (migration 0011; the criteria are the city's
    vocabulary, weighed by the meeting's regulation version).

    Its origin (migration 0018): ``self`` (the expert, signed in), ``proxy`` (staff typed a
    paper sheet: ``proxy_reason`` and the scan in ``evaluation_sheets``), or ``legacy``
    (typed by staff before experts scored themselves); ``entered_by_id`` who entered it,
    ``updated_at`` its last change (an expert changes theirs until the scoring closes)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "seat_id", name="uq_evaluations_item_seat"),
        one_of("origin", domain.EVALUATION_ORIGINS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("panel_seats.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    origin: Mapped[str] = mapped_column(String(8), default="legacy", server_default="legacy")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    proxy_reason: Mapped[str | None] = mapped_column(Text)

    item: Mapped[AgendaItem] = relationship(back_populates="evaluations")


class EvaluationScore(Base):
    """One criterion's score (0-100) in one evaluation."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        Index("ix_evaluation_scores_criterion", "criterion"),
    )

    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    criterion: Mapped[str] = mapped_column(ForeignKey("criterion_terms.code"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)


class EvaluationSheet(Base):
    """The scan (PDF, checked like an application's attachment) of the signed paper score
    sheet behind a proxy evaluation (migration 0018)."""

    __tablename__ = "evaluation_sheets"

    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ItemDeclaration(Base):
    """A panel member's own signed statement on one agenda item: a conflict with its
    applicant (they recuse from it) or none (migration 0018). Changeable by them until the
    item's scoring closes (a "none" may become a conflict before they score), never after."""

    __tablename__ = "item_declarations"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "seat_id", name="uq_item_declarations_item_seat"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("panel_seats.id"), index=True)
    conflict: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ExpertInvitation(Base):
    """A one-time link inviting an expert of the pool to open their account (migration
    0018): only the SHA-256 of its token is stored; it works once, until ``expires_at``."""

    __tablename__ = "expert_invitations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ItemRecusal(Base):
    """A panel member recused from one agenda item only (a conflict with that item's
    applicant): they do not score it nor count towards its quorum (migration 0011)."""

    __tablename__ = "item_recusals"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "seat_id", name="uq_item_recusals_item_seat"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("panel_seats.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PanelSubstitution(Base):
    """A seat filled by a substitute drawn by rule for a member absent or recused
    (``db.meetings.draw.draw_substitute``): the seed and the rule's inputs, enough to replay
    the draw (migration 0011). ``seat_id`` is the substitute's seat."""

    __tablename__ = "panel_substitutions"

    seat_id: Mapped[int] = mapped_column(ForeignKey("panel_seats.id"), primary_key=True)
    replaced_seat_id: Mapped[int] = mapped_column(ForeignKey("panel_seats.id"), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(BigInteger)
    drawn_on: Mapped[dt.date] = mapped_column(Date)
    inputs: Mapped[str] = mapped_column(Text)  # JSON: {affiliation, held, cap}
    candidates: Mapped[str] = mapped_column(Text)  # JSON [[id, aff, match, seats]]


class Agreement(Base):
    """An MOU or joint operation with a partner organization."""

    __tablename__ = "agreements"
    __table_args__ = (
        one_of("kind", domain.AGREEMENT_KINDS),
        one_of("status", domain.AGREEMENT_STATUSES),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    partner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    planned_on: Mapped[dt.date] = mapped_column(Date)
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    partner: Mapped[Organization] = relationship()


class Adoption(Base):
    """A technology used in a named city project; proposed by staff, decided by an approver."""

    __tablename__ = "adoptions"
    __table_args__ = (
        one_of("status", domain.ADOPTION_STATUSES),
        Index("ix_adoptions_status_approved_on", "status", "approved_on"),
        Index("ix_adoptions_technology_status", "technology_id", "status", "approved_on"),
        Index("ix_adoptions_proposed_by", "proposed_by_id", "status", "proposed_on"),  # 0009
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id"), index=True)
    project_name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(200))
    budget_krw: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column(SmallInteger)
    justification: Mapped[str] = mapped_column(Text)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    technology: Mapped[Technology] = relationship()


class Testbed(Base):
    """A local firm's unproven technology tried on a city site."""

    __tablename__ = "testbeds"
    __table_args__ = (
        one_of("status", domain.TESTBED_STATUSES),
        one_of("certification", domain.CERTIFICATIONS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id"), index=True)
    site: Mapped[str | None] = mapped_column(String(300))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    applied_on: Mapped[dt.date] = mapped_column(Date)
    selected_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_on: Mapped[dt.date | None] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    certified_on: Mapped[dt.date | None] = mapped_column(Date)
    certification: Mapped[str | None] = mapped_column(String(32))
    budget_krw: Mapped[int | None] = mapped_column(BigInteger)  # 0016
    result: Mapped[str | None] = mapped_column(Text)  # 0016
    certificate_no: Mapped[str | None] = mapped_column(String(64))  # 0016
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    technology: Mapped[Technology] = relationship()


class Inquiry(Base):
    """Another government or body asking about the platform."""

    __tablename__ = "inquiries"
    __table_args__ = (
        one_of("channel", domain.INQUIRY_CHANNELS),
        one_of("status", domain.INQUIRY_STATUSES),
        Index("ix_inquiries_received_on", "received_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="received")
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    visit_on: Mapped[dt.date | None] = mapped_column(Date)
    benchmarked_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization] = relationship()
    followups: Mapped[list[InquiryFollowup]] = relationship(back_populates="inquiry")


class InquiryFollowup(Base):
    __tablename__ = "inquiry_followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), index=True)
    followed_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)

    inquiry: Mapped[Inquiry] = relationship(back_populates="followups")


class AuditEvent(Base):
    """Append-only, hash-chained record of every write (see ``db/audit/__init__.py``).

    The database refuses UPDATE and DELETE on this table (triggers in the migration).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "entity", "entity_id", "id"),
        Index("ix_audit_events_actor", "actor_id"),
        # Newest-first pages per filter (migration 0002): each index ends in ``id``.
        Index("ix_audit_events_by_actor_name", "actor_name", "id"),
        Index("ix_audit_events_by_action", "action", "id"),
        Index("ix_audit_events_by_entity", "entity", "id"),
        Index("ix_audit_events_by_time", "occurred_at", "id"),
        # User and kind of record together (migration 0009).
        Index("ix_audit_events_by_actor_entity", "actor_name", "entity", "id"),
    )

    # Assigned by ``db.audit.append`` from the locked head (not by a sequence): ids are the
    # chain's positions, contiguous from 1.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 over the record seals this event wrote (migration 0013), hashed with the event.
    seal: Mapped[str | None] = mapped_column(String(64))


class RecordSeal(Base):
    """An audited record's state as an audited write left it (``db.audit.records``): the
    digest of every column (``None``: the record was deleted) and a short digest per field
    (JSON) to name what differs. Append-only, like the events; the event's ``seal`` covers
    its seals."""

    __tablename__ = "record_seals"
    __table_args__ = (Index("ix_record_seals_record", "table_name", "record_id", "event_id"),)

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[str | None] = mapped_column(Text)


class AuditHead(Base):
    """A single row holding the chain's last id and hash; writers lock it to append in order."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


# --- Workflow (issue 6): step proposals that an approver confirms ---------------------------

PROPOSAL_ENTITIES = ("testbed", "technology")
PROPOSAL_STATUSES = ("pending", "confirmed", "declined")


class Proposal(Base):
    """A staff member's proposal to move a testbed or a technology one lifecycle step.

    An approver other than the proposer confirms it (the step is applied then) or declines
    it. ``open_key`` is ``"<entity>:<id>"`` while the proposal is pending and NULL after,
    so its unique constraint allows one open proposal per record on both databases.
    ``details`` is canonical JSON of what the step needs (site, period, certification).
    """

    __tablename__ = "proposals"
    __table_args__ = (
        one_of("entity", PROPOSAL_ENTITIES),
        one_of("status", PROPOSAL_STATUSES),
        Index("ix_proposals_entity", "entity", "entity_id"),
        Index("ix_proposals_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    details: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    open_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)


# --- Deliberations (issue 5): per-meeting rules and draw record, corrections after closing -----

from sqlalchemy import Float  # noqa: E402  (kept with the block it serves)


class MeetingRules(Base):
    """The pass marks a meeting was scheduled with, and how its panel was drawn.

    Created when the app schedules a meeting, with the pass marks of its regulation version
    (``meetings.regulation_id``); a meeting whose marks here (or quorum) differ from its
    version's was held under exceptional settings (the fairness report flags it). The
    ``draw_*`` columns are set by ``db.meetings`` when it draws the panel: the rule's name,
    the day, the panel size, the agenda's fields, the affiliation targets and the admitted
    candidates (JSON), enough to replay the draw from ``meetings.draw_seed``.
    Meetings without a row (the demo history) recorded no marks of their own.
    """

    __tablename__ = "meeting_rules"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    stage1_pass: Mapped[float] = mapped_column(Float)
    overall_pass: Mapped[float] = mapped_column(Float)
    draw_rule: Mapped[str | None] = mapped_column(String(32))
    draw_on: Mapped[dt.date | None] = mapped_column(Date)
    draw_size: Mapped[int | None] = mapped_column(SmallInteger)
    draw_fields: Mapped[str | None] = mapped_column(Text)  # JSON list of field codes
    draw_targets: Mapped[str | None] = mapped_column(Text)  # JSON {affiliation: seats}
    draw_candidates: Mapped[str | None] = mapped_column(Text)  # JSON [[id, aff, match, seats]]


class MeetingCorrection(Base):
    """A correction to a closed meeting's record: the record itself is never edited again."""

    __tablename__ = "meeting_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- Stored summaries (migration 0006) ------------------------------------------------------


class StoredSummary(Base):
    """An expensive read's result, computed once per data version and shared by every server.

    ``key`` is the SHA-256 of the query's parameters; ``version`` the data version it was
    computed at (``db.summaries``). A cache: not audited, safe to empty at any time.
    """

    __tablename__ = "stored_summaries"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    seconds: Mapped[float] = mapped_column(Float)


# --- Stored fairness results of closed meetings (migration 0007) ----------------------------


class MeetingFairness(Base):
    """A closed meeting's own fairness results, computed once when it closes.

    Written by ``db.fairness.store`` in the transaction that closes the meeting
    (and recomputed in the transaction of a write that changes an input of a closed meeting:
    an expert's organization, affiliation or declared ties, a technology's owner). ``flags``
    is the JSON list of the meeting's own flags (``[kind, item position, expert id, applicant
    id, what, count]``; the flags across meetings, repeats and concentration, depend on the
    period and are derived when the report is read); ``seats_<affiliation>`` count the panel
    by the members' affiliation. ``version`` is the rules' version
    (:data:`db.fairness.live.RULES_VERSION`): a row of another version is ignored and
    the meeting computed live. Derived data: not audited, recomputable at any time.
    """

    __tablename__ = "meeting_fairness"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    version: Mapped[int] = mapped_column(SmallInteger)
    seats: Mapped[int] = mapped_column(Integer)
    seats_public: Mapped[int] = mapped_column(Integer)
    seats_industry: Mapped[int] = mapped_column(Integer)
    seats_academia: Mapped[int] = mapped_column(Integer)
    seats_other: Mapped[int] = mapped_column(Integer)
    flag_count: Mapped[int] = mapped_column(Integer)
    flags: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# --- The city profile, its vocabularies and its regulation (migration 0010) ------------------


class CityProfileRow(Base):
    """The city running this instance (one row): applied from a profile file by
    ``python -m db city init``, edited by an administrator afterwards (``db.city``)."""

    __tablename__ = "city_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        one_of("default_language", ("ko", "en")),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    code: Mapped[str] = mapped_column(String(32))
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    logo: Mapped[bytes] = mapped_column(LargeBinary)
    logo_type: Mapped[str] = mapped_column(String(32))
    home_regions: Mapped[str] = mapped_column(Text)  # JSON list of region codes
    reg_no_pattern: Mapped[str] = mapped_column(String(40))
    time_zone: Mapped[str] = mapped_column(String(64))
    first_operating_day: Mapped[dt.date] = mapped_column(Date)
    default_language: Mapped[str] = mapped_column(String(2))
    targets: Mapped[str] = mapped_column(Text, default="{}")  # JSON {year: {figure: value}}
    source: Mapped[str] = mapped_column(String(200))  # the file (and its SHA-256) or migration
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class _Term(Base):
    """One code of one of the city's vocabularies, with its labels, order and attributes
    (JSON); retired (no longer offered) rather than deleted once in use: the records that use
    it refer to it by a foreign key."""

    __abstract__ = True

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    label_ko: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(SmallInteger)
    attributes: Mapped[str] = mapped_column(Text, default="{}")
    retired_on: Mapped[dt.date | None] = mapped_column(Date)


class FieldTerm(_Term):
    __tablename__ = "field_terms"


class SectorTerm(_Term):
    __tablename__ = "sector_terms"


class OrganisationKindTerm(_Term):
    __tablename__ = "organisation_kind_terms"


class CriterionTerm(_Term):
    __tablename__ = "criterion_terms"


VOCABULARY_TABLES: dict[str, type[_Term]] = {
    "fields": FieldTerm,
    "sectors": SectorTerm,
    "organisation_kinds": OrganisationKindTerm,
    "criteria": CriterionTerm,
}


class RegulationVersion(Base):
    """A version of the city's regulation: its rules (JSON, ``db.regulation.rules``), in force
    from ``effective_on`` once approved by a second person (never its drafter)."""

    __tablename__ = "regulation_versions"
    __table_args__ = (one_of("status", domain.REGULATION_STATUSES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    number: Mapped[int] = mapped_column(Integer, unique=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    directive: Mapped[str] = mapped_column(String(300))
    rules: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(String(200))
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


# --- Historical migrations (migration 0012) --------------------------------------------------

MIGRATION_STATUSES = ("pending", "confirmed", "declined")


class ImportMigration(Base):
    """A city's history brought in from a file (``db.imports.historical``): checked and
    submitted by an administrator with the file itself, its SHA-256 and the check's report
    (JSON), then confirmed (written, in one transaction) or declined by a second person."""

    __tablename__ = "import_migrations"
    __table_args__ = (
        one_of("status", MIGRATION_STATUSES),
        Index("ix_import_migrations_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    register: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[str] = mapped_column(Text)  # canonical JSON: counts, file facts, preview
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_name: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    records: Mapped[int | None] = mapped_column(Integer)  # added + updated, once confirmed
    event_id: Mapped[int | None] = mapped_column(BigInteger)  # the confirmation's audit event


class MigratedRecord(Base):
    """A record a confirmed historical migration created (``added``) or changed
    (``updated``): the mark that tells auditors which records came in as history."""

    __tablename__ = "migrated_records"
    __table_args__ = (
        one_of("action", ("added", "updated")),
        Index("ix_migrated_records_entity", "entity", "entity_id"),
    )

    migration_id: Mapped[int] = mapped_column(ForeignKey("import_migrations.id"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))


# --- Outcomes (migration 0016): contracts, evaluations after use, testbed sales -------------


class Contract(Base):
    """A city contract that used an approved adoption's technology."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("amount_krw > 0", name="amount_positive"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        Index("ix_contracts_contracted_on", "contracted_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id"), index=True)
    department: Mapped[str] = mapped_column(String(200))
    project_name: Mapped[str] = mapped_column(String(300))
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int | None] = mapped_column(Integer)
    contracted_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AdoptionEvaluation(Base):
    """The using department's evaluation of an adopted technology after use (one per
    adoption)."""

    __tablename__ = "adoption_evaluations"
    __table_args__ = (one_of("performance", domain.PERFORMANCES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id"), unique=True)
    department: Mapped[str] = mapped_column(String(200))
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    performance: Mapped[str] = mapped_column(String(16))
    problems: Mapped[str | None] = mapped_column(Text)
    would_use_again: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TestbedSale(Base):
    """What a testbed's technology sold afterwards: to anyone, or bought by a public body."""

    __tablename__ = "testbed_sales"
    __table_args__ = (
        one_of("kind", domain.SALE_KINDS),
        CheckConstraint("amount_krw > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    testbed_id: Mapped[int] = mapped_column(ForeignKey("testbeds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    buyer: Mapped[str] = mapped_column(String(200))
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    sold_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- Mail outbox, applicants, applications (migration 0015) ---------------------------------


class MailMessage(Base):
    """A mail to send (``db.mail``): queued for SMTP, kept in the local outbox only (demo
    mode, tests), sent, or failed after its last attempt."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        one_of("status", domain.MAIL_STATUSES),
        Index("ix_mail_outbox_status", "status", "id"),
        Index("ix_mail_outbox_recipient", "recipient", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))  # what it is about: verify, info_request...
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # A file sent with the message (the weekly briefing; migration 0019).
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)


class EmailToken(Base):
    """A single-use, expiring link sent by mail (e-mail verification): only the SHA-256 of
    the token is stored."""

    __tablename__ = "email_tokens"
    __table_args__ = (one_of("purpose", ("verify",)),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class RateLimitHit(Base):
    """One counted attempt of a rate-limited action (``db.ratelimit``): sign-up, submission;
    ``key`` is the SHA-256 of what is limited (an e-mail address, a client address)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Application(Base):
    """A company's application for a technology (``db.applications``); once staff take it
    into the registration path, ``technology_id`` names the technology record that carries
    its screening, review and decision."""

    __tablename__ = "applications"
    __table_args__ = (
        one_of("status", domain.APPLICATION_STATUSES),
        one_of("certification", domain.CERTIFICATIONS),
        Index("ix_applications_status", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(ForeignKey("field_terms.code"))
    growth_sector: Mapped[str] = mapped_column(ForeignKey("sector_terms.code"))
    certification: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))  # of the applicant's mail
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    technology_id: Mapped[int | None] = mapped_column(ForeignKey("technologies.id"), index=True)


class ApplicationAttachment(Base):
    """A PDF attached to an application, checked by content before it was stored."""

    __tablename__ = "application_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ApplicationMessage(Base):
    """Staff's request for more information on an application, or the applicant's answer."""

    __tablename__ = "application_messages"
    __table_args__ = (one_of("kind", domain.APPLICATION_MESSAGE_KINDS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# --- What awaits a user by mail: subscriptions and the jobs' record (migration 0019) --------


class Subscription(Base):
    """A message a user chose to receive (``db.inbox.subscriptions``): its kind, the
    language it is written in, and for a digest after how many days an item counts."""

    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    days: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class JobRun(Base):
    """One (job, recipient, period) that ``python -m jobs run-due`` handled: the message it
    queued, or why none (nothing to say, no e-mail address), or a check's result. The unique
    key is what makes a second run, or a second server, send nothing twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "recipient", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(64))  # a user's id, or "" for none
    period: Mapped[str] = mapped_column(String(32))  # 2026-12-07, 2026-W50, meeting-12...
    status: Mapped[str] = mapped_column(String(16))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Publication(Base):
    """The mayor's office's figures as of a date, frozen (``db.publications``): the overview's
    filters (canonical JSON), the figures computed from the database at publication time
    (canonical JSON, sorted keys) and the SHA-256 over date, filters and figures. Appended,
    never updated or deleted by the app; sealed like every audited record. A later one for the
    same date and filters becomes the current one."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_as_of", "as_of", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    filters: Mapped[str] = mapped_column(Text)
    figures: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
