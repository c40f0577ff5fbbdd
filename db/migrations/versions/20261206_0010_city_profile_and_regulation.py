"""The city profile, its vocabularies and its regulation as data.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:00:00

- ``city_profile`` (one row), the vocabularies ``field_terms``, ``sector_terms``,
  ``organisation_kind_terms`` and ``criterion_terms``, and ``regulation_versions``;
  ``meetings.regulation_id``: the version a meeting is held under.
- The CHECK constraints that named one city's vocabulary (organizations.kind,
  technologies.field and growth_sector, expert_fields.field) become foreign keys to the
  vocabularies, so the database still refuses an unknown code and a code in use cannot be
  deleted. On SQLite the four tables are rebuilt by SQLite's own procedure (a new table from
  the stored SQL with the constraints changed, rows copied, indexes and triggers recreated from
  their stored SQL), so every row, index (expression and partial ones too) and trigger stays.
- A database that already holds records was Daegu's (the only city before this migration):
  it gets Daegu's profile, vocabularies and regulation version 1 (the 2019 directive) as
  they stood, frozen here, and every meeting is bound to that version. An empty database
  gets nothing: ``python -m db city init PROFILE`` applies a city's profile to it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM_TABLES = {
    "fields": "field_terms",
    "sectors": "sector_terms",
    "organisation_kinds": "organisation_kind_terms",
    "criteria": "criterion_terms",
}
# The foreign keys that replace the checks: name -> (table, column, referred table).
KEYS = {
    "fk_organizations_kind_organisation_kind_terms": (
        "organizations",
        "kind",
        "organisation_kind_terms",
    ),
    "fk_technologies_field_field_terms": ("technologies", "field", "field_terms"),
    "fk_technologies_growth_sector_sector_terms": ("technologies", "growth_sector", "sector_terms"),
    "fk_expert_fields_field_field_terms": ("expert_fields", "field", "field_terms"),
    "fk_meetings_regulation_id_regulation_versions": (
        "meetings",
        "regulation_id",
        "regulation_versions",
    ),
}
FIELDS_0001 = (
    "('water_sewage', 'bridges', 'building', 'equipment', 'roads', 'tunnels', 'geotechnical', "
    "'structural', 'environment', 'landscaping', 'electrical', 'communications', 'fire_safety', "
    "'disaster_prevention', 'rivers', 'railways', 'ports', 'materials', 'surveying', "
    "'urban_planning', 'energy')"
)
CHECKS = {
    "organizations": ("ck_organizations_kind",),
    "technologies": ("ck_technologies_field", "ck_technologies_growth_sector"),
    "expert_fields": ("ck_expert_fields_field",),
}

# Daegu's profile as it stood before this migration (profiles/daegu.toml at revision 0010).
DAEGU_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="Daegu Metropolitan City">\n  <rect x="2" y="2" width="60" height="60" rx="14" fill="#0b4ea2"/>\n  <circle cx="32" cy="32" r="17" fill="none" stroke="#ffffff" stroke-width="5"/>\n  <path d="M20 40 L32 18 L44 40 Z" fill="#e4322b"/>\n</svg>\n'
DAEGU_RULES = '{"affiliation_cap": "1/2", "conflict_window_years": 3, "import_statuses": ["submitted"], "max_appointed": 1, "max_seats_per_expert": 24, "panel_size": 7, "pass_marks": {"1": 70.0, "2": 70.0}, "quorum": {"adoption_review": 5, "registration_review": 5, "testbed_selection": 5}, "seat_period_days": 365, "substitutes": "draw", "weights": {"applicability": 1.0, "diffusion": 1.0, "economy": 1.0, "novelty": 1.0, "progressiveness": 1.0}}'
DAEGU_VOCABULARIES: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {
    "fields": [
        ("water_sewage", "상하수도", "Water and sewage", {}),
        ("bridges", "교량", "Bridges", {}),
        ("building", "건축", "Building", {}),
        ("equipment", "설비", "Equipment", {}),
        ("roads", "도로", "Roads", {}),
        ("tunnels", "터널", "Tunnels", {}),
        ("geotechnical", "지반", "Geotechnical", {}),
        ("structural", "구조", "Structural", {}),
        ("environment", "환경", "Environment", {}),
        ("landscaping", "조경", "Landscaping", {}),
        ("electrical", "전기", "Electrical", {}),
        ("communications", "통신", "Communications", {}),
        ("fire_safety", "소방", "Fire safety", {}),
        ("disaster_prevention", "방재", "Disaster prevention", {}),
        ("rivers", "하천", "Rivers", {}),
        ("railways", "철도", "Railways", {}),
        ("ports", "항만", "Ports", {}),
        ("materials", "재료", "Materials", {}),
        ("surveying", "측량", "Surveying", {}),
        ("urban_planning", "도시계획", "Urban planning", {}),
        ("energy", "에너지", "Energy", {}),
    ],
    "sectors": [
        ("medical", "의료 산업", "Medical industry", {}),
        (
            "intelligent_vehicle_robotics",
            "지능형 자동차·로봇",
            "Intelligent vehicles and robotics",
            {},
        ),
        ("renewable_energy", "신재생 에너지", "Renewable energy", {}),
        ("water", "물 산업", "Water industry", {}),
        ("smart_city", "스마트시티", "Smart city", {}),
        ("none", "성장 산업 외", "Outside the growth sectors", {"outside": True}),
    ],
    "organisation_kinds": [
        (
            "company",
            "기업",
            "Company",
            {"owns_technologies": True, "inquires": False, "abroad": False},
        ),
        (
            "public_institution",
            "공공기관",
            "Public institution",
            {"owns_technologies": True, "inquires": True, "abroad": False},
        ),
        (
            "research_institute",
            "연구기관",
            "Research institute",
            {"owns_technologies": True, "inquires": True, "abroad": False},
        ),
        (
            "university",
            "대학",
            "University",
            {"owns_technologies": True, "inquires": True, "abroad": False},
        ),
        (
            "ministry",
            "중앙부처",
            "Central government",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "metropolitan_city",
            "광역시",
            "Metropolitan city",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "province",
            "도",
            "Province",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "local_government",
            "기초자치단체",
            "Local government",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "audit_body",
            "감사기관",
            "Audit body",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "public_corporation",
            "공기업",
            "Public corporation",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "education_office",
            "교육청",
            "Education office",
            {"owns_technologies": False, "inquires": True, "abroad": False},
        ),
        (
            "foreign_city",
            "해외 도시",
            "Foreign city",
            {"owns_technologies": False, "inquires": True, "abroad": True},
        ),
    ],
    "criteria": [
        ("novelty", "신규성", "Novelty", {"stage": 1}),
        ("progressiveness", "진보성", "Progressiveness", {"stage": 1}),
        ("applicability", "현장 적용성", "Field applicability", {"stage": 2}),
        ("economy", "경제성", "Economy", {"stage": 2}),
        ("diffusion", "보급성", "Diffusion", {"stage": 2}),
    ],
}


def upgrade() -> None:
    op.create_table(
        "city_profile",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_ko", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=False),
        sa.Column("logo_type", sa.String(length=32), nullable=False),
        sa.Column("home_regions", sa.Text(), nullable=False),
        sa.Column("reg_no_pattern", sa.String(length=40), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("first_operating_day", sa.Date(), nullable=False),
        sa.Column("default_language", sa.String(length=2), nullable=False),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_city_profile_single_row")),
        sa.CheckConstraint(
            "default_language IN ('ko', 'en')", name=op.f("ck_city_profile_default_language")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_city_profile_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_profile")),
    )
    for table in TERM_TABLES.values():
        op.create_table(
            table,
            sa.Column("code", sa.String(length=32), nullable=False),
            sa.Column("version", sa.Integer(), server_default="1", nullable=False),
            sa.Column("label_ko", sa.String(length=100), nullable=False),
            sa.Column("label_en", sa.String(length=100), nullable=False),
            sa.Column("position", sa.SmallInteger(), nullable=False),
            sa.Column("attributes", sa.Text(), nullable=False),
            sa.Column("retired_on", sa.Date(), nullable=True),
            sa.PrimaryKeyConstraint("code", name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "regulation_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("directive", sa.String(length=300), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'withdrawn')",
            name=op.f("ck_regulation_versions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_regulation_versions_approved_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["users.id"], name=op.f("fk_regulation_versions_drafted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulation_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_regulation_versions_number")),
    )
    op.add_column("meetings", sa.Column("regulation_id", sa.Integer(), nullable=True))
    op.create_index("ix_meetings_regulation_id", "meetings", ["regulation_id"])
    if _holds_records():
        _install_daegu()
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds constraints only by rebuilding a table (foreign keys are off meanwhile
        # and checked as a whole before the commit: db.migrate).
        for table in ("organizations", "technologies", "expert_fields", "meetings"):
            _sqlite_rebuild(table, partial(_loosened, table=table))
    else:
        for table, names in CHECKS.items():
            for name in names:
                op.drop_constraint(op.f(name), table, type_="check")
        for name, (table, column, target) in KEYS.items():
            op.create_foreign_key(
                op.f(name),
                table,
                target,
                [column],
                ["code" if target != "regulation_versions" else "id"],
            )


def _holds_records() -> bool:
    bind = op.get_bind()
    return any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608
        for table in ("organizations", "technologies", "experts", "meetings")
    )


def _install_daegu() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)  # noqa: TID251 - migrations are frozen, they do not import the app
    bind.execute(
        sa.text(
            "INSERT INTO city_profile (id, version, code, name_ko, name_en, logo, logo_type, "
            "home_regions, reg_no_pattern, time_zone, first_operating_day, default_language, "
            "targets, source, updated_at) VALUES (1, 1, 'daegu', :name_ko, :name_en, :logo, "
            "'image/svg+xml', :regions, :pattern, 'Asia/Seoul', :first, 'ko', '{}', "
            "'migration 0010 (the profile in force before it)', :now)"
        ),
        {
            "name_ko": "대구광역시",
            "name_en": "Daegu Metropolitan City",
            "logo": DAEGU_LOGO.encode(),
            "regions": json.dumps(["KR-27"]),
            "pattern": "DG-{year}-{seq:03}",
            "first": dt.date(2018, 1, 1),
            "now": now,
        },
    )
    for vocabulary, terms in DAEGU_VOCABULARIES.items():
        rows = [
            {
                "code": code,
                "ko": ko,
                "en": en,
                "position": position,
                "attributes": json.dumps(attributes, sort_keys=True),
            }
            for position, (code, ko, en, attributes) in enumerate(terms, start=1)
        ]
        bind.execute(
            sa.text(
                f"INSERT INTO {TERM_TABLES[vocabulary]} (code, version, label_ko, label_en, "  # noqa: S608
                "position, attributes) VALUES (:code, 1, :ko, :en, :position, :attributes)"
            ),
            rows,
        )
    bind.execute(
        sa.text(
            "INSERT INTO regulation_versions (id, version, number, effective_on, directive, "
            "rules, status, source, drafted_at, approved_at) VALUES (1, 1, 1, :effective, "
            ":directive, :rules, 'approved', 'migration 0010 (the rules in force before it)', "
            ":now, :now)"
        ),
        {
            "effective": dt.date(2018, 1, 1),
            "directive": "대구광역시 신기술 플랫폼 운영 규정 (훈령, 2019)",
            "rules": DAEGU_RULES,
            "now": now,
        },
    )
    bind.execute(sa.text("UPDATE meetings SET regulation_id = 1"))


def _loosened(sql: str, *, table: str) -> str:
    """``table``'s SQL without the vocabulary checks and with the foreign keys."""
    return _with_keys(_drop_all(sql, CHECKS.get(table, ())), table)


