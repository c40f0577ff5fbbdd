"""Who may do what: the one policy module of the data layer (hiding a page is not protection).

The acting user is an :class:`Actor`, built from the database at sign-in and passed to every
read that depends on the role and every write. Each role set is named once here;
:func:`require` (and :func:`require_role`, its positional form) raises
:class:`~db.errors.PermissionDenied`, which ``db.session.write_session`` records as an audit
event after rolling the write back. The four-eyes rules live here once
(:func:`approval_refusal`); their refusals (:class:`OwnProposal`, :class:`EditedByActor`,
:class:`RanTheMeeting`) are ``PermissionDenied`` too, recorded the same way; :func:`refuse`
builds every one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import N_, PermissionDenied
from db.models import AgendaItem, AuditEvent, Evaluation, Meeting, MeetingCorrection, PanelSeat


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the data layer sees them."""

    id: int | None
    username: str
    roles: frozenset[str]
    display_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM_ROLE: Final = "system"
SYSTEM = Actor(id=None, username="system", roles=frozenset({SYSTEM_ROLE}), display_name="system")

ADMIN: Final = "admin"

# --- Role sets: who may do what (design.md, "Users and what each must be able to do") -------

STAFF: Final = ("staff",)
"""Every staff write: technologies, experts, adoptions, testbeds, meetings, inquiries and
agreements (approvers are staff members too, and write as staff)."""

APPROVERS: Final = ("approver",)
"""Deciding what staff proposed (adoptions, step proposals), and the approver's screens."""

AUDITORS: Final = ("auditor",)
"""The audit trail and its verification, the fairness report, the evidence package."""

ADMINS: Final = (ADMIN,)
"""Managing accounts and roles."""

ACCOUNT_CREATORS: Final = (ADMIN, SYSTEM_ROLE)
"""Creating an account: an administrator, or the system (the first administrator)."""

IMPORTERS: Final = (ADMIN, "staff")
"""Checking and running an import of register records."""

MIGRATORS: Final = (ADMIN,)
"""Checking and submitting a historical migration (records dated in the past, statuses past
``submitted``), which a second person confirms."""

MIGRATION_CONFIRMERS: Final = (ADMIN, "approver")
"""Confirming (writing) or declining a historical migration: another administrator or an
approver, never its submitter (four eyes: :class:`OwnMigration`)."""

MIGRATION_READERS: Final = (ADMIN, "approver", "auditor")
"""Reading the historical migrations and the records each one wrote."""

MEETING_READERS: Final = ("auditor", "staff", "approver")
"""Reading a deliberation meeting's full record."""

PERSONAL_DATA_ROLES: Final = ("staff", "auditor")
"""Seeing experts' phone numbers and e-mail addresses."""

HISTORY_READERS: Final = ("auditor", "staff", "approver", "executive")
"""Reading one record's history: everyone who reads the registers."""

OUTCOME_READERS: Final = ("executive", "auditor", "staff", "approver")
"""Reading outcomes (contracts, evaluations, testbeds and their sales, targets against
actual): everyone who reads the registers; staff record them (:data:`STAFF`)."""

REGULATION_READERS: Final = ("auditor", "staff", "approver", ADMIN)
"""Reading the regulation's versions and the differences between two (administrators draft
them: :data:`ADMINS`; an approver who did not draft one approves it: :data:`APPROVERS`)."""


PUBLISHERS: Final = ("executive",)
"""Publishing the overview's figures as of a date (the mayor's office): frozen, never
changed afterwards (:mod:`db.publications`)."""

PUBLICATION_READERS: Final = ("executive", "auditor", "staff", "approver", ADMIN)
"""Reading the publications and their difference to today's recomputation: every role that
reads the overview (published figures carry no personal data)."""


APPLICANTS: Final = ("applicant",)
"""A company's representative: submitting and following their own applications."""

INTERNAL_ROLES: Final = ("executive", "auditor", "staff", "approver", ADMIN)
"""The city's own roles; an applicant account holds none of them (:func:`require_applicant`)."""

