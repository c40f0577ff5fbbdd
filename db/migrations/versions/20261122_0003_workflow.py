"""Workflow: step proposals (testbed steps, technology expiry/withdrawal) an approver confirms.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 03:08:03.573782

Chained after 0001; the history is one line: 0001 -> 0003 -> 0004_deliberation -> 0002 (the
audit-index migration kept its planned number but was chained after the head of its day).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_key", sa.String(length=48), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.CheckConstraint("entity IN ('testbed', 'technology')", name=op.f("ck_proposals_entity")),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'declined')", name=op.f("ck_proposals_status")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_proposals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_proposals_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("open_key", name=op.f("uq_proposals_open_key")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposals_proposed_by_id"), ["proposed_by_id"], unique=False
        )
        batch_op.create_index("ix_proposals_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_status")
        batch_op.drop_index(batch_op.f("ix_proposals_proposed_by_id"))
        batch_op.drop_index("ix_proposals_entity")
    op.drop_table("proposals")
