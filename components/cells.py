"""How one value from the database reads in a table cell or a sentence: missing values, dates,
the Korean or English name, yes/no, money, a region, and Markdown escaping.

Values come as the database and pandas give them (None, NaN, NaT, ``pd.Timestamp``), so
every helper first asks :func:`missing`. Codes become words through ``components.labels``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from components.i18n import _, current_language, fmt_date, fmt_datetime, fmt_int
from components.labels import label


def missing(value: Any) -> bool:
    """None, NaN or NaT: nothing to show."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def text(value: Any) -> str:
    """The value as text; "" when it is missing."""
    return "" if missing(value) else str(value)


def day(value: Any, empty: str = "-") -> str:
    """A date (the date of a timestamp) in the reader's language; ``empty`` when there is none."""
    if missing(value) or not isinstance(value, dt.date):
        return empty
    if isinstance(value, dt.datetime):
        value = value.date()
    return fmt_date(value)


def moment(value: Any, empty: str = "-") -> str:
    """A date, or a date and time for a timestamp, in the reader's language."""
    if missing(value):
        return empty
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return fmt_datetime(value)
    return fmt_date(value)


def english() -> bool:
    return current_language() == "en"


def in_language(ko: Any, en: Any, *, en_reader: bool | None = None) -> Any:
    """``en`` for a reader of English when it holds text, otherwise ``ko`` as it is.
    ``en_reader``: whether the reader reads English, when the caller knows it already (a long
    list of options asks once)."""
    if en_reader is None:
        en_reader = english()
    if en_reader and isinstance(en, str) and en.strip():
        return en
    return ko


def pick(ko: Any, en: Any, *, empty: str = "-", en_reader: bool | None = None) -> str:
    """A name or title in the reader's language (Korean when there is no English)."""
    chosen = in_language(ko, en, en_reader=en_reader)
    return empty if missing(chosen) else str(chosen)


def row_name(
    row: Mapping[str, Any], ko: str, en: str, *, empty: str = "", en_reader: bool | None = None
) -> str:
    """:func:`pick` of the columns ``ko`` and ``en`` of ``row``."""
    return pick(row.get(ko), row.get(en), empty=empty, en_reader=en_reader)


def yes_no(value: Any) -> str:
    return "-" if missing(value) else (_("Yes") if bool(value) else _("No"))


def money(value: Any) -> str:
    return "-" if missing(value) else _("{amount} won", amount=fmt_int(int(value)))


def region_name(region: Any, country: Any) -> str:
    """A Korean region's name, or "Abroad (country)" for a body outside Korea."""
    if missing(region) or not region:
        return _("Abroad") + (f" ({country})" if country and not missing(country) else "")
    return label("region", str(region))


# --- Markdown ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&@])")
# before ". @ /" and a colon, except one between digits (a time such as 14:03 never starts
# a link or an icon, and a hidden character there would be copied with the time)
_LINK_MAKERS = re.compile(r"([.@/]|(?<!\d):|:(?!\d))")
_ZERO_WIDTH_SPACE = "\u200b"


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown``: Markdown syntax is escaped, and a
    zero-width space before ``. : @ /`` stops what escaping does not (web addresses and
    e-mail addresses turned into links, ``:material/...:`` icons). For text from the
    database or the URL that is not inside a sentence of ours, use ``st.text`` instead."""
    spaced = _LINK_MAKERS.sub(_ZERO_WIDTH_SPACE + r"\1", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", spaced)
