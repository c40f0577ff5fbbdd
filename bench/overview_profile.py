"""Where the browser's time goes on the overview: ``python -m bench.overview_profile``.

``python -m bench.overview_profile [--rounds 5] [--serve NAME=DIR ...] [--out FILE]``

Serves the app of each ``DIR`` (a checkout: ``before=/tmp/base``, ``after=.``; default: this
checkout alone) with ``streamlit run`` on a copy of the cached scale-1 SQLite database, signs
in as the executive in one Chromium, and measures, in rounds that alternate which checkout goes
first, the two actions of issue #22's overview figures:

- *open*: the overview opened from *My account* in the sidebar;
- *as-of*: 2019-08-08 typed into *As of* on a freshly loaded overview.

For each, with the Chrome DevTools Protocol: the wall time to the run's end (``RUNS_JS``) and
the server's share of it (rerun request sent to script finished), the last change of the page
after the click (its drawing goes on after the run: charts are embedded asynchronously), the
renderer's task, script, layout and style time (``Performance.getMetrics`` over the action and
``SETTLE_S`` after it), long tasks, bytes and frames received, and a CPU profile's self time
by script file (``embed``: Vega, Vega-Lite and vega-embed; ``index``: React and the app
shell; ``arrowFormatUtils``/``Quiver``: Arrow tables; ...). Then the drawn page's DOM nodes,
Streamlit elements and Vega views. Medians per checkout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import browser
from bench.databases import CACHE, Databases
from bench.page_weight import COUNT_JS, Received
from tests.apptest import ROLE_ACCOUNTS

LOGS = CACHE / "overview-profile"
SETTLE_S = 2.0  # after the run's end: what the browser still draws (charts embed async)
METRIC = "[data-testid='stMetric']"

# After RUNS_JS: the times of its phases (1 request sent, 2 run started, 3 finished), the
# page's long tasks and its last DOM change.
TIMES_JS = """(() => {
  const r = window.__benchRuns; let p = r.phase; r.t = {};
  Object.defineProperty(r, "phase", {get() { return p; },
    set(v) { p = v; if (v === 0) r.t = {}; else r.t[v] = performance.now(); }});
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries())
    window.__long.push([e.startTime, e.duration]); }).observe({entryTypes: ["longtask"]});
  window.__lastChange = 0;
  const watch = () => new MutationObserver(() => { window.__lastChange = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  if (document.body) watch(); else addEventListener("DOMContentLoaded", watch);
})();"""


def serve(directory: Path, db_url: str, log: Path) -> browser.Server:
    """``streamlit run app.py`` of ``directory`` on a free port (as ``bench.browser``)."""
    return browser.start_server(
        directory / "app.py", db_url, log, cwd=directory, extra_env={"PYTHONPATH": str(directory)}
    )


def by_file(profile: dict[str, Any]) -> dict[str, float]:
    """Self time (ms) of a CPU profile by script file (``name.hash.js`` -> ``name``) or by
    V8's own entries (``(garbage collector)``, ``(program)``); idle left out."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    out: dict[str, float] = defaultdict(float)
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[node_id]["callFrame"]
        url = frame.get("url") or ""
        if url:
            name = urllib.parse.urlparse(url).path.rsplit("/", 1)[-1].split(".")[0] or url
        else:
            name = frame.get("functionName") or "(anonymous)"
        if name != "(idle)":
            out[name] += delta / 1000
    return dict(out)


