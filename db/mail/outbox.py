"""The outbox: messages stored in ``mail_outbox`` in the transaction of the write that causes
them, read by administrators (the demo's mail box) and by the sender.

A message is not an audited record: the write that queued it is audited; the outbox says
what was sent, to whom, and whether it arrived.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.clock import as_utc, now_utc
from db.models import MailMessage
from db.policy import ADMINS, Actor, require_role

SUBJECT_MAX_CHARS = 300


@dataclass(frozen=True)
class Letter:
    """A message's text in one language: what :func:`enqueue` stores."""

    subject: str
    body: str
    language: str
    attachment_name: str | None = None  # a file sent with it (the weekly briefing)
    attachment: bytes | None = None


@dataclass(frozen=True)
class OutboxRow:
    """One message of the outbox as the administrator reads it."""

    id: int
    recipient: str
    subject: str
    body: str
    language: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def enqueue(
    session: Session,
    *,
    recipient: str,
    letter: Letter,
    kind: str,
    deliver: bool,
    now: dt.datetime | None = None,
) -> int:
    """Store a message in the caller's transaction; return its id.

    ``deliver``: whether an SMTP server is to send it (status ``queued``, sent by
    :func:`db.mail.smtp.deliver_queued` after the commit); otherwise it stays in the local
    outbox (status ``local``: demo mode, tests, no server configured).
    """
    row = MailMessage(
        recipient=recipient.strip(),
        subject=" ".join(letter.subject.split())[:SUBJECT_MAX_CHARS],
        body=letter.body,
        language=letter.language,
        kind=kind,
        attachment_name=letter.attachment_name if letter.attachment else None,
        attachment=letter.attachment,
        status="queued" if deliver else "local",
        attempts=0,
        created_at=as_utc(now or now_utc()),
    )
    session.add(row)
    session.flush()
    return row.id


def _row(m: MailMessage) -> OutboxRow:
    return OutboxRow(
        id=m.id,
        recipient=m.recipient,
        subject=m.subject,
        body=m.body,
        language=m.language,
        kind=m.kind,
        status=m.status,
        attempts=m.attempts,
        last_error=m.last_error,
        created_at=as_utc(m.created_at),
        sent_at=None if m.sent_at is None else as_utc(m.sent_at),
    )


def outbox_count(*, session: Session, actor: Actor) -> int:
    """How many messages the outbox holds.

    :raise PermissionDenied: the actor is not an administrator.
    """
    require_role(actor, ADMINS, "mail.read", "mail")
    return int(session.execute(select(func.count(MailMessage.id))).scalar_one())


def outbox_page(
    *, session: Session, actor: Actor, limit: int = 50, offset: int = 0
) -> list[OutboxRow]:
    """The outbox, newest first, ``limit`` messages from ``offset``.

    :raise PermissionDenied: the actor is not an administrator.
    """
    require_role(actor, ADMINS, "mail.read", "mail")
    rows = session.execute(
        select(MailMessage).order_by(MailMessage.id.desc()).limit(limit).offset(offset)
    ).scalars()
    return [_row(m) for m in rows]


def messages_to(session: Session, recipient: str) -> list[OutboxRow]:
    """Every message to ``recipient``, oldest first (the sender's and the tests' view; not
    offered to any page)."""
    rows = session.execute(
        select(MailMessage)
        .where(func.lower(MailMessage.recipient) == recipient.strip().lower())
        .order_by(MailMessage.id)
    ).scalars()
    return [_row(m) for m in rows]
