"""Historical migrations on the Import page under AppTest (demo data, SQLite): an
administrator submits one, an approver confirms or declines it, staff cannot migrate (the
same history is refused as a normal import), auditors see the migrations on the audit
trail; in English and Korean."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.imports import historical
from db.models import ImportMigration, Technology, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.apptest import new_app, open_tab, page_text, sign_in
from tests.test_import_page import _csv, _open, _owner, _state, _upload, open_korean

HEADER = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일", "상태", "등록일"]


def history(owner: str) -> bytes:
    """One technology registered in 2019: only a historical migration may bring it in."""
    return _csv(
        [
            HEADER,
            [
                "DG-2019-951",
                "이관 시험 기술",
                owner,
                "교량",
                "2019-03-04",
                "registered",
                "2019-07-30",
            ],
        ]
    )


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with read_session(engine) as s:
        n = s.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def _submitted_by_admin(url: str) -> int:
    """A migration submitted by admin.demo through the data layer; its id."""
    from components.imports import vocabulary

    engine = make_engine(url)
    with read_session(engine) as s:
        user = s.scalars(select(User).where(User.username == "admin.demo")).one()
        admin = Actor(id=user.id, username=user.username, roles=user.role_names)
    with write_session(engine) as s:
        migration = historical.submit_migration(
            session=s,
            actor=admin,
            register="technologies",
            filename="history.csv",
            data=history(_owner(url)),
            vocabulary=vocabulary(),
        )
    engine.dispose()
    return migration.id


def _frame(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The (last) data frame with ``column``: the migrations (SHA-256) or their records."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[-1]


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def test_admin_submits_a_migration_and_cannot_confirm_it(app_env: str) -> None:
    at = _open("admin.demo")
    before = _count(app_env, Technology)
    at.radio(key="imp_mode").set_value("migration").run()
    assert "A historical migration brings in a city's history" in page_text(at)
    at.selectbox(key="imp_register").set_value("technologies").run()
    _upload(at, "history.csv", history(_owner(app_env)))
    assert "Ready to submit as a historical migration" in [h.value for h in at.subheader]
    assert "No problems in history.csv: 1 to add, 0 to update, 0 unchanged." in page_text(at)
    assert _button(at, "Submit for confirmation").disabled
    next(c for c in at.checkbox if c.label.startswith("I have checked the summary")).check().run()
    _button(at, "Submit for confirmation").click().run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "submitted: it waits for another administrator or an approver" in text
    assert "Nothing was written to the registers yet." in text
    assert _count(app_env, Technology) == before
    assert _count(app_env, ImportMigration) == 1
    # Pending, and its submitter is told that someone else confirms it.
    assert "Migrations waiting for confirmation" in [h.value for h in at.subheader]
    assert "You submitted this migration" in page_text(at)
    assert not [b for b in at.button if b.label == "Confirm and write"]


def test_approver_confirms_after_ticking_the_box(app_env: str) -> None:
    migration = _submitted_by_admin(app_env)
    at = _open("approver.demo")
    before, before_head = _state(app_env)  # (signing in is audited too)
    assert f"Migration {migration}" in page_text(at)
    confirm = _button(at, "Confirm and write")
    assert confirm.disabled  # the irreversible step needs the box ticked first
    assert _state(app_env) == (before, before_head)
    next(c for c in at.checkbox if c.label.startswith("I have checked this file")).check().run()
    _button(at, "Confirm and write").click().run()
    assert not at.exception, at.exception
    assert f"Migration {migration} confirmed: 1 added, 0 updated" in page_text(at)
    count, _head = _state(app_env)
    assert count == before + 1
    assert "No historical migration is waiting for confirmation." in page_text(at)
    frame = _frame(at, "SHA-256")
    assert list(frame["Status"]) == ["Confirmed and written"]
    assert list(frame["Records written"]) == [1]
    records = _frame(at, "Record")
    assert list(records["Record"]) == ["DG-2019-951 이관 시험 기술"]


def test_approver_declines_with_a_reason(app_env: str) -> None:
    migration = _submitted_by_admin(app_env)
    before = _state(app_env)[0]
    at = _open("approver.demo")
    _button(at, "Decline").click().run()
    assert "Write a comment: it is kept with the decision." in page_text(at)
    at.text_input(key=f"mig_reason_{migration}").input("원본 대장과 다름").run()
    _button(at, "Decline").click().run()
    assert f"Migration {migration} declined. Nothing was written." in page_text(at)
    assert _state(app_env)[0] == before
    assert list(_frame(at, "SHA-256")["Status"]) == ["Declined"]


def test_staff_cannot_migrate_and_the_history_is_refused_as_a_normal_import(
    app_env: str,
) -> None:
    at = _open("staff.demo")
    before = _state(app_env)  # (after signing in, which is audited)
    assert not [r for r in at.radio if r.key == "imp_mode"]
    assert "Migrations waiting for confirmation" not in [h.value for h in at.subheader]
    at.selectbox(key="imp_register").set_value("technologies").run()
    _upload(at, "history.csv", history(_owner(app_env)))
    assert "3 problems found in history.csv. Nothing was imported" in page_text(at)
    frame = at.table[-1].value
    assert list(frame["Column"]) == ["상태", "신청일", "등록일"]
    assert "a normal import dates nothing in the past" in frame["Problem"].iloc[1]
    assert "as submitted, as the regulation in force says" in frame["Problem"].iloc[0]
    assert _state(app_env) == before


@pytest.mark.parametrize("role", ["auditor.demo"])
def test_auditors_see_the_migrations_on_the_audit_trail(app_env: str, role: str) -> None:
    migration = _submitted_by_admin(app_env)
    at = sign_in(new_app(), role)
    at.switch_page("pages/audit_trail.py").run()
    assert not at.exception, at.exception
    assert "Historical migrations" in [t.label for t in at.tabs]
    open_tab(at, "at_tabs", 3)  # Historical migrations
    frame = _frame(at, "SHA-256")
    assert list(frame["Migration"]) == [migration]
    assert list(frame["Status"]) == ["Waiting for confirmation"]
    assert len(frame["SHA-256"].iloc[0]) == 64
    assert not [b for b in at.button if b.label in ("Confirm and write", "Decline")]


def test_korean_migration_mode(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_korean(monkeypatch)
    radio = at.radio(key="imp_mode")
    assert radio.options == ["일반 일괄 등록", "과거 자료 이관(다른 사람이 확인)"]
    radio.set_value("migration").run()
    assert "과거 자료 이관은 일반 일괄 등록이 거부하는" in page_text(at)
    assert "확인을 기다리는 이관" in [h.value for h in at.subheader]
