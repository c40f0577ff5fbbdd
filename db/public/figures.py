"""The public figures: the overview's headline numbers as they stood on a date (counts only,
the definitions of ``db.kpi.headline``), and when the published data last changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from db import kpi
from db.errors import N_

FIGURES: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "experts",
        N_("Experts registered"),
        N_("Experts in the pool on the date (registered on or before it, not yet retired)."),
    ),
    (
        "experts_public",
        N_("Experts from public institutions"),
        N_("Experts in the pool on the date whose affiliation is a public institution."),
    ),
    (
        "experts_industry",
        N_("Experts from industry"),
        N_("Experts in the pool on the date whose affiliation is industry."),
    ),
    (
        "experts_academia",
        N_("Experts from academia"),
        N_("Experts in the pool on the date whose affiliation is academia."),
    ),
    (
        "experts_other",
        N_("Experts with another affiliation"),
        N_("Experts in the pool on the date with any other affiliation."),
    ),
    (
        "technologies",
        N_("Technologies registered"),
        N_("Technologies registered on or before the date (a later expiry still counts)."),
    ),
    (
        "technologies_local",
        N_("Technologies of local firms"),
        N_("Of the technologies registered, those owned by firms inside the city."),
    ),
    (
        "meetings",
        N_("Deliberation meetings held"),
        N_("Deliberation meetings held on or before the date."),
    ),
    (
        "adopted",
        N_("Technologies adopted into city projects"),
        N_("Technologies with an adoption into a city project approved on or before the date."),
    ),
    (
        "testbeds",
        N_("Technologies in the testbed program"),
        N_("Technologies selected into the testbed program on or before the date."),
    ),
    (
        "inquiries",
        N_("Benchmarking inquiries"),
        N_("Inquiries about the platform from other bodies received on or before the date."),
    ),
    (
        "agreements",
        N_("Agreements with partners"),
        N_("Agreements and joint operations with partners planned on or before the date."),
    ),
)
"""Each published figure: its key (the open-data column), name and description (msgids)."""


@dataclass(frozen=True)
class PublicFigure:
    key: str
    label: str  # msgid
    description: str  # msgid
    value: int


def figures_of(h: kpi.Headline) -> tuple[PublicFigure, ...]:
    """The published figures of ``h``, in :data:`FIGURES` order (nothing else of it)."""
    by_aff = h.experts_by_affiliation
    values = {
        "experts": h.experts,
        "experts_public": by_aff.get("public", 0),
        "experts_industry": by_aff.get("industry", 0),
        "experts_academia": by_aff.get("academia", 0),
        "experts_other": by_aff.get("other", 0),
        "technologies": h.technologies,
        "technologies_local": h.technologies_local,
        "meetings": h.meetings,
        "adopted": h.adopted,
        "testbeds": h.testbeds,
        "inquiries": h.inquiries,
        "agreements": h.agreements,
    }
    return tuple(PublicFigure(key, label, desc, int(values[key])) for key, label, desc in FIGURES)


def public_figures(*, session: Session, as_of: dt.date) -> tuple[PublicFigure, ...]:
    """The published figures as they stood on ``as_of``."""
    return figures_of(kpi.headline(session=session, as_of=as_of))


def last_updated(*, session: Session) -> dt.datetime | None:
    """When the data behind the catalogue and the figures last changed (UTC), None before
    any record was written."""
    return kpi.last_changed(session=session)