EXPERTS: Final = ("expert",)
"""A member of the expert pool with their own account (invited by staff): answering their
seats, declaring conflicts and entering their own scores, on their own meetings only
(:mod:`db.meetings.panelist`)."""

EXPERT_INVITERS: Final = ("staff",)
"""Inviting an expert of the pool to open their account."""

APPLICATION_HANDLERS: Final = ("staff",)
"""Asking an applicant for more information, taking an application into the registration
path."""

APPLICATION_READERS: Final = ("staff", "auditor")
"""Reading every application (an applicant reads their own only)."""


def require(
    actor: Actor,
    roles: Iterable[str],
    *,
    action: str,
    entity: str | None = None,
    entity_id: str | int | None = None,
) -> None:
    """Refuse unless ``actor`` holds one of ``roles``.

    :raise PermissionDenied: the actor holds none of ``roles``.
    """
    allowed = frozenset(roles)
    if not actor.roles.intersection(allowed):
        why = "requires one of: " + ", ".join(sorted(allowed))
        raise refuse(PermissionDenied, actor, action, entity, entity_id, why)


def refuse(
    cls: type[PermissionDenied],
    actor: Actor,
    action: str,
    entity: str | None,
    entity_id: str | int | None,
    why: str,
    **params: Any,
) -> PermissionDenied:
    """A refusal of ``action`` by ``actor`` (``cls``: :class:`~db.errors.PermissionDenied` or
    a four-eyes refusal, ``params`` filling its message), carrying what the audit event of
    the refusal records."""
    return cls(
        action=action,
        actor_id=actor.id,
        actor_name=actor.username,
        entity=entity,
        entity_id=entity_id,
        reason=why,
        **params,
    )


def require_role(
    actor: Actor,
    roles: Iterable[str],
    action: str,
    entity: str,
    entity_id: int | None = None,
) -> None:
    """:func:`require`, positionally: ``require_role(actor, STAFF, "expert.edit", "expert", 7)``.

    :raise PermissionDenied: the actor holds none of ``roles``.
    """
    require(actor, roles, action=action, entity=entity, entity_id=entity_id)


def require_applicant(
    actor: Actor, *, action: str, entity: str = "application", entity_id: int | None = None
) -> None:
    """Refuse unless ``actor`` is a company's applicant account and nothing else: an
    official (staff, an approver...) never submits or answers as a company.

    :raise PermissionDenied: the actor is not an applicant, or also holds an internal role.
    """
    require(actor, APPLICANTS, action=action, entity=entity, entity_id=entity_id)
    if actor.has(*INTERNAL_ROLES):
        why = "an official account cannot act as an applicant"
        raise refuse(PermissionDenied, actor, action, entity, entity_id, why)


def may_see_personal_data(actor: Actor) -> bool:
    """Experts' phone numbers and e-mail addresses: :data:`PERSONAL_DATA_ROLES` only."""
    return actor.has(*PERSONAL_DATA_ROLES)


# --- Four eyes ------------------------------------------------------------------------------
#
# Whether an approver may approve an item that waits for one is answered here once
# (:func:`approval_refusal`, :func:`approval_refusals` for a list; :func:`decision_refusal`
# for deciding at all): the adoption writes, the step proposals, the batch decision, the
# approvals list and the decision screen all ask it. The rules, in the order they are told:
#
# - the proposer may not decide it at all (approve, reject or return: decision_refusal);
# - whoever edited it after it was proposed may not approve it;
# - whoever ran the meeting that recommended it may not approve it. "Ran" is any write
#   recorded on that meeting: scheduling it (also ``meetings.created_by_id``), its agenda,
#   drawing or changing its panel, attendance, declarations, scores, decisions, minutes,
#   closing, corrections; read from the audit events of the meeting and of its seats, agenda
#   items, evaluations and corrections (refusals left out).


class FourEyes(PermissionDenied):
    """A four-eyes refusal: another person must decide. ``notice`` is the short form shown
    in lists and on the decision screen before anyone tries; ``audit_reason`` is what the
    ``permission.denied`` event records."""

    notice: ClassVar[str]
    audit_reason: ClassVar[str]


