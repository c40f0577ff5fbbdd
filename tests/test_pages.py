"""Every page under AppTest, signed in as each role: navigation, default page, guards."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from components.navigation import PAGES, SIGNED_OUT_PAGES, default_page_for, pages_for
from tests.apptest import ROLE_ACCOUNTS, new_app, page_text, sign_in

REGISTERS = {"technologies", "experts", "adoptions", "testbeds", "inquiries", "agreements"}
READERS = {*REGISTERS, "outcomes"}  # the registers and the Outcomes page (issue 20)
EXPECTED_PAGES = {
    "executive": {"overview", "account", *READERS},
    "auditor": {
        "overview",
        "account",
        "audit_trail",
        "meetings",
        "fairness",
        "regulation",
        *READERS,
    },
    "staff": {
        "overview",
        "account",
        "work_queue",
        "meetings",
        "imports",
        "regulation",
        *READERS,
    },
    # approver.demo is staff + approver
    "approver": {
        "overview",
        "account",
        "work_queue",
        "approvals",
        "meetings",
        "imports",
        "regulation",
        *READERS,
    },
    "admin": {"overview", "administration", "account", "imports", "regulation"},
}
EXPECTED_DEFAULT_TITLE = {
    "executive": "New Technology Platform",
    "auditor": "New Technology Platform",
    "staff": "New Technology Platform",
    "approver": "New Technology Platform",
    "admin": "Administration",
}


@pytest.fixture
def app_env(seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the app at a private copy of the seeded SQLite database, in English.

    Pages run on SQLite; the db functions they call are tested on both databases."""
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(seeded_sqlite_file, dst)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{dst}")
    monkeypatch.setenv("NTP_DEMO", "1")  # demo accounts may sign in
    monkeypatch.setenv("NTP_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("NTP_LANG", "en")
    return f"sqlite:///{dst}"


@pytest.mark.parametrize("role", sorted(EXPECTED_PAGES))
def test_page_map(role: str) -> None:
    roles = {"approver": {"staff", "approver"}}.get(role, {role})
    assert {p.url_path for p in pages_for(roles)} == EXPECTED_PAGES[role]


def test_every_page_is_in_the_map() -> None:
    from pathlib import Path

    on_disk = {f"pages/{p.name}" for p in Path("pages").glob("*.py")}
    assert on_disk == {p.path for p in (*PAGES, *SIGNED_OUT_PAGES)}


def test_signed_out_sees_only_the_sign_in_form(app_env: str) -> None:
    at = new_app()
    assert not at.exception
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]
    assert "Experts registered" not in page_text(at)


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_each_role_lands_on_its_default_page(app_env: str, role: str) -> None:
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    assert not at.exception, at.exception
    assert at.title[0].value == EXPECTED_DEFAULT_TITLE[role]
    assert default_page_for({"approver": {"staff", "approver"}}.get(role, {role}))
    assert "Signed in as" in page_text(at)


PAGE_TITLES = {
    "overview": "New Technology Platform",
    "administration": "Administration",
    "account": "My account",
    "technologies": "Technologies",
    "experts": "Experts",
    "adoptions": "Adoptions",
    "inquiries": "Inquiries",
    "agreements": "Agreements and partners",
    "audit_trail": "Audit trail",
    "work_queue": "Work queue",
    "approvals": "Approvals",
    "meetings": "Meetings",
    "fairness": "Fairness",
    "imports": "Import",
    "regulation": "Regulation",
    "testbeds": "Testbeds",
    "outcomes": "Outcomes",
}


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url_path)
def test_role_by_page_table(app_env: str, role: str, spec) -> None:  # type: ignore[no-untyped-def]
    """Allowed pages open and render; any other page is not registered by st.navigation
    (AppTest refuses to switch to it; a typed URL gives "page not found", see the browser
    tests)."""
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    if spec.url_path in EXPECTED_PAGES[role]:
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, at.exception)
        assert at.title[0].value == PAGE_TITLES[spec.url_path]
        # An empty cell reads empty, not "None" (Streamlit's default text for a missing value;
        # issue 16 item 5).
        unset = [
            df.key or i for i, df in enumerate(at.dataframe) if not df.proto.HasField("placeholder")
        ]
        assert not unset, (spec.path, unset)
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(spec.path)


def test_wrong_password_gives_the_generic_message(app_env: str) -> None:
    at = sign_in(new_app(), "executive.demo", "wrong-password-123")
    text = page_text(at)
    assert "Sign-in failed" in text
    assert "Signed in as" not in text
    at2 = sign_in(new_app(), "nobody-at-all", "wrong-password-123")
    assert [e.value for e in at2.warning] == [e.value for e in at.warning]


@pytest.mark.parametrize("username", ["", "x" * 10_000, "' OR 1=1 --", "<script>alert(1)</script>"])
def test_bad_usernames_fail_cleanly(app_env: str, username: str) -> None:
    at = sign_in(new_app(), username, "whatever-password")
    assert not at.exception
    assert "Signed in as" not in page_text(at)


def test_overview_shows_the_published_figures_as_of_2019_08_08(app_env: str) -> None:
    import datetime as dt

    at = sign_in(new_app(), "executive.demo")
    at.date_input(key="as_of").set_value(dt.date(2019, 8, 8)).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Experts registered"] == "817"
    assert metrics["Technologies registered"] == "305"
    assert metrics["Deliberation meetings held"] == "23"
    assert metrics["Technologies adopted"] == "54"
    assert metrics["Testbeds"] == "4"
    assert metrics["Inter-city inquiries"] == "7"
    assert metrics["Agreements"] == "4"
    experts = next(m for m in at.metric if m.label == "Experts registered")
    assert experts.proto.help == ("Public institutions 393, Industry 278, Academia 142, Other 4")
    technologies = next(m for m in at.metric if m.label == "Technologies registered")
    assert technologies.proto.help == "Local: 43 · External: 262"


def test_overview_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    assert [t.label for t in at.text_input][:2] == ["사용자 이름", "비밀번호"]


def test_page_guard_stops_a_page_run_without_its_role(app_env: str) -> None:
    """Defence in depth: run directly, a page still refuses a user without its role."""
    from streamlit.testing.v1 import AppTest

    from db.policy import Actor

    at = AppTest.from_file(
        str(Path(__file__).resolve().parent.parent / "pages" / "administration.py")
    )
    at.session_state["ntp_actor"] = Actor(id=1, username="x", roles=frozenset({"executive"}))
    at.run()
    assert [e.value for e in at.error] == ["You do not have access to this page."]
    assert "Create an account" not in page_text(at)
