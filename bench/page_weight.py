"""What a page open sends to the browser, at each scale: ``python -m bench.page_weight``.

``python -m bench.page_weight [--scales 1,100] [--backend sqlite] [--only overview,...]``

For every page of the page map, opened from the sidebar by its main role (as
``bench.run --quick`` opens it) on a ``streamlit run`` server per scale (a throwaway copy of
the cached database of ``bench/.cache``): the bytes and frames the browser received over the
websocket from the click to the run's end (``bench.browser``'s run watch), then, with the
page drawn, its Streamlit elements (``stElementContainer``), its data grids and charts, and the
DOM nodes of the whole page. Counts, not times: they do not depend on the load of the
machine, so they say whether a page is slower at scale 100 because it sends and draws more.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import browser
from bench.databases import CACHE, Databases
from bench.targets import APP, Target, page_targets
from components.navigation import default_page_for

LOGS = CACHE / "page-weight"

# Counted in the page once its run finished (a data grid is one canvas-drawn element whatever
# its rows; its rows are in the bytes received).
COUNT_JS = """() => {
  const n = (id) =>
    document.querySelectorAll(`[data-testid='stMain'] [data-testid='${id}']`).length;
  return {elements: n("stElementContainer"), grids: n("stDataFrame"),
          charts: n("stVegaLiteChart"), dom_nodes: document.getElementsByTagName("*").length};
}"""


class Received:
    """Bytes and frames the page received over its websockets since the last ``reset``."""

    def __init__(self, page: Any) -> None:
        self.bytes = self.frames = 0
        page.on("websocket", self._socket)

    def _socket(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        self.frames += 1
        self.bytes += len(payload)

    def reset(self) -> None:
        self.bytes = self.frames = 0


def weigh(page: Any, received: Received, target: Target, default: str, other: str) -> dict:
    """Open ``target`` from the sidebar; what the open received and what it drew."""
    here = browser._current_path(page) or default
    if here == target.url_path:  # leave it first, so that opening it is a page change
        browser._timed(page, browser._nav_link(page, other, default).click)
    link = browser._nav_link(page, target.url_path, default)
    received.reset()
    seconds = browser._timed(page, link.click)
    browser._no_exception(page, target.name)
    got = {"kB": round(received.bytes / 1000, 1), "frames": received.frames}
    return {**got, **page.evaluate(COUNT_JS), "seconds": round(seconds, 2)}


def targets_by_role(only: list[str] | None) -> dict[str, list[Target]]:
    """Every signed-in page under its main role (as ``bench.browser.measure`` opens them)."""
    by_role: dict[str, list[Target]] = {}
    for t in page_targets():
        if t.role and not t.public and (only is None or t.url_path in only):
            by_role.setdefault(t.role, []).append(t)
    return by_role


def measure(chromium: Any, url: str, by_role: dict[str, list[Target]]) -> dict[str, dict]:
    """Each role signs in (a fresh context) and opens its pages in turn."""
    from tests.apptest import ROLE_ACCOUNTS

    out: dict[str, dict] = {}
    for role, targets in by_role.items():
        ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
        try:
            page = ctx.new_page()
            received = Received(page)
            default = default_page_for({role})
            metric = "[data-testid='stMetric']" if default == "overview" else None
            browser.sign_in(page, url, ROLE_ACCOUNTS[role], extra=metric)
            other = next(
                (t.url_path for t in targets if t.url_path not in (default, "account")),
                "account",
            )
            for t in targets:
                fallback = other if other != t.url_path else default
                try:
                    out[t.name] = {"role": role, **weigh(page, received, t, default, fallback)}
                except Exception as exc:
                    out[t.name] = {"role": role, "error": f"{type(exc).__name__}: {exc}"[:200]}
        finally:
            ctx.close()
    return out


def table(weights: dict[str, dict[str, dict]]) -> str:
    """One line per page: what it received and drew at each scale."""
    scales = sorted(weights, key=int)
    cols = ["kB", "frames", "elements", "grids", "charts", "dom_nodes"]
    head = ["page", *[f"{c} @{s}" for c in cols for s in scales]]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    names = dict.fromkeys(n for s in scales for n in weights[s])
    for name in names:
        recs = [weights[s].get(name, {}) for s in scales]
        cells = [str(r.get(c, "-")) if "error" not in r else "error" for c in cols for r in recs]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def servers(dbs: Databases, backend: str, scales: list[int]) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        for s in scales:
            built = dbs.ensure(backend, s)
            db_url = stack.enter_context(dbs.working_copy(built, f"weight_{backend}_s{s}"))
            server = browser.start_server(APP, db_url, LOGS / f"streamlit-s{s}.log")
            stack.callback(server.stop)
            urls[str(s)] = server.url
        yield urls


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__)
    p.add_argument("--scales", default="1,100")
    p.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    p.add_argument("--only", help="just these pages (addresses)")
    p.add_argument("--out", type=Path, help="JSON of the counts")
    args = p.parse_args(argv)
    only = [x.strip() for x in args.only.split(",")] if args.only else None
    LOGS.mkdir(parents=True, exist_ok=True)
    dbs = Databases(say=lambda m: print(m, file=sys.stderr))
    weights: dict[str, dict[str, dict]] = {}
    try:
        scales = [int(s) for s in args.scales.split(",")]
        with servers(dbs, args.backend, scales) as urls, browser.chromium() as chromium:
            by_role = targets_by_role(only)
            for scale, url in urls.items():
                weights[scale] = measure(chromium, url, by_role)
    finally:
        dbs.close()
    print(table(weights))
    out = args.out or LOGS / f"weights-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(weights, indent=1))
    print(f"counts written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
