"""Duffel endpoints over raw HTTP: the same story as Amadeus, bad input always a 4xx, rate limits and expiry."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from amadeus import Client

from tripsage_testing.dates import airport_off_utc_date, iso_day_in
from tripsage_testing.sandbox import RunningSandbox, running_sandbox

HEADERS = {"Authorization": "Bearer duffel_test_sandbox", "Duffel-Version": "v2"}


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def _offer_request(base_url: str, origin: str, destination: str, adults: int = 1) -> dict[str, Any]:
    body = {
        "data": {
            "slices": [{"origin": origin, "destination": destination, "departure_date": _day(35)}],
            "passengers": [{"type": "adult"}] * adults,
            "max_connections": 1,
        }
    }
    response = httpx.post(f"{base_url}/air/offer_requests", json=body, headers=HEADERS, timeout=60)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def test_duffel_and_amadeus_tell_the_same_story_for_the_same_flight_search(port: int, base_url: str) -> None:
    amadeus = Client(client_id="id", client_secret="secret", host="127.0.0.1", port=port, ssl=False)
    from_amadeus = amadeus.shopping.flight_offers_search.get(
        originLocationCode="LHR", destinationLocationCode="JFK", departureDate=_day(35), adults=1
    ).data
    from_duffel = _offer_request(base_url, "LHR", "JFK")["offers"]

    amadeus_flights = {
        (s["carrierCode"], s["number"], s["departure"]["at"])
        for offer in from_amadeus
        for s in offer["itineraries"][0]["segments"]
    }
    duffel_flights = {
        (s["marketing_carrier"]["iata_code"], s["marketing_carrier_flight_number"], s["departing_at"])
        for offer in from_duffel
        for s in offer["slices"][0]["segments"]
    }
    assert duffel_flights
    assert duffel_flights == amadeus_flights


def test_duffel_and_amadeus_price_a_hotel_stay_alike(port: int, base_url: str) -> None:
    amadeus = Client(client_id="id", client_secret="secret", host="127.0.0.1", port=port, ssl=False)
    stay = {"check_in_date": _day(20), "check_out_date": _day(23), "rooms": 1, "guests": [{"type": "adult"}]}
    search = {"location": {"radius": 1, "geographic_coordinates": {"latitude": 48.8566, "longitude": 2.3522}}, **stay}
    results = httpx.post(f"{base_url}/stays/search", json={"data": search}, headers=HEADERS, timeout=60).json()
    result = results["data"]["results"][0]
    hotel_id = result["accommodation"]["id"].removeprefix("acc_")
    amadeus_offer = amadeus.shopping.hotel_offers_search.get(
        hotelIds=hotel_id, adults=1, checkInDate=_day(20), checkOutDate=_day(23)
    ).data[0]["offers"][0]
    assert result["cheapest_rate_total_amount"] == amadeus_offer["price"]["total"]
    assert result["cheapest_rate_currency"] == amadeus_offer["price"]["currency"] == "EUR"


_SLICE = {"origin": "LHR", "destination": "JFK", "departure_date": "2099-01-01"}
_FLIGHT = {"slices": [_SLICE], "passengers": [{"type": "adult"}]}
_STAY = {"check_in_date": "2099-01-01", "check_out_date": "2099-01-03", "rooms": 1, "guests": [{"type": "adult"}]}
_PARIS = {"radius": 2, "geographic_coordinates": {"latitude": 48.86, "longitude": 2.35}}
_BAD_BODIES: list[tuple[str, Any]] = [
    ("/air/offer_requests", b"{not json"),
    ("/air/offer_requests", []),
    ("/air/offer_requests", {**_FLIGHT, "slices": "LHR"}),
    ("/air/offer_requests", {**_FLIGHT, "slices": [{"origin": 7}]}),
    ("/air/offer_requests", {**_FLIGHT, "slices": [{**_SLICE, "departure_date": "soon"}]}),
    ("/air/offer_requests", {**_FLIGHT, "slices": [{**_SLICE, "destination": "LHR"}]}),
    ("/air/offer_requests", {**_FLIGHT, "passengers": [1]}),
    ("/air/offer_requests", {**_FLIGHT, "passengers": [{"age": -4}]}),
    ("/air/offer_requests", {**_FLIGHT, "passengers": [{"age": 1}]}),
    ("/air/offer_requests", {**_FLIGHT, "max_connections": True}),
    ("/air/offer_requests", {**_FLIGHT, "cabin_class": "cargo"}),
    ("/stays/search", {**_STAY, "location": {**_PARIS, "radius": "far"}}),
    (
        "/stays/search",
        {**_STAY, "location": {"radius": 2, "geographic_coordinates": {"latitude": 123, "longitude": 0}}},
    ),
    ("/stays/search", {**_STAY, "check_out_date": "2098-12-30", "location": _PARIS}),
    ("/stays/search", {**_STAY, "rooms": 0, "location": _PARIS}),
    ("/stays/search", {**_STAY, "guests": [{"type": "child"}], "location": _PARIS}),
    ("/stays/search", {**_STAY, "accommodation": {"ids": "acc_x"}}),
    ("/stays/search", _STAY),
    ("/stays/quotes", {"rate_id": 12}),
    ("/stays/quotes", {"rate_id": "rat_SBXnonsense"}),
]


def test_a_departure_is_in_the_past_only_once_its_date_is_over_at_the_origin(base_url: str) -> None:
    # An origin whose date is not UTC's right now, so judging by UTC's date would fail one of the two.
    origin, zone = airport_off_utc_date()

    def offer_request(day: str) -> httpx.Response:
        body = {"data": {**_FLIGHT, "slices": [{"origin": origin, "destination": "LAX", "departure_date": day}]}}
        return httpx.post(f"{base_url}/air/offer_requests", json=body, headers=HEADERS, timeout=60)

    today = iso_day_in(zone, 0)
    tonight, yesterday = offer_request(today), offer_request(iso_day_in(zone, -1))
    assert iso_day_in(zone, 0) == today, "the origin's date turned during the test; run it again"
    assert tonight.status_code == 201, tonight.text
    assert yesterday.status_code == 422
    error = yesterday.json()["errors"][0]
    assert (error["code"], error["source"]["field"]) == ("departure_date_in_the_past", "slices.0.departure_date")


@pytest.mark.parametrize(("path", "data"), _BAD_BODIES)
def test_bad_bodies_are_duffel_4xx_naming_the_problem(base_url: str, path: str, data: Any) -> None:
    body = data if isinstance(data, bytes) else orjson.dumps({"data": data})
    response = httpx.post(base_url + path, content=body, headers={**HEADERS, "content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["errors"][0]
    assert error["type"] in {"invalid_request_error", "validation_error"}
    assert error["code"]
    assert error["message"]
    assert response.json()["meta"]["request_id"]


@pytest.mark.parametrize(
    "query",
    [
        {"offer_request_id": "orq_nonsense"},
        {"offer_request_id": ""},
        {"offer_request_id": "orq_x", "limit": "0"},
        {"offer_request_id": "orq_x", "sort": "cheapest"},
    ],
)
def test_bad_offer_listings_are_4xx(base_url: str, query: dict[str, str]) -> None:
    response = httpx.get(f"{base_url}/air/offers", params=query, headers=HEADERS)
    assert response.status_code in (404, 422), response.text
    assert response.json()["errors"][0]["code"] in {"not_found", "invalid_data", "validation_required"}


def test_duffel_calls_are_counted_and_unknown_paths_answer_in_duffels_format(base_url: str) -> None:
    httpx.get(f"{base_url}/places/suggestions", params={"query": "LON"}, headers=HEADERS)
    assert httpx.get(f"{base_url}/__sandbox/stats").json()["providers"]["duffel"]["endpoints"] == {"places": 1}
    unknown = httpx.get(f"{base_url}/air/orders", headers=HEADERS)
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "not_found"


@pytest.fixture(scope="module")
def strict_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox whose Duffel rate limit is 4 requests a minute and whose offers live one second."""
    log_dir: Path = tmp_path_factory.mktemp("strict")
    with running_sandbox(log_dir, SANDBOX_DUFFEL_RATE_LIMIT="4", SANDBOX_DUFFEL_OFFER_TTL="1") as running:
        yield running


