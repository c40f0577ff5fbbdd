"""Publications are append-only in the database too.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:30:00

``db.publications`` only ever inserts: publishing a date again adds a new current
publication. Until now a direct ``UPDATE`` or ``DELETE`` was reported afterwards (the stored
hash and the record seals no longer match); these triggers refuse it as it is tried, as
``audit_events`` and ``record_seals`` do. Someone with the database owner's rights can still
drop a trigger: that is what the hash, the seals and the head receipts are for.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "publications is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION publications_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER publications_no_{name.lower()} BEFORE {name} ON publications "
                "FOR EACH ROW EXECUTE FUNCTION publications_append_only()"
            )
        op.execute(
            "CREATE TRIGGER publications_no_truncate BEFORE TRUNCATE ON publications "
            "FOR EACH STATEMENT EXECUTE FUNCTION publications_append_only()"
        )
    else:
        for name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER publications_no_{name.lower()} BEFORE {name} ON publications "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    names = ("update", "delete", "truncate") if postgres else ("update", "delete")
    for name in names:
        op.execute(
            f"DROP TRIGGER IF EXISTS publications_no_{name}" + (" ON publications" if postgres else "")
        )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS publications_append_only()")
