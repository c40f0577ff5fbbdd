# Over 500 lines on purpose: the work queue's sections and the choices of its forms share the
# technology columns and the 'not yet proposed' queries; the decision screen is in screen.py.
"""Reads of the workflow: the staff work queue and what waits for an approver (one item on
one screen: :mod:`db.approvals.screen`).

All results are specific to the acting user (their own proposals, what they may decide), so
the UI reads them uncached (``components.data.read``). Codes stay codes and names come in
both languages (``*_ko``/``*_en``); the UI labels them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import String, and_, cast, exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from db import clock, domain, policy
from db.adoptions import writes as adoptions
from db.approvals import proposals
from db.city.store import with_attribute
from db.models import (
    Adoption,
    AgendaItem,
    Meeting,
    Organization,
    Proposal,
    Technology,
    Testbed,
    User,
)
from db.policy import APPROVERS, STAFF, Actor

QUEUE_SECTIONS = ("to_screen", "to_propose", "awaiting_meeting", "my_proposals")
OPEN_ADOPTION = ("proposed", "under_review", "approved")
TERMINAL_TESTBED = domain.final_statuses("testbed")


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _names(session: Session) -> dict[int, str]:
    return {
        int(uid): str(name)
        for uid, name in session.execute(select(User.id, User.display_name)).all()
    }


# --- Staff: the work queue --------------------------------------------------------------


@dataclass(frozen=True)
class WorkQueue:
    """The staff work queue, one DataFrame per section (:data:`QUEUE_SECTIONS`)."""

    to_screen: pd.DataFrame
    to_propose: pd.DataFrame
    awaiting_meeting: pd.DataFrame
    my_proposals: pd.DataFrame


@dataclass(frozen=True)
class QueueCounts:
    """How many rows each :class:`WorkQueue` section has in all, and ``my_open``: how many
    of the actor's proposals are still open."""

    to_screen: int
    to_propose: int
    awaiting_meeting: int
    my_proposals: int
    my_open: int


def work_queue(*, session: Session, actor: Actor, limit: int | None = None) -> WorkQueue:
    """The staff work queue, one DataFrame per section (:class:`WorkQueue`):

    - ``to_screen``: submissions to screen and screenings to send to review (id, reg_no,
      title_ko, title_en, owner_ko, owner_en, field, status, since, next_status);
    - ``to_propose``: registered technologies with no adoption proposed, under review or
      approved (id, reg_no, titles, owners, is_local, field, growth_sector, registered_on);
    - ``awaiting_meeting``: technologies under review, adoptions proposed and testbed
      applications, none decided by a meeting yet (kind, id, reg_no, titles, subject,
      status, since, meeting: code of a scheduled meeting that has it on its agenda);
    - ``my_proposals``: the actor's adoption proposals and step proposals, open first
      (key, kind, id, reg_no, titles, subject, from_status, to_status, status, proposed_on,
      decided_by, decided_at, comment).

    With ``limit``, each section holds at most its first ``limit`` rows (cut in SQL);
    :func:`queue_counts` gives the full counts.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    return WorkQueue(
        to_screen=_to_screen(session, limit),
        to_propose=_to_propose(session, limit),
        awaiting_meeting=_awaiting_meeting(session, limit),
        my_proposals=_my_proposals(session, actor, limit),
    )


def _count(session: Session, query: Any) -> int:
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def queue_counts(
    *, session: Session, actor: Actor, shared: Callable[[], dict[str, int]] | None = None
) -> QueueCounts:
    """How many rows each :func:`work_queue` section has in all, and how many of the
    actor's proposals are still open (:class:`QueueCounts`). Counted in SQL.

    ``shared``: where to take the counts that are the same for every user
    (:func:`shared_queue_counts`) from, e.g. ``db.summaries.queue_counts`` (stored once per
    data version); asked only after the role check. The actor's own counts are read live.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    common = shared() if shared is not None else shared_queue_counts(session)
    mine = opened = 0
    if actor.id is not None:
        a = Adoption
        adopt = select(a.id).where(a.proposed_by_id == actor.id)
        steps = select(Proposal.id).where(Proposal.proposed_by_id == actor.id)
        mine = _count(session, adopt) + _count(session, steps)
        opened = _count(session, adopt.where(a.status.in_(("proposed", "under_review")))) + _count(
            session, steps.where(Proposal.status == "pending")
        )
    return QueueCounts(
        to_screen=common["to_screen"],
        to_propose=common["to_propose"],
        awaiting_meeting=common["awaiting_meeting"],
        my_proposals=mine,
        my_open=opened,
    )


