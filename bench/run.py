"""``python -m bench.run [--scales 1,100] [--backends sqlite,postgresql] [--runs 5] [--quick]``

Builds (or reuses, from ``bench/.cache/``) the demo database at each scale on each backend,
then measures every page of ``components.navigation.PAGES`` as its main role beside its
floors, and prints one markdown table with the targets of issues 8 and 22, also written to
``bench/RESULTS.md``. ``--quick``: scale 1 (``--scales 100`` or ``1,100``: those, the scales
in the same rounds), SQLite (``--backends postgresql``: PostgreSQL 15, a cluster of its own
under ``bench/.cache/pg``), 3 runs, the browser only (every role's
pages, the public pages and the interactions of ``bench/interactions.py``), one table with
each figure's ratio to its floor and pass/fail (``bench.report.quick_table``), the report
written to ``bench/.cache/RESULTS-quick.md`` so the committed baseline stays; about 17
minutes at a load average of 10.

Per backend, on throwaway copies of the cached databases:

1. ``python -m db verify-audit`` (and its process floor ``python -m db current``);
2. AppTest cold and warm render times of every page (and the audit trail filtered), the bare
   page and the bare page inside ``app.py``, all scales interleaved in one worker process
   (``bench.apptest_worker``), with the first view after a write (stored summaries deleted),
   the page's SQL alone (its cold render's statements replayed on a fresh connection), the
   process's peak RSS while each page renders (``--memory-processes``: instead, one fresh
   process per page and scale, once), and two interactions: an approval (click to
   confirmation) and a 20-row import (check, then import);
3. headless Chromium against ``streamlit run`` on each scale, with the bare app as floor:
   the executive's sign-in to the overview and opening each register from the sidebar;
   ``--browser-all-roles``: every role's sign-in and every page as its main role, and the
   public pages; and the interactions (``--no-interactions``: not) beside the bare app's
   button rerun.

A full run (scales 1 and 100, both backends, 5 runs, ``--parallel``) took about 61 minutes on
a loaded 2-core VM before the first view after a write, the SQL alone and the interactions
were added.

A step that fails is reported in the table; servers are stopped at exit (also on Ctrl-C or
SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, text

from bench import browser, report
from bench.databases import CACHE, ROOT, Built, Databases
from bench.pg import PgUnavailable
from bench.targets import APP, BARE_APP, all_targets
from db import clock

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"
LOGS = CACHE / "logs"
TIMES_TIMEOUT_S = 90 * 60
MEMORY_TIMEOUT_S = 5 * 60
VERIFY_TIMEOUT_S = 20 * 60


def say(msg: str) -> None:
    print(f"[{clock.city_now():%H:%M:%S}] {msg}", flush=True)


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[1])
    p.add_argument(
        "--scales",
        "--scale",
        help="comma-separated scales (default 1,100; --quick: 1, or the scales named, e.g. "
        "--quick --scales 1,100 for both in the same rounds)",
    )
    p.add_argument(
        "--backends",
        help="sqlite,postgresql (default both; --quick: sqlite, or the backends named)",
    )
    p.add_argument("--runs", type=int, help="runs per figure; medians (default 5, quick 3)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="scale 1 (or --scales), SQLite (or --backends), 3 runs, browser only (every role's "
        "pages, the public pages and the interactions): one table with each figure's ratio and "
        "pass/fail",
    )
    p.add_argument(
        "--no-apptest",
        action="store_true",
        help="skip the AppTest figures and the audit verification (browser only)",
    )
    p.add_argument("--no-interactions", action="store_true", help="browser: pages only")
    p.add_argument(
        "--only",
        help="browser: just these pages (addresses, e.g. work_queue,overview) and the "
        "interactions whose name holds one of the words (e.g. filter); floors and sign-ins "
        "are always taken",
    )
    p.add_argument("--no-browser", action="store_true", help="skip the Chromium figures")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory figures")
    p.add_argument(
        "--memory-processes",
        action="store_true",
        help="peak memory in one fresh process per page and scale (once) instead of inside "
        "the timing worker",
    )
    p.add_argument(
        "--browser-all-roles",
        action="store_true",
        help="browser: every role's sign-in and pages (default: the executive's)",
    )
    p.add_argument(
        "--parallel",
        action="store_true",
        help="run the backends at the same time, one process each, and merge their figures "
        "(each figure is still taken interleaved with its floors)",
    )
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    p.add_argument(
        "--reseed",
        action="store_true",
        help="rebuild the cached databases that an older version of seed/ built",
    )
    p.add_argument("--out", type=Path, help="markdown report (default bench/RESULTS.md)")
    p.add_argument(
        "--json", type=Path, help="raw figures (default bench/.cache/results-<time>.json)"
    )
    return p


# Machine --------------------------------------------------------------------------------


def _cmd_output(*args: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 (fixed arguments)
            list(args), capture_output=True, text=True, timeout=30, check=False
        )
        return out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine(pg_version: str | None) -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} (Linux {platform.release()})"
    import streamlit

    chromium = browser.chromium_path()
    return {
        "cpu": cpu,
        "cores": f"{psutil.cpu_count(logical=True)} logical cores "
        f"({psutil.cpu_count(logical=False)} physical)",
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM",
        "os": os_name,
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "PostgreSQL not used",
        "chromium": _cmd_output(chromium, "--version") if chromium else "no Chromium",
        "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def git_state() -> dict[str, Any]:
    snapshot = os.environ.get("NTP_BENCH_COMMIT")
    if snapshot:  # run from an exported copy of that commit (`git archive`): nothing else
        return {"commit": snapshot, "dirty": "", "snapshot": True}
    commit = _cmd_output("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    status = _cmd_output("git", "-C", str(ROOT), "status", "--porcelain")
    dirty = sorted(
        line[3:]
        for line in status.splitlines()
        if line[3:].split("/")[0] in {"app.py", "pages", "components", "db"}
    )
    return {"commit": commit, "dirty": ", ".join(dirty)}


# Steps ----------------------------------------------------------------------------------


def app_env() -> dict[str, str]:
    return {
        **os.environ,
        "NTP_DEMO": "1",
        "NTP_COOKIE_KEY": secrets.token_urlsafe(48),
        "NTP_LANG": "en",
        "PYTHONPATH": str(ROOT),
    }


def _python(args: list[str], env: dict[str, str], log: Path, timeout: float) -> int:
    """Run ``python args`` from the project root, output to ``log``; the exit code."""
    with log.open("ab") as out:
        out.write(f"\n$ python {shlex.join(args)}\n".encode())
        out.flush()
        proc = subprocess.run(  # noqa: S603 (fixed arguments)
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    return proc.returncode


def count_events(url: str) -> int:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM audit_events")).scalar_one())
    finally:
        eng.dispose()


def verify(url: str, runs: int, log: Path) -> dict[str, Any]:
    """``python -m db verify-audit`` timed ``runs`` times, beside ``python -m db current``."""
    env = {**app_env(), "DATABASE_URL": url}
    res: dict[str, Any] = {"events": count_events(url), "samples": [], "floor": []}
    for _ in range(runs):
        for cmd, key in (("current", "floor"), ("verify-audit", "samples")):
            t0 = time.perf_counter()
            rc = _python(["-m", "db", cmd], env, log, VERIFY_TIMEOUT_S)
            elapsed = time.perf_counter() - t0
            if rc != 0:
                res["error"] = f"`python -m db {cmd}` exited with {rc} (see {log})"
                return res
            res[key].append(elapsed)
    tail = log.read_text(errors="replace").strip().splitlines()
    res["output"] = "intact" if tail and "intact" in tail[-1] else (tail[-1] if tail else "")
    return res


def apptest_times(urls: dict[str, str], runs: int, log: Path) -> dict[str, Any]:
    out = LOGS / f"{log.stem}.json"
    out.unlink(missing_ok=True)
    args = ["-m", "bench.apptest_worker", "times", "--runs", str(runs), "--out", str(out)]
    for scale, url in urls.items():
        args += ["--db", f"{scale}={url}"]
    rc = _python(args, app_env(), log, TIMES_TIMEOUT_S)
    if rc != 0 or not out.exists():
        tail = log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"the AppTest worker exited with {rc}: {tail}")
    return json.loads(out.read_text())


def memory(urls: dict[str, str], runs: int, log: Path) -> dict[str, dict[str, Any]]:
    """Median peak RSS per scale and target, one process each, interleaved."""
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    out = LOGS / f"{log.stem}.json"
    for _ in range(runs):
        for scale, url in urls.items():
            env = {**app_env(), "DATABASE_URL": url}
            for t in all_targets():
                out.unlink(missing_ok=True)
                args = ["-m", "bench.apptest_worker", "memory", "--target", t.name]
                try:
                    rc = _python([*args, "--out", str(out)], env, log, MEMORY_TIMEOUT_S)
                    rec = (
                        json.loads(out.read_text())
                        if out.exists()
                        else {"error": f"worker exited with {rc}"}
                    )
                except subprocess.TimeoutExpired:
                    rec = {"error": f"timed out after {MEMORY_TIMEOUT_S} s"}
                samples.setdefault(scale, {}).setdefault(t.name, []).append(rec)
    result: dict[str, dict[str, Any]] = {}
    for scale, by_target in samples.items():
        for name, recs in by_target.items():
            good = [r for r in recs if not r.get("error")]
            errors = [r["error"] for r in recs if r.get("error")]
            result.setdefault(scale, {})[name] = {
                "peak_mb": report.median(r["peak_mb"] for r in good),
                "rss_before_mb": report.median(r["rss_before_mb"] for r in good),
                "samples": [r["peak_mb"] for r in good],
                "error": errors[0] if errors else None,
                "failed_runs": f"{len(errors)} of {len(recs)} runs" if errors else None,
            }
    return result


def inline_memory(apptest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Median peak RSS per scale and target, from the timing worker's samples."""
    result: dict[str, dict[str, Any]] = {}
    for scale, by_target in apptest.items():
        for name, rec in by_target.items():
            peaks = rec.get("peak_mb") or []
            result.setdefault(scale, {})[name] = {
                "peak_mb": report.median(peaks),
                "rise_mb": report.median(rec.get("rise_mb") or []),
                "samples": peaks,
                "error": None if peaks or rec.get("error") else "no memory samples",
                "failed_runs": None,
            }
    return result


