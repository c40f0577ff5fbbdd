"""The four register pages under AppTest: each reader role opens each register; a link with
query parameters (the overview's drill-down) reproduces the filtered view with the tile's
count; detail view; personal data hidden from the executive; downloads hold every filtered
record; bad parameters give a notice, never a traceback."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import (
    DEMO_PASSWORD,
    ROLE_ACCOUNTS,
    button,
    capture_downloads,
    new_app,
    page_text,
    sign_in,
    text_input,
)

READER_ROLES = ("executive", "auditor", "staff", "approver")
REGISTERS = {
    "technologies": "Technologies",
    "experts": "Experts",
    "adoptions": "Adoptions",
    "inquiries": "Inquiries",
}


def open_register(at: AppTest, register: str, **params: str) -> AppTest:
    """Open a register page the way a link does: with these query parameters only."""
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(f"pages/{register}.py").run()
    assert not at.exception, at.exception
    return at


def signed_in(role: str) -> AppTest:
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    assert not at.exception, at.exception
    return at


def tile(url: str, *, adopted_local: bool) -> int:
    """The overview's "technologies adopted" figure on 2019-08-08, local firms only."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from db import kpi
    from db.engine import make_engine

    engine = make_engine(url)
    with Session(engine) as s:
        n = kpi.technologies_adopted(
            session=s, as_of=dt.date(2019, 8, 8), tech=kpi.TechFilter(local=adopted_local)
        )
    engine.dispose()
    return n


def headers(at: AppTest, index: int = -1) -> list[str]:
    """Column headers of a dataframe on the page (the register table is the last one)."""
    return [str(c) for c in at.dataframe[index].value.columns]


@pytest.mark.parametrize("role", READER_ROLES)
def test_each_register_opens_for_each_reader_role(app_env: str, role: str) -> None:
    at = signed_in(role)
    for register, title in REGISTERS.items():
        open_register(at, register)
        assert at.title[0].value == title
        text = page_text(at)
        assert "Select a row to see the whole record." in text, register
        assert len(at.dataframe[-1].value) == 50  # a full first page
        assert "Page 1 of" in " ".join(n.label for n in at.number_input)


def test_drill_down_links_give_the_tiles_numbers(app_env: str) -> None:
    at = signed_in("executive")
    open_register(at, "technologies", as_of="2019-08-08", local="1")
    assert "**43 technologies** · Registered on or before: 8 Aug 2019 · " in page_text(at)
    assert len(at.dataframe[-1].value) == 43
    assert set(at.dataframe[-1].value["Local or external"]) == {"Local firm"}
    assert dict(at.query_params) == {"as_of": "2019-08-08", "local": "1"}

    open_register(at, "technologies", as_of="2019-08-08")
    assert "**305 technologies**" in page_text(at)
    # the overview's own links add the status the tile counts
    open_register(at, "technologies", as_of="2019-08-08", status="registered")
    assert "**305 technologies**" in page_text(at)
    assert "Status on the as-of date" in headers(at)
    open_register(at, "adoptions", as_of="2019-08-08", status="approved", local="1")
    local_adopted = page_text(at).split("**")[1]
    assert local_adopted == f"{tile(app_env, adopted_local=True)} technologies adopted"
    for affiliation, n in (("public", 393), ("industry", 278), ("academia", 142), ("other", 4)):
        open_register(at, "experts", as_of="2019-08-08", affiliation=affiliation)
        assert f"**{n} experts**" in page_text(at), affiliation
    open_register(at, "experts", as_of="2019-08-08")
    assert "**817 experts**" in page_text(at)
    open_register(at, "adoptions", as_of="2019-08-08")
    assert "**54 technologies adopted**" in page_text(at)
    open_register(at, "inquiries", as_of="2019-08-08")
    assert "**7 inquiries**" in page_text(at)
    assert len(at.dataframe[-1].value) == 7


def test_detail_view_from_the_link(app_env: str) -> None:
    at = signed_in("auditor")
    open_register(at, "technologies", id="42")
    assert at.subheader[0].value.startswith("DG\\-2019\\-042 · ")
    assert "**Deliberations**" in page_text(at)
    assert dict(at.query_params) == {"id": "42"}
    button(at, "Close").click().run()
    assert not at.exception
    assert not at.subheader
    assert "id" not in at.query_params

    open_register(at, "inquiries", id="1")
    assert "Board of Audit and Inspection" in at.subheader[0].value
    open_register(at, "adoptions", id="1")
    assert "DG\\-2019\\-042" in at.subheader[0].value

    open_register(at, "technologies", id="999999")
    assert "There is no technology with the record number 999,999." in page_text(at)
    assert "id" not in at.query_params


def test_executive_sees_no_personal_data_of_experts(app_env: str) -> None:
    at = signed_in("executive")
    open_register(at, "experts", as_of="2019-08-08", id="1")
    assert "Phone" not in headers(at) and "E-mail" not in headers(at)
    text = page_text(at)
    assert "**Phone**" not in text and "**E-mail**" not in text
    assert "@" not in text
    assert "shown to staff and auditors only" in text

    staff = signed_in("staff")
    open_register(staff, "experts", as_of="2019-08-08", id="1")
    assert {"Phone", "E-mail"} <= set(headers(staff))
    assert "**Phone**" in page_text(staff)


