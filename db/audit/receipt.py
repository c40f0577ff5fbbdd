"""Head receipts: the chain's head anchored outside the database.

A receipt names the chain's head (event number and hash) on a day, the chain it belongs to
(the hash of its first event), a 16-character fingerprint of every event's hash up to the
head, and an HMAC-SHA256 over all of that with the audit key (:mod:`db.audit.keys`), which
the database never holds. Someone with write access to the database can rewrite an event
and re-hash everything after it, so that the chain verifies on its own; checked against a
receipt kept elsewhere, the first event whose hash differs from the receipt's fingerprint is
the first event rewritten (or missing), named exactly. A receipt altered or MACed with
another key fails its MAC; a receipt of another database differs at its first event.

Reading is streamed (ids and hashes in id order); the receipt holds 16 characters per event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import audit, clock
from db.audit.keys import AuditKey
from db.errors import N_
from db.models import AuditEvent

KIND = "ntp-audit-head-receipt"
RECEIPTS_ENV = "NTP_AUDIT_RECEIPTS"  # the folder (or file) where the city keeps receipts
VERSION = 1
FINGERPRINT = 16  # characters of each event's hash kept in a receipt

# What a check against a receipt can find (English templates; the UI translates them).
RECEIPT_OK = N_("The chain matches the receipt of {date} up to event {event}.")
BAD_MAC = N_(
    "The receipt's MAC does not match: it was altered, or made with another key (the "
    "receipt names key {receipt_key}, this server holds key {key})."
)
NOT_A_RECEIPT = N_("This file is not a head receipt of the audit trail.")
OTHER_DATABASE = N_(
    "The receipt belongs to another chain: its first event differs from this database's "
    "(a receipt of another database, or a history rewritten from its first event)."
)
REWRITTEN = N_(
    "Event {n} differs from the receipt of {date}: the history was rewritten from that event "
    "on (every event before it matches)."
)
MISSING = N_(
    "Event {n} is missing although the receipt of {date} lists it: the chain was truncated or "
    "events were removed."
)


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of :func:`check_receipt`: ``ok``, or the problem (English ``problem``;
    ``template``/``params`` for a UI) and the first differing event (``first_bad_id``)."""

    ok: bool
    template: str
    params: dict[str, Any]
    first_bad_id: int | None = None

    @property
    def problem(self) -> str:
        return self.template.format(**self.params)


def _signed_part(receipt: dict[str, Any]) -> str:
    body = {k: v for k, v in receipt.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _events(session: Session, up_to: int) -> Any:
    query = (
        select(AuditEvent.id, AuditEvent.hash)
        .where(AuditEvent.id <= up_to)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=10_000)
    )
    return session.execute(query)


def make_receipt(
    session: Session,
    key: AuditKey,
    *,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The receipt of the chain's recorded head, issued at ``now`` (default: the clock;
    reads only)."""
    at = now or clock.now_utc()
    head_id, head_hash = audit.read_head(session)
    prints: list[str] = []
    first = ""
    for event_id, digest in _events(session, head_id):
        if event_id == 1:
            first = str(digest)
        prints.append(str(digest)[:FINGERPRINT])
        if progress is not None and event_id % 100_000 == 0:
            progress(int(event_id), head_id)
    receipt: dict[str, Any] = {
        "kind": KIND,
        "version": VERSION,
        "date": clock.city_date(at).isoformat(),
        "issued_at": clock.as_utc(at).isoformat(timespec="seconds"),
        "event": head_id,
        "hash": head_hash,
        "chain": first,
        "key_id": key.key_id,
        "demo_key": key.is_demo,
        "fingerprints": "".join(prints),
    }
    receipt["mac"] = key.mac(_signed_part(receipt))
    return receipt


def receipt_text(receipt: dict[str, Any]) -> str:
    """The receipt as the file a city keeps (JSON, the fingerprints last)."""
    ordered = {k: receipt[k] for k in sorted(receipt) if k != "fingerprints"}
    ordered["fingerprints"] = receipt.get("fingerprints", "")
    return json.dumps(ordered, ensure_ascii=False, indent=1) + "\n"


def receipt_name(receipt: dict[str, Any]) -> str:
    """The file name a receipt is kept under: its date and head event."""
    return f"audit-receipt-{receipt['date']}-event-{receipt['event']}.json"


def write_receipt(receipt: dict[str, Any], target: str | Path) -> Path:
    """Write ``receipt`` to ``target``: a file path (with a suffix), or a folder (created if
    missing) in which it is named by :func:`receipt_name`. Returns the file written."""
    path = Path(target)
    if path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        path = path / receipt_name(receipt)
    path.write_text(receipt_text(receipt), encoding="utf-8")
    return path


def read_receipt(text: str | bytes) -> dict[str, Any] | None:
    """A receipt from its file, or ``None`` when it is not one."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("kind") != KIND:
        return None
    return value


def check_receipt(session: Session, receipt: dict[str, Any], key: AuditKey) -> ReceiptCheck:
    """Compare the chain with a receipt: its MAC with ``key``, then each event's hash up to
    the receipt's head with its fingerprint, in id order; the first event that differs or
    is missing is named. Reads only."""
    date = str(receipt.get("date", ""))
    try:
        head = int(receipt["event"])
        prints = str(receipt["fingerprints"])
        mac = str(receipt["mac"])
    except (KeyError, TypeError, ValueError):
        return ReceiptCheck(False, NOT_A_RECEIPT, {})
    if not key.verify(_signed_part(receipt), mac):
        return ReceiptCheck(
            False, BAD_MAC, {"receipt_key": str(receipt.get("key_id", "?")), "key": key.key_id}
        )
    if len(prints) != head * FINGERPRINT:
        return ReceiptCheck(False, NOT_A_RECEIPT, {})
    expected = 1
    for event_id, digest in _events(session, head):
        if event_id != expected:  # a gap (or an id out of sequence): the expected one is gone
            return ReceiptCheck(False, MISSING, {"n": expected, "date": date}, expected)
        start = (event_id - 1) * FINGERPRINT
        if str(digest)[:FINGERPRINT] != prints[start : start + FINGERPRINT]:
            if event_id == 1:
                return ReceiptCheck(False, OTHER_DATABASE, {}, 1)
            return ReceiptCheck(False, REWRITTEN, {"n": event_id, "date": date}, event_id)
        expected += 1
    if expected <= head:
        return ReceiptCheck(False, MISSING, {"n": expected, "date": date}, expected)
    return ReceiptCheck(True, RECEIPT_OK, {"date": date, "event": head})
