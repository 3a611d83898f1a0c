"""The maps domain: cache keys, TTLs per content class, the provider's limits, and stale answers on failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tripsage_cache import Cache, CacheResult, CacheState
from tripsage_cache.answers import as_json, stale_may_answer
from tripsage_core.errors import FieldProblem, ValidationFailed
from tripsage_maps.errors import MatrixTooLarge
from tripsage_maps.providers.base import (
    DepartureTime,
    DirectionsQuery,
    MatrixLimits,
    MatrixQuery,
    NearbySearch,
    PlaceSearch,
    PlacesProvider,
    RoutingProvider,
    is_geocoded,
)
from tripsage_maps.schemas import DistanceMatrix, GeocodeResult, PlaceDetails, PlaceSummary, Route

T = TypeVar("T")

# Stale copies (served only when the provider fails) are kept `stale factor` times longer than they are fresh;
# the factor is capped so that nothing we cache outlives Google's 30-day limit on caching lat/lng.
MAX_RETENTION_S = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class CacheTTLs:
    """Fresh lifetimes by content class (seconds); the defaults are explained in docs/maps.md."""

    geocode_s: int = 24 * 3600
    place_search_s: int = 3600
    place_details_s: int = 3600
    route_s: int = 15 * 60
    traffic_route_s: int = 5 * 60

    @property
    def longest_s(self) -> int:
        return max(self.geocode_s, self.place_search_s, self.place_details_s, self.route_s, self.traffic_route_s)

    def stale_factor(self, configured: int) -> int:
        """The cache's stale multiplier, capped so the longest-lived entry stays within MAX_RETENTION_S."""
        return max(1, min(configured, MAX_RETENTION_S // self.longest_s))


@dataclass(frozen=True, slots=True)
class Served(Generic[T]):
    """An answer and how the cache produced it."""

    value: T
    cache: CacheState
    age_s: float
    provider: str


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _coordinate(value: float) -> str:
    # 5 decimals is ~1 m: finer differences are noise to a geocoder and would only split the cache.
    return f"{value:.5f}"


def _departure_key(value: DepartureTime) -> str:
    if value is None or value == "now":
        return str(value)
    assert isinstance(value, dt.datetime)
    return str(int(value.timestamp()))


class MapsService:
    def __init__(
        self, cache: Cache, places: PlacesProvider, routing: RoutingProvider, ttls: CacheTTLs | None = None
    ) -> None:
        self._cache = cache
        self._ttls = ttls or CacheTTLs()
        self._places = places
        self._routing = routing

    async def geocode(self, address: str) -> Served[list[GeocodeResult]]:
        result = await self._cached(
            f"geocode:{_text_key(address)}",
            lambda: self._places.geocode(address),
            self._ttls.geocode_s,
        )
        return self._served(result, [GeocodeResult.model_validate(r) for r in result.value], self._places.name)

    async def reverse_geocode(self, lat: float, lon: float) -> Served[list[GeocodeResult]]:
        key_lat, key_lon = _coordinate(lat), _coordinate(lon)
        result = await self._cached(
            f"reverse:{key_lat},{key_lon}",
            lambda: self._places.reverse_geocode(float(key_lat), float(key_lon)),
            self._ttls.geocode_s,
        )
        return self._served(result, [GeocodeResult.model_validate(r) for r in result.value], self._places.name)

    async def search_places(self, search: PlaceSearch) -> Served[list[PlaceSummary]]:
        if (search.lat is None) != (search.lon is None):
            missing = "lon" if search.lon is None else "lat"
            raise ValidationFailed.for_field(missing, "lat and lon must be given together", location="query")
        if search.radius_m is not None and search.lat is None:
            raise ValidationFailed.for_field("radius_m", "needs lat and lon to centre on", location="query")
        where = "" if search.lat is None else f"{_coordinate(search.lat)},{_coordinate(search.lon or 0.0)}"
        key = f"places:{_text_key(search.query)}|{where}|{search.radius_m or ''}|{search.type or ''}"
        result = await self._cached(key, lambda: self._places.search(search), self._ttls.place_search_s)
        return self._served(result, [PlaceSummary.model_validate(r) for r in result.value], self._places.name)

    async def nearby_places(self, search: NearbySearch) -> Served[list[PlaceSummary]]:
        where = f"{_coordinate(search.lat)},{_coordinate(search.lon)}"
        key = f"nearby:{where}|{search.radius_m}|{search.type or ''}"
        result = await self._cached(key, lambda: self._places.nearby(search), self._ttls.place_search_s)
        return self._served(result, [PlaceSummary.model_validate(r) for r in result.value], self._places.name)

    async def place_details(self, place_id: str) -> Served[PlaceDetails]:
        result = await self._cached(
            f"place:{place_id}", lambda: self._places.details(place_id), self._ttls.place_details_s
        )
        return self._served(result, PlaceDetails.model_validate(result.value), self._places.name)

    async def directions(self, query: DirectionsQuery) -> Served[list[Route]]:
        key = (
            f"directions:{query.mode}|{_text_key(query.origin)}|{_text_key(query.destination)}"
            f"|{_departure_key(query.departure_time)}|{int(query.alternatives)}"
        )
        ttl = self._ttls.traffic_route_s if query.departure_time is not None else self._ttls.route_s
        result = await self._cached(key, lambda: self._routing.directions(query), ttl)
        return self._served(result, [Route.model_validate(r) for r in result.value], self._routing.name)

    async def distance_matrix(self, query: MatrixQuery) -> Served[DistanceMatrix]:
        self._check_matrix_limits(query)
        key = (
            f"matrix:{query.mode}|{'|'.join(map(_text_key, query.origins))}"
            f"|>|{'|'.join(map(_text_key, query.destinations))}|{_departure_key(query.departure_time)}"
        )
        ttl = self._ttls.traffic_route_s if query.departure_time is not None else self._ttls.route_s
        result = await self._cached(key, lambda: self._routing.distance_matrix(query), ttl)
        return self._served(result, DistanceMatrix.model_validate(result.value), self._routing.name)

    def _check_matrix_limits(self, query: MatrixQuery) -> None:
        limits = self._routing.matrix_limits(query)
        problems = [
            _too_many(field, len(waypoints), limit)
            for field, waypoints, limit in (
                ("origins", query.origins, limits.max_origins),
                ("destinations", query.destinations, limits.max_destinations),
            )
            if len(waypoints) > limit
        ]
        excess = None if problems else _matrix_excess(query, limits)
        if excess is not None:
            # A limit on the request as a whole: neither list alone is at fault, so both are named.
            problems = [
                FieldProblem(field=field, location="body", message=excess) for field in ("origins", "destinations")
            ]
        if problems:
            first = problems[0]
            raise MatrixTooLarge(f"Invalid value for '{first['field']}': {first['message']}", errors=problems)

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[Any]], ttl: int) -> CacheResult[Any]:
        async def fetch_json() -> Any:
            return as_json(await fetch())

        return await self._cache.get_or_fetch(key, fetch_json, ttl, is_error=stale_may_answer)

    @staticmethod
    def _served(result: CacheResult[Any], value: T, provider: str) -> Served[T]:
        return Served(value=value, cache=result.state, age_s=round(result.age_s, 3), provider=provider)


def _matrix_excess(query: MatrixQuery, limits: MatrixLimits) -> str | None:
    """Why the request as a whole is too large for the provider, though each list keeps within its own limit."""
    elements = len(query.origins) * len(query.destinations)
    if elements > limits.max_elements:
        return (
            f"origins x destinations is {elements} elements; the provider allows at most "
            f"{limits.max_elements} per request"
        )
    geocoded = sum(map(is_geocoded, (*query.origins, *query.destinations)))
    if limits.max_geocoded_waypoints is not None and geocoded > limits.max_geocoded_waypoints:
        return (
            f"{geocoded} origins and destinations are addresses or place ids; the provider allows at most "
            f"{limits.max_geocoded_waypoints} per request (give the others as 'lat,lon')"
        )
    return None


def _too_many(field: str, count: int, limit: int) -> FieldProblem:
    return FieldProblem(
        field=field, location="body", message=f"{count} given; the provider allows at most {limit} per request"
    )
