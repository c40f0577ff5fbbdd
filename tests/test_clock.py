"""The city's today, not the machine's: servers run in UTC, and from 00:00 to 09:00 in Korea
the machine's date is still yesterday. Every date a form offers or a write records is the
city's, at 23:30 and at 00:30 in the city alike (``city_clock``), and no module reads the
machine's clock (ruff's DTZ and banned-api rules, run here so CI enforces them)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import Engine, select

from db import clock, technologies
from db.models import Expert, Technology
from db.session import read_session
from tests import deliberation_data as dd
from tests.apptest import button, new_app, page_text, sign_in
from tests.test_edits_pages import app_db  # noqa: F401  (fixture)
from tests.test_summaries import world  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def test_the_city_date_runs_ahead_of_utc_after_its_midnight(city_clock: dt.datetime) -> None:
    utc_date = clock.now_utc().date()
    at_half_past_midnight = clock.city_now().hour == 0
    assert clock.city_today() == utc_date + dt.timedelta(days=int(at_half_past_midnight))
    assert clock.city_now().minute == 30
    assert clock.city_date(clock.now_utc()) == clock.city_today()
    assert clock.city_day_start(clock.city_today()) <= clock.now_utc()
    assert clock.now_utc() - clock.city_day_start(clock.city_today()) < dt.timedelta(days=1)
    assert clock.city_time_text(dt.datetime(2019, 8, 8, 5, 3)) == "2019-08-08 14:03 KST"


def test_an_expert_added_with_the_forms_date_joined_today_in_the_city(
    app_db: Engine,
    city_clock: dt.datetime,
) -> None:
    at = sign_in(new_app(), "staff.demo")
    at.switch_page("pages/experts.py").run()
    assert not at.exception, at.exception
    form = "add_expert"
    joined = at.date_input(key=f"rf_{form}_registered_on")
    assert joined.value == clock.city_today()
    with read_session(app_db) as s:
        org_id = s.execute(select(Expert.organization_id).limit(1)).scalar_one()
    at.text_input(key=f"rf_{form}_name").set_value("자정 시험 전문가")
    at.selectbox(key=f"rf_{form}_organization_id").set_value(org_id)
    at.selectbox(key=f"rf_{form}_affiliation").set_value("industry")
    at.multiselect(key=f"rf_{form}_fields").set_value(["roads"])
    button(at, "Add the expert").click().run()
    assert "The expert was added to the pool." in page_text(at)
    with read_session(app_db) as s:
        added = s.execute(select(Expert).where(Expert.name == "자정 시험 전문가")).scalar_one()
    assert added.registered_on == clock.city_today()


def test_a_submission_after_the_citys_new_year_is_numbered_in_the_new_year(
    world: dd.World,
) -> None:
    year = clock.city_today().year + 1
    new_year = clock.city_day_start(dt.date(year, 1, 1)) + dt.timedelta(minutes=30)
    assert new_year.year == year - 1  # still the old year in UTC
    with time_machine.travel(new_year, tick=True):
        tech_id, reg_no = dd.write(
            world,
            technologies.register_technology,
            title_ko="새해 첫 신청 기술",
            title_en="First submission of the year",
            owner_org_id=world.orgs["applicant_a"],
            field="roads",
        )
    assert f"-{year}-" in reg_no
    with read_session(world.engine) as s:
        assert s.get(Technology, tech_id).submitted_on == dt.date(year, 1, 1)  # type: ignore[union-attr]


def test_no_module_reads_the_machines_clock() -> None:
    """``date.today()``, ``datetime.now()`` and friends only in ``db/clock.py``."""
    ruff = pytest.importorskip("ruff.__main__").find_ruff_bin()
    found = subprocess.run(
        [ruff, "check", "--select", "DTZ,TID251", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stdout + found.stderr
