"""What awaits a user by mail: subscriptions, the scheduled jobs' record, mail attachments.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 03:30:00

- ``subscriptions``: which messages each user receives (``db.inbox.subscriptions``), in which
  language, and for a digest after how many days an item counts.
- ``job_runs``: one row per (job, recipient, period) that ``python -m jobs run-due`` handled;
  the unique key makes a second run, or a second server, send nothing twice.
- ``mail_outbox.attachment_name``/``attachment``: a file sent with a message (the weekly
  briefing).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("days", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_subscriptions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_subscriptions"),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mail_outbox.id"], name="fk_job_runs_mail_id_mail_outbox"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        sa.UniqueConstraint("job", "recipient", "period", name="uq_job_runs_job"),
    )
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("attachment_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("attachment", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("attachment")
        batch.drop_column("attachment_name")
    op.drop_table("job_runs")
    op.drop_table("subscriptions")