def shared_queue_counts(session: Session) -> dict[str, int]:
    """The counts of the sections that are the same for every user: ``to_screen``,
    ``to_propose`` and ``awaiting_meeting``. No role check: callers check it first
    (:func:`queue_counts`)."""
    return {
        "to_screen": _count(session, _to_screen_query()),
        # the technologies' ids alone (every technology has its owner): no join, no columns
        "to_propose": _count(session, select(Technology.id).where(_unproposed())),
        "awaiting_meeting": sum(_count(session, q) for q in _awaiting_queries(session)[0]),
    }


def _tech_columns() -> tuple[Any, ...]:
    return (
        Technology.id,
        Technology.reg_no,
        Technology.title_ko,
        Technology.title_en,
        Organization.name_ko.label("owner_ko"),
        Organization.name_en.label("owner_en"),
    )


def _to_screen_query(statuses: tuple[str, ...] = ("submitted", "screening")) -> Any:
    t = Technology
    return (
        select(*_tech_columns(), t.field, t.status, t.submitted_on, t.screening_on)
        .join(Organization, Organization.id == t.owner_org_id)
        .where(t.status.in_(statuses))
        .order_by(t.submitted_on, t.id)
    )


def _to_screen(session: Session, limit: int | None = None) -> pd.DataFrame:
    if limit is None:
        rows = list(session.execute(_to_screen_query()).all())
    else:
        # One query per status (a range of a status index each), merged here: with
        # ``status IN (...)`` PostgreSQL walked the whole submitted_on index (95k rows at
        # scale 100, 25 ms) filtering on status, to avoid sorting 1.8k rows.
        rows = []
        for status in ("submitted", "screening"):
            rows += session.execute(_to_screen_query((status,)).limit(limit)).all()
        rows = sorted(rows, key=lambda r: (r.submitted_on, r.id))[:limit]
    out = [
        {
            **{k: getattr(r, k) for k in ("id", "reg_no", "title_ko", "title_en")},
            "owner_ko": r.owner_ko,
            "owner_en": r.owner_en,
            "field": r.field,
            "status": r.status,
            "since": r.screening_on if r.status == "screening" else r.submitted_on,
            "next_status": domain.TECH_TRANSITIONS[r.status][0],
        }
        for r in rows
    ]
    columns = [
        "id", "reg_no", "title_ko", "title_en", "owner_ko", "owner_en", "field", "status",
        "since", "next_status",
    ]  # fmt: skip
    return _frame(out, columns)


def _unproposed() -> Any:
    """Registered technologies with no adoption proposed, under review or approved."""
    t = Technology
    has_adoption = exists().where(
        Adoption.technology_id == t.id, Adoption.status.in_(OPEN_ADOPTION)
    )
    return and_(t.status == "registered", ~has_adoption)


def _to_propose_query() -> Any:
    t = Technology
    return (
        select(*_tech_columns(), t.is_local, t.field, t.growth_sector, t.registered_on)
        .join(Organization, Organization.id == t.owner_org_id)
        .where(_unproposed())
        .order_by(t.registered_on.desc(), t.id.desc())
    )


