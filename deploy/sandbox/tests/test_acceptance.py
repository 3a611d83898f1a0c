"""The issue's acceptance script, run with the unmodified SDKs."""

from __future__ import annotations

import datetime as dt
import re

import googlemaps
from amadeus import Client

from tripsage_sandbox import geo
from tripsage_sandbox.models.flights import block_minutes, is_eastbound

KYOTO = (35.0116, 135.7681)


def _minutes(iso: str) -> int:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", iso)
    assert match, iso
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def test_amadeus_sdk_finds_jfk_lhr_offers_consistent_with_great_circle(port: int) -> None:
    amadeus = Client(client_id="sandbox-id", client_secret="sandbox-secret", host="127.0.0.1", port=port, ssl=False)
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = amadeus.shopping.flight_offers_search.get(
        originLocationCode="JFK", destinationLocationCode="LHR", departureDate=day, adults=1
    )
    offers = response.data
    assert offers, "expected flight offers"
    jfk, lhr = geo.airports()["JFK"], geo.airports()["LHR"]
    distance = geo.distance_km(jfk.lat, jfk.lon, lhr.lat, lhr.lon)
    assert 5500 < distance < 5600
    nonstop = [o for o in offers if len(o["itineraries"][0]["segments"]) == 1]
    assert nonstop, "JFK-LHR is a trunk route: there must be non-stop offers"
    for offer in offers:
        itinerary = offer["itineraries"][0]
        segments = itinerary["segments"]
        assert segments[0]["departure"]["iataCode"] == "JFK"
        assert segments[-1]["arrival"]["iataCode"] == "LHR"
        assert segments[0]["departure"]["at"].startswith(day)
        total = float(offer["price"]["grandTotal"])
        assert 150 < total < 3000
        assert float(offer["price"]["base"]) < total
        # A flight cannot beat 950 km/h average block speed, nor be slower than 450 km/h over the distance.
        assert distance / 950 * 60 < _minutes(itinerary["duration"]) < distance / 450 * 60 + 6 * 60
    for offer in nonstop:
        segment = offer["itineraries"][0]["segments"][0]
        assert _minutes(segment["duration"]) == block_minutes(distance, is_eastbound(jfk, lhr))
        assert 6 * 60 <= _minutes(segment["duration"]) <= 8 * 60
        assert segment["carrierCode"] in {"AA", "DL", "UA", "B6", "BA", "VS"}
    assert response.result["meta"]["sandbox"] is True
    assert response.result["dictionaries"]["locations"]["JFK"] == {"cityCode": "NYC", "countryCode": "US"}


def test_googlemaps_sdk_geocodes_kyoto_within_10_km(port: int) -> None:
    client = googlemaps.Client(key="AIzaSandboxKey", base_url=f"http://127.0.0.1:{port}")
    results = client.geocode("Kyoto")
    assert results
    location = results[0]["geometry"]["location"]
    assert geo.distance_km(location["lat"], location["lng"], *KYOTO) < 10
    assert results[0]["place_id"].startswith("SBX_")
