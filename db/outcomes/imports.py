"""Import of contracts from CSV/Excel, all or nothing, with the import machinery's reader and
report (:mod:`db.imports.reading`, :mod:`db.imports.report`): every problem is reported by
row (as Excel numbers it) and column, and the file is written only when it has none.

Each row names the adoption it used by its record number (the adoptions register shows it)
and is checked by the same rule as the form (:func:`db.outcomes.writes.check_contract`).
A row equal to a contract already recorded (adoption, date, amount, project) is left
unchanged, so importing the same file twice adds nothing. Administrators and staff may
import (:data:`db.policy.IMPORTERS`); each added contract is one ``contract.import`` event
and the import one ``import.completed`` event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import audit, clock, recording
from db.errors import N_
from db.imports import CheckResult, ImportRefused, ImportSummary, reading
from db.imports.checking import (
    BAD_DATE,
    DUPLICATE_HEADER,
    DUPLICATE_IN_FILE,
    MISSING_HEADER,
    NO_ROWS,
    TOO_MANY_CELLS,
    UNKNOWN_HEADER,
    parse_date,
)
from db.imports.columns import Column, Register, norm_header, norm_text
from db.imports.report import Report
from db.models import Adoption, Contract
from db.outcomes.writes import add_contract, check_contract
from db.policy import IMPORTERS, Actor, require

BAD_NUMBER = N_("Not a whole number; write digits only (commas between thousands are fine).")
UNKNOWN_ADOPTION = N_("No adoption has this record number; see the adoptions register.")

CONTRACTS = Register(
    key="contracts",
    entity="contract",
    title=N_("Contracts"),
    columns=(
        Column(
            "adoption_id",
            "Adoption record number",
            "도입 기록 번호",
            "int",
            N_("The adoption's record number, as the adoptions register shows it."),
            required=True,
            aliases=("adoption", "adoption id", "도입 번호"),
            example="12",
        ),
        Column(
            "department",
            "Department",
            "부서",
            "text",
            N_("The department that signed the contract."),
            required=True,
            max_len=200,
            aliases=("발주 부서",),
        ),
        Column(
            "project_name",
            "Project",
            "사업명",
            "text",
            N_("The project the contract is for."),
            required=True,
            max_len=300,
            aliases=("project name", "사업"),
        ),
        Column(
            "amount_krw",
            "Amount (won)",
            "금액(원)",
            "int",
            N_("The contract's amount in won, a whole number greater than zero."),
            required=True,
            aliases=("amount", "금액", "계약 금액"),
            example="85000000",
        ),
        Column(
            "contracted_on",
            "Contract date",
            "계약일",
            "date",
            N_("The day the contract was signed: on or after the adoption's approval."),
            required=True,
            aliases=("date", "계약 일자"),
            example="2019-09-02",
        ),
        Column(
            "quantity",
            "Quantity",
            "수량",
            "int",
            N_("How much of the technology the contract bought (optional)."),
            aliases=("qty",),
        ),
    ),
    natural_key=("adoption_id", "contracted_on", "amount_krw", "project_name"),
    page="outcomes",
)

_NUMBER = re.compile(r"\d{1,3}(,\d{3})+|\d+")


@dataclass(frozen=True)
class _Row:
    row: int
    values: dict[str, Any]


def _number(text: str) -> int | None:
    text = text.strip().removesuffix("원").strip()
    return int(text.replace(",", "")) if _NUMBER.fullmatch(text) else None


def _key(adoption_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        adoption_id,
        values["contracted_on"],
        values["amount_krw"],
        norm_text(values["project_name"]),
    )


def _check(
    session: Session, filename: str, data: bytes, *, lock: bool
) -> tuple[CheckResult, list[_Row]]:
    """Read and check the file; the result and the rows to add (empty unless it is ok)."""
    report = Report()
    result = CheckResult(
        register=CONTRACTS.key, filename=filename, sha256=hashlib.sha256(data).hexdigest()
    )
    index = CONTRACTS.header_index()
    table = reading.read_table(
        filename,
        data,
        report,
        lambda header: sum(1 for h in header if norm_header(h) in index),
        CONTRACTS.expected(),
    )
    to_add: list[_Row] = []
    if table is not None:
        result.format, result.encoding, result.delimiter = (
            table.format,
            table.encoding,
            table.delimiter,
        )
        to_add = _rows(session, table, report, result, lock=lock)
    report.sort()
    result.problems, result.problem_total = report.problems, report.total
    if not report.ok:
        to_add = []
    result.to_add = len(to_add)
    return result, to_add


def _rows(
    session: Session, table: reading.Table, report: Report, result: CheckResult, *, lock: bool
) -> list[_Row]:
    index = CONTRACTS.header_index()
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for pos, text in enumerate(table.header):
        col = index.get(norm_header(text)) if text else None
        if col is None:
            if text:
                report.add(1, text, text, UNKNOWN_HEADER, expected=CONTRACTS.expected())
            continue
        if col.key in positions:
            report.add(1, text, text, DUPLICATE_HEADER, other=names[col.key])
            continue
        positions[col.key], names[col.key] = pos, text
    for col in CONTRACTS.columns:
        if col.required and col.key not in positions:
            report.add(1, col.en, "", MISSING_HEADER)
    if not report.ok:
        return []
    result.headers = [names[k] for k in sorted(positions, key=lambda k: positions[k])]
    parsed: list[tuple[int, dict[str, Any], list[str | None]]] = []
    for row, cells in table.rows:
        if all(c is None or not c.strip() for c in cells):
            result.blank_rows += 1
            continue
        result.rows += 1
        if len(cells) > len(table.header) and any(
            (c or "").strip() for c in cells[len(table.header) :]
        ):
            report.add(row, None, "", TOO_MANY_CELLS, cells=len(cells), expected=len(table.header))
            continue
        values = _cells(row, cells, positions, names, report)
        if values is not None:
            parsed.append((row, values, cells))
    if report.ok and result.rows == 0:
        report.add(2, None, "", NO_ROWS)
    ids = sorted({v["adoption_id"] for _r, v, _c in parsed if v["adoption_id"] is not None})
    adoptions = _adoptions(session, ids, lock=lock)
    existing = _existing(session, ids)
    seen: dict[tuple[Any, ...], int] = {}
    out: list[_Row] = []
    for row, raw, _cells_unused in parsed:
        adoption = adoptions.get(raw["adoption_id"])
        if adoption is None:
            report.add(row, names["adoption_id"], raw["adoption_id"], UNKNOWN_ADOPTION)
            continue
        values, errors = check_contract(
            adoption, **{k: v for k, v in raw.items() if k != "adoption_id"}
        )
        for field, problem in errors.items():
            column = names.get(field, names["adoption_id"])
            report.add(row, column, raw.get(field, raw["adoption_id"]), problem)
        if errors:
            continue
        key = _key(adoption.id, values)
        if key in seen:
            report.add(row, None, "", DUPLICATE_IN_FILE, first=seen[key])
            continue
        seen[key] = row
        if key in existing:
            result.unchanged += 1
            continue
        out.append(_Row(row, {"adoption_id": adoption.id, **values}))
        if len(result.preview) < 5:
            result.preview.append({"row": row, "adoption_id": adoption.id, **values})
    return out


def _cells(
    row: int,
    cells: Sequence[str | None],
    positions: dict[str, int],
    names: dict[str, str],
    report: Report,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    before = report.total
    for col in CONTRACTS.columns:
        pos = positions.get(col.key)
        text = (cells[pos] or "").strip() if pos is not None and pos < len(cells) else ""
        if not text:
            values[col.key] = "" if col.kind == "text" else None
            continue
        if col.kind == "int":
            values[col.key] = _number(text)
            if values[col.key] is None:
                report.add(row, names[col.key], text, BAD_NUMBER)
        elif col.kind == "date":
            values[col.key] = parse_date(text)
            if values[col.key] is None:
                report.add(row, names[col.key], text, BAD_DATE)
        else:
            values[col.key] = text
    if values["adoption_id"] is None and report.total == before:
        report.add(row, names["adoption_id"], "", recording.REQUIRED)
    return values if report.total == before else None


def _adoptions(session: Session, ids: list[int], *, lock: bool) -> dict[int, Adoption]:
    if not ids:
        return {}
    query = select(Adoption).where(Adoption.id.in_(ids))
    if lock:
        query = query.with_for_update(read=True)
    return {a.id: a for a in session.execute(query).scalars()}


def _existing(session: Session, ids: list[int]) -> set[tuple[Any, ...]]:
    if not ids:
        return set()
    rows = session.execute(
        select(
            Contract.adoption_id, Contract.contracted_on, Contract.amount_krw, Contract.project_name
        ).where(Contract.adoption_id.in_(ids))
    ).all()
    return {(r[0], r[1], r[2], norm_text(r[3])) for r in rows}


def check_contracts_file(
    *, session: Session, actor: Actor, filename: str, data: bytes
) -> CheckResult:
    """Check a contracts file; writes nothing.

    :raise PermissionDenied: the actor is neither an administrator nor staff.
    """
    require(actor, IMPORTERS, action="import.check", entity="import")
    result, _rows_unused = _check(session, filename, data, lock=False)
    return result


def import_contracts_file(
    *, session: Session, actor: Actor, filename: str, data: bytes
) -> ImportSummary:
    """Check the file again in the caller's write transaction and add its contracts: all
    rows or none.

    :raise PermissionDenied: the actor is neither an administrator nor staff.
    :raise ImportRefused: the file has problems (``.result`` lists them); nothing written.
    """
    require(actor, IMPORTERS, action="import.run", entity="import")
    result, rows = _check(session, filename, data, lock=True)
    if not result.ok:
        raise ImportRefused(result)
    reason = f"import {filename} sha256:{result.sha256[:16]}"
    for r in rows:
        values = {k: v for k, v in r.values.items() if k != "adoption_id"}
        add_contract(
            session, actor, r.values["adoption_id"], values, action="contract.import", reason=reason
        )
    counts = {
        "register": CONTRACTS.key,
        "file": filename,
        "sha256": result.sha256,
        "added": len(rows),
        "updated": 0,
        "unchanged": result.unchanged,
        "rows": result.rows,
        "blank_rows": result.blank_rows,
    }
    event = audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action="import.completed",
        entity="import",
        entity_id=result.sha256,
        after=counts,
        reason=reason,
        at=clock.now_utc(),
    )
    return ImportSummary(
        register=CONTRACTS.key,
        file=filename,
        sha256=result.sha256,
        added=len(rows),
        updated=0,
        unchanged=result.unchanged,
        rows=result.rows,
        blank_rows=result.blank_rows,
        event_id=int(event.id),
    )
