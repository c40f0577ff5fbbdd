"""Another city in a real browser: a Daejeon database (``python -m db upgrade && python -m db
city init profiles/daejeon.toml && python -m seed --profile profiles/daejeon.toml``) shows
Daejeon's name (sidebar, sign-in page, browser tab), its fields, sectors and ``DJ-`` numbers
(a technology's card), in Korean and in English; and no page an administrator, a staff
member, an auditor or an approver opens contains "대구", "Daegu" or "DG-". Screenshots
under ``artifacts/``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.city.store import city, terms
from db.engine import make_engine
from db.models import Technology
from db.session import read_session
from tests.browser.conftest import (
    ARTIFACTS,
    AppServer,
    fill_sign_in,
    not_found,
    open_tab,
    screenshot,
    settle,
    start_app,
    stop_app,
    wait_ready,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "ntp-demo-2019-08-08"
FORBIDDEN = ("대구", "Daegu", "DG-")
WORDS = {
    "en": {"user": "Username", "password": "Password", "sign_in": "Sign in", "in": "Signed in as"},
    "ko": {"user": "사용자 이름", "password": "비밀번호", "sign_in": "로그인", "in": "로그인 중"},
}
ADMIN_PAGES = ("overview", "administration", "imports", "account")
STAFF_PAGES = ("overview", "technologies", "experts", "adoptions", "inquiries", "agreements")
OTHER_PAGES = {
    "auditor.demo": ("meetings", "fairness", "audit_trail"),
    "approver.demo": ("approvals", "work_queue"),
}


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def daejeon_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("daejeon")
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "NTP_DEMO": "1",
        "NTP_DATA_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    _run(["db", "upgrade"], env)
    _run(["db", "city", "init", "profiles/daejeon.toml"], env)
    _run(["seed", "--profile", "profiles/daejeon.toml"], env)
    return folder / "ntp.sqlite3"


@pytest.fixture(scope="module", params=("ko", "en"))
def daejeon_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, daejeon_file: Path
) -> Iterator[tuple[str, AppServer]]:
    lang = str(request.param)
    server = start_app(tmp_path_factory.mktemp(f"app-{lang}"), daejeon_file, {"NTP_LANG": lang})
    yield lang, server
    stop_app(server)


def _sign_in(page, server: AppServer, lang: str, username: str) -> None:  # type: ignore[no-untyped-def]
    words = WORDS[lang]
    page.goto(server.url)
    if not fill_sign_in(page, username, PASSWORD, page.get_by_text(words["in"]), words):
        screenshot(page, f"FAILED-daejeon-sign-in-{username}-{lang}")
        raise AssertionError("could not sign in: " + page.inner_text("body")[:500])
    wait_ready(page)


def _open(page, server: AppServer, path: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/{path}")
    settle(page)  # every element of the run drawn
    # A full load's first run may come before the sign-in cookie is read (only the sign-in
    # page exists then): Streamlit says "Page not found" while the next run shows the page.
    if not_found(page).count():
        page.keyboard.press("Escape")
        expect(not_found(page)).to_have_count(0, timeout=15_000)
        wait_ready(page)
    return str(page.inner_text("body"))


def _no_demo_city(text: str, where: str) -> None:
    found = [w for w in FORBIDDEN if w in text]
    assert not found, f"{where} shows {found}: " + text[:1500]


def test_daejeon_is_shown_and_daegu_never(browser, daejeon_app, daejeon_file: Path) -> None:  # type: ignore[no-untyped-def]
    lang, server = daejeon_app
    engine = make_engine(f"sqlite:///{daejeon_file}")
    with read_session(engine) as s:
        name = city(s).name(lang)
        tech = (
            s.execute(
                select(Technology).where(Technology.reg_no.like("DJ-%")).order_by(Technology.id)
            )
            .scalars()
            .first()
        )
        assert tech is not None
        field = {t.code: t.label(lang) for t in terms(s, "fields")}[tech.field]
        sector = {t.code: t.label(lang) for t in terms(s, "sectors")}[tech.growth_sector]
        tech_id, reg_no = tech.id, tech.reg_no
    engine.dispose()

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(server.url)
    wait_ready(page)
    body = page.inner_text("body")
    assert name in body, body[:800]  # the sign-in page names the city
    assert name in page.title()
    _no_demo_city(body, "the sign-in page")
    screenshot(page, f"daejeon-sign-in-{lang}")

    _sign_in(page, server, lang, "admin.demo")
    for path in ADMIN_PAGES:
        text = _open(page, server, path)
        assert name in text, f"{path}: " + text[:800]  # the sidebar names the city
        _no_demo_city(text, f"admin's {path}")
        screenshot(page, f"daejeon-admin-{path}-{lang}")
    # The city profile tab: the city's own fields and sectors in the vocabulary pickers.
    _open(page, server, "administration")
    tab = "도시 프로필" if lang == "ko" else "City profile"
    open_tab(page, tab)
    screenshot(page, f"daejeon-admin-city-profile-{lang}")
    fields = "기술 분야" if lang == "ko" else "Technical fields"
    page.get_by_role("heading", name=fields, exact=True).scroll_into_view_if_needed()
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"daejeon-admin-city-fields-{lang}.png"))
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    _sign_in(page, server, lang, "staff.demo")
    for path in STAFF_PAGES:
        _no_demo_city(_open(page, server, path), f"staff's {path}")
        screenshot(page, f"daejeon-staff-{path}-{lang}")
    card = _open(page, server, f"technologies?id={tech_id}")
    for shown in (reg_no, field, sector):
        assert shown in card, f"{shown!r} not on the card: " + card[:1500]
    _no_demo_city(card, "a technology's card")
    screenshot(page, f"daejeon-staff-technology-card-{lang}")
    ctx.close()

    for account, paths in OTHER_PAGES.items():
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        _sign_in(page, server, lang, account)
        for path in paths:
            _no_demo_city(_open(page, server, path), f"{account}'s {path}")
            screenshot(page, f"daejeon-{account.split('.')[0]}-{path}-{lang}")
        ctx.close()
