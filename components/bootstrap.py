"""Open the database the app runs on, preparing the embedded demo database on first start.

Kept free of Streamlit so it can be tested and called from scripts; the cached wrapper lives
in ``components/data.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select

from db import clock
from db.city import store as city_store
from db.engine import make_engine
from db.errors import N_, DomainError
from db.migrate import is_up_to_date, upgrade
from db.models import Organization
from db.session import read_session


class SchemaOutOfDate(DomainError):
    message = N_(
        "The database schema is not up to date. An administrator must run "
        "`python -m db upgrade` before the app can start."
    )


def is_empty(engine: Engine) -> bool:
    with read_session(engine) as s:
        return s.execute(select(func.count()).select_from(Organization)).scalar_one() == 0


def needs_demo_data(engine: Engine) -> bool:
    """True if a demo start has work to do: migrations to apply or no data yet."""
    return not is_up_to_date(engine) or is_empty(engine)


def prepare_database(
    database_url: str, *, demo: bool, progress: Callable[[str], None] | None = None
) -> Engine:
    """Return an engine to a database ready for the app.

    In demo mode the schema is migrated and an empty database is filled with the demo data.
    Outside demo mode nothing is changed: the schema must already be current. The city's
    time zone is taken from its profile (``db.clock.use_city_zone``). ``progress`` hears
    each step of building the demo data (``seed.build``'s messages, "migrating" first).

    :raise DatabaseConfigError: ``DATABASE_URL`` is malformed or unreachable.
    :raise SchemaOutOfDate: outside demo mode, migrations are pending.
    """
    engine = make_engine(database_url)
    if demo:
        if progress is not None:
            progress("migrating")
        upgrade(engine)
        if is_empty(engine):
            import seed  # the demo generator; only needed on the first demo start

            seed.build(engine, scale=1, demo_accounts=True, progress=progress)
    elif not is_up_to_date(engine):
        engine.dispose()
        raise SchemaOutOfDate()
    with read_session(engine) as s:
        if city_store.has_profile(s):  # the city's days and times from here on
            clock.use_city_zone(city_store.city(s).time_zone)
    return engine
