"""The page map: which pages each role may open, and each role's default page.

``app.py`` registers only the pages of the signed-in user's roles with ``st.navigation``,
so a typed URL to any other page is "page not found". Pages guard themselves again with
:func:`guard`, and ``db/`` checks roles on every write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st

from components.i18n import N_, _
from db.policy import Actor

EVERYONE = frozenset({"executive", "auditor", "staff", "approver", "admin"})


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str  # msgid
    icon: str
    roles: frozenset[str]
    section: str  # msgid

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("pages/").removesuffix(".py")


READERS = frozenset({"executive", "auditor", "staff", "approver"})

PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/overview.py", N_("Overview"), ":material/dashboard:", EVERYONE, N_("Dashboard")
    ),
    PageSpec(
        "pages/technologies.py",
        N_("Technologies"),
        ":material/precision_manufacturing:",
        READERS,
        N_("Registers"),
    ),
    PageSpec("pages/experts.py", N_("Experts"), ":material/groups:", READERS, N_("Registers")),
    PageSpec(
        "pages/adoptions.py", N_("Adoptions"), ":material/handshake:", READERS, N_("Registers")
    ),
    PageSpec(
        "pages/inquiries.py", N_("Inquiries"), ":material/contact_mail:", READERS, N_("Registers")
    ),
    PageSpec(
        "pages/agreements.py",
        N_("Agreements"),
        ":material/contract:",
        READERS,
        N_("Registers"),
    ),
    PageSpec(
        "pages/work_queue.py",
        N_("Work queue"),
        ":material/inbox:",
        frozenset({"staff"}),
        N_("Workflow"),
    ),
    PageSpec(
        "pages/approvals.py",
        N_("Approvals"),
        ":material/approval:",
        frozenset({"approver"}),
        N_("Workflow"),
    ),
    PageSpec(
        "pages/meetings.py",
        N_("Meetings"),
        ":material/gavel:",
        frozenset({"auditor", "staff", "approver"}),
        N_("Deliberations"),
    ),
    PageSpec(
        "pages/fairness.py",
        N_("Fairness"),
        ":material/balance:",
        frozenset({"auditor"}),
        N_("Deliberations"),
    ),
    PageSpec(
        "pages/audit_trail.py",
        N_("Audit trail"),
        ":material/fact_check:",
        frozenset({"auditor"}),
        N_("Audit"),
    ),
    PageSpec(
        "pages/imports.py",
        N_("Import"),
        ":material/upload_file:",
        frozenset({"admin", "staff", "approver"}),  # approvers: historical migrations
        N_("System"),
    ),
    PageSpec(
        "pages/regulation.py",
        N_("Regulation"),
        ":material/rule:",
        frozenset({"admin", "approver", "auditor", "staff"}),
        N_("System"),
    ),
    PageSpec(
        "pages/administration.py",
        N_("Administration"),
        ":material/manage_accounts:",
        frozenset({"admin"}),
        N_("System"),
    ),
    PageSpec("pages/account.py", N_("My account"), ":material/person:", EVERYONE, N_("System")),
)

# The page each role lands on, in order of precedence for users with several roles.
DEFAULT_PAGE: tuple[tuple[str, str], ...] = (
    ("executive", "overview"),
    ("approver", "overview"),
    ("staff", "overview"),
    ("auditor", "overview"),
    ("admin", "administration"),
)


def pages_for(roles: Iterable[str]) -> list[PageSpec]:
    held = frozenset(roles)
    return [p for p in PAGES if p.roles & held]


def default_page_for(roles: Iterable[str]) -> str:
    held = frozenset(roles)
    for role, page in DEFAULT_PAGE:
        if role in held:
            return page
    return "account"


def build_navigation(actor: Actor, *, only_account: bool = False) -> st.navigation:  # type: ignore[valid-type]
    """``st.navigation`` with the actor's pages grouped by section, default page first.

    Streamlit serves the default page only at the app's root: its own address (``/overview``
    typed, bookmarked or reloaded) would open it under a "Page not found" dialog. So the
    default page is registered once more, hidden, under its own address.
    """
    specs = [p for p in pages_for(actor.roles) if not only_account or p.url_path == "account"]
    default = "account" if only_account else default_page_for(actor.roles)
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        is_default = spec.url_path == default
        aliased = is_default and not only_account  # (one-time password: one page, at the root)
        page = st.Page(
            spec.path,
            title=_(spec.title),
            icon=spec.icon,
            # (a default page's address is the root; this only keeps it apart from the alias)
            url_path=f"{spec.url_path}-home" if aliased else spec.url_path,
            default=is_default,
        )
        sections.setdefault(_(spec.section), []).append(page)
        if aliased:
            alias = st.Page(
                spec.path,
                title=_(spec.title),
                icon=spec.icon,
                url_path=spec.url_path,
                visibility="hidden",
            )
            sections[_(spec.section)].append(alias)
    return st.navigation(sections)


def guard(*roles: str) -> Actor:
    """Stop the page unless the signed-in user holds one of ``roles`` (defence in depth)."""
    actor: Actor | None = st.session_state.get("ntp_actor")
    if actor is None or not actor.roles.intersection(roles or EVERYONE):
        st.error(_("You do not have access to this page."))
        st.stop()
    assert actor is not None
    return actor
