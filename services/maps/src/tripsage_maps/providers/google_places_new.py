"""Place search and details through the Places API (New) (places.googleapis.com); geocoding stays on the Geocoding
API through the googlemaps SDK, which is a current API.

Places (New) bills by the fields in the mask (docs/maps.md). Ours ask for what `PlaceSummary`/`PlaceDetails`
carry; rating, price level, opening hours, website and phones are Enterprise fields, so both calls are billed as
Text Search Enterprise and Place Details Enterprise, the tiers the legacy path's fields correspond to.

Place ids are the bare ids the legacy API returns too; the resource name `places/{id}` is accepted on input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tripsage_maps.errors import PlaceNotFound
from tripsage_maps.providers.base import NearbySearch, PlaceSearch
from tripsage_maps.providers.google_places import GooglePlaces
from tripsage_maps.providers.google_rpc import Blame, GoogleRpcCaller
from tripsage_maps.schemas import (
    DayTime,
    GeocodeResult,
    LatLon,
    OpeningHours,
    OpeningPeriod,
    PlaceDetails,
    PlaceSummary,
)

SEARCH_TEXT = "/v1/places:searchText"
SEARCH_NEARBY = "/v1/places:searchNearby"
RESOURCE_PREFIX = "places/"

_SUMMARY_FIELDS = (
    "id",
    "displayName",
    "formattedAddress",
    "location",
    "types",
    "businessStatus",
    "rating",
    "userRatingCount",
    "priceLevel",
    "currentOpeningHours.openNow",
)
_DETAIL_FIELDS = (
    *_SUMMARY_FIELDS,
    "regularOpeningHours",
    "websiteUri",
    "nationalPhoneNumber",
    "internationalPhoneNumber",
    "googleMapsUri",
    "utcOffsetMinutes",
    "photos.name",
)
SEARCH_FIELD_MASK = ",".join(f"places.{name}" for name in _SUMMARY_FIELDS)
DETAILS_FIELD_MASK = ",".join(_DETAIL_FIELDS)
# A location with no radius biases towards its neighbourhood, as the legacy text search did.
DEFAULT_BIAS_RADIUS_M = 5_000
_PRICE_LEVELS = {
    "PRICE_LEVEL_FREE": 0,
    "PRICE_LEVEL_INEXPENSIVE": 1,
    "PRICE_LEVEL_MODERATE": 2,
    "PRICE_LEVEL_EXPENSIVE": 3,
    "PRICE_LEVEL_VERY_EXPENSIVE": 4,
}


def bare_place_id(place_id: str) -> str:
    """`places/ChIJ…` (a Places (New) resource name) or `ChIJ…` as the bare id our public `place_id` is."""
    return place_id.removeprefix(RESOURCE_PREFIX)


def _summary_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    location = raw.get("location")
    return {
        "place_id": bare_place_id(str(raw.get("id") or raw.get("name", ""))),
        "name": str((raw.get("displayName") or {}).get("text", "")),
        "address": raw.get("formattedAddress"),
        "location": LatLon(lat=float(location["latitude"]), lon=float(location["longitude"])) if location else None,
        "rating": raw.get("rating"),
        "user_ratings_total": raw.get("userRatingCount"),
        "price_level": _PRICE_LEVELS.get(str(raw.get("priceLevel", ""))),
        "types": list(raw.get("types") or []),
        "open_now": (raw.get("currentOpeningHours") or {}).get("openNow"),
        "business_status": raw.get("businessStatus"),
    }


def place_summary(raw: Mapping[str, Any]) -> PlaceSummary:
    return PlaceSummary(**_summary_fields(raw))


def _day_time(raw: Mapping[str, Any]) -> DayTime:
    return DayTime(day=int(raw.get("day", 0)), time=f"{int(raw.get('hour', 0)):02d}{int(raw.get('minute', 0)):02d}")


def opening_hours(regular: Mapping[str, Any] | None, open_now: bool | None) -> OpeningHours | None:
    """Places (New) hours in the legacy shape: day 0 = Sunday in both, times as HHMM."""
    if not regular and open_now is None:
        return None
    regular = regular or {}
    return OpeningHours(
        open_now=open_now,
        periods=[
            OpeningPeriod(open=_day_time(p["open"]), close=_day_time(p["close"]) if p.get("close") else None)
            for p in regular.get("periods") or []
            if p.get("open")
        ],
        weekday_text=[str(text) for text in regular.get("weekdayDescriptions") or []],
    )


def place_details(raw: Mapping[str, Any]) -> PlaceDetails:
    summary = _summary_fields(raw)
    return PlaceDetails(
        **summary,
        opening_hours=opening_hours(raw.get("regularOpeningHours"), summary["open_now"]),
        photos=[str(photo["name"]) for photo in raw.get("photos") or [] if photo.get("name")],
        website=raw.get("websiteUri"),
        phone=raw.get("nationalPhoneNumber"),
        international_phone=raw.get("internationalPhoneNumber"),
        maps_url=raw.get("googleMapsUri"),
        utc_offset_minutes=raw.get("utcOffsetMinutes"),
    )


def search_nearby_body(search: NearbySearch) -> dict[str, Any]:
    center = {"latitude": search.lat, "longitude": search.lon}
    body: dict[str, Any] = {
        "locationRestriction": {"circle": {"center": center, "radius": float(search.radius_m)}},
        # Ranked by popularity, Google's default and the legacy Nearby Search's "prominence".
        "rankPreference": "POPULARITY",
    }
    if search.type:
        body["includedTypes"] = [search.type]
    return body


def search_text_body(search: PlaceSearch) -> dict[str, Any]:
    body: dict[str, Any] = {"textQuery": search.query}
    if search.lat is not None and search.lon is not None:
        center = {"latitude": search.lat, "longitude": search.lon}
        body["locationBias"] = {"circle": {"center": center, "radius": float(search.radius_m or DEFAULT_BIAS_RADIUS_M)}}
    if search.type:
        body["includedType"] = search.type
    return body


class GooglePlacesNew:
    """PlacesProvider: search and details on the Places API (New), geocoding on the Geocoding API (SDK)."""

    name = "google"

    def __init__(self, rpc: GoogleRpcCaller, geocoding: GooglePlaces) -> None:
        self._rpc = rpc
        self._geocoding = geocoding

    async def geocode(self, address: str) -> list[GeocodeResult]:
        return await self._geocoding.geocode(address)

    async def reverse_geocode(self, lat: float, lon: float) -> list[GeocodeResult]:
        return await self._geocoding.reverse_geocode(lat, lon)

    async def search(self, search: PlaceSearch) -> list[PlaceSummary]:
        blame = Blame(
            "query",
            by_google_field={"text_query": "query", "location_bias": "radius_m", "included_type": "type"},
        )
        answer = await self._rpc.request(
            "searchText", "POST", SEARCH_TEXT, field_mask=SEARCH_FIELD_MASK, blame=blame, body=search_text_body(search)
        )
        # An empty search is `{}` in proto3 JSON, not `{"places": []}`.
        return [place_summary(raw) for raw in answer.get("places") or []]

    async def nearby(self, search: NearbySearch) -> list[PlaceSummary]:
        blame = Blame(
            "radius_m",
            by_google_field={"location_restriction": "radius_m", "included_types": "type"},
        )
        answer = await self._rpc.request(
            "searchNearby",
            "POST",
            SEARCH_NEARBY,
            field_mask=SEARCH_FIELD_MASK,
            blame=blame,
            body=search_nearby_body(search),
        )
        return [place_summary(raw) for raw in answer.get("places") or []]

    async def details(self, place_id: str) -> PlaceDetails:
        bare = bare_place_id(place_id)
        blame = Blame("place_id", location="path", not_found=lambda: PlaceNotFound(bare))
        answer = await self._rpc.request(
            "getPlace", "GET", f"/v1/{RESOURCE_PREFIX}{bare}", field_mask=DETAILS_FIELD_MASK, blame=blame
        )
        return place_details(answer)
