"""Real-browser fixtures: a real ``streamlit run`` and headless Debian Chromium via Playwright.

No browser is downloaded: Playwright drives the system Chromium (``executable_path``).
Outside CI these tests skip with the reason when Chromium is missing; in CI they must run.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.i18n import translate_in
from tests.conftest import _free_port, unavailable, wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def chromium_path() -> str | None:
    for name in (os.environ.get("NTP_CHROMIUM", ""), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@dataclass
class AppServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_app(
    tmp: Path,
    database_file: Path | None,
    extra_env: dict[str, str] | None = None,
    *,
    database_url: str | None = None,
) -> AppServer:
    """Start ``streamlit run app.py`` on a free loopback port against a copy of a database
    file, or (``database_file=None``) against ``database_url`` itself, e.g. a PostgreSQL
    database that several servers share."""
    if database_file is not None:
        db_copy = tmp / "app.sqlite3"
        shutil.copyfile(database_file, db_copy)
        database_url = f"sqlite:///{db_copy}"
    assert database_url is not None, "a database file or URL"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NTP_DEMO": "1",  # demo accounts may sign in
        "NTP_COOKIE_KEY": secrets.token_urlsafe(48),
        "NTP_LANG": "en",
        **(extra_env or {}),
    }
    log = tmp / "streamlit.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    if not wait_for(healthy, timeout=60):
        proc.kill()
        pytest.fail("streamlit did not start:\n" + log.read_text(errors="replace")[-3000:])
    return AppServer(url=url, database_url=env["DATABASE_URL"], process=proc, log=log)


@pytest.fixture(scope="module")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_file: Path
) -> Iterator[AppServer]:
    server = start_app(tmp_path_factory.mktemp("app"), seeded_sqlite_file)
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


# Installed in every page before its scripts run (the ``browser`` fixture's contexts, the
# bench's ``watch``): follows the script runs on
# Streamlit's websocket, reading the top-level field numbers of its protobuf messages
# (BackMsg.rerun_script 11; ForwardMsg.new_session 4, script_finished 6, whose value 2 is
# "finished early for a rerun"). After ``arm()``, ``phase`` goes 1 when a rerun request is
# sent, 2 when the server starts a run after it, 3 when that run (or the one ``st.rerun()``
# started after it) finished, and 4 once the app has handled that message (a task later).
# The ``data-test-script-state`` attribute alone is not enough: the browser can leave it
# unchanged through a whole run (seen for 0.4-0.7 s runs too); a wait on its change then waits
# for a run that has long been drawn (the bench lost 2 of 3 opens of some pages so, session 8).
RUNS_JS = """(() => {
  if (window.__benchRuns) return;
  const runs = (window.__benchRuns = {phase: 0});
  const bytes = (d) => (d instanceof ArrayBuffer ? new Uint8Array(d)
    : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : null);
  const fields = (b) => {
    const out = [];
    let i = 0;
    const varint = () => {
      let v = 0, s = 0, c;
      do { c = b[i++]; v += (c & 127) * 2 ** s; s += 7; } while (c & 128 && i < b.length);
      return v;
    };
    while (i < b.length) {
      const tag = varint(), num = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) out.push([num, varint()]);
      else if (wire === 2) { const n = varint(); out.push([num, null]); i += n; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const handled = () => setTimeout(() => { if (runs.phase === 3) runs.phase = 4; }, 0);
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    const b = bytes(data);
    if (b && runs.phase === 0 && fields(b).some(([n]) => n === 11)) runs.phase = 1;
    return send.call(this, data);
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        const b = bytes(e.data);
        if (!b) return;
        for (const [n, v] of fields(b)) {
          if (n === 4 && (runs.phase === 1 || runs.phase === 2)) runs.phase = 2;
          if (n === 6 && runs.phase === 2 && v !== 2) { runs.phase = 3; handled(); }
        }
      });
    }
  };
})();"""


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    path = chromium_path()
    if path is None:
        unavailable("Chromium is not installed (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield _Watched(b)
        b.close()


class _Watched:
    """The browser, whose every new context (and page of its own) follows its script runs
    (``RUNS_JS``) from its first load on, for :func:`rerun_after` and :func:`open_tab`."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self._browser = browser

    def new_context(self, **kwargs):  # type: ignore[no-untyped-def]
        ctx = self._browser.new_context(**kwargs)
        ctx.add_init_script(RUNS_JS)
        return ctx

    def new_page(self, **kwargs):  # type: ignore[no-untyped-def]
        page = self._browser.new_page(**kwargs)
        page.add_init_script(RUNS_JS)
        return page

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._browser, name)


