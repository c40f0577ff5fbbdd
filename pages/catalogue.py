"""Public: the catalogue of registered technologies, searched and filtered by field, sector
and year of registration, a page at a time; a row opens the technology's page. Anyone may
read it without signing in (published fields only: ``db.public``)."""

from __future__ import annotations

from components import public
from components.i18n import N_
from components.navigation import through_router
from components.registers import open_view

through_router()
public.heading(N_("Technology catalogue"))
view = open_view(public.catalogue_register())
public.open_selected(view)
public.catalogue(view)
