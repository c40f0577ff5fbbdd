"""The main interactions of issue #22 in headless Chromium: click -> settled.

Each interaction signs its role in (a fresh browser context, not timed), opens its page and
prepares what it needs (a pending adoption, a regulation draft, a file; not timed), then
times one action: from the click (or key press, or upload) until the run it caused has
finished (the server's ``script_finished`` for the run requested after the action, seen on
the websocket: ``bench.browser.RUNS_JS``) and the content the action shows is drawn. The
floor is the bare app's button rerun (``bench/bare_page.py``'s *Rerun*) measured in the same
rounds.

Interactions that write (approval, regulation approval) decide another record each round:
the database is a throwaway copy (``bench.databases.Databases.working_copy``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

TIMEOUT_MS = 30_000
IMPORT_ROWS = 20


@dataclass(frozen=True)
class Interaction:
    name: str  # the line of the table
    role: str  # the demo role that does it
    url_path: str  # the page it happens on
    run: Callable[[Any, str, str], float]  # (page, server url, database url) -> seconds
    # Who signs in, when not the role's demo account: (database url) -> (username, password),
    # prepared through db/ before the round (not timed).
    account: Callable[[str], tuple[str, str]] | None = None


def _engine(url: str) -> Any:
    from db.engine import make_engine

    return make_engine(url)


def _actor(url: str, username: str) -> Any:
    from db.models import User
    from db.policy import Actor
    from db.session import read_session

    eng = _engine(url)
    try:
        with read_session(eng) as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise RuntimeError(f"no user {username}")
            return Actor(user.id, user.username, user.role_names, user.display_name)
    finally:
        eng.dispose()


def _goto(page: Any, server_url: str, url_path: str, shows: str) -> None:
    """Open ``url_path`` (not timed) and wait until ``shows`` is drawn and the page settled."""
    from bench.browser import _settle

    page.goto(f"{server_url}/{url_path}")
    page.locator(shows).first.wait_for(timeout=TIMEOUT_MS)
    _settle(page)


def _timed(page: Any, action: Callable[[], Any], shows: Callable[[], Any]) -> float:
    """Seconds from ``action()`` to its run finished (``bench.browser.RUNS_JS``) and
    ``shows()`` satisfied."""
    from bench.browser import READY, arm, wait_run

    arm(page)
    t0 = time.perf_counter()
    action()
    wait_run(page, TIMEOUT_MS)
    shows()
    page.wait_for_selector(READY, timeout=TIMEOUT_MS)
    return time.perf_counter() - t0


def _no_exception(page: Any, what: str) -> None:
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{what}: the page shows an exception")


# The interactions ----------------------------------------------------------------------------


def as_of(page: Any, server_url: str, _db: str) -> float:
    """Overview (executive): type 2019-08-08 into *As of* and leave the field; until the
    address holds the date and the first metric is drawn again."""
    _goto(page, server_url, "", "[data-testid='stMetric']")
    field = page.get_by_role("group", name="As of")
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type("20190808", delay=30)

    def commit() -> None:
        page.keyboard.press("Enter")
        page.get_by_role("heading").first.click()  # leaving the field commits the date

    def shows() -> None:
        page.wait_for_function(
            "location.search.includes('as_of=2019-08-08')", timeout=TIMEOUT_MS, polling=10
        )
        page.locator("[data-testid='stMetric']").first.wait_for(timeout=TIMEOUT_MS)

    t = _timed(page, commit, shows)
    _no_exception(page, "as-of change")
    return t


def register_filter(page: Any, server_url: str, _db: str) -> float:
    """Technologies (executive): pick the first field in the *Field* filter; until the
    register's table is drawn again."""
    _goto(page, server_url, "technologies", "[data-testid='stDataFrame']")
    page.get_by_role("combobox", name="Field").click()
    option = page.get_by_role("option").nth(1)
    option.wait_for(timeout=TIMEOUT_MS)
    t = _timed(
        page,
        option.click,
        lambda: page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS),
    )
    _no_exception(page, "register filter")
    return t


def open_record(page: Any, server_url: str, _db: str) -> float:
    """Technologies (executive): click the first row's selection cell; until the record's card
    (its *Close* button) is drawn."""
    _goto(page, server_url, "technologies", "[data-testid='stDataFrame']")
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    if box is None:
        raise RuntimeError("the register's table has no box")
    t = _timed(
        page,
        lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 + 17),
        lambda: page.get_by_role("button", name="Close").first.wait_for(timeout=TIMEOUT_MS),
    )
    _no_exception(page, "opening a record")
    return t


