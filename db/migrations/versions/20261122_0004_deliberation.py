"""Deliberations: per-meeting scoring thresholds and draw record; corrections to closed meetings.

Revision ID: 0004_deliberation
Revises: 0003
Create Date: 2026-11-22 04:10:00

Chained after the head at the time of writing (0003, workflow). The two tables are new and
touch nothing else, so the order relative to other migrations does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_deliberation"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_rules",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("stage1_pass", sa.Float(), nullable=False),
        sa.Column("overall_pass", sa.Float(), nullable=False),
        sa.Column("draw_rule", sa.String(length=32), nullable=True),
        sa.Column("draw_on", sa.Date(), nullable=True),
        sa.Column("draw_size", sa.SmallInteger(), nullable=True),
        sa.Column("draw_fields", sa.Text(), nullable=True),
        sa.Column("draw_targets", sa.Text(), nullable=True),
        sa.Column("draw_candidates", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_rules_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_rules")),
    )
    op.create_table(
        "meeting_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_meeting_corrections_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_meeting_corrections_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_corrections_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_corrections")),
    )
    with op.batch_alter_table("meeting_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_corrections_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_corrections_meeting_id"))
    op.drop_table("meeting_corrections")
    op.drop_table("meeting_rules")
