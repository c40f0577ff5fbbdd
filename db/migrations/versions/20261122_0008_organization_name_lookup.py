"""Indexes for looking organizations up by name (the bulk import).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 09:10:00

An import reads only the organizations its file names (``db.imports.checking``) instead of
all of them: ``lower(name_ko) IN (...)`` and ``lower(name_en) IN (...)`` through the two
expression indexes, plus the few names that ``lower()`` does not normalise as the import does
(anything but printable ASCII, the middle dot and Hangul syllables, or stray spaces) through a
partial index whose condition is ``db.models.IRREGULAR_ORG_NAMES`` (copied here as it is at
this revision: a planner uses a partial index only for the same expression).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _irregular(dialect: str) -> str:
    terms = []
    for name in ("name_ko", "name_en"):
        if dialect == "sqlite":
            terms.append(f"{name} GLOB '*[^ -~\u00b7\uac00-\ud7a3]*'")
        else:
            terms.append(f"{name} ~ '[^ -~\u00b7\uac00-\ud7a3]'")
        terms += [f"{name} LIKE ' %'", f"{name} LIKE '% '", f"{name} LIKE '%  %'"]
    return " OR ".join(terms)


def upgrade() -> None:
    op.create_index("ix_organizations_name_ko_lower", "organizations", [sa.text("lower(name_ko)")])
    op.create_index("ix_organizations_name_en_lower", "organizations", [sa.text("lower(name_en)")])
    op.create_index(
        "ix_organizations_irregular_names",
        "organizations",
        ["id"],
        sqlite_where=sa.text(_irregular("sqlite")),
        postgresql_where=sa.text(_irregular("postgresql")),
    )


def downgrade() -> None:
    op.drop_index("ix_organizations_irregular_names", table_name="organizations")
    op.drop_index("ix_organizations_name_en_lower", table_name="organizations")
    op.drop_index("ix_organizations_name_ko_lower", table_name="organizations")
