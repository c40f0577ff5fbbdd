"""Publications: the mayor's office's figures as of a date, frozen with a hash.

Revision ID: 0020
Revises: 0013
Create Date: 2026-12-07 07:00:00

- ``publications``: as-of date, the overview's filters and the figures (canonical JSON), the
  SHA-256 over date, filters and figures, when (database clock) and by whom, an optional
  title and note (``db.publications``). Appended only; sealed like the other audited records
  (``db.audit.records``), so a direct UPDATE or DELETE is reported by the records'
  verification, and the stored hash no longer matches a changed figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name="fk_publications_published_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
    )
    op.create_index("ix_publications_as_of", "publications", ["as_of", "id"])


def downgrade() -> None:
    op.drop_index("ix_publications_as_of", table_name="publications")
    op.drop_table("publications")
