"""The audit chain detects tampering and names the first bad event (SQLite and PostgreSQL).

A 10,000-event chain is built once per backend; each case works on a fresh copy of it with
the append-only triggers dropped (SQLite) or disabled (PostgreSQL) on that copy only, as
someone with direct access to the database could: 100 random single-field edits (each
applied, verified and reverted in place), a deleted row, inserted rows, two swapped rows, a
flipped hash byte, and a truncated tail caught against a head exported before.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, delete, insert, select, text, update

from db import audit, clock
from db.audit import trail as audit_trail
from db.engine import make_engine
from db.models import AuditEvent, AuditHead, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.conftest import BACKENDS, PgServer, _pg_admin, fresh_database_url

N_EVENTS = 10_000
EDITS = 100
EVENTS = cast(Table, AuditEvent.__table__)
HEAD = cast(Table, AuditHead.__table__)
AUDITOR = Actor(id=None, username="auditor.test", roles=frozenset({"auditor"}))
FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
)
ACTIONS = ("technology.submit", "technology.register", "expert.register", "adoption.approve")


def _events(n: int, user_id: int) -> list[dict[str, Any]]:
    """``n`` chained events as ``db.audit.append`` would write them (varied content:
    Korean text, quotes, NULLs, system and user actors)."""
    rng = random.Random(808)
    start = dt.datetime(2019, 1, 2, 0, 30, tzinfo=dt.UTC)
    prev = audit.GENESIS_HASH
    rows = []
    for i in range(1, n + 1):
        system = i % 7 == 0
        fields: dict[str, Any] = dict(
            id=i,
            occurred_at=start + dt.timedelta(minutes=7 * i, microseconds=i % 1000),
            actor_id=None if system else user_id,
            actor_name="system" if system else "staff.test",
            action=ACTIONS[i % len(ACTIONS)],
            entity=ACTIONS[i % len(ACTIONS)].split(".")[0],
            entity_id=None if i % 11 == 0 else str(rng.randrange(1, 500)),
            before=None if i % 3 else audit.canonical_json({"status": "screening"}),
            after=audit.canonical_json({"title_ko": f'공법 "{i}"', "n": i}),
            reason=None if i % 5 else f"사유 {i}\nline two",
        )
        digest = audit.event_hash(prev, **fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


@dataclass
class Chain:
    backend: str
    url: str
    rows: list[dict[str, Any]]
    user_id: int


@pytest.fixture(scope="module", params=BACKENDS)
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """A migrated database holding a valid 10,000-event chain (read only: copy it)."""
    return build_chain(request, tmp_path_factory)


def build_chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """The :func:`chain` fixture's database (also for other modules' fixtures)."""
    backend = str(request.param)
    url = fresh_database_url(request, backend, tmp_path_factory.mktemp("chain"))
    engine = make_engine(url)
    with write_session(engine) as s:
        user = User(
            username="staff.test",
            display_name="Staff Test",
            password_hash="x",
            created_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
        )
        s.add(user)
        s.flush()
        user_id = user.id
    rows = _events(N_EVENTS, user_id)
    with engine.begin() as conn:
        conn.execute(insert(EVENTS), rows)
        conn.execute(
            update(HEAD).where(HEAD.c.id == 1).values(last_id=N_EVENTS, last_hash=rows[-1]["hash"])
        )
    if backend == "sqlite":  # the copies are plain file copies: everything in the main file
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return Chain(backend, url, rows, user_id)


_copies = iter(range(1_000_000))


@pytest.fixture
def copy(chain: Chain, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the chain with the append-only triggers off (on the copy only)."""
    engine = open_copy(chain, request, tmp_path)
    yield engine
    engine.dispose()


