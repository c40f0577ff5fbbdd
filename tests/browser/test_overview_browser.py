"""The overview's cards in a real browser (issue #16, items 6 and 7), and the evidence
package's progress (item 13): a card's link opens the register with the card's count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AppServer, screenshot, settle
from tests.browser.test_deliberation_browser import _korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def test_a_card_says_what_it_counts_and_opens_its_list(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 2600})
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    page.goto(f"{app_server.url}/?as_of=2019-08-08")
    page.get_by_text("Technologies registered on or before").first.wait_for(timeout=30_000)
    settle(page)
    # every card's change names its period (waited for: a rerun may still draw the cards)
    page.get_by_text("since 8 Aug 2018").nth(6).wait_for(timeout=30_000)
    split = "Public institutions 393, Industry 278, Academia 142, Other 4"
    page.get_by_text(split).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "overview-cards-en")
    # The five cards with a trend draw its bars, one per complete month (Aug 2018 to Jul 2019),
    # as a picture a screen reader names: the figure, the months and every count.
    bars = page.get_by_role("img", name=re.compile(r": new per month, 2018-08 to 2019-07: "))
    expect(bars).to_have_count(5)
    expect(bars.first).to_have_accessible_name(re.compile(r"^Experts registered: "))
    for i in range(5):
        expect(bars.nth(i).locator("rect")).to_have_count(12)
    box = bars.first.bounding_box()
    assert box is not None and box["height"] == 48 and box["width"] > 100
    drawn = [r.bounding_box() for r in bars.first.locator("rect").all()]
    assert max(b["height"] for b in drawn if b) == 48  # the highest month full height
    # The trend and the pipeline, drawn by the app: the trend one picture named with every
    # count (24 months, the running one left out), a month's counts on hover of its column;
    # each stage's count written beside its bar.
    trend = page.get_by_role("img", name=re.compile(r"^Trends by month, 2017-09 to 2019-07: "))
    expect(trend).to_have_count(1)
    box = trend.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 150
    expect(trend.locator("rect title")).to_have_count(23)
    expect(trend.locator("rect title").last).to_have_text(re.compile(r"^2019-07 · Registrations: "))
    pipeline = page.locator(".ntp-pipeline")
    expect(pipeline).to_contain_text("Registered, not adopted")
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(2)  # the breakdowns
    card = page.locator("[data-testid='stVerticalBlock']").filter(
        has=page.get_by_text("Technologies registered", exact=True)
    )
    value = card.last.locator("[data-testid='stMetricValue']").first.inner_text()
    card.last.get_by_role("link", name="Open the list").click()
    page.get_by_text(re.compile(rf"^{re.escape(value)} technologies")).first.wait_for(
        timeout=30_000
    )
    settle(page)
    page.goto(f"{app_server.url}/?as_of=2019-08-08")
    page.get_by_text("Technologies registered on or before").first.wait_for(timeout=30_000)
    _korean(page)
    settle(page)
    page.get_by_text("2018. 8. 8. 대비").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "overview-cards-ko")
    ko_bars = page.get_by_role("img", name=re.compile(r": 월별 신규 건수, 2018-08~2019-07: "))
    expect(ko_bars).to_have_count(5)
    ctx.close()


def test_the_evidence_package_shows_its_progress_then_is_ready(
    browser: Any, app_server: AppServer
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1400})
    page = ctx.new_page()
    sign_in(page, app_server, "auditor.demo")
    page.goto(f"{app_server.url}/fairness?from=2019-01-01&to=2019-08-08")
    page.get_by_role("heading", name="Flagged records").first.wait_for(timeout=30_000)
    settle(page)
    page.get_by_text("No record is flagged by the checks for this period").first.wait_for(
        timeout=30_000
    )
    screenshot(page, "fairness-summary-en")
    page.get_by_role("button", name="Prepare the evidence package").click()
    page.get_by_role("button", name="Download the evidence package").wait_for(timeout=120_000)
    page.get_by_text("The package is ready.").first.wait_for(timeout=30_000)
    screenshot(page, "fairness-evidence-ready-en")
    _korean(page)
    settle(page)
    page.get_by_role("heading", name="지적 사항").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "fairness-summary-ko")
    ctx.close()
