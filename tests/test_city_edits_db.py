"""An administrator's edits of the city profile and its vocabularies, on SQLite and
PostgreSQL (``db.city.edits``): every write is an administrator's, compares and sets the
row's version, and is audited; each refusal (another role, a stale version, a bad value, the
number pattern or time zone once records exist, deleting a code in use, retiring the sector
outside the growth sectors, editing criteria here) saves nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import Engine, func, insert, select

from db import audit, summaries
from db.city import edits
from db.city.store import city, terms
from db.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from db.models import VOCABULARY_TABLES, AuditEvent, FieldTerm, Organization
from db.policy import Actor
from db.session import read_session, write_session
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401 (fixture)

SPRING_2026 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def spring_2026() -> Iterator[None]:
    with time_machine.travel(SPRING_2026, tick=True):
        yield


@pytest.fixture
def admin(migrated_engine: Engine) -> Actor:
    return actor_of(migrated_engine, make_user(migrated_engine, "ada", ["admin"]))


@pytest.fixture
def staff(migrated_engine: Engine) -> Actor:
    return actor_of(migrated_engine, make_user(migrated_engine, "sam", ["staff", "approver"]))


def _edit(engine: Engine) -> tuple[int, edits.ProfileEdit]:
    with read_session(engine) as s:
        c = city(s)
    return c.version, edits.ProfileEdit(
        name_ko=c.name_ko,
        name_en=c.name_en,
        home_regions=c.home_regions,
        default_language=c.default_language,
        first_operating_day=c.first_operating_day,
        targets=c.targets,
        reg_no_pattern=c.reg_no_pattern.pattern,
        time_zone=c.time_zone,
    )


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with read_session(engine) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def _an_organisation(engine: Engine, kind: str = "company") -> None:
    with write_session(engine) as s:
        s.execute(
            insert(Organization).values(
                name_ko="가나 주식회사",
                name_en="Gana Co.",
                kind=kind,
                region="KR-27",
                is_local=True,
                country="KR",
                created_at=SPRING_2026,
            )
        )


def _term(engine: Engine, vocabulary: str, code: str) -> tuple[int, bool]:
    with read_session(engine) as s:
        row = s.get(VOCABULARY_TABLES[vocabulary], code)
        assert row is not None
        return row.version, row.retired_on is not None


def test_an_admin_edits_the_profile_compared_and_set_and_audited(
    migrated_engine: Engine, admin: Actor
) -> None:
    e = migrated_engine
    version, edit = _edit(e)
    new = dataclasses.replace(
        edit,
        name_ko="새 도시",
        name_en="New City",
        home_regions=("KR-27", "KR-47"),
        default_language="en",
        first_operating_day=dt.date(2019, 3, 1),
        targets={2026: {"technologies_registered": 120}},
        logo=PNG,
    )
    with write_session(e) as s:
        assert edits.edit_profile(session=s, actor=admin, version=version, edit=new) == version + 1
    with read_session(e) as s:
        c = city(s)
        assert (c.name("en"), c.home_regions, c.default_language) == (
            "New City",
            ("KR-27", "KR-47"),
            "en",
        )
        assert c.first_operating_day == dt.date(2019, 3, 1)
        assert c.targets == {2026: {"technologies_registered": 120}}
        assert (c.logo, c.logo_type, c.version) == (PNG, "image/png", version + 1)
        assert audit.verify(s).ok
    (event,) = _events(e, "city.edit")
    assert event.actor_name == "ada"
    # the same version again: someone else's change came first
    with pytest.raises(Conflict), write_session(e) as s:
        edits.edit_profile(session=s, actor=admin, version=version, edit=edit)
    with read_session(e) as s:
        assert city(s).name_en == "New City"


def test_only_an_admin_edits_the_profile_or_a_vocabulary(
    migrated_engine: Engine, staff: Actor
) -> None:
    e = migrated_engine
    version, edit = _edit(e)
    with pytest.raises(PermissionDenied), write_session(e) as s:
        edits.edit_profile(
            session=s, actor=staff, version=version, edit=dataclasses.replace(edit, name_en="X")
        )
    for call in (
        lambda s: edits.add_term(
            session=s, actor=staff, vocabulary="fields", code="x", label_ko="엑스", label_en="X"
        ),
        lambda s: edits.retire_term(
            session=s, actor=staff, vocabulary="fields", code="bridges", version=1
        ),
        lambda s: edits.delete_term(
            session=s, actor=staff, vocabulary="fields", code="bridges", version=1
        ),
        lambda s: edits.edit_term(
            session=s,
            actor=staff,
            vocabulary="fields",
            code="bridges",
            version=1,
            label_ko="다리",
            label_en="Bridge",
        ),
    ):
        with pytest.raises(PermissionDenied), write_session(e) as s:
            call(s)
    with read_session(e) as s:
        assert city(s).name_en != "X"
        assert "x" not in [t.code for t in terms(s, "fields")]
    # each refusal is itself on the trail (write_session records it after the rollback)
    assert len(_events(e, "permission.denied")) == 5


def test_bad_values_are_refused_per_field(migrated_engine: Engine, admin: Actor) -> None:
    e = migrated_engine
    version, edit = _edit(e)
    bad = dataclasses.replace(
        edit,
        name_ko=" ",
        home_regions=("KR-99",),
        default_language="fr",
        first_operating_day=dt.date(2030, 1, 1),
        targets={2026: {"technologies_registered": -1}},
        reg_no_pattern="no sequence",
        time_zone="Mars/Olympus",
        logo=SVG_WITH_SCRIPT,
    )
    with pytest.raises(ValidationFailed) as caught, write_session(e) as s:
        edits.edit_profile(session=s, actor=admin, version=version, edit=bad)
    assert set(caught.value.errors) == {
        "name_ko",
        "home_regions",
        "default_language",
        "first_operating_day",
        "targets",
        "reg_no_pattern",
        "time_zone",
        "logo",
    }
    with read_session(e) as s:
        assert city(s).version == version


def test_number_pattern_and_time_zone_change_only_before_records_exist(
    migrated_engine: Engine, admin: Actor
) -> None:
    e = migrated_engine
    version, edit = _edit(e)
    with write_session(e) as s:  # no records yet: allowed
        version = edits.edit_profile(
            session=s,
            actor=admin,
            version=version,
            edit=dataclasses.replace(edit, reg_no_pattern="NT-{year}-{seq:04}"),
        )
    _an_organisation(e)
    _, edit = _edit(e)
    with pytest.raises(edits.NumberingInUse), write_session(e) as s:
        edits.edit_profile(
            session=s,
            actor=admin,
            version=version,
            edit=dataclasses.replace(edit, reg_no_pattern="DG-{year}-{seq:03}"),
        )
    with pytest.raises(edits.TimeZoneInUse), write_session(e) as s:
        edits.edit_profile(
            session=s,
            actor=admin,
            version=version,
            edit=dataclasses.replace(edit, time_zone="Asia/Tokyo"),
        )
    with read_session(e) as s:
        c = city(s)
        assert (c.reg_no_pattern.pattern, c.time_zone) == ("NT-{year}-{seq:04}", "Asia/Seoul")
    with write_session(e) as s:  # the rest still changes
        edits.edit_profile(
            session=s, actor=admin, version=version, edit=dataclasses.replace(edit, name_en="Y")
        )


def test_a_code_is_added_relabelled_retired_restored_and_deleted(
    migrated_engine: Engine, admin: Actor
) -> None:
    e = migrated_engine
    with write_session(e) as s:
        edits.add_term(
            session=s,
            actor=admin,
            vocabulary="organisation_kinds",
            code="cooperative",
            label_ko="협동조합",
            label_en="Cooperative",
            attributes={"owns_technologies": True},
        )
    with read_session(e) as s:
        added = terms(s, "organisation_kinds")[-1]
    assert (added.code, added.label("ko"), added.attributes["owns_technologies"]) == (
        "cooperative",
        "협동조합",
        True,
    )
    with pytest.raises(ValidationFailed) as caught, write_session(e) as s:
        edits.add_term(
            session=s,
            actor=admin,
            vocabulary="organisation_kinds",
            code="cooperative",
            label_ko="",
            label_en="Again",
        )
    assert set(caught.value.errors) == {"code", "label_ko"}
    with pytest.raises(ValidationFailed), write_session(e) as s:
        edits.add_term(
            session=s,
            actor=admin,
            vocabulary="fields",
            code="Bad Code",
            label_ko="가",
            label_en="A",
        )
    with write_session(e) as s:
        edits.edit_term(
            session=s,
            actor=admin,
            vocabulary="organisation_kinds",
            code="cooperative",
            version=1,
            label_ko="사회적 협동조합",
            label_en="Social cooperative",
        )
    with read_session(e) as s:
        rows = [
            edits.TermEdit(t.code, 2 if t.code == "cooperative" else 1, t.ko, t.en)
            for t in terms(s, "organisation_kinds")
        ]
    with pytest.raises(ValidationFailed), write_session(e) as s:
        edits.edit_terms(
            session=s,
            actor=admin,
            vocabulary="organisation_kinds",
            rows=[dataclasses.replace(rows[-1], label_en=""), *rows[:-1]],
        )
    with write_session(e) as s:  # the last first
        assert edits.edit_terms(
            session=s, actor=admin, vocabulary="organisation_kinds", rows=[rows[-1], *rows[:-1]]
        )
    with read_session(e) as s:
        first = terms(s, "organisation_kinds")[0]
    assert (first.code, first.label("en")) == ("cooperative", "Social cooperative")
    _an_organisation(e, "cooperative")
    with write_session(e) as s:
        used = edits.retire_term(
            session=s, actor=admin, vocabulary="organisation_kinds", code="cooperative", version=3
        )
    assert used == 1
    assert _term(e, "organisation_kinds", "cooperative") == (4, True)
    with pytest.raises(edits.CodeInUse) as in_use, write_session(e) as s:
        edits.delete_term(
            session=s, actor=admin, vocabulary="organisation_kinds", code="cooperative", version=4
        )
    assert in_use.value.params == {"count": 1}
    with pytest.raises(Conflict), write_session(e) as s:  # read before the retirement
        edits.restore_term(
            session=s, actor=admin, vocabulary="organisation_kinds", code="cooperative", version=3
        )
    with write_session(e) as s:
        edits.restore_term(
            session=s, actor=admin, vocabulary="organisation_kinds", code="cooperative", version=4
        )
    assert _term(e, "organisation_kinds", "cooperative") == (5, False)
    # a code no record uses is deleted
    with write_session(e) as s:
        assert edits.uses(s, "fields", "ports") == 0
        edits.delete_term(session=s, actor=admin, vocabulary="fields", code="ports", version=1)
    with read_session(e) as s:
        assert s.get(FieldTerm, "ports") is None
        assert audit.verify(s).ok
    with pytest.raises(NotFound), write_session(e) as s:
        edits.delete_term(session=s, actor=admin, vocabulary="fields", code="ports", version=1)
    actions = [ev.action for ev in _events(e, "city.term_add")] + [
        ev.action for ev in _events(e, "city.term_delete")
    ]
    assert actions == ["city.term_add", "city.term_delete"]
    assert [ev.reason for ev in _events(e, "city.term_retire")] == ["used by 1 records"]


def test_the_outside_sector_and_the_criteria_are_kept(
    migrated_engine: Engine, admin: Actor
) -> None:
    e = migrated_engine
    with pytest.raises(edits.OutsideSectorKept), write_session(e) as s:
        edits.retire_term(session=s, actor=admin, vocabulary="sectors", code="none", version=1)
    with pytest.raises(edits.OutsideSectorKept), write_session(e) as s:
        edits.delete_term(session=s, actor=admin, vocabulary="sectors", code="none", version=1)
    with pytest.raises(edits.NotEditable), write_session(e) as s:
        edits.retire_term(session=s, actor=admin, vocabulary="criteria", code="novelty", version=1)
    with read_session(e) as s:
        assert not any(t.retired for t in terms(s, "sectors"))
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 1


def test_readers_of_the_regulation_read_the_profile_and_others_are_refused(
    migrated_engine: Engine,
) -> None:
    """An auditor reads the profile as it stands (with retired codes and the profile file a
    new instance would start from); an executive is refused in ``db/``, whatever a page
    shows."""
    import tomllib

    from db.city.store import profile_view

    e = migrated_engine
    auditor = actor_of(e, make_user(e, "aud", ["auditor"]))
    executive = actor_of(e, make_user(e, "exe", ["executive"]))
    with read_session(e) as s:
        view = profile_view(session=s, actor=auditor)
        with pytest.raises(PermissionDenied):
            profile_view(session=s, actor=executive)
    with read_session(e) as s:
        assert view.city == city(s)
    assert set(view.vocabularies) == {"fields", "sectors", "organisation_kinds", "criteria"}
    written = tomllib.loads(view.profile_file)
    assert (written["city"]["code"], written["city"]["name_en"]) == (
        view.city.code,
        view.city.name_en,
    )


def test_all_uses_counts_every_code_as_uses_does(seeded_engine: Engine) -> None:
    """The administration page's counts (one grouped count per table) equal the count of
    each code on its own, for every vocabulary, with unused codes at 0."""
    with read_session(seeded_engine) as s:
        for vocabulary in edits.EDITABLE:
            model = VOCABULARY_TABLES[vocabulary]
            codes = s.execute(select(model.code)).scalars().all()
            counted = edits.all_uses(s, vocabulary)
            assert counted == {c: edits.uses(s, vocabulary, c) for c in codes}, vocabulary
            assert any(counted.values()), vocabulary  # the demo data uses some of them


def test_every_edit_of_a_vocabulary_is_a_new_data_version(
    migrated_engine: Engine, admin: Actor
) -> None:
    """Stored figures and every app server's caches are keyed by the data version: an
    administrator's edit of a vocabulary (adding, relabelling or reordering, retiring) must
    make a new one, or a figure that reads the vocabulary would stay as it was."""
    e = migrated_engine

    def version() -> int:
        with read_session(e) as s:
            return summaries.data_version(s)

    for vocabulary in edits.EDITABLE:
        before = version()
        with write_session(e) as s:
            edits.add_term(
                session=s,
                actor=admin,
                vocabulary=vocabulary,
                code="added_here",
                label_ko="추가",
                label_en="Added",
            )
        after_add = version()
        assert after_add > before, vocabulary
        with read_session(e) as s:
            rows = [edits.TermEdit(t.code, t.version, t.ko, t.en) for t in terms(s, vocabulary)]
        with write_session(e) as s:  # the added code first
            edits.edit_terms(session=s, actor=admin, vocabulary=vocabulary, rows=rows[::-1])
        after_order = version()
        assert after_order > after_add, vocabulary
        with read_session(e) as s:
            added = next(t for t in terms(s, vocabulary) if t.code == "added_here")
        with write_session(e) as s:
            edits.retire_term(
                session=s,
                actor=admin,
                vocabulary=vocabulary,
                code="added_here",
                version=added.version,
            )
        assert version() > after_order, vocabulary
