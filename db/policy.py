"""Who may do what: the one policy module of the data layer (hiding a page is not protection).

The acting user is an :class:`Actor`, built from the database at sign-in and passed to every
read that depends on the role and every write. Each role set is named once here;
:func:`require` (and :func:`require_role`, its positional form) raises
:class:`~db.errors.PermissionDenied`, which ``db.session.write_session`` records as an audit
event after rolling the write back. The four-eyes refusals (:class:`OwnProposal`,
:class:`EditedByActor`) are ``PermissionDenied`` too, recorded the same way; :func:`refuse`
builds every one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from db.errors import N_, PermissionDenied


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

MEETING_READERS: Final = ("auditor", "staff", "approver")
"""Reading a deliberation meeting's full record."""

PERSONAL_DATA_ROLES: Final = ("staff", "auditor")
"""Seeing experts' phone numbers and e-mail addresses."""

HISTORY_READERS: Final = ("auditor", "staff", "approver", "executive")
"""Reading one record's history: everyone who reads the registers."""

REGULATION_READERS: Final = ("auditor", "staff", "approver", ADMIN)
"""Reading the regulation's versions and the differences between two (administrators draft
them: :data:`ADMINS`; an approver who did not draft one approves it: :data:`APPROVERS`)."""


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
) -> PermissionDenied:
    """A refusal of ``action`` by ``actor`` (``cls``: :class:`~db.errors.PermissionDenied` or
    a four-eyes refusal), carrying what the audit event of the refusal records."""
    return cls(
        action=action,
        actor_id=actor.id,
        actor_name=actor.username,
        entity=entity,
        entity_id=entity_id,
        reason=why,
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


def may_see_personal_data(actor: Actor) -> bool:
    """Experts' phone numbers and e-mail addresses: :data:`PERSONAL_DATA_ROLES` only."""
    return actor.has(*PERSONAL_DATA_ROLES)


# --- Four eyes ------------------------------------------------------------------------------


class OwnProposal(PermissionDenied):
    """Four eyes: the acting approver proposed the item."""

    message = N_("You proposed this item, so another approver must decide it. Nothing was saved.")


class EditedByActor(PermissionDenied):
    """Four eyes: the acting approver edited the item after it was proposed."""

    message = N_(
        "You edited this item after it was proposed, so another approver must approve it. "
        "Nothing was saved."
    )


class OwnDraft(PermissionDenied):
    """Four eyes: the acting approver drafted the regulation version."""

    message = N_(
        "You drafted this regulation version, so another approver must approve it. "
        "Nothing was saved."
    )
