"""Reading an uploaded file into a header and rows, without trusting its name.

The bytes decide what a file is (magic numbers): an ``.xlsx`` is a ZIP archive holding
``[Content_Types].xml`` and ``xl/workbook.xml``; a CSV is text without NUL bytes. A file whose
content and name disagree is refused with a sentence saying what it really is.

CSV text is decoded as UTF-8 (with or without a byte-order mark), then as CP949 (the superset
of EUC-KR that Korean Windows writes). An undecodable byte is reported with its position and
the row and column it falls in. The delimiter (comma, semicolon or tab) is the one that
splits the header into the most known column names.

Workbooks are guarded before openpyxl sees them: the ZIP directory's total uncompressed size,
each member's compression ratio and the number of members are limited (a ZIP bomb is refused
without inflating it; :mod:`zipfile` never inflates a member beyond the size its directory
declares). openpyxl then reads in read-only mode and parses XML through defusedxml, which
refuses entity declarations ("billion laughs"); the import refuses workbooks outright if
defusedxml is missing.

Problems go into a :class:`~db.imports.report.Report`; nothing here raises for bad input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from db.errors import N_
from db.imports.report import Report

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000  # data rows, blank rows included
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_MAX_RATIO = 100  # uncompressed / compressed, for members above XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 1024 * 1024
XLSX_MAX_MEMBERS = 2_000
DELIMITERS = (",", ";", "\t")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx",)

# What a file's first bytes say it is.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x1f\x8b", "gzip"),
    (b"\xff\xfe", "utf16"),
    (b"\xfe\xff", "utf16"),
)
KIND_NAMES = {  # how a detected kind is named inside a sentence (technical, not translated)
    "zip": "ZIP archive",
    "png": "PNG image",
    "jpeg": "JPEG image",
    "gif": "GIF image",
    "pdf": "PDF document",
    "ole2": "Excel 97-2003 (.xls) or other Office 97 file",
    "gzip": "gzip archive",
    "utf16": "UTF-16 text",
    "binary": "binary file",
    "text": "plain text",
}

# Messages (English templates; the UI translates them).
EMPTY_FILE = N_("The file is empty.")
TOO_BIG = N_("The file is larger than {limit} MB. Split it into smaller files.")
WRONG_SUFFIX = N_(
    "Only .csv and .xlsx files can be imported (this file is named {name}). "
    "Save it from Excel as 'CSV UTF-8' or 'Excel workbook (.xlsx)'."
)
OLD_XLS = N_(
    "Files in the old Excel 97-2003 format (.xls) cannot be imported. Save the file as "
    "'Excel workbook (.xlsx)' or 'CSV UTF-8' and upload it again."
)
NOT_TEXT = N_(
    "The file is named {name} but it is not CSV text: its content is a {kind}. "
    "Nothing was read from it."
)
NOT_XLSX = N_(
    "The file is named {name} but it is not an Excel workbook: its content is a {kind}. "
    "If it is CSV text, name it .csv."
)
ZIP_NOT_XLSX = N_(
    "The file is a ZIP archive but not an Excel workbook (it has no [Content_Types].xml "
    "or xl/workbook.xml)."
)
CSV_IS_ZIP = N_(
    "The file is named {name} but it is a ZIP archive (an Excel workbook?). Save it as "
    "CSV, or upload the workbook with its .xlsx name."
)
UTF16 = N_(
    "The file is UTF-16 text, which cannot be imported. In Excel choose 'Save as' "
    "'CSV UTF-8 (comma delimited)'."
)
DAMAGED_ZIP = N_("The workbook is damaged and cannot be opened ({detail}).")
ZIP_BOMB_SIZE = N_(
    "The workbook would expand to {size} MB, more than the {limit} MB allowed; it was not "
    "opened. Remove unused sheets or split the data."
)
ZIP_BOMB_RATIO = N_(
    "A part of the workbook ({member}) is compressed {ratio} times, more than the {limit} "
    "times a real workbook reaches (a ZIP bomb?); it was not opened."
)
ZIP_TOO_MANY = N_("The workbook holds {count} parts, more than {limit}; it was not opened.")
NO_DEFUSEDXML = N_(
    "Excel workbooks cannot be read safely on this server (the defusedxml package is "
    "missing); upload CSV instead or ask the administrator."
)
XML_ATTACK = N_(
    "The workbook contains XML entity or document-type declarations, which Excel never "
    "writes (an entity-expansion attack?); it was not read."
)
XLSX_UNREADABLE = N_("The workbook could not be read ({detail}). Save it again from Excel.")
NO_SHEET = N_("The workbook has no worksheet.")
UNDECODABLE = N_(
    "Byte {position} of the file cannot be read as UTF-8 or as Korean (CP949/EUC-KR) text. "
    "Save the file as 'CSV UTF-8' and upload it again."
)
NO_HEADER = N_("Row 1 must hold the column names, but it is empty.")
WRONG_DELIMITER = N_(
    "The header row does not split into the expected columns: wrong delimiter? Use comma, "
    "semicolon or tab between columns. Expected columns: {expected}."
)
NOT_A_HEADER = N_(
    "Row 1 does not hold this register's column names. Put the column names in row 1 "
    "(no title above them). Expected columns: {expected}."
)
CSV_BROKEN = N_("This row cannot be read as CSV ({detail}); reading stopped here.")
CELL_TOO_LONG_CSV = N_(
    "A cell in this row is longer than {limit} characters; reading stopped here."
)
TOO_MANY_ROWS = N_("The file has more than {limit} rows. Split it into smaller files.")


@dataclass
class Table:
    """The header cells and a generator of ``(row number, cells)`` as text or ``None``."""

    format: str  # "csv" | "xlsx"
    encoding: str | None
    delimiter: str | None
    header: list[str]
    rows: Iterator[tuple[int, list[str | None]]]
    pads_short_rows: bool  # xlsx leaves trailing empty cells out: a short row is not ragged
    estimated_rows: int = 0  # for progress bars only


def sniff(data: bytes) -> str:
    """What the bytes are: a key of :data:`KIND_NAMES` (``text`` for NUL-free bytes)."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    return "binary" if b"\x00" in data[:65536] else "text"