class OwnProposal(FourEyes):
    """Four eyes: the acting approver proposed the item."""

    message = N_("You proposed this item, so another approver must decide it. Nothing was saved.")
    notice = N_("You proposed it: another approver decides it.")
    audit_reason = "four eyes: proposer"


class EditedByActor(FourEyes):
    """Four eyes: the acting approver edited the item after it was proposed."""

    message = N_(
        "You edited this item after it was proposed, so another approver must approve it. "
        "Nothing was saved."
    )
    notice = N_("You edited it after it was proposed: another approver must approve it.")
    audit_reason = "four eyes: editor"


class RanTheMeeting(FourEyes):
    """Four eyes: the acting approver ran the meeting that recommended the item."""

    message = N_(
        "You ran the meeting that recommended this item ({code}), so another approver must "
        "decide it. Nothing was saved."
    )
    notice = N_(
        "You ran the meeting that recommended it ({code}): another approver must approve it."
    )
    audit_reason = "four eyes: ran the meeting"


@dataclass(frozen=True)
class Pending:
    """An item that waits for an approver, as the four-eyes rules see it.

    ``entity``: ``adoption`` or ``proposal`` (its audit entity); ``meeting_id`` and
    ``meeting_code``: the meeting whose decision the item rests on (the adoption review that
    recommended an adoption, the testbed selection that passed or turned down an
    application), None when none has.
    """

    entity: str
    id: int
    proposed_by_id: int | None
    meeting_id: int | None = None
    meeting_code: str | None = None

    @property
    def key(self) -> str:
        return f"{self.entity}:{self.id}"


@dataclass(frozen=True)
class Refusal:
    """Why the actor may not take a decision on an item: the four-eyes rule (``rule``) and
    the parameters of its sentences."""

    rule: type[FourEyes]
    params: tuple[tuple[str, str], ...] = ()

    @property
    def notice(self) -> str:
        """The short sentence (message template) for lists and the decision screen."""
        return self.rule.notice

    @property
    def message(self) -> str:
        """The refusal's sentence (message template), "... Nothing was saved."."""
        return self.rule.message

    @property
    def kwargs(self) -> dict[str, str]:
        """``params`` as the keyword arguments of the translated sentence."""
        return dict(self.params)

    def error(self, actor: Actor, action: str, item: Pending) -> FourEyes:
        """The exception to raise (audited as ``permission.denied`` like every refusal)."""
        denied = refuse(
            self.rule, actor, action, item.entity, item.id, self.rule.audit_reason, **self.kwargs
        )
        assert isinstance(denied, FourEyes)
        return denied


def decision_refusal(actor: Actor, item: Pending) -> Refusal | None:
    """Why ``actor`` may not decide ``item`` at all (approve, reject or return): they
    proposed it. None when they may."""
    if item.proposed_by_id is not None and item.proposed_by_id == actor.id:
        return Refusal(OwnProposal)
    return None


def approval_refusal(session: Session, actor: Actor, item: Pending) -> Refusal | None:
    """Why ``actor`` may not approve ``item`` (every rule above, in that order), or None."""
    return approval_refusals(session, actor, [item])[item.key]


def approval_refusals(
    session: Session, actor: Actor, items: Sequence[Pending]
) -> dict[str, Refusal | None]:
    """:func:`approval_refusal` of several items by key (:attr:`Pending.key`), in a few
    queries whatever their number."""
    out = {i.key: decision_refusal(actor, i) for i in items}
    rest = [i for i in items if out[i.key] is None]
    if actor.id is None or not rest:
        return out
    edited: dict[str, set[int]] = {}
    for entity in sorted({i.entity for i in rest}):
        ids = [i.id for i in rest if i.entity == entity]
        for record_id, editors in editors_of(session, entity, ids).items():
            edited[f"{entity}:{record_id}"] = editors
    runners = meeting_runners(session, [i.meeting_id for i in rest if i.meeting_id is not None])
    for i in rest:
        if actor.id in edited.get(i.key, set()):
            out[i.key] = Refusal(EditedByActor)
        elif i.meeting_id is not None and actor.id in runners.get(i.meeting_id, set()):
            out[i.key] = Refusal(RanTheMeeting, (("code", i.meeting_code or "-"),))
    return out


