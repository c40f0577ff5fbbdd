"""Agreements with partners and inquiries from other bodies, as rows and events."""

from __future__ import annotations

import datetime as dt

from seed.audit import SYSTEM
from seed.project.core import Projection


def agreements(p: Projection) -> None:
    """Agreements: planned, signed, started, expired (status as the KPI query counts it)."""
    staff = p.actor("staff")
    for a in p.agreements:
        signed = p.on(a.signed_on)
        starts, ends = (a.starts_on, a.ends_on) if signed else (None, None)
        if ends is not None and ends < p.until:
            status = "expired"
        elif starts is not None and starts <= p.until:
            status = "active"
        else:
            status = "signed" if signed else "planned"
        p.tables["agreements"].append(
            {
                "id": a.id,
                "partner_org_id": a.partner.id,
                "kind": a.kind,
                "title_ko": a.title_ko,
                "title_en": a.title_en,
                "scope": a.scope,
                "status": status,
                "planned_on": a.planned_on,
                "signed_on": a.signed_on if signed else None,
                "starts_on": starts,
                "ends_on": ends,
            }
        )
        log = p.log
        log.add(
            p.clock.office(a.planned_on),
            staff,
            "agreement.plan",
            "agreement",
            a.id,
            None,
            {
                "partner_org_id": a.partner.id,
                "kind": a.kind,
                "title_ko": a.title_ko,
                "status": "planned",
            },
        )
        if not signed or a.signed_on is None or starts is None or ends is None:
            continue
        signed_at = p.clock.office(a.signed_on)
        log.add(
            signed_at,
            staff,
            "agreement.sign",
            "agreement",
            a.id,
            {"status": "planned"},
            {
                "status": "signed",
                "signed_on": a.signed_on,
                "starts_on": starts,
                "ends_on": ends,
            },
        )
        if p.on(starts):
            at = (
                signed_at + dt.timedelta(minutes=1)
                if starts == a.signed_on
                else p.clock.at(starts, 9)
            )
            log.add(
                at,
                SYSTEM,
                "agreement.start",
                "agreement",
                a.id,
                {"status": "signed"},
                {"status": "active"},
            )
        expiry = ends + dt.timedelta(days=1)
        if expiry <= p.until:
            log.add(
                p.clock.at(expiry, 9),
                SYSTEM,
                "agreement.expire",
                "agreement",
                a.id,
                {"status": "active"},
                {"status": "expired"},
            )


def inquiries(p: Projection) -> None:
    """Inquiries and their follow-ups (logged by the second staff member)."""
    on, clock, log = p.on, p.clock, p.log
    who = p.actor("staff2")
    followup_rows = []
    for q in p.inquiries:
        at = clock.office(q.received_on)
        log.add(
            at,
            who,
            "inquiry.receive",
            "inquiry",
            q.id,
            None,
            {
                "org_id": q.org.id,
                "channel": q.channel,
                "topic": q.topic,
                "status": "received",
            },
        )
        status = "received"
        for day, new, action in (
            (q.answered_on, "answered", "inquiry.answer"),
            (q.visit_on, "visit_held", "inquiry.hold_visit"),
            (q.benchmarked_on, "benchmarked", "inquiry.benchmark"),
        ):
            if day is not None and on(day):
                log.add(
                    clock.office(day),
                    who,
                    action,
                    "inquiry",
                    q.id,
                    {"status": status},
                    {"status": new, f"{new}_on" if new != "visit_held" else "visit_on": day},
                )
                status = new
        p.tables["inquiries"].append(
            {
                "id": q.id,
                "org_id": q.org.id,
                "received_on": q.received_on,
                "channel": q.channel,
                "topic": q.topic,
                "contact_name": q.contact_name,
                "status": status,
                "answered_on": q.answered_on if on(q.answered_on) else None,
                "visit_on": q.visit_on if on(q.visit_on) else None,
                "benchmarked_on": q.benchmarked_on if on(q.benchmarked_on) else None,
                "note": q.note if on(q.visit_on) else None,
            }
        )
        for day, note in q.followups:
            if on(day):
                followup_rows.append((day, q.id, note))
    for i, (day, qid, note) in enumerate(sorted(followup_rows), 1):
        p.tables["inquiry_followups"].append(
            {"id": i, "inquiry_id": qid, "followed_on": day, "note": note}
        )
        log.add(
            clock.late(day),
            who,
            "inquiry_followup.record",
            "inquiry_followup",
            i,
            None,
            {"inquiry_id": qid, "followed_on": day, "note": note},
        )
