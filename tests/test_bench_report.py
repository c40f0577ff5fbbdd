"""The bench's quick table (``python -m bench.run --quick``): each browser figure is judged
against its issue #22 target by its ratio to the right floor of the same rounds."""

from __future__ import annotations

from bench.report import quick_table
from bench.targets import browser_floor, browser_target


def results(samples: dict[str, list[float]], errors: dict[str, str] | None = None) -> dict:
    return {
        "machine": {"load_start": "1.0 1.0 1.0"},
        "backends": {
            "sqlite": {"browser": {"samples": {"1": samples}, "errors": {"1": errors or {}}}}
        },
    }


def row(table: str, figure: str) -> list[str]:
    line = next(x for x in table.splitlines() if x.startswith(f"| {figure} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_each_figure_is_compared_with_its_own_floor() -> None:
    assert browser_floor("do approvals: approve an adoption") == "bare: rerun"
    assert browser_floor("sign-in (executive)") == "bare: load"
    assert browser_floor("load catalogue (public)") == "bare: load"
    assert browser_floor("open overview") == "bare: open"
    assert browser_target("bare: open") is None
    assert browser_target("sign-in (staff)") is None  # lands elsewhere than the overview
    assert browser_target("sign-in (executive)") == (
        "sign-in to the overview <= 1.5x bare load",
        1.5,
    )


def test_the_quick_table_passes_and_fails_by_ratio() -> None:
    table = quick_table(
        results(
            {
                "bare: load": [1.0, 1.0, 1.0],
                "bare: open": [0.2, 0.2, 0.2],
                "bare: rerun": [0.1, 0.1, 0.1],
                "open overview": [0.5, 0.6, 0.7],  # 3x the bare open
                "open account": [0.3, 0.3, 0.3],  # 1.5x
                "do technologies: filter": [0.19, 0.2, 0.21],  # 2.0x the rerun: at the limit
                "sign-in (executive)": [1.6, 1.6, 1.6],  # 1.6x the load
            },
            errors={"do imports: check a 20-row file": "TimeoutError: no summary"},
        )
    )
    assert row(table, "open overview")[4:] == ["3.0x", "<= 2x", "**FAIL**"]
    assert row(table, "open account")[4:] == ["1.5x", "<= 2x", "pass"]
    assert row(table, "do technologies: filter")[3:] == ["bare: rerun", "2.0x", "<= 2x", "pass"]
    assert row(table, "sign-in (executive)")[6] == "**FAIL**"
    # A figure that never came back fails, and says why.
    failed = row(table, "do imports: check a 20-row file")
    assert failed[1:3] == ["0", "-"]
    assert failed[6].startswith("**FAIL** (1 failed: TimeoutError")
    assert row(table, "bare: rerun")[6] == "floor"
    assert "2 pass, 3 fail." in table


def test_quick_runs_on_the_backends_named() -> None:
    from bench.run import parse

    quick = parse(["--quick"])
    assert (quick.backends, quick.scales, quick.runs, quick.no_apptest) == ("sqlite", "1", 3, True)
    pg = parse(["--quick", "--backends", "postgresql"])
    assert (pg.backends, pg.scales, pg.runs, pg.browser_all_roles) == ("postgresql", "1", 3, True)
    assert parse([]).backends == "sqlite,postgresql"
    assert parse([]).scales == "1,100"


def test_quick_runs_at_the_scales_named() -> None:
    from bench.run import parse

    assert parse(["--quick", "--scales", "100"]).scales == "100"
    both = parse(["--quick", "--scale", "1,100", "--backends", "postgresql"])
    assert (both.scales, both.backends, both.runs, both.no_apptest) == (
        "1,100",
        "postgresql",
        3,
        True,
    )


def test_two_scales_are_set_side_by_side_each_against_its_own_floor() -> None:
    at_1 = {
        "bare: open": [0.2, 0.2, 0.2],
        "bare: rerun": [0.1, 0.1, 0.1],
        "open overview": [0.3, 0.3, 0.3],  # 1.5x
        "open work_queue": [0.3, 0.3, 0.3],
        "do technologies: filter": [0.15, 0.15, 0.15],
    }
    at_100 = {
        "bare: open": [0.4, 0.4, 0.4],  # a slower round: the ratio is to this floor
        "bare: rerun": [0.1, 0.1, 0.1],
        "open overview": [0.6, 0.6, 0.6],  # 2x the time, still 1.5x its floor
        "open work_queue": [2.0, 2.0, 2.0],  # 5x its floor
    }
    res = {
        "machine": {"load_start": "1.0 1.0 1.0"},
        "backends": {
            "sqlite": {
                "browser": {
                    "samples": {"1": at_1, "100": at_100},
                    "errors": {"100": {"do technologies: filter": "TimeoutError: no run"}},
                    "failed": {"100": {"do technologies: filter": 3}},
                }
            }
        },
    }
    table = quick_table(res)
    side = table.split("scale 1 against scale 100")[1]
    assert row(side, "open overview")[1:] == [
        "0.30 s",
        "0.60 s",
        "2.0x",
        "1.5x",
        "1.5x",
        "<= 2x",
        "pass",
    ]
    assert row(side, "open work_queue")[3:] == ["6.7x", "1.5x", "5.0x", "<= 2x", "**FAIL**"]
    filt = row(side, "do technologies: filter")
    assert filt[1:3] == ["0.15 s", "-"]
    assert filt[7] == "**FAIL** (3 failed @100)"
    assert row(side, "bare: open")[3] == "2.0x"
    # one scale alone: no side-by-side table
    res["backends"]["sqlite"]["browser"]["samples"].pop("100")
    res["backends"]["sqlite"]["browser"]["errors"].pop("100")
    assert "against scale" not in quick_table(res)


def test_a_wait_that_times_out_after_the_run_finished_says_so() -> None:
    # At scale 100 a sign-in's run finished and a later run (the cookie's) kept the page
    # "running" past the timeout: the wait raised IndexError (no message for phases 3 and
    # 4), which the sign-in's retry does not catch, instead of Playwright's TimeoutError.
    import pytest
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from bench.browser import wait_run

    class StillRunning:
        def __init__(self, phase: int) -> None:
            self.phase = phase

        def wait_for_function(self, *_args: object, **_kwargs: object) -> None:
            raise PlaywrightTimeout("Timeout 10ms exceeded.")

        def evaluate(self, _js: str) -> int:
            return self.phase

    for phase, says in (
        (0, "no rerun request sent"),
        (2, "its run never finished"),
        (3, "did not handle it"),
        (4, "still shows a script running"),
    ):
        with pytest.raises(PlaywrightTimeout, match=says):
            wait_run(StillRunning(phase), 10)
