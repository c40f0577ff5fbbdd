"""Records made tamper-evident, not only the log, on SQLite and PostgreSQL: each audited write
seals its record (``db.audit.records``); a direct SQL update, insert or delete of an audited
table is found and named (table, record, field); a clean database verifies; verifying
changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select, text

from db import audit, models
from db.audit import records
from db.audit.records import CHANGED, DELETED, INSERTED, SEALS_ALTERED, RecordProblem
from db.models import (
    Adoption,
    AdoptionEvaluation,
    AgendaItem,
    AuditEvent,
    Contract,
    Evaluation,
    EvaluationScore,
    Expert,
    Meeting,
    Organization,
    PanelSeat,
    RecordSeal,
    Technology,
)
from db.session import read_session, write_session

T0 = dt.datetime(2020, 3, 2, 1, 0, tzinfo=dt.UTC)
DAY = T0.date()


@dataclass(frozen=True)
class Ids:
    org: int
    spare_org: int
    tech: int
    adoption: int
    evaluation: int


def _audited(s: object, entity: str, entity_id: int, action: str) -> None:
    audit.append(
        s,  # type: ignore[arg-type]
        actor_id=None,
        actor_name="staff.kim",
        action=action,
        entity=entity,
        entity_id=entity_id,
        after={"id": entity_id},
    )


def _fill(engine: Engine) -> Ids:
    """A few records, each written with its audit event as the app's writes do (after the
    baseline that seals what the database held: the profile's regulation version)."""
    with write_session(engine) as s:
        audit.seal_baseline(s)
        org = Organization(name_ko="가나건설", name_en="Gana", kind="company", region="KR-27",
                           created_at=T0)  # fmt: skip
        spare = Organization(name_ko="다라기술", name_en="Dara", kind="company",
                             region="KR-27", created_at=T0)  # fmt: skip
        s.add_all([org, spare])
        s.flush()
        _audited(s, "organization", org.id, "organization.create")
        _audited(s, "organization", spare.id, "organization.create")
        tech = Technology(reg_no="AB-2020-001", title_ko="포장", title_en="Paving",
                          owner_org_id=org.id, is_local=True, field="roads",
                          growth_sector="medical", submitted_on=DAY)  # fmt: skip
        s.add(tech)
        s.flush()
        _audited(s, "technology", tech.id, "technology.submit")
        adoption = Adoption(technology_id=tech.id, project_name="정수장 개량", department="상수도",
                            budget_krw=10, year=2020, justification="-", proposed_on=DAY,
                            status="under_review")  # fmt: skip
        expert = Expert(name="김전문", organization_id=spare.id, affiliation="industry",
                        registered_on=DAY, created_at=T0)  # fmt: skip
        meeting = Meeting(code="NTP-2020-01", kind="adoption_review", title="제1차",
                          scheduled_on=DAY)  # fmt: skip
        s.add_all([adoption, expert, meeting])
        s.flush()
        _audited(s, "adoption", adoption.id, "adoption.propose")
        _audited(s, "expert", expert.id, "expert.add")
        _audited(s, "meeting", meeting.id, "meeting.schedule")
        seat = PanelSeat(meeting_id=meeting.id, expert_id=expert.id)
        item = AgendaItem(meeting_id=meeting.id, position=1, technology_id=tech.id,
                          adoption_id=adoption.id)  # fmt: skip
        s.add_all([seat, item])
        s.flush()
        _audited(s, "panel_seat", seat.id, "panel_seat.draw")
        _audited(s, "agenda_item", item.id, "agenda_item.add")
        evaluation = Evaluation(agenda_item_id=item.id, seat_id=seat.id, recorded_at=T0)
        s.add(evaluation)
        s.flush()
        s.add_all(
            [
                EvaluationScore(evaluation_id=evaluation.id, criterion=c, score=80)
                for c in ("novelty", "economy")
            ]
        )
        s.flush()
        _audited(s, "evaluation", evaluation.id, "evaluation.record")
        return Ids(org.id, spare.id, tech.id, adoption.id, evaluation.id)


