"""The platform's fixed vocabularies: the national lists no city chooses (regions, roles,
statuses and lifecycles, certifications, affiliation categories, kinds of ties, inquiry
channels...).

Codes are stored in the database as short English identifiers; what a person reads comes
from the i18n catalogue (``components/i18n``), keyed by these codes. Keeping every code list
here means the models, the seed, the queries and the UI agree on one spelling. The city's own
vocabularies (technical fields, growth sectors, kinds of organisation, criteria) are data:
its profile (``profiles/*.toml``), read through ``db.city.store``.

The lifecycles (``*_TRANSITIONS``, gathered in :data:`TRANSITIONS`) are data that the writes
use: every status write asks :func:`allows` / :func:`require_transition` whether its step is
in the table (``tests/test_lifecycles.py`` proves it, write by write).
"""

from __future__ import annotations

from typing import Final

from db.errors import N_, ValidationFailed

ROLES: Final = ("executive", "auditor", "staff", "approver", "admin", "applicant", "expert")
"""``applicant``: a company's representative, signed up by themselves (e-mail verified)."""

# Korea's 17 metropolitan and provincial governments (ISO 3166-2:KR codes, English names as
# a reminder; what a person reads comes from the catalogue).
REGION_NAMES: Final = {
    "KR-11": "Seoul",
    "KR-26": "Busan",
    "KR-27": "Daegu",
    "KR-28": "Incheon",
    "KR-29": "Gwangju",
    "KR-30": "Daejeon",
    "KR-31": "Ulsan",
    "KR-50": "Sejong",
    "KR-41": "Gyeonggi-do",
    "KR-42": "Gangwon",
    "KR-43": "Chungcheongbuk-do",
    "KR-44": "Chungcheongnam-do",
    "KR-45": "Jeollabuk-do",
    "KR-46": "Jeollanam-do",
    "KR-47": "Gyeongsangbuk-do",
    "KR-48": "Gyeongsangnam-do",
    "KR-49": "Jeju",
}
REGIONS: Final = tuple(REGION_NAMES)

# Expert affiliation categories (the 393/278/142/4 split of the first press release).
AFFILIATIONS: Final = ("public", "industry", "academia", "other")

CERTIFICATIONS: Final = (
    "construction_new_technology",
    "green_technology",
    "patent",
    "innovation_product",
    "none",
)

TECH_STATUSES: Final = (
    "submitted",
    "screening",
    "under_review",
    "registered",
    "rejected",
    "expired",
    "withdrawn",
)
TECH_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "submitted": ("screening",),
    "screening": ("under_review",),
    "under_review": ("registered", "rejected"),
    "registered": ("expired", "withdrawn"),
    "rejected": (),
    "expired": (),
    "withdrawn": (),
}

MEETING_KINDS: Final = ("registration_review", "adoption_review", "testbed_selection")
MEETING_STATUSES: Final = ("scheduled", "held", "closed")
SEAT_METHODS: Final = ("random_draw", "substitute", "appointed")
SEAT_RESPONSES: Final = ("confirmed", "declined")
"""A panel member's own answer to their seat (the expert area)."""
EVALUATION_ORIGINS: Final = ("legacy", "self", "proxy")
"""Where an evaluation came from: typed by staff before experts scored themselves, the
expert's own sign-in, or staff's proxy entry of a signed paper sheet."""
DECISIONS: Final = ("pending", "passed", "failed", "deferred")

ADOPTION_STATUSES: Final = ("proposed", "under_review", "approved", "rejected")
ADOPTION_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "proposed": ("under_review",),  # put before an adoption review meeting
    "under_review": ("approved", "rejected", "proposed"),  # proposed: returned for rework
    "approved": (),
    "rejected": (),
}

TESTBED_STATUSES: Final = (
    "applied",
    "selected",
    "rejected",
    "in_progress",
    "completed",
    "certified",
)
TESTBED_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "applied": ("selected", "rejected"),
    "selected": ("in_progress",),
    "in_progress": ("completed",),
    "completed": ("certified",),
    "rejected": (),
    "certified": (),
}

