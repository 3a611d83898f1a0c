"""Google Maps web services: geocode, reverse geocode, place text search and details, directions,
distance matrix and time zone, with Google's status values."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox import gazetteer, geo, travel
from tripsage_sandbox.errors import GOOGLE_KEY_MISSING
from tripsage_sandbox.models import places
from tripsage_sandbox.providers import google_places as gp
from tripsage_sandbox.responses import json_response
from tripsage_sandbox.seeding import stable_seed

_Handler = Callable[[Request], Awaitable[Response]]
# A distance matrix answers every status with these fields, empty when it has no result.
_EMPTY_MATRIX: dict[str, Any] = {"destination_addresses": [], "origin_addresses": [], "rows": []}
# A reverse geocode names a landmark when the point is on its grounds.
_LANDMARK_REACH_KM = 0.25
_TZ_NAMES = {
    "JST": "Japan Standard Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Standard Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time",
    "EEST": "Eastern European Summer Time",
    "WET": "Western European Standard Time",
    "WEST": "Western European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "IST": "India Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
    "KST": "Korean Standard Time",
    "HKT": "Hong Kong Standard Time",
    "SGT": "Singapore Standard Time",
}


def _status(status: str, message: str | None = None, **empty: Any) -> Response:
    body: dict[str, Any] = dict(empty)
    if message:
        body["error_message"] = message
    body["status"] = status
    return json_response(body)


def _requires_key(**empty: Any) -> Callable[[_Handler], _Handler]:
    """A web service that answers REQUEST_DENIED, with its own empty result fields, to a request without a key."""

    def wrap(handler: _Handler) -> _Handler:
        @functools.wraps(handler)
        async def answer(request: Request) -> Response:
            if not request.query_params.get("key", "").strip():
                return _status("REQUEST_DENIED", GOOGLE_KEY_MISSING, **empty)
            return await handler(request)

        return answer

    return wrap


@_requires_key(results=[])
async def geocode(request: Request) -> Response:
    """GET /maps/api/geocode/json: address, place_id or latlng (reverse)."""
    q = request.query_params
    if q.get("latlng"):
        latlng = gp.parse_latlng(q["latlng"])
        if latlng is None:
            return _status("INVALID_REQUEST", "Invalid request. Invalid 'latlng' parameter.", results=[])
        if gazetteer.is_open_water(*latlng):
            return json_response({"results": [], "status": "ZERO_RESULTS"})
        city = geo.locality_at(*latlng)
        results = [gp.geocode_result(gp.from_city(city))]
        # Most specific first, as Google orders them: a landmark standing at the point, then the locality.
        landmark = gazetteer.nearest(latlng[0], latlng[1], _LANDMARK_REACH_KM)
        if landmark is not None:
            results.insert(0, gp.geocode_result(gp.from_landmark(landmark)))
        return json_response(
            {"plus_code": gp.plus_code_block(latlng[0], latlng[1], city), "results": results, "status": "OK"}
        )
    if q.get("place_id"):
        found = gp.by_place_id(q["place_id"])
        if found is None:
            return _status("INVALID_REQUEST", "Invalid request. Invalid 'place_id' parameter.", results=[])
        return json_response({"results": [gp.geocode_result(found)], "status": "OK"})
    address = q.get("address") or ""
    components = q.get("components") or ""
    if not address and not components:
        return _status(
            "INVALID_REQUEST",
            "Invalid request. Missing the 'address', 'components', 'latlng' or 'place_id' parameter.",
            results=[],
        )
    country = next((c.split(":", 1)[1].upper() for c in components.split("|") if c.startswith("country:")), None)
    # components=administrative_area:IL narrows "Springfield" the way a ", IL" hint in the address does.
    areas = [c.split(":", 1)[1] for c in components.split("|") if c.startswith("administrative_area:")]
    found = gp.geocode_text(", ".join([address, *areas]) if address else components.replace("|", ","))
    if found is None or (country and found.city.country != country):
        return json_response({"results": [], "status": "ZERO_RESULTS"})
    return json_response({"results": [gp.geocode_result(found)], "status": "OK"})


def _search_result(poi: places.Poi) -> dict[str, Any]:
    result: dict[str, Any] = {
        "business_status": "OPERATIONAL",
        "formatted_address": poi.address,
        "geometry": {"location": {"lat": poi.lat, "lng": poi.lon}, "viewport": gp.viewport(poi.lat, poi.lon, 0.15)},
        "icon": "https://maps.gstatic.com/mapfiles/place_api/icons/v1/png_71/generic_business-71.png",
        "icon_background_color": "#7B9EB0",
        "icon_mask_base_uri": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/generic_pinlet",
        "name": poi.name,
        "opening_hours": {"open_now": places.open_now(poi)},
        "photos": [
            {
                "height": 1080,
                "width": 1920,
                "html_attributions": ["TripSage sandbox"],
                "photo_reference": f"SBX_PHOTO_{poi.place_id}",
            }
        ],
        "place_id": poi.place_id,
        "plus_code": gp.plus_code_block(poi.lat, poi.lon, poi.city),
        "rating": poi.rating,
        "reference": poi.place_id,
        "types": [poi.place_type, "point_of_interest", "establishment"],
        "user_ratings_total": poi.ratings_total,
        "sandbox": True,
    }
    if poi.category in ("restaurant", "cafe", "bar", "hotel", "bakery"):
        result["price_level"] = poi.price_level
    return result


@_requires_key(html_attributions=[], results=[])
async def place_text_search(request: Request) -> Response:
    """GET /maps/api/place/textsearch/json?query=museums+in+Kyoto."""
    q = request.query_params
    query = q.get("query") or ""
    location = gp.parse_latlng(q["location"]) if q.get("location") else None
    if not query and location is None and not q.get("type"):
        return _status("INVALID_REQUEST", None, html_attributions=[], results=[])
    category = places.category_of(f"{query} {q.get('type', '')}")
    found = places.search_text(query, location, category)
    if found is None:
        return json_response({"html_attributions": [], "results": [], "status": "ZERO_RESULTS"})
    if q.get("opennow") == "true":
        found = [p for p in found if places.open_now(p)]
    if not found:
        return json_response({"html_attributions": [], "results": [], "status": "ZERO_RESULTS"})
    return json_response({"html_attributions": [], "results": [_search_result(p) for p in found], "status": "OK"})


@_requires_key(html_attributions=[], results=[])
async def place_nearby_search(request: Request) -> Response:
    """GET /maps/api/place/nearbysearch/json?location=48.8584,2.2945&radius=1000&type=museum."""
    q = request.query_params
    location = gp.parse_latlng(q.get("location", ""))
    try:
        radius_m = float(q.get("radius", ""))
    except ValueError:
        radius_m = 0.0
    if location is None or not 0.0 < radius_m <= 50_000.0:
        return _status("INVALID_REQUEST", None, html_attributions=[], results=[])
    categories = (places.category_of(q["type"]),) if q.get("type") else ()
    # Google ranks by prominence and pages by 20; the sandbox's prominence is the number of ratings.
    found = sorted(places.nearby(*location, radius_m / 1000, categories), key=lambda p: -p.ratings_total)[:20]
    if not found:
        return json_response({"html_attributions": [], "results": [], "status": "ZERO_RESULTS"})
    return json_response({"html_attributions": [], "results": [_search_result(p) for p in found], "status": "OK"})


def _details(found: gp.Resolved) -> dict[str, Any]:
    poi = places.poi_by_id(found.place_id)
    result = gp.geocode_result(found)
    result.update(
        {
            "name": found.name,
            "url": f"https://maps.google.com/?cid=sandbox-{found.place_id}",
            "utc_offset": int(
                (datetime.now(ZoneInfo(found.city.tz)).utcoffset() or timedelta(0)).total_seconds() // 60
            ),
            "vicinity": found.city.name,
            "sandbox": True,
        }
    )
    if poi is not None:
        result.update(_search_result(poi))
        phone = (
            f"+00 {stable_seed('phone', poi.place_id) % 900 + 100} {stable_seed('line', poi.place_id) % 9000 + 1000}"
        )
        result.update(
            {
                "adr_address": f'<span class="street-address">{poi.address.split(",")[0]}</span>, '
                f'<span class="locality">{poi.city.name}</span>',
                "formatted_phone_number": phone,
                "international_phone_number": phone,
                "website": f"https://sandbox.invalid/{poi.place_id.lower()}",
                "opening_hours": {
                    "open_now": places.open_now(poi),
                    "periods": [
                        {
                            "open": {"day": day, "time": f"{poi.opens:02d}00"},
                            "close": {
                                "day": day if poi.closes < 24 else (day + 1) % 7,
                                "time": f"{poi.closes % 24:02d}00",
                            },
                        }
                        for day in range(7)
                    ],
                    "weekday_text": [
                        f"{day}: {poi.opens:02d}:00 - {poi.closes % 24:02d}:00"
                        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
                    ],
                },
                "reviews": [
                    {
                        "author_name": "Sandbox Reviewer",
                        "author_url": "https://sandbox.invalid/reviewer",
                        "profile_photo_url": "https://sandbox.invalid/reviewer.png",
                        "rating": round(poi.rating),
                        "language": "en",
                        "relative_time_description": "a month ago",
                        "text": f"Sandbox review of {poi.name}.",
                        "time": 1700000000,
                    }
                ],
            }
        )
    return result


@_requires_key(html_attributions=[])
async def place_details(request: Request) -> Response:
    """GET /maps/api/place/details/json?place_id=..&fields=.."""
    # The googlemaps SDK still sends the legacy name `placeid`; Google accepts both.
    place_id = request.query_params.get("place_id") or request.query_params.get("placeid") or ""
    if not place_id:
        return _status("INVALID_REQUEST", None, html_attributions=[])
    found = gp.by_place_id(place_id)
    if found is None:
        return _status("NOT_FOUND", None, html_attributions=[])
    result = _details(found)
    fields = request.query_params.get("fields")
    if fields:
        wanted = {f.strip().split("/")[0] for f in fields.split(",") if f.strip()}
        # Google names some fields in the singular and returns them in the plural (type -> types, ...).
        wanted |= {_FIELD_KEYS[f] for f in wanted if f in _FIELD_KEYS}
        result = {k: v for k, v in result.items() if k in wanted}
    return json_response({"html_attributions": [], "result": result, "status": "OK"})


_FIELD_KEYS = {"type": "types", "photo": "photos", "review": "reviews"}
_LEGACY_MODES = {
    "driving": travel.Mode.DRIVE,
    "walking": travel.Mode.WALK,
    "bicycling": travel.Mode.BICYCLE,
    "transit": travel.Mode.TRANSIT,
}
_VEHICLE_NAMES = {"SUBWAY": "Subway", "BUS": "Bus", "HEAVY_RAIL": "Train"}


def _point(place: gp.Resolved) -> travel.Point:
    return travel.Point(place.lat, place.lon, place.name, place.city)


def _departure(request: Request) -> datetime | None:
    """departure_time as Google takes it: 'now' or Unix seconds (None when absent or unreadable)."""
    raw = request.query_params.get("departure_time") or ""
    if raw == "now":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def distance_text(meters: int, units: str) -> str:
    if units == "imperial":
        miles = meters / 1609.344
        return f"{miles:.1f} mi" if miles >= 0.1 else f"{round(meters * 3.28084)} ft"
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{meters} m"


def duration_text(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days > 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours > 1 else ''}")
    if mins and not days:
        parts.append(f"{mins} min{'s' if mins > 1 else ''}")
    return " ".join(parts)


def _mode(request: Request) -> travel.Mode | None:
    return _LEGACY_MODES.get((request.query_params.get("mode") or "driving").lower())


def _local_time(moment: datetime, tz: str) -> dict[str, Any]:
    local = moment.astimezone(ZoneInfo(tz))
    return {"text": local.strftime("%-I:%M %p"), "time_zone": tz, "value": int(moment.timestamp())}


def _transit_details(ride: travel.TransitRide, segment: travel.Segment, city: geo.City) -> dict[str, Any]:
    return {
        "arrival_stop": {"location": {"lat": segment.end[0], "lng": segment.end[1]}, "name": ride.arrival_stop},
        "arrival_time": _local_time(ride.arrival_time, city.tz),
        "departure_stop": {
            "location": {"lat": segment.start[0], "lng": segment.start[1]},
            "name": ride.departure_stop,
        },
        "departure_time": _local_time(ride.departure_time, city.tz),
        "headsign": ride.headsign,
        "headway": ride.headway_s,
        "line": {
            "agencies": [{"name": ride.agency, "url": "https://sandbox.invalid/transit"}],
            "color": ride.color,
            "name": ride.line_name,
            "short_name": ride.line_short_name,
            "vehicle": {
                "icon": "//maps.gstatic.com/mapfiles/transit/iw2/6/metro.png",
                "name": _VEHICLE_NAMES[ride.vehicle],
                "type": ride.vehicle,
            },
        },
        "num_stops": ride.stop_count,
    }


def _step(segment: travel.Segment, city: geo.City, units: str) -> dict[str, Any]:
    start, end = segment.start, segment.end
    points = [(start[0] + (end[0] - start[0]) * i / 4, start[1] + (end[1] - start[1]) * i / 4) for i in range(5)]
    legacy_mode = next(name for name, mode in _LEGACY_MODES.items() if mode is segment.mode)
    step: dict[str, Any] = {
        "distance": {"text": distance_text(segment.distance_m, units), "value": segment.distance_m},
        "duration": {"text": duration_text(segment.duration_s), "value": segment.duration_s},
        "end_location": {"lat": round(end[0], 7), "lng": round(end[1], 7)},
        "html_instructions": segment.instruction,
        "polyline": {"points": gp.encode_polyline(points)},
        "start_location": {"lat": round(start[0], 7), "lng": round(start[1], 7)},
        "travel_mode": legacy_mode.upper() if segment.mode is not travel.Mode.TWO_WHEELER else "DRIVING",
    }
    if segment.ride is not None:
        step["transit_details"] = _transit_details(segment.ride, segment, city)
    return step


def _leg(a: gp.Resolved, b: gp.Resolved, trip: travel.Trip, units: str, traffic: bool) -> dict[str, Any]:
    leg: dict[str, Any] = {
        "distance": {"text": distance_text(trip.distance_m, units), "value": trip.distance_m},
        "duration": {"text": duration_text(trip.static_duration_s), "value": trip.static_duration_s},
        "end_address": b.address,
        "end_location": {"lat": b.lat, "lng": b.lon},
        "start_address": a.address,
        "start_location": {"lat": a.lat, "lng": a.lon},
        "steps": [_step(s, a.city, units) for s in trip.segments],
        "traffic_speed_entry": [],
        "via_waypoint": [],
    }
    if traffic:
        leg["duration_in_traffic"] = {"text": duration_text(trip.duration_s), "value": trip.duration_s}
    rides = [s.ride for s in trip.segments if s.ride is not None]
    if rides:
        leg["departure_time"] = _local_time(rides[0].departure_time, a.city.tz)
        leg["arrival_time"] = _local_time(rides[-1].arrival_time, b.city.tz)
    return leg


@_requires_key(geocoded_waypoints=[], routes=[])
async def directions(request: Request) -> Response:
    """GET /maps/api/directions/json?origin=..&destination=..&mode=.."""
    q = request.query_params
    mode = _mode(request)
    if not q.get("origin") or not q.get("destination") or mode is None:
        return _status(
            "INVALID_REQUEST",
            "Invalid request. Missing the 'origin' or 'destination' parameter."
            if mode
            else "Invalid request. Invalid 'mode' parameter.",
            geocoded_waypoints=[],
            routes=[],
        )
    via = [w for w in (q.get("waypoints") or "").split("|") if w.strip() and not w.startswith("optimize:")]
    if len(via) > 25:
        return _status("MAX_WAYPOINTS_EXCEEDED", None, geocoded_waypoints=[], routes=[])
    stops = [gp.resolve(q["origin"]), *(gp.resolve(w.removeprefix("via:")) for w in via), gp.resolve(q["destination"])]
    waypoints = [
        {
            "geocoder_status": "OK" if p else "ZERO_RESULTS",
            **({"place_id": p.place_id, "types": list(p.types)} if p else {}),
        }
        for p in stops
    ]
    if any(p is None for p in stops):
        return json_response({"geocoded_waypoints": waypoints, "routes": [], "status": "NOT_FOUND"})
    resolved = [p for p in stops if p is not None]
    departure = _departure(request)
    traffic = mode is travel.Mode.DRIVE and departure is not None
    trips = [travel.plan(_point(a), _point(b), mode, departure, traffic) for a, b in itertools.pairwise(resolved)]
    if any(trip is None for trip in trips):
        return json_response({"geocoded_waypoints": waypoints, "routes": [], "status": "ZERO_RESULTS"})
    units = q.get("units") or "metric"
    legs = [
        _leg(a, b, trip, units, traffic)
        for (a, b), trip in zip(itertools.pairwise(resolved), trips, strict=True)
        if trip is not None
    ]
    lats, lons = [p.lat for p in resolved], [p.lon for p in resolved]
    route = {
        "bounds": {
            "northeast": {"lat": max(lats), "lng": max(lons)},
            "southwest": {"lat": min(lats), "lng": min(lons)},
        },
        "copyrights": "Map data ©2026 TripSage sandbox (not live data)",
        "legs": legs,
        "overview_polyline": {"points": gp.encode_polyline([(p.lat, p.lon) for p in resolved])},
        "summary": f"Sandbox route via {resolved[0].city.name}",
        "warnings": [],
        "waypoint_order": list(range(len(via))),
    }
    return json_response({"geocoded_waypoints": waypoints, "routes": [route], "status": "OK"})


@_requires_key(**_EMPTY_MATRIX)
async def distance_matrix(request: Request) -> Response:
    """GET /maps/api/distancematrix/json?origins=a|b&destinations=c|d."""
    q = request.query_params
    mode = _mode(request)
    origins = [o for o in (q.get("origins") or "").split("|") if o.strip()]
    destinations = [d for d in (q.get("destinations") or "").split("|") if d.strip()]
    if not origins or not destinations or mode is None:
        return _status(
            "INVALID_REQUEST", "Invalid request. Missing the 'origins' or 'destinations' parameter.", **_EMPTY_MATRIX
        )
    if len(origins) > 25 or len(destinations) > 25:
        return _status("MAX_DIMENSIONS_EXCEEDED", None, **_EMPTY_MATRIX)
    if len(origins) * len(destinations) > 100:
        return _status("MAX_ELEMENTS_EXCEEDED", None, **_EMPTY_MATRIX)
    units = q.get("units") or "metric"
    resolved_o = [gp.resolve(o) for o in origins]
    resolved_d = [gp.resolve(d) for d in destinations]
    departure = _departure(request)
    traffic = mode is travel.Mode.DRIVE and departure is not None
    rows = []
    for a in resolved_o:
        elements = []
        for b in resolved_d:
            if a is None or b is None:
                elements.append({"status": "NOT_FOUND"})
                continue
            trip = travel.plan(_point(a), _point(b), mode, departure, traffic)
            if trip is None:
                elements.append({"status": "ZERO_RESULTS"})
                continue
            meters, seconds = trip.distance_m, trip.static_duration_s
            element: dict[str, Any] = {
                "distance": {"text": distance_text(meters, units), "value": meters},
                "duration": {"text": duration_text(seconds), "value": seconds},
                "status": "OK",
            }
            if traffic:
                element["duration_in_traffic"] = {"text": duration_text(trip.duration_s), "value": trip.duration_s}
            elements.append(element)
        rows.append({"elements": elements})
    return json_response(
        {
            "destination_addresses": [d.address if d else "" for d in resolved_d],
            "origin_addresses": [o.address if o else "" for o in resolved_o],
            "rows": rows,
            "status": "OK",
        }
    )


async def timezone(request: Request) -> Response:
    """GET /maps/api/timezone/json?location=lat,lng&timestamp=..."""
    if not request.query_params.get("key", "").strip():
        return json_response({"errorMessage": GOOGLE_KEY_MISSING, "status": "REQUEST_DENIED"})
    q = request.query_params
    latlng = gp.parse_latlng(q.get("location") or "")
    try:
        timestamp = int(float(q.get("timestamp") or ""))
    except (ValueError, OverflowError):
        timestamp = None
    if latlng is None or timestamp is None:
        return json_response(
            {
                "errorMessage": "Invalid request. Invalid 'location' or 'timestamp' parameter.",
                "status": "INVALID_REQUEST",
            }
        )
    city = geo.nearest_city(*latlng)
    if geo.distance_km(latlng[0], latlng[1], city.lat, city.lon) > 400:
        return json_response({"status": "ZERO_RESULTS"})
    zone = ZoneInfo(city.tz)
    try:
        moment = datetime.fromtimestamp(timestamp, UTC).astimezone(zone)
    except (ValueError, OverflowError, OSError):
        return json_response(
            {"errorMessage": "Invalid request. Invalid 'timestamp' parameter.", "status": "INVALID_REQUEST"}
        )
    dst = moment.dst() or timedelta(0)
    total = moment.utcoffset() or timedelta(0)
    abbreviation = moment.tzname() or city.tz
    return json_response(
        {
            "dstOffset": int(dst.total_seconds()),
            "rawOffset": int((total - dst).total_seconds()),
            "status": "OK",
            "timeZoneId": city.tz,
            "timeZoneName": _TZ_NAMES.get(abbreviation, abbreviation),
        }
    )
