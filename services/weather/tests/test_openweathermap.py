"""Normalisation of OpenWeatherMap answers, against the examples published in OWM's API docs (see `_source`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tripsage_weather.providers.openweathermap import parse_current, parse_forecast, parse_onecall

FIXTURES = Path(__file__).parent / "fixtures"


def _example(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text())
    assert document["_source"].startswith("https://openweathermap.org/")
    example: dict[str, Any] = document["example"]
    return example


def test_current_weather_example_is_normalised() -> None:
    observation = parse_current(_example("owm_current.json"))
    assert (observation.lat, observation.lon) == (44.34, 10.99)
    assert observation.name == "Zocca"
    assert observation.country == "IT"
    assert observation.observed_at == dt.datetime.fromtimestamp(1661870592, tz=dt.UTC)
    assert observation.utc_offset_s == 7200
    assert observation.condition.code == 501
    assert observation.condition.description == "moderate rain"
    assert observation.temperature == pytest.approx(298.48)
    assert observation.feels_like == pytest.approx(298.74)
    assert observation.humidity == 64
    assert observation.wind.speed == pytest.approx(0.62)
    assert observation.wind.deg == 349
    assert observation.rain_1h_mm == pytest.approx(3.16)
    assert observation.snow_1h_mm == 0.0
    assert observation.sunrise == dt.datetime.fromtimestamp(1661834187, tz=dt.UTC)
    assert observation.sandbox is False


def test_forecast_example_steps_carry_their_three_hour_amounts() -> None:
    forecast = parse_forecast(_example("owm_forecast.json"))
    assert forecast.name == "Zocca"
    assert forecast.utc_offset_s == 7200
    [step] = forecast.steps
    assert step.at == dt.datetime(2022, 8, 30, 15, tzinfo=dt.UTC)
    assert step.temperature == pytest.approx(296.76)
    assert step.pop == pytest.approx(0.32)
    assert step.rain_mm == pytest.approx(0.26)
    assert step.condition.main == "Rain"


def test_onecall_example_daily_and_alerts_are_normalised() -> None:
    outlook = parse_onecall(_example("owm_onecall.json"))
    assert outlook.timezone == "America/Chicago"
    [day] = outlook.days
    assert day.temp_min == pytest.approx(290.69)
    assert day.temp_max == pytest.approx(300.35)
    assert day.pop == pytest.approx(0.47)
    assert day.rain_mm == pytest.approx(0.15)  # One Call daily sends a bare number, not {"1h": ...}
    [alert] = outlook.alerts
    assert alert.event == "Small Craft Advisory"
    assert alert.sender is not None
    assert alert.sender.startswith("NWS Philadelphia")
    assert alert.start == dt.datetime.fromtimestamp(1684952747, tz=dt.UTC)


def test_onecall_without_alerts_block_means_no_alerts() -> None:
    body = _example("owm_onecall.json")
    del body["alerts"]
    assert parse_onecall(body).alerts == []


def test_missing_required_field_raises_instead_of_guessing() -> None:
    body = _example("owm_current.json")
    del body["main"]
    with pytest.raises(KeyError):
        parse_current(body)
