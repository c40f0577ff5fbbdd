"""The Outcomes and Testbeds pages under AppTest: who sees them, what they show (as of the
press release's date too), staff's forms (a contract recorded, a refusal shown under its
field), Korean, and the targets on the overview."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from db import clock, models
from db.models import Contract
from tests.apptest import DEMO_PASSWORD, capture_downloads, new_app, page_text, sign_in


@pytest.fixture
def app_env(seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(seeded_sqlite_file, dst)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{dst}")
    monkeypatch.setenv("NTP_DEMO", "1")
    monkeypatch.setenv("NTP_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("NTP_LANG", "en")
    return f"sqlite:///{dst}"


def count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())
    finally:
        engine.dispose()


def open_page(user: str, page: str):  # type: ignore[no-untyped-def]
    at = sign_in(new_app(), user)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def open_form(at, key: str):  # type: ignore[no-untyped-def]
    """Open one of staff's folded forms, as a person clicks it (built only while open)."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_executive_reads_outcomes_without_forms(app_env: str) -> None:
    at = open_page("executive.demo", "outcomes")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Contracts"].replace(",", "")) > 100
    assert metrics["Share to local firms"].endswith("%")
    subheaders = [s.value for s in at.subheader]
    for heading in (
        "Contract value and count by year",
        "Testbed, certification, first sale",
        "Technologies used more than once",
        "Time from registration to first use",
        "Departments' satisfaction after use",
        "Annual targets against actual",
    ):
        assert heading in subheaders
    assert len(at.get("vega_lite_chart")) >= 4
    assert "Record outcomes" not in subheaders
    assert len(at.get("download_button")) >= 10


def test_as_of_the_press_release_the_four_testbeds_are_commercialised(app_env: str) -> None:
    at = open_page("executive.demo", "outcomes")
    at.date_input(key="outcomes_as_of").set_value(dt.date(2019, 8, 8)).run()
    assert not at.exception
    assert "Testbed, certification, first sale" in [s.value for s in at.subheader]
    from db.outcomes import figures
    from db.policy import Actor
    from db.session import read_session

    engine = create_engine(app_env)
    with read_session(engine) as s:
        o = figures.outcomes(
            session=s,
            actor=Actor(id=None, username="t", roles=frozenset({"auditor"})),
            as_of=dt.date(2019, 8, 8),
        )
    engine.dispose()
    assert dict(zip(o.funnel["stage"], o.funnel["testbeds"], strict=True)) == {
        "testbed": 4,
        "completed": 4,
        "certified": 3,
        "first_sale": 4,
    }


def test_staff_records_a_contract_and_sees_a_refusal_under_its_field(app_env: str) -> None:
    at = open_page("staff.demo", "outcomes")
    assert "Record outcomes" in [s.value for s in at.subheader]
    assert "oc_contract_adoption" not in [b.key for b in at.selectbox]  # folded: not built
    at = open_form(at, "oc_contract_open")
    before = count(app_env, Contract)
    choice = at.selectbox(key="oc_contract_adoption")
    first_id = int(choice.options[0].split(" · ")[0].removeprefix("#"))  # "#12 · DG-... · ..."
    choice.set_value(first_id).run()
    amount = next(n for n in at.number_input if n.label == "Amount (won)")
    amount.set_value(0)
    at.button[[b.label for b in at.button].index("Record the contract")].click().run()
    assert "Enter the amount in won as a whole number greater than zero." in page_text(at)
    assert count(app_env, Contract) == before
    amount = next(n for n in at.number_input if n.label == "Amount (won)")
    amount.set_value(12_000_000)
    next(d for d in at.date_input if d.label == "Contract date").set_value(
        clock.city_today() - dt.timedelta(days=1)
    )
    at.button[[b.label for b in at.button].index("Record the contract")].click().run()
    assert not at.exception
    assert count(app_env, Contract) == before + 1
    assert any("was recorded" in s.value for s in at.success)


def test_testbeds_register_and_staff_sale(app_env: str) -> None:
    at = open_page("executive.demo", "testbeds")
    assert at.title[0].value == "Testbeds"
    assert any(c.value.endswith("testbeds") for c in at.caption)
    at.selectbox(key="tb_stage").set_value("certified").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert set(frame["Stage"]) == {"Certified"}
    assert "Record a sale" not in [e.label for e in at.expander]

    at = open_page("staff.demo", "testbeds")
    at.selectbox(key="tb_stage").set_value("certified").run()
    opened = at.selectbox(key="tb_open")
    opened.set_value(opened.options[0]).run()
    assert "Record a sale" in [e.label for e in at.expander]
    before = count(app_env, models.TestbedSale)
    next(t for t in at.text_input if t.label == "Buyer").input("시설관리공단")
    next(n for n in at.number_input if n.label == "Amount (won)").set_value(30_000_000)
    next(d for d in at.date_input if d.label == "Sold on").set_value(clock.city_today())
    at.button[[b.label for b in at.button].index("Record the sale")].click().run()
    assert not at.exception
    assert count(app_env, models.TestbedSale) == before + 1


