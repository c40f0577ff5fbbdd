"""Adoptions of registered technologies into city projects: the register (``register``) and
the writes (``writes``: proposing, editing and deciding one adoption, with four eyes and the
meeting's recommendation). Deciding several pending items at once is
:mod:`db.approvals.decisions`.
"""

from db.adoptions.register import (
    AdoptionDetail,
    AdoptionFilters,
    adoption_detail,
    adoptions_count,
    adoptions_export,
    adoptions_page,
)
from db.adoptions.writes import decide_adoption, edit_adoption, propose_adoption, year_bounds

__all__ = [
    "AdoptionDetail",
    "AdoptionFilters",
    "adoption_detail",
    "adoptions_count",
    "adoptions_export",
    "adoptions_page",
    "decide_adoption",
    "edit_adoption",
    "propose_adoption",
    "year_bounds",
]