def _verify(engine: Engine) -> records.RecordsResult:
    with read_session(engine) as s:
        head_id, _hash = audit.read_head(s)
        return records.verify_records(s, head_id=head_id)


def _sql(engine: Engine, statement: str, **params: object) -> None:
    """A direct statement, as someone with database access would run it (no event)."""
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _state(engine: Engine) -> tuple[int, int, tuple[int, str]]:
    with read_session(engine) as s:
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        seals = s.execute(select(func.count()).select_from(RecordSeal)).scalar_one()
        return events, seals, audit.read_head(s)


def test_a_clean_database_verifies_and_verifying_changes_nothing(migrated_engine: Engine) -> None:
    _fill(migrated_engine)
    before = _state(migrated_engine)
    result = _verify(migrated_engine)
    assert result.ok, result.problems
    assert result.tables["evaluations"] == 1 and result.checked == 10
    assert _state(migrated_engine) == before
    with read_session(migrated_engine) as s:
        assert audit.verify(s).ok  # the seals are part of the chain and it still verifies


def test_an_audited_change_is_sealed_again(migrated_engine: Engine) -> None:
    ids = _fill(migrated_engine)
    with write_session(migrated_engine) as s:
        s.get(Adoption, ids.adoption).status = "approved"  # type: ignore[union-attr]
        s.flush()
        _audited(s, "adoption", ids.adoption, "adoption.approve")
    assert _verify(migrated_engine).ok


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE adoptions SET status = 'approved' WHERE id = :adoption",
            RecordProblem(CHANGED, "adoptions", 0, ("status",)),
        ),
        (
            "UPDATE technologies SET owner_org_id = :spare_org WHERE id = :tech",
            RecordProblem(CHANGED, "technologies", 0, ("owner_org_id",)),
        ),
        (
            "UPDATE evaluation_scores SET score = 100 "
            "WHERE evaluation_id = :evaluation AND criterion = 'novelty'",
            RecordProblem(CHANGED, "evaluations", 0, ("score:novelty",)),
        ),
        (
            "INSERT INTO evaluation_scores (evaluation_id, criterion, score) "
            "VALUES (:evaluation, 'diffusion', 100)",
            RecordProblem(CHANGED, "evaluations", 0, ("score:diffusion",)),
        ),
        (
            "INSERT INTO organizations (id, name_ko, name_en, kind, region, is_local, country,"
            " created_at) VALUES (900, '가짜', 'Fake', 'company', 'KR-27', false, 'KR',"
            " '2020-01-01 00:00:00')",
            RecordProblem(INSERTED, "organizations", 900),
        ),
        (
            "DELETE FROM organizations WHERE id = :spare_org_unreferenced",
            RecordProblem(DELETED, "organizations", 0),
        ),
    ],
    ids=["status-flip", "owner-change", "score-change", "score-added", "inserted", "deleted"],
)
def test_a_direct_write_is_found_and_named(
    migrated_engine: Engine, statement: str, expected: RecordProblem
) -> None:
    ids = _fill(migrated_engine)
    with write_session(migrated_engine) as s:  # an organization nothing refers to
        lone = Organization(name_ko="마바", name_en="Maba", kind="company", region="KR-27",
                            created_at=T0)  # fmt: skip
        s.add(lone)
        s.flush()
        _audited(s, "organization", lone.id, "organization.create")
        lone_id = lone.id
    params = {
        "adoption": ids.adoption,
        "tech": ids.tech,
        "spare_org": ids.spare_org,
        "evaluation": ids.evaluation,
        "spare_org_unreferenced": lone_id,
    }
    _sql(migrated_engine, statement, **{k: v for k, v in params.items() if f":{k}" in statement})
    before = _state(migrated_engine)
    result = _verify(migrated_engine)
    record_id = (
        expected.record_id
        or {
            "adoptions": ids.adoption,
            "technologies": ids.tech,
            "evaluations": ids.evaluation,
            "organizations": lone_id,
        }[expected.table]
    )
    assert result.problems == (
        RecordProblem(expected.kind, expected.table, record_id, expected.fields),
    )
    assert _state(migrated_engine) == before  # the check itself changed nothing


