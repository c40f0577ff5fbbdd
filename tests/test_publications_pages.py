"""Published figures on the pages (issue #17): the mayor's office publishes the overview's
figures with a confirmation; the overview of a published date shows them, and after a
back-dated change both figures and the record that changed them; the briefing carries the
publication's date and hash; auditors list every publication with its difference to today.
English and Korean."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from db import publications
from db.engine import make_engine
from db.intercity import inquiries as ic
from db.intercity.common import NewOrganization
from db.models import Publication, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.apptest import (
    DEMO_PASSWORD,
    button,
    capture_downloads,
    new_app,
    open_tab,
    page_text,
    shown_text,
    sign_in,
    text_input,
)
from tests.tamper import unguarded

AS_OF = dt.date(2019, 8, 8)


def actor(url: str, username: str) -> Actor:
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one()
            roles = {r.role for r in user.roles}
            return Actor(user.id, user.username, frozenset(roles), user.display_name)
    finally:
        engine.dispose()


def stored(url: str) -> list[Publication]:
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            return list(s.execute(select(Publication).order_by(Publication.id)).scalars())
    finally:
        engine.dispose()


def back_dated_inquiry(url: str, body: str) -> None:
    """Staff log an inquiry received before the published date (after publication)."""
    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            ic.log_inquiry(
                session=s,
                actor=actor(url, "staff.demo"),
                received_on=AS_OF - dt.timedelta(days=5),
                channel="email",
                topic="Visit",
                new_org=NewOrganization(
                    name_ko=body, name_en=body, kind="local_government", region="KR-26"
                ),
            )
    finally:
        engine.dispose()


def publish_directly(url: str) -> int:
    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            return publications.publish(
                session=s, actor=actor(url, "executive.demo"), as_of=AS_OF, title="Q3"
            )
    finally:
        engine.dispose()


def overview(username: str = "executive.demo", *, ko: bool = False) -> AppTest:
    at = new_app()
    at.query_params["as_of"] = AS_OF.isoformat()
    if ko:
        text_input(at, "사용자 이름").input(username)
        text_input(at, "비밀번호").input(DEMO_PASSWORD)
        button(at, "로그인").click().run()
    else:
        at = sign_in(at, username)
    assert not at.exception, at.exception
    return at


def open_publish_form(at: AppTest) -> AppTest:
    """Open the publish form's expander, as the mayor's office clicks it (the form is built
    only while it is open)."""
    assert not [c for c in at.checkbox if c.key and c.key.startswith("pub_publish_confirm")]
    at.session_state["pub_publish_open"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_publish_with_confirmation_then_a_back_dated_change_shows_both(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = overview()
    text = page_text(at)
    at = open_publish_form(at)
    assert "No publication for 8 Aug 2019 with these filters. Publishing freezes" in text
    confirm = at.checkbox(key="pub_publish_confirm_0")
    assert confirm.label.startswith("I publish the figures as of 8 Aug 2019 (")
    assert "Experts registered 817" in confirm.label and "Testbeds 4" in confirm.label
    assert "cannot be changed or withdrawn" in confirm.label

    # without the tick: refused, nothing published
    at.text_input(key="pub_publish_title_0").input("Briefing of 8 August")
    button(at, "Publish").click().run()
    assert "Tick the confirmation first. Nothing was saved." in page_text(at)
    assert stored(app_env) == []

    at.checkbox(key="pub_publish_confirm_0").check()
    button(at, "Publish").click().run()
    assert not at.exception, at.exception
    (row,) = stored(app_env)
    assert row.as_of == AS_OF and row.title == "Briefing of 8 August"
    text = shown_text(at)
    assert "Published the figures as of 8 Aug 2019." in text
    mayor = actor(app_env, "executive.demo").display_name
    assert f"by {mayor}, hash {row.sha256[:12]}." in text
    assert "Recomputed today, every published figure is the same." in text
    assert "Publish again (becomes the current publication)" in [e.label for e in at.expander]

    # the briefing of the published date carries its date and hash
    briefing = files["ntp-briefing-2019-08-08-en.html"].decode()
    assert "Published figures as of 2019-08-08" in briefing and row.sha256 in briefing

    back_dated_inquiry(app_env, "Back-dated City")
    at = overview()
    text = shown_text(at)
    assert "Recomputed today, figures differ from the published ones (1)" in text
    figures, changed = (d.value for d in at.dataframe[:2])
    assert list(figures.itertuples(index=False, name=None)) == [("Inter-city inquiries", 7, 8, 1)]
    (who, what, record) = changed.iloc[0][["Who", "What", "Record"]]
    assert record == "Back-dated City" and len(changed) == 1
    assert what.startswith(f"{who} logged an inquiry from Back-dated City")


def test_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = overview(ko=True)
    assert "이 필터로 공표된 수치가 없습니다" in page_text(at)
    at = open_publish_form(at)
    at.checkbox(key="pub_publish_confirm_0_ko").check()
    button(at, "공표").click().run()
    assert not at.exception, at.exception
    assert len(stored(app_env)) == 1
    back_dated_inquiry(app_env, "소급시")
    at = overview(ko=True)
    text = shown_text(at)
    (row,) = stored(app_env)
    mayor = actor(app_env, "executive.demo").display_name
    assert "기준 공표 수치" in text and f"{mayor}이(가) 공표, 해시 {row.sha256[:12]}." in text
    assert "공표값과 다른 수치가 있습니다(1개)" in text
    changed = at.dataframe[1].value
    assert list(changed["기록"]) == ["소급시"]


@pytest.mark.parametrize("username", ["staff.demo", "auditor.demo", "approver.demo"])
def test_only_the_mayors_office_sees_the_publish_form(app_env: str, username: str) -> None:
    publish_directly(app_env)
    at = overview(username)
    at.session_state["pub_publish_open"] = True  # (as if the form had been opened)
    at.run()
    assert not at.exception, at.exception
    assert "Publish" not in [b.label for b in at.button]
    assert not [e for e in at.expander if "Publish" in e.label]
    assert "Recomputed today, every published figure is the same." in page_text(at)


def test_auditors_list_every_publication_with_its_difference(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = sign_in(new_app(), "auditor.demo")
    at.switch_page("pages/audit_trail.py").run()
    open_tab(at, "at_tabs", 4)  # Publications
    assert "No figures have been published yet." in page_text(at)

    pub_id = publish_directly(app_env)
    back_dated_inquiry(app_env, "Late City")
    at = sign_in(new_app(), "auditor.demo")
    at.switch_page("pages/audit_trail.py").run()
    open_tab(at, "at_tabs", 4)  # Publications
    assert not at.exception, at.exception
    (listed,) = [d.value for d in at.dataframe if "Hash check" in d.value.columns]
    (row,) = stored(app_env)
    assert row.id == pub_id
    first = listed.iloc[0]
    assert first["As of"] == "2019-08-08" and first["Hash"] == row.sha256
    assert first["Hash check"] == "matches" and first["Publication title"] == "Q3"
    assert first["Figures that differ today"] == 1 and first["Records changed since"] == 1
    (changed,) = [d.value for d in at.dataframe if "Record" in d.value.columns]
    assert list(changed["Record"]) == ["Late City"]
    rows = list(csv.DictReader(io.StringIO(files["ntp-publications.csv"].decode("utf-8-sig"))))
    assert [(r["As of"], r["Hash"], r["Figures that differ today"]) for r in rows] == [
        ("2019-08-08", row.sha256, "1")
    ]


def test_a_publication_changed_outside_the_app_says_so(app_env: str) -> None:
    pub_id = publish_directly(app_env)
    engine = make_engine(app_env)
    try:
        unguarded(engine, "publications")
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE publications SET figures = :f WHERE id = :id"),
                {"f": '{"inquiries":9}', "id": pub_id},
            )
    finally:
        engine.dispose()
    at = overview()
    assert "This publication's stored figures no longer match its hash" in page_text(at)
    at = sign_in(new_app(), "auditor.demo")
    at.switch_page("pages/audit_trail.py").run()
    open_tab(at, "at_tabs", 4)  # Publications
    (listed,) = [d.value for d in at.dataframe if "Hash check" in d.value.columns]
    assert list(listed["Hash check"]) == ["does not match"]
    assert "hash does not match" in " ".join(e.label for e in at.expander)