def _tightened(sql: str, *, table: str) -> str:
    """``table``'s SQL back as revision 0001 left it (for the downgrade)."""
    return _restored(_without_keys(sql, table), table)


def _with_keys(sql: str, table: str) -> str:
    """``sql`` with the foreign keys of :data:`KEYS` on ``table`` added."""
    keys = [
        f"CONSTRAINT {name} FOREIGN KEY({column}) REFERENCES {target} "
        f"({'id' if target == 'regulation_versions' else 'code'})"
        for name, (t, column, target) in KEYS.items()
        if t == table
    ]
    body = sql.rstrip()
    assert body.endswith(")"), sql
    return body[:-1].rstrip() + ", \n\t" + ", \n\t".join(keys) + "\n)"


def _drop_all(sql: str, constraints: Sequence[str]) -> str:
    for name in constraints:
        sql = _without_constraint(sql, name)
    return sql


def _sqlite_rebuild(table: str, change: Callable[[str], str]) -> None:
    """Rebuild ``table`` from its stored SQL as ``change`` rewrites it (SQLite's documented
    procedure: new table, rows copied, old dropped, new renamed, indexes and triggers
    recreated from their stored SQL). The caller runs with foreign keys off (``db.migrate``)."""
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).scalar_one()
    others = [
        r[0]
        for r in bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :t AND type IN ('index', "
                "'trigger') AND sql IS NOT NULL ORDER BY type, name"
            ),
            {"t": table},
        )
    ]
    sql = change(sql)
    temp = f"_rebuild_{table}"
    head = re.match(r"\s*CREATE TABLE\s+(\"?\w+\"?)", sql)
    assert head is not None, sql
    bind.exec_driver_sql(f"CREATE TABLE {temp}" + sql[head.end() :])
    bind.exec_driver_sql(f"INSERT INTO {temp} SELECT * FROM {table}")  # noqa: S608
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {temp} RENAME TO {table}")
    for statement in others:
        bind.exec_driver_sql(statement)


