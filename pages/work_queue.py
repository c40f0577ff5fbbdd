"""Work queue (staff): what to screen, what to propose, what waits for a meeting, one's own
proposals; and the forms to move a technology forward, propose an adoption, register a
submission and propose testbed steps or the end of a registration."""

from __future__ import annotations

import streamlit as st

from components import data, record_forms
from components import workflow as ui
from components.i18n import _
from components.navigation import guard
from db import workflow

actor = guard("staff")
st.title(_("Work queue"))
ui.show_flash()

queue = data.read(workflow.work_queue, actor=actor)
ui.queue_tiles(queue)
ui.queue_sections(queue)

st.divider()
registered = data.read(workflow.technology_choices, actor=actor, statuses=("registered",))
act = st.tabs(
    [
        _("Move a technology forward"),
        _("Propose an adoption"),
        _("Register a submission"),
        _("Testbeds and registrations"),
    ]
)
with act[0]:
    ui.move_form(actor, queue["to_screen"])
with act[1]:
    ui.propose_form(actor, registered)
with act[2]:
    ui.register_form(actor, data.read(workflow.owner_choices, actor=actor))
    st.divider()
    record_forms.add_organization_form(actor)
with act[3]:
    testbeds = data.read(workflow.testbed_choices, actor=actor)
    ui.testbed_step_form(actor, testbeds)
    record_forms.edit_testbed_form(actor, testbeds)
    ui.end_registration_form(actor, registered)
