"""Writes for inter-city work: inquiries from other governments and bodies (with their
follow-ups and status steps) and agreements with partners (with what they produced).

Role-checked (staff), validated per field, compare-and-set against lost edits, and audited
in the caller's transaction; reads live in ``db.queries.intercity``.
"""

from db.intercity.agreements import create_agreement, edit_agreement, link_product
from db.intercity.common import NewOrganization
from db.intercity.inquiries import NEXT, add_followup, edit_inquiry, log_inquiry, move_inquiry

__all__ = [
    "NEXT",
    "NewOrganization",
    "add_followup",
    "create_agreement",
    "edit_agreement",
    "edit_inquiry",
    "link_product",
    "log_inquiry",
    "move_inquiry",
]
