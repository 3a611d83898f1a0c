"""The weather domain: cached provider calls, local-date aggregation and trip outlooks that never invent data."""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TypeVar

import structlog
from pydantic import BaseModel

from tripsage_cache import Cache, CacheResult, CacheState
from tripsage_cache.answers import as_json, stale_may_answer
from tripsage_core.errors import ValidationFailed
from tripsage_geo.zones import ZoneLocator, zone_name
from tripsage_weather.aggregate import daily_from_outlook, daily_from_steps, merge_days
from tripsage_weather.providers.base import DailyOutlook, Observation, StepForecast, WeatherProvider
from tripsage_weather.schemas import (
    Alert,
    CurrentWeather,
    DailyForecast,
    Forecast,
    Meta,
    Place,
    TripDay,
    TripWeather,
    Units,
    UnitSystem,
)

M = TypeVar("M", bound=BaseModel)
log = structlog.get_logger(__name__)

STEP_FORECAST_DAYS = 5
DAILY_OUTLOOK_DAYS = 8
# Bump when the cached shapes change, so a deploy never reads the previous release's entries.
_KEY_VERSION = "v1"
_STATE_RANK = {CacheState.HIT: 0, CacheState.MISS: 1, CacheState.STALE: 2}


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """Fresh lifetime per content class, in seconds."""

    current_s: int = 600
    forecast_s: int = 3600
    daily_outlook_s: int = 600


@dataclass(frozen=True, slots=True)
class TripLimits:
    max_days: int = 30
    max_lead_days: int = 366


def _coordinate(value: float) -> float:
    # 0.01° (~1 km) is finer than the provider's grid; "+ 0.0" folds -0.0 into 0.0 so keys stay unique.
    return round(value, 2) + 0.0


def _city_key(city: str) -> str:
    folded = unicodedata.normalize("NFKC", city).casefold()
    return ",".join(" ".join(part.split()) for part in folded.split(","))


