"""The city profile and vocabularies in the database: applied once from a profile file,
read by everyone, and the one check of a vocabulary code that every write calls.

``apply_profile`` is what ``python -m db city init`` runs (and the demo seed, and the test
databases): it refuses a database that already has a profile or holds records, writes the
profile row, the four vocabularies and the profile's regulation as version 1 (approved: the
file is the city's decision, and applying it is audited with the file's SHA-256), all in the
caller's transaction. ``export_profile`` reads the current state back as a
:class:`~db.city.profile_file.CityProfile` (``python -m db city export``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db import audit, clock
from db.city.numbering import NumberPattern
from db.city.profile_file import (
    VOCABULARIES,
    CityProfile,
    RegulationDraft,
    Term,
    logo_file_name,
    profile_toml,
)
from db.errors import N_, DomainError
from db.models import (
    VOCABULARY_TABLES,
    Base,
    CityProfileRow,
    Expert,
    Meeting,
    Organization,
    RegulationVersion,
    Technology,
)
from db.policy import REGULATION_READERS, SYSTEM, Actor, require_role
from db.recording import UNKNOWN_CHOICE
from db.regulation.rules import rules_from_json


class ProfileExists(DomainError):
    message = N_(
        "This database already has a city profile ({code}); it was not changed. An "
        "administrator edits the profile in the app."
    )


class DatabaseNotEmpty(DomainError):
    message = N_(
        "This database already holds records; a profile is applied only to an empty, "
        "upgraded database. Nothing was changed."
    )


RETIRED_CODE: Mapping[str, str] = {
    "fields": N_(
        "This technical field is retired: older records keep it, but it cannot be chosen for "
        "a new one. Choose another field."
    ),
    "sectors": N_(
        "This growth sector is retired: older records keep it, but it cannot be chosen for a "
        "new one. Choose another sector."
    ),
    "organisation_kinds": N_(
        "This kind of organisation is retired: older records keep it, but it cannot be chosen "
        "for a new one. Choose another kind."
    ),
    "criteria": N_(
        "This criterion is retired: older records keep it, but it cannot be chosen for a new "
        "one. Choose another criterion."
    ),
}
"""What :func:`require_code` says about a retired code, per vocabulary."""


class NoProfile(DomainError):
    message = N_(
        "This database has no city profile yet: apply one with "
        "`python -m db city init profiles/<city>.toml`."
    )


@dataclass(frozen=True)
class City:
    """The city as the app reads it (labels of the vocabularies come with :func:`terms`)."""

    code: str
    name_ko: str
    name_en: str
    logo: bytes
    logo_type: str
    home_regions: tuple[str, ...]
    reg_no_pattern: NumberPattern
    time_zone: str
    first_operating_day: dt.date
    default_language: str
    targets: Mapping[int, Mapping[str, int]]
    version: int

    def name(self, lang: str) -> str:
        return self.name_ko if lang == "ko" else self.name_en

    def is_home(self, region: str | None) -> bool:
        """An organisation in ``region`` is local (a local firm)."""
        return region is not None and region in self.home_regions


def has_profile(session: Session) -> bool:
    return session.get(CityProfileRow, 1) is not None


def apply_profile(
    session: Session,
    profile: CityProfile,
    *,
    source: str,
    actor: Actor = SYSTEM,
    at: dt.datetime | None = None,
) -> None:
    """Write ``profile`` to an empty database (in the caller's transaction), audited.

    ``source`` names where it came from (the file and its SHA-256). ``at`` dates the rows and
    events (default now).

    :raise ProfileExists: the database already has a profile.
    :raise DatabaseNotEmpty: it holds organisations, technologies, experts or meetings.
    """
    existing = session.get(CityProfileRow, 1)
    if existing is not None:
        raise ProfileExists(code=existing.code)
    for model in (Organization, Technology, Expert, Meeting):
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise DatabaseNotEmpty()
    when = clock.as_utc(at or clock.now_utc())
    for table, rows in profile_rows(profile, source=source, at=when, actor_id=actor.id).items():
        session.execute(insert(Base.metadata.tables[table]), rows)
    for action, entity, entity_id, after in profile_events(profile):
        audit.append(
            session,
            actor_id=actor.id,
            actor_name=actor.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            after=after,
            reason=source,
            at=when,
        )


def profile_rows(
    profile: CityProfile, *, source: str, at: dt.datetime, actor_id: int | None
) -> dict[str, list[dict[str, Any]]]:
    """The rows that hold ``profile``, per table in foreign-key order (the regulation, if
    the profile brings one, as approved version 1): what :func:`apply_profile` and the demo
    seed write."""
    rows: dict[str, list[dict[str, Any]]] = {
        "city_profile": [
            {
                "id": 1,
                "version": 1,
                "code": profile.code,
                "name_ko": profile.name_ko,
                "name_en": profile.name_en,
                "logo": profile.logo,
                "logo_type": profile.logo_type,
                "home_regions": json.dumps(list(profile.home_regions)),
                "reg_no_pattern": profile.reg_no_pattern,
                "time_zone": profile.time_zone,
                "first_operating_day": profile.first_operating_day,
                "default_language": profile.default_language,
                "targets": json.dumps(
                    {str(y): dict(v) for y, v in profile.targets.items()}, sort_keys=True
                ),
                "source": source[:200],
                "updated_at": at,
                "updated_by_id": actor_id,
            }
        ]
    }
    for vocabulary in VOCABULARIES:
        rows[VOCABULARY_TABLES[vocabulary].__tablename__] = [
            {
                "code": t.code,
                "version": 1,
                "label_ko": t.ko,
                "label_en": t.en,
                "position": t.position,
                "attributes": json.dumps(dict(t.attributes), sort_keys=True),
                "retired_on": None,
            }
            for t in profile.vocabularies[vocabulary]
        ]
    reg = profile.regulation
    if reg is not None:
        rows["regulation_versions"] = [
            {
                "id": 1,
                "number": 1,
                "version": 1,
                "effective_on": reg.effective_on,
                "directive": reg.directive,
                "rules": reg.rules.as_json(),
                "status": "approved",
                "source": source[:200],
                "drafted_by_id": actor_id,
                "drafted_at": at,
                "approved_by_id": actor_id,
                "approved_at": at,
            }
        ]
    return rows


def profile_events(profile: CityProfile) -> list[tuple[str, str, int, dict[str, Any]]]:
    """``(action, entity, entity_id, after)`` of the audit events applying ``profile``."""
    events: list[tuple[str, str, int, dict[str, Any]]] = [
        (
            "city.init",
            "city_profile",
            1,
            {
                "code": profile.code,
                "name_ko": profile.name_ko,
                "name_en": profile.name_en,
                "home_regions": list(profile.home_regions),
                "reg_no_pattern": profile.reg_no_pattern,
                "time_zone": profile.time_zone,
                "first_operating_day": profile.first_operating_day,
                "default_language": profile.default_language,
                "terms": {v: [t.code for t in profile.vocabularies[v]] for v in VOCABULARIES},
            },
        )
    ]
    reg = profile.regulation
    if reg is not None:
        events.append(
            (
                "regulation.install",
                "regulation_version",
                1,
                {
                    "number": 1,
                    "effective_on": reg.effective_on,
                    "directive": reg.directive,
                    "rules": json.loads(reg.rules.as_json()),
                    "status": "approved",
                },
            )
        )
    return events


def city(session: Session) -> City:
    """The city running this instance.

    :raise NoProfile: no profile was applied yet.
    """
    row = session.get(CityProfileRow, 1)
    if row is None:
        raise NoProfile()
    return City(
        code=row.code,
        name_ko=row.name_ko,
        name_en=row.name_en,
        logo=row.logo,
        logo_type=row.logo_type,
        home_regions=tuple(json.loads(row.home_regions)),
        reg_no_pattern=NumberPattern(row.reg_no_pattern),
        time_zone=row.time_zone,
        first_operating_day=row.first_operating_day,
        default_language=row.default_language,
        targets={int(y): dict(v) for y, v in json.loads(row.targets or "{}").items()},
        version=row.version,
    )


@dataclass(frozen=True)
class VocabularyTerm:
    """A code of a vocabulary with its labels, as forms, tables and imports show it."""

    code: str
    ko: str
    en: str
    position: int
    attributes: Mapping[str, Any]
    retired_on: dt.date | None
    version: int = 1  # compare-and-set of an administrator's edit (``db.city.edits``)

    def label(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    @property
    def retired(self) -> bool:
        return self.retired_on is not None


def terms(session: Session, vocabulary: str) -> tuple[VocabularyTerm, ...]:
    """Every code of ``vocabulary`` (retired ones too), in the city's order."""
    model = VOCABULARY_TABLES[vocabulary]
    rows = session.execute(select(model).order_by(model.position, model.code)).scalars()
    return tuple(
        VocabularyTerm(
            r.code,
            r.label_ko,
            r.label_en,
            r.position,
            json.loads(r.attributes or "{}"),
            r.retired_on,
            r.version,
        )
        for r in rows
    )


def codes(session: Session, vocabulary: str, *, offered: bool = False) -> tuple[str, ...]:
    """The codes of ``vocabulary``; with ``offered``, only those not retired (new records)."""
    return tuple(t.code for t in terms(session, vocabulary) if not (offered and t.retired))


def is_code(session: Session, vocabulary: str, code: Any, *, for_new_use: bool = True) -> bool:
    """Whether ``code`` is a code of ``vocabulary`` that may be used now: a retired code
    stays on the records that hold it but is refused for a new use (``for_new_use``)."""
    if not isinstance(code, str):
        return False
    model = VOCABULARY_TABLES[vocabulary]
    row = session.get(model, code)
    return row is not None and not (for_new_use and row.retired_on is not None)


def require_code(
    session: Session,
    vocabulary: str,
    code: Any,
    errors: dict[str, str],
    field: str,
    *,
    kept: Collection[str] = (),
) -> str:
    """``code`` when this write may use it: a code of the city's ``vocabulary``, not
    retired unless the record already holds it (``kept``: an edit may keep a retired code).
    Otherwise the problem is recorded under ``field`` in ``errors`` (an unknown code: choose
    from the list; a retired one: a sentence naming the vocabulary) and ``""`` returned.

    The one check of a vocabulary code: every write that takes a field, growth sector or
    kind of organisation calls it (the foreign keys refuse an unknown code as well, but
    only as a database error, and they cannot tell a retired code)."""
    if is_code(session, vocabulary, code, for_new_use=code not in kept):
        return str(code)
    retired = is_code(session, vocabulary, code, for_new_use=False)
    errors[field] = RETIRED_CODE[vocabulary] if retired else UNKNOWN_CHOICE
    return ""


def positions(session: Session, vocabulary: str) -> dict[str, int]:
    """Code -> its place in the city's order of ``vocabulary`` (to sort codes as forms and
    tables show them)."""
    return {t.code: i for i, t in enumerate(terms(session, vocabulary))}


def with_attribute(session: Session, vocabulary: str, name: str) -> tuple[str, ...]:
    """The codes of ``vocabulary`` whose attribute ``name`` is true (e.g. the kinds of
    organisation that may own a technology), retired ones included."""
    return tuple(t.code for t in terms(session, vocabulary) if t.attributes.get(name))


def outside_sector(session: Session) -> str:
    """The growth-sector code of technologies outside the city's growth sectors."""
    found = with_attribute(session, "sectors", "outside")
    if not found:
        raise NoProfile()
    return found[0]


def regulation_criteria(session: Session) -> dict[str, int]:
    """Criterion code -> stage, in the city's order (what a regulation's weights cover)."""
    return {t.code: int(t.attributes.get("stage", 0)) for t in terms(session, "criteria")}


def export_profile(session: Session) -> CityProfile:
    """The profile as it stands now, with regulation version 1 (for a new instance's file).

    :raise NoProfile: no profile was applied yet.
    """
    c = city(session)
    vocabularies = {
        v: tuple(
            Term(t.code, t.ko, t.en, t.position, dict(t.attributes))
            for t in terms(session, v)
            if not t.retired
        )
        for v in VOCABULARIES
    }
    first = session.execute(
        select(RegulationVersion)
        .where(RegulationVersion.status == "approved")
        .order_by(RegulationVersion.effective_on.desc(), RegulationVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    regulation = None
    if first is not None:
        stages = {t.code: int(t.attributes["stage"]) for t in vocabularies["criteria"]}
        regulation = RegulationDraft(
            first.effective_on, first.directive, rules_from_json(first.rules, stages)
        )
    return CityProfile(
        code=c.code,
        name_ko=c.name_ko,
        name_en=c.name_en,
        logo=c.logo,
        logo_type=c.logo_type,
        home_regions=c.home_regions,
        reg_no_pattern=c.reg_no_pattern.pattern,
        time_zone=c.time_zone,
        first_operating_day=c.first_operating_day,
        default_language=c.default_language,
        targets=c.targets,
        vocabularies=vocabularies,
        regulation=regulation,
    )


@dataclass(frozen=True)
class ProfileView:
    """The city's profile as readers of the regulation see it (read only): its facts, every
    vocabulary with retired codes, and the profile file another city would start from."""

    city: City
    vocabularies: Mapping[str, tuple[VocabularyTerm, ...]]
    profile_file: str
    file_name: str


def profile_view(*, session: Session, actor: Actor) -> ProfileView:
    """The profile in force, for an auditor (or any reader of the regulation) to inspect
    beside the regulation versions.

    :raise PermissionDenied: the actor may not read the regulation.
    :raise NoProfile: no profile was applied yet.
    """
    require_role(actor, REGULATION_READERS, "city_profile.read", "city_profile")
    here = city(session)
    profile = export_profile(session)
    return ProfileView(
        city=here,
        vocabularies={v: terms(session, v) for v in VOCABULARIES},
        profile_file=profile_toml(profile, logo_file_name(profile)),
        file_name=f"{profile.code}.toml",
    )
