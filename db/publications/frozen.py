"""A publication's frozen form: the figures as flat keys, canonical JSON, and its hash.

The figures are the overview's headline figures (:class:`db.kpi.Headline`) as one flat
mapping, ``experts``, ``experts.public``, ``technologies.local``, ``testbeds.in_progress``...,
written as JSON with sorted keys and no spaces. The hash is SHA-256 over the canonical JSON
of ``{"as_of", "filters", "figures"}``: the same data gives the same hash on SQLite and
PostgreSQL, and a changed date, filter or figure no longer matches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from db.kpi.headline import Headline, TechFilter
from db.models import Publication as PublicationRow

FIGURE_KEYS = (
    "experts",
    "technologies",
    "meetings",
    "adopted",
    "testbeds",
    "inquiries",
    "agreements",
)
"""The headline figures, in the overview's order (a key's split is ``<key>.<code>``)."""

FIGURE_ENTITIES = {
    "experts": "expert",
    "technologies": "technology",
    "meetings": "meeting",
    "adopted": "adoption",
    "testbeds": "testbed",
    "inquiries": "inquiry",
    "agreements": "agreement",
}
"""The kind of record (audit entity) each figure counts."""


def canonical(value: Any) -> str:
    """JSON with sorted keys, no spaces, non-ASCII kept: the same text for the same value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def figures_of(headline: Any) -> dict[str, int]:
    """The headline figures as the flat mapping a publication stores."""
    out: dict[str, int] = {
        "experts": headline.experts,
        "technologies": headline.technologies,
        "technologies.local": headline.technologies_local,
        "meetings": headline.meetings,
        "adopted": headline.adopted,
        "testbeds": headline.testbeds,
        "inquiries": headline.inquiries,
        "agreements": headline.agreements,
    }
    splits = (
        ("experts", headline.experts_by_affiliation),
        ("testbeds", headline.testbeds_by_stage),
        ("agreements", headline.agreements_by_status),
    )
    for key, split in splits:
        for code, n in split.items():
            out[f"{key}.{code}"] = int(n)
    return {k: int(v) for k, v in out.items()}


def headline_of(as_of: dt.date, figures: dict[str, int]) -> Headline:
    """The published figures as a :class:`~db.kpi.Headline` (the briefing prints them)."""

    def split(key: str) -> dict[str, int]:
        return {k.split(".", 1)[1]: v for k, v in figures.items() if k.startswith(key + ".")}

    return Headline(
        as_of=as_of,
        experts=figures.get("experts", 0),
        experts_by_affiliation=split("experts"),
        technologies=figures.get("technologies", 0),
        technologies_local=figures.get("technologies.local", 0),
        meetings=figures.get("meetings", 0),
        adopted=figures.get("adopted", 0),
        testbeds=figures.get("testbeds", 0),
        testbeds_by_stage=split("testbeds"),
        inquiries=figures.get("inquiries", 0),
        agreements=figures.get("agreements", 0),
        agreements_by_status=split("agreements"),
    )


def filters_text(tech: TechFilter) -> str:
    """The technology filters in canonical JSON (``null`` for "all")."""
    return canonical({"field": tech.field, "local": tech.local, "sector": tech.sector})


def tech_filter(text: str) -> TechFilter:
    data = json.loads(text)
    return TechFilter(sector=data.get("sector"), field=data.get("field"), local=data.get("local"))


def digest(as_of: dt.date, filters: str, figures: str) -> str:
    """SHA-256 (hex) over the canonical JSON of the date, the filters and the figures (the
    stored texts are parsed, so the hash does not depend on their spacing)."""
    document = {
        "as_of": as_of.isoformat(),
        "filters": json.loads(filters),
        "figures": json.loads(figures),
    }
    return hashlib.sha256(canonical(document).encode()).hexdigest()


@dataclass(frozen=True)
class Publication:
    """A publication as read back. ``intact``: its stored hash matches its stored date,
    filters and figures (False: the row was changed outside the app, or its figures are
    no longer readable)."""

    id: int
    as_of: dt.date
    tech: TechFilter
    figures: dict[str, int]
    sha256: str
    published_at: dt.datetime
    published_by: str
    title: str
    note: str
    intact: bool

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


def read(row: PublicationRow, published_by: str) -> Publication:
    """A stored row as a :class:`Publication`, its hash checked."""
    try:
        figures = {str(k): int(v) for k, v in json.loads(row.figures).items()}
        tech = tech_filter(row.filters)
        intact = digest(row.as_of, row.filters, row.figures) == row.sha256
    except (ValueError, TypeError, AttributeError):
        figures, tech, intact = {}, TechFilter(), False
    published_at = row.published_at
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=dt.UTC)
    return Publication(
        id=row.id,
        as_of=row.as_of,
        tech=tech,
        figures=figures,
        sha256=row.sha256,
        published_at=published_at,
        published_by=published_by,
        title=row.title or "",
        note=row.note or "",
        intact=intact,
    )
