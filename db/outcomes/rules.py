"""The rules of an outcome's values, once: amounts, quantities, dates and the record a
contract, an evaluation or a sale belongs to. The writes (:mod:`db.outcomes.writes`) and the
contracts import (:mod:`db.outcomes.imports`) call the same functions, so a form and a file
are refused for the same reasons, field by field."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from db import clock, domain, recording
from db.errors import N_
from db.models import Adoption, Testbed

AMOUNT_MAX_KRW: Final = 10**13  # 10 trillion won: more is a typing error
QUANTITY_MAX: Final = 10**9

AMOUNT_INVALID = N_("Enter the amount in won as a whole number greater than zero.")
QUANTITY_INVALID = N_("Enter the quantity as a whole number greater than zero, or leave it empty.")
DATE_MISSING = N_("Enter a date.")
DATE_FUTURE = N_("This date is after today; enter a date that has passed.")
BEFORE_ADOPTION = N_(
    "This date is before the adoption was approved; a contract or an evaluation comes "
    "after the approval."
)
NOT_ADOPTED = N_(
    "Only an approved adoption can have contracts and evaluations; this one is not approved."
)
BEFORE_TESTBED = N_("This date is before the testbed started; what it sold comes after it started.")
TESTBED_NOT_STARTED = N_("Only a testbed that has started can record what it sold afterwards.")
NO_CERTIFICATE = N_(
    "This testbed has no certification yet: record the certificate's number once its "
    "certification step is confirmed."
)
CERTIFICATE_NO_INVALID = N_("The certificate number is at most 64 characters.")
TESTBED_STARTED = ("in_progress", "completed", "certified")


def amount(value: Any, field: str, errors: dict[str, str], *, required: bool = True) -> int | None:
    """A whole number of won, ``0 < value <= AMOUNT_MAX_KRW`` (None allowed when not
    ``required``); records :data:`AMOUNT_INVALID` under ``field`` otherwise."""
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= AMOUNT_MAX_KRW:
        errors[field] = AMOUNT_INVALID
        return None
    return value


def quantity(value: Any, errors: dict[str, str]) -> int | None:
    """An optional whole number greater than zero."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= QUANTITY_MAX:
        errors["quantity"] = QUANTITY_INVALID
        return None
    return value


def day(
    value: Any,
    field: str,
    errors: dict[str, str],
    *,
    not_before: dt.date | None,
    too_early: str,
) -> dt.date | None:
    """A date that has passed (the city's today at the latest: :func:`db.clock.city_today`)
    and is not before ``not_before``; records the problem under ``field`` otherwise
    (``too_early`` when it is before ``not_before``)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors[field] = DATE_MISSING
        return None
    if value > clock.city_today():
        errors[field] = DATE_FUTURE
        return None
    if not_before is not None and value < not_before:
        errors[field] = too_early
        return None
    return value


def adopted_day(
    adoption: Adoption | None, value: Any, field: str, errors: dict[str, str]
) -> dt.date | None:
    """A contract's or an evaluation's date: the adoption is approved, and the date falls
    between its approval and today. A missing adoption is a problem under ``adoption_id``."""
    if adoption is None:
        errors["adoption_id"] = recording.REQUIRED
        return None
    if adoption.status != "approved" or adoption.approved_on is None:
        errors["adoption_id"] = NOT_ADOPTED
        return None
    return day(
        value,
        field,
        errors,
        not_before=adoption.approved_on,
        too_early=BEFORE_ADOPTION,
    )


def sale_day(testbed: Testbed, value: Any, errors: dict[str, str]) -> dt.date | None:
    """A sale's date: the testbed started, and the date falls between its start and today."""
    if testbed.status not in TESTBED_STARTED or testbed.started_on is None:
        errors["testbed_id"] = TESTBED_NOT_STARTED
        return None
    return day(
        value,
        "sold_on",
        errors,
        not_before=testbed.started_on,
        too_early=BEFORE_TESTBED,
    )


def choice(value: Any, allowed: tuple[str, ...], field: str, errors: dict[str, str]) -> str:
    if value not in allowed:
        errors[field] = recording.UNKNOWN_CHOICE
        return ""
    return str(value)


def performance(value: Any, errors: dict[str, str]) -> str:
    return choice(value, domain.PERFORMANCES, "performance", errors)


def sale_kind(value: Any, errors: dict[str, str]) -> str:
    return choice(value, domain.SALE_KINDS, "kind", errors)
