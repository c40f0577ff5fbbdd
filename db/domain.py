"""The platform's fixed vocabularies: the national lists no city chooses (regions, roles,
statuses and lifecycles, certifications, affiliation categories, kinds of ties, inquiry
channels...).

Codes are stored in the database as short English identifiers; what a person reads comes
from the i18n catalogue (``components/i18n``), keyed by these codes. Keeping every code list
here means the models, the seed, the queries and the UI agree on one spelling. The city's own
vocabularies (technical fields, growth sectors, kinds of organisation, criteria) are data:
its profile (``profiles/*.toml``), read through ``db.city.store``.
"""

from __future__ import annotations

from typing import Final

ROLES: Final = ("executive", "auditor", "staff", "approver", "admin")

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
DECISIONS: Final = ("pending", "passed", "failed", "deferred")

# Evaluation criteria, in the order of the two-stage scoring rule.
CRITERIA: Final = ("novelty", "progressiveness", "applicability", "economy", "diffusion")

ADOPTION_STATUSES: Final = ("proposed", "under_review", "approved", "rejected")
ADOPTION_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "proposed": ("under_review",),
    "under_review": ("approved", "rejected"),
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

AGREEMENT_KINDS: Final = ("mou", "joint_operation")
AGREEMENT_STATUSES: Final = ("planned", "signed", "active", "expired")

TIE_KINDS: Final = ("employment", "consulting", "joint_research", "other")

# The city's vocabularies (their codes are data: ``db.city``, ``profiles/*.toml``).
VOCABULARIES: Final = ("fields", "sectors", "organisation_kinds", "criteria")

REGULATION_STATUSES: Final = ("draft", "approved", "withdrawn")
