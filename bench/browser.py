"""Real-browser figures: headless Chromium (Playwright, the system binary) against real
``streamlit run`` servers, one per database plus one of ``bare_app.py`` as the floor.

A page counts as rendered when the run the action caused has finished on the server (seen
on the page's websocket: ``RUNS_JS``), the browser shows the script as not running, and
(for the overview) its first metric is drawn.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.pg import free_port
from bench.targets import ROOT, Target, page_targets
from components import navigation
from components.navigation import default_page_for
from tests.apptest import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM_ARGS, IDLE_AND_FRESH, READY, RUNS_JS, chromium_path

TIMEOUT_MS = 30_000


ARM_JS = "() => { window.__benchRuns.phase = 0; }"
DONE_JS = """() => window.__benchRuns.phase === 4 && document.querySelector(
  "[data-testid='stApp'][data-test-script-state='notRunning']") !== null"""
PHASES = (
    "no rerun request sent",
    "no run started",
    "its run never finished",
    "its run finished but the app did not handle it",
    "its run finished but the page still shows a script running (a later run)",
)


def watch(page: Any) -> None:
    """Follow ``page``'s script runs (``RUNS_JS``); call before its first ``goto``."""
    if not getattr(page, "_bench_watched", False):
        page.add_init_script(RUNS_JS)
        page._bench_watched = True


def arm(page: Any) -> None:
    """From now on, wait for the run of the next rerun request."""
    page.evaluate(ARM_JS)


def wait_run(page: Any, timeout_ms: int = TIMEOUT_MS) -> None:
    """Until the run requested after ``arm(page)`` finished and the app handled it; else
    Playwright's ``TimeoutError`` saying how far it got (callers retry on Playwright's
    errors, as they did when this was a plain ``wait_for_function``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(DONE_JS, timeout=timeout_ms, polling=10)
    except PlaywrightTimeout:
        phase = int(page.evaluate("() => window.__benchRuns.phase"))
        raise PlaywrightTimeout(f"{PHASES[min(phase, 4)]} within {timeout_ms} ms") from None


class BrowserUnavailable(RuntimeError):
    pass


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
            return bool(r.status == 200)
    except OSError:
        return False


def start_server(
    entry: Path,
    database_url: str | None,
    log: Path,
    *,
    cookie_key: str | None = None,
    cwd: Path = ROOT,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """``streamlit run entry`` on a free loopback port, from ``cwd`` (another checkout for an
    A/B); raise if it is not up in 120 s. ``cookie_key``: the sign-in cookie's key (servers
    that share one, as replicas do)."""
    port = free_port()
    env = {
        **os.environ,
        "NTP_DEMO": "1",
        "NTP_COOKIE_KEY": cookie_key or secrets.token_urlsafe(48),
        "NTP_LANG": "en",
        **(extra_env or {}),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    args = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port)]
    args += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    args += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
        args, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    server = Server(url=f"http://127.0.0.1:{port}", process=proc, log=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if _healthy(server.url):
            return server
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    server.stop()
    raise RuntimeError("streamlit did not start: " + log.read_text(errors="replace")[-1500:])


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        raise BrowserUnavailable("Chromium is not installed (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable("playwright is not installed") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _settle(page: Any) -> None:
    """Wait until the page is drawn: the script idle, nothing stale, no element's skeleton
    left (its code still loading), as the tests' ``settle``. Since session 10 a signed-in
    page load runs once (no cookie component reports in), so nothing else is waited for."""
    page.wait_for_function(IDLE_AND_FRESH, timeout=TIMEOUT_MS)


def _timed(page: Any, action: Any, *, extra: str | None = None) -> float:
    """Seconds from ``action()`` to the run it caused finished (``RUNS_JS``),
    the browser showing the script not running, and ``extra`` (if given) drawn."""
    arm(page)
    t0 = time.perf_counter()
    action()
    wait_run(page)
    if extra:
        page.wait_for_selector(extra, timeout=TIMEOUT_MS)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
    return time.perf_counter() - t0


def _no_exception(page: Any, what: str) -> None:
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{what}: the page shows an exception")
    if page.get_by_text("Page not found").count():
        raise RuntimeError(f"{what}: page not found")


def sign_in(
    page: Any, url: str, username: str, *, extra: str | None, password: str = DEMO_PASSWORD
) -> float:
    """Sign in through the form; seconds from the click to the landing page fully rendered
    (script finished, and ``extra``, e.g. the overview's first metric, drawn)."""
    from playwright.sync_api import Error as PlaywrightError

    watch(page)
    for _attempt in range(3):
        page.goto(url)
        _settle(page)
        try:
            page.get_by_role("textbox", name="Username").fill(username)
            page.get_by_role("textbox", name="Password").fill(password)
            button = page.get_by_role("button", name="Sign in")
            elapsed = _timed(page, button.click, extra=extra)
            page.get_by_text("Signed in as").first.wait_for(timeout=5_000)
        except PlaywrightError:
            # The settling rerun redrew the form under the typing (a timeout, or two forms
            # on the page for a moment: a strict-mode error, seen at a load of 7): again.
            continue
        _no_exception(page, f"sign-in as {username}")
        # The cookie is written by a browser-side component just after the rerun.
        page.wait_for_function("document.cookie.includes('ntp_signin=')", timeout=TIMEOUT_MS)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
        return elapsed
    raise RuntimeError(f"could not sign in as {username}: " + page.inner_text("body")[:300])


def _nav_link(page: Any, url_path: str, default: str) -> Any:
    """The sidebar link to ``url_path`` (the default page's link is the bare root)."""
    want = "" if url_path == default else url_path
    for _attempt in range(2):
        links = page.locator("[data-testid='stSidebarNav'] a")
        for i in range(links.count()):
            link = links.nth(i)
            href = link.get_attribute("href") or ""
            if urllib.parse.urlparse(href).path.strip("/") == want:
                return link
        # A long page list is cut after ten links behind "View more": show them all.
        more = page.locator("[data-testid='stSidebarNavViewButton']")
        if more.count() == 0 or "less" in more.first.inner_text().lower():
            break
        more.first.click()
        page.wait_for_timeout(200)
    raise RuntimeError(f"no sidebar link to {url_path!r}")


def _current_path(page: Any) -> str:
    return str(urllib.parse.urlparse(page.url).path.strip("/"))


def open_page(page: Any, target: Target, default: str, other: str) -> float:
    """Seconds from clicking the sidebar link of ``target`` to the page rendered."""
    here = _current_path(page) or default
    if here == target.url_path:  # leave it first, so that opening it is a page change
        _timed(page, _nav_link(page, other, default).click)
    elapsed = _timed(page, _nav_link(page, target.url_path, default).click)
    _no_exception(page, target.name)
    return elapsed


@dataclass
class BrowserFigures:
    """Samples (seconds) per database key; errors per figure."""

    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)  # the first, per figure
    failed: dict[str, dict[str, int]] = field(default_factory=dict)  # how many runs failed

    def add(self, key: str, figure: str, value: float) -> None:
        self.samples.setdefault(key, {}).setdefault(figure, []).append(value)

    def fail(self, key: str, figure: str, exc: BaseException) -> None:
        self.errors.setdefault(key, {}).setdefault(figure, f"{type(exc).__name__}: {exc}"[:300])
        counts = self.failed.setdefault(key, {})
        counts[figure] = counts.get(figure, 0) + 1


