"""The in-memory world the generator builds before anything is written.

Each record carries its whole lifecycle as dates (which may lie after ``until``); the
projection in :mod:`seed.rows` turns it into table rows as they stood on ``until`` and into the
audit events of the transitions that had happened by then. Ids are assigned there too, in
chronological order, except for experts, whose id is their position in registration order
(``idx + 1``) because panel draws refer to it while the world is being built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

Date = dt.date


@dataclass(slots=True, eq=False)
class Org:
    """A company, public body, university or institute (``weight``: how active)."""

    seq: int
    name_ko: str
    name_en: str
    kind: str
    region: str | None
    country: str = "KR"
    weight: float = 1.0  # how active a company is (owner of technologies, employer, ties)
    is_local: bool = False  # in the city's home regions
    first_use: Date | None = None
    id: int = 0

    def use(self, on: Date) -> None:
        """Note that a record refers to this organisation on ``on`` (it must exist by then)."""
        if self.first_use is None or on < self.first_use:
            self.first_use = on


@dataclass(slots=True, eq=False)
class Expert:
    """A person in the pool; ``idx`` is the registration order."""

    idx: int
    name: str
    name_en: str
    org: Org
    affiliation: str
    position: str
    phone: str
    email: str
    fields: tuple[str, ...]
    registered_on: Date
    retired_on: Date | None = None
    actor: str = "staff"

    @property
    def id(self) -> int:
        return self.idx + 1


@dataclass(slots=True, eq=False)
class Tie:
    """A declared tie of an expert to an organisation (conflict-of-interest checks)."""

    seq: int
    expert: Expert
    org: Org
    kind: str
    started_on: Date
    ended_on: Date | None
    recorded_on: Date
    note: str
    id: int = 0


@dataclass(slots=True, eq=False)
class Tech:
    """A technology with its planned lifecycle; ``seq`` orders creation."""

    seq: int
    title_ko: str
    title_en: str
    summary: str
    owner: Org
    field: str
    group: str
    sector: str
    certification: str
    submitted_on: Date
    screening_on: Date | None = None
    review_on: Date | None = None
    decided_on: Date | None = None
    registered: bool | None = None
    ended_on: Date | None = None
    end_kind: str | None = None  # expired | withdrawn
    cert_change: tuple[Date, str] | None = None  # a certification won later (testbed)
    pass_prob: float = 0.88
    forced: str | None = None  # "passed" to force the outcome
    reserved_for: str | None = None  # meeting code that must review it
    actor: str = "staff"
    id: int = 0
    reg_no: str = ""


@dataclass(slots=True, eq=False)
class Seat:
    """One expert on one panel, in draw order (``rank``)."""

    expert: Expert
    rank: int
    method: str = "random_draw"
    is_chair: bool = False
    attended: bool = True
    conflict_note: str | None = None
    recused: bool = False
    id: int = 0


@dataclass(slots=True, eq=False)
class Evaluation:
    """One scoring member's five criterion scores and comment."""

    seat: Seat
    scores: tuple[int, ...]  # one per criterion of the city's rule, in its order
    comment: str
    id: int = 0


@dataclass(slots=True, eq=False)
class Item:
    """A technology (with its adoption or testbed) on an agenda, and its decision."""

    position: int
    tech: Tech
    adoption: Adoption | None = None
    testbed: Testbed | None = None
    forced: str | None = None  # "passed" or "failed" where the outcome is fixed in advance
    decision: str = "pending"
    reason: str | None = None
    stage1: float = 0.0
    overall: float = 0.0
    evaluations: list[Evaluation] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class Meeting:
    """A deliberation meeting with its derived dates (created, agenda, draw, closed)."""

    code: str
    kind: str
    held_on: Date  # the planned date; "held" only once it is <= until
    created_on: Date
    agenda_on: Date
    draw_on: Date
    closed_on: Date
    group: str | None = None
    title: str = ""
    location: str = ""
    quorum: int = 5
    draw_seed: int = 0
    pool_size: int = 0
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    minutes: str = ""
    planted: str | None = None
    phase_a: bool = False
    id: int = 0


@dataclass(slots=True, eq=False)
class Adoption:
    """A proposal to use a registered technology in a city project."""

    seq: int
    tech: Tech
    project_name: str
    department: str
    budget_krw: int
    year: int
    justification: str
    proposed_on: Date
    proposer: str
    review_on: Date | None = None
    decided_on: Date | None = None
    approved: bool | None = None
    comment: str | None = None
    agreement: Agreement | None = None
    id: int = 0


@dataclass(slots=True, eq=False)
class Testbed:
    """A local firm's technology tried on a city site."""

    seq: int
    tech: Tech
    site: str
    applied_on: Date
    selected_on: Date | None = None
    rejected_on: Date | None = None
    started_on: Date | None = None
    completed_on: Date | None = None
    certified_on: Date | None = None
    certification: str | None = None
    agreement: Agreement | None = None
    imported_on: Date | None = None  # pre-platform testbeds are imported at go-live
    budget_krw: int | None = None  # outcomes (seed.outcomes): recorded when it started
    result: str | None = None  # ... when it completed
    certificate_no: str | None = None  # ... when it was certified
    details_on: Date | None = None  # the day staff recorded them (its last step so far)
    id: int = 0


@dataclass(slots=True, eq=False)
class Inquiry:
    """Another body asking about the platform, with its follow-ups."""

    seq: int
    org: Org
    received_on: Date
    channel: str
    topic: str
    contact_name: str
    answered_on: Date | None = None
    visit_on: Date | None = None
    benchmarked_on: Date | None = None
    note: str | None = None
    followups: list[tuple[Date, str]] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class Agreement:
    """An MOU or joint operation with a partner."""

    seq: int
    partner: Org
    kind: str
    title_ko: str
    title_en: str
    scope: str
    planned_on: Date
    signed_on: Date | None = None
    starts_on: Date | None = None
    ends_on: Date | None = None
    id: int = 0


# --- Outcomes (seed.outcomes): what adopted and testbed technologies achieved -------------


@dataclass(slots=True, eq=False)
class Contract:
    """A city contract that used an approved adoption's technology."""

    adoption: Adoption
    department: str
    project_name: str
    amount_krw: int
    quantity: int | None
    on: Date
    id: int = 0


@dataclass(slots=True, eq=False)
class UseEvaluation:
    """The using department's evaluation of an adoption after use."""

    adoption: Adoption
    department: str
    on: Date
    performance: str
    problems: str | None
    again: bool
    id: int = 0


@dataclass(slots=True, eq=False)
class Sale:
    """What a testbed's technology sold afterwards."""

    testbed: Testbed
    kind: str
    buyer: str
    amount_krw: int
    on: Date
    id: int = 0
