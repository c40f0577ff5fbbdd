"""Four eyes: what staff propose and another person decides.

- ``proposals``: step proposals (testbed stages, ending a technology's registration) that an
  approver other than the proposer confirms or declines;
- ``decisions``: deciding one pending item or several at once (adoptions under review and
  step proposals), each checked and audited on its own;
- ``queue``: the reads behind the staff work queue and the approvals screen (what waits for
  whom, everything an approver needs to decide one item, the choices of the forms).

Every write takes ``*, session`` (the caller owns the transaction, opened with
``db.session.write_session``) and the acting :class:`~db.policy.Actor`; checks the role;
changes state with a compare-and-set on the status the caller saw; and appends its audit
event in the same transaction. The refusals :class:`~db.policy.OwnProposal` and
:class:`~db.policy.EditedByActor` live in :mod:`db.policy`.
"""

from db.approvals.decisions import ItemOutcome, decide_many, decide_one
from db.approvals.proposals import decide_proposal, propose_testbed_step
from db.approvals.queue import (
    decision_context,
    item_context,
    organization_choices,
    owner_choices,
    pending_decisions,
    proposal_context,
    queue_counts,
    technology_choices,
    testbed_choices,
    work_queue,
)

__all__ = [
    "ItemOutcome",
    "decide_many",
    "decide_one",
    "decide_proposal",
    "decision_context",
    "item_context",
    "organization_choices",
    "owner_choices",
    "pending_decisions",
    "proposal_context",
    "propose_testbed_step",
    "queue_counts",
    "technology_choices",
    "testbed_choices",
    "work_queue",
]
