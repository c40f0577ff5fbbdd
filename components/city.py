"""The city in the interface: its name and logo in every page's header and sidebar, the
browser tab and the sign-in page; the language a new visitor starts in; the first day a date
picker offers; what its registration numbers look like.

All of it comes from the city's profile in the database (``db.city``, read through
``components.data``); before a profile is applied the app still runs, as the platform
without a city's name. The logo is served by the app itself (an SVG as a data address, a PNG
from Streamlit's media store): the page makes no outside request.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from components import data
from components.cells import escape_markdown
from components.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    current_language,
    set_language,
    translate_in,
)
from db import clock
from db.city.store import City
from db.config import load_settings

# Before a profile exists (and for the overview's oldest date then): the demo's first day.
FALLBACK_FIRST_DAY = dt.date(2018, 1, 1)
STARTED_KEY = "ntp_lang_started"
# The browser tab's icon, served by the app (Streamlit sends an SVG file as a data address).
ICON = str(Path(__file__).parent / "assets" / "favicon.svg")


def profile() -> City | None:
    """The city running this instance (cached), None before a profile is applied."""
    return data.city(data.database_url())


def frame(here: City | None) -> None:
    """What every page shows of the city and the language: the tab title, the logo, the
    city's name and the language choice at the top of the sidebar. A new visitor starts in
    ``NTP_LANG`` if it is set, otherwise in the city's default language."""
    if STARTED_KEY not in st.session_state:
        st.session_state[STARTED_KEY] = True
        if "lang" not in st.session_state and not load_settings().language_set and here:
            set_language(here.default_language)
    if "lang_select" in st.session_state:  # the choice just made, before anything is drawn
        set_language(st.session_state["lang_select"])
    chrome(here)
    language_picker()


def language_picker() -> None:
    """The sidebar's language choice (the first select box of every page)."""
    lang = st.sidebar.selectbox(
        "언어 / Language",
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=LANGUAGE_NAMES.__getitem__,
        key="lang_select",
    )
    set_language(lang)


def platform_name(here: City | None, lang: str | None = None) -> str:
    """ "Daejeon Metropolitan City New Technology Platform" (the platform alone before a
    profile exists), in ``lang`` (default: the reader's)."""
    lang = lang or current_language()
    if here is None:
        return translate_in(lang, "New Technology Platform")
    return translate_in(lang, "{city} New Technology Platform", city=here.name(lang))


def logo_image(here: City) -> str | bytes:
    # An SVG goes to the page as text (Streamlit makes it a data address); a PNG as bytes.
    if here.logo_type == "image/svg+xml":
        return here.logo.decode("utf-8")
    return here.logo


def chrome(here: City | None) -> None:
    """The browser tab's title, the logo in the header and sidebar, and the city's name at
    the top of the sidebar."""
    st.set_page_config(page_title=platform_name(here))
    if here is None or not here.logo:
        return
    st.logo(logo_image(here), size="large")
    st.sidebar.markdown(f"**{escape_markdown(here.name(current_language()))}**")
    st.sidebar.caption(_("New Technology Platform"))


def sign_in_heading(here: City | None) -> None:
    """Above the sign-in form: the city's logo and name."""
    if here is None:
        st.subheader(_("New Technology Platform"))
        return
    left, right = st.columns([1, 11], vertical_alignment="center")
    if here.logo:
        left.image(logo_image(here), width=56)
    right.subheader(here.name(current_language()))
    right.caption(_("New Technology Platform"))


def first_day() -> dt.date:
    """The first day the platform ran: the earliest date a date picker offers."""
    here = profile()
    return here.first_operating_day if here else FALLBACK_FIRST_DAY


def number_shape() -> str:
    """What the city's registration numbers look like, e.g. ``DJ-YYYY-NNN``."""
    here = profile()
    return here.reg_no_pattern.shape() if here else "YYYY-NNN"


def home_region() -> str:
    """The city's (first) home region, e.g. ``KR-30``."""
    here = profile()
    return here.home_regions[0] if here else "KR-11"


def example_number(seq: int = 1) -> str:
    """A registration number of the city's pattern in this year (examples in templates)."""
    here = profile()
    year = clock.city_today().year
    return here.reg_no_pattern.format(year, seq) if here else f"{year}-{seq:03d}"
