"""Regulation versions: drafted by an administrator, in force once a second person approves.

A version is a *draft* (editable, withdrawable by an administrator) until an approver who did
not draft it approves it (:class:`~db.policy.OwnDraft` otherwise); then it is never edited
again, and a change is a new version. :func:`in_force_on` is the approved version with the
latest effective date on or before a day (the highest number among equal dates): the version
a meeting of that day is bound to when it is scheduled, and whose rules a normal import of
that day obeys (:func:`rules_in_force`, :func:`import_statuses`): the one place that decides
which version is in force. Every write checks the role, changes the row with a
compare-and-set and appends its audit event in the same transaction; the rules are checked by
:func:`db.regulation.rules.parse_rules` on every path.

Readers (:data:`~db.policy.REGULATION_READERS`) see every version and the difference between
any two.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import clock, policy
from db.city.store import regulation_criteria, terms
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import RegulationVersion
from db.policy import ADMINS, APPROVERS, REGULATION_READERS, Actor, require_role
from db.recording import (
    clean_text,
    compare_and_set,
    conflict_from,
    display_name,
    last_event,
    record,
)
from db.regulation.rules import IMPORTABLE_STATUSES, Rules, differences, parse_rules

ENTITY = "regulation_version"
DIRECTIVE_MAX_CHARS = 300
F_EFFECTIVE = N_("Effective date")
F_DIRECTIVE = N_("Directive")
F_REASON = N_("Reason")
DATE_REQUIRED = N_("Choose a date.")


class VersionNotFound(NotFound):
    message = N_("There is no regulation version with the record number {id}. Nothing was saved.")


class NotADraft(DomainError):
    message = N_(
        "Regulation version {number} is {status}: only a draft can be edited, withdrawn or "
        "approved, and an approved version is never changed (draft a new version instead). "
        "Nothing was saved."
    )


class ChangedSinceRead(DomainError):
    message = N_(
        "Regulation version {number} was changed by {by} at {at} after you opened it. Nothing "
        "was saved; reload the page, read the version again and retry."
    )


@dataclass(frozen=True)
class Version:
    """One regulation version as every reader sees it."""

    id: int
    number: int
    effective_on: dt.date
    directive: str
    status: str
    rules: Rules
    source: str
    drafted_by_id: int | None
    drafted_by: str
    drafted_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    row_version: int  # what an edit or an approval compares and sets


# --- reading -------------------------------------------------------------------------------


def _stored_criteria(session: Session, raw: Mapping[str, Any]) -> dict[str, int]:
    """Criterion -> stage for the criteria a stored version weighs (a criterion added to the
    vocabulary later is not part of an older version)."""
    stages = regulation_criteria(session)
    weights = raw.get("weights")
    named = set(weights) if isinstance(weights, Mapping) else set()
    return {c: s for c, s in stages.items() if c in named}


def stored_rules(session: Session, text: str) -> Rules:
    """A stored version's rules, checked again (a row edited by hand is refused).

    :raise RulesInvalid: the stored rules are not valid.
    """
    raw = json.loads(text)
    return parse_rules(raw, _stored_criteria(session, raw))


def _view(session: Session, row: RegulationVersion) -> Version:
    return Version(
        id=row.id,
        number=row.number,
        effective_on=row.effective_on,
        directive=row.directive,
        status=row.status,
        rules=stored_rules(session, row.rules),
        source=row.source,
        drafted_by_id=row.drafted_by_id,
        drafted_by=display_name(session, row.drafted_by_id, "system"),
        drafted_at=row.drafted_at,
        approved_by=(
            None if row.approved_at is None else display_name(session, row.approved_by_id, "system")
        ),
        approved_at=row.approved_at,
        row_version=row.version,
    )


def in_force_on(session: Session, day: dt.date) -> Version | None:
    """The approved version in force on ``day``: the latest effective date on or before it
    (the highest number among versions of the same date); None before the first."""
    row = session.execute(
        select(RegulationVersion)
        .where(RegulationVersion.status == "approved", RegulationVersion.effective_on <= day)
        .order_by(RegulationVersion.effective_on.desc(), RegulationVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else _view(session, row)


def first_version(session: Session) -> Version | None:
    """The city's first approved version (earliest effective date, then lowest number); None
    while none is approved."""
    row = session.execute(
        select(RegulationVersion)
        .where(RegulationVersion.status == "approved")
        .order_by(RegulationVersion.effective_on, RegulationVersion.number)
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else _view(session, row)


def rules_in_force(session: Session, day: dt.date) -> Rules | None:
    """The rules of the version in force on ``day`` (:func:`in_force_on`); None before the
    first version.

    :raise RulesInvalid: the stored rules were edited into something no regulation may say.
    """
    version = in_force_on(session, day)
    return None if version is None else version.rules


def import_statuses(session: Session, day: dt.date) -> tuple[str, ...]:
    """The statuses a normal import may give a new technology on ``day``: the regulation's
    ``import_statuses``, or the narrowest rule (:data:`IMPORTABLE_STATUSES`) where no version
    is in force yet."""
    rules = rules_in_force(session, day)
    return rules.import_statuses if rules is not None else IMPORTABLE_STATUSES


def version_by_id(session: Session, version_id: int) -> Version | None:
    """The version with ``version_id`` (no role check: the meetings read their own)."""
    row = session.get(RegulationVersion, version_id)
    return None if row is None else _view(session, row)


def list_versions(*, session: Session, actor: Actor) -> list[Version]:
    """Every version, newest number first.

    :raise PermissionDenied: the actor may not read the regulation.
    """
    require_role(actor, REGULATION_READERS, "regulation.read", ENTITY)
    rows = session.execute(
        select(RegulationVersion).order_by(RegulationVersion.number.desc())
    ).scalars()
    return [_view(session, r) for r in rows]


def compare_versions(
    *, session: Session, actor: Actor, first_id: int, second_id: int
) -> list[tuple[str, Any, Any]]:
    """``(rule, in the first, in the second)`` for every rule that differs (weights and the
    tables per kind or stage key by key), in the order of the rules.

    :raise PermissionDenied: the actor may not read the regulation.
    :raise VersionNotFound: either version does not exist.
    """
    require_role(actor, REGULATION_READERS, "regulation.read", ENTITY)
    pair = []
    for version_id in (first_id, second_id):
        row = session.get(RegulationVersion, version_id)
        if row is None:
            raise VersionNotFound(id=version_id)
        pair.append(stored_rules(session, row.rules))
    return differences(pair[0], pair[1])


@dataclass(frozen=True)
class Criterion:
    """A criterion of the city's vocabulary as the regulation's forms show it."""

    code: str
    ko: str
    en: str
    stage: int
    retired: bool


@dataclass(frozen=True)
class RegulationOverview:
    """What the regulation page shows: every version (newest number first), the one in force
    on ``today``, and the city's criteria (a draft weighs those not retired)."""

    versions: tuple[Version, ...]
    in_force: Version | None
    criteria: tuple[Criterion, ...]
    today: dt.date

    @property
    def drafts(self) -> tuple[Version, ...]:
        return tuple(v for v in self.versions if v.status == "draft")