class Probe:
    """One signed-in page of one server, with its DevTools session."""

    def __init__(self, chromium: Any, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.ctx.new_page()
        self.received = Received(self.page)
        browser.watch(self.page)
        self.page.add_init_script(TIMES_JS)
        browser.sign_in(self.page, url, ROLE_ACCOUNTS["executive"], extra=METRIC)
        self.cdp = self.ctx.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")
        self.cdp.send("Profiler.enable")
        self.cdp.send("Profiler.setSamplingInterval", {"interval": 1000})

    def close(self) -> None:
        self.ctx.close()

    def _metrics(self) -> dict[str, float]:
        return {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}

    def measure(self, action: Any, shows: Any) -> dict[str, Any]:
        page = self.page
        page.evaluate("() => { window.__long = []; }")
        self.received.reset()
        m0 = self._metrics()
        self.cdp.send("Profiler.start")
        browser.arm(page)
        t0_page = page.evaluate("() => performance.now()")
        t0 = time.perf_counter()
        action()
        browser.wait_run(page)
        shows()
        page.wait_for_selector(browser.READY, timeout=browser.TIMEOUT_MS)
        wall = time.perf_counter() - t0
        page.wait_for_timeout(SETTLE_S * 1000)
        profile = self.cdp.send("Profiler.stop")["profile"]
        m1 = self._metrics()
        got = page.evaluate(
            "() => ({t: window.__benchRuns.t, long: window.__long, last: window.__lastChange})"
        )
        t = {int(k): v for k, v in got["t"].items()}
        d = {k: round((m1[k] - m0[k]) * 1000) for k in m1 if k.endswith("Duration")}
        return {
            "wall_ms": round(wall * 1000),
            "server_ms": round(t[3] - t[1]) if 1 in t and 3 in t else None,
            "drawn_ms": round(got["last"] - t0_page),
            "task_ms": d["TaskDuration"] - d["DevToolsCommandDuration"],
            "script_ms": d.get("ScriptDuration"),
            "layout_ms": d.get("LayoutDuration"),
            "style_ms": d.get("RecalcStyleDuration"),
            "long_tasks": len(got["long"]),
            "long_ms": round(sum(x[1] for x in got["long"])),
            "kB": round(self.received.bytes / 1000, 1),
            "frames": self.received.frames,
            "files": {k: round(v) for k, v in by_file(profile).items()},
            **page.evaluate(COUNT_JS),
        }

    def open_overview(self) -> dict[str, Any]:
        page = self.page
        page.goto(f"{self.url}/account")
        browser._settle(page)
        link = browser._nav_link(page, "overview", "overview")
        return self.measure(
            link.click, lambda: page.locator(METRIC).first.wait_for(timeout=browser.TIMEOUT_MS)
        )

    def as_of(self) -> dict[str, Any]:
        page = self.page
        page.goto(self.url)
        page.locator(METRIC).first.wait_for(timeout=browser.TIMEOUT_MS)
        browser._settle(page)
        page.wait_for_timeout(SETTLE_S * 1000)
        field = page.get_by_role("group", name="As of")
        field.get_by_role("spinbutton").first.click()
        page.keyboard.type("20190808", delay=30)

        def commit() -> None:
            page.keyboard.press("Enter")
            page.get_by_role("heading").first.click()

        def shows() -> None:
            page.wait_for_function(
                "location.search.includes('as_of=2019-08-08')",
                timeout=browser.TIMEOUT_MS,
                polling=10,
            )
            page.locator(METRIC).first.wait_for(timeout=browser.TIMEOUT_MS)

        return self.measure(commit, shows)


def medians(samples: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in samples[0]:
        if k == "files":
            names = {n for s in samples for n in s["files"]}
            files = {n: statistics.median(s["files"].get(n, 0) for s in samples) for n in names}
            out["files"] = dict(sorted(files.items(), key=lambda kv: -kv[1])[:12])
        elif all(isinstance(s[k], int | float) for s in samples):
            out[k] = statistics.median(s[k] for s in samples)
    return out


@contextlib.contextmanager
def servers(dirs: dict[str, Path]) -> Iterator[dict[str, str]]:
    dbs = Databases(say=lambda m: print(m, file=sys.stderr))
    with contextlib.ExitStack() as stack:
        stack.callback(dbs.close)
        built = dbs.ensure("sqlite", 1)
        urls = {}
        for name, directory in dirs.items():
            db_url = stack.enter_context(dbs.working_copy(built, f"profile_{name}"))
            server = serve(directory, db_url, LOGS / f"streamlit-{name}.log")
            stack.callback(server.stop)
            urls[name] = server.url
        yield urls


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.overview_profile", description=__doc__)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--serve", action="append", help="NAME=DIR (repeatable); default: this")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    pairs = [s.split("=", 1) for s in args.serve or [f"this={root}"]]
    dirs = {name: Path(d).resolve() for name, d in pairs}
    LOGS.mkdir(parents=True, exist_ok=True)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        n: {"open": [], "as-of": []} for n in dirs
    }
    loads = []
    with servers(dirs) as urls, browser.chromium() as chromium:
        probes = {n: Probe(chromium, n, u) for n, u in urls.items()}
        try:
            names = list(probes)
            for r in range(args.rounds):
                loads.append(os.getloadavg()[0])
                order = names if r % 2 == 0 else names[::-1]
                for n in order:
                    samples[n]["open"].append(probes[n].open_overview())
                for n in order:
                    samples[n]["as-of"].append(probes[n].as_of())
                print(f"round {r + 1}/{args.rounds} load {loads[-1]:.1f}", file=sys.stderr)
        finally:
            for probe in probes.values():
                probe.close()
    result = {
        "load": [round(x, 1) for x in loads],
        "medians": {n: {a: medians(s) for a, s in acts.items()} for n, acts in samples.items()},
        "samples": samples,
    }
    out = args.out or LOGS / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps({"load": result["load"], "medians": result["medians"]}, indent=1))
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
