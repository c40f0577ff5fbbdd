"""Record versions for lost-edit protection; indexes for register search and adoption joins.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 05:00:00

- ``version`` on every record that staff edit through forms (adoptions, testbeds,
  technologies, experts, inquiries, agreements): an edit is a compare-and-set on the version
  the editor saw, so two officials editing the same record cannot silently overwrite each
  other. Existing rows start at 1.
- ``ix_experts_name``: the experts register searches and sorts by name.
- ``ix_adoptions_technology_status``: per-technology adoption lookups (registers, approvals,
  agreements) read ``technology_id`` with ``status`` and ``approved_on``.

Plain ``add_column``/``drop_column`` (no batch mode), so SQLite keeps its tables, foreign
keys and triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("adoptions", "testbeds", "technologies", "experts", "inquiries", "agreements")


def upgrade() -> None:
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_index("ix_experts_name", "experts", ["name"], unique=False)
    op.create_index(
        "ix_adoptions_technology_status",
        "adoptions",
        ["technology_id", "status", "approved_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_adoptions_technology_status", table_name="adoptions")
    op.drop_index("ix_experts_name", table_name="experts")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop and recreate tables
    # that other tables reference, which SQLite's foreign keys refuse.
    for table in reversed(VERSIONED):
        op.drop_column(table, "version")
