"""``python -m bench.long_jobs [--scale 100] [--backend sqlite]``: the long jobs of issue #22
on a throwaway copy of the cached demo database.

- the evidence package of one meeting (the meeting with the most agenda items) as the
  auditor, ``db.meetings.evidence.evidence_package`` called as the page calls it;
- a 100,000-row technologies import as staff: ``db.imports.check_file`` (the check the page
  runs on upload), then ``db.imports.import_file`` (check again and write, one transaction);
- ``python -m db verify-audit`` (log and record seals), its output lines timed as they come.

For each: wall and CPU time of this process (SQLite runs in it), and how progress is shown:
how many times the progress callback (the page's progress bar) was told, and the longest gap
without news (a user looks at a bar that does not move that long).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bench.databases import CACHE, ROOT, Databases
from bench.interactions import _actor, _engine, import_csv
from db import clock


class Ticks:
    """A progress callback that records when it was told what."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.times: list[float] = []

    def __call__(self, *args: Any) -> None:
        self.times.append(time.perf_counter() - self.t0)

    def summary(self, end: float) -> dict[str, Any]:
        marks = [0.0, *self.times, end]
        gaps = [b - a for a, b in itertools.pairwise(marks)]
        return {
            "progress_calls": len(self.times),
            "first_progress_s": round(self.times[0], 2) if self.times else None,
            "longest_gap_s": round(max(gaps), 2),
        }


def timed(fn: Callable[[Ticks], Any]) -> dict[str, Any]:
    ticks = Ticks()
    c0 = time.process_time()
    t0 = time.perf_counter()
    value = fn(ticks)
    wall = time.perf_counter() - t0
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        **ticks.summary(wall),
        "value": value,
    }


def evidence(url: str) -> dict[str, Any]:
    from db.meetings.evidence import evidence_package
    from db.models import AgendaItem
    from db.session import read_session

    auditor = _actor(url, "auditor.demo")
    eng = _engine(url)
    try:
        with read_session(eng) as s:
            mid, items = s.execute(
                select(AgendaItem.meeting_id, func.count())
                .group_by(AgendaItem.meeting_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()

        def run(ticks: Ticks) -> str:
            with read_session(eng) as s:
                z = evidence_package(session=s, actor=auditor, meeting_ids=[mid], progress=ticks)
            return f"meeting {mid} ({items} items): {len(z):,} bytes"

        return timed(run)
    finally:
        eng.dispose()


def big_import(url: str, n: int) -> dict[str, Any]:
    from components.imports import vocabulary
    from db import imports
    from db.session import read_session, write_session

    staff = _actor(url, "staff.demo")
    name, data = import_csv(url, n)
    eng = _engine(url)
    out: dict[str, Any] = {"rows": n, "bytes": len(data)}
    try:

        def check(ticks: Ticks) -> str:
            with read_session(eng) as s:
                r = imports.check_file(
                    session=s,
                    actor=staff,
                    register="technologies",
                    filename=name,
                    data=data,
                    vocabulary=vocabulary(),
                    progress=ticks,
                )
            return f"ok={r.ok} to_add={r.to_add} problems={r.problem_total}"

        def write(ticks: Ticks) -> str:
            with write_session(eng) as s:
                r = imports.import_file(
                    session=s,
                    actor=staff,
                    register="technologies",
                    filename=name,
                    data=data,
                    vocabulary=vocabulary(),
                    progress=ticks,
                )
            return f"added={r.added}"

        out["check"] = timed(check)
        out["write"] = timed(write)
    finally:
        eng.dispose()
    return out


def verify(url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "db", "verify-audit"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((round(time.perf_counter() - t0, 2), line.rstrip()[:160]))
    rc = proc.wait()
    wall = time.perf_counter() - t0
    marks = [0.0, *[t for t, _ in lines], wall]
    return {
        "wall_s": round(wall, 2),
        "exit": rc,
        "lines": len(lines),
        "first_line_s": lines[0][0] if lines else None,
        "longest_gap_s": round(max(b - a for a, b in itertools.pairwise(marks)), 2),
        "last_line": lines[-1][1] if lines else "",
        "output": lines[:40],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.long_jobs", description=__doc__)
    p.add_argument("--scale", type=int, default=100)
    p.add_argument("--backend", default="sqlite")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--skip", default="", help="comma-separated: evidence,import,verify")
    args = p.parse_args(argv)
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    res: dict[str, Any] = {
        "started": clock.city_now().isoformat(timespec="minutes"),
        "scale": args.scale,
        "backend": args.backend,
        "load_start": os.getloadavg(),
    }
    dbs = Databases(say=print)
    try:
        built = dbs.ensure(args.backend, args.scale)
        with dbs.working_copy(built, f"long_{args.backend}_{args.scale}") as url:
            if "verify" not in skip:
                print("verify-audit...", flush=True)
                res["verify"] = verify(url)
                print({k: v for k, v in res["verify"].items() if k != "output"}, flush=True)
            if "evidence" not in skip:
                print("evidence package...", flush=True)
                res["evidence"] = evidence(url)
                print(res["evidence"], flush=True)
            if "import" not in skip:
                print(f"{args.rows}-row import...", flush=True)
                res["import"] = big_import(url, args.rows)
                print(res["import"], flush=True)
    finally:
        dbs.close()
    res["load_end"] = os.getloadavg()
    out = CACHE / f"long-jobs-{args.backend}-s{args.scale}-{clock.city_now():%H%M%S}.json"
    out.write_text(json.dumps(res, indent=1, ensure_ascii=False))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
