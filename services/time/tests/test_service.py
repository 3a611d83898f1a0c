from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tripsage_geo.zones import ZoneLocator
from tripsage_time.errors import NonexistentLocalTime, NoTimeZoneAtLocation, UnknownTimeZone
from tripsage_time.schemas import ArrivalRequest, ConvertRequest
from tripsage_time.service import TimeService


@pytest.fixture(scope="module")
def time_service() -> TimeService:
    return TimeService(ZoneLocator())


@pytest.mark.parametrize(
    ("lat", "lon", "zone"),
    [
        (35.68, 139.69, "Asia/Tokyo"),
        (48.8566, 2.3522, "Europe/Paris"),
        (-33.87, 151.21, "Australia/Sydney"),
        (40.71, -74.01, "America/New_York"),
        (27.7172, 85.324, "Asia/Kathmandu"),
    ],
)
def test_timezone_at_known_cities(time_service: TimeService, lat: float, lon: float, zone: str) -> None:
    assert time_service.timezone_at(lat=lat, lon=lon).timezone == zone


def test_timezone_reports_offset_and_dst_for_the_instant(time_service: TimeService) -> None:
    summer = time_service.timezone_at(lat=48.8566, lon=2.3522, now=datetime(2026, 7, 1, 12, tzinfo=UTC))
    winter = time_service.timezone_at(lat=48.8566, lon=2.3522, now=datetime(2026, 1, 15, 12, tzinfo=UTC))
    kathmandu = time_service.timezone_at(lat=27.7172, lon=85.324, now=datetime(2026, 1, 15, 12, tzinfo=UTC))
    assert (summer.utc_offset, summer.dst, summer.abbreviation) == ("+02:00", True, "CEST")
    assert (winter.utc_offset, winter.dst, winter.utc_offset_seconds) == ("+01:00", False, 3600)
    assert kathmandu.utc_offset == "+05:45"


def test_open_ocean_gets_its_nautical_zone(time_service: TimeService) -> None:
    assert time_service.timezone_at(lat=0.0, lon=-140.0).timezone.startswith("Etc/GMT")


def test_now_in_zone_matches_the_zone_offset(time_service: TimeService) -> None:
    instant = time_service.now_in("Asia/Kolkata", now=datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    assert instant.local_time.isoformat() == "2026-03-01T05:30:00+05:30"


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "", "asia/tokyo"])
def test_unknown_zones_are_rejected_naming_the_field(time_service: TimeService, name: str) -> None:
    with pytest.raises(UnknownTimeZone) as caught:
        time_service.now_in(name)
    assert caught.value.errors[0]["field"] == "tz"


def test_convert_an_ordinary_time(time_service: TimeService) -> None:
    result = time_service.convert(
        ConvertRequest(datetime=datetime(2026, 6, 1, 9, 0), from_tz="Europe/Berlin", to_tz="America/New_York")
    )
    assert result.status == "ok"
    assert result.result is not None
    assert result.result.target.local_time.isoformat() == "2026-06-01T03:00:00-04:00"


def test_convert_a_time_with_an_explicit_offset_uses_that_instant(time_service: TimeService) -> None:
    result = time_service.convert(
        ConvertRequest(datetime=datetime.fromisoformat("2026-06-01T09:00:00+00:00"), from_tz="UTC", to_tz="Asia/Tokyo")
    )
    assert result.result is not None
    assert result.result.target.local_time.hour == 18


def test_ambiguous_local_time_returns_both_candidates_not_a_guess(time_service: TimeService) -> None:
    # Berlin repeats 02:00-03:00 on 2026-10-25 when summer time ends.
    result = time_service.convert(
        ConvertRequest(datetime=datetime(2026, 10, 25, 2, 30), from_tz="Europe/Berlin", to_tz="UTC")
    )
    assert result.status == "ambiguous"
    assert result.result is None
    assert [c.target.local_time.hour for c in result.candidates] == [0, 1]
    assert [c.source.abbreviation for c in result.candidates] == ["CEST", "CET"]


def test_fold_picks_one_of_the_ambiguous_instants(time_service: TimeService) -> None:
    later = time_service.convert(
        ConvertRequest(datetime=datetime(2026, 10, 25, 2, 30), from_tz="Europe/Berlin", to_tz="UTC", fold=1)
    )
    assert later.result is not None
    assert later.result.target.local_time.hour == 1


def test_nonexistent_local_time_is_rejected_naming_the_field(time_service: TimeService) -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29 when summer time starts.
    with pytest.raises(NonexistentLocalTime) as caught:
        time_service.convert(
            ConvertRequest(datetime=datetime(2026, 3, 29, 2, 30), from_tz="Europe/Berlin", to_tz="UTC")
        )
    assert caught.value.errors[0]["field"] == "datetime"


def test_overnight_eastbound_flight_arrives_next_day(time_service: TimeService) -> None:
    result = time_service.arrival(
        ArrivalRequest(
            departure_local=datetime(2026, 12, 1, 22, 0),
            departure_tz="America/New_York",
            duration_minutes=420,
            arrival_tz="Europe/London",
        )
    )
    assert result.result is not None
    assert result.result.arrival.local_time.isoformat() == "2026-12-02T10:00:00+00:00"
    assert result.result.day_offset == 1
    assert (result.result.arrival.utc_time - result.result.departure.utc_time).total_seconds() == 420 * 60


def test_westbound_dateline_flight_arrives_the_previous_day(time_service: TimeService) -> None:
    result = time_service.arrival(
        ArrivalRequest(
            departure_local=datetime(2026, 6, 10, 8, 0),
            departure_tz="Asia/Tokyo",
            duration_minutes=540,
            arrival_tz="Pacific/Honolulu",
        )
    )
    assert result.result is not None
    assert result.result.arrival.local_time.isoformat() == "2026-06-09T22:00:00-10:00"
    assert result.result.day_offset == -1


def test_arrival_adds_elapsed_time_across_a_dst_change(time_service: TimeService) -> None:
    # 01:30 EST + 60 minutes on the night clocks spring forward is 03:30 EDT, not 02:30 (which doesn't exist).
    result = time_service.arrival(
        ArrivalRequest(
            departure_local=datetime(2026, 3, 8, 1, 30),
            departure_tz="America/New_York",
            duration_minutes=60,
            arrival_tz="America/New_York",
        )
    )
    assert result.result is not None
    assert result.result.arrival.local_time.isoformat() == "2026-03-08T03:30:00-04:00"


def test_locator_without_a_zone_is_a_clear_error() -> None:
    class Nowhere:
        def zone_at(self, *, lat: float, lon: float) -> str | None:
            return None

    with pytest.raises(NoTimeZoneAtLocation):
        TimeService(Nowhere()).timezone_at(lat=1, lon=1)
