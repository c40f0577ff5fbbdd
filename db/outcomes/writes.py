"""Staff record what adopted and testbed technologies achieved: the contracts that used an
approved adoption, the using department's evaluation after use, a testbed's budget, result
and certificate number, and what it sold afterwards.

Every write is staff-only (:data:`db.policy.STAFF`), one audit event in the caller's
transaction (``contract.record``/``.edit``, ``evaluation.record``/``.edit``,
``testbed.edit``, ``sale.record``/``.edit``), and checks its values with
:mod:`db.outcomes.rules` (the contracts import uses the same :func:`check_contract`). A new
record locks the record it belongs to (the adoption, the testbed) while it is checked; an
edit carries the ``version`` its editor saw and is a compare-and-set on it
(:mod:`db.lost_edits`): if anyone saved the record in between, nothing is written and
:class:`~db.lost_edits.StaleEdit` names who and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import clock, lost_edits, policy, recording
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Adoption, AdoptionEvaluation, Contract, Testbed, TestbedSale
from db.outcomes import rules
from db.policy import STAFF, Actor

ALREADY_EVALUATED = N_(
    "The department's evaluation of this adoption is already recorded; edit it instead. "
    "Nothing was saved."
)
CONTRACT_FIELDS = ("department", "project_name", "amount_krw", "quantity", "contracted_on")
EVALUATION_FIELDS = ("department", "evaluated_on", "performance", "problems", "would_use_again")
TESTBED_OUTCOME_FIELDS = ("budget_krw", "result", "certificate_no")
SALE_FIELDS = ("kind", "buyer", "amount_krw", "sold_on")


# --- contracts ------------------------------------------------------------------------------


def check_contract(
    adoption: Adoption | None,
    *,
    department: Any,
    project_name: Any,
    amount_krw: Any,
    contracted_on: Any,
    quantity: Any = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A contract's values, cleaned, and its problems per field (the form and the import)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "department": recording.clean_text(department, "department", errors, max_chars=200),
        "project_name": recording.clean_text(project_name, "project_name", errors, max_chars=300),
        "amount_krw": rules.amount(amount_krw, "amount_krw", errors),
        "quantity": rules.quantity(quantity, errors),
        "contracted_on": rules.adopted_day(adoption, contracted_on, "contracted_on", errors),
    }
    return values, errors


def _adoption(session: Session, adoption_id: Any) -> Adoption | None:
    if isinstance(adoption_id, bool) or not isinstance(adoption_id, int):
        return None
    return session.get(Adoption, adoption_id, with_for_update={"read": True})


def record_contract(
    *,
    session: Session,
    actor: Actor,
    adoption_id: int,
    department: str,
    project_name: str,
    amount_krw: int,
    contracted_on: dt.date,
    quantity: int | None = None,
) -> int:
    """Record a contract that used an approved adoption's technology; return its id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: adoption_id (missing, not approved), department,
        project_name, amount_krw (not a whole number > 0), quantity, contracted_on (missing,
        after today, before the approval).
    """
    policy.require_role(actor, STAFF, "contract.record", "contract")
    adoption = _adoption(session, adoption_id)
    values, errors = check_contract(
        adoption,
        department=department,
        project_name=project_name,
        amount_krw=amount_krw,
        contracted_on=contracted_on,
        quantity=quantity,
    )
    if errors:
        raise ValidationFailed(errors)
    assert adoption is not None
    return add_contract(session, actor, adoption.id, values)


def add_contract(
    session: Session,
    actor: Actor,
    adoption_id: int,
    values: dict[str, Any],
    *,
    action: str = "contract.record",
    reason: str | None = None,
) -> int:
    """Insert a checked contract (:func:`check_contract`) and its audit event."""
    now = clock.now_utc()
    row = Contract(adoption_id=adoption_id, created_at=now, created_by_id=actor.id, **values)
    session.add(row)
    session.flush()
    recording.record(
        session,
        actor,
        action,
        "contract",
        row.id,
        after={"adoption_id": adoption_id, **values},
        reason=reason,
        at=now,
    )
    return row.id


def _edit(
    session: Session,
    actor: Actor,
    model: Any,
    entity: str,
    record_id: int,
    version: int,
    fields: tuple[str, ...],
    check: Callable[[Any], tuple[dict[str, Any], dict[str, str]]],
    reason: str,
) -> int:
    """Lock the record, refuse an old ``version``, check the new values (``check(row)``),
    write the changed ones with a compare-and-set and one ``<entity>.edit`` event; return
    the new version."""
    policy.require_role(actor, STAFF, f"{entity}.edit", entity, record_id)
    row = session.get(model, record_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise NotFound()
    seen = lost_edits.check_seen(session, row, entity, version)
    values, errors = check(row)
    note = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    before = {k: getattr(row, k) for k in fields}
    return lost_edits.save_edit(
        session, actor, model, entity, record_id, seen, before, values, reason=note
    )


def edit_contract(
    *,
    session: Session,
    actor: Actor,
    contract_id: int,
    version: int,
    department: str,
    project_name: str,
    amount_krw: int,
    contracted_on: dt.date,
    quantity: int | None = None,
    reason: str = "",
) -> int:
    """Correct a contract; return its new version.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such contract.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: per field, as :func:`record_contract`.
    :raise DomainError: nothing changed.
    """

    def check(row: Contract) -> tuple[dict[str, Any], dict[str, str]]:
        return check_contract(
            session.get(Adoption, row.adoption_id),
            department=department,
            project_name=project_name,
            amount_krw=amount_krw,
            contracted_on=contracted_on,
            quantity=quantity,
        )

    return _edit(
        session, actor, Contract, "contract", contract_id, version, CONTRACT_FIELDS, check, reason
    )


# --- the department's evaluation after use --------------------------------------------------


def _check_evaluation(
    adoption: Adoption | None,
    *,
    department: Any,
    evaluated_on: Any,
    performance: Any,
    problems: Any,
    would_use_again: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "department": recording.clean_text(department, "department", errors, max_chars=200),
        "evaluated_on": rules.adopted_day(adoption, evaluated_on, "evaluated_on", errors),
        "performance": rules.performance(performance, errors),
        "problems": recording.clean_text(problems, "problems", errors, required=False) or None,
        "would_use_again": bool(would_use_again),
    }
    if not isinstance(would_use_again, bool):
        errors["would_use_again"] = recording.UNKNOWN_CHOICE
    return values, errors


def record_evaluation(
    *,
    session: Session,
    actor: Actor,
    adoption_id: int,
    department: str,
    evaluated_on: dt.date,
    performance: str,
    problems: str,
    would_use_again: bool,
) -> int:
    """Record the using department's evaluation of an approved adoption; return its id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: adoption_id, department, evaluated_on (missing,
        after today, before the approval), performance, problems, would_use_again.
    :raise DomainError: the adoption is already evaluated (:data:`ALREADY_EVALUATED`).
    """
    policy.require_role(actor, STAFF, "evaluation.record", "evaluation")
    adoption = (
        session.get(Adoption, adoption_id, with_for_update=True)
        if isinstance(adoption_id, int) and not isinstance(adoption_id, bool)
        else None
    )
    values, errors = _check_evaluation(
        adoption,
        department=department,
        evaluated_on=evaluated_on,
        performance=performance,
        problems=problems,
        would_use_again=would_use_again,
    )
    if errors:
        raise ValidationFailed(errors)
    assert adoption is not None
    existing = session.execute(
        select(AdoptionEvaluation.id).where(AdoptionEvaluation.adoption_id == adoption.id)
    ).first()
    if existing is not None:
        raise DomainError(ALREADY_EVALUATED)
    now = clock.now_utc()
    row = AdoptionEvaluation(
        adoption_id=adoption.id, created_at=now, created_by_id=actor.id, **values
    )
    session.add(row)
    session.flush()
    recording.record(
        session,
        actor,
        "evaluation.record",
        "evaluation",
        row.id,
        after={"adoption_id": adoption.id, **values},
        at=now,
    )
    return row.id


def edit_evaluation(
    *,
    session: Session,
    actor: Actor,
    evaluation_id: int,
    version: int,
    department: str,
    evaluated_on: dt.date,
    performance: str,
    problems: str,
    would_use_again: bool,
    reason: str = "",
) -> int:
    """Correct an evaluation; return its new version (refusals as :func:`edit_contract`)."""

    def check(row: AdoptionEvaluation) -> tuple[dict[str, Any], dict[str, str]]:
        return _check_evaluation(
            session.get(Adoption, row.adoption_id),
            department=department,
            evaluated_on=evaluated_on,
            performance=performance,
            problems=problems,
            would_use_again=would_use_again,
        )

    return _edit(
        session,
        actor,
        AdoptionEvaluation,
        "evaluation",
        evaluation_id,
        version,
        EVALUATION_FIELDS,
        check,
        reason,
    )


# --- testbeds: budget, result, certificate number; what they sold afterwards ----------------


def edit_testbed_outcome(
    *,
    session: Session,
    actor: Actor,
    testbed_id: int,
    version: int,
    budget_krw: int | None,
    result: str,
    certificate_no: str,
    reason: str = "",
) -> int:
    """Record or correct a testbed's budget, result and certificate number (the certificate's
    kind and date come with its certification step); return the new version. Allowed in
    every status: a certified testbed's result and certificate are recorded after it ends.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such testbed.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: budget_krw (not a whole number > 0), result (too long),
        certificate_no (too long, or given before the certification).
    :raise DomainError: nothing changed.
    """

    def check(row: Testbed) -> tuple[dict[str, Any], dict[str, str]]:
        errors: dict[str, str] = {}
        number = (certificate_no or "").strip()
        if len(number) > 64:
            errors["certificate_no"] = rules.CERTIFICATE_NO_INVALID
        elif number and row.certification in (None, "none"):
            errors["certificate_no"] = rules.NO_CERTIFICATE
        values = {
            "budget_krw": rules.amount(budget_krw, "budget_krw", errors, required=False),
            "result": recording.clean_text(result, "result", errors, required=False) or None,
            "certificate_no": number or None,
        }
        return values, errors

    return _edit(
        session,
        actor,
        Testbed,
        "testbed",
        testbed_id,
        version,
        TESTBED_OUTCOME_FIELDS,
        check,
        reason,
    )


def _check_sale(
    testbed: Testbed, *, kind: Any, buyer: Any, amount_krw: Any, sold_on: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values = {
        "kind": rules.sale_kind(kind, errors),
        "buyer": recording.clean_text(buyer, "buyer", errors, max_chars=200),
        "amount_krw": rules.amount(amount_krw, "amount_krw", errors),
        "sold_on": rules.sale_day(testbed, sold_on, errors),
    }
    return values, errors


def record_sale(
    *,
    session: Session,
    actor: Actor,
    testbed_id: int,
    kind: str,
    buyer: str,
    amount_krw: int,
    sold_on: dt.date,
) -> int:
    """Record what a testbed's technology sold afterwards (to anyone, or a public purchase);
    return the sale's id.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such testbed.
    :raise ValidationFailed: per field: testbed_id (not started), kind, buyer, amount_krw,
        sold_on (missing, after today, before the testbed started).
    """
    policy.require_role(actor, STAFF, "sale.record", "sale")
    testbed = session.get(Testbed, testbed_id, with_for_update={"read": True})
    if testbed is None:
        raise NotFound()
    values, errors = _check_sale(
        testbed, kind=kind, buyer=buyer, amount_krw=amount_krw, sold_on=sold_on
    )
    if errors:
        raise ValidationFailed(errors)
    now = clock.now_utc()
    row = TestbedSale(testbed_id=testbed.id, created_at=now, created_by_id=actor.id, **values)
    session.add(row)
    session.flush()
    recording.record(
        session,
        actor,
        "sale.record",
        "sale",
        row.id,
        after={"testbed_id": testbed.id, **values},
        at=now,
    )
    return row.id


def edit_sale(
    *,
    session: Session,
    actor: Actor,
    sale_id: int,
    version: int,
    kind: str,
    buyer: str,
    amount_krw: int,
    sold_on: dt.date,
    reason: str = "",
) -> int:
    """Correct a sale; return its new version (refusals as :func:`record_sale` and
    :func:`edit_contract`)."""

    def check(row: TestbedSale) -> tuple[dict[str, Any], dict[str, str]]:
        testbed = session.get(Testbed, row.testbed_id)
        assert testbed is not None
        return _check_sale(testbed, kind=kind, buyer=buyer, amount_krw=amount_krw, sold_on=sold_on)

    return _edit(session, actor, TestbedSale, "sale", sale_id, version, SALE_FIELDS, check, reason)
