"""Stored summaries (figures computed once per data version) and indexes for the queue,
agreements and the fairness period.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:10:00

- ``stored_summaries``: the result of an expensive read (the overview's figures, a register's
  count) keyed by the query's name and parameters, with the *data version* it was computed
  at (the last audit event of the registers). A reader uses a row only when its version is the
  current one, so a stored figure is never older than the data; every app server and every
  restart shares the rows. It is a cache: not audited, safe to empty at any time.
- ``ix_technologies_status_registered`` / ``ix_technologies_status_submitted``: the work
  queue lists technologies of one status in date order.
- ``ix_adoptions_agreement_id`` / ``ix_testbeds_agreement_id``: what an agreement produced.
- ``ix_meetings_scheduled_on``: the fairness report and the meetings list select a period.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_technologies_status_registered", "technologies", ["status", "registered_on"]),
    ("ix_technologies_status_submitted", "technologies", ["status", "submitted_on"]),
    ("ix_adoptions_agreement_id", "adoptions", ["agreement_id"]),
    ("ix_testbeds_agreement_id", "testbeds", ["agreement_id"]),
    ("ix_meetings_scheduled_on", "meetings", ["scheduled_on"]),
)


def upgrade() -> None:
    op.create_table(
        "stored_summaries",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_stored_summaries")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("stored_summaries")
