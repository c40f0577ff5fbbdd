"""Two app processes on one PostgreSQL database, as two replicas behind a load balancer.

Two ``streamlit run app.py`` servers (ports of their own, production mode: ``NTP_DEMO=0``)
share a throwaway PostgreSQL 15 database. Two approvers, each in a Chromium context of their
own talking to a different server, open the same adoption (recommended by an adoption
review meeting, so either could approve it) and press "Record the decision" at the same
moment, for three items in turn: each item has exactly one winner, the other is told
"Already decided by <winner> at <time> KST", and the audit trail holds one decision per item
and still verifies.

Then the database goes down while a decision form is open: the approver sees "Not saved:
the database could not be reached. Please retry in a moment." (no traceback), nothing was
saved, and once PostgreSQL is back the same server saves the decision (its pool recovers).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from db import accounts, audit
from db.engine import make_engine
from db.models import Adoption, AuditEvent, Technology, User
from db.policy import SYSTEM
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.browser.conftest import (
    AppServer,
    choose,
    fill_sign_in,
    screenshot,
    settle,
    start_app,
    stop_app,
    wait_ready,
)
from tests.conftest import PgServer, create_database

pytestmark = pytest.mark.browser

PASSWORD = "two replicas one database 2026"
APPROVERS = {"approver.east": "동부 결재자", "approver.west": "서부 결재자"}
DECISION = {"approver.east": "approve", "approver.west": "reject"}
STATUS = {"approve": "approved", "reject": "rejected"}
CHOICE_LABEL = {"approve": "Approve", "reject": "Reject"}
OUTCOME = re.compile(r"^(Decision recorded|Already decided|Not saved)")


@dataclass
class Replicas:
    servers: list[AppServer]
    engine: Engine  # the test's own connection, to set up and check
    items: list[tuple[int, str]]  # (adoption id, registration number)
    pg: PgServer


@pytest.fixture(scope="module")
def replicas(
    restartable_pg: PgServer, tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> Iterator[Replicas]:
    url = create_database(restartable_pg, "two_servers")
    engine = make_engine(url)
    ids: dict[str, int] = {}
    with write_session(engine) as s:
        for username, roles, name in [
            ("proposer.central", ["staff"], "중앙 담당자"),
            *((u, ["approver"], n) for u, n in APPROVERS.items()),
        ]:
            ids[username], _ = accounts.create_user(
                session=s,
                actor=SYSTEM,
                username=username,
                display_name=name,
                roles=roles,
                password=PASSWORD,
            )
        s.execute(update(User).values(must_change_password=False))
    adoption_ids = wd.under_review_adoptions(engine, ids["proposer.central"], 4)
    with read_session(engine) as s:
        reg = dict(
            s.execute(
                select(Adoption.id, Technology.reg_no)
                .join(Technology, Technology.id == Adoption.technology_id)
                .where(Adoption.id.in_(adoption_ids))
            ).all()
        )
    env = {"NTP_DEMO": "0", "NTP_COOKIE_KEY": secrets.token_urlsafe(48), "NTP_LANG": "en"}
    servers = [
        start_app(tmp_path_factory.mktemp(f"replica{i}"), None, env, database_url=url)
        for i in range(2)
    ]
    yield Replicas(servers, engine, [(i, reg[i]) for i in adoption_ids], restartable_pg)
    for server in servers:
        stop_app(server)
    engine.dispose()


def sign_in(page: Any, server: AppServer, username: str) -> None:
    page.goto(server.url)
    signed_in = page.get_by_text("Signed in as")
    if not fill_sign_in(page, username, PASSWORD, signed_in):
        screenshot(page, f"FAILED-two-servers-sign-in-{username}")
        raise AssertionError("could not sign in: " + page.inner_text("body")[:500])
    settle(page)


def open_approvals(page: Any, server: AppServer) -> None:
    """Open the approvals by address (a full load: sign-in cookie read, page routed). Two
    servers, PostgreSQL and two browsers share the CI machine's two cores, so the page has
    the minute other page opens get; if it does not come, the failure shows what came."""
    from playwright.sync_api import Error as PlaywrightError

    page.goto(server.url + "/approvals")
    try:
        page.get_by_role("heading", name="Approvals").first.wait_for(timeout=60_000)
    except PlaywrightError:
        screenshot(page, "FAILED-two-servers-approvals")
        raise AssertionError(
            "the approvals page did not open: " + page.inner_text("body")[:800]
        ) from None
    settle(page)


def prepare(page: Any, reg_no: str, decision: str, comment: str) -> Any:
    """Choose the item, fill the decision form; return its submit button (not pressed).
    The item is chosen on a settled page, again if a rerun closed the list (``choose``),
    and the form is filled once the run that draws it has settled."""
    choose(page, page.get_by_role("combobox", name="Item"), reg_no)
    settle(page)
    form = page.locator("[data-testid='stForm']").first
    form.wait_for(timeout=30_000)
    settle(page)
    form.get_by_text(CHOICE_LABEL[decision], exact=True).click()
    form.get_by_role("textbox").fill(comment)
    form.get_by_text("I have reviewed the proposal").click()
    return form.get_by_role("button", name="Record the decision")


def alert_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid='stAlert']").all_inner_texts()]


def decisions_of(engine: Engine, adoption_id: int) -> list[AuditEvent]:
    with read_session(engine) as s:
        return list(
            s.execute(
                select(AuditEvent).where(
                    AuditEvent.entity == "adoption",
                    AuditEvent.entity_id == str(adoption_id),
                    AuditEvent.action.in_(("adoption.approve", "adoption.reject")),
                )
            ).scalars()
        )


def test_two_servers_one_winner_per_item(browser: Any, replicas: Replicas) -> None:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    names = list(APPROVERS)
    for page, server, username in zip(pages, replicas.servers, names, strict=True):
        sign_in(page, server, username)
        open_approvals(page, server)
    winners: list[str] = []
    for n, (adoption_id, reg_no) in enumerate(replicas.items[:3]):
        buttons = [
            prepare(page, reg_no, DECISION[u], f"{u} {n}")
            for page, u in zip(pages, names, strict=True)
        ]
        # both press at the same moment (each click only sends; the servers work in parallel)
        order = buttons if n % 2 == 0 else buttons[::-1]
        for b in order:
            b.click()
        for page in pages:
            page.get_by_text(OUTCOME).first.wait_for(timeout=30_000)
            wait_ready(page)
        saw = [alert_texts(page) for page in pages]
        events = decisions_of(replicas.engine, adoption_id)
        assert len(events) == 1, (reg_no, saw, events)  # exactly one winner
        [winner_event] = events
        winner = next(u for u in names if DECISION[u] == winner_event.action.split(".")[1])
        loser = next(u for u in names if u != winner)
        won, lost = saw[names.index(winner)], saw[names.index(loser)]
        # the confirmation names the decision and the item it was about
        recorded = f"Decision recorded: {CHOICE_LABEL[DECISION[winner]]}. Item: {reg_no} "
        assert any(t.startswith(recorded) for t in won), won
        [message] = [t for t in lost if t.startswith("Already decided")] or [repr(lost)]
        assert re.fullmatch(
            rf"Already decided by {APPROVERS[winner]} at \d{{4}}-\d\d-\d\d \d\d:\d\d KST\. "
            r"Your action was not saved\.",
            message,
        ), message
        with read_session(replicas.engine) as s:
            row = s.get(Adoption, adoption_id)
            assert row is not None
            assert row.status == STATUS[DECISION[winner]]
            assert row.decided_by_id == winner_event.actor_id
        screenshot(pages[names.index(loser)], f"two-servers-loser-{n}")
        winners.append(winner)
    with read_session(replicas.engine) as s:
        chain = audit.verify(s)
    assert chain.ok, chain.problem
    print(f"\nwinners: {winners}")
    for c in contexts:
        c.close()


def test_database_down_while_deciding(browser: Any, replicas: Replicas) -> None:
    server = replicas.servers[0]
    adoption_id, reg_no = replicas.items[3]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, "approver.east")
    open_approvals(page, server)
    submit = prepare(page, reg_no, "approve", "정상 승인")
    replicas.pg.shutdown()
    try:
        submit.click()
        wait_ready(page)
        not_saved = page.get_by_text("Not saved: the database could not be reached.")
        not_saved.wait_for(timeout=30_000)
        settle(page)
        not_saved.scroll_into_view_if_needed()
        texts = alert_texts(page)
        assert "Not saved: the database could not be reached. Please retry in a moment." in texts
        body = page.inner_text("body")
        assert "Traceback" not in body and "OperationalError" not in body
        screenshot(page, "two-servers-database-down-en")
        # in Korean too
        page.get_by_role("combobox").first.click()
        page.get_by_role("option", name="한국어").click()
        page.get_by_text("데이터베이스").first.wait_for(timeout=30_000)
        settle(page)
        body = page.inner_text("body")
        assert "데이터베이스" in body and "Traceback" not in body, body[:800]
        screenshot(page, "two-servers-database-down-ko")
    finally:
        replicas.pg.resume()
    assert decisions_of(replicas.engine, adoption_id) == []  # nothing was saved
    with read_session(replicas.engine) as s:
        row = s.get(Adoption, adoption_id)
        assert row is not None and row.status == "under_review"
    # back up: the same server saves the retried decision (its pool reconnects)
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="English").click()
    wait_ready(page)
    open_approvals(page, server)
    prepare(page, reg_no, "approve", "재시도 승인").click()
    wait_ready(page)
    page.get_by_text("Decision recorded: Approve.").first.wait_for(timeout=30_000)
    assert len(decisions_of(replicas.engine, adoption_id)) == 1
    ctx.close()
