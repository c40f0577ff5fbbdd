"""Work queue (staff): what to screen, what to propose, what waits for a meeting, one's own
proposals; and the forms to move a technology forward, propose an adoption, register a
submission and propose testbed steps or the end of a registration."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, record_forms
from components import workflow as ui
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db import workflow

actor = guard("staff")
st.title(_("Work queue"))
show_flash()

# Each section is cut in SQL (its first rows, "Show more" for the next) and counted there;
# the select boxes hold at most ui.CHOICE_LIMIT choices, narrowed by a search box.
queue = data.read(workflow.work_queue, actor=actor, limit=ui.queue_limit())
counts = data.work_queue_counts(actor)
ui.queue_tiles(counts)
ui.queue_sections(queue, counts)


def technologies(search_key: str, statuses: tuple[str, ...]) -> pd.DataFrame:
    choices = data.read(
        workflow.technology_choices,
        actor=actor,
        statuses=statuses,
        search=ui.choice_search(search_key),
        limit=ui.CHOICE_LIMIT,
    )
    ui.choice_note(choices)
    return choices


st.divider()
act = st.tabs(
    [
        _("Move a technology forward"),
        _("Propose an adoption"),
        _("Register a submission"),
        _("Testbeds and registrations"),
    ]
)
with act[0]:
    ui.move_form(actor, technologies("wf_move_search", ("submitted", "screening")))
with act[1]:
    ui.propose_form(actor, technologies("wf_adopt_search", ("registered",)))
with act[2]:
    owners = data.read(
        workflow.owner_choices,
        actor=actor,
        search=ui.choice_search("wf_reg_owner_search", ui.SEARCH_OWNER),
        limit=ui.CHOICE_LIMIT,
    )
    ui.choice_note(owners)
    ui.register_form(actor, owners)
    st.divider()
    record_forms.add_organization_form(actor)
with act[3]:
    testbeds = data.read(
        workflow.testbed_choices,
        actor=actor,
        search=ui.choice_search("wf_tb_search", ui.SEARCH_TESTBED),
        limit=ui.CHOICE_LIMIT,
    )
    ui.choice_note(testbeds)
    ui.testbed_step_form(actor, testbeds)
    record_forms.edit_testbed_form(actor, testbeds)
    ui.end_registration_form(actor, lambda: technologies("wf_end_search", ("registered",)))
