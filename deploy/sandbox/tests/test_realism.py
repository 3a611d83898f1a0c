"""Travel data a traveller would believe, asked through the real amadeus SDK as a new user would ask it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from amadeus import Client, Location

from tripsage_sandbox import geo
from tripsage_sandbox.models import flights
from tripsage_sandbox.models.carriers import CARRIERS, carriers_of, partners_of


@pytest.fixture
def amadeus(port: int) -> Client:
    return Client(client_id="sandbox-id", client_secret="sandbox-secret", host="127.0.0.1", port=port, ssl=False)


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def _codes(amadeus: Client, keyword: str, sub_type: str = Location.ANY) -> list[str]:
    data = amadeus.reference_data.locations.get(keyword=keyword, subType=sub_type, page={"limit": 20}).data
    return [str(entry["iataCode"]) for entry in data]


def _offers(amadeus: Client, origin: str, destination: str, adults: int = 1, days: int = 40) -> list[dict[str, Any]]:
    response = amadeus.shopping.flight_offers_search.get(
        originLocationCode=origin, destinationLocationCode=destination, departureDate=_day(days), adults=adults
    )
    return list(response.data)


def _local_time(stamp: str) -> dt.time:
    return dt.datetime.fromisoformat(stamp).time()


def _inside(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    return start <= moment < end if start <= end else moment >= start or moment < end


def test_location_search_ranks_by_importance_with_exact_codes_first(amadeus: Client) -> None:
    paris = amadeus.reference_data.locations.get(keyword="PAR", subType=Location.ANY).data
    assert paris[0]["subType"] == "CITY"
    assert paris[0]["iataCode"] == "PAR"
    assert paris[0]["name"] == "PARIS"
    airports = [e["iataCode"] for e in paris if e["subType"] == "AIRPORT"]
    assert airports[:2] == ["CDG", "ORY"]
    assert _codes(amadeus, "SAN", Location.AIRPORT)[0] == "SAN"
    assert amadeus.reference_data.locations.get(keyword="SAN", subType=Location.ANY).data[0]["address"]["cityName"] == (
        "SAN DIEGO"
    )
    tokyo = _codes(amadeus, "Tokyo", Location.AIRPORT)
    assert tokyo.index("HND") < tokyo.index("NRT")
    london = _codes(amadeus, "London", Location.AIRPORT)
    assert london[0] == "LHR"
    assert london.index("LHR") < london.index("LCY")


def test_a_city_without_an_airport_is_served_by_the_airports_near_it(amadeus: Client) -> None:
    kyoto = amadeus.reference_data.locations.get(keyword="Kyoto", subType=Location.ANY).data
    assert kyoto, "Kyoto must find the airports that serve it"
    assert kyoto[0]["address"]["cityCode"] == "OSA"
    airports = [e["iataCode"] for e in kyoto if e["subType"] == "AIRPORT"]
    assert set(airports[:2]) == {"KIX", "ITM"}
    offers = _offers(amadeus, "NRT", kyoto[0]["address"]["cityCode"]) + _offers(amadeus, "LHR", "OSA")
    assert offers
    assert {o["itineraries"][0]["segments"][-1]["arrival"]["iataCode"] for o in offers} <= {"KIX", "ITM"}


@pytest.mark.parametrize(("origin", "destination", "adults"), [("JFK", "LHR", 9), ("SYD", "SIN", 3), ("CDG", "NCE", 5)])
def test_an_offer_never_has_fewer_seats_than_travellers(
    amadeus: Client, origin: str, destination: str, adults: int
) -> None:
    offers = _offers(amadeus, origin, destination, adults)
    assert offers
    assert min(o["numberOfBookableSeats"] for o in offers) >= adults
    assert max(o["numberOfBookableSeats"] for o in offers) <= 9


# The issue's examples: Narita's curfew, Paris-CDG and Amsterdam's night restrictions, and everywhere the dead of night.
_CLOSED = {
    "NRT": (dt.time(23, 0), dt.time(6, 0)),
    "CDG": (dt.time(0, 0), dt.time(5, 0)),
    "AMS": (dt.time(23, 0), dt.time(6, 0)),
}
_NIGHT = (dt.time(0, 30), dt.time(5, 30))


@pytest.mark.parametrize(
    ("origin", "destination"), [("LHR", "NRT"), ("SIN", "NRT"), ("JFK", "CDG"), ("AMS", "CDG"), ("SFO", "AMS")]
)
def test_no_departure_or_arrival_falls_inside_curfew_hours(amadeus: Client, origin: str, destination: str) -> None:
    offers = _offers(amadeus, origin, destination)
    assert offers
    for offer in offers:
        for segment in offer["itineraries"][0]["segments"]:
            for end in ("departure", "arrival"):
                code, moment = segment[end]["iataCode"], _local_time(segment[end]["at"])
                assert not _inside(moment, *_NIGHT), (code, segment[end]["at"])
                if code in _CLOSED:
                    assert not _inside(moment, *_CLOSED[code]), (code, segment[end]["at"])


@pytest.mark.parametrize(("origin", "destination"), [("JFK", "CDG"), ("LHR", "NRT"), ("JFK", "NRT"), ("SYD", "LAX")])
def test_only_carriers_of_either_end_or_their_alliance_partners_fly_the_trip(
    amadeus: Client, origin: str, destination: str
) -> None:
    airports = geo.airports()
    home = carriers_of(airports[origin].country) + carriers_of(airports[destination].country)
    allowed = {c.code for c in home + partners_of(home)}
    offers = _offers(amadeus, origin, destination)
    assert offers
    for offer in offers:
        for segment in offer["itineraries"][0]["segments"]:
            carrier = CARRIERS[segment["carrierCode"]]
            assert carrier.code in allowed, segment
            assert segment["aircraft"]["code"] in carrier.narrow + carrier.wide, segment
            ends = {segment["departure"]["iataCode"], segment["arrival"]["iataCode"]}
            assert ends & set(carrier.hubs), f"{carrier.code} flies {ends} without a hub at either end"


def test_the_issues_implausible_carriers_are_gone(amadeus: Client) -> None:
    non_stop_jfk_cdg = {
        o["itineraries"][0]["segments"][0]["carrierCode"]
        for o in _offers(amadeus, "JFK", "CDG")
        if len(o["itineraries"][0]["segments"]) == 1
    }
    assert non_stop_jfk_cdg, "JFK-CDG has non-stops"
    assert "UA" not in non_stop_jfk_cdg  # United flies to Paris from Newark, not JFK
    tokyo = _offers(amadeus, "LHR", "NRT") + _offers(amadeus, "LHR", "HND")
    assert "VS" not in {s["carrierCode"] for o in tokyo for s in o["itineraries"][0]["segments"]}
    jetblue = [
        s for o in _offers(amadeus, "JFK", "LHR") for s in o["itineraries"][0]["segments"] if s["carrierCode"] == "B6"
    ]
    assert jetblue
    assert all(s["aircraft"]["code"] in {"32Q", "223", "320", "321"} for s in jetblue)


def test_routes_round_russian_airspace_take_longer_than_the_great_circle(amadeus: Client) -> None:
    airports = geo.airports()
    lhr, nrt = airports["LHR"], airports["NRT"]
    distance = geo.distance_km(lhr.lat, lhr.lon, nrt.lat, nrt.lon)
    great_circle = flights.block_minutes(distance, flights.is_eastbound(lhr, nrt))
    non_stops = [o for o in _offers(amadeus, "LHR", "NRT") if len(o["itineraries"][0]["segments"]) == 1]
    assert non_stops
    for offer in non_stops:
        minutes = _iso_minutes(offer["itineraries"][0]["segments"][0]["duration"])
        assert minutes >= great_circle + 90
        assert 13 * 60 <= minutes <= 15 * 60  # BA and JAL schedule LHR-Tokyo at 13 h 45 - 14 h 30 today


def _iso_minutes(duration: str) -> int:
    hours, _, rest = duration.removeprefix("PT").partition("H")
    return int(hours) * 60 + int(rest.removesuffix("M") or 0)


def test_paris_has_a_believable_hotel_inventory(amadeus: Client) -> None:
    paris = amadeus.reference_data.locations.hotels.by_city.get(cityCode="PAR", radius=30).data
    assert len(paris) >= 100
    assert sum(1 for h in paris if h["distance"]["value"] <= 2.0) >= 20
    names = [h["name"] for h in paris]
    assert len(set(names)) == len(names)
    hotel_words = ("HOTEL", "INN", "HOSTEL", "SUITES", "PALACE", "LODGE", "GUESTHOUSE", "BACKPACKERS", "THE ")
    assert all(any(word in name for word in hotel_words) for name in names), names
    small = amadeus.reference_data.locations.hotels.by_city.get(cityCode="NCE", radius=30).data
    assert 10 <= len(small) < len(paris)