def regulation_overview(*, session: Session, actor: Actor) -> RegulationOverview:
    """The versions, the one in force today and the criteria.

    :raise PermissionDenied: the actor may not read the regulation.
    """
    listed = list_versions(session=session, actor=actor)
    today = clock.city_today()
    stages = regulation_criteria(session)
    criteria = tuple(
        Criterion(t.code, t.ko, t.en, stages.get(t.code, 0), t.retired)
        for t in terms(session, "criteria")
    )
    return RegulationOverview(tuple(listed), in_force_on(session, today), criteria, today)


def draft_criteria(session: Session) -> dict[str, int]:
    """Criterion -> stage of the criteria a new draft weighs (those not retired)."""
    offered = {t.code for t in terms(session, "criteria") if not t.retired}
    return {c: s for c, s in regulation_criteria(session).items() if c in offered}


# --- writing -------------------------------------------------------------------------------


def _checked(
    session: Session, effective_on: Any, directive: str | None, rules: Mapping[str, Any]
) -> tuple[dt.date, str, Rules]:
    """The fields of a draft, checked: the date and directive first (:class:`ValidationFailed`),
    then the rules (:class:`~db.regulation.rules.RulesInvalid`, every problem by key)."""
    errors: dict[str, str] = {}
    if not isinstance(effective_on, dt.date) or isinstance(effective_on, dt.datetime):
        errors[F_EFFECTIVE] = DATE_REQUIRED
    text = clean_text(directive, F_DIRECTIVE, errors, max_chars=DIRECTIVE_MAX_CHARS)
    if errors:
        raise ValidationFailed(errors)
    return effective_on, text, parse_rules(rules, draft_criteria(session))


