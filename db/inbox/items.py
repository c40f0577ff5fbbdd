"""The inbox: what waits for the acting user, by role, one query per kind.

- approver: decisions pending (adoptions under review, open step proposals), without the
  ones the four-eyes rule keeps from them (:func:`db.policy.decision_refusal`: their own);
- staff: applications to screen, answers to the information requests they sent, meetings
  held and not yet closed, inquiries waiting for an answer longer than the overdue limit;
- auditor: fairness flags of meetings held in the last :data:`NEW_FLAG_DAYS` days, and the
  last audit-trail verification of ``python -m jobs run-due`` when it failed;
- admin: mail that failed or waits for a retry, accounts waiting after failed sign-ins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, and_, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from db import clock, policy
from db.intercity.analysis import OVERDUE_DAYS_DEFAULT
from db.intercity.register import status_on
from db.models import (
    Adoption,
    Application,
    ApplicationMessage,
    Inquiry,
    JobRun,
    MailMessage,
    Meeting,
    MeetingFairness,
    Proposal,
    SigninThrottle,
    User,
)
from db.policy import ADMINS, APPLICATION_HANDLERS, APPROVERS, AUDITORS, STAFF, Actor

NEW_FLAG_DAYS: Final = 30
"""Fairness flags of meetings held this many days back count as new."""

VERIFY_JOB: Final = "verify-audit"
"""The job (``job_runs.job``) that records the scheduled audit-trail verification."""

RECEIPT_JOB: Final = "audit-receipt"
"""The job that records the day's head receipt written where the city keeps receipts
(``NTP_AUDIT_RECEIPTS``; ``jobs.runner.receipt_daily``)."""

RECEIPT_FAILED_JOB: Final = "audit-receipt-failed"
"""The job that records a day's first failure to write the head receipt (its reason)."""


@dataclass(frozen=True)
class InboxItem:
    """One kind of thing waiting for the user: how many, the oldest's age in days (None if
    unknown), and the page (its file, as ``st.page_link`` takes it) and query that show them."""

    kind: str
    count: int
    oldest_days: int | None
    page: str
    query: tuple[tuple[str, str], ...] = ()


def _age(today: dt.date, oldest: dt.date | dt.datetime | None) -> int | None:
    if oldest is None:
        return None
    day = clock.city_date(oldest) if isinstance(oldest, dt.datetime) else oldest
    return max(0, (today - day).days)


def _item(
    kind: str, today: dt.date, count: int, oldest: dt.date | dt.datetime | None, page: str,
    query: tuple[tuple[str, str], ...] = (),
) -> InboxItem | None:  # fmt: skip
    return InboxItem(kind, count, _age(today, oldest), page, query) if count else None


def decisions(session: Session, actor: Actor, today: dt.date, now: dt.datetime) -> InboxItem | None:
    """Adoptions under review and open step proposals the approver may decide (four eyes:
    not their own proposals); two small queries, the rule applied by
    :func:`db.policy.decision_refusal`."""
    policy.require_role(actor, APPROVERS, "inbox.read", "workflow")
    adopt = session.execute(
        select(Adoption.id, Adoption.proposed_by_id, Adoption.proposed_on).where(
            Adoption.status == "under_review"
        )
    ).all()
    steps = session.execute(
        select(Proposal.id, Proposal.proposed_by_id, Proposal.proposed_at).where(
            Proposal.status == "pending"
        )
    ).all()
    waiting = [("adoption", i, by, on) for i, by, on in adopt]
    waiting += [("proposal", i, by, clock.city_date(at)) for i, by, at in steps]
    days = [
        since
        for entity, record_id, proposed_by, since in waiting
        if policy.decision_refusal(actor, policy.Pending(entity, int(record_id), proposed_by))
        is None
    ]
    return _item("decisions", today, len(days), min(days, default=None), "pages/approvals.py")


