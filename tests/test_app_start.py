"""The app as a person meets it on start: demo first start, bad configuration, demo accounts."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from tests.apptest import button, new_app, page_text, sign_in, text_input


def test_demo_first_start_creates_migrates_and_fills_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("DATABASE_URL", "NTP_DEMO", "NTP_COOKIE_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NTP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NTP_LANG", "en")
    at = new_app()
    assert not at.exception
    assert (tmp_path / "ntp.sqlite3").exists()
    at = sign_in(at, "executive.demo")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Experts registered"].replace(",", "")) > 817


@pytest.mark.parametrize(
    "url",
    [
        "definitely not a url",
        "postgresql+psycopg://u:p@localhost:notaport/db",  # a port that is not a number
        "postgresql+psycopg://u:p@[::1/db",  # an IPv6 host not closed
    ],
)
def test_malformed_database_url_stops_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NTP_LANG", "en")
    at = new_app()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The app cannot start. DATABASE_URL is not a valid database address (expected e.g. "
        "postgresql+psycopg://user:password@host:5432/dbname)."
    ]
    assert not at.text_input  # no sign-in form


def test_unreachable_database_stops_without_telling_visitors_its_address(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://ntp_owner:pw@10.9.8.7:1/ntp_prod")
    monkeypatch.setenv("NTP_LANG", "en")
    at = new_app()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The app cannot start. The database cannot be reached; the administrator finds its "
        "address in the server log. Please try again later."
    ]
    assert "10.9.8.7" not in page_text(at) and "ntp_owner" not in page_text(at)
    assert "10.9.8.7" in caplog.text and "pw@" not in caplog.text  # the log names it
    assert not at.text_input


def test_weak_cookie_key_outside_demo_refuses_to_start(
    seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "x.sqlite3"
    shutil.copyfile(seeded_sqlite_file, db)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_COOKIE_KEY", "too-short")
    monkeypatch.setenv("NTP_LANG", "en")
    at = new_app()
    assert not at.exception
    assert "cookie signing key is too weak" in at.error[0].value
    assert not at.text_input


@pytest.fixture
def production_like(
    seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "prod.sqlite3"
    shutil.copyfile(seeded_sqlite_file, db)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("NTP_LANG", "en")


def test_demo_accounts_cannot_sign_in_outside_demo_mode(production_like: None) -> None:
    at = sign_in(new_app(), "admin.demo")
    assert "Signed in as" not in page_text(at)
    assert "Sign-in failed" in page_text(at)


def test_empty_fields_say_what_is_missing(production_like: None) -> None:
    at = new_app()
    button(at, "Sign in").click()
    at.run()
    assert "Enter both your username and your password." in page_text(at)
    text_input(at, "Username").input("someone")
    button(at, "Sign in").click()
    at.run()
    assert "Enter both your username and your password." in page_text(at)


def test_sign_in_page_names_the_city_and_the_product_and_hints_the_demo_accounts(
    app_env: str,
) -> None:
    at = new_app()
    assert not at.exception
    text = page_text(at)
    assert "Daegu Metropolitan City" in text  # from the city profile in the database
    assert "New Technology Platform" in text
    hint = "\n".join(i.value for i in at.info)
    assert "ntp-demo-2019-08-08" in hint
    for username in ("executive.demo", "auditor.demo", "staff.demo", "admin.demo"):
        assert f"`{username}`" in hint
    assert "Approver" in hint


def test_no_demo_hint_outside_demo_mode(production_like: None) -> None:
    at = new_app()
    assert not at.exception
    assert "ntp-demo-2019-08-08" not in page_text(at)
    assert "Daegu Metropolitan City" in page_text(at)


def test_first_start_reports_each_step_of_building_the_demo_database(tmp_path: Path) -> None:
    from components.bootstrap import prepare_database
    from components.first_start import step

    heard: list[str] = []
    prepare_database(f"sqlite:///{tmp_path}/new.sqlite3", demo=True, progress=heard.append)
    assert heard[0] == "migrating" and len(heard) > 10
    shown = [step(m) for m in heard]
    assert all(0 < done < 1 for done, _text in shown)
    assert [d for d, _t in shown] == sorted(d for d, _t in shown)  # it only moves forward
    assert "Preparing the demo database" not in {text for _d, text in shown}  # all known
