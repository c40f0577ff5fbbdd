"""The page map: which pages each role may open, and each role's default page.

``app.py`` registers only the pages of the signed-in user's roles with ``st.navigation``,
so a typed URL to any other page is "page not found". Pages guard themselves again with
:func:`guard`, and ``db/`` checks roles on every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import streamlit as st

from components.i18n import N_, _
from db.policy import Actor

EVERYONE = frozenset({"executive", "auditor", "staff", "approver", "admin"})
PUBLIC: frozenset[str] = frozenset()
"""The roles of a public page: none. Visitors who are not signed in see these pages (and the
sign-in); they read only through ``db.public``."""


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
    PageSpec("pages/outcomes.py", N_("Outcomes"), ":material/insights:", READERS, N_("Dashboard")),
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
    PageSpec("pages/testbeds.py", N_("Testbeds"), ":material/science:", READERS, N_("Registers")),
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
    PageSpec(
        "pages/applications.py",
        N_("My applications"),
        ":material/assignment:",
        frozenset({"applicant"}),
        N_("Applications"),
    ),
    PageSpec(
        "pages/verify_email.py",
        N_("E-mail verification"),
        ":material/mark_email_read:",
        frozenset({"applicant"}),
        N_("System"),
    ),
    PageSpec(
        "pages/expert.py",
        N_("Expert area"),
        ":material/rate_review:",
        frozenset({"expert"}),
        N_("Deliberations"),
    ),
    PageSpec(
        "pages/account.py",
        N_("My account"),
        ":material/person:",
        EVERYONE | {"applicant", "expert"},
        N_("System"),
    ),
    PageSpec(
        "pages/catalogue.py",
        N_("Technology catalogue"),
        ":material/menu_book:",
        PUBLIC,
        N_("Public information"),
    ),
    PageSpec(
        "pages/technology.py",
        N_("Registered technology"),
        ":material/article:",
        PUBLIC,
        N_("Public information"),
    ),
    PageSpec(
        "pages/figures.py",
        N_("Public figures"),
        ":material/query_stats:",
        PUBLIC,
        N_("Public information"),
    ),
    PageSpec(
        "pages/open_data.py",
        N_("Open data"),
        ":material/dataset:",
        PUBLIC,
        N_("Public information"),
    ),
)


# Pages a visitor who is not signed in may open, besides the sign-in form: creating a company
# account, the e-mail verification link's landing page, and an expert's invitation link's.
SIGNED_OUT_PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/sign_up.py",
        N_("Create a company account"),
        ":material/person_add:",
        frozenset(),
        N_("Applications"),
    ),
    PageSpec(
        "pages/verify_email.py",
        N_("E-mail verification"),
        ":material/mark_email_read:",
        frozenset(),
        N_("Applications"),
    ),
    PageSpec(
        "pages/expert_invitation.py",
        N_("Open your expert account"),
        ":material/how_to_reg:",
        frozenset(),
        N_("Applications"),
    ),
)
# Reached by their address only: a technology from the catalogue (its permanent URL), the
# verification page from the link mailed to a new company account, the invitation page from
# the link mailed to an expert.
HIDDEN_IN_MENU = frozenset({"technology", "verify_email", "expert_invitation"})

# The page each role lands on, in order of precedence for users with several roles.
DEFAULT_PAGE: tuple[tuple[str, str], ...] = (
    ("executive", "overview"),
    ("approver", "overview"),
    ("staff", "overview"),
    ("auditor", "overview"),
    ("admin", "administration"),
    ("applicant", "applications"),
    ("expert", "expert"),
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


def build_public_navigation(sign_in: Callable[[str | None], None]) -> st.navigation:  # type: ignore[valid-type]
    """``st.navigation`` of a visitor who is not signed in: the public pages and a company's
    sign-up and e-mail verification beside the sign-in, which is the default page (so a link
    to a page that does not exist opens the sign-in, under Streamlit's "Page not found").

    The address of every signed-in page (a bookmark, a link in a mail, ``?field=...&id=...``)
    opens the sign-in too, hidden and without "Page not found": ``sign_in(url_path)`` draws
    the form for that page. A page's identity is its address, so once the form has signed the
    visitor in, the run that follows finds that page among theirs and draws it, with its
    query; or the start page, if their roles may not open it."""
    public = [
        st.Page(
            spec.path,
            title=_(spec.title),
            icon=spec.icon,
            url_path=spec.url_path,
            visibility="hidden" if spec.url_path in HIDDEN_IN_MENU else "visible",
        )
        for spec in (*(p for p in PAGES if p.roles == PUBLIC), *SIGNED_OUT_PAGES)
    ]
    served = {page.url_path for page in public}
    stand_ins = [
        st.Page(
            _sign_in_for(sign_in, spec.url_path),
            title=_("Sign in"),
            icon=":material/login:",
            url_path=spec.url_path,
            visibility="hidden",
        )
        for spec in PAGES
        if spec.url_path not in served
    ]
    signin = st.Page(
        _sign_in_for(sign_in, None),
        title=_("Sign in"),
        icon=":material/login:",
        url_path="signed_out_page",  # (its address before the stand-ins; served at the root)
        default=True,
    )
    return st.navigation([*public, *stand_ins, signin])


def _sign_in_for(sign_in: Callable[[str | None], None], asked: str | None) -> Callable[[], None]:
    def page() -> None:
        sign_in(asked)

    return page


def through_router() -> None:
    """Make sure this page runs inside ``app.py``'s navigation, not alone.

    Until a run of the server process has called ``st.navigation``, Streamlit runs a URL that
    names a file of ``pages/`` by that file alone (its old multipage mode, with every file
    listed in the sidebar), and stays in that mode for every visitor while only such URLs are
    opened. A public page is the first page many visitors open, so it leaves that mode and
    runs again through ``app.py`` (same URL, same page; the language, the city's frame and the
    visitor's navigation are drawn there)."""
    from streamlit.runtime.pages_manager import PagesManager

    # Once per session: a run that follows in the same session (a form's submission) keeps
    # its widget values. (Streamlit's test harness enters the old mode again for every run.)
    if PagesManager.uses_pages_directory and not st.session_state.get("ntp_routed"):
        st.session_state["ntp_routed"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()


def guard(*roles: str) -> Actor:
    """Stop the page unless the signed-in user holds one of ``roles`` (defence in depth)."""
    actor: Actor | None = st.session_state.get("ntp_actor")
    if actor is None:
        # Opened by its address as a fresh server's first view, the page runs alone, before
        # app.py could sign the user in from the cookie: run it again through the router.
        through_router()
    if actor is None or not actor.roles.intersection(roles or EVERYONE):
        st.error(_("You do not have access to this page."))
        st.stop()
    assert actor is not None
    return actor
