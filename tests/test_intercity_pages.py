"""The inquiries page and the agreements page under AppTest, on a copy of the demo database.

Every reader role sees the register, the analysis and the agreements; only staff see forms.
Staff log an inquiry, add a follow-up, move its status (only after confirming) and record
and change an agreement; refusals are shown next to the field with "nothing was saved".
The rules themselves are tested on both databases in ``test_intercity_db.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from db import clock
from db.engine import make_engine
from db.models import Adoption, Agreement, AuditEvent, Inquiry, InquiryFollowup, Organization
from db.session import read_session
from tests.apptest import (
    DEMO_PASSWORD,
    ROLE_ACCOUNTS,
    button,
    capture_downloads,
    new_app,
    open_tab,
    page_text,
    rendered,
    rendered_html,
    shown,
    sign_in,
)

READERS = ("executive", "auditor", "staff", "approver")  # approver.demo is staff too
# The analysis' tabs (components.inquiries.TABS_KEY): only the open one is drawn.
TABS, BY_KIND, BY_REGION, OVER_TIME, WAITING = "ic_tabs", 0, 1, 2, 3
WRITERS = {"staff", "approver"}


# Dates are checked against today: run at 00:30 in the city, when UTC is a day behind.
pytestmark = pytest.mark.usefixtures("city_after_midnight")


@pytest.fixture
def app_db(app_env: str) -> Iterator[Engine]:
    """The app on a private copy of the demo database (conftest's app_env); its engine."""
    engine = make_engine(app_env)
    yield engine
    engine.dispose()


def open_page(role: str, page: str, **params: str) -> AppTest:
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    assert not at.exception, at.exception
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    at.run()
    assert not at.exception, at.exception
    return at


def forms(at: AppTest) -> list[str]:
    return [f.proto.form.form_id for f in at.get("form")]


def org_id(engine: Engine, name_en: str) -> int:
    with read_session(engine) as s:
        return int(
            s.execute(select(Organization.id).where(Organization.name_en == name_en)).scalar_one()
        )


# --- inquiries ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [None, dt.date(2019, 8, 8)])
def test_korean_captions_that_start_with_a_date_are_not_numbered_lists(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch, as_of: dt.date | None
) -> None:
    """Korean dates read "2026. 11. 22."; at the start of a caption Markdown would take
    "2026." and "11." for the numbers of a nested numbered list. Every such caption (and
    the rest of the page) renders as a paragraph that starts with the date as written."""
    monkeypatch.setenv("NTP_LANG", "ko")
    day = as_of or clock.city_today()
    written = f"{day.year}. {day.month}. {day.day}."
    escaped = f"{day.year}\\. {day.month}\\. {day.day}\\."
    starts: dict[str, list[str]] = {
        "inquiries": ["까지 접수된 문의와 그날 기준 상태입니다.", "까지 회신하지 않았고"],
        "agreements": [],
    }
    if as_of is not None:
        # nobody waited 14 days on 2019-08-08: said in a success box
        starts["inquiries"].append(" 기준으로 14일 넘게 회신을 기다린 문의가 없습니다.")
        # the agreements page says its date only when one was chosen
        starts["agreements"].append("까지 추진된 협약과 그날 기준 상태입니다.")
    for page, texts in starts.items():
        at = new_app()
        at.text_input[0].input(ROLE_ACCOUNTS["executive"])
        at.text_input[1].input(DEMO_PASSWORD)
        at.button[0].click().run()
        at.query_params.clear()
        if as_of is not None:
            at.query_params["as_of"] = as_of.isoformat()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        if page == "inquiries":  # the waiting list's captions are in its tab
            open_tab(at, TABS, WAITING)
        elements = [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error]
        for text in texts:
            [element] = [e for e in elements if rendered(str(e.value)).startswith(written + text)]
            assert str(element.value).startswith(escaped + text)
        for element in elements:  # no numbered list anywhere on the page
            assert "<ol" not in rendered_html(str(element.value)), element.value


@pytest.mark.parametrize("role", READERS)
def test_every_reader_sees_the_register_and_the_analysis(app_db: Engine, role: str) -> None:
    at = open_page(role, "inquiries", as_of="2019-08-08")
    text = page_text(at)
    assert at.title[0].value == "Inquiries"
    assert "**7 inquiries**" in text
    assert "Who asks, from where, and what came of it" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Inquiries"] == "7"
    assert metrics["Bodies that asked"] == "7"
    assert metrics["Waiting over 14 days"] == "0"
    # the page opens on the first tab and draws only it: one chart (kinds of body), not the
    # tile map, the regions' bars or the months of the other tabs
    assert len(at.get("vega_lite_chart")) == 1
    assert "No inquiry yet from" not in text
    # the regional view: the tile map and the sorted bars, and where nobody asked yet
    text = page_text(open_tab(at, TABS, BY_REGION))
    assert len(at.get("vega_lite_chart")) == 2
    assert (
        "No inquiry yet from: Daegu, Incheon, Gwangju, Ulsan, Gangwon, Chungbuk, Chungnam, "
        "Jeonbuk, Jeonnam, Gyeongnam, Jeju"
    ) in text
    text = page_text(open_tab(at, TABS, WAITING))
    assert "No inquiry had been waiting for an answer longer than 14 days" in text
    if role in WRITERS:
        open_log_form(at)  # offered folded, drawn when opened
        assert "ic_form_log" in forms(at)
    else:
        assert forms(at) == []
        assert "Log an inquiry" not in text


def test_the_period_chosen_over_time_is_kept_while_another_tab_is_open(app_db: Engine) -> None:
    """Only the open tab is drawn; the *Per* choice of the time tab survives a visit to
    another tab (a closed tab's widget would otherwise fall back to quarters)."""
    at = open_tab(open_page("executive", "inquiries", as_of="2019-08-08"), TABS, OVER_TIME)
    assert at.radio(key="ic_period").value == "quarter"
    at.radio(key="ic_period").set_value("month").run()
    assert not at.exception, at.exception
    open_tab(at, TABS, BY_KIND)
    assert not at.get("radio") or "ic_period" not in {r.key for r in at.radio}
    open_tab(at, TABS, OVER_TIME)
    assert at.radio(key="ic_period").value == "month"


def test_the_overdue_setting_comes_from_and_goes_to_the_link(app_db: Engine) -> None:
    at = open_page("executive", "inquiries", overdue_days="30")
    assert at.number_input(key="ic_days").value == 30
    assert "Waiting over 30 days" in {m.label for m in at.metric}
    at.number_input(key="ic_days").set_value(0).run()
    assert not at.exception, at.exception
    assert at.query_params["overdue_days"] == ["0"] or at.query_params["overdue_days"] == "0"
    at.number_input(key="ic_days").set_value(14).run()
    assert "overdue_days" not in at.query_params
    # a link with a bad value falls back to the default
    bad = open_page("auditor", "inquiries", overdue_days="many")
    assert bad.number_input(key="ic_days").value == 14


def open_log_form(at: Any) -> None:
    """Open the *Log an inquiry* box as staff do: its form is drawn only then."""
    assert "Log an inquiry" in [e.label for e in at.expander]
    assert not [w for w in at.date_input if w.key == "ic_log_received_on_0"]  # folded: not drawn
    at.session_state["ic_open_log"] = True
    at.run()
    assert not at.exception, at.exception


def test_staff_log_an_inquiry_then_add_a_follow_up_and_answer_it(app_db: Engine) -> None:
    busan = org_id(app_db, "Busan Metropolitan City")
    at = open_page("staff", "inquiries")
    open_log_form(at)
    at.date_input(key="ic_log_received_on_0").set_value(clock.city_today() - dt.timedelta(days=3))
    at.selectbox(key="ic_log_channel_0").set_value("call")
    at.selectbox(key="ic_log_org_id_0").set_value(busan)
    at.text_input(key="ic_log_topic_0").input("테스트베드 운영 방식 문의")
    at.text_input(key="ic_log_contact_name_0").input("김부산 주무관")
    submit(at, "Log the inquiry")
    with read_session(app_db) as s:
        inq = s.execute(
            select(Inquiry).where(Inquiry.topic == "테스트베드 운영 방식 문의")
        ).scalar_one()
        event = (
            s.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "inquiry.receive")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
    assert (inq.org_id, inq.channel, inq.status) == (busan, "call", "received")
    assert event is not None and event.entity_id == str(inq.id) and event.actor_name == "staff.demo"
    assert [s.value for s in at.success] == [f"Inquiry {inq.id} was logged as received."]
    # the form came back empty
    assert at.text_input(key="ic_log_topic_1").value == ""

    at = open_page("staff", "inquiries", id=str(inq.id))
    assert f"Work on inquiry {inq.id}" in page_text(at)
    at.date_input(key=f"ic_followup_{inq.id}_on_0").set_value(clock.city_today())
    at.text_area(key=f"ic_followup_{inq.id}_note_0").input("운영 매뉴얼 송부")
    submit(at, "Add the follow-up")
    assert f"The follow-up was added to inquiry {inq.id}." in [s.value for s in at.success]
    with read_session(app_db) as s:
        notes = (
            s.execute(select(InquiryFollowup.note).where(InquiryFollowup.inquiry_id == inq.id))
            .scalars()
            .all()
        )
    assert notes == ["운영 매뉴얼 송부"]

    # a step needs the confirmation box
    at.date_input(key=f"ic_step_{inq.id}_on_0").set_value(clock.city_today())
    submit(at, "Save the step")
    assert [w.value for w in at.warning] == ["Tick the confirmation first. Nothing was saved."]
    with read_session(app_db) as s:
        assert s.get(Inquiry, inq.id).status == "received"  # type: ignore[union-attr]
    at.date_input(key=f"ic_step_{inq.id}_on_0").set_value(clock.city_today())
    at.checkbox(key=f"ic_step_{inq.id}_confirm_0").check()
    submit(at, "Save the step")
    assert f"Inquiry {inq.id} is now: Answered." in [s.value for s in at.success]
    with read_session(app_db) as s:
        row = s.get(Inquiry, inq.id)
        assert row is not None and (row.status, row.answered_on, row.version) == (
            "answered",
            clock.city_today(),
            2,
        )


def test_a_refused_inquiry_names_the_field_and_saves_nothing(app_db: Engine) -> None:
    at = open_page("staff", "inquiries")  # (signing in is audited too)
    with read_session(app_db) as s:
        before = len(s.execute(select(Inquiry.id)).all())
        events = len(s.execute(select(AuditEvent.id)).all())
    open_log_form(at)
    at.date_input(key="ic_log_received_on_0").set_value(clock.city_today())
    at.selectbox(key="ic_log_channel_0").set_value("email")
    at.text_input(key="ic_log_org_name_ko_0").input("새로운 도청")
    at.selectbox(key="ic_log_org_kind_0").set_value("province")
    submit(at, "Log the inquiry")
    errors = [e.value for e in at.error]
    assert "Some fields need attention. Nothing was saved." in errors
    assert "This field is required." in errors  # topic
    assert "Choose the region of a Korean body." in errors
    with read_session(app_db) as s:
        assert len(s.execute(select(Inquiry.id)).all()) == before
        assert len(s.execute(select(AuditEvent.id)).all()) == events
        assert (
            s.execute(select(Organization).where(Organization.name_ko == "새로운 도청")).first()
            is None
        )


# --- agreements -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_reader_sees_the_agreements_and_what_they_produced(app_db: Engine, role: str) -> None:
    at = open_page(role, "agreements", as_of="2019-08-08")
    assert at.title[0].value == "Agreements and partners"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Agreements"], metrics["Planned"], metrics["Signed"]) == ("4", "4", "0")
    table = at.dataframe[0].value
    assert sorted(table["Partner"]) == [
        "Daegu Metropolitan Office of Education",
        "Gyeongsangbuk-do",
        "Korea Expressway Corporation",
        "Kyungpook National University",
    ]
    # an agreement that produced testbeds, opened by its number
    with read_session(app_db) as s:
        from db.models import Testbed

        produced = s.execute(
            select(Testbed.agreement_id).where(Testbed.agreement_id.is_not(None)).limit(1)
        ).scalar_one()
    at = open_page(role, "agreements", id=str(produced))
    text = page_text(at)
    assert "Testbeds under this agreement (" in text
    assert "No testbed is linked to this agreement." not in text
    if role in WRITERS:
        assert any(f.startswith(f"ic_form_agreement_{produced}_") for f in forms(at))
        assert "ic_form_agreement_new" in forms(at)
    else:
        assert forms(at) == []


def test_the_demo_shows_adoptions_produced_by_an_agreement(app_db: Engine) -> None:
    """The demo links two road adoptions to the Korea Expressway Corporation's first MOU:
    its record lists them (approved, proposed while it was in force), staff linked each."""
    with read_session(app_db) as s:
        mou = s.execute(
            select(Agreement)
            .join(Organization, Organization.id == Agreement.partner_org_id)
            .where(Organization.name_en == "Korea Expressway Corporation", Agreement.kind == "mou")
            .order_by(Agreement.planned_on)
            .limit(1)
        ).scalar_one()
        linked = (
            s.execute(select(Adoption).where(Adoption.agreement_id == mou.id).order_by(Adoption.id))
            .scalars()
            .all()
        )
        links = s.execute(
            select(AuditEvent.entity_id, AuditEvent.actor_name, AuditEvent.after).where(
                AuditEvent.action == "adoption.link_agreement"
            )
        ).all()
    assert len(linked) == 2
    for a in linked:
        assert a.status == "approved"
        assert mou.signed_on is not None and mou.ends_on is not None
        assert mou.signed_on <= a.proposed_on <= mou.ends_on
    assert sorted(links) == sorted(
        (str(a.id), "staff.demo", f'{{"agreement_id":{mou.id}}}') for a in linked
    )
    at = open_page("executive", "agreements", id=str(mou.id))
    text = page_text(at)
    assert "Adoptions through this agreement (2)" in text
    assert "No adoption is linked to this agreement." not in text
    table = next(df.value for df in at.dataframe if "Project" in df.value.columns)
    assert sorted(table["Project"]) == sorted(a.project_name for a in linked)
    assert set(table["Status"]) == {"Approved"}


def test_staff_record_an_agreement_then_sign_it(app_db: Engine) -> None:
    partner = org_id(app_db, "Keimyung University")
    at = open_page("staff", "agreements")
    at.selectbox(key="ic_agreement_new_partner_org_id_0").set_value(partner)
    at.selectbox(key="ic_agreement_new_kind_0").set_value("mou")
    at.selectbox(key="ic_agreement_new_status_0").set_value("planned")
    at.text_input(key="ic_agreement_new_title_ko_0").input("스마트 건설 신기술 공동 실증 협약")
    at.date_input(key="ic_agreement_new_planned_on_0").set_value(
        clock.city_today() - dt.timedelta(days=10)
    )
    submit(at, "Record the agreement")
    with read_session(app_db) as s:
        a = s.execute(
            select(Agreement).where(Agreement.title_ko == "스마트 건설 신기술 공동 실증 협약")
        ).scalar_one()
    assert (a.partner_org_id, a.status, a.version, a.title_en) == (
        partner,
        "planned",
        1,
        a.title_ko,
    )
    assert f"Agreement {a.id} was recorded." in [s.value for s in at.success]

    at = open_page("staff", "agreements", id=str(a.id))
    key = f"ic_agreement_{a.id}_1"
    at.selectbox(key=f"{key}_status_0").set_value("signed")
    submit(at, "Save the changes")  # without confirming
    assert [w.value for w in at.warning] == ["Tick the confirmation first. Nothing was saved."]
    at.selectbox(key=f"{key}_status_0").set_value("signed")
    at.checkbox(key=f"{key}_confirm_0").check()
    submit(at, "Save the changes")  # signed without a signing date
    assert "Enter the date it was signed." in [e.value for e in at.error]
    at.selectbox(key=f"{key}_status_0").set_value("signed")
    at.date_input(key=f"{key}_signed_on_0").set_value(clock.city_today())
    at.checkbox(key=f"{key}_confirm_0").check()
    submit(at, "Save the changes")
    assert f"Agreement {a.id} was changed." in [s.value for s in at.success]
    with read_session(app_db) as s:
        after = s.get(Agreement, a.id)
        assert after is not None and (after.status, after.signed_on, after.version) == (
            "signed",
            clock.city_today(),
            2,
        )
        actions = (
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "agreement", AuditEvent.entity_id == str(a.id))
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["agreement.plan", "agreement.edit"]


def test_the_overview_tile_links_to_the_agreements(app_db: Engine) -> None:
    at = new_app()
    at.query_params["as_of"] = "2019-08-08"
    sign_in(at, ROLE_ACCOUNTS["executive"])
    assert not at.exception, at.exception
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    assert links["agreements"] == "as_of=2019-08-08"


def test_downloads_of_the_agreements_and_the_overdue_list(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    from db import intercity as ic
    from db.policy import Actor
    from db.session import write_session

    files = capture_downloads(monkeypatch)
    at = open_page("executive", "agreements", as_of="2019-08-08")
    # the files are built when asked for, not on every render
    assert not [n for n in files if n.startswith("agreements")]
    submit(at, "Prepare the files (4 records)")
    rows = list(csv.reader(io.StringIO(files["agreements-2019-08-08.csv"].decode("utf-8-sig"))))
    assert rows[0][:3] == ["Record number", "Partner", "Kind of partner"]
    assert sorted(r[1] for r in rows[1:]) == sorted(at.dataframe[0].value["Partner"])
    assert len(rows) == 5

    # an unanswered inquiry whose topic is a formula: listed as overdue, exported inert
    with read_session(app_db) as s:
        staff_id = (
            s.execute(select(AuditEvent.actor_id).where(AuditEvent.actor_name == "staff.demo"))
            .scalars()
            .first()
        )
    staff = Actor(id=staff_id, username="staff.demo", roles=frozenset({"staff"}))
    with write_session(app_db) as s:
        ic.log_inquiry(
            session=s,
            actor=staff,
            received_on=clock.city_today() - dt.timedelta(days=40),
            channel="email",
            topic='=HYPERLINK("http://example.test","x")',
            org_id=org_id(app_db, "Busan Metropolitan City"),
        )
    at = open_tab(open_page("auditor", "inquiries", overdue_days="30"), TABS, WAITING)
    waiting = int({m.label: m.value for m in at.metric}["Waiting over 30 days"])
    name = f"inquiries-overdue-{clock.city_today().isoformat()}.csv"
    assert name not in files
    button(at, f"Prepare the files ({waiting} records)").click()
    at.run()
    assert not at.exception, at.exception
    rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))
    assert len(rows) - 1 == waiting >= 1
    topics = [r[rows[0].index("Topic")] for r in rows[1:]]
    assert '\'=HYPERLINK("http://example.test","x")' in topics