def test_a_forged_seal_is_found(migrated_engine: Engine) -> None:
    """Sealing a forged record by adding a seal row breaks the seals of the event it names."""
    ids = _fill(migrated_engine)
    with read_session(migrated_engine) as s:
        last = s.execute(select(func.max(RecordSeal.event_id))).scalar_one()
    _sql(
        migrated_engine,
        "INSERT INTO organizations (id, name_ko, name_en, kind, region, is_local, country,"
        " created_at) VALUES (901, '가짜', 'Fake', 'company', 'KR-27', false, 'KR',"
        " '2020-01-01 00:00:00')",
    )
    _sql(
        migrated_engine,
        "INSERT INTO record_seals (event_id, table_name, record_id, digest, fields) "
        "VALUES (:e, 'organizations', 901, 'x', '{}')",
        e=last,
    )
    problems = _verify(migrated_engine).problems
    assert RecordProblem(SEALS_ALTERED, "evaluations", ids.evaluation, event_id=last) in problems


def test_seals_cannot_be_rewritten(migrated_engine: Engine) -> None:
    _fill(migrated_engine)
    with pytest.raises(Exception, match="append-only"):
        _sql(migrated_engine, "UPDATE record_seals SET digest = 'x'")
    with pytest.raises(Exception, match="append-only"):
        _sql(migrated_engine, "DELETE FROM record_seals")


def test_the_baseline_seals_once(migrated_engine: Engine) -> None:
    """Records written before any seal (an upgraded database, the seed) are sealed once;
    after that a record inserted by hand is never sealed by the baseline."""
    with write_session(migrated_engine) as s:
        s.add(Organization(name_ko="옛기관", name_en="Old", kind="company", region="KR-27",
                           created_at=T0))  # fmt: skip
    unsealed = _verify(migrated_engine)  # nothing to compare yet: said, not a false alarm
    assert unsealed.ok and unsealed.unsealed
    with write_session(migrated_engine) as s:
        assert audit.seal_baseline(s) == 2  # and the profile's regulation version
    assert _verify(migrated_engine).ok
    with write_session(migrated_engine) as s:
        s.add(Organization(name_ko="새기관", name_en="New", kind="company", region="KR-27",
                           created_at=T0))  # fmt: skip
    with write_session(migrated_engine) as s:
        assert audit.seal_baseline(s) == 0
    assert [p.kind for p in _verify(migrated_engine).problems] == [INSERTED]


def test_the_first_audited_write_seals_what_the_database_held(migrated_engine: Engine) -> None:
    """Upgraded to 0013 but not yet through ``python -m db upgrade``'s baseline: the first
    audited write carries every record's seal, so nothing is left unsealed."""
    with write_session(migrated_engine) as s:
        s.add(Organization(name_ko="옛기관", name_en="Old", kind="company", region="KR-27",
                           created_at=T0))  # fmt: skip
    with write_session(migrated_engine) as s:
        new = Organization(name_ko="새기관", name_en="New", kind="company", region="KR-27",
                           created_at=T0)  # fmt: skip
        s.add(new)
        s.flush()
        _audited(s, "organization", new.id, "organization.create")
    result = _verify(migrated_engine)
    assert result.ok and not result.unsealed and result.tables["organizations"] == 2
    with read_session(migrated_engine) as s:
        assert audit.verify(s).ok


