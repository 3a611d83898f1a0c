"""Places API (New) (places.googleapis.com): places:searchText, places:searchNearby and GET places/{id}.

Shapes follow google/maps/places/v1 (place.proto, places_service.proto) in proto3 JSON. Place ids are the same
sandbox ids the legacy Places API returns, so a place keeps its id across the two generations; the resource name
is `places/{id}`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox import gazetteer, geo
from tripsage_sandbox.models import places
from tripsage_sandbox.providers import google_places as gp
from tripsage_sandbox.providers import google_rpc as rpc
from tripsage_sandbox.responses import json_response
from tripsage_sandbox.seeding import stable_seed

SERVICE = "places.googleapis.com"
MAX_RESULTS = 20
MAX_RADIUS_M = 50_000.0

_PRICE_LEVELS = (
    "PRICE_LEVEL_FREE",
    "PRICE_LEVEL_INEXPENSIVE",
    "PRICE_LEVEL_MODERATE",
    "PRICE_LEVEL_EXPENSIVE",
    "PRICE_LEVEL_VERY_EXPENSIVE",
)
_TEXT_RANKS = ("RANK_PREFERENCE_UNSPECIFIED", "DISTANCE", "RELEVANCE")
_NEARBY_RANKS = ("RANK_PREFERENCE_UNSPECIFIED", "DISTANCE", "POPULARITY")
_RESPONSE_ENUMS = {
    "priceLevel": {name: number for number, name in enumerate(("PRICE_LEVEL_UNSPECIFIED", *_PRICE_LEVELS))},
    "businessStatus": {"OPERATIONAL": 1},
}
_PRICED = frozenset({"restaurant", "cafe", "bar", "hotel", "bakery"})
_TYPE_NAMES = {"lodging": "Hotel", "tourist_attraction": "Tourist attraction", "place_of_worship": "Place of worship"}
_PLACE_FIELDS = frozenset(
    {
        "name",
        "id",
        "displayName",
        "types",
        "primaryType",
        "primaryTypeDisplayName",
        "nationalPhoneNumber",
        "internationalPhoneNumber",
        "formattedAddress",
        "shortFormattedAddress",
        "addressComponents",
        "plusCode",
        "location",
        "viewport",
        "rating",
        "googleMapsUri",
        "websiteUri",
        "reviews",
        "regularOpeningHours",
        "currentOpeningHours",
        "utcOffsetMinutes",
        "timeZone",
        "photos",
        "businessStatus",
        "priceLevel",
        "userRatingCount",
        "iconMaskBaseUri",
        "iconBackgroundColor",
        "editorialSummary",
        "adrFormatAddress",
        "attributions",
    }
)
_GET_PLACE: dict[str, frozenset[str]] = {name: frozenset() for name in _PLACE_FIELDS}
_SEARCH_RESPONSE: dict[str, frozenset[str]] = {
    "places": _PLACE_FIELDS,
    "nextPageToken": frozenset(),
    "routingSummaries": frozenset(),
}
_CATEGORY_BY_TYPE = {place_type: category for category, (place_type, _) in places.CATEGORIES.items()}
_PLACE_TYPE = re.compile(r"^[a-z][a-z_]{1,60}$")
_CATEGORY_BY_TYPE |= {"art_gallery": "museum", "church": "temple", "market": "shopping", "national_park": "park"}


def _text(value: str) -> dict[str, str]:
    return {"text": value, "languageCode": "en"}


def _opening_hours(poi: places.Poi) -> dict[str, Any]:
    if poi.opens == 0 and poi.closes == 24:
        # Always open: Google sends one period that opens on Sunday at midnight and never closes.
        periods: list[dict[str, Any]] = [{"open": {"day": 0, "hour": 0, "minute": 0}}]
        weekday = [f"{day}: Open 24 hours" for day in _WEEKDAYS]
    else:
        periods = [
            {
                "open": {"day": day, "hour": poi.opens, "minute": 0},
                "close": {"day": day if poi.closes < 24 else (day + 1) % 7, "hour": poi.closes % 24, "minute": 0},
            }
            for day in range(7)
        ]
        weekday = [f"{day}: {poi.opens:02d}:00 \u2013 {poi.closes % 24:02d}:00" for day in _WEEKDAYS]
    return {"openNow": places.open_now(poi), "periods": periods, "weekdayDescriptions": weekday}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _components(place: gp.Resolved) -> list[dict[str, Any]]:
    return [
        {"longText": c["long_name"], "shortText": c["short_name"], "types": c["types"], "languageCode": "en"}
        for c in gp.geocode_result(place)["address_components"]
    ]


def _viewport(lat: float, lon: float, radius_km: float) -> dict[str, Any]:
    box = gp.viewport(lat, lon, radius_km)
    return {
        "low": rpc.latlng(box["southwest"]["lat"], box["southwest"]["lng"]),
        "high": rpc.latlng(box["northeast"]["lat"], box["northeast"]["lng"]),
    }


def _render(place: gp.Resolved) -> dict[str, Any]:
    """A full Place; the field mask then keeps what the caller asked for."""
    offset = datetime.now(ZoneInfo(place.city.tz)).utcoffset() or timedelta(0)
    plus = gp.plus_code_block(place.lat, place.lon, place.city)
    body: dict[str, Any] = {
        "name": f"places/{place.place_id}",
        "id": place.place_id,
        "displayName": _text(place.name),
        "types": list(place.types),
        "primaryType": place.types[0],
        "primaryTypeDisplayName": _text(_TYPE_NAMES.get(place.types[0], place.types[0].replace("_", " ").capitalize())),
        "formattedAddress": place.address,
        "shortFormattedAddress": place.address.split(", ", 1)[-1] if "," in place.address else place.address,
        "addressComponents": _components(place),
        "plusCode": {"globalCode": plus["global_code"], "compoundCode": plus["compound_code"]},
        "location": rpc.latlng(place.lat, place.lon),
        "viewport": _viewport(place.lat, place.lon, place.radius_km),
        "googleMapsUri": f"https://maps.google.com/?cid=sandbox-{place.place_id}",
        "utcOffsetMinutes": int(offset.total_seconds() // 60),
        "timeZone": {"id": place.city.tz},
        "adrFormatAddress": f'<span class="locality">{place.city.name}</span>, '
        f'<span class="country-name">{geo.country_name(place.city.country)}</span>',
    }
    poi = places.poi_by_id(place.place_id)
    if poi is None:
        return body
    phone = f"{stable_seed('phone', poi.place_id) % 900 + 100} {stable_seed('line', poi.place_id) % 9000 + 1000}"
    hours = _opening_hours(poi)
    body.update(
        {
            "rating": poi.rating,
            "userRatingCount": poi.ratings_total,
            "businessStatus": "OPERATIONAL",
            "regularOpeningHours": hours,
            "currentOpeningHours": hours,
            "nationalPhoneNumber": f"0{phone}",
            "internationalPhoneNumber": f"+00 {phone}",
            "websiteUri": f"https://sandbox.invalid/{poi.place_id.lower()}",
            "photos": [
                {
                    "name": f"places/{poi.place_id}/photos/SBX_PHOTO_{index}",
                    "widthPx": 1920,
                    "heightPx": 1080,
                    "authorAttributions": [
                        {"displayName": "TripSage sandbox", "uri": "https://sandbox.invalid", "photoUri": ""}
                    ],
                }
                for index in range(2)
            ],
            "iconMaskBaseUri": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/generic_pinlet",
            "iconBackgroundColor": "#7B9EB0",
        }
    )
    if poi.category in _PRICED:
        body["priceLevel"] = _PRICE_LEVELS[poi.price_level]
    return body


def _count(body: dict[str, Any]) -> int:
    raw = body.get("pageSize") or body.get("maxResultCount") or MAX_RESULTS
    field = "page_size" if body.get("pageSize") else "max_result_count"
    if not isinstance(raw, int) or not 1 <= raw <= MAX_RESULTS:
        raise rpc.InvalidField(field, f"{field} must be between 1 and {MAX_RESULTS}, inclusive.")
    return raw


def _circle(raw: Any, field: str) -> tuple[float, float, float]:
    """A Circle {center: LatLng, radius: metres} as (lat, lon, radius km)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("center"), dict):
        raise rpc.InvalidField(f"{field}.center", "A circle needs a center.")
    try:
        lat = float(raw["center"].get("latitude", 0.0))
        lon = float(raw["center"].get("longitude", 0.0))
        radius = float(raw.get("radius", 0.0))
    except (TypeError, ValueError):
        raise rpc.InvalidField(field, "Invalid circle.") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise rpc.InvalidField(f"{field}.center", "Latitude must be in [-90, 90], longitude in [-180, 180].")
    if not (0.0 < radius <= MAX_RADIUS_M) or math.isnan(radius):
        raise rpc.InvalidField(
            f"{field}.radius", f"Radius must be greater than 0 and at most {MAX_RADIUS_M:.0f} meters."
        )
    return lat, lon, radius / 1000


