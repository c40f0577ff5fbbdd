# Over 500 lines on purpose: benchmark tooling, not shipped: every page measured under
# AppTest.
"""Measure pages under AppTest in this process (run by ``bench.run`` in a subprocess).

    python -m bench.apptest_worker times --runs 5 --db 1=URL --db 100=URL --out FILE
    python -m bench.apptest_worker memory --target overview --out FILE

The environment sets ``NTP_DEMO=1``, ``NTP_COOKIE_KEY``, ``NTP_LANG=en`` and, for memory,
``DATABASE_URL`` (times takes one ``--db`` per database). In each round and on each database,
one AppTest per role signs in (untimed) and visits that role's pages; for each page the
worker empties ``st.cache_data``, forgets the session's last sign-in check (so the cold run
re-checks the sign-in on the server, as the first click after 10 s does) and times
``switch_page(page).run()`` (cold), then the same again (warm: caches filled, sign-in checked
less than 10 s ago). The bare page is opened the same way without the sign-in. A page that
fails is recorded with its error (and its role's AppTest is started afresh); the others go on.

``times`` also records the peak RSS of the process while each page renders cold then warm
(the kernel's high-water mark, reset just before, after giving freed heap back to the OS),
and how far it rose above the RSS before the render.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import streamlit as st
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, local_script_runner

from bench.targets import Target, all_targets, page_targets, register_shell_page
from components.auth import CHECKED_KEY
from db import approvals
from db.engine import make_engine
from db.imports.columns import REGISTERS
from db.models import Adoption, Organization, Technology, User
from db.policy import Actor
from db.session import read_session
from tests.apptest import ROLE_ACCOUNTS, page_text, sign_in

RUN_TIMEOUT_S = 60.0
PLACEHOLDER_TEXT = "being built"  # what a placeholder page says ("This register is being built.")


def _like_a_real_server() -> None:
    """Make every AppTest run go through the entry script, and reuse compiled scripts, as on
    a real server.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run, so with a
    ``pages/`` folder beside ``app.py`` a ``switch_page`` run executes the page file alone
    (Streamlit's old multipage mode: no sign-in check, no sidebar). A real server leaves
    that mode at its first ``st.navigation`` call; here it is left at once, so the timed
    run is ``app.py`` (router, sign-in check, navigation) plus the page, as users get it.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]

    # A server compiles each script once and keeps the bytecode (its ScriptCache lives as
    # long as the runtime); AppTest gives every run a new, empty cache, so each run would
    # parse and compile app.py and the page again (15 ms for the audit trail's page file).
    shared = ScriptCache()
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[misc,assignment]


_like_a_real_server()
register_shell_page()
# The project hides error details from users (.streamlit/config.toml); the benchmark reports
# what went wrong.
config.set_option("client.showErrorDetails", "full")


class PageFailed(RuntimeError):
    pass


Statement = tuple[str, Any, bool]  # the DBAPI text, its parameters, executemany


class SqlClock:
    """Time spent in ``cursor.execute`` (every engine) while a window is open; with
    ``capture``, also the statements themselves, as sent to the DBAPI cursor."""

    active = False
    seconds = 0.0
    count = 0
    statements: list[Statement] | None = None

    @classmethod
    @contextlib.contextmanager
    def window(cls, capture: bool = False) -> Iterator[type[SqlClock]]:
        cls.seconds, cls.count, cls.active = 0.0, 0, True
        cls.statements = [] if capture else None
        try:
            yield cls
        finally:
            cls.active = False


# The thread in which ``db.summaries`` recomputes the stored figures after a write: its
# statements are not the page's (the worker waits for it after each interaction).
REFRESH_THREAD = "summaries-refresh"


def _background() -> bool:
    return threading.current_thread().name == REFRESH_THREAD


def wait_for_refresh() -> None:
    """Wait until the background refresh of the stored summaries a write started is done
    (``db.summaries.wait_for_refresh``, where it exists), so it does not run into the next
    measurement."""
    try:
        from db import summaries
    except ImportError:
        return
    wait = getattr(summaries, "wait_for_refresh", None)
    if wait is not None:
        wait(300)


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, _cursor: Any, stmt: Any, params: Any, _ctx: Any, many: Any) -> None:
    if SqlClock.active and SqlClock.statements is not None and not _background():
        SqlClock.statements.append((stmt, params, bool(many)))
    conn.info.setdefault("bench_t0", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, _cursor: Any, _stmt: Any, _params: Any, _ctx: Any, _many: Any) -> None:
    started = conn.info.get("bench_t0")
    if started:
        t0 = started.pop()
        if SqlClock.active and not _background():
            SqlClock.seconds += time.perf_counter() - t0
            SqlClock.count += 1