def test_the_outcome_records_are_sealed_and_an_adoption_evaluation_is_not_a_panel_score(
    migrated_engine: Engine,
) -> None:
    """Contracts, evaluations of adoptions and sales after a testbed (``db.outcomes``) are
    sealed like the rest; the outcomes' ``evaluation`` events seal ``adoption_evaluations``
    (the entity ``evaluation`` is also a panel member's scores), never a panel evaluation
    that happens to have the same id."""
    ids = _fill(migrated_engine)
    with write_session(migrated_engine) as s:
        testbed = models.Testbed(technology_id=ids.tech, applied_on=DAY, status="completed")
        s.add(testbed)
        s.flush()
        _audited(s, "testbed", testbed.id, "testbed.apply")
        contract = Contract(adoption_id=ids.adoption, department="상수도", project_name="개량",
                            amount_krw=1_000, contracted_on=DAY, created_at=T0)  # fmt: skip
        judged = AdoptionEvaluation(adoption_id=ids.adoption, department="상수도",
                                    evaluated_on=DAY, performance="above",
                                    would_use_again=True, created_at=T0)  # fmt: skip
        sale = models.TestbedSale(testbed_id=testbed.id, kind="private_sale", buyer="가나",
                           amount_krw=5, sold_on=DAY, created_at=T0)  # fmt: skip
        s.add_all([contract, judged, sale])
        s.flush()
        for entity, rid, action, after in (
            ("contract", contract.id, "contract.record", {"adoption_id": ids.adoption}),
            ("evaluation", judged.id, "evaluation.record", {"adoption_id": ids.adoption}),
            ("sale", sale.id, "sale.record", {"testbed_id": testbed.id}),
        ):
            audit.append(s, actor_id=None, actor_name="staff.kim", action=action,
                         entity=entity, entity_id=rid, after=after)  # fmt: skip
        assert judged.id == ids.evaluation  # the same id as the panel member's scores
        sealed = s.execute(
            select(RecordSeal.table_name).where(RecordSeal.record_id == judged.id)
        ).scalars()
        assert "adoption_evaluations" in set(sealed)
    result = _verify(migrated_engine)
    assert result.ok, result.problems
    assert result.tables["contracts"] == result.tables["testbed_sales"] == 1
    assert result.tables["adoption_evaluations"] == 1
    _sql(migrated_engine, "UPDATE contracts SET amount_krw = 9 WHERE id = :c", c=contract.id)
    _sql(migrated_engine, "UPDATE adoption_evaluations SET performance = 'below'")
    _sql(migrated_engine, "DELETE FROM testbed_sales")
    assert _verify(migrated_engine).problems == (
        RecordProblem(CHANGED, "contracts", contract.id, ("amount_krw",)),
        RecordProblem(CHANGED, "adoption_evaluations", judged.id, ("performance",)),
        RecordProblem(DELETED, "testbed_sales", sale.id),
    )


def test_tables_checked_by_several_processes_find_the_same(migrated_engine: Engine) -> None:
    """``processes=2``: each table in a worker on its own connection, one line per table as
    it ends; the same problems as one process, and a clean database still verifies."""
    ids = _fill(migrated_engine)
    lines: list[tuple[str, int]] = []
    with read_session(migrated_engine) as s:
        head_id, _hash = audit.read_head(s)
        clean = records.verify_records(
            s, head_id=head_id, processes=2, on_table=lambda t, n, _s: lines.append((t, n))
        )
    assert clean.ok and clean.checked == 10
    assert sorted(t for t, _n in lines) == sorted([records.SEAL_LOG, *records.BY_TABLE])
    _sql(migrated_engine, "UPDATE adoptions SET status = 'approved' WHERE id = :a", a=ids.adoption)
    with read_session(migrated_engine) as s:
        one = records.verify_records(s, head_id=head_id)
        two = records.verify_records(s, head_id=head_id, processes=2)
    assert (
        one.problems
        == two.problems
        == (RecordProblem(CHANGED, "adoptions", ids.adoption, ("status",)),)
    )


