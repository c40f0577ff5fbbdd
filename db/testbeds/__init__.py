"""The testbed program: staff edit a testbed's site (``writes``); its stages move only
through step proposals that an approver confirms (:mod:`db.approvals.proposals`).
"""

from db.testbeds.writes import edit_testbed

__all__ = ["edit_testbed"]