def editors_of(session: Session, entity: str, record_ids: Sequence[int]) -> dict[int, set[int]]:
    """Ids of everyone who edited each record (``<entity>.edit`` events) after it was
    proposed, in one query (records nobody edited left out)."""
    ids = sorted({str(int(i)) for i in record_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEvent.entity_id, AuditEvent.actor_id)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id.in_(ids),
            AuditEvent.action == f"{entity}.edit",
        )
        .distinct()
    ).all()
    out: dict[int, set[int]] = {}
    for entity_id, actor_id in rows:
        if actor_id is not None:
            out.setdefault(int(str(entity_id)), set()).add(int(actor_id))
    return out


def meeting_runners(session: Session, meeting_ids: Iterable[int]) -> dict[int, set[int]]:
    """``{meeting id: ids of everyone who recorded a write on it}``: the meeting's own audit
    events and those of its panel seats, agenda items, evaluations and corrections (refusals
    left out), and who created it.

    The records of the meetings are read first, then their events by (entity, entity_id) in
    lists of ids: always an index lookup of the audit trail. (A join on the audit trail let
    SQLite's planner walk every event of a kind for each record: 3 s for five meetings of
    the demo database, on every approvals page.)"""
    mids = sorted({int(i) for i in meeting_ids})
    if not mids:
        return {}
    parts: list[tuple[str, Any, Any, tuple[Any, ...]]] = [
        # entity, the record's id column, its meeting id column, joins to reach the meeting
        ("meeting", Meeting.id, Meeting.id, ()),
        ("panel_seat", PanelSeat.id, PanelSeat.meeting_id, ()),
        ("agenda_item", AgendaItem.id, AgendaItem.meeting_id, ()),
        (
            "evaluation",
            Evaluation.id,
            AgendaItem.meeting_id,
            ((AgendaItem, AgendaItem.id == Evaluation.agenda_item_id),),
        ),
        ("meeting_correction", MeetingCorrection.id, MeetingCorrection.meeting_id, ()),
    ]
    ev = AuditEvent
    out: dict[int, set[int]] = {}
    for entity, record_id, meeting_id, joins in parts:
        query = select(record_id, meeting_id).select_from(record_id.class_)
        for target, on in joins:
            query = query.join(target, on)
        meeting_of = {
            str(rid): int(mid) for rid, mid in session.execute(query.where(meeting_id.in_(mids)))
        }
        ids = sorted(meeting_of)
        for lo in range(0, len(ids), _IDS_PER_QUERY):
            rows = session.execute(
                select(ev.entity_id, ev.actor_id)
                .where(
                    ev.entity == entity,
                    ev.entity_id.in_(ids[lo : lo + _IDS_PER_QUERY]),
                    ev.actor_id.is_not(None),
                    ev.action != "permission.denied",
                )
                .distinct()
            )
            for entity_id, actor_id in rows:
                if actor_id is not None:  # (the query leaves none out; for the type)
                    out.setdefault(meeting_of[str(entity_id)], set()).add(actor_id)
    for mid, creator in session.execute(
        select(Meeting.id, Meeting.created_by_id).where(
            Meeting.id.in_(mids), Meeting.created_by_id.is_not(None)
        )
    ).all():
        if creator is not None:
            out.setdefault(int(mid), set()).add(int(creator))
    return out


_IDS_PER_QUERY = 500  # records whose events one query reads (bound parameters stay few)


class OwnMigration(PermissionDenied):
    """Four eyes: the acting user submitted the historical migration."""

    message = N_(
        "You submitted this migration, so another administrator or an approver must confirm "
        "it. Nothing was written."
    )


class OwnDraft(PermissionDenied):
    """Four eyes: the acting approver drafted the regulation version."""

    message = N_(
        "You drafted this regulation version, so another approver must approve it. "
        "Nothing was saved."
    )