def browser_figures(
    urls: dict[str, str],
    runs: int,
    tag: str,
    roles: list[str] | None,
    interactions: bool,
    only: list[str] | None = None,
) -> dict[str, Any]:
    servers: dict[str, browser.Server] = {}
    bare = None
    try:
        for scale, url in urls.items():
            servers[scale] = browser.start_server(APP, url, LOGS / f"streamlit-{tag}-s{scale}.log")
        bare = browser.start_server(BARE_APP, None, LOGS / f"streamlit-{tag}-bare.log")
        figs = browser.measure(
            servers, bare, runs, roles=roles, db_urls=urls, interactions=interactions, only=only
        )
        return {"samples": figs.samples, "errors": figs.errors, "failed": figs.failed}
    finally:
        for s in [*servers.values(), *([bare] if bare else [])]:
            s.stop()


def run_backend(
    dbs: Databases, backend: str, built: dict[str, Built], args: argparse.Namespace
) -> dict[str, Any]:
    res: dict[str, Any] = {"seed": {s: asdict(b) for s, b in built.items()}}
    with contextlib.ExitStack() as stack:
        urls = {
            s: stack.enter_context(dbs.working_copy(b, f"{backend}_s{s}")) for s, b in built.items()
        }
        res["verify"] = {}
        for scale, url in urls.items() if not args.no_apptest else ():
            say(f"{backend} @{scale}: python -m db verify-audit x{args.runs}")
            try:
                res["verify"][scale] = verify(
                    url, args.runs, LOGS / f"verify-{backend}-s{scale}.log"
                )
            except Exception as exc:
                res["verify"][scale] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        if not args.no_apptest:
            say(f"{backend}: AppTest page times, scales {', '.join(urls)}, {args.runs} runs")
            try:
                measured = apptest_times(urls, args.runs, LOGS / f"apptest-{backend}.log")
                res["apptest"] = measured["pages"]
                res["interactions"] = measured["interactions"]
            except Exception as exc:
                res["error"] = f"AppTest timings failed: {exc}"[:1500]
        if not args.no_memory and args.memory_processes:
            say(f"{backend}: peak memory per page, one process each")
            try:
                res["memory"] = memory(urls, 1, LOGS / f"memory-{backend}.log")
                res["memory_mode"] = "processes"
            except Exception as exc:
                res["memory_error"] = f"{type(exc).__name__}: {exc}"[:300]
        elif not args.no_memory and res.get("apptest"):
            res["memory"] = inline_memory(res["apptest"])
            res["memory_mode"] = "inline"
        if not args.no_browser:
            say(f"{backend}: headless Chromium, {args.runs} runs")
            roles = None if args.browser_all_roles else ["executive"]
            try:
                res["browser"] = browser_figures(
                    urls,
                    args.runs,
                    backend,
                    roles,
                    not args.no_interactions,
                    _csv(args.only) if args.only else None,
                )
            except Exception as exc:
                res["browser_error"] = f"{type(exc).__name__}: {exc}"[:600]
    return res


