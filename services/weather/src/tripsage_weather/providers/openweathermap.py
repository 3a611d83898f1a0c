"""OpenWeatherMap over plain HTTP: 2.5 current weather and 5-day/3-hour forecast, One Call 3.0 for 8 days and alerts.

The API key travels as the `appid` query parameter, so request URLs are secrets: nothing here logs or raises
with a URL, and ServiceClient logs none either.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
import structlog
from pydantic import ValidationError

from tripsage_core.errors import ProviderMalformed, ProviderUnavailable
from tripsage_http import Failure, FailureKind, ProviderCaller, ServiceClient, UpstreamResponse, UpstreamUnavailable
from tripsage_http.provider import ProviderAnswered, ProviderUnreadable
from tripsage_http.resilience import retry_after_s
from tripsage_weather.errors import CityNotFound
from tripsage_weather.providers.base import DailyOutlook, ForecastStep, Observation, ProviderDay, StepForecast
from tripsage_weather.schemas import Alert, Condition, UnitSystem, Wind

log = structlog.get_logger(__name__)

T = TypeVar("T")

PROVIDER_NAME = "openweathermap"
_CURRENT = "/data/2.5/weather"
_FORECAST = "/data/2.5/forecast"
_ONECALL = "/data/3.0/onecall"
_ENDPOINTS = {_CURRENT: "weather", _FORECAST: "forecast", _ONECALL: "onecall"}


def _instant(seconds: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def _optional_instant(seconds: Any) -> dt.datetime | None:
    # OWM sends 0 for sunrise/sunset during polar day and night.
    return _instant(seconds) if seconds else None


def _condition(body: Mapping[str, Any]) -> Condition:
    first = (body.get("weather") or [{}])[0]
    return Condition(
        code=int(first.get("id", 0)),
        main=str(first.get("main", "Unknown")),
        description=str(first.get("description", "")),
        icon=str(first.get("icon", "")),
    )


def _amount(block: Any, key: str) -> float:
    """Precipitation is an object keyed by period in 2.5 (`{"3h": 0.26}`) and a bare number in One Call daily."""
    if isinstance(block, int | float):
        return float(block)
    if isinstance(block, Mapping):
        return float(block.get(key, 0.0))
    return 0.0


def parse_current(body: Mapping[str, Any]) -> Observation:
    """Normalise a /data/2.5/weather answer."""
    main, wind, sys = body["main"], body.get("wind") or {}, body.get("sys") or {}
    return Observation(
        lat=float(body["coord"]["lat"]),
        lon=float(body["coord"]["lon"]),
        name=body.get("name") or None,
        country=sys.get("country"),
        observed_at=_instant(body["dt"]),
        utc_offset_s=int(body.get("timezone", 0)),
        condition=_condition(body),
        temperature=float(main["temp"]),
        feels_like=float(main.get("feels_like", main["temp"])),
        humidity=int(main.get("humidity", 0)),
        pressure=int(main.get("pressure", 0)),
        wind=Wind(speed=float(wind.get("speed", 0.0)), deg=wind.get("deg"), gust=wind.get("gust")),
        clouds=(body.get("clouds") or {}).get("all"),
        visibility_m=body.get("visibility"),
        rain_1h_mm=_amount(body.get("rain"), "1h"),
        snow_1h_mm=_amount(body.get("snow"), "1h"),
        sunrise=_optional_instant(sys.get("sunrise")),
        sunset=_optional_instant(sys.get("sunset")),
        sandbox=body.get("sandbox") is True,
    )


def parse_forecast(body: Mapping[str, Any]) -> StepForecast:
    """Normalise a /data/2.5/forecast answer (3-hour steps)."""
    city = body.get("city") or {}
    coord = city.get("coord") or {}
    steps = [
        ForecastStep(
            at=_instant(entry["dt"]),
            temperature=float(entry["main"]["temp"]),
            humidity=entry["main"].get("humidity"),
            wind_speed=float((entry.get("wind") or {}).get("speed", 0.0)),
            pop=float(entry.get("pop", 0.0)),
            rain_mm=_amount(entry.get("rain"), "3h"),
            snow_mm=_amount(entry.get("snow"), "3h"),
            condition=_condition(entry),
        )
        for entry in body["list"]
    ]
    return StepForecast(
        lat=float(coord.get("lat", 0.0)),
        lon=float(coord.get("lon", 0.0)),
        name=city.get("name") or None,
        country=city.get("country"),
        utc_offset_s=int(city.get("timezone", 0)),
        steps=steps,
        sandbox=body.get("sandbox") is True,
    )


def parse_onecall(body: Mapping[str, Any]) -> DailyOutlook:
    """Normalise a /data/3.0/onecall answer's daily and alerts blocks (OWM omits `alerts` when there are none)."""
    days = [
        ProviderDay(
            at=_instant(day["dt"]),
            temp_min=float(day["temp"]["min"]),
            temp_max=float(day["temp"]["max"]),
            pop=float(day.get("pop", 0.0)),
            rain_mm=_amount(day.get("rain"), "1d"),
            snow_mm=_amount(day.get("snow"), "1d"),
            wind_speed=float(day.get("wind_speed", 0.0)),
            humidity=day.get("humidity"),
            condition=_condition(day),
        )
        for day in body.get("daily") or []
    ]
    alerts = [
        Alert(
            sender=alert.get("sender_name"),
            event=str(alert.get("event", "")),
            start=_instant(alert["start"]),
            end=_instant(alert["end"]),
            description=str(alert.get("description", "")),
            tags=[str(tag) for tag in alert.get("tags") or []],
        )
        for alert in body.get("alerts") or []
    ]
    return DailyOutlook(timezone=body.get("timezone"), days=days, alerts=alerts, sandbox=body.get("sandbox") is True)


