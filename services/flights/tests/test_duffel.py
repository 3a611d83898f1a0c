"""Flights on Duffel over real HTTP: the adapter against the sandbox's Duffel API and a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tripsage_core.errors import PROBLEM_TYPE_BASE
from tripsage_flights.app import create_app
from tripsage_flights.config import FlightsSettings
from tripsage_testing.dates import iso_day as _day
from tripsage_testing.sandbox import RunningSandbox, running_sandbox
from tripsage_testing.servers import serve_in_thread

from .conftest import AppFactory, SandboxControl

OFFER_TTL_S = 3


def _search(url: str, auth: dict[str, str], **params: Any) -> httpx.Response:
    query = {"origin": "JFK", "destination": "LHR", "departure_date": _day(30), "adults": 1, **params}
    return httpx.get(f"{url}/v1/flights/search", params=query, headers=auth, timeout=15, trust_env=False)


def _price(url: str, auth: dict[str, str], offer_id: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/flights/price", json={"offer_id": offer_id}, headers=auth, timeout=15, trust_env=False)


def _carriers(offer: dict[str, Any]) -> set[str]:
    return {s["carrier"] for i in offer["itineraries"] for s in i["segments"]}


def test_search_on_duffel_answers_with_duffel_offers_and_never_calls_amadeus(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(provider="duffel") as url:
        response = _search(url, auth, return_date=_day(37), adults=2, children=1)
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["provider"] == "duffel"
    offers = body["offers"]
    assert offers
    assert offers == sorted(offers, key=lambda o: o["price"]["total"])
    for offer in offers:
        assert offer["provider"] == "duffel"
        assert offer["provider_offer_id"].startswith("off_")
        assert offer["price"]["total"] > 0
        outbound, inbound = offer["itineraries"]
        assert (outbound["segments"][0]["departure"]["airport"], inbound["segments"][-1]["arrival"]["airport"]) == (
            "JFK",
            "JFK",
        )
        assert outbound["segments"][0]["departure"]["utc_offset"] in ("-05:00", "-04:00")
        assert outbound["duration_minutes"] > 0
    assert sandbox.calls("offer_requests", provider="duffel") == 1
    assert sandbox.calls(provider="amadeus") == 0


def test_a_filter_duffel_does_not_take_follows_the_offer_pages_until_enough_offers_are_in_hand(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(provider="duffel") as url:
        cheapest = _search(url, auth, max_results=1).json()["offers"][0]
        pages_for_one = sandbox.calls("offers", provider="duffel")
        excluded = sorted(_carriers(cheapest))
        filtered = _search(url, auth, max_results=1, exclude_airlines=",".join(excluded))
    assert pages_for_one == 1
    assert filtered.status_code == 200
    (offer,) = filtered.json()["offers"]
    assert not _carriers(offer) & set(excluded)
    # The first page held only the excluded carriers' offer: the adapter followed `after` to the next.
    assert sandbox.calls("offers", provider="duffel") - pages_for_one >= 2


def test_an_offer_is_priced_by_reading_it_again_from_duffel(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(provider="duffel") as url:
        offer = _search(url, auth, departure_date=_day(60)).json()["offers"][0]
        response = _price(url, auth, offer["id"])
    assert response.status_code == 200
    body = response.json()
    assert body["offer"]["provider_offer_id"] == offer["provider_offer_id"]
    assert body["price"] == offer["price"]
    assert body["price_changed"] is False
    assert body["meta"] == {**body["meta"], "cache": "bypass", "provider": "duffel"}
    assert sandbox.calls("offer", provider="duffel") == 1


def test_location_search_uses_place_suggestions_with_the_city_first(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    with flights_app(provider="duffel") as url:
        response = httpx.get(
            f"{url}/v1/flights/locations", params={"q": "Paris"}, headers=auth, timeout=10, trust_env=False
        )
    assert response.status_code == 200
    locations = response.json()["locations"]
    assert (locations[0]["sub_type"], locations[0]["iata_code"]) == ("CITY", "PAR")
    assert "CDG" in {place["iata_code"] for place in locations if place["sub_type"] == "AIRPORT"}
    assert sandbox.calls("places", provider="duffel") == 1


def test_duffel_rate_limiting_past_the_budget_is_the_shared_503_with_retry_after(
    flights_app: AppFactory, auth: dict[str, str], sandbox: SandboxControl
) -> None:
    sandbox.fault("rate_limit", endpoint="offer_requests", provider="duffel", count=10, retry_after_s=1)
    with flights_app(provider="duffel", provider_timeout_s=1.5) as url:
        response = _search(url, auth, departure_date=_day(33))
    assert response.status_code == 503
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "provider-rate-limited"
    assert int(response.headers["retry-after"]) >= 1


@pytest.fixture(scope="module")
def short_lived_offers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox of our own whose Duffel offers expire OFFER_TTL_S seconds after the search."""
    with running_sandbox(tmp_path_factory.mktemp("duffel-ttl"), SANDBOX_DUFFEL_OFFER_TTL=str(OFFER_TTL_S)) as running:
        yield running


def test_an_expired_offer_is_not_priceable_and_its_search_is_fetched_again(
    short_lived_offers: RunningSandbox, empty_redis: str, auth: dict[str, str]
) -> None:
    settings = FlightsSettings(
        _env_file=None,
        provider="duffel",
        provider_base_url=short_lived_offers.url,
        redis_url=empty_redis,
        access_log=False,
        search_ttl_s=600,
        offer_ttl_s=1800,
    )
    with serve_in_thread(create_app(settings), ready_path="/health") as url:
        first = _search(url, auth, departure_date=_day(20))
        offer = first.json()["offers"][0]
        time.sleep(OFFER_TTL_S + 1)
        priced = _price(url, auth, offer["id"])
        again = _search(url, auth, departure_date=_day(20))
    assert first.headers["x-cache"] == "miss"
    # Our copy of the offer lived no longer than Duffel's, though FLIGHTS_OFFER_TTL_S allowed 30 minutes.
    assert priced.status_code == 404
    assert priced.json()["type"] == PROBLEM_TYPE_BASE + "offer-not-found"
    # The search answer was still within FLIGHTS_SEARCH_TTL_S, but its offers had expired: fetched afresh.
    assert again.status_code == 200
    assert again.headers["x-cache"] == "miss"


def test_production_on_duffel_without_its_token_refuses_to_start_naming_the_variable(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FLIGHTS_PROVIDER": "duffel",
        "FLIGHTS_ENVIRONMENT": "production",
        "FLIGHTS_JWT_SECRET": "a-real-looking-jwt-secret-7f3a9c",
        "FLIGHTS_PORT": "1",
    }
    env.pop("FLIGHTS_DUFFEL_ACCESS_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "tripsage_flights"], env=env, capture_output=True, timeout=30, check=False, cwd=tmp_path
    )
    assert done.returncode == 2
    assert b"FLIGHTS_DUFFEL_ACCESS_TOKEN" in done.stderr + done.stdout
