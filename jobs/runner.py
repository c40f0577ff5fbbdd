"""``run-due``: what is due now, each item claimed under the unique key of ``job_runs`` in
the transaction that queues its message, then the outbox delivered.

One transaction per (job, recipient, period): a run that stops halfway has queued exactly
the messages whose transactions committed, and the next run does the rest. Two servers
running at once both try to insert the same key; PostgreSQL makes the second wait for the
first and then refuses it (unique violation), which is read as "done elsewhere".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import audit, clock, mail
from db.audit.keys import AuditKey
from db.audit.receipt import make_receipt, write_receipt
from db.city import store as city_store
from db.inbox import digests
from db.inbox.items import RECEIPT_FAILED_JOB, RECEIPT_JOB, VERIFY_JOB
from db.inbox.subscriptions import DIGEST_DAYS_DEFAULT, SUBSCRIPTION_KINDS
from db.mail import Letter, MailSettings
from db.models import JobRun, Subscription, User
from db.policy import Actor
from db.session import read_session, write_session
from jobs import letters

Compose = Callable[[Session, Actor, Subscription, str, dt.datetime], Letter | None]


@dataclass
class RunReport:
    """What one run did. ``queued``: (job, username, mail id); ``no_address``: (job,
    username) of subscribers without an e-mail address, skipped; ``nothing``: items due with
    nothing to say; ``done_before``: items an earlier run (or another server) did."""

    queued: list[tuple[str, str, int]] = field(default_factory=list)
    no_address: list[tuple[str, str]] = field(default_factory=list)
    nothing: int = 0
    done_before: int = 0
    verification: str | None = None  # "ok", "failed", or None when done earlier today
    receipt: Path | None = None  # the day's head receipt written by this run
    receipt_error: str | None = None  # why it could not be written (the next run retries)
    delivery: mail.DeliveryReport | None = None


def week_of(day: dt.date) -> str:
    """The ISO week of ``day``, e.g. ``2026-W50`` (the weekly briefing's period)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _actor(user: User) -> Actor:
    return Actor(
        id=user.id, username=user.username, roles=user.role_names, display_name=user.display_name
    )


def _name(actor: Actor) -> str:
    return actor.display_name or actor.username


def _periods(session: Session, actor: Actor, sub: Subscription, today: dt.date) -> list[str]:
    """The periods of ``sub`` due today: the day, the week, or one per alert."""
    if sub.kind == "weekly_briefing":
        return [week_of(today)]
    if sub.kind == "auditor_alerts":
        alerts = digests.auditor_alerts(session=session, actor=actor, since=sub.created_at)
        return [a.key for a in alerts]
    return [today.isoformat()]


def compose(
    session: Session, actor: Actor, sub: Subscription, period: str, now: dt.datetime
) -> Letter | None:
    """The message of ``sub`` for ``period``, read as ``actor`` on the city's day of ``now``
    (None: nothing to say)."""
    lang, today = sub.language, clock.city_date(now)
    if sub.kind == "approval_digest":
        days = sub.days if sub.days is not None else DIGEST_DAYS_DEFAULT
        items = digests.approval_digest(session=session, actor=actor, today=today, days=days)
        return letters.approval_digest(lang, _name(actor), items, days) if items else None
    if sub.kind == "overdue_inquiries":
        lines, total = digests.overdue_digest(session=session, actor=actor, today=today)
        return letters.overdue_digest(lang, _name(actor), lines, total) if total else None
    if sub.kind == "weekly_briefing":
        figures = digests.weekly_figures(session=session, actor=actor, today=today)
        here = city_store.city(session) if city_store.has_profile(session) else None
        return letters.weekly_briefing(
            lang, _name(actor), period, today, now.astimezone(clock.city_zone()), figures,
            here.name(lang) if here else "",
        )  # fmt: skip
    if sub.kind == "auditor_alerts":
        alerts = digests.auditor_alerts(session=session, actor=actor, since=sub.created_at)
        alert = next((a for a in alerts if a.key == period), None)
        return None if alert is None else letters.auditor_alert(lang, _name(actor), alert)
    return None


class _DoneBefore(Exception):
    """The item has its row in ``job_runs`` already."""


def _claim_and_queue(
    engine: Engine,
    user_id: int,
    kind: str,
    period: str,
    settings: MailSettings,
    compose: Compose,
    now: dt.datetime,
) -> int | None:
    """In one transaction: insert the (job, recipient, period) row, compose the message as
    the recipient, queue it. The mail's id, or None when there was nothing to say.

    :raise _DoneBefore: an earlier run, or another server, did it.
    """
    try:
        with write_session(engine) as s:
            done = s.scalar(
                select(
                    exists().where(
                        JobRun.job == kind,
                        JobRun.recipient == str(user_id),
                        JobRun.period == period,
                    )
                )
            )
            if done:
                raise _DoneBefore()
            run = JobRun(job=kind, recipient=str(user_id), period=period, status="claimed",
                         created_at=now)  # fmt: skip
            s.add(run)
            s.flush()  # the unique key: a second server waits here, then fails
            user = s.get(User, user_id)
            sub = s.get(Subscription, (user_id, kind))
            if user is None or sub is None or not user.email:
                raise _DoneBefore()  # (gone meanwhile: roll back the claim)
            letter = compose(s, _actor(user), sub, period, now)
            if letter is None:
                run.status = "nothing"
                return None
            run.mail_id = mail.enqueue(
                s, recipient=user.email, letter=letter, kind=kind, deliver=settings.deliver,
                now=now,
            )  # fmt: skip
            run.status = "queued"
            return run.mail_id
    except IntegrityError as exc:
        raise _DoneBefore() from exc


def verify_daily(engine: Engine, today: dt.date, now: dt.datetime) -> str | None:
    """Verify the audit trail once a day and record the result (``job_runs``, job
    :data:`~db.inbox.items.VERIFY_JOB`): "ok", "failed", or None when done earlier today."""
    period = today.isoformat()
    with read_session(engine) as s:
        if s.scalar(select(exists().where(JobRun.job == VERIFY_JOB, JobRun.period == period))):
            return None
        result = audit.verify(s)
    status = "ok" if result.ok else "failed"
    detail = (
        f"event {result.last_good_id}, {result.head_hash}"
        if result.ok
        else f"event {result.first_bad_id}: {result.problem}"
    )
    try:
        with write_session(engine) as s:
            s.add(JobRun(job=VERIFY_JOB, recipient="", period=period, status=status,
                         detail=detail, created_at=now))  # fmt: skip
    except IntegrityError:
        return None
    return status


def receipt_daily(
    engine: Engine, key: AuditKey, target: str | Path, today: dt.date, now: dt.datetime
) -> Path | None:
    """Write the day's head receipt to ``target`` (a folder or file the city keeps away from
    the database server) once a day, recorded in ``job_runs`` (job :data:`RECEIPT_JOB`); None
    when done earlier today. The file is written before the day is recorded: a run that stops
    in between writes the day's receipt again (a second, later receipt is harmless), never
    none. An unwritable target raises ``OSError`` and no receipt is recorded (:func:`run_due`
    records the failure for the auditors' inbox, reports it and goes on with the mail)."""
    period = today.isoformat()
    with read_session(engine) as s:
        if s.scalar(select(exists().where(JobRun.job == RECEIPT_JOB, JobRun.period == period))):
            return None
        receipt = make_receipt(s, key, now=now)
    path = write_receipt(receipt, target)
    detail = f"event {receipt['event']}, {receipt['hash']}, {path}"
    try:
        with write_session(engine) as s:
            s.add(JobRun(job=RECEIPT_JOB, recipient="", period=period, status="ok",
                         detail=detail, created_at=now))  # fmt: skip
    except IntegrityError:
        return None
    return path


def _receipt_failed(engine: Engine, today: dt.date, now: dt.datetime, problem: str) -> None:
    """Record the day's first failure to write the head receipt (``job_runs``, job
    :data:`RECEIPT_FAILED_JOB`): the auditors' inbox shows it until a receipt is written."""
    try:
        with write_session(engine) as s:
            s.add(JobRun(job=RECEIPT_FAILED_JOB, recipient="", period=today.isoformat(),
                         status="failed", detail=problem[:2000], created_at=now))  # fmt: skip
    except IntegrityError:  # failed before today already: the first one stays
        pass


def run_due(
    engine: Engine,
    settings: MailSettings,
    *,
    now: dt.datetime | None = None,
    verify: bool = True,
    receipts: tuple[AuditKey, str | Path] | None = None,
    compose: Compose = compose,
) -> RunReport:
    """Do what is due at ``now`` (default: the clock): the daily verification (unless
    ``verify`` is false), the day's head receipt (when ``receipts`` gives the key and where
    the city keeps them), every subscription's message, then deliver the outbox."""
    at = clock.as_utc(now or clock.now_utc())
    today = clock.city_date(at)
    report = RunReport()
    if verify:
        report.verification = verify_daily(engine, today, at)
    if receipts is not None:  # a receipts' folder that cannot be written stops no mail
        try:
            report.receipt = receipt_daily(engine, receipts[0], receipts[1], today, at)
        except OSError as exc:
            report.receipt_error = str(exc)
            _receipt_failed(engine, today, at, report.receipt_error)
    with read_session(engine) as s:
        rows = s.execute(
            select(Subscription, User)
            .join(User, User.id == Subscription.user_id)
            .where(User.is_active.is_(True))
            .order_by(Subscription.user_id, Subscription.kind)
        ).all()
        due: list[tuple[int, str, str, str, bool]] = []
        for sub, user in rows:
            actor = _actor(user)
            if not actor.has(*SUBSCRIPTION_KINDS.get(sub.kind, ())):
                continue  # a role taken away: the choice stays, nothing is sent
            for period in _periods(s, actor, sub, today):
                due.append((user.id, user.username, sub.kind, period, bool(user.email)))
    for user_id, username, kind, period, has_address in due:
        if not has_address:
            if (kind, username) not in report.no_address:
                report.no_address.append((kind, username))
            continue
        try:
            mail_id = _claim_and_queue(engine, user_id, kind, period, settings, compose, at)
        except _DoneBefore:
            report.done_before += 1
            continue
        if mail_id is None:
            report.nothing += 1
        else:
            report.queued.append((kind, username, mail_id))
    report.delivery = mail.deliver_queued(engine, settings, limit=500)
    return report
