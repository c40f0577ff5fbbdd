"""The Outcomes and Testbeds pages in a real browser, in English and in Korean: the figures,
the charts and their values, the testbed register; screenshots in artifacts/."""

from __future__ import annotations

import re

from db import clock
from tests.browser.conftest import ARTIFACTS, AppServer, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

SECTIONS = {  # further down the Outcomes page, shown in screenshots of their own
    "en": ("Testbed, certification, first sale", "Departments' satisfaction after use",
           "Annual targets against actual"),
    "ko": ("테스트베드, 인증, 첫 판매", "사용 부서의 사용 후 만족도", "연간 목표 대비 실적"),
}  # fmt: skip
CARD = {  # a testbed of the press release, opened in its card
    "en": ("Open a testbed", "Concrete pillar reinforcement", "Sales after the testbed"),
    "ko": ("테스트베드 열기", "3차원 섬유강화", "테스트베드 이후 판매"),
}
PAGES = {
    "en": {
        "outcomes": ("Outcomes", "Contract value and count by year", "Share to local firms"),
        "testbeds": ("Testbeds", "Open a testbed", re.compile(r"^\d+ testbeds$")),
    },
    "ko": {
        "outcomes": ("성과", "연도별 계약 금액과 건수", "지역 기업 비율"),
        "testbeds": ("테스트베드", "테스트베드 열기", re.compile(r"^테스트베드 \d+건$")),
    },
}


def test_outcomes_and_testbeds_in_both_languages(browser, app_server: AppServer) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "staff.demo")
    for lang in ("en", "ko"):
        if lang == "ko":
            page.locator("[data-testid='stSidebar'] [role='combobox']").first.click()
            page.get_by_role("option", name="한국어").click()
            wait_ready(page)
        # the city's targets for this year on the overview (the demo profile sets 2024-2026)
        year = clock.city_today().year
        overview, targets = (
            ("Overview", f"Targets for {year}") if lang == "en" else ("현황", f"{year}년 목표")
        )
        page.locator("[data-testid='stSidebarNav'] a", has_text=overview).first.click()
        wait_ready(page)
        page.get_by_role("heading", name=targets).first.wait_for(timeout=60_000)
        page.get_by_role("heading", name=targets).first.evaluate(
            "e => e.scrollIntoView({block: 'start'})"
        )
        page.screenshot(path=str(ARTIFACTS / f"overview-targets-{lang}.png"))
        for name, (title, heading, word) in PAGES[lang].items():
            # by the sidebar: a new page load would start a new session in the default language
            page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
            page.wait_for_url(f"**/{name}", timeout=30_000)
            wait_ready(page)
            page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
            page.get_by_text(heading).first.wait_for(timeout=30_000)
            page.get_by_text(word).first.wait_for(timeout=30_000)
            if name == "outcomes":
                charts = page.locator("[data-testid='stVegaLiteChart']")
                charts.first.wait_for(timeout=30_000)
                page.wait_for_function(
                    "document.querySelectorAll(\"[data-testid='stVegaLiteChart'] svg, "
                    "[data-testid='stVegaLiteChart'] canvas\").length >= 4",
                    timeout=30_000,
                )
                for i, section in enumerate(SECTIONS[lang], 1):
                    page.get_by_role("heading", name=section).first.scroll_into_view_if_needed()
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{i}.png"))
            if name == "testbeds":
                label, title_part, sales = CARD[lang]
                page.get_by_label(label).first.click()
                page.keyboard.type(title_part)  # the list shows a few; typing filters it
                page.get_by_role("option", name=re.compile(title_part)).first.click()
                wait_ready(page)
                page.get_by_text(sales).first.wait_for(timeout=30_000)
                page.get_by_text(sales).first.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-card.png"))
            body = page.inner_text("body")
            assert "Traceback" not in body and "Error" not in body[:200]
            screenshot(page, f"{name}-{lang}")
    ctx.close()
