"""Technologies, adoptions and testbeds: their status on ``until`` and one event per
transition that had happened by then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from seed.audit import SYSTEM
from seed.model import Tech, Testbed
from seed.project import outcomes
from seed.project.core import Projection


def technologies(p: Projection) -> None:
    """Technologies submitted by ``until``, each with its transitions."""
    for t in p.techs:
        _technology(p, t)


def _technology(p: Projection, t: Tech) -> None:
    on, clock, log = p.on, p.clock, p.log
    who = p.actor(t.actor)
    at = clock.office(t.submitted_on)
    p.tech_submitted[t.seq] = at
    log.add(
        at,
        who,
        "technology.submit",
        "technology",
        t.id,
        None,
        {
            "reg_no": t.reg_no,
            "title_ko": t.title_ko,
            "owner_org_id": t.owner.id,
            "field": t.field,
            "status": "submitted",
        },
    )
    status, last_at, last_who = "submitted", at, who
    for day, new, action in (
        (t.screening_on, "screening", "technology.screen"),
        (t.review_on, "under_review", "technology.review"),
    ):
        if on(day):
            assert day is not None
            last_at = clock.office(day)
            log.add(last_at, who, action, "technology", t.id, {"status": status}, {"status": new})
            status = new
    decided = on(t.decided_on)
    if decided:
        new = "registered" if t.registered else "rejected"
        last_at, code, reason = p.tech_decision[t.seq]
        last_who = p.actor("staff")
        log.add(
            last_at,
            last_who,
            f"technology.{'register' if t.registered else 'reject'}",
            "technology",
            t.id,
            {"status": status},
            {"status": new, f"{new}_on": t.decided_on, "meeting_code": code},
            reason,
        )
        status = new
    certification = t.certification
    if t.cert_change is not None and on(t.cert_change[0]):
        day, cert = t.cert_change
        last_at, last_who = clock.late(day), p.actor("staff")
        log.add(
            last_at,
            last_who,
            "technology.certify",
            "technology",
            t.id,
            {"certification": certification},
            {"certification": cert},
        )
        certification = cert
    ended = t.ended_on if decided and t.registered and on(t.ended_on) else None
    if ended is not None and t.end_kind is not None:
        system = t.end_kind == "expired"
        last_at = clock.at(ended, 9) if system else clock.office(ended)
        last_who = SYSTEM if system else p.actor("staff")
        verb = "expire" if system else "withdraw"
        log.add(
            last_at,
            last_who,
            f"technology.{verb}",
            "technology",
            t.id,
            {"status": "registered"},
            {"status": t.end_kind, "ended_on": ended},
        )
        status = t.end_kind
    p.tables["technologies"].append(
        {
            "id": t.id,
            "reg_no": t.reg_no,
            "title_ko": t.title_ko,
            "title_en": t.title_en,
            "summary": t.summary,
            "owner_org_id": t.owner.id,
            "is_local": t.owner.is_local,
            "field": t.field,
            "growth_sector": t.sector,
            "certification": certification,
            "status": status,
            "submitted_on": t.submitted_on,
            "screening_on": t.screening_on if on(t.screening_on) else None,
            "review_on": t.review_on if on(t.review_on) else None,
            "registered_on": t.decided_on if decided and t.registered else None,
            "rejected_on": t.decided_on if decided and not t.registered else None,
            "ended_on": ended,
            "created_by_id": who[0],
            "updated_at": last_at,
            "updated_by_id": last_who[0],
        }
    )


def adoptions(p: Projection) -> None:
    """Adoption proposals: proposed, put on an agenda, decided by the approver."""
    on, clock, log = p.on, p.clock, p.log
    approver = p.actor("approver")
    for a in p.adoptions:
        who = p.actor(a.proposer)
        at = clock.office(a.proposed_on)
        log.add(
            at,
            who,
            "adoption.propose",
            "adoption",
            a.id,
            None,
            {
                "technology_id": a.tech.id,
                "project_name": a.project_name,
                "department": a.department,
                "budget_krw": a.budget_krw,
                "year": a.year,
                "status": "proposed",
            },
            a.justification,
        )
        status, last_at, last_who = "proposed", at, who
        agreement_id = a.agreement.id if a.agreement and a.agreement.id else None
        if agreement_id is not None:  # staff record the agreement it came under that evening
            log.add(
                clock.at(a.proposed_on, 17, 45),
                p.actor("staff"),
                "adoption.link_agreement",
                "adoption",
                a.id,
                {"agreement_id": None},
                {"agreement_id": agreement_id},
            )
        review = a.review_on if on(a.review_on) else None
        if review is not None:
            last_at, code = p.adoption_review[a.seq]
            last_who = p.actor("staff")
            log.add(
                last_at,
                last_who,
                "adoption.review",
                "adoption",
                a.id,
                {"status": status},
                {"status": "under_review", "meeting_code": code},
            )
            status = "under_review"
        decided = on(a.decided_on)
        decided_at = None
        if decided:
            status = "approved" if a.approved else "rejected"
            decided_at = last_at = clock.office(a.decided_on)  # type: ignore[arg-type]
            last_who = approver
            log.add(
                decided_at,
                approver,
                f"adoption.{'approve' if a.approved else 'reject'}",
                "adoption",
                a.id,
                {"status": "under_review"},
                {
                    "status": status,
                    f"{status}_on": a.decided_on,
                },
                a.comment,
            )
        p.tables["adoptions"].append(
            {
                "id": a.id,
                "technology_id": a.tech.id,
                "project_name": a.project_name,
                "department": a.department,
                "budget_krw": a.budget_krw,
                "year": a.year,
                "justification": a.justification,
                "agreement_id": agreement_id,
                "status": status,
                "proposed_on": a.proposed_on,
                "proposed_by_id": who[0],
                "review_on": review,
                "approved_on": a.decided_on if decided and a.approved else None,
                "rejected_on": a.decided_on if decided and not a.approved else None,
                "decided_by_id": approver[0] if decided else None,
                "decided_at": decided_at,
                "decision_comment": a.comment if decided else None,
                "updated_at": last_at,
                "updated_by_id": last_who[0],
            }
        )


def testbeds(p: Projection) -> None:
    """Testbeds: the four of 2018 imported at go-live, later ones from application."""
    for t in p.testbeds:
        _testbed(p, t)


def _testbed(p: Projection, t: Testbed) -> None:
    on, clock, log = p.on, p.clock, p.log
    staff = p.actor("staff")
    steps = [
        (t.selected_on, "selected", "testbed.select"),
        (t.rejected_on, "rejected", "testbed.reject"),
        (t.started_on, "in_progress", "testbed.start"),
        (t.completed_on, "completed", "testbed.complete"),
        (t.certified_on, "certified", "testbed.certify"),
    ]
    status = "applied"
    if t.imported_on is not None:
        state: dict[str, Any] = {
            "technology_id": t.tech.id,
            "site": t.site,
            "applied_on": t.applied_on,
        }
        for day, new, _ in steps:
            if day is not None and day <= t.imported_on:
                status = new
                state["started_on" if new == "in_progress" else f"{new}_on"] = day
        state["status"] = status
        last_at, last_who = p.clock.late(t.imported_on), p.actor("admin")
        log.add(
            last_at,
            last_who,
            "testbed.import",
            "testbed",
            t.id,
            None,
            state,
            "2018년 테스트베드 사업(플랫폼 개통 이전) 이관",
        )
        since = t.imported_on
    else:
        last_at = p.tech_submitted[t.tech.seq] + dt.timedelta(minutes=2)
        last_who = staff
        log.add(
            last_at,
            staff,
            "testbed.apply",
            "testbed",
            t.id,
            None,
            {
                "technology_id": t.tech.id,
                "site": t.site,
                "status": "applied",
                "applied_on": t.applied_on,
            },
        )
        since = t.applied_on
    for day, new, action in steps:
        if day is None or not on(day) or day <= since:
            continue
        if action in ("testbed.select", "testbed.reject"):
            at = p.testbed_decision[t.seq]
        else:
            at = clock.office(day)
        extra = {"certification": t.certification} if new == "certified" else {}
        log.add(
            at,
            staff,
            action,
            "testbed",
            t.id,
            {"status": status},
            {
                "status": new,
                f"{new}_on" if new != "in_progress" else "started_on": day,
                **extra,
            },
        )
        status, last_at, last_who = new, at, staff
    p.tables["testbeds"].append(
        {
            "id": t.id,
            "technology_id": t.tech.id,
            "site": t.site,
            "agreement_id": t.agreement.id if t.agreement and t.agreement.id else None,
            "status": status,
            "applied_on": t.applied_on,
            "selected_on": t.selected_on if on(t.selected_on) else None,
            "rejected_on": t.rejected_on if on(t.rejected_on) else None,
            "started_on": t.started_on if on(t.started_on) else None,
            "completed_on": t.completed_on if on(t.completed_on) else None,
            "certified_on": t.certified_on if on(t.certified_on) else None,
            "certification": t.certification if on(t.certified_on) else None,
            **outcomes.testbed_details(p, t),
            "updated_at": last_at,
            "updated_by_id": last_who[0],
        }
    )
