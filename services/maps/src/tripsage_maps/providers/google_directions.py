"""Routing through Google's Directions and Distance Matrix APIs (Legacy) via the googlemaps SDK.

The Routes API replaces both for new projects (google_routes.py); this path serves `MAPS_ROUTING_API=legacy`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from typing import Any

from tripsage_core.errors import ValidationFailed
from tripsage_maps.errors import RouteEndpointsNotFound
from tripsage_maps.providers.base import DirectionsQuery, MatrixLimits, MatrixQuery
from tripsage_maps.providers.google_client import GoogleMapsCaller
from tripsage_maps.providers.google_places import lat_lon
from tripsage_maps.schemas import (
    Box,
    Distance,
    DistanceMatrix,
    Duration,
    MatrixElement,
    MatrixRow,
    Route,
    RouteLeg,
    RouteStep,
    TransitDetails,
    TravelMode,
)

# developers.google.com/maps/documentation/distance-matrix/usage-and-billing: at most 25 origins or
# 25 destinations, and 100 elements (origins x destinations) per server-side request.
LEGACY_MATRIX_LIMITS = MatrixLimits(max_origins=25, max_destinations=25, max_elements=100)

_TAG = re.compile(r"<[^>]+>")


def _plain(instruction: str) -> str:
    # Google marks up street names with <b> and adds <div> notes; a block tag becomes a separator.
    spaced = re.sub(r"<div[^>]*>", ". ", instruction)
    return " ".join(html.unescape(_TAG.sub("", spaced)).split())


def _distance(raw: Mapping[str, Any]) -> Distance:
    return Distance(meters=int(raw["value"]), text=str(raw.get("text", "")))


def _duration(raw: Mapping[str, Any] | None) -> Duration | None:
    return Duration(seconds=int(raw["value"]), text=str(raw.get("text", ""))) if raw else None


def _instant(raw: Mapping[str, Any] | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(raw["value"]), tz=dt.UTC) if raw and "value" in raw else None


def transit_details(raw: Mapping[str, Any]) -> TransitDetails:
    """A Directions step's `transit_details` in our schema (times come as Unix seconds)."""
    line = raw.get("line") or {}
    vehicle = line.get("vehicle") or {}
    return TransitDetails(
        line_name=line.get("name") or line.get("short_name"),
        line_short_name=line.get("short_name"),
        vehicle=vehicle.get("name"),
        vehicle_type=vehicle.get("type"),
        headsign=raw.get("headsign"),
        departure_stop=(raw.get("departure_stop") or {}).get("name"),
        arrival_stop=(raw.get("arrival_stop") or {}).get("name"),
        departure_time=_instant(raw.get("departure_time")),
        arrival_time=_instant(raw.get("arrival_time")),
        stop_count=raw.get("num_stops"),
        agency=((line.get("agencies") or [{}])[0]).get("name"),
    )


def _step(raw: Mapping[str, Any]) -> RouteStep:
    duration = _duration(raw["duration"])
    assert duration is not None
    return RouteStep(
        instruction=_plain(raw.get("html_instructions", "")),
        distance=_distance(raw["distance"]),
        duration=duration,
        start_location=lat_lon(raw["start_location"]),
        end_location=lat_lon(raw["end_location"]),
        travel_mode=str(raw.get("travel_mode", "")).lower(),
        polyline=(raw.get("polyline") or {}).get("points"),
        transit=transit_details(raw["transit_details"]) if raw.get("transit_details") else None,
    )


def _leg(raw: Mapping[str, Any]) -> RouteLeg:
    duration = _duration(raw["duration"])
    assert duration is not None
    return RouteLeg(
        start_address=raw.get("start_address"),
        end_address=raw.get("end_address"),
        start_location=lat_lon(raw["start_location"]),
        end_location=lat_lon(raw["end_location"]),
        distance=_distance(raw["distance"]),
        duration=duration,
        duration_in_traffic=_duration(raw.get("duration_in_traffic")),
        steps=[_step(s) for s in raw.get("steps", [])],
    )


def route(raw: Mapping[str, Any]) -> Route:
    legs = [_leg(leg) for leg in raw.get("legs", [])]
    bounds = raw.get("bounds")
    return Route.over(
        legs,
        summary=raw.get("summary", ""),
        overview_polyline=(raw.get("overview_polyline") or {}).get("points"),
        bounds=Box(northeast=lat_lon(bounds["northeast"]), southwest=lat_lon(bounds["southwest"])) if bounds else None,
        warnings=list(raw.get("warnings", [])),
        copyrights=raw.get("copyrights"),
    )


def distance_matrix(raw: Mapping[str, Any]) -> DistanceMatrix:
    return DistanceMatrix(
        origin_addresses=list(raw.get("origin_addresses", [])),
        destination_addresses=list(raw.get("destination_addresses", [])),
        rows=[
            MatrixRow(
                elements=[
                    MatrixElement(
                        status=e.get("status", "UNKNOWN"),
                        distance=_distance(e["distance"]) if "distance" in e else None,
                        duration=_duration(e.get("duration")),
                        duration_in_traffic=_duration(e.get("duration_in_traffic")),
                    )
                    for e in row.get("elements", [])
                ]
            )
            for row in raw.get("rows", [])
        ],
    )


def _refuse_two_wheeler(mode: TravelMode, location: str) -> None:
    if mode == "two_wheeler":
        message = "two_wheeler needs the Routes API (MAPS_ROUTING_API=routes); the legacy Directions API lacks it"
        raise ValidationFailed.for_field("mode", message, location=location)


class GoogleLegacyRouting:
    """RoutingProvider over the Directions API and Distance Matrix API (both Legacy at Google)."""

    name = "google"

    def __init__(self, caller: GoogleMapsCaller) -> None:
        self._caller = caller

    def matrix_limits(self, query: MatrixQuery) -> MatrixLimits:
        return LEGACY_MATRIX_LIMITS

    async def directions(self, query: DirectionsQuery) -> list[Route]:
        _refuse_two_wheeler(query.mode, "query")
        raw = await self._caller.call(
            "directions",
            lambda c: c.directions(
                query.origin,
                query.destination,
                mode=query.mode,
                alternatives=query.alternatives,
                departure_time=query.departure_time,
            ),
            field="origin",
            not_found=RouteEndpointsNotFound,
        )
        return [route(r) for r in raw]

    async def distance_matrix(self, query: MatrixQuery) -> DistanceMatrix:
        _refuse_two_wheeler(query.mode, "body")
        raw = await self._caller.call(
            "distancematrix",
            lambda c: c.distance_matrix(
                list(query.origins),
                list(query.destinations),
                mode=query.mode,
                departure_time=query.departure_time,
            ),
            field="origins",
            location="body",
        )
        return distance_matrix(raw)
