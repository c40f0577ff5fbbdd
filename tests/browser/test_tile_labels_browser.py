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
# Every tile drawn (``settle`` also waits for no skeleton): the labels are counted once the
# tiles are there, not when the page's text is.
TILES_DRAWN = """() => document.querySelectorAll("[data-testid='stMetricLabel']").length >= 10"""


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
        page.wait_for_function(TILES_DRAWN, timeout=60_000)
        settle(page)
        labels = page.evaluate(LABELS)
        assert len(labels) >= 10, labels  # the cards, the targets, the local shares
        if left := [text for text, over in labels if over]:
            cut[lang] = left
            screenshot(page, f"FAILED-tile-labels-{lang}")
    ctx.close()
    assert not cut, f"tile labels cut at 1440 px: {cut}"


# Each card's way to its records ("Open the list", or the "Records" popover) and whether it
# lies inside what its card shows without scrolling the card (cards have one height a row).
CARD_LINKS = """(names) => [...document.querySelectorAll(
    "[data-testid='stMain'] [data-testid='stPageLink'] a, "
    + "[data-testid='stMain'] [data-testid='stPopover'] button")]
  .filter((e) => names.some((n) => e.innerText.includes(n)))
  .map((e) => {
    let box = e.parentElement;
    while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowY)) {
      box = box.parentElement;
    }
    const r = e.getBoundingClientRect();
    const c = box ? box.getBoundingClientRect() : {top: -1e9, bottom: 1e9};
    const seen = r.top >= c.top - 1 && r.bottom <= c.bottom + 1;
    return [e.innerText.replace(/\\s+/g, ' ').trim(), seen];
  })"""


def test_every_card_shows_the_way_to_its_records(browser: Any, app_server: AppServer) -> None:
    """At 1400-1440 px an overview card's texts can be taller than the card; its link to the
    records behind the figure stays in view, in both languages (it was below the fold of
    the experts' and technologies' cards at 1400 px, the README's screenshots)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    hidden: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        if lang == "ko":
            _to_korean(page)
        names = {"en": ["Open the list", "Records"], "ko": ["목록 보기", "기록"]}[lang]
        page.get_by_text(names[0]).first.wait_for(timeout=60_000)
        settle(page)
        links = page.evaluate(CARD_LINKS, names)
        assert len(links) >= 7, links  # one a card
        if left := [name for name, seen in links if not seen]:
            hidden[lang] = left
            screenshot(page, f"FAILED-card-links-{lang}")
    ctx.close()
    assert not hidden, f"cards whose link to the records is scrolled out of view: {hidden}"
