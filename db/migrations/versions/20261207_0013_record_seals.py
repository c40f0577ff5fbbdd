"""Record seals: the audited records made tamper-evident, not only the log.

Revision ID: 0013
Revises: 0018
Create Date: 2026-12-07 00:10:00

- ``audit_events.seal``: SHA-256 over the seals the event wrote (below), part of the event's
  hash when present, so a seal cannot change without breaking the chain.
- ``record_seals``: the digest of an audited record's state (every column; an evaluation's
  scores, an expert's fields) as the audited write left it, and a short digest per field so
  that a difference can be named; written with the event (``db.audit.records``). Refuses
  UPDATE and DELETE, like ``audit_events``.

A database that already holds records is sealed by ``python -m db upgrade`` (one baseline).
A downgrade drops ``record_seals`` but keeps ``audit_events.seal``, which the chain hashes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "record_seals is append-only"


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("audit_events")}
    if "seal" not in columns:  # kept by a downgrade (see there)
        op.add_column("audit_events", sa.Column("seal", sa.String(length=64), nullable=True))
    op.create_table(
        "record_seals",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "table_name", "record_id"),
    )
    op.create_index(
        "ix_record_seals_record", "record_seals", ["table_name", "record_id", "event_id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION record_seals_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER record_seals_no_{name.lower()} BEFORE {name} ON record_seals "
                "FOR EACH ROW EXECUTE FUNCTION record_seals_append_only()"
            )
    else:
        for name in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER record_seals_no_{name.lower()} BEFORE {name} ON record_seals "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ("update", "delete"):
        op.execute(
            f"DROP TRIGGER IF EXISTS record_seals_no_{name}" + (" ON record_seals" if postgres else "")
        )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS record_seals_append_only()")
    op.drop_index("ix_record_seals_record", table_name="record_seals")
    op.drop_table("record_seals")
    # audit_events.seal stays: the events' hashes cover it, so dropping it would break the
    # chain at every event that sealed records. (The upgrade adds it only when missing.)
