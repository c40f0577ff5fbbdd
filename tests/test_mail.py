"""The mail outbox and its SMTP sender, against a real SMTP server (aiosmtpd) started here.

Runs on SQLite and PostgreSQL (``migrated_engine``). Demo mode and a missing host keep mail in
the local outbox; with a host it goes over SMTP, with STARTTLS and a login; a server that is
down leaves the message queued with its error, then failed after the last attempt.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select

from db import mail
from db.errors import PermissionDenied
from db.mail import smtp
from db.models import MailMessage
from db.policy import Actor
from db.session import read_session, write_session

ADMIN = Actor(id=None, username="root", roles=frozenset({"admin"}))
STAFF = Actor(id=None, username="clerk", roles=frozenset({"staff"}))
LETTER = mail.Letter(
    subject="인증 링크 / Your link", body="안녕하세요.\nhttps://x/verify?t=1", language="ko"
)


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[Any]:
        return [message_from_bytes(e.content, policy=default_policy) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (the test's private CA)."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int, list[bytes]]]:
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    logins: list[bytes] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append(data.login)
        return AuthResult(success=data.login == b"ntp" and data.password == b"s3cret-pass")

    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, port, logins
    finally:
        controller.stop()


def queue(engine: Engine, *, deliver: bool, recipient: str = "ceo@firm.example") -> int:
    with write_session(engine) as s:
        return mail.enqueue(s, recipient=recipient, letter=LETTER, kind="verify", deliver=deliver)


def status(engine: Engine, message_id: int) -> tuple[str, int, str | None]:
    with read_session(engine) as s:
        row = s.execute(select(MailMessage).where(MailMessage.id == message_id)).scalar_one()
        return row.status, row.attempts, row.last_error


def test_settings_come_from_the_environment_and_secrets() -> None:
    env = {
        "NTP_SMTP_HOST": "smtp.city.example",
        "NTP_SMTP_PORT": "2525",
        "NTP_SMTP_USER": "ntp",
        "NTP_SMTP_STARTTLS": "0",
        "NTP_MAIL_FROM": "ntp@city.example",
    }
    s = mail.load_mail_settings(demo=False, environ=env, secrets={"smtp_password": "pw"})
    assert (s.host, s.port, s.user, s.password, s.starttls) == (
        "smtp.city.example", 2525, "ntp", "pw", False,
    )  # fmt: skip
    assert s.deliver and "pw" not in repr(s)
    assert not mail.load_mail_settings(demo=True, environ=env).deliver  # demo: outbox only
    assert not mail.load_mail_settings(demo=False, environ={}).deliver  # no host
    assert mail.load_mail_settings(demo=False, environ={}).starttls  # on by default


def test_demo_mode_keeps_mail_in_the_local_outbox(
    migrated_engine: Engine, plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    message_id = queue(migrated_engine, deliver=False)
    settings = mail.MailSettings(host="127.0.0.1", port=port, starttls=False, demo=True)
    assert mail.deliver_queued(migrated_engine, settings) == mail.DeliveryReport()
    assert status(migrated_engine, message_id) == ("local", 0, None)
    assert inbox.envelopes == []
    with read_session(migrated_engine) as s:
        [row] = mail.outbox_page(session=s, actor=ADMIN)
        assert (row.recipient, row.subject, row.status) == (
            "ceo@firm.example",
            LETTER.subject,
            "local",
        )
        assert mail.outbox_count(session=s, actor=ADMIN) == 1


def test_only_administrators_read_the_outbox(migrated_engine: Engine) -> None:
    queue(migrated_engine, deliver=False)
    with read_session(migrated_engine) as s, pytest.raises(PermissionDenied):
        mail.outbox_page(session=s, actor=STAFF)
    with read_session(migrated_engine) as s, pytest.raises(PermissionDenied):
        mail.outbox_count(session=s, actor=STAFF)


def test_queued_mail_is_sent_over_smtp(
    migrated_engine: Engine, plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    message_id = queue(migrated_engine, deliver=True)
    settings = mail.MailSettings(
        host="127.0.0.1", port=port, starttls=False, sender="ntp@city.example", demo=False
    )
    report = mail.deliver_queued(migrated_engine, settings)
    assert report.sent == (message_id,)
    assert status(migrated_engine, message_id)[:2] == ("sent", 1)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ceo@firm.example"]
    [msg] = inbox.messages()
    assert msg["Subject"] == LETTER.subject and msg["From"] == "ntp@city.example"
    assert msg.get_content().replace("\r\n", "\n").strip() == LETTER.body
    # sent once: a second run finds nothing queued
    assert mail.deliver_queued(migrated_engine, settings) == mail.DeliveryReport()
    assert len(inbox.envelopes) == 1


def test_starttls_and_login(
    migrated_engine: Engine,
    tls_server: tuple[Inbox, int, list[bytes]],
    certificate: tuple[Path, Path],
) -> None:
    inbox, port, logins = tls_server
    message_id = queue(migrated_engine, deliver=True)
    settings = mail.MailSettings(
        host="localhost",
        port=port,
        user="ntp",
        password="s3cret-pass",
        starttls=True,
        ca_file=str(certificate[0]),
        demo=False,
    )
    assert mail.deliver_queued(migrated_engine, settings).sent == (message_id,)
    assert logins == [b"ntp"] and len(inbox.envelopes) == 1
    # an untrusted certificate (no private CA given): refused before any login
    other = queue(migrated_engine, deliver=True)
    report = mail.deliver_queued(migrated_engine, replace(settings, ca_file=""))
    assert report.retry == (other,)
    assert "CERTIFICATE" in (status(migrated_engine, other)[2] or "").upper()
    assert logins == [b"ntp"]


def test_a_server_that_is_down_leaves_mail_queued_then_failed(migrated_engine: Engine) -> None:
    message_id = queue(migrated_engine, deliver=True)
    settings = mail.MailSettings(host="127.0.0.1", port=_free_port(), starttls=False, demo=False)
    for attempt in range(1, smtp.MAX_ATTEMPTS):
        assert mail.deliver_queued(migrated_engine, settings).retry == (message_id,)
        assert status(migrated_engine, message_id)[:2] == ("queued", attempt)
    assert mail.deliver_queued(migrated_engine, settings).failed == (message_id,)
    state, attempts, error = status(migrated_engine, message_id)
    assert (state, attempts) == ("failed", smtp.MAX_ATTEMPTS) and error
    assert mail.deliver_queued(migrated_engine, settings) == mail.DeliveryReport()


def test_the_send_mail_command(
    migrated_url: str,
    migrated_engine: Engine,
    plain_server: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from db.__main__ import main

    inbox, port = plain_server
    queue(migrated_engine, deliver=True)
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NTP_SMTP_PORT", str(port))
    monkeypatch.setenv("NTP_SMTP_STARTTLS", "0")
    assert main(["send-mail"]) == 0
    assert len(inbox.envelopes) == 1
