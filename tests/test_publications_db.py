"""Published figures (issue #17) on SQLite and PostgreSQL: the figures as of a date frozen
with a hash by the mayor's office only, compared with today's recomputation, the records that
changed them named; a changed publication row is detected (hash and record seal)."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import Engine, select, text

from db import clock, publications
from db.audit import records
from db.audit.records import CHANGED
from db.errors import PermissionDenied, ValidationFailed
from db.intercity import inquiries as ic
from db.intercity.common import NewOrganization
from db.kpi.headline import TechFilter
from db.models import AuditEvent, Inquiry, Publication
from db.policy import Actor
from db.session import read_session, write_session
from tests.tamper import unguarded
from tests.users import actor_of, make_user

AS_OF = dt.date(2020, 3, 31)


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    roles = {
        "mayor": ["executive"],
        "staff": ["staff"],
        "auditor": ["auditor"],
        "approver": ["staff", "approver"],
        "admin": ["admin"],
    }
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.kim", r))
        for name, r in roles.items()
    }


def _inquiry(engine: Engine, staff: Actor, day: dt.date, body: str) -> int:
    with write_session(engine) as s:
        return ic.log_inquiry(
            session=s,
            actor=staff,
            received_on=day,
            channel="email",
            topic="Benchmarking visit",
            new_org=NewOrganization(
                name_ko=body, name_en=body, kind="local_government", region="KR-26"
            ),
        )


def _publish(engine: Engine, actor: Actor, **kw: object) -> int:
    with write_session(engine) as s:
        return publications.publish(session=s, actor=actor, as_of=kw.pop("as_of", AS_OF), **kw)  # type: ignore[arg-type]


def _read(engine: Engine, actor: Actor, pub_id: int) -> publications.Publication:
    with read_session(engine) as s:
        p = publications.publication(session=s, actor=actor, publication_id=pub_id)
    assert p is not None
    return p


def test_publish_reads_back_the_same_figures_and_hash(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=10), "부산광역시")
    _inquiry(migrated_engine, people["staff"], AS_OF + dt.timedelta(days=1), "대전광역시")
    pub_id = _publish(migrated_engine, people["mayor"], title="1분기 브리핑")
    p = _read(migrated_engine, people["auditor"], pub_id)
    assert p.as_of == AS_OF and p.intact and p.title == "1분기 브리핑"
    assert p.figures["inquiries"] == 1 and p.figures["experts"] == 0
    assert p.published_by == "Mayor.Kim"
    with read_session(migrated_engine) as s:
        now = publications.compute(session=s, as_of=AS_OF)
        row = s.get(Publication, pub_id)
        assert row is not None
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "publication.publish")
        ).scalar_one()
    assert p.figures == now
    # canonical JSON (sorted keys, no spaces) and the hash over date, filters and figures
    assert row.figures == publications.canonical(now)
    assert p.sha256 == publications.digest(AS_OF, row.filters, row.figures)
    # the same data gives this hash on either database (it depends on nothing else)
    expected = publications.digest(
        AS_OF,
        '{"field":null,"local":null,"sector":null}',
        publications.canonical(now),
    )
    assert p.sha256 == expected
    assert event.entity == "publication" and event.entity_id == str(pub_id)
    assert event.actor_name == "mayor.kim"
    # a second one for the same date becomes the current one; the first stays as it was
    second = _publish(migrated_engine, people["mayor"])
    with read_session(migrated_engine) as s:
        cur = publications.current(session=s, actor=people["mayor"], as_of=AS_OF)
        every = publications.publications(session=s, actor=people["auditor"])
    assert cur is not None and cur.id == second
    assert [x.id for x in every] == [second, pub_id]
    assert _read(migrated_engine, people["auditor"], pub_id) == p


def test_same_data_same_hash_on_both_backends() -> None:
    """The hash depends only on the date, the filters and the figures (no database type,
    no spacing): the value below is the one both backends store for these figures."""
    figures = publications.canonical({"experts": 817, "technologies": 305, "meetings": 23})
    filters = publications.filters_text(TechFilter())
    assert publications.digest(dt.date(2019, 8, 8), filters, figures) == publications.digest(
        dt.date(2019, 8, 8),
        '{ "sector": null, "local": null, "field": null }',
        '{"meetings": 23, "technologies": 305, "experts": 817}',
    )


def test_back_dated_write_after_publication_is_named(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=10), "부산광역시")
    pub_id = _publish(migrated_engine, people["mayor"])
    # after publication: one back-dated (counts on the as-of date), one not (after it)
    late = _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=3), "경기도")
    _inquiry(migrated_engine, people["staff"], AS_OF + dt.timedelta(days=2), "경상북도")
    p = _read(migrated_engine, people["auditor"], pub_id)
    with read_session(migrated_engine) as s:
        cmp = publications.compare(session=s, actor=people["auditor"], publication=p)
        event = s.execute(
            select(AuditEvent).where(
                AuditEvent.entity == "inquiry", AuditEvent.entity_id == str(late)
            )
        ).scalar_one()
    assert cmp.intact and cmp.differs
    assert [(r.key, r.published, r.now) for r in cmp.differing] == [("inquiries", 1, 2)]
    assert [(c.entity, c.entity_id) for c in cmp.changed] == [("inquiry", str(late))]
    (c,) = cmp.changed
    assert c.number == "경기도" and c.detail_ko == "Benchmarking visit"
    assert c.actor == "Staff.Kim" and c.action == "inquiry.receive"
    assert c.event_id == event.id and c.figure == "inquiries"
    assert c.occurred_at == clock.as_utc(event.occurred_at)
    assert c.occurred_at > p.published_at


def test_a_correction_that_moves_a_record_out_of_the_date_is_named(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    moved = _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=2), "부산광역시")
    _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=9), "대구광역시")
    pub_id = _publish(migrated_engine, people["mayor"])
    with read_session(migrated_engine) as s:
        row = s.get(Inquiry, moved)
        assert row is not None
        version, org_id = row.version, row.org_id
    with write_session(migrated_engine) as s:
        ic.edit_inquiry(
            session=s,
            actor=people["staff"],
            inquiry_id=moved,
            version=version,
            received_on=AS_OF + dt.timedelta(days=1),
            channel="email",
            topic="Benchmarking visit",
            org_id=org_id,
        )
    p = _read(migrated_engine, people["auditor"], pub_id)
    with read_session(migrated_engine) as s:
        cmp = publications.compare(session=s, actor=people["auditor"], publication=p)
    assert [(r.key, r.published, r.now) for r in cmp.differing] == [("inquiries", 2, 1)]
    assert [(c.entity_id, c.action, c.number) for c in cmp.changed] == [
        (str(moved), "inquiry.edit", "부산광역시")
    ]


def test_unchanged_publication_compares_equal(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    pub_id = _publish(migrated_engine, people["mayor"])
    _inquiry(migrated_engine, people["staff"], AS_OF + dt.timedelta(days=1), "울산광역시")
    p = _read(migrated_engine, people["mayor"], pub_id)
    with read_session(migrated_engine) as s:
        cmp = publications.compare(session=s, actor=people["mayor"], publication=p)
    assert cmp.intact and not cmp.differs and cmp.changed == []


@pytest.mark.parametrize("who", ["staff", "auditor", "approver", "admin"])
def test_only_the_mayors_office_publishes(
    migrated_engine: Engine, people: dict[str, Actor], who: str
) -> None:
    with pytest.raises(PermissionDenied):
        _publish(migrated_engine, people[who])
    with read_session(migrated_engine) as s:
        assert s.execute(select(Publication)).first() is None
        refused = s.execute(
            select(AuditEvent).where(AuditEvent.action == "permission.denied")
        ).scalar_one()
    assert refused.actor_name == f"{who}.kim" and "publication.publish" in (refused.after or "")


def test_future_date_and_long_text_are_refused(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    tomorrow = clock.city_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        _publish(migrated_engine, people["mayor"], as_of=tomorrow)
    assert set(err.value.errors) == {"as_of"} and err.value.params["date"] == tomorrow.isoformat()
    with pytest.raises(ValidationFailed) as err:
        _publish(migrated_engine, people["mayor"], title="x" * 201)
    assert set(err.value.errors) == {"title"}
    with pytest.raises(ValidationFailed) as err:
        _publish(migrated_engine, people["mayor"], tech=TechFilter(sector="no_such_sector"))
    assert set(err.value.errors) == {"filters"}
    # today is allowed
    assert _publish(migrated_engine, people["mayor"], as_of=clock.city_today()) > 0
    with read_session(migrated_engine) as s:
        assert len(s.execute(select(Publication)).all()) == 1


def test_figures_never_come_from_the_caller(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    params = set(inspect.signature(publications.publish).parameters)
    assert params == {"session", "actor", "as_of", "tech", "title", "note"}
    with pytest.raises(TypeError):
        _publish(migrated_engine, people["mayor"], figures={"experts": 999})
    with read_session(migrated_engine) as s:
        assert s.execute(select(Publication)).first() is None


def test_a_publication_cannot_be_changed_or_deleted_in_the_database(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    """Not even by a direct statement with the app's own database rights."""
    pub_id = _publish(migrated_engine, people["mayor"])
    for statement in (
        "UPDATE publications SET figures = '{}' WHERE id = :id",
        "DELETE FROM publications WHERE id = :id",
    ):
        with (
            pytest.raises(Exception, match="publications is append-only"),
            migrated_engine.begin() as conn,
        ):
            conn.execute(text(statement), {"id": pub_id})
    if migrated_engine.dialect.name == "postgresql":
        with (
            pytest.raises(Exception, match="publications is append-only"),
            migrated_engine.begin() as conn,
        ):
            conn.exec_driver_sql("TRUNCATE publications")
    p = _read(migrated_engine, people["auditor"], pub_id)
    assert p.intact