def _bare_round(browser: Any, bare: Server, figs: BrowserFigures, key: str) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        watch(page)
        page.goto(bare.url)
        _settle(page)
        t0 = time.perf_counter()
        page.goto(f"{bare.url}/bare_page")
        page.wait_for_selector("[data-testid='stMetric']", timeout=TIMEOUT_MS)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
        figs.add(key, "bare: load", time.perf_counter() - t0)
        page.wait_for_timeout(300)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
        # to the start page, then the bare page again
        _timed(page, _nav_link(page, "", "").click)
        t = _timed(page, _nav_link(page, "bare_page", "").click, extra="[data-testid='stMetric']")
        figs.add(key, "bare: open", t)
        page.wait_for_timeout(300)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
        rerun = page.get_by_role("button", name="Rerun")
        shown = page.get_by_text("Run ", exact=False).last.inner_text()  # "Run N"
        n = int(shown.split()[-1]) + 1
        t = _timed(page, rerun.click, extra=f"text='Run {n}'")
        figs.add(key, "bare: rerun", t)
    except Exception as exc:
        figs.fail(key, "bare", exc)
    finally:
        ctx.close()


def _role_round(
    browser: Any, server: Server, role: str, targets: list[Target], figs: BrowserFigures, key: str
) -> None:
    from tests.apptest import ROLE_ACCOUNTS

    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        default = default_page_for({role})
        metric = "[data-testid='stMetric']" if default == "overview" else None
        try:
            t = sign_in(page, server.url, ROLE_ACCOUNTS[role], extra=metric)
        except Exception as exc:
            for target in targets:
                figs.fail(key, f"open {target.name}", exc)
            figs.fail(key, f"sign-in ({role})", exc)
            return
        figs.add(key, f"sign-in ({role})", t)
        other = next(
            (x.url_path for x in targets if x.url_path != default and x.url_path != "account"),
            "account",
        )
        for target in targets:
            try:
                fallback = other if other != target.url_path else default
                figs.add(key, f"open {target.name}", open_page(page, target, default, fallback))
            except Exception as exc:
                figs.fail(key, f"open {target.name}", exc)
    finally:
        ctx.close()


