"""The one clock: now (UTC) and the city's date and time.

Servers run in UTC; the city lives in its own time zone (Korea is UTC+9), so from 00:00 to
09:00 in the city the machine's date is still yesterday. Every module asks this module for
"now" and "today" (never ``date.today()`` or a naive ``datetime.now()``: ruff's DTZ rules and
``tests/test_clock.py`` keep it so), and tests move it with ``time-machine``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

# The time zone of a process that has not read a city profile (tests, a database being set
# up); a process serving a city takes its profile's (use_city_zone, at start-up).
DEFAULT_TIME_ZONE = "Asia/Seoul"
_zone_name = DEFAULT_TIME_ZONE


@cache
def city_zone() -> ZoneInfo:
    """The city's time zone (dates and times a person reads, days of periods)."""
    return ZoneInfo(_zone_name)


def use_city_zone(name: str) -> None:
    """Make ``name`` (an IANA zone, from the city profile) the city's time zone in this
    process. One process serves one city's database, so this is set once when the database is
    opened (``components.bootstrap``); the profile refuses changing it once records exist.

    :raise zoneinfo.ZoneInfoNotFoundError: no such zone (the profile file's check prevents it).
    """
    global _zone_name
    ZoneInfo(name)  # refuse an unknown zone before changing anything
    _zone_name = name
    city_zone.cache_clear()


def now_utc() -> dt.datetime:
    """Now, as an aware UTC datetime (what the database stores)."""
    return dt.datetime.now(dt.UTC)


def city_now() -> dt.datetime:
    """Now in the city's time zone."""
    return now_utc().astimezone(city_zone())


def city_today() -> dt.date:
    """Today's date in the city (not the machine's date)."""
    return city_now().date()


def as_utc(ts: dt.datetime) -> dt.datetime:
    """``ts`` as aware UTC; a naive ``ts`` is taken as UTC (SQLite returns naive UTC)."""
    return ts.replace(tzinfo=dt.UTC) if ts.tzinfo is None else ts.astimezone(dt.UTC)


def utc_naive(ts: dt.datetime) -> dt.datetime:
    """``ts`` as naive UTC (aware values are converted, naive ones are taken as UTC)."""
    return ts if ts.tzinfo is None else ts.astimezone(dt.UTC).replace(tzinfo=None)


def city_date(ts: dt.datetime) -> dt.date:
    """The city's date at the instant ``ts`` (naive: UTC)."""
    return as_utc(ts).astimezone(city_zone()).date()


def city_time_text(ts: dt.datetime) -> str:
    """``2026-11-22 14:03 KST``: an instant as the city reads it, for messages."""
    return as_utc(ts).astimezone(city_zone()).strftime("%Y-%m-%d %H:%M %Z")


def city_day_start(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in the city, as aware UTC (the start of a period of days)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=city_zone()).astimezone(dt.UTC)
