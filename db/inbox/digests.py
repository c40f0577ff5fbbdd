"""What the scheduled messages say, read with the recipient as the acting user, so that a
message never holds what its recipient may not see: each read checks the recipient's role
(and the approvers' digest leaves out their own proposals, as the approvals page does).

``python -m jobs run-due`` writes the words (in the recipient's language) around these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import clock, policy
from db.approvals.queue import pending_decisions
from db.inbox.items import VERIFY_JOB
from db.inbox.subscriptions import EXECUTIVES
from db.intercity.analysis import OVERDUE_DAYS_DEFAULT, overdue
from db.kpi import ALL_TECHNOLOGIES
from db.kpi import overview as kpi_overview
from db.kpi.headline import Headline, headline
from db.models import JobRun, Meeting, MeetingFairness
from db.policy import AUDITORS, STAFF, Actor

DIGEST_LINES: Final = 50
"""The most items a message lists (it says how many there are in all)."""


@dataclass(frozen=True)
class PendingLine:
    """A decision that waits for the approver."""

    reg_no: str
    title_ko: str
    title_en: str
    subject: str
    proposed_on: dt.date
    days: int


def approval_digest(
    *, session: Session, actor: Actor, today: dt.date, days: int
) -> list[PendingLine]:
    """The decisions the approver may take (not their own proposals) that have waited for
    more than ``days`` days, oldest first.

    :raise PermissionDenied: the actor is not an approver.
    """
    frame = pending_decisions(session=session, actor=actor)
    out = []
    for row in frame.itertuples(index=False):
        proposed = row.proposed_on
        proposed = (
            proposed if isinstance(proposed, dt.date) else dt.date.fromisoformat(str(proposed))
        )
        waited = (today - proposed).days
        if waited > days:
            out.append(
                PendingLine(
                    str(row.reg_no or ""), str(row.title_ko or ""), str(row.title_en or ""),
                    str(row.subject or ""), proposed, waited,
                )
            )  # fmt: skip
    return sorted(out, key=lambda p: (p.proposed_on, p.reg_no))


@dataclass(frozen=True)
class OverdueLine:
    """An inquiry waiting for an answer."""

    received_on: dt.date
    days: int
    org_ko: str
    org_en: str
    topic: str


def overdue_digest(
    *, session: Session, actor: Actor, today: dt.date
) -> tuple[list[OverdueLine], int]:
    """The inquiries unanswered for more than the overdue limit (the first
    :data:`DIGEST_LINES`, longest waiting first) and how many there are in all.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "inbox.digest", "inquiry")
    frame, total = overdue(
        session=session, as_of=today, days=OVERDUE_DAYS_DEFAULT, limit=DIGEST_LINES
    )
    lines = [
        OverdueLine(r.received_on, int(r.days_waiting), str(r.org_ko), str(r.org_en), str(r.topic))
        for r in frame.itertuples(index=False)
    ]
    return lines, total


@dataclass(frozen=True)
class WeeklyFigures:
    """The overview's figures on ``today`` and a week before, and its pipeline."""

    now: Headline
    before: Headline
    pipeline: dict[str, int]
    durations: dict[str, float | None]


def weekly_figures(*, session: Session, actor: Actor, today: dt.date) -> WeeklyFigures:
    """The overview's headline figures now and a week ago, the pipeline and the median time
    per stage (aggregates only: no personal data).

    :raise PermissionDenied: the actor is not in the mayor's office.
    """
    policy.require_role(actor, EXECUTIVES, "inbox.briefing", "overview")
    week_ago = today - dt.timedelta(days=7)
    return WeeklyFigures(
        now=headline(session=session, as_of=today),
        before=headline(session=session, as_of=week_ago),
        pipeline=dict(kpi_overview.pipeline(session=session, as_of=today, tech=ALL_TECHNOLOGIES)),
        durations=dict(
            kpi_overview.stage_durations(session=session, as_of=today, tech=ALL_TECHNOLOGIES)
        ),
    )


@dataclass(frozen=True)
class Alert:
    """Something an auditor is told once: a failed verification or a meeting's flags.
    ``key`` names it for good (the job's period)."""

    kind: str  # "verification" | "fairness"
    key: str
    day: dt.date
    detail: str  # the failed check's finding; the meeting's code
    count: int = 0  # the meeting's flags


def auditor_alerts(*, session: Session, actor: Actor, since: dt.datetime) -> list[Alert]:
    """Failed scheduled verifications of the audit trail and meetings whose fairness results
    carry flags, recorded since ``since`` (when the auditor subscribed).

    :raise PermissionDenied: the actor is not an auditor.
    """
    policy.require_role(actor, AUDITORS, "inbox.alerts", "audit_event")
    out: list[Alert] = []
    for run in session.execute(
        select(JobRun)
        .where(JobRun.job == VERIFY_JOB, JobRun.status == "failed", JobRun.created_at >= since)
        .order_by(JobRun.id)
    ).scalars():
        out.append(
            Alert("verification", f"verify-{run.period}", clock.city_date(run.created_at),
                  run.detail or "")
        )  # fmt: skip
    for mid, code, held_on, flags in session.execute(
        select(Meeting.id, Meeting.code, Meeting.held_on, MeetingFairness.flag_count)
        .join(MeetingFairness, MeetingFairness.meeting_id == Meeting.id)
        .where(MeetingFairness.flag_count > 0, MeetingFairness.computed_at >= since)
        .order_by(Meeting.id)
    ).all():
        out.append(Alert("fairness", f"meeting-{mid}", held_on or clock.city_date(since),
                         str(code), int(flags)))  # fmt: skip
    return out
