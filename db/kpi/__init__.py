"""The platform's figures as they stood on a date, computed in SQL: the headline figures
(``headline``: the definitions the published figures are counted by; the registers' ``as_of``
filters use the same ones) and the overview's trends, pipeline and breakdowns
(``overview``).

The function :func:`~db.kpi.headline.headline` is re-exported under the name of its module:
``from db import kpi; kpi.headline(...)`` calls it; ``from db.kpi.headline import ...`` still
reads the module.
"""

from db.kpi.headline import (
    ALL_TECHNOLOGIES,
    Headline,
    TechFilter,
    agreements_by_status,
    experts_by_affiliation,
    headline,
    inquiries_received,
    last_changed,
    meetings_held,
    technologies_adopted,
    technologies_registered,
    testbeds_by_stage,
)
from db.kpi.overview import (
    Breakdown,
    breakdown,
    last_changed_by_entity,
    month_start,
    monthly_counts,
    months_between,
    pipeline,
    records_behind,
    stage_durations,
)

__all__ = [
    "ALL_TECHNOLOGIES",
    "Breakdown",
    "Headline",
    "TechFilter",
    "agreements_by_status",
    "breakdown",
    "experts_by_affiliation",
    "headline",
    "inquiries_received",
    "last_changed",
    "last_changed_by_entity",
    "meetings_held",
    "month_start",
    "monthly_counts",
    "months_between",
    "pipeline",
    "records_behind",
    "stage_durations",
    "technologies_adopted",
    "technologies_registered",
    "testbeds_by_stage",
]
