"""The maps service's acceptance, through the gateway of a whole stack over real HTTP, with the real sandbox."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import httpx
import pytest

from tripsage_devstack.harness import RunningStack as Stack

PROBLEM = "application/problem+json"
KYOTO = (35.0116, 135.7681)
# Every caller is answered by the gateway's upstream deadline (GATEWAY_UPSTREAM_TIMEOUT_S, 2 s) at the latest; the
# verdict is what it answers. Only a hang comes near this bound, and no load delay does.
HANG_S = 30.0
SANDBOX_PORT = 8100


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {stack.token()}"}
    with httpx.Client(base_url=stack.topology.gateway_url, headers=headers, trust_env=False, timeout=10) as client:
        yield client


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's control API, with no faults armed before or after the test."""
    with httpx.Client(base_url=stack.topology.url(SANDBOX_PORT), trust_env=False, timeout=10) as control:
        control.delete("/__sandbox/faults")
        yield control
        control.delete("/__sandbox/faults")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_geocode_kyoto_is_within_10_km_of_kyoto(client: httpx.Client, sandbox: httpx.Client) -> None:
    response = client.get("/v1/maps/geocode", params={"address": "Kyoto"})
    assert response.status_code == 200
    best = response.json()["results"][0]
    assert _km((best["location"]["lat"], best["location"]["lon"]), KYOTO) < 10
    again = client.get("/v1/maps/geocode", params={"address": "Kyoto"})
    assert again.headers["x-cache"] == "hit"
    assert again.json()["meta"]["cache"] == "hit"


def test_latitude_out_of_range_is_422_naming_lat(client: httpx.Client) -> None:
    response = client.get("/v1/maps/reverse-geocode", params={"lat": 95, "lon": 135})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "lat"


def test_places_directions_and_matrix_through_the_gateway(client: httpx.Client, sandbox: httpx.Client) -> None:
    places = client.get("/v1/maps/places", params={"query": "temples in Kyoto", "lat": KYOTO[0], "lon": KYOTO[1]})
    assert places.status_code == 200
    place_id = places.json()["results"][0]["place_id"]
    assert client.get(f"/v1/maps/places/{place_id}").json()["place"]["place_id"] == place_id
    route = client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Osaka", "mode": "transit"})
    assert route.status_code == 200
    assert route.json()["routes"][0]["legs"][0]["distance"]["meters"] > 30_000
    matrix = client.post("/v1/maps/distance-matrix", json={"origins": ["Kyoto"], "destinations": ["Nara", "Kobe"]})
    assert matrix.status_code == 200
    assert [e["status"] for e in matrix.json()["rows"][0]["elements"]] == ["OK", "OK"]


def test_distance_matrix_beyond_googles_element_limit_is_422(client: httpx.Client) -> None:
    response = client.post("/v1/maps/distance-matrix", json={"origins": ["Kyoto"] * 11, "destinations": ["Nara"] * 10})
    assert response.status_code == 422
    assert {p["field"] for p in response.json()["errors"]} == {"origins", "destinations"}


def test_rate_limited_provider_is_503_with_retry_after(client: httpx.Client, sandbox: httpx.Client) -> None:
    sandbox.post(
        "/__sandbox/faults",
        json={"provider": "google", "endpoint": "geocode", "kind": "rate_limit", "retry_after_s": 30},
    ).raise_for_status()
    started = time.perf_counter()
    response = client.get("/v1/maps/geocode", params={"address": "Hiroshima"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "30"
    assert elapsed < HANG_S


def test_provider_down_with_nothing_cached_is_503_problem_within_the_budget(stack: Stack, client: httpx.Client) -> None:
    assert client.get("/v1/maps/geocode", params={"address": "Nagoya"}).status_code == 200
    assert "stopped" in stack.ctl("stop", "sandbox")
    try:
        started = time.perf_counter()
        down = client.get("/v1/maps/geocode", params={"address": "Sapporo"})
        elapsed = time.perf_counter() - started
        cached = client.get("/v1/maps/geocode", params={"address": "Nagoya"})
        ready = client.get("/ready")
    finally:
        stack.ctl("start", "sandbox")
    assert down.status_code == 503
    assert down.headers["content-type"] == PROBLEM
    assert elapsed < HANG_S
    # What is cached is still served, and the outage does not take maps out of rotation.
    assert cached.status_code == 200
    assert cached.headers["x-cache"] == "hit"
    assert ready.status_code == 200
    deadline = time.monotonic() + 60  # how soon it recovers depends on the machine's load
    while (back := client.get("/v1/maps/geocode", params={"address": "Sapporo"})).status_code != 200:
        assert time.monotonic() < deadline, back.text
        time.sleep(0.5)
