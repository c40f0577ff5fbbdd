"""A closed government network: no page of any role asks any host but the app's own.

Every request the browser makes (documents, scripts, fonts, icons, the tab's icon, chart
assets, images) is recorded while the sign-in page and then every page of every role is
opened; all of them must go to the app's origin (or be data/blob addresses the page built
itself).
"""

from __future__ import annotations

import pytest

from components.navigation import pages_for
from seed.constants import DEMO_ACCOUNTS
from tests.browser.conftest import AppServer, settle
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

# One account per role (the approver also holds staff).
ACCOUNTS = [a for a in DEMO_ACCOUNTS if a.username != "staff2.demo"]


def _outside(requests: list[str], origin: str) -> list[str]:
    own = (origin + "/", "data:", "blob:")
    return sorted({u for u in requests if u != origin and not u.startswith(own)})


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda a: a.username)
def test_every_page_asks_only_the_app(browser, app_server: AppServer, account) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    sign_in(page, app_server, account.username)  # the sign-in page first, then signed in
    for spec in pages_for(account.roles):
        page.goto(f"{app_server.url}/{spec.url_path}")
        page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
        # Drawn in full: every request the page makes has started and is recorded (a
        # request is recorded when it starts; waiting for the network to fall idle only
        # timed out on a busy machine).
        settle(page)
        assert page.locator("[data-testid='stException']").count() == 0, spec.url_path
    page.wait_for_load_state("load")
    ctx.close()

    assert len(requests) > 10  # the recorder saw the page load
    assert _outside(requests, app_server.url) == []
