"""OpenWeatherMap endpoints over plain HTTP."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

KEY = {"appid": "sandbox-key"}


def test_current_weather_by_coordinates_in_all_unit_systems(base_url: str) -> None:
    where = {"lat": 35.0116, "lon": 135.7681}
    kelvin = httpx.get(base_url + "/data/2.5/weather", params={**where, **KEY}).json()
    metric = httpx.get(base_url + "/data/2.5/weather", params={**where, **KEY, "units": "metric"}).json()
    imperial = httpx.get(base_url + "/data/2.5/weather", params={**where, **KEY, "units": "imperial"}).json()
    assert kelvin["name"] == metric["name"]
    assert kelvin["sys"]["country"] == "JP"
    assert kelvin["cod"] == 200
    assert kelvin["main"]["temp"] == pytest.approx(metric["main"]["temp"] + 273.15, abs=0.02)
    assert imperial["main"]["temp"] == pytest.approx(metric["main"]["temp"] * 9 / 5 + 32, abs=0.02)
    assert -30 < metric["main"]["temp"] < 45
    assert kelvin["timezone"] == 32400
    assert kelvin["base"] == "sandbox"


def test_current_weather_by_city_name(base_url: str) -> None:
    body = httpx.get(base_url + "/data/2.5/weather", params={"q": "London,GB", **KEY}).json()
    assert body["name"] == "London"
    assert body["coord"] == {"lon": -0.1257, "lat": 51.5085}


def test_missing_appid_is_401_with_owm_body(base_url: str) -> None:
    response = httpx.get(base_url + "/data/2.5/weather", params={"lat": 1, "lon": 2})
    assert response.status_code == 401
    assert response.json()["cod"] == 401
    assert response.json()["message"].startswith("Invalid API key")


def test_unknown_city_and_missing_location(base_url: str) -> None:
    unknown = httpx.get(base_url + "/data/2.5/weather", params={"q": "Qwzxqv", **KEY})
    assert (unknown.status_code, unknown.json()) == (404, {"cod": "404", "message": "city not found"})
    nothing = httpx.get(base_url + "/data/2.5/weather", params=KEY)
    assert (nothing.status_code, nothing.json()) == (400, {"cod": "400", "message": "Nothing to geocode"})
    wrong = httpx.get(base_url + "/data/2.5/weather", params={"lat": 95, "lon": 0, **KEY})
    assert wrong.json() == {"cod": "400", "message": "wrong latitude"}


def test_forecast_has_forty_three_hour_steps(base_url: str) -> None:
    body = httpx.get(base_url + "/data/2.5/forecast", params={"lat": 48.85, "lon": 2.35, **KEY}).json()
    assert body["cod"] == "200"
    assert body["cnt"] == 40 == len(body["list"])
    steps = [entry["dt"] for entry in body["list"]]
    assert all(b - a == 10800 for a, b in itertools.pairwise(steps))
    assert body["city"]["country"] == "FR"
    short = httpx.get(base_url + "/data/2.5/forecast", params={"lat": 48.85, "lon": 2.35, "cnt": 3, **KEY}).json()
    assert short["list"] == body["list"][:3]


def test_onecall_blocks_and_exclude(base_url: str) -> None:
    full = httpx.get(base_url + "/data/3.0/onecall", params={"lat": -33.87, "lon": 151.21, **KEY}).json()
    assert full["timezone"] == "Australia/Sydney"
    assert len(full["minutely"]) == 60
    assert len(full["hourly"]) == 48
    assert len(full["daily"]) == 8
    for day in full["daily"]:
        assert day["temp"]["min"] <= day["temp"]["day"] <= day["temp"]["max"]
    slim = httpx.get(
        base_url + "/data/3.0/onecall", params={"lat": -33.87, "lon": 151.21, "exclude": "minutely,hourly", **KEY}
    ).json()
    assert "minutely" not in slim
    assert "hourly" not in slim
    assert slim["daily"] == full["daily"]


@pytest.mark.parametrize(("lat", "lon"), [(35.01, 135.77), (-33.87, 151.21), (34.05, -118.24), (51.51, -0.13)])
def test_onecall_days_are_the_place_s_own_starting_today_there(base_url: str, lat: float, lon: float) -> None:
    # Whatever the hour in UTC: Kyoto and Sydney are a day ahead of it for hours every day, Los Angeles behind.
    body = httpx.get(base_url + "/data/3.0/onecall", params={"lat": lat, "lon": lon, **KEY}).json()
    zone = ZoneInfo(body["timezone"])
    today_there = {datetime.now(zone).date() - timedelta(days=d) for d in (0, 1)}  # the call may straddle midnight
    noons = [datetime.fromtimestamp(day["dt"], zone) for day in body["daily"]]
    assert noons[0].date() in today_there
    assert [noon.date() for noon in noons] == [noons[0].date() + timedelta(days=n) for n in range(8)]
    assert {noon.hour for noon in noons} == {12}


def test_current_and_forecast_report_main_and_wind_in_owm_field_order(base_url: str) -> None:
    where = {"lat": 48.8566, "lon": 2.3522, "units": "metric", **KEY}
    current = httpx.get(base_url + "/data/2.5/weather", params=where).json()
    step = httpx.get(base_url + "/data/2.5/forecast", params={**where, "cnt": 1}).json()["list"][0]

    temperatures = ["temp", "feels_like", "temp_min", "temp_max"]
    assert list(current["main"]) == [*temperatures, "pressure", "humidity", "sea_level", "grnd_level"]
    assert list(step["main"]) == [*temperatures, "pressure", "sea_level", "grnd_level", "humidity", "temp_kf"]
    assert list(current["wind"]) == list(step["wind"]) == ["speed", "deg", "gust"]
    # A city's spread (min 1.2 below, max 1.3 above) is wider than a 3-hour step's (0.8 either side).
    assert current["main"]["temp_max"] - current["main"]["temp_min"] == pytest.approx(2.5, abs=0.02)
    assert step["main"]["temp_max"] - step["main"]["temp_min"] == pytest.approx(1.6, abs=0.02)
