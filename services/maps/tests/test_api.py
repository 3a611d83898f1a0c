"""The routes through the real app, the real googlemaps SDK and a real sandbox, with a dev token."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from tripsage_testing.sandbox import SandboxControl

from .conftest import MakeClient

PROBLEM = "application/problem+json"
KYOTO = (35.0116, 135.7681)


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
    assert sandbox.calls() == 0


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


def test_directions_with_departure_time_report_traffic_and_steps(make_client: MakeClient) -> None:
    with make_client() as client:
        response = client.get(
            "/v1/maps/directions",
            params={"origin": "Kyoto", "destination": "Osaka", "mode": "driving", "departure_time": "now"},
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


@pytest.mark.parametrize(
    ("origins", "destinations", "fields"),
    [
        (26, 1, {"origins"}),
        (1, 26, {"destinations"}),
        (11, 10, {"origins", "destinations"}),
    ],
)
def test_distance_matrix_beyond_googles_limits_is_422_and_never_truncated(
    make_client: MakeClient, sandbox: SandboxControl, origins: int, destinations: int, fields: set[str]
) -> None:
    body = {"origins": ["Kyoto"] * origins, "destinations": ["Nara"] * destinations}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/matrix-too-large")
    assert {p["field"] for p in response.json()["errors"]} == fields
    assert sandbox.calls() == 0


def test_distance_matrix_at_exactly_100_elements_is_answered(make_client: MakeClient) -> None:
    body = {"origins": ["Kyoto"] * 10, "destinations": ["Nara"] * 10}
    with make_client() as client:
        response = client.post("/v1/maps/distance-matrix", json=body)
    assert response.status_code == 200
    assert sum(len(row["elements"]) for row in response.json()["rows"]) == 100


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
