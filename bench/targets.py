"""What the benchmark opens: every page of ``components.navigation.PAGES`` as its main role,
plus the bare page (the framework floor) and the audit trail filtered. New pages join
automatically."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components import navigation
from components.navigation import EVERYONE, PageSpec
from tests.apptest import ROLE_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"

# A page is benchmarked as the first of these roles that may open it.
ROLE_PREFERENCE = ("executive", "auditor", "staff", "approver", "admin")
BARE = "(bare page)"
SHELL = "(bare page in app.py)"
AUDIT = "audit_trail"
# The audit trail's events filtered by kind of record and user, through the page's own filter
# widgets (their session-state keys): the technology events of staff2.demo, a user with such
# events at every scale (1,446 of 20,458 events at scale 1, 157,054 of 2.1M at scale 100).
AUDIT_FILTERED = "audit_trail, filtered"
AUDIT_FILTER_STATE = (("at_entity", "technology"), ("at_user", "staff2.demo"))


@dataclass(frozen=True)
class Target:
    name: str  # url path of the page, or BARE
    entry: str  # the main script AppTest runs
    path: str  # the page file, relative to the entry's folder
    role: str | None  # None for the bare page and the public pages (no sign-in)
    url_path: str  # where the page is in a real server
    # Widget values set (by session-state key) before each render: a view of the page that
    # a user reaches through its widgets, e.g. the audit trail filtered.
    state: tuple[tuple[str, Any], ...] = ()
    public: bool = False  # a page for visitors who are not signed in (opened signed out)

    @property
    def account(self) -> str | None:
        return ROLE_ACCOUNTS.get(self.role) if self.role else None

    @property
    def is_bare(self) -> bool:
        return self.name == BARE

    @property
    def is_floor(self) -> bool:
        return self.name in (BARE, SHELL)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def main_role(roles: frozenset[str]) -> str | None:
    return next((r for r in ROLE_PREFERENCE if r in roles), None)


class _ShellSpec(PageSpec):
    """The bare page registered inside ``app.py``'s navigation (benchmark processes only)."""

    @property
    def url_path(self) -> str:
        return "bench_bare_page"


SHELL_SPEC = _ShellSpec("bench/bare_page.py", "Bare page", ":material/speed:", EVERYONE, "System")


def register_shell_page() -> None:
    """Add the bare page to the page map *of this process*, so the app's own cost (sign-in
    check, sidebar, navigation) can be measured around a page that costs nothing."""
    if SHELL_SPEC not in navigation.PAGES:
        navigation.PAGES = (*navigation.PAGES, SHELL_SPEC)


def bare_target() -> Target:
    """The framework floor: ``bare_app.py``'s bare page (no sign-in, trivial router)."""
    return Target(BARE, str(BARE_APP), "bare_page.py", None, "bare_page")


def shell_target() -> Target:
    """The app floor: the same bare page behind ``app.py``, signed in as the executive."""
    return Target(SHELL, str(APP), SHELL_SPEC.path, "executive", SHELL_SPEC.url_path)


def page_targets() -> list[Target]:
    """Every page in ``PAGES``, in their order (role None: no demo account may open it; a
    public page is opened by a visitor who is not signed in)."""
    return [
        Target(
            spec.url_path,
            str(APP),
            spec.path,
            main_role(spec.roles),
            spec.url_path,
            public=spec.roles == navigation.PUBLIC,
        )
        for spec in navigation.PAGES
        if not isinstance(spec, _ShellSpec)
    ]


def audit_filtered_target() -> Target | None:
    """The audit trail with its filters set (kind of record and user), if the page exists."""
    page = next((t for t in page_targets() if t.name == AUDIT), None)
    if page is None:
        return None
    return Target(
        AUDIT_FILTERED, page.entry, page.path, page.role, page.url_path, AUDIT_FILTER_STATE
    )


def all_targets() -> list[Target]:
    filtered = audit_filtered_target()
    return [bare_target(), shell_target(), *page_targets(), *([filtered] if filtered else [])]


# Targets of issue #22 (browser, ratios to the bare app's floors measured in the same rounds).
PAGE_OPEN_MAX = 2.0  # a page open (sidebar click -> painted) <= 2x the bare page's open
PAGE_GROWTH_MAX = 1.1  # a page open at scale 100 <= 1.1x itself at scale 1
INTERACTION_MAX = 2.0  # an interaction (click -> settled) <= 2x the bare app's button rerun
SIGN_IN_MAX = 1.5  # sign-in to the overview painted <= 1.5x the bare app's load
PUBLIC_LOAD_MAX = 2.0  # a public page loaded by a visitor <= 2x the bare app's load
CONCURRENT_P95_MAX = 3.0  # p95 with 32 sessions on one process <= 3x the one-session p95
TWO_SERVERS_MIN = 1.7  # two processes on one PostgreSQL serve >= 1.7x one's throughput


def browser_floor(figure: str) -> str:
    """The bare app's figure a browser figure is compared with."""
    if figure.startswith("do "):
        return "bare: rerun"
    if figure.startswith(("sign-in", "load ")):
        return "bare: load"
    return "bare: open"


def browser_target(figure: str) -> tuple[str, float] | None:
    """(name, limit) of the issue #22 target a browser figure is judged by (its ratio to its
    floor), or None (a floor, or a sign-in that does not land on the overview)."""
    if figure.startswith("bare"):
        return None
    if figure.startswith("do "):
        return (f"interaction <= {INTERACTION_MAX:g}x bare rerun", INTERACTION_MAX)
    if figure == "sign-in (executive)":
        return (f"sign-in to the overview <= {SIGN_IN_MAX:g}x bare load", SIGN_IN_MAX)
    if figure.startswith("sign-in"):
        return None
    if figure.startswith("load "):
        return (f"public page load <= {PUBLIC_LOAD_MAX:g}x bare load", PUBLIC_LOAD_MAX)
    return (f"page open <= {PAGE_OPEN_MAX:g}x bare open", PAGE_OPEN_MAX)