def _without_constraint(sql: str, name: str, kind: str = "CHECK") -> str:
    """``sql`` (a CREATE TABLE statement) without ``CONSTRAINT name <kind> (...)`` (and, for
    a foreign key, its ``REFERENCES table (column)``)."""
    start = re.search(rf",\s*CONSTRAINT\s+\"?{re.escape(name)}\"?\s+{kind}\s*\(", sql)
    assert start is not None, (name, sql)
    depth, i = 1, start.end()
    while depth:
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        i += 1
    if kind == "FOREIGN KEY":
        tail = re.match(r"\s*REFERENCES\s+\"?\w+\"?\s*\([^)]*\)", sql[i:])
        assert tail is not None, (name, sql)
        i += tail.end()
    return sql[: start.start()] + sql[i:]


# The constraints as revision 0001 created them (for the downgrade).
RESTORED = {
    "ck_organizations_kind": (
        "organizations",
        "kind IN ('company', 'public_institution', 'research_institute', 'university', "
        "'ministry', 'metropolitan_city', 'province', 'local_government', 'audit_body', "
        "'public_corporation', 'education_office', 'foreign_city')",
    ),
    "ck_technologies_field": ("technologies", "field IN " + FIELDS_0001),
    "ck_technologies_growth_sector": (
        "technologies",
        "growth_sector IN ('medical', 'intelligent_vehicle_robotics', 'renewable_energy', "
        "'water', 'smart_city', 'none')",
    ),
    "ck_expert_fields_field": ("expert_fields", "field IN " + FIELDS_0001),
}


