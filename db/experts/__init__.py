"""The expert pool: the register (``register``; experts' phone and e-mail only for
:data:`~db.policy.PERSONAL_DATA_ROLES`) and the writes (``writes``: adding, editing and
retiring experts with their fields and declared ties; adding organizations).
"""

from db.experts.register import (
    PERSONAL_COLUMNS,
    ExpertDetail,
    ExpertFilters,
    expert_detail,
    experts_count,
    experts_export,
    experts_page,
)
from db.experts.writes import TieInput, add_expert, add_organization, edit_expert, retire_expert

__all__ = [
    "PERSONAL_COLUMNS",
    "ExpertDetail",
    "ExpertFilters",
    "TieInput",
    "add_expert",
    "add_organization",
    "edit_expert",
    "expert_detail",
    "experts_count",
    "experts_export",
    "experts_page",
    "retire_expert",
]
