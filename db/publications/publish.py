"""Publishing the figures as of a date (the mayor's office only), and reading publications.

:func:`publish` computes the figures itself from the database (the caller hands the date and
the filters, never figures), stores them frozen (:mod:`.frozen`) and appends the audit event
``publication.publish`` in the same transaction. Nothing here updates or deletes a
publication: a second one for the same date and filters becomes the current one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import clock, kpi, policy, recording
from db.errors import N_, ValidationFailed
from db.kpi.headline import ALL_TECHNOLOGIES, TechFilter
from db.models import Publication as PublicationRow
from db.models import User
from db.policy import PUBLICATION_READERS, PUBLISHERS, Actor
from db.publications.frozen import Publication, canonical, digest, figures_of, filters_text, read

FUTURE_DATE = N_(
    "Figures can be published only for today or an earlier day: {date} has not come yet. "
    "Nothing was published."
)
NO_DATE = N_("Choose the date whose figures are published. Nothing was published.")
TITLE_MAX_CHARS = 200
NOTE_MAX_CHARS = 2000


def compute(
    *, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> dict[str, int]:
    """The figures as they stand in the database now, counted as of ``as_of`` (what a
    publication made now would freeze, and what :func:`~db.publications.compare` compares
    with)."""
    return figures_of(kpi.headline(session=session, as_of=as_of, tech=tech))


def publish(
    *,
    session: Session,
    actor: Actor,
    as_of: dt.date,
    tech: TechFilter = ALL_TECHNOLOGIES,
    title: str | None = None,
    note: str | None = None,
) -> int:
    """Freeze the figures as of ``as_of`` (with the overview's ``tech`` filters), computed
    from the database now; return the publication's id. It cannot be undone.

    :raise PermissionDenied: the actor is not the mayor's office (:data:`PUBLISHERS`).
    :raise ValidationFailed: ``as_of`` is missing or after the city's today; the title or
        the note is too long; a filter's code is not in the city's vocabularies.
    """
    policy.require_role(actor, PUBLISHERS, "publication.publish", "publication")
    errors: dict[str, str] = {}
    params: dict[str, str] = {}
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        errors["as_of"] = NO_DATE
    elif as_of > clock.city_today():
        errors["as_of"] = FUTURE_DATE
        params["date"] = as_of.isoformat()
    clean_title = recording.clean_text(
        title, "title", errors, required=False, max_chars=TITLE_MAX_CHARS
    )
    clean_note = recording.clean_text(
        note, "note", errors, required=False, max_chars=NOTE_MAX_CHARS
    )
    if errors:
        raise ValidationFailed(errors, **params)
    try:
        figures = canonical(compute(session=session, as_of=as_of, tech=tech))
    except ValueError as exc:  # a filter's code unknown to the city (db.listing.check_terms)
        raise ValidationFailed({"filters": recording.UNKNOWN_CHOICE}) from exc
    filters = filters_text(tech)
    now = clock.now_utc()
    row = PublicationRow(
        as_of=as_of,
        filters=filters,
        figures=figures,
        sha256=digest(as_of, filters, figures),
        published_at=now,
        published_by_id=actor.id,
        title=clean_title or None,
        note=clean_note or None,
    )
    session.add(row)
    session.flush()
    recording.record(
        session,
        actor,
        "publication.publish",
        "publication",
        row.id,
        after={
            "as_of": as_of.isoformat(),
            "filters": filters,
            "sha256": row.sha256,
            "title": row.title,
        },
        at=now,
    )
    return row.id


def _publisher_names(session: Session, rows: list[PublicationRow]) -> dict[int, str]:
    ids = {r.published_by_id for r in rows if r.published_by_id is not None}
    if not ids:
        return {}
    found = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {r.id: r.display_name or r.username for r in found}


def _read_all(session: Session, rows: list[PublicationRow]) -> list[Publication]:
    names = _publisher_names(session, rows)
    return [read(r, names.get(r.published_by_id or -1, "")) for r in rows]


def current(
    *, session: Session, actor: Actor, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> Publication | None:
    """The current publication for ``as_of`` and these filters (the newest), or None.

    :raise PermissionDenied: the actor may not read publications.
    """
    policy.require_role(actor, PUBLICATION_READERS, "publication.read", "publication")
    row = session.execute(
        select(PublicationRow)
        .where(PublicationRow.as_of == as_of, PublicationRow.filters == filters_text(tech))
        .order_by(PublicationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else _read_all(session, [row])[0]


def publication(*, session: Session, actor: Actor, publication_id: int) -> Publication | None:
    """One publication by id, or None.

    :raise PermissionDenied: the actor may not read publications.
    """
    policy.require_role(actor, PUBLICATION_READERS, "publication.read", "publication")
    row = session.get(PublicationRow, publication_id)
    return None if row is None else _read_all(session, [row])[0]


def publications(*, session: Session, actor: Actor) -> list[Publication]:
    """Every publication, newest first (there are a few a month, never thousands).

    :raise PermissionDenied: the actor may not read publications.
    """
    policy.require_role(actor, PUBLICATION_READERS, "publication.read", "publication")
    rows = list(
        session.execute(select(PublicationRow).order_by(PublicationRow.id.desc())).scalars()
    )
    return _read_all(session, rows)