def test_empty_states_explain_themselves(app_db: Engine) -> None:
    at = open_page("executive", "inquiries", as_of="2019-01-01")
    text = page_text(at)
    assert "No inquiry had been received by this date, so there is nothing to analyse yet." in text
    at = open_page("executive", "agreements", as_of="2019-01-01")
    assert "No agreement matches. Agreements appear here once staff record them" in page_text(at)
    at = open_page("executive", "agreements", id="999999")
    assert "There is no agreement with the record number 999999 on this date." in page_text(at)


@pytest.mark.parametrize("name", [None, "1. **x** [a](javascript:alert(1))"])
def test_a_correction_that_lost_to_a_colleague_names_them(app_db: Engine, name: str | None) -> None:
    """The colleague is named as their account says, however it is spelt: a name with
    Markdown in it (a list marker at the start, bold, a javascript: link) is shown as typed."""
    from sqlalchemy import update

    from db import intercity as ic
    from db.models import User
    from db.policy import Actor
    from db.session import write_session

    if name is not None:
        with write_session(app_db) as s:
            s.execute(update(User).where(User.username == "staff2.demo").values(display_name=name))
    with read_session(app_db) as s:
        inq = s.execute(select(Inquiry).where(Inquiry.status == "received")).scalars().first()
        colleague = s.execute(select(User).where(User.username == "staff2.demo")).scalar_one()
    assert inq is not None
    at = open_page("staff", "inquiries", id=str(inq.id))
    key = f"ic_edit_{inq.id}_{inq.version}_topic_0"
    at.text_input(key=key).input("수정하려던 주제")
    # meanwhile a colleague records the answer
    with write_session(app_db) as s:
        ic.move_inquiry(
            session=s,
            actor=Actor(id=colleague.id, username=colleague.username, roles=frozenset({"staff"})),
            inquiry_id=inq.id,
            to="answered",
            on=clock.city_today(),
            expected="received",
        )
    submit(at, "Save the correction")
    [refusal] = [e for e in at.error if "saved this record" in e.value]
    [message] = shown([refusal])  # as a person reads it
    assert message.startswith(f"{colleague.display_name} saved this record at ")
    assert "after you opened it. Nothing was saved" in message
    html = rendered_html(str(refusal.value))
    assert html.startswith("<p>") and "<ol" not in html and "<strong>" not in html
    assert "<a " not in html
    with read_session(app_db) as s:
        assert s.get(Inquiry, inq.id).topic == inq.topic  # type: ignore[union-attr]


