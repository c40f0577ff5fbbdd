"""Verification in ranges and in several processes finds what a check from the first event finds.

:func:`db.audit.verify` reads the chain in ranges of ``batch`` ids and, for a long chain,
has several processes check ranges at the same time, joining the ranges' boundaries. These
cases run on SQLite and PostgreSQL, in one process and in two, with ranges of 1,200 events
over the 10,000-event chain of ``test_audit_tamper`` (ranges end at 1,200, 2,400, ...,
9,600, and the last, partial one at 10,000): breaks on either side of a boundary, a whole
range missing, several breaks at once, an empty chain and a chain of one event, times no
append can have written, a process that cannot connect, and the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, update

from db import audit
from db.session import read_session, write_session
from tests.conftest import BACKENDS
from tests.test_audit_tamper import (
    EVENTS,
    FIELDS,
    HEAD,
    N_EVENTS,
    Chain,
    _forged,
    _other_value,
    build_chain,
    change,
    open_copy,
)

BATCH = 1_200  # at most a quarter of each process's share: the ranges are the same in both
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=BACKENDS)
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """test_audit_tamper's valid 10,000-event chain (read only: copy it)."""
    return build_chain(request, tmp_path_factory)


@pytest.fixture
def copy(chain: Chain, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the chain with the append-only triggers off (on the copy only)."""
    engine = open_copy(chain, request, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture(params=(1, 2), ids=("1-process", "2-processes"))
def processes(request: pytest.FixtureRequest) -> int:
    return int(request.param)


def check(
    engine: Engine,
    processes: int,
    *,
    batch: int = BATCH,
    expected_head: str | None = None,
    progress: Any = None,
) -> audit.VerifyResult:
    with read_session(engine) as s:
        result = audit.verify(
            s, expected_head=expected_head, batch=batch, processes=processes, progress=progress
        )
    # the processes asked for really checked it (no quiet fallback to one)
    assert result.processes == processes, result
    return result


def assert_broken_at(result: audit.VerifyResult, chain: Chain, event_id: int) -> None:
    assert not result.ok, result
    assert result.first_bad_id == event_id, result
    assert (result.last_good_id, result.checked) == (event_id - 1, event_id - 1), result
    before = chain.rows[event_id - 2]["hash"] if event_id > 1 else audit.GENESIS_HASH
    assert result.head_hash == before, result


def test_the_intact_chain_in_ranges(chain: Chain, processes: int) -> None:
    from db.engine import make_engine

    engine = make_engine(chain.url)
    seen: list[tuple[int, int]] = []
    try:
        result = check(engine, processes, progress=lambda n, total: seen.append((n, total)))
    finally:
        engine.dispose()
    assert result.ok, result
    assert (result.checked, result.last_good_id) == (N_EVENTS, N_EVENTS)
    assert result.head_hash == chain.rows[-1]["hash"]
    assert seen[-1] == (N_EVENTS, N_EVENTS)
    assert [n for n, _ in seen] == sorted(n for n, _ in seen)
    assert len(seen) >= N_EVENTS // BATCH  # after every range, not only at the end
    assert {n % BATCH for n, _ in seen} <= {0, N_EVENTS % BATCH}  # ranges of BATCH events


@pytest.mark.parametrize("event_id", [1, 1_200, 1_201, 9_600, 9_601, 9_999, N_EVENTS])
def test_an_edit_on_either_side_of_a_range_boundary(
    chain: Chain, copy: Engine, processes: int, event_id: int
) -> None:
    """The first and last event of a range, of the first range and of the last, partial one."""
    row = chain.rows[event_id - 1]
    for i, field in enumerate(("reason", "occurred_at", "prev_hash", "hash", "actor_id")):
        change(copy, event_id, **{field: _other_value(field, row, chain.user_id, i)})
        result = check(copy, processes)
        assert_broken_at(result, chain, event_id)
        expected = audit.PREV_MISMATCH if field == "prev_hash" else audit.CONTENT_MISMATCH
        assert result.problem_template == expected, (field, result)
        change(copy, event_id, **{field: row[field]})
    assert check(copy, processes).ok


def test_the_first_event_of_a_range_missing(chain: Chain, copy: Engine, processes: int) -> None:
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == 4_801))
    result = check(copy, processes)
    assert_broken_at(result, chain, 4_801)
    assert result.problem_template == audit.MISSING
    assert result.problem_params == {"found": 4_802}


def test_a_whole_range_missing(chain: Chain, copy: Engine, processes: int) -> None:
    """A range with no event at all: the next event found is in a later range."""
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id.between(4_801, 7_300)))
    result = check(copy, processes)
    assert_broken_at(result, chain, 4_801)
    assert result.problem_template == audit.MISSING
    assert result.problem_params == {"found": 7_301}


def test_the_last_range_cut_short(chain: Chain, copy: Engine, processes: int) -> None:
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id > 9_700))
    result = check(copy, processes)
    assert_broken_at(result, chain, 9_701)
    assert result.problem_template == audit.MISSING_AT_END
    assert result.problem_params == {"head": N_EVENTS}


def test_the_first_of_several_breaks_is_reported(
    chain: Chain, copy: Engine, processes: int
) -> None:
    """Later ranges may be checked first; the earliest break in the chain is the answer."""
    for event_id in (9_800, 6_100, 2_222):
        change(copy, event_id, reason="changed")
        result = check(copy, processes)
        assert_broken_at(result, chain, event_id)
        assert result.problem_template == audit.CONTENT_MISMATCH
    with copy.begin() as conn:  # and an event numbered 0 before them all
        conn.execute(insert(EVENTS), [_forged(chain, 0, audit.GENESIS_HASH, chained=True)])
    result = check(copy, processes)
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, 0, 0)
    assert result.problem_template == audit.OUT_OF_SEQUENCE


def test_a_range_spliced_in_from_elsewhere(chain: Chain, copy: Engine, processes: int) -> None:
    """Each range is consistent in itself but does not link to the range before it: two
    ranges' contents swapped (ids kept in place) break at the first event moved."""
    a, b = 3_601, 7_201
    with copy.begin() as conn:
        for k in range(BATCH):
            conn.execute(update(EVENTS).where(EVENTS.c.id == a + k).values(id=-(a + k)))
            conn.execute(update(EVENTS).where(EVENTS.c.id == b + k).values(id=a + k))
            conn.execute(update(EVENTS).where(EVENTS.c.id == -(a + k)).values(id=b + k))
    result = check(copy, processes)
    assert_broken_at(result, chain, a)
    # its link to the event before it is checked before its content (in two processes by
    # the join of the ranges: the range starts at the moved event)
    assert result.problem_template == audit.PREV_MISMATCH


def test_a_truncated_tail_against_heads_exported_from_several_ranges(
    chain: Chain, copy: Engine, processes: int
) -> None:
    keep = 5_000  # in the middle of a range
    with copy.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id > keep))
        conn.execute(update(HEAD).values(last_id=keep, last_hash=chain.rows[keep - 1]["hash"]))
    for exported in (
        chain.rows[keep - 1]["hash"],
        chain.rows[2_999]["hash"],
        chain.rows[0]["hash"],
    ):
        assert check(copy, processes, expected_head=exported).ok
    result = check(copy, processes, expected_head=chain.rows[-1]["hash"])
    assert (result.ok, result.first_bad_id, result.last_good_id) == (False, keep + 1, keep)
    assert result.problem_template == audit.EXPORTED_HEAD_NOT_FOUND


