"""Inter-city work: inquiries from other governments and bodies (with their follow-ups and
status steps) and agreements with partners (with what they produced).

``inquiries`` and ``agreements``: the writes, role-checked (staff), validated per field,
compare-and-set against lost edits, and audited in the caller's transaction. ``register``:
the inquiries register (filtered pages, exports, one record). ``analysis``: the figures of
the inquiries page (who asks, from where, over time; overdue inquiries); ``agreement_reads``:
the agreements' counts and rows, one agreement and what it produced.
"""

from db.intercity.agreements import create_agreement, edit_agreement, link_product
from db.intercity.common import NewOrganization
from db.intercity.inquiries import NEXT, add_followup, edit_inquiry, log_inquiry, move_inquiry
from db.intercity.register import (
    InquiryDetail,
    InquiryFilters,
    inquiries_export,
    inquiries_page,
    inquiry_detail,
)

__all__ = [
    "NEXT",
    "InquiryDetail",
    "InquiryFilters",
    "NewOrganization",
    "add_followup",
    "create_agreement",
    "edit_agreement",
    "edit_inquiry",
    "inquiries_export",
    "inquiries_page",
    "inquiry_detail",
    "link_product",
    "log_inquiry",
    "move_inquiry",
]
