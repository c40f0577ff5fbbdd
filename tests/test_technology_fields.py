"""The technology record is described once (``db.technologies.fields``): its description
agrees with the table, and the forms, history and detail view name the fields from it."""

from __future__ import annotations

from sqlalchemy import String

from components.history import HISTORY_FIELDS
from components.registers.technologies import TECHNOLOGIES
from db.models import Technology
from db.technologies import fields


def test_the_description_agrees_with_the_table() -> None:
    columns = Technology.__table__.c
    for f in fields.TECHNOLOGY:
        column = columns[f.key]
        assert column.nullable is not f.required, f.key
        if f.kind == "text":
            assert isinstance(column.type, String) and column.type.length == f.max_chars, f.key


def test_history_and_detail_name_the_fields_from_the_description() -> None:
    for key in fields.CORRECTED:
        assert HISTORY_FIELDS[key] == fields.LABELS[key]
    detail = {c.key: c.header for c in TECHNOLOGIES.fields}
    for key in ("title_ko", "title_en", "summary"):
        assert detail[key] == fields.LABELS[key]


def test_a_correction_never_changes_the_owner() -> None:
    assert "owner_org_id" in fields.SUBMITTED and "owner_org_id" not in fields.CORRECTED
