"""Public: the platform's headline figures as they stood on a date (today unless the link
or the date picker says otherwise, ``?as_of=YYYY-MM-DD``), downloadable."""

from __future__ import annotations

from components import data, public
from components.i18n import N_
from components.navigation import through_router

through_router()
public.heading(N_("Public figures"))
as_of = public.as_of_picker()
figures = data.public_figures(data.database_url(), as_of)
public.figure_tiles(figures)
public.updated_caption()
public.figures_downloads(figures, as_of)