def test_random_edits_give_the_same_verdict_in_one_and_in_two_processes(
    chain: Chain, copy: Engine
) -> None:
    rng = random.Random(2026)
    for i in range(30):
        event_id = rng.randint(1, N_EVENTS)
        field = rng.choice(FIELDS)
        row = chain.rows[event_id - 1]
        new = _other_value(field, row, chain.user_id, i)
        change(copy, event_id, **{field: new})
        one = check(copy, 1, batch=rng.choice((700, BATCH, 4_000)))
        two = check(copy, 2, batch=rng.choice((700, BATCH, 4_000)))
        assert dataclasses.replace(two, processes=1) == one, (event_id, field)
        assert one.first_bad_id == event_id, (event_id, field, one)
        change(copy, new if field == "id" else event_id, **{field: row[field]})


def test_an_empty_chain_and_a_chain_of_one_event(migrated_engine: Engine) -> None:
    engine = migrated_engine
    for processes in (1, 2):
        with read_session(engine) as s:  # one range: one process whatever was asked
            result = audit.verify(s, batch=1, processes=processes)
        assert (result.ok, result.checked, result.head_hash) == (True, 0, audit.GENESIS_HASH)
        assert result.processes == 1
    with write_session(engine) as s:
        audit.ensure_head(s)
        audit.append(
            s, actor_id=None, actor_name="system", action="system.test", entity="system",
            entity_id=None, reason="only one",
        )  # fmt: skip
    with read_session(engine) as s:
        result = audit.verify(s, batch=1, processes=2)
        head = audit.read_head(s)
    assert (result.ok, result.checked, result.head_hash) == (True, 1, head[1])
    assert result.processes == 1