INQUIRY_CHANNELS: Final = ("visit", "letter", "call", "email")
INQUIRY_STATUSES: Final = ("received", "answered", "visit_held", "benchmarked")
INQUIRY_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "received": ("answered",),
    "answered": ("visit_held", "benchmarked"),  # the visit may be skipped
    "visit_held": ("benchmarked",),
    "benchmarked": (),
}

AGREEMENT_KINDS: Final = ("mou", "joint_operation")
AGREEMENT_STATUSES: Final = ("planned", "signed", "active", "expired")
# An agreement has no steps: its status is an edited field that must agree with its dates
# (db.intercity.agreements), so a correction may set any status its dates allow.

# Outcomes (issue 20): the using department's judgement against its expectation, and what a
# testbed's technology sold after it (to anyone, or bought by a public body).
PERFORMANCES: Final = ("below", "as_expected", "above")
SALE_KINDS: Final = ("private_sale", "public_purchase")

TIE_KINDS: Final = ("employment", "consulting", "joint_research", "other")

# The city's vocabularies (their codes are data: ``db.city``, ``profiles/*.toml``).
VOCABULARIES: Final = ("fields", "sectors", "organisation_kinds", "criteria")

REGULATION_STATUSES: Final = ("draft", "approved", "withdrawn")

# A company's application (``db.applications``): submitted, waiting for the applicant's
# answer to a request for information, taken into the registration path (a technology record
# then carries it: screening, review and decision are the technology's), or withdrawn. Its
# writes check their step in APPLICATION_TRANSITIONS (kept out of TRANSITIONS, the table of
# the registers' lifecycles).
APPLICATION_STATUSES: Final = ("submitted", "info_requested", "accepted", "withdrawn")
APPLICATION_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "submitted": ("info_requested", "accepted", "withdrawn"),
    "info_requested": ("submitted", "withdrawn"),  # submitted: the applicant answered
    "accepted": (),
    "withdrawn": (),
}
APPLICATION_MESSAGE_KINDS: Final = ("request", "answer")

# The mail outbox (``db.mail``): queued for SMTP, kept in the local outbox only (demo mode,
# tests, no SMTP configured), sent, or failed after its last attempt.
MAIL_STATUSES: Final = ("queued", "local", "sent", "failed")

# --- Lifecycles: the transition tables are what every status write checks -------------------

TRANSITIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "technology": TECH_TRANSITIONS,
    "adoption": ADOPTION_TRANSITIONS,
    "testbed": TESTBED_TRANSITIONS,
    "inquiry": INQUIRY_TRANSITIONS,
}
"""The lifecycle of each kind of record that moves through steps: ``{status: next statuses}``."""

STEP_NOT_POSSIBLE: Final = N_("This step is not possible from the record's current state.")


def allows(kind: str, from_status: str, to_status: str) -> bool:
    """Whether the lifecycle of ``kind`` (:data:`TRANSITIONS`) has the step ``from_status``
    -> ``to_status``. Every status write asks this (directly or through
    :func:`require_transition`) before it changes a status."""
    return to_status in TRANSITIONS[kind].get(from_status, ())


def require_transition(
    kind: str,
    from_status: str,
    to_status: str,
    *,
    field: str = "to",
    message: str = STEP_NOT_POSSIBLE,
) -> None:
    """:raise ValidationFailed: ``{field: message}`` when :func:`allows` says no."""
    if not allows(kind, from_status, to_status):
        raise ValidationFailed({field: message})


def reachable(kind: str, from_status: str, to_status: str) -> bool:
    """Whether ``to_status`` follows ``from_status`` in one or more steps of the lifecycle
    (what an import that records later steps after the fact may do)."""
    seen: set[str] = set()
    todo = [from_status]
    while todo:
        for nxt in TRANSITIONS[kind].get(todo.pop(), ()):
            if nxt == to_status:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def final_statuses(kind: str) -> tuple[str, ...]:
    """The statuses of ``kind`` that have no next step (e.g. a testbed rejected or certified)."""
    return tuple(status for status, nexts in TRANSITIONS[kind].items() if not nexts)
