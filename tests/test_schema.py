"""The migrations build one schema on SQLite and PostgreSQL, equal to the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db import audit
from db.migrate import head_revision, is_up_to_date
from db.models import Base
from db.session import write_session


def describe(engine: Engine) -> dict[str, object]:
    """A backend-neutral description of the schema: tables, columns, keys, indexes."""
    insp = inspect(engine)
    out: dict[str, object] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version":
            continue
        out[table] = {
            "columns": sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(table)),
            "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in insp.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL lists UNIQUE twice
                and None not in i["column_names"]  # SQLite reflects no expression index
            ),
            "checks": sorted(c["name"] for c in insp.get_check_constraints(table)),
        }
    return out


def test_migration_history_is_one_line() -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_migrations_reach_head(migrated_engine: Engine) -> None:
    assert is_up_to_date(migrated_engine)
    assert head_revision()


def test_migrated_schema_matches_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_same_schema_on_both_backends(request: pytest.FixtureRequest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.engine import make_engine
    from tests.conftest import fresh_database_url

    engines = [
        make_engine(fresh_database_url(request, b, tmp_path)) for b in ("sqlite", "postgresql")
    ]
    try:
        sqlite_schema, pg_schema = (describe(e) for e in engines)
    finally:
        for e in engines:
            e.dispose()
    assert sorted(sqlite_schema) == sorted(pg_schema)
    for table in sqlite_schema:
        assert sqlite_schema[table] == pg_schema[table], table


def test_audit_events_are_append_only(migrated_engine: Engine) -> None:
    with write_session(migrated_engine) as s:
        audit.append(
            s,
            actor_id=None,
            actor_name="system",
            action="test.event",
            entity="test",
            entity_id=1,
            after={"x": 1},
        )
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises((DBAPIError, IntegrityError)), migrated_engine.begin() as conn:
            conn.execute(text(statement))
    with write_session(migrated_engine) as s:
        assert audit.verify(s).ok


def test_unknown_status_is_refused_by_the_database(migrated_engine: Engine) -> None:
    with pytest.raises(IntegrityError), migrated_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations"
                " (id, name_ko, name_en, kind, is_local, country, created_at)"
                " VALUES (1, 'x', 'x', 'spaceship', false, 'KR', CURRENT_TIMESTAMP)"
            )
        )