# Main -----------------------------------------------------------------------------------


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    old = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_in_parallel(args: argparse.Namespace, backends: list[str], out: Path) -> int:
    """One ``python -m bench.run --backends B`` per backend at the same time; one report."""
    passed = ["--scales", args.scales, "--runs", str(args.runs)]
    for flag in (
        "no_browser",
        "no_memory",
        "memory_processes",
        "browser_all_roles",
        "no_apptest",
        "no_interactions",
    ):
        if getattr(args, flag):
            passed.append("--" + flag.replace("_", "-"))
    for flag in ("rebuild", "reseed"):
        if getattr(args, flag):
            passed.append("--" + flag)
    if args.only:
        passed += ["--only", args.only]
    procs = {}
    for backend in backends:
        cmd = [sys.executable, "-m", "bench.run", "--child", "--backends", backend, *passed]
        cmd += ["--json", str(LOGS / f"results-{backend}.json")]
        cmd += ["--out", str(LOGS / f"report-{backend}.md")]
        say(f"{backend}: started in its own process (log: {LOGS / f'run-{backend}.log'})")
        log = (LOGS / f"run-{backend}.log").open("wb")
        procs[backend] = subprocess.Popen(  # noqa: S603 (fixed arguments)
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        codes = {b: p.wait() for b, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
    parts = []
    for backend in backends:
        raw = LOGS / f"results-{backend}.json"
        if raw.exists():
            parts.append(json.loads(raw.read_text()))
        else:
            say(f"{backend}: no figures (exit {codes[backend]}; see its log)")
    if not parts:
        return 1
    merged = report.merge(parts)
    merged["command"] = "python -m bench.run " + " ".join(sys.argv[1:])
    merged["notes"].append("The backends ran at the same time, one process each (`--parallel`).")
    raw = CACHE / f"results-{clock.city_now():%Y%m%d-%H%M%S}.json"
    raw.write_text(json.dumps(merged, indent=1))
    text = report.render(merged)
    report.write(out, text)
    print(text)
    say(f"report written to {out} (raw figures: {raw})")
    return 0 if all(c == 0 for c in codes.values()) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, with the defaults ``--quick`` implies (the scales and backends named
    are kept)."""
    args = build_parser().parse_args(argv)
    if args.quick:
        args.scales, args.backends = args.scales or "1", args.backends or "sqlite"
        args.runs = args.runs or 3
        args.no_apptest = args.no_memory = args.browser_all_roles = True
    args.scales = args.scales or "1,100"
    args.backends = args.backends or "sqlite,postgresql"
    args.runs = args.runs or 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    scales = [int(s) for s in _csv(args.scales)]
    backends = _csv(args.backends)
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not scales or args.runs < 1:
        print(f"unknown backend(s) {sorted(unknown)}" if unknown else "nothing to run")
        return 2
    out = args.out or (CACHE / "RESULTS-quick.md" if args.quick else RESULTS_MD)
    if not args.child:
        shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    if args.parallel and len(backends) > 1:
        return run_in_parallel(args, backends, out)
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "command": command.strip(),
        "started": clock.city_now().isoformat(timespec="minutes"),
        "git": git_state(),
        "backends": {},
        "notes": [],
    }
    dbs = Databases(rebuild=args.rebuild, reseed=args.reseed, say=say)
    results["seed_fingerprint"] = dbs.fp
    pg_version = None
    with _cleanup_on_signals():
        try:
            built: dict[str, dict[str, Built]] = {}
            for backend in backends:
                try:
                    built[backend] = {str(s): dbs.ensure(backend, s) for s in scales}
                    if backend == "postgresql":
                        pg_version = dbs.pg().version()
                except (PgUnavailable, RuntimeError, subprocess.SubprocessError) as exc:
                    results["backends"][backend] = {"error": f"no database: {exc}"[:600]}
            results["machine"] = machine(pg_version)
            for backend, b in built.items():
                results["backends"][backend] = run_backend(dbs, backend, b, args)
        finally:
            dbs.close()
    results["finished"] = clock.city_now().isoformat(timespec="minutes")
    results.setdefault("machine", machine(pg_version))
    results["machine"]["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    raw = args.json or CACHE / f"results-{clock.city_now():%Y%m%d-%H%M%S}.json"
    raw.write_text(json.dumps(results, indent=1))
    text = report.render(results)
    report.write(out, text)
    print(report.quick_table(results) if args.quick else text)
    say(f"report written to {out} (raw figures: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
