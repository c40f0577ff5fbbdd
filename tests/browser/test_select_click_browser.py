"""Select boxes open on a mouse click, inside forms and low on a long page too (issue 16,
item 1): the click that scrolls the box into view no longer closes the list it opened."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AppServer, open_tab, screenshot, settle
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def test_a_select_box_in_a_form_opens_on_a_click_and_takes_the_choice(  # type: ignore[no-untyped-def]
    browser, app_server: AppServer
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "staff.demo")
    page.goto(f"{app_server.url}/work_queue")
    page.get_by_role("heading", name="Work queue").first.wait_for(timeout=30_000)
    open_tab(page, "Propose an adoption")
    box = page.get_by_role("combobox", name="Registered technology").last
    box.scroll_into_view_if_needed()
    settle(page)
    # A click, and the page still moving under the pointer a moment later (the glide after
    # the mouse wheel, or the browser bringing a box half out of view into view): the scroll
    # used to close the list that the click had just opened.
    rect = box.bounding_box()
    assert rect is not None
    page.mouse.click(rect["x"] + 40, rect["y"] + rect["height"] / 2)
    page.mouse.wheel(0, 60)
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    page.wait_for_timeout(1000)  # (not a wait for a condition: the list must stay open)
    assert box.get_attribute("aria-expanded") == "true"
    assert options.count() > 0
    chosen = options.nth(1).inner_text().strip()
    screenshot(page, "select-click-open-en")
    options.nth(1).click()
    page.wait_for_function(
        "([el, text]) => el.value === text", arg=[box.element_handle(), chosen], timeout=10_000
    )
    settle(page)
    assert box.input_value() == chosen
    assert page.locator("[data-testid='stException']").count() == 0
    ctx.close()