def _interaction_round(
    browser: Any, server: Server, db_url: str, inter: Any, figs: BrowserFigures, key: str
) -> None:
    """One interaction (``bench.interactions``) in a fresh context signed in as its role."""
    from tests.apptest import ROLE_ACCOUNTS

    name = f"do {inter.name}"
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        page = ctx.new_page()
        if inter.account is not None:
            username, password = inter.account(db_url)
            sign_in(page, server.url, username, extra=None, password=password)
        else:
            sign_in(page, server.url, ROLE_ACCOUNTS[inter.role], extra=None)
        figs.add(key, name, inter.run(page, server.url, db_url))
    except Exception as exc:
        figs.fail(key, name, exc)
    finally:
        ctx.close()


def _public_round(browser: Any, server: Server, targets: list[Target], figs: BrowserFigures,
                  key: str) -> None:  # fmt: skip
    """The public pages, opened by a visitor who is not signed in: the address typed (a
    page load), until the script finished, beside the bare app's load."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(server.url)
        _settle(page)
        for target in targets:
            try:
                t0 = time.perf_counter()
                page.goto(f"{server.url}/{target.url_path}")
                page.wait_for_selector("[data-testid='stMain'] h1", timeout=TIMEOUT_MS)
                page.wait_for_selector(READY, timeout=TIMEOUT_MS)
                figs.add(key, f"load {target.name} (public)", time.perf_counter() - t0)
                _no_exception(page, target.name)
            except Exception as exc:
                figs.fail(key, f"load {target.name} (public)", exc)
    finally:
        ctx.close()


def measure(
    servers: dict[str, Server],
    bare: Server,
    runs: int,
    *,
    roles: list[str] | None = None,
    db_urls: dict[str, str] | None = None,
    interactions: bool = False,
    only: list[str] | None = None,
) -> BrowserFigures:
    """Sign-in to the landing page and opening each page, on every server in turn, ``runs``
    times (plus one dropped warm-up round), with the bare floor.

    ``roles``: whose sign-in is timed and who opens each register (the pages of the
    *Registers* section that role may open); ``None``: every page as its main role, and the
    public pages loaded by a visitor. ``interactions`` (needs ``db_urls``, the database of
    each server): also every interaction of ``bench.interactions``, beside the bare app's
    button rerun. ``only``: just the pages whose address is named and the interactions whose
    name contains one of the words (the bare floors and the sign-ins are always taken)."""
    from bench.interactions import INTERACTIONS

    def wanted(path: str) -> bool:
        return only is None or path in only

    chosen = [inter for inter in INTERACTIONS if only is None or any(w in inter.name for w in only)]

    figs = BrowserFigures()
    public = [t for t in page_targets() if t.public and wanted(t.url_path)] if roles is None else []
    by_role: dict[str, list[Target]] = {}
    if roles is None:
        for t in page_targets():
            if t.role and wanted(t.url_path):
                by_role.setdefault(t.role, []).append(t)
    else:
        specs = {spec.url_path: spec for spec in navigation.PAGES}
        for role in roles:
            by_role[role] = [
                replace(t, role=role)
                for t in page_targets()
                if t.url_path in specs
                and wanted(t.url_path)
                and role in specs[t.url_path].roles
                and specs[t.url_path].section == "Registers"
            ]
    roles = sorted(by_role, key=lambda r: (r != "executive", r))
    with chromium() as browser:
        for r in range(runs + 1):
            for key, server in servers.items():
                k = key if r else "warm-up"
                _bare_round(browser, bare, figs, k)
                for role in roles:
                    _role_round(browser, server, role, by_role[role], figs, k)
                if public:
                    _public_round(browser, server, public, figs, k)
                if interactions and db_urls:
                    for inter in chosen:
                        _interaction_round(browser, server, db_urls[key], inter, figs, k)
    figs.samples.pop("warm-up", None)
    figs.errors.pop("warm-up", None)
    figs.failed.pop("warm-up", None)
    return figs
