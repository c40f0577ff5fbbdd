"""``python -m bench.concurrency [--sessions 1,8,32,64] [--seconds 60] [--two-servers]``

Many officials at once (issue #22): N signed-in sessions browse a realistic mix of pages for
a fixed time against one app process (SQLite, scale 1 unless ``--database``), then, with
``--two-servers``, against two app processes behind nginx (``deploy/nginx.conf``'s proxy
settings) on one PostgreSQL. Reported per N: page opens per minute, p50 and p95 of a page
open (request sent -> the server's *script finished*), failed opens, the server processes'
CPU (seconds per page open, and the share of the machine's cores) and resident memory (at the
start, the peak, and the rise per session).

The driver speaks Streamlit's own websocket protocol (``/_stcore/stream``, protobuf
``BackMsg``/``ForwardMsg``), as the browser does: one connection per session, a
``rerun_script`` with the page's script hash for each page open, timed until the
``script_finished`` message. Each session signs in as a person does: the sign-in cookie of
its role (taken once per role by signing in through the form in headless Chromium, not
timed) is sent with the websocket's request, as the browser sends it, and the app checks it
against its server-side sign-in row. No browser renders the pages, which is the point: on a
2-core machine, 32 Chromium renderers would take the CPU the server needs (Streamlit's own
harness, ``e2e_playwright/load_testing``, runs one browser per session on 64-core machines).
The driver is one Python process (asyncio), pinned with ``sched_setaffinity`` to the last
core, its own CPU time measured and reported beside the server's; the servers are not pinned.

What it leaves out: the browser's own work (drawing), and static files (served by nginx or
Streamlit, not the script runner).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench import browser
from bench.databases import CACHE, Databases
from bench.pg import free_port
from bench.targets import APP
from db import clock

LOGS = CACHE / "concurrency"  # not logs/: bench.run empties that at its start
# The mix: what officials open most (each role's pages, weighted). A session picks its role
# round-robin over these, then pages with these weights; the rest of a role's pages weight 1.
ROLES = ("executive", "staff", "executive", "auditor", "approver", "staff", "executive", "admin")
WEIGHTS = {
    "overview": 6,
    "technologies": 4,
    "adoptions": 3,
    "work_queue": 5,
    "approvals": 4,
    "meetings": 3,
    "audit_trail": 2,
    "experts": 2,
}
THINK_S = (1.0, 3.0)  # a person reads the page between clicks (uniform)
RAMP_S = 5.0  # sessions join over the first seconds
OPEN_TIMEOUT_S = 120.0
SIGN_IN_ATTEMPTS = 3  # (untimed) sign-ins that may time out at a load average of 20+


def say(msg: str) -> None:
    print(f"[{clock.city_now():%H:%M:%S}] {msg}", flush=True)


# Sign-in cookies -------------------------------------------------------------------------


def sign_in_cookies(url: str, roles: set[str], chromium: Any = None) -> dict[str, str]:
    """The ``ntp_signin`` cookie of each role, signed in through the form in Chromium
    (``chromium``: a Playwright browser already running, else one is started)."""
    from playwright.sync_api import Error as PlaywrightError

    from tests.apptest import ROLE_ACCOUNTS

    cookies: dict[str, str] = {}
    with contextlib.nullcontext(chromium) if chromium else browser.chromium() as b:
        for role in sorted(roles):
            for attempt in range(SIGN_IN_ATTEMPTS):
                ctx = b.new_context()
                try:
                    page = ctx.new_page()
                    browser.sign_in(page, url, ROLE_ACCOUNTS[role], extra=None)
                    value = next(c["value"] for c in ctx.cookies() if c["name"] == "ntp_signin")
                    cookies[role] = value
                    break
                except PlaywrightError:  # a page not drawn within 30 s on a loaded machine
                    if attempt == SIGN_IN_ATTEMPTS - 1:
                        raise
                finally:
                    ctx.close()
    return cookies


# One session ------------------------------------------------------------------------------


@dataclass
class Open:
    page: str
    started: float  # monotonic
    seconds: float
    ok: bool
    why: str = ""


@dataclass
class SessionResult:
    role: str
    opens: list[Open] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # the pages its navigation offered
    error: str = ""


def _back_rerun(page_hash: str, query: str = "") -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = page_hash
    return bytes(msg.SerializeToString())


async def _until_finished(ws: Any, pages: dict[str, str]) -> tuple[bool, str]:
    """Read ForwardMsgs until the run finished; (no exception shown, why not)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ok, why = True, ""
    while True:
        raw = await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT_S)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            for p in msg.navigation.app_pages:
                pages[p.url_pathname] = p.page_script_hash
        elif kind == "delta":
            d = msg.delta
            element = d.new_element if d.WhichOneof("type") == "new_element" else None
            if element is not None and element.WhichOneof("type") == "exception":
                ok, why = False, element.exception.message[:200]
        elif kind == "page_not_found":
            ok, why = False, "page not found"
        elif kind == "script_finished":
            # 0: finished successfully; 2: stopped early for a rerun (not ours: none asked)
            if msg.script_finished == 0:
                return ok, why
            if msg.script_finished == 1:
                return False, "compile error"


