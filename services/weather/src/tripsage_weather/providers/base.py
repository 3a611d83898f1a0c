"""The interface a weather provider implements, and the normalised data it hands back (and we cache)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from pydantic import BaseModel, Field

from tripsage_weather.schemas import Alert, Condition, UnitSystem, Wind


class Observation(BaseModel):
    """Current conditions at a place, in the requested units."""

    lat: float
    lon: float
    name: str | None
    country: str | None
    observed_at: dt.datetime
    utc_offset_s: int = Field(description="The provider's fixed shift from UTC at observation time")
    condition: Condition
    temperature: float
    feels_like: float
    humidity: int
    pressure: int
    wind: Wind
    clouds: int | None
    visibility_m: int | None
    rain_1h_mm: float
    snow_1h_mm: float
    sunrise: dt.datetime | None
    sunset: dt.datetime | None
    sandbox: bool


class ForecastStep(BaseModel):
    """One 3-hour step of the forecast, starting at `at` (UTC)."""

    at: dt.datetime
    temperature: float
    humidity: int | None
    wind_speed: float
    pop: float
    rain_mm: float
    snow_mm: float
    condition: Condition


class StepForecast(BaseModel):
    """The 5-day/3-hour forecast."""

    lat: float
    lon: float
    name: str | None
    country: str | None
    utc_offset_s: int
    steps: list[ForecastStep]
    sandbox: bool


class ProviderDay(BaseModel):
    """A day the provider aggregated itself; `at` is an instant inside that local day (OWM: local noon)."""

    at: dt.datetime
    temp_min: float
    temp_max: float
    pop: float
    rain_mm: float
    snow_mm: float
    wind_speed: float
    humidity: int | None
    condition: Condition


class DailyOutlook(BaseModel):
    """One Call 3.0: 8 daily forecasts and the active alerts."""

    timezone: str | None
    days: list[ProviderDay]
    alerts: list[Alert]
    sandbox: bool


class WeatherProvider(Protocol):
    name: str
    has_daily_outlook: bool

    async def current_at(self, *, lat: float, lon: float, units: UnitSystem) -> Observation:
        """Current conditions at coordinates."""
        ...

    async def current_in(self, *, city: str, units: UnitSystem) -> Observation:
        """Current conditions in a named city ("Kyoto" or "Kyoto,JP"); NotFound when the provider knows none."""
        ...

    async def step_forecast(self, *, lat: float, lon: float, units: UnitSystem) -> StepForecast:
        """The 5-day forecast in 3-hour steps."""
        ...

    async def daily_outlook(self, *, lat: float, lon: float, units: UnitSystem) -> DailyOutlook:
        """8 daily forecasts and alerts; only called when `has_daily_outlook`."""
        ...

    async def status(self) -> dict[str, Any]:
        """Provider health for readiness (its circuit, its host), without spending quota."""
        ...

    async def aclose(self) -> None: ...
