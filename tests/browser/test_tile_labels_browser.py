"""The overview's tiles show their whole labels at 1440 px, in English and in Korean (issue 16:
the "Targets" tiles were cut to "Contracts against t..."): no label is cut with an ellipsis."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot, settle
from tests.browser.test_language_scan_browser import _to_korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

# Each tile's label, and whether it (or a part of it) is wider than its box: cut.
LABELS = """() => [...document.querySelectorAll("[data-testid='stMetricLabel']")].map((l) => [
  l.innerText,
  [l, ...l.querySelectorAll("*")].some((e) => e.scrollWidth > e.clientWidth + 1),
])"""


def test_no_tile_label_is_cut_on_the_overview(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    cut: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        if lang == "ko":
            _to_korean(page)
        heading = {"en": "Targets for", "ko": "년 목표"}[lang]
        page.get_by_text(heading).first.wait_for(timeout=60_000)
        settle(page)
        labels = page.evaluate(LABELS)
        assert len(labels) >= 10, labels  # the cards, the targets, the local shares
        if left := [text for text, over in labels if over]:
            cut[lang] = left
            screenshot(page, f"FAILED-tile-labels-{lang}")
    ctx.close()
    assert not cut, f"tile labels cut at 1440 px: {cut}"
