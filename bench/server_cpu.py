"""Server CPU per page run, with and without Streamlit's full garbage collection after every
script run (``runner.postScriptGC``), in a real browser.

Two ``streamlit run app.py`` servers on the same scale-1 demo database, one with the
collection and one without; one signed-in Chromium session each (the executive) opens every
page of its menu in turn, rounds interleaved between the servers. Reported per server: the
server process's CPU seconds (user + system, psutil) per page run, its resident memory after
each round, the median wall time per page, and any click whose run was not seen to finish
in 30 s. CPU time is what the collection costs and is far less sensitive to other load on
the machine than wall time.

    python -m bench.server_cpu [--rounds 4] [--database sqlite:///path]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import browser
from bench.targets import ROOT, page_targets
from components.navigation import default_page_for
from tests.apptest import ROLE_ACCOUNTS

CONFIGS = {"postScriptGC on": "true", "postScriptGC off": "false"}


def _cpu(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def _rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss / 2**20)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--database", help="a seeded database URL (default: build scale 1)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ntp-gc-"))
    url = args.database
    if url is None:
        url = f"sqlite:///{work / 'demo.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url, "NTP_DEMO": "1"}
        cmd = [sys.executable, "-m", "seed", "--scale", "1", "--demo-accounts"]
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    servers: dict[str, browser.Server] = {}
    try:
        for name, value in CONFIGS.items():
            os.environ["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = value
            servers[name] = browser.start_server(ROOT / "app.py", url, work / f"{value}.log")
        os.environ.pop("STREAMLIT_RUNNER_POST_SCRIPT_GC", None)
        res = _measure(servers, args.rounds)
    finally:
        for s in servers.values():
            s.stop()
    print(f"load average at the end: {os.getloadavg()}")
    print("| server | CPU per page run (median) | rounds | RSS after each round | missed |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in res.items():
        cpu = ", ".join(f"{x * 1000:.0f}" for x in r["cpu"])
        rss = ", ".join(f"{x:.0f}" for x in r["rss"])
        med = statistics.median(r["cpu"]) * 1000
        print(f"| {name} | {med:.0f} ms | {cpu} ms | {rss} MB | {len(r['missed'])} |")
    print()
    names = sorted({n for r in res.values() for n in r["wall"]})
    print("| page | " + " | ".join(res) + " |")
    print("| --- | " + " | ".join("---" for _ in res) + " |")
    for n in names:
        cells = [
            f"{statistics.median(r['wall'][n]) * 1000:.0f} ms" if r["wall"].get(n) else "-"
            for r in res.values()
        ]
        print(f"| {n} | " + " | ".join(cells) + " |")


def _measure(servers: dict[str, browser.Server], rounds: int) -> dict[str, dict[str, Any]]:
    role = "executive"
    default = default_page_for({role})
    targets = [t for t in page_targets() if t.role == role]
    res: dict[str, dict[str, Any]] = {
        k: {"cpu": [], "rss": [], "wall": {}, "missed": []} for k in servers
    }
    with browser.chromium() as b:
        pages = {}
        for key, srv in servers.items():
            page = b.new_context(viewport={"width": 1400, "height": 900}).new_page()
            browser.sign_in(page, srv.url, ROLE_ACCOUNTS[role], extra="[data-testid='stMetric']")
            pages[key] = page
        for r in range(rounds + 1):  # round 0 warms up and is dropped
            for key, srv in servers.items():
                page, pid, runs = pages[key], srv.process.pid, 0
                c0 = _cpu(pid)
                for t in targets:
                    here = browser._current_path(page) or default
                    other = default if t.url_path != default else "account"
                    try:
                        wall = browser.open_page(page, t, default, other)
                    except Exception as exc:  # a run not seen to finish: count it, go on
                        res[key]["missed"].append(f"{t.name}: {type(exc).__name__}")
                        page.reload()
                        page.wait_for_selector(browser.READY, timeout=60_000)
                        continue
                    runs += 2 if here == t.url_path else 1
                    if r:
                        res[key]["wall"].setdefault(t.name, []).append(wall)
                if r and runs:
                    res[key]["cpu"].append((_cpu(pid) - c0) / runs)
                    res[key]["rss"].append(_rss_mb(pid))
    return res


if __name__ == "__main__":
    main()
