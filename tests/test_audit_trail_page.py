"""The audit trail page under AppTest, signed in as the demo auditor on the scale-1 demo data:
events newest first, filters, paging, one event, downloads, the head and verification."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components.audit_trail import DETAIL_OPEN, TABS_KEY
from db import audit
from db.engine import make_engine
from db.errors import PermissionDenied
from db.models import AuditEvent
from db.policy import Actor
from db.session import read_session
from tests.apptest import APP, button, new_app, open_tab, page_text, shown_text, sign_in

EVENTS, SIGN_INS, INTEGRITY = 0, 1, 2  # the page's tabs (only the open one is drawn)


def open_page(tab: int = EVENTS) -> AppTest:
    at = sign_in(new_app(), "auditor.demo")
    at.switch_page("pages/audit_trail.py").run()
    assert not at.exception, at.exception
    return open_tab(at, TABS_KEY, tab) if tab != EVENTS else at


def table(at: AppTest, tab: str = "at") -> Any:
    """The events tab's table (``at``), or the sign-ins tab's (``as``)."""
    (found,) = [d for d in at.dataframe if str(d.key).startswith(f"{tab}_table")]
    return found.value


def newest_ids(url: str, n: int, sign_ins: bool) -> list[int]:
    engine = make_engine(url)
    signin = AuditEvent.action.like("signin.%")
    try:
        with read_session(engine) as s:
            query = select(AuditEvent.id).where(signin if sign_ins else ~signin)
            return list(s.execute(query.order_by(AuditEvent.id.desc()).limit(n)).scalars())
    finally:
        engine.dispose()


def head_of(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            return audit.read_head(s)
    finally:
        engine.dispose()


def test_the_auditor_sees_the_newest_events(app_env: str) -> None:
    """Sign-ins are on a tab of their own: the events tab starts at the newest other event."""
    at = open_page()
    df = table(at)
    last_id, last_hash = head_of(app_env)
    expected = newest_ids(app_env, 50, sign_ins=False)
    assert len(df) == 50
    assert list(df["No."]) == expected
    assert {"Time (KST)", "What happened", "Changes"} <= set(df)
    at.toggle(key="at_raw").set_value(True).run()
    df = table(at)
    assert {"Time (KST)", "User", "Action", "Kind of record", "Before", "After"} <= set(df)
    text = page_text(at)
    assert f"Events {expected[0]:,} to {expected[-1]:,}, newest first" in text
    open_tab(at, TABS_KEY, SIGN_INS)
    assert list(table(at, "as")["No."]) == newest_ids(app_env, 50, sign_ins=True)
    assert int(table(at, "as")["No."].iloc[0]) == last_id  # the auditor's own sign-in
    open_tab(at, TABS_KEY, INTEGRITY)
    assert last_hash in [c.value for c in at.code]  # the head, to note down


def test_only_the_open_tab_is_drawn_and_filters_are_kept(app_env: str) -> None:
    """Issue #22: a closed tab's content is not drawn (the browser's time grows with what it
    draws); the filters of the events tab keep their values while another tab is open, and
    the events shown are the filtered ones again when it opens."""
    at = open_page()
    assert not [b for b in at.button if b.label == "Verify integrity"]
    assert not [d for d in at.dataframe if str(d.key).startswith("as_table")]
    at.toggle(key="at_raw").set_value(True).run()
    at.selectbox(key="at_user").set_value("approver.demo").run()
    assert set(table(at)["User"]) == {"approver.demo"}
    open_tab(at, TABS_KEY, INTEGRITY)
    assert [b for b in at.button if b.label == "Verify integrity"]
    assert not [d for d in at.dataframe if str(d.key).startswith("at_table")]
    open_tab(at, TABS_KEY, EVENTS)
    assert at.selectbox(key="at_user").value == "approver.demo"
    assert set(table(at)["User"]) == {"approver.demo"}


def test_filters_narrow_the_events(app_env: str) -> None:
    at = open_page()
    at.toggle(key="at_raw").set_value(True).run()
    at.selectbox(key="at_user").set_value("approver.demo").run()
    df = table(at)
    assert len(df) and set(df["User"]) == {"approver.demo"}
    at.selectbox(key="at_action").set_value("adoption.").run()
    df = table(at)
    assert len(df) and all(a.startswith("adoption.") for a in df["Action"])
    at.selectbox(key="at_user").set_value(None).run()
    at.selectbox(key="at_action").set_value("technology.register").run()
    at.selectbox(key="at_entity").set_value("technology").run()
    at.text_input(key="at_entity_id").input("7").run()
    df = table(at)
    assert list(df["Record number"]) == ["7"] and list(df["Action"]) == ["technology.register"]


def test_a_period_in_kst(app_env: str) -> None:
    import datetime as dt

    at = open_page()
    day = dt.date(2019, 8, 8)
    at.date_input(key="at_from").set_value(day).run()
    at.date_input(key="at_to").set_value(day).run()
    df = table(at)
    assert len(df) and {t.date() for t in df["Time (KST)"]} == {day}


def test_nothing_matches_is_explained(app_env: str) -> None:
    at = open_page()
    at.selectbox(key="at_entity").set_value("agreement").run()
    at.text_input(key="at_entity_id").input("no-such-record").run()
    assert "No event matches these filters" in page_text(at)
    assert not [d for d in at.dataframe if str(d.key).startswith("at_table")]


def test_reversed_period_is_explained(app_env: str) -> None:
    import datetime as dt

    at = open_page()
    at.date_input(key="at_from").set_value(dt.date(2020, 1, 2)).run()
    at.date_input(key="at_to").set_value(dt.date(2020, 1, 1)).run()
    assert "The end date is before the start date." in [e.value for e in at.error]


def test_paging_older_and_newer(app_env: str) -> None:
    at = open_page()
    first = list(table(at)["No."])
    button(at, "Older").click().run()
    second = list(table(at)["No."])
    assert second[0] == first[-1] - 1 and len(second) == 50
    button(at, "Older").click().run()
    button(at, "Newer").click().run()
    assert list(table(at)["No."]) == second
    button(at, "Back to the newest events").click().run()
    assert list(table(at)["No."]) == first


def test_one_event_in_full(app_env: str) -> None:
    at = open_page()
    assert not at.get("number_input"), "closed, the event in full is not drawn"
    at.session_state[DETAIL_OPEN] = True  # a click on "One event in full"
    at.run()
    at.number_input(key="at_detail_id").set_value(3).run()
    with read_session(engine := make_engine(app_env)) as s:
        ev = s.get(AuditEvent, 3)
        assert ev is not None
        digest = ev.hash
    engine.dispose()
    assert digest in [c.value for c in at.code]
    assert not at.exception


def test_downloads_are_prepared_when_asked(app_env: str) -> None:
    at = open_page()
    at.selectbox(key="at_entity").set_value("agreement").run()
    assert not [b for b in at.get("download_button") if "at_files" in str(b.proto.id)]
    button(at, "Prepare the files (39 events)").click().run()
    assert not at.exception, at.exception
    assert "39 events, oldest first, with their hashes." in page_text(at)
    files = [b.proto for b in at.get("download_button") if "at_files" in b.proto.id]
    assert [b.label for b in files].count("Download CSV") == 1  # (the head's: on Integrity)


def test_verify_reports_intact_on_the_demo_data(app_env: str) -> None:
    from db.audit.records import SEALED

    at = open_page(INTEGRITY)
    button(at, "Verify integrity").click().run()
    last_id, last_hash = head_of(app_env)
    engine = make_engine(app_env)
    try:
        with engine.connect() as conn:
            n = sum(
                conn.exec_driver_sql(f"SELECT count(*) FROM {k.table}").scalar_one()
                for k in SEALED.values()
            )
    finally:
        engine.dispose()
    assert [s.value for s in at.success] == [
        f"Intact up to event {last_id:,}, head hash {last_hash}.",
        f"All {n:,} audited records in {len(SEALED)} tables are as their audited writes left them.",
    ]


def test_verify_against_an_exported_head(app_env: str) -> None:
    at = open_page(INTEGRITY)
    last_id, last_hash = head_of(app_env)  # (after signing in, which is an event too)
    at.text_input(key="at_expected").input(last_hash.upper()).run()
    button(at, "Verify integrity").click().run()
    assert at.success and "The exported head hash is part of the chain." in page_text(at)
    at.text_input(key="at_expected").input("ab" * 32).run()
    button(at, "Verify integrity").click().run()
    (error,) = [e.value for e in at.error]  # the records verify
    assert error.startswith(f"Broken at event {last_id + 1:,}: the exported head hash is not")
    at.text_input(key="at_expected").input("not a hash").run()
    button(at, "Verify integrity").click().run()
    assert "A head hash is 64 characters, each 0-9 or a-f." in [e.value for e in at.error]


def test_the_page_in_korean_runs(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    sign_in_ko = [t for t in at.text_input]
    sign_in_ko[0].input("auditor.demo")
    sign_in_ko[1].input("ntp-demo-2019-08-08")
    at.button[0].click().run()
    at.switch_page("pages/audit_trail.py").run()
    assert not at.exception, at.exception
    assert len(table(at)) == 50


@pytest.mark.parametrize("role", ["executive", "staff", "approver", "admin"])
def test_the_cached_readers_refuse_other_roles_and_audit_it(app_env: str, role: str) -> None:
    """Other roles never get the page (see the page map); the cached readers check again
    before a shared cache is consulted, and the refusal is audited."""
    from components import data
    from db.audit.trail import AuditFilters

    actor = Actor(id=None, username=f"{role}.demo", roles=frozenset({role}))
    with pytest.raises(PermissionDenied):
        data.audit_page(app_env, actor, AuditFilters(), None, None, 50)
    with pytest.raises(PermissionDenied):
        data.audit_export(app_env, actor, AuditFilters(), 10)
    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            denied = (
                s.execute(select(AuditEvent).where(AuditEvent.action == "permission.denied"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert [(d.actor_name, d.after) for d in denied] == [
        (f"{role}.demo", '{"action":"audit_event.read"}'),
        (f"{role}.demo", '{"action":"audit_event.export"}'),
    ]


def test_events_read_as_sentences_with_human_numbers(app_env: str) -> None:
    from db.models import Adoption, Technology

    at = open_page()
    at.selectbox(key="at_action").set_value("adoption.approve").run()
    df = table(at)
    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            ev = s.get(AuditEvent, int(df["No."].iloc[0]))
            assert ev is not None and ev.entity_id is not None
            adoption = s.get(Adoption, int(ev.entity_id))
            assert adoption is not None
            technology = s.get(Technology, adoption.technology_id)
            assert technology is not None
            reg_no, project = technology.reg_no, adoption.project_name
    finally:
        engine.dispose()
    said = str(df["What happened"].iloc[0])
    assert f"approved the adoption of {reg_no} ({project})" in said
    assert "(Approver" in said  # the actor's role
    assert "Status: Under review → Approved" in str(df["Changes"].iloc[0])
    assert ev.entity_id not in said.split()  # the internal id is not the record's name


def test_sentences_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    boxes = list(at.text_input)
    boxes[0].input("auditor.demo")
    boxes[1].input("ntp-demo-2019-08-08")
    at.button[0].click().run()
    at.switch_page("pages/audit_trail.py").run()
    at.selectbox(key="at_action").set_value("adoption.approve").run()
    said = str(table(at)["내용"].iloc[0])
    assert "도입을 승인했습니다" in said
    assert "상태: 심의 중 → 승인" in str(table(at)["변경 내용"].iloc[0])


def test_verify_names_a_record_changed_directly(app_env: str) -> None:
    """A direct SQL update of an adoption's status (no event) is named by the Verify button:
    the table, the record's number and the field."""
    from sqlalchemy import text

    engine = make_engine(app_env)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE adoptions SET status = 'rejected' WHERE id = 3"))
            reg_no = conn.execute(
                text(
                    "SELECT t.reg_no FROM adoptions a JOIN technologies t "
                    "ON t.id = a.technology_id WHERE a.id = 3"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    at = open_page(INTEGRITY)
    button(at, "Verify integrity").click().run()
    assert len(at.success) == 1  # the chain is intact
    assert at.error[0].value.startswith("1 records differ from what their audited writes left")
    (found,) = [d.value for d in at.dataframe if "What differs" in d.value.columns]
    assert found.to_dict("records") == [
        {
            "Kind of record": "Adoption",
            "Table": "adoptions",
            "Id": "3",
            "Record number": reg_no,
            "What differs": "changed outside the audited writes",
            "Fields": "Status",
        }
    ]


def test_a_head_receipt_is_made_and_checked(app_env: str) -> None:
    """In demo mode the receipt is MACed with the (public) demo key; the auditor downloads it
    and checks the chain against it."""
    from db.audit import receipt
    from db.audit.keys import load_key

    at = open_page(INTEGRITY)
    button(at, "Make a head receipt").click().run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the receipt" in labels
    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            made = receipt.make_receipt(s, load_key())
            checked = receipt.check_receipt(s, made, load_key())
    finally:
        engine.dispose()
    assert made["demo_key"] is True and checked.ok


def test_a_chosen_receipt_is_kept_while_another_tab_is_open(app_env: str) -> None:
    """Issue #22: only the open tab is drawn, and an uploader that is not drawn forgets its
    file; the receipt the auditor chose is held (name and size shown, with a way to remove
    it) and checked again when the integrity tab is opened again."""
    from db.audit import receipt
    from db.audit.keys import load_key

    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            text = receipt.receipt_text(receipt.make_receipt(s, load_key()))
    finally:
        engine.dispose()
    at = open_page(INTEGRITY)
    at.file_uploader[0].set_value(("receipt-2026.json", text.encode(), "application/json"))
    at.run()
    assert not at.exception, at.exception
    matches = "The chain matches the receipt of"
    assert any(m.value.startswith(matches) for m in at.success), [m.value for m in at.success]
    open_tab(at, TABS_KEY, EVENTS)
    assert not at.file_uploader
    open_tab(at, TABS_KEY, INTEGRITY)
    assert any(m.value.startswith(matches) for m in at.success)
    assert "Chosen: receipt-2026.json," in shown_text(at)
    assert not at.file_uploader  # held: not asked for again
    button(at, "Remove the receipt").click().run()
    assert not at.exception, at.exception
    assert not any(m.value.startswith(matches) for m in at.success)
    assert "Chosen: receipt-2026.json" not in shown_text(at)
    assert len(at.file_uploader) == 1 and not at.file_uploader[0].value  # a new, empty box
    # another file is checked too: it is not a receipt
    at.file_uploader[0].set_value(("notes.json", b'{"a": 1}', "application/json"))
    at.run()
    assert [e.value for e in at.error] == ["This file is not a head receipt of the audit trail."]
