"""The evidence package: a zip an auditor can keep and later show to be unchanged.

For the chosen meetings (by id, or every meeting scheduled in a period) it holds the records
as CSV (formula-neutralised, ``db.meetings.csvsafe``), each meeting's minutes as text,
the audit events of those records (with their chain hashes), ``AUDIT_HEAD.txt`` (the audit
chain's head when the package was made), ``HEAD_RECEIPT.json`` (a head receipt of that head,
MACed with the audit key kept outside the database, :mod:`db.audit.receipt`; left out, and
the README says why, when the server has no key), a ``README.txt``, and ``MANIFEST.sha256``: the
SHA-256 of every other file, in the format ``sha256sum -c MANIFEST.sha256`` checks, headed by
comment lines with the audit head. Experts' phone numbers and e-mail addresses are left out:
the evidence does not need them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import clock
from db.audit.keys import AuditKey, AuditKeyMissing, load_key
from db.audit.receipt import make_receipt, receipt_text
from db.errors import N_, DomainError
from db.meetings.csvsafe import to_csv
from db.meetings.records import MeetingRecord, meeting_record
from db.models import AuditEvent, AuditHead, Meeting, MeetingCorrection
from db.policy import AUDITORS, Actor, require_role

MAX_MEETINGS = 400
"""The most meetings one package holds (a year of meetings is well below it)."""

MANIFEST = "MANIFEST.sha256"
RECEIPT = "HEAD_RECEIPT.json"
CHUNK = 500


class NothingToExport(DomainError):
    message = N_("No meetings match this choice, so there is nothing to export.")


class TooManyMeetings(DomainError):
    message = N_("{n} meetings match; a package holds at most {max}. Choose a shorter period.")


def evidence_package(
    *,
    session: Session,
    actor: Actor,
    meeting_ids: Sequence[int] | None = None,
    period: tuple[dt.date | None, dt.date | None] | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    key: AuditKey | None = None,
) -> bytes:
    """The zip (bytes) for ``meeting_ids`` or for the meetings scheduled in ``period``;
    ``progress(done, total)`` is told after each meeting's record is read (the long part:
    a year of meetings takes seconds) and once more, ``done == total``, before the files
    are written. ``key``: the audit key for the head receipt (default: the configured one,
    :func:`db.audit.keys.load_key`; none configured outside demo mode: no receipt).

    :raise PermissionDenied: the actor is not an auditor.
    :raise NothingToExport: no meeting matches.
    :raise TooManyMeetings: more than :data:`MAX_MEETINGS` match.
    :raise ValueError: neither or both of ``meeting_ids`` and ``period`` given.
    """
    require_role(actor, AUDITORS, "evidence.export", "meeting")
    if (meeting_ids is None) == (period is None):
        raise ValueError("give meeting_ids or period")
    ids = _chosen(session, meeting_ids, period)
    if not ids:
        raise NothingToExport()
    if len(ids) > MAX_MEETINGS:
        raise TooManyMeetings(n=len(ids), max=MAX_MEETINGS)
    at = now or clock.now_utc()
    records: list[MeetingRecord] = []
    for i in ids:
        if progress is not None:
            progress(len(records), len(ids))
        records.append(meeting_record(session=session, actor=actor, meeting_id=i))
    if progress is not None:
        progress(len(records), len(ids))
    head = session.execute(select(AuditHead.last_id, AuditHead.last_hash)).one()
    receipt = _receipt(session, key, at)
    files: dict[str, bytes] = {
        "meetings.csv": to_csv(_meetings(records)),
        "panel_seats.csv": to_csv(_seats(records)),
        "draw_exclusions.csv": to_csv(_exclusions(records)),
        "agenda_items.csv": to_csv(_items(records)),
        "evaluations.csv": to_csv(_evaluations(records)),
        "checks.csv": to_csv(_checks(records)),
        "corrections.csv": to_csv(_corrections(records)),
        "audit_events.csv": to_csv(_audit_events(session, records)),
    }
    for r in records:
        minutes = (r.meeting["minutes"] or "").strip()
        files[f"minutes/{r.meeting['code']}.txt"] = (minutes + "\n").encode("utf-8")
    head_text = (
        f"last_event_id: {int(head[0])}\nlast_hash: {head[1]}\nexported_at: {at.isoformat()}\n"
    )
    files["AUDIT_HEAD.txt"] = head_text.encode("utf-8")
    if receipt is not None:
        files[RECEIPT] = receipt_text(receipt).encode("utf-8")
    files["README.txt"] = _readme(records, actor, at, int(head[0]), str(head[1]), receipt).encode(
        "utf-8"
    )
    files[MANIFEST] = manifest(files, head=(int(head[0]), str(head[1])), at=at).encode("utf-8")
    return _zip(files, at)


def manifest(files: dict[str, bytes], *, head: tuple[int, str], at: dt.datetime) -> str:
    """``sha256sum`` lines for ``files`` (sorted by name), after comment lines with the
    audit head and the time of export."""
    lines = [
        f"# audit head at export: event {head[0]}, hash {head[1]}",
        f"# exported at {at.isoformat()}",
    ]
    for name in sorted(files):
        if name != MANIFEST:
            lines.append(f"{hashlib.sha256(files[name]).hexdigest()}  {name}")
    return "\n".join(lines) + "\n"


def _chosen(
    session: Session,
    meeting_ids: Sequence[int] | None,
    period: tuple[dt.date | None, dt.date | None] | None,
) -> list[int]:
    query = select(Meeting.id).order_by(Meeting.scheduled_on, Meeting.id)
    if meeting_ids is not None:
        query = query.where(Meeting.id.in_([int(i) for i in meeting_ids]))
    else:
        assert period is not None
        start, end = period
        if start is not None:
            query = query.where(Meeting.scheduled_on >= start)
        if end is not None:
            query = query.where(Meeting.scheduled_on <= end)
    return [int(i) for i in session.execute(query.limit(MAX_MEETINGS + 1)).scalars()]


def _zip(files: dict[str, bytes], at: dt.datetime) -> bytes:
    buf = io.BytesIO()
    stamp = at.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files, key=lambda n: (n == MANIFEST, n)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return buf.getvalue()


def _receipt(session: Session, key: AuditKey | None, at: dt.datetime) -> dict[str, Any] | None:
    """The head receipt put in the package (the session's snapshot: the head it names is the
    head the package names), or None when the server has no audit key."""
    if key is None:
        try:
            key = load_key()
        except AuditKeyMissing:
            return None
    return make_receipt(session, key, now=at)


def _readme(
    records: list[MeetingRecord],
    actor: Actor,
    at: dt.datetime,
    head_id: int,
    head_hash: str,
    receipt: dict[str, Any] | None,
) -> str:
    codes = ", ".join(r.meeting["code"] for r in records)
    if receipt is None:
        anchored = (
            "No head receipt: the server has no audit key (NTP_AUDIT_KEY), so this package\n"
            "names the head without a signature. Check it against the city's daily receipts.\n"
        )
    else:
        demo = " (the public DEMO key: proves nothing)" if receipt.get("demo_key") else ""
        anchored = (
            f"{RECEIPT}: a head receipt of event {receipt['event']}, MACed with the audit key\n"
            f"{receipt['key_id']}{demo}, which the database does not hold. Check the platform\n"
            f"against it: `python -m db verify-audit --receipt {RECEIPT}` (or the audit trail\n"
            "page, Check against a head receipt). A history rewritten after this export is\n"
            "found and its first rewritten event named.\n"
        )
    return (
        "Evidence package of deliberation records (New Technology Platform)\n"
        "심의 기록 증거 자료 (신기술 플랫폼)\n\n"
        f"Exported at (UTC): {at.isoformat()}\n"
        f"Exported by: {actor.username}\n"
        f"Meetings ({len(records)}): {codes}\n"
        f"Audit chain head at export: event {head_id}, hash {head_hash}\n\n"
        "Files: meetings.csv, panel_seats.csv, draw_exclusions.csv, agenda_items.csv,\n"
        "evaluations.csv, checks.csv, corrections.csv, audit_events.csv (the audit events of\n"
        "these records, with their chain hashes), minutes/<code>.txt, AUDIT_HEAD.txt.\n\n"
        f"{anchored}\n"
        "To verify that nothing changed: unzip, then run `sha256sum -c MANIFEST.sha256` in the\n"
        "unzipped folder; every line must say OK. The audit head lets the platform's audit\n"
        "trail be checked against this package later (`python -m db verify-audit`).\n"
        "Spreadsheet cells starting with = + - @ were prefixed with an apostrophe.\n"
    )


def _meetings(records: list[MeetingRecord]) -> pd.DataFrame:
    rows = []
    for r in records:
        m = r.meeting
        rows.append(
            {
                "code": m["code"],
                "kind": m["kind"],
                "title": m["title"],
                "status": m["status"],
                "scheduled_on": m["scheduled_on"],
                "held_on": m["held_on"],
                "location": m["location"],
                "regulation_version": r.regulation.number,
                "quorum": m["quorum"],
                "stored_quorum": r.regulation.stored_quorum,
                "exceptional_settings": r.regulation.exceptional,
                "present_voting": r.present,
                "quorum_met": r.quorum_met,
                "closed_at": m["closed_at"],
                "stage1_pass": r.thresholds.stage1_pass,
                "overall_pass": r.thresholds.overall_pass,
                "draw_rule": r.draw.rule,
                "draw_seed": r.draw.seed,
                "draw_pool_size": r.draw.pool_size,
                "draw_excluded": len(r.draw.exclusions),
                "draw_replayed": r.draw.replayed,
            }
        )
    return pd.DataFrame(rows)


def _with_code(records: Iterable[MeetingRecord], frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [
        f.assign(meeting_code=r.meeting["code"])[["meeting_code", *f.columns]]
        for r, f in zip(records, frames, strict=True)
        if not f.empty
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["meeting_code"])


SEAT_COLUMNS = [
    "expert_id", "name", "name_en", "organization_ko", "organization_en", "affiliation",
    "method", "is_chair", "attended", "conflict_declared", "conflict_note", "recused",
    "votes", "rule_conflict", "seat_reason", "replaces", "substitute_replayed",
]  # fmt: skip


def _seats(records: list[MeetingRecord]) -> pd.DataFrame:
    return _with_code(records, (r.panel[SEAT_COLUMNS] for r in records))


def _exclusions(records: list[MeetingRecord]) -> pd.DataFrame:
    return _with_code(records, (r.draw.exclusions for r in records))


def _items(records: list[MeetingRecord]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for r in records:
        for i in r.items:
            rows.append(
                {
                    "meeting_code": r.meeting["code"],
                    "position": i.position,
                    "reg_no": i.reg_no,
                    "title_ko": i.title_ko,
                    "title_en": i.title_en,
                    "applicant_ko": i.applicant_ko,
                    "applicant_en": i.applicant_en,
                    "project": i.project,
                    "testbed_site": i.testbed_site,
                    "decision": i.decision,
                    "reason": i.reason,
                    "decided_at": i.decided_at,
                    "members_scored": i.outcome.members,
                    "stage1_mean": i.outcome.stage1_mean,
                    "overall_mean": i.outcome.overall_mean,
                    **{f"{c}_mean": round(m, 2) for c, m in i.outcome.criterion_means.items()},
                    "members_voting": i.voters,
                    "recused_from_item": len(i.recusals),
                    "rule_decision": i.rule_decision,
                    "follows_rules": i.follows,
                }
            )
    return pd.DataFrame(rows)


def _evaluations(records: list[MeetingRecord]) -> pd.DataFrame:
    first = ["meeting_code", "position", "reg_no"]
    columns: list[str] | None = None
    rows: list[tuple[Any, ...]] = []
    for r in records:
        for i in r.items:
            if i.evaluations.empty:
                continue
            own = [c for c in i.evaluations.columns if c not in ("evaluation_id", "seat_id")]
            if columns is None:
                columns = own
            elif own != columns:  # (items under other criteria: the frames' own way)
                return _evaluations_concat(records)
            key = (r.meeting["code"], i.position, i.reg_no)
            values = [i.evaluations[c].tolist() for c in own]  # (itertuples: 10x slower)
            rows.extend(key + v for v in zip(*values, strict=True))
    if columns is None:
        return pd.DataFrame(columns=first)
    return pd.DataFrame(rows, columns=first + columns)


def _evaluations_concat(records: list[MeetingRecord]) -> pd.DataFrame:
    """The evaluations of items whose criteria differ: one frame per item, concatenated
    (the columns of all criteria, empty where an item has no such criterion)."""
    rows = []
    for r in records:
        for i in r.items:
            if i.evaluations.empty:
                continue
            rows.append(
                i.evaluations.drop(columns=["evaluation_id", "seat_id"]).assign(
                    meeting_code=r.meeting["code"], position=i.position, reg_no=i.reg_no
                )
            )
    df = pd.concat(rows, ignore_index=True)
    first = ["meeting_code", "position", "reg_no"]
    return df[first + [c for c in df.columns if c not in first]]


def _checks(records: list[MeetingRecord]) -> pd.DataFrame:
    rows: list[tuple[str, int | None, str, bool | None, str]] = []
    for r in records:
        for c in r.checks:
            rows.append((r.meeting["code"], None, c.key, c.ok, c.what.format(**c.params)))
        for i in r.items:
            for c in i.checks:
                rows.append((r.meeting["code"], i.position, c.key, c.ok, c.what.format(**c.params)))
    return pd.DataFrame(rows, columns=["meeting_code", "item_position", "check", "ok", "what"])


def _corrections(records: list[MeetingRecord]) -> pd.DataFrame:
    return _with_code(records, (r.corrections for r in records))


def _audit_events(session: Session, records: list[MeetingRecord]) -> pd.DataFrame:
    wanted: dict[str, set[str]] = {
        "meeting": set(),
        "agenda_item": set(),
        "panel_seat": set(),
        "evaluation": set(),
        "meeting_correction": set(),
    }
    meeting_ids = []
    for r in records:
        meeting_ids.append(int(r.meeting["id"]))
        wanted["meeting"].add(str(r.meeting["id"]))
        wanted["panel_seat"].update(str(int(s)) for s in r.panel["seat_id"])
        for i in r.items:
            wanted["agenda_item"].add(str(i.id))
            wanted["evaluation"].update(str(int(e)) for e in i.evaluations["evaluation_id"])
    wanted["meeting_correction"].update(
        str(i)
        for i in session.execute(
            select(MeetingCorrection.id).where(MeetingCorrection.meeting_id.in_(meeting_ids))
        ).scalars()
    )
    columns = [
        AuditEvent.id,
        AuditEvent.occurred_at,
        AuditEvent.actor_name,
        AuditEvent.action,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.before,
        AuditEvent.after,
        AuditEvent.reason,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    ]
    rows: list[tuple[Any, ...]] = []
    for entity, ids in wanted.items():
        ordered = sorted(ids)
        for n in range(0, len(ordered), CHUNK):
            rows.extend(
                tuple(r)
                for r in session.execute(
                    select(*columns).where(
                        AuditEvent.entity == entity,
                        AuditEvent.entity_id.in_(ordered[n : n + CHUNK]),
                    )
                )
            )
    rows.sort(key=lambda r: int(r[0]))
    return pd.DataFrame(rows, columns=[c.key for c in columns])