def test_a_short_chain_in_ranges_of_one_event(migrated_engine: Engine, processes: int) -> None:
    """Every event is a range boundary: each link is checked by the join."""
    engine = migrated_engine
    with write_session(engine) as s:
        audit.ensure_head(s)
        for k in range(7):
            audit.append(
                s, actor_id=None, actor_name="system", action="system.test", entity="system",
                entity_id=str(k), after={"k": k},
            )  # fmt: skip
    result = check(engine, processes, batch=1)
    assert (result.ok, result.checked) == (True, 7)
    with engine.begin() as conn:  # a forged eighth event, correctly chained, head not moved
        conn.execute(
            insert(EVENTS),
            [
                {
                    "id": 8, "occurred_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                    "actor_id": None, "actor_name": "system", "action": "system.test",
                    "entity": "system", "entity_id": None, "before": None, "after": None,
                    "reason": None, "prev_hash": result.head_hash, "hash": "ab" * 32,
                }
            ],
        )  # fmt: skip
    result = check(engine, processes, batch=1)
    assert (result.ok, result.first_bad_id, result.problem_template) == (
        False,
        8,
        audit.BEYOND_HEAD,
    )


def test_times_from_year_1_to_9999_are_hashed_alike_by_both_databases(
    migrated_engine: Engine, processes: int
) -> None:
    """The time is read as text (SQLite: as stored; PostgreSQL: formatted in UTC by the
    server): every representable time must give the hash it was appended with."""
    rng = random.Random(9)
    times = [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2019, 8, 8, 10, 2, 3, 450, tzinfo=dt.timezone(dt.timedelta(hours=9))),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    ]
    times += [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        + dt.timedelta(microseconds=rng.randrange(315_537_897_600_000_000))
        for _ in range(60)
    ]
    with write_session(migrated_engine) as s:
        audit.ensure_head(s)
        for when in times:
            audit.append(
                s, actor_id=None, actor_name="system", action="system.test", entity="system",
                entity_id=None, at=when,
            )  # fmt: skip
    result = check(migrated_engine, processes, batch=20)
    assert (result.ok, result.checked) == (True, len(times)), result


def test_a_time_no_append_can_write_is_a_mismatch_not_a_crash(
    chain: Chain, copy: Engine, processes: int
) -> None:
    bad: list[Any]
    if chain.backend == "postgresql":
        bad = ["0044-03-15 12:00:00+00 BC", "infinity", "12000-01-01 00:00:00+00"]
        statement = "UPDATE audit_events SET occurred_at = %s WHERE id = 3601"
    else:
        bad = [b"\x00\x01", 20190808, "yesterday"]  # a blob, a number, text
        statement = "UPDATE audit_events SET occurred_at = ? WHERE id = 3601"
    original = chain.rows[3_600]["occurred_at"]
    for value in bad:
        with copy.begin() as conn:
            conn.exec_driver_sql(statement, (value,))
        result = check(copy, processes)
        assert_broken_at(result, chain, 3_601)
        assert result.problem_template == audit.CONTENT_MISMATCH
    change(copy, 3_601, occurred_at=original)
    assert check(copy, processes).ok


def test_processes_that_cannot_connect_leave_the_check_to_this_one(
    chain: Chain, copy: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config: dict[str, Any]
    if chain.backend == "sqlite":
        config = {"dialect": "sqlite", "path": "/nonexistent/ntp-audit.sqlite3"}
    else:
        config = {"dialect": "postgresql", "params": {"host": "127.0.0.1", "port": 1}}
    monkeypatch.setattr(audit, "_worker_config", lambda conn: config)
    change(copy, 7_000, reason="changed")
    with caplog.at_level(logging.WARNING, logger="db.audit"), read_session(copy) as s:
        result = audit.verify(s, batch=BATCH, processes=2)
    assert result.processes == 1
    assert_broken_at(result, chain, 7_000)
    assert "checking here" in caplog.text


def _cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return subprocess.run(
        [sys.executable, "-m", "db", "verify-audit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_command_line_in_two_processes(chain: Chain, copy: Engine) -> None:
    done = _cli(copy, "--processes", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith(f"Checked {N_EVENTS:,} events in ")
    assert lines[0].endswith("(2 processes).")
    assert lines[-1] == (
        f"Audit trail intact up to event {N_EVENTS}, head hash {chain.rows[-1]['hash']}."
    )
    change(copy, 1_251, prev_hash="f" * 64)  # the first of its range
    done = _cli(copy, "--processes", "2")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Audit trail broken at event 1251: its previous-hash field does not match the hash of "
        f"the event before it. Intact up to event 1250, head hash {chain.rows[1_249]['hash']}."
    )