def read_table(
    filename: str,
    data: bytes,
    report: Report,
    header_score: Callable[[list[str]], int],
    expected: str,
) -> Table | None:
    """The file as a :class:`Table`, or ``None`` with the reasons added to ``report``.

    ``header_score`` counts how many cells of a candidate header are known column names
    (to choose the delimiter); ``expected`` lists them for the "wrong delimiter?" message.
    """
    name = PurePath(filename or "").name or "?"
    suffix = PurePath(name).suffix.lower()
    if not data:
        report.add(None, None, name, EMPTY_FILE)
        return None
    if len(data) > MAX_FILE_BYTES:
        report.add(None, None, name, TOO_BIG, limit=MAX_FILE_BYTES // (1024 * 1024))
        return None
    kind = sniff(data)
    if suffix == ".xls" or kind == "ole2":
        report.add(None, None, name, OLD_XLS)
        return None
    if suffix in XLSX_SUFFIXES:
        if kind != "zip":
            report.add(None, None, name, NOT_XLSX, name=name, kind=KIND_NAMES[kind])
            return None
        return _read_xlsx(data, report, name)
    if suffix in TEXT_SUFFIXES:
        if kind == "zip":
            report.add(None, None, name, CSV_IS_ZIP, name=name)
            return None
        if kind == "utf16":
            report.add(None, None, name, UTF16)
            return None
        if kind != "text":
            report.add(None, None, name, NOT_TEXT, name=name, kind=KIND_NAMES[kind])
            return None
        return _read_csv(data, report, header_score, expected)
    report.add(None, None, name, WRONG_SUFFIX, name=name)
    return None


# --- CSV ----------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str | None, str, int]:
    """``(text, encoding, 0)``, or ``(None, encoding tried last, offset of the first byte
    that encoding cannot read)``."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", 0
        except UnicodeDecodeError as exc:
            return None, "utf-8", exc.start + 3
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    if any(b >= 0x80 for b in data[:utf8_error]):
        # Valid multi-byte UTF-8 came before the bad byte: a UTF-8 file with a broken byte,
        # not a Korean code page (decoding it as CP949 would only produce gibberish).
        return None, "utf-8", utf8_error
    try:
        return data.decode("cp949"), "cp949", 0
    except UnicodeDecodeError as exc:
        return None, "cp949", exc.start


def _choose_delimiter(text: str, header_score: Callable[[list[str]], int]) -> tuple[str, list[str]]:
    best: tuple[int, int, str, list[str]] | None = None
    for delim in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text), delimiter=delim), [])
        except csv.Error:
            continue
        score = (header_score(header), len(header))
        if best is None or score > best[:2]:
            best = (*score, delim, header)
    if best is None:
        return ",", []
    return best[2], best[3]


def _locate(text_before: str, delimiter: str, header: list[str]) -> tuple[int, str | None]:
    """Row number and column header of the character right after ``text_before``."""
    mark = "\ue000"
    try:
        for index, record in enumerate(
            csv.reader(io.StringIO(text_before + mark), delimiter=delimiter), start=1
        ):
            for col, cell in enumerate(record):
                if mark in cell:
                    return index, header[col] if col < len(header) else None
    except csv.Error:
        pass
    return text_before.count("\n") + 1, None


def _read_csv(
    data: bytes, report: Report, header_score: Callable[[list[str]], int], expected: str
) -> Table | None:
    text, encoding, position = _decode(data)
    if text is None:
        before = data[:position].decode(encoding, errors="replace").removeprefix("\ufeff")
        delimiter, header = _choose_delimiter(before, header_score)
        row, column = _locate(before, delimiter, header)
        bad = data[position : position + 4]
        report.add(row, column, bad.hex(" "), UNDECODABLE, position=position + 1)
        return None
    delimiter, header = _choose_delimiter(text, header_score)
    cleaned = [h.strip() for h in header]
    if not any(cleaned):
        report.add(1, None, "", NO_HEADER)
        return None
    if header_score(header) == 0 and len([h for h in cleaned if h]) == 1:
        # One cell: either the columns are separated by something else, or a title sits
        # above the header. (Several unknown cells are reported one by one later.)
        shown = next(h for h in cleaned if h)
        parts = re.split(r"[^\w\s()*]+", shown)  # split on any other separator
        if header_score(parts) >= 2:
            report.add(1, None, shown, WRONG_DELIMITER, expected=expected)
        else:
            report.add(1, None, shown, NOT_A_HEADER, expected=expected)
        return None
    return Table(
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        header=cleaned,
        rows=_csv_rows(text, delimiter, report),
        pads_short_rows=False,
        estimated_rows=text.count("\n"),
    )


def _csv_rows(text: str, delimiter: str, report: Report) -> Iterator[tuple[int, list[str | None]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    row = 1
    try:
        next(reader, None)  # the header
        for record in reader:
            row += 1
            if row - 1 > MAX_ROWS:
                report.add(row, None, "", TOO_MANY_ROWS, limit=MAX_ROWS)
                return
            yield row, list(record)
    except csv.Error as exc:
        row += 1
        if "field larger than field limit" in str(exc):
            report.add(row, None, "", CELL_TOO_LONG_CSV, limit=MAX_CELL_CHARS)
        else:
            report.add(row, None, "", CSV_BROKEN, detail=str(exc))


# --- Excel --------------------------------------------------------------------------------


def _guard_zip(data: bytes, report: Report) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        report.add(None, None, "", DAMAGED_ZIP, detail=str(exc)[:120])
        return False
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        report.add(None, None, "", ZIP_NOT_XLSX)
        return False
    if len(members) > XLSX_MAX_MEMBERS:
        report.add(None, None, "", ZIP_TOO_MANY, count=len(members), limit=XLSX_MAX_MEMBERS)
        return False
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        report.add(
            None,
            None,
            "",
            ZIP_BOMB_SIZE,
            size=total // (1024 * 1024),
            limit=XLSX_MAX_UNCOMPRESSED // (1024 * 1024),
        )
        return False
    for m in members:
        if m.file_size > XLSX_RATIO_FROM:
            ratio = m.file_size / max(m.compress_size, 1)
            if ratio > XLSX_MAX_RATIO:
                report.add(
                    None,
                    None,
                    m.filename,
                    ZIP_BOMB_RATIO,
                    member=m.filename,
                    ratio=int(ratio),
                    limit=XLSX_MAX_RATIO,
                )
                return False
    return True


def _is_xml_attack(exc: BaseException) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps the refusal in its own error)."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - refused before openpyxl is called
        return False
    seen: BaseException | None = exc
    for _depth in range(10):
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _read_xlsx(data: bytes, report: Report, name: str) -> Table | None:
    if not _guard_zip(data, report):
        return None
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        report.add(None, None, name, NO_DEFUSEDXML)
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        if not book.worksheets:
            report.add(None, None, name, NO_SHEET)
            return None
        sheet = book.worksheets[0]
        estimated = int(sheet.max_row or 0)
        sheet.reset_dimensions()  # a forged dimension must not pad every row to 16,384 cells
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        if _is_xml_attack(exc):
            report.add(None, None, name, XML_ATTACK)
        else:
            report.add(None, None, name, XLSX_UNREADABLE, detail=type(exc).__name__)
        return None
    header = [_cell_text(v) or "" for v in (first or ())]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        report.add(1, None, "", NO_HEADER)
        return None
    return Table(
        format="xlsx",
        encoding=None,
        delimiter=None,
        header=[h.strip() for h in header],
        rows=_xlsx_rows(rows, report, name),
        pads_short_rows=True,
        estimated_rows=min(estimated, MAX_ROWS + 1),
    )


def _xlsx_rows(
    rows: Iterator[tuple[object, ...]], report: Report, name: str
) -> Iterator[tuple[int, list[str | None]]]:
    row = 1
    try:
        for values in rows:
            row += 1
            if row - 1 > MAX_ROWS:
                report.add(row, None, "", TOO_MANY_ROWS, limit=MAX_ROWS)
                return
            yield row, [_cell_text(v) for v in values]
    except Exception as exc:
        if _is_xml_attack(exc):
            report.add(None, None, name, XML_ATTACK)
        else:
            report.add(row + 1, None, "", XLSX_UNREADABLE, detail=type(exc).__name__)


def _cell_text(value: object) -> str | None:
    """A workbook cell as the text a person typed (dates as ISO dates, 12.0 as 12)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        # Excel (and XlsxWriter, the app's own downloads) store a control character such as
        # a carriage return as "_x000D_"; openpyxl hands the escape over as it is.
        from openpyxl.utils.escape import unescape

        return unescape(value)
    return str(value)
