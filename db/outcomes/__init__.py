"""Outcomes (issue 20): what adopted and testbed technologies achieved for the city and its
firms. Staff record contracts, evaluations after use, testbed budgets, results, certificates
and sales (:mod:`~db.outcomes.writes`, checked by :mod:`~db.outcomes.rules`); the Outcomes
page and the overview read the figures (:mod:`~db.outcomes.figures`)."""

from db.outcomes.writes import (
    check_contract,
    edit_contract,
    edit_evaluation,
    edit_sale,
    edit_testbed_outcome,
    record_contract,
    record_evaluation,
    record_sale,
)

__all__ = [
    "check_contract",
    "edit_contract",
    "edit_evaluation",
    "edit_sale",
    "edit_testbed_outcome",
    "record_contract",
    "record_evaluation",
    "record_sale",
]
