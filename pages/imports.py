"""Bulk import (administrators and staff): template, upload, check, report or preview, import."""

from __future__ import annotations

import streamlit as st

from components import imports as ui
from components.i18n import _
from components.navigation import guard

actor = guard("admin", "staff")
st.title(_("Import"))

done = ui.show_done(actor)
register = ui.choose_register()
ui.templates(register)
uploaded = ui.upload()
if uploaded is None:
    if not done:
        ui.empty_state()
else:
    filename, content = uploaded
    result = ui.check(actor, register, filename, content)
    if not result.ok:
        ui.show_report(result)
    elif ui.show_ready(result):
        ui.run_import(actor, register, filename, content)