def test_downloads_hold_every_filtered_record(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = signed_in("executive")
    open_register(at, "experts", as_of="2019-08-08", affiliation="industry")
    assert "**278 experts**" in page_text(at)
    assert len(at.dataframe[-1].value) == 50  # the page shows 50 ...
    saved = capture_downloads(monkeypatch)
    button(at, "Prepare the files (278 records)").click().run()
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]
    csv_data = next(data for name, data in saved.items() if name.endswith(".csv"))
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"), newline="")))
    assert len(rows) - 1 == 278  # ... the file holds all 278
    assert "Phone" not in rows[0] and "E-mail" not in rows[0]
    assert {r[rows[0].index("Affiliation")] for r in rows[1:]} == {"Industry"}
    xlsx = next(data for name, data in saved.items() if name.endswith(".xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row - 1 == 278


def test_filters_and_pages_go_into_the_link(app_env: str) -> None:
    at = signed_in("staff")
    open_register(at, "technologies", as_of="2019-08-08")
    at.selectbox(key="reg_technologies_field").set_value("roads").run()
    assert not at.exception
    assert at.query_params["field"] == "roads"
    assert at.query_params["as_of"] == "2019-08-08"
    roads = page_text(at)
    assert "Field: Roads" in roads
    count = roads.split("**")[1]

    open_register(at, "technologies")  # back to all technologies
    assert "**1,017 technologies**" in page_text(at)
    button(at, "Next").click().run()
    assert at.query_params["page"] == "2"
    assert "Page 2 of 21" in at.number_input[0].label
    at.text_input(key="reg_technologies_q").input("DG-2019-04").run()
    assert "**10 technologies**" in page_text(at)
    assert "page" not in at.query_params  # a new search starts on page 1
    assert at.query_params["q"] == "DG-2019-04"

    # The link reproduces the view.
    open_register(at, "technologies", as_of="2019-08-08", field="roads")
    assert page_text(at).split("**")[1] == count


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"as_of": "2019-13-45"}, "The link's value for “Registered on or before” is not valid"),
        ({"local": "yes"}, "The link's value for “Local or external” is not valid"),
        ({"field": "'; DROP TABLE technologies; --"}, "The link's value for “Field” is not valid"),
        ({"page": "9999"}, "Page 9,999 does not exist for these filters"),
        ({"page": "-1"}, "The link's page number is not valid"),
        ({"id": "abc"}, "The link's record number is not valid"),
        ({"sort": "title; DROP"}, "The link's sort order is not known"),
        ({"bogus": "[x](http://evil.example)"}, "The link's parameter “bogus” is not used"),
        ({"from": "2019-08-01", "to": "2019-07-01"}, "The period ends before it starts"),
    ],
)
def test_bad_parameters_are_ignored_with_a_notice(
    app_env: str, params: dict[str, str], notice: str
) -> None:
    at = signed_in("executive")
    open_register(at, "technologies", **params)
    assert notice in page_text(at)
    assert "**1,017 technologies**" in page_text(at)


def test_search_text_from_the_link_is_shown_as_text(app_env: str) -> None:
    at = signed_in("executive")
    hostile = "![x](http://evil.example/a.png) <script>alert(1)</script> %' OR 1=1 --"
    open_register(at, "inquiries", q=hostile)
    text = page_text(at)
    assert "**0 inquiries**" in text
    assert "No inquiries match these filters." in text
    assert "![x](http" not in text  # escaped: Markdown shows it literally
    assert "\\!\\[x\\]\\(http" in text
    assert at.query_params["q"] == hostile.strip()


def test_korean_interface_shows_korean_names(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    text_input(at, "사용자 이름").input(ROLE_ACCOUNTS["executive"])
    text_input(at, "비밀번호").input(DEMO_PASSWORD)
    button(at, "로그인").click()
    at.run()
    open_register(at, "inquiries", as_of="2019-08-08")
    table = at.dataframe[-1].value
    assert "감사원" in set(table.iloc[:, 1])  # the asking body's Korean name
    assert "2019. 8. 8." in page_text(at)  # the date in words, Korean style


@pytest.mark.parametrize(
    "text",
    [
        "www.evil.example",
        "https://evil.example/x",
        "write to a@b.example",
        ":material/home: :red[alert]",
        "[x](http://e.example) ![i](http://e.example/i.png)",
        "<b>bold</b> **strong** # heading",
    ],
)
def test_escaped_text_makes_no_links_icons_or_markup(text: str) -> None:
    from components.cells import escape_markdown

    shown = escape_markdown(text)
    # Every Markdown character is escaped ...
    assert "](" not in shown and "**" not in shown and "<b>" not in shown
    # ... and what escaping does not stop is broken by a zero-width space.
    unescaped = shown.replace("\\", "")
    for trigger in ("://", "www.", "a@b", ":material/"):
        assert trigger not in unescaped, trigger
    assert unescaped.replace("\u200b", "") == text


@pytest.mark.parametrize(
    ("register", "count", "scope", "narrowed"),
    [
        (
            "technologies",
            "**1,017 technologies**",
            "every status; the overview counts the registered ones",
            [{"status": "registered"}, {"as_of": "2019-08-08"}],
        ),
        (
            "adoptions",
            "**289 adoptions**",
            "every proposal in every status; the overview counts the technologies adopted",
            [{"status": "approved"}, {"as_of": "2019-08-08"}],
        ),
        (
            "experts",
            "**1,671 experts**",
            "with those who have left the pool; the overview counts the experts in the pool",
            [{"as_of": "2019-08-08"}],
        ),
    ],
)
def test_a_registers_count_says_what_it_includes_beside_the_overviews(
    app_env: str, register: str, count: str, scope: str, narrowed: list[dict[str, str]]
) -> None:
    """Issue 16: a register's count that is not the overview's figure says why (every status,
    those who left the pool); a count narrowed to what the overview counts says nothing more."""
    at = signed_in("staff")
    open_register(at, register)
    text = page_text(at)
    assert f"{count} ({scope}" in text, text[:400]
    for params in narrowed:
        open_register(at, register, **params)
        assert scope not in page_text(at), params
