"""Routing through Google's Directions and Distance Matrix APIs (Legacy) via the googlemaps SDK.

The Routes API replaces both for new projects; its adapter would be a sibling module implementing RoutingProvider
with `computeRoutes` / `computeRouteMatrix` and its own MatrixLimits.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

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
    in_traffic = [leg.duration_in_traffic for leg in legs]
    return Route(
        summary=raw.get("summary", ""),
        distance_m=sum(leg.distance.meters for leg in legs),
        duration_s=sum(leg.duration.seconds for leg in legs),
        duration_in_traffic_s=sum(d.seconds for d in in_traffic if d) if legs and all(in_traffic) else None,
        legs=legs,
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


class GoogleLegacyRouting:
    """RoutingProvider over the Directions API and Distance Matrix API (both Legacy at Google)."""

    name = "google"

    def __init__(self, caller: GoogleMapsCaller) -> None:
        self._caller = caller

    def matrix_limits(self, query: MatrixQuery) -> MatrixLimits:
        return LEGACY_MATRIX_LIMITS

    async def directions(self, query: DirectionsQuery) -> list[Route]:
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