async def session(
    url: str, role: str, cookie: str, deadline: float, start_delay: float, seed: int
) -> SessionResult:
    import websockets

    res = SessionResult(role)
    rng = random.Random(seed)
    await asyncio.sleep(start_delay)
    host = url.split("://", 1)[1]
    try:
        async with websockets.connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": f"ntp_signin={cookie}", "Origin": url},
            max_size=None,
            open_timeout=OPEN_TIMEOUT_S,
            ping_interval=None,
        ) as ws:
            pages: dict[str, str] = {}
            await ws.send(_back_rerun(""))  # the page load: the role's landing page
            t0 = time.monotonic()
            ok, why = await _until_finished(ws, pages)
            res.opens.append(Open("(load)", t0, time.monotonic() - t0, ok, why))
            res.pages = sorted(pages)
            names = [p for p in pages if p and p != "account"] or [""]
            weights = [WEIGHTS.get(p, 1) for p in names]
            while time.monotonic() < deadline:
                await asyncio.sleep(rng.uniform(*THINK_S))
                if time.monotonic() >= deadline:
                    break
                name = rng.choices(names, weights)[0]
                await ws.send(_back_rerun(pages[name]))
                t0 = time.monotonic()
                ok, why = await _until_finished(ws, pages)
                res.opens.append(Open(name, t0, time.monotonic() - t0, ok, why))
    except Exception as exc:
        res.error = f"{type(exc).__name__}: {exc}"[:300]
    return res


# Server monitoring ------------------------------------------------------------------------


class Monitor:
    """CPU time and resident memory of the server processes (and their children), sampled
    every 0.5 s in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process(p) for p in pids]
        self.rss: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _tree(self) -> list[psutil.Process]:
        out = []
        for p in self.procs:
            with contextlib.suppress(psutil.Error):
                out += [p, *p.children(recursive=True)]
        return out

    def cpu(self) -> float:
        total = 0.0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for p in self.procs:  # the app processes themselves (children are nginx/PG: not ours)
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total / 2**20

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.rss.append(self.rss_mb())

    def __enter__(self) -> Monitor:
        self.cpu0 = self.cpu()
        self.rss0 = self.rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu1 = self.cpu()
        self.rss1 = self.rss_mb()


# A level ----------------------------------------------------------------------------------


def pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _in_thread(main: Any) -> list[SessionResult]:
    """``asyncio.run(main())`` in a thread of its own (the caller's thread may run an event
    loop already, e.g. Playwright's sync API)."""
    out: list[list[SessionResult]] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(main()))
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return out[0]


