"""Technologies: the register (``register``: filtered pages, exports, one record) and the
writes (``writes``: registering a submission with its number in the city's pattern, moving it
through screening and review, staff edits; ending a registration goes through a step
proposal, :mod:`db.approvals.proposals`).

Every register has a frozen filter dataclass (hashable, so cached readers can key on it), a
``*_page`` function returning one page of rows as a DataFrame and the total count, an
``*_export`` function returning every filtered row (capped at
:data:`~db.listing.EXPORT_LIMIT`) and a ``*_detail`` function returning one record as a
plain dict. The ``as_of`` filter of each register is the definition of the matching
headline figure in :mod:`db.kpi.headline`, so a drill-down lists as many records as its
tile counts.
"""

from db.technologies.register import (
    TechnologyDetail,
    TechnologyFilters,
    technologies_count,
    technologies_export,
    technologies_page,
    technology_detail,
)
from db.technologies.writes import edit_technology, move_technology, register_technology

__all__ = [
    "TechnologyDetail",
    "TechnologyFilters",
    "edit_technology",
    "move_technology",
    "register_technology",
    "technologies_count",
    "technologies_export",
    "technologies_page",
    "technology_detail",
]
