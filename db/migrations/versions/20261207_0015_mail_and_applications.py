"""The mail outbox, company accounts (applicants) and their applications.

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-07 00:00:00

- ``mail_outbox``: every mail the platform sends (or, in demo mode, only keeps), with its
  status and attempts;
- ``users.email_verified_at``, ``users.company_name`` (an applicant's company) and ``email_tokens`` (single-use, expiring links, stored as
  SHA-256); the ``applicant`` role in the roles' CHECK constraint;
- ``rate_limit_hits``: counted attempts of sign-ups and submissions;
- ``applications``, ``application_attachments``, ``application_messages``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("executive", "auditor", "staff", "approver", "admin")
NEW_ROLES = (*OLD_ROLES, "applicant")
MAIL_STATUSES = ("queued", "local", "sent", "failed")
APPLICATION_STATUSES = ("submitted", "info_requested", "accepted", "withdrawn")
CERTIFICATIONS = (
    "construction_new_technology",
    "green_technology",
    "patent",
    "innovation_product",
    "none",
)


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
        # SQLite cannot change a CHECK constraint: the table is rebuilt from ``copy_from``,
        # which holds the new one.
        with op.batch_alter_table("user_roles", copy_from=_user_roles(roles), recreate="always"):
            pass
    else:
        op.drop_constraint(op.f("ck_user_roles_role"), "user_roles", type_="check")
        op.create_check_constraint(op.f("ck_user_roles_role"), "user_roles", _in("role", roles))


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("status", MAIL_STATUSES), name=op.f("ck_mail_outbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_status", "mail_outbox", ["status", "id"])
    op.create_index("ix_mail_outbox_recipient", "mail_outbox", ["recipient", "id"])

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("company_name", sa.String(length=200), nullable=True))
    _set_roles(NEW_ROLES)

    op.create_table(
        "email_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('verify')", name=op.f("ck_email_tokens_purpose")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
    )
    op.create_index(op.f("ix_email_tokens_user_id"), "email_tokens", ["user_id"])

    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index("ix_rate_limit_hits_key", "rate_limit_hits", ["bucket", "key", "at"])

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("title_ko", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("growth_sector", sa.String(length=32), nullable=False),
        sa.Column("certification", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            _in("status", APPLICATION_STATUSES), name=op.f("ck_applications_status")
        ),
        sa.CheckConstraint(
            _in("certification", CERTIFICATIONS), name=op.f("ck_applications_certification")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["field"], ["field_terms.code"], name=op.f("fk_applications_field_field_terms")
        ),
        sa.ForeignKeyConstraint(
            ["growth_sector"],
            ["sector_terms.code"],
            name=op.f("fk_applications_growth_sector_sector_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["technology_id"],
            ["technologies.id"],
            name=op.f("fk_applications_technology_id_technologies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index("ix_applications_status", "applications", ["status", "submitted_at"])
    op.create_index(op.f("ix_applications_applicant_id"), "applications", ["applicant_id"])
    op.create_index(op.f("ix_applications_technology_id"), "applications", ["technology_id"])

    op.create_table(
        "application_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_attachments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_attachments")),
    )
    op.create_index(
        op.f("ix_application_attachments_application_id"),
        "application_attachments",
        ["application_id"],
    )

    op.create_table(
        "application_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('request', 'answer')", name=op.f("ck_application_messages_kind")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_messages_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_application_messages_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_messages")),
    )
    op.create_index(
        op.f("ix_application_messages_application_id"),
        "application_messages",
        ["application_id"],
    )


def downgrade() -> None:
    op.drop_table("application_messages")
    op.drop_table("application_attachments")
    op.drop_table("applications")
    op.drop_table("rate_limit_hits")
    op.drop_table("email_tokens")
    op.execute(sa.text("DELETE FROM user_roles WHERE role = 'applicant'"))
    _set_roles(OLD_ROLES)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("company_name")
        batch.drop_column("email_verified_at")
    op.drop_table("mail_outbox")
