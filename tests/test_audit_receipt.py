"""Anchored heads on SQLite and PostgreSQL: a head receipt (head, fingerprints, HMAC with a key
kept outside the database) detects a history rewritten and re-hashed without the key and names
the first rewritten event exactly; a truncated tail, a receipt of another database, a wrong key
and an altered receipt are each detected; checking changes nothing; the key is refused when
missing outside demo mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update

from db import audit
from db.audit import keys, receipt
from db.audit.keys import AuditKey, AuditKeyMissing
from db.engine import make_engine
from db.models import AuditEvent, AuditHead
from db.session import read_session, write_session
from tests.tamper import unguarded

KEY = AuditKey(b"a test key that is long enough for HMAC use", "k-test")
N = 60


def _chain(engine: Engine, n: int = N, tag: str = "") -> None:
    with write_session(engine) as s:
        for i in range(n):
            audit.append(
                s,
                actor_id=None,
                actor_name="kim",
                action="inquiry.answer",
                entity="inquiry",
                entity_id=None,
                after={"i": i, "tag": tag},
            )


def _receipt(engine: Engine, key: AuditKey = KEY) -> dict[str, object]:
    with read_session(engine) as s:
        made = receipt.make_receipt(s, key)
    return json.loads(receipt.receipt_text(made))  # as read back from its file


def _check(engine: Engine, made: dict[str, object], key: AuditKey = KEY) -> receipt.ReceiptCheck:
    with read_session(engine) as s:
        return receipt.check_receipt(s, made, key)


def _rewrite_from(engine: Engine, first: int) -> None:
    """Edit event ``first`` and re-hash it and every event after it (no key needed for the
    chain itself), moving the head: the chain then verifies on its own."""
    unguarded(engine, "audit_events")
    with engine.begin() as conn:
        rows = conn.execute(
            select(AuditEvent.__table__).where(AuditEvent.id >= first).order_by(AuditEvent.id)
        ).all()
        prev = conn.execute(select(AuditEvent.hash).where(AuditEvent.id == first - 1)).scalar()
        prev = prev or audit.GENESIS_HASH
        for row in rows:
            after = '{"i":-1,"tag":"forged"}' if row.id == first else row.after
            fields = dict(
                id=row.id, occurred_at=row.occurred_at, actor_id=row.actor_id,
                actor_name=row.actor_name, action=row.action, entity=row.entity,
                entity_id=row.entity_id, before=row.before, after=after, reason=row.reason,
                seal=row.seal,
            )  # fmt: skip
            digest = audit.event_hash(prev, **fields)
            conn.execute(
                update(AuditEvent.__table__)
                .where(AuditEvent.id == row.id)
                .values(after=after, prev_hash=prev, hash=digest)
            )
            prev = digest
        conn.execute(update(AuditHead.__table__).values(last_hash=prev))


def _state(engine: Engine) -> tuple[int, tuple[int, str]]:
    with read_session(engine) as s:
        n = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        return n, audit.read_head(s)


def test_a_clean_chain_matches_its_receipt(migrated_engine: Engine) -> None:
    _chain(migrated_engine)
    made = _receipt(migrated_engine)
    assert made["event"] == N and made["key_id"] == "k-test" and made["demo_key"] is False
    before = _state(migrated_engine)
    result = _check(migrated_engine, made)
    assert result.ok, result.problem
    assert _state(migrated_engine) == before
    _chain(migrated_engine, 5)  # later events do not disturb an older receipt
    assert _check(migrated_engine, made).ok


@pytest.mark.parametrize("first", [1, 2, 37, N])
def test_a_rewritten_history_is_named_at_its_first_event(
    migrated_engine: Engine, first: int
) -> None:
    _chain(migrated_engine)
    made = _receipt(migrated_engine)
    _rewrite_from(migrated_engine, first)
    with read_session(migrated_engine) as s:
        assert audit.verify(s).ok  # consistent on its own: only the receipt tells
    before = _state(migrated_engine)
    result = _check(migrated_engine, made)
    assert not result.ok and result.first_bad_id == first
    expected = receipt.OTHER_DATABASE if first == 1 else receipt.REWRITTEN
    assert result.template == expected
    assert _state(migrated_engine) == before  # the check changed nothing


def test_a_truncated_tail_is_named(migrated_engine: Engine) -> None:
    _chain(migrated_engine)
    made = _receipt(migrated_engine)
    unguarded(migrated_engine, "audit_events")
    with migrated_engine.begin() as conn:
        kept = conn.execute(select(AuditEvent.hash).where(AuditEvent.id == N - 7)).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE id > :n"), {"n": N - 7})
        conn.execute(update(AuditHead.__table__).values(last_id=N - 7, last_hash=kept))
    result = _check(migrated_engine, made)
    assert (result.ok, result.template, result.first_bad_id) == (False, receipt.MISSING, N - 6)
    assert "Event 54 is missing" in result.problem


def test_a_receipt_of_another_database(
    migrated_engine: Engine, request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    from tests.conftest import fresh_database_url

    other = make_engine(fresh_database_url(request, backend, tmp_path))
    try:
        _chain(other, N, tag="another city")
        theirs = _receipt(other)  # a genuine receipt, same key, of another database
    finally:
        other.dispose()
    _chain(migrated_engine)
    result = _check(migrated_engine, theirs)
    assert (result.template, result.first_bad_id) == (receipt.OTHER_DATABASE, 1)


def test_a_wrong_key_and_an_altered_receipt(migrated_engine: Engine) -> None:
    _chain(migrated_engine)
    made = _receipt(migrated_engine)
    wrong = AuditKey(b"another key, just as long as the first one", "k-other")
    result = _check(migrated_engine, made, wrong)
    assert result.template == receipt.BAD_MAC
    assert result.params == {"receipt_key": "k-test", "key": "k-other"}
    altered = {**made, "event": N - 1}
    altered["fingerprints"] = str(made["fingerprints"])[: (N - 1) * receipt.FINGERPRINT]
    assert _check(migrated_engine, altered).template == receipt.BAD_MAC
    assert _check(migrated_engine, {"kind": receipt.KIND}).template == receipt.NOT_A_RECEIPT


def test_the_key_comes_from_outside_the_database() -> None:
    with pytest.raises(AuditKeyMissing):
        keys.load_key({"DATABASE_URL": "postgresql+psycopg://db/ntp"})
    with pytest.raises(AuditKeyMissing):
        keys.load_key({"DATABASE_URL": "postgresql+psycopg://db/ntp", keys.ENV: "short"})
    demo = keys.load_key({})  # the embedded database: demo mode
    assert demo.is_demo and demo.key_id == keys.DEMO_KEY_ID
    real = keys.load_key({"DATABASE_URL": "postgresql+psycopg://db/ntp", keys.ENV: "s" * 40})
    assert not real.is_demo and real.key_id.startswith("k-")
    assert real.mac("x") != demo.mac("x")


def test_the_receipt_command_writes_where_the_city_keeps_receipts(
    migrated_url: str,
    migrated_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """``python -m db audit-receipt``: into the folder NTP_AUDIT_RECEIPTS names, to a file
    given by --out, printed with --out -; refused without a key outside demo mode, with
    nothing written; the receipt written checks out with the same key."""
    from db.__main__ import main

    _chain(migrated_engine, 5)
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("NTP_DEMO", "0")
    monkeypatch.setenv("NTP_AUDIT_RECEIPTS", str(tmp_path / "kept"))
    monkeypatch.delenv(keys.ENV, raising=False)
    assert main(["audit-receipt"]) == 2
    assert "No audit key is configured" in capsys.readouterr().err
    assert not (tmp_path / "kept").exists()
    secret = "a key of the deployment, long enough: 0123456789"
    monkeypatch.setenv(keys.ENV, secret)
    assert main(["audit-receipt"]) == 0
    written = list((tmp_path / "kept").iterdir())
    assert len(written) == 1 and written[0].name.endswith("-event-5.json")
    assert f"to {written[0]}" in capsys.readouterr().out
    assert main(["audit-receipt", "--out", str(tmp_path / "one.json")]) == 0
    assert main(["audit-receipt", "--out", "-"]) == 0
    printed = receipt.read_receipt(capsys.readouterr().out.split("\n", 1)[1])
    kept = receipt.read_receipt((tmp_path / "one.json").read_bytes())
    assert kept is not None and printed is not None and kept["event"] == printed["event"] == 5
    key = keys.load_key({keys.ENV: secret})
    assert _check(migrated_engine, kept, key).ok


def test_verifying_a_database_not_yet_upgraded_says_so(
    migrated_url: str,
    migrated_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A server with newer code than its database (a table of audited records missing) is
    told to upgrade, in one sentence, instead of a traceback."""
    from db.__main__ import main
    from db.migrate import downgrade

    downgrade(migrated_engine, "0013")
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    assert main(["verify-audit"]) == 2
    assert capsys.readouterr().err.strip() == (
        "The database is not upgraded: run `python -m db upgrade` first."
    )
