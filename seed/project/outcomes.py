"""Outcomes as of ``until``: contracts, the departments' evaluations after use, testbed
sales, and the testbed details staff recorded (budget at its start, result at its end,
certificate number at its certification), each with its audit event.

Event times come from a clock of their own (not the world's generator), so projecting the
outcomes leaves every other record and event exactly as before.
"""

from __future__ import annotations

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
    contracts = sorted(
        (c for c in p.w.contracts if p.on(c.on) and c.adoption.id),
        key=lambda c: (c.on, c.adoption.id),
    )
    for i, c in enumerate(contracts, 1):
        at = clock.office(c.on)
        values = {
            "department": c.department,
            "project_name": c.project_name,
            "amount_krw": c.amount_krw,
            "quantity": c.quantity,
            "contracted_on": c.on,
        }
        log.add(
            at,
            staff,
            "contract.record",
            "contract",
            i,
            None,
            {"adoption_id": c.adoption.id, **values},
        )
        p.tables["contracts"].append(
            {
                "id": i,
                "version": 1,
                "adoption_id": c.adoption.id,
                **values,
                "created_at": at,
                "created_by_id": staff[0],
                "updated_at": None,
                "updated_by_id": None,
            }
        )
    evaluations = sorted(
        (e for e in p.w.evaluations_after_use if p.on(e.on) and e.adoption.id),
        key=lambda e: (e.on, e.adoption.id),
    )
    for i, e in enumerate(evaluations, 1):
        at = clock.office(e.on)
        values = {
            "department": e.department,
            "evaluated_on": e.on,
            "performance": e.performance,
            "problems": e.problems,
            "would_use_again": e.again,
        }
        log.add(
            at,
            staff,
            "evaluation.record",
            "evaluation",
            i,
            None,
            {"adoption_id": e.adoption.id, **values},
        )
        p.tables["adoption_evaluations"].append(
            {
                "id": i,
                "version": 1,
                "adoption_id": e.adoption.id,
                **values,
                "created_at": at,
                "created_by_id": staff[0],
                "updated_at": None,
                "updated_by_id": None,
            }
        )
    sales = sorted(
        (s for s in p.w.sales if p.on(s.on) and s.testbed.id),
        key=lambda s: (s.on, s.testbed.id),
    )
    for i, s in enumerate(sales, 1):
        at = clock.office(s.on)
        values = {"kind": s.kind, "buyer": s.buyer, "amount_krw": s.amount_krw, "sold_on": s.on}
        log.add(at, staff, "sale.record", "sale", i, None, {"testbed_id": s.testbed.id, **values})
        p.tables["testbed_sales"].append(
            {
                "id": i,
                "version": 1,
                "testbed_id": s.testbed.id,
                **values,
                "created_at": at,
                "created_by_id": staff[0],
                "updated_at": None,
                "updated_by_id": None,
            }
        )
