"""Fixed dates, the published figures, the demo accounts and the planted irregularities.

Everything the demo promises is written down here, so tests and the UI can refer to it:
the figures of the first press release (``shared/context/000_*.txt``, counted as of
:data:`PUBLISHED_AS_OF` with ``db.kpi.headline``), the accounts one can sign in with, and
the irregularities deliberately left in the records for the auditor's fairness panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

SEED: Final = 20190808
"""The one random seed: the same arguments always give the same database."""

DEMO_END: Final = dt.date(2026, 11, 20)
"""The default ``until``: the demo's "today" (fixed so that the generator is deterministic)."""

PUBLISHED_AS_OF: Final = dt.date(2019, 8, 8)
"""The date of the first press release; the published figures hold on this date."""

GO_LIVE: Final = dt.date(2019, 1, 2)
"""The platform went live at the beginning of 2019; nothing is recorded before."""

SETUP_DAY: Final = dt.date(2018, 12, 27)
"""Accounts and reference organisations were set up in the week before going live."""

TESTBED_PROGRAM_START: Final = dt.date(2018, 2, 1)
"""The testbed program predates the platform (February 2018)."""

LOOKAHEAD_DAYS: Final = 45
"""Meetings planned for up to this many days after ``until`` appear as ``scheduled``."""

QUORUM: Final = 5
PANEL_SIZE: Final = 7

PUBLISHED: Final[dict[str, Any]] = {
    "experts": 817,
    "experts_by_affiliation": {"public": 393, "industry": 278, "academia": 142, "other": 4},
    "technologies": 305,
    "technologies_local": 43,
    "meetings": 23,
    "adopted": 54,
    "testbeds": 4,
    "inquiries": 7,
    "agreements": 4,
}
"""The figures of the press release of 2019-08-08 (multiplied by ``scale`` in the seed)."""

DEMO_PASSWORD: Final = "ntp-demo-2019-08-08"  # noqa: S105 - public on purpose: demo only


@dataclass(frozen=True)
class DemoAccount:
    """A demo user: username, Korean display name, roles, e-mail."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    email: str


DEMO_ACCOUNTS: Final = (
    DemoAccount("executive.demo", "박시정 (데모)", ("executive",), "executive.demo@ntp.example"),
    DemoAccount("auditor.demo", "최감사 (데모)", ("auditor",), "auditor.demo@ntp.example"),
    DemoAccount("staff.demo", "김신기 (데모)", ("staff",), "staff.demo@ntp.example"),
    DemoAccount(
        "approver.demo", "정결재 (데모)", ("staff", "approver"), "approver.demo@ntp.example"
    ),
    DemoAccount("admin.demo", "한관리 (데모)", ("admin",), "admin.demo@ntp.example"),
    DemoAccount("staff2.demo", "이심의 (데모)", ("staff",), "staff2.demo@ntp.example"),
)
"""One account per role (plus a second staff member); with ``demo_accounts=False`` they exist
only as the actors of the history and cannot sign in."""

PLANTED_IRREGULARITIES: Final[tuple[dict[str, Any], ...]] = (
    {
        "kind": "decision_against_scores",
        "meeting_codes": ("NTP-2021-04",),
        "position": 1,
        "what": (
            "Agenda item 1 is recorded as passed (and its technology registered) although "
            "its scores fail the two-stage rule of db.meetings.scoring.evaluate."
        ),
    },
    {
        "kind": "decided_without_quorum",
        "meeting_codes": ("NTP-2022-06",),
        "what": "Only 4 of the 7 panel members attended (quorum 5), yet every item was decided.",
    },
    {
        "kind": "repeated_panelist_for_applicant",
        "meeting_codes": (
            "NTP-2023-02",
            "NTP-2023-04",
            "NTP-2023-06",
            "NTP-2023-08",
            "NTP-2023-10",
        ),
        "what": (
            "The same expert sat on all five panels, each time seated as a 'substitute', and "
            "every one of these agendas held a technology of the same applicant company, "
            "which passed each time."
        ),
    },
)
"""Deliberate irregularities for the auditor's fairness panel. They lie after
:data:`PUBLISHED_AS_OF` (so the published figures are untouched) and exist only when ``until``
reaches their meetings. Apart from the first, every decision follows
``db.meetings.scoring.evaluate``."""

PLANTED_BY_CODE: Final = {
    code: p["kind"] for p in PLANTED_IRREGULARITIES for code in p["meeting_codes"]
}
"""Meeting code -> kind of planted irregularity."""
