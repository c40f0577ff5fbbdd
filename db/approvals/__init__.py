"""Four eyes: what staff propose and another person decides.

- ``proposals``: step proposals (testbed stages, ending a technology's registration) that an
  approver other than the proposer confirms or declines;
- ``decisions``: deciding one pending item or several at once (adoptions under review and
  step proposals), each checked and audited on its own;
- ``queue``: the reads behind the staff work queue and the approvals list (what waits for
  whom, the choices of the forms);
- ``screen``: everything an approver needs to decide one item, as typed values.

Every write takes ``*, session`` (the caller owns the transaction, opened with
``db.session.write_session``) and the acting :class:`~db.policy.Actor`; checks the role;
changes state with a compare-and-set on the status the caller saw; and appends its audit
event in the same transaction. Four eyes (who may decide or approve what) is answered by
:func:`db.policy.approval_refusal`, for the writes and the screens alike.
"""

from db.approvals.decisions import ItemOutcome, decide_many, decide_one
from db.approvals.proposals import decide_proposal, propose_testbed_step
from db.approvals.queue import (
    QueueCounts,
    WorkQueue,
    organization_choices,
    owner_choices,
    pending_decisions,
    queue_counts,
    technology_choices,
    testbed_choices,
    work_queue,
)
from db.approvals.screen import (
    AdoptionContext,
    Blocker,
    ItemContext,
    ProposalContext,
    decision_context,
    item_context,
    proposal_context,
)

__all__ = [
    "AdoptionContext",
    "Blocker",
    "ItemContext",
    "ItemOutcome",
    "ProposalContext",
    "QueueCounts",
    "WorkQueue",
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
