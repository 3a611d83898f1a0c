"""Normalisation against Amadeus's own published response examples (each fixture names its source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tripsage_core.errors import ValidationFailed
from tripsage_flights.providers.amadeus import duration_minutes, normalise_location, normalise_offer
from tripsage_flights.service import location_keyword

FIXTURES = Path(__file__).parent / "fixtures"


def _example(name: str) -> Any:
    document = json.loads((FIXTURES / name).read_text())
    assert "developers.amadeus.com" in document["_source"]
    return document["example"]


@pytest.fixture(scope="module")
def search() -> Any:
    return _example("amadeus_flight_offers_get.json")


def test_search_offer_price_is_the_grand_total_with_base_and_currency(search: Any) -> None:
    offer = normalise_offer(search["data"][0], search["dictionaries"])
    assert (offer.price.total, offer.price.base, offer.price.currency) == (355.34, 255.0, "EUR")


def test_search_offer_segments_carry_local_times_with_each_airports_offset(search: Any) -> None:
    offer = normalise_offer(search["data"][0], search["dictionaries"])
    first, second = offer.itineraries[0].segments
    assert first.flight_number == "PR212"
    assert first.carrier_name == "PHILIPPINE AIRLINES"
    assert first.departure.airport == "SYD"
    assert first.departure.local_time.isoformat() == "2021-11-01T11:35:00+11:00"  # Sydney summer time
    assert first.arrival.utc_offset == "+08:00"  # Manila
    assert second.arrival.airport == "BKK"
    assert second.arrival.utc_offset == "+07:00"
    assert first.aircraft == "333"
    assert first.aircraft_name == "AIRBUS A330-300"
    assert first.duration_minutes == 8 * 60 + 15


def test_search_offer_summary_fields(search: Any) -> None:
    offer = normalise_offer(search["data"][0], search["dictionaries"], searched=("SYD", "BKK"))
    assert offer.stops == 1
    assert offer.total_duration_minutes == 14 * 60 + 15
    assert (offer.cabin, offer.fare_basis) == ("ECONOMY", "EOBAU")
    assert offer.seats_left == 9
    assert offer.last_ticketing_date is not None
    assert offer.last_ticketing_date.isoformat() == "2021-11-01"
    assert (offer.origin_airport, offer.destination_airport, offer.alternative) == ("SYD", "BKK", False)
    assert offer.provider_offer_id == "1"


def test_an_offer_from_another_airport_than_searched_is_marked_alternative(search: Any) -> None:
    offer = normalise_offer(search["data"][0], search["dictionaries"], searched=("SYD", "HKT"))
    assert offer.alternative


def test_a_metro_code_search_is_not_an_alternative() -> None:
    raw = _example("amadeus_flight_offers_get.json")["data"][0]
    offer = normalise_offer(raw, searched=("SYD", "BKK"))
    assert not offer.alternative
    assert offer.itineraries[0].segments[0].carrier_name is None  # no dictionaries given: no names invented


def test_priced_round_trip_has_two_itineraries_and_derives_missing_durations() -> None:
    priced = _example("amadeus_flight_offers_pricing.json")
    offer = normalise_offer(priced["data"]["flightOffers"][0], priced["dictionaries"])
    assert len(offer.itineraries) == 2
    assert (offer.price.total, offer.price.currency) == (2778.98, "USD")
    # GIG 23:30 (UTC-3) to MAD 17:40 next day (UTC+1): 14 h 10 min, although the example gives no duration.
    assert offer.itineraries[0].duration_minutes == 14 * 60 + 10
    assert offer.cabin == "BUSINESS"


def test_locations_become_airports_and_cities() -> None:
    locations = [normalise_location(raw) for raw in _example("amadeus_locations.json")["data"]]
    assert [(x.sub_type, x.iata_code) for x in locations] == [("CITY", "MUC"), ("AIRPORT", "MUC")]
    assert locations[1].country_code == "DE"
    assert locations[1].time_zone_offset == "+02:00"


@pytest.mark.parametrize(
    ("iso", "minutes"), [("PT14H15M", 855), ("PT45M", 45), ("PT2H", 120), ("P1DT2H5M", 1565), ("", None), ("x", None)]
)
def test_iso_durations(iso: str, minutes: int | None) -> None:
    assert duration_minutes(iso) == minutes


@pytest.mark.parametrize(
    ("q", "keyword"),
    [
        ("lon", "LON"),
        ("Kyoto, Japan", "KYOTO"),
        ("Zürich", "ZURICH"),
        ("  new   york ", "NEW YORK"),
        ("São Paulo", "SAO PAULO"),
    ],
)
def test_location_queries_become_provider_keywords(q: str, keyword: str) -> None:
    assert location_keyword(q) == keyword


def test_a_location_query_without_letters_or_digits_is_422_on_q() -> None:
    with pytest.raises(ValidationFailed) as raised:
        location_keyword("!!!")
    assert raised.value.errors[0]["field"] == "q"
