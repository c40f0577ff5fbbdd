"""Create a company account (signed out)."""

from __future__ import annotations

from components.applicant_account import sign_up_page

sign_up_page()
