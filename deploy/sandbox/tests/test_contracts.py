"""Each endpoint's answer has the shape of the provider's documented example (fixtures/*.json)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tripsage_sandbox.contracts import shape_mismatches

FIXTURES = Path(__file__).parent / "fixtures"
MAPS_KEY = {"key": "AIzaSandbox"}
OWM_KEY = {"appid": "k"}
EMBED_AUTH = {"Authorization": "Bearer k"}


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


class Amadeus:
    """Raw HTTP against the Amadeus face, so the exact bodies are compared (the SDK is covered elsewhere)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        token = httpx.post(
            base_url + "/v1/security/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
        )
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.base + path, params=params, headers=self.headers, timeout=30)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.base + path, json=body, headers=self.headers, timeout=30)


def _offers_get(base: str) -> httpx.Response:
    return Amadeus(base).get(
        "/v2/shopping/flight-offers",
        originLocationCode="SYD",
        destinationLocationCode="BKK",
        departureDate=_day(20),
        adults=1,
        max=5,
    )


def _offers_post(base: str) -> httpx.Response:
    return Amadeus(base).post(
        "/v2/shopping/flight-offers",
        {
            "currencyCode": "USD",
            "originDestinations": [
                {
                    "id": "1",
                    "originLocationCode": "RIO",
                    "destinationLocationCode": "MAD",
                    "departureDateTimeRange": {"date": _day(25), "time": "10:00:00"},
                },
                {
                    "id": "2",
                    "originLocationCode": "MAD",
                    "destinationLocationCode": "RIO",
                    "departureDateTimeRange": {"date": _day(30), "time": "17:00:00"},
                },
            ],
            "travelers": [{"id": "1", "travelerType": "ADULT"}, {"id": "2", "travelerType": "CHILD"}],
            "sources": ["GDS"],
            "searchCriteria": {"maxFlightOffers": 2},
        },
    )


def _pricing(base: str) -> httpx.Response:
    client = Amadeus(base)
    offer = _offers_post(base).json()["data"][0]
    return client.post(
        "/v1/shopping/flight-offers/pricing", {"data": {"type": "flight-offers-pricing", "flightOffers": [offer]}}
    )


def _hotel_ids(base: str) -> str:
    hotels = Amadeus(base).get("/v1/reference-data/locations/hotels/by-city", cityCode="LON").json()["data"]
    return ",".join(h["hotelId"] for h in hotels[:6])


def _hotel_offer(base: str) -> httpx.Response:
    client = Amadeus(base)
    offers = client.get("/v3/shopping/hotel-offers", hotelIds=_hotel_ids(base), checkInDate=_day(15)).json()
    return client.get(f"/v3/shopping/hotel-offers/{offers['data'][0]['offers'][0]['id']}")


