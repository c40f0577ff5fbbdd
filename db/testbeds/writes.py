"""Staff edits of a testbed's site while it is not finished; its stages move only through
step proposals that an approver confirms (:mod:`db.approvals.proposals`).

The edit is lost-edit protected (:mod:`db.lost_edits`): it carries the ``version`` of the
record its editor saw, writes with a compare-and-set on that version and increments it. If
anyone saved the record in between, nothing is written and
:class:`~db.lost_edits.StaleEdit` names who saved it and when. It is one audit event
(``testbed.edit``) with the changed fields before and after and the editor's optional note
as the reason.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import domain, lost_edits, policy, recording
from db.errors import DomainError, NotFound, ValidationFailed
from db.models import Testbed
from db.policy import STAFF, Actor

TESTBED_FIELDS = ("site",)
TESTBED_FINISHED = domain.final_statuses("testbed")


def edit_testbed(
    *,
    session: Session,
    actor: Actor,
    testbed_id: int,
    version: int,
    site: str,
    reason: str = "",
) -> int:
    """Correct a testbed's site while it is not finished; return the new version. Its
    stages move only through step proposals (:mod:`db.approvals.proposals`).

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such testbed.
    :raise StaleEdit: saved by someone else since ``version``.
    :raise ValidationFailed: ``site`` missing or too long.
    :raise DomainError: nothing changed; the testbed is finished.
    """
    policy.require_role(actor, STAFF, "testbed.edit", "testbed", testbed_id)
    testbed = session.get(Testbed, testbed_id, populate_existing=True, with_for_update=True)
    if testbed is None:
        raise NotFound()
    seen = lost_edits.check_seen(session, testbed, "testbed", version)
    if testbed.status in TESTBED_FINISHED:
        raise DomainError(lost_edits.NOT_EDITABLE)
    errors: dict[str, str] = {}
    values = {"site": recording.clean_text(site, "site", errors, max_chars=300)}
    note = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    before = {"site": testbed.site}
    return lost_edits.save_edit(
        session, actor, Testbed, "testbed", testbed_id, seen, before, values, reason=note
    )
