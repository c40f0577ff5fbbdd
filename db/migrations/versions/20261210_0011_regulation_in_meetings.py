"""Meetings under the regulation: criteria as data, per-item recusals, substitutes by rule.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 09:00:00

- ``evaluation_scores (evaluation_id, criterion -> criterion_terms.code, score 0-100)``: one
  row per criterion of an evaluation. The five score columns of ``evaluations`` (novelty,
  progressiveness, applicability, economy, diffusion) move into rows, every score kept, and
  are dropped. On SQLite ``evaluations`` is rebuilt by SQLite's procedure (new table, rows
  copied, old dropped, new renamed, indexes recreated; foreign keys off meanwhile and checked
  before the commit: ``db.migrate.migration_connection``).
- ``item_recusals``: a member recused from one agenda item only.
- ``panel_substitutions``: a seat filled by a substitute drawn by rule, with its seed and
  inputs.
- The stored summaries are emptied (the fairness report stored per period holds the old
  rules' flags: ``db.fairness.live.RULES_VERSION`` 2). The fairness results of closed
  meetings were computed again here by the app's code; that backfill moved to migration
  0018 (the app's models read a column it adds), as the backfill of migration 0007 had
  moved here: should a later migration change a table it reads, move it again.

The downgrade puts the five columns back from the rows (a city whose criteria are not those
five cannot go back below this revision: the columns are NOT NULL) and drops the new tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CRITERIA = ("novelty", "progressiveness", "applicability", "economy", "diffusion")

# SQLite: evaluations without and with the five score columns (the latter as revision 0001
# created it), and its indexes.
EVALUATIONS_ROWS = """CREATE TABLE {name} (
\tid INTEGER NOT NULL, 
\tagenda_item_id INTEGER NOT NULL, 
\tseat_id INTEGER NOT NULL, 
\tcomment TEXT, 
\trecorded_at DATETIME NOT NULL, 
\tCONSTRAINT pk_evaluations PRIMARY KEY (id), 
\tCONSTRAINT fk_evaluations_agenda_item_id_agenda_items FOREIGN KEY(agenda_item_id) REFERENCES agenda_items (id), 
\tCONSTRAINT fk_evaluations_seat_id_panel_seats FOREIGN KEY(seat_id) REFERENCES panel_seats (id), 
\tCONSTRAINT uq_evaluations_item_seat UNIQUE (agenda_item_id, seat_id)
)"""  # noqa: W291, E501
EVALUATIONS_COLUMNS = """CREATE TABLE {name} (
\tid INTEGER NOT NULL, 
\tagenda_item_id INTEGER NOT NULL, 
\tseat_id INTEGER NOT NULL, 
\tnovelty SMALLINT NOT NULL, 
\tprogressiveness SMALLINT NOT NULL, 
\tapplicability SMALLINT NOT NULL, 
\teconomy SMALLINT NOT NULL, 
\tdiffusion SMALLINT NOT NULL, 
\tcomment TEXT, 
\trecorded_at DATETIME NOT NULL, 
\tCONSTRAINT pk_evaluations PRIMARY KEY (id), 
\tCONSTRAINT ck_evaluations_applicability_range CHECK (applicability BETWEEN 0 AND 100), 
\tCONSTRAINT ck_evaluations_diffusion_range CHECK (diffusion BETWEEN 0 AND 100), 
\tCONSTRAINT ck_evaluations_economy_range CHECK (economy BETWEEN 0 AND 100), 
\tCONSTRAINT ck_evaluations_novelty_range CHECK (novelty BETWEEN 0 AND 100), 
\tCONSTRAINT ck_evaluations_progressiveness_range CHECK (progressiveness BETWEEN 0 AND 100), 
\tCONSTRAINT fk_evaluations_agenda_item_id_agenda_items FOREIGN KEY(agenda_item_id) REFERENCES agenda_items (id), 
\tCONSTRAINT fk_evaluations_seat_id_panel_seats FOREIGN KEY(seat_id) REFERENCES panel_seats (id), 
\tCONSTRAINT uq_evaluations_item_seat UNIQUE (agenda_item_id, seat_id)
)"""  # noqa: W291, E501
EVALUATIONS_INDEXES = (
    "CREATE INDEX ix_evaluations_agenda_item_id ON evaluations (agenda_item_id)",
    "CREATE INDEX ix_evaluations_seat_id ON evaluations (seat_id)",
)
KEPT = "id, agenda_item_id, seat_id, comment, recorded_at"


def upgrade() -> None:
    op.create_table(
        "evaluation_scores",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 0 AND 100", name=op.f("ck_evaluation_scores_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["criterion"],
            ["criterion_terms.code"],
            name=op.f("fk_evaluation_scores_criterion_criterion_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_scores_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "criterion", name=op.f("pk_evaluation_scores")),
    )
    op.create_index("ix_evaluation_scores_criterion", "evaluation_scores", ["criterion"])
    op.create_table(
        "item_recusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_item_recusals_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_item_recusals_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["panel_seats.id"], name=op.f("fk_item_recusals_seat_id_panel_seats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_recusals")),
        sa.UniqueConstraint("agenda_item_id", "seat_id", name="uq_item_recusals_item_seat"),
    )
    op.create_index("ix_item_recusals_agenda_item_id", "item_recusals", ["agenda_item_id"])
    op.create_index("ix_item_recusals_seat_id", "item_recusals", ["seat_id"])
    op.create_table(
        "panel_substitutions",
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("replaced_seat_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaced_seat_id"],
            ["panel_seats.id"],
            name=op.f("fk_panel_substitutions_replaced_seat_id_panel_seats"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["panel_seats.id"], name=op.f("fk_panel_substitutions_seat_id_panel_seats")
        ),
        sa.PrimaryKeyConstraint("seat_id", name=op.f("pk_panel_substitutions")),
        sa.UniqueConstraint(
            "replaced_seat_id", name=op.f("uq_panel_substitutions_replaced_seat_id")
        ),
    )
    bind = op.get_bind()
    for criterion in CRITERIA:  # a fixed list of column names, never user text
        bind.execute(
            sa.text(
                "INSERT INTO evaluation_scores (evaluation_id, criterion, score) "  # noqa: S608
                f"SELECT id, :criterion, {criterion} FROM evaluations"
            ),
            {"criterion": criterion},
        )
    if bind.dialect.name == "sqlite":
        _sqlite_evaluations(EVALUATIONS_ROWS, KEPT)
    else:
        for criterion in CRITERIA:  # each column's CHECK goes with it
            op.drop_column("evaluations", criterion)
    op.execute("DELETE FROM stored_summaries")
    # The backfill of the fairness results moved to migration 0018, whose columns the app's
    # models read (``evaluations.origin``): a closed meeting without a row meanwhile is
    # computed live by the report.


def downgrade() -> None:
    bind = op.get_bind()
    scores = ", ".join(
        f"(SELECT s.score FROM evaluation_scores s WHERE s.evaluation_id = evaluations.id "  # noqa: S608
        f"AND s.criterion = '{c}')"
        for c in CRITERIA
    )
    if bind.dialect.name == "sqlite":
        _sqlite_evaluations(
            EVALUATIONS_COLUMNS,
            KEPT.replace("seat_id", "seat_id, " + ", ".join(CRITERIA)),
            select=KEPT.replace("seat_id", "seat_id, " + scores),
        )
    else:
        for criterion in CRITERIA:
            op.add_column("evaluations", sa.Column(criterion, sa.SmallInteger(), nullable=True))
            bind.execute(
                sa.text(
                    f"UPDATE evaluations SET {criterion} = (SELECT s.score FROM "  # noqa: S608
                    "evaluation_scores s WHERE s.evaluation_id = evaluations.id "
                    "AND s.criterion = :criterion)"
                ),
                {"criterion": criterion},
            )
            op.alter_column("evaluations", criterion, nullable=False)
        for criterion in sorted(CRITERIA):
            op.create_check_constraint(
                op.f(f"ck_evaluations_{criterion}_range"),
                "evaluations",
                f"{criterion} BETWEEN 0 AND 100",
            )
    op.drop_table("panel_substitutions")
    op.drop_index("ix_item_recusals_seat_id", table_name="item_recusals")
    op.drop_index("ix_item_recusals_agenda_item_id", table_name="item_recusals")
    op.drop_table("item_recusals")
    op.drop_index("ix_evaluation_scores_criterion", table_name="evaluation_scores")
    op.drop_table("evaluation_scores")
    op.execute("DELETE FROM stored_summaries")


def _sqlite_evaluations(create: str, columns: str, select: str | None = None) -> None:
    """Rebuild ``evaluations`` as ``create`` (SQLite's procedure: new table, rows copied as
    ``select`` gives them into ``columns``, old dropped, new renamed, indexes recreated).
    The caller runs with foreign keys off (``db.migrate``)."""
    bind = op.get_bind()
    bind.exec_driver_sql(create.format(name="_rebuild_evaluations"))
    bind.exec_driver_sql(
        f"INSERT INTO _rebuild_evaluations ({columns}) "  # noqa: S608
        f"SELECT {select or columns} FROM evaluations"
    )
    bind.exec_driver_sql("DROP TABLE evaluations")
    bind.exec_driver_sql("ALTER TABLE _rebuild_evaluations RENAME TO evaluations")
    for statement in EVALUATIONS_INDEXES:
        bind.exec_driver_sql(statement)
