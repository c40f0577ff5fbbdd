"""Create a company account (signed out)."""

from __future__ import annotations

from components.applicant_account import sign_up_page
from components.navigation import through_router

through_router()
sign_up_page()
