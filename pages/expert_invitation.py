"""An invited expert opens their account (signed out): the mailed link lands here."""

from __future__ import annotations

from components.expert_accounts import invitation_page
from components.navigation import through_router

through_router()
invitation_page()
