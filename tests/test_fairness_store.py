"""Stored fairness results of closed meetings (migration 0007), on SQLite and PostgreSQL.

The report built from the stored results equals the report computed from the records, field
by field, for several periods of the demo data; closing a meeting stores its results in the
same transaction (a failed or rolled-back close stores nothing); the report reads the stored
rows (and ignores rows of another rules' version); a change of an expert's organization or a
technology's owner recomputes the closed meetings concerned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select, update

import seed
from db import meetings
from db.experts import edit_expert
from db.fairness.report import RULES_VERSION, FairnessReport, fairness_report, stored_flags
from db.fairness.store import refresh_for_technologies
from db.meetings import errors as e
from db.models import Expert, ExpertField, Meeting, MeetingFairness, PanelSeat, Technology, User
from db.policy import Actor
from db.session import read_session, write_session
from seed.constants import DEMO_END, GO_LIVE
from tests.deliberation_data import PASSING, World, build, held, items_of, score_all, write

PERIODS = [
    (None, None),
    (GO_LIVE, seed.PUBLISHED_AS_OF),
    (dt.date(2021, 1, 1), dt.date(2023, 12, 31)),
    (dt.date(2022, 6, 1), None),
    (None, dt.date(2020, 12, 31)),
    (DEMO_END.replace(year=DEMO_END.year - 1) + dt.timedelta(days=1), DEMO_END),
]


def assert_same(live: FairnessReport, stored: FairnessReport) -> None:
    for f in dataclasses.fields(FairnessReport):
        a, b = getattr(live, f.name), getattr(stored, f.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=f.name)
        else:
            assert a == b, f.name


def auditor_of(engine: Engine) -> Actor:
    with read_session(engine) as s:
        user = s.execute(select(User).where(User.username == "auditor.demo")).scalar_one()
        return Actor(user.id, user.username, user.role_names, user.display_name)


def reports(engine: Engine, actor: Actor, period: tuple) -> tuple[FairnessReport, FairnessReport]:
    with read_session(engine) as s:
        live = fairness_report(session=s, actor=actor, period=period, live=True)
    with read_session(engine) as s:
        stored = fairness_report(session=s, actor=actor, period=period)
    return live, stored


# --- the demo data -----------------------------------------------------------------------------


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}..{p[1]}")
def test_the_report_from_stored_results_equals_the_live_computation(
    seeded_engine: Engine, period: tuple
) -> None:
    live, stored = reports(seeded_engine, auditor_of(seeded_engine), period)
    assert_same(live, stored)


@pytest.mark.parametrize("period", [PERIODS[0], PERIODS[2]], ids=["all", "2021-2023"])
def test_the_same_when_repeats_are_counted_in_sql_first(
    seeded_engine: Engine, period: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long periods (many experts with 3+ seats) count repeats in SQL before loading seats."""
    from db.fairness import report as fairness

    monkeypatch.setattr(fairness, "MANY_EXPERTS", 0)
    live, stored = reports(seeded_engine, auditor_of(seeded_engine), period)
    assert_same(live, stored)
    assert not stored.repeated.empty


