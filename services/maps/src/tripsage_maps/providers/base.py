"""The interfaces a maps provider implements; the service only ever talks to these.

Routing is its own interface because Google lists Directions and Distance Matrix as Legacy: a Routes API adapter
(`computeRoutes`, `computeRouteMatrix`) is one new module implementing `RoutingProvider`, with its own limits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, Protocol

from tripsage_maps.schemas import DistanceMatrix, GeocodeResult, PlaceDetails, PlaceSummary, Route, TravelMode

DepartureTime = dt.datetime | Literal["now"] | None

# Our waypoint syntax: "lat,lon", "place_id:<id>" or an address.
_LAT_LON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
PLACE_ID_PREFIX = "place_id:"


def lat_lon_of(waypoint: str) -> tuple[float, float] | None:
    """The point of a `lat,lon` waypoint; None for an address or a place id."""
    point = _LAT_LON.match(waypoint)
    return (float(point[1]), float(point[2])) if point else None


def is_geocoded(waypoint: str) -> bool:
    """True for an address or place id (the provider has to geocode it), False for `lat,lon`."""
    return lat_lon_of(waypoint) is None


@dataclass(frozen=True, slots=True)
class PlaceSearch:
    query: str
    lat: float | None = None
    lon: float | None = None
    radius_m: int | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class NearbySearch:
    lat: float
    lon: float
    radius_m: int
    type: str | None = None


@dataclass(frozen=True, slots=True)
class DirectionsQuery:
    origin: str
    destination: str
    mode: TravelMode = "driving"
    departure_time: DepartureTime = None
    alternatives: bool = False


@dataclass(frozen=True, slots=True)
class MatrixQuery:
    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    mode: TravelMode = "driving"
    departure_time: DepartureTime = None


@dataclass(frozen=True, slots=True)
class MatrixLimits:
    """Per-request limits of a routing provider; requests beyond them are refused, never truncated."""

    max_origins: int
    max_destinations: int
    max_elements: int
    # The Routes API also caps how many origins and destinations together may be addresses or place ids.
    max_geocoded_waypoints: int | None = None


class PlacesProvider(Protocol):
    name: str

    async def geocode(self, address: str) -> list[GeocodeResult]:
        """Results for an address; empty when nothing matches."""
        ...

    async def reverse_geocode(self, lat: float, lon: float) -> list[GeocodeResult]:
        """Addresses at a point, most specific first; empty when nothing is there."""
        ...

    async def search(self, search: PlaceSearch) -> list[PlaceSummary]:
        """Text search, biased towards a location when one is given; empty when nothing matches."""
        ...

    async def nearby(self, search: NearbySearch) -> list[PlaceSummary]:
        """Places within a circle, most prominent first; empty when nothing is there."""
        ...

    async def details(self, place_id: str) -> PlaceDetails:
        """One place; raises PlaceNotFound when the id names none."""
        ...


class RoutingProvider(Protocol):
    name: str

    def matrix_limits(self, query: MatrixQuery) -> MatrixLimits:
        """This API's limits for this request (the Routes API's depend on mode, traffic and waypoint kinds)."""
        ...

    async def directions(self, query: DirectionsQuery) -> list[Route]:
        """Routes from origin to destination, best first; empty when none exists."""
        ...

    async def distance_matrix(self, query: MatrixQuery) -> DistanceMatrix:
        """Distances and durations for every origin x destination pair; callers check `matrix_limits` first."""
        ...
