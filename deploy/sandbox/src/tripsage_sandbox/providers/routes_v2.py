"""Routes API v2 (routes.googleapis.com): computeRoutes and the streamed computeRouteMatrix.

Shapes follow google/maps/routing/v2 (routes_service.proto, route.proto, transit.proto) in proto3 JSON: field
names in lowerCamelCase, durations as "123s", timestamps in RFC 3339, zero values left out.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tripsage_sandbox import travel
from tripsage_sandbox.providers import google_places as gp
from tripsage_sandbox.providers import google_rpc as rpc
from tripsage_sandbox.providers.google import distance_text, duration_text
from tripsage_sandbox.responses import PLAIN_JSON, json_response

SERVICE = "routes.googleapis.com"
MAX_INTERMEDIATES = 25
MAX_ELEMENTS = 625
# TRANSIT and TRAFFIC_AWARE_OPTIMAL matrices are limited to 100 elements; address and place id waypoints to 50.
MAX_ELEMENTS_CONSTRAINED = 100
MAX_GEOCODED_WAYPOINTS = 50

_TRAFFIC_PREFERENCES = ("TRAFFIC_AWARE", "TRAFFIC_AWARE_OPTIMAL")
# Enum values in proto order, so a number indexes its name (gaps are '').
_TRAVEL_MODES = ("TRAVEL_MODE_UNSPECIFIED", "DRIVE", "BICYCLE", "WALK", "TWO_WHEELER", "", "", "TRANSIT")
_PREFERENCES = ("ROUTING_PREFERENCE_UNSPECIFIED", "TRAFFIC_UNAWARE", *_TRAFFIC_PREFERENCES)
_UNITS = ("UNITS_UNSPECIFIED", "METRIC", "IMPERIAL")
_RESPONSE_ENUMS = {
    "travelMode": {name: number for number, name in enumerate(_TRAVEL_MODES) if name},
    "condition": {"ROUTE_EXISTS": 1, "ROUTE_NOT_FOUND": 2},
    "maneuver": {"DEPART": 19, "STRAIGHT": 9},
    "routeLabels": {"DEFAULT_ROUTE": 1},
    "type": {"BUS": 1, "HEAVY_RAIL": 7, "SUBWAY": 16},
}
_VEHICLE_NAMES = {"SUBWAY": "Subway", "BUS": "Bus", "HEAVY_RAIL": "Train"}
_ROUTE_FIELDS = frozenset(
    {
        "routeLabels",
        "legs",
        "distanceMeters",
        "duration",
        "staticDuration",
        "polyline",
        "description",
        "warnings",
        "viewport",
        "travelAdvisory",
        "optimizedIntermediateWaypointIndex",
        "localizedValues",
        "routeToken",
        "polylineDetails",
    }
)
_ROUTES_RESPONSE: dict[str, frozenset[str]] = {
    "routes": _ROUTE_FIELDS,
    "fallbackInfo": frozenset(),
    "geocodingResults": frozenset(),
}
_ELEMENT_FIELDS: dict[str, frozenset[str]] = {
    name: frozenset()
    for name in (
        "originIndex",
        "destinationIndex",
        "status",
        "condition",
        "distanceMeters",
        "duration",
        "staticDuration",
        "travelAdvisory",
        "fallbackInfo",
        "localizedValues",
    )
}


def _resolve(waypoint: Any, field: str) -> gp.Resolved | None:
    """A Waypoint (location.latLng, placeId or address) to a sandbox place; None when it cannot be geocoded."""
    if not isinstance(waypoint, dict) or not waypoint:
        raise rpc.InvalidField(field, f"Invalid {field}: a waypoint needs a location, a place_id or an address.")
    if "location" in waypoint:
        location = waypoint["location"]
        raw = location.get("latLng") if isinstance(location, dict) else None
        if not isinstance(raw, dict):
            raise rpc.InvalidField(f"{field}.location.lat_lng", "A location needs a lat_lng.")
        try:
            lat, lon = float(raw.get("latitude", 0.0)), float(raw.get("longitude", 0.0))
        except (TypeError, ValueError):
            raise rpc.InvalidField(f"{field}.location.lat_lng", "Invalid LatLng.") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise rpc.InvalidField(
                f"{field}.location.lat_lng", "Latitude must be in [-90, 90], longitude in [-180, 180]."
            )
        return gp.resolve(f"{lat},{lon}")
    if "placeId" in waypoint:
        return gp.by_place_id(str(waypoint["placeId"]))
    if "address" in waypoint:
        return gp.geocode_text(str(waypoint["address"]))
    raise rpc.InvalidField(field, f"Invalid {field}: a waypoint needs a location, a place_id or an address.")


def _mode(body: dict[str, Any]) -> travel.Mode:
    raw = body.get("travelMode", 0)
    name = rpc.enum_name(raw, _TRAVEL_MODES)
    if name is None:
        raise rpc.InvalidField("travel_mode", f"Invalid value at 'travel_mode': {raw!r}.")
    return travel.Mode.DRIVE if name == "TRAVEL_MODE_UNSPECIFIED" else travel.Mode(name)


def _units(body: dict[str, Any]) -> str:
    raw = body.get("units", 0)
    name = rpc.enum_name(raw, _UNITS)
    if name is None:
        raise rpc.InvalidField("units", f"Invalid value at 'units': {raw!r}.")
    return "imperial" if name == "IMPERIAL" else "metric"


def _preference(body: dict[str, Any], mode: travel.Mode) -> str | None:
    raw = body.get("routingPreference", 0)
    preference = rpc.enum_name(raw, _PREFERENCES)
    if preference is None:
        raise rpc.InvalidField("routing_preference", f"Invalid value at 'routing_preference': {raw!r}.")
    if preference == "ROUTING_PREFERENCE_UNSPECIFIED":
        return None
    if mode not in (travel.Mode.DRIVE, travel.Mode.TWO_WHEELER):
        raise rpc.InvalidField("routing_preference", f"Routing preference cannot be set for {mode.value} travel mode.")
    return str(preference)


def _timestamp(body: dict[str, Any], key: str, field: str) -> datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise rpc.InvalidField(
            field, f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.Timestamp)."
        ) from None
    if moment.tzinfo is None:
        raise rpc.InvalidField(field, f"Invalid value at '{field}': a timestamp needs a time zone offset.")
    return moment.astimezone(UTC)


def _departure(body: dict[str, Any], mode: travel.Mode) -> datetime | None:
    departure = _timestamp(body, "departureTime", "departure_time")
    arrival = _timestamp(body, "arrivalTime", "arrival_time")
    if arrival is not None and mode is not travel.Mode.TRANSIT:
        raise rpc.InvalidField("arrival_time", "Arrival time can only be set when travel mode is TRANSIT.")
    if arrival is not None and departure is not None:
        raise rpc.InvalidField("arrival_time", "Only one of departure_time and arrival_time can be set.")
    now = datetime.now(UTC)
    if departure is not None and mode is not travel.Mode.TRANSIT and departure < now - timedelta(seconds=60):
        raise rpc.InvalidField("departure_time", "Timestamp must be set to a future time.")
    if departure is not None and departure > now + timedelta(days=100):
        raise rpc.InvalidField("departure_time", "Timestamp cannot be set more than 100 days into the future.")
    if arrival is not None:
        # Plan backwards from the arrival with a first guess at the trip's length.
        return arrival - timedelta(hours=1)
    return departure


def _point(place: gp.Resolved) -> travel.Point:
    return travel.Point(place.lat, place.lon, place.name, place.city)


def _location(lat: float, lon: float) -> dict[str, Any]:
    return {"latLng": rpc.latlng(lat, lon)}


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_time(moment: datetime, tz: str) -> dict[str, Any]:
    return {"time": {"text": moment.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p")}, "timeZone": tz}


def _transit_details(segment: travel.Segment, ride: travel.TransitRide, tz: str) -> dict[str, Any]:
    return {
        "stopDetails": {
            "arrivalStop": {"name": ride.arrival_stop, "location": _location(*segment.end)},
            "arrivalTime": _rfc3339(ride.arrival_time),
            "departureStop": {"name": ride.departure_stop, "location": _location(*segment.start)},
            "departureTime": _rfc3339(ride.departure_time),
        },
        "localizedValues": {
            "arrivalTime": _local_time(ride.arrival_time, tz),
            "departureTime": _local_time(ride.departure_time, tz),
        },
        "headsign": ride.headsign,
        "headway": rpc.duration(ride.headway_s),
        "transitLine": {
            "agencies": [{"name": ride.agency, "uri": "https://sandbox.invalid/transit"}],
            "name": ride.line_name,
            "color": ride.color,
            "nameShort": ride.line_short_name,
            "textColor": "#ffffff",
            "vehicle": {
                "name": {"text": _VEHICLE_NAMES[ride.vehicle], "languageCode": "en"},
                "type": ride.vehicle,
                "iconUri": "//maps.gstatic.com/mapfiles/transit/iw2/6/metro.png",
            },
        },
        "stopCount": ride.stop_count,
    }


def _polyline(start: tuple[float, float], end: tuple[float, float]) -> dict[str, str]:
    points = [(start[0] + (end[0] - start[0]) * i / 4, start[1] + (end[1] - start[1]) * i / 4) for i in range(5)]
    return {"encodedPolyline": gp.encode_polyline(points)}


def _step(segment: travel.Segment, index: int, tz: str, units: str) -> dict[str, Any]:
    step: dict[str, Any] = {
        "distanceMeters": segment.distance_m,
        "staticDuration": rpc.duration(segment.duration_s),
        "polyline": _polyline(segment.start, segment.end),
        "startLocation": _location(*segment.start),
        "endLocation": _location(*segment.end),
        "navigationInstruction": {
            "maneuver": "DEPART" if index == 0 else "STRAIGHT",
            "instructions": segment.instruction,
        },
        "localizedValues": {
            "distance": {"text": distance_text(segment.distance_m, units)},
            "staticDuration": {"text": duration_text(segment.duration_s)},
        },
        "travelMode": segment.mode.value,
    }
    if segment.ride is not None:
        step["transitDetails"] = _transit_details(segment, segment.ride, tz)
        del step["navigationInstruction"]
    return step


def _localized(trip: travel.Trip, units: str) -> dict[str, Any]:
    return {
        "distance": {"text": distance_text(trip.distance_m, units)},
        "duration": {"text": duration_text(trip.duration_s)},
        "staticDuration": {"text": duration_text(trip.static_duration_s)},
    }


def _leg(a: gp.Resolved, b: gp.Resolved, trip: travel.Trip, units: str) -> dict[str, Any]:
    return {
        "distanceMeters": trip.distance_m,
        "duration": rpc.duration(trip.duration_s),
        "staticDuration": rpc.duration(trip.static_duration_s),
        "polyline": _polyline((a.lat, a.lon), (b.lat, b.lon)),
        "startLocation": _location(a.lat, a.lon),
        "endLocation": _location(b.lat, b.lon),
        "steps": [_step(s, i, a.city.tz, units) for i, s in enumerate(trip.segments)],
        "localizedValues": _localized(trip, units),
    }


def _route(stops: list[gp.Resolved], trips: list[travel.Trip], units: str) -> dict[str, Any]:
    total = travel.Trip(sum(t.static_duration_s for t in trips), tuple(s for t in trips for s in t.segments))
    lats, lons = [p.lat for p in stops], [p.lon for p in stops]
    return {
        "routeLabels": ["DEFAULT_ROUTE"],
        "legs": [_leg(a, b, trip, units) for (a, b), trip in zip(itertools.pairwise(stops), trips, strict=True)],
        "distanceMeters": total.distance_m,
        "duration": rpc.duration(total.duration_s),
        "staticDuration": rpc.duration(total.static_duration_s),
        "polyline": {"encodedPolyline": gp.encode_polyline([(p.lat, p.lon) for p in stops])},
        "description": f"Sandbox route via {stops[0].city.name}",
        "warnings": [],
        "viewport": {"low": rpc.latlng(min(lats), min(lons)), "high": rpc.latlng(max(lats), max(lons))},
        "travelAdvisory": {},
        "localizedValues": _localized(total, units),
        "routeToken": f"SBX_ROUTE_{len(stops)}_{total.distance_m}",
    }


def _geocoding(raw: dict[str, Any], resolved: dict[str, gp.Resolved | None]) -> dict[str, Any]:
    """geocodingResults for waypoints given as an address or place id (lat/lng waypoints are not geocoded)."""
    results: dict[str, Any] = {}
    for key, place in resolved.items():
        waypoint = raw.get(key) if not key.startswith("intermediates") else None
        if key.startswith("intermediates"):
            index = int(key.split(".")[1])
            waypoint = raw["intermediates"][index]
        if not isinstance(waypoint, dict) or "location" in waypoint:
            continue
        entry: dict[str, Any] = (
            {"geocoderStatus": {}, "type": list(place.types), "placeId": place.place_id}
            if place is not None
            else {"geocoderStatus": {"code": 5, "message": "Could not geocode the waypoint."}}
        )
        if key.startswith("intermediates"):
            results.setdefault("intermediates", []).append({**entry, "intermediateWaypointRequestIndex": index})
        else:
            results[key] = entry
    return results


@rpc.endpoint
async def compute_routes(request: Request) -> Response:
    """POST /directions/v2:computeRoutes."""
    body, mask = await rpc.prepare(
        request, SERVICE, _ROUTES_RESPONSE, "routes.distanceMeters,routes.duration,routes.polyline.encodedPolyline"
    )
    return json_response(rpc.respond(request, mask, _compute_routes(body), _RESPONSE_ENUMS))


def _compute_routes(body: dict[str, Any]) -> dict[str, Any]:
    mode = _mode(body)
    units = _units(body)
    preference = _preference(body, mode)
    departure = _departure(body, mode)
    for field in ("origin", "destination"):
        if not body.get(field):
            raise rpc.InvalidField(field, f"Invalid {field}: the request needs an {field}.")
    intermediates = body.get("intermediates") or []
    if not isinstance(intermediates, list) or len(intermediates) > MAX_INTERMEDIATES:
        raise rpc.InvalidField("intermediates", f"A route can have at most {MAX_INTERMEDIATES} intermediate waypoints.")
    if intermediates and mode is travel.Mode.TRANSIT:
        raise rpc.InvalidField("intermediates", "Intermediate waypoints are not supported for TRANSIT travel mode.")
    resolved: dict[str, gp.Resolved | None] = {"origin": _resolve(body["origin"], "origin")}
    for index, waypoint in enumerate(intermediates):
        resolved[f"intermediates.{index}"] = _resolve(waypoint, f"intermediates[{index}]")
    resolved["destination"] = _resolve(body["destination"], "destination")
    geocoding = _geocoding(body, resolved)
    response: dict[str, Any] = {"geocodingResults": geocoding} if geocoding else {}
    stops = [place for place in resolved.values() if place is not None]
    if len(stops) != len(resolved):
        return response
    traffic = preference in _TRAFFIC_PREFERENCES and mode in (travel.Mode.DRIVE, travel.Mode.TWO_WHEELER)
    start = departure or datetime.now(UTC).replace(microsecond=0)
    trips: list[travel.Trip] = []
    for a, b in itertools.pairwise(stops):
        trip = travel.plan(_point(a), _point(b), mode, start, traffic)
        if trip is None:
            # No route (an ocean in the way): Google answers with an empty response, not an error.
            return response
        trips.append(trip)
        start += timedelta(seconds=trip.duration_s)
    response["routes"] = [_route(stops, trips, units)]
    return response


def _element(
    origin_index: int,
    destination_index: int,
    a: gp.Resolved | None,
    b: gp.Resolved | None,
    mode: travel.Mode,
    departure: datetime | None,
    traffic: bool,
    units: str,
) -> dict[str, Any]:
    element: dict[str, Any] = {}
    # proto3 JSON leaves zero values out, so index 0 is absent: clients must default it.
    if origin_index:
        element["originIndex"] = origin_index
    if destination_index:
        element["destinationIndex"] = destination_index
    if a is None or b is None:
        which = "origin" if a is None else "destination"
        element["status"] = {"code": 5, "message": f"The {which} could not be geocoded."}
        return element
    trip = travel.plan(_point(a), _point(b), mode, departure, traffic)
    element["status"] = {}
    if trip is None:
        element["condition"] = "ROUTE_NOT_FOUND"
        return element
    element.update(
        {
            "condition": "ROUTE_EXISTS",
            "distanceMeters": trip.distance_m,
            "duration": rpc.duration(trip.duration_s),
            "staticDuration": rpc.duration(trip.static_duration_s),
            "travelAdvisory": {},
            "localizedValues": _localized(trip, units),
        }
    )
    return element


def _matrix_side(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    side = body.get(key)
    if not isinstance(side, list) or not side:
        raise rpc.InvalidField(key, f"Invalid {key}: at least one is required.")
    waypoints = []
    for index, item in enumerate(side):
        if not isinstance(item, dict) or not isinstance(item.get("waypoint"), dict):
            raise rpc.InvalidField(f"{key}[{index}].waypoint", "Each entry needs a waypoint.")
        waypoints.append(item["waypoint"])
    return waypoints


def _check_matrix_limits(
    origins: list[dict[str, Any]], destinations: list[dict[str, Any]], mode: travel.Mode, preference: str | None
) -> None:
    elements = len(origins) * len(destinations)
    constrained = mode is travel.Mode.TRANSIT or preference == "TRAFFIC_AWARE_OPTIMAL"
    limit = MAX_ELEMENTS_CONSTRAINED if constrained else MAX_ELEMENTS
    if elements > limit:
        why = "TRANSIT or TRAFFIC_AWARE_OPTIMAL" if constrained else "this request"
        raise rpc.InvalidField(
            "origins", f"The number of elements ({elements}) exceeds the limit of {limit} for {why}."
        )
    geocoded = sum(1 for w in (*origins, *destinations) if "location" not in w)
    if geocoded > MAX_GEOCODED_WAYPOINTS:
        raise rpc.InvalidField(
            "origins",
            f"{geocoded} origins and destinations are given as an address or place id; "
            f"the limit is {MAX_GEOCODED_WAYPOINTS}.",
        )


@rpc.endpoint
async def compute_route_matrix(request: Request) -> Response:
    """POST /distanceMatrix/v2:computeRouteMatrix: a JSON array of elements, streamed one element at a time."""
    body, mask = await rpc.prepare(
        request, SERVICE, _ELEMENT_FIELDS, "originIndex,destinationIndex,status,condition,distanceMeters,duration"
    )
    mode = _mode(body)
    preference = _preference(body, mode)
    departure = _departure(body, mode)
    origins = _matrix_side(body, "origins")
    destinations = _matrix_side(body, "destinations")
    _check_matrix_limits(origins, destinations, mode, preference)
    resolved_o = [_resolve(w, f"origins[{i}].waypoint") for i, w in enumerate(origins)]
    resolved_d = [_resolve(w, f"destinations[{i}].waypoint") for i, w in enumerate(destinations)]
    traffic = preference in _TRAFFIC_PREFERENCES
    units = _units(body)

    async def elements() -> AsyncIterator[bytes]:
        # The API streams elements in whatever order they finish, never row by row: clients go by the indexes.
        pairs = sorted(
            itertools.product(range(len(resolved_o)), range(len(resolved_d))), key=lambda pair: (pair[1], pair[0])
        )
        for position, (i, j) in enumerate(pairs):
            element = _element(i, j, resolved_o[i], resolved_d[j], mode, departure, traffic, units)
            shown = rpc.respond(request, mask, element, _RESPONSE_ENUMS)
            yield (b"[" if position == 0 else b",\n") + orjson.dumps(shown)
        yield b"]"

    return StreamingResponse(elements(), media_type=PLAIN_JSON)
