"""Bar charts with a bar (or a group of bars) per category show every category's name beside
its bars, in English and Korean, at a desktop width and on a phone (390 px).

Streamlit gave these charts Vega-Lite's ``autosize: fit``, under which their height was the
whole drawing's: the axis and the legend were taken from the bars. At 2019-08-08 Inquiries ->
By region drew its six regions ~15 px apart and Vega left out every other name; the
overview's six sectors were drawn in ~110 px with bars ~5 px thick (``components.charts.rows``).

Vega draws these charts as SVG in Streamlit (its renderer there), so the test reads what was
drawn from the SVG itself: the y axis' labels (a label Vega leaves out for overlapping is
kept with ``opacity="0"``; a label cut by ``labelLimit`` ends with "…"), and the bars, each
named by its category in its ``aria-label`` (``name: ...``). No renderer is changed for the
test, and no internal view object is read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from components.i18n import translate_in
from components.labels import LABELS
from db.city import store as city_store
from db.engine import make_engine
from db.intercity.analysis import ABROAD, by_region
from db.kpi.overview import breakdown
from tests.browser.conftest import ARTIFACTS, AppServer, open_tab, settle
from tests.browser.test_language_scan_browser import _to_korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

AS_OF = dt.date(2019, 8, 8)  # few categories: where the old heights left the least room
WIDTHS = (1440, 1280, 390)  # desktop widths, and a phone's
MIN_BAR = 10  # px: a bar one can see and point at (its tooltip)

# The chart of the page's column headed ``heading`` (the innermost such column), found anew
# at every look: a rerun may draw the element anew.
FIND = """(heading) => {
  const columns = [...document.querySelectorAll("[data-testid='stColumn']")].filter(
    (c) => c.innerText.includes(heading) && c.querySelector("[data-testid='stVegaLiteChart']"));
  const charts = columns.length
    ? columns[columns.length - 1].querySelectorAll("[data-testid='stVegaLiteChart']") : [];
  return charts.length ? charts[charts.length - 1] : null;
}"""
# What that chart drew: its SVG's box, the y axis' labels and the bars (each named by its
# category), and whether it is drawn at the page's present width (within the page, as many
# axis labels as the data has categories, its width the same over a few looks: a resize
# redraws it).
DRAWN = (
    """([heading, n]) => {
  const el = ("""
    + FIND
    + """)(heading);
  const svg = el && el.querySelector('svg');
  if (!svg) return null;
  const axis = [...svg.querySelectorAll('g.role-axis')]
    .find((g) => (g.getAttribute('aria-label') || '').startsWith('Y-axis'));
  const at = (e) => { const r = e.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const box = at(svg);
  const labels = axis ? [...axis.querySelectorAll('g.role-axis-label text')].map((t) => ({
    text: t.textContent, shown: t.getAttribute('opacity') !== '0', ...at(t)})) : [];
  const width = box.right - box.left;
  const fits = labels.length >= n && box.right <= window.innerWidth + 1;
  window.__ntpSame = fits && window.__ntpWidth === width ? (window.__ntpSame || 0) + 1 : 0;
  window.__ntpWidth = fits ? width : null;
  return {
    box,
    labels,
    bars: [...svg.querySelectorAll("g.role-mark path[aria-roledescription='bar']")].map(
      (p) => ({name: p.getAttribute('aria-label') || '', ...at(p)})),
    ready: window.__ntpSame >= 5,
  };
}"""
)
READY = "(args) => { const d = (" + DRAWN + ")(args); return !!(d && d.ready); }"


def _names_by_region(database_url: str, lang: str) -> list[str]:
    """The names the region chart has a bar for: regions with an inquiry, and abroad."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            regions = by_region(session=s, as_of=AS_OF)
    finally:
        engine.dispose()
    asked = regions[regions["inquiries"] > 0]["region"]
    return [
        translate_in(lang, "Abroad") if r == ABROAD else translate_in(lang, LABELS["region"][r])
        for r in asked
    ]


def _names_by(database_url: str, lang: str, by: str, vocabulary: str) -> list[str]:
    """The names of the city's ``by`` codes that the overview's breakdown has a row for."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as s:
            codes = list(breakdown(session=s, as_of=AS_OF, by=by).frame["code"])
            names = {t.code: t.label(lang) for t in city_store.terms(s, vocabulary)}
    finally:
        engine.dispose()
    return [names.get(c, c) for c in codes]


def _faults(drawn: dict[str, Any], names: list[str]) -> list[str]:
    """What a reader would miss: a name not drawn or cut, a name out of the chart's box or
    over another, a name away from its bars, a bar too thin to see."""
    faults: list[str] = []
    labels = drawn["labels"]
    shown = [lab for lab in labels if lab["shown"]]
    if missing := [n for n in names if n not in {lab["text"] for lab in shown}]:
        faults.append(f"names not drawn: {missing}")
    faults += [f"name cut: {lab['text']!r}" for lab in labels if lab["text"].endswith("…")]
    box = drawn["box"]
    faults += [
        f"name outside the chart: {lab['text']!r}"
        for lab in shown
        if lab["left"] < box["left"] - 1 or lab["right"] > box["right"] + 1
    ]
    ordered = sorted(shown, key=lambda lab: lab["top"])
    faults += [
        f"names over each other: {a['text']!r}, {b['text']!r}"
        for a, b in itertools.pairwise(ordered)
        if b["top"] < a["bottom"] - 0.5
    ]
    for lab in shown:
        named = re.compile(rf"(?:^|; )name: {re.escape(lab['text'])}(?:;|$)")
        bars = [b for b in drawn["bars"] if named.search(b["name"])]
        if not bars:
            faults.append(f"no bar for {lab['text']!r}")
            continue
        middle = (lab["top"] + lab["bottom"]) / 2
        if not min(b["top"] for b in bars) - 1 <= middle <= max(b["bottom"] for b in bars) + 1:
            faults.append(f"name not beside its bars: {lab['text']!r}")
        if thin := [b for b in bars if b["bottom"] - b["top"] < MIN_BAR]:
            faults.append(
                f"bars of {lab['text']!r} {min(b['bottom'] - b['top'] for b in thin):.1f} px thick"
            )
    return faults


Chart = tuple[str, list[str], str]  # the heading it is under, its names, a screenshot's name


def _look(page: Any, charts: list[Chart], widths: tuple[int, ...]) -> dict[str, list[str]]:
    """The faults of each chart at each of ``widths`` (the page made that wide in turn),
    with a screenshot of each."""
    found: dict[str, list[str]] = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": 1000})
        for heading, names, shot in charts:
            page.wait_for_function(READY, arg=[heading, len(names)], timeout=30_000)
            page.evaluate(f"(h) => ({FIND})(h).scrollIntoView({{block: 'center'}})", heading)
            drawn = page.evaluate(DRAWN, [heading, len(names)])
            assert drawn is not None
            faults = _faults(drawn, names)
            # the page's view with the chart in it (a full-page screenshot stops at the
            # first screen: Streamlit scrolls its main area, not the page)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            failed = "FAILED-" if faults else ""
            page.screenshot(path=str(ARTIFACTS / f"{failed}{shot}-{width}.png"))
            if faults:
                found[f"{heading} at {width} px"] = faults
    return found


def _signed_in(browser: Any, server: AppServer) -> Any:
    """The executive's signed-in browser state (its cookie), for pages opened at each width."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    sign_in(ctx.new_page(), server, "executive.demo")
    state = ctx.storage_state()
    ctx.close()
    return state


def _opened(browser: Any, server: AppServer, state: Any, width: int, path: str, lang: str) -> Any:
    """A page opened at ``width`` on ``path``, signed in, in ``lang``. Each desktop width
    is a page opened at that width: a chart drawn at 1440 px and the window then made 1280 px
    wide is not always drawn anew (Streamlit's frontend), which a reader reloading does not
    see. The phone's width is reached from 1280 px (the sidebar, where the language is
    chosen, is folded away on a phone)."""
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, storage_state=state)
    page = ctx.new_page()
    page.goto(f"{server.url}{path}?as_of={AS_OF.isoformat()}")
    page.get_by_text("Signed in as").first.wait_for(timeout=60_000)
    settle(page)
    if lang == "ko":
        _to_korean(page)
    return page