CASES: dict[str, tuple[Callable[[str], httpx.Response], int]] = {
    "amadeus_token": (
        lambda b: httpx.post(
            b + "/v1/security/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
        ),
        200,
    ),
    "amadeus_token_error": (
        lambda b: httpx.post(
            b + "/v1/security/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "", "client_secret": ""},
        ),
        401,
    ),
    "amadeus_flight_offers_get": (_offers_get, 200),
    "amadeus_flight_offers_post": (_offers_post, 200),
    "amadeus_flight_offers_pricing": (_pricing, 200),
    "amadeus_locations": (
        lambda b: Amadeus(b).get(
            "/v1/reference-data/locations", subType="CITY,AIRPORT", keyword="MUC", countryCode="DE"
        ),
        200,
    ),
    "amadeus_hotels_by_city": (
        lambda b: Amadeus(b).get("/v1/reference-data/locations/hotels/by-city", cityCode="NCE", radius=5),
        200,
    ),
    "amadeus_hotels_by_geocode": (
        lambda b: Amadeus(b).get(
            "/v1/reference-data/locations/hotels/by-geocode", latitude=41.397158, longitude=2.160873
        ),
        200,
    ),
    "amadeus_hotels_error_400": (
        lambda b: Amadeus(b).get("/v1/reference-data/locations/hotels/by-city", cityCode="P4R"),
        400,
    ),
    "amadeus_hotel_offers": (
        lambda b: Amadeus(b).get("/v3/shopping/hotel-offers", hotelIds=_hotel_ids(b), adults=1, checkInDate=_day(15)),
        200,
    ),
    "amadeus_hotel_offer": (_hotel_offer, 200),
    "google_geocode": (
        lambda b: httpx.get(
            b + "/maps/api/geocode/json", params={"address": "1600 Amphitheatre Parkway, Mountain View, CA", **MAPS_KEY}
        ),
        200,
    ),
    "google_geocode_reverse": (
        lambda b: httpx.get(b + "/maps/api/geocode/json", params={"latlng": "40.714224,-73.961452", **MAPS_KEY}),
        200,
    ),
    "google_geocode_zero_results": (
        lambda b: httpx.get(b + "/maps/api/geocode/json", params={"address": "Zzyzxqw Nowhere", **MAPS_KEY}),
        200,
    ),
    "google_places_textsearch": (
        lambda b: httpx.get(
            b + "/maps/api/place/textsearch/json", params={"query": "restaurants in Sydney", **MAPS_KEY}
        ),
        200,
    ),
    "google_places_details": (
        lambda b: httpx.get(
            b + "/maps/api/place/details/json",
            params={
                "place_id": httpx.get(
                    b + "/maps/api/place/textsearch/json", params={"query": "restaurants in Sydney", **MAPS_KEY}
                ).json()["results"][0]["place_id"],
                **MAPS_KEY,
            },
        ),
        200,
    ),
    "google_directions_chicago_los_angeles": (
        lambda b: httpx.get(
            b + "/maps/api/directions/json",
            params={
                "origin": "Chicago, IL",
                "destination": "Los Angeles, CA",
                "waypoints": "Joplin, MO|Oklahoma City, OK",
                **MAPS_KEY,
            },
        ),
        200,
    ),
    "google_distancematrix": (
        lambda b: httpx.get(
            b + "/maps/api/distancematrix/json",
            params={
                "origins": "Boston,MA|Charlestown,MA",
                "destinations": "Lexington,MA|Concord,MA",
                "departure_time": "now",
                **MAPS_KEY,
            },
        ),
        200,
    ),
    "google_timezone": (
        lambda b: httpx.get(
            b + "/maps/api/timezone/json",
            params={"location": "39.6034810,-119.6822510", "timestamp": "1331161200", **MAPS_KEY},
        ),
        200,
    ),
    "google_timezone_request_denied": (
        lambda b: httpx.get(
            b + "/maps/api/timezone/json", params={"location": "39.6,-119.6", "timestamp": "1331161200"}
        ),
        200,
    ),
    "owm_current": (lambda b: httpx.get(b + "/data/2.5/weather", params={"lat": 44.34, "lon": 10.99, **OWM_KEY}), 200),
    "owm_forecast": (
        lambda b: httpx.get(b + "/data/2.5/forecast", params={"lat": 44.34, "lon": 10.99, **OWM_KEY}),
        200,
    ),
    "owm_onecall": (lambda b: httpx.get(b + "/data/3.0/onecall", params={"lat": 33.44, "lon": -94.04, **OWM_KEY}), 200),
    "owm_error_401": (lambda b: httpx.get(b + "/data/2.5/weather", params={"lat": 1, "lon": 1}), 401),
    "openai_embeddings": (
        lambda b: httpx.post(
            b + "/v1/embeddings",
            headers=EMBED_AUTH,
            json={"model": "all-MiniLM-L6-v2", "input": "The food was delicious and the waiter..."},
        ),
        200,
    ),
    "openai_error_401": (
        lambda b: httpx.post(b + "/v1/embeddings", json={"model": "all-MiniLM-L6-v2", "input": "x"}),
        401,
    ),
}


def test_every_fixture_has_a_case_and_a_named_source() -> None:
    names = {path.stem for path in FIXTURES.glob("*.json")}
    assert names == set(CASES)
    for path in FIXTURES.glob("*.json"):
        fixture = json.loads(path.read_text())
        assert fixture["_source"].strip(), path.name
        assert "example" in fixture, path.name


@pytest.mark.parametrize("name", sorted(CASES))
def test_response_matches_documented_shape(base_url: str, name: str) -> None:
    fixture = json.loads((FIXTURES / f"{name}.json").read_text())
    call, status = CASES[name]
    response = call(base_url)
    assert response.status_code == status, response.text
    problems = shape_mismatches(
        fixture["example"],
        response.json(),
        frozenset(fixture.get("_optional", [])),
        frozenset(fixture.get("_maps", [])),
    )
    assert problems == [], f"{name} differs from {fixture['_source']}"
