"""Deciding what waits for an approver, one item or several at once: an adoption under
review (:func:`db.adoptions.writes.decide_adoption`) or a step proposal
(:func:`db.approvals.proposals.decide_proposal`), named by a key (``adoption:12``,
``proposal:3``).

A batch applies one decision and comment to several items, each checked and audited on its
own in a savepoint: a refused or conflicting item is rolled back alone (its refusal still
recorded as ``permission.denied``) and the others go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from db import policy, recording
from db.adoptions.writes import DECISIONS, decide_adoption
from db.approvals import proposals
from db.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from db.policy import APPROVERS, Actor


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one item of a bulk decision.

    ``outcome``: ``done``, ``refused`` (permission or four eyes; audited), ``conflict``
    (someone decided it first), ``failed`` (any other rule). ``message`` is an English
    template (``None`` when done) to translate with ``params``.
    """

    key: str
    outcome: str
    message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def parse_key(key: str) -> tuple[str, int]:
    """``"adoption:12"`` -> ``("adoption", 12)``.

    :raise ValueError: not ``adoption:<id>`` or ``proposal:<id>``.
    """
    kind, _, raw = key.partition(":")
    if kind not in ("adoption", "proposal") or not raw.isdigit():
        raise ValueError(f"not an item key: {key!r}")
    return kind, int(raw)


def decide_one(*, session: Session, actor: Actor, key: str, decision: str, comment: str) -> None:
    """Decide one pending item named by its key (an adoption or a step proposal)."""
    kind, item_id = parse_key(key)
    if kind == "adoption":
        decide_adoption(
            session=session,
            actor=actor,
            adoption_id=item_id,
            decision=decision,
            comment=comment,
        )
    else:
        proposals.decide_proposal(
            session=session, actor=actor, proposal_id=item_id, decision=decision, comment=comment
        )


def decide_many(
    *, session: Session, actor: Actor, keys: Sequence[str], decision: str, comment: str
) -> list[ItemOutcome]:
    """Apply one decision and comment to several items, each checked and audited on its own.

    Every item runs in its own savepoint: a refused or conflicting item is rolled back alone
    (its refusal still recorded as ``permission.denied``) and the others go on. Returns one
    outcome per key, in order.

    :raise PermissionDenied: the actor is not an approver at all (nothing is tried).
    :raise ValidationFailed: no comment, or an unknown decision (nothing is tried).
    """
    policy.require_role(actor, APPROVERS, "adoption.decide_many", "adoption")
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = recording.UNKNOWN_CHOICE
    recording.clean_comment(comment, errors)
    if errors:
        raise ValidationFailed(errors)
    outcomes: list[ItemOutcome] = []
    for key in keys:
        try:
            with session.begin_nested():
                decide_one(
                    session=session, actor=actor, key=key, decision=decision, comment=comment
                )
        except PermissionDenied as denied:
            recording.record_refusal(session, denied)
            outcomes.append(ItemOutcome(key, "refused", denied.message, denied.params))
        except Conflict as lost:
            outcomes.append(ItemOutcome(key, "conflict", lost.message, lost.params))
        except ValidationFailed as invalid:
            problem = next(iter(invalid.errors.values()), invalid.message)
            outcomes.append(ItemOutcome(key, "failed", problem, invalid.params))
        except (DomainError, ValueError) as failed:
            if isinstance(failed, DomainError):
                outcomes.append(ItemOutcome(key, "failed", failed.message, failed.params))
            else:
                outcomes.append(ItemOutcome(key, "failed", NotFound.message))
        else:
            outcomes.append(ItemOutcome(key, "done"))
    return outcomes
