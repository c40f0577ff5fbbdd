"""The demo data: published figures of 2019-08-08, consistency of the records, determinism,
refusals, and the ``python -m seed`` command.

Figures and consistency are checked on the shared ``seeded_engine`` (scale 1, both
backends, read only); tests that build their own data use a small ``until`` to stay fast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

import seed
from db import audit, models
from db.engine import make_engine
from db.kpi.headline import headline
from db.meetings.common import Regulations
from db.meetings.scoring import Thresholds, evaluate
from db.migrate import upgrade
from db.models import Agreement, Base, Inquiry, Meeting, Organization, Technology, User
from db.passwords import UNUSABLE_PASSWORD, check_password
from seed.texts import FIELD_GROUPS, GROUP_KO, PUBLISHED_TESTBEDS

ROOT = Path(__file__).resolve().parent.parent
AS_OF = seed.PUBLISHED_AS_OF
EARLY = dt.date(2019, 3, 31)  # a small, fast dataset for tests that build their own


def rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


# --- the published figures (x 1) ---------------------------------------------------------


def test_headline_figures_as_published(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        h = headline(session=s, as_of=AS_OF)
    p = seed.PUBLISHED
    assert h.experts == p["experts"] == 817
    assert h.experts_by_affiliation == p["experts_by_affiliation"]
    assert (h.technologies, h.technologies_local) == (305, 43)
    assert h.meetings == 23
    assert h.adopted == 54
    assert h.testbeds == 4
    assert h.testbeds_by_stage == {"certified": 3, "completed": 1}
    assert h.inquiries == 7
    assert h.agreements == 4
    assert h.agreements_by_status == {"planned": 4}


def test_the_four_published_testbeds(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        found = s.execute(
            select(Technology.title_en, Technology.title_ko, Technology.is_local, models.Testbed)
            .join(models.Testbed, models.Testbed.technology_id == Technology.id)
            .where(models.Testbed.selected_on <= AS_OF)
        ).all()
        on_agenda = s.execute(
            text(
                "SELECT count(*) FROM agenda_items WHERE testbed_id IN "
                "(SELECT id FROM testbeds WHERE selected_on <= :d)"
            ),
            {"d": AS_OF},
        ).scalar_one()
        acrylate = s.execute(
            select(Technology).where(Technology.title_en == PUBLISHED_TESTBEDS[0]["title_en"])
        ).scalar_one()
    assert {t for t, *_ in found} == {spec["title_en"] for spec in PUBLISHED_TESTBEDS}
    assert {k for _, k, *_ in found} == {spec["title_ko"] for spec in PUBLISHED_TESTBEDS}
    assert all(local for _, _, local, _ in found)
    assert all(tb.selected_on and tb.selected_on.year == 2018 for *_, tb in found)
    assert on_agenda == 0  # selected before the platform existed
    certified = [tb for *_, tb in found if tb.certified_on and tb.certified_on <= AS_OF]
    assert len(certified) == 3 and all(tb.certification for tb in certified)
    # The acrylate method was being deliberated on: under review on 2019-08-08.
    assert acrylate.review_on is not None and acrylate.review_on <= AS_OF
    assert acrylate.registered_on is None or acrylate.registered_on > AS_OF


PUBLISHED_INQUIRERS = {
    "Board of Audit and Inspection": ("audit_body", "KR-11"),
    "Ministry of Land, Infrastructure and Transport": ("ministry", "KR-50"),
    "Ministry of the Interior and Safety": ("ministry", "KR-50"),
    "Busan Metropolitan City": ("metropolitan_city", "KR-26"),
    "Daejeon Metropolitan City": ("metropolitan_city", "KR-30"),
    "Gyeonggi-do": ("province", "KR-41"),
    "Gyeongsangbuk-do": ("province", "KR-47"),
}


def test_the_seven_inquiring_bodies(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        found = s.execute(
            select(Organization.name_en, Organization.kind, Organization.region, Inquiry)
            .join(Inquiry, Inquiry.org_id == Organization.id)
            .where(Inquiry.received_on <= AS_OF)
        ).all()
    assert {n: (k, r) for n, k, r, _ in found} == PUBLISHED_INQUIRERS
    assert len(found) == 7
    bai = next(q for n, *_, q in found if n == "Board of Audit and Inspection")
    assert bai.visit_on is not None and (bai.visit_on.year, bai.visit_on.month) == (2019, 4)
    others = [q for n, *_, q in found if n != "Board of Audit and Inspection"]
    assert all(q.received_on > bai.visit_on for q in others)  # "since then"


def test_the_four_planned_agreements(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        found = s.execute(
            select(Organization.name_en, Agreement)
            .join(Agreement, Agreement.partner_org_id == Organization.id)
            .where(Agreement.planned_on <= AS_OF)
        ).all()
    assert {(n, a.kind) for n, a in found} == {
        ("Korea Expressway Corporation", "mou"),
        ("Daegu Metropolitan Office of Education", "mou"),
        ("Kyungpook National University", "mou"),
        ("Gyeongsangbuk-do", "joint_operation"),
    }
    for _, a in found:  # signed in the second half of 2019, after the press release
        assert a.signed_on is not None and AS_OF < a.signed_on <= dt.date(2019, 12, 31)


def test_the_city_and_its_go_live(seeded_engine: Engine) -> None:
    assert rows(
        seeded_engine,
        "SELECT kind, region, is_local FROM organizations "
        "WHERE name_en = 'Daegu Metropolitan City'",
    ) == [("metropolitan_city", "KR-27", True)]
    first_meeting = rows(seeded_engine, "SELECT min(held_on) FROM meetings")[0][0]
    first_expert = rows(seeded_engine, "SELECT min(registered_on) FROM experts")[0][0]
    assert str(first_expert).startswith("2019-01") and str(first_meeting).startswith("2019-02")
    local = rows(
        seeded_engine,
        "SELECT count(*) FROM technologies t JOIN organizations o "
        "ON o.id = t.owner_org_id WHERE t.is_local != (o.region = 'KR-27')",
    )
    assert local == [(0,)]


# --- consistency of the records -----------------------------------------------------------


def test_adopted_technologies_were_registered_before_their_adoption_meeting(
    seeded_engine: Engine,
) -> None:
    bad = rows(
        seeded_engine,
        """
        SELECT a.id FROM adoptions a
        JOIN technologies t ON t.id = a.technology_id
        JOIN agenda_items i ON i.adoption_id = a.id
        JOIN meetings m ON m.id = i.meeting_id
        WHERE a.status = 'approved'
          AND (t.registered_on IS NULL OR t.registered_on >= m.held_on
               OR a.approved_on <= m.held_on)""",
    )
    assert bad == []
    unreviewed = rows(
        seeded_engine,
        "SELECT count(*) FROM adoptions a WHERE a.status = "
        "'approved' AND NOT EXISTS (SELECT 1 FROM agenda_items i "
        "WHERE i.adoption_id = a.id)",
    )
    assert unreviewed == [(0,)]


def test_decisions_have_reasons_and_follow_the_rule_except_the_planted_one(
    seeded_engine: Engine,
) -> None:
    assert rows(
        seeded_engine,
        "SELECT count(*) FROM agenda_items WHERE decision IN "
        "('passed', 'failed') AND (decision_reason IS NULL OR decision_reason = '')",
    ) == [(0,)]
    with Session(seeded_engine) as session:  # the rule the app checks decisions by
        regulation = Regulations(session)
        versions = {
            code: regulation.version(reg_id, day)
            for code, reg_id, day in session.execute(
                select(Meeting.code, Meeting.regulation_id, Meeting.scheduled_on)
            )
        }
    rule = {code: Thresholds.from_rules(v.rules) for code, v in versions.items() if v}
    assert set(rule) == set(versions)
    by_evaluation: dict[int, tuple[int, dict[str, int]]] = {}
    for item_id, evaluation_id, criterion, score in rows(
        seeded_engine,
        "SELECT e.agenda_item_id, s.evaluation_id, s.criterion, s.score FROM evaluation_scores s "
        "JOIN evaluations e ON e.id = s.evaluation_id",
    ):
        by_evaluation.setdefault(evaluation_id, (item_id, {}))[1][criterion] = score
    scores: dict[int, list[dict[str, int]]] = defaultdict(list)
    for item_id, values in by_evaluation.values():
        scores[item_id].append(values)
    for item_id, code in rows(
        seeded_engine,
        "SELECT i.id, m.code FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id "
        "WHERE i.decision IN ('passed', 'failed')",
    ):
        assert all(set(v) == set(rule[code].codes) for v in scores[item_id]), code
    against = {
        (code, pos)
        for item_id, code, pos, decision in rows(
            seeded_engine,
            """
            SELECT i.id, m.code, i.position, i.decision FROM agenda_items i
            JOIN meetings m ON m.id = i.meeting_id WHERE i.decision IN ('passed', 'failed')""",
        )
        if evaluate(scores[item_id], rule[code]).passed != (decision == "passed")
    }
    planted = next(p for p in seed.PLANTED_IRREGULARITIES if p["kind"] == "decision_against_scores")
    assert against == {(planted["meeting_codes"][0], planted["position"])}


def test_registration_decisions_set_the_technology_status_on_the_meeting_date(
    seeded_engine: Engine,
) -> None:
    bad = rows(
        seeded_engine,
        """
        SELECT t.id FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id
        JOIN technologies t ON t.id = i.technology_id
        WHERE m.kind = 'registration_review' AND i.decision IN ('passed', 'failed')
          AND NOT ((i.decision = 'passed' AND t.registered_on = m.held_on)
                   OR (i.decision = 'failed' AND t.rejected_on = m.held_on))""",
    )
    assert bad == []


def test_panels_scores_and_recusals(seeded_engine: Engine) -> None:
    assert rows(
        seeded_engine,
        "SELECT count(*) FROM evaluations e JOIN panel_seats s "
        "ON s.id = e.seat_id WHERE s.recused OR NOT s.attended",
    ) == [(0,)]
    declared, recused = rows(
        seeded_engine,
        "SELECT sum(CASE WHEN conflict_declared AND NOT "
        "recused THEN 1 ELSE 0 END), sum(CASE WHEN recused THEN 1 ELSE 0 "
        "END) FROM panel_seats",
    )[0]
    assert declared >= 1 and recused >= 1
    # One evaluation per scoring member and item; one chair; seven seats.
    assert rows(
        seeded_engine,
        """
        SELECT count(*) FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id
        WHERE m.held_on IS NOT NULL AND (SELECT count(*) FROM evaluations e
              WHERE e.agenda_item_id = i.id) != (SELECT count(*) FROM panel_seats s
              WHERE s.meeting_id = m.id AND s.attended AND NOT s.recused)""",
    ) == [(0,)]
    assert rows(
        seeded_engine,
        """
        SELECT count(*) FROM meetings m WHERE m.held_on IS NOT NULL AND (
            (SELECT count(*) FROM panel_seats s WHERE s.meeting_id = m.id AND s.is_chair) != 1
            OR (SELECT count(*) FROM panel_seats s WHERE s.meeting_id = m.id) != 7)""",
    ) == [(0,)]
    # Nobody excluded from a draw sits on that panel.
    for meeting_id, exclusions in rows(
        seeded_engine, "SELECT id, draw_exclusions FROM meetings WHERE draw_exclusions IS NOT NULL"
    ):
        excluded = {x["expert_id"] for x in json.loads(exclusions)}
        assert all(x["reason"] in ("same_organization", "tie") for x in json.loads(exclusions))
        seated = {
            e
            for (e,) in rows(
                seeded_engine,
                "SELECT expert_id FROM panel_seats WHERE meeting_id = :m",
                m=meeting_id,
            )
        }
        assert not excluded & seated


def test_panel_draws_can_be_replayed_from_the_records(seeded_engine: Engine) -> None:
    """The draw documented in ``seed.panels``, recomputed from what the database holds."""
    group_of_title = {f"({ko} 분야)": g for g, ko in GROUP_KO.items()}
    experts = rows(seeded_engine, "SELECT id, registered_on, retired_on FROM experts ORDER BY id")
    fields: dict[int, set[str]] = defaultdict(set)
    for expert_id, field in rows(seeded_engine, "SELECT expert_id, field FROM expert_fields"):
        fields[expert_id].add(field)
    drawn_on = {
        int(entity_id): (at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at))
        for entity_id, at in rows(
            seeded_engine,
            "SELECT entity_id, occurred_at FROM audit_events WHERE action = 'meeting.draw_panel'",
        )
    }
    meetings = rows(
        seeded_engine,
        "SELECT id, title, scheduled_on, draw_seed, draw_pool_size, "
        "draw_exclusions FROM meetings WHERE draw_seed IS NOT NULL",
    )
    assert meetings
    for meeting_id, title, held_on, draw_seed, pool_size, exclusions in meetings:
        held = dt.date.fromisoformat(str(held_on))
        at = drawn_on[meeting_id]
        utc = at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at
        day = (utc + dt.timedelta(hours=9)).date()  # the draw's date in Korea
        group = next((g for t, g in group_of_title.items() if title.endswith(t)), None)
        roster = [
            (i, retired)
            for i, registered, retired in experts
            if dt.date.fromisoformat(str(registered)) < day
            and (group is None or fields[i] & set(FIELD_GROUPS[group]))
        ]
        excluded = {x["expert_id"] for x in json.loads(exclusions)}
        r, seated = random.Random(draw_seed), list[int]()
        while len(seated) < 7:
            i, retired = roster[r.randrange(len(roster))]
            gone = retired is not None and dt.date.fromisoformat(str(retired)) <= held
            if i not in seated and i not in excluded and not gone:
                seated.append(i)
        active = sum(
            1 for _, ret in roster if ret is None or dt.date.fromisoformat(str(ret)) > held
        )
        assert pool_size == active - len(excluded)
        recorded = rows(
            seeded_engine,
            "SELECT expert_id, method FROM panel_seats WHERE meeting_id = :m ORDER BY id",
            m=meeting_id,
        )
        for (expert_id, method), replayed in zip(recorded, seated, strict=True):
            assert expert_id == replayed or method == "substitute"


def test_planted_quorum_and_repeated_panelist(seeded_engine: Engine) -> None:
    without_quorum = {
        code
        for (code,) in rows(
            seeded_engine,
            """
        SELECT m.code FROM meetings m WHERE m.held_on IS NOT NULL AND
          (SELECT count(*) FROM panel_seats s WHERE s.meeting_id = m.id AND s.attended
           AND NOT s.recused) < m.quorum""",
        )
    }
    by_kind = {p["kind"]: p for p in seed.PLANTED_IRREGULARITIES}
    assert without_quorum == set(by_kind["decided_without_quorum"]["meeting_codes"])
    codes = by_kind["repeated_panelist_for_applicant"]["meeting_codes"]
    substitutes = rows(
        seeded_engine,
        "SELECT m.code, s.expert_id FROM panel_seats s JOIN "
        "meetings m ON m.id = s.meeting_id WHERE s.method = 'substitute'",
    )
    assert {c for c, _ in substitutes} == set(codes)
    assert len({e for _, e in substitutes}) == 1
    owners_per_meeting = [
        {
            o
            for (o,) in rows(
                seeded_engine,
                "SELECT t.owner_org_id FROM agenda_items i JOIN "
                "meetings m ON m.id = i.meeting_id JOIN technologies t ON "
                "t.id = i.technology_id WHERE m.code = :c",
                c=code,
            )
        }
        for code in codes
    ]
    assert set.intersection(*owners_per_meeting)


def test_registration_numbers(seeded_engine: Engine) -> None:
    found = rows(seeded_engine, "SELECT reg_no, submitted_on FROM technologies")
    assert len({r for r, _ in found}) == len(found)
    for reg_no, submitted in found:
        m = re.fullmatch(r"DG-(\d{4})-(\d{3,})", reg_no)
        assert m and m.group(1) == str(submitted)[:4]


def test_queues_are_not_empty_today(seeded_engine: Engine) -> None:
    statuses = {s for (s,) in rows(seeded_engine, "SELECT DISTINCT status FROM technologies")}
    assert {"submitted", "screening", "under_review", "registered", "rejected"} <= statuses
    assert {"expired", "withdrawn"} & statuses
    adoption = {s for (s,) in rows(seeded_engine, "SELECT DISTINCT status FROM adoptions")}
    assert {"proposed", "approved", "rejected"} <= adoption
    assert (
        rows(
            seeded_engine,
            "SELECT count(*) FROM meetings WHERE status = 'scheduled' AND scheduled_on > :d",
            d=seed.DEMO_END,
        )[0][0]
        >= 1
    )
    inquiry = {s for (s,) in rows(seeded_engine, "SELECT DISTINCT status FROM inquiries")}
    assert "benchmarked" in inquiry


def test_audit_chain_verifies(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        result = audit.verify(s)
        n = s.execute(
            select(func.count()).select_from(Base.metadata.tables["audit_events"])
        ).scalar_one()
    assert result.ok, result.problem
    assert result.checked == n > 10_000
    # Ids follow time, so the newest event is the last one (``kpi.last_changed``).
    out_of_order = rows(
        seeded_engine,
        """
        SELECT count(*) FROM (SELECT occurred_at, LAG(occurred_at) OVER (ORDER BY id) AS prev
                              FROM audit_events) e WHERE e.occurred_at < e.prev""",
    )
    assert out_of_order == [(0,)]


def test_demo_accounts_can_sign_in(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        users = {u.username: u for u in s.execute(select(User)).scalars()}
        assert set(users) == {a.username for a in seed.DEMO_ACCOUNTS}
        for account in seed.DEMO_ACCOUNTS:
            u = users[account.username]
            assert u.is_demo and u.is_active and u.role_names == set(account.roles)
        assert check_password(seed.DEMO_PASSWORD, users["auditor.demo"].password_hash)


# --- building ----------------------------------------------------------------------------


def _digest(engine: Engine) -> str:
    """SHA-256 over every table, rows ordered by primary key (the password salt excluded)."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if (table.name, c.name) != ("users", "password_hash")]
            query = select(*cols).order_by(*table.primary_key.columns)
            h.update(table.name.encode())
            for row in conn.execute(query):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _fresh_sqlite(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_same_arguments_give_the_same_content(tmp_path: Path) -> None:
    """Once in this process, once through ``python -m seed`` with another hash seed."""
    engine = _fresh_sqlite(tmp_path / "a.sqlite3")
    seed.build(engine, scale=1)
    first = _digest(engine)
    engine.dispose()
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "NTP_DEMO": "1",
        "PYTHONHASHSEED": "12345",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "audit_events" in done.stdout
    engine = make_engine(url)
    second = _digest(engine)
    engine.dispose()
    assert first == second


def test_scale_multiplies_the_published_figures(tmp_path: Path) -> None:
    engine = _fresh_sqlite(tmp_path / "x2.sqlite3")
    seed.build(engine, scale=2, until=AS_OF, demo_accounts=False)
    with Session(engine) as s:
        h = headline(session=s, as_of=AS_OF)
    engine.dispose()
    assert (h.experts, h.technologies, h.technologies_local, h.meetings, h.adopted) == (
        1634,
        610,
        86,
        46,
        108,
    )
    assert (h.testbeds, h.inquiries, h.agreements) == (8, 14, 8)
    assert h.experts_by_affiliation == {"public": 786, "industry": 556, "academia": 284, "other": 8}


def test_refuses_a_database_with_data_unless_forced(migrated_engine: Engine) -> None:
    first = seed.build(migrated_engine, until=EARLY, demo_accounts=False)
    with pytest.raises(seed.SeedRefused) as refused:
        seed.build(migrated_engine, until=EARLY)
    assert str(refused.value).count(".") == 1  # one sentence
    again = seed.build(migrated_engine, until=EARLY, demo_accounts=False, force=True)
    assert again.counts == first.counts and again.head_hash == first.head_hash
    with Session(migrated_engine) as s:
        assert audit.verify(s).ok
        users = s.execute(select(User)).scalars().all()
        assert all(not u.is_active and u.password_hash == UNUSABLE_PASSWORD for u in users)
        # The app's own inserts get fresh ids (sequences moved past the seeded ids).
        org_id = s.execute(
            insert(Organization)
            .values(
                name_ko="테스트 기관",
                name_en="Test body",
                kind="ministry",
                region="KR-11",
                is_local=False,
                country="KR",
                created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            )
            .returning(Organization.id)
        ).scalar_one()
        assert org_id == first.counts["organizations"] + 1
        s.rollback()


def test_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(seed.SeedRefused):
        seed.build(engine)
    engine.dispose()


def test_meetings_of_the_published_period_are_numbered_by_date(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as s:
        codes = (
            s.execute(
                select(Meeting.code)
                .where(Meeting.held_on <= AS_OF)
                .order_by(Meeting.held_on, Meeting.id)
            )
            .scalars()
            .all()
        )
    assert codes == [f"NTP-2019-{i:02d}" for i in range(1, 24)]


def test_cli_refuses_a_malformed_database_url() -> None:
    env = {**os.environ, "DATABASE_URL": "not a url", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL" in done.stderr
