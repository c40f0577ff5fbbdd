"""Work queue (staff): what to screen, what to propose, what waits for a meeting, one's own
proposals; and the forms to move a technology forward, propose an adoption, register a
submission and propose testbed steps or the end of a registration; companies' applications
(ask for more information, take into registration)."""

from __future__ import annotations

import streamlit as st

from components import application_staff, data, queue_forms, record_forms
from components import work_queue as wq
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db import approvals

actor = guard("staff")
st.title(_("Work queue"))
show_flash()

# Each section is cut in SQL (its first rows, "Show more" for the next) and counted there;
# the select boxes hold at most wq.CHOICE_LIMIT choices, narrowed by a search box.
queue = data.read(approvals.work_queue, actor=actor, limit=wq.queue_limit())
counts = data.work_queue_counts(actor)
wq.queue_tiles(counts)
application_staff.waiting_note(actor)
wq.queue_sections(queue, counts)

st.divider()


def _move() -> None:
    wq.opened_item(wq.MOVE, queue.to_screen)
    queue_forms.move_form(
        actor, wq.technologies(actor, "wf_move_search", ("submitted", "screening"))
    )


def _propose() -> None:
    wq.opened_item(wq.PROPOSE, queue.to_propose)
    queue_forms.propose_form(actor, wq.technologies(actor, "wf_adopt_search", ("registered",)))


def _register() -> None:
    queue_forms.register_form(actor, wq.owners(actor))
    st.divider()
    record_forms.add_organization_form(actor)


def _testbeds() -> None:
    testbeds = wq.testbeds(actor)
    queue_forms.testbed_step_form(actor, testbeds)
    record_forms.edit_testbed_form(actor, testbeds)
    queue_forms.end_registration_form(
        actor, lambda: wq.technologies(actor, "wf_end_search", ("registered",))
    )


def _applications() -> None:
    application_staff.handle(actor, lambda: wq.owners(actor, "wf_app_owner_search"))


# Only the open tab is drawn (what is typed into a closed tab's fields is kept); a row opened
# in a list above opens its form's tab.
wq.action_tabs([_move, _propose, _register, _testbeds, _applications])
