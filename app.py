"""Entry point: page config, database, the city and language, sign-in, navigation by role, run
the page.

This file is a router (see ``shared/conventions.md``): no queries here.
"""

from __future__ import annotations

import logging

import streamlit as st

from components import auth, city, data, first_start, inbox, page_fixes
from components.cells import escape_markdown
from components.forms import delivering_flash, show_error
from components.i18n import _
from components.labels import label
from components.navigation import build_navigation, build_public_navigation
from db import summaries
from db.city.store import City
from db.engine import DatabaseUnreachable
from db.errors import DatabaseUnavailable, DomainError

# The tab's icon is a file of the app's (a ":material/...:" icon would be fetched from an
# outside font server: the app makes no request to any host but its own).
st.set_page_config(page_title=_("New Technology Platform"), page_icon=city.ICON, layout="wide")

here: City | None = None
framed = False  # the language choice is drawn (the error paths draw it otherwise)
try:
    first_start.ensure_demo_database()  # demo mode's first start: build it, show progress
    with st.spinner(_("Opening the database...")):
        data.engine()
    here = city.profile()
    city.frame(here)  # tab title, logo, the city's name and the language choice
    framed = True
    with page_fixes.hidden():  # app-made elements that take no room, not even while loading
        page_fixes.install()  # select boxes that open on a click; Streamlit's words translated
        actor = auth.signed_in_actor()  # (signed out: the sign-in page draws the form)
except DatabaseUnavailable as exc:  # down, restarting, busy: say so, without a traceback
    if not framed:
        city.language_picker()
    show_error(exc.as_read())
    st.stop()
except DatabaseUnreachable as exc:  # the address is for the log, not for every visitor
    if not framed:
        city.language_picker()
    logging.getLogger("ntp.app").error("The app cannot start: %s", exc)
    st.error(
        _("The app cannot start.")
        + " "
        + _(
            "The database cannot be reached; the administrator finds its address in the "
            "server log. Please try again later."
        )
    )
    st.stop()
except DomainError as exc:  # bad DATABASE_URL, pending migrations, weak cookie key
    if not framed:
        city.language_picker()
    st.error(_("The app cannot start.") + " " + _(exc.message, **exc.params))
    st.stop()

if actor is None:
    # Signed out: the public pages and the sign-in (the default page), so any other page URL
    # resolves to the sign-in (Streamlit would otherwise fall back to running files from
    # pages/ by name).
    try:
        with summaries.page_run(), delivering_flash():
            build_public_navigation(auth.signed_out_page).run()
    except DatabaseUnavailable as exc:
        show_error(exc)
    st.stop()

only_account = auth.must_change_password(actor)
pg = build_navigation(actor, only_account=only_account)  # (before the inbox's page links)
with st.sidebar:
    st.caption(
        _(
            "Signed in as {name} ({roles})",
            name=escape_markdown(actor.display_name or actor.username),
            roles=", ".join(label("role", r) for r in sorted(actor.roles)),
        )
    )
    if not only_account:
        inbox.sidebar_inbox(actor)
    auth.sign_out_button()

auth.show_notice()
try:
    with summaries.page_run(), delivering_flash():  # (the background refresh waits for it)
        pg.run()
except DatabaseUnavailable as exc:  # a page's read (or an uncaught write) met a database fault
    show_error(exc)
