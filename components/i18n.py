"""Korean and English for every string a person reads (gettext catalogues via Babel).

Messages are written in English in the code, marked with ``_()`` (translate now) or
``N_()`` (mark for extraction, translate later), extracted into
``components/locales/messages.pot`` and translated in ``components/locales/<lang>/LC_MESSAGES/
messages.po`` (see the README for the ``pybabel`` commands). The ``.po`` files are the source
of truth: they are compiled in memory at import, so no binary catalogue lives in the repo.

The language is chosen per user session (``st.session_state["lang"]``), defaulting to
``NTP_LANG`` (Korean unless set).
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

import streamlit as st
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from db.clock import city_zone
from db.config import load_settings
from db.errors import Named

LANGUAGES = ("ko", "en")
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}
LOCALES = {"ko": "ko_KR", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parent / "locales"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (English falls back to the msgids)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[lang])
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


_SPEAKING: ContextVar[str | None] = ContextVar("ntp_speaking", default=None)
"""The language of work done for a session outside its script run (see :func:`speaking`)."""


def current_language() -> str:
    spoken = _SPEAKING.get()
    if spoken is not None:
        return spoken
    lang = st.session_state.get("lang")
    if lang not in LANGUAGES:
        lang = load_settings().default_language
    return str(lang)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Translate into ``lang`` inside the block, whatever the session: for work a session asked
    for that runs outside its script run (a deferred download is built in a thread of its own,
    which has no session, when its button is clicked)."""
    token = _SPEAKING.set(lang)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def set_language(lang: str) -> None:
    if lang in LANGUAGES:
        st.session_state["lang"] = lang


def _(message: str, /, **params: object) -> str:
    """Translate ``message`` into the session's language; ``{name}`` fields take ``params``.
    A :class:`~db.errors.Named` (the city's data) is shown in that language as it is."""
    return translate_in(current_language(), message, **params)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def translate_in(lang: str, message: str, /, **params: object) -> str:
    """Translate into a given language (briefings in a chosen language, tests)."""
    if isinstance(message, Named):
        text = message.labels.get(lang, str(message))
    else:
        text = translations(lang).gettext(message)
    return text.format(**params) if params else text


def fmt_int(value: int | float) -> str:
    return _fmt_number(value, current_language())


@lru_cache(maxsize=8192, typed=True)
def _fmt_number(value: int | float, lang: str) -> str:
    """Babel's formatting costs ~100 us a call (6% of the overview's server run, tiles and
    captions): a page shows the same figures again on every rerun."""
    return format_decimal(value, locale=LOCALES[lang])


def fmt_date(value: dt.date) -> str:
    return _fmt_date(value, current_language())


@lru_cache(maxsize=8192)
def _fmt_date(value: dt.date, lang: str) -> str:
    """Babel's formatting costs ~50 us a call: a list of a few hundred rows repeats dates."""
    return _format_date(value, format="medium", locale=LOCALES[lang])


# ASCII punctuation, which CommonMark lets a backslash make literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md_date(value: dt.date) -> str:
    """:func:`fmt_date` for text that Streamlit renders as Markdown (``st.caption``,
    ``st.markdown``, alerts): the same characters, with its punctuation escaped. A Korean
    date that starts the text, "2026. 11. 22.까지 ...", would otherwise be read as the
    markers of a numbered list (items 2026 and 11) and shown as one."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", fmt_date(value))


def fmt_datetime(value: dt.datetime) -> str:
    """A timestamp in the city's time zone (stored times are UTC; naive ones are UTC too)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    # ISO-like 24-hour form: unambiguous in both languages (CLDR's Korean medium form
    # abbreviates the day period to AM/PM).
    text = _format_datetime(
        value, format="yyyy-MM-dd HH:mm", tzinfo=city_zone(), locale=LOCALES[current_language()]
    )
    return f"{text} KST"
