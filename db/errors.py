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

    Carries who tried what, so the refusal itself can be audited after the rollback;
    ``params`` fill the message of a subclass (e.g. a meeting's code).
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
        **params: Any,
    ) -> None:
        super().__init__(action=action, **params)
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


class Named(str):
    """A name that is the city's data, not the interface's (a vocabulary label such as a
    criterion's), carried with its label in each language: ``components.i18n._`` shows the
    one of the reader's language instead of looking it up in the catalogue. As a ``str`` it
    is the English label (logs, tests, a field key of :class:`ValidationFailed`)."""

    labels: dict[str, str]

    def __new__(cls, labels: dict[str, str]) -> Named:
        name = super().__new__(cls, labels.get("en") or next(iter(labels.values()), ""))
        name.labels = dict(labels)
        return name


class ValidationFailed(DomainError):
    """Input failed validation; ``errors`` maps field name to a message template."""

    message = N_("Some fields need attention. Nothing was saved.")

    def __init__(self, errors: dict[str, str], /, **params: Any) -> None:
        super().__init__(**params)
        self.errors = errors


class DatabaseUnavailable(DomainError):
    """The database could not do the work: unreachable, restarting, out of pooled
    connections, or a storage fault. Raised by ``db.session`` in place of the driver's
    exception (which is logged with its traceback, never shown), after the transaction was
    rolled back, so nothing was saved (see :class:`SaveInDoubt` for the one exception).

    ``writing`` chooses the sentence: a refused save ("Not saved: ...") or a page that could
    not be loaded. Subclasses name the causes a person can act on differently.
    """

    message = N_("Not saved: the database could not be reached. Please retry in a moment.")
    read_message = N_(
        "The data could not be loaded: the database could not be reached. Please reload the "
        "page in a moment."
    )

    def __init__(self, *, writing: bool = True) -> None:
        self.writing = writing
        super().__init__(None if writing else self.read_message)

    def as_read(self) -> DatabaseUnavailable:
        """The same fault told as a page that could not be loaded (e.g. a sign-in check)."""
        return type(self)(writing=False)


class DatabaseBusy(DatabaseUnavailable):
    """A lock or statement timeout, a deadlock, or no free connection in the pool."""

    message = N_("Not saved: the database was busy for too long. Please retry in a moment.")
    read_message = N_(
        "The data could not be loaded: the database was busy for too long. Please reload the "
        "page in a moment."
    )


STORAGE_READ_PROBLEM = N_(
    "The data could not be loaded: the database reported a storage problem. Ask IT to check "
    "the database server."
)


class DatabaseReadOnly(DatabaseUnavailable):
    """The database (file, file system or server) accepts no writes."""

    message = N_(
        "Not saved: the database is read-only. Ask IT to make it writable again; you can "
        "still read everything."
    )
    read_message = STORAGE_READ_PROBLEM


class DatabaseFull(DatabaseUnavailable):
    """The disk under the database is full (SQLite ``SQLITE_FULL``, PostgreSQL 53100)."""

    message = N_(
        "Not saved: the database's disk is full. Ask IT to free disk space; you can still "
        "read everything."
    )
    read_message = STORAGE_READ_PROBLEM


class DatabaseDiskError(DatabaseUnavailable):
    """An input/output error under the database (SQLite ``SQLITE_IOERR``, PostgreSQL 58xxx)."""

    message = N_(
        "Not saved: the database reported a disk error. Ask IT to check the database server's disk."
    )
    read_message = STORAGE_READ_PROBLEM


class SaveInDoubt(DatabaseUnavailable):
    """The connection to PostgreSQL broke while the commit itself was under way, so the
    server may or may not have committed. Every write is all-or-nothing (state change and
    audit event together), and every decision a compare-and-set, so checking and retrying is
    safe: a retry of a saved decision says "already decided"."""

    message = N_(
        "The connection to the database was lost while saving, so it is not certain whether "
        "this was saved. Reload the page and check before trying again."
    )
