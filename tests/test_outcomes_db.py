"""Outcome writes on ``db/`` directly (SQLite and PostgreSQL): contracts, evaluations after
use, testbed budgets/results/certificates and sales. Each is staff-only, audited, checked
field by field (amount, dates against the approval or the testbed's start and today), and an
edit made on an old version is refused without writing anything."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db import clock, models, outcomes
from db.errors import DomainError, PermissionDenied, ValidationFailed
from db.lost_edits import StaleEdit
from db.models import Adoption, AuditEvent, Contract
from db.outcomes import rules
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

APPROVED_ON = dt.date(2026, 3, 16)
STARTED_ON = dt.date(2026, 4, 1)


def write(engine: Engine, fn: Callable[..., Any], **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


@pytest.fixture
def people(migrated_engine: Engine) -> dict[str, Actor]:
    roles = {
        "kim": ["staff"],
        "lee": ["staff"],
        "approver": ["approver"],
        "exec": ["executive"],
        "admin": ["admin"],
    }
    return {
        name: actor_of(migrated_engine, make_user(migrated_engine, f"{name}.user", r))
        for name, r in roles.items()
    }


@pytest.fixture
def records(migrated_engine: Engine) -> dict[str, int]:
    """An approved adoption, a proposed one, a certified testbed and one only applied."""
    with write_session(migrated_engine) as s:
        org = wd.org(s)
        tech = wd.tech(s, org)
        approved = wd.adoption(s, tech, None, status="approved")
        a = s.get(Adoption, approved)
        assert a is not None
        a.approved_on = APPROVED_ON
        proposed = wd.adoption(s, tech, None, status="proposed")
        tb = s.get(models.Testbed, wd.testbed(s, tech, status="completed"))
        assert tb is not None
        tb.status, tb.selected_on, tb.started_on = "certified", dt.date(2026, 3, 20), STARTED_ON
        tb.certification, tb.certified_on = "construction_new_technology", dt.date(2026, 6, 1)
        applied = wd.testbed(s, tech)
        s.flush()
        return {"approved": approved, "proposed": proposed, "testbed": tb.id, "applied": applied}


def contract(adoption_id: int, **over: Any) -> dict[str, Any]:
    return {
        "adoption_id": adoption_id,
        "department": "도로과",
        "project_name": "시험 도로 포장",
        "amount_krw": 85_000_000,
        "contracted_on": dt.date(2026, 5, 4),
        "quantity": 1200,
        **over,
    }


def events(engine: Engine, action: str) -> int:
    with read_session(engine) as s:
        return int(
            s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            ).scalar_one()
        )


def test_contract_recorded_and_audited(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    cid = write(
        migrated_engine,
        outcomes.record_contract,
        actor=people["kim"],
        **contract(records["approved"]),
    )
    with read_session(migrated_engine) as s:
        row = s.get(Contract, cid)
        assert row is not None
        assert (row.amount_krw, row.quantity, row.version) == (85_000_000, 1200, 1)
        assert row.created_by_id == people["kim"].id
    assert events(migrated_engine, "contract.record") == 1


@pytest.mark.parametrize("who", ["approver", "exec"])
def test_contract_refused_without_staff_role(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int], who: str
) -> None:
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            outcomes.record_contract,
            actor=people[who],
            **contract(records["approved"]),
        )
    assert events(migrated_engine, "contract.record") == 0
    assert events(migrated_engine, "permission.denied") == 1


@pytest.mark.parametrize(
    ("over", "field", "problem"),
    [
        ({"amount_krw": -5}, "amount_krw", rules.AMOUNT_INVALID),
        ({"amount_krw": 0}, "amount_krw", rules.AMOUNT_INVALID),
        ({"amount_krw": 1.5}, "amount_krw", rules.AMOUNT_INVALID),
        ({"quantity": -1}, "quantity", rules.QUANTITY_INVALID),
        ({"contracted_on": dt.date(2026, 3, 13)}, "contracted_on", rules.BEFORE_ADOPTION),
        ({"contracted_on": None}, "contracted_on", rules.DATE_MISSING),
        ({"department": "  "}, "department", "This field is required."),
    ],
)
def test_contract_refusals_by_field(
    migrated_engine: Engine,
    people: dict[str, Actor],
    records: dict[str, int],
    over: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    with pytest.raises(ValidationFailed) as err:
        write(
            migrated_engine,
            outcomes.record_contract,
            actor=people["kim"],
            **contract(records["approved"], **over),
        )
    assert err.value.errors == {field: problem}
    assert events(migrated_engine, "contract.record") == 0


def test_contract_refused_in_the_future_and_for_an_unapproved_adoption(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    tomorrow = clock.city_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        write(
            migrated_engine,
            outcomes.record_contract,
            actor=people["kim"],
            **contract(records["approved"], contracted_on=tomorrow),
        )
    assert err.value.errors == {"contracted_on": rules.DATE_FUTURE}
    with pytest.raises(ValidationFailed) as err:
        write(
            migrated_engine,
            outcomes.record_contract,
            actor=people["kim"],
            **contract(records["proposed"]),
        )
    assert err.value.errors == {"adoption_id": rules.NOT_ADOPTED}


def test_contract_edit_is_compare_and_set(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    cid = write(
        migrated_engine,
        outcomes.record_contract,
        actor=people["kim"],
        **contract(records["approved"]),
    )
    base = contract(records["approved"])
    del base["adoption_id"]
    v2 = write(
        migrated_engine,
        outcomes.edit_contract,
        actor=people["kim"],
        contract_id=cid,
        version=1,
        **{**base, "amount_krw": 90_000_000},
    )
    assert v2 == 2
    with pytest.raises(StaleEdit) as err:  # lee opened version 1 too
        write(
            migrated_engine,
            outcomes.edit_contract,
            actor=people["lee"],
            contract_id=cid,
            version=1,
            **{**base, "amount_krw": 70_000_000},
        )
    assert str(err.value.params["by"]).casefold() == "kim.user"
    with read_session(migrated_engine) as s:
        row = s.get(Contract, cid)
        assert row is not None and (row.amount_krw, row.version) == (90_000_000, 2)
    assert events(migrated_engine, "contract.edit") == 1
    with pytest.raises(ValidationFailed) as verr:
        write(
            migrated_engine,
            outcomes.edit_contract,
            actor=people["kim"],
            contract_id=cid,
            version=2,
            **{**base, "amount_krw": -1},
        )
    assert verr.value.errors == {"amount_krw": rules.AMOUNT_INVALID}
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            outcomes.edit_contract,
            actor=people["exec"],
            contract_id=cid,
            version=2,
            **base,
        )


def evaluation(adoption_id: int, **over: Any) -> dict[str, Any]:
    return {
        "adoption_id": adoption_id,
        "department": "도로과",
        "evaluated_on": dt.date(2026, 9, 1),
        "performance": "as_expected",
        "problems": "",
        "would_use_again": True,
        **over,
    }


def test_evaluation_once_per_adoption_and_checked(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    eid = write(
        migrated_engine,
        outcomes.record_evaluation,
        actor=people["kim"],
        **evaluation(records["approved"]),
    )
    with pytest.raises(DomainError) as err:
        write(
            migrated_engine,
            outcomes.record_evaluation,
            actor=people["lee"],
            **evaluation(records["approved"]),
        )
    assert err.value.message == outcomes.writes.ALREADY_EVALUATED
    with pytest.raises(ValidationFailed) as verr:
        write(
            migrated_engine,
            outcomes.record_evaluation,
            actor=people["kim"],
            **evaluation(records["proposed"], performance="great"),
        )
    assert verr.value.errors == {
        "adoption_id": rules.NOT_ADOPTED,
        "performance": "Choose a value from the list.",
    }
    fields = {k: v for k, v in evaluation(records["approved"]).items() if k != "adoption_id"}
    write(
        migrated_engine,
        outcomes.edit_evaluation,
        actor=people["kim"],
        evaluation_id=eid,
        version=1,
        **{**fields, "performance": "below", "problems": "균열 발생"},
    )
    with pytest.raises(StaleEdit):
        write(
            migrated_engine,
            outcomes.edit_evaluation,
            actor=people["lee"],
            evaluation_id=eid,
            version=1,
            **{**fields, "performance": "above"},
        )
    with pytest.raises(ValidationFailed) as verr:
        write(
            migrated_engine,
            outcomes.edit_evaluation,
            actor=people["kim"],
            evaluation_id=eid,
            version=2,
            **{**fields, "evaluated_on": clock.city_today() + dt.timedelta(days=3)},
        )
    assert verr.value.errors == {"evaluated_on": rules.DATE_FUTURE}
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            outcomes.record_evaluation,
            actor=people["approver"],
            **evaluation(records["approved"]),
        )
    assert events(migrated_engine, "evaluation.record") == 1
    assert events(migrated_engine, "evaluation.edit") == 1


def test_testbed_outcome_and_sales(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    tb = records["testbed"]
    with read_session(migrated_engine) as s:
        version = int(
            s.execute(select(models.Testbed.version).where(models.Testbed.id == tb)).scalar_one()
        )
    outcome = {"budget_krw": 150_000_000, "result": "방수 성능 확인", "certificate_no": "제 900호"}
    new = write(
        migrated_engine,
        outcomes.edit_testbed_outcome,
        actor=people["kim"],
        testbed_id=tb,
        version=version,
        **outcome,
    )
    assert new == version + 1
    with pytest.raises(StaleEdit):
        write(
            migrated_engine,
            outcomes.edit_testbed_outcome,
            actor=people["lee"],
            testbed_id=tb,
            version=version,
            **{**outcome, "budget_krw": 1},
        )
    with pytest.raises(ValidationFailed) as err:
        write(
            migrated_engine,
            outcomes.edit_testbed_outcome,
            actor=people["kim"],
            testbed_id=tb,
            version=new,
            **{**outcome, "budget_krw": -100},
        )
    assert err.value.errors == {"budget_krw": rules.AMOUNT_INVALID}
    with read_session(migrated_engine) as s:
        applied_version = s.get(models.Testbed, records["applied"]).version  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as err:  # no certification yet: no number
        write(
            migrated_engine,
            outcomes.edit_testbed_outcome,
            actor=people["kim"],
            testbed_id=records["applied"],
            version=applied_version,
            **outcome,
        )
    assert err.value.errors == {"certificate_no": rules.NO_CERTIFICATE}
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            outcomes.edit_testbed_outcome,
            actor=people["exec"],
            testbed_id=tb,
            version=new,
            **outcome,
        )

    sale = {"kind": "public_purchase", "buyer": "시 도시철도공사", "amount_krw": 42_000_000}
    sid = write(
        migrated_engine,
        outcomes.record_sale,
        actor=people["kim"],
        testbed_id=tb,
        sold_on=dt.date(2026, 7, 1),
        **sale,
    )
    for sold_on, problem in [
        (dt.date(2026, 3, 31), rules.BEFORE_TESTBED),
        (clock.city_today() + dt.timedelta(days=1), rules.DATE_FUTURE),
    ]:
        with pytest.raises(ValidationFailed) as err:
            write(
                migrated_engine,
                outcomes.record_sale,
                actor=people["kim"],
                testbed_id=tb,
                sold_on=sold_on,
                **sale,
            )
        assert err.value.errors == {"sold_on": problem}
    with pytest.raises(ValidationFailed) as err:
        write(
            migrated_engine,
            outcomes.record_sale,
            actor=people["kim"],
            testbed_id=records["applied"],
            sold_on=dt.date(2026, 7, 1),
            **{**sale, "amount_krw": -3},
        )
    assert err.value.errors == {
        "testbed_id": rules.TESTBED_NOT_STARTED,
        "amount_krw": rules.AMOUNT_INVALID,
    }
    write(
        migrated_engine,
        outcomes.edit_sale,
        actor=people["kim"],
        sale_id=sid,
        version=1,
        sold_on=dt.date(2026, 7, 2),
        **sale,
    )
    with pytest.raises(StaleEdit):
        write(
            migrated_engine,
            outcomes.edit_sale,
            actor=people["lee"],
            sale_id=sid,
            version=1,
            sold_on=dt.date(2026, 7, 3),
            **sale,
        )
    with pytest.raises(PermissionDenied):
        write(
            migrated_engine,
            outcomes.record_sale,
            actor=people["approver"],
            testbed_id=tb,
            sold_on=dt.date(2026, 7, 1),
            **sale,
        )
    with read_session(migrated_engine) as s:
        row = s.get(models.TestbedSale, sid)
        assert row is not None and (row.sold_on, row.version) == (dt.date(2026, 7, 2), 2)
    assert events(migrated_engine, "sale.record") == 1
    assert events(migrated_engine, "testbed.edit") == 1


def test_figures_read_what_was_recorded(
    migrated_engine: Engine, people: dict[str, Actor], records: dict[str, int]
) -> None:
    """The Outcomes figures on both databases: by year, repeat use, first use, funnel,
    satisfaction, targets against actual; readers only."""
    from db.outcomes import figures

    for on, amount in ((dt.date(2026, 5, 4), 85_000_000), (dt.date(2026, 6, 1), 15_000_000)):
        write(
            migrated_engine,
            outcomes.record_contract,
            actor=people["kim"],
            **contract(records["approved"], contracted_on=on, amount_krw=amount),
        )
    write(
        migrated_engine,
        outcomes.record_evaluation,
        actor=people["kim"],
        **evaluation(records["approved"], performance="above"),
    )
    write(
        migrated_engine,
        outcomes.record_sale,
        actor=people["kim"],
        testbed_id=records["testbed"],
        kind="private_sale",
        buyer="민간",
        amount_krw=1_000_000,
        sold_on=dt.date(2026, 7, 1),
    )
    with write_session(migrated_engine) as s:  # the city's targets for this year
        row = s.get(models.CityProfileRow, 1)
        assert row is not None
        row.targets = json.dumps({str(clock.city_today().year): {"contracts": 3, "other": 1}})
    as_of = clock.city_today()
    with read_session(migrated_engine) as s:
        o = figures.outcomes(session=s, actor=people["exec"], as_of=as_of)
        targets = figures.targets(session=s, actor=people["exec"], as_of=as_of)
        with pytest.raises(PermissionDenied):
            figures.outcomes(session=s, actor=people["admin"], as_of=as_of)
        early = figures.outcomes(session=s, actor=people["exec"], as_of=dt.date(2026, 5, 31))
    assert (o.contracts, o.amount_krw, o.local_krw) == (2, 100_000_000, 100_000_000)
    assert o.by_year.to_dict("records") == [
        {"year": 2026, "contracts": 2, "amount_krw": 100_000_000, "local_krw": 100_000_000}
    ]
    assert list(o.repeat["contracts"]) == [2]
    assert list(o.first_use["days"]) == [(dt.date(2026, 5, 4) - dt.date(2026, 3, 2)).days]
    assert dict(zip(o.funnel["stage"], o.funnel["testbeds"], strict=True))["first_sale"] == 1
    assert o.satisfaction.to_dict("records")[0]["above"] == 1
    assert early.contracts == 1 and early.satisfaction.empty
    rows = targets.to_dict("records")
    assert [(r["year"], r["figure"], r["target"]) for r in rows] == [
        (as_of.year, "contracts", 3),
        (as_of.year, "other", 1),
    ]
    assert rows[0]["actual"] == 2 and rows[1]["actual"] != rows[1]["actual"]  # NaN: unmeasured
