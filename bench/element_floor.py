"""An element-matched floor for every page: ``python -m bench.element_floor``.

``python -m bench.element_floor [--runs 5] [--only work_queue,overview] [--census FILE]``
(``--report FILE``: the table of a saved run again)

Issue #22 compares a page open with the bare page's (a title and one metric). What is left of
the gap is said to be Streamlit drawing many elements, not our SQL or Python. This measures
that claim:

1. **Census.** Every signed-in page the quick bench opens (``bench.targets``, as its main role,
   opened from the sidebar as ``bench.browser.open_page`` does), once drawn: the main area's
   elements by kind and layout (``CENSUS_JS``: containers, columns, tabs, expanders, forms,
   popovers; each element's kind, text size, a grid's rows and columns), saved as JSON
   (``bench/.cache/element-census.json``; ``--census FILE`` reuses one instead).
2. **Synthetic twin.** ``bench/synthetic_app.py`` draws each census with static content
   (``bench.element_twin``); the same census taken of the twin says whether it matches.
3. **Same rounds.** Each round: the bare page's open (``bench.browser``'s bare round), then
   per role its twins opened from the twin app's sidebar and its pages from the app's sidebar,
   each in a fresh browser context (the browser loads each kind of element's code once per
   context, so both pay it alike); the wall time and the server process's CPU per open; one
   warm-up round dropped, medians of ``--runs``. Scale 1, SQLite (a copy of the cached
   database).

The printed table gives per page real/bare, twin/bare and real/twin: where the twin alone
misses 2x, that is Streamlit's cost for the content; where real/twin is high, the app's own.
The public pages (loaded by address, not opened) are not included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import browser
from bench.databases import CACHE, Databases
from bench.element_twin import counts
from bench.page_weight import targets_by_role
from bench.report import median
from bench.targets import APP, BARE_APP, Target

SYNTHETIC_APP = Path(__file__).resolve().parent / "synthetic_app.py"
CENSUS_FILE = CACHE / "element-census.json"
LOGS = CACHE / "element-floor"
SETTLE_MS = 1500  # after an open, before the census: charts and grids finish drawing

# The main area as a tree (see ``bench.element_twin`` for the node format).
CENSUS_JS = """() => {
  const WRAPPERS = /^(stFullScreenFrame|stTooltipHoverTarget|stElementToolbar)/;
  const tid = (e) => (e && e.getAttribute) ? e.getAttribute('data-testid') : null;
  const len = (e) => e ? (e.textContent || '').trim().length : 0;
  const own = (root, sel) =>
    [...root.querySelectorAll(sel)]
      .filter(x => x.parentElement.closest("[data-testid='stTabs']") === root);
  const bordered = (e) => [e, e.parentElement].some(x => {
    const s = getComputedStyle(x);
    return s.borderTopStyle !== 'none' && parseFloat(s.borderTopWidth) > 0;
  });
  const inner = (e) => {
    const vb = e ? e.querySelector("[data-testid='stVerticalBlock']") : null;
    return vb ? walk(vb) : [];
  };
  const leaf = (box) => {
    const el = [...box.querySelectorAll('[data-testid]')]
      .find(x => !WRAPPERS.test(tid(x)) && !x.closest("[data-testid='stElementToolbar']"));
    if (!el) return {k: 'stEmpty'};
    const node = leafOf(el);
    node.dom = box.getElementsByTagName('*').length;
    if (box.querySelector("[data-testid='stTooltipIcon']")) node.help = true;
    if (box.querySelector("[data-testid='stIconMaterial']")) node.icon = true;
    return node;
  };
  const leafOf = (el) => {
    const k = tid(el);
    if (k === 'stMarkdown') {
      const body = el.querySelector("[data-testid='stMarkdownContainer']") || el;
      const caption = el.querySelector("[data-testid='stCaptionContainer']");
      return {k: caption ? 'stCaption' : k, text: len(el),
              nodes: (caption || body).getElementsByTagName('*').length};
    }
    if (k === 'stHeading') {
      const h = el.querySelector('h1,h2,h3,h4,h5,h6');
      return {k, text: len(h || el), level: h ? parseInt(h.tagName[1]) : 3};
    }
    if (k === 'stHtml') return {k, text: len(el), nodes: el.getElementsByTagName('*').length};
    if (k === 'stMetric') return {k, delta: !!el.querySelector("[data-testid='stMetricDelta']")};
    if (k === 'stDataFrame') {
      const g = el.querySelector("table[role='grid']");
      const n = (a) => g ? parseInt(g.getAttribute(a) || '0') : 0;
      return {k, rows: Math.max(n('aria-rowcount') - 1, 0), cols: n('aria-colcount')};
    }
    if (k === 'stTable')
      return {k, rows: el.querySelectorAll('tbody tr').length,
              cols: el.querySelectorAll('thead tr:first-child th').length};
    if (k === 'stRadio')
      return {k, text: len(el),
              options: el.querySelectorAll("[data-testid='stRadioOption']").length};
    return {k, text: len(el.querySelector("[data-testid='stWidgetLabel']") || el)};
  };
  const walk = (el) => {
    const out = [];
    for (const c of el.children) {
      const id = tid(c);
      if (id === 'stElementContainer') out.push(leaf(c));
      else if (id === 'stVerticalBlock') out.push({b: 'vertical', border: bordered(c), c: walk(c)});
      else if (id === 'stHorizontalBlock')
        out.push({b: 'columns', c: [...c.children].filter(x => tid(x) === 'stColumn')
                                      .map(x => ({b: 'column', c: inner(x)}))});
      else if (id === 'stExpander')
        out.push({b: 'expander', label: len(c.querySelector('summary')),
                  open: !!c.querySelector('details[open]'),
                  c: inner(c.querySelector("[data-testid='stExpanderDetails']"))});
      else if (id === 'stTabs')
        out.push({b: 'tabs', labels: own(c, "[data-testid='stTab']").map(len),
                  c: own(c, "[data-testid='stTabPanel']").map(inner)});
      else if (id === 'stForm') out.push({b: 'form', c: inner(c)});
      else if (id === 'stPopover') out.push({b: 'popover', label: len(c)});
      else out.push(...walk(c));
    }
    return out;
  };
  const main = document.querySelector("[data-testid='stMain']");
  return {tree: inner(main.querySelector("[data-testid='stMainBlockContainer']")),
          dom_nodes: main.getElementsByTagName('*').length};
}"""

SHORT = {
    "stMarkdown": "md",
    "stCaption": "caption",
    "stHeading": "heading",
    "stMetric": "metric",
    "stDataFrame": "grid",
    "stVegaLiteChart": "chart",
    "stButton": "button",
    "stDownloadButton": "download",
    "stFormSubmitButton": "submit",
    "stPageLink": "link",
    "stSelectbox": "select",
    "stMultiSelect": "multiselect",
    "stDateInput": "date",
    "stTextInput": "text",
    "stHtml": "html",
    "stCheckbox": "checkbox",
    "stRadio": "radio",
    "vertical": "box",
}


def elements(tally: Counter[str]) -> int:
    """Elements (not blocks) in a census's counts."""
    return sum(n for kind, n in tally.items() if kind.startswith("st"))


