"""Stored fairness results of closed meetings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:00:00

- ``meeting_fairness``: one row per closed meeting with its own fairness flags (JSON) and its
  panel's seats per affiliation, written when the meeting closes (see
  ``db.models.MeetingFairness``), so the fairness report no longer re-derives every flag of
  the period from every seat, score, tie and rule on every view.
- ``ix_experts_pool`` (affiliation, registered_on, retired_on) replaces
  ``ix_experts_affiliation_registered`` (affiliation, registered_on): the pool per affiliation
  on a day (the report's composition, the overview) is then counted from the index alone
  (at scale 100 on SQLite about 50 ms -> 12 ms of CPU).
- The rows of the meetings already closed were computed here by the app's own code until
  migration 0011, which changed the tables that computation reads (the scores became rows):
  today's code could no longer read this revision's scores, so this step now computes
  nothing and migration 0011 computes every closed meeting's row (a closed meeting without a
  row is computed live by the report meanwhile).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_fairness",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_public", sa.Integer(), nullable=False),
        sa.Column("seats_industry", sa.Integer(), nullable=False),
        sa.Column("seats_academia", sa.Integer(), nullable=False),
        sa.Column("seats_other", sa.Integer(), nullable=False),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_fairness_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_fairness")),
    )
    op.drop_index("ix_experts_affiliation_registered", table_name="experts")
    op.create_index("ix_experts_pool", "experts", ["affiliation", "registered_on", "retired_on"])
    # The closed meetings' rows: computed by migration 0011 (see the module docstring).


def downgrade() -> None:
    op.drop_index("ix_experts_pool", table_name="experts")
    op.create_index(
        "ix_experts_affiliation_registered", "experts", ["affiliation", "registered_on"]
    )
    op.drop_table("meeting_fairness")