def test_direct_update_of_a_publication_is_detected(
    migrated_engine: Engine, people: dict[str, Actor]
) -> None:
    _inquiry(migrated_engine, people["staff"], AS_OF - dt.timedelta(days=10), "부산광역시")
    pub_id = _publish(migrated_engine, people["mayor"])
    unguarded(migrated_engine, "publications")
    with migrated_engine.begin() as conn:
        conn.execute(
            text("UPDATE publications SET figures = :f WHERE id = :id"),
            {"f": '{"inquiries":7}', "id": pub_id},
        )
    p = _read(migrated_engine, people["auditor"], pub_id)
    assert not p.intact and p.figures == {"inquiries": 7}
    with read_session(migrated_engine) as s:
        cmp = publications.compare(session=s, actor=people["auditor"], publication=p)
        head = s.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().first()
        assert head is not None
        found = records.verify_records(s, head_id=head)
    assert not cmp.intact
    assert [(x.kind, x.table, x.record_id, x.fields) for x in found.problems] == [
        (CHANGED, "publications", pub_id, ("figures",))
    ]


DEMO_2019_08_08 = "6efa9314685506f253760630d001962307bab36a900b25900af61460ae443c5f"


def test_the_demo_figures_hash_alike_on_both_backends(seeded_engine: Engine) -> None:
    """The seeded demo data as of 2019-08-08 (the published figures of the first document)
    gives the same canonical figures and hash on SQLite and PostgreSQL (read only: the
    seeded database is shared)."""
    with read_session(seeded_engine) as s:
        figures = publications.compute(session=s, as_of=dt.date(2019, 8, 8))
    assert figures["experts"] == 817 and figures["technologies"] == 305
    text_ = publications.canonical(figures)
    filters = publications.filters_text(TechFilter())
    assert publications.digest(dt.date(2019, 8, 8), filters, text_) == DEMO_2019_08_08