def open_copy(chain: Chain, request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """The :func:`copy` fixture's engine (also for other modules' fixtures)."""
    if chain.backend == "sqlite":
        src = Path(chain.url.removeprefix("sqlite:///"))
        dst = tmp_path / "tampered.sqlite3"
        shutil.copyfile(src, dst)
        engine = make_engine(f"sqlite:///{dst}")
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        source = chain.url.rsplit("/", 1)[1]
        name = f"{source}_tampered_{next(_copies)}"
        admin = _pg_admin(server)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
        engine = make_engine(server.url(name))
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
    return engine


def verify(engine: Engine, expected_head: str | None = None) -> audit.VerifyResult:
    with read_session(engine) as s:
        return audit.verify(s, expected_head=expected_head, batch=2_000)


def change(engine: Engine, event_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(**values))


def test_the_untouched_chain_verifies(chain: Chain) -> None:
    engine = make_engine(chain.url)
    try:
        result = verify(engine)
    finally:
        engine.dispose()
    assert result.ok, result
    assert (result.last_good_id, result.head_hash) == (N_EVENTS, chain.rows[-1]["hash"])


def test_the_copy_really_accepts_changes(copy: Engine) -> None:
    """The triggers are off on the copy (or the tamper cases below would prove nothing)."""
    change(copy, 5, reason="changed")
    with copy.connect() as conn:
        assert conn.execute(select(EVENTS.c.reason).where(EVENTS.c.id == 5)).scalar() == "changed"


def _other_value(field: str, row: dict[str, Any], user_id: int, i: int) -> Any:
    """A different value for one field, of a kind the column accepts."""
    value = row[field]
    if field == "id":
        return N_EVENTS + 1_000 + i  # the row moves away from its place in the chain
    if field == "occurred_at":
        return value + dt.timedelta(microseconds=1)
    if field == "actor_id":
        return None if value is not None else user_id
    if field in ("prev_hash", "hash"):
        return ("f" if value[0] != "f" else "e") + value[1:]
    if value is None:
        return "x"
    return value + " " if i % 2 else value[:-1]


def test_100_random_single_field_edits_each_name_the_event(chain: Chain, copy: Engine) -> None:
    rng = random.Random(20190808)
    for i in range(EDITS):
        event_id = rng.randint(1, N_EVENTS)
        field = rng.choice(FIELDS)
        row = chain.rows[event_id - 1]
        new = _other_value(field, row, chain.user_id, i)
        change(copy, event_id, **{field: new})
        result = verify(copy)
        assert not result.ok, (event_id, field)
        assert result.first_bad_id == event_id, (event_id, field, result)
        assert result.last_good_id == event_id - 1
        expected_hash = chain.rows[event_id - 2]["hash"] if event_id > 1 else audit.GENESIS_HASH
        assert result.head_hash == expected_hash
        # put it back (by its current id) before the next edit
        change(copy, new if field == "id" else event_id, **{field: row[field]})
    assert verify(copy).ok


def test_a_deleted_row(copy: Engine) -> None:
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == 4_321))
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, 4_321, 4_320)
    assert result.problem_template == audit.MISSING


def test_a_deleted_last_row(copy: Engine) -> None:
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == N_EVENTS))
    result = verify(copy)
    assert (result.ok, result.first_bad_id) == (False, N_EVENTS)
    assert result.problem_template == audit.MISSING_AT_END


def _forged(chain: Chain, event_id: int, prev_hash: str, *, chained: bool) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in chain.rows[0].items()
        if k not in ("id", "hash", "prev_hash", "occurred_at")
    }
    fields.update(id=event_id, occurred_at=dt.datetime(2020, 2, 2, tzinfo=dt.UTC))
    fields.update(action="adoption.approve", reason="forged")
    digest = audit.event_hash(prev_hash, **fields) if chained else "ab" * 32
    return {**fields, "prev_hash": prev_hash, "hash": digest}


def _shift_up(conn: Any, from_id: int) -> None:
    """Make room at ``from_id``: ids from there on move up by one (in two steps, so the
    primary key never sees a duplicate)."""
    conn.execute(update(EVENTS).where(EVENTS.c.id >= from_id).values(id=-(EVENTS.c.id + 1)))
    conn.execute(update(EVENTS).where(EVENTS.c.id < 0).values(id=-EVENTS.c.id))


def test_an_inserted_row_with_a_made_up_hash(chain: Chain, copy: Engine) -> None:
    k = 2_500
    with copy.begin() as conn:
        _shift_up(conn, k)
        conn.execute(insert(EVENTS), [_forged(chain, k, chain.rows[k - 2]["hash"], chained=False)])
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, k, k - 1)
    assert result.problem_template == audit.CONTENT_MISMATCH


def test_an_inserted_row_chained_by_a_forger_breaks_the_next_link(
    chain: Chain, copy: Engine
) -> None:
    """A forger can hash the inserted event correctly; the event after it then no longer
    links to its predecessor, and that is the first event that does not match."""
    k = 2_500
    with copy.begin() as conn:
        _shift_up(conn, k)
        conn.execute(insert(EVENTS), [_forged(chain, k, chain.rows[k - 2]["hash"], chained=True)])
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, k + 1, k)
    assert result.problem_template == audit.PREV_MISMATCH


def test_a_row_inserted_after_the_head(chain: Chain, copy: Engine) -> None:
    with copy.begin() as conn:
        forged = _forged(chain, N_EVENTS + 1, chain.rows[-1]["hash"], chained=True)
        conn.execute(insert(EVENTS), [forged])
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, N_EVENTS + 1, N_EVENTS)
    assert result.problem_template == audit.BEYOND_HEAD


def test_a_row_inserted_before_the_first(chain: Chain, copy: Engine) -> None:
    with copy.begin() as conn:
        conn.execute(insert(EVENTS), [_forged(chain, 0, audit.GENESIS_HASH, chained=True)])
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, 0, 0)
    assert result.problem_template == audit.OUT_OF_SEQUENCE


def test_two_swapped_rows(chain: Chain, copy: Engine) -> None:
    a, b = 6_000, 6_001
    rest = [f for f in FIELDS if f != "id"]
    with copy.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == a).values(id=-a))
        conn.execute(update(EVENTS).where(EVENTS.c.id == b).values(id=a))
        conn.execute(update(EVENTS).where(EVENTS.c.id == -a).values(id=b))
    with copy.connect() as conn:  # the content moved, the positions did not
        row_a = conn.execute(select(*(EVENTS.c[f] for f in rest)).where(EVENTS.c.id == a)).one()
    assert row_a.hash == chain.rows[b - 1]["hash"]
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, a, a - 1)


