"""Errors that ``db/`` functions raise for a person to read.

Each carries an English message template marked with ``N_`` (extracted into the gettext
catalogue) and its parameters; the UI translates with ``_(err.message, **err.params)``.
``db/`` never imports the UI, so it only marks messages, it does not translate them.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for catalogue extraction (translated by the UI)."""
    return message


class DomainError(Exception):
    """Base class: a refusal or failure that a person should read as a sentence."""

    message = N_("The action could not be completed. Nothing was saved.")

    def __init__(self, message: str | None = None, /, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)


class PermissionDenied(DomainError):
    """The acting user's roles do not allow the action (checked server-side in ``db/``).

    Carries who tried what, so the refusal itself can be audited after the rollback.
    """

    message = N_("You are not allowed to do this ({action}). Nothing was saved.")

    def __init__(
        self,
        *,
        action: str,
        actor_id: int | None,
        actor_name: str,
        entity: str | None = None,
        entity_id: str | int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(action=action)
        self.action = action
        self.actor_id = actor_id
        self.actor_name = actor_name
        self.entity = entity
        self.entity_id = entity_id
        self.reason = reason


class NotFound(DomainError):
    message = N_("The record was not found; it may have been removed. Nothing was saved.")


class Conflict(DomainError):
    """A compare-and-set lost: someone else changed the record first."""

    message = N_("Already decided by {by} at {at}. Your action was not saved.")


class ValidationFailed(DomainError):
    """Input failed validation; ``errors`` maps field name to a message template."""

    message = N_("Some fields need attention. Nothing was saved.")

    def __init__(self, errors: dict[str, str], /, **params: Any) -> None:
        super().__init__(**params)
        self.errors = errors
