"""Start-up configuration: database address, cookie key, demo mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.config import SecretError, cookie_key, load_settings
from db.engine import DatabaseConfigError, make_engine


def test_embedded_default_is_demo_mode(tmp_path: Path) -> None:
    s = load_settings({"NTP_DATA_DIR": str(tmp_path)})
    assert s.demo
    assert s.database_url == f"sqlite:///{tmp_path / 'ntp.sqlite3'}"


def test_database_url_turns_demo_off() -> None:
    s = load_settings({"DATABASE_URL": "postgresql://u@h/db"})
    assert not s.demo


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not a valid database address"),
        ("postgresql+psycopg://u:p@localhost:notaport/db", "not a valid database address"),
        ("postgresql+psycopg://u:p@[::1/db", "not a valid database address"),
        ("mysql://u@h/db", "unsupported database"),
        ("postgresql+psycopg://u@127.0.0.1:1/db", "cannot be reached"),
    ],
)
def test_bad_database_url_is_one_clear_sentence(url: str, words: str) -> None:
    with pytest.raises(DatabaseConfigError) as err:
        make_engine(url)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_sqlite_in_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "db.sqlite3"
    with pytest.raises(DatabaseConfigError, match="does not exist"):
        make_engine(f"sqlite:///{target}")
    assert not target.parent.exists()


def test_password_in_url_is_not_shown() -> None:
    with pytest.raises(DatabaseConfigError) as err:
        make_engine("postgresql+psycopg://u:sekrit@127.0.0.1:1/db")
    assert "sekrit" not in str(err.value)


@pytest.mark.parametrize("key", [None, "short", "some_signature_key", "x" * 31])
def test_weak_or_missing_cookie_key_refused_outside_demo(
    key: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NTP_COOKIE_KEY", raising=False)
    if key is not None:
        monkeypatch.setenv("NTP_COOKIE_KEY", key)
    settings = load_settings({"DATABASE_URL": "postgresql://u@h/db", "NTP_DATA_DIR": str(tmp_path)})
    with pytest.raises(SecretError):
        cookie_key(settings)


def test_strong_cookie_key_from_environment_or_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u@h/db"})
    monkeypatch.setenv("NTP_COOKIE_KEY", "k" * 40)
    assert cookie_key(settings) == "k" * 40
    monkeypatch.delenv("NTP_COOKIE_KEY")
    assert cookie_key(settings, {"cookie_key": "s" * 40}) == "s" * 40


def test_demo_mode_generates_one_key_and_keeps_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NTP_COOKIE_KEY", raising=False)
    settings = load_settings({"NTP_DATA_DIR": str(tmp_path)})
    first = cookie_key(settings)
    assert len(first) >= 32
    assert cookie_key(settings) == first
    assert (tmp_path / "cookie_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://u:p@localhost:notaport/db", "postgresql+psycopg://u:p@[::1/db"]
)
def test_db_command_with_a_malformed_url_prints_one_sentence(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from db.__main__ import main

    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert "DATABASE_URL is not a valid database address" in err