def test_the_rate_limit_window_is_reported_and_enforced(strict_sandbox: RunningSandbox) -> None:
    headers = {**HEADERS, "Authorization": "Bearer duffel_test_rate_limited"}
    remaining = []
    for _ in range(4):
        response = httpx.get(f"{strict_sandbox.url}/places/suggestions", params={"query": "NYC"}, headers=headers)
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "4"
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == [3, 2, 1, 0]
    refused = httpx.get(f"{strict_sandbox.url}/places/suggestions", params={"query": "NYC"}, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_an_expired_offer_is_no_longer_available(strict_sandbox: RunningSandbox) -> None:
    offer = _offer_request(strict_sandbox.url, "CDG", "FCO")["offers"][0]
    assert dt.datetime.fromisoformat(offer["expires_at"]) > dt.datetime.fromisoformat(offer["created_at"])
    time.sleep(1.2)
    response = httpx.get(f"{strict_sandbox.url}/air/offers/{offer['id']}", headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "offer_no_longer_available"


def test_place_suggestions_by_coordinates_list_the_airports_in_reach(base_url: str) -> None:
    response = httpx.get(
        f"{base_url}/places/suggestions", params={"lat": "35.0116", "lng": "135.7681", "rad": "120000"}, headers=HEADERS
    )
    assert response.status_code == 200
    airports = [p["iata_code"] for p in response.json()["data"] if p["type"] == "airport"]
    assert set(airports[:2]) == {"ITM", "KIX"}
    assert "NRT" not in airports


def test_offers_sort_by_duration_and_page_backwards(base_url: str) -> None:
    request_id = _offer_request(base_url, "SFO", "LHR")["id"]
    params = {"offer_request_id": request_id, "sort": "total_duration", "limit": "3"}
    first = httpx.get(f"{base_url}/air/offers", params=params, headers=HEADERS).json()
    durations = [_minutes(o["slices"][0]["duration"]) for o in first["data"]]
    assert durations == sorted(durations)
    second = httpx.get(f"{base_url}/air/offers", params={**params, "after": first["meta"]["after"]}, headers=HEADERS)
    back = httpx.get(
        f"{base_url}/air/offers", params={**params, "before": second.json()["meta"]["before"]}, headers=HEADERS
    )
    assert [o["id"] for o in back.json()["data"]] == [o["id"] for o in first["data"]]


def _minutes(duration: str) -> int:
    hours, _, rest = duration.removeprefix("PT").partition("H")
    return int(hours) * 60 + int(rest.removesuffix("M") or 0)
