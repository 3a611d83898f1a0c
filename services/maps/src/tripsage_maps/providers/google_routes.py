"""Routing through the Routes API v2 (routes.googleapis.com): computeRoutes and computeRouteMatrix.

The field masks ask only for what our schemas carry. The Routes API bills by the features a request uses, and a
mask can raise the tier only through fields we never ask for (toll info, traffic on polylines: Enterprise):

    request                                    SKU (docs/maps.md)
    DRIVE/WALK/BICYCLE/TRANSIT, no departure   Compute Routes / Route Matrix Essentials
    DRIVE with a departure time (TRAFFIC_AWARE) Compute Routes / Route Matrix Pro
    TWO_WHEELER                                Compute Routes / Route Matrix Enterprise

The Routes API returns no addresses: a leg's `start_address`/`end_address` (and a matrix's `*_addresses`) echo the
waypoint as the caller wrote it when it was an address, and are null for `lat,lon` and `place_id:` waypoints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tripsage_maps.errors import RouteEndpointsNotFound
from tripsage_maps.providers.base import (
    PLACE_ID_PREFIX,
    DepartureTime,
    DirectionsQuery,
    MatrixLimits,
    MatrixQuery,
    is_geocoded,
    lat_lon_of,
)
from tripsage_maps.providers.google_rpc import Blame, GoogleRpcCaller
from tripsage_maps.schemas import (
    Box,
    Distance,
    DistanceMatrix,
    Duration,
    LatLon,
    MatrixElement,
    MatrixRow,
    Route,
    RouteLeg,
    RouteStep,
    TransitDetails,
    TravelMode,
)

COMPUTE_ROUTES = "/directions/v2:computeRoutes"
COMPUTE_ROUTE_MATRIX = "/distanceMatrix/v2:computeRouteMatrix"

_STEP_FIELDS = (
    "distanceMeters",
    "staticDuration",
    "startLocation",
    "endLocation",
    "polyline.encodedPolyline",
    "navigationInstruction.instructions",
    "localizedValues",
    "travelMode",
    "transitDetails",
)
_LEG_FIELDS = ("distanceMeters", "duration", "staticDuration", "startLocation", "endLocation", "localizedValues")
ROUTES_FIELD_MASK = ",".join(
    (
        "routes.description",
        "routes.warnings",
        "routes.viewport",
        "routes.polyline.encodedPolyline",
        *(f"routes.legs.{name}" for name in _LEG_FIELDS),
        *(f"routes.legs.steps.{name}" for name in _STEP_FIELDS),
        "geocodingResults",
    )
)
MATRIX_FIELD_MASK = (
    "originIndex,destinationIndex,status,condition,distanceMeters,duration,staticDuration,localizedValues"
)

# developers.google.com/maps/documentation/routes/compute_route_matrix#request-limits: 625 elements, 100 for
# TRANSIT or TRAFFIC_AWARE_OPTIMAL (we never ask for the latter), and at most 50 origins and destinations given
# as an address or place id. Origins or destinations alone have no limit of their own beyond the elements.
_MAX_ELEMENTS = 625
_MAX_ELEMENTS_TRANSIT = 100
_MAX_GEOCODED_WAYPOINTS = 50

_TRAVEL_MODES: dict[TravelMode, str] = {
    "driving": "DRIVE",
    "walking": "WALK",
    "bicycling": "BICYCLE",
    "transit": "TRANSIT",
    "two_wheeler": "TWO_WHEELER",
}
_PUBLIC_MODES = {google: ours for ours, google in _TRAVEL_MODES.items()}
# Traffic-aware routing exists for the motorised road modes only; Google refuses a preference for the others.
_TRAFFIC_MODES = frozenset({"driving", "two_wheeler"})
# google.rpc.Code NOT_FOUND in a matrix element or a waypoint's geocoder status.
_RPC_NOT_FOUND = 5


def waypoint(text: str) -> dict[str, Any]:
    """Our waypoint (`lat,lon`, `place_id:<id>` or an address) as a Routes API Waypoint."""
    point = lat_lon_of(text)
    if point is not None:
        return {"location": {"latLng": {"latitude": point[0], "longitude": point[1]}}}
    if text.startswith(PLACE_ID_PREFIX):
        return {"placeId": text.removeprefix(PLACE_ID_PREFIX).strip()}
    return {"address": text}


def _address(text: str) -> str | None:
    return text if is_geocoded(text) and not text.startswith(PLACE_ID_PREFIX) else None


def _seconds(raw: Any) -> int:
    """google.protobuf.Duration in JSON ('754s', '1.5s') as whole seconds."""
    return round(float(str(raw or "0s").removesuffix("s")))


def _lat_lon(raw: Mapping[str, Any] | None) -> LatLon:
    lat_lng = (raw or {}).get("latLng") or {}
    return LatLon(lat=float(lat_lng.get("latitude", 0.0)), lon=float(lat_lng.get("longitude", 0.0)))


def _text(raw: Mapping[str, Any], key: str) -> str:
    """The text Google localized for one of the values of `raw`."""
    return str(((raw.get("localizedValues") or {}).get(key) or {}).get("text", ""))


def _distance(raw: Mapping[str, Any]) -> Distance:
    return Distance(meters=int(raw.get("distanceMeters", 0)), text=_text(raw, "distance"))


def _duration(raw: Mapping[str, Any], key: str) -> Duration:
    """`staticDuration` is the trip without traffic (the legacy `duration`); `duration` includes traffic."""
    return Duration(seconds=_seconds(raw.get(key)), text=_text(raw, key))


def _departure(value: DepartureTime) -> str | None:
    if not isinstance(value, dt.datetime):
        return None  # None or "now": the Routes API's departure time defaults to now
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _travel(mode: TravelMode, departure: DepartureTime) -> dict[str, Any]:
    body: dict[str, Any] = {"travelMode": _TRAVEL_MODES[mode]}
    if departure is not None and mode in _TRAFFIC_MODES:
        # TRAFFIC_AWARE, not _OPTIMAL: traffic within the Pro tier and the 625-element matrix limit.
        body["routingPreference"] = "TRAFFIC_AWARE"
    when = _departure(departure)
    if when is not None:
        body["departureTime"] = when
    return body


def compute_routes_body(query: DirectionsQuery) -> dict[str, Any]:
    """A ComputeRoutesRequest in proto3 JSON."""
    return {
        "origin": waypoint(query.origin),
        "destination": waypoint(query.destination),
        "computeAlternativeRoutes": query.alternatives,
        **_travel(query.mode, query.departure_time),
    }


def route_matrix_body(query: MatrixQuery) -> dict[str, Any]:
    """A ComputeRouteMatrixRequest in proto3 JSON."""
    return {
        "origins": [{"waypoint": waypoint(o)} for o in query.origins],
        "destinations": [{"waypoint": waypoint(d)} for d in query.destinations],
        **_travel(query.mode, query.departure_time),
    }


def transit_details(raw: Mapping[str, Any]) -> TransitDetails:
    stops = raw.get("stopDetails") or {}
    line = raw.get("transitLine") or {}
    vehicle = line.get("vehicle") or {}
    return TransitDetails(
        line_name=line.get("name") or line.get("nameShort"),
        line_short_name=line.get("nameShort"),
        vehicle=(vehicle.get("name") or {}).get("text"),
        vehicle_type=vehicle.get("type"),
        headsign=raw.get("headsign"),
        departure_stop=(stops.get("departureStop") or {}).get("name"),
        arrival_stop=(stops.get("arrivalStop") or {}).get("name"),
        departure_time=stops.get("departureTime"),
        arrival_time=stops.get("arrivalTime"),
        stop_count=raw.get("stopCount"),
        agency=((line.get("agencies") or [{}])[0]).get("name"),
    )


def _step(raw: Mapping[str, Any]) -> RouteStep:
    transit = transit_details(raw["transitDetails"]) if raw.get("transitDetails") else None
    instruction = str((raw.get("navigationInstruction") or {}).get("instructions", ""))
    if transit is not None and not instruction:
        instruction = " ".join(p for p in (transit.vehicle, transit.line_name, "towards", transit.headsign) if p)
    return RouteStep(
        instruction=" ".join(instruction.split()),
        distance=_distance(raw),
        duration=_duration(raw, "staticDuration"),
        start_location=_lat_lon(raw.get("startLocation")),
        end_location=_lat_lon(raw.get("endLocation")),
        travel_mode=_PUBLIC_MODES.get(str(raw.get("travelMode", "")), str(raw.get("travelMode", "")).lower()),
        polyline=(raw.get("polyline") or {}).get("encodedPolyline"),
        transit=transit,
    )


def _leg(raw: Mapping[str, Any], start: str | None, end: str | None, traffic: bool) -> RouteLeg:
    return RouteLeg(
        start_address=start,
        end_address=end,
        start_location=_lat_lon(raw.get("startLocation")),
        end_location=_lat_lon(raw.get("endLocation")),
        distance=_distance(raw),
        duration=_duration(raw, "staticDuration"),
        duration_in_traffic=_duration(raw, "duration") if traffic else None,
        steps=[_step(step) for step in raw.get("steps") or []],
    )


def route(raw: Mapping[str, Any], query: DirectionsQuery) -> Route:
    """One Routes API route in our schema."""
    traffic = query.departure_time is not None and query.mode in _TRAFFIC_MODES
    legs = [_leg(leg, _address(query.origin), _address(query.destination), traffic) for leg in raw.get("legs") or []]
    viewport = raw.get("viewport")
    bounds = (
        Box(northeast=_lat_lon({"latLng": viewport["high"]}), southwest=_lat_lon({"latLng": viewport["low"]}))
        if viewport
        else None
    )
    return Route.over(
        legs,
        summary=str(raw.get("description", "")),
        overview_polyline=(raw.get("polyline") or {}).get("encodedPolyline"),
        bounds=bounds,
        warnings=[str(w) for w in raw.get("warnings") or []],
    )


def _endpoints_found(geocoding: Mapping[str, Any]) -> bool:
    return all(
        ((geocoding.get(end) or {}).get("geocoderStatus") or {}).get("code", 0) == 0
        for end in ("origin", "destination")
    )


def _element(raw: Mapping[str, Any], traffic: bool) -> MatrixElement:
    code = (raw.get("status") or {}).get("code", 0)
    if code:
        return MatrixElement(status="NOT_FOUND" if code == _RPC_NOT_FOUND else "UNKNOWN_ERROR")
    if raw.get("condition") != "ROUTE_EXISTS":
        return MatrixElement(status="ZERO_RESULTS")
    return MatrixElement(
        status="OK",
        distance=_distance(raw),
        duration=_duration(raw, "staticDuration"),
        duration_in_traffic=_duration(raw, "duration") if traffic else None,
    )


def distance_matrix(elements: list[Mapping[str, Any]], query: MatrixQuery) -> DistanceMatrix:
    """The streamed elements (any order, zero indexes left out) placed into rows in request order."""
    traffic = query.departure_time is not None and query.mode in _TRAFFIC_MODES
    grid: list[list[MatrixElement | None]] = [[None] * len(query.destinations) for _ in query.origins]
    for raw in elements:
        grid[int(raw.get("originIndex", 0))][int(raw.get("destinationIndex", 0))] = _element(raw, traffic)
    return DistanceMatrix(
        origin_addresses=[_address(o) or o for o in query.origins],
        destination_addresses=[_address(d) or d for d in query.destinations],
        rows=[MatrixRow(elements=[cell or MatrixElement(status="UNKNOWN_ERROR") for cell in row]) for row in grid],
    )


class GoogleRoutes:
    """RoutingProvider over the Routes API v2."""

    name = "google"

    def __init__(self, rpc: GoogleRpcCaller) -> None:
        self._rpc = rpc

    def matrix_limits(self, query: MatrixQuery) -> MatrixLimits:
        elements = _MAX_ELEMENTS_TRANSIT if query.mode == "transit" else _MAX_ELEMENTS
        return MatrixLimits(
            max_origins=elements,
            max_destinations=elements,
            max_elements=elements,
            max_geocoded_waypoints=_MAX_GEOCODED_WAYPOINTS,
        )

    async def directions(self, query: DirectionsQuery) -> list[Route]:
        body = compute_routes_body(query)
        blame = Blame(
            "origin",
            by_google_field={"origin": "origin", "destination": "destination", "departure_time": "departure_time"},
            not_found=RouteEndpointsNotFound,
        )
        answer = await self._rpc.request(
            "computeRoutes", "POST", COMPUTE_ROUTES, field_mask=ROUTES_FIELD_MASK, blame=blame, body=body
        )
        if not _endpoints_found(answer.get("geocodingResults") or {}):
            raise RouteEndpointsNotFound()
        return [route(raw, query) for raw in answer.get("routes") or []]

    async def distance_matrix(self, query: MatrixQuery) -> DistanceMatrix:
        body = route_matrix_body(query)
        blame = Blame(
            "origins",
            location="body",
            by_google_field={"origins": "origins", "destinations": "destinations", "departure_time": "departure_time"},
        )
        elements = await self._rpc.request(
            "computeRouteMatrix", "POST", COMPUTE_ROUTE_MATRIX, field_mask=MATRIX_FIELD_MASK, blame=blame, body=body
        )
        return distance_matrix(list(elements or []), query)
