"""Exactly-once decisions under contention, on SQLite and PostgreSQL.

16 approvers, each a thread with its own engine, decide the same 200 adoptions at the same
moments (a barrier per item, so every item is fought over by all 16 at once). Afterwards:
every item has exactly one decision, the audit trail holds exactly the winners' events (and
still verifies), every loser was told "already decided by <winner> at <time>", and nothing
else went wrong (no "database is locked", no other exception).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import Engine, select

from db import adoptions, audit
from db.engine import make_engine
from db.errors import Conflict
from db.models import Adoption, AuditEvent
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

WRITERS = 16
ITEMS = 200
DECISION_ACTIONS = ("adoption.approve", "adoption.reject", "adoption.return")
KST_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d KST")


@pytest.mark.slow
def test_sixteen_writers_two_hundred_items(migrated_url: str, migrated_engine: Engine) -> None:
    proposer = make_user(migrated_engine, "proposer.race", ["staff"])
    approvers: list[Actor] = [
        actor_of(migrated_engine, make_user(migrated_engine, f"approver{i:02d}.race", ["approver"]))
        for i in range(WRITERS)
    ]
    items = wd.under_review_adoptions(migrated_engine, proposer, ITEMS)
    events_before = len(wd.events(migrated_engine))

    wins: dict[int, list[int]] = defaultdict(list)  # item -> writer indexes that won
    losses: dict[int, list[tuple[int, Conflict]]] = defaultdict(list)
    unexpected: list[tuple[int, int, BaseException]] = []
    barrier = threading.Barrier(WRITERS)
    lock = threading.Lock()

    def writer(index: int) -> None:
        actor = approvers[index]
        engine = make_engine(migrated_url)
        rng = random.Random(index)
        try:
            for aid in items:
                barrier.wait(timeout=120)
                decision = rng.choice(("approve", "reject", "return"))
                try:
                    with write_session(engine) as s:
                        adoptions.decide_adoption(
                            session=s,
                            actor=actor,
                            adoption_id=aid,
                            decision=decision,
                            comment=f"{actor.username} {decision}",
                        )
                except Conflict as lost:
                    with lock:
                        losses[aid].append((index, lost))
                except BaseException as exc:
                    with lock:
                        unexpected.append((index, aid, exc))
                else:
                    with lock:
                        wins[aid].append(index)
        finally:
            engine.dispose()

    started = time.monotonic()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    assert not unexpected, unexpected[:5]
    assert sorted(wins) == sorted(items)
    assert all(len(w) == 1 for w in wins.values()), "double decision"
    for aid in items:
        assert len(losses[aid]) == WRITERS - 1
        winner = approvers[wins[aid][0]]
        for _index, lost in losses[aid]:
            assert lost.params["by"] == winner.display_name
            assert KST_TIME.fullmatch(lost.params["at"])
            assert str(lost).startswith(f"Already decided by {winner.display_name} at ")

    with read_session(migrated_engine) as s:
        rows = {
            a.id: a for a in s.execute(select(Adoption).where(Adoption.id.in_(items))).scalars()
        }
        decisions = list(
            s.execute(
                select(AuditEvent).where(
                    AuditEvent.action.in_(
                        ("adoption.approve", "adoption.reject", "adoption.return")
                    )
                )
            ).scalars()
        )
        total_events = s.execute(select(AuditEvent.id)).scalars().all()
        chain = audit.verify(s)
    assert len(decisions) == ITEMS  # audit events of decisions = winners
    assert sorted(int(e.entity_id or 0) for e in decisions) == sorted(items)
    for ev in decisions:
        aid = int(ev.entity_id or 0)
        winner = approvers[wins[aid][0]]
        assert ev.actor_id == winner.id
        row = rows[aid]
        assert row.decided_by_id == winner.id
        assert (
            row.status
            == {
                "adoption.approve": "approved",
                "adoption.reject": "rejected",
                "adoption.return": "proposed",
            }[ev.action]
        )
        assert row.decision_comment == ev.reason
    assert len(total_events) == events_before + ITEMS  # losers left no trace
    assert chain.ok, chain.problem
    print(f"\n{WRITERS} writers x {ITEMS} items: {WRITERS * ITEMS} attempts in {elapsed:.1f} s")
