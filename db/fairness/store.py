"""The stored fairness results of closed meetings (table ``meeting_fairness``).

A closed meeting's record never changes, so its own flags and its panel's seats per
affiliation are computed once by :func:`db.fairness.live.meeting_results` (the same
functions the live report uses) and stored:

* :func:`store_meetings` in the transaction that closes a meeting
  (``db.meetings.sitting.close_meeting``);
* :func:`refresh_for_experts` / :func:`refresh_for_technologies` in the transaction of a
  write that changes an input of closed meetings' results: an expert's organization,
  affiliation or declared ties (conflicts of interest, panel composition), a technology's
  owner (the applicant). Names are not stored (the report reads them when it is built), so
  renaming changes nothing here; corrections (``add_correction``) are beside the record and
  change no input;
* :func:`backfill` for every closed meeting: migration 0007, the demo seed, and a new
  migration whenever a rule changes (with :data:`db.fairness.live.RULES_VERSION`
  raised; until it runs, rows of the old version are ignored and their meetings computed
  live).

Derived data: not audited (the writes that cause them are), recomputable at any time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

# The module, not its names: it imports db.meetings, and closing a meeting
# (db.meetings.sitting) imports this module, so it may still be importing here.
from db.fairness import live
from db.models import AgendaItem, Meeting, MeetingFairness, PanelSeat

BATCH = 1_000  # meetings computed together by the backfill


def store_meetings(session: Session, meeting_ids: Iterable[int]) -> int:
    """Compute and store (replacing any earlier row) the results of the closed meetings
    among ``meeting_ids``; returns how many rows were written."""
    ids = sorted({int(i) for i in meeting_ids})
    written = 0
    for at in range(0, len(ids), BATCH):
        part = ids[at : at + BATCH]
        session.execute(delete(MeetingFairness).where(MeetingFairness.meeting_id.in_(part)))
        rows = live.meeting_results(session, [Meeting.id.in_(part), Meeting.status == "closed"])
        if rows:
            session.execute(insert(MeetingFairness), rows)
        written += len(rows)
    return written


def refresh_for_experts(session: Session, expert_ids: Iterable[int]) -> int:
    """Recompute the closed meetings on which any of ``expert_ids`` held a seat (after a
    change of their organization, affiliation or ties)."""
    ids = sorted({int(i) for i in expert_ids})
    meetings: set[int] = set()
    for at in range(0, len(ids), BATCH):
        meetings |= set(
            session.execute(
                select(PanelSeat.meeting_id)
                .join(Meeting, Meeting.id == PanelSeat.meeting_id)
                .where(PanelSeat.expert_id.in_(ids[at : at + BATCH]), Meeting.status == "closed")
            ).scalars()
        )
    return store_meetings(session, meetings)


def refresh_for_technologies(session: Session, technology_ids: Iterable[int]) -> int:
    """Recompute the closed meetings that had any of ``technology_ids`` on their agenda
    (after a change of the technology's owner)."""
    ids = sorted({int(i) for i in technology_ids})
    meetings: set[int] = set()
    for at in range(0, len(ids), BATCH):
        meetings |= set(
            session.execute(
                select(AgendaItem.meeting_id)
                .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .where(
                    AgendaItem.technology_id.in_(ids[at : at + BATCH]),
                    Meeting.status == "closed",
                )
            ).scalars()
        )
    return store_meetings(session, meetings)


def backfill(
    session: Session,
    progress: Callable[[str], None] | None = None,
    *,
    at: dt.datetime | None = None,
) -> int:
    """Compute and store the results of every closed meeting (replacing existing rows), in
    batches of :data:`BATCH` meetings by id; returns how many rows were written. ``at``:
    the time recorded as computed (default now; the seed gives a fixed one, so the same
    arguments give the same content)."""
    ids = list(
        session.execute(
            select(Meeting.id).where(Meeting.status == "closed").order_by(Meeting.id)
        ).scalars()
    )
    session.execute(delete(MeetingFairness))
    written = 0
    for first in range(0, len(ids), BATCH):
        low, high = ids[first], ids[min(first + BATCH, len(ids)) - 1]
        rows = live.meeting_results(
            session, [Meeting.id >= low, Meeting.id <= high, Meeting.status == "closed"], at=at
        )
        if rows:
            session.execute(insert(MeetingFairness), rows)
        written += len(rows)
        if progress:
            progress(f"fairness of closed meetings: {written:,} of {len(ids):,}")
    return written
