"""Sending the outbox over SMTP: the settings, and :func:`deliver_queued`.

Settings come from the environment (secrets for the password): ``NTP_SMTP_HOST``,
``NTP_SMTP_PORT`` (587), ``NTP_SMTP_USER``, ``NTP_SMTP_PASSWORD`` (or the secret
``smtp_password``), ``NTP_SMTP_STARTTLS`` (on unless ``0``), ``NTP_SMTP_CA_FILE`` (a private
CA to trust, optional), ``NTP_MAIL_FROM``. In demo mode, or without a host, nothing is sent:
messages stay in the local outbox.

Each message is claimed (its attempt counted, committed) before it is sent and marked sent
after, each in a short transaction of its own, so the database is never held while a server
answers and two app replicas never send the same message twice at once. A message that
failed :data:`MAX_ATTEMPTS` times is marked ``failed`` with the last error.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import Engine, select, update

from db import recording
from db.clock import as_utc, now_utc
from db.models import MailMessage
from db.session import read_session, write_session

MAX_ATTEMPTS = 5
DEFAULT_PORT = 587
TIMEOUT_SECONDS = 20.0
ERROR_MAX_CHARS = 500

log = logging.getLogger("ntp.mail")


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes. ``deliver`` is false in demo mode and without a host: the local
    outbox keeps the messages."""

    host: str = ""
    port: int = DEFAULT_PORT
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True
    sender: str = "no-reply@localhost"
    ca_file: str = ""
    demo: bool = True

    @property
    def deliver(self) -> bool:
        return bool(self.host) and not self.demo


def _flag(value: str | None, default: bool) -> bool:
    text = (value or "").strip().lower()
    return default if not text else text in {"1", "true", "yes", "on"}


def load_mail_settings(
    *, demo: bool, environ: dict[str, str] | None = None, secrets: dict[str, str] | None = None
) -> MailSettings:
    """The SMTP settings from ``environ`` (default: the process environment) and ``secrets``
    (``smtp_password``; the environment wins)."""
    env = os.environ if environ is None else environ
    port_text = (env.get("NTP_SMTP_PORT") or "").strip()
    return MailSettings(
        host=(env.get("NTP_SMTP_HOST") or "").strip(),
        port=int(port_text) if port_text.isdigit() else DEFAULT_PORT,
        user=(env.get("NTP_SMTP_USER") or "").strip(),
        password=env.get("NTP_SMTP_PASSWORD") or (secrets or {}).get("smtp_password") or "",
        starttls=_flag(env.get("NTP_SMTP_STARTTLS"), True),
        sender=(env.get("NTP_MAIL_FROM") or "").strip() or "no-reply@localhost",
        ca_file=(env.get("NTP_SMTP_CA_FILE") or "").strip(),
        demo=demo,
    )


@dataclass(frozen=True)
class DeliveryReport:
    """What one :func:`deliver_queued` run did: ids sent, ids to retry, ids given up."""

    sent: tuple[int, ...] = ()
    retry: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()


def _message(settings: MailSettings, row: MailMessage) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = email.utils.format_datetime(as_utc(row.created_at))
    msg["Message-ID"] = email.utils.make_msgid(idstring=f"ntp{row.id}")
    msg["Content-Language"] = row.language
    msg.set_content(row.body)
    if row.attachment is not None:
        name = row.attachment_name or "attachment"
        kind = ("text", "html") if name.endswith(".html") else ("application", "octet-stream")
        msg.add_attachment(row.attachment, maintype=kind[0], subtype=kind[1], filename=name)
    return msg


def _send(settings: MailSettings, msg: EmailMessage) -> None:
    """One SMTP conversation: STARTTLS (verified against the system CAs or ``ca_file``),
    login when a user is set, send.

    :raise OSError: (smtplib.SMTPException and socket errors) the message was not accepted.
    """
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if settings.starttls:
            context = ssl.create_default_context(cafile=settings.ca_file or None)
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(msg)


def _claim(engine: Engine, message_id: int, now: dt.datetime) -> MailMessage | None:
    """Count an attempt on a queued message; the message, or None if another sender has it
    (or it is no longer queued)."""
    with write_session(engine) as s:
        row = s.get(MailMessage, message_id, populate_existing=True)
        if row is None or row.status != "queued" or row.attempts >= MAX_ATTEMPTS:
            return None
        seen = row.attempts
        if not recording.compare_and_set(
            s,
            update(MailMessage)
            .where(
                MailMessage.id == message_id,
                MailMessage.status == "queued",
                MailMessage.attempts == seen,
            )
            .values(attempts=seen + 1),
        ):
            return None
        s.expunge(row)
        row.attempts = seen + 1
        return row


def _finish(engine: Engine, row: MailMessage, error: str | None, now: dt.datetime) -> str:
    status = "sent" if error is None else "failed" if row.attempts >= MAX_ATTEMPTS else "queued"
    with write_session(engine) as s:
        s.execute(
            update(MailMessage)
            .where(MailMessage.id == row.id)
            .values(
                status=status,
                sent_at=now if error is None else None,
                last_error=None if error is None else error[:ERROR_MAX_CHARS],
            )
            .execution_options(synchronize_session=False)
        )
    return status


def deliver_queued(
    engine: Engine, settings: MailSettings, *, limit: int = 20, now: dt.datetime | None = None
) -> DeliveryReport:
    """Send up to ``limit`` queued messages, oldest first; nothing when ``settings`` do not
    deliver (demo mode, no host). Never raises for a refused or unreachable server: the
    message stays queued (or is marked failed after :data:`MAX_ATTEMPTS`), with the error."""
    if not settings.deliver:
        return DeliveryReport()
    with read_session(engine) as s:
        ids = list(
            s.execute(
                select(MailMessage.id)
                .where(MailMessage.status == "queued", MailMessage.attempts < MAX_ATTEMPTS)
                .order_by(MailMessage.id)
                .limit(limit)
            ).scalars()
        )
    sent: list[int] = []
    retry: list[int] = []
    failed: list[int] = []
    for message_id in ids:
        at = as_utc(now or now_utc())
        row = _claim(engine, message_id, at)
        if row is None:
            continue
        error: str | None = None
        try:
            _send(settings, _message(settings, row))
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("Mail %s to the outbox's recipient was not sent: %s", row.id, error)
        status = _finish(engine, row, error, at)
        {"sent": sent, "queued": retry, "failed": failed}[status].append(row.id)
    return DeliveryReport(tuple(sent), tuple(retry), tuple(failed))
