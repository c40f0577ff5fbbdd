"""Tampering as someone with the database owner's rights could: the append-only triggers of
a table dropped (SQLite) or disabled (PostgreSQL), on the test's own database only."""

from __future__ import annotations

from sqlalchemy import Engine


def unguarded(engine: Engine, table: str) -> None:
    """Turn off ``table``'s append-only triggers (``<table>_no_update``, ``_no_delete``)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
