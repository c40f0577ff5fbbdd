"""Tables wider than the page keep the columns an official looks for in view at 1440 px, in
English and in Korean (issue 16, item 4): a technology's registration date in the register,
an agreement's signing date, a meeting's attendance and quorum in the list of meetings, the
panel's phones and e-mail addresses in a meeting's record, the reasons of the decisions in a
technology's record.

A table is drawn on a canvas; Streamlit's grid also lists, for screen readers, the columns it
draws: those in the table's view, the last one possibly cut at the edge. A column is in view
when it is listed and so is the one after it (or, for the last column, when the table has
nothing to scroll sideways). A sentence (a decision's reason) is shown whole when its rows
wrap: Streamlit wraps the text of a table's cells in rows taller than 64 px only."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.browser.conftest import AppServer, screenshot, settle
from tests.browser.test_language_scan_browser import _to_korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

TABLES = """() => [...document.querySelectorAll("[data-testid='stDataFrame']")].map((df) => {
  const scroller = df.querySelector(".dvn-scroller");
  return {
    columns: [...df.querySelectorAll("[role='columnheader']")].map((th) => th.textContent),
    sideways: scroller ? scroller.scrollWidth - scroller.clientWidth : 0,
    rows: df.querySelectorAll("[role='row']").length - 1,
    height: df.getBoundingClientRect().height,
  };
})"""

HEADER_PX = 40  # a table's header row and borders
WRAPPING_ROW_PX = 64  # Streamlit wraps cell text in rows taller than this (4rem)

ANY = "*"  # "the column after it": whichever column follows it, listed too

# (account, what the page shows, the page, a column that identifies the table, the columns
# that must be in view, each with the column after it or None for the last one), per language
Wanted = list[tuple[str, str | None]]
CASES: dict[str, tuple[str, str, dict[str, tuple[str, Wanted]]]] = {
    "agreement-signed": (
        "staff.demo",
        "agreements",
        {"en": ("Partner", [("Signed", "Starts")]), "ko": ("협약 기관", [("체결", "시작일")])},
    ),
    "panel-phones": (
        "auditor.demo",
        "meeting",
        {
            "en": ("Seated by", [("Phone", "E-mail"), ("E-mail", "Affiliation")]),
            "ko": ("선정 방식", [("전화번호", "이메일"), ("이메일", "소속 구분")]),
        },
    ),
    "meeting-quorum": (
        "auditor.demo",
        "meetings",
        {
            "en": ("Kind of meeting", [("Members present", ANY), ("Quorum met", ANY)]),
            "ko": ("회의 유형", [("출석 위원", ANY), ("정족수 충족", ANY)]),
        },
    ),
    "technology-registered": (
        "staff.demo",
        "technologies",
        {"en": ("Owner", [("Registered", ANY)]), "ko": ("보유 기관", [("등록", ANY)])},
    ),
    "decision-reasons": (
        "staff.demo",
        "technology",
        {"en": ("Kind of meeting", [("Reason", None)]), "ko": ("회의 유형", [("사유", None)])},
    ),
}


def _address(server: AppServer, shows: str) -> str:
    """The page's address: a closed meeting with its panel, a technology with a reasoned
    decision (found in the server's copy of the demo database)."""
    path = server.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        if shows == "meeting":
            (meeting,) = db.execute(
                "SELECT m.id FROM meetings m WHERE m.status = 'closed' AND EXISTS "
                "(SELECT 1 FROM panel_seats s WHERE s.meeting_id = m.id) ORDER BY m.id DESC"
            ).fetchone()
            return f"{server.url}/meetings?id={meeting}"
        if shows == "technology":
            (technology,) = db.execute(
                "SELECT a.technology_id FROM agenda_items a WHERE a.decision_reason <> '' "
                "ORDER BY length(a.decision_reason) DESC, a.technology_id"
            ).fetchone()
            return f"{server.url}/technologies?id={technology}"
    if shows in ("technologies", "meetings"):
        return f"{server.url}/{shows}"
    return f"{server.url}/agreements"


def _in_view(page, table: str, wanted: Wanted) -> list[str]:  # type: ignore[no-untyped-def]
    """The columns of ``wanted`` that are not in view in the table that has ``table``."""
    tables = []
    for _attempt in range(3):  # a rerun may draw the table anew meanwhile
        tables = [t for t in page.evaluate(TABLES) if table in t["columns"]]
        if tables:
            break
        settle(page)
    assert tables, f"no table with the column {table!r} on the page: {page.evaluate(TABLES)}"
    found = tables[0]
    listed, sideways = found["columns"], found["sideways"]
    row_px = (found["height"] - HEADER_PX) / max(found["rows"], 1)
    hidden = []
    for column, after in wanted:
        if after is None:  # the last column, a sentence: in view, its rows wrapping
            if column not in listed or sideways > 1 or row_px <= WRAPPING_ROW_PX:
                hidden.append(column)
        elif after == ANY:  # listed, and not the last one listed (which may be cut)
            if column not in listed or (listed[-1] == column and sideways > 1):
                hidden.append(column)
        elif column not in listed or after not in listed:
            hidden.append(column)
    return hidden


@pytest.mark.parametrize("case", sorted(CASES))
def test_named_columns_are_in_view_at_1440_px(browser, app_server: AppServer, case: str) -> None:  # type: ignore[no-untyped-def]
    account, shows, languages = CASES[case]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, account)
    page.goto(_address(app_server, shows))
    settle(page)
    hidden: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        if lang == "ko":
            _to_korean(page)
        table, wanted = languages[lang]
        shown = f"() => ({TABLES})().some((t) => t.columns.includes({table!r}))"
        page.wait_for_function(shown, timeout=30_000)
        settle(page)
        if left := _in_view(page, table, wanted):
            hidden[lang] = left
            screenshot(page, f"FAILED-wide-table-{case}-{lang}")
    ctx.close()
    assert not hidden, f"columns off view at 1440 px: {hidden}"
