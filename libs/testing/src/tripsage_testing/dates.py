"""Dates for tests, counted the way the services count them.

The flights and stays services (and the sandbox's Amadeus and Duffel) judge "within the provider's window" by
today's date in UTC, and "in the past" by today's date at the place (the origin airport, the hotel). A test that
counted from the machine's local date (`date.today()`) asked for "yesterday" and got a 200 for hours every day on
a machine whose zone is ahead of UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def utc_today() -> dt.date:
    """Today's date in UTC: the day the providers' windows count from."""
    return dt.datetime.now(dt.UTC).date()


def iso_day(days: int) -> str:
    """The ISO date `days` after today in UTC (negative: before it)."""
    return (utc_today() + dt.timedelta(days=days)).isoformat()


def iso_day_in(zone: str, days: int) -> str:
    """The ISO date `days` after today in an IANA zone: how "in the past" is judged at a place."""
    return (dt.datetime.now(zoneinfo.ZoneInfo(zone)).date() + dt.timedelta(days=days)).isoformat()


def airport_off_utc_date() -> tuple[str, str]:
    """(airport, zone) whose date differs from UTC's right now, so a test of "today at the place" means something
    at any hour: Honolulu (UTC-10) is still on yesterday from 00:00 to 10:00 UTC, Kiritimati (UTC+14) is already
    on tomorrow from 10:00 UTC."""
    if iso_day_in("Pacific/Honolulu", 0) < utc_today().isoformat():
        return "HNL", "Pacific/Honolulu"
    return "CXI", "Pacific/Kiritimati"
