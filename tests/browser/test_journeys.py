"""The journeys that matter, per role, in Korean and in English, in Chromium on a real server.

One ``streamlit run`` per language (``NTP_LANG``) on a fresh copy of the demo database, one
browser for the module. Each journey ends in assertions on what is on the screen and a
screenshot in ``artifacts/screenshots`` (kept by CI as an artifact):

1. the mayor's office reads the overview, changes the as-of date and downloads the briefing;
2. a staff member proposes an adoption; the adoption-review meeting that recommends it is
   held through the ``db.meetings`` writes (the meeting flow has its own browser test);
   an approver approves it in a second browser context (confirmation and comment); an
   executive in a third context sees the adoption count and the record change on refresh;
3. an auditor opens that meeting's record and the audit trail, and verifies the chain;
4. an administrator imports a file with an error and sees the report.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from components.i18n import fmt_int, set_language, translate_in
from db.engine import make_engine
from db.models import Adoption, AuditEvent, Meeting
from db.session import read_session
from tests.browser.conftest import (
    AppServer,
    choose,
    expand,
    fill_sign_in,
    kpi_tile,
    open_tab,
    rerun_after,
    screenshot,
    settle,
    start_app,
    wait_ready,
)
from tests.security_payloads import demo_actor, recommend

pytestmark = pytest.mark.browser
PASSWORD = "ntp-demo-2019-08-08"
LANGS = ("ko", "en")


@pytest.fixture(scope="module", params=LANGS)
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    seeded_sqlite_file: Path,
) -> Iterator[tuple[str, AppServer]]:
    lang = str(request.param)
    srv = start_app(tmp_path_factory.mktemp(f"journeys-{lang}"), seeded_sqlite_file,
                    {"NTP_LANG": lang})  # fmt: skip
    yield lang, srv
    srv.process.terminate()
    try:
        srv.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.process.kill()


class T:
    """The app's own words in the server's language (the catalogue, not copies)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, msgid: str, **params: Any) -> str:
        return translate_in(self.lang, msgid, **params)

    def pattern(self, msgid: str) -> re.Pattern[str]:
        """The translated sentence as a pattern; each ``{placeholder}`` a group."""
        names = re.findall(r"{(\w+)}", msgid)
        text = re.escape(self(msgid, **{k: f"\0{k}\0" for k in names}))
        for k in names:
            text = text.replace(re.escape(f"\0{k}\0"), f"(?P<{k}>.+?)")
        return re.compile(text)


def sign_in(page: Page, server: AppServer, t: T, username: str) -> None:
    """Sign in through the form (see ``fill_sign_in``: filled once the page has settled,
    again if a settling rerun redrew it)."""
    page.goto(server.url)
    words = {"user": t("Username"), "password": t("Password"), "sign_in": t("Sign in")}
    signed_in = page.get_by_role("button", name=t("Sign out"))
    if not fill_sign_in(page, username, PASSWORD, signed_in, words):
        screenshot(page, f"FAILED-journey-sign-in-{username}-{t.lang}")
        raise AssertionError("could not sign in: " + page.inner_text("body")[:500])
    wait_ready(page)


