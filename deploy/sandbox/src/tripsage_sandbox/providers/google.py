"""Google Maps web services: geocode, reverse geocode, place text search and details, directions,
distance matrix and time zone, with Google's status values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox import geo
from tripsage_sandbox.errors import GOOGLE_KEY_MISSING
from tripsage_sandbox.models import places
from tripsage_sandbox.providers import google_places as gp
from tripsage_sandbox.responses import json_response
from tripsage_sandbox.seeding import stable_seed

_ROAD_FACTOR = 1.25
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


def _denied(request: Request, **empty: Any) -> Response | None:
    if request.query_params.get("key", "").strip():
        return None
    return _status("REQUEST_DENIED", GOOGLE_KEY_MISSING, **empty)


async def geocode(request: Request) -> Response:
    """GET /maps/api/geocode/json: address, place_id or latlng (reverse)."""
    denied = _denied(request, results=[])
    if denied is not None:
        return denied
    q = request.query_params
    if q.get("latlng"):
        latlng = gp.parse_latlng(q["latlng"])
        if latlng is None:
            return _status("INVALID_REQUEST", "Invalid request. Invalid 'latlng' parameter.", results=[])
        city = geo.locality_at(*latlng)
        street = gp.Resolved(
            latlng[0],
            latlng[1],
            city.name,
            f"{city.name}, {geo.country_name(city.country)}",
            f"{places.PLACE_PREFIX}C{city.geonameid}",
            ("locality", "political"),
            city,
            gp.city_radius_km(city),
        )
        return json_response(
            {
                "plus_code": gp.plus_code_block(latlng[0], latlng[1], city),
                "results": [gp.geocode_result(street)],
                "status": "OK",
            }
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
    found = gp.geocode_text(address or components.replace("|", ","))
    if found is None or (country and found.city.country != country):
        return json_response({"results": [], "status": "ZERO_RESULTS"})
    return json_response({"results": [gp.geocode_result(found)], "status": "OK"})


def _open_now(poi: places.Poi) -> bool:
    hour = datetime.now(ZoneInfo(poi.city.tz)).hour
    return poi.opens <= hour < poi.closes


def _search_result(poi: places.Poi) -> dict[str, Any]:
    result: dict[str, Any] = {
        "business_status": "OPERATIONAL",
        "formatted_address": poi.address,
        "geometry": {"location": {"lat": poi.lat, "lng": poi.lon}, "viewport": gp.viewport(poi.lat, poi.lon, 0.15)},
        "icon": "https://maps.gstatic.com/mapfiles/place_api/icons/v1/png_71/generic_business-71.png",
        "icon_background_color": "#7B9EB0",
        "icon_mask_base_uri": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/generic_pinlet",
        "name": poi.name,
        "opening_hours": {"open_now": _open_now(poi)},
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
    if poi.category in ("restaurant", "cafe", "bar", "hotel"):
        result["price_level"] = poi.price_level
    return result


async def place_text_search(request: Request) -> Response:
    """GET /maps/api/place/textsearch/json?query=museums+in+Kyoto."""
    denied = _denied(request, html_attributions=[], results=[])
    if denied is not None:
        return denied
    q = request.query_params
    query = q.get("query") or ""
    location = gp.parse_latlng(q["location"]) if q.get("location") else None
    if not query and location is None and not q.get("type"):
        return _status("INVALID_REQUEST", None, html_attributions=[], results=[])
    city = geo.search_city_in_text(query) if query else None
    if city is None and location is not None:
        city = geo.locality_at(*location)
    if city is None:
        return json_response({"html_attributions": [], "results": [], "status": "ZERO_RESULTS"})
    category = places.category_of(f"{query} {q.get('type', '')}")
    found = list(places.pois(city, category))
    if q.get("opennow") == "true":
        found = [p for p in found if _open_now(p)]
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
                    "open_now": _open_now(poi),
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


async def place_details(request: Request) -> Response:
    """GET /maps/api/place/details/json?place_id=..&fields=.."""
    denied = _denied(request, html_attributions=[])
    if denied is not None:
        return denied
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
_SPEEDS_KMH = {"walking": 4.8, "bicycling": 15.0, "transit": 32.0}


def _travel(distance_km: float, mode: str) -> tuple[float, int]:
    """Road distance (km) and duration (s) for a straight-line distance, by mode."""
    road = distance_km * _ROAD_FACTOR + 0.2
    if mode == "driving":
        speed = 30.0 if road < 20 else 60.0 if road < 100 else 85.0
        seconds = road / speed * 3600
    else:
        seconds = road / _SPEEDS_KMH[mode] * 3600 + (480 if mode == "transit" else 0)
    return road, round(seconds)


def _distance_text(meters: int, units: str) -> str:
    if units == "imperial":
        miles = meters / 1609.344
        return f"{miles:.1f} mi" if miles >= 0.1 else f"{round(meters * 3.28084)} ft"
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{meters} m"


def _duration_text(seconds: int) -> str:
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


def _reachable(a: gp.Resolved, b: gp.Resolved, mode: str) -> bool:
    # Overland modes cannot cross between continents; transit is treated the same way.
    return geo.continent(a.city.country) == geo.continent(b.city.country) or a.city.country == b.city.country


def _mode(request: Request) -> str | None:
    mode = (request.query_params.get("mode") or "driving").lower()
    return mode if mode in ("driving", "walking", "bicycling", "transit") else None


def _leg(a: gp.Resolved, b: gp.Resolved, mode: str, units: str) -> dict[str, Any]:
    straight = geo.great_circle_km(a.lat, a.lon, b.lat, b.lon)
    road_km, seconds = _travel(straight, mode)
    meters = int(road_km * 1000)
    points = [(a.lat + (b.lat - a.lat) * i / 8, a.lon + (b.lon - a.lon) * i / 8) for i in range(9)]
    steps = []
    for i in range(0, 8, 4):
        start, end = points[i], points[i + 4]
        steps.append(
            {
                "distance": {"text": _distance_text(meters // 2, units), "value": meters // 2},
                "duration": {"text": _duration_text(seconds // 2), "value": seconds // 2},
                "end_location": {"lat": round(end[0], 7), "lng": round(end[1], 7)},
                "html_instructions": "Head <b>towards</b> the destination" if i == 0 else "Continue to the destination",
                "polyline": {"points": gp.encode_polyline(points[i : i + 5])},
                "start_location": {"lat": round(start[0], 7), "lng": round(start[1], 7)},
                "travel_mode": mode.upper(),
            }
        )
    return {
        "distance": {"text": _distance_text(meters, units), "value": meters},
        "duration": {"text": _duration_text(seconds), "value": seconds},
        "end_address": b.address,
        "end_location": {"lat": b.lat, "lng": b.lon},
        "start_address": a.address,
        "start_location": {"lat": a.lat, "lng": a.lon},
        "steps": steps,
        "traffic_speed_entry": [],
        "via_waypoint": [],
    }


async def directions(request: Request) -> Response:
    """GET /maps/api/directions/json?origin=..&destination=..&mode=.."""
    denied = _denied(request, geocoded_waypoints=[], routes=[])
    if denied is not None:
        return denied
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
    if any(not _reachable(a, b, mode) for a, b in itertools.pairwise(resolved)):
        return json_response({"geocoded_waypoints": waypoints, "routes": [], "status": "ZERO_RESULTS"})
    units = q.get("units") or "metric"
    legs = [_leg(a, b, mode, units) for a, b in itertools.pairwise(resolved)]
    if mode == "driving" and q.get("departure_time"):
        for leg in legs:
            slowed = int(leg["duration"]["value"] * 1.15)
            leg["duration_in_traffic"] = {"text": _duration_text(slowed), "value": slowed}
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


async def distance_matrix(request: Request) -> Response:
    """GET /maps/api/distancematrix/json?origins=a|b&destinations=c|d."""
    empty: dict[str, Any] = {"destination_addresses": [], "origin_addresses": [], "rows": []}
    denied = _denied(request, **empty)
    if denied is not None:
        return denied
    q = request.query_params
    mode = _mode(request)
    origins = [o for o in (q.get("origins") or "").split("|") if o.strip()]
    destinations = [d for d in (q.get("destinations") or "").split("|") if d.strip()]
    if not origins or not destinations or mode is None:
        return _status(
            "INVALID_REQUEST", "Invalid request. Missing the 'origins' or 'destinations' parameter.", **empty
        )
    if len(origins) > 25 or len(destinations) > 25:
        return _status("MAX_DIMENSIONS_EXCEEDED", None, **empty)
    if len(origins) * len(destinations) > 100:
        return _status("MAX_ELEMENTS_EXCEEDED", None, **empty)
    units = q.get("units") or "metric"
    resolved_o = [gp.resolve(o) for o in origins]
    resolved_d = [gp.resolve(d) for d in destinations]
    rows = []
    for a in resolved_o:
        elements = []
        for b in resolved_d:
            if a is None or b is None:
                elements.append({"status": "NOT_FOUND"})
            elif not _reachable(a, b, mode):
                elements.append({"status": "ZERO_RESULTS"})
            else:
                road_km, seconds = _travel(geo.great_circle_km(a.lat, a.lon, b.lat, b.lon), mode)
                meters = int(road_km * 1000)
                element: dict[str, Any] = {
                    "distance": {"text": _distance_text(meters, units), "value": meters},
                    "duration": {"text": _duration_text(seconds), "value": seconds},
                    "status": "OK",
                }
                if mode == "driving" and q.get("departure_time"):
                    slowed = int(seconds * 1.15)
                    element["duration_in_traffic"] = {"text": _duration_text(slowed), "value": slowed}
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
    if geo.great_circle_km(latlng[0], latlng[1], city.lat, city.lon) > 400:
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
