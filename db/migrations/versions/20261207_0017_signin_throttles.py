"""Sign-in back-off per account and client: a trickle of wrong passwords from one address no
longer keeps the account's owner out (see ``docs/sign-in.md``).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 00:30:00

- ``signin_throttles``: per (account, client) the failure streak and when that client may try
  again; the client is the SHA-256 of its address (no address is stored).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_throttles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "client"),
    )


def downgrade() -> None:
    op.drop_table("signin_throttles")