def _event_of(version: int, effective_on: dt.date, directive: str, rules: Rules) -> dict[str, Any]:
    return {
        "number": version,
        "effective_on": effective_on,
        "directive": directive,
        "rules": json.loads(rules.as_json()),
    }


def draft_version(
    *,
    session: Session,
    actor: Actor,
    effective_on: dt.date,
    directive: str,
    rules: Mapping[str, Any],
) -> int:
    """Draft the next version (number = the highest so far + 1). Returns its id.

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: no effective date or directive.
    :raise RulesInvalid: the rules break the regulation's limits (a quorum under 3, a pass
        mark outside 0-100, ...), every problem named.
    """
    require_role(actor, ADMINS, "regulation.draft", ENTITY)
    day, text, checked = _checked(session, effective_on, directive, rules)
    now = clock.now_utc()
    for _attempt in range(5):
        number = (session.execute(select(func.max(RegulationVersion.number))).scalar() or 0) + 1
        row = RegulationVersion(
            number=number,
            version=1,
            effective_on=day,
            directive=text,
            rules=checked.as_json(),
            status="draft",
            source=f"drafted in the app by {actor.username}"[:200],
            drafted_by_id=actor.id,
            drafted_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another administrator took the same number meanwhile
            continue
        break
    else:  # pragma: no cover - five collisions in a row
        raise DomainError()
    record(
        session,
        actor,
        "regulation.draft",
        ENTITY,
        row.id,
        after={**_event_of(number, day, text, checked), "status": "draft"},
        at=now,
    )
    return row.id


def _row(session: Session, version_id: int) -> RegulationVersion:
    row = session.execute(
        select(RegulationVersion)
        .where(RegulationVersion.id == version_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise VersionNotFound(id=version_id)
    return row


def _lost(session: Session, row: RegulationVersion, expected: int | None) -> DomainError:
    """Why a compare-and-set on a draft failed: no longer a draft, or changed since read."""
    session.refresh(row)
    if row.status != "draft":
        return NotADraft(number=row.number, status=row.status)
    event = last_event(
        session, ENTITY, row.id, ("regulation.draft", "regulation.edit", "regulation.withdraw")
    )
    lost = conflict_from(session, event)
    return ChangedSinceRead(number=row.number, **lost.params)


def edit_draft(
    *,
    session: Session,
    actor: Actor,
    version_id: int,
    expected_version: int,
    effective_on: dt.date,
    directive: str,
    rules: Mapping[str, Any],
) -> None:
    """Change a draft's effective date, directive and rules (``expected_version``: the row
    version the administrator read).

    :raise PermissionDenied: the actor is not an administrator.
    :raise VersionNotFound / NotADraft / ChangedSinceRead: see the messages.
    :raise ValidationFailed / RulesInvalid: as :func:`draft_version`.
    """
    require_role(actor, ADMINS, "regulation.edit", ENTITY, version_id)
    row = _row(session, version_id)
    if row.status != "draft":
        raise NotADraft(number=row.number, status=row.status)
    day, text, checked = _checked(session, effective_on, directive, rules)
    before = _event_of(
        row.number, row.effective_on, row.directive, stored_rules(session, row.rules)
    )
    done = compare_and_set(
        session,
        update(RegulationVersion)
        .where(
            RegulationVersion.id == row.id,
            RegulationVersion.status == "draft",
            RegulationVersion.version == expected_version,
        )
        .values(
            effective_on=day,
            directive=text,
            rules=checked.as_json(),
            version=RegulationVersion.version + 1,
        ),
    )
    if not done:
        raise _lost(session, row, expected_version)
    record(
        session,
        actor,
        "regulation.edit",
        ENTITY,
        row.id,
        before=before,
        after=_event_of(row.number, day, text, checked),
    )


def withdraw_draft(*, session: Session, actor: Actor, version_id: int, reason: str) -> None:
    """Withdraw a draft (it stays listed, never in force), with the reason.

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: no reason.
    :raise VersionNotFound / NotADraft: see the messages.
    """
    require_role(actor, ADMINS, "regulation.withdraw", ENTITY, version_id)
    errors: dict[str, str] = {}
    why = clean_text(reason, F_REASON, errors)
    if errors:
        raise ValidationFailed(errors)
    row = _row(session, version_id)
    done = compare_and_set(
        session,
        update(RegulationVersion)
        .where(RegulationVersion.id == row.id, RegulationVersion.status == "draft")
        .values(status="withdrawn", version=RegulationVersion.version + 1),
    )
    if not done:
        raise NotADraft(number=row.number, status=row.status)
    record(
        session,
        actor,
        "regulation.withdraw",
        ENTITY,
        row.id,
        before={"status": "draft"},
        after={"status": "withdrawn", "number": row.number},
        reason=why,
    )


def approve_version(
    *, session: Session, actor: Actor, version_id: int, expected_version: int | None = None
) -> None:
    """Approve a draft: in force from its effective date. The approver must not be its
    drafter; ``expected_version`` (the row version the approver read) refuses a draft
    changed since it was read. The rules are checked again against the city's criteria.

    :raise PermissionDenied: the actor is not an approver.
    :raise OwnDraft: the approver drafted this version (four eyes).
    :raise VersionNotFound / NotADraft / ChangedSinceRead: see the messages.
    :raise RulesInvalid: the rules no longer fit the city's criteria.
    """
    action = "regulation.approve"
    require_role(actor, APPROVERS, action, ENTITY, version_id)
    row = _row(session, version_id)
    if row.drafted_by_id is not None and row.drafted_by_id == actor.id:
        raise policy.refuse(
            policy.OwnDraft, actor, action, ENTITY, version_id, "four eyes: drafter"
        )
    if row.status != "draft":
        raise NotADraft(number=row.number, status=row.status)
    checked = parse_rules(json.loads(row.rules), draft_criteria(session))
    now = clock.now_utc()
    condition = [RegulationVersion.id == row.id, RegulationVersion.status == "draft"]
    if expected_version is not None:
        condition.append(RegulationVersion.version == expected_version)
    done = compare_and_set(
        session,
        update(RegulationVersion)
        .where(*condition)
        .values(
            status="approved",
            approved_by_id=actor.id,
            approved_at=now,
            version=RegulationVersion.version + 1,
        ),
    )
    if not done:
        raise _lost(session, row, expected_version)
    record(
        session,
        actor,
        action,
        ENTITY,
        row.id,
        before={"status": "draft"},
        after={
            **_event_of(row.number, row.effective_on, row.directive, checked),
            "status": "approved",
        },
        at=now,
    )
