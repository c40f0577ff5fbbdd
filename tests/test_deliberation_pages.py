"""The meetings and fairness pages under AppTest on a copy of the demo SQLite database.

As the auditor: a meeting's record shows the demo data's declared conflicts and recusals,
the fairness panel flags the planted irregularities with links to their meetings, the
evidence package downloads, and no write control is shown. As staff: the forms that fit a
scheduled meeting, driven through a draw.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, select, text
from streamlit.testing.v1 import AppTest

import seed
from tests.apptest import capture_downloads, new_app, page_text, sign_in
from tests.pdfs import real_pdf

PLANTED_CODES = {c for p in seed.PLANTED_IRREGULARITIES for c in p["meeting_codes"]}
WRITE_LABELS = {
    "Schedule the meeting",
    "Add to the agenda",
    "Draw the panel",
    "Record that the meeting is being held",
    "Save attendance",
    "Record the declaration",
    "Record the scores",
    "Record the decision",
    "Save the minutes",
    "Close the meeting",
    "Add the correction",
}


@pytest.fixture
def app_db(seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(seeded_sqlite_file, dst)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{dst}")
    monkeypatch.setenv("NTP_DEMO", "1")
    monkeypatch.setenv("NTP_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("NTP_LANG", "en")
    return f"sqlite:///{dst}"


def query(url: str, sql: str, **params: object) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def open_page(username: str, page: str, **params: str) -> AppTest:
    at = sign_in(new_app(), username)
    at.switch_page(page).run()
    if params:
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
    assert not at.exception, at.exception
    return at


def elements(at: AppTest, kind: str) -> list[Any]:
    """Every element of ``kind`` in the rendered tree (``AppTest.get``, loosely typed)."""
    return list(at.get(kind))


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def all_cells(at: AppTest) -> str:
    return "\n".join(df.to_csv(index=False) for df in tables(at))


def buttons(at: AppTest) -> set[str]:
    labels = {b.label for b in at.button}
    labels |= {b.label for b in elements(at, "form_submit_button")}
    return labels


def test_auditor_sees_declared_conflicts_and_recusals(app_db: str) -> None:
    rows = query(
        app_db,
        "SELECT m.id, e.name, s.conflict_note, s.recused FROM panel_seats s "
        "JOIN meetings m ON m.id = s.meeting_id JOIN experts e ON e.id = s.expert_id "
        "WHERE s.conflict_declared ORDER BY s.id",
    )
    recused = next(r for r in rows if r[3])
    kept = next(r for r in rows if not r[3])
    for meeting_id, name, note, was_recused in (recused, kept):
        at = open_page("auditor.demo", "pages/meetings.py", id=str(meeting_id))
        assert "Declarations of interest and recusals" in page_text(at)
        declarations = next(df for df in tables(at) if "Outcome" in df.columns)
        row = declarations[declarations["Note"] == note]
        assert len(row) == 1, (name, note)
        assert row.iloc[0]["Outcome"] == (
            "Recused" if was_recused else "Stayed: judged no conflict"
        )
        assert "How the panel was drawn" in page_text(at)


def test_auditor_sees_the_draw_scores_and_whether_decisions_follow(app_db: str) -> None:
    (mid,) = query(app_db, "SELECT id FROM meetings WHERE code = 'NTP-2021-04'")[0]
    at = open_page("auditor.demo", "pages/meetings.py", id=str(mid))
    shown = page_text(at)
    assert "5 of 6 decisions follow from the scores and the rules." in shown
    assert "The scores give Failed under the two-stage rule, but Passed was recorded" in shown
    metrics = {m.label: m.value for m in at.metric}
    (seed_value, pool) = query(
        app_db, "SELECT draw_seed, draw_pool_size FROM meetings WHERE id = :m", m=mid
    )[0]
    assert f"**Seed:** `{seed_value}`" in shown
    assert metrics["Experts who could be drawn"] == f"{pool:,}"
    assert any({"Novelty", "Progressiveness", "Comment"} <= set(df.columns) for df in tables(at))
    assert "Phone" in {c for df in tables(at) for c in df.columns}  # auditors see personal data


def test_auditor_sees_no_write_controls(app_db: str) -> None:
    (scheduled,) = query(app_db, "SELECT id FROM meetings WHERE status = 'scheduled' LIMIT 1")[0]
    (closed,) = query(app_db, "SELECT id FROM meetings WHERE status = 'closed' LIMIT 1")[0]
    for params in ({}, {"id": str(scheduled)}, {"id": str(closed)}):
        at = open_page("auditor.demo", "pages/meetings.py", **params)
        assert not buttons(at) & WRITE_LABELS, params
        assert "Actions" not in page_text(at)
        assert not elements(at, "form")
    at = open_page("auditor.demo", "pages/fairness.py")
    assert not buttons(at) & WRITE_LABELS


def test_fairness_panel_opens_on_the_last_twelve_months(app_db: str) -> None:
    """The report is computed over the last 12 months before the as-of date unless the
    auditor widens it; the page says which period is shown and the URL carries it."""
    at = open_page("auditor.demo", "pages/fairness.py", as_of="2023-06-30")
    assert at.date_input(key="dl_fair_from").value == dt.date(2022, 7, 1)
    assert at.date_input(key="dl_fair_to").value == dt.date(2023, 6, 30)
    assert at.query_params["from"] == ["2022-07-01"] or at.query_params["from"] == "2022-07-01"
    captions = " ".join(c.value for c in at.caption)
    assert "Meetings scheduled from 1 Jul 2022 to 30 Jun 2023." in captions
    assert "A longer period takes longer" in captions
    linked = {x.proto.label.split(" · ")[0].replace("\\", "") for x in elements(at, "page_link")}
    dates = {
        code: str(day) for code, day in query(app_db, "SELECT code, scheduled_on FROM meetings")
    }
    in_period = {c for c in PLANTED_CODES if "2022-07-01" <= dates[c][:10] <= "2023-06-30"}
    assert in_period and in_period != PLANTED_CODES  # the test means something
    assert linked == in_period  # the planted irregularities of this period, and only those
    # the period in the URL is restored (a link or a reload)
    at = open_page(
        "auditor.demo", "pages/fairness.py", **{"from": "2021-01-01", "to": "2021-12-31"}
    )
    assert at.date_input(key="dl_fair_from").value == dt.date(2021, 1, 1)
    linked = {x.proto.label.split(" · ")[0].replace("\\", "") for x in elements(at, "page_link")}
    assert linked == {c for c in PLANTED_CODES if dates[c].startswith("2021")}
    assert linked


def test_fairness_panel_serves_the_report_stored_for_the_period(app_db: str) -> None:
    """The first auditor to open a period stores its report (per data version); a cold
    process (caches emptied) then shows the stored report instead of recomputing it."""
    import dataclasses

    import streamlit as st

    from db import summaries

    period = {"from": "2021-01-01", "to": "2021-12-31"}
    at = open_page("auditor.demo", "pages/fairness.py", **period)
    linked = {x.proto.label.split(" · ")[0].replace("\\", "") for x in elements(at, "page_link")}
    assert linked
    rows = query(
        app_db,
        "SELECT key, version, payload FROM stored_summaries WHERE name = :n",
        n="deliberation.fairness/1",
    )
    key = summaries.params_key({"start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)})
    assert [r[0] for r in rows if r[0] == key] == [key]
    (version, payload) = next((r[1], r[2]) for r in rows if r[0] == key)
    report = summaries.loads(payload, summaries.FairnessReport)
    # the panels where one affiliation held the majority, with the affiliation's label
    sided = next(df for df in tables(at) if {"Meeting", "Affiliation"} <= set(df.columns))
    names = {"public": "Public institutions", "industry": "Industry", "academia": "Academia"}
    assert not report.one_sided_panels.empty
    assert list(sided["Meeting"]) == list(report.one_sided_panels["code"])
    assert list(sided["Affiliation"]) == [
        names.get(a, "Other") for a in report.one_sided_panels["affiliation"]
    ]
    # the stored row without its flags: a page that recomputed would still link them
    quiet = dataclasses.replace(report, flags=report.flags.head(0))
    engine = create_engine(app_db)
    try:
        assert summaries.store(engine, "deliberation.fairness/1", key, version, quiet, 0.0)
    finally:
        engine.dispose()
    st.cache_data.clear()
    at = open_page("auditor.demo", "pages/fairness.py", **period)
    assert not elements(at, "page_link")


def test_fairness_panel_flags_the_planted_irregularities(app_db: str) -> None:
    at = open_page("auditor.demo", "pages/fairness.py")
    at.button(key="dl_fair_all").click().run()  # widened to the whole history
    assert not at.exception
    assert at.date_input(key="dl_fair_from").value is None
    assert "Meetings of the whole history." in " ".join(c.value for c in at.caption)
    shown = page_text(at)
    for kind in (
        "Decision against the scores",
        "Decided without quorum",
        "Same expert again and again for an applicant",
    ):
        assert f"**{kind}**" in shown
    links = elements(at, "page_link")
    linked = {link.proto.label.split(" · ")[0].replace("\\", "") for link in links}
    assert linked == PLANTED_CODES
    ids = {code: mid for mid, code in query(app_db, "SELECT id, code FROM meetings")}
    for link in links:
        code = link.proto.label.split(" · ")[0].replace("\\", "")
        assert link.proto.query_string == f"id={ids[code]}"
        assert link.proto.page == "meetings"
    assert len(elements(at, "vega_lite_chart")) == 2


def test_fairness_panel_evidence_package_downloads(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    at = open_page("auditor.demo", "pages/fairness.py")
    at.date_input(key="dl_fair_from").set_value(seed.PUBLISHED_AS_OF).run()
    at.date_input(key="dl_fair_to").set_value(seed.PUBLISHED_AS_OF.replace(month=12)).run()
    at.button(key="dl_period_evidence_prepare").click().run()
    assert not at.exception
    name = next(n for n in files if n.startswith("evidence-"))
    z = zipfile.ZipFile(io.BytesIO(files[name]))
    assert "MANIFEST.sha256" in z.namelist() and "meetings.csv" in z.namelist()


def test_fairness_summary_does_not_say_nothing_found_above_one_sided_panels(
    app_db: str,
) -> None:
    """In 2019 no record is flagged, yet most panels had a majority from one affiliation: the
    page says both at the top (issue #16, item 9), and nothing on it tells how the demo data
    was made (that is in the README)."""
    at = open_page(
        "auditor.demo", "pages/fairness.py", **{"from": "2019-01-01", "to": "2019-08-08"}
    )
    sided = next(df for df in tables(at) if {"Meeting", "Affiliation"} <= set(df.columns))
    assert len(sided) > 0
    assert not [x for x in at.success if "Nothing is flagged" in x.value]
    info = " ".join(x.value for x in at.info)
    assert "No record is flagged by the checks for this period" in info
    held = next(m for m in at.metric if m.label == "Meetings held").value
    assert f"{len(sided)} of {held} panels had a majority from one affiliation" in info
    tile = next(m for m in at.metric if m.label == "Panels with a one-affiliation majority")
    assert tile.value == f"{len(sided)} / {held}"
    assert "demo" not in page_text(at).lower()


def test_the_evidence_package_shows_its_progress(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Preparing a period's package draws a status with a progress bar, closed and marked
    ready when the package is made (issue #16, item 13)."""
    files = capture_downloads(monkeypatch)
    at = open_page(
        "auditor.demo", "pages/fairness.py", **{"from": "2019-01-01", "to": "2019-08-08"}
    )
    at.button(key="dl_period_evidence_prepare").click().run()
    assert not at.exception
    assert [x.label for x in at.status] == ["The package is ready."]
    assert len(at.status[0].get("progress")) == 1
    assert any(n.startswith("evidence-") for n in files)


def test_the_executive_cannot_open_the_pages(app_db: str) -> None:
    at = sign_in(new_app(), "executive.demo")
    for page in ("pages/meetings.py", "pages/fairness.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_staff_draw_a_panel_from_the_page(app_db: str) -> None:
    (mid, kind) = query(
        app_db,
        "SELECT id, kind FROM meetings WHERE status = 'scheduled' AND draw_seed IS NULL "
        "AND kind = 'adoption_review' ORDER BY id LIMIT 1",
    )[0]
    at = open_page("staff.demo", "pages/meetings.py", id=str(mid))
    assert "Actions" in page_text(at)
    assert {"Add to the agenda", "Draw the panel"} <= buttons(at)
    # Add the first waiting adoption proposal, then draw (the confirmation is required).
    elements(at, "form_submit_button")[0].click().run()
    assert not at.exception
    assert "The item was added to the agenda." in page_text(at)
    draw = next(b for b in elements(at, "form_submit_button") if b.label == "Draw the panel")
    draw.click().run()
    assert "Tick the box to confirm first" in page_text(at)
    at.checkbox(key="dl_draw_sure").check()
    draw = next(b for b in elements(at, "form_submit_button") if b.label == "Draw the panel")
    draw.click().run()
    assert not at.exception
    assert "The panel was drawn" in page_text(at), [e.value for e in at.error] + [
        w.value for w in at.warning
    ]
    (seed_value, pool) = query(
        app_db, "SELECT draw_seed, draw_pool_size FROM meetings WHERE id = :m", m=mid
    )[0]
    assert seed_value is not None and pool > 0
    assert f"**Seed:** `{seed_value}`" in page_text(at)
    seats = query(app_db, "SELECT count(*) FROM panel_seats WHERE meeting_id = :m", m=mid)[0][0]
    assert seats == 7
    assert kind == "adoption_review"
    actions = query(
        app_db,
        "SELECT action FROM audit_events WHERE action IN ('agenda_item.add', 'meeting.draw_panel') "
        "AND actor_name = 'staff.demo' ORDER BY id DESC LIMIT 2",
    )
    assert [a for (a,) in actions] == ["meeting.draw_panel", "agenda_item.add"]


def test_staff_schedule_a_meeting_from_the_list(app_db: str) -> None:
    import datetime as dt

    at = open_page("staff.demo", "pages/meetings.py")
    next(t for t in at.text_input if t.label == "Meeting title").input(
        "2027년 제1차 신기술 등록 심의위원회"
    )
    next(d for d in at.date_input if d.label == "Date").set_value(dt.date(2027, 1, 15))
    submit = next(
        b for b in elements(at, "form_submit_button") if b.label == "Schedule the meeting"
    )
    submit.click().run()
    assert not at.exception
    assert "The meeting was scheduled." in page_text(at)
    assert query(app_db, "SELECT code, status FROM meetings WHERE title LIKE '2027%'") == [
        ("NTP-2027-01", "scheduled")
    ]


def test_staff_hold_score_decide_and_close_from_the_page(app_db: str) -> None:
    """A one-item meeting prepared through ``db/``, then held, scored, decided and closed
    through the page's forms."""
    import datetime as dt

    from db import meetings
    from db.engine import make_engine
    from db.models import User
    from db.policy import Actor
    from db.session import write_session

    engine = make_engine(app_db)
    try:
        with write_session(engine) as s:
            user = s.execute(select(User).where(User.username == "staff.demo")).scalar_one()
            staff = Actor(user.id, user.username, frozenset({"staff"}))
            mid = meetings.schedule_meeting(
                session=s,
                actor=staff,
                kind="registration_review",
                title="UI flow",
                scheduled_on=dt.date(2026, 12, 1),
            )
        with write_session(engine) as s:
            tech = meetings.agenda_candidates(session=s, meeting_id=mid).iloc[0]
            meetings.add_agenda_item(
                session=s, actor=staff, meeting_id=mid, technology_id=int(tech["technology_id"])
            )
        with write_session(engine) as s:
            meetings.draw_and_seat_panel(session=s, actor=staff, meeting_id=mid, seed=2026)
    finally:
        engine.dispose()

    at = open_page("staff.demo", "pages/meetings.py", id=str(mid))

    def submit(label: str) -> None:
        next(b for b in elements(at, "form_submit_button") if b.label == label).click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]

    submit("Record that the meeting is being held")
    assert "The meeting is recorded as being held." in page_text(at)
    submit("Save attendance")
    assert "Attendance saved (7 changes)." in page_text(at)
    for n in range(7):  # the member list holds those who have not scored yet
        for label, value in zip(
            ("Novelty", "Progressiveness", "Field applicability", "Economy", "Diffusion"),
            (85, 82, 80, 78, 79),
            strict=True,
        ):
            next(x for x in at.number_input if x.label == label).set_value(value)
        # staff enter a member's scores only as a proxy of their signed paper sheet
        next(t for t in at.text_input if t.label == "Why staff enter this sheet").input(
            "Scored on paper at the meeting."
        )
        at.file_uploader[0].upload("sheet.pdf", real_pdf(), "application/pdf")
        submit("Record the scores")
        assert "The scores were recorded." in page_text(at), n
    assert "Every member present who may vote has scored this item." in page_text(at)
    assert "So far the scores give: Passed" in page_text(at)
    next(t for t in at.text_area if t.label == "Reason for the decision").input("Both stages met.")
    submit("Record the decision")
    assert "The decision was recorded." in page_text(at)
    next(t for t in at.text_area if t.label == "Minutes").input("One item, passed.")
    at.checkbox(key="dl_close_sure").check()
    submit("Close the meeting")
    assert "The meeting was closed." in page_text(at)
    assert "Add the correction" in buttons(at)
    assert query(app_db, "SELECT status FROM meetings WHERE id = :m", m=mid) == [("closed",)]
    assert query(
        app_db,
        "SELECT count(*) FROM evaluations e JOIN agenda_items i ON i.id = e.agenda_item_id "
        "WHERE i.meeting_id = :m",
        m=mid,
    ) == [(7,)]


# --- the meeting list: pages of 50, counted and filtered in the database ----------------------


def newest_codes(url: str, where: str = "1 = 1") -> list[str]:
    return [
        c
        for (c,) in query(
            url, f"SELECT code FROM meetings WHERE {where} ORDER BY scheduled_on DESC, id DESC"
        )
    ]


def test_auditor_pages_through_the_meetings_newest_first(app_db: str) -> None:
    codes = newest_codes(app_db)
    assert len(codes) > 100  # three pages of the demo data
    pages = -(-len(codes) // 50)
    at = open_page("auditor.demo", "pages/meetings.py")
    assert f"{len(codes)} meetings" in page_text(at)
    (table,) = tables(at)
    assert list(table["Meeting"]) == codes[:50]
    captions = " ".join(c.value for c in at.caption)
    assert f"Page 1 of {pages} (records 1-50)" in captions
    assert at.button(key="dl_prev").disabled and not at.button(key="dl_next").disabled
    at.button(key="dl_next").click().run()
    assert not at.exception
    (table,) = tables(at)
    assert list(table["Meeting"]) == codes[50:100]
    assert f"Page 2 of {pages} (records 51-100)" in " ".join(c.value for c in at.caption)
    for _n in range(pages - 2):  # to the last page
        at.button(key="dl_next").click().run()
    (table,) = tables(at)
    assert list(table["Meeting"]) == codes[(pages - 1) * 50 :]
    assert at.button(key="dl_next").disabled
    at.button(key="dl_prev").click().run()
    (table,) = tables(at)
    assert list(table["Meeting"]) == codes[(pages - 2) * 50 : (pages - 1) * 50]


def test_the_meeting_list_filters_and_searches_in_the_database(app_db: str) -> None:
    at = open_page("auditor.demo", "pages/meetings.py")
    at.button(key="dl_next").click().run()
    at.text_input(key="dl_q").input("2022-0").run()  # a new search opens on its first page
    (table,) = tables(at)
    expected = newest_codes(app_db, "code LIKE '%2022-0%' OR title LIKE '%2022-0%'")
    assert 0 < len(expected) < 50 and list(table["Meeting"]) == expected
    assert f"{len(expected)} meetings" in page_text(at)
    assert not [b for b in at.button if b.key in ("dl_prev", "dl_next")]  # one page
    at.text_input(key="dl_q").input("").run()
    at.selectbox(key="dl_status").set_value("scheduled").run()
    (table,) = tables(at)
    assert list(table["Meeting"]) == newest_codes(app_db, "status = 'scheduled'")[:50]
    at.text_input(key="dl_q").input("no such meeting").run()
    assert "No meetings match these filters." in page_text(at)


def test_the_meeting_list_exports_every_matching_meeting_on_request(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    codes = newest_codes(app_db)
    at = open_page("auditor.demo", "pages/meetings.py")
    assert not [n for n in files if n.startswith("meetings-")]  # built only when asked for
    at.button(key="dl_prepare").click().run()
    assert not at.exception
    csv = files[next(n for n in files if n.startswith("meetings-") and n.endswith(".csv"))]
    exported = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert list(exported["Meeting"]) == codes  # every meeting, not only the first page
    assert any(n.startswith("meetings-") and n.endswith(".xlsx") for n in files)
