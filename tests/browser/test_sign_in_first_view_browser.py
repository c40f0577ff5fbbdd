"""The sign-in page's first view has no empty grey box above the city's name (issue 16): the
element that carries the app's page script takes no room, also while the browser is still
loading Streamlit's code for HTML elements (on a first view; Streamlit meanwhile draws a grey
placeholder in the element's place)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot

pytestmark = pytest.mark.browser

# How much of each placeholder above the city's name shows: its height, clipped by the boxes
# around it (a box that hides what overflows it), nothing when a box around it is not drawn.
# (The logo's and the form's own placeholders, beside and below the name, are Streamlit's.)
SHOWN_PLACEHOLDERS = """(name) => {
  const heading = [...document.querySelectorAll("[data-testid='stMain'] h3")]
    .find((h) => h.innerText.includes(name));
  const limit = heading.getBoundingClientRect().top;
  return [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stSkeleton']")]
  .filter((s) => s.getBoundingClientRect().bottom <= limit + 1).map((s) => {
  const r = s.getBoundingClientRect();
  let top = r.top, bottom = r.bottom;
  for (let e = s.parentElement; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.display === "none") return 0;
    if (style.overflowY !== "visible") {
      const box = e.getBoundingClientRect();
      top = Math.max(top, box.top);
      bottom = Math.min(bottom, box.bottom);
    }
  }
  return Math.max(0, bottom - top);
});
}"""


def test_no_grey_box_above_the_city_name(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    held: list[Any] = []  # Streamlit's code for HTML elements, held back: a slow first view
    page.route("**/static/js/Html.*.js", lambda route: held.append(route))
    page.goto(app_server.url)
    page.get_by_text("Daegu Metropolitan City").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=60_000)
    placeholder = "[data-testid='stMain'] [data-testid='stSkeleton']"
    page.locator(placeholder).first.wait_for(state="attached", timeout=30_000)
    assert held, "the page asked for the code of HTML elements"
    shown = page.evaluate(SHOWN_PLACEHOLDERS, "Daegu Metropolitan City")
    if any(h > 1 for h in shown):
        screenshot(page, "FAILED-sign-in-grey-box")
    for route in held:
        route.continue_()
    assert all(h <= 1 for h in shown), f"grey placeholders shown (px high): {shown}"
    ctx.close()