def run_level(
    url: str, server_pids: list[int], cookies: dict[str, str], n: int, seconds: float
) -> dict[str, Any]:
    """N sessions for ``seconds`` (after a ramp of RAMP_S); the figures of the window."""
    me = psutil.Process()
    load0 = os.getloadavg()
    start = time.monotonic()
    window0 = start + RAMP_S + 5  # measured: opens started after every session has loaded
    deadline = window0 + seconds

    async def main() -> list[SessionResult]:
        tasks = [
            session(
                url,
                ROLES[i % len(ROLES)],
                cookies[ROLES[i % len(ROLES)]],
                deadline,
                RAMP_S * i / max(n, 1),
                1000 + i,
            )
            for i in range(n)
        ]
        return list(await asyncio.gather(*tasks))

    with Monitor(server_pids) as mon:
        d0 = me.cpu_times()
        wall0 = time.monotonic()
        results = _in_thread(main)
        wall = time.monotonic() - wall0
        d1 = me.cpu_times()
    opens = [o for r in results for o in r.opens if o.page != "(load)" and o.started >= window0]
    good = [o.seconds for o in opens if o.ok]
    window = max(time.monotonic() - window0, 1e-9)
    window = min(window, seconds + OPEN_TIMEOUT_S)
    loads = [o.seconds for r in results for o in r.opens if o.page == "(load)"]
    cpu = mon.cpu1 - mon.cpu0
    return {
        "sessions": n,
        "seconds": round(seconds, 1),
        "load_average_start": [round(x, 1) for x in load0],
        "load_average_end": [round(x, 1) for x in os.getloadavg()],
        "opens": len(opens),
        "failed": sum(not o.ok for o in opens),
        "failures": sorted({o.why for o in opens if not o.ok})[:5],
        "session_errors": [r.error for r in results if r.error][:5],
        "pages_by_role": {r.role: r.pages for r in results},
        "opens_per_minute": round(len(good) * 60 / seconds, 1),
        "p50_s": pct(good, 0.5),
        "p95_s": pct(good, 0.95),
        "max_s": max(good) if good else None,
        "first_load_p50_s": pct(loads, 0.5),
        "by_page_p50_s": {
            p: round(statistics.median([o.seconds for o in opens if o.page == p and o.ok]), 3)
            for p in sorted({o.page for o in opens if o.ok})
        },
        "server_cpu_s": round(cpu, 1),
        "server_cpu_share": round(cpu / wall / (psutil.cpu_count() or 1), 2),
        "server_cpu_ms_per_open": round(cpu * 1000 / max(len(opens), 1), 0),
        "server_rss_start_mb": round(mon.rss0, 0),
        "server_rss_peak_mb": round(max(mon.rss or [mon.rss1]), 0),
        "server_rss_per_session_mb": round((max(mon.rss or [mon.rss1]) - mon.rss0) / n, 1),
        "driver_cpu_s": round((d1.user + d1.system) - (d0.user + d0.system), 1),
        "driver_cpu_share_of_its_core": round(
            ((d1.user + d1.system) - (d0.user + d0.system)) / wall, 2
        ),
        "wall_s": round(wall, 1),
        "_window_s": round(window, 1),
    }


# Servers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def one_server(database_url: str, tag: str) -> Iterator[tuple[str, list[int]]]:
    server = browser.start_server(APP, database_url, LOGS / f"concurrency-{tag}.log")
    try:
        yield server.url, [server.process.pid]
    finally:
        server.stop()


NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  map $cookie_ntp_route $ntp_route {{ "" $request_id; default $cookie_ntp_route; }}
  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
  upstream ntp_app {{
    hash $ntp_route consistent;
    server 127.0.0.1:{a};
    server 127.0.0.1:{b};
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://ntp_app;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_read_timeout 86400;
      add_header Set-Cookie
        "ntp_route=$ntp_route; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax" always;
    }}
  }}
}}
"""


@contextlib.contextmanager
def two_servers(database_url: str) -> Iterator[tuple[str, list[int]]]:
    """Two app processes on one database behind nginx with ``deploy/nginx.conf``'s proxy
    settings: WebSocket upgrade, long read timeout, and its affinity (a random routing key
    per browser without the ``ntp_route`` cookie, ``hash ... consistent``): each driver
    session is one new browser, so the sessions spread over the two servers."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    key = secrets.token_urlsafe(48)  # replicas share the sign-in cookie's key
    a = browser.start_server(APP, database_url, LOGS / "concurrency-two-a.log", cookie_key=key)
    b = browser.start_server(APP, database_url, LOGS / "concurrency-two-b.log", cookie_key=key)
    work = Path(tempfile.mkdtemp(prefix="ntp-nginx-"))
    work.chmod(0o755)  # nginx's workers (nobody) write their temporary files there
    port = free_port()
    conf = NGINX_CONF.format(
        dir=work, a=a.url.rsplit(":", 1)[1], b=b.url.rsplit(":", 1)[1], port=port
    )
    (work / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [nginx, "-c", str(work / "nginx.conf"), "-p", str(work), "-g", "daemon off;"],
        stdout=(LOGS / "nginx.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not browser._healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start: " + (LOGS / "nginx.log").read_text())
            time.sleep(0.2)
        yield url, [a.process.pid, b.process.pid]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        a.stop()
        b.stop()
        shutil.rmtree(work, ignore_errors=True)


def _py_spy(
    pid: int, seconds: float, tag: str, gil: bool = False
) -> tuple[subprocess.Popen[bytes], Path] | None:
    """``py-spy record`` of the server during a level (collapsed stacks), if py-spy is there;
    ``gil``: only the thread holding the GIL (where one process's CPU goes: it is bound by
    the GIL), not threads waiting for it, a lock or a sleep."""
    spy = shutil.which("py-spy")
    if spy is None:
        return None
    out = LOGS / ("py-spy-" + "".join(c if c.isalnum() else "-" for c in tag) + ".txt")
    proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [spy, "record", "-p", str(pid), "-d", str(int(seconds + RAMP_S + 5)), "-r", "50",
         "--nonblocking", "-f", "raw", "-o", str(out), *(["--gil"] if gil else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    return proc, out


SPY_KINDS = (
    ("garbage collection", ("gc_collect", "postScriptGC")),
    ("event loop wake-up per message (waits for the GIL)", ("_write_to_self",)),
    ("app code (pages/, components/, db/)", ("(components/", "(pages/", "(db/", "(app.py")),
    ("SQLAlchemy and the database driver", ("sqlalchemy/", "sqlite3", "psycopg")),
    ("pandas / numpy", ("pandas/", "numpy/")),
    ("Arrow (tables sent to the browser)", ("pyarrow/",)),
    ("openpyxl (Excel files of download buttons)", ("openpyxl/",)),
    ("Streamlit (elements, state, messages)", ("streamlit/",)),
)
OTHER = "other (standard library, json, ...)"


def _spy_kind(frames: list[str]) -> str:
    """The kind of the innermost frame of a known kind (the code the sample was spent in)."""
    for frame in reversed(frames):
        for kind, needles in SPY_KINDS:
            if any(n in frame for n in needles):
                return kind
    return OTHER


def _spy_summary(proc: subprocess.Popen[bytes], out: Path) -> dict[str, Any]:
    """Share of the samples (threads not idle, so including waits for the GIL) by the kind
    of code they were in, and by page script."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=60)
    if not out.exists():
        return {"error": "no profile"}
    total = 0
    kinds: dict[str, int] = {}
    pages: dict[str, int] = {}
    for line in out.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        kind = _spy_kind(frames)
        kinds[kind] = kinds.get(kind, 0) + n
        page = next(
            (
                f
                for f in frames
                if f.startswith("<module> (") and "/" not in f and "(app.py" not in f
            ),
            None,
        )
        if page:
            name = page.split(" (")[1].split(":")[0]
            pages[name] = pages.get(name, 0) + n
    share = {k: round(v / total, 3) for k, v in sorted(kinds.items(), key=lambda x: -x[1])}
    return {
        "samples": total,
        "shares": share if total else {},
        "pages": {k: round(v / total, 3) for k, v in sorted(pages.items(), key=lambda x: -x[1])}
        if total
        else {},
        "file": str(out),
    }


# Main -------------------------------------------------------------------------------------


def _pin_driver() -> str:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return "not pinned (one core)"
    os.sched_setaffinity(0, {cores[-1]})
    return f"driver pinned to core {cores[-1]} of {len(cores)}"


def run_setup(
    label: str,
    server: Any,
    sessions: list[int],
    seconds: float,
    say_: Any = say,
    profile: int | None = None,
    gil: bool = False,
) -> dict[str, Any]:
    out: dict[str, Any] = {"setup": label, "levels": []}
    with server as (url, pids):
        roles = set(ROLES)
        cookies = sign_in_cookies(url, roles)
        before = os.sched_getaffinity(0)
        out["pinning"] = _pin_driver()  # after the servers and Chromium started: not them
        try:
            _levels(out, label, url, pids, cookies, sessions, seconds, say_, profile, gil)
        finally:
            os.sched_setaffinity(0, before)
    return out


def _levels(
    out: dict[str, Any],
    label: str,
    url: str,
    pids: list[int],
    cookies: dict[str, str],
    sessions: list[int],
    seconds: float,
    say_: Any,
    profile: int | None = None,
    gil: bool = False,
) -> None:
    if True:
        # one warm-up session (first imports, caches), not counted
        run_level(url, pids, cookies, 1, 10)
        for n in sessions:
            say_(f"{label}: {n} sessions for {seconds:.0f} s")
            spy = _py_spy(pids[0], seconds, f"{label}-{n}", gil) if n == profile else None
            level = run_level(url, pids, cookies, n, seconds)
            if spy is not None:
                level["profile"] = _spy_summary(*spy)
            say_(
                f"  {level['opens_per_minute']} opens/min, p50 {level['p50_s']}, p95 "
                f"{level['p95_s']}, failed {level['failed']}, server CPU "
                f"{level['server_cpu_share']:.0%}, "
                f"driver {level['driver_cpu_share_of_its_core']:.0%}"
            )
            out["levels"].append(level)


def render(res: dict[str, Any]) -> str:
    pinning = res["setups"][0].get("pinning", "") if res["setups"] else ""
    lines = [
        f"Concurrency, {res['started']}: {pinning}; think time "
        f"{THINK_S[0]:g}-{THINK_S[1]:g} s; window {res['seconds']:g} s.",
        "",
        "| setup | sessions | opens/min | p50 | p95 | failed | server CPU (share of "
        "machine) | CPU ms/open | RSS start / peak | MB per session | driver CPU (its core) "
        "| load avg |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def s(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f} s"

    for setup in res["setups"]:
        for lv in setup.get("levels", []):
            lines.append(
                f"| {setup['setup']} | {lv['sessions']} | {lv['opens_per_minute']} | "
                f"{s(lv['p50_s'])} | {s(lv['p95_s'])} | {lv['failed']} of {lv['opens']} | "
                f"{lv['server_cpu_share']:.0%} | {lv['server_cpu_ms_per_open']:.0f} | "
                f"{lv['server_rss_start_mb']:.0f} / {lv['server_rss_peak_mb']:.0f} MB | "
                f"{lv['server_rss_per_session_mb']} | {lv['driver_cpu_share_of_its_core']:.0%} | "
                f"{lv['load_average_start'][0]} |"
            )
        if setup.get("error"):
            lines.append(f"| {setup['setup']} | failed: {setup['error']} |")
    lines.append("")
    for verdict in res.get("verdicts", []):
        lines.append(f"- {verdict}")
    return "\n".join(lines) + "\n"


def verdicts(res: dict[str, Any]) -> list[str]:
    from bench.targets import CONCURRENT_P95_MAX, TWO_SERVERS_MIN

    out = []
    by = {s["setup"]: {lv["sessions"]: lv for lv in s.get("levels", [])} for s in res["setups"]}
    for setup, levels in by.items():
        if 1 in levels and 32 in levels and levels[1]["p95_s"] and levels[32]["p95_s"]:
            r = levels[32]["p95_s"] / levels[1]["p95_s"]
            ok = r <= CONCURRENT_P95_MAX
            out.append(
                f"{setup}: p95 with 32 sessions = {r:.1f}x the one-session p95 "
                f"(target <= {CONCURRENT_P95_MAX:g}x): {'pass' if ok else 'FAIL'}"
            )
    one = next((v for k, v in by.items() if k.startswith("one process, PostgreSQL")), None)
    two = next((v for k, v in by.items() if k.startswith("two processes")), None)
    if one and two:
        for n in sorted(set(one) & set(two)):
            if n < 8:
                continue
            r = two[n]["opens_per_minute"] / max(one[n]["opens_per_minute"], 1e-9)
            ok = r >= TWO_SERVERS_MIN
            out.append(
                f"{n} sessions: two processes serve {r:.2f}x the page opens of one "
                f"(target >= {TWO_SERVERS_MIN:g}x): {'pass' if ok else 'FAIL'}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    p.add_argument("--sessions", default="1,8,32", help="comma-separated N (default 1,8,32)")
    p.add_argument("--seconds", type=float, default=60.0, help="measured window per N")
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--sqlite", action="store_true", help="one process on SQLite")
    p.add_argument("--postgresql", action="store_true", help="one process on PostgreSQL")
    p.add_argument(
        "--two-servers", action="store_true", help="two processes behind nginx on PostgreSQL"
    )
    p.add_argument("--out", type=Path, help="JSON of the figures")
    p.add_argument(
        "--profile", type=int, help="py-spy record the (first) server during this N's window"
    )
    p.add_argument(
        "--gil",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (the process's CPU)",
    )
    args = p.parse_args(argv)
    if not (args.sqlite or args.postgresql or args.two_servers):
        args.sqlite = True
    sessions = [int(x) for x in args.sessions.split(",") if x.strip()]
    LOGS.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {
        "started": clock.city_now().isoformat(timespec="minutes"),
        "seconds": args.seconds,
        "scale": args.scale,
        "setups": [],
    }
    dbs = Databases(say=say)
    try:
        plan: list[tuple[str, str]] = []
        if args.sqlite:
            plan.append(("sqlite", f"one process, SQLite @{args.scale}"))
        if args.postgresql:
            plan.append(("postgresql", f"one process, PostgreSQL @{args.scale}"))
        if args.two_servers:
            plan.append(("postgresql", f"two processes behind nginx, PostgreSQL @{args.scale}"))
        for backend, label in plan:
            built = dbs.ensure(backend, args.scale)
            with dbs.working_copy(built, f"conc_{backend}") as url:
                server = two_servers(url) if label.startswith("two") else one_server(url, backend)
                try:
                    res["setups"].append(
                        run_setup(
                            label,
                            server,
                            sessions,
                            args.seconds,
                            profile=args.profile,
                            gil=args.gil,
                        )
                    )
                except Exception as exc:
                    res["setups"].append({"setup": label, "error": f"{exc}"[:300]})
    finally:
        dbs.close()
    res["verdicts"] = verdicts(res)
    text = render(res)
    print(text)
    out = args.out or CACHE / f"concurrency-{clock.city_now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(res, indent=1))
    say(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
