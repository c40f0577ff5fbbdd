"""Deterministic demo data for the New Technology Platform (``python -m seed``).

``build(engine, scale=1)`` fills an empty, migrated database with a synthetic history of
Daegu's platform from its launch in January 2019 to :data:`DEMO_END`. Counted as of
:data:`PUBLISHED_AS_OF` with ``db.kpi.headline``, it reproduces the figures of the press
release of 2019-08-08 exactly (x ``scale``); afterwards it keeps growing plausibly. Companies,
institutes, universities and people are synthetic; the public bodies named in the press
release are real. See :data:`PLANTED_IRREGULARITIES` for what an auditor should find.

For another city (``profile=``, or the profile the database holds) the same history is told
in that city's words: its vocabularies, home region, numbering and own bodies
(:mod:`seed.city`).
"""

from seed.build import SeedRefused, SeedReport, build
from seed.constants import (
    DEMO_ACCOUNTS,
    DEMO_END,
    DEMO_PASSWORD,
    PLANTED_IRREGULARITIES,
    PUBLISHED,
    PUBLISHED_AS_OF,
    DemoAccount,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_END",
    "DEMO_PASSWORD",
    "PLANTED_IRREGULARITIES",
    "PUBLISHED",
    "PUBLISHED_AS_OF",
    "DemoAccount",
    "SeedRefused",
    "SeedReport",
    "build",
]
