"""Indexes for the staff work queue and the audit trail filtered by user and kind of record.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 09:30:00

- ``adoptions (proposed_by_id, status, proposed_on)``: "my proposals" on the work queue and
  its counts read the acting user's adoptions only (a scan of every adoption before: 28k at
  scale 100);
- ``audit_events (actor_name, entity, id)``: the audit trail filtered by user *and* kind of
  record reads its newest-first page and its capped count from one index range (before, one
  of the two single-column indexes was walked and the other condition checked row by row).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_adoptions_proposed_by", "adoptions", ["proposed_by_id", "status", "proposed_on"]
    )
    op.create_index(
        "ix_audit_events_by_actor_entity", "audit_events", ["actor_name", "entity", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_by_actor_entity", table_name="audit_events")
    op.drop_index("ix_adoptions_proposed_by", table_name="adoptions")