def test_a_flipped_hash_byte(chain: Chain, copy: Engine) -> None:
    k = 7_777
    digest = chain.rows[k - 1]["hash"]
    flipped = digest[:10] + format(int(digest[10:12], 16) ^ 0x01, "02x") + digest[12:]
    change(copy, k, hash=flipped)
    result = verify(copy)
    assert (result.ok, result.first_bad_id) == (False, k)
    assert result.problem_template == audit.CONTENT_MISMATCH


def test_a_rewritten_last_event_disagrees_with_the_head(chain: Chain, copy: Engine) -> None:
    """Rewritten and re-hashed consistently, the last event still differs from the head."""
    row = dict(chain.rows[-1], reason="rewritten")
    fields = {k: v for k, v in row.items() if k not in ("prev_hash", "hash")}
    change(copy, N_EVENTS, reason="rewritten", hash=audit.event_hash(row["prev_hash"], **fields))
    result = verify(copy)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, N_EVENTS, N_EVENTS - 1)
    assert result.problem_template == audit.HEAD_MISMATCH
    assert result.head_hash == chain.rows[-2]["hash"]


def test_a_truncated_tail_is_caught_against_an_exported_head(
    chain: Chain, copy: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    exported = chain.rows[-1]["hash"]  # noted down by an auditor before the tampering
    keep = N_EVENTS - 100
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id > keep))
        conn.execute(update(HEAD).values(last_id=keep, last_hash=chain.rows[keep - 1]["hash"]))
    assert verify(copy).ok  # consistent on its own: only the exported head shows the cut
    with read_session(copy) as s:
        result = audit_trail.verify_chain(session=s, actor=AUDITOR, expected_head=exported)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, keep + 1, keep)
    assert result.problem_template == audit.EXPORTED_HEAD_NOT_FOUND
    # and from the command line
    from db.__main__ import main

    monkeypatch.setenv("DATABASE_URL", copy.url.render_as_string(hide_password=False))
    assert main(["verify-audit", "--expected-head", exported]) == 1
    assert f"broken at event {keep + 1}" in capsys.readouterr().err
    assert main(["verify-audit", "--expected-head", chain.rows[keep - 1]["hash"]]) == 0
    assert f"intact up to event {keep}" in capsys.readouterr().out


def test_an_unreadable_time_is_a_mismatch_not_a_crash(chain: Chain, copy: Engine) -> None:
    if chain.backend != "sqlite":
        pytest.skip("only SQLite lets a column hold text that is not a time")
    with copy.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_events SET occurred_at = 'yesterday' WHERE id = 9")
    result = verify(copy)
    assert (result.ok, result.first_bad_id) == (False, 9)


def test_progress_is_reported(chain: Chain) -> None:
    engine = make_engine(chain.url)
    seen: list[tuple[int, int]] = []
    try:
        with read_session(engine) as s:
            audit.verify(s, batch=3_000, progress=lambda n, total: seen.append((n, total)))
    finally:
        engine.dispose()
    assert seen[-1] == (N_EVENTS, N_EVENTS)
    assert [n for n, _ in seen] == sorted(n for n, _ in seen)


# The hash is computed by hand for speed; it must stay byte for byte the documented
# definition: json.dumps of the list, compact, not ASCII-escaped.
def reference_hash(prev: str, **f: Any) -> str:
    import hashlib

    payload = json.dumps(
        [
            prev,
            f["id"],
            clock.utc_naive(f["occurred_at"]).isoformat(timespec="microseconds"),
            f["actor_id"],
            f["actor_name"],
            f["action"],
            f["entity"],
            f["entity_id"],
            f["before"],
            f["after"],
            f["reason"],
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    id=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    occurred_at=st.datetimes(
        min_value=dt.datetime(1970, 1, 1), timezones=st.sampled_from([None, dt.UTC])
    ),
    actor_id=st.none() | st.integers(min_value=0, max_value=2**31),
    actor_name=any_text,
    action=any_text,
    entity=any_text,
    entity_id=st.none() | any_text,
    before=st.none() | any_text,
    after=st.none() | any_text,
    reason=st.none() | any_text,
)
def test_the_fast_hash_is_the_documented_hash(**fields: Any) -> None:
    prev = audit.GENESIS_HASH
    assert audit.event_hash(prev, **fields) == reference_hash(prev, **fields)


def test_the_sqlite_time_text_is_hashed_like_the_time() -> None:
    when = dt.datetime(2019, 8, 8, 1, 2, 3, 450)
    assert audit._timestamp("2019-08-08 01:02:03.000450") == audit._timestamp(when)
    assert audit._timestamp("2019-08-08 01:02:03") == "2019-08-08T01:02:03.000000"
    assert audit._timestamp("2019-08-08T10:02:03+09:00") == "2019-08-08T01:02:03.000000"
    assert audit._timestamp("garbage") == "garbage"