PAGES = ((1440, (1440,)), (1280, (1280, 390)))  # opened at, then looked at


def test_every_region_is_named_beside_its_bar(browser: Any, app_server: AppServer) -> None:
    state = _signed_in(browser, app_server)
    faults: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        names = _names_by_region(app_server.database_url, lang)
        assert len(names) >= 5, names  # enough regions to crowd a short chart
        heading = translate_in(lang, "Inquiries by region, most first")
        for opened_at, widths in PAGES:
            page = _opened(browser, app_server, state, opened_at, "/inquiries", lang)
            open_tab(page, translate_in(lang, "By region"), shows=page.get_by_text(heading))
            shot = f"chart-heights-inquiries-region-{lang}"
            faults |= _look(page, [(heading, names, shot)], widths)
            page.context.close()
    assert not faults, f"Inquiries -> By region, as of {AS_OF}: {faults}"


BREAKDOWNS = (
    ("By growth sector", "growth_sector", "sectors"),
    ("By technical field", "field", "fields"),
)


def test_every_sector_and_field_is_named_beside_its_bars(
    browser: Any, app_server: AppServer
) -> None:
    state = _signed_in(browser, app_server)
    faults: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        charts = []
        for heading, by, vocabulary in BREAKDOWNS:
            names = _names_by(app_server.database_url, lang, by, vocabulary)
            assert len(names) >= 5, names
            charts.append(
                (translate_in(lang, heading), names, f"chart-heights-overview-{by}-{lang}")
            )
        for opened_at, widths in PAGES:
            page = _opened(browser, app_server, state, opened_at, "/", lang)
            for title, _names, _shot in charts:
                page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
            settle(page)
            faults |= _look(page, charts, widths)
            page.context.close()
    assert not faults, f"the overview's breakdowns, as of {AS_OF}: {faults}"