# --- Seals from the rows a write returns (an import, the seed) --------------------------------


def _stored_are_read_back(engine: Engine) -> int:
    """Every sealed record's newest stored seal is, byte for byte, the seal a read of the
    record gives now (``records.seals_for``, what the writes computed before they sealed from
    the rows their statements return); how many records."""
    rs = RecordSeal.__table__
    with read_session(engine) as s:
        newest = {
            (t, i): (d, f)
            for t, i, d, f in s.execute(
                select(rs.c.table_name, rs.c.record_id, rs.c.digest, rs.c.fields).order_by(
                    rs.c.event_id
                )
            )
        }
        read = records.seals_for(s, [(records.ENTITY_OF[t], i) for t, i in newest])
    assert {(e.table, e.record_id): (e.digest, e.fields) for e in read} == newest
    return len(newest)


def _import(engine: Engine, register: str, rows: list[list[str]]) -> object:
    from tests.test_import_db import csv_bytes, run_import

    return run_import(engine, register, f"{register}.csv", csv_bytes(rows))


def test_an_import_seals_its_records_as_a_read_of_them_would(migrated_engine: Engine) -> None:
    """An import seals its new and changed records from the rows its INSERT and UPDATE return:
    the seals equal those a read gives (dates, times, booleans, empty values, an expert's
    fields), the records verify, and a direct change afterwards is still named."""
    from tests.test_import_db import TECH_HEADER, day, iso, tech_row

    with write_session(migrated_engine) as s:  # held before any seal: sealed by the import
        s.add_all(
            [
                Organization(
                    name_ko="새솔건설(주)",
                    name_en="Saesol",
                    kind="company",
                    region="KR-27",
                    is_local=True,
                    created_at=T0,
                ),
                Organization(
                    name_ko="한국도로공사",
                    name_en="Korea Expressway Corporation",
                    kind="public_corporation",
                    region="KR-47",
                    created_at=T0,
                ),
            ]
        )
    for n in (1, 2, 3):
        _import(migrated_engine, "technologies", [TECH_HEADER, tech_row(n)])
    # Added (3) and changed (1 and 3: not one range of ids) at once, the first seal of these.
    header = [*TECH_HEADER, "영문 기술명", "요약"]
    _import(
        migrated_engine,
        "technologies",
        [
            header,
            [*tech_row(1, title="바뀐 제목"), "Changed", "요약"],
            [*tech_row(3, field="roads"), "", ""],
            [*tech_row(4), "Fourth", ""],
        ],
    )
    organizations = [["기관명", "영문 기관명", "기관 유형", "지역", "지역 소재"]]
    organizations.append(["대구테크(주)", "", "기업", "대구광역시", ""])
    _import(migrated_engine, "organizations", organizations)
    experts = [
        ["성명", "소속 기관", "소속 구분", "위촉일", "전문 분야", "이해관계 신고", "이메일"],
        ["김민준", "한국도로공사", "공공기관", iso(), "교량; structural", "", "a@b.kr"],
        [
            "이서연",
            "새솔건설(주)",
            "industry",
            day(1).strftime("%Y.%m.%d"),
            "도로",
            "새솔건설(주) | 재직 | 2015-01-01",
            "",
        ],
    ]
    _import(migrated_engine, "experts", experts)
    experts[2][4] = "도로; 터널"  # fields changed: sealed from the rows written
    experts[1][6] = "c@d.kr"  # fields as they were: read back
    _import(migrated_engine, "experts", experts)
    assert _stored_are_read_back(migrated_engine) == 4 + 3 + 2 + 1  # and the regulation
    result = _verify(migrated_engine)
    assert result.ok and result.tables["technologies"] == 4, result.problems
    with read_session(migrated_engine) as s:
        tech = s.scalars(select(Technology).where(Technology.reg_no == "DG-2020-004")).one()
    _sql(migrated_engine, "UPDATE technologies SET submitted_on = '2019-01-02' WHERE id = :t",
         t=tech.id)  # fmt: skip
    assert _verify(migrated_engine).problems == (
        RecordProblem(CHANGED, "technologies", tech.id, ("submitted_on",)),
    )


