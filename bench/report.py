# Over 500 lines on purpose: benchmark tooling, not shipped: one report of every target.
"""Turn the raw results of ``bench.run`` into one markdown report with the issue's targets.

``python -m bench.report RESULTS.json [--out FILE]`` rebuilds the report from a saved run.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.targets import (
    AUDIT,
    AUDIT_FILTERED,
    BARE,
    PAGE_GROWTH_MAX,
    SHELL,
    browser_floor,
    browser_target,
)

# Targets of issue 8 (ratios within one run, medians).
WARM_MAX = 3.0  # page warm <= 3x the bare page
COLD_MAX = 4.0  # page cold at scale 100 <= 4x the bare page
GROWTH_MAX = 1.3  # page cold at 100 <= 1.3x itself at 1
MEMORY_MAX_MB = 50.0  # peak at 100 <= peak at 1 + 50 MB
BROWSER_GROWTH_MAX = 1.3  # browser sign-in to overview at 100 <= 1.3x at 1
VERIFY_MAX_S = 30.0  # verification of 1M events < 30 s

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

AUDIT_MAX = 3.0  # audit trail first page and a filtered page at 1M events <= 3x the bare page
APPROVAL_MAX = 2.0  # an approval, click to confirmation <= 2x the bare page

# Figures of issue 8 the benchmark does not take (what, why); none at the moment.
PLACEHOLDERS: list[tuple[str, str]] = []

INTERACTION_FIGURES = (
    ("approval", "approval (approver): click on *Record the decision* to the confirmation"),
    ("import: check", "20-row import (staff): upload to *Ready to import*"),
    ("import: write", "20-row import (staff): click on *Import 20 records* to the summary"),
)


# Hand-written findings below this line in the report survive a new run.
KEEP_MARKER = "<!-- Written by hand: kept when bench.run rewrites this file. -->"


def one_line(text: str, limit: int = 400) -> str:
    """An error message as one markdown-safe line."""
    flat = " ".join(str(text).split()).replace("|", "/")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def write(out: Path, text: str) -> None:
    """Write the report to ``out``, keeping what was written by hand below KEEP_MARKER."""
    kept = out.read_text().partition(KEEP_MARKER) if out.exists() else ("", "", "")
    out.write_text(text + (f"\n{KEEP_MARKER}{kept[2]}" if kept[1] else ""))


def median(xs: Iterable[float]) -> float | None:
    xs = list(xs)
    return statistics.median(xs) if xs else None


def ms(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x * 1000:.0f} ms" if x >= 0.1 else f"{x * 1000:.1f} ms"


def secs(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fx(r: float | None) -> str:
    return "-" if r is None else f"{r:.1f}x"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("pass" if ok else "**FAIL**")


def _check(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


class Report:
    def __init__(self, results: dict[str, Any]) -> None:
        self.r = results
        self.lines: list[str] = []
        self.tally: dict[str, list[bool]] = {}
        self.pending_errors: list[str] = []

    def out(self, *lines: str) -> None:
        self.lines.extend(lines)

    def count(self, name: str, ok: bool | None) -> str:
        if ok is not None:
            self.tally.setdefault(name, []).append(ok)
        return verdict(ok)

    # -----------------------------------------------------------------------------------

    def build(self) -> str:
        r = self.r
        body_start = len(self.lines)
        for backend, b in r["backends"].items():
            self.backend_section(backend, b)
        self.verify_section()
        self.seed_section()
        self.placeholder_section()
        body = self.lines[body_start:]
        self.lines = self.lines[:body_start]
        self.header()
        self.lines += body
        self.notes()
        return "\n".join(self.lines) + "\n"

    def header(self) -> None:
        r = self.r
        m = r["machine"]
        self.out(
            "# Benchmark results",
            "",
            f"Run {r['started']} to {r['finished']} with `{r['command']}`.",
            "",
            f"- Machine: {m['cpu']}, {m['cores']}, {m['ram']}, {m['os']}",
            f"- Python {m['python']}, Streamlit {m['streamlit']}, SQLite {m['sqlite']}, "
            f"{m['postgresql']}, {m['chromium']}",
            f"- Load average at start / end: {m['load_start']} / {m['load_end']}",
            f"- Code: commit `{r['git']['commit']}`"
            + (
                f" plus uncommitted work of others in the tree: {r['git']['dirty']}"
                if r["git"]["dirty"]
                else (
                    " (run from an exported copy of that commit: nothing uncommitted)"
                    if r["git"].get("snapshot")
                    else " (clean tree)"
                )
            ),
            "",
            "**Read the ratios, not the milliseconds.** The machine is a shared 2-core VM on "
            "which other people run test suites at the same time, so absolute figures drift "
            "from minute to minute. Every page is measured interleaved with its floors (and "
            "scale 1 interleaved with scale 100) in the same process, so the ratios compare "
            "like with like. Medians of the runs shown.",
            "",
            "## Targets",
            "",
            "| target | pass | fail |",
            "| --- | --- | --- |",
        )
        for name, oks in self.tally.items():
            self.out(f"| {name} | {sum(oks)} | {len(oks) - sum(oks)} |")
        self.out("")

    # -----------------------------------------------------------------------------------

    def backend_section(self, backend: str, b: dict[str, Any]) -> None:
        name = BACKEND_NAMES.get(backend, backend)
        self.out(f"## {name}", "")
        if b.get("error"):
            self.out(f"**The run on {name} failed:** {b['error']}", "")
        self.apptest_table(name, b)
        self.audit_table(name, b)
        self.interactions_table(name, b)
        self.browser_table(name, b)

    def apptest_table(self, name: str, b: dict[str, Any]) -> None:
        app = b.get("apptest") or {}
        mem = b.get("memory") or {}
        scales = sorted(app, key=int)
        if not scales:
            why = "see the error above" if b.get("error") else "not run: `--no-apptest`"
            self.out(f"No AppTest figures ({why}).", "")
            return
        lo, hi = scales[0], scales[-1]
        two = lo != hi
        runs = max((len(rec["cold"]) for s in app.values() for rec in s.values()), default=0)
        self.out(
            f"### {name}: page render under AppTest (median of {runs} runs)",
            "",
            "Time of `switch_page(page).run()` after an untimed sign-in, through `app.py` as "
            "on a real server. Cold: `st.cache_data` emptied and the session's last sign-in "
            "check forgotten (the run checks the sign-in row on the server, as the first "
            "click after 10 s does); warm: the same run again (caches filled, sign-in checked "
            "less than 10 s ago). In brackets: x the bare page (`bench/bare_app.py`, the "
            "framework floor) measured in the same rounds. The second floor is the same bare "
            "page inside `app.py` (sign-in check, sidebar, navigation): what every page pays "
            "before its own work. Cold keeps the *stored summaries* (table `stored_summaries`: "
            "expensive figures stored once per data version and shared by servers), as after "
            "a deployed server refreshed them. *First view after a write*: every row of "
            "`stored_summaries` deleted and the process caches (`st.cache_data`) emptied, then the "
            "render (the page recomputes and stores what it needs; it runs just before the "
            "cold render, which then finds them). SQL cold: cursor time and statements inside "
            "the cold render. *SQL alone* (the data floor): the statements of that cold render "
            "(text and parameters, as sent to the driver) replayed alone right after it on a "
            "fresh connection of the same database (a new engine with the app's connection "
            "settings; connecting not timed), through a DBAPI cursor, fetching every row, in "
            "one transaction rolled back at the end; nothing is excluded, so it includes the "
            "router's sign-in check (the row of the bare page in `app.py` is that check "
            "alone); in brackets its share of the cold render. "
            + (
                "Peak RSS: the process while the page renders cold then warm, each page in a "
                "fresh process of its own, once."
                if b.get("memory_mode") == "processes"
                else "Peak RSS: the timing worker's high-water mark (reset just before, after "
                "returning freed heap to the OS) while the page renders cold then warm, "
                "median of the same runs; in brackets how far it rose above the RSS before "
                "the render. The worker renders every page of both scales in turn in one "
                "process, whose baseline moves with what earlier pages left behind, so *RSS "
                "delta* and the memory target compare each page's rise at the two scales."
            ),
            "",
        )
        cols = [
            "page (role)",
            *[f"warm @{s}" for s in scales],
            *[f"cold @{s}" for s in scales],
        ]
        if two:
            cols.append(f"growth cold @{hi}/@{lo}")
        cols += [f"first view after a write @{s}" for s in scales]
        cols += [f"SQL cold @{s}" for s in scales]
        cols += [f"SQL alone @{s}" for s in scales]
        cols += [f"peak RSS @{s}" for s in scales]
        if two:
            cols.append("RSS delta")
        cols += [f"warm <= {WARM_MAX:g}x"]
        if two:
            cols += [f"cold @{hi} <= {COLD_MAX:g}x", f"growth <= {GROWTH_MAX}", "mem <= +50 MB"]
        self.out("| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols))

        names = list(app[lo])
        for target in names:
            recs = {s: app[s].get(target) for s in scales}
            role = recs[lo]["target"]["role"] if recs[lo] else None
            label = target if not role else f"{target} ({role})"
            if any(rec and rec["placeholder"] for rec in recs.values()):
                label += " [placeholder]"
            errors = {
                f"render @{s}": rec["error"] for s, rec in recs.items() if rec and rec["error"]
            }
            warm = {s: median(recs[s]["warm"]) if recs[s] else None for s in scales}
            cold = {s: median(recs[s]["cold"]) if recs[s] else None for s in scales}
            bare_w = {s: median(app[s][BARE]["warm"]) for s in scales}
            bare_c = {s: median(app[s][BARE]["cold"]) for s in scales}
            is_bare = target == BARE
            floor = target in (BARE, SHELL)

            def cell(v: float | None, f: float | None, bare: bool = is_bare) -> str:
                return ms(v) if bare else f"{ms(v)} ({fx(ratio(v, f))})"

            row = [label]
            row += [cell(warm[s], bare_w[s]) for s in scales]
            row += [cell(cold[s], bare_c[s]) for s in scales]
            growth = ratio(cold[hi], cold[lo]) if two else None
            if two:
                row.append(fx(growth))
            for s in scales:
                after = median((recs[s] or {}).get("after_write") or [])
                row.append(cell(after, bare_c[s]))
            for s in scales:
                sql = recs[s]["sql_cold"] if recs[s] else []
                t = median(x[0] for x in sql)
                n = median(x[1] for x in sql)
                row.append("-" if t is None else f"{ms(t)} / {n:.0f}")
            for s in scales:
                alone = (recs[s] or {}).get("sql_alone") or []
                t = median(x[0] for x in alone)
                share = ratio(t, cold[s])
                row.append(
                    "-"
                    if t is None
                    else f"{ms(t)}" + ("" if share is None else f" ({share * 100:.0f}%)")
                )
                if recs[s] and recs[s].get("sql_alone_error"):
                    errors.setdefault(f"SQL alone @{s}", recs[s]["sql_alone_error"])
            peaks = {}
            rises: dict[str, float | None] = {}
            for s in scales:
                m = (mem.get(s) or {}).get(target) or {}
                peaks[s] = m.get("peak_mb")
                rise = rises[s] = m.get("rise_mb")
                row.append(
                    "-"
                    if peaks[s] is None
                    else f"{peaks[s]:.0f} MB" + ("" if rise is None else f" (+{rise:.0f})")
                )
                if m.get("error"):
                    runs_failed = f" ({m['failed_runs']} failed)" if m.get("failed_runs") else ""
                    errors.setdefault(f"memory @{s}{runs_failed}", m["error"])
            # In the shared worker the baseline moves with what earlier pages left behind, so
            # a page's own memory is its rise above the RSS before its render.
            judged = rises if b.get("memory_mode") == "inline" else peaks
            delta = (
                judged[hi] - judged[lo]  # type: ignore[operator]
                if two and judged.get(hi) is not None and judged.get(lo) is not None
                else None
            )
            if two:
                row.append("-" if delta is None else f"{delta:+.0f} MB")
            if floor:
                row += ["floor"] * (4 if two else 1)
            else:
                warm_ok = [_check(ratio(warm[s], bare_w[s]), WARM_MAX) for s in scales]
                ok = None if None in warm_ok else all(warm_ok)
                if errors and ok is None:
                    ok = False
                row.append(self.count(f"page warm <= {WARM_MAX:g}x bare", ok))
                if two:
                    cold_ok = _check(ratio(cold[hi], bare_c[hi]), COLD_MAX)
                    row.append(self.count(f"page cold @{hi} <= {COLD_MAX:g}x bare", cold_ok))
                    row.append(
                        self.count(
                            f"growth cold @{hi} <= {GROWTH_MAX}x @{lo}", _check(growth, GROWTH_MAX)
                        )
                    )
                    row.append(
                        self.count(
                            f"peak memory @{hi} <= @{lo} + {MEMORY_MAX_MB:g} MB",
                            _check(delta, MEMORY_MAX_MB),
                        )
                    )
            self.out("| " + " | ".join(row) + " |")
            for where, err in errors.items():
                self.pending_errors.append(f"- {label}, {where}: {one_line(err)}")
        self.out("")
        if self.pending_errors:
            self.out("Failures:", "", *self.pending_errors, "")
            self.pending_errors = []

    def audit_table(self, name: str, b: dict[str, Any]) -> None:
        """The audit trail's first page and a filtered page at the largest scale (1M events
        and more), from the page table, judged against the bare page."""
        app = b.get("apptest") or {}
        scales = sorted(app, key=int)
        if not scales or AUDIT not in app[scales[0]]:
            return
        hi = scales[-1]
        events = (b.get("verify") or {}).get(hi, {}).get("events")
        self.out(
            f"### {name}: audit trail at {events:,} events (scale {hi})"
            if events
            else f"### {name}: audit trail (scale {hi})",
            "",
            "From the page table: the audit trail as the auditor opens it (the newest events, "
            "first page of 50) and filtered through its own filter widgets (kind of record "
            "*technology* and user *staff2.demo*, set before the render), cold and warm, "
            f"x the bare page. Target: at most {AUDIT_MAX:g}x the bare page, judged cold "
            "(caches emptied: the page's queries run on the whole trail).",
            "",
            "| page | cold | warm | SQL alone | cold x bare | warm x bare "
            f"| cold <= {AUDIT_MAX:g}x |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        )
        bare_c = median(app[hi][BARE]["cold"])
        bare_w = median(app[hi][BARE]["warm"])
        for target, label in ((AUDIT, "first page"), (AUDIT_FILTERED, "filtered page")):
            rec = app[hi].get(target)
            if rec is None:
                continue
            cold = median(rec["cold"])
            warm = median(rec["warm"])
            alone = median(x[0] for x in rec.get("sql_alone") or [])
            ok = _check(ratio(cold, bare_c), AUDIT_MAX)
            if rec.get("error") and ok is None:
                ok = False
            judged = (
                self.count(f"audit trail pages @{hi} <= {AUDIT_MAX:g}x bare", ok)
                if int(hi) >= 100
                else "n/a (small)"
            )
            self.out(
                f"| {label} | {ms(cold)} | {ms(warm)} | {ms(alone)} | "
                f"{fx(ratio(cold, bare_c))} | {fx(ratio(warm, bare_w))} | {judged} |"
            )
        self.out("")

    def interactions_table(self, name: str, b: dict[str, Any]) -> None:
        acts = b.get("interactions") or {}
        app = b.get("apptest") or {}
        scales = sorted(acts, key=int)
        if not scales:
            return
        runs = max(
            (len(v) for s in acts.values() for a in s.values() for v in a["samples"].values()),
            default=0,
        )
        self.out(
            f"### {name}: an approval and a 20-row import under AppTest (median of {runs} runs)",
            "",
            "Each figure is one timed run of `app.py` triggered by the user's click, until the "
            "page shows the result, after untimed steps (a fresh AppTest signed in, the page "
            "opened). *Approval*: as approver.demo on the approvals page, the oldest adoption "
            "the approver may approve (read with `db.approvals.pending_decisions`; each run "
            "decides another one) is chosen, *Approve* picked, a comment written and the "
            "confirmation ticked; timed: the click on *Record the decision* until the page "
            "shows *Decision recorded: Approve.*; checked: that message and the adoption no "
            "longer under review. *Import*: as staff.demo on the import page, register "
            "*Technologies*, a CSV of 20 new technologies built from the import template "
            "(new registration numbers and titles every run, an owner of the database); "
            "timed: the run after the upload until *Ready to import* (read and checked: 20 to "
            "add), then, after ticking the confirmation, the click on *Import 20 records* "
            "until the summary (20 added, checked in the database too). In brackets: x the "
            "bare page warm (a rerun of the bare page) of the same rounds. "
            f"Target: an approval at most {APPROVAL_MAX:g}x the bare page.",
            "",
        )
        cols = ["interaction", *[f"@{s}" for s in scales]]
        if len(scales) > 1:
            cols.append(f"@{scales[-1]} / @{scales[0]}")
        cols.append(f"approval <= {APPROVAL_MAX:g}x")
        self.out("| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols))
        bare_w = {s: median(((app.get(s) or {}).get(BARE) or {}).get("warm") or []) for s in scales}
        failures: list[str] = []
        for figure, label in INTERACTION_FIGURES:
            act = figure.split(":")[0]
            med = {
                s: median(acts[s].get(act, {}).get("samples", {}).get(figure) or []) for s in scales
            }
            row = [label]
            row += [
                "-" if med[s] is None else f"{ms(med[s])} ({fx(ratio(med[s], bare_w[s]))})"
                for s in scales
            ]
            if len(scales) > 1:
                row.append(fx(ratio(med[scales[-1]], med[scales[0]])))
            if act == "approval":
                oks = []
                for s in scales:
                    ok = _check(ratio(med[s], bare_w[s]), APPROVAL_MAX)
                    if ok is None and acts[s].get(act, {}).get("error"):
                        ok = False
                    oks.append(f"@{s} " + self.count(f"approval <= {APPROVAL_MAX:g}x bare", ok))
                row.append(", ".join(oks))
            else:
                row.append("")
            self.out("| " + " | ".join(row) + " |")
        for s in scales:
            for act, rec in acts[s].items():
                if rec.get("error"):
                    failed = rec.get("failed_runs")
                    failures.append(
                        f"- {act} @{s}"
                        + (f" ({failed} measured runs failed)" if failed else "")
                        + f": {one_line(rec['error'])}"
                    )
        self.out("")
        if failures:
            self.out("Failures:", "", *failures, "")

    def browser_table(self, name: str, b: dict[str, Any]) -> None:
        br = b.get("browser")
        if not br:
            self.out(f"### {name}: browser", "", b.get("browser_error") or "Not run.", "")
            return
        samples: dict[str, dict[str, list[float]]] = br["samples"]
        errors: dict[str, dict[str, str]] = br["errors"]
        scales = sorted(set(samples) | set(errors), key=int)
        if not scales:
            self.out(f"### {name}: browser", "", "No figures.", "")
            return
        lo, hi = scales[0], scales[-1]
        two = lo != hi
        runs = max((len(v) for s in samples.values() for v in s.values()), default=0)
        self.out(
            f"### {name}: headless Chromium against `streamlit run` (median of {runs} runs)",
            "",
            "Sign-in: from the click on *Sign in* to the landing page rendered (script "
            "finished; for the overview, its first metric drawn). Open: from the click on the "
            "page's sidebar link to the page's script finished. Load (public): the address "
            "typed by a visitor who is not signed in, to the script finished. Do: one "
            "interaction of `bench/interactions.py`, click to settled (script finished and "
            "what the action shows drawn). Floors: the bare app's page loaded by URL (sign-in, "
            "load), opened from its sidebar (open) and its button's rerun (do), in the same "
            "rounds.",
            "",
        )
        cols = ["figure", *[f"@{s}" for s in scales]]
        if two:
            cols.append(f"@{hi} / @{lo}")
        cols += [f"x floor @{s}" for s in scales]
        cols.append("target")
        self.out("| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols))
        figures: list[str] = []
        for s in scales:
            for f in [*samples.get(s, {}), *errors.get(s, {})]:
                if f not in figures and f != "bare":
                    figures.append(f)
        figures.sort(key=lambda f: (not f.startswith("bare"), not f.startswith("sign-in"), f))
        for f in figures:
            med = {s: median(samples.get(s, {}).get(f, [])) for s in scales}
            floor_name = browser_floor(f)
            floors = {s: median(samples.get(s, {}).get(floor_name, [])) for s in scales}
            row = [f]
            for s in scales:
                err = errors.get(s, {}).get(f)
                row.append(secs(med[s]) + (" (errors)" if err else ""))
            growth = ratio(med[hi], med[lo]) if two else None
            if two:
                row.append(fx(growth))
            if f.startswith("bare"):
                row += ["floor"] * len(scales) + ["floor"]
            else:
                row += [fx(ratio(med[s], floors[s])) for s in scales]
                verdicts = []
                if f == "sign-in (executive)" and two:
                    verdicts.append(
                        self.count(
                            f"browser sign-in to overview @{hi} <= {BROWSER_GROWTH_MAX}x @{lo}",
                            _check(growth, BROWSER_GROWTH_MAX),
                        )
                    )
                target = browser_target(f)
                if target:
                    tname, limit = target
                    ok = _check(ratio(med[hi], floors[hi]), limit)
                    if ok is None and errors.get(hi, {}).get(f):
                        ok = False
                    verdicts.append(f"@{hi} " + self.count(f"{tname} @{hi}", ok))
                    if two and f.startswith("open "):
                        verdicts.append(
                            "growth "
                            + self.count(
                                f"page open @{hi} <= {PAGE_GROWTH_MAX}x @{lo}",
                                _check(growth, PAGE_GROWTH_MAX),
                            )
                        )
                row.append(", ".join(verdicts))
            self.out("| " + " | ".join(row) + " |")
        errs = [f"- @{s} {f}: {one_line(e)}" for s, d in errors.items() for f, e in d.items()]
        self.out("")
        if errs:
            self.out("Browser errors:", "", *errs, "")

    def verify_section(self) -> None:
        self.out(
            "## Audit trail verification (`python -m db verify-audit`)",
            "",
            "Wall time of the command (a new process: interpreter start, imports, connection "
            "included); its floor is `python -m db current` (the same process overhead, no "
            "work). The target is judged on the time per million events.",
            "",
            "| backend | scale | events | verify | per 1M events | floor | result "
            "| target < 30 s / 1M |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        )
        for backend, b in self.r["backends"].items():
            for scale, v in sorted((b.get("verify") or {}).items(), key=lambda kv: int(kv[0])):
                t = median(v.get("samples", []))
                floor = median(v.get("floor", []))
                events = v.get("events")
                per_m = t / (events / 1e6) if t is not None and events else None
                ok = None if per_m is None else per_m < VERIFY_MAX_S
                if int(scale) < 100:
                    ok_text = "n/a (small)"
                else:
                    ok_text = self.count("verification of 1M events < 30 s", ok)
                result = v.get("error") or v.get("output", "")[:60]
                self.out(
                    f"| {BACKEND_NAMES.get(backend, backend)} | {scale} | "
                    f"{events:,} | {secs(t)} | {secs(per_m)} | {secs(floor)} | {result} | "
                    f"{ok_text} |"
                    if events
                    else f"| {BACKEND_NAMES.get(backend, backend)} | {scale} | - | - | - | - | "
                    f"{v.get('error', '')} | n/a |"
                )
        self.out("")

    def seed_section(self) -> None:
        self.out(
            "## Building the demo data (`python -m seed --scale N`)",
            "",
            "Recorded when the database was built. The benchmark reuses cached databases "
            "(migrated to the current schema head, as a deployed database would be); "
            "*seed/* says whether the demo generator changed since (`--reseed` rebuilds).",
            "",
            "| backend | scale | seed wall time | seed's own figure | peak RSS | audit events "
            "| built | migrated since | seed/ |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        )
        current_fp = self.r.get("seed_fingerprint")
        for backend, b in self.r["backends"].items():
            for scale, s in sorted((b.get("seed") or {}).items(), key=lambda kv: int(kv[0])):
                events = s.get("audit_events")
                self.out(
                    f"| {BACKEND_NAMES.get(backend, backend)} | {scale} | "
                    f"{s['seed_seconds']:.0f} s | "
                    f"{s['seed_reported_seconds'] or 0:.0f} s | "
                    f"{s['seed_peak_rss_mb'] or 0:.0f} MB | "
                    f"{events if events is None else f'{events:,}'} | {s['built_at']} | "
                    + (
                        f"to {s['migrated_to']} in {s['migrate_seconds']:.0f} s |"
                        if s.get("migrated_to")
                        else "- |"
                    )
                    + (
                        " current |"
                        if current_fp is None or s.get("fingerprint") == current_fp
                        else f" older (`{s.get('fingerprint')}`) |"
                    )
                )
        self.out("")

    def placeholder_section(self) -> None:
        if PLACEHOLDERS:
            self.out("## Not measured yet", "", "| figure | status |", "| --- | --- |")
            for what, why in PLACEHOLDERS:
                self.out(f"| {what} | {why} |")
            self.out("")
        placeholders = sorted(
            {
                name
                for b in self.r["backends"].values()
                for s in (b.get("apptest") or {}).values()
                for name, rec in s.items()
                if rec.get("placeholder")
            }
        )
        if placeholders:
            self.out(
                "Pages that were still placeholders during this run (their rows are the "
                f"baseline for the page to come): {', '.join(placeholders)}.",
                "",
            )

    def notes(self) -> None:
        notes = self.r.get("notes") or []
        if notes:
            self.out("## Notes", "", *[f"- {n}" for n in notes], "")


def quick_table(results: dict[str, Any]) -> str:
    """One table of the browser figures: one line per page and interaction, its median, its
    floor, the ratio and pass/fail against the issue #22 target (``bench/targets.py``)."""
    lines: list[str] = []
    for backend, b in results["backends"].items():
        br = b.get("browser") or {}
        if not br:
            why = one_line(b.get("browser_error") or b.get("error") or "not run")
            lines += [f"{BACKEND_NAMES.get(backend, backend)}: no browser figures: {why}", ""]
            continue
        samples: dict[str, dict[str, list[float]]] = br["samples"]
        errors: dict[str, dict[str, str]] = br["errors"]
        for scale in sorted(set(samples) | set(errors), key=int):
            got, errs = samples.get(scale, {}), errors.get(scale, {})
            runs = max((len(v) for v in got.values()), default=0)
            lines += [
                f"{BACKEND_NAMES.get(backend, backend)} @{scale}, headless Chromium, median of "
                f"{runs} runs (load average at start {results['machine'].get('load_start')})",
                "",
                "| figure | runs | median | floor | x floor | target | result |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            figures = [f for f in [*got, *errs] if f != "bare"]
            figures = sorted(
                dict.fromkeys(figures),
                key=lambda f: (not f.startswith("bare"), f.startswith("do "), f),
            )
            passed = failed = 0
            for f in figures:
                med = median(got.get(f, []))
                floor = median(got.get(browser_floor(f), []))
                target = browser_target(f)
                r = ratio(med, floor)
                if f.startswith("bare"):
                    verdict_ = "floor"
                elif target is None:
                    verdict_ = "-"
                else:
                    ok = _check(r, target[1])
                    ok = False if ok is None else ok
                    passed, failed = passed + ok, failed + (not ok)
                    verdict_ = verdict(ok)
                if errs.get(f):
                    n_failed = (br.get("failed") or {}).get(scale, {}).get(f, 1)
                    verdict_ += f" ({n_failed} failed: {one_line(errs[f], 120)})"
                lines.append(
                    f"| {f} | {len(got.get(f, []))} | {secs(med)}"
                    f" | {browser_floor(f) if not f.startswith('bare') else '-'}"
                    f" | {fx(r) if not f.startswith('bare') else '-'}"
                    f" | {'' if target is None else f'<= {target[1]:g}x'} | {verdict_} |"
                )
            lines += ["", f"{passed} pass, {failed} fail.", ""]
        if len(set(samples)) > 1:
            lines += scales_table(backend, samples, errors, br.get("failed") or {})
    return "\n".join(lines) + "\n"


def scales_table(
    backend: str,
    samples: dict[str, dict[str, list[float]]],
    errors: dict[str, dict[str, str]],
    failed: dict[str, dict[str, int]],
) -> list[str]:
    """The smallest and the largest scale side by side (they ran in the same rounds): each
    figure's ratio to its floor at both, how much slower it is at the larger scale in
    seconds, and whether it meets its target at the larger scale (a figure with no sample
    there fails, as in the quick table)."""
    lo, hi = sorted(samples, key=int)[0], sorted(samples, key=int)[-1]
    lines = [
        f"{BACKEND_NAMES.get(backend, backend)}, scale {lo} against scale {hi} (same rounds)",
        "",
        f"| figure | median @{lo} | median @{hi} | @{hi} / @{lo} | x floor @{lo} "
        f"| x floor @{hi} | target | result @{hi} |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = {f for s in (lo, hi) for f in [*samples.get(s, {}), *errors.get(s, {})]}
    figures = sorted(
        (f for f in names if not f.startswith("bare")),
        key=lambda f: (f.startswith("do "), f.startswith("load "), f),
    )
    for f in [*sorted(f for f in names if f.startswith("bare:")), *figures]:
        med = {s: median(samples.get(s, {}).get(f, [])) for s in (lo, hi)}
        floor = {s: median(samples.get(s, {}).get(browser_floor(f), [])) for s in (lo, hi)}
        bare = f.startswith("bare")
        target = None if bare else browser_target(f)
        r_hi = ratio(med[hi], floor[hi])
        result = (
            "floor" if bare else "-" if target is None else verdict(bool(_check(r_hi, target[1])))
        )
        lost = [
            f"{failed.get(s, {}).get(f, 1)} failed @{s}"
            for s in (lo, hi)
            if errors.get(s, {}).get(f)
        ]
        if lost:
            result += f" ({', '.join(lost)})"
        lines.append(
            f"| {f} | {secs(med[lo])} | {secs(med[hi])} | {fx(ratio(med[hi], med[lo]))}"
            f" | {'-' if bare else fx(ratio(med[lo], floor[lo]))}"
            f" | {'-' if bare else fx(r_hi)}"
            f" | {'' if target is None else f'<= {target[1]:g}x'} | {result} |"
        )
    return [*lines, ""]


def render(results: dict[str, Any]) -> str:
    return Report(results).build()


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result of several runs (one backend each, say): backends and notes together,
    the span of the runs, the machine as at the first start and the last end."""
    merged = json.loads(json.dumps(parts[0]))
    for part in parts[1:]:
        merged["backends"].update(part["backends"])
        merged["notes"] = [*merged.get("notes", []), *part.get("notes", [])]
        merged["started"] = min(merged["started"], part["started"])
        merged["finished"] = max(merged["finished"], part["finished"])
        merged["command"] = f"{merged['command']}; then {part['command']}"
        m, pm = merged["machine"], part["machine"]
        m["load_end"] = pm.get("load_end", m.get("load_end"))
        if pm.get("postgresql") and "not used" not in pm["postgresql"]:
            m["postgresql"] = pm["postgresql"]
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("results", type=Path, nargs="+", help="raw results; several are merged")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = render(merge([json.loads(p.read_text()) for p in args.results]))
    if args.out:
        write(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
