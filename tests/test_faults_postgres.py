"""PostgreSQL restarted under a concurrent approval driver, and with an idle pool.

The driver is what the app does: several threads (sessions of one app process) share the
process's one engine and decide adoptions through ``components.data.write`` (the app's write
path: ``db.session.write_session`` around ``db.approvals.decide_one``) and read through
``components.data.read``. A throwaway PostgreSQL 15 server of this module's own is
restarted with ``pg_ctl restart -m fast``:

- three times **while the driver runs**: decisions in flight fail, and each failure must be
  the domain error "Not saved: the database could not be reached. Please retry." (never a
  raw driver exception), logged with its traceback; a failure leaves no trace (status,
  decider and audit trail unchanged) and a success is in the database and the audit trail;
  a retry after the restart succeeds;
- three times **while the pool is idle** (it holds connections the restart killed): the next
  burst of decisions and reads has 0 errors (``pool_pre_ping``).

At the end every item was decided exactly once, by the thread that saw the success, and the
audit chain verifies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy import exc as sa_exc

from components import data
from db import approvals, audit
from db.engine import make_engine
from db.errors import DatabaseUnavailable, SaveInDoubt
from db.models import Adoption, AuditEvent
from db.policy import Actor
from db.session import read_session
from tests import workflow_data as wd
from tests.conftest import PgServer, create_database
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

THREADS = 4
ITEMS = 400
STATUS = {"approve": "approved", "reject": "rejected", "return": "proposed"}
NOT_SAVED = "Not saved: the database could not be reached. Please retry in a moment."
NOT_LOADED = (
    "The data could not be loaded: the database could not be reached. Please reload the "
    "page in a moment."
)


@pytest.fixture
def faults_db(
    restartable_pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Engine]]:
    """A migrated database on the restartable server, configured as the app's database
    (outside demo mode); an engine of the test's own for setting up and checking."""
    url = create_database(restartable_pg, f"faults_{time.monotonic_ns()}")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NTP_DEMO", "0")
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    data.engine().dispose()


@dataclass
class Outcomes:
    wins: dict[int, tuple[int, str]] = field(default_factory=dict)  # item -> (actor, decision)
    failed: dict[int, DatabaseUnavailable] = field(default_factory=dict)
    in_doubt: dict[int, tuple[int, str]] = field(default_factory=dict)
    read_failures: list[DatabaseUnavailable] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def decide(actor: Actor, item: int, decision: str, out: Outcomes, *, read: bool = True) -> bool:
    """One user's decision as the approvals page makes it; records what the user saw."""
    try:
        if read:
            data.read(approvals.item_context, actor=actor, key=f"adoption:{item}")
    except DatabaseUnavailable as exc:
        with out.lock:
            out.read_failures.append(exc)
        return False
    except BaseException as exc:
        with out.lock:
            out.unexpected.append(exc)
        return False
    try:
        data.write(
            approvals.decide_one,
            actor=actor,
            key=f"adoption:{item}",
            decision=decision,
            comment=f"{actor.username}: {decision}",
        )
    except SaveInDoubt as exc:
        with out.lock:
            out.failed[item] = exc
            out.in_doubt[item] = (actor.id or 0, decision)
        return False
    except DatabaseUnavailable as exc:
        with out.lock:
            out.failed[item] = exc
        return False
    except BaseException as exc:
        with out.lock:
            out.unexpected.append(exc)
        return False
    with out.lock:
        out.wins[item] = (actor.id or 0, decision)
    return True


def decision_events(engine: Engine) -> dict[int, list[AuditEvent]]:
    with read_session(engine) as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.action.like("adoption.%"))).scalars()
        found: dict[int, list[AuditEvent]] = {}
        for ev in rows:
            if ev.action in ("adoption.approve", "adoption.reject", "adoption.return"):
                found.setdefault(int(ev.entity_id or 0), []).append(ev)
        return found


def adoption_rows(engine: Engine, items: list[int]) -> dict[int, tuple[str, int | None]]:
    with read_session(engine) as s:
        return {
            r.id: (r.status, r.decided_by_id)
            for r in s.execute(
                select(Adoption.id, Adoption.status, Adoption.decided_by_id).where(
                    Adoption.id.in_(items)
                )
            )
        }


