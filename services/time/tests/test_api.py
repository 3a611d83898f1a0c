from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_time.app import create_app
from tripsage_time.config import TimeSettings

AUTH = {"authorization": f"Bearer {mint_token(sub='dev-user', secret=DEVELOPMENT_JWT_SECRET)}"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(TimeSettings(access_log=False))) as test_client:
        yield test_client


def test_timezone_for_tokyo(client: TestClient) -> None:
    response = client.get("/v1/time/timezone", params={"lat": 35.68, "lon": 139.69}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Tokyo"
    assert response.json()["utc_offset"] == "+09:00"


def test_every_time_route_needs_a_token(client: TestClient) -> None:
    response = client.get("/v1/time/timezone", params={"lat": 35.68, "lon": 139.69})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 95, "lon": 0}, "lat"),
        ({"lat": 0, "lon": -181}, "lon"),
        ({"lat": "north", "lon": 0}, "lat"),
        ({"lon": 0}, "lat"),
    ],
)
def test_bad_coordinates_are_422_naming_the_field(client: TestClient, params: dict[str, object], field: str) -> None:
    response = client.get("/v1/time/timezone", params=params, headers=AUTH)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["errors"][0]["field"] == field
    assert f"'{field}'" in response.json()["detail"]


def test_unknown_zone_is_422_on_the_query_field(client: TestClient) -> None:
    response = client.get("/v1/time/now", params={"tz": "Europe/Atlantis"}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "tz", "location": "query", "message": "unknown IANA time zone"}]


def test_malformed_datetime_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post(
        "/v1/time/convert", headers=AUTH, json={"datetime": "next tuesday", "from_tz": "UTC", "to_tz": "Asia/Tokyo"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "datetime"


def test_unknown_body_fields_are_rejected(client: TestClient) -> None:
    response = client.post(
        "/v1/time/convert",
        headers=AUTH,
        json={"datetime": "2026-06-01T09:00:00", "from_tz": "UTC", "to_tz": "UTC", "tz": "x"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tz"


def test_ambiguous_conversion_over_http(client: TestClient) -> None:
    response = client.post(
        "/v1/time/convert",
        headers=AUTH,
        json={"datetime": "2026-11-01T01:30:00", "from_tz": "America/New_York", "to_tz": "UTC"},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ambiguous"
    assert [c["source"]["utc_offset"] for c in body["candidates"]] == ["-04:00", "-05:00"]


def test_arrival_over_http(client: TestClient) -> None:
    response = client.post(
        "/v1/time/arrival",
        headers=AUTH,
        json={
            "departure_local": "2026-12-01T22:00:00",
            "departure_tz": "America/New_York",
            "duration_minutes": 420,
            "arrival_tz": "Europe/London",
        },
    )
    assert response.status_code == 200
    assert response.json()["result"]["day_offset"] == 1


def test_negative_duration_is_rejected(client: TestClient) -> None:
    response = client.post(
        "/v1/time/arrival",
        headers=AUTH,
        json={
            "departure_local": "2026-12-01T22:00:00",
            "departure_tz": "America/New_York",
            "duration_minutes": -5,
            "arrival_tz": "Europe/London",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "duration_minutes"


def test_ready_once_zone_data_is_loaded(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["zone_data"]["status"] == "ok"
