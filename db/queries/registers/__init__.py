"""The registers the overview drills into: technologies, experts, adoptions, inquiries.

Each register has a frozen filter dataclass (hashable, so cached readers can key on it), a
``*_page`` function returning one page of rows as a DataFrame and the total count, an
``*_export`` function returning every filtered row (capped at
:data:`~db.listing.EXPORT_LIMIT`) and a ``*_detail`` function returning one
record as a plain dict. The ``as_of`` filter of each register is the definition of the
matching headline figure in ``db.queries.kpi``, so a drill-down lists as many records as
its tile counts.
"""

from db.listing import EXPORT_LIMIT, PAGE_LIMIT_MAX, SEARCH_MAX_CHARS
from db.queries.registers.adoptions import (
    AdoptionFilters,
    adoption_detail,
    adoptions_count,
    adoptions_export,
    adoptions_page,
)
from db.queries.registers.experts import (
    PERSONAL_COLUMNS,
    ExpertFilters,
    expert_detail,
    experts_count,
    experts_export,
    experts_page,
)
from db.queries.registers.inquiries import (
    InquiryFilters,
    inquiries_export,
    inquiries_page,
    inquiry_detail,
)
from db.queries.registers.technologies import (
    TechnologyFilters,
    technologies_count,
    technologies_export,
    technologies_page,
    technology_detail,
)

__all__ = [
    "EXPORT_LIMIT",
    "PAGE_LIMIT_MAX",
    "PERSONAL_COLUMNS",
    "SEARCH_MAX_CHARS",
    "AdoptionFilters",
    "ExpertFilters",
    "InquiryFilters",
    "TechnologyFilters",
    "adoption_detail",
    "adoptions_count",
    "adoptions_export",
    "adoptions_page",
    "expert_detail",
    "experts_count",
    "experts_export",
    "experts_page",
    "inquiries_export",
    "inquiries_page",
    "inquiry_detail",
    "technologies_count",
    "technologies_export",
    "technologies_page",
    "technology_detail",
]