def _message(response: UpstreamResponse) -> str:
    try:
        body = response.json()
    except orjson.JSONDecodeError:
        return ""
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else ""


def classify(exc: BaseException, *, city: str | None = None) -> Failure | None:
    """OWM's answers and ServiceClient's failures, sorted for the provider layer."""
    if isinstance(exc, UpstreamUnavailable):
        return Failure(FailureKind.UNAVAILABLE, exc.detail)
    if isinstance(exc, ProviderUnreadable):
        return Failure(FailureKind.MALFORMED, str(exc), error=ProviderMalformed(f"{PROVIDER_NAME} {exc}"))
    if not isinstance(exc, ProviderAnswered):
        return None
    response, status = exc.response, exc.response.status_code
    if status == 404 and city is not None:
        return Failure(FailureKind.NOT_FOUND, "no such city", status, error=CityNotFound(city))
    log.warning(
        "provider_error", provider=PROVIDER_NAME, endpoint=exc.operation, status=status, message=_message(response)
    )
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, "rate limited", status, retry_after_s(response.headers))
    if status >= 500:
        return Failure(FailureKind.UNAVAILABLE, f"HTTP {status}", status)
    if status in (401, 403):
        return Failure(FailureKind.MISCONFIGURED, f"HTTP {status}", status)
    return Failure(FailureKind.REJECTED, f"HTTP {status}", status)


class OpenWeatherMap:
    """The OpenWeatherMap adapter; `has_daily_outlook` follows the configured plan (One Call needs a subscription)."""

    name = PROVIDER_NAME

    def __init__(self, client: ServiceClient, caller: ProviderCaller, *, api_key: str, onecall: bool) -> None:
        self._client = client
        self.caller = caller
        self._api_key = api_key
        self.has_daily_outlook = onecall

    async def current_at(self, *, lat: float, lon: float, units: UnitSystem) -> Observation:
        body = await self._get(_CURRENT, {"lat": lat, "lon": lon, "units": units})
        return self._parse(parse_current, body, _CURRENT)

    async def current_in(self, *, city: str, units: UnitSystem) -> Observation:
        body = await self._get(_CURRENT, {"q": city, "units": units}, city=city)
        return self._parse(parse_current, body, _CURRENT)

    async def step_forecast(self, *, lat: float, lon: float, units: UnitSystem) -> StepForecast:
        body = await self._get(_FORECAST, {"lat": lat, "lon": lon, "units": units})
        return self._parse(parse_forecast, body, _FORECAST)

    async def daily_outlook(self, *, lat: float, lon: float, units: UnitSystem) -> DailyOutlook:
        params = {"lat": lat, "lon": lon, "units": units, "exclude": "current,minutely,hourly"}
        body = await self._get(_ONECALL, params)
        return self._parse(parse_onecall, body, _ONECALL)

    async def status(self) -> dict[str, Any]:
        """Down while the circuit is open, else whether the host answers at all."""
        report = await self.caller.status()
        # The bare root carries no key and costs no quota; any answer below 500 proves the host is there.
        status = (await self._client.probe("/")).status_code
        if status >= 500:
            raise ProviderUnavailable(f"{PROVIDER_NAME} answered {status}")
        return report

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get(self, path: str, params: dict[str, Any], *, city: str | None = None) -> Mapping[str, Any]:
        endpoint = _ENDPOINTS[path]

        async def fetch() -> Mapping[str, Any]:
            response = await self._client.request("GET", path, params={**params, "appid": self._api_key})
            if not response.is_success:
                raise ProviderAnswered(response, endpoint)
            try:
                body = response.json()
            except orjson.JSONDecodeError:
                log.warning("provider_malformed", provider=PROVIDER_NAME, endpoint=endpoint)
                raise ProviderUnreadable("sent an unreadable answer.") from None
            if not isinstance(body, dict):
                raise ProviderUnreadable("sent an unexpected answer.")
            return body

        return await self.caller.call(endpoint, fetch, classify=functools.partial(classify, city=city))

    @staticmethod
    def _parse(parse: Callable[[Mapping[str, Any]], T], body: Mapping[str, Any], path: str) -> T:
        try:
            return parse(body)
        except (KeyError, TypeError, ValueError, IndexError, ValidationError) as exc:
            endpoint = _ENDPOINTS[path]
            log.warning("provider_malformed", provider=PROVIDER_NAME, endpoint=endpoint, error=type(exc).__name__)
            raise ProviderMalformed(f"{PROVIDER_NAME} sent an answer we cannot read.") from None
