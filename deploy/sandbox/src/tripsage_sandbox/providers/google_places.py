"""Resolution of Google-style locations (addresses, 'lat,lng', place ids) to sandbox places."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from tripsage_sandbox import gazetteer, geo
from tripsage_sandbox.models import places

_LATLNG = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Resolved:
    """A location with everything a Google result needs."""

    lat: float
    lon: float
    name: str
    address: str
    place_id: str
    types: tuple[str, ...]
    city: geo.City
    radius_km: float


def city_radius_km(city: geo.City) -> float:
    """Rough urban radius used for viewports."""
    return min(25.0, 2.0 + 4.0 * math.log10(max(city.population, 15000) / 15000))


def city_address(city: geo.City) -> str:
    """'Kyoto, Japan'; US cities carry their state as Google writes them ('Springfield, IL, United States')."""
    if city.country == "US" and city.admin1:
        return f"{city.name}, {city.admin1}, {geo.country_name(city.country)}"
    return f"{city.name}, {geo.country_name(city.country)}"


def from_city(city: geo.City) -> Resolved:
    """A locality result."""
    return Resolved(
        city.lat,
        city.lon,
        city.name,
        city_address(city),
        f"{places.PLACE_PREFIX}C{city.geonameid}",
        ("locality", "political"),
        city,
        city_radius_km(city),
    )


def from_airport(airport: geo.Airport) -> Resolved:
    """An airport result."""
    city = geo.locality_at(airport.lat, airport.lon)
    return Resolved(
        airport.lat,
        airport.lon,
        airport.name,
        f"{airport.name} ({airport.code}), {airport.city}, {geo.country_name(airport.country)}",
        f"{places.PLACE_PREFIX}A{airport.code}",
        ("airport", "establishment", "point_of_interest"),
        city,
        2.0,
    )


def from_poi(poi: places.Poi) -> Resolved:
    """An establishment result."""
    return Resolved(
        poi.lat,
        poi.lon,
        poi.name,
        poi.address,
        poi.place_id,
        (poi.place_type, "point_of_interest", "establishment"),
        poi.city,
        0.2,
    )


def from_landmark(landmark: gazetteer.Landmark) -> Resolved:
    """A landmark result (its real coordinates)."""
    return from_poi(places.from_landmark(landmark))


def parse_latlng(text: str) -> tuple[float, float] | None:
    """'lat,lng' to floats, None when malformed or out of range."""
    match = _LATLNG.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def by_place_id(place_id: str) -> Resolved | None:
    """Look a sandbox place id up."""
    prefix = places.PLACE_PREFIX
    if place_id.startswith(prefix + "C") and place_id[len(prefix) + 1 :].isdigit():
        city = geo.city_by_id(int(place_id[len(prefix) + 1 :]))
        return from_city(city) if city else None
    if place_id.startswith(prefix + "A"):
        airport = geo.airports().get(place_id[len(prefix) + 1 :])
        return from_airport(airport) if airport else None
    poi = places.poi_by_id(place_id)
    return from_poi(poi) if poi else None


def geocode_text(text: str) -> Resolved | None:
    """Forward-geocode free text: an IATA airport code, a landmark, an airport name or a city."""
    stripped = text.strip()
    if len(stripped) == 3 and stripped.isalpha() and stripped.isupper() and stripped in geo.airports():
        return from_airport(geo.airports()[stripped])
    landmark = gazetteer.find(stripped)
    if landmark is not None:
        return from_landmark(landmark)
    city = geo.search_city_in_text(stripped)
    if city is None:
        return None
    if "airport" in stripped.lower():
        members = geo.airports_of_city(city)
        if members:
            return from_airport(members[0])
    return from_city(city)


def resolve(text: str) -> Resolved | None:
    """Resolve a Directions/Distance Matrix waypoint."""
    latlng = parse_latlng(text)
    if latlng is not None:
        city = geo.locality_at(*latlng)
        return Resolved(
            latlng[0],
            latlng[1],
            city.name,
            city_address(city),
            f"{places.PLACE_PREFIX}C{city.geonameid}",
            ("street_address",),
            city,
            0.1,
        )
    if text.startswith("place_id:"):
        return by_place_id(text[len("place_id:") :])
    return geocode_text(text)


def viewport(lat: float, lon: float, radius_km: float) -> dict[str, Any]:
    """A square viewport of the given half-size."""
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * max(0.01, math.cos(math.radians(lat))))
    return {
        "northeast": {"lat": round(lat + dlat, 7), "lng": round(lon + dlon, 7)},
        "southwest": {"lat": round(lat - dlat, 7), "lng": round(lon - dlon, 7)},
    }


_OLC_ALPHABET = "23456789CFGHJMPQRVWX"
_OLC_STEPS = (20.0, 1.0, 0.05, 0.0025, 0.000125)


def plus_code(lat: float, lon: float) -> str:
    """10-digit Open Location Code (the 'plus code' Google attaches to results)."""
    lat = min(max(lat + 90.0, 0.0), 180.0 - 1e-10)
    lon = (lon + 180.0) % 360.0
    code = ""
    for step in _OLC_STEPS:
        lat_digit, lon_digit = int(lat // step), int(lon // step)
        lat -= lat_digit * step
        lon -= lon_digit * step
        code += _OLC_ALPHABET[lat_digit] + _OLC_ALPHABET[lon_digit]
        if len(code) == 8:
            code += "+"
    return code


def plus_code_block(lat: float, lon: float, city: geo.City) -> dict[str, str]:
    """Google's plus_code object: global code plus the short code with its locality."""
    full = plus_code(lat, lon)
    return {"compound_code": f"{full[4:]} {city.name}, {geo.country_name(city.country)}", "global_code": full}


def geocode_result(place: Resolved) -> dict[str, Any]:
    """One Geocoding API result."""
    country = place.city.country
    components = [
        {"long_name": place.city.name, "short_name": place.city.name, "types": ["locality", "political"]},
        {"long_name": geo.country_name(country), "short_name": country, "types": ["country", "political"]},
    ]
    if country == "US" and place.city.admin1:
        state = {"long_name": geo.us_state_name(place.city.admin1), "short_name": place.city.admin1}
        components.insert(1, {**state, "types": ["administrative_area_level_1", "political"]})
    if "locality" not in place.types:
        components.insert(0, {"long_name": place.name, "short_name": place.name, "types": list(place.types[:1])})
    geometry: dict[str, Any] = {
        "location": {"lat": place.lat, "lng": place.lon},
        "location_type": "APPROXIMATE" if "locality" in place.types else "GEOMETRIC_CENTER",
        "viewport": viewport(place.lat, place.lon, place.radius_km),
    }
    if "locality" in place.types:
        geometry["bounds"] = viewport(place.lat, place.lon, place.radius_km * 0.8)
    return {
        "address_components": components,
        "formatted_address": place.address,
        "geometry": geometry,
        "place_id": place.place_id,
        "plus_code": plus_code_block(place.lat, place.lon, place.city),
        "types": list(place.types),
    }


def encode_polyline(points: list[tuple[float, float]]) -> str:
    """Google's encoded polyline algorithm format (1e-5 precision)."""
    out: list[str] = []
    prev_lat = prev_lon = 0
    for lat, lon in points:
        ilat, ilon = round(lat * 1e5), round(lon * 1e5)
        for delta in (ilat - prev_lat, ilon - prev_lon):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)
