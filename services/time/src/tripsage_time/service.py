"""The time domain: zones by location, and DST-aware conversions that never guess."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tripsage_time.errors import NonexistentLocalTime, NoTimeZoneAtLocation, UnknownTimeZone
from tripsage_time.providers.base import ZoneLocator
from tripsage_time.schemas import (
    Arrival,
    ArrivalRequest,
    ArrivalResponse,
    Conversion,
    ConvertRequest,
    ConvertResponse,
    TimezoneAtLocation,
    ZoneInstant,
)

T = TypeVar("T")


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name: str, *, field: str, location: str = "body") -> zoneinfo.ZoneInfo:
    """A ZoneInfo for a canonical IANA name; anything else (paths, typos, empty) is a 422 on `field`."""
    if name not in _known_zones():
        raise UnknownTimeZone(field, name, location=location)
    return zoneinfo.ZoneInfo(name)


def _format_offset(offset: timedelta) -> str:
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def instant_in(moment: datetime, tz: zoneinfo.ZoneInfo) -> ZoneInstant:
    local = moment.astimezone(tz)
    offset = local.utcoffset() or timedelta(0)
    return ZoneInstant(
        timezone=tz.key,
        local_time=local,
        utc_time=moment.astimezone(UTC),
        utc_offset=_format_offset(offset),
        utc_offset_seconds=int(offset.total_seconds()),
        dst=bool(local.dst()),
        abbreviation=local.tzname(),
    )


def _localize(local: datetime, tz: zoneinfo.ZoneInfo, *, field: str) -> list[datetime]:
    """The instants a wall-clock time names in a zone: none (skipped), one, or two (repeated)."""
    naive = local.replace(tzinfo=None)
    candidates = []
    for fold in (0, 1):
        aware = naive.replace(tzinfo=tz, fold=fold)
        # A skipped wall time does not survive the round trip through UTC.
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
            candidates.append(aware)
    if not candidates:
        raise NonexistentLocalTime(field, naive.isoformat(), tz.key)
    if len(candidates) == 2 and candidates[0].utcoffset() == candidates[1].utcoffset():
        return candidates[:1]
    return candidates


def _resolve(
    local: datetime, tz: zoneinfo.ZoneInfo, fold: int | None, *, field: str, build: Callable[[datetime], T]
) -> tuple[T | None, list[T]]:
    if local.tzinfo is not None:
        return build(local), []
    instants = _localize(local, tz, field=field)
    if len(instants) == 1:
        return build(instants[0]), []
    if fold is not None:
        return build(instants[fold]), []
    return None, [build(instant) for instant in instants]


class TimeService:
    def __init__(self, locator: ZoneLocator) -> None:
        self._locator = locator

    def timezone_at(self, *, lat: float, lon: float, now: datetime | None = None) -> TimezoneAtLocation:
        name = self._locator.zone_at(lat=lat, lon=lon)
        if name is None:
            raise NoTimeZoneAtLocation()
        instant = instant_in(now or datetime.now(UTC), zoneinfo.ZoneInfo(name))
        return TimezoneAtLocation(lat=lat, lon=lon, **instant.model_dump())

    def now_in(self, tz_name: str, now: datetime | None = None) -> ZoneInstant:
        return instant_in(now or datetime.now(UTC), zone(tz_name, field="tz", location="query"))

    def convert(self, request: ConvertRequest) -> ConvertResponse:
        source_tz = zone(request.from_tz, field="from_tz")
        target_tz = zone(request.to_tz, field="to_tz")

        def build(moment: datetime) -> Conversion:
            return Conversion(source=instant_in(moment, source_tz), target=instant_in(moment, target_tz))

        result, candidates = _resolve(request.datetime, source_tz, request.fold, field="datetime", build=build)
        return ConvertResponse(status="ok" if result else "ambiguous", result=result, candidates=candidates)

    def arrival(self, request: ArrivalRequest) -> ArrivalResponse:
        departure_tz = zone(request.departure_tz, field="departure_tz")
        arrival_tz = zone(request.arrival_tz, field="arrival_tz")
        flight = timedelta(minutes=request.duration_minutes)

        def build(departure: datetime) -> Arrival:
            leaving = instant_in(departure, departure_tz)
            # Elapsed time is added in UTC: aware datetimes add wall-clock time, which is wrong across DST.
            landing = instant_in(departure.astimezone(UTC) + flight, arrival_tz)
            return Arrival(
                departure=leaving,
                arrival=landing,
                day_offset=(landing.local_time.date() - leaving.local_time.date()).days,
            )

        result, candidates = _resolve(
            request.departure_local, departure_tz, request.fold, field="departure_local", build=build
        )
        return ArrivalResponse(status="ok" if result else "ambiguous", result=result, candidates=candidates)
