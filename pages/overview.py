"""Overview: the headline figures as they stood on a chosen date (placeholder of issue 4)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import data
from components.i18n import _, fmt_datetime, fmt_int
from components.labels import label
from components.tiles import Tile, tile_row

FIRST_DAY = dt.date(2018, 1, 1)

st.title(_("New Technology Platform"))
as_of = st.date_input(
    _("As of"), value=dt.date.today(), min_value=FIRST_DAY, max_value=dt.date.today(), key="as_of"
)
h = data.headline(data.database_url(), as_of)

split = ", ".join(
    f"{label('affiliation', a)} {fmt_int(h.experts_by_affiliation.get(a, 0))}"
    for a in ("public", "industry", "academia", "other")
)
stages = ", ".join(
    f"{label('testbed_stage', s)} {fmt_int(n)}" for s, n in sorted(h.testbeds_by_stage.items())
)
tile_row(
    [
        Tile(_("Experts registered"), h.experts, help=split),
        Tile(
            _("Technologies registered"),
            h.technologies,
            help=_("Local: {n}", n=fmt_int(h.technologies_local)),
        ),
        Tile(_("Deliberation meetings held"), h.meetings),
        Tile(_("Technologies adopted"), h.adopted),
        Tile(_("Testbeds"), h.testbeds, help=stages or None),
        Tile(_("Inter-city inquiries"), h.inquiries),
        Tile(_("Agreements"), h.agreements),
    ]
)
st.caption(split)
changed = data.last_changed(data.database_url())
if changed is not None:
    st.caption(_("Data last changed: {when}", when=fmt_datetime(changed)))
else:
    st.info(_("The database holds no data yet. Figures will appear once records are added."))