# --- long lists: pages of 50 ------------------------------------------------------------------


def _staff(engine: Engine) -> Any:
    from db.policy import Actor

    with read_session(engine) as s:
        staff_id = (
            s.execute(select(AuditEvent.actor_id).where(AuditEvent.actor_name == "staff.demo"))
            .scalars()
            .first()
        )
    return Actor(id=staff_id, username="staff.demo", roles=frozenset({"staff"}))


def grid_ids(at: AppTest, column: str = "Record number") -> list[int]:
    """The record numbers of the page's first grid that shows them."""
    grid = next(df.value for df in at.dataframe if column in df.value.columns)
    return [int(i) for i in grid[column]]


def test_agreements_come_in_pages_of_50_and_the_files_hold_them_all(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 72 agreements the grid shows the 50 newest plans, Next the other 22; the tiles
    count all of them; the files hold every one; a row of page 2 opens its agreement."""
    import csv
    import io

    from db import intercity as ic
    from db.session import write_session

    staff, partner = _staff(app_db), org_id(app_db, "Keimyung University")
    with write_session(app_db) as s:
        for n in range(60):
            ic.create_agreement(
                session=s,
                actor=staff,
                kind="mou",
                status="planned",
                title_ko=f"협약 {n:02d}",
                planned_on=clock.city_today() - dt.timedelta(days=n),
                partner_org_id=partner,
            )
    with read_session(app_db) as s:
        expected = [
            int(i)
            for i in s.execute(
                select(Agreement.id).order_by(Agreement.planned_on.desc(), Agreement.id.desc())
            ).scalars()
        ]
    assert len(expected) == 72
    files = capture_downloads(monkeypatch)
    at = open_page("executive", "agreements")
    assert {m.label: m.value for m in at.metric}["Agreements"] == "72"
    assert grid_ids(at) == expected[:50]
    assert "Page 1 of 2 (records 1-50)" in [n.label for n in at.number_input]
    submit(at, "Next")
    assert grid_ids(at) == expected[50:]
    assert "Page 2 of 2 (records 51-72)" in [n.label for n in at.number_input]
    assert not [n for n in files if n.startswith("agreements")]
    submit(at, "Prepare the files (72 records)")
    rows = list(csv.reader(io.StringIO(files["agreements-current.csv"].decode("utf-8-sig"))))
    assert [int(r[0]) for r in rows[1:]] == expected
    # a filter starts again at page 1
    at.selectbox(key="ic_ag_status").set_value("planned")
    at.run()
    assert not at.exception, at.exception
    assert grid_ids(at)[0] == expected[0]


def test_the_overdue_inquiries_come_in_pages_of_50(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    from db import intercity as ic
    from db.session import write_session

    staff, body = _staff(app_db), org_id(app_db, "Busan Metropolitan City")
    with write_session(app_db) as s:
        for n in range(55):
            ic.log_inquiry(
                session=s,
                actor=staff,
                received_on=clock.city_today() - dt.timedelta(days=40 + n),
                channel="email",
                topic=f"문의 {n:02d}",
                org_id=body,
            )
    at = open_tab(open_page("executive", "inquiries", overdue_days="30"), TABS, WAITING)
    waiting = int({m.label: m.value for m in at.metric}["Waiting over 30 days"])
    assert waiting >= 55
    with read_session(app_db) as s:
        expected = [int(i) for i in q_overdue_ids(s, waiting)]
    assert len(expected) == waiting
    assert grid_ids(at) == expected[:50]
    submit(at, "Next")
    assert grid_ids(at) == expected[50:100]
    files = capture_downloads(monkeypatch)
    submit(at, f"Prepare the files ({waiting} records)")
    name = f"inquiries-overdue-{clock.city_today().isoformat()}.csv"
    rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))
    assert [int(r[0]) for r in rows[1:]] == expected


def q_overdue_ids(session: Any, n: int) -> list[int]:
    from db.intercity import analysis as q

    df, _total = q.overdue(session=session, as_of=clock.city_today(), days=30, limit=n)
    return [int(i) for i in df["id"]]
