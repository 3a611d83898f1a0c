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
    # The Routes API's limit (the default): 625 elements; 26 x 25 is 650.
    response = client.post("/v1/maps/distance-matrix", json={"origins": ["Kyoto"] * 26, "destinations": ["Nara"] * 25})
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


def test_by_default_every_maps_route_is_served_by_the_current_apis_plus_geocoding(
    client: httpx.Client, sandbox: httpx.Client
) -> None:
    sandbox.delete("/__sandbox/stats").raise_for_status()
    search = client.get("/v1/maps/places", params={"query": "museums near the Louvre"})
    answers = [
        client.get("/v1/maps/geocode", params={"address": "Louvre Museum"}),
        client.get("/v1/maps/reverse-geocode", params={"lat": 48.8606, "lon": 2.3376}),
        search,
        client.get(f"/v1/maps/places/{search.json()['results'][0]['place_id']}"),
        client.get("/v1/maps/places/nearby", params={"lat": 48.8606, "lon": 2.3376, "type": "cafe"}),
        client.get("/v1/maps/directions", params={"origin": "Louvre Museum", "destination": "Eiffel Tower"}),
        client.post("/v1/maps/distance-matrix", json={"origins": ["Louvre Museum"], "destinations": ["Eiffel Tower"]}),
    ]
    assert [a.status_code for a in answers] == [200] * len(answers)
    providers = sandbox.get("/__sandbox/stats").json()["providers"]
    assert set(providers["google"]["endpoints"]) == {"geocode"}
    assert set(providers["google_routes"]["endpoints"]) == {"computeRoutes", "computeRouteMatrix"}
    assert set(providers["google_places"]["endpoints"]) == {"searchText", "searchNearby", "getPlace"}


# Coordinates from the landmarks' Wikipedia articles, written out independently of the sandbox's data file.
@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Eiffel Tower", (48.8584, 2.2945)),
        ("Tokyo Tower", (35.6586, 139.7454)),
        ("Statue of Liberty", (40.6892, -74.0445)),
    ],
)
def test_landmarks_geocode_within_300_m(client: httpx.Client, address: str, expected: tuple[float, float]) -> None:
    best = client.get("/v1/maps/geocode", params={"address": address}).json()["results"][0]
    assert _km((best["location"]["lat"], best["location"]["lon"]), expected) < 0.3


@pytest.mark.parametrize(
    ("address", "state", "expected"),
    [("Springfield, IL", "IL", (39.80, -89.64)), ("Charlestown, MA", "MA", (42.38, -71.06))],
)
def test_state_hints_are_honoured(
    client: httpx.Client, address: str, state: str, expected: tuple[float, float]
) -> None:
    best = client.get("/v1/maps/geocode", params={"address": address}).json()["results"][0]
    assert f", {state}," in best["formatted_address"]
    assert _km((best["location"]["lat"], best["location"]["lon"]), expected) < 15


def test_the_open_ocean_has_no_address(client: httpx.Client) -> None:
    response = client.get("/v1/maps/reverse-geocode", params={"lat": 30.0, "lon": -40.0})
    assert response.status_code == 200
    assert response.json()["results"] == []  # Google's ZERO_RESULTS


def test_walking_from_the_eiffel_tower_to_the_louvre(client: httpx.Client) -> None:
    response = client.get(
        "/v1/maps/directions", params={"origin": "Eiffel Tower", "destination": "Louvre Museum", "mode": "walking"}
    )
    assert response.status_code == 200
    route = response.json()["routes"][0]
    assert 3_000 <= route["distance_m"] <= 5_000
    assert 40 * 60 <= route["duration_s"] <= 70 * 60


def test_transit_legs_name_their_lines(client: httpx.Client) -> None:
    response = client.get(
        "/v1/maps/directions", params={"origin": "Eiffel Tower", "destination": "Louvre Museum", "mode": "transit"}
    )
    assert response.status_code == 200
    rides = [step["transit"] for step in response.json()["routes"][0]["legs"][0]["steps"] if step["transit"]]
    assert rides
    assert all(ride["line_name"] and ride["headsign"] and ride["departure_stop"] for ride in rides)
