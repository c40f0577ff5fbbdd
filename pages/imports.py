"""Bulk import (administrators and staff): template, upload, check, report or preview, import;
for administrators also a historical migration, submitted for a second person's confirmation.
Administrators and approvers confirm or decline the migrations waiting, and see them all."""

from __future__ import annotations

import streamlit as st

from components import imports as ui
from components import migrations
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db.imports import MIGRATION
from db.policy import IMPORTERS, MIGRATION_CONFIRMERS

actor = guard("admin", "staff", "approver")
st.title(_("Import"))
show_flash()

if actor.has(*IMPORTERS):
    done = ui.show_done(actor)
    mode = ui.choose_mode(actor)
    register = ui.choose_register()
    ui.templates(register)
    uploaded = ui.upload()
    if uploaded is None:
        if mode == MIGRATION:
            migrations.explain_mode()
        elif not done:
            ui.empty_state()
    else:
        filename, content = uploaded
        result = ui.check(actor, register, filename, content, mode)
        if not result.ok:
            ui.show_report(result)
        elif mode == MIGRATION:
            migrations.submit(actor, register, filename, content, result)
        elif ui.show_ready(result):
            ui.run_import(actor, register, filename, content)

if actor.has(*MIGRATION_CONFIRMERS):
    st.divider()
    migrations.pending(actor)
    migrations.history(actor)
