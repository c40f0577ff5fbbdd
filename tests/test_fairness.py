"""The auditor's reads on the demo data (both databases): the fairness report flags the
irregularities planted in the seed and nothing else, a meeting's record shows its declared
conflicts, recusals and whether its decisions follow from the scores, and the evidence
package's manifest matches its files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pandas as pd
import pytest
from sqlalchemy import Engine, select

import seed
from db.audit.keys import AuditKey
from db.audit.receipt import check_receipt, read_receipt
from db.errors import PermissionDenied
from db.fairness.report import fairness_report
from db.meetings.csvsafe import to_csv
from db.meetings.evidence import MANIFEST, RECEIPT, NothingToExport, evidence_package
from db.meetings.records import MeetingFilters, meeting_record, meetings_list
from db.models import AuditHead, Meeting, PanelSeat, User
from db.policy import Actor
from db.session import read_session
from seed.constants import GO_LIVE

PLANTED = {(p["kind"], c) for p in seed.PLANTED_IRREGULARITIES for c in p["meeting_codes"]}
PLANTED_CODES = {c for _kind, c in PLANTED}


KEY = AuditKey(b"a test key that is long enough for HMAC use", "k-test")


def actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(user.id, user.username, user.role_names, user.display_name)


def meeting_id(engine: Engine, code: str) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(Meeting.id).where(Meeting.code == code)).scalar_one())


@pytest.fixture
def auditor(seeded_engine: Engine) -> Actor:
    return actor(seeded_engine, "auditor.demo")


def test_the_fairness_report_flags_the_planted_irregularities(
    seeded_engine: Engine, auditor: Actor
) -> None:
    with read_session(seeded_engine) as s:
        report = fairness_report(session=s, actor=auditor)
    flags = report.flags
    found = set(zip(flags["kind"], flags["code"], strict=True))
    assert found >= PLANTED
    # Nothing else is flagged: the other flags are the same planted meetings seen from
    # another side (the repeated expert's seats are also a concentration, and were seated as
    # substitutes without a recorded reason).
    assert set(flags["code"]) == PLANTED_CODES
    extra = found - PLANTED
    assert {k for k, _c in extra} == {"seat_concentration", "missing_reason"}
    assert set(flags.loc[flags["kind"] == "missing_reason", "what"]) == {"seat"}
    against = flags[flags["kind"] == "decision_against_scores"]
    assert list(against["item_position"]) == [1]
    repeated = report.repeated
    assert len(repeated) == 1 and int(repeated.iloc[0]["meetings"]) == 5
    assert len(set(flags.loc[flags["kind"] == "repeated_panelist_for_applicant", "expert_id"])) == 1


def test_the_fairness_report_describes_the_panels(seeded_engine: Engine, auditor: Actor) -> None:
    period = (GO_LIVE, seed.PUBLISHED_AS_OF)
    with read_session(seeded_engine) as s:
        report = fairness_report(session=s, actor=auditor, period=period)
    assert report.meetings_held == 23  # the published figure
    assert report.flags.empty  # the irregularities were planted later
    comp = report.composition.set_index("affiliation")
    assert comp["pool"].to_dict() == seed.PUBLISHED["experts_by_affiliation"]
    assert comp["seats"].sum() == report.seats == 23 * 7
    assert abs(comp["pool_share"].sum() - 1) < 1e-9
    assert int((report.seat_distribution["seats"] * report.seat_distribution["experts"]).sum()) == (
        report.seats
    )
    assert 0 < report.top_decile_share < 1


@pytest.mark.parametrize("username", ["staff.demo", "executive.demo", "admin.demo"])
def test_only_auditors_read_the_fairness_report_and_export(
    seeded_engine: Engine, username: str
) -> None:
    who = actor(seeded_engine, username)
    with read_session(seeded_engine) as s, pytest.raises(PermissionDenied):
        fairness_report(session=s, actor=who)
    with read_session(seeded_engine) as s, pytest.raises(PermissionDenied):
        evidence_package(session=s, actor=who, meeting_ids=[1])


def test_a_meeting_record_shows_declarations_and_recusals(
    seeded_engine: Engine, auditor: Actor
) -> None:
    with read_session(seeded_engine) as s:
        declared = s.execute(
            select(PanelSeat.meeting_id, PanelSeat.expert_id, PanelSeat.recused)
            .where(PanelSeat.conflict_declared.is_(True))
            .order_by(PanelSeat.id)
        ).all()
    by_meeting: dict[int, list[tuple[int, bool]]] = {}
    for m, e, r in declared:
        by_meeting.setdefault(int(m), []).append((int(e), bool(r)))
    # A meeting with a recusal and one with a declaration judged no conflict.
    chosen = [
        next(m for m, seats in by_meeting.items() if any(r for _e, r in seats)),
        next(m for m, seats in by_meeting.items() if any(not r for _e, r in seats)),
    ]
    for mid in chosen:
        with read_session(seeded_engine) as s:
            record = meeting_record(session=s, actor=auditor, meeting_id=mid)
        panel = record.panel.set_index("expert_id")
        for expert_id, recused in by_meeting[mid]:
            assert bool(panel.at[expert_id, "conflict_declared"])
            assert bool(panel.at[expert_id, "recused"]) is recused
            assert panel.at[expert_id, "conflict_note"]
            assert not bool(panel.at[expert_id, "votes"]) if recused else True
        assert {c.key: c.ok for c in record.checks}["notes"] is True
        for item in record.items:  # recused members never scored
            recused_ids = {e for e, r in by_meeting[mid] if r}
            assert not recused_ids & {int(x) for x in item.evaluations["expert_id"]}


def test_a_meeting_record_says_whether_decisions_follow(
    seeded_engine: Engine, auditor: Actor
) -> None:
    with read_session(seeded_engine) as s:
        against = meeting_record(
            session=s, actor=auditor, meeting_id=meeting_id(seeded_engine, "NTP-2021-04")
        )
        no_quorum = meeting_record(
            session=s, actor=auditor, meeting_id=meeting_id(seeded_engine, "NTP-2022-06")
        )
        substitute = meeting_record(
            session=s, actor=auditor, meeting_id=meeting_id(seeded_engine, "NTP-2023-04")
        )
    first = against.items[0]
    assert (first.decision, first.rule_decision, first.follows) == ("passed", "failed", False)
    assert [c.key for c in first.checks if c.ok is False] == ["rule"]
    assert all(i.follows for i in against.items[1:])
    assert first.outcome.members == len(first.evaluations) == against.present
    assert no_quorum.quorum_met is False and no_quorum.present == 4
    assert all(i.follows is False for i in no_quorum.items)
    assert {c.key: c.ok for c in substitute.checks}["seat_reasons"] is False
    assert against.draw.seed is not None and against.draw.pool_size
    assert against.draw.rule is None  # drawn by the demo generator's own rule
    assert against.thresholds.stage1_pass == 70 and not against.own_thresholds


def test_personal_data_only_for_staff_and_auditors(seeded_engine: Engine) -> None:
    mid = meeting_id(seeded_engine, "NTP-2021-04")
    for username, personal in (
        ("auditor.demo", True),
        ("staff.demo", True),
        ("approver.demo", True),  # staff + approver
    ):
        with read_session(seeded_engine) as s:
            record = meeting_record(session=s, actor=actor(seeded_engine, username), meeting_id=mid)
        assert ("phone" in record.panel.columns) is personal
    approver_only = Actor(None, "approver.only", frozenset({"approver"}))
    with read_session(seeded_engine) as s:
        record = meeting_record(session=s, actor=approver_only, meeting_id=mid)
    assert "phone" not in record.panel.columns and "email" not in record.panel.columns
    with read_session(seeded_engine) as s, pytest.raises(PermissionDenied):
        meeting_record(session=s, actor=actor(seeded_engine, "executive.demo"), meeting_id=mid)


def test_the_meeting_list_filters(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        everything = meetings_list(session=s, filters=MeetingFilters())
        published = meetings_list(
            session=s,
            filters=MeetingFilters(start=GO_LIVE, end=seed.PUBLISHED_AS_OF, status="closed"),
        )
        adoption = meetings_list(session=s, filters=MeetingFilters(kind="adoption_review"))
        found = meetings_list(session=s, filters=MeetingFilters(q="2022-06"))
        with pytest.raises(ValueError):
            meetings_list(session=s, filters=MeetingFilters(kind="picnic"))
    assert len(published) == 23
    assert set(adoption["kind"]) == {"adoption_review"}
    assert list(found["code"]) == ["NTP-2022-06"] and found.iloc[0]["quorum_met"] in (False,)
    assert len(everything) > len(published)
    assert list(everything["scheduled_on"]) == sorted(everything["scheduled_on"], reverse=True)


def test_the_evidence_package_manifest_matches_its_files(
    seeded_engine: Engine, auditor: Actor
) -> None:
    codes = ["NTP-2021-04", "NTP-2022-06"]
    ids = [meeting_id(seeded_engine, c) for c in codes]
    at = dt.datetime(2026, 11, 22, 1, 2, 3, tzinfo=dt.UTC)
    with read_session(seeded_engine) as s:
        data = evidence_package(session=s, actor=auditor, meeting_ids=ids, now=at, key=KEY)
        head = s.execute(select(AuditHead.last_id, AuditHead.last_hash)).one()
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    assert {
        RECEIPT,
        "meetings.csv",
        "panel_seats.csv",
        "draw_exclusions.csv",
        "agenda_items.csv",
        "evaluations.csv",
        "checks.csv",
        "corrections.csv",
        "audit_events.csv",
        "AUDIT_HEAD.txt",
        "README.txt",
        MANIFEST,
        *(f"minutes/{c}.txt" for c in codes),
    } == names
    lines = z.read(MANIFEST).decode().splitlines()
    assert lines[0] == f"# audit head at export: event {head[0]}, hash {head[1]}"
    listed: dict[str, str] = {}
    for line in lines:
        if not line.startswith("#"):
            digest, name = line.split("  ", 1)
            listed[name] = digest
    assert set(listed) == names - {MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
    meetings = pd.read_csv(io.BytesIO(z.read("meetings.csv")), encoding="utf-8-sig")
    assert list(meetings["code"]) == codes
    assert "phone" not in z.read("panel_seats.csv").decode("utf-8-sig")
    events = pd.read_csv(io.BytesIO(z.read("audit_events.csv")), encoding="utf-8-sig")
    assert {"meeting.schedule", "meeting.draw_panel", "evaluation.record"} <= set(events["action"])
    with read_session(seeded_engine) as s:
        minutes = s.execute(select(Meeting.minutes).where(Meeting.id == ids[0])).scalar_one()
    assert z.read("minutes/NTP-2021-04.txt").decode().strip() == (minutes or "").strip()
    # The same records give the same files (only the time of export differs).
    with read_session(seeded_engine) as s:
        again = zipfile.ZipFile(
            io.BytesIO(evidence_package(session=s, actor=auditor, meeting_ids=ids, now=at, key=KEY))
        )
    assert again.read(MANIFEST) == z.read(MANIFEST)


def test_the_evidence_package_carries_a_head_receipt_of_its_head(
    seeded_engine: Engine, auditor: Actor
) -> None:
    """The package's receipt names the head the package names, is MACed with the audit key,
    and the database checks out against it; with another key it is refused."""
    ids = [meeting_id(seeded_engine, "NTP-2021-04")]
    at = dt.datetime(2026, 11, 22, 1, 2, 3, tzinfo=dt.UTC)
    with read_session(seeded_engine) as s:
        z = zipfile.ZipFile(
            io.BytesIO(evidence_package(session=s, actor=auditor, meeting_ids=ids, now=at, key=KEY))
        )
        head = s.execute(select(AuditHead.last_id, AuditHead.last_hash)).one()
    receipt = read_receipt(z.read(RECEIPT))
    assert receipt is not None
    assert (receipt["event"], receipt["hash"], receipt["key_id"]) == (head[0], head[1], "k-test")
    assert receipt["issued_at"] == "2026-11-22T01:02:03+00:00"
    assert f"python -m db verify-audit --receipt {RECEIPT}" in z.read("README.txt").decode()
    with read_session(seeded_engine) as s:
        assert check_receipt(s, receipt, KEY).ok
        other = AuditKey(b"another key, also long enough to be accepted", "k-other")
        assert not check_receipt(s, receipt, other).ok


def test_without_an_audit_key_the_package_says_it_has_no_receipt(
    seeded_engine: Engine, auditor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.delenv("NTP_AUDIT_KEY", raising=False)
    ids = [meeting_id(seeded_engine, "NTP-2021-04")]
    with read_session(seeded_engine) as s:
        z = zipfile.ZipFile(io.BytesIO(evidence_package(session=s, actor=auditor, meeting_ids=ids)))
    assert RECEIPT not in z.namelist()
    assert "No head receipt: the server has no audit key" in z.read("README.txt").decode()


def test_an_empty_choice_exports_nothing(seeded_engine: Engine, auditor: Actor) -> None:
    with read_session(seeded_engine) as s, pytest.raises(NothingToExport):
        evidence_package(
            session=s, actor=auditor, period=(dt.date(2000, 1, 1), dt.date(2000, 12, 31))
        )


def test_evidence_csv_cells_are_neutralised() -> None:
    cells = ["=1+1", "+2", "-3", "@SUM(A1)", "\tx", "plain", "한글"]
    df = pd.DataFrame({"=x": cells, "n": range(7)})
    text = to_csv(df).decode("utf-8-sig")
    assert text.splitlines()[0] == "'=x,n"
    for cell in ("'=1+1", "'+2", "'-3", "'@SUM(A1)", "plain", "한글"):
        assert cell in text
    assert "\r\n" in text and to_csv(df).startswith("\ufeff".encode())


def test_the_evidence_package_tells_its_progress(seeded_engine: Engine, auditor: Actor) -> None:
    """``progress(done, total)`` before each meeting's record and once more at the end; the
    package is the same with or without it."""
    seen: list[tuple[int, int]] = []
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    period = (GO_LIVE, seed.PUBLISHED_AS_OF)
    with read_session(seeded_engine) as s:
        told = evidence_package(
            session=s,
            actor=auditor,
            period=period,
            now=at,
            progress=lambda d, t: seen.append((d, t)),
        )
        plain = evidence_package(session=s, actor=auditor, period=period, now=at)
    assert told == plain
    assert seen == [(n, 23) for n in range(24)]