@dataclass(frozen=True, slots=True)
class WeatherService:
    provider: WeatherProvider
    cache: Cache
    zones: ZoneLocator
    _: KW_ONLY
    policy: CachePolicy = CachePolicy()
    limits: TripLimits = TripLimits()
    plan: str = "free"

    @property
    def horizon_days(self) -> int:
        return DAILY_OUTLOOK_DAYS if self.provider.has_daily_outlook else STEP_FORECAST_DAYS

    async def current_in(self, *, city: str, units: UnitSystem) -> CurrentWeather:
        query = city.strip()
        key = f"{_KEY_VERSION}:current:{units}:q:{_city_key(query)}"
        return await self._current(key, lambda: self.provider.current_in(city=query, units=units), units)

    async def current_at(self, *, lat: float, lon: float, units: UnitSystem) -> CurrentWeather:
        at_lat, at_lon = _coordinate(lat), _coordinate(lon)
        key = f"{_KEY_VERSION}:current:{units}:{at_lat:.2f},{at_lon:.2f}"
        return await self._current(key, lambda: self.provider.current_at(lat=at_lat, lon=at_lon, units=units), units)

    async def _current(
        self, key: str, fetch: Callable[[], Awaitable[Observation]], units: UnitSystem
    ) -> CurrentWeather:
        observation, result = await self._cached(key, fetch, self.policy.current_s, Observation)
        tz = self.zones.tzinfo_at(observation.lat, observation.lon, fallback_offset_s=observation.utc_offset_s)
        return CurrentWeather(
            place=Place(
                lat=observation.lat,
                lon=observation.lon,
                name=observation.name,
                country=observation.country,
                timezone=zone_name(tz),
            ),
            observed_at=observation.observed_at,
            local_time=observation.observed_at.astimezone(tz),
            condition=observation.condition,
            temperature=observation.temperature,
            feels_like=observation.feels_like,
            humidity=observation.humidity,
            pressure=observation.pressure,
            wind=observation.wind,
            clouds=observation.clouds,
            visibility_m=observation.visibility_m,
            rain_1h_mm=observation.rain_1h_mm,
            snow_1h_mm=observation.snow_1h_mm,
            sunrise=observation.sunrise,
            sunset=observation.sunset,
            units=Units.of(units),
            meta=self._meta([result], sandbox=observation.sandbox),
        )

    async def forecast(self, *, lat: float, lon: float, days: int, units: UnitSystem) -> Forecast:
        if days > self.horizon_days:
            raise ValidationFailed.for_field(
                "days",
                f"must be at most {self.horizon_days} on the configured plan ({self.plan})",
                location="query",
            )
        place, daily, alerts, meta = await self._daily(lat, lon, units, outlook_required=days > STEP_FORECAST_DAYS)
        return Forecast(place=place, days=daily[:days], alerts=alerts, units=Units.of(units), meta=meta)

    async def trip(
        self, *, lat: float, lon: float, start: dt.date, end: dt.date, units: UnitSystem, now: dt.datetime | None = None
    ) -> TripWeather:
        at_lat, at_lon = _coordinate(lat), _coordinate(lon)
        tz = self.zones.tzinfo_at(at_lat, at_lon, fallback_offset_s=0)
        today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
        self._check_trip(start, end, today)
        nominal_horizon_end = today + dt.timedelta(days=self.horizon_days)
        trip_dates = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        if start > nominal_horizon_end:
            # Nothing to forecast: answer without spending provider quota.
            place = Place(lat=at_lat, lon=at_lon, timezone=zone_name(tz))
            return TripWeather(
                place=place,
                start=start,
                end=end,
                horizon_end=nominal_horizon_end,
                days=[self._unavailable(date, nominal_horizon_end) for date in trip_dates],
                alerts=None,
                units=Units.of(units),
                meta=None,
            )
        outlook_required = end >= today + dt.timedelta(days=STEP_FORECAST_DAYS)
        place, daily, alerts, meta = await self._daily(lat, lon, units, outlook_required=outlook_required)
        by_date = {day.date: day for day in daily}
        horizon_end = daily[-1].date if daily else today
        first = daily[0].date if daily else today
        days = [
            TripDay(date=date, status="forecast", forecast=by_date[date])
            if date in by_date
            else self._unavailable(date, horizon_end, ending=date < first)
            for date in trip_dates
        ]
        return TripWeather(
            place=place,
            start=start,
            end=end,
            horizon_end=horizon_end,
            days=days,
            alerts=alerts,
            units=Units.of(units),
            meta=meta,
        )

    def _check_trip(self, start: dt.date, end: dt.date, today: dt.date) -> None:
        if start < today:
            raise ValidationFailed.for_field(
                "start", f"must not be in the past (today at the destination is {today.isoformat()})", location="query"
            )
        if start > today + dt.timedelta(days=self.limits.max_lead_days):
            raise ValidationFailed.for_field(
                "start", f"must be within {self.limits.max_lead_days} days from today", location="query"
            )
        if end < start:
            raise ValidationFailed.for_field("end", "must be on or after start", location="query")
        if (end - start).days + 1 > self.limits.max_days:
            raise ValidationFailed.for_field(
                "end", f"a trip may span at most {self.limits.max_days} days", location="query"
            )

    def _unavailable(self, date: dt.date, horizon_end: dt.date, *, ending: bool = False) -> TripDay:
        if ending:
            reason = "The day is nearly over at the destination; the forecast has no steps left in it."
        else:
            reason = (
                f"Beyond the forecast horizon (last forecast day {horizon_end.isoformat()}); "
                f"the configured plan ({self.plan}) offers no climate outlook."
            )
        return TripDay(date=date, status="unavailable", reason=reason)

    async def _daily(
        self, lat: float, lon: float, units: UnitSystem, *, outlook_required: bool
    ) -> tuple[Place, list[DailyForecast], list[Alert] | None, Meta]:
        """Daily entries in local dates; One Call extends them and adds alerts when the plan has it.

        When only alerts depend on One Call (`outlook_required` False), its failure leaves `alerts` null
        rather than failing the forecast the 3-hour data can answer on its own.
        """
        at_lat, at_lon = _coordinate(lat), _coordinate(lon)
        where = f"{units}:{at_lat:.2f},{at_lon:.2f}"
        steps_call = self._cached(
            f"{_KEY_VERSION}:forecast3h:{where}",
            lambda: self.provider.step_forecast(lat=at_lat, lon=at_lon, units=units),
            self.policy.forecast_s,
            StepForecast,
        )
        outlook: DailyOutlook | None = None
        if self.provider.has_daily_outlook:
            outlook_call = self._cached(
                f"{_KEY_VERSION}:onecall:{where}",
                lambda: self.provider.daily_outlook(lat=at_lat, lon=at_lon, units=units),
                self.policy.daily_outlook_s,
                DailyOutlook,
            )
            steps_got, outlook_got = await asyncio.gather(steps_call, outlook_call, return_exceptions=True)
            if isinstance(steps_got, BaseException):
                raise steps_got
            steps, steps_result = steps_got
            results = [steps_result]
            if isinstance(outlook_got, BaseException):
                if outlook_required or not isinstance(outlook_got, Exception) or not stale_may_answer(outlook_got):
                    raise outlook_got
                log.warning("daily_outlook_unavailable", provider=self.provider.name, error=type(outlook_got).__name__)
            else:
                outlook, outlook_result = outlook_got
                results.append(outlook_result)
        else:
            steps, steps_result = await steps_call
            results = [steps_result]
        tz = self.zones.tzinfo_at(at_lat, at_lon, fallback_offset_s=steps.utc_offset_s)
        daily = daily_from_steps(steps.steps, tz)
        if outlook is not None:
            daily = merge_days(daily, daily_from_outlook(outlook.days, tz))
        place = Place(lat=at_lat, lon=at_lon, name=steps.name, country=steps.country, timezone=zone_name(tz))
        alerts = outlook.alerts if outlook is not None else None
        return place, daily, alerts, self._meta(results, sandbox=steps.sandbox)

    async def _cached(
        self, key: str, fetch: Callable[[], Awaitable[M]], ttl_s: int, model: type[M]
    ) -> tuple[M, CacheResult[object]]:
        async def fetch_json() -> object:
            return as_json(await fetch())

        result = await self.cache.get_or_fetch(key, fetch_json, ttl_s, is_error=stale_may_answer)
        return model.model_validate(result.value), result

    def _meta(self, results: Sequence[CacheResult[object]], *, sandbox: bool) -> Meta:
        state = max((r.state for r in results), key=_STATE_RANK.__getitem__)
        return Meta(
            cache=state.value,
            age_s=round(max(r.age_s for r in results), 3),
            provider=self.provider.name,
            sandbox=sandbox,
        )