@event.listens_for(Engine, "handle_error")
def _error(ctx: Any) -> None:
    started = ctx.connection.info.get("bench_t0") if ctx.connection is not None else None
    if started:
        started.pop()


def open_signed_in(target: Target) -> AppTest:
    """A fresh AppTest of the target's app, signed in as its main role (not timed; a public
    page's visitor is not signed in)."""
    if not target.is_bare and not target.public and target.account is None:
        raise PageFailed("no demo account holds a role that may open this page")
    at = AppTest.from_file(target.entry, default_timeout=RUN_TIMEOUT_S)
    at.run()
    if target.account:
        sign_in(at, target.account)
        if at.exception:
            raise PageFailed(f"sign-in raised: {at.exception[0].message}")
        if "Signed in as" not in page_text(at):
            raise PageFailed(f"could not sign in as {target.account}")
    return at


def render(
    at: AppTest, target: Target, captured: list[Statement] | None = None
) -> tuple[float, float, int]:
    """Time ``switch_page(page).run()``: seconds, SQL seconds, SQL statements. The target's
    widget values are set first; ``captured`` receives the statements the run executed."""
    for key, value in target.state:
        at.session_state[key] = value
    with SqlClock.window(capture=captured is not None) as sql:
        t0 = time.perf_counter()
        at.switch_page(target.path).run()
        elapsed = time.perf_counter() - t0
    if captured is not None:
        captured.extend(sql.statements or [])
    _check_render(at, target)
    return elapsed, sql.seconds, sql.count


def _check_render(at: AppTest, target: Target) -> None:
    if at.exception:
        ex = at.exception[0]
        where = " / ".join(line.strip() for line in ex.stack_trace[-4:])
        raise PageFailed(f"the page raised: {ex.message[:300]} (at {where[-400:]})")
    denied = [e.value for e in at.error if "do not have access" in str(e.value)]
    if denied:
        raise PageFailed(f"the page refused its main role: {denied[0]}")
    if target.account and not any("Signed in as" in str(c.value) for c in at.sidebar.caption):
        raise PageFailed("the run did not go through app.py (no signed-in sidebar)")
    for key, value in target.state:
        shown = next((w.value for w in _widgets(at) if getattr(w, "key", None) == key), None)
        if shown != value:
            raise PageFailed(f"the page did not take {key} = {value!r} (it shows {shown!r})")


def _widgets(at: AppTest) -> list[Any]:
    return [*at.selectbox, *at.text_input, *at.radio, *at.checkbox, *at.text_area]


# The data floor: the page's statements alone ------------------------------------------------

