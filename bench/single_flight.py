"""Page runs computing the overview's stored summaries at once, right after the data changed
(issue #22, session 11): ``threads`` threads of one process (as Streamlit runs sessions) each
read what the overview shows by default, every figure in a read session of its own (as
``components.data`` does), after the table of stored summaries was emptied (a new data
version: nothing stored yet). With ``--refresh`` the background refresh of a write runs
beside them, as after a write.

Prints wall time, the process's CPU seconds, the stores attempted (one per computation) and
the "database is locked" warnings. Use a copy of a database: it empties its stored summaries.

    python -m bench.single_flight sqlite:////tmp/copy.sqlite3 --threads 8 [--refresh]
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from db import clock
from db import summaries as S
from db.engine import make_engine
from db.models import StoredSummary
from db.session import read_session, write_session


class Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.locked = 0
        self.not_stored = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "not stored" in text:
            self.not_stored += 1
            self.locked += "database is locked" in text or "lock timeout" in text


def overview_reads(as_of: Any) -> list[Any]:
    """The overview's part of :func:`db.summaries.default_reads` (headlines, trends,
    pipeline, breakdowns, last changed, records behind the tiles)."""
    return [r for r in S.default_reads(as_of) if r.read.__name__ in OVERVIEW]


OVERVIEW = {
    "headline",
    "monthly_counts",
    "pipeline",
    "breakdown",
    "last_changed_by_entity",
    "records_behind",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--refresh", action="store_true")
    args = ap.parse_args(argv)

    engine = make_engine(args.url)
    with write_session(engine) as s:
        s.execute(delete(StoredSummary))
    as_of = clock.city_today()
    reads = overview_reads(as_of)
    count = Count()
    logging.getLogger("db.summaries").addHandler(count)
    inserts = [0]
    lock = threading.Lock()

    def seen(conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO STORED_SUMMARIES"):
            with lock:
                inserts[0] += 1

    event.listen(engine, "after_cursor_execute", seen)
    start = threading.Barrier(args.threads + 1)
    errors: list[BaseException] = []

    def page() -> None:
        try:
            start.wait(60)
            for read in reads:
                with read_session(engine) as s:
                    read(s, S.data_version(s))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=page) for _ in range(args.threads)]
    for t in threads:
        t.start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if args.refresh:
        S.refresh_in_background(engine, as_of)
    start.wait(60)
    for t in threads:
        t.join()
    pages_wall = time.perf_counter() - wall0
    S.wait_for_refresh()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    with Session(engine) as s:
        rows = s.query(StoredSummary).count()
    print(
        json.dumps(
            {
                "threads": args.threads,
                "refresh": args.refresh,
                "figures": len(reads),
                "pages_wall_s": round(pages_wall, 2),
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "page_stores": inserts[0],
                "not_stored": count.not_stored,
                "locked": count.locked,
                "rows": rows,
                "errors": [repr(e) for e in errors],
            }
        )
    )
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