def describe(tree: list[dict[str, Any]]) -> str:
    """The census in a table cell: kinds by count, then each grid's shape."""
    tally = counts(tree)
    kinds = ", ".join(f"{n} {SHORT.get(k, k)}" for k, n in tally.most_common())
    shapes = [f"{g['rows']}x{g['cols']}" for g in _grids(tree)]
    return kinds + (f" (grids {', '.join(shapes)})" if shapes else "")


def _grids(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in tree:
        if node.get("k") == "stDataFrame":
            out.append(node)
        for child in node.get("c", []):
            out.extend(_grids(child if isinstance(child, list) else [child]))
    return out


def difference(real: list[dict[str, Any]], twin: list[dict[str, Any]]) -> str:
    """'same', or what the twin draws more (+) or less (-) than the real page, by kind."""
    a, b = counts(real), counts(twin)
    diff = {k: b[k] - a[k] for k in a.keys() | b.keys() if a[k] != b[k]}
    return ", ".join(f"{n:+d} {SHORT.get(k, k)}" for k, n in sorted(diff.items())) or "same"


def cpu(real: list[float] | None, twin: list[float] | None) -> str:
    """Median CPU milliseconds of the server process per open, real page / twin."""
    if not real or not twin:
        return "-"
    return f"{statistics.median(real) * 1000:.0f} / {statistics.median(twin) * 1000:.0f} ms"


def paired(real: list[float], twin: list[float]) -> str:
    """The median of each round's real/twin (a twin and its page were opened in the same round,
    so a load burst slows both), with the lowest and highest."""
    if not real or len(real) != len(twin):
        return "-"
    ratios = [r / t for r, t in zip(real, twin, strict=True)]
    return f"{median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f})"


def twin_target(name: str) -> Target:
    return Target(name, str(SYNTHETIC_APP), "", None, f"twin_{name}")


def census_round(chromium: Any, url: str, by_role: dict[str, list[Target]]) -> dict[str, Any]:
    """Each role signs in and opens its pages; the census of each, once drawn."""
    from components.navigation import default_page_for
    from tests.apptest import ROLE_ACCOUNTS

    out: dict[str, Any] = {}
    for role, targets in by_role.items():
        ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
        try:
            page = ctx.new_page()
            default = default_page_for({role})
            browser.sign_in(page, url, ROLE_ACCOUNTS[role], extra=None)
            other = next((t.url_path for t in targets if t.url_path != default), "account")
            for t in targets:
                fallback = other if other != t.url_path else default
                browser.open_page(page, t, default, fallback)
                page.wait_for_timeout(SETTLE_MS)
                page.wait_for_selector(browser.READY, timeout=browser.TIMEOUT_MS)
                out[t.name] = {"role": role, **page.evaluate(CENSUS_JS)}
        finally:
            ctx.close()
    return out


def twin_census(chromium: Any, url: str, names: list[str]) -> dict[str, Any]:
    """The census of each twin page (to check it draws what it was given)."""
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    out: dict[str, Any] = {}
    try:
        page = ctx.new_page()
        browser.watch(page)
        page.goto(url)
        browser._settle(page)
        for name in names:
            browser.open_page(page, twin_target(name), "", "")
            page.wait_for_timeout(SETTLE_MS)
            page.wait_for_selector(browser.READY, timeout=browser.TIMEOUT_MS)
            out[name] = page.evaluate(CENSUS_JS)
    finally:
        ctx.close()
    return out


def _cpu(server: browser.Server) -> float:
    """CPU seconds (user + system) the server's process has used so far."""
    import psutil

    times = psutil.Process(server.process.pid).cpu_times()
    return float(times.user + times.system)


def open_measured(
    page: Any, target: Target, default: str, other: str, server: browser.Server
) -> tuple[float, float]:
    """Open ``target`` from the sidebar as ``bench.browser.open_page`` does: the seconds from
    the click to the page drawn, and the server's CPU seconds meanwhile (its script run)."""
    here = browser._current_path(page) or default
    if here == target.url_path:  # leave it first, so that opening it is a page change
        browser._timed(page, browser._nav_link(page, other, default).click)
    link = browser._nav_link(page, target.url_path, default)
    cpu = _cpu(server)
    seconds = browser._timed(page, link.click)
    cpu = _cpu(server) - cpu
    browser._no_exception(page, target.name)
    return seconds, cpu


def _opens(
    page: Any,
    server: browser.Server,
    targets: list[Target],
    label: str,
    figs: browser.BrowserFigures,
    key: str,
    default: str,
) -> None:
    """Open each target in turn (``label``: "open" for real pages, "twin" for twins)."""
    other = next((t.url_path for t in targets if t.url_path != default), "account")
    for t in targets:
        name = f"{label} {t.name}"
        try:
            fallback = other if other != t.url_path else default
            seconds, cpu = open_measured(page, t, default, fallback, server)
            figs.add(key, name, seconds)
            figs.add(key, f"cpu {name}", cpu)
        except Exception as exc:
            figs.fail(key, name, exc)


def _twin_round(
    chromium: Any,
    twin: browser.Server,
    role: str,
    targets: list[Target],
    figs: browser.BrowserFigures,
    key: str,
) -> None:
    """The twins of one role's pages, as ``_real_round`` opens them: a fresh browser context
    (so the browser loads the code of each kind of element afresh, as after a sign-in), landed
    on the twin of the role's first page if it has one (as a sign-in lands there), then each
    twin opened from the sidebar."""
    from components.navigation import default_page_for

    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        browser.watch(page)
        landing = default_page_for({role})
        names = {t.name for t in targets}
        page.goto(f"{twin.url}/twin_{landing}" if landing in names else twin.url)
        browser._settle(page)
        # The twin app's default page is its start page (the root), whatever we landed on.
        _opens(page, twin, [twin_target(t.name) for t in targets], "twin", figs, key, "")
    finally:
        ctx.close()


def _real_round(
    chromium: Any,
    app: browser.Server,
    role: str,
    targets: list[Target],
    figs: browser.BrowserFigures,
    key: str,
) -> None:
    """As ``bench.browser``'s role round: sign in as ``role``, open each of its pages."""
    from components.navigation import default_page_for
    from tests.apptest import ROLE_ACCOUNTS

    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        try:
            browser.sign_in(page, app.url, ROLE_ACCOUNTS[role], extra=None)
        except Exception as exc:
            for t in targets:
                figs.fail(key, f"open {t.name}", exc)
            return
        _opens(page, app, targets, "open", figs, key, default_page_for({role}))
    finally:
        ctx.close()


def measure(
    chromium: Any,
    servers: dict[str, browser.Server],
    by_role: dict[str, list[Target]],
    runs: int,
) -> browser.BrowserFigures:
    """``runs`` rounds (plus a warm-up dropped) of: bare open, then per role its twins and
    its pages."""
    figs = browser.BrowserFigures()
    for r in range(runs + 1):
        key = "run" if r else "warm-up"
        browser._bare_round(chromium, servers["bare"], figs, key)
        for role, targets in by_role.items():
            _twin_round(chromium, servers["twin"], role, targets, figs, key)
            _real_round(chromium, servers["app"], role, targets, figs, key)
        print(f"round {r} done (load {_load()})", file=sys.stderr, flush=True)
    figs.samples.pop("warm-up", None)
    return figs


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def table(census: dict[str, Any], twins: dict[str, Any], figs: browser.BrowserFigures) -> str:
    samples = figs.samples.get("run", {})
    errors = figs.errors.get("run", {})
    bare = median(samples.get("bare: open", []))
    head = [
        "page",
        "role",
        "elements",
        "census (real page)",
        "twin differs",
        "DOM real / twin",
        "real open",
        "twin open",
        "real/bare",
        "twin/bare",
        "real/twin",
        "real/twin per round",
        "server CPU real / twin",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, rec in census.items():
        twin = twins.get(name, {})
        real_s = median(samples.get(f"open {name}", []))
        twin_s = median(samples.get(f"twin {name}", []))

        def ratio(a: float | None, b: float | None) -> str:
            return f"{a / b:.1f}x" if a and b else "-"

        def secs(s: float | None, fig: str) -> str:
            if s is not None:
                return f"{s:.2f} s"
            return "error" if fig in errors else "-"

        cells = [
            name,
            rec["role"],
            str(elements(counts(rec["tree"]))),
            describe(rec["tree"]),
            difference(rec["tree"], twin["tree"]) if "tree" in twin else "-",
            f"{rec['dom_nodes']:,} / {twin['dom_nodes']:,}" if twin else f"{rec['dom_nodes']:,}",
            secs(real_s, f"open {name}"),
            secs(twin_s, f"twin {name}"),
            ratio(real_s, bare),
            ratio(twin_s, bare),
            ratio(real_s, twin_s),
            paired(samples.get(f"open {name}", []), samples.get(f"twin {name}", [])),
            cpu(samples.get(f"cpu open {name}"), samples.get(f"cpu twin {name}")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    floor = f"{bare:.2f} s" if bare else "-"
    n = len(samples.get("bare: open", []))
    return "\n".join(lines) + f"\n\nbare open (floor): {floor}, median of {n} rounds.\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.element_floor", description=__doc__)
    p.add_argument("--runs", type=int, default=5, help="rounds (medians), after one warm-up")
    p.add_argument("--only", help="just these pages (addresses, e.g. work_queue,overview)")
    p.add_argument("--census", type=Path, help="reuse this census instead of taking one")
    p.add_argument("--out", type=Path, help="JSON of census and figures")
    p.add_argument("--report", type=Path, help="print the table of a saved run (its --out JSON)")
    args = p.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        figs = browser.BrowserFigures(saved["samples"], saved["errors"])
        print(table(saved["census"], saved["twins"], figs))
        print("load average at start / end: {} / {}".format(*saved["load"]))
        return 0
    only = [x.strip() for x in args.only.split(",")] if args.only else None
    LOGS.mkdir(parents=True, exist_ok=True)
    by_role = targets_by_role(only)
    dbs = Databases(say=lambda m: print(m, file=sys.stderr))
    load_start = _load()
    # A SIGTERM unwinds like Ctrl-C, so that the servers and the database copy go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        stack.callback(dbs.close)
        db_url = stack.enter_context(dbs.working_copy(dbs.ensure("sqlite", 1), "element_floor"))

        def serve(entry: Path, url: str | None, log: str, **kw: Any) -> browser.Server:
            server = browser.start_server(entry, url, LOGS / log, **kw)
            stack.callback(server.stop)
            return server

        app = serve(APP, db_url, "app.log")
        bare = serve(BARE_APP, None, "bare.log")
        chromium = stack.enter_context(browser.chromium())
        if args.census:  # the pages chosen that the saved census has
            saved = json.loads(args.census.read_text())["pages"]
            kept = {role: [t for t in ts if t.name in saved] for role, ts in by_role.items()}
            by_role = {role: ts for role, ts in kept.items() if ts}
            census = {t.name: saved[t.name] for ts in by_role.values() for t in ts}
        else:
            census = census_round(chromium, app.url, by_role)
            CENSUS_FILE.write_text(json.dumps({"pages": census}, indent=1))
        census_path = (args.census or CENSUS_FILE).resolve()
        twin = serve(
            SYNTHETIC_APP, None, "twin.log", extra_env={"NTP_TWIN_CENSUS": str(census_path)}
        )
        names = [t.name for ts in by_role.values() for t in ts]
        twins = twin_census(chromium, twin.url, names)
        figs = measure(chromium, {"bare": bare, "app": app, "twin": twin}, by_role, args.runs)
    load_end = _load()
    text = table(census, twins, figs)
    print(text)
    print(f"load average at start / end: {load_start} / {load_end}")
    out = args.out or LOGS / f"floor-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {
        "census": census,
        "twins": twins,
        "samples": figs.samples,
        "errors": figs.errors,
        "load": [load_start, load_end],
    }
    out.write_text(json.dumps(record, indent=1))
    print(f"figures written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
