"""The routes through the real app and a real sandbox, with a dev token, for both generations of Google APIs:
the current ones (Routes API, Places API (New)) and the legacy ones (Directions, Distance Matrix, Places) pass the
same assertions on the public shape; geocoding goes through the googlemaps SDK in both."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tripsage_testing.sandbox import SandboxControl

from .conftest import GENERATIONS, MakeClient, google_calls

PROBLEM = "application/problem+json"
KYOTO = (35.0116, 135.7681)


@pytest.fixture(params=sorted(GENERATIONS))
def generation(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_geocode_kyoto_is_within_10_km_of_kyoto_then_served_from_cache(
    make_client: MakeClient, sandbox: SandboxControl
) -> None:
    with make_client() as client:
        first = client.get("/v1/maps/geocode", params={"address": "Kyoto"})
        again = client.get("/v1/maps/geocode", params={"address": "  KYOTO "})
    assert first.status_code == 200
    best = first.json()["results"][0]
    assert _km((best["location"]["lat"], best["location"]["lon"]), KYOTO) < 10
    assert best["place_id"]
    assert best["formatted_address"].startswith("Kyoto")
    assert best["viewport"]["northeast"]["lat"] > best["viewport"]["southwest"]["lat"]
    assert first.headers["x-cache"] == "miss"
    assert first.json()["meta"]["cache"] == "miss"
    assert again.headers["x-cache"] == "hit"
    assert again.json()["meta"]["provider"] == "google"
    assert again.json()["meta"]["cache"] == "hit"
    assert again.json()["results"] == first.json()["results"]
    assert sandbox.calls() == 1


def test_unknown_address_is_200_with_no_results(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/geocode", params={"address": "Qwxzyv Nowhereville"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_reverse_geocode_names_the_city(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/reverse-geocode", params={"lat": KYOTO[0], "lon": KYOTO[1]})
    assert response.status_code == 200
    assert response.json()["results"][0]["formatted_address"].startswith("Kyoto")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/maps/reverse-geocode", {"lat": 95, "lon": 0}, "lat"),
        ("/v1/maps/reverse-geocode", {"lat": 0, "lon": 181}, "lon"),
        ("/v1/maps/geocode", {"address": ""}, "address"),
        ("/v1/maps/geocode", {"address": "   "}, "address"),
        ("/v1/maps/directions", {"origin": " ", "destination": "Osaka"}, "origin"),
        ("/v1/maps/places", {"query": "museum", "lat": 35.0}, "lon"),
        ("/v1/maps/places", {"query": "museum", "radius_m": 500}, "radius_m"),
        ("/v1/maps/places", {"query": "museum", "lat": 35, "lon": 135, "radius_m": 50_001}, "radius_m"),
        ("/v1/maps/places", {"query": "museum", "type": "Museum; DROP"}, "type"),
        ("/v1/maps/directions", {"origin": "Kyoto", "destination": "Osaka", "mode": "flying"}, "mode"),
        (
            "/v1/maps/directions",
            {"origin": "Kyoto", "destination": "Osaka", "departure_time": "soon"},
            "departure_time",
        ),
        ("/v1/maps/places/bad%20id!", {}, "place_id"),
        ("/v1/maps/places/nearby", {"lon": 2.2945}, "lat"),
        ("/v1/maps/places/nearby", {"lat": 48.8584, "lon": 2.2945, "radius_m": 50_001}, "radius_m"),
        ("/v1/maps/places/nearby", {"lat": 48.8584, "lon": 2.2945, "type": "Museum!"}, "type"),
    ],
)
def test_bad_input_is_422_naming_the_field_without_calling_google(
    make_client: MakeClient, sandbox: SandboxControl, path: str, params: dict[str, object], field: str
) -> None:
    with make_client() as client:
        response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [problem["field"] for problem in response.json()["errors"]]
    assert google_calls(sandbox) == 0


def test_a_past_departure_time_is_422(make_client: MakeClient) -> None:
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    with make_client() as client:
        response = client.get(
            "/v1/maps/directions", params={"origin": "Kyoto", "destination": "Osaka", "departure_time": past}
        )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "departure_time"


def test_a_numeric_departure_time_in_a_matrix_is_422_not_read_as_a_timestamp(make_client: MakeClient) -> None:
    body = {"origins": ["Kyoto"], "destinations": ["Osaka"], "departure_time": 54750670901784}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "departure_time"


def test_requests_without_a_token_are_401(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/geocode", params={"address": "Kyoto"}, headers={"authorization": ""})
    assert response.status_code == 401


def test_place_search_biased_to_a_location_then_details_of_a_result(make_client: MakeClient) -> None:
    with make_client() as client:
        search = client.get(
            "/v1/maps/places",
            params={"query": "museums in Kyoto", "lat": KYOTO[0], "lon": KYOTO[1], "radius_m": 5000, "type": "museum"},
        )
        assert search.status_code == 200
        results = search.json()["results"]
        assert results, "the sandbox always has museums in Kyoto"
        for place in results:
            assert 3.5 <= place["rating"] <= 5
            assert _km((place["location"]["lat"], place["location"]["lon"]), KYOTO) < 20
        details = client.get(f"/v1/maps/places/{results[0]['place_id']}")
    assert details.status_code == 200
    place = details.json()["place"]
    assert place["place_id"] == results[0]["place_id"]
    assert place["address"]
    assert place["location"]
    assert place["opening_hours"]["weekday_text"]
    assert place["website"]
    assert place["phone"]
    assert details.headers["x-cache"] == "miss"


def test_unknown_place_id_is_404_problem(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/places/SBX_P0_museum_0")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/place-not-found")


def _next_weekday_morning_rush_in_kyoto() -> datetime:
    # A fixed rush hour, not "now": at night Kyoto's roads are as fast with traffic as without, and the verdict
    # would depend on the hour the suite runs.
    kyoto = ZoneInfo("Asia/Tokyo")
    day = datetime.now(kyoto).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 30), kyoto)


def test_directions_with_departure_time_report_traffic_and_steps(make_client: MakeClient) -> None:
    departure = _next_weekday_morning_rush_in_kyoto().isoformat()
    with make_client() as client:
        response = client.get(
            "/v1/maps/directions",
            params={"origin": "Kyoto", "destination": "Osaka", "mode": "driving", "departure_time": departure},
        )
    assert response.status_code == 200
    route = response.json()["routes"][0]
    leg = route["legs"][0]
    assert route["distance_m"] == leg["distance"]["meters"] > 30_000
    assert leg["duration_in_traffic"]["seconds"] > leg["duration"]["seconds"]
    assert route["duration_in_traffic_s"] == leg["duration_in_traffic"]["seconds"]
    assert leg["start_address"].startswith("Kyoto")
    assert leg["end_address"].startswith("Osaka")


@pytest.mark.parametrize("mode", ["walking", "bicycling", "transit"])
def test_slower_modes_take_longer_than_driving(make_client: MakeClient, mode: str) -> None:
    with make_client() as client:
        driving = client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Nara"})
        other = client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Nara", "mode": mode})
    assert other.status_code == 200
    assert other.json()["routes"][0]["duration_s"] > driving.json()["routes"][0]["duration_s"]


def test_no_route_across_an_ocean_is_200_with_no_routes(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Paris"})
    assert response.status_code == 200
    assert response.json()["routes"] == []


def test_directions_to_an_unknown_place_is_422_naming_origin_and_destination(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Qwxzyv Nowhere"})
    assert response.status_code == 422
    assert {p["field"] for p in response.json()["errors"]} == {"origin", "destination"}


def test_distance_matrix_answers_every_pair_in_order(make_client: MakeClient) -> None:
    body = {"origins": ["Kyoto", "Osaka"], "destinations": ["Nara", "Kobe", "Qwxzyv Nowhere"], "mode": "driving"}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 200
    matrix = response.json()
    assert [len(row["elements"]) for row in matrix["rows"]] == [3, 3]
    assert matrix["origin_addresses"][0].startswith("Kyoto")
    kyoto_nara, kyoto_kobe, kyoto_nowhere = matrix["rows"][0]["elements"]
    assert kyoto_nara["status"] == kyoto_kobe["status"] == "OK"
    assert kyoto_nara["distance"]["meters"] < kyoto_kobe["distance"]["meters"]
    assert kyoto_nowhere["status"] == "NOT_FOUND"
    assert kyoto_nowhere["distance"] is None


KYOTO_POINT = f"{KYOTO[0]},{KYOTO[1]}"
NARA_POINT = "34.6851,135.8048"


@pytest.mark.parametrize(
    ("generation", "origins", "destinations", "mode", "fields"),
    [
        # Distance Matrix API (Legacy): 25 origins, 25 destinations, 100 elements.
        ("legacy", ["Kyoto"] * 26, ["Nara"], "driving", {"origins"}),
        ("legacy", ["Kyoto"], ["Nara"] * 26, "driving", {"destinations"}),
        ("legacy", ["Kyoto"] * 11, ["Nara"] * 10, "driving", {"origins", "destinations"}),
        # Routes API: 625 elements, 100 for transit, 50 origins and destinations given as address or place id.
        ("current", [KYOTO_POINT] * 26, [NARA_POINT] * 25, "driving", {"origins", "destinations"}),
        ("current", [KYOTO_POINT] * 11, [NARA_POINT] * 10, "transit", {"origins", "destinations"}),
        ("current", ["Kyoto"] * 40, ["Nara"] * 11, "driving", {"origins", "destinations"}),
    ],
)
def test_distance_matrix_beyond_the_apis_limits_is_422_and_never_truncated(
    make_client: MakeClient,
    sandbox: SandboxControl,
    origins: list[str],
    destinations: list[str],
    mode: str,
    fields: set[str],
) -> None:
    body = {"origins": origins, "destinations": destinations, "mode": mode}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/matrix-too-large")
    assert {p["field"] for p in response.json()["errors"]} == fields
    assert google_calls(sandbox) == 0


@pytest.mark.parametrize(
    ("generation", "origins", "destinations", "message"),
    [
        (
            "legacy",
            ["Kyoto"] * 11,
            ["Nara"] * 10,
            "origins x destinations is 110 elements; the provider allows at most 100 per request",
        ),
        (
            "current",
            ["Kyoto"] * 40,
            ["Nara"] * 11,
            "51 origins and destinations are addresses or place ids; the provider allows at most 50 per request"
            " (give the others as 'lat,lon')",
        ),
    ],
)
def test_a_matrix_over_a_whole_request_limit_names_both_lists_with_the_count_and_the_limit(
    make_client: MakeClient, origins: list[str], destinations: list[str], message: str
) -> None:
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json={"origins": origins, "destinations": destinations})
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == f"Invalid value for 'origins': {message}"
    assert problem["errors"] == [
        {"field": "origins", "location": "body", "message": message},
        {"field": "destinations", "location": "body", "message": message},
    ]


@pytest.mark.parametrize(
    ("generation", "origins", "destinations", "mode"),
    [
        ("legacy", ["Kyoto"] * 10, ["Nara"] * 10, "driving"),
        ("current", ["Kyoto"] * 25, [NARA_POINT] * 25, "driving"),  # 625 elements, 25 addresses
        ("current", ["Kyoto"] * 10, ["Nara"] * 10, "transit"),
    ],
)
def test_distance_matrix_at_exactly_the_apis_limits_is_answered(
    make_client: MakeClient, origins: list[str], destinations: list[str], mode: str
) -> None:
    body = {"origins": origins, "destinations": destinations, "mode": mode}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert sum(len(row["elements"]) for row in rows) == len(origins) * len(destinations)
    assert {element["status"] for row in rows for element in row["elements"]} == {"OK"}


def test_distance_matrix_rejects_empty_lists_and_unknown_fields(make_client: MakeClient) -> None:
    with make_client() as client:
        empty = client.post("/v1/maps/distance-matrix", json={"origins": [], "destinations": ["Nara"]})
        extra = client.post("/v1/maps/distance-matrix", json={"origins": ["a"], "destinations": ["b"], "units": "x"})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "origins"
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "units"


def test_readiness_reports_provider_circuit_and_cache(make_client: MakeClient) -> None:
    with make_client() as client:
        ready = client.get("/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["provider"]["circuit"] == "closed"
    assert checks["cache"]["status"] == "ok"


def _every_route(client: TestClient) -> None:
    """One call to each maps route, each answered."""
    calls = [
        client.get("/v1/maps/geocode", params={"address": "Kyoto"}),
        client.get("/v1/maps/reverse-geocode", params={"lat": KYOTO[0], "lon": KYOTO[1]}),
        search := client.get("/v1/maps/places", params={"query": "museums in Kyoto"}),
        client.get(f"/v1/maps/places/{search.json()['results'][0]['place_id']}"),
        client.get("/v1/maps/places/nearby", params={"lat": KYOTO[0], "lon": KYOTO[1], "type": "museum"}),
        client.get("/v1/maps/directions", params={"origin": "Kyoto", "destination": "Nara"}),
        client.post("/v1/maps/distance-matrix", json={"origins": ["Kyoto"], "destinations": ["Nara"]}),
    ]
    assert [c.status_code for c in calls] == [200] * len(calls)


def test_each_generation_calls_only_its_own_apis_plus_geocoding(
    make_client: MakeClient, sandbox: SandboxControl, generation: str
) -> None:
    with make_client() as client:
        _every_route(client)
    geocoding = sandbox.calls("geocode", provider="google")
    assert geocoding == 2  # geocode and reverse geocode: the Geocoding API in both generations
    if generation == "current":
        assert sandbox.calls(provider="google") == geocoding  # no legacy Places, Directions or Distance Matrix
        assert sandbox.calls("computeRoutes", provider="google_routes") == 1
        assert sandbox.calls("computeRouteMatrix", provider="google_routes") == 1
        assert sandbox.calls("searchText", provider="google_places") == 1
        assert sandbox.calls("getPlace", provider="google_places") == 1
        assert sandbox.calls("searchNearby", provider="google_places") == 1
    else:
        assert sandbox.calls(provider="google_routes") == sandbox.calls(provider="google_places") == 0
        assert sandbox.calls(provider="google") == geocoding + 5


def test_transit_directions_carry_line_stops_and_times(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get(
            "/v1/maps/directions", params={"origin": "Kyoto", "destination": "Nara", "mode": "transit"}
        )
    assert response.status_code == 200
    steps = response.json()["routes"][0]["legs"][0]["steps"]
    rides = [step["transit"] for step in steps if step["transit"]]
    assert rides, "a transit route has at least one ride"
    ride = rides[0]
    assert ride["line_name"]
    assert ride["vehicle"]
    assert ride["headsign"]
    assert ride["departure_stop"]
    assert ride["arrival_stop"]
    assert ride["stop_count"] >= 1
    assert datetime.fromisoformat(ride["arrival_time"]) > datetime.fromisoformat(ride["departure_time"])
    assert all(step["transit"] is None for step in steps if step["travel_mode"] == "walking")


def test_a_places_resource_name_is_the_same_place_as_its_bare_id(make_client: MakeClient) -> None:
    with make_client() as client:
        found = client.get("/v1/maps/places", params={"query": "museums in Kyoto"}).json()["results"][0]
        by_name = client.get(f"/v1/maps/places/places/{found['place_id']}")
    assert not found["place_id"].startswith("places/")
    assert by_name.status_code == 200
    assert by_name.json()["place"]["place_id"] == found["place_id"]
    assert by_name.json()["place"]["name"] == found["name"]


def test_place_details_carry_photos_price_and_business_status(make_client: MakeClient) -> None:
    with make_client() as client:
        found = client.get("/v1/maps/places", params={"query": "restaurants in Kyoto"}).json()["results"][0]
        place = client.get(f"/v1/maps/places/{found['place_id']}").json()["place"]
    assert place["business_status"] == "OPERATIONAL"
    assert 0 <= place["price_level"] <= 4
    assert place["photos"]
    assert all(isinstance(photo, str) and photo for photo in place["photos"])
    assert place["opening_hours"]["periods"]
    assert all(len(period["open"]["time"]) == 4 for period in place["opening_hours"]["periods"])


def test_two_wheeler_is_routed_by_the_routes_api_and_refused_by_name_on_legacy(
    make_client: MakeClient, sandbox: SandboxControl, generation: str
) -> None:
    with make_client() as client:
        response = client.get(
            "/v1/maps/directions", params={"origin": "Kyoto", "destination": "Osaka", "mode": "two_wheeler"}
        )
    if generation == "current":
        assert response.status_code == 200
        assert response.json()["routes"][0]["distance_m"] > 30_000
    else:
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "mode"
        assert "MAPS_ROUTING_API=routes" in response.json()["errors"][0]["message"]
        assert google_calls(sandbox) == 0


def test_nearby_places_lie_within_the_circle_and_have_details(make_client: MakeClient) -> None:
    eiffel = (48.8584, 2.2945)
    with make_client() as client:
        nearby = client.get("/v1/maps/places/nearby", params={"lat": eiffel[0], "lon": eiffel[1], "radius_m": 1500})
        assert nearby.status_code == 200
        results = nearby.json()["results"]
        assert 1 <= len(results) <= 20
        for place in results:
            assert _km((place["location"]["lat"], place["location"]["lon"]), eiffel) <= 1.5
            assert place["name"]
        details = client.get(f"/v1/maps/places/{results[0]['place_id']}")
        museums = client.get(
            "/v1/maps/places/nearby", params={"lat": eiffel[0], "lon": eiffel[1], "radius_m": 1500, "type": "museum"}
        )
    assert details.status_code == 200
    assert details.json()["place"]["place_id"] == results[0]["place_id"]
    assert museums.json()["results"]
    assert all("museum" in place["types"] for place in museums.json()["results"])