def _to_propose(session: Session, limit: int | None = None) -> pd.DataFrame:
    query = _to_propose_query()
    rows = session.execute(query.limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def _scheduled_items(session: Session) -> dict[str, dict[int, str]]:
    """``{kind: {record id: meeting code}}`` of pending agenda items of scheduled meetings,
    in one query that starts from the (few) scheduled meetings: at scale 100 a join from
    the agenda items read all 137k of them, three times."""
    scheduled = select(Meeting.id).where(Meeting.status == "scheduled")
    rows = session.execute(
        select(
            AgendaItem.technology_id, AgendaItem.adoption_id, AgendaItem.testbed_id, Meeting.code
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.meeting_id.in_(scheduled), AgendaItem.decision == "pending")
    ).all()
    out: dict[str, dict[int, str]] = {"technology": {}, "adoption": {}, "testbed": {}}
    for r in rows:
        for kind, record_id in zip(out, r[:3], strict=True):
            if record_id is not None:
                out[kind][int(record_id)] = str(r.code)
    return out


def _awaiting_queries(session: Session) -> tuple[tuple[Any, Any, Any], dict[str, dict[int, str]]]:
    """The three queries of the ``awaiting_meeting`` section (technologies, adoptions,
    testbeds), and ``{kind: {id: meeting code}}`` of the scheduled agendas."""
    t = Technology
    on_agenda = _scheduled_items(session)
    techs = (
        select(t.id, t.reg_no, t.title_ko, t.title_en, t.status, t.review_on)
        .where(t.status == "under_review")
        .order_by(t.review_on, t.id)
    )
    a = Adoption
    reviewed = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.adoption_id == a.id,
            Meeting.status.in_(("held", "closed")),
            AgendaItem.decision != "pending",
        )
        .exists()
    )
    waiting = or_(~reviewed, a.id.in_(list(on_agenda["adoption"])))
    # Proposed ones, and those under review (on an agenda) that wait for a meeting's decision.
    adopts = (
        select(a.id, t.reg_no, t.title_ko, t.title_en, a.project_name, a.status, a.proposed_on)
        .join(t, t.id == a.technology_id)
        .where(or_(a.status == "proposed", and_(a.status == "under_review", waiting)))
        .order_by(a.proposed_on, a.id)
    )
    decided = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.testbed_id == Testbed.id,
            Meeting.status.in_(("held", "closed")),
            AgendaItem.decision != "pending",
        )
        .exists()
    )
    testbeds = (
        select(Testbed.id, t.reg_no, t.title_ko, t.title_en, Testbed.site, Testbed.status)
        .add_columns(Testbed.applied_on)
        .join(t, t.id == Testbed.technology_id)
        .where(Testbed.status == "applied", ~decided)
        .order_by(Testbed.applied_on, Testbed.id)
    )
    return (techs, adopts, testbeds), on_agenda


def _awaiting_meeting(session: Session, limit: int | None = None) -> pd.DataFrame:
    (techs, adopts, testbeds), on_agenda = _awaiting_queries(session)
    out: list[dict[str, Any]] = []
    # kind, query, the row's subject column (None: the technology itself), its "since" date
    sections = (
        ("technology", techs, None, "review_on"),
        ("adoption", adopts, "project_name", "proposed_on"),
        ("testbed", testbeds, "site", "applied_on"),
    )
    for kind, query, subject, since in sections:
        left = None if limit is None else limit - len(out)
        if left == 0:
            break
        for r in session.execute(query.limit(left)).all():
            out.append(
                {
                    "kind": kind,
                    "id": r.id,
                    "reg_no": r.reg_no,
                    "title_ko": r.title_ko,
                    "title_en": r.title_en,
                    "subject": getattr(r, subject) if subject else None,
                    "status": r.status,
                    "since": getattr(r, since),
                    "meeting": on_agenda[kind].get(r.id),
                }
            )
    columns = [
        "kind", "id", "reg_no", "title_ko", "title_en", "subject", "status", "since", "meeting",
    ]  # fmt: skip
    return _frame(out, columns)


