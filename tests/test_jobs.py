"""``python -m jobs run-due`` on SQLite and PostgreSQL: each subscriber's message once per
period (a second run sends nothing twice), an interrupted run finished by the next one, a
user without an address skipped and listed, an unreachable server leaving the mail queued
and shown to the administrator, and a digest received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from db import clock, mail
from db.audit.keys import AuditKey
from db.audit.receipt import check_receipt, read_receipt
from db.inbox import SubscriptionChoice, awaiting, set_subscriptions
from db.inbox.items import RECEIPT_FAILED_JOB, VERIFY_JOB, receipt_failure
from db.mail import MailSettings
from db.models import Inquiry, JobRun, MailMessage, MeetingFairness, User
from db.session import read_session, write_session
from jobs import runner
from jobs.__main__ import describe
from tests import workflow_data as wd
from tests.test_mail import Inbox, _free_port, plain_server  # noqa: F401
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

LOCAL = MailSettings(demo=True)  # the local outbox: nothing goes over SMTP
YESTERDAY = clock.now_utc() - dt.timedelta(days=1)
KEY = AuditKey(b"a test key that is long enough for HMAC use", "k-test")


def _user(engine: Engine, name: str, roles: list[str], email: str | None) -> int:
    uid = make_user(engine, name, roles)
    with write_session(engine) as s:
        s.execute(update(User).where(User.id == uid).values(email=email))
    return uid


def _subscribe(engine: Engine, uid: int, kind: str, lang: str = "en", days: int | None = None):  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        set_subscriptions(
            session=s,
            actor=actor_of(engine, uid),
            choices=[SubscriptionChoice(kind, lang, days)],
            now=YESTERDAY,
        )


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, int]:
    """An approver, a staff member, the mayor's office, and an approver without an address,
    each subscribed; a decision and an overdue inquiry waiting."""
    ids = {
        "approver": _user(migrated_engine, "chief", ["approver"], "chief@city.example"),
        "staff": _user(migrated_engine, "clerk", ["staff"], "clerk@city.example"),
        "executive": _user(migrated_engine, "mayor", ["executive"], "mayor@city.example"),
        "nomail": _user(migrated_engine, "nomail", ["approver"], None),
    }
    _subscribe(migrated_engine, ids["approver"], "approval_digest", days=3)
    _subscribe(migrated_engine, ids["staff"], "overdue_inquiries", lang="ko")
    _subscribe(migrated_engine, ids["executive"], "weekly_briefing", lang="ko")
    _subscribe(migrated_engine, ids["nomail"], "approval_digest", days=3)
    with write_session(migrated_engine) as s:
        owner = wd.org(s)
        wd.adoption(s, wd.tech(s, owner, title="Waiting bridge"), ids["staff"])
        s.add(Inquiry(org_id=owner, received_on=clock.city_today() - dt.timedelta(days=30),
                      channel="call", topic="Benchmark visit", status="received"))  # fmt: skip
    return ids


def _mails(engine: Engine) -> dict[str, int]:
    with read_session(engine) as s:
        rows = s.execute(
            select(MailMessage.recipient, func.count()).group_by(MailMessage.recipient)
        ).all()
    return {r: int(n) for r, n in rows}


EVERYONE = {"chief@city.example": 1, "clerk@city.example": 1, "mayor@city.example": 1}


def test_running_twice_sends_nothing_twice(migrated_engine: Engine, people: dict[str, int]) -> None:
    first = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert sorted(u for _job, u, _id in first.queued) == ["chief", "clerk", "mayor"]
    again = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert again.queued == [] and again.done_before == 3
    assert _mails(migrated_engine) == EVERYONE
    with read_session(migrated_engine) as s:
        [digest] = mail.messages_to(s, "chief@city.example")
        [briefing] = s.execute(
            select(MailMessage).where(MailMessage.recipient == "mayor@city.example")
        ).scalars()
        [overdue] = mail.messages_to(s, "clerk@city.example")
    assert "Waiting bridge" in digest.body and digest.language == "en"
    assert briefing.attachment_name and briefing.attachment and b"<html" in briefing.attachment
    assert "주간 브리핑" in briefing.subject  # in the subscriber's language
    assert "Benchmark visit" in overdue.body and "답변" in overdue.subject


def test_a_user_without_an_address_is_skipped_and_listed(
    migrated_engine: Engine, people: dict[str, int]
) -> None:
    report = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert report.no_address == [("approval_digest", "nomail")]
    assert any("nomail (approval_digest)" in line for line in describe(report))
    with read_session(migrated_engine) as s:
        assert not s.scalar(select(func.count()).where(JobRun.recipient == str(people["nomail"])))
    # given an address later the same day, they get the digest
    with write_session(migrated_engine) as s:
        s.execute(update(User).where(User.id == people["nomail"]).values(email="n@city.example"))
    later = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert [u for _j, u, _i in later.queued] == ["nomail"] and later.no_address == []


def test_an_interrupted_run_is_finished_by_the_next(
    migrated_engine: Engine, people: dict[str, int]
) -> None:
    calls = []

    def crashing(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the server went down")
        return runner.compose(*args)

    with pytest.raises(RuntimeError):
        runner.run_due(migrated_engine, LOCAL, verify=False, compose=crashing)
    sent_first = _mails(migrated_engine)
    assert sum(sent_first.values()) == 1
    rest = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert len(rest.queued) == 2 and rest.done_before == 1
    assert _mails(migrated_engine) == EVERYONE


def test_the_digest_leaves_out_what_the_recipient_may_not_decide(
    migrated_engine: Engine, people: dict[str, int]
) -> None:
    with write_session(migrated_engine) as s:  # the approver's own proposal: four eyes
        wd.adoption(s, wd.tech(s, wd.org(s), title="My own proposal"), people["approver"])
    # a role taken away: the choice stays, nothing is sent
    with write_session(migrated_engine) as s:
        from db.models import UserRole

        s.execute(
            update(UserRole).where(UserRole.user_id == people["executive"]).values(role="staff")
        )
    runner.run_due(migrated_engine, LOCAL, verify=False)
    with read_session(migrated_engine) as s:
        [digest] = mail.messages_to(s, "chief@city.example")
        assert mail.messages_to(s, "mayor@city.example") == []
    assert "Waiting bridge" in digest.body and "My own proposal" not in digest.body


def test_auditors_are_alerted_once_per_failed_check_and_flagged_meeting(
    migrated_engine: Engine,
) -> None:
    auditor = _user(migrated_engine, "inspector", ["auditor"], "inspector@audit.example")
    _subscribe(migrated_engine, auditor, "auditor_alerts")
    now = clock.now_utc()
    with write_session(migrated_engine) as s:
        s.add(JobRun(job=VERIFY_JOB, recipient="", period="2026-12-01", status="failed",
                     detail="event 9: hash mismatch", created_at=now))  # fmt: skip
        before = now - dt.timedelta(days=30)  # before they subscribed: no alert
        s.add(JobRun(job=VERIFY_JOB, recipient="", period="2026-11-01", status="failed",
                     detail="before subscribing", created_at=before))  # fmt: skip
        meeting = wd.meeting(s, status="closed")
        s.add(MeetingFairness(meeting_id=meeting, version=1, seats=5, seats_public=5,
                              seats_industry=0, seats_academia=0, seats_other=0, flag_count=3,
                              flags="[]", computed_at=now))  # fmt: skip
    first = runner.run_due(migrated_engine, LOCAL, verify=False)
    assert len(first.queued) == 2
    assert runner.run_due(migrated_engine, LOCAL, verify=False).queued == []
    with read_session(migrated_engine) as s:
        subjects = sorted(m.subject for m in mail.messages_to(s, "inspector@audit.example"))
    assert subjects[0].startswith("New fairness flags in meeting T-")
    assert subjects[1] == "The audit trail's verification failed"


def test_the_daily_verification_is_recorded_once(migrated_engine: Engine) -> None:
    assert runner.run_due(migrated_engine, LOCAL).verification == "ok"
    assert runner.run_due(migrated_engine, LOCAL).verification is None
    with read_session(migrated_engine) as s:
        assert s.scalar(select(func.count()).where(JobRun.job == VERIFY_JOB)) == 1


def test_an_unreachable_server_leaves_mail_queued_and_tells_the_admin(
    migrated_engine: Engine, people: dict[str, int]
) -> None:
    down = MailSettings(host="127.0.0.1", port=_free_port(), starttls=False, demo=False)
    report = runner.run_due(migrated_engine, down, verify=False)
    assert report.delivery is not None and len(report.delivery.retry) == 3
    with read_session(migrated_engine) as s:
        rows = s.execute(select(MailMessage)).scalars().all()
        assert {(m.status, m.attempts) for m in rows} == {("queued", 1)}
        assert all(m.last_error for m in rows)
    admin = _user(migrated_engine, "root", ["admin"], None)
    with read_session(migrated_engine) as s:
        items = awaiting(actor_of(migrated_engine, admin), session=s, today=clock.city_today())
    assert [(i.kind, i.count) for i in items] == [("mail", 3)]
    # the next run sends nothing new and retries the queued mail
    again = runner.run_due(migrated_engine, down, verify=False)
    assert again.queued == [] and again.delivery is not None and len(again.delivery.retry) == 3


def test_a_real_smtp_server_receives_the_digest_and_the_briefing(
    migrated_engine: Engine, people: dict[str, int], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    settings = MailSettings(
        host="127.0.0.1", port=port, starttls=False, sender="ntp@city.example", demo=False
    )
    report = runner.run_due(migrated_engine, settings, verify=False)
    assert report.delivery is not None and len(report.delivery.sent) == 3
    by_rcpt = {e.rcpt_tos[0]: m for e, m in zip(inbox.envelopes, inbox.messages(), strict=True)}
    digest = by_rcpt["chief@city.example"]
    assert digest["Subject"] == "Decisions waiting for you for more than 3 days: 1"
    assert "Waiting bridge" in digest.get_body(preferencelist=("plain",)).get_content()
    briefing = by_rcpt["mayor@city.example"]
    [attached] = list(briefing.iter_attachments())
    assert attached.get_filename().endswith("-ko.html")
    assert runner.run_due(migrated_engine, settings, verify=False).queued == []
    assert len(inbox.envelopes) == 3


def test_two_servers_at_once_send_each_message_once(
    backend: str, migrated_engine: Engine, people: dict[str, int]
) -> None:
    if backend != "postgresql":
        pytest.skip("several app servers share one PostgreSQL; SQLite serves one")

    def slow(*args: Any) -> Any:
        time.sleep(0.3)  # the other server reaches the same item meanwhile
        return runner.compose(*args)

    reports: list[runner.RunReport] = []
    threads = [
        threading.Thread(
            target=lambda: reports.append(
                runner.run_due(migrated_engine, LOCAL, verify=False, compose=slow)
            )
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(reports) == 2
    assert sum(len(r.queued) for r in reports) == 3
    assert sum(r.done_before for r in reports) == 3
    assert _mails(migrated_engine) == EVERYONE


def test_the_run_due_command(
    migrated_url: str,
    migrated_engine: Engine,
    people: dict[str, int],
    plain_server: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jobs.__main__ import main

    inbox, port = plain_server
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NTP_SMTP_PORT", str(port))
    monkeypatch.setenv("NTP_SMTP_STARTTLS", "0")
    assert main(["run-due"]) == 0
    out = capsys.readouterr().out
    assert "Queued 3 message(s)" in out and "nomail (approval_digest)" in out
    assert "Audit trail verification: ok." in out and "Sent 3, to retry 0, failed 0." in out
    assert len(inbox.envelopes) == 3
    assert main(["run-due"]) == 0
    assert "Queued 0 message(s); nothing to say in 0; done before 3." in capsys.readouterr().out
    assert len(inbox.envelopes) == 3


def test_the_days_head_receipt_is_written_once_where_the_city_keeps_it(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    """Once a day into the receipts' folder, recorded; the file checks out against the
    database with the key; an unwritable folder records no receipt and stops no mail, the
    auditors' inbox says so (with the reason on record) until the next run writes it."""
    auditor = actor_of(migrated_engine, make_user(migrated_engine, "auditor1", ["auditor"]))
    folder = tmp_path / "receipts"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    failed = runner.run_due(migrated_engine, LOCAL, receipts=(KEY, blocked / "sub"))
    assert failed.receipt is None and failed.receipt_error is not None
    assert failed.delivery is not None  # the mail went on regardless
    with read_session(migrated_engine) as s:
        assert s.scalar(select(func.count()).where(JobRun.job == runner.RECEIPT_JOB)) == 0
        failure = receipt_failure(s)
        assert failure is not None and failure.detail == failed.receipt_error
        assert [i.kind for i in awaiting(auditor, session=s, today=clock.city_today())] == [
            "receipt"
        ]
    again = runner.run_due(migrated_engine, LOCAL, receipts=(KEY, blocked / "sub"))
    assert again.receipt_error is not None  # a second failure that day: the first stays
    with read_session(migrated_engine) as s:
        assert s.scalar(select(func.count()).where(JobRun.job == RECEIPT_FAILED_JOB)) == 1
    first = runner.run_due(migrated_engine, LOCAL, receipts=(KEY, folder)).receipt
    assert first is not None and first.parent == folder
    assert runner.run_due(migrated_engine, LOCAL, receipts=(KEY, folder)).receipt is None
    assert [p.name for p in folder.iterdir()] == [first.name]
    made = read_receipt(first.read_text(encoding="utf-8"))
    assert made is not None and made["key_id"] == "k-test"
    assert made["date"] == clock.city_today().isoformat()
    with read_session(migrated_engine) as s:
        assert check_receipt(s, made, KEY).ok
        assert s.scalar(select(func.count()).where(JobRun.job == runner.RECEIPT_JOB)) == 1
        assert receipt_failure(s) is None  # written since: no longer waiting
        assert awaiting(auditor, session=s, today=clock.city_today()) == []


def test_the_run_due_command_refuses_receipts_without_a_key(
    migrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from jobs.__main__ import main

    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_AUDIT_RECEIPTS", str(tmp_path / "receipts"))
    monkeypatch.delenv("NTP_AUDIT_KEY", raising=False)
    assert main(["run-due"]) == 2
    assert "No audit key is configured" in capsys.readouterr().err
    assert not (tmp_path / "receipts").exists()
    monkeypatch.setenv("NTP_AUDIT_KEY", "k" * 40)
    assert main(["run-due"]) == 0
    assert "Wrote the day's head receipt to " in capsys.readouterr().out
    assert len(list((tmp_path / "receipts").iterdir())) == 1
