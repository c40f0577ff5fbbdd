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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import streamlit as st
from sqlalchemy import event
from sqlalchemy.engine import Engine
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, local_script_runner

from bench.targets import Target, all_targets, register_shell_page
from components.auth import CHECKED_KEY
from tests.apptest import page_text, sign_in

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


class SqlClock:
    """Time spent in ``cursor.execute`` (every engine) while a window is open."""

    active = False
    seconds = 0.0
    count = 0

    @classmethod
    @contextlib.contextmanager
    def window(cls) -> Iterator[type[SqlClock]]:
        cls.seconds, cls.count, cls.active = 0.0, 0, True
        try:
            yield cls
        finally:
            cls.active = False


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, _cursor: Any, _stmt: Any, _params: Any, _ctx: Any, _many: Any) -> None:
    conn.info.setdefault("bench_t0", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, _cursor: Any, _stmt: Any, _params: Any, _ctx: Any, _many: Any) -> None:
    started = conn.info.get("bench_t0")
    if started:
        t0 = started.pop()
        if SqlClock.active:
            SqlClock.seconds += time.perf_counter() - t0
            SqlClock.count += 1


@event.listens_for(Engine, "handle_error")
def _error(ctx: Any) -> None:
    started = ctx.connection.info.get("bench_t0") if ctx.connection is not None else None
    if started:
        started.pop()


def open_signed_in(target: Target) -> AppTest:
    """A fresh AppTest of the target's app, signed in as its main role (not timed)."""
    if not target.is_bare and target.account is None:
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


def render(at: AppTest, target: Target) -> tuple[float, float, int]:
    """Time ``switch_page(page).run()``: seconds, SQL seconds, SQL statements."""
    with SqlClock.window() as sql:
        t0 = time.perf_counter()
        at.switch_page(target.path).run()
        elapsed = time.perf_counter() - t0
    if at.exception:
        ex = at.exception[0]
        where = " / ".join(line.strip() for line in ex.stack_trace[-4:])
        raise PageFailed(f"the page raised: {ex.message[:300]} (at {where[-400:]})")
    denied = [e.value for e in at.error if "do not have access" in str(e.value)]
    if denied:
        raise PageFailed(f"the page refused its main role: {denied[0]}")
    if target.account and not any("Signed in as" in str(c.value) for c in at.sidebar.caption):
        raise PageFailed("the run did not go through app.py (no signed-in sidebar)")
    return elapsed, sql.seconds, sql.count


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PageFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:300]


def _fresh_check(at: AppTest) -> None:
    """Make the next run check the sign-in on the server (as after 10 s without a click)."""
    if CHECKED_KEY in at.session_state:
        at.session_state[CHECKED_KEY] = None


def times(databases: dict[str, str], runs: int) -> dict[str, Any]:
    """Cold and warm times (and peak memory) of every target on every database, interleaved.

    Each round visits every database and, on each, every target (in a rotating order), so
    the floors, the pages and the scales share the same moments of a busy machine and their
    ratios hold even when the absolute figures drift. Round 0 warms the interpreter up
    (imports) and is dropped.
    """
    targets = all_targets()
    out: dict[str, Any] = {
        key: {
            t.name: {
                "target": t.to_dict(),
                "cold": [],
                "warm": [],
                "sql_cold": [],
                "sql_warm": [],
                "peak_mb": [],
                "rise_mb": [],
                "error": None,
                "placeholder": False,
            }
            for t in targets
        }
        for key in databases
    }
    for r in range(runs + 1):
        for key, url in databases.items():
            os.environ["DATABASE_URL"] = url
            sessions: dict[tuple[str, str | None], AppTest] = {}
            order = targets[r % len(targets) :] + targets[: r % len(targets)]
            for t in order:
                rec = out[key][t.name]
                if rec["error"]:
                    continue
                who = (t.entry, t.account)
                try:
                    at = sessions.get(who) or open_signed_in(t)
                    sessions[who] = at
                    st.cache_data.clear()
                    _fresh_check(at)
                    _trim()
                    before = _rss()
                    reset = _reset_peak()
                    cold, cold_sql, cold_n = render(at, t)
                    warm, warm_sql, warm_n = render(at, t)
                    kernel = _kernel_peak() if reset else None
                    rec["placeholder"] = PLACEHOLDER_TEXT in page_text(at)
                except Exception as exc:
                    sessions.pop(who, None)
                    rec["error"] = _describe(exc)
                    rec["traceback"] = traceback.format_exc()[-3000:]
                    continue
                if r == 0:
                    continue
                rec["cold"].append(cold)
                rec["warm"].append(warm)
                rec["sql_cold"].append([cold_sql, cold_n])
                rec["sql_warm"].append([warm_sql, warm_n])
                if kernel is not None:
                    rec["peak_mb"].append(kernel / 2**20)
                    rec["rise_mb"].append(max(0, kernel - before) / 2**20)
            sessions.clear()
            gc.collect()
    return out


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
