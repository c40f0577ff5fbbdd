"""The audit trail page under AppTest, signed in as the demo auditor on the scale-1 demo data:
events newest first, filters, paging, one event, downloads, the head and verification."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import audit
from db.engine import make_engine
from db.errors import PermissionDenied
from db.models import AuditEvent
from db.policy import Actor
from db.session import read_session
from tests.apptest import APP, button, new_app, page_text, sign_in


def open_page() -> AppTest:
    at = sign_in(new_app(), "auditor.demo")
    at.switch_page("pages/audit_trail.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest) -> Any:
    return at.dataframe[0].value


def head_of(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            return audit.read_head(s)
    finally:
        engine.dispose()


def test_the_auditor_sees_the_newest_events(app_env: str) -> None:
    at = open_page()
    df = table(at)
    last_id, last_hash = head_of(app_env)
    assert len(df) == 50
    assert list(df["No."]) == list(range(last_id, last_id - 50, -1))
    assert {"Time (KST)", "User", "Action", "Kind of record", "Before", "After"} <= set(df)
    text = page_text(at)
    assert f"Events {last_id:,} to {last_id - 49:,}, newest first" in text
    assert f"{last_id:,} match" in text
    assert last_hash in [c.value for c in at.code]  # the head, to note down


def test_filters_narrow_the_events(app_env: str) -> None:
    at = open_page()
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
    assert not at.dataframe


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
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Download CSV") == 2  # the files and the head


def test_verify_reports_intact_on_the_demo_data(app_env: str) -> None:
    at = open_page()
    button(at, "Verify integrity").click().run()
    last_id, last_hash = head_of(app_env)
    assert [s.value for s in at.success] == [
        f"Intact up to event {last_id:,}, head hash {last_hash}."
    ]


def test_verify_against_an_exported_head(app_env: str) -> None:
    at = open_page()
    last_id, last_hash = head_of(app_env)  # (after signing in, which is an event too)
    at.text_input(key="at_expected").input(last_hash.upper()).run()
    button(at, "Verify integrity").click().run()
    assert at.success and "The exported head hash is part of the chain." in page_text(at)
    at.text_input(key="at_expected").input("ab" * 32).run()
    button(at, "Verify integrity").click().run()
    (error,) = [e.value for e in at.error]
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
