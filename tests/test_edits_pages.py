"""The edit forms in the register detail cards under AppTest, on a copy of the demo database:
a staff member edits an adoption; a colleague saves the same record in between; the next
edit from the old form is refused with the colleague's name, nothing is overwritten, and
"Reload the record" starts again from what is saved. The history at the foot of the card
shows the edits, newest first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from db import adoptions
from db.engine import make_engine
from db.models import Adoption, Expert, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.apptest import button, new_app, page_text, shown_text, sign_in


@pytest.fixture
def app_db(app_env: str) -> Iterator[Engine]:
    """The app on a private copy of the demo database (conftest's app_env); its engine."""
    engine = make_engine(app_env)
    yield engine
    engine.dispose()


def _department(at: AppTest):  # type: ignore[no-untyped-def]
    [box] = [t for t in at.text_input if t.label == "Department"]
    return box


def _adoption(engine: Engine) -> tuple[int, str, int]:
    with read_session(engine) as s:
        row = s.execute(
            select(Adoption.id, Adoption.department, Adoption.version)
            .where(Adoption.status == "under_review")
            .order_by(Adoption.id)
            .limit(1)
        ).one()
    return int(row.id), str(row.department), int(row.version)


def _colleague(engine: Engine) -> Actor:
    with read_session(engine) as s:
        user = s.execute(select(User).where(User.username == "staff2.demo")).scalar_one()
        return Actor(user.id, user.username, user.role_names, user.display_name)


def test_an_edit_from_an_old_form_is_refused_and_reload_starts_again(app_db: Engine) -> None:
    aid, department, v = _adoption(app_db)
    at = sign_in(new_app(), "staff.demo")
    at.query_params.update({"id": str(aid)})
    at.switch_page("pages/adoptions.py").run()
    assert not at.exception, at.exception
    # The form is drawn once its box is opened (the box's label is there before).
    assert "Edit this proposal" in [e.label for e in at.expander]
    assert "You are editing version" not in page_text(at)
    at.session_state[f"rf_open_edit_adoption_{aid}"] = True  # the user opens it
    at.run()
    assert f"You are editing version {v} of this record." in page_text(at)
    assert _department(at).value == department

    _department(at).set_value("도로관리과")
    button(at, "Save the changes").click().run()
    assert not at.exception, at.exception
    assert "The proposal was changed." in page_text(at)
    with read_session(app_db) as s:
        saved = s.get(Adoption, aid)
        assert saved is not None and (saved.department, saved.version) == ("도로관리과", v + 1)
    assert f"You are editing version {v + 1} of this record." in page_text(at)

    # A colleague saves the record while the form is open (one version on).
    colleague = _colleague(app_db)
    with write_session(app_db) as s:
        adoptions.edit_adoption(
            session=s,
            actor=colleague,
            adoption_id=aid,
            expected="under_review",
            version=v + 1,
            project_name=saved.project_name,
            department="하수관리과",
            budget_krw=saved.budget_krw,
            year=saved.year,
            justification=saved.justification,
        )
    _department(at).set_value("교량관리과")
    button(at, "Save the changes").click().run()
    assert not at.exception, at.exception
    text = shown_text(at)  # as a person reads it
    assert f"{colleague.display_name} saved this record at " in text
    assert "after you opened it. Nothing was saved" in text
    with read_session(app_db) as s:
        kept = s.get(Adoption, aid)
        assert kept is not None and (kept.department, kept.version) == ("하수관리과", v + 2)

    button(at, "Reload the record").click().run()
    assert f"You are editing version {v + 2} of this record." in page_text(at)
    assert _department(at).value == "하수관리과"
    _department(at).set_value("교량관리과")
    button(at, "Save the changes").click().run()
    assert "The proposal was changed." in page_text(at)
    with read_session(app_db) as s:
        final = s.get(Adoption, aid)
        assert final is not None and (final.department, final.version) == ("교량관리과", v + 3)
    history = [d for d in at.dataframe if "Who" in d.value.columns][-1].value
    assert list(history["What"])[:3] == ["Edited", "Edited", "Edited"]
    assert "Department: 하수관리과 → 교량관리과" in history["Changes"].iloc[0]


def test_add_an_expert_says_what_is_wrong_next_to_each_field(app_db: Engine) -> None:
    with read_session(app_db) as s:
        existing = s.execute(
            select(Expert.name, Expert.organization_id)
            .where(Expert.retired_on.is_(None))
            .order_by(Expert.id)
            .limit(1)
        ).one()
        count = s.execute(select(func.count()).select_from(Expert)).scalar_one()
    at = sign_in(new_app(), "staff.demo")
    at.switch_page("pages/experts.py").run()
    assert not at.exception, at.exception
    form = "add_expert"
    at.text_input(key=f"rf_{form}_name").set_value(existing.name)
    at.selectbox(key=f"rf_{form}_organization_id").set_value(existing.organization_id)
    at.selectbox(key=f"rf_{form}_affiliation").set_value("industry")
    at.text_input(key=f"rf_{form}_email").set_value("not-an-address")
    button(at, "Add the expert").click().run()
    assert not at.exception, at.exception
    problems = [e.value for e in at.error]
    assert any("already in the pool" in p for p in problems), problems
    assert any("e-mail address such as" in p for p in problems), problems
    assert any("at least one technical field" in p for p in problems), problems
    assert "Nothing was saved" in page_text(at)
    with read_session(app_db) as s:
        assert s.execute(select(func.count()).select_from(Expert)).scalar_one() == count

    at.text_input(key=f"rf_{form}_name").set_value("새 전문가 시험")
    at.text_input(key=f"rf_{form}_email").set_value("new.expert@example.kr")
    at.multiselect(key=f"rf_{form}_fields").set_value(["roads"])
    button(at, "Add the expert").click().run()
    assert "The expert was added to the pool." in page_text(at)
    with read_session(app_db) as s:
        added = s.execute(select(Expert).where(Expert.name == "새 전문가 시험")).scalar_one()
        assert (added.organization_id, added.email) == (
            existing.organization_id,
            "new.expert@example.kr",
        )
