"""The data models on their own: geometry encoders, weather, flights, hotels and the fault registry."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tripsage_sandbox import geo
from tripsage_sandbox.faults import FaultKind, FaultRegistry, Provider
from tripsage_sandbox.models import flights, hotels, weather
from tripsage_sandbox.providers.google_places import encode_polyline, plus_code

FIXTURES = Path(__file__).parent / "fixtures"


def test_polyline_matches_googles_documented_example() -> None:
    # developers.google.com/maps/documentation/utilities/polylinealgorithm
    points = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
    assert encode_polyline(points) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_plus_codes_match_documented_results() -> None:
    example = json.loads((FIXTURES / "google_places_textsearch.json").read_text())["example"]
    for result in example["results"]:
        location = result["geometry"]["location"]
        assert plus_code(location["lat"], location["lng"]) == result["plus_code"]["global_code"]


def test_summer_is_warmer_than_winter_in_each_hemisphere() -> None:
    january, july = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)

    def monthly_mean(lat: float, lon: float, moment: datetime) -> float:
        return sum(weather.conditions_at(lat, lon, moment.replace(day=d)).temp for d in range(1, 29)) / 28

    assert monthly_mean(51.5, -0.12, july) > monthly_mean(51.5, -0.12, january) + 8
    assert monthly_mean(-33.87, 151.21, january) > monthly_mean(-33.87, 151.21, july) + 4
    assert monthly_mean(1.35, 103.82, january) > monthly_mean(64.1, -21.9, january) + 20


def test_weather_is_deterministic_and_sun_rises_before_it_sets() -> None:
    moment = datetime(2026, 4, 2, 9, tzinfo=UTC)
    assert weather.conditions_at(35.0, 135.7, moment) == weather.conditions_at(35.0, 135.7, moment)
    sunrise, sunset = weather.sun_times(35.0, 135.7, date(2026, 6, 21)) or (None, None)
    assert sunrise is not None
    assert sunset is not None
    assert 13.5 < (sunset - sunrise).total_seconds() / 3600 < 15
    assert weather.sun_times(78.2, 15.6, date(2026, 6, 21)) is None  # Svalbard midnight sun


def test_block_time_grows_with_distance_and_headwinds() -> None:
    assert flights.block_minutes(500, True) < flights.block_minutes(2000, True) < flights.block_minutes(9000, True)
    assert flights.block_minutes(5540, eastbound=True) < flights.block_minutes(5540, eastbound=False)


def test_far_off_small_airports_still_get_connecting_offers() -> None:
    airports = geo.airports()
    search = flights.Search(
        legs=[flights.Leg(airports["TOS"], airports["PPT"], date(2027, 3, 1))],
        travelers=[flights.Traveler("1", "ADULT")],
        today=date(2027, 1, 1),
    )
    offers = flights.search_offers(search)["data"]
    assert offers
    assert all(len(o["itineraries"][0]["segments"]) >= 2 for o in offers)


def test_hotel_ids_and_offer_ids_round_trip() -> None:
    paris = geo.resolve_city_code("PAR")
    assert paris is not None
    found = hotels.hotels_in(paris.city)
    assert len(found) >= 20
    assert hotels.hotel_by_id(found[3].hotel_id) == found[3]
    assert len(found) > 100
    assert hotels.hotel_by_id(found[-1].hotel_id) == found[-1]
    assert hotels.hotel_by_id("XXPAR001") is None
    offer_id = hotels.offer_id(found[3], date(2027, 5, 1), 3, 2, 1, 1, "USD")
    assert hotels.parse_offer_id(offer_id) == hotels.OfferKey(found[3], date(2027, 5, 1), 3, 2, 1, 1, "USD")
    assert hotels.parse_offer_id("SBX" + "0" * 24) is None
    assert hotels.parse_offer_id(offer_id[:-3] + "XXX") is None


def test_hotels_lie_inside_their_city() -> None:
    kyoto = geo.find_cities("Kyoto", "JP")[0]
    for hotel in hotels.hotels_in(kyoto):
        assert geo.distance_km(kyoto.lat, kyoto.lon, hotel.lat, hotel.lon) <= 9.0


def test_fault_count_and_duration_run_out() -> None:
    registry = FaultRegistry()
    registry.arm(Provider.OWM, FaultKind.ERROR_500, endpoint="weather", count=2)
    assert registry.take(Provider.OWM, "forecast", "/data/2.5/forecast") is None
    assert registry.take(Provider.OWM, "weather", "/data/2.5/weather") is not None
    assert registry.take(Provider.OWM, "weather", "/data/2.5/weather") is not None
    assert registry.take(Provider.OWM, "weather", "/data/2.5/weather") is None
    # Long enough that no load delay between arming and the first take outlasts it.
    registry.arm(Provider.GOOGLE, FaultKind.SLOW, duration_s=1.0)
    assert registry.take(Provider.GOOGLE, "geocode", "/maps/api/geocode/json") is not None
    time.sleep(1.1)
    assert registry.take(Provider.GOOGLE, "geocode", "/maps/api/geocode/json") is None
    assert registry.active() == []


@pytest.mark.parametrize(("code", "city"), [("NYC", "New York City"), ("LON", "London"), ("NCE", "Nice")])
def test_city_codes_resolve_to_real_cities(code: str, city: str) -> None:
    resolved = geo.resolve_city_code(code)
    assert resolved is not None
    assert resolved.city.name == city