def _categories(types: Any, field: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """Place types as (categories the sandbox generates places for, other types only landmarks can have)."""
    if types is None:
        return (), frozenset()
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise rpc.InvalidField(field, f"{field} must be a list of place types.")
    unsupported = [t for t in types if not _PLACE_TYPE.match(t)]
    if unsupported:
        raise rpc.InvalidField(field, f"Unsupported types: {', '.join(unsupported)}.")
    categories = tuple(dict.fromkeys(_CATEGORY_BY_TYPE[t] for t in types if t in _CATEGORY_BY_TYPE))
    return categories, frozenset(t for t in types if t not in _CATEGORY_BY_TYPE)


def _within(poi: places.Poi, restriction: tuple[float, float, float, float] | None) -> bool:
    if restriction is None:
        return True
    south, west, north, east = restriction
    return south <= poi.lat <= north and (
        west <= poi.lon <= east if west <= east else poi.lon >= west or poi.lon <= east
    )


def _rectangle(raw: Any) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        low, high = raw["rectangle"]["low"], raw["rectangle"]["high"]
        return float(low["latitude"]), float(low["longitude"]), float(high["latitude"]), float(high["longitude"])
    except (KeyError, TypeError, ValueError):
        raise rpc.InvalidField("location_restriction.rectangle", "A rectangle needs low and high corners.") from None


def _number(body: dict[str, Any], key: str, field: str) -> float:
    raw = body.get(key) or 0.0
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise rpc.InvalidField(field, f"{field} must be a number.")
    return float(raw)


def _strings(body: dict[str, Any], key: str, field: str) -> list[str]:
    raw = body.get(key) or []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise rpc.InvalidField(field, f"{field} must be a list of strings.")
    return raw


def _search_text(body: dict[str, Any]) -> list[places.Poi]:
    raw_query = body.get("textQuery")
    if raw_query is not None and not isinstance(raw_query, str):
        raise rpc.InvalidField("text_query", "text_query must be a string.")
    query = (raw_query or "").strip()
    if not query:
        raise rpc.InvalidField("text_query", "Empty text_query.")
    count = _count(body)
    bias = body.get("locationBias") or {}
    if not isinstance(bias, dict):
        raise rpc.InvalidField("location_bias", "location_bias must be a circle or a rectangle.")
    near = _circle(bias["circle"], "location_bias.circle")[:2] if "circle" in bias else None
    restriction = _rectangle(body.get("locationRestriction"))
    included = body.get("includedType")
    categories, _ = _categories([included], "included_type") if included else ((), frozenset())
    category = categories[0] if categories else places.category_of(query)
    found = places.search_text(query, near, category) or []
    min_rating = _number(body, "minRating", "min_rating")
    if not 0.0 <= min_rating <= 5.0:
        raise rpc.InvalidField("min_rating", "min_rating must be between 0.0 and 5.0.")
    levels = {
        rpc.enum_name(level, ("PRICE_LEVEL_UNSPECIFIED", *_PRICE_LEVELS)) for level in body.get("priceLevels") or ()
    }
    if None in levels:
        raise rpc.InvalidField("price_levels", "Invalid price level.")
    if body.get("strictTypeFiltering") and included:
        found = [p for p in found if p.place_type == included or p.category == category]
    found = [p for p in found if p.rating >= min_rating and _within(p, restriction)]
    if body.get("openNow"):
        found = [p for p in found if places.open_now(p)]
    if levels:
        found = [p for p in found if p.category in _PRICED and _PRICE_LEVELS[p.price_level] in levels]
    rank = rpc.enum_name(body.get("rankPreference", 0), _TEXT_RANKS)
    if rank is None:
        raise rpc.InvalidField("rank_preference", "Invalid rank preference.")
    if rank == "DISTANCE" and near is not None:
        found.sort(key=lambda p: geo.distance_km(near[0], near[1], p.lat, p.lon))
    return found[:count]


@rpc.endpoint
async def search_text(request: Request) -> Response:
    """POST /v1/places:searchText."""
    return await _search(request, _search_text)


def _search_nearby(body: dict[str, Any]) -> list[places.Poi]:
    restriction = body.get("locationRestriction")
    if not isinstance(restriction, dict) or "circle" not in restriction:
        raise rpc.InvalidField("location_restriction", "location_restriction.circle is required.")
    lat, lon, radius_km = _circle(restriction["circle"], "location_restriction.circle")
    count = _count(body)
    categories, other_types = _categories(body.get("includedTypes"), "included_types")
    excluded = set(_strings(body, "excludedTypes", "excluded_types"))
    found = places.nearby(lat, lon, radius_km, categories) if categories or not other_types else []
    found += [
        places.from_landmark(lm) for _, lm in gazetteer.within(lat, lon, radius_km) if lm.place_type in other_types
    ]
    found = [p for p in found if p.place_type not in excluded]
    rank = rpc.enum_name(body.get("rankPreference", 0), _NEARBY_RANKS)
    if rank is None:
        raise rpc.InvalidField("rank_preference", "Invalid rank preference.")
    if rank != "DISTANCE":
        found.sort(key=lambda p: -p.ratings_total)
    return found[:count]


@rpc.endpoint
async def search_nearby(request: Request) -> Response:
    """POST /v1/places:searchNearby."""
    return await _search(request, _search_nearby)


async def _search(request: Request, search: Callable[[dict[str, Any]], list[places.Poi]]) -> Response:
    body, mask = await rpc.prepare(request, SERVICE, _SEARCH_RESPONSE, "places.displayName,places.formattedAddress")
    found = search(body)
    # An empty search is an empty object in proto3 JSON, not {"places": []}.
    result = {"places": [_render(gp.from_poi(p)) for p in found]} if found else {}
    return json_response(rpc.respond(request, mask, result, _RESPONSE_ENUMS))


@rpc.endpoint
async def get_place(request: Request) -> Response:
    """GET /v1/places/{place_id}."""
    _, mask = await rpc.prepare(request, SERVICE, _GET_PLACE, "displayName,formattedAddress")
    place_id = request.path_params["place_id"]
    place = gp.by_place_id(place_id)
    if place is None:
        if not place_id.startswith(places.PLACE_PREFIX):
            return rpc.bad_field("name", f"Not a valid Place ID: {place_id}.")
        return rpc.error("NOT_FOUND", f"Place '{place_id}' was not found.")
    return json_response(rpc.respond(request, mask, _render(place), _RESPONSE_ENUMS))