def _pending_adoption(db: str) -> str:
    """The registration number of the oldest adoption the approver may approve now."""
    from db import approvals
    from db.session import read_session

    actor = _actor(db, "approver.demo")
    eng = _engine(db)
    try:
        with read_session(eng) as s:
            pending = approvals.pending_decisions(session=s, actor=actor)
    finally:
        eng.dispose()
    if len(pending):
        pending = pending[pending["can_approve"] & (pending["kind"] == "adoption")]
    if not len(pending):
        raise RuntimeError("no adoption left that approver.demo may approve")
    return str(pending["reg_no"].iloc[0])


def approval(page: Any, server_url: str, db: str) -> float:
    """Approvals (approver): an adoption chosen, *Approve* picked, comment written and the
    confirmation ticked (not timed); the click on *Record the decision* until the
    confirmation is shown."""
    from tests.browser.conftest import choose

    reg_no = _pending_adoption(db)
    _goto(page, server_url, "approvals", "[data-testid='stMain'] h1")
    choose(page, page.get_by_role("combobox", name="Item"), reg_no)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    form = page.locator("[data-testid='stForm']").filter(has_text="Your decision").first
    form.wait_for(timeout=TIMEOUT_MS)
    form.get_by_text("Approve", exact=True).click()
    form.get_by_label("Comment (required, kept with the decision)").fill(
        "Benchmark: approved after review."
    )
    form.get_by_text(
        "I have reviewed the proposal, the technology and the deliberation record above."
    ).click()
    button = form.get_by_role("button", name="Record the decision")
    t = _timed(
        page,
        button.click,
        lambda: page.get_by_text("Decision recorded: Approve.").first.wait_for(timeout=TIMEOUT_MS),
    )
    _no_exception(page, "approval")
    return t


def import_csv(db: str, n: int = IMPORT_ROWS) -> tuple[str, bytes]:
    """``n`` new technologies from the import template (as ``bench.apptest_worker``
    builds them: new registration numbers and titles, an owner of the database)."""
    import pandas as pd

    from components.imports import template_frame
    from db.imports.columns import REGISTERS
    from db.models import Organization, Technology
    from db.session import read_session

    stamp = f"{time.time_ns() // 1_000_000 % 10**12:012d}"
    eng = _engine(db)
    try:
        with read_session(eng) as s:
            owner_id = s.scalar(select(Technology.owner_org_id).order_by(Technology.id).limit(1))
            owner = s.scalar(select(Organization.name_ko).where(Organization.id == owner_id))
    finally:
        eng.dispose()
    template = template_frame(REGISTERS["technologies"], "en")
    header = {c.key: c.en for c in REGISTERS["technologies"].columns}
    rows = pd.concat([template] * n, ignore_index=True)
    reg_nos = [f"DG-2026-{stamp}{i:06d}" for i in range(n)]
    rows[header["reg_no"]] = reg_nos
    rows[header["title_ko"]] = [f"벤치마크 시험 기술 {n}" for n in reg_nos]
    rows[header["title_en"]] = [f"Benchmark technology {n}" for n in reg_nos]
    rows[header["owner"]] = owner
    return f"bench-{stamp}.csv", rows.to_csv(index=False).encode("utf-8-sig")


def import_check(page: Any, server_url: str, db: str) -> float:
    """Imports (staff): *Technologies* chosen (not timed); the upload of a 20-row file until
    *No problems in ...* is shown (the file read and every row checked)."""
    from tests.browser.conftest import choose

    name, content = import_csv(db)
    _goto(page, server_url, "imports", "[data-testid='stFileUploader']")
    choose(page, page.get_by_label("Register to import into"), "Technologies")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    upload = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    ready = f"No problems in {name}: {IMPORT_ROWS} to add"
    t = _timed(
        page,
        lambda: upload.set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        ),
        lambda: page.get_by_text(ready).first.wait_for(timeout=60_000),
    )
    _no_exception(page, "import check")
    return t


def _regulation_draft(db: str) -> int:
    """A new draft by the administrator (the rules in force, effective in a month): its
    number."""
    from db import clock
    from db.models import RegulationVersion
    from db.regulation import versions as reg
    from db.session import read_session, write_session

    admin = _actor(db, "admin.demo")
    eng = _engine(db)
    try:
        today = clock.city_now().date()
        with read_session(eng) as s:
            now = reg.in_force_on(s, today)
            if now is None:
                raise RuntimeError("no regulation version in force")
            rules = dict(json.loads(now.rules.as_json()))
        with write_session(eng) as s:
            vid = reg.draft_version(
                session=s,
                actor=admin,
                effective_on=today + dt.timedelta(days=30),
                directive="Benchmark revision",
                rules=rules,
            )
        with read_session(eng) as s:
            return int(s.get(RegulationVersion, vid).number)  # type: ignore[union-attr]
    finally:
        eng.dispose()