def applications_to_screen(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Applications submitted (or answered) and not yet taken into the registration path."""
    policy.require_role(actor, APPLICATION_HANDLERS, "inbox.read", "application")
    count, oldest = session.execute(
        select(func.count(Application.id), func.min(Application.updated_at)).where(
            Application.status == "submitted"
        )
    ).one()
    return _item("applications", today, int(count), oldest, "pages/work_queue.py")


def answers(session: Session, actor: Actor, today: dt.date, now: dt.datetime) -> InboxItem | None:
    """Applications back from the applicant with an answer to a request the actor sent."""
    policy.require_role(actor, APPLICATION_HANDLERS, "inbox.read", "application")
    asked = aliased(ApplicationMessage)
    count, oldest = session.execute(
        select(func.count(Application.id), func.min(Application.updated_at)).where(
            Application.status == "submitted",
            select(asked.id)
            .where(
                asked.application_id == Application.id,
                asked.kind == "request",
                asked.author_id == actor.id,
            )
            .exists(),
        )
    ).one()
    return _item("answers", today, int(count), oldest, "pages/work_queue.py")


def meetings_to_close(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Meetings held whose record is not closed yet."""
    policy.require_role(actor, STAFF, "inbox.read", "meeting")
    count, oldest = session.execute(
        select(func.count(Meeting.id), func.min(Meeting.held_on)).where(Meeting.status == "held")
    ).one()
    return _item("meetings", today, int(count), oldest, "pages/meetings.py")


def _overdue(today: dt.date, days: int) -> list[ColumnElement[bool]]:
    return [Inquiry.received_on < today - dt.timedelta(days=days), status_on(today) == "received"]


def overdue_inquiries(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Inquiries unanswered for longer than :data:`OVERDUE_DAYS_DEFAULT` days."""
    policy.require_role(actor, STAFF, "inbox.read", "inquiry")
    days = OVERDUE_DAYS_DEFAULT
    count, oldest = session.execute(
        select(func.count(Inquiry.id), func.min(Inquiry.received_on)).where(*_overdue(today, days))
    ).one()
    query = (("overdue_days", str(days)),)
    return _item("inquiries", today, int(count), oldest, "pages/inquiries.py", query)


def fairness_flags(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Fairness flags of the meetings held in the last :data:`NEW_FLAG_DAYS` days."""
    policy.require_role(actor, AUDITORS, "inbox.read", "fairness")
    total, oldest = session.execute(
        select(func.sum(MeetingFairness.flag_count), func.min(Meeting.held_on))
        .join(Meeting, Meeting.id == MeetingFairness.meeting_id)
        .where(
            MeetingFairness.flag_count > 0,
            Meeting.held_on >= today - dt.timedelta(days=NEW_FLAG_DAYS),
        )
    ).one()
    return _item("fairness", today, int(total or 0), oldest, "pages/fairness.py")


def verification_failure(session: Session) -> JobRun | None:
    """The last scheduled verification of the audit trail when it failed, else None (no
    role check: callers check it)."""
    last = session.execute(
        select(JobRun).where(JobRun.job == VERIFY_JOB).order_by(JobRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last if last is not None and last.status == "failed" else None


def verification(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """The last scheduled verification of the audit trail, when it failed."""
    policy.require_role(actor, AUDITORS, "inbox.read", "audit_event")
    failed = verification_failure(session)
    if failed is None:
        return None
    return _item("verification", today, 1, failed.created_at, "pages/audit_trail.py")


def receipt_failure(session: Session) -> JobRun | None:
    """The last failure to write the day's head receipt when no receipt was written after
    it, else None (no role check: callers check it)."""

    def last(job: str) -> JobRun | None:
        return session.execute(
            select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(1)
        ).scalar_one_or_none()

    failed = last(RECEIPT_FAILED_JOB)
    if failed is None:
        return None
    written = last(RECEIPT_JOB)
    return failed if written is None or written.created_at < failed.created_at else None


def receipt(session: Session, actor: Actor, today: dt.date, now: dt.datetime) -> InboxItem | None:
    """The day's head receipt could not be written where the city keeps receipts, and none
    has been written since (the next scheduled run tries again)."""
    policy.require_role(actor, AUDITORS, "inbox.read", "audit_event")
    failed = receipt_failure(session)
    if failed is None:
        return None
    return _item("receipt", today, 1, failed.created_at, "pages/audit_trail.py")


def failed_mail(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Mail given up on, or waiting for a retry after a failed attempt."""
    policy.require_role(actor, ADMINS, "inbox.read", "mail")
    m = MailMessage
    count, oldest = session.execute(
        select(func.count(m.id), func.min(m.created_at)).where(
            or_(m.status == "failed", and_(m.status == "queued", m.attempts > 0))
        )
    ).one()
    return _item("mail", today, int(count), oldest, "pages/administration.py")


def signin_waiting(
    session: Session, actor: Actor, today: dt.date, now: dt.datetime
) -> InboxItem | None:
    """Accounts that must wait before the next sign-in attempt (from any client, or from one:
    ``signin_throttles``) after failed sign-ins."""
    policy.require_role(actor, ADMINS, "inbox.read", "user")
    waiting = union(
        select(User.id.label("user_id"), User.first_failed_at.label("since")).where(
            User.next_attempt_at > now
        ),
        select(SigninThrottle.user_id, SigninThrottle.first_failed_at).where(
            SigninThrottle.next_attempt_at > now
        ),
    ).subquery()
    count, oldest = session.execute(
        select(func.count(func.distinct(waiting.c.user_id)), func.min(waiting.c.since))
    ).one()
    if isinstance(oldest, str):  # (SQLite returns a union's timestamps as text)
        oldest = dt.datetime.fromisoformat(oldest)
    if isinstance(oldest, dt.datetime):
        oldest = clock.as_utc(oldest)
    return _item("signin", today, int(count), oldest, "pages/administration.py")


Reader = Callable[[Session, Actor, dt.date, dt.datetime], InboxItem | None]

KINDS: Final[tuple[tuple[str, tuple[str, ...], Reader], ...]] = (
    ("decisions", APPROVERS, decisions),
    ("applications", APPLICATION_HANDLERS, applications_to_screen),
    ("answers", APPLICATION_HANDLERS, answers),
    ("meetings", STAFF, meetings_to_close),
    ("inquiries", STAFF, overdue_inquiries),
    ("fairness", AUDITORS, fairness_flags),
    ("verification", AUDITORS, verification),
    ("receipt", AUDITORS, receipt),
    ("mail", ADMINS, failed_mail),
    ("signin", ADMINS, signin_waiting),
)
"""Every kind of inbox item: its name, the roles it waits for, its reader."""


def awaiting(
    actor: Actor, *, session: Session, today: dt.date, now: dt.datetime | None = None
) -> list[InboxItem]:
    """What waits for ``actor`` on ``today`` (``now``: the sign-in waits; default the clock),
    one item per kind that has any, in the order of :data:`KINDS`; kinds of roles the actor
    does not hold are not read at all."""
    at = clock.as_utc(now or clock.now_utc())
    out: list[InboxItem] = []
    for _kind, roles, read in KINDS:
        if actor.has(*roles):
            item = read(session, actor, today, at)
            if item is not None:
                out.append(item)
    return out
