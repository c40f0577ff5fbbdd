"""Audit trail: indexes for newest-first pages per user, action, kind of record and period.

Revision ID: 0002
Revises: 0004_deliberation
Create Date: 2026-11-22 03:40:00

The auditors' page reads the trail in keyset pages (``WHERE <filter> AND id < :cursor ORDER
BY id DESC LIMIT n``). Each filter gets an index that ends in ``id``, so a page is one index
range scan in order, without sorting the matches (on SQLite the ``BIGINT`` primary key is not
the rowid, so an index on the filter column alone does not hold ``id``):

- ``(actor_name, id)``, ``(action, id)``, ``(entity, id)``: the user, action and record-kind
  filters; the first two also serve the skip scans that list the values for the filter
  widgets;
- ``(occurred_at, id)`` replaces ``(occurred_at)``: a period is answered by an index-only scan
  and a sort of ids.

Numbered 0002 as planned, but chained after the head at the time of writing
(``0004_deliberation``) so that the history stays one line. Plain ``create_index`` (no batch
mode): on SQLite a batch operation could rebuild the table and lose its append-only triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0004_deliberation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_audit_events_by_actor_name": ["actor_name", "id"],
    "ix_audit_events_by_action": ["action", "id"],
    "ix_audit_events_by_entity": ["entity", "id"],
    "ix_audit_events_by_time": ["occurred_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_events", columns, unique=False)
    op.drop_index("ix_audit_events_occurred_at", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"], unique=False)
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="audit_events")
