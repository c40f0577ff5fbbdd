"""Experts take part themselves: their accounts, answers, declarations and own scores.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 03:30:00

- the ``expert`` role in the roles' CHECK constraint; ``experts.user_id`` (the expert's own
  account) and ``expert_invitations`` (one-time links, stored as SHA-256);
- ``panel_seats.response`` / ``responded_at``: the member's own confirmation or decline;
- ``item_declarations``: a member's signed statement per agenda item (a conflict or none);
- ``evaluations.origin`` (``legacy`` for every existing row: typed by staff before experts
  scored themselves), ``entered_by_id``, ``updated_at``, ``proxy_reason``, and
  ``evaluation_sheets`` (the scan of the signed paper sheet behind a proxy entry);
- the fairness results of closed meetings computed again by the app's code (the backfill of
  migrations 0007 and 0011, moved here: the app's models read ``evaluations.origin``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("executive", "auditor", "staff", "approver", "admin", "applicant")
NEW_ROLES = (*OLD_ROLES, "expert")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _user_roles(roles: Sequence[str]) -> sa.Table:
    return sa.Table(
        "user_roles",
        sa.MetaData(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(_in("role", roles), name="ck_user_roles_role"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_roles_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
    )


def _set_roles(roles: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a CHECK constraint: the table is rebuilt from ``copy_from``.
        with op.batch_alter_table("user_roles", copy_from=_user_roles(roles), recreate="always"):
            pass
    else:
        op.drop_constraint(op.f("ck_user_roles_role"), "user_roles", type_="check")
        op.create_check_constraint(op.f("ck_user_roles_role"), "user_roles", _in("role", roles))


def upgrade() -> None:
    _set_roles(NEW_ROLES)
    with op.batch_alter_table("experts") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_experts_user_id_users"), "users", ["user_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_experts_user_id"), ["user_id"])
    op.create_table(
        "expert_invitations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_invitations_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_expert_invitations_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_invitations")),
    )
    op.create_index(
        op.f("ix_expert_invitations_expert_id"), "expert_invitations", ["expert_id"]
    )
    with op.batch_alter_table("panel_seats") as batch:
        batch.add_column(sa.Column("response", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_panel_seats_response"), "response IN ('confirmed', 'declined')"
        )
    op.create_table(
        "item_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_item_declarations_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["panel_seats.id"], name=op.f("fk_item_declarations_seat_id_panel_seats")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_item_declarations_signed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_declarations")),
        sa.UniqueConstraint("agenda_item_id", "seat_id", name="uq_item_declarations_item_seat"),
    )
    op.create_index(
        op.f("ix_item_declarations_agenda_item_id"), "item_declarations", ["agenda_item_id"]
    )
    op.create_index(op.f("ix_item_declarations_seat_id"), "item_declarations", ["seat_id"])
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=8), nullable=False, server_default="legacy")
        )
        batch.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("proxy_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_evaluations_entered_by_id_users"), "users", ["entered_by_id"], ["id"]
        )
        batch.create_check_constraint(
            op.f("ck_evaluations_origin"), "origin IN ('legacy', 'self', 'proxy')"
        )
    op.create_table(
        "evaluation_sheets",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_sheets_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", name=op.f("pk_evaluation_sheets")),
    )
    from db.fairness.store import backfill

    with Session(bind=op.get_bind()) as session:
        backfill(session)
        session.flush()


def downgrade() -> None:
    op.drop_table("evaluation_sheets")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint(op.f("ck_evaluations_origin"), type_="check")
        batch.drop_constraint(op.f("fk_evaluations_entered_by_id_users"), type_="foreignkey")
        batch.drop_column("proxy_reason")
        batch.drop_column("updated_at")
        batch.drop_column("entered_by_id")
        batch.drop_column("origin")
    op.drop_table("item_declarations")
    with op.batch_alter_table("panel_seats") as batch:
        batch.drop_constraint(op.f("ck_panel_seats_response"), type_="check")
        batch.drop_column("responded_at")
        batch.drop_column("response")
    op.drop_table("expert_invitations")
    with op.batch_alter_table("experts") as batch:
        batch.drop_constraint(op.f("uq_experts_user_id"), type_="unique")
        batch.drop_constraint(op.f("fk_experts_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
    op.execute(sa.text("DELETE FROM user_roles WHERE role = 'expert'"))
    _set_roles(OLD_ROLES)
