"""Public: the open data (the catalogue and the figures as CSV and JSON, with their data
dictionaries, licence and date of update) at this page's stable address, ``open_data``."""

from __future__ import annotations

from components import public
from components.i18n import N_
from components.navigation import through_router

through_router()
public.heading(N_("Open data"))
public.open_data()
