"""30 XSS payloads in every free-text field, rendered in every view a role can open, in Chromium.

A demo database gets every payload of :data:`tests.security_payloads.XSS` in every free-text
field through the ``db/`` writes (:func:`tests.security_payloads.poison`); a real
``streamlit run`` serves it; each role signs in and opens each of its pages and the detail
views of the poisoned records. After each view the DOM must hold: no call of ``__xss`` (every
payload that would run calls it; it is exposed to every frame) and no dialog; no ``on*``
attribute; no ``href``/``src``/``action`` that is ``javascript:``/``vbscript:``/``data:``
after decoding and removing blanks; no ``<script>`` but Streamlit's own bundles; no
``<iframe srcdoc>``, ``<object>``, ``<embed>``, ``<base>`` or ``<meta http-equiv>``; no
payload text inside any attribute but the plain-text ones (value, title, aria-label...); no
link to the payloads' phishing host; and Markdown in user text shown as text (no bold,
strike-through or LaTeX made from it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.navigation import pages_for
from db.engine import make_engine
from tests.browser.conftest import ROOT, AppServer, open_tab, screenshot, start_app, wait_ready
from tests.browser.test_signin_flow import sign_in
from tests.security_payloads import XSS_USER_PASSWORD, Poisoned, poison

pytestmark = pytest.mark.browser

# The app's own script, as the page carries it (the only inline script not in the HTML the
# server sends).
OWN_SCRIPTS = [(ROOT / "components" / "assets" / "page_fixes.js").read_text("utf-8").strip()]

# Runs in the page (and in each same-origin frame): every way a payload could have become
# markup. Attribute values are read from the DOM, so entities are already decoded.
DOM_CHECK = r"""
async (own) => {
  const problems = [];
  // Streamlit's own inline scripts are those of the HTML the server sends for this frame.
  const served = await fetch(location.href).then((r) => r.text()).catch(() => '');
  const norm = (v) => (v || '').replace(/[\u0000-\u0020\u007f-\u009f\u200b\u00ad]/g, '')
                                .toLowerCase();
  const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background',
                     'poster', 'srcset', 'ping', 'codebase', 'cite', 'longdesc', 'dynsrc'];
  const TEXT_ATTRS = ['value', 'title', 'aria-label', 'aria-valuetext', 'placeholder', 'alt',
                      'aria-description', 'data-value'];
  const origin = location.origin;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const v = norm(a.value);
      if (name.startsWith('on')) problems.push(`${tag}[${name}=${a.value.slice(0, 60)}]`);
      if (URL_ATTRS.includes(name) &&
          (v.startsWith('javascript:') || v.startsWith('vbscript:') ||
           v.startsWith('data:text/html') || v.includes('javascript:'))) {
        problems.push(`${tag}[${name}=${a.value.slice(0, 60)}]`);
      }
      if (URL_ATTRS.includes(name) && v.includes('evil.example')) {
        problems.push(`link to the payload host: ${tag}[${name}=${a.value.slice(0, 60)}]`);
      }
      if (a.value.includes('__xss') && !TEXT_ATTRS.includes(name)) {
        problems.push(`payload inside ${tag}[${name}]`);
      }
      if (name === 'srcdoc') problems.push(`${tag}[srcdoc]`);
    }
    if (tag === 'script') {
      const src = el.getAttribute('src') || '';
      const text = el.textContent.trim();
      // The app's own script (components/page_fixes.py): the file as it is, then the call
      // that hands it the interface words of the catalogue.
      const app = own.some((o) => text.startsWith(o) &&
                                  /^window\.__ntpWords\(.*\);$/s.test(text.slice(o.length).trim()));
      // The sign-in cookie's writer (components/auth.py::_cookie_script): a cookie name, a JWT
      // (three base64url parts, no user text) or nothing (expiring it), its expiry date;
      // nothing else.
      const cookie = new RegExp(
        '^document\\.cookie = "[A-Za-z0-9_]+=' +
        '([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)?; ' +
        'path=/; expires=[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT" ' +
        "\\+ '; SameSite=Strict' \\+ \\(location\\.protocol === 'https:' \\? '; Secure' : ''\\);$"
      ).test(text);
      const mine = src ? new URL(src, location.href).origin === origin
                       : served.includes(text) || app || cookie;
      if (!mine || el.textContent.includes('__xss')) {
        problems.push(`script ${src || el.textContent.slice(0, 60)}`);
      }
    }
    if (['object', 'embed', 'base', 'applet', 'frameset'].includes(tag)) problems.push(tag);
    if (tag === 'meta' && el.hasAttribute('http-equiv')) problems.push('meta http-equiv');
    if (tag === 'style' && el.textContent.includes('__xss')) problems.push('payload in style');
    if ((tag === 'strong' || tag === 'b') && el.textContent.trim() === 'bold') {
      problems.push('Markdown **bold** from user text was rendered');
    }
    if ((tag === 'del' || tag === 's') && el.textContent.trim() === 'strike') {
      problems.push('Markdown ~~strike~~ from user text was rendered');
    }
    if (el.classList && el.classList.contains('katex')) problems.push('LaTeX was rendered');
    if (tag === 'iframe' && el.hasAttribute('srcdoc')) problems.push('iframe srcdoc');
  }
  return problems;
}
"""


@pytest.fixture(scope="module")
def poisoned(
    tmp_path_factory: pytest.TempPathFactory, seeded_sqlite_file: Path
) -> Iterator[tuple[AppServer, Poisoned]]:
    tmp = tmp_path_factory.mktemp("xss")
    db_file = tmp / "poisoned.sqlite3"
    shutil.copyfile(seeded_sqlite_file, db_file)
    engine = make_engine(f"sqlite:///{db_file}")
    handles = poison(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    server = start_app(tmp, db_file)
    yield server, handles
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


class Watch:
    """One signed-in browser context that records any payload that ran."""

    def __init__(self, browser: Any, server: AppServer, username: str) -> None:
        self.server = server
        self.username = username
        self.calls: list[Any] = []
        self.dialogs: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.ctx.expose_function("__xss", lambda *args: self.calls.append(args))
        self.page = self.ctx.new_page()
        self.page.on("dialog", self._dialog)
        self.seen: list[str] = []

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def sign_in(self) -> None:
        sign_in(self.page, self.server, self.username)

    def open(self, path: str, *, expect: str | None = None) -> None:
        """Open ``path`` (a page URL with its query), wait for it, check the DOM."""
        self.page.goto(self.server.url + "/" + path)
        try:
            wait_ready(self.page)
            self.page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
        except Exception:
            screenshot(self.page, f"FAILED-xss-open-{self.username}-{path.split('?')[0]}")
            alive = self.server.process.poll() is None
            log = self.server.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{path}: not shown (server alive: {alive})\n{log}") from None
        self.page.wait_for_timeout(300)  # images and frames load; handlers would fire
        wait_ready(self.page)
        if expect is not None:
            self.page.get_by_text(expect).first.wait_for(timeout=30_000)
        self.check(path)

    def check(self, where: str) -> None:
        self.seen.append(where)
        problems: list[str] = []
        for frame in self.page.frames:
            try:
                found = frame.evaluate(DOM_CHECK, OWN_SCRIPTS)
                problems += [f"{frame.url[:60]}: {p}" for p in found]
            except Exception as exc:  # a cross-origin or detached frame
                if "detached" not in str(exc) and "cross-origin" not in str(exc).lower():
                    raise
        body = self.page.inner_text("body")
        assert "Traceback" not in body, f"{where}: a traceback is shown"
        if problems or self.calls or self.dialogs:
            screenshot(self.page, f"FAILED-xss-{self.username}-{where.split('?')[0]}")
        assert not self.calls, f"{where}: payload script ran: {self.calls}"
        assert not self.dialogs, f"{where}: a dialog opened: {self.dialogs}"
        assert not problems, f"{where} as {self.username}: " + "\n".join(sorted(set(problems)))

    def close(self) -> None:
        self.ctx.close()


def pages_of(*roles: str) -> list[str]:
    """Every page the roles may open (pages added later are included by themselves)."""
    return [p.url_path for p in pages_for(roles)]


def _register_views(h: Poisoned, step: int = 5) -> list[str]:
    """Detail views of poisoned records: a record shows payloads n..n+3 in its fields, so
    every 4th-5th record covers the payloads between them."""
    views = [f"technologies?id={i}" for i in h.technology_ids[::step]]
    views += [f"experts?id={i}" for i in h.expert_ids[::step]]
    views += [f"adoptions?id={i}" for i in h.adoption_ids[::step]]
    views += [f"inquiries?id={i}" for i in h.inquiry_ids[::step]]
    views += [f"agreements?id={i}" for i in h.agreement_ids[::step]]
    return views


def test_executive_views_run_no_payload(browser: Any, poisoned: tuple[AppServer, Poisoned]) -> None:
    server, h = poisoned
    w = Watch(browser, server, "executive.demo")
    w.sign_in()
    for view in [*pages_of("executive"), *_register_views(h, step=15)]:
        w.open(view)
    w.close()


def test_auditor_views_run_no_payload(browser: Any, poisoned: tuple[AppServer, Poisoned]) -> None:
    server, h = poisoned
    w = Watch(browser, server, "auditor.demo")
    w.sign_in()
    views = [*pages_of("auditor"), *_register_views(h)]
    views += [f"meetings?id={i}" for i in h.meeting_ids[1:3]]
    for view in views:
        w.open(view)
    # The full poisoned meeting: payload title, place, notes, comments, reasons, minutes,
    # corrections, and payload-named experts on the panel.
    w.open(f"meetings?id={h.full_meeting_id}")
    screenshot(w.page, "xss-auditor-meeting-record")
    w.close()


def test_staff_views_run_no_payload(browser: Any, poisoned: tuple[AppServer, Poisoned]) -> None:
    server, h = poisoned
    w = Watch(browser, server, "staff.demo")
    w.sign_in()
    views = [*pages_of("staff"), *_register_views(h, step=10)]
    views += [f"meetings?id={h.full_meeting_id}", f"meetings?id={h.meeting_ids[1]}"]
    for view in views:
        w.open(view)
    # Every tab of the work queue (the forms list the poisoned records as choices).
    w.open("work_queue")
    for tab in w.page.get_by_role("tab").all():
        tab.click()
        wait_ready(w.page)
        w.check("work_queue tab " + tab.inner_text())
    screenshot(w.page, "xss-staff-work-queue")
    w.close()


def test_approver_decision_screens_run_no_payload(
    browser: Any, poisoned: tuple[AppServer, Poisoned]
) -> None:
    server, _h = poisoned
    w = Watch(browser, server, "approver.demo")
    w.sign_in()
    w.open("approvals")
    # Show every item with the reason, then open each decidable one on the decision screen.
    w.page.get_by_text("Also show items I may not decide").click()
    wait_ready(w.page)
    w.check("approvals (all items)")
    box = w.page.get_by_role("combobox", name="Item")
    box.click()
    options = w.page.get_by_role("option").all_inner_texts()
    w.page.keyboard.press("Escape")
    assert options, "the approver has items to decide"
    for n in range(min(len(options), 6)):
        box.click()
        w.page.get_by_role("option").nth(n).click()
        wait_ready(w.page)
        w.page.wait_for_timeout(500)
        w.check(f"approvals item {n}")
    screenshot(w.page, "xss-approver-decision-screen")
    # The bulk tab lists the same items with their text.
    open_tab(w.page, "Decide several items")
    w.check("approvals bulk")
    w.close()


def test_admin_account_list_runs_no_payload(
    browser: Any, poisoned: tuple[AppServer, Poisoned]
) -> None:
    server, _h = poisoned
    w = Watch(browser, server, "admin.demo")
    w.sign_in()
    for view in pages_of("admin"):
        w.open(view)
    screenshot(w.page, "xss-admin-accounts")
    w.close()


def test_payload_display_name_is_shown_as_text(
    browser: Any, poisoned: tuple[AppServer, Poisoned]
) -> None:
    """A user whose display name is Markdown (a link, a colour directive) signs in: the
    sidebar's "Signed in as ..." shows the name as typed, no link, no colour."""
    server, _h = poisoned
    w = Watch(browser, server, "xss.user0")
    page = w.page
    page.goto(server.url)
    wait_ready(page)
    page.wait_for_timeout(500)
    wait_ready(page)
    page.get_by_role("textbox", name="Username").fill("xss.user0")
    page.get_by_role("textbox", name="Password").fill(XSS_USER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.wait_for_timeout(800)
    w.check("first sign-in (account page)")
    caption = page.get_by_text("Signed in as").first.inner_text().replace("\u200b", "")
    assert "[click me](javascript:__xss(9))" in caption, caption
    screenshot(page, "xss-display-name-sidebar")
    w.close()