def regulation_approval(page: Any, server_url: str, db: str) -> float:
    """Regulation (approver): a draft made by the administrator (not timed), its
    confirmation ticked; the click on *Approve version N* until *Version N was approved.*"""
    number = _regulation_draft(db)
    _goto(page, server_url, "regulation", "[data-testid='stMain'] h1")
    button = page.get_by_role("button", name=f"Approve version {number}")
    button.wait_for(timeout=TIMEOUT_MS)
    form = page.locator("[data-testid='stForm']").filter(has=button).first
    form.get_by_text("I confirm").first.click()
    t = _timed(
        page,
        button.click,
        lambda: page.get_by_text(f"Version {number} was approved.").first.wait_for(
            timeout=TIMEOUT_MS
        ),
    )
    _no_exception(page, "regulation approval")
    return t


SCORE = 81


def _staff(db: str) -> Any:
    return _actor(db, "staff.demo")


def scoring_expert(db: str) -> tuple[str, str]:
    """A panel member able to score now, as in an office: staff schedule a one-item meeting
    today, draw its panel, hold it and record every member present; one member with an
    address and no account yet is invited and opens their account, and signs their
    declaration of no conflict (all through ``db/``, not timed). Their username and password.
    """
    from db import clock, domain, meetings
    from db.accounts import experts as invitations
    from db.mail import Letter
    from db.meetings import panelist
    from db.models import Expert
    from db.policy import Actor
    from db.session import read_session, write_session

    staff = _staff(db)
    password = f"Bench-{secrets.token_urlsafe(12)}-9!"
    today = clock.city_now().date()
    eng = _engine(db)
    try:
        with write_session(eng) as s:
            mid = meetings.schedule_meeting(
                session=s,
                actor=staff,
                kind=domain.MEETING_KINDS[0],
                title=f"Benchmark scoring {time.time_ns()}",
                scheduled_on=today,
            )
        with write_session(eng) as s:
            tech = meetings.agenda_candidates(session=s, meeting_id=mid).iloc[0]
            item_id = meetings.add_agenda_item(
                session=s, actor=staff, meeting_id=mid, technology_id=int(tech["technology_id"])
            )
        with write_session(eng) as s:
            draw = meetings.draw_and_seat_panel(session=s, actor=staff, meeting_id=mid, seed=mid)
        with write_session(eng) as s:
            meetings.hold_meeting(session=s, actor=staff, meeting_id=mid, held_on=today)
        for x in draw.expert_ids:
            with write_session(eng) as s:
                meetings.record_attendance(
                    session=s, actor=staff, meeting_id=mid, expert_id=x, attended=True
                )
        with read_session(eng) as s:
            member = next(
                e
                for e in (s.get(Expert, x) for x in draw.expert_ids)
                if e is not None and e.user_id is None and e.email and len(e.email) <= 64
            )
            expert_id, email = member.id, str(member.email).lower()
        with write_session(eng) as s:
            token = invitations.invite_expert(
                session=s,
                actor=staff,
                expert_id=expert_id,
                compose=lambda t: Letter("Invitation", t, "en"),
                deliver=False,
            )
        with write_session(eng) as s:
            user_id = invitations.accept_invitation(session=s, token=token, password=password)
        expert = Actor(user_id, email, frozenset({"expert"}))
        with write_session(eng) as s:
            panelist.declare(
                session=s,
                actor=expert,
                item_id=int(item_id),
                conflict=False,
                statement="Benchmark: no tie to the applicant.",
            )
    finally:
        eng.dispose()
    return email, password


def score_entry(page: Any, server_url: str, _db: str) -> float:
    """Expert area (a panel member of a meeting being held, ``scoring_expert``): every
    criterion's score typed into the item's form (not timed); the click on *Submit my scores*
    until *Your scores were saved* is shown."""
    _goto(page, server_url, "expert", "[data-testid='stForm']")
    button = page.get_by_role("button", name="Submit my scores")
    form = page.locator("[data-testid='stForm']").filter(has=button).first
    boxes = form.get_by_role("spinbutton")
    for i in range(boxes.count()):
        boxes.nth(i).fill(str(SCORE))
        boxes.nth(i).press("Tab")
    t = _timed(
        page,
        button.click,
        lambda: page.get_by_text("Your scores were saved").first.wait_for(timeout=TIMEOUT_MS),
    )
    _no_exception(page, "score entry")
    return t


INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("overview: as-of change", "executive", "", as_of),
    Interaction("technologies: filter", "executive", "technologies", register_filter),
    Interaction("technologies: open a record", "executive", "technologies", open_record),
    Interaction("approvals: approve an adoption", "approver", "approvals", approval),
    Interaction("imports: check a 20-row file", "staff", "imports", import_check),
    Interaction("regulation: approve a draft", "approver", "regulation", regulation_approval),
    Interaction("expert: enter scores", "expert", "expert", score_entry, account=scoring_expert),
)
