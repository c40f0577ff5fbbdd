"""The mayor's-office overview: published figures as of a date, filters in the URL,
drill-down links, downloads and the briefing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from sqlalchemy import Engine

from components.briefing import build_briefing
from db import clock, kpi
from db.kpi import overview as ov
from db.session import read_session
from tests.apptest import capture_downloads, new_app, page_text, sign_in
from tests.conftest import city_night

AS_OF = dt.date(2019, 8, 8)


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The headline cards' figures by label: the first metric of each label (the cards come
    first; the year's targets further down reuse some labels, under their own heading)."""
    found: dict[str, str] = {}
    for m in at.metric:
        found.setdefault(m.label, m.value)
    return found


def open_overview(params: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    at = new_app()
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return sign_in(at, "executive.demo")


def open_records(at):  # type: ignore[no-untyped-def]
    """Open the *Records* popovers of the cards without a register page, as a person clicks
    them (their tables and files are built only while they are open)."""
    for key in ("records_meetings", "records_testbeds"):
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_link_parameters_reproduce_the_view(app_env: str) -> None:
    at = open_overview({"as_of": "2019-08-08", "local": "1"})
    assert not at.exception
    m = metrics(at)
    assert m["Technologies registered"] == "43"  # local only
    assert m["Experts registered"] == "817"  # not a technology figure: unfiltered
    assert at.selectbox(key="local").value == "local"


def test_the_as_of_date_changes_the_figures(app_env: str) -> None:
    at = open_overview({"as_of": "2019-08-08"})
    before = metrics(at)
    at.date_input(key="as_of").set_value(dt.date(2019, 3, 31)).run()
    after = metrics(at)
    assert int(after["Experts registered"]) < int(before["Experts registered"])
    assert int(after["Technologies registered"]) < 305
    assert at.query_params["as_of"] == "2019-03-31"


def test_a_date_outside_the_platforms_days_is_said_and_the_figures_name_their_date(
    app_env: str,
) -> None:
    from components.city import first_day

    at = open_overview({"as_of": "2019-08-08"})
    at.date_input(key="as_of").set_value(dt.date(1999, 5, 1)).run()
    assert not at.exception
    first = first_day()
    warning = " ".join(w.value for w in at.warning)
    assert "There are no figures for 1 May 1999" in warning
    assert f"as of {first.day} {first:%b %Y}" in warning
    assert at.date_input(key="as_of").value == first  # the picker shows the date used
    assert f"As of {first.day} {first:%b %Y}" in page_text(at)  # and so do the figures
    assert at.query_params["as_of"] == first.isoformat()

    # a link's date after today: the same
    at = open_overview({"as_of": "2999-01-01"})
    warning = " ".join(w.value for w in at.warning)
    assert "There are no figures for 1 Jan 2999" in warning
    assert at.date_input(key="as_of").value == clock.city_today()


def test_an_overview_left_open_over_midnight_shows_the_new_day_when_reloaded(
    app_env: str,
) -> None:
    """Today is the default date and stays out of the URL, so a reload after the city's
    midnight shows the new day (an executive who opened the page at 23:59 and reloads at
    00:01 sees that day's approvals); a chosen date stays in the URL."""
    before = city_night("23:30")
    with time_machine.travel(before, tick=False):
        at = open_overview()
        assert at.date_input(key="as_of").value == clock.city_date(before)
        assert "as_of" not in at.query_params
        url = dict(at.query_params)
    after = city_night("00:30")
    with time_machine.travel(after, tick=False):
        reloaded = open_overview(url)
        assert reloaded.date_input(key="as_of").value == clock.city_date(after)
        reloaded.date_input(key="as_of").set_value(AS_OF).run()
        assert reloaded.query_params["as_of"] == AS_OF.isoformat()


def test_invalid_link_parameters_are_ignored_with_a_notice(app_env: str) -> None:
    at = open_overview({"as_of": "not-a-date", "sector": "<script>", "local": "maybe"})
    assert not at.exception
    assert "Ignored invalid link parameters: as_of, sector, local" in page_text(at)


def test_tiles_link_to_the_filtered_registers(app_env: str) -> None:
    at = open_overview({"as_of": "2019-08-08", "field": "roads"})
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    # as_of alone means "registered on or before" / "adopted on or before", as the tiles count.
    assert links["technologies"] == "as_of=2019-08-08&field=roads"
    assert links["adoptions"] == "as_of=2019-08-08&field=roads"
    assert links["experts"] == "as_of=2019-08-08"
    assert links["inquiries"] == "as_of=2019-08-08"


def test_downloads_hold_the_figures_of_the_tiles(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = open_records(open_overview({"as_of": "2019-08-08"}))
    m = metrics(at)
    rows = list(csv.reader(io.StringIO(files["ntp-figures-2019-08-08.csv"].decode("utf-8-sig"))))
    values = {r[0]: r[1] for r in rows[1:]}
    for name in (
        "Experts registered",
        "Technologies registered",
        "Deliberation meetings held",
        "Technologies adopted",
        "Testbeds",
        "Inter-city inquiries",
        "Agreements",
    ):
        assert values[name] == m[name].replace(",", "")
    book = openpyxl.load_workbook(io.BytesIO(files["ntp-figures-2019-08-08.xlsx"]))
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert [r[1] for r in sheet_rows[1:]] == [int(v) for v in values.values()]
    # The records behind "meetings held" (no register page yet): 23 rows.
    meetings = files["ntp-meetings-2019-08-08.csv"].decode("utf-8-sig").strip().splitlines()
    assert len(meetings) == 1 + 23
    briefing = files["ntp-briefing-2019-08-08-en.html"].decode()
    assert "817" in briefing and "2019-08-08" in briefing


def test_korean_overview(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    at.query_params["as_of"] = "2019-08-08"
    from tests.apptest import button, text_input

    text_input(at, "사용자 이름").input("executive.demo")
    text_input(at, "비밀번호").input("ntp-demo-2019-08-08")
    button(at, "로그인").click()
    at.run()
    assert not at.exception
    assert metrics(at)["등록 전문가"] == "817"
    assert at.title[0].value == "신기술 플랫폼"


def test_empty_date_explains_itself(app_env: str) -> None:
    at = open_overview({"as_of": "2018-01-01"})
    assert "The platform had no records yet on this date" in page_text(at)


def test_pipeline_and_breakdowns_add_up(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        stages = ov.pipeline(session=s, as_of=AS_OF)
        h = kpi.headline(session=s, as_of=AS_OF)
        by_sector = ov.breakdown(session=s, as_of=AS_OF, by="growth_sector").frame
        by_field = ov.breakdown(session=s, as_of=AS_OF, by="field").frame
        durations = ov.stage_durations(session=s, as_of=AS_OF)
        monthly = ov.monthly_counts(session=s, start=dt.date(2019, 1, 1), end=AS_OF)
    assert stages["adopted"] == h.adopted == 54
    assert stages["registered"] + stages["adopted"] == h.technologies == 305
    for frame in (by_sector, by_field):
        assert frame["registered"].sum() == 305
        assert frame["adopted"].sum() == 54
        assert frame["registered_local"].sum() == 43
    assert all(d is None or d >= 0 for d in durations.values())
    totals = monthly.groupby("series")["count"].sum()
    assert totals["registrations"] == 305
    assert totals["meetings"] == 23
    assert totals["inquiries"] == 7


def test_briefing_escapes_everything_and_has_no_script() -> None:
    h = kpi.Headline(AS_OF, 1, {"public": 1}, 2, 1, 3, 4, 5, {"certified": 5}, 6, 7)
    body = build_briefing(
        lang="ko",
        as_of=AS_OF,
        produced_at=dt.datetime(2026, 11, 22, 9, 0),
        period_label="<script>alert(1)</script>",
        figures=[("Experts registered", 1, 1)],
        headline=h,
        pipeline={"submitted": 1},
        durations={"screening": 2.0},
        filters_text='"><img src=x onerror=alert(1)>',
    ).decode()
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body
    assert "신기술 플랫폼" in body


@pytest.mark.parametrize("as_of", ["2019-08-08", "2026-11-20"])
def test_each_drill_down_link_opens_the_register_with_the_tiles_count(
    app_env: str, as_of: str
) -> None:
    """Follow the overview's own links; the register's count equals the tile's figure."""
    from urllib.parse import parse_qsl

    at = open_overview({"as_of": as_of})
    tiles = metrics(at)
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    expected = {
        "technologies": ("Technologies registered", "technologies"),
        "experts": ("Experts registered", "experts"),
        "adoptions": ("Technologies adopted", "technologies adopted"),
        "inquiries": ("Inter-city inquiries", "inquiries"),
    }
    for page, (tile_name, noun) in expected.items():
        at.query_params.clear()
        at.query_params.update(dict(parse_qsl(links[page])))
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        assert f"**{tiles[tile_name]} {noun}**" in page_text(at), (page, tiles[tile_name])


@pytest.mark.parametrize("as_of", ["2019-08-08", "2026-11-20"])
def test_the_tiles_without_a_register_link_count_what_their_lists_show(
    app_env: str, as_of: str
) -> None:
    """The agreements link opens the agreements page on the tile's date with the tile's
    count; the meetings and testbeds tiles list their records in place, as many as the tile
    says (issue #16, item 6: every tile's drill-down shows its own count)."""
    import re
    from urllib.parse import parse_qsl

    at = open_overview({"as_of": as_of})
    tiles = metrics(at)
    assert not [c.value for c in at.caption if re.fullmatch(r"[\d,]+ records", c.value)]
    at = open_records(at)  # (closed, the popovers hold no table)
    listed = [
        c.value
        for c in at.caption
        if re.fullmatch(r"[\d,]+ records", c.value) or c.value == "No records"
    ]
    assert listed == [
        f"{tiles['Deliberation meetings held']} records",
        f"{tiles['Testbeds']} records",
    ]
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    at.query_params.clear()
    at.query_params.update(dict(parse_qsl(links["agreements"])))
    at.switch_page("pages/agreements.py").run()
    assert not at.exception, at.exception
    assert metrics(at)["Agreements"] == tiles["Agreements"]


def test_each_tile_says_what_it_counts_and_since_when_it_changed(app_env: str) -> None:
    """Item 7 of issue #16: the change names its period, the split of experts and of
    technologies is on the page (not only in a tooltip), a filter that does not narrow a
    tile says so on it, and the month still running is not drawn as a plunge."""
    at = open_overview({"as_of": "2019-08-08", "local": "1"})
    assert not at.exception
    shown = page_text(at)
    deltas = {m.label: m.proto.delta_description for m in at.metric}
    since = "since 8 Aug 2018"
    assert deltas["Experts registered"] == since and deltas["Technologies registered"] == since
    assert "Public institutions 393, Industry 278, Academia 142, Other 4" in shown
    assert "Local: 43 · External: 0" in shown
    assert shown.count("Not narrowed by the sector, field and origin filters.") == 5
    assert "Technologies registered on or before 8 Aug 2019" in shown
    assert "Experts in the pool on 8 Aug 2019" in shown
    assert "2019-08 is left out of the chart" in shown
    # (the last day of a month: that month is complete)
    at = open_overview({"as_of": "2019-07-31"})
    assert "is left out of the chart" not in page_text(at)


def test_chart_colours_follow_the_category_not_the_language() -> None:
    """Item 7 of issue #16: a series keeps its colour when the language changes (the scale's
    domain is the code; only the legend's words are translated)."""
    import re

    import pandas as pd

    from components.charts import breakdown_chart, trend_svg
    from components.i18n import set_language

    monthly = pd.DataFrame(
        [
            {"month": m, "series": s, "count": n}
            for n, s in enumerate(ov.SERIES)
            for m in ("2019-06", "2019-07")
        ]
    )
    frame = pd.DataFrame({"code": ["roads"], "registered": [3], "adopted": [1]})
    colours = {}
    for lang in ("en", "ko"):
        set_language(lang)
        trend = trend_svg(monthly)
        lines = re.findall(r'<polyline [^>]*stroke="(#[0-9a-f]{6})"', trend)
        bars = breakdown_chart(frame, kind="field", title="x").to_dict()["encoding"]["color"]
        colours[lang] = (lines, bars["field"], bars["scale"])
        assert len(set(lines)) == len(ov.SERIES)
        assert ("전문가 신규 등록" in trend) == (lang == "ko")
    assert colours["en"] == colours["ko"]


def test_a_new_date_changes_only_the_charts_data() -> None:
    """Issue #22: the browser builds a chart's view anew only when its specification without
    the data changes. The overview's charts on two dates differ in their data alone (the
    dataset named by its place, the breakdown's order carried by the data), and the order of
    the bars still follows the registrations."""
    import pandas as pd
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as convert

    from components.charts import breakdown_chart, stable_dataset_names
    from components.labels import labeller

    def spec(chart):  # type: ignore[no-untyped-def]
        return stable_dataset_names(dict(convert(chart)))

    def without_data(s):  # type: ignore[no-untyped-def]
        return {k: v for k, v in s.items() if k != "datasets"}

    early = pd.DataFrame({"code": ["roads", "water"], "registered": [3, 5], "adopted": [1, 2]})
    later = pd.DataFrame({"code": ["roads", "water"], "registered": [9, 5], "adopted": [4, 2]})
    a, b = (spec(breakdown_chart(f, kind="field", title="x")) for f in (early, later))
    assert without_data(a) == without_data(b)
    assert a["datasets"] != b["datasets"] and list(a["datasets"]) == ["ntp_rows_0"]
    assert a["data"] == {"name": "ntp_rows_0"}
    assert a["encoding"]["y"]["sort"] == {"field": "rank", "op": "min"}
    field = labeller("field")
    for frame, first in ((early, "water"), (later, "roads")):  # the most registered on top
        long = breakdown_chart(frame, kind="field", title="x").data
        assert long.loc[long["rank"] == 0, "name"].unique().tolist() == [field(first)]