def wait_ready(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector(READY, timeout=timeout)


# The script is idle and nothing on the page is left over from an earlier run (Streamlit marks
# such elements data-stale until the run that replaces them finishes).
SETTLED = (
    '() => !!document.querySelector("' + READY + '")'
    " && !document.querySelector(\"[data-stale='true']\")"
    " && document.querySelectorAll('input[type=password]').length <= 1"
)


WATCH_RUN = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    window.__ntpRan = false;
    if (window.__benchRuns) window.__benchRuns.phase = 0;
    // The attribute changes only when a run starts or ends: any change is a run (a quick one
    // may have started and ended before this callback reads the attribute). It may also not
    // change at all through a run: then the websocket shows it (RUNS_JS, phase 4).
    new MutationObserver((_m, obs) => {
        window.__ntpRan = true;
        obs.disconnect();
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""
RAN_AND_SETTLED = (
    "() => (window.__ntpRan || (window.__benchRuns && window.__benchRuns.phase === 4))"
    ' && !!document.querySelector("' + READY + '")'
    " && !document.querySelector(\"[data-stale='true']\")"
)


SKELETON = "[data-testid='stMain'] [data-testid='stSkeleton']"
"""The grey box Streamlit draws in an element's place until the browser has loaded that kind
of element's code (a first view, a busy machine): the script can be idle before that."""

IDLE_AND_FRESH = (
    '() => !!document.querySelector("' + READY + '")'
    " && !document.querySelector(\"[data-stale='true']\")"
    ' && !document.querySelector("' + SKELETON + '")'
)


def settle(page, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script is idle, nothing from an earlier run is left on the page and
    every element is drawn (no :data:`SKELETON` left), so every request it makes has been
    started and what a test counts or reads is there."""
    page.wait_for_function(IDLE_AND_FRESH, timeout=timeout)


TAB_RUN_MS = 5_000
"""How long :func:`open_tab` waits for the run a tab's click may cause (a lazy tab's)."""


def open_tab(page, name: str, *, exact: bool = True, shows=None) -> None:  # type: ignore[no-untyped-def]
    """Open the tab called ``name`` once the page has settled. A rerun that starts meanwhile
    (a cookie or component reporting in) draws the tabs again beside the stale ones for a
    moment, so the click goes to the newest tab and is repeated until a tab of that name is
    the selected one on a settled page and (``shows``, a locator) its content is visible: a
    rerun that starts only after that can draw the tabs anew with the first one selected.

    Tabs that draw only the open one (``components.lazy_tabs``) rerun the page on a click,
    and the page reads as settled before that run has even started (a busy machine): so
    after the click the run it may cause is waited for, for at most :data:`TAB_RUN_MS` (a
    plain tab causes none)."""
    from playwright.sync_api import Error as PlaywrightError

    tabs = page.get_by_role("tab", name=name, exact=exact)
    selected = page.locator("[role='tab'][aria-selected='true']").filter(has_text=name)
    for _attempt in range(5):
        settle(page)
        page.evaluate(WATCH_RUN)
        tabs.last.click()
        # a plain tab: no run (or one the watch did not see, long finished by then)
        with contextlib.suppress(PlaywrightError):
            page.wait_for_function(RAN_AND_SETTLED, timeout=TAB_RUN_MS)
        settle(page)
        if selected.count() < 1:
            continue
        if shows is None:
            return
        try:
            shows.first.wait_for(state="visible", timeout=10_000)
            return
        except PlaywrightError:
            continue
    raise AssertionError(f"the tab {name!r} did not open")


def choose(page, box, text: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the option of the select box ``box`` (a locator) that contains ``text``, typing
    ``text`` to filter a long list. A rerun that lands between the click and the typing
    draws the box anew and closes its list (the typing then goes nowhere): so the box is
    opened on a settled page, and again until the option could be clicked."""
    from playwright.sync_api import Error as PlaywrightError

    option = page.get_by_role("option").filter(has_text=text).first
    for _attempt in range(5):
        settle(page)
        box.click()
        page.keyboard.type(text)
        try:
            option.click(timeout=10_000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"no option {text!r} could be chosen")


def expand(page, expander, shows) -> None:  # type: ignore[no-untyped-def]
    """Open the expander ``expander`` (a locator of ``stExpander``) until ``shows`` (a
    locator inside it) is visible: a rerun that lands on the click draws it anew, folded."""
    from playwright.sync_api import Error as PlaywrightError

    for _attempt in range(5):
        settle(page)
        if shows.first.is_visible():
            return
        expander.locator("summary").first.click()
        try:
            shows.first.wait_for(state="visible", timeout=10_000)
            return
        except PlaywrightError:
            continue
    raise AssertionError("the expander did not open")


def rerun_after(page, action, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Do ``action`` (a click, an upload) and wait for the rerun it causes to finish with
    nothing stale left on the page: a wait on the idle state alone can return before that
    rerun has even started (a busy machine), and the next step then acts on the old page."""
    page.evaluate(WATCH_RUN)
    action()
    page.wait_for_function(RAN_AND_SETTLED, timeout=timeout)


def fill_sign_in(  # type: ignore[no-untyped-def]
    page,
    username: str,
    password: str,
    signed_in,
    words: dict[str, str] | None = None,
) -> bool:
    """Sign in through the form already loaded in ``page``; True once ``signed_in`` (a
    locator) shows. The form is filled only when the page has settled, and filled again (up
    to five times) if a rerun redrew it meanwhile (the old form can show beside the new one
    for a moment, or come back empty). ``words``: the labels of the
    form (``user``, ``password``, ``sign_in``) in the page's language (English by default)."""
    from playwright.sync_api import Error as PlaywrightError

    w = {"user": "Username", "password": "Password", "sign_in": "Sign in", **(words or {})}
    for _attempt in range(5):
        if signed_in.count():  # (a signed-in page may hold password boxes of its own)
            return True
        page.wait_for_function(SETTLED, timeout=30_000)
        if signed_in.count():
            return True
        try:
            page.get_by_role("textbox", name=w["user"]).fill(username)
            page.get_by_role("textbox", name=w["password"]).fill(password)
            page.get_by_role("button", name=w["sign_in"]).click()
            signed_in.first.wait_for(timeout=15_000)
        except PlaywrightError:  # two forms for a moment, or one redrawn empty: again
            continue
        wait_signin_cookie(page)
        return True
    return bool(signed_in.count())


def wait_signin_cookie(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the browser holds the sign-in cookie. The page shows "Signed in as" as soon
    as the server has checked the password; the cookie is written by the app's script in the
    browser a moment later, and a page opened by address before then is signed out."""
    page.wait_for_function(
        "document.cookie.split('; ').some(c => c.startsWith('ntp_signin='))", timeout=30_000
    )


def kpi_tile(page, name: str):  # type: ignore[no-untyped-def]
    """The KPI tile labelled ``name`` (not the same words in a folded form or a caption)."""
    return page.locator("[data-testid='stMetric']").filter(has_text=name).first


PAGE_NOT_FOUND = "Page not found"  # the title of Streamlit's dialog (components/page_fixes.py)


def not_found(page, lang: str | None = None):  # type: ignore[no-untyped-def]
    """The title of Streamlit's "Page not found" dialog in ``lang`` (the page script puts it
    into the reader's language); without a language, in either, so that a check that the
    dialog is absent cannot pass just because its words changed."""
    if lang is not None:
        return page.get_by_text(translate_in(lang, PAGE_NOT_FOUND), exact=True)
    said = {translate_in(other, PAGE_NOT_FOUND) for other in ("en", "ko")}
    return page.get_by_text(re.compile("^(?:" + "|".join(map(re.escape, said)) + ")$"))


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def stop_app(server: AppServer) -> None:
    """Stop a server started by :func:`start_app`."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
