"""The trip brief: one call that fans out to the services concurrently and never fails as a whole.

Sections: the destination geocoded (maps), its time zone and local time (time), weather for the trip's days
(weather), top stays for the dates and travellers (stays), cheapest flights from the trip's origin (flights). Each
carries `ok`, `stale` (served from a cache while its provider failed) or `unavailable` with the problem. Geocoding
comes first when the trip has no coordinates, since three sections need them; everything else runs at once, each
capped by the per-section budget, so the brief takes about as long as its slowest section.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from tripsage_core.errors import NotFound, TripSageError, UpstreamError
from tripsage_core.hop import hop_headers
from tripsage_gateway.trips.schemas import Trip
from tripsage_http import ServiceClient, UpstreamResponse

TOP_RESULTS = 5
_LIST_KEYS = ("offers", "hotels", "results", "days", "items")


class SectionStatus(StrEnum):
    OK = "ok"
    STALE = "stale"
    UNAVAILABLE = "unavailable"


class BriefSection(BaseModel):
    status: SectionStatus
    data: dict[str, Any] | None = None
    problem: dict[str, Any] | None = Field(None, description="RFC 9457 problem when unavailable")
    elapsed_ms: float


class TripBrief(BaseModel):
    trip: Trip
    destination: BriefSection
    local_time: BriefSection
    weather: BriefSection
    stays: BriefSection
    flights: BriefSection
    elapsed_ms: float


def _unavailable(problem: dict[str, Any], started: float) -> BriefSection:
    return BriefSection(status=SectionStatus.UNAVAILABLE, problem=problem, elapsed_ms=_ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _trimmed(body: dict[str, Any]) -> dict[str, Any]:
    # A brief shows the top few; the full lists are a search away.
    return {
        key: value[:TOP_RESULTS] if key in _LIST_KEYS and isinstance(value, list) else value
        for key, value in body.items()
    }


def _section_from(response: UpstreamResponse, started: float) -> BriefSection:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict):
        problem = body if isinstance(body, dict) else UpstreamError("Unreadable answer.").to_problem()
        return _unavailable(problem, started)
    stale = response.headers.get("x-cache") == "stale" or (body.get("meta") or {}).get("cache") == "stale"
    return BriefSection(
        status=SectionStatus.STALE if stale else SectionStatus.OK, data=_trimmed(body), elapsed_ms=_ms_since(started)
    )


def _coordinates(section: BriefSection) -> tuple[float, float] | None:
    results = (section.data or {}).get("results") or []
    location = results[0].get("location") if results else None
    return (location["lat"], location["lon"]) if location else None


def _city_code(section: BriefSection) -> str | None:
    """The destination's city code (it covers every airport of the city), else its first airport's."""
    locations = (section.data or {}).get("locations") or []
    cities = [place for place in locations if place.get("sub_type") == "CITY"]
    for place in cities + locations:
        code = place.get("city_code") or place.get("iata_code")
        if code:
            return str(code)
    return None


class BriefBuilder:
    def __init__(
        self, clients: Mapping[str, ServiceClient], *, section_timeout_s: float, stay_radius_km: float = 5.0
    ) -> None:
        self._clients = clients
        self._budget = section_timeout_s
        self._radius = stay_radius_km

    async def build(self, trip: Trip, *, incoming: Mapping[str, str], request_id: str) -> TripBrief:
        """`incoming`: the brief request's headers; its token, canary header and trace go on to every section."""
        started = time.perf_counter()
        headers = hop_headers(incoming, request_id=request_id)
        destination_task = asyncio.create_task(self._destination(trip, headers))
        flights_task = asyncio.create_task(self._flights(trip, headers, destination_task))
        destination = await destination_task
        point = _coordinates(destination)
        if point is None:
            missing = destination.problem or UpstreamError("The destination could not be located.").to_problem()
            local_time, weather, stays = (self._skipped(missing) for _ in range(3))
        else:
            lat, lon = point
            local_time, weather, stays = await asyncio.gather(
                self._get("time", "/v1/time/timezone", {"lat": lat, "lon": lon}, headers),
                self._get(
                    "weather",
                    "/v1/weather/trip",
                    {"lat": lat, "lon": lon, "start": trip.start_date, "end": trip.end_date},
                    headers,
                ),
                self._get(
                    "stays",
                    "/v1/stays/search",
                    {
                        "lat": lat,
                        "lon": lon,
                        "radius_km": self._radius,
                        "check_in": trip.start_date,
                        "check_out": max(trip.end_date, trip.start_date + dt.timedelta(days=1)),
                        "adults": trip.travelers,
                        "sort": "price",
                    },
                    headers,
                ),
            )
        return TripBrief(
            trip=trip,
            destination=destination,
            local_time=local_time,
            weather=weather,
            stays=stays,
            flights=await flights_task,
            elapsed_ms=_ms_since(started),
        )

    @staticmethod
    def _skipped(problem: dict[str, Any]) -> BriefSection:
        return BriefSection(status=SectionStatus.UNAVAILABLE, problem=problem, elapsed_ms=0.0)

    async def _destination(self, trip: Trip, headers: dict[str, str]) -> BriefSection:
        place = trip.destination
        if place.lat is not None and place.lon is not None:
            data = {
                "results": [
                    {
                        "formatted_address": place.text,
                        "location": {"lat": place.lat, "lon": place.lon},
                        "place_id": place.place_id,
                    }
                ]
            }
            return BriefSection(status=SectionStatus.OK, data=data, elapsed_ms=0.0)
        return await self._get("maps", "/v1/maps/geocode", {"address": place.text}, headers)

    async def _flights(
        self, trip: Trip, headers: dict[str, str], destination: asyncio.Task[BriefSection]
    ) -> BriefSection:
        if trip.origin is None:
            return self._skipped(UpstreamError("The trip has no origin to fly from.").to_problem())
        # By name first, while the destination is still being geocoded; a place without an airport (Kyoto) is
        # then asked about again with its coordinates, and the flights service answers with the airports near it.
        places = await self._get("flights", "/v1/flights/locations", {"q": trip.destination.text}, headers)
        if _city_code(places) is None and places.status is not SectionStatus.UNAVAILABLE:
            point = _coordinates(await destination)
            if point is None:
                return self._skipped(
                    NotFound("The destination could not be located to find its airports.").to_problem()
                )
            near = {"q": trip.destination.text, "lat": point[0], "lon": point[1]}
            places = await self._get("flights", "/v1/flights/locations", near, headers)
        destination_code = _city_code(places)
        if destination_code is None:
            return places  # unavailable, or no airport in reach (the flights service's no-airport-in-reach)
        return await self._get(
            "flights",
            "/v1/flights/search",
            {
                "origin": trip.origin,
                "destination": destination_code,
                "departure_date": trip.start_date,
                "return_date": trip.end_date,
                "adults": trip.travelers,
                "sort": "price",
                "max_results": TOP_RESULTS,
            },
            headers,
        )

    async def _get(self, service: str, path: str, params: Mapping[str, Any], headers: dict[str, str]) -> BriefSection:
        started = time.perf_counter()
        client = self._clients.get(service)
        if client is None:
            return _unavailable(UpstreamError(f"{service} is not configured.").to_problem(), started)
        query = {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in params.items()}
        try:
            call: Awaitable[UpstreamResponse] = client.request(
                "GET", path, params=query, headers=headers, timeout_s=self._budget
            )
            return _section_from(await call, started)
        except TripSageError as exc:
            return _unavailable(exc.to_problem(), started)
