"""The bench's browser tools still run against the app (``bench/interactions.py``, the
driver of ``bench/concurrency.py``): a click counts as finished when its run ended (seen on
the websocket), a timed interaction settles on what it shows, the score entry stores the
member's own scores, and signed-in sessions of the concurrency driver open the pages of
their role."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from bench import concurrency
from bench.browser import arm, open_page, sign_in, wait_run
from bench.interactions import INTERACTIONS, SCORE
from bench.targets import page_targets
from db.engine import make_engine
from db.models import Evaluation, EvaluationScore, User
from db.session import read_session
from tests.browser.conftest import AppServer, rerun_after
from tests.browser.test_signin_flow import sign_in as form_sign_in

pytestmark = pytest.mark.browser


def test_an_interaction_is_timed_to_what_it_shows(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = ctx.new_page()
    sign_in(page, app_server.url, "executive.demo", extra=None)
    inter = next(i for i in INTERACTIONS if i.name == "technologies: open a record")
    seconds = inter.run(page, app_server.url, app_server.database_url)
    assert 0 < seconds < 30
    page.get_by_role("button", name="Close").first.wait_for(timeout=5_000)  # the record's card
    ctx.close()


def test_the_concurrency_driver_browses_signed_in(browser: Any, app_server: AppServer) -> None:
    cookies = concurrency.sign_in_cookies(app_server.url, {"executive", "staff"}, browser)
    level = concurrency.run_level(app_server.url, [app_server.process.pid], cookies, 2, seconds=4)
    assert level["session_errors"] == [] and level["failed"] == 0, level
    assert level["opens"] >= 1 and level["p50_s"] is not None
    # Signed in: the staff session's pages include the work queue (a signed-out session
    # has only the sign-in form and the public pages).
    assert "work_queue" in level["pages_by_role"]["staff"], level["pages_by_role"]
    assert "work_queue" not in level["pages_by_role"]["executive"]
    assert level["server_cpu_s"] > 0


def test_a_click_counts_as_finished_by_its_run_on_the_websocket(
    browser: Any, app_server: AppServer
) -> None:
    # The run is followed on the websocket, not on the script-state attribute (which a
    # browser can leave unchanged through a whole run: the bench then waited 30 s for a
    # page that was drawn).
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    sign_in(page, app_server.url, "executive.demo", extra=None)
    arm(page)
    with pytest.raises(PlaywrightTimeout, match="no rerun request sent"):
        wait_run(page, 1_000)  # nothing clicked: no run to wait for
    target = next(t for t in page_targets() if t.url_path == "technologies")
    seconds = open_page(page, target, "overview", "experts")
    assert 0 < seconds < 30
    assert page.evaluate("() => window.__benchRuns.phase") == 4  # its run finished
    assert page.locator("[data-testid='stMain'] h1").first.inner_text() == "Technologies"
    ctx.close()


def test_the_score_entry_saves_the_members_own_scores(browser: Any, app_server: AppServer) -> None:
    inter = next(i for i in INTERACTIONS if i.name == "expert: enter scores")
    assert inter.account is not None
    username, password = inter.account(app_server.database_url)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = ctx.new_page()
    sign_in(page, app_server.url, username, extra=None, password=password)
    seconds = inter.run(page, app_server.url, app_server.database_url)
    assert 0 < seconds < 30
    ctx.close()
    engine = make_engine(app_server.database_url)
    try:
        with read_session(engine) as s:
            mine = s.execute(
                select(Evaluation).join(User, User.id == Evaluation.entered_by_id)
                .where(User.username == username)
            ).scalars().all()  # fmt: skip
            assert [e.origin for e in mine] == ["self"]
            scores = (
                s.execute(
                    select(EvaluationScore.score).where(EvaluationScore.evaluation_id == mine[0].id)
                )
                .scalars()
                .all()
            )
            assert scores and set(scores) == {SCORE}
    finally:
        engine.dispose()


def test_the_tests_own_pages_follow_their_runs_on_the_websocket(
    browser: Any, app_server: AppServer
) -> None:
    # Every context of the tests' ``browser`` fixture carries the same watch as the bench,
    # so ``rerun_after`` and ``open_tab`` see a run the script-state attribute did not show.
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(app_server.url)
    page.wait_for_function("() => window.__benchRuns && window.__benchRuns.phase === 4")
    form_sign_in(page, app_server, "executive.demo")
    rerun_after(page, lambda: page.get_by_role("link", name="Technologies").first.click())
    assert page.evaluate("() => window.__benchRuns.phase") == 4  # the click's run, seen
    page.get_by_role("heading", name="Technologies").first.wait_for(timeout=30_000)
    ctx.close()


def test_the_page_weight_counts_what_an_open_received_and_drew(
    browser: Any, app_server: AppServer
) -> None:
    from bench import page_weight

    by_role = page_weight.targets_by_role(["technologies", "experts"])
    assert set(by_role) == {"executive"}  # each page under its main role
    weights = page_weight.measure(browser, app_server.url, by_role)
    assert set(weights) == {"technologies", "experts"}, weights
    tech = weights["technologies"]
    assert "error" not in tech, tech
    # The register's table came over the websocket and is drawn as one grid.
    assert tech["kB"] > 5 and tech["frames"] > 5 and tech["grids"] == 1
    assert 5 < tech["elements"] < tech["dom_nodes"]
    text = page_weight.table({"1": weights})
    assert text.splitlines()[2].startswith("| technologies | ")
