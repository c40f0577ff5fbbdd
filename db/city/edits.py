# Over 500 lines on purpose: every administrator edit of the profile and its vocabularies,
# each with its refusal; they share the uses count and the compare-and-set.
"""An administrator's edits of the city profile and its vocabularies (the *City profile* page).

Every write checks the role here (administrators), compares and sets the row's ``version``
(someone else's change in between is refused, nothing saved) and appends one audit event in
the same transaction. Codes in use are retired rather than deleted: the records that hold a
code refer to it by a foreign key, and a retired code keeps labelling them.

Criteria are not edited here: they are the regulation's (its weights name them), changed with
a new regulation version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db import audit, clock, recording
from db.city.numbering import NumberPattern, PatternInvalid
from db.city.profile_file import CODE, LABEL_MAX_CHARS, check_logo
from db.city.store import city
from db.domain import REGIONS
from db.errors import N_, Conflict, DomainError, NotFound, ValidationFailed
from db.models import (
    VOCABULARY_TABLES,
    CityProfileRow,
    Expert,
    ExpertField,
    Meeting,
    Organization,
    Technology,
)
from db.policy import ADMINS, Actor, require, require_role

EDITABLE = ("fields", "sectors", "organisation_kinds")
"""The vocabularies an administrator edits on the page (criteria change with the regulation)."""

KIND_ATTRIBUTES = ("owns_technologies", "inquires", "abroad")

PROFILE_CHANGED = N_(
    "Someone else changed the city profile at the same time. Nothing was saved; reload the "
    "page and try again."
)
TERM_CHANGED = N_(
    "Someone else changed this code at the same time. Nothing was saved; reload the page and "
    "try again."
)
NAME_NEEDED = N_("Enter a name of at most 100 characters.")  # LABEL_MAX_CHARS
REGIONS_NEEDED = N_("Choose at least one of Korea's 17 regions.")
LANGUAGE_UNKNOWN = N_("Choose Korean or English.")
TIME_ZONE_UNKNOWN = N_("Enter a time zone such as Asia/Seoul.")
TARGET_INVALID = N_("Targets are whole numbers of at least 0 for years such as 2019.")
FIRST_DAY_LATE = N_("The first operating day cannot be after today.")
CODE_INVALID = N_("A code is 1 to 32 lower-case letters, digits and _, starting with a letter.")
CODE_TAKEN = N_("This code already exists in this list; choose another.")


class NumberingInUse(DomainError):
    """The number pattern changes once records exist: the numbers already given would no
    longer follow the pattern, and the next number of a year would be counted anew."""

    message = N_(
        "The registration number pattern cannot change once records exist: the numbers "
        "already given would no longer follow it. Nothing was saved."
    )


class TimeZoneInUse(DomainError):
    """The time zone changes once records exist: every stored time and every date taken from
    one (what day a record was made, the day a meeting was held) would change meaning."""

    message = N_(
        "The time zone cannot change once records exist: the dates of the stored times would "
        "change. Nothing was saved."
    )


class CodeInUse(DomainError):
    message = N_(
        "This code is used by {count} records and cannot be deleted; retire it instead (it "
        "then stays on those records but is no longer offered). Nothing was saved."
    )


class OutsideSectorKept(DomainError):
    message = N_(
        "The sector of technologies outside the growth sectors cannot be retired or deleted. "
        "Nothing was saved."
    )


class NotEditable(DomainError):
    message = N_("The criteria change with the regulation, not here. Nothing was saved.")


@dataclass(frozen=True)
class ProfileEdit:
    """What the page sends for the profile; ``logo`` None keeps the current one."""

    name_ko: str
    name_en: str
    home_regions: tuple[str, ...]
    default_language: str
    first_operating_day: dt.date
    targets: Mapping[int, Mapping[str, int]]
    reg_no_pattern: str
    time_zone: str
    logo: bytes | None = None


def records_exist(session: Session) -> bool:
    """Whether any organisation, technology, expert or meeting is recorded (the number
    pattern and the time zone are fixed from then on)."""
    for model in (Organization, Technology, Expert, Meeting):
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            return True
    return False


def _text(errors: dict[str, str], field: str, value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > LABEL_MAX_CHARS:
        errors[field] = NAME_NEEDED
    return value


def edit_profile(
    *,
    session: Session,
    actor: Actor,
    version: int,
    edit: ProfileEdit,
    now: dt.datetime | None = None,
) -> int:
    """Save ``edit`` over the profile read at ``version``; returns the new version.

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: a value is missing or wrong (per field).
    :raise NumberingInUse: the number pattern changes while records exist.
    :raise TimeZoneInUse: the time zone changes while records exist.
    :raise Conflict: someone changed the profile since ``version`` was read.
    """
    require_role(actor, ADMINS, "city.edit", "city_profile", 1)
    current = city(session)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name_ko": _text(errors, "name_ko", edit.name_ko),
        "name_en": _text(errors, "name_en", edit.name_en),
    }
    regions = list(dict.fromkeys(edit.home_regions))
    if not regions or not set(regions) <= set(REGIONS):
        errors["home_regions"] = REGIONS_NEEDED
    values["home_regions"] = json.dumps(regions)
    if edit.default_language not in ("ko", "en"):
        errors["default_language"] = LANGUAGE_UNKNOWN
    values["default_language"] = edit.default_language
    if edit.first_operating_day > clock.city_today():
        errors["first_operating_day"] = FIRST_DAY_LATE
    values["first_operating_day"] = edit.first_operating_day
    targets: dict[str, dict[str, int]] = {}
    for year, figures in edit.targets.items():
        if not 1900 <= int(year) <= 2200 or any(
            not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in figures.values()
        ):
            errors["targets"] = TARGET_INVALID
        targets[str(int(year))] = dict(figures)
    values["targets"] = json.dumps(targets, sort_keys=True)
    try:
        NumberPattern(edit.reg_no_pattern)
    except PatternInvalid as exc:
        errors["reg_no_pattern"] = exc.message
    try:
        ZoneInfo(edit.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = TIME_ZONE_UNKNOWN
    if edit.logo is not None:
        logo_type, problem, _params = check_logo(edit.logo)
        if problem or not logo_type:
            errors["logo"] = N_("Upload an SVG (without scripts) or PNG file of at most 200 kB.")
        values |= {"logo": edit.logo, "logo_type": logo_type}
    if errors:
        raise ValidationFailed(errors)
    pattern_changes = edit.reg_no_pattern != current.reg_no_pattern.pattern
    zone_changes = edit.time_zone != current.time_zone
    if (pattern_changes or zone_changes) and records_exist(session):
        # Numbers already given would not follow a new pattern (and counting would restart);
        # stored times (UTC) would fall on other days of a new zone: both refused for good.
        raise NumberingInUse() if pattern_changes else TimeZoneInUse()
    values |= {"reg_no_pattern": edit.reg_no_pattern, "time_zone": edit.time_zone}
    when = clock.as_utc(now or clock.now_utc())
    before = _profile_state(session)
    if not recording.compare_and_set(
        session,
        update(CityProfileRow)
        .where(CityProfileRow.id == 1, CityProfileRow.version == version)
        .values(version=version + 1, updated_at=when, updated_by_id=actor.id, **values),
    ):
        raise Conflict(PROFILE_CHANGED)
    session.expire_all()
    after = _profile_state(session)
    changed = {k for k in after if after[k] != before[k]}
    audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action="city.edit",
        entity="city_profile",
        entity_id=1,
        before={k: before[k] for k in sorted(changed)} | {"version": version},
        after={k: after[k] for k in sorted(changed)} | {"version": version + 1},
        at=when,
    )
    return version + 1


def _profile_state(session: Session) -> dict[str, Any]:
    row = session.get(CityProfileRow, 1)
    assert row is not None
    return {
        "name_ko": row.name_ko,
        "name_en": row.name_en,
        # the logo itself is not copied into the trail: its size and SHA-256 say which it was
        "logo": f"{row.logo_type}, {len(row.logo)} bytes, SHA-256 "
        + hashlib.sha256(row.logo).hexdigest(),
        "home_regions": json.loads(row.home_regions),
        "default_language": row.default_language,
        "first_operating_day": row.first_operating_day.isoformat(),
        "targets": json.loads(row.targets or "{}"),
        "reg_no_pattern": row.reg_no_pattern,
        "time_zone": row.time_zone,
    }


# --- vocabularies ----------------------------------------------------------------------------


def uses(session: Session, vocabulary: str, code: str) -> int:
    """How many records hold ``code`` of ``vocabulary`` (technologies, experts' fields,
    organisations)."""
    if vocabulary == "fields":
        return int(
            session.execute(
                select(func.count()).select_from(Technology).where(Technology.field == code)
            ).scalar_one()
            + session.execute(
                select(func.count()).select_from(ExpertField).where(ExpertField.field == code)
            ).scalar_one()
        )
    if vocabulary == "sectors":
        return int(
            session.execute(
                select(func.count()).select_from(Technology).where(Technology.growth_sector == code)
            ).scalar_one()
        )
    if vocabulary == "organisation_kinds":
        return int(
            session.execute(
                select(func.count()).select_from(Organization).where(Organization.kind == code)
            ).scalar_one()
        )
    raise NotEditable()


# The columns that hold a vocabulary's codes (what :func:`uses` counts), for :func:`all_uses`.
_HOLDERS: dict[str, tuple[Any, ...]] = {
    "fields": (Technology.field, ExpertField.field),
    "sectors": (Technology.growth_sector,),
    "organisation_kinds": (Organization.kind,),
}


def all_uses(session: Session, vocabulary: str) -> dict[str, int]:
    """Code -> :func:`uses` for every code of ``vocabulary`` (the page's table): one grouped
    count per table that holds the codes, not one count per code (27 full scans of the
    technologies for the fields at scale 100)."""
    model = VOCABULARY_TABLES[vocabulary]
    if vocabulary not in _HOLDERS:
        raise NotEditable()
    counts = dict.fromkeys(session.execute(select(model.code)).scalars(), 0)
    for column in _HOLDERS[vocabulary]:
        for code, n in session.execute(select(column, func.count()).group_by(column)).all():
            if code in counts:
                counts[code] += int(n)
    return counts


def _editable(actor: Actor, vocabulary: str, action: str, code: str) -> type[Any]:
    require(actor, ADMINS, action=action, entity=vocabulary, entity_id=code or None)
    if vocabulary not in EDITABLE:
        raise NotEditable()
    return VOCABULARY_TABLES[vocabulary]


def _term(session: Session, model: type[Any], code: str) -> Any:
    row = session.get(model, code, populate_existing=True)
    if row is None:
        raise NotFound()
    return row


def _term_state(row: Any) -> dict[str, Any]:
    return {
        "label_ko": row.label_ko,
        "label_en": row.label_en,
        "position": row.position,
        "attributes": json.loads(row.attributes or "{}"),
        "retired_on": row.retired_on.isoformat() if row.retired_on else None,
        "version": row.version,
    }


def _set(
    session: Session,
    actor: Actor,
    vocabulary: str,
    model: type[Any],
    code: str,
    version: int,
    action: str,
    values: dict[str, Any],
    now: dt.datetime | None,
    reason: str | None = None,
) -> int:
    row = _term(session, model, code)
    before = _term_state(row)
    if not recording.compare_and_set(
        session,
        update(model)
        .where(model.code == code, model.version == version)
        .values(version=version + 1, **values),
    ):
        raise Conflict(TERM_CHANGED)
    session.expire(row)
    after = _term_state(_term(session, model, code))
    audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action=action,
        entity=vocabulary,
        entity_id=code,
        before=before,
        after=after,
        reason=reason,
        at=clock.as_utc(now or clock.now_utc()),
    )
    return version + 1


def _labels(errors: dict[str, str], ko: str, en: str) -> tuple[str, str]:
    return _text(errors, "label_ko", ko), _text(errors, "label_en", en)


def edit_term(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    code: str,
    version: int,
    label_ko: str,
    label_en: str,
    now: dt.datetime | None = None,
) -> int:
    """New labels for ``code``; returns the term's new version (the order: :func:`reorder`).

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: a label is missing or too long.
    :raise Conflict: the code changed since ``version`` was read.
    """
    model = _editable(actor, vocabulary, "city.term_edit", code)
    errors: dict[str, str] = {}
    ko, en = _labels(errors, label_ko, label_en)
    if errors:
        raise ValidationFailed(errors)
    return _set(
        session,
        actor,
        vocabulary,
        model,
        code,
        version,
        "city.term_edit",
        {"label_ko": ko, "label_en": en},
        now,
    )


@dataclass(frozen=True)
class TermEdit:
    """One row of the page's table of a vocabulary: the code, the version read, its labels."""

    code: str
    version: int
    label_ko: str
    label_en: str


def edit_terms(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    rows: Sequence[TermEdit],
    now: dt.datetime | None = None,
) -> int:
    """Save the table of ``vocabulary`` as the page sends it: ``rows`` in the new order
    (first to last: positions 1..n), each with its labels; rows whose labels and place are
    unchanged are left alone. Returns how many codes changed.

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: a label is missing or too long (nothing saved).
    :raise Conflict: one of the codes changed since it was read (nothing saved).
    """
    model = _editable(actor, vocabulary, "city.term_edit", "")
    errors: dict[str, str] = {}
    cleaned = [(r, *_labels(errors, r.label_ko, r.label_en)) for r in rows]
    if errors:
        raise ValidationFailed(errors)
    changed = 0
    for place, (r, ko, en) in enumerate(cleaned, start=1):
        row = _term(session, model, r.code)
        values: dict[str, Any] = {}
        if (row.label_ko, row.label_en) != (ko, en):
            values |= {"label_ko": ko, "label_en": en}
        if row.position != place:
            values["position"] = place
        if values:
            _set(
                session, actor, vocabulary, model, r.code, r.version, "city.term_edit", values, now
            )
            changed += 1
    return changed


def add_term(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    code: str,
    label_ko: str,
    label_en: str,
    attributes: Mapping[str, bool] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """A new code at the end of ``vocabulary`` (a kind of organisation with its attributes).

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: a bad or taken code, a label missing or too long.
    """
    model = _editable(actor, vocabulary, "city.term_add", code)
    errors: dict[str, str] = {}
    code = (code or "").strip()
    if not CODE.match(code):
        errors["code"] = CODE_INVALID
    elif session.get(model, code) is not None:
        errors["code"] = CODE_TAKEN
    ko, en = _labels(errors, label_ko, label_en)
    if errors:
        raise ValidationFailed(errors)
    attrs = (
        {k: bool((attributes or {}).get(k)) for k in KIND_ATTRIBUTES}
        if vocabulary == "organisation_kinds"
        else {}
    )
    last = session.execute(select(func.max(model.position))).scalar() or 0
    session.add(
        model(
            code=code,
            version=1,
            label_ko=ko,
            label_en=en,
            position=int(last) + 1,
            attributes=json.dumps(attrs, sort_keys=True),
            retired_on=None,
        )
    )
    session.flush()
    audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action="city.term_add",
        entity=vocabulary,
        entity_id=code,
        after={"label_ko": ko, "label_en": en, "position": int(last) + 1, "attributes": attrs},
        at=clock.as_utc(now or clock.now_utc()),
    )


def _not_outside(session: Session, vocabulary: str, model: type[Any], code: str) -> None:
    if vocabulary == "sectors" and json.loads(_term(session, model, code).attributes or "{}").get(
        "outside"
    ):
        raise OutsideSectorKept()


def retire_term(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    code: str,
    version: int,
    now: dt.datetime | None = None,
) -> int:
    """No longer offer ``code`` for new records (those that hold it keep it); returns how
    many records use it (recorded in the audit event).

    :raise PermissionDenied: the actor is not an administrator.
    :raise OutsideSectorKept: the sector of technologies outside the growth sectors.
    :raise Conflict: the code changed since ``version`` was read.
    """
    model = _editable(actor, vocabulary, "city.term_retire", code)
    _not_outside(session, vocabulary, model, code)
    count = uses(session, vocabulary, code)
    _set(
        session,
        actor,
        vocabulary,
        model,
        code,
        version,
        "city.term_retire",
        {"retired_on": clock.city_today()},
        now,
        reason=f"used by {count} records",
    )
    return count


def restore_term(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    code: str,
    version: int,
    now: dt.datetime | None = None,
) -> int:
    """Offer a retired ``code`` again; returns the term's new version.

    :raise PermissionDenied: the actor is not an administrator.
    :raise Conflict: the code changed since ``version`` was read.
    """
    model = _editable(actor, vocabulary, "city.term_restore", code)
    return _set(
        session,
        actor,
        vocabulary,
        model,
        code,
        version,
        "city.term_restore",
        {"retired_on": None},
        now,
    )


def delete_term(
    *,
    session: Session,
    actor: Actor,
    vocabulary: str,
    code: str,
    version: int,
    now: dt.datetime | None = None,
) -> None:
    """Remove ``code`` that no record uses.

    :raise PermissionDenied: the actor is not an administrator.
    :raise CodeInUse: records use it (with their count).
    :raise OutsideSectorKept: the sector of technologies outside the growth sectors.
    :raise Conflict: the code changed since ``version`` was read.
    """
    model = _editable(actor, vocabulary, "city.term_delete", code)
    _not_outside(session, vocabulary, model, code)
    row = _term(session, model, code)
    count = uses(session, vocabulary, code)
    if count:
        raise CodeInUse(count=count)
    before = _term_state(row)
    result = session.execute(delete(model).where(model.code == code, model.version == version))
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict(TERM_CHANGED)
    audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action="city.term_delete",
        entity=vocabulary,
        entity_id=code,
        before=before,
        at=clock.as_utc(now or clock.now_utc()),
    )


__all__ = [
    "EDITABLE",
    "CodeInUse",
    "NotEditable",
    "NumberingInUse",
    "OutsideSectorKept",
    "ProfileEdit",
    "TermEdit",
    "TimeZoneInUse",
    "add_term",
    "all_uses",
    "delete_term",
    "edit_profile",
    "edit_term",
    "edit_terms",
    "records_exist",
    "restore_term",
    "retire_term",
    "uses",
]
