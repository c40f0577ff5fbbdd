"""Overview for the mayor's office: the platform's figures as they stood on a chosen date."""

from __future__ import annotations

import streamlit as st

from components import data, outcomes, publications
from components import overview as ov
from components import overview_filters as of
from components.i18n import _
from components.navigation import guard

actor = guard()
st.title(_("New Technology Platform"))
initial, ignored = of.parse_query(st.query_params)
if ignored:
    st.caption(_("Ignored invalid link parameters: {names}", names=", ".join(ignored)))
f = of.filter_bar(initial)
of.produced_caption(f)

url = data.database_url()
now = data.headline(url, f.as_of, f.tech)
since = of.earlier(f).as_of
before = data.headline(url, since, f.tech)
monthly = data.monthly_counts(url, *of.trend_window(f), f.tech)
stages, durations = data.pipeline(url, f.as_of, f.tech)
items = ov.figures(f, now, before)

published = publications.overview_section(actor, f, now)
if now.experts == 0 and now.technologies == 0 and now.meetings == 0:
    st.info(_("The platform had no records yet on this date. Choose a later date."))
ov.tiles(actor, f, since, items, monthly, data.last_changed_by_entity(url))
outcomes.overview_targets(actor, f.as_of)
ov.trends(monthly, f.as_of)
ov.pipeline(stages, durations)
ov.breakdowns(
    data.breakdown(url, f.as_of, "growth_sector", f.tech),
    data.breakdown(url, f.as_of, "field", f.tech),
    now,
)
ov.downloads(f, items, monthly, now, stages, durations, published)
