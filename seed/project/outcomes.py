"""Outcomes as of ``until``: contracts, the departments' evaluations after use, testbed
sales, and the testbed details staff recorded (budget at its start, result at its end,
certificate number at its certification), each with its audit event.

Event times come from a clock of their own (not the world's generator), so projecting the
outcomes leaves every other record and event exactly as before.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from seed.audit import Clock
from seed.constants import SEED
from seed.model import Testbed
from seed.project.core import Projection


def testbed_details(p: Projection, t: Testbed) -> dict[str, Any]:
    """The testbed row's outcome columns as they stood on ``until``."""
    return {
        "budget_krw": t.budget_krw if p.on(t.started_on) else None,
        "result": t.result if p.on(t.completed_on) else None,
        "certificate_no": t.certificate_no if p.on(t.certified_on) else None,
    }


def outcomes(p: Projection) -> None:
    """Rows and events of every outcome recorded by ``until``, in time order of ids."""
    clock = Clock(random.Random(SEED * 31 + 21))
    staff = p.actor("staff")
    log = p.log
    for t in p.testbeds:
        for day, field, value in (
            (t.started_on, "budget_krw", t.budget_krw),
            (t.completed_on, "result", t.result),
            (t.certified_on, "certificate_no", t.certificate_no),
        ):
            if value is not None and p.on(day):
                assert day is not None
                log.add(
                    clock.late(day),
                    staff,
                    "testbed.edit",
                    "testbed",
                    t.id,
                    {field: None},
                    {field: value},
                )
    contracts = [
        (c.on, "adoption_id", c.adoption.id, {
            "department": c.department,
            "project_name": c.project_name,
            "amount_krw": c.amount_krw,
            "quantity": c.quantity,
            "contracted_on": c.on,
        })
        for c in p.w.contracts
        if p.on(c.on) and c.adoption.id
    ]  # fmt: skip
    _recorded(p, clock, "contracts", "contract", contracts)
    evaluations = [
        (e.on, "adoption_id", e.adoption.id, {
            "department": e.department,
            "evaluated_on": e.on,
            "performance": e.performance,
            "problems": e.problems,
            "would_use_again": e.again,
        })
        for e in p.w.evaluations_after_use
        if p.on(e.on) and e.adoption.id
    ]  # fmt: skip
    _recorded(p, clock, "adoption_evaluations", "evaluation", evaluations)
    sales = [
        (s.on, "testbed_id", s.testbed.id,
         {"kind": s.kind, "buyer": s.buyer, "amount_krw": s.amount_krw, "sold_on": s.on})
        for s in p.w.sales
        if p.on(s.on) and s.testbed.id
    ]  # fmt: skip
    _recorded(p, clock, "testbed_sales", "sale", sales)


Recorded = tuple[dt.date, str, int, dict[str, Any]]  # day, parent column, parent id, values


def _recorded(p: Projection, clock: Clock, table: str, entity: str, items: list[Recorded]) -> None:
    """Rows of ``table`` (ids in order of day, then parent) and their ``<entity>.record``
    events by staff, each stamped at a time of its day."""
    staff = p.actor("staff")
    for i, (day, parent, parent_id, values) in enumerate(
        sorted(items, key=lambda r: (r[0], r[2])), 1
    ):
        at = clock.office(day)
        p.log.add(at, staff, f"{entity}.record", entity, i, None, {parent: parent_id, **values})
        p.tables[table].append(
            {
                "id": i,
                "version": 1,
                parent: parent_id,
                **values,
                "created_at": at,
                "created_by_id": staff[0],
                "updated_at": None,
                "updated_by_id": None,
            }
        )