def test_pages_in_korean_and_targets_on_the_overview(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sign_in(new_app(), "executive.demo")
    # under "Targets for <year>": each figure by its name, how far as "<p> of target"
    assert any(h.value.startswith("Targets for ") for h in at.subheader)
    targets = {m.label: m.proto.delta for m in at.metric if m.proto.delta.endswith(" of target")}
    assert "Contracts" in targets, targets
    assert "Technologies registered" in targets, targets
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    at.text_input[0].input("executive.demo")
    at.text_input[1].input(DEMO_PASSWORD)
    next(b for b in at.button if b.label == "로그인").click()
    at.run()
    at.switch_page("pages/outcomes.py").run()
    assert not at.exception
    assert at.title[0].value == "성과"
    assert "연도별 계약 금액과 건수" in [s.value for s in at.subheader]
    assert "지역 기업 비율" in [m.label for m in at.metric]
    at.switch_page("pages/testbeds.py").run()
    assert not at.exception
    assert at.title[0].value == "테스트베드"


def test_staff_records_then_corrects_an_evaluation(app_env: str) -> None:
    """A new evaluation is recorded; opened again, the form corrects it (its version moves
    on by one) instead of refusing a second one."""
    at = open_form(open_page("staff.demo", "outcomes"), "oc_evaluation_open")
    choice = at.selectbox(key="oc_evaluation_adoption")
    engine = create_engine(app_env)
    with engine.connect() as conn:
        evaluated = set(conn.execute(select(models.AdoptionEvaluation.adoption_id)).scalars())
    ids = [int(o.split(" · ")[0].removeprefix("#")) for o in choice.options]
    target = next(i for i in ids if i not in evaluated)
    choice.set_value(target).run()
    assert "Record the evaluation" in [b.label for b in at.button]
    next(d for d in at.date_input if d.label == "Evaluated on").set_value(
        clock.city_today() - dt.timedelta(days=1)
    )
    at.radio[0].set_value("below")
    next(t for t in at.text_area if t.label == "Problems met (optional)").input("균열")
    at.button[[b.label for b in at.button].index("Record the evaluation")].click().run()
    assert not at.exception
    assert any("evaluation was recorded" in s.value for s in at.success)
    at.selectbox(key="oc_evaluation_adoption").set_value(target).run()
    assert "Save the evaluation" in [b.label for b in at.button]
    at.radio[0].set_value("as_expected")
    at.button[[b.label for b in at.button].index("Save the evaluation")].click().run()
    assert not at.exception
    with engine.connect() as conn:
        row = conn.execute(
            select(models.AdoptionEvaluation.performance, models.AdoptionEvaluation.version).where(
                models.AdoptionEvaluation.adoption_id == target
            )
        ).one()
    engine.dispose()
    assert tuple(row) == ("as_expected", 2)


def test_testbeds_are_shown_a_page_at_a_time_and_downloaded_whole(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import testbeds

    monkeypatch.setattr(testbeds, "PAGE", 10)
    files = capture_downloads(monkeypatch)
    at = open_page("executive.demo", "testbeds")
    total = count(app_env, models.Testbed)
    assert total > 20  # the demo data has several pages of 10
    first = at.dataframe[0].value
    assert len(first) == 10
    next(b for b in at.button if b.label == "Next").click().run()
    second = at.dataframe[0].value
    assert len(second) == 10
    assert not set(first["Registration number"]) & set(second["Registration number"])
    csv = files["testbeds.csv"].decode("utf-8-sig").strip().splitlines()
    assert len(csv) == total + 1  # every testbed the filters keep, under its header
    # a filter starts again on its first page
    at.selectbox(key="tb_stage").set_value("certified").run()
    assert at.session_state["tb_page"] == 1


@pytest.mark.parametrize(
    "page, name", [("testbeds", "testbeds.csv"), ("outcomes", "first_use.csv")]
)
def test_files_made_on_click_are_in_the_language_of_the_page(
    app_env: str, monkeypatch: pytest.MonkeyPatch, page: str, name: str
) -> None:
    """A file built when its button is clicked is built outside the session (Streamlit calls
    it in a thread of its own): a reader who switched to Korean still gets Korean headers,
    not the server's default language."""
    from components.i18n import translate_in

    files = capture_downloads(monkeypatch)  # builds deferred files after the run, outside it
    at = sign_in(new_app(), "executive.demo")
    at.session_state["lang"] = "ko"  # the language switch in the sidebar (default: English)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    header = files[name].decode("utf-8-sig").splitlines()[0]
    assert translate_in("ko", "Registration number") in header, header
    assert "Registration number" not in header