def test_the_seed_seals_its_records_as_a_read_of_them_would(seeded_engine: Engine) -> None:
    """The seed's baseline seals (every record of the demo database): each equals the one a
    read gives now, the demo database verifies, and a direct change is named (made and
    rolled back in one transaction: the shared demo database is left as it was)."""
    assert _stored_are_read_back(seeded_engine) > 10_000
    with read_session(seeded_engine) as s:
        head_id, _hash = audit.read_head(s)
        result = records.verify_records(s, head_id=head_id)
        assert result.ok and not result.unsealed, result.problems
        evaluation, criterion = s.execute(
            select(EvaluationScore.evaluation_id, EvaluationScore.criterion).limit(1)
        ).one()
        tech = s.execute(select(func.max(Technology.id))).scalar_one()
    with seeded_engine.connect() as conn:
        conn.execute(text("UPDATE technologies SET is_local = NOT is_local WHERE id = :t"),
                     {"t": tech})  # fmt: skip
        conn.execute(
            text(
                "UPDATE evaluation_scores SET score = CASE WHEN score > 0 THEN score - 1 "
                "ELSE 1 END "
                "WHERE evaluation_id = :e AND criterion = :c"
            ),
            {"e": evaluation, "c": criterion},
        )
        from sqlalchemy.orm import Session

        with Session(bind=conn) as s:
            found = records.verify_records(s, head_id=head_id).problems
        conn.rollback()
    assert set(found) == {
        RecordProblem(CHANGED, "technologies", tech, ("is_local",)),
        RecordProblem(CHANGED, "evaluations", evaluation, (f"score:{criterion}",)),
    }


def test_tables_checked_in_parts_find_the_same(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large table is checked by several processes in ranges of ids (here every table of
    two records or more): a change, a deletion at the end and an insertion past the last
    seal are each found once, as one process finds them, and each table reported once."""
    ids = _fill(migrated_engine)
    with write_session(migrated_engine) as s:  # the largest id of organizations
        lone = Organization(name_ko="마바", name_en="Maba", kind="company", region="KR-27",
                            created_at=T0)  # fmt: skip
        s.add(lone)
        s.flush()
        _audited(s, "organization", lone.id, "organization.create")
        lone_id = lone.id
    monkeypatch.setattr(records, "SPLIT_FROM", 2)
    _sql(migrated_engine, "UPDATE technologies SET title_en = 'x' WHERE id = :t", t=ids.tech)
    _sql(migrated_engine, "DELETE FROM organizations WHERE id = :o", o=lone_id)
    _sql(
        migrated_engine,
        "INSERT INTO organizations (id, name_ko, name_en, kind, region, is_local, country,"
        " created_at) VALUES (900, '가짜', 'Fake', 'company', 'KR-27', false, 'KR',"
        " '2020-01-01 00:00:00')",
    )
    lines: list[str] = []
    with read_session(migrated_engine) as s:
        head_id, _hash = audit.read_head(s)
        assert any(span != records.WHOLE for _t, span, _n in records._parts(s, 2))
        one = records.verify_records(s, head_id=head_id)
        two = records.verify_records(
            s, head_id=head_id, processes=2, on_table=lambda t, _n, _s: lines.append(t)
        )
    assert sorted(lines) == sorted([records.SEAL_LOG, *records.BY_TABLE])
    assert one.problems == two.problems
    assert set(two.problems) == {
        RecordProblem(CHANGED, "technologies", ids.tech, ("title_en",)),
        RecordProblem(DELETED, "organizations", lone_id),
        RecordProblem(INSERTED, "organizations", 900),
    }
    assert one.tables == two.tables
