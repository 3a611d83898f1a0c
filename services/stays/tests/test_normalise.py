"""Normalisation against Amadeus's own published response examples (each fixture names its source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tripsage_stays.providers.amadeus import normalise_hotel, normalise_offer

FIXTURES = Path(__file__).parent / "fixtures"


def _example(name: str) -> Any:
    document = json.loads((FIXTURES / name).read_text())
    assert "developers.amadeus.com" in document["_source"]
    return document["example"]


def test_hotel_list_entry_joined_with_its_offers() -> None:
    listed = {h["hotelId"]: h for h in _example("amadeus_hotels_by_city.json")["data"]}["ZZNCENVX"]
    offers = _example("amadeus_hotel_offers.json")["data"][0]
    hotel = normalise_hotel(listed, offers)
    assert (hotel.id, hotel.name, hotel.chain_code) == ("ZZNCENVX", "HOTEL 3", "ZZ")
    assert (hotel.location.lat, hotel.location.lon) == (43.66665, 7.21465)
    assert hotel.location.country_code == "FR"
    assert hotel.distance_km == 0.92
    assert len(hotel.offers) == 1


def test_search_offer_prices_rooms_board_and_cancellation() -> None:
    offer = normalise_offer(_example("amadeus_hotel_offers.json")["data"][0]["offers"][0])
    assert offer.id == "TSXOJ6LFQ2"
    assert (offer.price.total, offer.price.base, offer.price.currency) == (716.0, 716.0, "GBP")
    assert offer.nights == 1
    assert offer.price.per_night == 716.0
    assert (offer.room_type, offer.beds, offer.bed_type) == ("EXECUTIVE_ROOM", 1, "DOUBLE")
    assert offer.cancellation.refundable is False
    assert offer.cancellation.description == "NON-REFUNDABLE RATE"
    assert offer.adults == 1


def test_offer_recheck_answer_is_a_hotel_with_its_one_offer() -> None:
    data = _example("amadeus_hotel_offer.json")["data"]
    hotel = normalise_hotel({}, data)
    assert (hotel.id, hotel.name) == ("MCLONGHM", "JW MARRIOTT GROSVENOR HOUSE")
    assert hotel.amenities == ["CRIBS_AVAILABLE"]
    assert hotel.distance_km is None
    assert [o.id for o in hotel.offers] == ["TSXOJ6LFQ2"]
    assert hotel.offers[0].room_type == "ELE"  # no estimated category in this answer: the provider's room code


def test_a_deadline_without_full_stay_penalty_is_refundable_and_nights_divide_the_total() -> None:
    raw = dict(_example("amadeus_hotel_offers.json")["data"][0]["offers"][0])
    raw.update(
        checkOutDate="2023-11-25",
        price={"currency": "EUR", "total": "300.00", "base": "270.00"},
        policies={"cancellation": {"deadline": "2023-11-20T23:59:00", "description": {"text": "FREE CANCELLATION"}}},
    )
    offer = normalise_offer(raw)
    assert offer.nights == 3
    assert offer.price.per_night == 100.0
    assert offer.cancellation.refundable is True
    assert offer.cancellation.deadline is not None
    assert offer.cancellation.deadline.day == 20
