"""Who may do what, checked in ``db/`` for every write (hiding a page is not protection).

The acting user is an :class:`Actor`, built from the database at sign-in and passed to every
write function. :func:`require` raises :class:`PermissionDenied`; ``db.session.write_session``
records the refusal as an audit event after rolling the write back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from db.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the data layer sees them."""

    id: int | None
    username: str
    roles: frozenset[str]
    display_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(id=None, username="system", roles=frozenset({"system"}), display_name="system")


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
        raise PermissionDenied(
            action=action,
            actor_id=actor.id,
            actor_name=actor.username,
            entity=entity,
            entity_id=entity_id,
            reason="requires one of: " + ", ".join(sorted(allowed)),
        )
