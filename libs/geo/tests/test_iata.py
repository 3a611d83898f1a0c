from __future__ import annotations

import weakref
from datetime import datetime

from tripsage_geo.iata import airports, airports_of, is_known, localise, nearby_airports, utc_offset


def test_airport_and_metro_codes_are_known_in_any_case() -> None:
    assert is_known("JFK")
    assert is_known("lhr")
    assert is_known("PAR")


def test_made_up_codes_are_unknown() -> None:
    assert not is_known("XXX")
    assert not is_known("JFKX")
    assert not is_known("")


def test_a_metro_code_stands_for_its_airports() -> None:
    assert {a.code for a in airports_of("NYC")} == {"JFK", "LGA", "EWR"}


def test_nearby_airports_of_jfk_are_the_other_new_york_airports_first() -> None:
    near = nearby_airports("JFK", radius_km=40, limit=5)
    codes = [airport.code for airport, _ in near]
    assert {"LGA", "EWR"} <= set(codes)
    assert "JFK" not in codes
    assert all(distance <= 40 for _, distance in near)


def test_local_times_get_the_airports_utc_offset_including_dst() -> None:
    winter = localise("JFK", datetime(2026, 12, 26, 12, 5))
    summer = localise("JFK", datetime(2026, 7, 1, 12, 5))
    assert utc_offset(winter) == "-05:00"
    assert utc_offset(summer) == "-04:00"


def test_an_airports_zone_is_built_once_however_many_zones_a_search_spans() -> None:
    # ZoneInfo itself keeps only the 8 most recent zones alive; a JFK-LHR answer spans 14, and once it was encoded
    # the next search re-read most of their TZif files from disk (docs/benchmarks.md, "Cold search").
    stops = ["LHR", "CDG", "FRA", "MAD", "AMS", "ZRH", "CPH", "OSL", "LIS", "BRU", "CMN", "ORD", "YYZ", "IAD"]
    assert len({airports()[code].tz for code in stops}) > 8
    moment = datetime(2026, 12, 26, 12, 5)
    new_york = weakref.ref(localise("JFK", moment).tzinfo)  # no strong reference kept here
    for code in stops:
        localise(code, moment)
    assert new_york() is not None
    assert localise("JFK", moment).tzinfo is new_york()
