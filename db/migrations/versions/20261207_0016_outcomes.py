"""Outcomes: contracts that used an adopted technology, the using department's evaluation,
a testbed's budget, result and certificate number, and what it sold afterwards.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-07 00:00:00

- ``contracts``: a city contract that used an approved adoption's technology (department,
  project, amount in won, date, quantity);
- ``adoption_evaluations``: the using department's evaluation after use, one per adoption
  (performance against expectation, problems, would use again);
- ``testbeds``: ``budget_krw``, ``result``, ``certificate_no`` (the certificate's kind and
  date are the certification step's);
- ``testbed_sales``: what followed a testbed (sales to anyone, public purchases), amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
    ]


def _stamp_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            [f"{who}_by_id"], ["users.id"], name=op.f(f"fk_{table}_{who}_by_id_users")
        )
        for who in ("created", "updated")
    ]


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("project_name", sa.String(length=300), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("contracted_on", sa.Date(), nullable=False),
        *_stamps(),
        sa.CheckConstraint("amount_krw > 0", name=op.f("ck_contracts_amount_positive")),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_contracts_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["adoption_id"], ["adoptions.id"], name=op.f("fk_contracts_adoption_id_adoptions")
        ),
        *_stamp_keys("contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    op.create_index("ix_contracts_adoption_id", "contracts", ["adoption_id"])
    op.create_index("ix_contracts_contracted_on", "contracts", ["contracted_on"])
    op.create_table(
        "adoption_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("performance", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("would_use_again", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "performance IN ('below', 'as_expected', 'above')",
            name=op.f("ck_adoption_evaluations_performance"),
        ),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["adoptions.id"],
            name=op.f("fk_adoption_evaluations_adoption_id_adoptions"),
        ),
        *_stamp_keys("adoption_evaluations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoption_evaluations")),
        sa.UniqueConstraint("adoption_id", name=op.f("uq_adoption_evaluations_adoption_id")),
    )
    # Plain ADD COLUMN on both databases (no table rebuild); the budget's rule is checked
    # by the write (db.outcomes.testbeds).
    op.add_column("testbeds", sa.Column("budget_krw", sa.BigInteger(), nullable=True))
    op.add_column("testbeds", sa.Column("result", sa.Text(), nullable=True))
    op.add_column("testbeds", sa.Column("certificate_no", sa.String(length=64), nullable=True))
    op.create_table(
        "testbed_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("testbed_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("buyer", sa.String(length=200), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "kind IN ('private_sale', 'public_purchase')", name=op.f("ck_testbed_sales_kind")
        ),
        sa.CheckConstraint("amount_krw > 0", name=op.f("ck_testbed_sales_amount_positive")),
        sa.ForeignKeyConstraint(
            ["testbed_id"], ["testbeds.id"], name=op.f("fk_testbed_sales_testbed_id_testbeds")
        ),
        *_stamp_keys("testbed_sales"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testbed_sales")),
    )
    op.create_index("ix_testbed_sales_testbed_id", "testbed_sales", ["testbed_id"])


def downgrade() -> None:
    op.drop_index("ix_testbed_sales_testbed_id", table_name="testbed_sales")
    op.drop_table("testbed_sales")
    with op.batch_alter_table("testbeds") as batch:
        batch.drop_column("certificate_no")
        batch.drop_column("result")
        batch.drop_column("budget_krw")
    op.drop_table("adoption_evaluations")
    op.drop_index("ix_contracts_contracted_on", table_name="contracts")
    op.drop_index("ix_contracts_adoption_id", table_name="contracts")
    op.drop_table("contracts")
