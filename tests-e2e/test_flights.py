"""The flights service's acceptance, through the gateway of a whole stack over real HTTP, with the real sandbox."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tripsage_core.manifest import service
from tripsage_devstack.harness import RunningStack as Stack

PROBLEM = "application/problem+json"
SANDBOX_PORT = 8100
FLIGHTS_PORT = service("flights").port
# Every caller is answered by the gateway's upstream deadline (GATEWAY_UPSTREAM_TIMEOUT_S, 2 s) at the latest; the
# verdict is what it answers. Only a hang comes near this bound, and no load delay does.
HANG_S = 30.0


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    # One user per test keeps each test inside the gateway's per-user search rate limit.
    headers = {"authorization": f"Bearer {stack.token(f'flights-{uuid.uuid4().hex[:8]}')}"}
    with httpx.Client(base_url=stack.topology.gateway_url, headers=headers, trust_env=False, timeout=15) as client:
        yield client


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's control API, with no faults armed before or after the test."""
    with httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10) as control:
        control.delete("/__sandbox/faults")
        yield control
        control.delete("/__sandbox/faults")


def _search(client: httpx.Client, **params: Any) -> httpx.Response:
    query = {"origin": "JFK", "destination": "LHR", "departure_date": _day(30), "adults": 1, **params}
    return client.get("/v1/flights/search", params=query)


def _cache_counters(stack: Stack) -> dict[str, Any]:
    ready = httpx.get(f"{stack.topology.url(FLIGHTS_PORT)}/ready", trust_env=False, timeout=5).json()
    cache: dict[str, Any] = ready["checks"]["cache"]
    return cache


def test_jfk_to_lhr_returns_offers_with_positive_prices_from_jfk_to_lhr(client: httpx.Client) -> None:
    response = _search(client)
    assert response.status_code == 200
    offers = response.json()["offers"]
    assert offers
    for offer in offers:
        assert offer["price"]["total"] > 0
        for itinerary in offer["itineraries"]:
            assert itinerary["segments"][0]["departure"]["airport"] == "JFK"
            assert itinerary["segments"][-1]["arrival"]["airport"] == "LHR"


def test_the_same_search_twice_is_served_from_cache_in_header_body_and_metrics(
    stack: Stack, client: httpx.Client
) -> None:
    before = _cache_counters(stack)
    first = _search(client, departure_date=_day(45))
    second = _search(client, departure_date=_day(45), origin="jfk", destination="lhr")
    after = _cache_counters(stack)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert second.json()["meta"]["cache"] == "hit"
    assert second.json()["offers"] == first.json()["offers"]
    assert after["hits"] == before["hits"] + 1


def test_unknown_origin_is_422_naming_origin(client: httpx.Client) -> None:
    response = _search(client, origin="XXX")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "origin"


def test_an_offer_from_a_search_can_be_priced(client: httpx.Client) -> None:
    offer = _search(client, departure_date=_day(60)).json()["offers"][0]
    response = client.post("/v1/flights/price", json={"offer_id": offer["id"]})
    assert response.status_code == 200
    assert response.json()["price"]["total"] == offer["price"]["total"]
    assert response.json()["meta"]["cache"] == "bypass"


def test_locations_autocomplete(client: httpx.Client) -> None:
    response = client.get("/v1/flights/locations", params={"q": "PAR"})
    assert response.status_code == 200
    assert ("CITY", "PAR") in {(x["sub_type"], x["iata_code"]) for x in response.json()["locations"]}


# The outage tests come last: their failures open the flights circuit for FLIGHTS_BREAKER_RESET_S.


def test_provider_failing_after_a_search_serves_the_cached_offers_marked_stale(
    client: httpx.Client, sandbox: httpx.Client, providers: dict[str, str]
) -> None:
    fresh = _search(client, departure_date=_day(50))
    assert fresh.status_code == 200
    sandbox.post("/__sandbox/faults", json={"provider": providers["flights"], "kind": "error_500"}).raise_for_status()
    # refresh=true asks the provider although the copy is fresh; the outage turns that into the copy, marked stale.
    stale = _search(client, departure_date=_day(50), refresh="true")
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["meta"]["stale"] is True
    assert stale.json()["offers"] == fresh.json()["offers"]


def test_provider_failing_with_nothing_cached_is_503_problem_within_the_budget(
    client: httpx.Client, sandbox: httpx.Client, providers: dict[str, str]
) -> None:
    sandbox.post("/__sandbox/faults", json={"provider": providers["flights"], "kind": "error_500"}).raise_for_status()
    started = time.monotonic()
    response = _search(client, departure_date=_day(55))
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"]
    assert elapsed < HANG_S
