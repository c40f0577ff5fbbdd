"""Meetings: schedule, agenda, panel draw, the meeting day (attendance, conflicts, scores,
decisions) and closing, as rows and events.

On the meeting day (from 14:00 KST) each item's evaluations are recorded a few minutes
before its decision; the technology, testbed or adoption outcome follows from it.
"""

from __future__ import annotations

import datetime as dt
import json

from seed.model import Item, Meeting
from seed.project.core import Projection


def meetings(p: Projection) -> None:
    """Every meeting scheduled by ``until``, with what had happened to it by then."""
    staff = p.actor("staff")
    for m in p.meetings:
        held, drawn, agenda = p.on(m.held_on), p.on(m.draw_on), p.on(m.agenda_on)
        closed = p.on(m.closed_on)
        status = "closed" if closed else "held" if held else "scheduled"
        closed_at = p.clock.office(m.closed_on) if closed else None
        p.tables["meetings"].append(
            {
                "id": m.id,
                "code": m.code,
                "kind": m.kind,
                "title": m.title,
                "scheduled_on": m.held_on,
                "held_on": m.held_on if held else None,
                "location": m.location,
                "status": status,
                "quorum": m.quorum,
                "regulation_id": 1,
                "draw_seed": m.draw_seed if drawn else None,
                "draw_pool_size": m.pool_size if drawn else None,
                "draw_exclusions": json.dumps(m.exclusions, separators=(",", ":"))
                if drawn
                else None,
                "minutes": m.minutes if held else None,
                "created_by_id": staff[0],
                "closed_at": closed_at,
            }
        )
        created_at = p.clock.at(m.created_on, 9, 30, p.w.rng.randrange(25 * 60))
        p.log.add(
            created_at,
            staff,
            "meeting.schedule",
            "meeting",
            m.id,
            None,
            {
                "code": m.code,
                "kind": m.kind,
                "title": m.title,
                "scheduled_on": m.held_on,
                "quorum": m.quorum,
                "status": "scheduled",
            },
        )
        if agenda:
            _agenda(p, m)
        if drawn:
            _panel(p, m)
        decided = _deliberation(p, m) if held else {}
        for it in m.items if agenda else ():
            _item_row(p, m, it, decided.get(it.position))
        if closed_at is not None:
            p.log.add(
                closed_at,
                staff,
                "meeting.close",
                "meeting",
                m.id,
                {"status": "held"},
                {"status": "closed"},
            )


def _agenda(p: Projection, m: Meeting) -> None:
    staff = p.actor("staff")
    for it in m.items:
        at = p.clock.at(m.agenda_on, 10, 0, 20 * it.position)
        p.log.add(
            at,
            staff,
            "agenda_item.add",
            "agenda_item",
            it.id,
            None,
            {
                "meeting_id": m.id,
                "position": it.position,
                "technology_id": it.tech.id,
                "adoption_id": it.adoption.id if it.adoption else None,
                "testbed_id": it.testbed.id if it.testbed else None,
            },
        )
        if it.adoption is not None:
            p.adoption_review[it.adoption.seq] = (at + dt.timedelta(seconds=5), m.code)


def _panel(p: Projection, m: Meeting) -> None:
    staff = p.actor("staff")
    at = p.clock.at(m.draw_on, 11)
    p.log.add(
        at,
        staff,
        "meeting.draw_panel",
        "meeting",
        m.id,
        None,
        {
            "draw_seed": m.draw_seed,
            "draw_pool_size": m.pool_size,
            "excluded": len(m.exclusions),
        },
    )
    held = p.on(m.held_on)
    for s in m.seats:
        p.tables["panel_seats"].append(
            {
                "id": s.id,
                "meeting_id": m.id,
                "expert_id": s.expert.id,
                "method": s.method,
                "is_chair": s.is_chair and held,
                "attended": s.attended if held else None,
                "conflict_declared": s.conflict_note is not None and held,
                "conflict_note": s.conflict_note if held else None,
                "recused": s.recused and held,
            }
        )
        p.log.add(
            at + dt.timedelta(seconds=10 * s.rank),
            staff,
            "panel_seat.draw",
            "panel_seat",
            s.id,
            None,
            {
                "meeting_id": m.id,
                "expert_id": s.expert.id,
                "method": s.method,
                "rank": s.rank,
            },
        )


def _deliberation(p: Projection, m: Meeting) -> dict[int, dt.datetime]:
    """Events of the meeting day; returns each item's decision time by position."""
    staff, clock, log = p.actor("staff"), p.clock, p.log
    start = clock.at(m.held_on, 14)
    attended = sum(1 for s in m.seats if s.attended)
    log.add(
        start,
        staff,
        "meeting.hold",
        "meeting",
        m.id,
        {"status": "scheduled"},
        {
            "status": "held",
            "held_on": m.held_on,
            "attended": attended,
            "absent": len(m.seats) - attended,
            "chair_expert_id": next((s.expert.id for s in m.seats if s.is_chair), None),
        },
    )
    for s in m.seats:
        if s.conflict_note is not None:
            log.add(
                start + dt.timedelta(minutes=2, seconds=s.rank),
                staff,
                "panel_seat.declare_conflict",
                "panel_seat",
                s.id,
                None,
                {"conflict_declared": True, "recused": s.recused, "note": s.conflict_note},
            )
    step = 5 if len(m.items) > 20 else 8
    times: dict[int, dt.datetime] = {}
    for it in m.items:
        decided = start + dt.timedelta(minutes=10 + step * it.position)
        for j, ev in enumerate(it.evaluations):
            at = decided - dt.timedelta(minutes=3) + dt.timedelta(seconds=20 * j)
            scores = dict(zip(p.w.city.rule.codes, ev.scores, strict=True))
            p.tables["evaluations"].append(
                {
                    "id": ev.id,
                    "agenda_item_id": it.id,
                    "seat_id": ev.seat.id,
                    "comment": ev.comment,
                    "recorded_at": at,
                }
            )
            p.tables["evaluation_scores"].extend(
                {"evaluation_id": ev.id, "criterion": c, "score": v} for c, v in scores.items()
            )
            log.add(
                at,
                staff,
                "evaluation.record",
                "evaluation",
                ev.id,
                None,
                {"agenda_item_id": it.id, "seat_id": ev.seat.id, **scores},
            )
        log.add(
            decided,
            staff,
            "agenda_item.decide",
            "agenda_item",
            it.id,
            {"decision": "pending"},
            {"decision": it.decision, "stage1_mean": it.stage1, "overall_mean": it.overall},
            it.reason,
        )
        times[it.position] = decided
        if it.testbed is not None:
            p.testbed_decision[it.testbed.seq] = decided + dt.timedelta(seconds=30)
        elif it.adoption is None:
            p.tech_decision[it.tech.seq] = (
                decided + dt.timedelta(seconds=30),
                m.code,
                it.reason,
            )
    return times


def _item_row(p: Projection, m: Meeting, it: Item, decided: dt.datetime | None) -> None:
    p.tables["agenda_items"].append(
        {
            "id": it.id,
            "meeting_id": m.id,
            "position": it.position,
            "technology_id": it.tech.id,
            "adoption_id": it.adoption.id if it.adoption else None,
            "testbed_id": it.testbed.id if it.testbed else None,
            "decision": it.decision if decided else "pending",
            "decision_reason": it.reason if decided else None,
            "decided_at": decided,
        }
    )
