"""The seed's audit trail: collect events, then chain them exactly as ``db.audit`` would.

Events are collected in any order with their time; :meth:`EventLog.chain` sorts them stably
by time, numbers them 1..n and computes each hash with ``db.audit.event_hash`` from the
previous one (the first from ``GENESIS_HASH``), so ``db.audit.verify`` accepts the result and
the app can append to it. Times are office hours in Korea (KST), stored in UTC.

Actions are ``<entity>.<verb>`` like the app's own (``user.create``):
``organization.create``, ``user.create``, ``expert.register``, ``expert.retire``,
``expert_tie.record``, ``technology.submit|screen|review|register|reject|certify|expire|
withdraw``, ``meeting.schedule|draw_panel|hold|close``, ``agenda_item.add|decide``,
``panel_seat.draw|declare_conflict``, ``evaluation.record``,
``adoption.propose|link_agreement|review|approve|reject``,
``testbed.import|apply|select|reject|start|complete|certify``,
``inquiry.receive|answer|hold_visit|benchmark``,
``inquiry_followup.record``, ``agreement.plan|sign|start|expire``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from db.audit import GENESIS_HASH, SYSTEM_ACTOR, canonical_json, event_hash

KST_OFFSET = dt.timedelta(hours=9)
Actor = tuple[int | None, str]
SYSTEM: Actor = (None, SYSTEM_ACTOR)


class Clock:
    """Timestamps (aware, UTC) for Korean office hours on a given date."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._midnight: dict[dt.date, dt.datetime] = {}

    def at(self, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
        """``hour:minute:second`` KST on ``day``."""
        base = self._midnight.get(day)
        if base is None:
            base = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - KST_OFFSET
            self._midnight[day] = base
        return base + dt.timedelta(seconds=hour * 3600 + minute * 60 + second)

    def office(self, day: dt.date) -> dt.datetime:
        """A random time between 09:30 and 17:30 KST on ``day``."""
        return self.at(day, 9, 30, self.rng.randrange(8 * 3600))

    def early(self, day: dt.date) -> dt.datetime:
        """09:00-09:29 KST: records that others of the same day refer to (organisations)."""
        return self.at(day, 9, 0, self.rng.randrange(29 * 60))

    def late(self, day: dt.date) -> dt.datetime:
        """17:30-17:59 KST: follow-up records of the same day (ties, imports)."""
        return self.at(day, 17, 30, self.rng.randrange(29 * 60))


class EventLog:
    """Audit events in collection order; :meth:`chain` turns them into rows."""

    def __init__(self) -> None:
        self._events: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self._events)

    def add(
        self,
        at: dt.datetime,
        actor: Actor,
        action: str,
        entity: str,
        entity_id: int | str | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """Collect one event (``before``/``after`` as dicts, made canonical JSON later)."""
        self._events.append((at, actor, action, entity, entity_id, before, after, reason))

    def chain(self) -> Iterator[dict[str, Any]]:
        """The events as ``audit_events`` rows: sorted by time (stable), ids 1..n, hashed."""
        self._events.sort(key=lambda e: e[0])
        prev = GENESIS_HASH
        for i, (
            at,
            (actor_id, actor_name),
            action,
            entity,
            entity_id,
            before,
            after,
            reason,
        ) in enumerate(self._events, start=1):
            row = {
                "id": i,
                "occurred_at": at,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "action": action,
                "entity": entity,
                "entity_id": None if entity_id is None else str(entity_id),
                "before": canonical_json(before),
                "after": canonical_json(after),
                "reason": reason,
            }
            digest = event_hash(prev, **row)
            row["prev_hash"] = prev
            row["hash"] = digest
            prev = digest
            yield row

    @staticmethod
    def head(rows: list[dict[str, Any]]) -> tuple[int, str]:
        """(last_id, last_hash) for ``audit_head``."""
        if not rows:
            return 0, GENESIS_HASH
        return rows[-1]["id"], rows[-1]["hash"]