def _step_subjects(session: Session, rows: list[Any]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """``{(entity, id): (reg_no, title_ko, title_en, site)}`` for proposal rows."""
    tb_ids = [r.entity_id for r in rows if r.entity == "testbed"]
    tech_ids = [r.entity_id for r in rows if r.entity == "technology"]
    out: dict[tuple[str, int], tuple[Any, ...]] = {}
    t = Technology
    if tb_ids:
        for r in session.execute(
            select(Testbed.id, t.reg_no, t.title_ko, t.title_en, Testbed.site)
            .join(t, t.id == Testbed.technology_id)
            .where(Testbed.id.in_(tb_ids))
        ).all():
            out[("testbed", r.id)] = (r.reg_no, r.title_ko, r.title_en, r.site)
    if tech_ids:
        for tr in session.execute(
            select(t.id, t.reg_no, t.title_ko, t.title_en).where(t.id.in_(tech_ids))
        ).all():
            out[("technology", tr.id)] = (tr.reg_no, tr.title_ko, tr.title_en, None)
    return out


MY_COLUMNS = [
    "key", "kind", "id", "reg_no", "title_ko", "title_en", "subject", "from_status",
    "to_status", "status", "open", "proposed_on", "decided_by", "decided_at", "comment",
]  # fmt: skip


def _my_proposals(session: Session, actor: Actor, limit: int | None = None) -> pd.DataFrame:
    if actor.id is None:
        return _frame([], MY_COLUMNS)
    names = _names(session)
    a, t = Adoption, Technology
    mine_a = a.proposed_by_id == actor.id
    mine_p = Proposal.proposed_by_id == actor.id
    if limit is not None:
        # Sort only the keys, then read the first ``limit`` in full. Adoptions (thousands per
        # official at scale 100) are cut in SQL: the newest ``limit`` of each status, by the
        # same key as below (newest first, then the key "adoption:<id>" as text), each a
        # range of ``ix_adoptions_proposed_by`` (proposed_by_id, status, proposed_on) read
        # from its newest end; the first ``limit`` of all are among them. (One ORDER BY over
        # all of them sorted every one of the official's adoptions: 14k at scale 100.)
        streams = [
            select(a.id, a.status, a.proposed_on)
            .where(mine_a, a.status == status)
            .order_by(a.proposed_on.desc(), cast(a.id, String))
            .limit(limit)
            .subquery()
            for status in domain.ADOPTION_STATUSES
        ]
        newest = union_all(*(select(x.c.id, x.c.status, x.c.proposed_on) for x in streams))
        order: list[tuple[bool, int, str, str, int]] = [
            (
                r.status not in ("proposed", "under_review"),
                -r.proposed_on.toordinal(),
                f"adoption:{r.id}",
                "a",
                r.id,
            )
            for r in session.execute(newest)
        ]
        order += [
            (
                r.status != "pending",
                -clock.city_date(r.proposed_at).toordinal(),
                f"proposal:{r.id}",
                "p",
                r.id,
            )
            for r in session.execute(
                select(Proposal.id, Proposal.status, Proposal.proposed_at).where(mine_p)
            )
        ]
        first = sorted(order)[:limit]
        mine_a = and_(mine_a, a.id.in_([k[4] for k in first if k[3] == "a"]))
        mine_p = and_(mine_p, Proposal.id.in_([k[4] for k in first if k[3] == "p"]))
    out: list[dict[str, Any]] = []
    for r in session.execute(
        select(
            a.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            a.project_name,
            a.status,
            a.proposed_on,
            a.decided_by_id,
            a.decided_at,
            a.decision_comment,
        )
        .join(t, t.id == a.technology_id)
        .where(mine_a)
    ).all():
        out.append(
            {
                "key": f"adoption:{r.id}",
                "kind": "adoption",
                "id": r.id,
                "reg_no": r.reg_no,
                "title_ko": r.title_ko,
                "title_en": r.title_en,
                "subject": r.project_name,
                "from_status": None,
                "to_status": None,
                "status": r.status,
                "open": r.status in ("proposed", "under_review"),
                "proposed_on": r.proposed_on,
                "decided_by": names.get(r.decided_by_id) if r.decided_by_id else None,
                "decided_at": clock.as_utc(r.decided_at) if r.decided_at else None,
                "comment": r.decision_comment,
            }
        )
    steps = session.execute(select(Proposal).where(mine_p)).scalars()
    step_rows = list(steps)
    subjects = _step_subjects(session, step_rows)
    for p in step_rows:
        reg_no, title_ko, title_en, site = subjects.get((p.entity, p.entity_id), (None,) * 4)
        out.append(
            {
                "key": f"proposal:{p.id}",
                "kind": f"{p.entity}_step",
                "id": p.id,
                "reg_no": reg_no,
                "title_ko": title_ko,
                "title_en": title_en,
                "subject": site,
                "from_status": p.from_status,
                "to_status": p.to_status,
                "status": p.status,
                "open": p.status == "pending",
                "proposed_on": clock.city_date(p.proposed_at),
                "decided_by": names.get(p.decided_by_id) if p.decided_by_id else None,
                "decided_at": clock.as_utc(p.decided_at) if p.decided_at else None,
                "comment": p.decision_comment,
            }
        )
    out.sort(key=lambda r: (not r["open"], -r["proposed_on"].toordinal(), r["key"]))
    return _frame(out if limit is None else out[:limit], MY_COLUMNS)


def _like(search: str) -> str:
    """A case-insensitive ``LIKE`` pattern for ``search`` (its ``%``/``_`` taken literally)."""
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def technology_choices(
    *,
    session: Session,
    actor: Actor,
    statuses: tuple[str, ...],
    search: str = "",
    limit: int | None = None,
) -> pd.DataFrame:
    """Technologies in ``statuses`` for a form's choice list (id, reg_no, title_ko,
    title_en, status), newest first; only those whose registration number or a title
    contains ``search`` (when given), at most ``limit``.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    t = Technology
    query = (
        select(t.id, t.reg_no, t.title_ko, t.title_en, t.status)
        .where(t.status.in_(statuses))
        .order_by(t.submitted_on.desc(), t.id.desc())
    )
    if search.strip():
        pattern = _like(search)
        query = query.where(
            or_(
                t.reg_no.ilike(pattern, escape="\\"),
                t.title_ko.ilike(pattern, escape="\\"),
                t.title_en.ilike(pattern, escape="\\"),
            )
        )
    rows = session.execute(query.limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def owner_choices(
    *, session: Session, actor: Actor, search: str = "", limit: int | None = None
) -> pd.DataFrame:
    """Organizations that may own a technology (of a kind with ``owns_technologies`` in the
    city's profile: id, name_ko, name_en, kind, is_local), by name; only those whose name
    contains ``search`` (when given), at most ``limit``.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    o = Organization
    query = (
        select(o.id, o.name_ko, o.name_en, o.kind, o.is_local)
        .where(o.kind.in_(with_attribute(session, "organisation_kinds", "owns_technologies")))
        .order_by(o.name_ko, o.id)
    )
    if search.strip():
        pattern = _like(search)
        query = query.where(
            or_(o.name_ko.ilike(pattern, escape="\\"), o.name_en.ilike(pattern, escape="\\"))
        )
    rows = session.execute(query.limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def testbed_choices(
    *, session: Session, actor: Actor, search: str = "", limit: int | None = None
) -> pd.DataFrame:
    """Testbeds that can take a next step and have no open proposal (id, reg_no,
    title_ko, title_en, site, status, started_on, next_statuses); only those whose
    technology's registration number or title, or site, contains ``search`` (when given),
    at most ``limit``.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    t = Technology
    open_step = exists().where(
        Proposal.entity == "testbed", Proposal.entity_id == Testbed.id, Proposal.status == "pending"
    )
    query = (
        select(
            Testbed.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            Testbed.site,
            Testbed.status,
            Testbed.started_on,
        )
        .join(t, t.id == Testbed.technology_id)
        .where(Testbed.status.not_in(TERMINAL_TESTBED), ~open_step)
        .order_by(Testbed.id)
    )
    if search.strip():
        pattern = _like(search)
        query = query.where(
            or_(
                t.reg_no.ilike(pattern, escape="\\"),
                t.title_ko.ilike(pattern, escape="\\"),
                t.title_en.ilike(pattern, escape="\\"),
                Testbed.site.ilike(pattern, escape="\\"),
            )
        )
    rows = session.execute(query.limit(limit)).all()
    out = [{**r._asdict(), "next_statuses": domain.TESTBED_TRANSITIONS[r.status]} for r in rows]
    columns = [
        "id", "reg_no", "title_ko", "title_en", "site", "status", "started_on", "next_statuses",
    ]  # fmt: skip
    return _frame(out, columns)


# --- Approver: pending decisions and the decision screen --------------------------------

PENDING_COLUMNS = [
    "key", "kind", "item_id", "reg_no", "title_ko", "title_en", "subject", "department",
    "budget_krw", "from_status", "to_status", "proposed_by", "proposed_on", "recommended",
    "can_decide", "can_approve", "excluded_reason", "approve_blocked", "blocked_params",
]  # fmt: skip


def pending_decisions(
    *, session: Session, actor: Actor, include_excluded: bool = False
) -> pd.DataFrame:
    """What waits for an approver's decision: adoptions under review and open step
    proposals, oldest first (columns :data:`PENDING_COLUMNS`).

    Items the actor may not decide at all (their own proposals) are left out, or with
    ``include_excluded`` listed with ``can_decide`` False and ``excluded_reason`` (a message
    template). ``can_approve``/``approve_blocked`` say whether approval is possible now and
    why not (a message template, its parameters in ``blocked_params``): four eyes
    (:func:`db.policy.approval_refusals`: proposed, edited by the actor, or they ran the
    meeting that recommended it), or no or a stale meeting recommendation.

    :raise PermissionDenied: the actor is not an approver.
    """
    policy.require_role(actor, APPROVERS, "workflow.pending", "workflow")
    names = _names(session)
    out: list[dict[str, Any]] = []
    a, t = Adoption, Technology
    under_review = session.execute(
        select(
            a.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            a.project_name,
            a.department,
            a.budget_krw,
            a.proposed_by_id,
            a.proposed_on,
        )
        .join(t, t.id == a.technology_id)
        .where(a.status == "under_review")
        .order_by(a.proposed_on, a.id)
    ).all()
    ids = [int(r.id) for r in under_review]
    recs = adoptions.recommendations(session, ids)  # one query per kind, not per item
    items = [adoptions.pending(int(r.id), r.proposed_by_id, recs[int(r.id)]) for r in under_review]
    refusals = policy.approval_refusals(session, actor, items)
    for r, item in zip(under_review, items, strict=True):
        rec = recs[item.id]
        own = policy.decision_refusal(actor, item)
        refusal = refusals[item.key]
        blocked, params = (refusal.notice, refusal.kwargs) if refusal else (rec.problem, None)
        out.append(
            {
                "key": item.key,
                "kind": "adoption",
                "item_id": r.id,
                "reg_no": r.reg_no,
                "title_ko": r.title_ko,
                "title_en": r.title_en,
                "subject": r.project_name,
                "department": r.department,
                "budget_krw": r.budget_krw,
                "from_status": "under_review",
                "to_status": "approved",
                "proposed_by": names.get(r.proposed_by_id, ""),
                "proposed_on": r.proposed_on,
                "recommended": rec.recommended,
                "can_decide": own is None,
                "can_approve": blocked is None,
                "excluded_reason": own.notice if own else None,
                "approve_blocked": blocked,
                "blocked_params": params,
            }
        )
    steps = list(
        session.execute(
            select(Proposal).where(Proposal.status == "pending").order_by(Proposal.proposed_at)
        ).scalars()
    )
    subjects = _step_subjects(session, steps)
    step_items = proposals.pending_items(session, steps)
    step_refusals = policy.approval_refusals(session, actor, list(step_items.values()))
    for p in steps:
        own = policy.decision_refusal(actor, step_items[p.id])
        refusal = step_refusals[f"proposal:{p.id}"]
        reg_no, title_ko, title_en, site = subjects.get((p.entity, p.entity_id), (None,) * 4)
        out.append(
            {
                "key": f"proposal:{p.id}",
                "kind": f"{p.entity}_step",
                "item_id": p.id,
                "reg_no": reg_no,
                "title_ko": title_ko,
                "title_en": title_en,
                "subject": site,
                "department": None,
                "budget_krw": None,
                "from_status": p.from_status,
                "to_status": p.to_status,
                "proposed_by": names.get(p.proposed_by_id, ""),
                "proposed_on": clock.city_date(p.proposed_at),
                "recommended": None,
                "can_decide": own is None,
                "can_approve": refusal is None,
                "excluded_reason": own.notice if own else None,
                "approve_blocked": refusal.notice if refusal else None,
                "blocked_params": refusal.kwargs if refusal else None,
            }
        )
    if not include_excluded:
        out = [r for r in out if r["can_decide"]]
    return _frame(out, PENDING_COLUMNS)


def organization_choices(*, session: Session, actor: Actor) -> pd.DataFrame:
    """Every organization for a form's choice list (id, name_ko, name_en, kind), by name.

    :raise PermissionDenied: the actor is not staff.
    """
    policy.require_role(actor, STAFF, "workflow.queue", "workflow")
    o = Organization
    query = select(o.id, o.name_ko, o.name_en, o.kind).order_by(o.name_ko, o.id)
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))
