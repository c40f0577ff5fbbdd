"""Administration → City profile under AppTest, on the demo database: an administrator
renames the city (the sidebar shows the new name), is told in a sentence that the number
pattern cannot change once records exist, retires a field only after confirming (with the
count of records using it), cannot delete a field in use (with the count), adds a kind of
organisation and deletes it again; a staff member or an auditor never gets the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db import technologies
from db.engine import make_engine
from db.models import AuditEvent, FieldTerm, Technology, User
from db.session import read_session, write_session
from tests.apptest import ROLE_ACCOUNTS, button, new_app, page_text, sign_in, text_input
from tests.users import actor_of


def _admin():  # type: ignore[no-untyped-def]
    at = sign_in(new_app(), "admin.demo")
    assert not at.exception
    assert at.title[0].value == "Administration"
    return at


def _field(url: str, code: str) -> FieldTerm:
    engine = make_engine(url)
    with read_session(engine) as s:
        row = s.get(FieldTerm, code)
        assert row is not None
        s.expunge(row)
    engine.dispose()
    return row


def test_an_admin_renames_the_city_but_not_its_numbering(app_env: str) -> None:
    at = _admin()
    assert "Daegu Metropolitan City" in page_text(at)  # the sidebar's name
    text_input(at, "Name (English)").input("Test City")
    button(at, "Save the profile").click()
    at.run()
    assert not at.exception
    at = _admin()  # a new run through app.py draws the sidebar
    assert "Test City" in page_text(at)
    text_input(at, "Registration number pattern").input("TC-{year}-{seq:04}")
    button(at, "Save the profile").click()
    at.run()
    assert "cannot change once records exist" in page_text(at)
    engine = make_engine(app_env)
    with read_session(engine) as s:
        actions = s.execute(
            select(AuditEvent.action).where(AuditEvent.action == "city.edit")
        ).scalars()
        assert list(actions) == ["city.edit"]
    engine.dispose()


def test_retire_and_delete_need_a_confirmation_and_a_code_in_use_is_kept(app_env: str) -> None:
    at = _admin()
    at.selectbox(key="city_pick_fields").set_value("bridges")
    at.run()
    assert "records use this code: it can be retired, not deleted." in page_text(at)
    at.button(key="city_retire_fields").click()
    at.run()
    assert "Tick the confirmation first" in page_text(at)
    assert _field(app_env, "bridges").retired_on is None
    at.checkbox(key="city_confirm_fields").check()
    at.button(key="city_delete_fields").click()
    at.run()
    assert "cannot be deleted; retire it instead" in page_text(at)
    at.checkbox(key="city_confirm_fields").check()
    at.button(key="city_retire_fields").click()
    at.run()
    assert not at.exception
    assert _field(app_env, "bridges").retired_on is not None


def _uses_shown(at) -> int:  # type: ignore[no-untyped-def]
    found = re.search(r"([\d,]+) records use this code", page_text(at))
    assert found, page_text(at)
    return int(found.group(1).replace(",", ""))


def test_the_count_of_records_follows_a_record_saved_on_another_server(app_env: str) -> None:
    """The count beside a code is stored once per data version: a technology registered
    through another app server (not this process, whose caches it cannot clear) is counted
    on the page's next run."""
    at = _admin()
    at.selectbox(key="city_pick_fields").set_value("bridges")
    at.run()
    before = _uses_shown(at)
    engine = make_engine(app_env)
    with read_session(engine) as s:
        staff = s.execute(
            select(User.id).where(User.username == ROLE_ACCOUNTS["staff"])
        ).scalar_one()
        owner = s.execute(select(Technology.owner_org_id).limit(1)).scalar_one()
    with write_session(engine) as s:
        technologies.register_technology(
            session=s,
            actor=actor_of(engine, staff),
            title_ko="다른 서버에서 등록한 교량 기술",
            title_en="A bridge technology registered on another server",
            owner_org_id=owner,
            field="bridges",
        )
    engine.dispose()
    at.run()
    assert not at.exception
    assert _uses_shown(at) == before + 1


def test_an_admin_adds_a_kind_of_organisation_and_deletes_it(app_env: str) -> None:
    at = _admin()
    at.text_input(key="city_add_code_organisation_kinds").input("cooperative")
    at.text_input(key="city_add_ko_organisation_kinds").input("협동조합")
    at.text_input(key="city_add_en_organisation_kinds").input("Cooperative")
    at.checkbox(key="city_add_owns_technologies").check()
    [add] = [b for b in at.button if b.label == "Add" and "organisation_kinds" in str(b.id)]
    add.click()
    at.run()
    assert not at.exception
    assert "The code cooperative was added." in page_text(at), page_text(at)
    at.selectbox(key="city_pick_organisation_kinds").set_value("cooperative")
    at.run()
    assert "No record uses this code: it can be deleted." in page_text(at)
    at.checkbox(key="city_confirm_organisation_kinds").check()
    at.button(key="city_delete_organisation_kinds").click()
    at.run()
    assert not at.exception
    assert "The code cooperative was deleted." in page_text(at)


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_no_one_else_gets_the_page(app_env: str, role: str) -> None:
    at = sign_in(new_app(), ROLE_ACCOUNTS[role])
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/administration.py")
    assert "City profile" not in page_text(at)
