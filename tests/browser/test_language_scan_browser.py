"""No leftover English on the Korean screens, and no leftover Korean interface words on the
English ones (issue 16, item 5): every page of every role's navigation, its visible text
(icons are glyphs, not words) and its input placeholders."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import AppServer, screenshot, settle
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

ACCOUNTS = ("executive.demo", "auditor.demo", "staff.demo", "approver.demo", "admin.demo")

# The visible text of the app: its text nodes that are shown, without icon ligatures
# ("person_add" is drawn as a glyph of the icon font), and the placeholders of empty inputs.
VISIBLE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const walker = document.createTreeWalker(app, NodeFilter.SHOW_TEXT);
  const parts = [];
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, svg")) continue;
    if (!el.checkVisibility()) continue;
    if (getComputedStyle(el).fontFamily.includes("Material")) continue;
    parts.push(node.nodeValue);
  }
  const holders = [...document.querySelectorAll("input[placeholder], textarea[placeholder]")]
    .filter((e) => !e.value && e.checkVisibility())
    .map((e) => e.placeholder);
  return [...parts, ...holders].join("\\n");
}"""
# The interface of a page (field labels, titles, tabs, buttons, the navigation), not the data
# in it (names, titles and captions that quote them are the city's data, in Korean).
INTERFACE = """() => [...document.querySelectorAll(
  "[data-testid='stWidgetLabel'], h1, [role='tab'], [data-testid='stMain'] button, "
  + "[data-testid='stSidebarNav'] a"
)].map((e) => e.innerText).join("\\n")"""

WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
HANGUL = re.compile(r"[\uac00-\ud7a3]+")
# Proper names and codes that stay as they are in Korean: the language choice names both
# languages; file formats; the time zone; the demo usernames; a regulation file's name and
# digest; the Enter key.
ALLOWED_EN = {
    "Language",
    "English",
    "CSV",
    "TSV",
    "TXT",
    "XLS",
    "XLSX",
    "xlsx",
    "csv",
    "KST",
    "SHA",
    "TOML",
    "toml",
    "Enter",
    "demo",
    "MOU",
    "PDF",
    "IoT",
    "LED",
    "Ctrl",
    "zip",
    "ZIP",
}
CODE = re.compile(  # e-mail addresses, digests, file names (a name, or an extension alone),
    # usernames, a command
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[0-9a-f]{6,}\b|[\w.-]*\.(?:toml|csv|xlsx|zip|sha256|json|pdf|txt)\b|\b[a-z]+\.demo\b"
    r"|\bsha256sum\b"
)
ALLOWED_KO = {"언어"}  # the language choice's label names both languages


# Pages already photographed, (page, language): each page once per language in the CI's
# artifacts (issue 16), by the first account whose navigation holds it.
PHOTOGRAPHED: set[tuple[str, str]] = set()


def _photograph(page, account: str, url: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    name = urlparse(url).path.strip("/") or "default"
    if (name, lang) in PHOTOGRAPHED and name != "default":  # each role's own default page
        return
    PHOTOGRAPHED.add((name, lang))
    screenshot(page, f"page-{name}-{account.split('.')[0]}-{lang}")


def _pages(page, server: AppServer) -> list[str]:  # type: ignore[no-untyped-def]
    """Every page of the navigation (unfolded if folded: a click on an unfolded one folds it
    and would leave the pages under the fold out)."""
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if (
        more.count()
        and more.first.is_visible()
        and re.search("more|더 보기", more.first.inner_text())
    ):
        more.first.click()
        page.locator("[data-testid='stSidebarNavViewButton']").filter(
            has_text=re.compile("less|접기")
        ).first.wait_for(timeout=30_000)
    hrefs = page.locator("[data-testid='stSidebarNav'] a").evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href'))"
    )
    return sorted({h for h in hrefs if h and h.startswith(server.url)})


def _open(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page through the sidebar (the same session, so the language choice holds)."""
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    folded = more.count() and more.first.is_visible()
    if folded and re.search("more|더 보기", more.first.inner_text()):
        more.first.click()
    page.locator(f"[data-testid='stSidebarNav'] a[href='{url}']").first.click()
    page.wait_for_url(re.compile(re.escape(url) + r"([?#].*)?$"), timeout=30_000)
    settle(page)
    page.locator("h1").first.wait_for(timeout=30_000)
    settle(page)


def _to_korean(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox", name="언어 / Language").first.click()
    page.get_by_role("option", name="한국어").click()
    page.get_by_text("로그인 중").first.wait_for(timeout=30_000)
    settle(page)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_no_english_on_korean_pages_nor_korean_on_english_ones(  # type: ignore[no-untyped-def]
    browser, app_server: AppServer, account: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, account)
    settle(page)
    english: dict[str, list[str]] = {}
    for url in _pages(page, app_server):
        page.goto(url)
        settle(page)
        page.locator("h1").first.wait_for(timeout=30_000)
        settle(page)
        _photograph(page, account, url, "en")
        words = HANGUL.findall(page.evaluate(INTERFACE))
        left = sorted({w for w in words if w not in ALLOWED_KO})
        if left:
            english[url] = left
    assert not english, f"Korean interface words on English pages: {english}"

    _to_korean(page)
    leftovers: dict[str, list[str]] = {}
    for url in _pages(page, app_server):
        _open(page, url)
        _photograph(page, account, url, "ko")
        text = CODE.sub(" ", page.evaluate(VISIBLE).replace("\u200b", ""))
        left = sorted({w for w in WORD.findall(text) if w not in ALLOWED_EN})
        if left:
            leftovers[url] = left
            name = f"{account.split('.')[0]}-{url.rsplit('/', 1)[-1] or 'default'}"
            screenshot(page, f"FAILED-english-left-{name}")
    assert not leftovers, f"English left on Korean pages: {leftovers}"
    ctx.close()