def event_count(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


@pytest.mark.slow
def test_restarts_under_load_and_with_an_idle_pool(
    restartable_pg: PgServer,
    faults_db: tuple[str, Engine],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="db.session")
    _url, check = faults_db
    proposer = make_user(check, "proposer.faults", ["staff"])
    approvers = [
        actor_of(check, make_user(check, f"approver{i}.faults", ["approver"]))
        for i in range(THREADS)
    ]
    items = wd.under_review_adoptions(check, proposer, ITEMS)
    events_before = event_count(check)
    queue = list(reversed(items))
    queue_lock = threading.Lock()
    out = Outcomes()
    app_engine = data.engine()  # the app's engine, as the first page view creates it
    idle_bursts: list[tuple[int, int, int]] = []  # (pooled before, errors, decisions)
    restarts: list[float] = []
    failed_under_load: list[int] = []

    def take() -> int | None:
        with queue_lock:
            return queue.pop() if queue else None

    # --- three restarts while the pool is idle: the next burst has no errors -------------
    def idle_restart_then_burst() -> None:
        pooled = app_engine.pool.checkedin()  # type: ignore[attr-defined]
        started = time.monotonic()
        restartable_pg.restart()
        restarts.append(time.monotonic() - started)
        burst = Outcomes()
        barrier = threading.Barrier(THREADS)
        todo = [take() for _ in range(THREADS)]

        def one(i: int) -> None:
            barrier.wait(timeout=30)
            item = todo[i]
            assert item is not None
            decide(approvers[i], item, "approve", burst)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        errors = len(burst.failed) + len(burst.read_failures) + len(burst.unexpected)
        idle_bursts.append((pooled, errors, len(burst.wins)))
        assert not burst.unexpected, burst.unexpected
        out.wins.update(burst.wins)

    # --- three restarts while four approvers keep deciding -------------------------------
    def restart_under_load() -> None:
        stop = threading.Event()
        seen_before = set(out.failed)

        def driver(i: int) -> None:
            decisions = ("approve", "reject", "return")
            while not stop.is_set():
                item = take()
                if item is None:
                    return
                # two approvers look at the item first, two decide from the list
                if not decide(approvers[i], item, decisions[(item + i) % 3], out, read=i < 2):
                    time.sleep(0.05)  # a person reads the message before going on

        threads = [threading.Thread(target=driver, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(0.6)
        started = time.monotonic()
        restartable_pg.restart()
        restarts.append(time.monotonic() - started)
        time.sleep(0.6)
        stop.set()
        for t in threads:
            t.join()
        failed_under_load.extend(set(out.failed) - seen_before)

    started = time.monotonic()
    decide(approvers[0], take() or 0, "approve", out)  # the pool holds a connection
    for _cycle in range(3):
        idle_restart_then_burst()
        restart_under_load()
    elapsed = time.monotonic() - started

    # what users saw: domain errors only
    assert not out.unexpected, [repr(e) for e in out.unexpected[:5]]
    assert all(errors == 0 for _pooled, errors, _n in idle_bursts), idle_bursts
    assert all(n == THREADS for _pooled, _errors, n in idle_bursts), idle_bursts
    assert all(pooled >= 1 for pooled, _errors, _n in idle_bursts), idle_bursts
    assert failed_under_load, "no decision was in flight during a restart: the test proves nothing"
    for exc in out.failed.values():
        assert isinstance(exc, DatabaseUnavailable) and exc.writing
        assert str(exc) in (NOT_SAVED, SaveInDoubt.message), str(exc)
        assert isinstance(exc.__cause__, (sa_exc.DBAPIError, sa_exc.TimeoutError))
    for exc in out.read_failures:
        assert str(exc) == NOT_LOADED
    logged = [r for r in caplog.records if r.name == "db.session"]
    assert len(logged) >= len(out.failed) + len(out.read_failures)
    assert all(r.exc_info for r in logged)  # the traceback is in the server log

    # no trace of a failure: nothing changed, no audit event (before anyone retries)
    rows = adoption_rows(check, items)
    events = decision_events(check)
    in_doubt_saved = 0
    for item in out.failed:
        if item in out.in_doubt:  # all or nothing: both or neither
            saved = item in events
            assert saved == (rows[item][0] != "under_review")
            in_doubt_saved += saved
            continue
        assert rows[item] == ("under_review", None), item
        assert item not in events, item
    # every success is in the database and the audit trail, by whoever saw it
    for item, (actor_id, decision) in out.wins.items():
        assert rows[item] == (STATUS[decision], actor_id), item
        [ev] = events[item]
        assert (ev.actor_id, ev.action) == (actor_id, f"adoption.{decision}")
    assert event_count(check) == events_before + len(out.wins) + in_doubt_saved

    # the users retry what failed: it is saved now (or was, for a save in doubt)
    retried = Outcomes()
    for item in sorted(out.failed):
        if item in out.in_doubt and item in events:
            continue
        decide(approvers[item % THREADS], item, "reject", retried)
    assert not (retried.failed or retried.read_failures or retried.unexpected)
    with read_session(check) as s:
        chain = audit.verify(s)
        still_waiting = s.execute(
            select(func.count())
            .select_from(Adoption)
            .where(Adoption.id.in_(items), Adoption.status == "under_review")
        ).scalar_one()
    decided = len(out.wins) + len(retried.wins) + in_doubt_saved
    assert chain.ok, chain.problem
    assert still_waiting == ITEMS - decided
    assert event_count(check) == events_before + decided
    causes: dict[str, int] = {}
    for exc in [*out.failed.values(), *out.read_failures]:
        cause = str(getattr(exc.__cause__, "orig", exc.__cause__)).strip().splitlines()[0][:70]
        causes[cause] = causes.get(cause, 0) + 1
    print(
        f"\ncauses: {causes}"
        f"\n{len(restarts)} restarts ({', '.join(f'{r:.2f}' for r in restarts)} s); "
        f"{len(out.wins)} decisions saved, {len(out.failed)} refused as 'not saved' "
        f"({len(out.in_doubt)} in doubt, {in_doubt_saved} of them saved), "
        f"{len(out.read_failures)} reads refused, retried {len(retried.wins)}; idle bursts "
        f"(pooled, errors, saved) {idle_bursts}; {elapsed:.1f} s"
    )
