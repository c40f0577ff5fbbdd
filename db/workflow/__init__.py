"""Workflow rules: who may move which record, four eyes, exactly-once decisions.

Every write here takes ``*, session`` (the caller owns the transaction, opened with
``db.session.write_session``) and the acting :class:`~db.policy.Actor`; checks the role;
changes state with a compare-and-set on the status the caller saw; and appends its audit
event in the same transaction. The modules:

- :mod:`db.workflow.technologies`: registering a submission (``DG-YYYY-NNN``) and moving a
  technology through screening and review; ending a registration goes through a proposal;
- :mod:`db.workflow.adoptions`: proposing, editing and deciding adoptions (four eyes,
  meeting recommendation, approve/reject/return), and bulk decisions;
- :mod:`db.workflow.proposals`: step proposals (testbeds, technology expiry/withdrawal)
  that an approver other than the proposer confirms or declines;
- :mod:`db.workflow.edits`: staff edits of technologies and testbeds;
- :mod:`db.lost_edits`: the lost-edit protection of every edited record;
- :mod:`db.workflow.experts`: adding, editing and retiring experts, adding organizations;
- :mod:`db.workflow.queue`: the reads behind the work queue and the approvals screen.

Every staff edit carries the ``version`` of the record its editor saw and is a
compare-and-set on it (lost-edit protection, :mod:`db.lost_edits`, which the
inter-city edits of ``db.intercity`` use too); every write to those records increments it.
"""

from db.lost_edits import StaleEdit, edit_snapshot
from db.policy import EditedByActor, OwnProposal
from db.workflow.adoptions import (
    ItemOutcome,
    decide_adoption,
    decide_many,
    decide_one,
    edit_adoption,
    propose_adoption,
)
from db.workflow.edits import edit_technology, edit_testbed
from db.workflow.experts import (
    TieInput,
    add_expert,
    add_organization,
    edit_expert,
    retire_expert,
)
from db.workflow.proposals import decide_proposal, propose_testbed_step
from db.workflow.queue import (
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
from db.workflow.technologies import move_technology, register_technology

__all__ = [
    "EditedByActor",
    "ItemOutcome",
    "OwnProposal",
    "StaleEdit",
    "TieInput",
    "add_expert",
    "add_organization",
    "decide_adoption",
    "decide_many",
    "decide_one",
    "decide_proposal",
    "decision_context",
    "edit_adoption",
    "edit_expert",
    "edit_snapshot",
    "edit_technology",
    "edit_testbed",
    "item_context",
    "move_technology",
    "organization_choices",
    "owner_choices",
    "pending_decisions",
    "proposal_context",
    "propose_adoption",
    "propose_testbed_step",
    "queue_counts",
    "register_technology",
    "retire_expert",
    "technology_choices",
    "testbed_choices",
    "work_queue",
]