def downgrade() -> None:
    """Back to 0009 (the city's codes must then be Daegu's of 0001, or the checks refuse)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_meetings_regulation_id", table_name="meetings")
    if sqlite:
        for table in ("organizations", "technologies", "expert_fields", "meetings"):
            _sqlite_rebuild(table, partial(_tightened, table=table))
    else:
        for name, (table, _column, _target) in KEYS.items():
            op.drop_constraint(op.f(name), table, type_="foreignkey")
        for name, (table, condition) in RESTORED.items():
            op.create_check_constraint(op.f(name), table, condition)
    op.drop_column("meetings", "regulation_id")
    op.drop_table("regulation_versions")
    for table in TERM_TABLES.values():
        op.drop_table(table)
    op.drop_table("city_profile")


def _without_keys(sql: str, table: str) -> str:
    for name, (t, _column, _target) in KEYS.items():
        if t == table:
            sql = _without_constraint(sql, name, "FOREIGN KEY")
    return sql


def _restored(sql: str, table: str) -> str:
    checks = [f"CONSTRAINT {n} CHECK ({c})" for n, (t, c) in RESTORED.items() if t == table]
    if not checks:
        return sql
    body = sql.rstrip()
    return body[:-1].rstrip() + ", \n\t" + ", \n\t".join(checks) + "\n)"