def open_page(page: Page, server: AppServer, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    page.locator("h1").first.wait_for(timeout=60_000)
    settle(page)


def metric(page: Page, name: str) -> str:
    """The value shown on the KPI tile called ``name``."""
    tile = kpi_tile(page, name)
    tile.wait_for(timeout=30_000)
    return tile.locator("[data-testid='stMetricValue']").inner_text().strip()


def context(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)


def test_executive_reads_the_overview_changes_the_date_and_downloads_the_briefing(
    browser: Any, server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    t = T(lang)
    ctx = context(browser)
    page = ctx.new_page()
    sign_in(page, srv, t, "executive.demo")
    metric(page, t("Experts registered"))
    # The as-of date of the first press release: the published figures.
    # (A segmented date field: year, month and day; typing moves from one to the next.)
    field = page.get_by_role("group", name=t("As of"))
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type("20190808", delay=60)
    page.keyboard.press("Enter")
    page.get_by_role("heading").first.click()  # leaving the field commits the date
    wait_ready(page)
    try:
        page.wait_for_function("location.search.includes('as_of=2019-08-08')", timeout=30_000)
    except PlaywrightTimeout:
        screenshot(page, f"FAILED-journey-as-of-{lang}")
        raise
    wait_ready(page)
    set_language(lang)
    assert metric(page, t("Experts registered")) == fmt_int(817)
    assert metric(page, t("Technologies adopted")) == fmt_int(54)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=t("Download briefing")).click()
    download = info.value
    body = Path(download.path()).read_text(encoding="utf-8")
    assert download.suggested_filename.startswith("ntp-briefing-2019-08-08")
    assert t("New Technology Platform briefing") in body
    assert t("As of {date}", date="2019-08-08") in body
    assert fmt_int(817) in body and fmt_int(305) in body
    assert "<script" not in body.lower()
    screenshot(page, f"journey-executive-overview-{lang}")
    ctx.close()


def _registered_without_adoption(url: str) -> tuple[int, str]:
    """A registered technology no approved adoption uses yet (so approving one changes the
    adoption count), with its registration number."""
    from db.models import Technology

    engine = make_engine(url)
    with read_session(engine) as s:
        used = select(Adoption.technology_id).where(Adoption.status == "approved")
        row = s.execute(
            select(Technology.id, Technology.reg_no)
            .where(Technology.status == "registered", Technology.id.not_in(used))
            .order_by(Technology.reg_no.desc())
        ).first()
    engine.dispose()
    assert row is not None
    return int(row[0]), str(row[1])


def _find_adoption(url: str, project: str) -> int:
    engine = make_engine(url)
    with read_session(engine) as s:
        adoption_id = s.execute(
            select(Adoption.id).where(Adoption.project_name == project)
        ).scalar_one()
    engine.dispose()
    return int(adoption_id)


@pytest.fixture(scope="module")
def approved(browser: Any, server: tuple[str, AppServer]) -> dict[str, Any]:
    """Journey 2 (run once per language): propose, recommend, approve; what the others see."""
    lang, srv = server
    t = T(lang)
    set_language(lang)
    project = f"Journey {lang} ring road repaving"
    _tech_id, reg_no = _registered_without_adoption(srv.database_url)

    # An executive keeps the overview open in a third context from the start.
    exe_ctx = context(browser)
    exe = exe_ctx.new_page()
    sign_in(exe, srv, t, "executive.demo")
    adopted_before = metric(exe, t("Technologies adopted"))

    # 1. Staff proposes the adoption through the work queue form.
    staff_ctx = context(browser)
    staff = staff_ctx.new_page()
    sign_in(staff, srv, t, "staff.demo")
    open_page(staff, srv, "work_queue")
    open_tab(staff, t("Propose an adoption"))
    form = staff.locator(".st-key-wf_form_propose").first  # the form's fields (plain widgets)
    choose(staff, form.get_by_label(t("Registered technology")), reg_no)  # a long list: typed
    form.get_by_label(t("City project")).fill(project)
    form.get_by_label(t("Department")).fill("Roads division")
    form.get_by_label(t("Budget (won)")).fill("250000000")
    form.get_by_label(t("Justification")).fill("Cheaper maintenance over ten years.")
    form.get_by_role("button", name=t("Propose"), exact=True).click()
    wait_ready(staff)
    staff.get_by_text(
        t("Your proposal was saved. It now waits for an adoption review meeting.")
    ).first.wait_for(timeout=30_000)
    screenshot(staff, f"journey-staff-proposed-{lang}")
    adoption_id = _find_adoption(srv.database_url, project)

    # 2. The adoption-review meeting that recommends it, through the db/ writes (the
    # meeting forms have their own browser test; here it is the prerequisite of four eyes).
    engine = make_engine(srv.database_url)
    meeting_id = recommend(
        engine, demo_actor(engine, "staff2.demo"), [adoption_id], title=f"Journey review {lang}"
    )
    with read_session(engine) as s:
        code = s.get(Meeting, meeting_id).code  # type: ignore[union-attr]
    engine.dispose()

    # 3. The approver decides it in a second context: confirmation and comment required.
    appr_ctx = context(browser)
    appr = appr_ctx.new_page()
    sign_in(appr, srv, t, "approver.demo")
    open_page(appr, srv, "approvals")
    choose(appr, appr.get_by_role("combobox", name=t("Item")), project)
    wait_ready(appr)
    decision = appr.locator("[data-testid='stForm']").filter(has_text=t("Your decision")).first
    decision.wait_for(timeout=30_000)
    decision.get_by_text(t("Approve"), exact=True).click()
    decision.get_by_label(t("Comment (required, kept with the decision)")).fill(
        "Recommended by the panel; budget checked."
    )
    # Without the confirmation nothing is saved.
    decision.get_by_role("button", name=t("Record the decision")).click()
    wait_ready(appr)
    appr.get_by_text(t("Tick the confirmation first. Nothing was saved.")).first.wait_for(
        timeout=30_000
    )
    decision = appr.locator("[data-testid='stForm']").filter(has_text=t("Your decision")).first
    if decision.count() == 0:  # the item is chosen again after the warning
        choose(appr, appr.get_by_role("combobox", name=t("Item")), project)
        wait_ready(appr)
        decision = appr.locator("[data-testid='stForm']").filter(has_text=t("Your decision"))
    decision.get_by_text(t("Approve"), exact=True).click()
    comment = decision.get_by_label(t("Comment (required, kept with the decision)"))
    if not comment.input_value():
        comment.fill("Recommended by the panel; budget checked.")
    decision.get_by_text(
        t("I have reviewed the proposal, the technology and the deliberation record above.")
    ).click()
    decision.get_by_role("button", name=t("Record the decision")).click()
    wait_ready(appr)
    done = t("Decision recorded: {decision}.", decision=t("Approve"))
    appr.get_by_text(done).first.wait_for(timeout=30_000)
    body = appr.inner_text("body")
    screenshot(appr, f"journey-approver-approved-{lang}")

    # 4. The executive refreshes: one more technology adopted, the record says approved.
    exe.reload()
    wait_ready(exe)
    adopted_after = metric(exe, t("Technologies adopted"))
    open_page(exe, srv, f"adoptions?id={adoption_id}")
    exe.get_by_text(project).first.wait_for(timeout=30_000)
    screenshot(exe, f"journey-executive-sees-approval-{lang}")
    record_text = exe.inner_text("body")
    for c in (exe_ctx, staff_ctx, appr_ctx):
        c.close()
    return {
        "adoption_id": adoption_id,
        "meeting_id": meeting_id,
        "meeting_code": code,
        "project": project,
        "adopted": (adopted_before, adopted_after),
        "record": record_text,
        "approver_page": body,
    }


def test_staff_proposes_approver_approves_executive_sees_it(
    approved: dict[str, Any], server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    set_language(lang)
    engine = make_engine(srv.database_url)
    with read_session(engine) as s:
        adoption = s.get(Adoption, approved["adoption_id"])
        assert adoption is not None
        assert adoption.status == "approved"
        assert adoption.decision_comment == "Recommended by the panel; budget checked."
    engine.dispose()
    before, after = approved["adopted"]
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1, (before, after)
    from components.labels import LABELS

    approved_label = translate_in(lang, LABELS["adoption_status"]["approved"])
    assert approved_label in approved["record"], approved["record"][:800]


def test_auditor_opens_the_meeting_record_and_verifies_the_audit_chain(
    browser: Any, approved: dict[str, Any], server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    t = T(lang)
    set_language(lang)
    ctx = context(browser)
    page = ctx.new_page()
    sign_in(page, srv, t, "auditor.demo")
    open_page(page, srv, f"meetings?id={approved['meeting_id']}")
    page.get_by_text(approved["meeting_code"]).first.wait_for(timeout=30_000)
    # The agenda item (folded when it follows the rules) names the adoption's project.
    item = page.locator("[data-testid='stExpander']").filter(has_text=approved["project"]).first
    expand(page, item, item.get_by_text(approved["project"]))
    item.scroll_into_view_if_needed()
    screenshot(page, f"journey-auditor-meeting-{lang}")

    open_page(page, srv, "audit_trail")
    open_tab(page, t("Integrity"))
    page.get_by_role("button", name=t("Verify integrity")).click()
    sentence = t.pattern("Intact up to event {n}, head hash {hash}.")
    intact = page.get_by_text(re.compile(re.sub(r"\(\?P<\w+>", "(", sentence.pattern)))
    intact.first.wait_for(timeout=120_000)
    wait_ready(page)
    engine = make_engine(srv.database_url)
    with read_session(engine) as s:
        approval = s.execute(
            select(AuditEvent.id).where(
                AuditEvent.action == "adoption.approve",
                AuditEvent.entity_id == str(approved["adoption_id"]),
            )
        ).scalar_one()
    engine.dispose()
    # "Intact up to event N": N is at least the approval's event.
    shown = intact.first.inner_text()
    found = sentence.search(shown)
    assert found is not None, shown
    assert int(re.sub(r"\D", "", found.group("n"))) >= approval, (shown, approval)
    screenshot(page, f"journey-auditor-audit-verified-{lang}")
    ctx.close()


def test_admin_imports_a_file_with_an_error_and_sees_the_report(
    browser: Any, server: tuple[str, AppServer]
) -> None:
    import csv
    import io

    from sqlalchemy import func

    from db.models import Technology
    from tests.browser.test_import_page import HEADER_EN, HEADER_KO

    lang, srv = server
    t = T(lang)
    engine = make_engine(srv.database_url)
    with read_session(engine) as s:
        before = s.scalar(select(func.count()).select_from(Technology))
        owner_id = s.scalar(select(Technology.owner_org_id).order_by(Technology.id).limit(1))
        from db.models import Organization

        owner = s.get(Organization, owner_id).name_ko  # type: ignore[union-attr]
    engine.dispose()
    ctx = context(browser)
    page = ctx.new_page()
    sign_in(page, srv, t, "admin.demo")
    open_page(page, srv, "imports")
    page.get_by_role("heading", name=t("Import")).first.wait_for(timeout=30_000)
    page.get_by_label(t("Register to import into")).click()
    page.get_by_role("option", name=t("Technologies")).click()
    wait_ready(page)
    field = {"ko": ("교량", "우주"), "en": ("Bridges", "Space")}[lang]
    rows = [
        HEADER_KO if lang == "ko" else HEADER_EN,
        ["DG-2026-951", "여정 기술 1", owner, field[0], "2026-01-05"],
        ["DG-2026-952", "여정 기술 2", owner, field[1], "2026-01-05"],
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    box = page.locator("[data-testid='stFileUploader'] input[type='file']")
    rerun_after(page, lambda: box.set_input_files(
        files=[{"name": "journey.csv", "mimeType": "text/csv",
                "buffer": buf.getvalue().encode("utf-8-sig")}]
    ))  # fmt: skip
    page.get_by_role("heading", name=t("Problems found")).first.wait_for(timeout=60_000)
    page.get_by_role("cell", name=field[1]).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, f"journey-admin-import-report-{lang}")
    engine = make_engine(srv.database_url)
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Technology)) == before
    engine.dispose()
    ctx.close()