def test_the_seed_stores_every_closed_meeting_with_its_planted_flags(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        closed = set(s.execute(select(Meeting.id).where(Meeting.status == "closed")).scalars())
        rows = {r.meeting_id: r for r in s.execute(select(MeetingFairness)).scalars()}
        codes = dict(s.execute(select(Meeting.id, Meeting.code)).all())
        seats = dict(
            s.execute(
                select(PanelSeat.meeting_id, func.count()).group_by(PanelSeat.meeting_id)
            ).all()
        )
    assert closed and set(rows) == closed
    assert {r.version for r in rows.values()} == {RULES_VERSION}
    for m, row in rows.items():
        assert row.seats == seats.get(m, 0)
        assert row.seats_public + row.seats_industry + row.seats_academia + row.seats_other == (
            row.seats
        )
        assert row.flag_count == len(stored_flags(row.flags))
    stored = {(f[0], codes[m]) for m, r in rows.items() for f in stored_flags(r.flags)}
    own = {
        (p["kind"], c)
        for p in seed.PLANTED_IRREGULARITIES
        for c in p["meeting_codes"]
        if p["kind"] not in ("repeated_panelist_for_applicant", "seat_concentration")
    }
    assert own and own <= stored


# --- closing a meeting ------------------------------------------------------------------------


@pytest.fixture
def w(migrated_engine: Engine) -> World:
    return build(migrated_engine)


def decided(w: World) -> tuple[int, list[int]]:
    """A meeting being held with every item scored and passed (ready to close)."""
    meeting_id, members = held(w)
    for item_id in items_of(w, meeting_id):
        score_all(w, item_id, members, PASSING, own=True)
        write(w, meetings.record_decision, item_id=item_id, reason="Passes.")
    return meeting_id, members


def stored_row(w: World, meeting_id: int) -> MeetingFairness | None:
    with read_session(w.engine) as s:
        return s.get(MeetingFairness, meeting_id)


def status_of(w: World, meeting_id: int) -> str:
    with read_session(w.engine) as s:
        return str(s.execute(select(Meeting.status).where(Meeting.id == meeting_id)).scalar_one())


def test_closing_a_meeting_stores_its_results_in_the_same_transaction(w: World) -> None:
    meeting_id, members = held(w)
    # A close that fails stores nothing.
    with pytest.raises(e.ItemsUndecided):
        write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Too early.")
    assert stored_row(w, meeting_id) is None
    for item_id in items_of(w, meeting_id):
        score_all(w, item_id, members, PASSING, own=True)
        write(w, meetings.record_decision, item_id=item_id, reason="Passes.")
    # The row is written inside the closing transaction, and goes with it when it rolls back.
    with pytest.raises(RuntimeError), write_session(w.engine) as s:
        meetings.close_meeting(
            session=s, actor=w.staff, meeting_id=meeting_id, minutes="Both passed."
        )
        assert s.get(MeetingFairness, meeting_id) is not None
        raise RuntimeError("the transaction fails after the close")
    assert stored_row(w, meeting_id) is None and status_of(w, meeting_id) == "held"
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    row = stored_row(w, meeting_id)
    assert row is not None and status_of(w, meeting_id) == "closed"
    assert (row.version, row.seats, row.flag_count, row.flags) == (
        RULES_VERSION,
        len(members),
        0,
        "[]",
    )
    with read_session(w.engine) as s:
        affiliations = dict(
            s.execute(
                select(Expert.affiliation, func.count())
                .join(PanelSeat, PanelSeat.expert_id == Expert.id)
                .where(PanelSeat.meeting_id == meeting_id)
                .group_by(Expert.affiliation)
            ).all()
        )
    assert {a: getattr(row, f"seats_{a}") for a in affiliations} == affiliations
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert_same(live, stored)
    assert (stored.meetings, stored.meetings_held, stored.seats) == (1, 1, len(members))


def test_the_report_reads_the_stored_results_of_the_current_rules_only(w: World) -> None:
    meeting_id, _members = decided(w)
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    planted = '[["missing_reason",null,null,null,"minutes",null]]'
    with write_session(w.engine) as s:
        s.execute(
            update(MeetingFairness)
            .where(MeetingFairness.meeting_id == meeting_id)
            .values(flags=planted, flag_count=1)
        )
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert live.flags.empty
    assert list(zip(stored.flags["kind"], stored.flags["what"], strict=True)) == [
        ("missing_reason", "minutes")
    ]
    with write_session(w.engine) as s:
        s.execute(update(MeetingFairness).values(version=RULES_VERSION + 1))
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert_same(live, stored)  # a row of other rules is ignored: the meeting is computed live


def test_an_experts_new_organization_recomputes_the_closed_meetings(w: World) -> None:
    meeting_id, members = decided(w)
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    member = members[0]
    with read_session(w.engine) as s:
        expert = s.get(Expert, member)
        assert expert is not None
        fields = list(
            s.execute(select(ExpertField.field).where(ExpertField.expert_id == member)).scalars()
        )
        values: dict[str, Any] = {
            "version": expert.version,
            "name": expert.name,
            "name_en": expert.name_en,
            "affiliation": expert.affiliation,
            "position": expert.position,
            "phone": expert.phone,
            "email": expert.email,
        }
    # The member turns out to work for the first item's applicant: a conflict not recused,
    # and scores recorded despite it.
    with write_session(w.engine) as s:
        edit_expert(
            session=s,
            actor=w.staff,
            expert_id=member,
            organization_id=w.orgs["applicant_a"],
            fields=fields,
            reason="Moved to applicant A in 2022.",
            **values,
        )
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert_same(live, stored)
    assert {"conflict_not_recused", "ineligible_scores"} <= set(stored.flags["kind"])
    row = stored_row(w, meeting_id)
    assert row is not None and row.flag_count == 2


def test_a_technologys_new_owner_recomputes_the_closed_meetings(w: World) -> None:
    meeting_id, members = decided(w)
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    with read_session(w.engine) as s:
        org = s.execute(select(Expert.organization_id).where(Expert.id == members[0])).scalar()
    with write_session(w.engine) as s:  # as an import that changes the owner writes it
        s.execute(update(Technology).where(Technology.id == w.techs["t2"]).values(owner_org_id=org))
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert "conflict_not_recused" in set(live.flags["kind"])
    assert stored.flags.empty  # not yet recomputed: what refresh_for_technologies is for
    with write_session(w.engine) as s:
        assert refresh_for_technologies(s, [w.techs["t2"]]) == 1
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert_same(live, stored)


def test_the_migration_computes_the_meetings_closed_before_it(w: World) -> None:
    """Migration 0007 on a database holding closed meetings: its backfill stores the same
    row the close stored (downgrade to 0006 drops the table, upgrade recomputes)."""
    from db.migrate import downgrade, upgrade

    meeting_id, _members = decided(w)
    write(w, meetings.close_meeting, meeting_id=meeting_id, minutes="Both passed.")
    before = stored_row(w, meeting_id)
    assert before is not None
    downgrade(w.engine, "0006")
    upgrade(w.engine)
    after = stored_row(w, meeting_id)
    assert after is not None
    columns = [c.key for c in MeetingFairness.__table__.columns if c.key != "computed_at"]
    assert {c: getattr(after, c) for c in columns} == {c: getattr(before, c) for c in columns}
    live, stored = reports(w.engine, w.actors["auditor"], (None, None))
    assert_same(live, stored)


# --- the report stored per (period, data version) (db.summaries) ---------------------------


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}..{p[1]}")
def test_the_report_stored_as_a_summary_equals_the_live_computation(
    seeded_engine: Engine, period: tuple
) -> None:
    """What the page serves (``components.data`` -> ``db.summaries.fairness``): computed and
    stored by the first reader, then decoded from the stored row, field by field equal to
    the report computed from the records; the stored row holds no contact field."""
    from db import summaries
    from db.models import StoredSummary

    actor = auditor_of(seeded_engine)
    with read_session(seeded_engine) as s:
        live = fairness_report(session=s, actor=actor, period=period, live=True)
    key = summaries.params_key({"start": period[0], "end": period[1]})
    with read_session(seeded_engine) as s:
        version = summaries.data_version(s)
        first = summaries.fairness(s, version, actor, *period)
    with read_session(seeded_engine) as s:
        row = s.execute(
            select(StoredSummary).where(
                StoredSummary.name == "deliberation.fairness/1", StoredSummary.key == key
            )
        ).scalar_one()
        assert row.version == version
        payload = row.payload
        second = summaries.fairness(s, version, actor, *period)
    assert_same(live, first)
    assert_same(live, second)
    assert_same(live, summaries.loads(payload, FairnessReport))
    with read_session(seeded_engine) as s:
        contacts = s.execute(select(Expert.email, Expert.phone).limit(2000)).all()
    assert not [c for pair in contacts for c in pair if c and c in payload]
    names = live.flags["expert_name"].dropna()
    assert names.empty or names.iloc[0] in payload


def test_a_stored_report_of_an_older_data_version_is_not_served(seeded_engine: Engine) -> None:
    from db import summaries
    from db.models import StoredSummary

    actor = auditor_of(seeded_engine)
    period = PERIODS[2]
    with read_session(seeded_engine) as s:
        live = fairness_report(session=s, actor=actor, period=period, live=True)
        version = summaries.data_version(s)
    empty = dataclasses.replace(live, meetings=-1, flags=live.flags.head(0))
    key = summaries.params_key({"start": period[0], "end": period[1]})
    with seeded_engine.begin() as conn:
        conn.execute(
            delete(StoredSummary).where(
                StoredSummary.name == "deliberation.fairness/1", StoredSummary.key == key
            )
        )
    assert summaries.store(seeded_engine, "deliberation.fairness/1", key, version - 1, empty, 0.0)
    with read_session(seeded_engine) as s:
        assert summaries.fairness(s, version - 1, actor, *period).meetings == -1  # as stored
        assert_same(live, summaries.fairness(s, version, actor, *period))
