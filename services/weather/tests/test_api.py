"""The routes through the real app, against a real sandbox and a real Redis."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.errors import PROBLEM_CONTENT_TYPE
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_testing.sandbox import SandboxControl

# conftest's fixtures (`control`: SandboxControl, `make_client`: settings overrides -> TestClient); under
# --import-mode=importlib a test module cannot import conftest for the types.
AppFactory = Any
AUTH = {"authorization": f"Bearer {mint_token(sub='dev-user', secret=DEVELOPMENT_JWT_SECRET)}"}
KYOTO: dict[str, Any] = {"lat": 35.01, "lon": 135.77}

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _tokyo_today() -> dt.date:
    return dt.datetime.now(TOKYO).date()


def test_kyoto_forecast_has_five_days_in_tokyo_dates(client: TestClient) -> None:
    response = client.get("/v1/weather/forecast", params={**KYOTO, "days": 5}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["place"]["timezone"] == "Asia/Tokyo"
    dates = [dt.date.fromisoformat(day["date"]) for day in body["days"]]
    today = _tokyo_today()
    # The first step is within 3 h, so the first local day is today, or tomorrow just before midnight.
    assert dates[0] in (today, today + dt.timedelta(days=1))
    assert dates == [dates[0] + dt.timedelta(days=n) for n in range(5)]
    for day in body["days"]:
        assert day["source"] == "forecast-3h"
        assert day["temp_min"] <= day["temp_max"]
        assert 0 <= day["precipitation_probability"] <= 1
        assert day["precipitation_mm"] == pytest.approx(day["rain_mm"] + day["snow_mm"], abs=0.011)
    assert all(day["samples"] == 8 for day in body["days"][1:])
    assert body["alerts"] is None  # the free plan has no alerts
    assert body["units"] == {
        "system": "metric",
        "temperature": "°C",
        "wind_speed": "m/s",
        "precipitation": "mm",
        "pressure": "hPa",
    }
    assert body["meta"]["provider"] == "openweathermap"
    assert body["meta"]["sandbox"] is True


def test_second_request_is_a_cache_hit_without_a_provider_call(client: TestClient, sandbox: SandboxControl) -> None:
    first = client.get("/v1/weather/forecast", params={**KYOTO, "days": 3}, headers=AUTH)
    second = client.get("/v1/weather/forecast", params={"lat": 35.012, "lon": 135.768, "days": 5}, headers=AUTH)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert (first.json()["meta"]["cache"], second.json()["meta"]["cache"]) == ("miss", "hit")
    assert sandbox.calls("forecast") == 1
    assert second.json()["days"][:3] == first.json()["days"]


def test_imperial_units_are_fahrenheit_and_mph(client: TestClient) -> None:
    metric = client.get("/v1/weather/current", params=KYOTO, headers=AUTH).json()
    imperial = client.get("/v1/weather/current", params={**KYOTO, "units": "imperial"}, headers=AUTH).json()
    assert imperial["units"]["temperature"] == "°F"
    assert imperial["units"]["wind_speed"] == "mph"
    assert imperial["temperature"] == pytest.approx(metric["temperature"] * 9 / 5 + 32, abs=1.0)


def test_current_weather_at_coordinates(client: TestClient) -> None:
    response = client.get("/v1/weather/current", params=KYOTO, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["place"]["timezone"] == "Asia/Tokyo"
    assert body["place"]["country"] == "JP"
    assert body["local_time"].endswith("+09:00")
    for field in ("temperature", "feels_like", "humidity", "wind", "condition", "units"):
        assert field in body
    assert response.headers["x-cache"] == "miss"


def test_current_weather_by_city_name(client: TestClient) -> None:
    response = client.get("/v1/weather/current", params={"city": "Paris,FR"}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["place"]["name"] == "Paris"
    assert response.json()["place"]["timezone"] == "Europe/Paris"
    again = client.get("/v1/weather/current", params={"city": "  paris,fr "}, headers=AUTH)
    assert again.headers["x-cache"] == "hit"


def test_unknown_city_is_404_naming_city(client: TestClient) -> None:
    response = client.get("/v1/weather/current", params={"city": "Nowhereville Qqq"}, headers=AUTH)
    declared = client.get("/openapi.json").json()["paths"]["/v1/weather/current"]["get"]["responses"]
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["errors"][0]["field"] == "city"
    assert "404" in declared


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/weather/forecast", {"lat": 95, "lon": 135.77}, "lat"),
        ("/v1/weather/forecast", {"lat": 35.01, "lon": 181}, "lon"),
        ("/v1/weather/forecast", {"lat": "north", "lon": 0}, "lat"),
        ("/v1/weather/forecast", {"lon": 0}, "lat"),
        ("/v1/weather/forecast", {**KYOTO, "days": 0}, "days"),
        ("/v1/weather/forecast", {**KYOTO, "days": 6}, "days"),  # the free plan's 5-day horizon
        ("/v1/weather/forecast", {**KYOTO, "days": 9}, "days"),
        ("/v1/weather/forecast", {**KYOTO, "units": "kelvin"}, "units"),
        ("/v1/weather/current", {}, "lat"),
        ("/v1/weather/current", {"lat": 35.01}, "lon"),
        ("/v1/weather/current", {"lat": -91, "lon": 0}, "lat"),
        ("/v1/weather/current", {"city": "Kyoto", "lat": 35.01}, "city"),
        ("/v1/weather/current", {"city": ""}, "city"),
        ("/v1/weather/current", {"city": "x" * 101}, "city"),
        ("/v1/weather/trip", {**KYOTO, "start": "tomorrow", "end": "2030-01-01"}, "start"),
        ("/v1/weather/trip", {**KYOTO, "start": "2020-01-01", "end": "2020-01-03"}, "start"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, sandbox: SandboxControl, path: str, params: dict[str, Any], field: str
) -> None:
    response = client.get(path, params=params, headers=AUTH)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["errors"][0]["field"] == field
    assert f"'{field}'" in response.json()["detail"]
    assert sandbox.calls() == 0


def test_trip_end_before_start_and_too_long_trips_are_422_on_end(client: TestClient) -> None:
    today = _tokyo_today()
    backwards = {**KYOTO, "start": str(today + dt.timedelta(days=3)), "end": str(today + dt.timedelta(days=1))}
    too_long = {**KYOTO, "start": str(today), "end": str(today + dt.timedelta(days=30))}
    for params in (backwards, too_long):
        response = client.get("/v1/weather/trip", params=params, headers=AUTH)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "end"


def test_trip_days_beyond_the_horizon_are_unavailable_never_invented(client: TestClient) -> None:
    today = _tokyo_today()
    end = today + dt.timedelta(days=9)
    response = client.get("/v1/weather/trip", params={**KYOTO, "start": str(today), "end": str(end)}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    days = body["days"]
    assert [d["date"] for d in days] == [str(today + dt.timedelta(days=n)) for n in range(10)]
    assert days[-1]["status"] == "unavailable"
    horizon_end = dt.date.fromisoformat(body["horizon_end"])
    assert today + dt.timedelta(days=4) <= horizon_end <= today + dt.timedelta(days=5)
    if days[0]["status"] == "unavailable":  # past 21:00 in Kyoto no 3-hour step of today is left
        assert "nearly over" in days[0]["reason"]
        days = days[1:]
    for day in days:
        if dt.date.fromisoformat(day["date"]) <= horizon_end:
            assert day["status"] == "forecast"
            assert day["forecast"]["date"] == day["date"]
        else:
            assert day["status"] == "unavailable"
            assert day["forecast"] is None
            assert "no climate outlook" in day["reason"]
    assert body["meta"]["cache"] == "miss"


def test_trip_entirely_beyond_the_horizon_spends_no_provider_call(client: TestClient, sandbox: SandboxControl) -> None:
    start = _tokyo_today() + dt.timedelta(days=40)
    params = {**KYOTO, "start": str(start), "end": str(start + dt.timedelta(days=2))}
    response = client.get("/v1/weather/trip", params=params, headers=AUTH)
    assert response.status_code == 200
    assert [d["status"] for d in response.json()["days"]] == ["unavailable"] * 3
    assert response.json()["meta"] is None
    assert "x-cache" not in response.headers
    assert sandbox.calls() == 0


def test_onecall_plan_reaches_eight_days_with_alerts(make_client: AppFactory, sandbox: SandboxControl) -> None:
    client = make_client(owm_plan="onecall")
    asked_on = dt.datetime.now(TOKYO).date()
    response = client.get("/v1/weather/forecast", params={**KYOTO, "days": 8}, headers=AUTH)
    answered_on = dt.datetime.now(TOKYO).date()
    assert response.status_code == 200
    body = response.json()
    dates = [dt.date.fromisoformat(day["date"]) for day in body["days"]]
    # Eight days from Kyoto's today, whatever the hour there (late evening, today comes from One Call).
    assert dates[0] in {asked_on, answered_on}
    assert dates == [dates[0] + dt.timedelta(days=n) for n in range(8)]
    assert {day["source"] for day in body["days"][-2:]} == {"onecall-daily"}
    assert "forecast-3h" in {day["source"] for day in body["days"][:2]}
    assert body["alerts"] == []  # One Call is on; the sandbox issues no alerts
    assert sandbox.calls("onecall") == 1
    assert client.get("/v1/weather/forecast", params={**KYOTO, "days": 9}, headers=AUTH).status_code == 422


def test_every_route_needs_a_token(client: TestClient) -> None:
    for path, params in (
        ("/v1/weather/current", KYOTO),
        ("/v1/weather/forecast", KYOTO),
        ("/v1/weather/trip", {**KYOTO, "start": "2030-01-01", "end": "2030-01-02"}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


def test_readiness_reports_provider_and_cache(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["provider"]["status"] == "ok"
    assert checks["cache"]["status"] == "ok"
    assert checks["cache"]["backend"] == "redis"
