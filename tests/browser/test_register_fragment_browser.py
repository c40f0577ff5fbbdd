"""A register's body reruns alone (``st.fragment``) when the user filters or opens a record:
the address still follows the view (the deep link), and a write from the record's card still
reruns the whole page, so its outcome shows under the title and the card shows the saved
record (nothing stale)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from db.engine import make_engine
from db.models import Technology
from db.session import read_session
from db.technologies.writes import ACTIVE
from tests.browser.conftest import AppServer, screenshot, settle, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def _editable_technology(url: str) -> tuple[int, str]:
    """A technology staff may still edit: its id and English title."""
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            row = s.execute(
                select(Technology.id, Technology.title_en)
                .where(Technology.status.in_(ACTIVE))
                .order_by(Technology.id)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return int(row.id), str(row.title_en)


def test_filtering_and_opening_a_record_keep_the_link_and_a_save_shows_on_the_whole_page(  # type: ignore[no-untyped-def]
    browser, app_server: AppServer
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "staff.demo")
    page.goto(f"{app_server.url}/technologies")
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    wait_ready(page)

    # A filter: the table and its count change, and the address holds the filter.
    count = page.get_by_text(re.compile(r"^\d[\d,]* technologies")).first
    before = count.inner_text()
    settle(page)
    page.get_by_role("combobox", name="Field").click()
    option = page.get_by_role("option").nth(1)  # the first field ("All" is the 0th)
    option.wait_for(timeout=30_000)
    option.click()
    page.wait_for_function("location.search.includes('field=')", timeout=30_000)
    page.wait_for_function(
        "([el, text]) => el.innerText !== text",
        arg=[count.element_handle(), before],
        timeout=30_000,
    )
    settle(page)

    # A row: the record's card opens, and the address holds its number.
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.get_by_role("button", name="Close").first.wait_for(timeout=30_000)
    page.wait_for_function("/[?&]id=\\d+/.test(location.search)", timeout=30_000)
    assert "field=" in page.evaluate("location.search")
    wait_ready(page)

    # A save from the card: the flash under the title and the new title in the card.
    tech_id, title = _editable_technology(app_server.database_url)
    page.goto(f"{app_server.url}/technologies?id={tech_id}")
    page.get_by_role("button", name="Close").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_text("Edit this technology").first.click()
    field = page.get_by_label("Title in English")
    field.wait_for(timeout=30_000)
    new_title = f"{title[:80]} (corrected)"
    field.fill(new_title)
    page.get_by_role("button", name="Save the changes").click()
    try:
        page.get_by_text("The technology was changed.").first.wait_for(timeout=30_000)
    except PlaywrightError as exc:  # say what the page showed instead (CI has no screen)
        screenshot(page, "FAILED-register-fragment-save-en")
        alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
        shown = field.input_value() if field.count() else "(the form is gone)"
        raise AssertionError(f"no confirmation; alerts {alerts}; title field {shown!r}") from exc
    wait_ready(page)
    flash = page.locator("[data-testid='stAlert']").filter(has_text="The technology was changed.")
    heading = page.get_by_role("heading", name="Technologies").first
    flash_box, heading_box = flash.first.bounding_box(), heading.bounding_box()
    assert flash_box is not None and heading_box is not None
    assert flash_box["y"] > heading_box["y"]  # right under the title, where pages show it
    filters = page.get_by_role("button", name="Clear filters").first.bounding_box()
    assert filters is not None and flash_box["y"] < filters["y"]  # above the register
    page.get_by_role("heading", name=re.compile(re.escape(new_title[:40]))).first.wait_for(
        timeout=30_000
    )
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "register-fragment-saved-en")
    ctx.close()
