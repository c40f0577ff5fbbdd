"""Accounts, organisations, experts and their ties as rows and events."""

from __future__ import annotations

from db import domain
from seed import bodies
from seed.audit import SYSTEM
from seed.constants import DEMO_ACCOUNTS, SETUP_DAY
from seed.project.core import Projection


def users(p: Projection) -> None:
    """The demo accounts (created in the set-up week by the system)."""
    city, bai = p.w.bodies[bodies.CITY.key], p.w.bodies[bodies.BAI.key]
    for i, acc in enumerate(DEMO_ACCOUNTS, 1):
        created = p.clock.at(SETUP_DAY, 10, i)
        p.tables["users"].append(
            {
                "id": i,
                "username": acc.username,
                "display_name": acc.display_name,
                "email": acc.email,
                "password_hash": p.password_hash,
                "is_active": p.active,
                "is_demo": True,
                "must_change_password": False,
                "auth_epoch": 0,
                "failed_attempts": 0,
                "first_failed_at": None,
                "next_attempt_at": None,
                "organization_id": (bai if "auditor" in acc.roles else city).id,
                "created_at": created,
                "password_changed_at": created if p.active else None,
            }
        )
        roles = sorted(acc.roles, key=domain.ROLES.index)
        for role in roles:
            p.tables["user_roles"].append({"user_id": i, "role": role})
        p.log.add(
            created,
            SYSTEM,
            "user.create",
            "user",
            i,
            None,
            {
                "username": acc.username,
                "display_name": acc.display_name,
                "email": acc.email,
                "roles": roles,
                "is_active": p.active,
                "must_change_password": False,
            },
        )
        p.actors[acc.username.split(".")[0]] = (i, acc.username)


def organizations(p: Projection) -> None:
    """Organisations that some record refers to, created on first use."""
    for o in p.orgs:
        assert o.first_use is not None
        at = p.clock.early(o.first_use)
        p.tables["organizations"].append(
            {
                "id": o.id,
                "name_ko": o.name_ko,
                "name_en": o.name_en,
                "kind": o.kind,
                "region": o.region,
                "is_local": o.is_local,
                "country": o.country,
                "created_at": at,
            }
        )
        who = SYSTEM if o.first_use <= SETUP_DAY else p.actor("staff")
        p.log.add(
            at,
            who,
            "organization.create",
            "organization",
            o.id,
            None,
            {
                "name_ko": o.name_ko,
                "name_en": o.name_en,
                "kind": o.kind,
                "region": o.region,
            },
        )


def experts(p: Projection) -> None:
    """Experts registered by ``until`` with their fields, and retirements."""
    experts, fields = p.tables["experts"], p.tables["expert_fields"]
    for e in p.w.experts:
        if not p.on(e.registered_on):
            break  # registration order: the rest came later
        at = p.clock.office(e.registered_on)
        retired = e.retired_on if p.on(e.retired_on) else None
        retired_at = p.clock.office(retired) if retired else None
        experts.append(
            {
                "id": e.id,
                "name": e.name,
                "name_en": e.name_en,
                "organization_id": e.org.id,
                "affiliation": e.affiliation,
                "position": e.position,
                "phone": e.phone,
                "email": e.email,
                "registered_on": e.registered_on,
                "retired_on": retired,
                "created_at": at,
                "updated_at": retired_at,
            }
        )
        for f in e.fields:
            fields.append({"expert_id": e.id, "field": f})
        who = p.actor(e.actor)
        p.log.add(
            at,
            who,
            "expert.register",
            "expert",
            e.id,
            None,
            {
                "name": e.name,
                "organization_id": e.org.id,
                "affiliation": e.affiliation,
                "fields": list(e.fields),
                "registered_on": e.registered_on,
            },
        )
        if retired and retired_at:
            p.log.add(
                retired_at,
                who,
                "expert.retire",
                "expert",
                e.id,
                {"retired_on": None},
                {"retired_on": retired},
            )


def ties(p: Projection) -> None:
    """Experts' declared ties, recorded late on the day they became known."""
    for t in p.ties:
        ended = t.ended_on if p.on(t.ended_on) else None
        p.tables["expert_ties"].append(
            {
                "id": t.id,
                "expert_id": t.expert.id,
                "organization_id": t.org.id,
                "kind": t.kind,
                "started_on": t.started_on,
                "ended_on": ended,
                "note": t.note,
            }
        )
        p.log.add(
            p.clock.late(t.recorded_on),
            p.actor(t.expert.actor),
            "expert_tie.record",
            "expert_tie",
            t.id,
            None,
            {
                "expert_id": t.expert.id,
                "organization_id": t.org.id,
                "kind": t.kind,
                "started_on": t.started_on,
                "ended_on": t.ended_on,
            },
        )
