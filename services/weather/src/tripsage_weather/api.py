"""Weather routes: parse, call the domain, expose the cache state (header, meta, metric)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from tripsage_cache.answers import mark_answer
from tripsage_cache.provider_backed import domain_of
from tripsage_core.auth import CurrentUser
from tripsage_core.errors import ValidationFailed
from tripsage_core.query import Latitude, Longitude
from tripsage_weather.schemas import CurrentWeather, Forecast, Meta, TripWeather, UnitSystem
from tripsage_weather.service import DAILY_OUTLOOK_DAYS, WeatherService

Weather = Annotated[WeatherService, Depends(domain_of)]
OptionalLatitude = Annotated[float | None, Query(ge=-90, le=90, description="Latitude in degrees (or give city)")]
OptionalLongitude = Annotated[float | None, Query(ge=-180, le=180, description="Longitude in degrees (or give city)")]
City = Annotated[
    str | None,
    Query(min_length=1, max_length=100, pattern=r"\S", description="City name, optionally ',CC'", examples=["Kyoto"]),
]
Units = Annotated[UnitSystem, Query(description="metric: °C, m/s; imperial: °F, mph")]
Days = Annotated[int, Query(ge=1, le=DAILY_OUTLOOK_DAYS, description="Local days, from today at the destination")]

router = APIRouter(prefix="/v1/weather", tags=["weather"])


def _expose(request: Request, response: Response, meta: Meta | None) -> None:
    if meta is None:
        return
    mark_answer(request, response, meta.cache, service="weather")


@router.get(
    "/current",
    summary="Current conditions at coordinates or in a named city",
    responses={404: {"description": "The provider knows no city by this name"}},
)
async def current(
    request: Request,
    response: Response,
    weather: Weather,
    _user: CurrentUser,
    lat: OptionalLatitude = None,
    lon: OptionalLongitude = None,
    city: City = None,
    units: Units = "metric",
) -> CurrentWeather:
    if city is not None:
        if lat is not None or lon is not None:
            raise ValidationFailed.for_field("city", "give either city or lat and lon, not both", location="query")
        result = await weather.current_in(city=city, units=units)
    else:
        if lat is None:
            raise ValidationFailed.for_field("lat", "required unless city is given", location="query")
        if lon is None:
            raise ValidationFailed.for_field("lon", "required with lat", location="query")
        result = await weather.current_at(lat=lat, lon=lon, units=units)
    _expose(request, response, result.meta)
    return result


@router.get("/forecast", summary="Daily forecast in the destination's local dates")
async def forecast(
    request: Request,
    response: Response,
    lat: Latitude,
    lon: Longitude,
    weather: Weather,
    _user: CurrentUser,
    days: Days = 5,
    units: Units = "metric",
) -> Forecast:
    result = await weather.forecast(lat=lat, lon=lon, days=days, units=units)
    _expose(request, response, result.meta)
    return result


@router.get("/trip", summary="Each trip day: its forecast inside the horizon, else marked unavailable")
async def trip(
    request: Request,
    response: Response,
    lat: Latitude,
    lon: Longitude,
    start: Annotated[dt.date, Query(description="First trip day (local date at the destination)")],
    end: Annotated[dt.date, Query(description="Last trip day, inclusive")],
    weather: Weather,
    _user: CurrentUser,
    units: Units = "metric",
) -> TripWeather:
    result = await weather.trip(lat=lat, lon=lon, start=start, end=end, units=units)
    _expose(request, response, result.meta)
    return result
