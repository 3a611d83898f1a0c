"""Today's date at a place: the day "in the past" is judged by."""

from __future__ import annotations

import datetime as dt

import pytest

from tripsage_geo.iata import zone_of
from tripsage_geo.zones import today_in

# 03:00 UTC on 6 December: still the 5th in Los Angeles, already the 6th in Tokyo.
_EARLY_UTC = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("America/Los_Angeles", dt.date(2026, 12, 5)),
        ("Asia/Tokyo", dt.date(2026, 12, 6)),
        # No zone, or not a zone: the earliest date anywhere (UTC-12), which is still the 5th.
        (None, dt.date(2026, 12, 5)),
        ("Not/AZone", dt.date(2026, 12, 5)),
        ("../etc", dt.date(2026, 12, 5)),
    ],
)
def test_today_is_the_date_in_the_zone_or_the_earliest_anywhere(zone: str | None, expected: dt.date) -> None:
    assert today_in(zone, now=_EARLY_UTC) == expected


def test_the_earliest_date_anywhere_is_the_one_still_held_at_utc_minus_12() -> None:
    # 11:30 UTC on the 6th: 23:30 on the 5th at UTC-12, 00:30 on the 6th at UTC-11, 01:30 on the 7th at UTC+14.
    now = dt.datetime(2026, 12, 6, 11, 30, tzinfo=dt.UTC)
    assert today_in(None, now=now) == dt.date(2026, 12, 5)
    assert today_in("Pacific/Pago_Pago", now=now) == dt.date(2026, 12, 6)
    assert today_in("Pacific/Kiritimati", now=now) == dt.date(2026, 12, 7)


def test_a_codes_zone_is_its_airports_or_its_main_airports() -> None:
    assert zone_of("lax") == "America/Los_Angeles"
    assert zone_of("PAR") == "Europe/Paris"
    assert zone_of("TYO") == "Asia/Tokyo"
    assert zone_of("XXX") is None
