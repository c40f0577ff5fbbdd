"""A record's history and the audit trail's changes in the reader's words (issue 16, item 5):
a meeting's status by the words of each status, not its code (``scheduled → held``); a
meeting's title named as a meeting's ("회의명"), not a technology's ("기술명"); attributes of
organisations and of the city's profile by their names, not their keys."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from components import audit_words, history


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")


@pytest.mark.usefixtures("korean")
def test_a_meetings_status_and_title_in_korean_words_in_its_history() -> None:
    text = history._history_changes(
        "meeting", {"status": "scheduled"}, {"status": "held", "title": "제3차 심의위원회"}
    )
    assert text == "상태: 개최 예정 → 개최 중; 회의명: 제3차 심의위원회"
    events = pd.DataFrame(
        {
            "occurred_at": [pd.Timestamp("2026-03-02 01:00", tz="UTC")],
            "actor_name": ["staff.demo"],
            "actor_display_name": [None],
            "action": ["meeting.close"],
            "entity": ["meeting"],
            "before": [{"status": "held"}],
            "after": [{"status": "closed"}],
            "reason": [None],
        }
    )
    frame = history.history_frame(events)
    assert frame.iloc[0].tolist()[2:] == ["종료", "상태: 개최 중 → 종료", ""]


@pytest.mark.usefixtures("korean")
def test_a_technologys_title_stays_the_technologys_name() -> None:
    assert history._history_changes("technology", {}, {"title": "투수 포장"}) == "기술명: 투수 포장"


@pytest.mark.usefixtures("korean")
def test_the_audit_trail_names_each_attribute_and_status() -> None:
    meeting = audit_words.changes(
        "meeting", {"status": "scheduled"}, {"status": "held", "title": "제3차"}
    )
    assert meeting.iloc[:, 0].tolist() == ["상태", "회의명"]
    assert meeting.iloc[0, 1:].tolist() == ["개최 예정", "개최 중"]
    org = audit_words.changes("organization", None, {"name_ko": "가나건설", "region": "KR-27"})
    assert org.iloc[:, 0].tolist() == ["이름(한글)", "지역"]
    assert org.iloc[1, 2] == "대구광역시"
    city = audit_words.changes(
        "city_profile", None, {"reg_no_pattern": "DG-{year}-{seq:03d}", "time_zone": "Asia/Seoul"}
    )
    assert city.iloc[:, 0].tolist() == ["등록번호 형식", "시간대"]


def test_no_attribute_of_the_demo_trail_is_shown_by_its_key(seeded_sqlite_file: Path) -> None:
    """Every key that the demo history's audit events carry has a name (or is a criterion of
    the city's), so the audit trail's "Attribute" column never shows a bare key."""
    with closing(sqlite3.connect(seeded_sqlite_file)) as db:
        criteria = {code for (code,) in db.execute("SELECT code FROM criterion_terms")}
        bare = {
            (entity, key)
            for entity, before, after in db.execute(
                "SELECT entity, before, after FROM audit_events"
            )
            for blob in (before, after)
            if blob
            for key in (json.loads(blob) if blob.startswith("{") else {})
            if key not in audit_words.FIELDS and key not in criteria
        }
    assert not bare, sorted(bare)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_panel_draws_rule_has_a_described_name(
    monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The rule a meeting records for its draw (``balanced-v1``) reads as words; the
    identifier itself is left to a caption for auditors."""
    from components.labels import label
    from db.meetings.draw import RULE

    monkeypatch.setenv("NTP_LANG", lang)
    name = label("panel_rule", RULE)
    assert name != RULE
    assert {"ko": "균형", "en": "balanced draw"}[lang] in name


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_page_of_events_is_worded_as_each_event_alone(
    app_env: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The audit trail words a page of events reading each vocabulary's names once
    (``names_read_once``): the words are the same as each event's worded alone, for every
    kind of record of the demo trail (criteria of scores, statuses, regions, roles)."""
    monkeypatch.setenv("NTP_LANG", lang)
    path = app_env.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        entities = [e for (e,) in db.execute("SELECT DISTINCT entity FROM audit_events")]
        events = [
            row
            for entity in entities
            for row in db.execute(
                "SELECT entity, before, after FROM audit_events WHERE entity = ? "
                "ORDER BY id DESC LIMIT 60",
                (entity,),
            )
        ]
    assert len(entities) >= 10
    name = audit_words.names_read_once()
    once = [audit_words.changes_text(e, b, a, name) for e, b, a in events]
    alone = [audit_words.changes_text(e, b, a) for e, b, a in events]
    assert once == alone
    assert any("→" in text for text in once)
