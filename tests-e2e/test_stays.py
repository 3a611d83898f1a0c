"""The stays service's acceptance, through the gateway of a whole stack over real HTTP, with the real sandbox."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tripsage_devstack.harness import RunningStack as Stack

PROBLEM = "application/problem+json"
SANDBOX_PORT = 8100
# Every caller is answered by the gateway's upstream deadline (GATEWAY_UPSTREAM_TIMEOUT_S, 2 s) at the latest; the
# verdict is what it answers. Only a hang comes near this bound, and no load delay does.
HANG_S = 30.0


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {stack.token(f'stays-{uuid.uuid4().hex[:8]}')}"}
    with httpx.Client(base_url=stack.topology.gateway_url, headers=headers, trust_env=False, timeout=15) as client:
        yield client


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's control API, with no faults armed before or after the test."""
    with httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10) as control:
        control.delete("/__sandbox/faults")
        yield control
        control.delete("/__sandbox/faults")


def _search(client: httpx.Client, nights_from: int = 30, **params: Any) -> httpx.Response:
    query: dict[str, Any] = {
        "city_code": "PAR",
        "check_in": _day(nights_from),
        "check_out": _day(nights_from + 3),
        "adults": 2,
    }
    return client.get("/v1/stays/search", params={**query, **params})


def test_paris_returns_hotels_with_offers_and_the_second_search_is_a_cache_hit(client: httpx.Client) -> None:
    first = _search(client)
    assert first.status_code == 200
    hotels = first.json()["hotels"]
    assert hotels
    assert all(hotel["offers"] for hotel in hotels)
    assert all(offer["price"]["total"] > 0 for hotel in hotels for offer in hotel["offers"])
    second = _search(client)
    assert second.headers["x-cache"] == "hit"
    assert second.json()["meta"]["cache"] == "hit"


def test_an_offer_can_be_rechecked(client: httpx.Client) -> None:
    offer = _search(client, nights_from=35).json()["hotels"][0]["offers"][0]
    response = client.get(f"/v1/stays/offers/{offer['id']}")
    assert response.status_code == 200
    assert response.json()["offer"]["id"] == offer["id"]


def test_check_out_before_check_in_is_422_naming_check_out(client: httpx.Client) -> None:
    response = client.get("/v1/stays/search", params={"city_code": "PAR", "check_in": _day(30), "check_out": _day(29)})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "check_out"


def test_provider_outage_serves_cached_hotels_marked_stale_else_503(
    client: httpx.Client, sandbox: httpx.Client, providers: dict[str, str]
) -> None:
    fresh = _search(client, nights_from=40)
    sandbox.post("/__sandbox/faults", json={"provider": providers["stays"], "kind": "error_500"}).raise_for_status()
    stale = _search(client, nights_from=40, refresh="true")
    started = time.monotonic()
    uncached = _search(client, nights_from=41)
    elapsed = time.monotonic() - started
    assert stale.status_code == 200
    assert stale.headers["x-cache"] == "stale"
    assert stale.json()["hotels"] == fresh.json()["hotels"]
    assert uncached.status_code == 503
    assert uncached.headers["content-type"] == PROBLEM
    assert elapsed < HANG_S
