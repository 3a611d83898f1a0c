"""Geocoding and places through Google's Geocoding and Places APIs (googlemaps SDK), normalised to our schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tripsage_maps.errors import PlaceNotFound
from tripsage_maps.providers.base import NearbySearch, PlaceSearch
from tripsage_maps.providers.google_client import GoogleMapsCaller
from tripsage_maps.schemas import Box, GeocodeResult, LatLon, OpeningHours, PlaceDetails, PlaceSummary

# Asking only for these keeps details in the cheaper SKUs and out of content we would not show.
DETAIL_FIELDS = (
    "place_id",
    "name",
    "formatted_address",
    "geometry/location",
    "rating",
    "user_ratings_total",
    "price_level",
    "type",
    "business_status",
    "opening_hours",
    "website",
    "formatted_phone_number",
    "international_phone_number",
    "url",
    "utc_offset",
    "photo",  # Basic Data: no extra charge
)


def lat_lon(point: Mapping[str, Any]) -> LatLon:
    return LatLon(lat=float(point["lat"]), lon=float(point["lng"]))


def _box(raw: Mapping[str, Any] | None) -> Box | None:
    if not raw:
        return None
    return Box(northeast=lat_lon(raw["northeast"]), southwest=lat_lon(raw["southwest"]))


def geocode_result(raw: Mapping[str, Any]) -> GeocodeResult:
    geometry = raw["geometry"]
    return GeocodeResult(
        formatted_address=raw.get("formatted_address", ""),
        location=lat_lon(geometry["location"]),
        place_id=raw.get("place_id"),
        types=list(raw.get("types", [])),
        location_type=geometry.get("location_type"),
        viewport=_box(geometry.get("viewport")),
        bounds=_box(geometry.get("bounds")),
    )


def _summary_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    geometry = raw.get("geometry") or {}
    return {
        "place_id": raw["place_id"],
        "name": raw.get("name", ""),
        "address": raw.get("formatted_address") or raw.get("vicinity"),
        "location": lat_lon(geometry["location"]) if "location" in geometry else None,
        "rating": raw.get("rating"),
        "user_ratings_total": raw.get("user_ratings_total"),
        "price_level": raw.get("price_level"),
        "types": list(raw.get("types", [])),
        "open_now": (raw.get("opening_hours") or {}).get("open_now"),
        "business_status": raw.get("business_status"),
    }


def place_summary(raw: Mapping[str, Any]) -> PlaceSummary:
    return PlaceSummary(**_summary_fields(raw))


def place_details(raw: Mapping[str, Any]) -> PlaceDetails:
    hours = raw.get("opening_hours")
    return PlaceDetails(
        **_summary_fields(raw),
        opening_hours=OpeningHours.model_validate(hours) if hours else None,
        photos=[str(p["photo_reference"]) for p in raw.get("photos", []) if p.get("photo_reference")],
        website=raw.get("website"),
        phone=raw.get("formatted_phone_number"),
        international_phone=raw.get("international_phone_number"),
        maps_url=raw.get("url"),
        utc_offset_minutes=raw.get("utc_offset"),
    )


class GooglePlaces:
    """PlacesProvider over the Geocoding API and Places API (legacy web service) through the SDK."""

    name = "google"

    def __init__(self, caller: GoogleMapsCaller) -> None:
        self._caller = caller

    async def geocode(self, address: str) -> list[GeocodeResult]:
        raw = await self._caller.call("geocode", lambda c: c.geocode(address), field="address")
        return [geocode_result(r) for r in raw]

    async def reverse_geocode(self, lat: float, lon: float) -> list[GeocodeResult]:
        raw = await self._caller.call("reverse_geocode", lambda c: c.reverse_geocode((lat, lon)), field="lat")
        return [geocode_result(r) for r in raw]

    async def search(self, search: PlaceSearch) -> list[PlaceSummary]:
        location = (search.lat, search.lon) if search.lat is not None and search.lon is not None else None
        body = await self._caller.call(
            "place_textsearch",
            lambda c: c.places(query=search.query, location=location, radius=search.radius_m, type=search.type),
            field="query",
        )
        return [place_summary(r) for r in body.get("results", [])]

    async def nearby(self, search: NearbySearch) -> list[PlaceSummary]:
        body = await self._caller.call(
            "place_nearbysearch",
            lambda c: c.places_nearby(location=(search.lat, search.lon), radius=search.radius_m, type=search.type),
            field="radius_m",
        )
        return [place_summary(r) for r in body.get("results", [])]

    async def details(self, place_id: str) -> PlaceDetails:
        body = await self._caller.call(
            "place_details",
            lambda c: c.place(place_id, fields=list(DETAIL_FIELDS)),
            field="place_id",
            location="path",
            not_found=lambda: PlaceNotFound(place_id),
        )
        result = body.get("result")
        if not result:  # ZERO_RESULTS: a well-formed id that names nothing (any more)
            raise PlaceNotFound(place_id)
        return place_details(result)
