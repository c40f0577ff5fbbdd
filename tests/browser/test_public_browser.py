"""A visitor who is not signed in browses the catalogue, opens a technology (a row of the
table, then its permanent URL), reads the public figures and downloads the catalogue as CSV
from the open-data page; in English and Korean. The XSS payloads in published fields run
nowhere on the public pages (the DOM checks of ``test_xss_browser``)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Adoption, Organization, Technology
from tests.browser.conftest import (
    AppServer,
    kpi_tile,
    screenshot,
    settle,
    start_app,
    stop_app,
    wait_ready,
)
from tests.browser.test_xss_browser import Watch
from tests.security_payloads import XSS

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
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=60_000)
    wait_ready(page)
    page.get_by_role("link", name="Technology catalogue").first.click()
    page.get_by_role("heading", name="Technology catalogue").first.wait_for(timeout=60_000)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=60_000)
    wait_ready(page)
    assert page.get_by_text("Signed in as").count() == 0
    screenshot(page, "public-catalogue-en")

    # search narrows the list, a row opens the technology's page at its permanent URL
    search = page.get_by_placeholder("Type and press Enter").first
    search.fill("2019-0")
    search.press("Enter")
    page.wait_for_url("**q=2019-0**", timeout=60_000)
    wait_ready(page)
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    page.wait_for_url("**/technology?reg_no=*", timeout=60_000)
    page.get_by_role("heading", name="Registered technology").first.wait_for(timeout=60_000)
    wait_ready(page)
    page.get_by_text("Adoptions into city projects").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    permanent = page.url
    screenshot(page, "public-technology-en")
    # the permanent URL opens the same page in a fresh visit
    fresh = ctx.new_page()
    fresh.goto(permanent)
    fresh.get_by_role("heading", name="Registered technology").first.wait_for(timeout=60_000)
    wait_ready(fresh)
    assert fresh.get_by_text("There is no registered technology").count() == 0
    _korean(fresh)
    fresh.get_by_role("heading", name="등록 기술").first.wait_for(timeout=60_000)
    wait_ready(fresh)
    screenshot(fresh, "public-technology-ko")
    fresh.close()

    # the public figures, with their date
    page.goto(app_server.url + "/figures?as_of=2019-08-08")
    kpi_tile(page, "Experts registered").wait_for(timeout=60_000)
    wait_ready(page)
    page.get_by_text("817").first.wait_for(timeout=60_000)
    screenshot(page, "public-figures-en")

    # the open data: the catalogue as CSV
    page.goto(app_server.url + "/open_data")
    page.get_by_role("heading", name="Open data").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, "public-open-data-en")
    page.get_by_role("button", name="Prepare the files").first.click()
    page.get_by_role("button", name="Download CSV").first.wait_for(timeout=60_000)
    wait_ready(page)
    expect(page.get_by_role("button", name="Download CSV").first).to_be_enabled(timeout=60_000)
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
    page.get_by_role("heading", name="공공데이터").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, "public-open-data-ko")
    page.goto(app_server.url + "/catalogue")
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    wait_ready(page)
    _korean(page)
    page.get_by_role("heading", name="신기술 목록").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, "public-catalogue-ko")
    ctx.close()


@pytest.fixture(scope="module")
def public_xss(tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_file: Path) -> Any:
    """A server whose newest registered technologies carry the XSS payloads in their titles,
    their owners' names and their approved adoptions' project names."""
    tmp = tmp_path_factory.mktemp("public-xss")
    db_file = tmp / "public-xss.sqlite3"
    shutil.copyfile(seeded_sqlite_file, db_file)
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s, s.begin():
        techs = s.execute(
            select(Technology.id, Technology.owner_org_id)
            .where(Technology.status == "registered")
            .order_by(Technology.registered_on.desc(), Technology.id.desc())
            .limit(len(XSS))
        ).all()
        reg_nos = []
        for (tech_id, org_id), payload in zip(techs, XSS, strict=False):
            reg_nos.append(f"XSS-{tech_id}")
            s.execute(
                update(Technology)
                .where(Technology.id == tech_id)
                .values(title_ko=payload[:300], title_en=payload[:300], reg_no=reg_nos[-1])
            )
            s.execute(
                update(Organization)
                .where(Organization.id == org_id)
                .values(name_ko=payload[:180] + f" #{org_id}", name_en=payload[:180])
            )
            s.execute(
                update(Adoption)
                .where(Adoption.technology_id == tech_id)
                .values(project_name=payload[:300], status="approved")
            )
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    server = start_app(tmp, db_file)
    yield server, reg_nos
    stop_app(server)


def test_payloads_in_published_fields_run_nowhere_on_public_pages(
    browser: Any, public_xss: Any
) -> None:
    server, reg_nos = public_xss
    w = Watch(browser, server, "visitor")
    problems: list[str] = []
    views = ["catalogue", "figures", "open_data", *[f"technology?reg_no={r}" for r in reg_nos]]
    for view in views:
        w.page.goto(f"{server.url}/{view}")
        w.page.locator("h1").first.wait_for(timeout=60_000)
        if view.startswith("technology"):
            w.page.get_by_text("Adoptions into city projects").first.wait_for(timeout=60_000)
        # Through app.py even as the first visit of a fresh server (see through_router):
        # the language choice and the visitor's navigation, not a list of every page file.
        # The first visit runs twice (the page file alone, then app.py), so the page is read
        # once it has settled and the choice is waited for, not counted at once.
        settle(w.page)
        expect(w.page.get_by_text("언어 / Language"), view).to_have_count(1, timeout=30_000)
        expect(w.page.get_by_text("administration"), view).to_have_count(0)
        w.page.wait_for_timeout(300)  # images and frames load; handlers would fire
        try:
            w.check(view)
        except AssertionError as exc:
            problems.append(str(exc)[:500])
    screenshot(w.page, "public-xss-technology-en")
    w.page.goto(f"{server.url}/catalogue")
    w.page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    wait_ready(w.page)
    screenshot(w.page, "public-xss-catalogue-en")
    w.close()
    assert not problems, "\n".join(problems)
