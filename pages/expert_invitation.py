"""An invited expert opens their account (signed out): the mailed link lands here."""

from __future__ import annotations

from components.expert_accounts import invitation_page

invitation_page()