_engines: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """The worker's own engine of ``url`` (checks and housekeeping, never a page's reads)."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def replay(url: str, statements: list[Statement]) -> float:
    """Seconds to execute ``statements`` (as captured: text and parameters) on a fresh
    connection of ``url`` (a new engine: the app's connection settings, an empty pool),
    through a DBAPI cursor, fetching every row. Connecting is not timed. All of it runs in
    one transaction that is rolled back, so a statement that wrote (the sign-in check's
    last-seen time, say) leaves nothing behind; a captured BEGIN opens it (SQLite: the app
    begins its transactions itself) and is skipped when one is already open."""
    engine = make_engine(url, check=False)
    try:
        raw = engine.raw_connection()
        try:
            dbapi = raw.dbapi_connection
            cursor = raw.cursor()
            t0 = time.perf_counter()
            for text_, params, many in statements:
                if text_.strip().upper().startswith("BEGIN") and getattr(
                    dbapi, "in_transaction", False
                ):
                    continue
                if many:
                    cursor.executemany(text_, params)
                elif params is None:
                    cursor.execute(text_)
                else:
                    cursor.execute(text_, params)
                if cursor.description is not None:
                    cursor.fetchall()
            elapsed = time.perf_counter() - t0
            cursor.close()
        finally:
            with contextlib.suppress(Exception):
                raw.rollback()
            raw.close()
    finally:
        engine.dispose()
    return elapsed


def forget_summaries(url: str) -> None:
    """``DELETE FROM stored_summaries`` (if the table exists): what a write leaves behind,
    every stored figure stale (migration 0006)."""
    engine = _engine(url)
    if inspect(engine).has_table("stored_summaries"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM stored_summaries"))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PageFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:300]


def _fresh_check(at: AppTest) -> None:
    """Make the next run check the sign-in on the server (as after 10 s without a click)."""
    if CHECKED_KEY in at.session_state:
        at.session_state[CHECKED_KEY] = None


def _empty_record(t: Target) -> dict[str, Any]:
    return {
        "target": t.to_dict(),
        "cold": [],
        "warm": [],
        "after_write": [],
        "sql_cold": [],
        "sql_warm": [],
        "sql_after_write": [],
        "sql_alone": [],
        "peak_mb": [],
        "rise_mb": [],
        "error": None,
        "sql_alone_error": None,
        "placeholder": False,
    }


def times(databases: dict[str, str], runs: int) -> dict[str, Any]:
    """Cold and warm times (and peak memory) of every target on every database, interleaved,
    with the first view after a write, the page's SQL alone, and the interactions.

    Each round visits every database and, on each, every target (in a rotating order), so
    the floors, the pages and the scales share the same moments of a busy machine and their
    ratios hold even when the absolute figures drift. Round 0 warms the interpreter up
    (imports) and is dropped. Per target and round: *after a write* (stored summaries
    deleted and process caches emptied), then *cold* (process caches emptied; the stored
    summaries the previous render left are kept, as after a server refreshed them), whose
    statements are then replayed alone on a fresh connection, then *warm*. After the
    targets, the interactions (:data:`INTERACTIONS`) on the same database.
    """
    targets = all_targets()
    out: dict[str, Any] = {key: {t.name: _empty_record(t) for t in targets} for key in databases}
    acts: dict[str, Any] = {key: {} for key in databases}
    for r in range(runs + 1):
        for key, url in databases.items():
            os.environ["DATABASE_URL"] = url
            sessions: dict[tuple[str, str | None, tuple[Any, ...]], AppTest] = {}
            order = targets[r % len(targets) :] + targets[: r % len(targets)]
            for t in order:
                rec = out[key][t.name]
                if rec["error"]:
                    continue
                who = (t.entry, t.account, t.state)
                statements: list[Statement] = []
                try:
                    at = sessions.get(who) or open_signed_in(t)
                    sessions[who] = at
                    forget_summaries(url)
                    st.cache_data.clear()
                    _fresh_check(at)
                    after, after_sql, after_n = render(at, t)
                    st.cache_data.clear()
                    _fresh_check(at)
                    _trim()
                    before = _rss()
                    reset = _reset_peak()
                    cold, cold_sql, cold_n = render(at, t, statements)
                    warm, warm_sql, warm_n = render(at, t)
                    kernel = _kernel_peak() if reset else None
                    rec["placeholder"] = PLACEHOLDER_TEXT in page_text(at)
                except Exception as exc:
                    sessions.pop(who, None)
                    rec["error"] = _describe(exc)
                    rec["traceback"] = traceback.format_exc()[-3000:]
                    continue
                alone = None
                if not rec["sql_alone_error"]:
                    try:
                        alone = replay(url, statements)
                    except Exception as exc:
                        rec["sql_alone_error"] = _describe(exc)
                if r == 0:
                    continue
                rec["cold"].append(cold)
                rec["warm"].append(warm)
                rec["after_write"].append(after)
                rec["sql_cold"].append([cold_sql, cold_n])
                rec["sql_warm"].append([warm_sql, warm_n])
                rec["sql_after_write"].append([after_sql, after_n])
                if alone is not None:
                    rec["sql_alone"].append([alone, len(statements)])
                if kernel is not None:
                    rec["peak_mb"].append(kernel / 2**20)
                    rec["rise_mb"].append(max(0, kernel - before) / 2**20)
            for name, act in INTERACTIONS.items():
                rec = acts[key].setdefault(name, {"samples": {}, "error": None, "notes": []})
                try:
                    try:
                        figures = act(url, r)
                    finally:
                        wait_for_refresh()
                except Exception as exc:
                    rec["error"] = rec["error"] or _describe(exc)
                    rec.setdefault("failed_runs", 0)
                    rec["failed_runs"] += 1 if r else 0
                    rec["traceback"] = traceback.format_exc()[-3000:]
                    continue
                if r == 0:
                    continue
                for figure, seconds in figures.items():
                    rec["samples"].setdefault(figure, []).append(seconds)
            sessions.clear()
            gc.collect()
    return {"pages": out, "interactions": acts}


# Interactions: an approval and a 20-row import --------------------------------------------

APPROVED = "Decision recorded: Approve."
IMPORT_ROWS = 20


def _page(name: str, role: str) -> Target:
    page = next((t for t in page_targets() if t.name == name), None)
    if page is None:
        raise PageFailed(f"there is no {name} page")
    return replace(page, role=role)


def _open(page: Target) -> AppTest:
    """A fresh AppTest signed in as the page's role, on the page (not timed)."""
    at = open_signed_in(page)
    at.switch_page(page.path).run()
    _check_render(at, page)
    return at


def _widget(at: AppTest, kind: str, key: str) -> Any:
    """The widget ``key`` of a workflow form (``key`` or ``key__N``, N its generation)."""
    for w in getattr(at, kind):
        if w.key == key or str(w.key).startswith(key + "__"):
            return w
    raise PageFailed(f"no {kind} {key!r} on the page")


def _timed_run(at: AppTest, page: Target, action: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    action()
    at.run()
    elapsed = time.perf_counter() - t0
    _check_render(at, page)
    return elapsed


def _approver(url: str) -> Actor:
    account = ROLE_ACCOUNTS["approver"]
    with read_session(_engine(url)) as s:
        user = s.scalar(select(User).where(User.username == account))
        if user is None:
            raise PageFailed(f"no user {account}")
        return Actor(user.id, user.username, user.role_names, user.display_name)


def _next_adoption(url: str, actor: Actor) -> str:
    """The oldest adoption under review the approver may approve now (db.approvals)."""
    with read_session(_engine(url)) as s:
        pending = approvals.pending_decisions(session=s, actor=actor)
    if len(pending):
        pending = pending[pending["can_approve"] & (pending["kind"] == "adoption")]
    if not len(pending):
        raise PageFailed(
            "no adoption left that approver.demo may approve (the demo data holds one per "
            "run and warm-up round at scale 1: 7 as of 2026-11-22)"
        )
    return str(pending["key"].iloc[0])


def approval(url: str, _round: int) -> dict[str, float]:
    """Approve one adoption as the approver on the approvals page: choose it, pick *Approve*,
    write the comment and tick the confirmation (not timed), then the timed run of the click
    on *Record the decision* until the page shows the confirmation. Each run decides another
    adoption; the confirmation and the new status are checked."""
    page = _page("approvals", "approver")
    actor = _approver(url)
    key = _next_adoption(url, actor)
    at = _open(page)
    at.selectbox(key="ap_item").set_value(key).run()
    _check_render(at, page)
    _widget(at, "radio", "ap_decision").set_value("approve")
    _widget(at, "text_area", "ap_comment").input("Benchmark: approved after review.")
    _widget(at, "checkbox", "ap_confirm").check()
    submit = next((b for b in at.button if b.label == "Record the decision"), None)
    if submit is None:
        raise PageFailed("no 'Record the decision' button for " + key)
    elapsed = _timed_run(at, page, submit.click)
    shown = [str(m.value) for m in at.success]
    if APPROVED not in shown:
        problems = [str(m.value) for m in [*at.error, *at.warning]]
        raise PageFailed(f"no confirmation after approving {key}: {problems or shown}")
    with read_session(_engine(url)) as s:
        status = s.scalar(select(Adoption.status).where(Adoption.id == int(key.split(":")[1])))
    if status == "under_review":
        raise PageFailed(f"{key} is still under review after the confirmation")
    return {"approval": elapsed}


def _import_file(url: str, stamp: str) -> tuple[bytes, list[str]]:
    """A CSV of IMPORT_ROWS new technologies, built from the import template (English
    headers, the template's example values) with new registration numbers and titles and
    an owner organization of the database."""
    from components.imports import template_frame

    with read_session(_engine(url)) as s:
        owner_id = s.scalar(select(Technology.owner_org_id).order_by(Technology.id).limit(1))
        owner = s.scalar(select(Organization.name_ko).where(Organization.id == owner_id))
    template = template_frame(REGISTERS["technologies"], "en")
    header = {c.key: c.en for c in REGISTERS["technologies"].columns}
    rows = pd.concat([template] * IMPORT_ROWS, ignore_index=True)
    reg_nos = [f"DG-2026-{stamp}{i:02d}" for i in range(IMPORT_ROWS)]
    rows[header["reg_no"]] = reg_nos
    rows[header["title_ko"]] = [f"벤치마크 시험 기술 {n}" for n in reg_nos]
    rows[header["title_en"]] = [f"Benchmark technology {n}" for n in reg_nos]
    rows[header["owner"]] = owner
    return rows.to_csv(index=False).encode("utf-8-sig"), reg_nos


def import_rows(url: str, _round: int) -> dict[str, float]:
    """Import IMPORT_ROWS new technologies as staff on the import page: the timed run after
    the upload (the file read and checked, until *Ready to import* is shown) and, after
    ticking the confirmation (not timed), the timed run of the click on *Import 20 records*
    until the summary is shown. Checked: the summary's counts and the rows in the database."""
    page = _page("imports", "staff")
    stamp = f"{time.time_ns() // 1_000_000 % 10**12:012d}"  # new numbers every run
    content, reg_nos = _import_file(url, stamp)
    at = _open(page)
    at.selectbox(key="imp_register").set_value("technologies").run()
    _check_render(at, page)
    uploader = at.file_uploader[0]
    name = f"bench-{stamp}.csv"
    check = _timed_run(at, page, lambda: uploader.upload(name, content, "text/csv"))
    ready = f"No problems in {name}: {IMPORT_ROWS} to add, 0 to update, 0 unchanged."
    if ready not in page_text(at):
        problems = [str(m.value) for m in at.error]
        frames = [t.value.head(3).to_dict("records") for t in at.table][-1:]
        raise PageFailed(f"the {IMPORT_ROWS}-row file was not ready: {problems} {frames}"[:600])
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    label = f"Import {IMPORT_ROWS} records"
    button = next((b for b in at.button if b.label == label), None)
    if button is None or button.disabled:
        raise PageFailed(f"no enabled {label!r} button")
    write = _timed_run(at, page, button.click)
    done = f"{name} imported into Technologies: {IMPORT_ROWS} added, 0 updated, 0 unchanged."
    if done not in page_text(at):
        raise PageFailed(f"no import summary: {[str(m.value) for m in at.error]}"[:600])
    with read_session(_engine(url)) as s:
        stored = s.scalar(
            select(func.count()).select_from(Technology).where(Technology.reg_no.in_(reg_nos))
        )
    if stored != IMPORT_ROWS:
        raise PageFailed(f"{stored} of the {IMPORT_ROWS} imported rows are in the database")
    return {"import: check": check, "import: write": write}


INTERACTIONS: dict[str, Callable[[str, int], dict[str, float]]] = {
    "approval": approval,
    "import": import_rows,
}


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _kernel_peak() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _trim() -> None:
    """Give freed heap back to the OS so the page starts from what is really in use."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def memory(name: str) -> dict[str, Any]:
    """Peak RSS while the page renders cold then warm, after the sign-in (psutil samples
    every 2 ms, and the kernel's high-water mark reset just before)."""
    target = next(t for t in all_targets() if t.name == name)
    try:
        at = open_signed_in(target)
        st.cache_data.clear()
        _trim()
        before = _rss()
        reset = _reset_peak()
        peak = [before]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss())
                stop.wait(0.002)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            render(at, target)
            render(at, target)
        finally:
            stop.set()
            sampler.join()
        kernel = _kernel_peak() if reset else None
        top = max(peak[0], kernel or 0)
        return {
            "rss_before_mb": before / 2**20,
            "peak_mb": top / 2**20,
            "kernel_peak": kernel is not None,
            "error": None,
        }
    except Exception as exc:
        return {"error": _describe(exc), "traceback": traceback.format_exc()[-3000:]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.apptest_worker")
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("times")
    t.add_argument("--runs", type=int, default=5)
    t.add_argument("--db", action="append", required=True, help="KEY=DATABASE_URL (repeat)")
    t.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("memory")
    m.add_argument("--target", required=True)
    m.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.mode == "times":
        result = times(dict(d.split("=", 1) for d in args.db), args.runs)
    else:
        result = memory(args.target)
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
