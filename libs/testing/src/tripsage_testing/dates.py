"""Dates for tests, counted the way the services count them.

The flights and stays services (and the sandbox's Amadeus and Duffel) judge "in the past" and "within the
provider's window" by today's date in UTC. A test that counted from the machine's local date (`date.today()`)
asked for "yesterday" and got a 200 for hours every day on a machine whose zone is ahead of UTC.
"""

from __future__ import annotations

import datetime as dt


def utc_today() -> dt.date:
    """Today's date in UTC: the day the services call today."""
    return dt.datetime.now(dt.UTC).date()


def iso_day(days: int) -> str:
    """The ISO date `days` after today in UTC (negative: before it)."""
    return (utc_today() + dt.timedelta(days=days)).isoformat()
