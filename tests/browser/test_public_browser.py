"""A visitor who is not signed in browses the catalogue, opens a technology (a row of the
table, then its permanent URL), reads the public figures and downloads the catalogue as CSV
from the open-data page; in English and Korean."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot, wait_ready

pytestmark = pytest.mark.browser


def _korean(page: Any) -> None:
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="한국어").click()
    wait_ready(page)


def test_visitor_browses_opens_a_technology_and_downloads_the_csv(
    browser: Any, app_server: AppServer, tmp_path: Path
) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(app_server.url)
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_role("link", name="Technology catalogue").first.click()
    page.get_by_role("heading", name="Technology catalogue").first.wait_for(timeout=30_000)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=30_000)
    wait_ready(page)
    assert page.get_by_text("Signed in as").count() == 0
    screenshot(page, "public-catalogue-en")

    # search narrows the list, a row opens the technology's page at its permanent URL
    search = page.get_by_placeholder("Type and press Enter").first
    search.fill("2019-0")
    search.press("Enter")
    page.wait_for_url("**q=2019-0**", timeout=30_000)
    wait_ready(page)
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    page.wait_for_url("**/technology?reg_no=*", timeout=30_000)
    page.get_by_role("heading", name="Registered technology").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_text("Adoptions into city projects").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    permanent = page.url
    screenshot(page, "public-technology-en")
    # the permanent URL opens the same page in a fresh visit
    fresh = ctx.new_page()
    fresh.goto(permanent)
    fresh.get_by_role("heading", name="Registered technology").first.wait_for(timeout=30_000)
    wait_ready(fresh)
    assert fresh.get_by_text("There is no registered technology").count() == 0
    _korean(fresh)
    fresh.get_by_role("heading", name="등록 기술").first.wait_for(timeout=30_000)
    wait_ready(fresh)
    screenshot(fresh, "public-technology-ko")
    fresh.close()

    # the public figures, with their date
    page.goto(app_server.url + "/figures?as_of=2019-08-08")
    page.get_by_text("Experts registered").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_text("817").first.wait_for(timeout=30_000)
    screenshot(page, "public-figures-en")

    # the open data: the catalogue as CSV
    page.goto(app_server.url + "/open_data")
    page.get_by_role("heading", name="Open data").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "public-open-data-en")
    with page.expect_download(timeout=60_000) as caught:
        page.get_by_role("button", name="Download CSV").first.click()
    download = caught.value
    assert download.suggested_filename == "catalogue.csv"
    target = tmp_path / "catalogue.csv"
    download.save_as(target)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "reg_no"
    assert len(rows) > 100
    _korean(page)
    page.get_by_role("heading", name="공공데이터").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "public-open-data-ko")
    page.goto(app_server.url + "/catalogue")
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    wait_ready(page)
    _korean(page)
    page.get_by_role("heading", name="신기술 목록").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "public-catalogue-ko")
    ctx.close()
