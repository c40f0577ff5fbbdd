"""Historical migrations: a city's history brought in by two people, and the records marked.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00

- ``import_migrations``: a file an administrator checked and submitted (the file itself, its
  SHA-256 and the check's report), pending until a second person confirms it (then written)
  or declines it; who submitted and who decided, when, how many records it wrote and the
  audit event of the confirmation.
- ``migrated_records``: every record a confirmed migration created or changed, naming the
  migration (the auditors' list of what came in as history).

(It follows 0011, the regulation in meetings.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("register", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_name", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'declined')",
            name=op.f("ck_import_migrations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_import_migrations_submitted_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_import_migrations_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_migrations")),
    )
    op.create_index("ix_import_migrations_status", "import_migrations", ["status", "id"])
    op.create_table(
        "migrated_records",
        sa.Column("migration_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "action IN ('added', 'updated')", name=op.f("ck_migrated_records_action")
        ),
        sa.ForeignKeyConstraint(
            ["migration_id"],
            ["import_migrations.id"],
            name=op.f("fk_migrated_records_migration_id_import_migrations"),
        ),
        sa.PrimaryKeyConstraint(
            "migration_id", "entity", "entity_id", name=op.f("pk_migrated_records")
        ),
    )
    op.create_index("ix_migrated_records_entity", "migrated_records", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_migrated_records_entity", table_name="migrated_records")
    op.drop_table("migrated_records")
    op.drop_index("ix_import_migrations_status", table_name="import_migrations")
    op.drop_table("import_migrations")
