"""The inbox (``db.inbox.awaiting``) by role, on SQLite and PostgreSQL: each kind shows to
the roles that own it, counts what waits, says how old the oldest is; other roles see
nothing of it, and a reader refuses a role it is not for."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from db import clock
from db.errors import PermissionDenied
from db.inbox import awaiting
from db.inbox import items as awaiting_module
from db.models import (
    Application,
    ApplicationMessage,
    Inquiry,
    JobRun,
    MailMessage,
    MeetingFairness,
    User,
)
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

TODAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def world(engine: Engine) -> dict[str, int]:
    """One of every kind of item, and a user of each role."""
    ids = {r: make_user(engine, r, [r]) for r in ("approver", "staff", "auditor", "admin")}
    ids["executive"] = make_user(engine, "mayor", ["executive"])
    with write_session(engine) as s:
        owner = wd.org(s)
        # approver: one adoption proposed by staff (waits), one by the approver (four eyes)
        wd.adoption(s, wd.tech(s, owner), ids["staff"])
        wd.adoption(s, wd.tech(s, owner), ids["approver"])
        # staff: two applications to screen, one of them answering the staff's request
        for n in range(2):
            s.add(
                Application(
                    applicant_id=ids["executive"], organisation="Firm", contact_name="Kim",
                    contact_email="k@firm.example", title_ko="기술", title_en="Tech",
                    field="roads", growth_sector="none", certification="none",
                    description="d", language="en", status="submitted",
                    submitted_at=NOW - dt.timedelta(days=10),
                    updated_at=NOW - dt.timedelta(days=4 - n),
                )
            )  # fmt: skip
        s.flush()
        app_id = s.query(Application.id).order_by(Application.id).first()[0]  # type: ignore[index]
        s.add_all(
            [
                ApplicationMessage(
                    application_id=app_id, kind="request", author_id=ids["staff"],
                    body="More?", created_at=NOW - dt.timedelta(days=8),
                ),
                ApplicationMessage(
                    application_id=app_id, kind="answer", author_id=ids["executive"],
                    body="Here.", created_at=NOW - dt.timedelta(days=4),
                ),
            ]
        )  # fmt: skip
        wd.meeting(s, status="held")  # held 2026-10-20, not closed
        closed = wd.meeting(s, status="closed")
        s.add(
            Inquiry(
                org_id=owner, received_on=TODAY - dt.timedelta(days=20), channel="call",
                topic="Benchmark", status="received",
            )
        )  # fmt: skip
        # auditor: flags of a meeting held 5 days ago; a failed verification
        from db.models import Meeting

        m = s.get(Meeting, closed)
        assert m is not None
        m.held_on = TODAY - dt.timedelta(days=5)
        s.add(
            MeetingFairness(
                meeting_id=closed, version=1, seats=5, seats_public=5, seats_industry=0,
                seats_academia=0, seats_other=0, flag_count=2, flags="[]", computed_at=NOW,
            )
        )  # fmt: skip
        s.add(
            JobRun(
                job="verify-audit", recipient="", period="2026-12-06", status="failed",
                detail="event 7", created_at=NOW - dt.timedelta(days=1),
            )
        )  # fmt: skip
        # ... and the head receipt not written two days ago, nor since (one written before)
        s.add_all(
            [
                JobRun(
                    job="audit-receipt", recipient="", period="2026-12-04", status="ok",
                    detail="event 6", created_at=NOW - dt.timedelta(days=3),
                ),
                JobRun(
                    job="audit-receipt-failed", recipient="", period="2026-12-05",
                    status="failed", detail="Permission denied",
                    created_at=NOW - dt.timedelta(days=2),
                ),
            ]
        )  # fmt: skip
        # admin: a failed mail, a queued one being retried, an account waiting
        for status, attempts in (("failed", 5), ("queued", 2), ("queued", 0), ("sent", 1)):
            s.add(
                MailMessage(
                    recipient="x@y.example", subject="s", body="b", language="en", kind="k",
                    status=status, attempts=attempts, created_at=NOW - dt.timedelta(days=2),
                )
            )  # fmt: skip
        u = s.get(User, ids["auditor"])
        assert u is not None
        u.failed_attempts = 6
        u.first_failed_at = NOW - dt.timedelta(minutes=5)
        u.next_attempt_at = NOW + dt.timedelta(minutes=5)
    return ids


EXPECTED: dict[str, dict[str, tuple[int, int | None, str]]] = {
    "approver": {"decisions": (1, 67, "pages/approvals.py")},
    "staff": {
        "applications": (2, 4, "pages/work_queue.py"),
        "answers": (1, 4, "pages/work_queue.py"),
        "meetings": (1, 48, "pages/meetings.py"),
        "inquiries": (1, 20, "pages/inquiries.py"),
    },
    "auditor": {
        "fairness": (2, 5, "pages/fairness.py"),
        "verification": (1, 1, "pages/audit_trail.py"),
        "receipt": (1, 2, "pages/audit_trail.py"),
    },
    "admin": {
        "mail": (2, 2, "pages/administration.py"),
        "signin": (1, 0, "pages/administration.py"),
    },
    "executive": {},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_own_kinds(migrated_engine: Engine, role: str) -> None:
    ids = world(migrated_engine)
    actor = actor_of(migrated_engine, ids[role])
    with read_session(migrated_engine) as s:
        items = awaiting(actor, session=s, today=TODAY, now=NOW)
    got = {i.kind: (i.count, i.oldest_days, i.page) for i in items}
    assert got == EXPECTED[role]
    inquiries = [i for i in items if i.kind == "inquiries"]
    assert all(dict(i.query) == {"overdue_days": "14"} for i in inquiries)


def test_an_empty_inbox(migrated_engine: Engine) -> None:
    uid = make_user(migrated_engine, "chief", ["approver", "staff", "auditor", "admin"])
    with read_session(migrated_engine) as s:
        assert awaiting(actor_of(migrated_engine, uid), session=s, today=TODAY, now=NOW) == []


def test_the_approver_does_not_see_their_own_proposal(migrated_engine: Engine) -> None:
    ids = world(migrated_engine)
    # the staff member who proposed the first adoption is an approver too: it is not theirs
    # to decide; the approver's proposal is
    both = make_user(migrated_engine, "both", ["approver", "staff"])
    with write_session(migrated_engine) as s:
        wd.adoption(s, wd.tech(s, wd.org(s)), both)
    with read_session(migrated_engine) as s:
        mine = awaiting(actor_of(migrated_engine, both), session=s, today=TODAY, now=NOW)
        theirs = awaiting(actor_of(migrated_engine, ids["approver"]), session=s, today=TODAY)
    assert [i.count for i in mine if i.kind == "decisions"] == [2]
    assert [i.count for i in theirs if i.kind == "decisions"] == [2]


@pytest.mark.parametrize("kind,roles,reader", awaiting_module.KINDS)
def test_each_reader_refuses_other_roles(
    migrated_engine: Engine, kind: str, roles: tuple[str, ...], reader: awaiting_module.Reader
) -> None:
    others = sorted({"executive", "auditor", "staff", "approver", "admin"} - set(roles))
    uid = make_user(migrated_engine, "other", others)
    with read_session(migrated_engine) as s, pytest.raises(PermissionDenied):
        reader(s, actor_of(migrated_engine, uid), TODAY, clock.now_utc())
