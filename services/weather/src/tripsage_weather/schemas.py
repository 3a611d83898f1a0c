"""Public response models of the weather service."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tripsage_cache.answers import AnswerMeta

UnitSystem = Literal["metric", "imperial"]


class Units(BaseModel):
    """The units every number in the response is expressed in."""

    system: UnitSystem
    temperature: Literal["°C", "°F"]
    wind_speed: Literal["m/s", "mph"]
    precipitation: Literal["mm"] = Field("mm", description="OpenWeatherMap reports precipitation in mm in every system")
    pressure: Literal["hPa"] = "hPa"

    @classmethod
    def of(cls, system: UnitSystem) -> Units:
        if system == "imperial":
            return cls(system=system, temperature="°F", wind_speed="mph")
        return cls(system=system, temperature="°C", wind_speed="m/s")


class Condition(BaseModel):
    code: int = Field(description="OpenWeatherMap condition id (2xx thunderstorm … 800 clear, 80x clouds)")
    main: str = Field(examples=["Rain"])
    description: str = Field(examples=["light rain"])
    icon: str = Field(examples=["10d"])


class Meta(AnswerMeta):
    sandbox: bool = Field(description="True when the data comes from the provider sandbox, not the live API")


class Place(BaseModel):
    lat: float
    lon: float
    name: str | None = Field(None, description="The provider's nearest named place")
    country: str | None = None
    timezone: str = Field(description="IANA zone at the coordinates (or a fixed offset name where none is known)")


class Wind(BaseModel):
    speed: float
    deg: int | None = None
    gust: float | None = None


class CurrentWeather(BaseModel):
    place: Place
    observed_at: dt.datetime = Field(description="When the provider observed these conditions (UTC)")
    local_time: dt.datetime = Field(description="Observation time in the place's own zone")
    condition: Condition
    temperature: float
    feels_like: float
    humidity: int = Field(description="Percent")
    pressure: int
    wind: Wind
    clouds: int | None = Field(None, description="Cloud cover, percent")
    visibility_m: int | None = None
    rain_1h_mm: float = 0.0
    snow_1h_mm: float = 0.0
    sunrise: dt.datetime | None = None
    sunset: dt.datetime | None = None
    units: Units
    meta: Meta


class DailyForecast(BaseModel):
    """One local calendar day at the destination."""

    date: dt.date = Field(description="Local date at the destination")
    source: Literal["forecast-3h", "onecall-daily"] = Field(
        description="forecast-3h: aggregated from the 5-day/3-hour forecast; onecall-daily: One Call's own daily"
    )
    samples: int = Field(description="3-hourly steps aggregated (8 for a whole day); 0 for onecall-daily")
    partial: bool = Field(description="True when fewer than 8 steps of this day are left in the forecast")
    temp_min: float
    temp_max: float
    precipitation_probability: float = Field(ge=0, le=1, description="Highest chance of precipitation in the day")
    precipitation_mm: float = Field(description="Expected rain + snow over the covered hours")
    rain_mm: float
    snow_mm: float
    wind_speed_max: float
    humidity_mean: int | None = None
    condition: Condition = Field(description="The day's dominant condition")


class Alert(BaseModel):
    sender: str | None = None
    event: str
    start: dt.datetime
    end: dt.datetime
    description: str = ""
    tags: list[str] = Field(default_factory=list)


class Forecast(BaseModel):
    place: Place
    days: list[DailyForecast]
    alerts: list[Alert] | None = Field(
        None,
        description="Active alerts from One Call; null when the plan has no One Call or it cannot be reached now",
    )
    units: Units
    meta: Meta


class TripDay(BaseModel):
    date: dt.date
    status: Literal["forecast", "unavailable"] = Field(
        description="forecast: inside the forecast horizon; unavailable: beyond it, and no climate outlook is offered"
    )
    forecast: DailyForecast | None = None
    reason: str | None = Field(None, description="Why a day is unavailable")


class TripWeather(BaseModel):
    place: Place
    start: dt.date
    end: dt.date
    horizon_end: dt.date = Field(description="Last local date the forecast covers")
    days: list[TripDay]
    alerts: list[Alert] | None = None
    units: Units
    meta: Meta | None = Field(description="Null when no trip day is in the forecast horizon (no provider call)")
