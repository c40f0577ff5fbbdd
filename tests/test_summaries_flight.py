"""One computation per stored summary, per process (``db.summaries.stored``'s single flight),
on SQLite and PostgreSQL with real threads: threads asking for the same figure at one data
version compute it once and each get their own copy; a leader that fails or is slow leaves
the others to compute it themselves; other figures and versions never wait; a store that the
database refused still serves the figure to every waiting thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, event, select

from db import summaries as S
from db.engine import make_engine
from db.models import StoredSummary
from db.session import read_session

NAME = "test.flight/1"
THREADS = 6
WAIT = 60  # seconds: a bound on every wait below, never reached when the code is right


def figure(n: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"sector": ["medical", "roads"], "count": [3 + n, 5 + n]})


class Compute:
    """A ``compute`` that counts its calls; the first call waits for ``gate`` (then raises
    when ``fail_first``), the others return at once."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail_first = fail_first
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self) -> pd.DataFrame:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.started.set()
            assert self.gate.wait(WAIT), "the test never opened the gate"
            if self.fail_first:
                raise RuntimeError("the leader's computation failed")
        return figure()


class Reads:
    """Counts the statements that read ``stored_summaries`` on ``engine`` (after they ran):
    once ``THREADS`` such reads ran with the first computation held, every thread has found
    the figure missing (old code: each then computes it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.seen = threading.Condition()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "stored_summaries" in statement:
            with self.seen:
                self.count += 1
                self.seen.notify_all()

    def wait_for(self, n: int) -> None:
        with self.seen:
            assert self.seen.wait_for(lambda: self.count >= n, WAIT)


@pytest.fixture
def reads(migrated_engine: Engine) -> Iterator[Reads]:
    counter = Reads(migrated_engine)
    event.listen(migrated_engine, "after_cursor_execute", counter)
    yield counter
    event.remove(migrated_engine, "after_cursor_execute", counter)


def ask(
    engine: Engine,
    compute: Callable[[], pd.DataFrame],
    *,
    key: dict[str, Any] | None = None,
    version: int = 7,
    start: threading.Barrier | None = None,
) -> tuple[threading.Thread, dict[str, Any]]:
    """A started thread asking for the figure; its outcome lands in the returned dict
    (``value`` or ``error``)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            if start is not None:
                start.wait(WAIT)
            with read_session(engine) as s:
                out["value"] = S.stored(
                    s, NAME, key or {"as_of": "2026-12-07"}, version, compute, expect=pd.DataFrame
                )
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def joined(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads)


def stored_versions(engine: Engine) -> list[int]:
    with read_session(engine) as s:
        return list(
            s.execute(select(StoredSummary.version).where(StoredSummary.name == NAME)).scalars()
        )


def test_threads_asking_for_one_figure_compute_it_once_and_get_their_own_copy(
    migrated_engine: Engine, reads: Reads
) -> None:
    compute = Compute()
    start = threading.Barrier(THREADS)
    asked = [ask(migrated_engine, compute, start=start) for _ in range(THREADS)]
    reads.wait_for(THREADS)  # every thread found no row while the first computation is held
    compute.gate.set()
    joined([t for t, _ in asked])

    assert [o.get("error") for _, o in asked] == [None] * THREADS
    values = [o["value"] for _, o in asked]
    for v in values:
        pd.testing.assert_frame_equal(v, figure())
    assert len({id(v) for v in values}) == THREADS  # no two sessions share one frame
    assert compute.calls == 1
    assert stored_versions(migrated_engine) == [7]
    assert S._flights == {}


def test_a_failed_leader_leaves_the_others_to_compute_it_themselves(
    migrated_engine: Engine, reads: Reads
) -> None:
    """Decided: a follower never fails because its leader did; it computes the figure
    itself (and fails only if its own computation does)."""
    compute = Compute(fail_first=True)
    start = threading.Barrier(THREADS)
    asked = [ask(migrated_engine, compute, start=start) for _ in range(THREADS)]
    reads.wait_for(THREADS)
    compute.gate.set()
    joined([t for t, _ in asked])

    errors = [o["error"] for _, o in asked if "error" in o]
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    for _, o in asked:
        if "value" in o:
            pd.testing.assert_frame_equal(o["value"], figure())
    assert sum("value" in o for _, o in asked) == THREADS - 1
    # The leader's attempt, then the others' own: one each, but a thread that comes after
    # another stored the figure reads the row instead.
    assert 2 <= compute.calls <= THREADS
    assert stored_versions(migrated_engine) == [7]
    assert S._flights == {}


def test_other_figures_and_versions_do_not_wait_for_a_computation(
    migrated_engine: Engine,
) -> None:
    held = Compute()
    leader, led = ask(migrated_engine, held)
    assert held.started.wait(WAIT)  # the leader computes, held until the gate opens
    others = [
        ask(migrated_engine, lambda: figure(1), key={"as_of": "2026-12-08"}),
        ask(migrated_engine, lambda: figure(2), version=8),
    ]
    joined([t for t, _ in others])  # finished with the leader still held
    assert leader.is_alive()
    pd.testing.assert_frame_equal(others[0][1]["value"], figure(1))
    pd.testing.assert_frame_equal(others[1][1]["value"], figure(2))
    held.gate.set()
    joined([leader])
    pd.testing.assert_frame_equal(led["value"], figure())
    assert held.calls == 1


def test_a_slow_leader_does_not_hold_the_others_for_ever(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(S, "FLIGHT_WAIT_SECONDS", 0.2)
    held = Compute()
    leader, led = ask(migrated_engine, held)
    assert held.started.wait(WAIT)
    follower, followed = ask(migrated_engine, held)
    joined([follower])  # gave up waiting and computed the figure itself
    assert leader.is_alive()
    pd.testing.assert_frame_equal(followed["value"], figure())
    held.gate.set()
    joined([leader])
    pd.testing.assert_frame_equal(led["value"], figure())
    assert held.calls == 2


def test_a_refused_store_still_serves_every_waiting_thread(
    migrated_engine: Engine, reads: Reads, backend: str
) -> None:
    """The table is locked by another writer for the whole computation: the leader's store
    fails (logged), and the figure it computed still reaches every thread waiting for it."""
    engine = migrated_engine
    blocker = engine.raw_connection()  # the driver's connection: its own BEGIN
    try:
        if backend == "sqlite":
            blocker.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        else:
            blocker.cursor().execute("LOCK TABLE stored_summaries IN EXCLUSIVE MODE")
        compute = Compute()
        start = threading.Barrier(THREADS)
        asked = [ask(engine, compute, start=start) for _ in range(THREADS)]
        reads.wait_for(THREADS)
        compute.gate.set()
        joined([t for t, _ in asked])
    finally:
        blocker.rollback()
        blocker.close()

    assert [o.get("error") for _, o in asked] == [None] * THREADS
    for _, o in asked:
        pd.testing.assert_frame_equal(o["value"], figure())
    assert compute.calls == 1
    assert stored_versions(engine) == []  # the store was refused


def test_the_background_refresh_shares_the_pages_computations(migrated_engine: Engine) -> None:
    """The refresh runs on an engine of its own made from the app's URL: its figures are
    the same flights as the pages' (one computation between them); two private in-memory
    databases never share one."""
    own = make_engine(migrated_engine.url.render_as_string(hide_password=False), check=False)
    try:
        assert S._database_of(own) == S._database_of(migrated_engine)
    finally:
        own.dispose()
    first, second = make_engine("sqlite://"), make_engine("sqlite://")
    assert S._database_of(first) != S._database_of(second)
    first.dispose()
    second.dispose()
