"""Bulk import of registers (organizations, technologies, experts, inquiries) from CSV/xlsx.

Two steps, both for administrators and staff only (checked here; a refused import is an
audited ``permission.denied``):

- :func:`check_file` reads the bytes (never trusting the file name), checks every header,
  cell and row against the register and the database, and returns a :class:`CheckResult`:
  the problems (row as Excel numbers it, column, value, rule; the first
  :data:`~db.imports.report.MAX_PROBLEMS` listed, all counted) or what would be added,
  updated and left unchanged, with a preview. It writes nothing.
- :func:`import_file` checks again inside the write transaction (the register may have
  changed since) and writes only if the whole file is valid: all rows or none. Both checks
  read only the records and organizations the file refers to (see
  :class:`db.imports.checking._Lookups`), so a small file costs the same at any scale. Re-importing
  the same file changes nothing ("0 added, 0 updated, N unchanged"). Every added or changed
  record is audited, and the import itself (file name, SHA-256, counts).

What an import may write is one rule set, :class:`~db.imports.checking.Allowed`, built
in the transaction of each check and each write (so both apply the same rules to the same
register): a *normal* import creates technologies only in a status the regulation in force
allows (``db.regulation.versions.import_statuses``), dates nothing before today in the city,
and changes the owner of no technology that has been registered or adopted. Bringing in a city's
history is a *historical migration* (``db.imports.historical``): checked under its own
rules, submitted by an administrator and written only once a second person confirms it.

Code columns accept codes and the labels the caller passes as a
:class:`~db.imports.columns.Vocabulary` (the UI hands in its Korean and English names); the
codes of the city's vocabularies (fields, growth sectors, kinds of organisation) and their
labels come from the database (``db.city.store``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from db.errors import N_, DomainError, NotFound
from db.imports import reading
from db.imports.checking import MIGRATION, MODES, NORMAL, Allowed, Plan, allowed, check
from db.imports.columns import CODES_ONLY, REGISTERS, Register, Vocabulary, norm_header
from db.imports.report import Problem, Report
from db.imports.writing import ImportSummary, apply
from db.policy import IMPORTERS, MIGRATORS, Actor, require

__all__ = [
    "CODES_ONLY",
    "IMPORTERS",
    "MIGRATION",
    "MODES",
    "NORMAL",
    "REGISTERS",
    "CheckResult",
    "ImportRefused",
    "ImportSummary",
    "Problem",
    "Vocabulary",
    "check_file",
    "halves",
    "import_file",
    "plan_file",
    "valid_plan",
]

Progress = Callable[[float, str], None]


class ImportRefused(DomainError):
    """The file has problems; nothing was written. ``result`` holds the report."""

    message = N_("The file has {total} problems, so nothing was imported.")

    def __init__(self, result: CheckResult) -> None:
        super().__init__(total=result.problem_total)
        self.result = result


@dataclass
class CheckResult:
    """What a check found. ``ok`` when there is no problem at all."""

    register: str
    filename: str
    sha256: str
    mode: str = NORMAL
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0
    blank_rows: int = 0
    to_add: int = 0
    to_update: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_total: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_total == 0


def _register(key: str) -> Register:
    try:
        return REGISTERS[key]
    except KeyError:
        raise NotFound() from None


def plan_file(
    session: Session,
    register: Register,
    filename: str,
    data: bytes,
    vocabulary: Vocabulary,
    progress: Progress | None,
    rules: Allowed,
) -> tuple[CheckResult, Plan | None]:
    """Read and check ``data`` under ``rules``: the result, and the plan to write when the
    file could be read (``check_file``, ``import_file`` and the historical migrations)."""
    report = Report()
    result = CheckResult(
        register=register.key,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        mode=rules.mode,
    )
    index = register.header_index()

    def score(header: list[str]) -> int:
        return sum(1 for h in header if norm_header(h) in index)

    table = reading.read_table(filename, data, report, score, register.expected())
    plan = None
    if table is not None:
        result.format, result.encoding, result.delimiter = (
            table.format,
            table.encoding,
            table.delimiter,
        )
        plan = check(session, register, table, vocabulary, report, progress, rules=rules)
        result.rows, result.blank_rows = plan.rows, plan.blank_rows
        result.headers = plan.headers
        if report.ok:
            result.to_add, result.to_update = len(plan.add), len(plan.update)
            result.unchanged = plan.unchanged
            result.preview = plan.preview
    result.problems, result.problem_total = report.problems, report.total
    return result, plan


def check_file(
    *,
    session: Session,
    actor: Actor,
    register: str,
    filename: str,
    data: bytes,
    vocabulary: Vocabulary = CODES_ONLY,
    progress: Progress | None = None,
    mode: str = NORMAL,
) -> CheckResult:
    """Check ``data`` as a file of ``register`` for a normal import or (``mode``
    :data:`MIGRATION`) a historical migration; writes nothing.

    :raise PermissionDenied: the actor is neither an administrator nor staff; for a
        historical migration, not an administrator.
    :raise NotFound: ``register`` is not one of :data:`REGISTERS`.
    """
    if mode == MIGRATION:
        require(actor, MIGRATORS, action="import_migration.check", entity="import_migration")
    else:
        require(actor, IMPORTERS, action="import.check", entity="import")
    rules = allowed(session, mode)
    reg = _register(register)
    result, _plan_unused = plan_file(session, reg, filename, data, vocabulary, progress, rules)
    return result


def import_file(
    *,
    session: Session,
    actor: Actor,
    register: str,
    filename: str,
    data: bytes,
    vocabulary: Vocabulary = CODES_ONLY,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check and import ``data`` in the caller's write transaction as a normal import: all
    rows or none.

    Returns the :class:`ImportSummary` (counts, the file's ``sha256`` and the id of the
    import's audit event).

    :raise PermissionDenied: the actor is neither an administrator nor staff (audited by
        ``db.session.write_session``).
    :raise ImportRefused: the file has problems (``.result`` lists them); nothing written.
    :raise Conflict: a record changed between the check and the write; nothing written.
    """
    require(actor, IMPORTERS, action="import.run", entity="import")
    reg = _register(register)
    checking, writing = halves(progress)
    result, plan = valid_plan(session, reg, filename, data, vocabulary, checking, NORMAL)
    return apply(session, actor, plan, filename=filename, sha256=result.sha256, progress=writing)


def valid_plan(
    session: Session,
    register: Register,
    filename: str,
    data: bytes,
    vocabulary: Vocabulary,
    progress: Progress | None,
    mode: str,
) -> tuple[CheckResult, Plan]:
    """Check ``data`` under the rules of ``mode`` read in this transaction (a write checks
    again what was checked before: the register or the regulation may have changed); the
    result and the plan to write.

    :raise ImportRefused: the file has problems (``.result`` lists them).
    """
    rules = allowed(session, mode)
    result, plan = plan_file(session, register, filename, data, vocabulary, progress, rules)
    if not result.ok or plan is None:
        raise ImportRefused(result)
    return result, plan


def halves(progress: Progress | None) -> tuple[Progress, Progress]:
    """``progress`` split for a write: its first half checking, its second half writing."""

    def checking(fraction: float, stage: str) -> None:
        if progress:
            progress(fraction * 0.5, stage)

    def writing(fraction: float, stage: str) -> None:
        if progress:
            progress(0.5 + fraction * 0.5, stage)

    return checking, writing
