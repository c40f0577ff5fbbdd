"""The regulation in force on a day, as imports read it (one small reader).

A version is in force from its effective date once approved, until the next approved
version's effective date: the approved version with the latest effective date on or before
the day (the higher number where two share a date). ``db.regulation.versions.in_force_on``
(drafting and approving versions) answers the same question for meetings; this module is the
imports' reader, kept apart so that neither waits for the other.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.city.store import regulation_criteria
from db.models import RegulationVersion
from db.regulation.rules import IMPORTABLE_STATUSES, Rules, rules_from_json


def rules_in_force(session: Session, day: dt.date) -> Rules | None:
    """The rules of the version in force on ``day``; None before the first one.

    :raise RulesInvalid: the stored rules were edited into something no regulation may say.
    """
    text = session.execute(
        select(RegulationVersion.rules)
        .where(RegulationVersion.status == "approved", RegulationVersion.effective_on <= day)
        .order_by(RegulationVersion.effective_on.desc(), RegulationVersion.number.desc())
        .limit(1)
    ).scalar()
    if text is None:
        return None
    return rules_from_json(text, regulation_criteria(session))


def import_statuses(session: Session, day: dt.date) -> tuple[str, ...]:
    """The statuses a normal import may give a new technology on ``day``: the regulation's
    ``import_statuses``, or the narrowest rule (:data:`IMPORTABLE_STATUSES`) where no version
    is in force yet."""
    rules = rules_in_force(session, day)
    return rules.import_statuses if rules is not None else IMPORTABLE_STATUSES
