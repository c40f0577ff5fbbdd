# Over 500 lines on purpose: every rule a file must pass (cells, rows, duplicates, the
# regulation's limits) in the one Checker that walks the file once; split, a rule's order and
# its row report would be spread over files.
"""Checking a file against a register: headers, every cell, every row, duplicates.

The outcome is a :class:`Plan`: what would be added, updated or left unchanged, or the
problems that stop the import. Nothing is written here; :mod:`db.imports.writing` applies a
plan whose report is empty.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from db import clock, domain
from db.city import store
from db.city.numbering import NumberPattern
from db.errors import N_
from db.imports.columns import (
    VOCABULARIES,
    Column,
    Register,
    Vocabulary,
    norm_header,
    norm_text,
)
from db.imports.reading import Table
from db.imports.report import Report
from db.models import (
    IRREGULAR_ORG_NAMES,
    Adoption,
    Expert,
    ExpertField,
    ExpertTie,
    Inquiry,
    Organization,
    Technology,
)
from db.regulation.versions import import_statuses

Progress = Callable[[float, str], None]

# Messages (English templates; the UI translates them).
UNKNOWN_HEADER = N_("Unknown column name. Accepted names: {expected}.")
DUPLICATE_HEADER = N_("This column appears twice (also as '{other}').")
MISSING_HEADER = N_("This required column is missing from the header row.")
UNNAMED_COLUMN = N_("This cell is in a column without a name in the header row.")
TOO_MANY_CELLS = N_("The row has {cells} cells, the header only {expected}.")
TOO_FEW_CELLS = N_("The row has {cells} cells, the header {expected}; cells are missing.")
NO_ROWS = N_("The file has no records below the header row.")
REQUIRED = N_("A value is required.")
TOO_LONG = N_("The text is {length} characters long; at most {limit} are allowed.")
BAD_DATE = N_("Not a date; write it as YYYY-MM-DD (e.g. 2019-08-08).")
DATE_RANGE = N_("The date must lie between {first} and {last}.")
UNKNOWN_CODE = N_("Not one of the allowed values: {allowed}.")
BAD_BOOL = N_("Write yes or no (예 or 아니오).")
UNKNOWN_ORG = N_("No organization with this name in the register; import or register it first.")
AMBIGUOUS_ORG = N_(
    "{count} organizations in the register have this name; give the Korean name exactly."
)
BAD_REG_NO = N_("A registration number looks like {pattern} (e.g. {example}).")
BAD_EMAIL = N_("Not an e-mail address.")
BAD_PHONE = N_("A telephone number holds digits, spaces, +, - and parentheses only.")
BAD_COUNTRY = N_("Write a two-letter country code, such as KR.")
BAD_TIE = N_("Write each tie as organization | kind | from | to (to may be left out).")
REGION_REQUIRED = N_("A Korean organization needs its region.")
DATE_BEFORE = N_("This date is before {other} ({date}).")
STATUS_NEEDS_DATE = N_("The status {status} needs this date.")
DUPLICATE_IN_FILE = N_("The same record appears in row {first} of this file.")
DUPLICATE_IN_REGISTER = N_(
    "{count} records in the register match this row; correct them by hand first."
)
LIFECYCLE_BY_WORKFLOW = N_(
    "This technology is already in the register with {current}; its status and dates "
    "change through the workflow, not by an import."
)
STATUS_GOES_BACK = N_(
    "This inquiry is already in the register with status={current}; an import may record its "
    "later steps, never move it back."
)
DUPLICATE_TITLE = N_(
    "The owner already has technology {reg_no} with this title; import it under that number."
)
RETIRED_CODE = N_(
    "This value is retired: it stays on the records that have it, but no new record or "
    "change may use it."
)
STATUS_NOT_ALLOWED = N_(
    "A normal import creates a technology only as {allowed}, as the regulation in force "
    "says; the status {status} is reached through the workflow, or brought in by a "
    "historical migration."
)
STEP_NOT_REACHED = N_(
    "A technology with the status {status} has not reached this step; leave this date empty."
)
BACKDATED = N_(
    "This date is before today ({today}): a normal import dates nothing in the past. Bring "
    "in a city's history as a historical migration."
)
OWNER_OF_REGISTERED = N_(
    "This technology has been registered, so a normal import cannot change its owner (a "
    "historical migration, confirmed by a second person, can)."
)
OWNER_OF_ADOPTED = N_(
    "This technology has an approved adoption, so a normal import cannot change its owner "
    "(a historical migration, confirmed by a second person, can)."
)

FIRST_DATE = dt.date(1950, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"[0-9+()\-.\s]{3,}")
COUNTRY = re.compile(r"[A-Za-z]{2}")
DATE_FORMS = (
    re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?"),
    re.compile(r"(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.?"),  # 2019. 8. 8.
    re.compile(r"(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T]00:00(?::00)?"),
)
TRUE = {"yes", "y", "true", "1", "o", "예", "네", "ㅇ", "local", "지역"}
FALSE = {"no", "n", "false", "0", "x", "아니오", "아니요", "external", "역외"}
LIST_SPLIT = re.compile(r"[;,\n]")
TIE_SPLIT = re.compile(r"[;\n]")
PAD = " \u3000"  # spaces stripped around every cell (tab and CR are kept: "as typed")
TECH_LIFECYCLE = ("status", "screening_on", "review_on", "registered_on", "rejected_on", "ended_on")
STATUS_DATE = {
    "registered": "registered_on",
    "rejected": "rejected_on",
    "expired": "ended_on",
    "withdrawn": "ended_on",
    "answered": "answered_on",
    "visit_held": "visit_on",
    "benchmarked": "benchmarked_on",
}
# The lifecycle dates a technology of each status may hold (the steps it has reached).
STEP_DATES = {
    "submitted": (),
    "screening": ("screening_on",),
    "under_review": ("screening_on", "review_on"),
    "registered": ("screening_on", "review_on", "registered_on"),
    "rejected": ("screening_on", "review_on", "rejected_on"),
    "expired": ("screening_on", "review_on", "registered_on", "ended_on"),
    "withdrawn": ("screening_on", "review_on", "registered_on", "ended_on"),
}
# Import code lists that are the city's vocabularies (data: ``db.city``), by their name there.
CITY_VOCABULARIES = {
    "field": "fields",
    "growth_sector": "sectors",
    "org_kind": "organisation_kinds",
}
# Model attribute of each file column that is stored under another name.
ATTRIBUTE = {
    ("technologies", "owner"): "owner_org_id",
    ("experts", "organization"): "organization_id",
    ("inquiries", "organization"): "org_id",
}
MODELS: dict[str, Any] = {
    "organizations": Organization,
    "technologies": Technology,
    "experts": Expert,
    "inquiries": Inquiry,
}
PREVIEW_ROWS = 20

NORMAL = "normal"
MIGRATION = "migration"
MODES = (NORMAL, MIGRATION)


@dataclass(frozen=True)
class Allowed:
    """What an import may write: the one rule set that its check and its write share
    (:func:`allowed` builds it in the transaction that checks, and again in the one that
    writes).

    A *normal* import creates technologies only in a status the regulation in force allows,
    dates nothing before today in the city, and changes the owner of no registered
    technology and of none with an approved adoption. A *historical migration* (brought in
    by an administrator, confirmed by a second person: ``db.imports.historical``) may do all
    three.
    """

    mode: str
    today: dt.date
    statuses: tuple[str, ...]  # a new technology's status is one of these
    earliest: dt.date | None  # no written date before this one (None: any)
    owners_of_decided: bool  # may change the owner of a registered or adopted technology


def allowed(session: Session, mode: str = NORMAL) -> Allowed:
    """The rules of an import in ``mode`` (:data:`NORMAL` or :data:`MIGRATION`) today."""
    today = clock.city_today()
    if mode == MIGRATION:
        return Allowed(MIGRATION, today, domain.TECH_STATUSES, None, owners_of_decided=True)
    if mode != NORMAL:
        raise ValueError(mode)
    return Allowed(NORMAL, today, import_statuses(session, today), today, owners_of_decided=False)


@dataclass
class Record:
    """One valid row: its values by model attribute (only the columns the file has)."""

    row: int
    values: dict[str, Any]
    key: tuple[Any, ...]
    fields: frozenset[str] | None = None  # experts: technical fields (if the file has them)
    ties: tuple[tuple[int, str, dt.date, dt.date | None], ...] = ()
    cells: list[str | None] = field(default_factory=list)  # as read, for the preview
    defaults: dict[str, Any] = field(default_factory=dict)  # for absent columns, new only
    retired: frozenset[tuple[str, str]] = frozenset()  # (column key, code) of retired codes


@dataclass
class Change:
    """An existing record that the file changes: id, version seen, before and after."""

    record: Record
    id: int
    version: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    fields: frozenset[str] | None = None  # new field set, when it changes
    new_ties: tuple[tuple[int, str, dt.date, dt.date | None], ...] = ()


@dataclass
class Plan:
    register: Register
    report: Report
    rows: int = 0  # data rows read, blank rows not included
    blank_rows: int = 0
    add: list[Record] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    unchanged: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # header text per column key, file order


CHUNK = 500  # bound parameters per statement, well under SQLite's and PostgreSQL's limits
FULL_READ = 5_000  # above this many distinct keys, one read of the whole table is cheaper
# A stored name or title made only of these characters, with single spaces inside and none
# around, is its own ``norm_text`` once lower-cased (ASCII lower-casing in SQL equals
# ``casefold`` here; NFKC leaves these characters alone): such values are looked up in SQL as
# ``lower(value) IN (file keys)``. Every other ("irregular") value is read and normalised in
# Python, so a lookup finds exactly the records a comparison of every record would.
REGULAR_CHARS = " -~\u00b7\uac00-\ud7a3"


def _chunks(values: Any) -> list[list[Any]]:
    unique = list(dict.fromkeys(values))
    return [unique[i : i + CHUNK] for i in range(0, len(unique), CHUNK)]


def _irregular(session: Session, column: Any) -> Any:
    """SQL: ``column`` is not in the regular form of :data:`REGULAR_CHARS`."""
    if session.get_bind().dialect.name == "sqlite":
        odd = column.op("GLOB")(literal("*[^" + REGULAR_CHARS + "]*"))
    else:
        odd = column.op("~")(literal("[^" + REGULAR_CHARS + "]"))
    return or_(odd, column.like(" %"), column.like("% "), column.like("%  %"))


def _named(session: Session, column: Any, keys: list[str]) -> Any:
    """SQL: ``norm_text(column)`` may be one of ``keys`` (a superset, exact for regular
    values; the caller compares ``norm_text`` in Python)."""
    return or_(func.lower(column).in_(keys), _irregular(session, column))


class _Lookups:
    """Organizations by name (both languages) and the register's existing records.

    Only what the file refers to is read: the organizations it names (:meth:`load_orgs`)
    and the existing records with the keys of its rows (:meth:`load_existing`), in
    statements of at most :data:`CHUNK` keys, so that a small file costs the same however
    large the register is. A file with more than :data:`FULL_READ` distinct keys reads the
    whole table once instead (as many records as the file, or more, are read either way).
    """

    def __init__(self, session: Session, register: Register) -> None:
        self.orgs: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        self.org_local: dict[int, bool] = {}
        self.session = session
        self.register = register
        self.existing: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        self.titles: dict[tuple[int, str], str] = {}

    def load_orgs(self, names: set[str]) -> None:
        """Organizations whose Korean or English name normalises to one of ``names``."""
        keys = {norm_text(n) for n in names if n}
        if not keys:
            return
        cols = (Organization.id, Organization.name_ko, Organization.name_en, Organization.is_local)
        if len(keys) > FULL_READ:
            statements = [select(*cols)]
        else:
            # Three index lookups (migration 0008): lower(name_ko), lower(name_en), and the
            # partial index of the names lower() does not normalise as norm_text does.
            statements = [
                select(*cols).where(func.lower(column).in_(chunk))
                for chunk in _chunks(sorted(keys))
                for column in (Organization.name_ko, Organization.name_en)
            ]
            statements.append(select(*cols).where(self._irregular_orgs()))
        seen: set[int] = set()
        for stmt in statements:
            for org_id, name_ko, name_en, is_local in self.session.execute(
                stmt.order_by(Organization.id)
            ):
                if org_id in seen:
                    continue
                seen.add(org_id)
                self.orgs[norm_text(name_ko)].append((org_id, bool(is_local)))
                if name_en and norm_text(name_en) != norm_text(name_ko):
                    self.orgs[norm_text(name_en)].append((org_id, bool(is_local)))
                self.org_local[org_id] = bool(is_local)

    def _irregular_orgs(self) -> Any:
        """SQL: the organizations with a name ``lower()`` does not normalise as
        ``norm_text`` does (the partial index of migration 0008)."""
        irregular = IRREGULAR_ORG_NAMES.get(self.session.get_bind().dialect.name)
        if irregular is None:  # another database: the same rows, without the index
            return or_(
                _irregular(self.session, Organization.name_ko),
                _irregular(self.session, Organization.name_en),
            )
        return sql_text(irregular)

    def _statements(self, records: list[Record]) -> list[Any]:
        """SELECTs of the stored records that may have the key of one of ``records``."""
        reg = self.register.key
        model = MODELS[reg]
        base = select(*model.__table__.c)
        if len(records) > FULL_READ:  # the records' keys are distinct (see Checker.run)
            return [base]
        keys = [r.key for r in records]
        s = self.session
        if reg == "organizations":  # the indexes of load_orgs; kinds compared in Python
            return [
                base.where(func.lower(Organization.name_ko).in_(sorted({k[0] for k in chunk})))
                for chunk in _chunks(keys)
            ] + [base.where(self._irregular_orgs())]
        out = []
        for chunk in _chunks(keys):
            where: Any
            if reg == "technologies":
                where = Technology.reg_no.in_([k[0] for k in chunk])
            elif reg == "experts":
                where = and_(
                    Expert.organization_id.in_({k[1] for k in chunk}),
                    _named(s, Expert.name, sorted({k[0] for k in chunk})),
                )
            else:
                where = and_(
                    Inquiry.org_id.in_({k[0] for k in chunk}),
                    Inquiry.received_on.in_({k[1] for k in chunk}),
                )
            out.append(base.where(where))
        return out

    def load_existing(self, records: list[Record]) -> None:
        """The stored records with the keys of ``records`` (and, for technologies, the
        stored titles of the file's owners; for experts, their fields and ties)."""
        if not records:
            return
        reg = self.register.key
        wanted = None if len(records) > FULL_READ else {r.key for r in records}
        by_id: dict[int, dict[str, Any]] = {}
        for stmt in self._statements(records):
            for r in self.session.execute(stmt.order_by(MODELS[reg].id)).mappings():
                rec = dict(r)
                key = existing_key(reg, rec)
                if (wanted is None or key in wanted) and rec["id"] not in by_id:
                    by_id[rec["id"]] = rec
                    self.existing[key].append(rec)
        if reg == "technologies":
            self._load_titles(records)
        if reg == "experts" and by_id:
            for chunk in _chunks(sorted(by_id)):
                for expert_id, code in self.session.execute(
                    select(ExpertField.expert_id, ExpertField.field).where(
                        ExpertField.expert_id.in_(chunk)
                    )
                ):
                    by_id[expert_id].setdefault("_fields", set()).add(code)
                for t in self.session.execute(
                    select(
                        ExpertTie.expert_id,
                        ExpertTie.organization_id,
                        ExpertTie.kind,
                        ExpertTie.started_on,
                        ExpertTie.ended_on,
                    ).where(ExpertTie.expert_id.in_(chunk))
                ):
                    by_id[t[0]].setdefault("_ties", set()).add(tuple(t[1:]))

    def _load_titles(self, records: list[Record]) -> None:
        """(owner, normalised Korean title) -> registration number, for the new rows'
        owners and titles (the highest id wins where an owner repeats a title)."""
        new = [r for r in records if r.key not in self.existing]
        if not new:
            return
        cols = (Technology.owner_org_id, Technology.title_ko, Technology.reg_no, Technology.id)
        if len(new) > FULL_READ:  # every stored title, as many as the file's or fewer
            wanted = None
            statements = [select(*cols)]
        else:
            pairs = [(r.values["owner_org_id"], norm_text(r.values["title_ko"])) for r in new]
            wanted = set(pairs)
            statements = [
                select(*cols).where(
                    Technology.owner_org_id.in_({p[0] for p in chunk}),
                    _named(self.session, Technology.title_ko, sorted({p[1] for p in chunk})),
                )
                for chunk in _chunks(pairs)
            ]
        found: dict[tuple[int, str], tuple[int, str]] = {}
        for stmt in statements:
            for owner, title, reg_no, tech_id in self.session.execute(stmt):
                pair = (owner, norm_text(title))
                if wanted is not None and pair not in wanted:
                    continue
                if pair not in found or found[pair][0] < tech_id:
                    found[pair] = (tech_id, reg_no)
        self.titles = {pair: reg_no for pair, (_id, reg_no) in found.items()}


def existing_key(register: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    """The natural key of a stored record (``rec`` by model attribute)."""
    if register == "organizations":
        return (norm_text(rec["name_ko"]), rec["kind"])
    if register == "technologies":
        return (rec["reg_no"],)
    if register == "experts":
        return (norm_text(rec["name"]), rec["organization_id"])
    return (rec["org_id"], rec["received_on"], norm_text(rec["topic"]))


def reg_no_form(pattern: NumberPattern) -> dict[str, str]:
    """How the city's registration numbers look (``AB-YYYY-NNN``) and one of them."""
    shown = re.sub(r"\{year\}", "YYYY", pattern.pattern)
    shown = re.sub(
        r"\{seq\}", "N" * pattern.width, re.sub(r"\{seq:0?\d\}", "N" * pattern.width, shown)
    )
    return {"pattern": shown, "example": pattern.format(clock.city_today().year, 41)}


def parse_date(text: str) -> dt.date | None:
    """A date in one of the forms offices write (ISO, dots, slashes, 년월일, YYYYMMDD)."""
    for form in DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Checker:
    """Checks one table against one register (see :func:`check`)."""

    def __init__(
        self,
        session: Session,
        register: Register,
        table: Table,
        vocabulary: Vocabulary,
        report: Report,
        progress: Progress | None,
        rules: Allowed,
    ) -> None:
        self.session = session
        self.register = register
        self.table = table
        self.report = report
        self.progress = progress
        self.rules = rules
        kinds = {c.vocab for c in register.columns if c.vocab} | {"tie_kind"}
        self.vocab: dict[str, dict[str, str]] = {}
        self.offered: dict[str, tuple[str, ...]] = {}  # the city's codes a new record may use
        self.usable: dict[tuple[str, str], bool] = {}  # is_code answers, once per code
        for kind in sorted(kinds):
            if kind in CITY_VOCABULARIES:
                self.vocab[kind] = self._city_lookup(kind, vocabulary)
            else:
                self.vocab[kind] = vocabulary.lookup(kind)
        self.plan = Plan(register=register, report=report)
        self._retired: set[tuple[str, str]] = set()
        self._pattern: NumberPattern | None = None
        self._reg_no = re.compile("")
        self._city_row: store.City | None = None
        self._outside: str | None = None
        self.positions: dict[str, int] = {}  # column key -> index in the row
        self.names: dict[str, str] = {}  # column key -> header as written in the file

    def _city_lookup(self, kind: str, vocabulary: Vocabulary) -> dict[str, str]:
        """Spelling -> code of one of the city's vocabularies, from the database: its codes
        (retired ones too: they may stay on a stored record), their Korean and English
        labels, and the caller's labels of those codes."""
        terms = store.terms(self.session, CITY_VOCABULARIES[kind])
        self.offered[kind] = tuple(t.code for t in terms if not t.retired)
        table = {norm_text(t.code): t.code for t in terms}
        for t in terms:
            for label in (t.ko, t.en):
                table.setdefault(norm_text(label), t.code)
        codes = set(table.values())
        for label, code in vocabulary.labels.get(kind, {}).items():
            if code in codes:
                table.setdefault(norm_text(label), code)
        return table

    # --- header -------------------------------------------------------------------------

    def map_header(self) -> bool:
        index = self.register.header_index()
        korean = 0
        for pos, text in enumerate(self.table.header):
            if not text:
                continue
            col = index.get(norm_header(text))
            if col is None:
                self.report.add(
                    1, text, text, UNKNOWN_HEADER, expected=self.register.expected(self._lang())
                )
                continue
            if col.key in self.positions:
                self.report.add(1, text, text, DUPLICATE_HEADER, other=self.names[col.key])
                continue
            self.positions[col.key] = pos
            self.names[col.key] = text
            korean += norm_header(text) == norm_header(col.ko)
        if self.positions:
            self.korean = korean * 2 > len(self.positions)
        else:  # nothing matched: name missing columns in the language the header is in
            self.korean = self._lang() == "ko"
        for col in self.register.columns:
            if col.required and col.key not in self.positions:
                self.report.add(1, self.name(col), "", MISSING_HEADER)
        self.ordered = sorted(
            ((self.register.column(k), p) for k, p in self.positions.items()), key=lambda cp: cp[1]
        )
        self.plan.headers = [self.names[k] for k in sorted(self.positions, key=self.positions.get)]  # type: ignore[arg-type]
        return self.report.ok

    def _lang(self) -> str:
        hangul = sum(1 for h in self.table.header for ch in h if "\uac00" <= ch <= "\ud7a3")
        return "ko" if hangul else "en"

    def name(self, col: Column) -> str:
        return self.names.get(col.key) or (col.ko if getattr(self, "korean", False) else col.en)

    # --- rows ---------------------------------------------------------------------------

    def run(self) -> Plan:
        if not self.map_header():
            return self.plan
        self.lookups = _Lookups(self.session, self.register)
        rows = list(self.table.rows)
        self.lookups.load_orgs(self._org_names(rows))
        seen: dict[tuple[Any, ...], int] = {}
        width = len(self.table.header)
        unnamed = [i for i, h in enumerate(self.table.header) if not h]
        estimate = max(self.table.estimated_rows, 1)
        records: list[Record] = []
        for row, cells in rows:
            if self.progress and row % 2000 == 0:
                self.progress(min(row / estimate, 1.0), "check")
            if all(c is None or not c.strip() for c in cells):
                self.plan.blank_rows += 1
                continue
            self.plan.rows += 1
            if not self._shape_ok(row, cells, width, unnamed):
                continue
            record = self._record(row, cells)
            if record is None:
                continue
            first = seen.get(record.key)
            if first is not None:
                self._key_problem(row, record, DUPLICATE_IN_FILE, first=first)
                continue
            seen[record.key] = row
            records.append(record)
        if self.report.ok and self.plan.rows == 0:
            self.report.add(2, None, "", NO_ROWS)
        if self.report.ok:
            self.lookups.load_existing(records)
            self._compare(records)
        self.report.sort()
        if self.progress:
            self.progress(1.0, "check")
        return self.plan

    def _org_names(self, rows: list[tuple[int, list[str | None]]]) -> set[str]:
        """Every organization name the file's cells may refer to (organization columns
        and the first part of each declared tie), as written."""
        names: set[str] = set()
        for col, pos in self.ordered:
            if col.kind not in ("org", "ties"):
                continue
            cells_in = {cells[pos] for _row, cells in rows if pos < len(cells) and cells[pos]}
            if col.kind == "org":
                names.update(t for t in cells_in if t)
                continue
            for text in cells_in:
                for entry in TIE_SPLIT.split(text or ""):
                    names.add(entry.split("|")[0])
        return names

    def _shape_ok(self, row: int, cells: list[str | None], width: int, unnamed: list[int]) -> bool:
        ok = True
        if len(cells) > width:
            extra = [i for i in range(width, len(cells)) if (cells[i] or "").strip()]
            if extra:
                self.report.add(
                    row,
                    _column_letter(extra[0]),
                    cells[extra[0]],
                    TOO_MANY_CELLS,
                    cells=len(cells),
                    expected=width,
                )
                ok = False
        elif len(cells) < width and not self.table.pads_short_rows:
            missing = self.table.header[len(cells)] or _column_letter(len(cells))
            self.report.add(row, missing, "", TOO_FEW_CELLS, cells=len(cells), expected=width)
            ok = False
        for i in unnamed:
            if i < len(cells) and (cells[i] or "").strip():
                self.report.add(row, _column_letter(i), cells[i], UNNAMED_COLUMN)
                ok = False
        return ok

    def _record(self, row: int, cells: list[str | None]) -> Record | None:
        values: dict[str, Any] = {}
        fields: frozenset[str] | None = None
        ties: tuple[tuple[int, str, dt.date, dt.date | None], ...] = ()
        before = self.report.total
        self._retired = set()
        for col, pos in self.ordered:
            raw = cells[pos] if pos < len(cells) else None
            value = self._cell(row, col, raw)
            if col.kind == "codes":
                fields = frozenset(value or ())
            elif col.kind == "ties":
                ties = tuple(value or ())
            else:
                values[col.key] = value
        if self.report.total > before:
            return None
        defaults = self._defaults(values)
        if not self._row_rules(row, {**defaults, **values}):
            return None
        stored = {ATTRIBUTE.get((self.register.key, k), k): v for k, v in values.items()}
        retired = frozenset(self._retired)
        return Record(row, stored, self._key(values), fields, ties, cells, defaults, retired)

    def _cell(self, row: int, col: Column, raw: str | None) -> Any:
        text = (raw or "").strip(PAD)
        if col.kind != "text":
            text = text.strip()
        if not text:
            if col.required:
                self.report.add(row, self.name(col), raw, REQUIRED)
            return None
        if len(text) > col.max_len:
            self.report.add(
                row, self.name(col), text, TOO_LONG, length=len(text), limit=col.max_len
            )
            return None
        parse = getattr(self, "_parse_" + col.kind)
        return parse(row, col, text)

    def _bad(self, row: int, col: Column, text: str, rule: str, **params: Any) -> None:
        self.report.add(row, self.name(col), text, rule, **params)

    def _parse_text(self, row: int, col: Column, text: str) -> str:
        return text

    def _parse_date(self, row: int, col: Column, text: str) -> dt.date | None:
        value = parse_date(text)
        if value is None:
            self._bad(row, col, text, BAD_DATE)
        elif not FIRST_DATE <= value <= LAST_DATE:
            self._bad(
                row, col, text, DATE_RANGE, first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()
            )
            return None
        return value

    def _code(self, row: int, col: Column, text: str, vocab: str) -> str | None:
        code = self.vocab[vocab].get(norm_text(text))
        city = CITY_VOCABULARIES.get(vocab)
        if code is None:
            codes = self.offered[vocab] if city else VOCABULARIES[vocab]
            self._bad(row, col, text, UNKNOWN_CODE, allowed=", ".join(codes), vocab=vocab)
        elif city:
            # A retired code may stay on a stored record; a new use is refused (_compare).
            if (city, code) not in self.usable:
                self.usable[city, code] = store.is_code(self.session, city, code)
            if not self.usable[city, code]:
                self._retired.add((col.key, code))
        return code

    def _parse_code(self, row: int, col: Column, text: str) -> str | None:
        assert col.vocab
        return self._code(row, col, text, col.vocab)

    def _parse_codes(self, row: int, col: Column, text: str) -> list[str]:
        assert col.vocab
        codes = []
        for part in LIST_SPLIT.split(text):
            if part.strip():
                code = self._code(row, col, part.strip(), col.vocab)
                if code:
                    codes.append(code)
        return codes

    def _parse_bool(self, row: int, col: Column, text: str) -> bool | None:
        folded = norm_text(text)
        if folded in TRUE:
            return True
        if folded in FALSE:
            return False
        if col.vocab:
            code = self.vocab[col.vocab].get(folded)
            if code is not None:
                return code == "local"
        self._bad(row, col, text, BAD_BOOL)
        return None

    def _org(self, row: int, col: Column, text: str) -> int | None:
        matches = self.lookups.orgs.get(norm_text(text), [])
        if not matches:
            self._bad(row, col, text, UNKNOWN_ORG)
            return None
        if len(matches) > 1:
            self._bad(row, col, text, AMBIGUOUS_ORG, count=len(matches))
            return None
        return matches[0][0]

    def _parse_org(self, row: int, col: Column, text: str) -> int | None:
        return self._org(row, col, text)

    def _parse_reg_no(self, row: int, col: Column, text: str) -> str | None:
        """A registration number of the city's pattern (``{seq}`` at least its width)."""
        if self._pattern is None:
            self._pattern = store.city(self.session).reg_no_pattern
            self._reg_no = self._pattern.regex()
        typed = unicodedata.normalize("NFKC", text)
        for value in (typed.upper(), typed):
            m = self._reg_no.match(value)
            if m is not None and len(m.group("seq")) >= self._pattern.width:
                return value
        self._bad(row, col, text, BAD_REG_NO, **reg_no_form(self._pattern))
        return None

    def _parse_email(self, row: int, col: Column, text: str) -> str | None:
        if not EMAIL.fullmatch(text):
            self._bad(row, col, text, BAD_EMAIL)
            return None
        return text

    def _parse_phone(self, row: int, col: Column, text: str) -> str | None:
        if not PHONE.fullmatch(text):
            self._bad(row, col, text, BAD_PHONE)
            return None
        return text

    def _parse_country(self, row: int, col: Column, text: str) -> str | None:
        if not COUNTRY.fullmatch(text):
            self._bad(row, col, text, BAD_COUNTRY)
            return None
        return text.upper()

    def _parse_ties(
        self, row: int, col: Column, text: str
    ) -> list[tuple[int, str, dt.date, dt.date | None]]:
        ties = []
        for entry in TIE_SPLIT.split(text):
            if not entry.strip():
                continue
            parts = [p.strip() for p in entry.split("|")]
            if len(parts) == 3:
                parts.append("")
            if len(parts) != 4 or not all(parts[:3]):
                self._bad(row, col, entry, BAD_TIE)
                continue
            org = self._org(row, col, parts[0])
            kind = self._code(row, col, parts[1], "tie_kind")
            start = parse_date(parts[2])
            end = parse_date(parts[3]) if parts[3] else None
            if start is None or (parts[3] and end is None):
                self._bad(row, col, entry, BAD_DATE)
                continue
            if org is not None and kind is not None:
                ties.append((org, kind, start, end))
        return ties

    # --- row rules ----------------------------------------------------------------------

    def _defaults(self, values: dict[str, Any]) -> dict[str, Any]:
        """Fill blank cells that have a default; return the defaults of absent columns,
        which apply to new records only (an absent column never changes a stored one)."""
        reg = self.register.key
        derived: dict[str, Any] = {}
        if reg == "organizations":
            derived = {
                "name_en": values["name_ko"],
                "country": "KR",
                "is_local": self._city().is_home(values.get("region")),
            }
        elif reg == "technologies":
            derived = {
                "title_en": values["title_ko"],
                "is_local": self.lookups.org_local.get(values["owner"], False),
                "growth_sector": self._outside_sector(),
                "certification": "none",
                "status": "submitted",
            }
        elif reg == "inquiries":
            derived = {"status": "received"}
        absent: dict[str, Any] = {}
        for key, default in derived.items():
            if key not in self.positions:
                absent[key] = default
            elif values.get(key) is None or values.get(key) == "":
                values[key] = default
        return absent

    def _city(self) -> store.City:
        if self._city_row is None:
            self._city_row = store.city(self.session)
        return self._city_row

    def _outside_sector(self) -> str:
        """The growth sector of technologies outside the city's growth sectors."""
        if self._outside is None:
            self._outside = store.outside_sector(self.session)
        return self._outside

    def _row_rules(self, row: int, values: dict[str, Any]) -> bool:
        before = self.report.total
        reg = self.register.key
        if reg == "organizations":
            country = values.get("country") or "KR"
            if country == "KR" and not values.get("region"):
                self._bad(row, self.register.column("region"), "", REGION_REQUIRED)
        start_key = {
            "technologies": "submitted_on",
            "experts": "registered_on",
            "inquiries": "received_on",
        }.get(reg)
        if start_key:
            start = values.get(start_key)
            start_col = self.register.column(start_key)
            for col in self.register.columns:
                value = values.get(col.key)
                if (
                    col.kind == "date"
                    and col.key != start_key
                    and value
                    and start
                    and value < start
                ):
                    self._bad(
                        row,
                        col,
                        value.isoformat(),
                        DATE_BEFORE,
                        other=self.name(start_col),
                        date=start.isoformat(),
                    )
            status = values.get("status")
            needed = STATUS_DATE.get(status or "")
            if needed and not values.get(needed):
                self._bad(row, self.register.column(needed), "", STATUS_NEEDS_DATE, status=status)
        return self.report.total == before

    def _key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        reg = self.register.key
        if reg == "organizations":
            return (norm_text(values["name_ko"]), values["kind"])
        if reg == "technologies":
            return (values["reg_no"],)
        if reg == "experts":
            return (norm_text(values["name"]), values["organization"])
        return (values["organization"], values["received_on"], norm_text(values["topic"]))

    def _key_problem(self, row: int, record: Record, rule: str, **params: Any) -> None:
        col = self.register.column(self.register.natural_key[0])
        shown = " / ".join(str(v) for v in record.key)
        self.report.add(row, self.name(col), shown, rule, **params)

    # --- against the register -----------------------------------------------------------

    def _compare(self, records: list[Record]) -> None:
        reg = self.register.key
        adopted = self._adopted(records) if reg == "technologies" else set()
        for record in records:
            matches = self.lookups.existing.get(record.key, [])
            if len(matches) > 1:
                self._key_problem(record.row, record, DUPLICATE_IN_REGISTER, count=len(matches))
                continue
            if not matches:
                if reg == "technologies":
                    title = (record.values["owner_org_id"], norm_text(record.values["title_ko"]))
                    other = self.lookups.titles.get(title)
                    if other:
                        self._bad(
                            record.row,
                            self.register.column("title_ko"),
                            record.values["title_ko"],
                            DUPLICATE_TITLE,
                            reg_no=other,
                        )
                        continue
                if not self._new_record_rules(record):
                    continue
                self.plan.add.append(record)
                self._preview(record, "add")
                continue
            current = matches[0]
            before = {k: current[k] for k, v in record.values.items() if current[k] != v}
            after = {k: record.values[k] for k in before}
            if reg == "technologies":
                moved = [k for k in TECH_LIFECYCLE if k in before]
                if moved:
                    self._bad(
                        record.row,
                        self.register.column(moved[0]),
                        record.values[moved[0]],
                        LIFECYCLE_BY_WORKFLOW,
                        current=", ".join(f"{k}={current[k]}" for k in moved),
                    )
                    continue
                if "owner_org_id" in before and not self._owner_may_change(
                    record, current, adopted
                ):
                    continue
            if (
                reg == "inquiries"
                and "status" in before
                and not domain.reachable("inquiry", current["status"], record.values["status"])
            ):
                self._bad(
                    record.row,
                    self.register.column("status"),
                    record.values["status"],
                    STATUS_GOES_BACK,
                    current=current["status"],
                )
                continue
            fields = None
            new_ties: tuple[Any, ...] = ()
            if reg == "experts":
                if record.fields is not None and record.fields != frozenset(
                    current.get("_fields", ())
                ):
                    fields = record.fields
                    before["fields"] = sorted(current.get("_fields", ()))
                    after["fields"] = sorted(fields)
                have = current.get("_ties", set())
                new_ties = tuple(t for t in record.ties if t not in have)
                if new_ties:
                    after["ties_added"] = [list(t) for t in new_ties]
            if not self._change_rules(record, current, before):
                continue
            if before or after:
                self.plan.update.append(
                    Change(
                        record,
                        current["id"],
                        current.get("version"),
                        before,
                        after,
                        fields,
                        new_ties,
                    )
                )
                self._preview(record, "update")
            else:
                self.plan.unchanged += 1
                self._preview(record, "unchanged")

    # --- what an import may write (the rules of self.rules) ---------------------------------

    def _new_record_rules(self, record: Record) -> bool:
        """A new record: its status (technologies), every date and every code it holds."""
        before = self.report.total
        values = {**record.defaults, **record.values}
        if self.register.key == "technologies":
            status = values.get("status") or "submitted"
            if status not in self.rules.statuses:
                self._bad(
                    record.row,
                    self.register.column("status"),
                    status,
                    STATUS_NOT_ALLOWED,
                    allowed=", ".join(self.rules.statuses),
                    status=status,
                )
            for key in TECH_LIFECYCLE[1:]:
                if values.get(key) and key not in STEP_DATES.get(status, ()):
                    col = self.register.column(key)
                    shown = values[key].isoformat()
                    self._bad(record.row, col, shown, STEP_NOT_REACHED, status=status)
        self._no_back_dating(record, values)
        for key, code in sorted(record.retired):
            self._bad(record.row, self.register.column(key), code, RETIRED_CODE)
        return self.report.total == before

    def _change_rules(
        self, record: Record, current: dict[str, Any], changed: dict[str, Any]
    ) -> bool:
        """A stored record the file changes: the dates and codes it changes (``changed``:
        the stored values of the attributes the file changes)."""
        before = self.report.total
        self._no_back_dating(record, {k: record.values[k] for k in changed if k in record.values})
        held = current.get("_fields", set())  # an expert's fields: each one a use
        for key, code in sorted(record.retired):
            if (code not in held) if key == "fields" else (key in changed):
                self._bad(record.row, self.register.column(key), code, RETIRED_CODE)
        return self.report.total == before

    def _no_back_dating(self, record: Record, values: dict[str, Any]) -> None:
        """Every date among ``values`` (the dates the import writes) on or after the
        earliest day the rules allow. (A declared tie's dates describe a tie that began in
        the past and are not the record's own dates.)"""
        earliest = self.rules.earliest
        if earliest is None:
            return
        for col in self.register.columns:
            value = values.get(col.key)
            if col.kind == "date" and value is not None and value < earliest:
                self._bad(record.row, col, value.isoformat(), BACKDATED, today=earliest.isoformat())

    def _adopted(self, records: list[Record]) -> set[int]:
        """Ids of the stored technologies the file moves to another owner that have an
        approved adoption (read for those only)."""
        moving = []
        for record in records:
            matches = self.lookups.existing.get(record.key, [])
            owner = record.values.get("owner_org_id")
            if len(matches) == 1 and owner is not None and matches[0]["owner_org_id"] != owner:
                moving.append(matches[0]["id"])
        found: set[int] = set()
        for chunk in _chunks(moving):
            found.update(
                self.session.execute(
                    select(Adoption.technology_id).where(
                        Adoption.technology_id.in_(chunk), Adoption.status == "approved"
                    )
                ).scalars()
            )
        return found

    def _owner_may_change(self, record: Record, current: dict[str, Any], adopted: set[int]) -> bool:
        """Whether the rules let the file give the stored technology ``current`` another
        owner: never, in a normal import, once it has been registered or adopted."""
        if self.rules.owners_of_decided:
            return True
        rule = None
        if current["status"] == "registered" or current["registered_on"] is not None:
            rule = OWNER_OF_REGISTERED
        elif current["id"] in adopted:
            rule = OWNER_OF_ADOPTED
        if rule is None:
            return True
        pos = self.positions["owner"]  # a required column: the name as the file has it
        typed = record.cells[pos] if pos < len(record.cells) else None
        self._bad(record.row, self.register.column("owner"), typed or "", rule)
        return False

    def _preview(self, record: Record, action: str) -> None:
        if len(self.plan.preview) < PREVIEW_ROWS:
            shown = {
                name: record.cells[pos] if pos < len(record.cells) else None
                for key, pos in self.positions.items()
                for name in (self.names[key],)
            }
            self.plan.preview.append({"row": record.row, "action": action, "cells": shown})


def check(
    session: Session,
    register: Register,
    table: Table,
    vocabulary: Vocabulary,
    report: Report,
    progress: Progress | None = None,
    *,
    rules: Allowed | None = None,
) -> Plan:
    """Check ``table`` as a file of ``register`` under ``rules`` (default: a normal import
    today); problems go to ``report``."""
    rules = rules or allowed(session, NORMAL)
    return Checker(session, register, table, vocabulary, report, progress, rules).run()
