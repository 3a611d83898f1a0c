"""Places to search: the gazetteer's landmarks, and places of everyday kinds generated around them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from tripsage_sandbox import gazetteer, geo
from tripsage_sandbox.seeding import rng_for

PLACE_PREFIX = "SBX_"
NEARBY_PREFIX = PLACE_PREFIX + "N"

# category -> (Google place type, the kind as a traveller would read it). Generated places are named by kind and
# position ("Café 300 m NE of Louvre Museum"), never with invented brand names.
CATEGORIES: dict[str, tuple[str, str]] = {
    "museum": ("museum", "Museum"),
    "restaurant": ("restaurant", "Restaurant"),
    "cafe": ("cafe", "Café"),
    "hotel": ("lodging", "Hotel"),
    "park": ("park", "Park"),
    "bar": ("bar", "Bar"),
    "temple": ("place_of_worship", "Church"),
    "shopping": ("shopping_mall", "Shopping centre"),
    "attraction": ("tourist_attraction", "Viewpoint"),
    "pharmacy": ("pharmacy", "Pharmacy"),
    "supermarket": ("supermarket", "Supermarket"),
    "bakery": ("bakery", "Bakery"),
}
# Landmark types (data/landmarks.csv) that answer a category's search.
_LANDMARK_TYPES: dict[str, frozenset[str]] = {
    "museum": frozenset({"museum", "art_gallery"}),
    "park": frozenset({"park", "national_park", "hiking_area", "beach"}),
    "temple": frozenset(
        {"church", "mosque", "buddhist_temple", "hindu_temple", "shinto_shrine", "place_of_worship", "synagogue"}
    ),
    "shopping": frozenset({"shopping_mall", "market"}),
}
# What a nearby search with no type filter finds around a point: the everyday kinds near any landmark.
_NEARBY_MIX = ("cafe", "restaurant", "pharmacy", "bakery", "museum", "supermarket")
_KEYWORDS = {
    "museum": "museum",
    "museums": "museum",
    "gallery": "museum",
    "galleries": "museum",
    "art": "museum",
    "restaurant": "restaurant",
    "restaurants": "restaurant",
    "food": "restaurant",
    "eat": "restaurant",
    "dinner": "restaurant",
    "lunch": "restaurant",
    "vegetarian": "restaurant",
    "sushi": "restaurant",
    "cafe": "cafe",
    "cafes": "cafe",
    "coffee": "cafe",
    "hotel": "hotel",
    "hotels": "hotel",
    "park": "park",
    "parks": "park",
    "garden": "park",
    "gardens": "park",
    "bar": "bar",
    "bars": "bar",
    "pub": "bar",
    "temple": "temple",
    "temples": "temple",
    "shrine": "temple",
    "church": "temple",
    "shopping": "shopping",
    "market": "shopping",
    "mall": "shopping",
    "pharmacy": "pharmacy",
    "pharmacies": "pharmacy",
    "chemist": "pharmacy",
    "supermarket": "supermarket",
    "groceries": "supermarket",
    "bakery": "bakery",
    "bakeries": "bakery",
}


@dataclass(frozen=True, slots=True)
class Poi:
    """A searchable place: a landmark or a generated place of some kind."""

    place_id: str
    name: str
    category: str
    place_type: str
    city: geo.City
    lat: float
    lon: float
    rating: float
    ratings_total: int
    price_level: int
    address: str
    opens: int
    closes: int


def open_now(poi: Poi) -> bool:
    """True when the place is open at this moment, local time."""
    hour = datetime.now(ZoneInfo(poi.city.tz)).hour
    return poi.opens <= hour < poi.closes


def category_of(query: str) -> str:
    """Category named by the query's words, 'attraction' when none is."""
    for word in query.lower().replace(",", " ").split():
        if word in _KEYWORDS:
            return _KEYWORDS[word]
    return "attraction"


_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def _whereabouts(lat: float, lon: float, city: geo.City) -> str:
    """'300 m NE of Louvre Museum': the position told from the nearest landmark, else from the city centre."""
    anchor = gazetteer.nearest(lat, lon, 3.0)
    ref_lat, ref_lon, ref_name = (anchor.lat, anchor.lon, anchor.name) if anchor else (city.lat, city.lon, "")
    km = geo.distance_km(ref_lat, ref_lon, lat, lon)
    direction = _COMPASS[round(_bearing(ref_lat, ref_lon, lat, lon) / 45) % 8]
    distance = f"{round(km * 1000, -1):.0f} m" if km < 1 else f"{km:.1f} km"
    return f"{distance} {direction} of {ref_name or city.name + ' centre'}"


def _generated(place_id: str, category: str, lat: float, lon: float, *seed: object) -> Poi:
    """A place of a kind at a position, named by where it is."""
    place_type, kind = CATEGORIES[category]
    city = geo.locality_at(lat, lon)
    rng = rng_for("poi", *seed)
    where = _whereabouts(lat, lon, city)
    opens = rng.choice((6, 7, 8, 9, 10, 11)) if category not in ("park", "bar") else (0 if category == "park" else 17)
    return Poi(
        place_id=place_id,
        name=f"{kind} {where}",
        category=category,
        place_type=place_type,
        city=city,
        lat=round(lat, 6),
        lon=round(lon, 6),
        rating=round(rng.uniform(3.5, 4.9), 1),
        ratings_total=rng.randint(12, 25000),
        price_level=rng.randint(1, 4),
        address=f"{where}, {city.name}, {geo.country_name(city.country)}",
        opens=opens,
        closes=24 if opens == 0 else min(24, opens + rng.choice((8, 9, 10, 12))),
    )


def from_landmark(landmark: gazetteer.Landmark) -> Poi:
    """A landmark as a searchable place (its category from its type; well rated, much reviewed)."""
    category = next((c for c, types in _LANDMARK_TYPES.items() if landmark.place_type in types), "attraction")
    rng = rng_for("landmark", landmark.place_id)
    outdoors = landmark.place_type in ("park", "national_park", "hiking_area", "beach", "tourist_attraction")
    return Poi(
        place_id=landmark.place_id,
        name=landmark.name,
        category=category,
        place_type=landmark.place_type,
        city=landmark.city,
        lat=landmark.lat,
        lon=landmark.lon,
        rating=round(rng.uniform(4.3, 4.8), 1),
        ratings_total=rng.randint(20_000, 300_000),
        price_level=rng.randint(1, 3),
        address=landmark.address,
        opens=0 if outdoors else 9,
        closes=24 if outdoors else 18,
    )


def _landmark_fits(landmark: gazetteer.Landmark, category: str) -> bool:
    return category == "attraction" or landmark.place_type in _LANDMARK_TYPES.get(category, frozenset())


@cache
def pois(city: geo.City, category: str) -> tuple[Poi, ...]:
    """Up to 20 places of one category in a city: its landmarks of that kind first, then generated ones."""
    known = [from_landmark(lm) for lm in gazetteer.in_city(city) if _landmark_fits(lm, category)]
    count = min(20, 6 + int(4 * math.log10(max(city.population, 15000) / 15000)))
    radius = min(8.0, 1.0 + 2.0 * math.log10(max(city.population, 15000) / 15000))
    found = known[:20]
    for index in range(max(0, count - len(found))):
        rng = rng_for("poi-position", city.geonameid, category, index)
        lat, lon = geo.offset_point(city.lat, city.lon, radius * math.sqrt(rng.random()), rng.uniform(0, 360))
        place_id = f"{PLACE_PREFIX}P{city.geonameid}_{category}_{index}"
        found.append(_generated(place_id, category, lat, lon, city.geonameid, category, index))
    return tuple(found)


def _nearby_id(category: str, lat: float, lon: float) -> str:
    return f"{NEARBY_PREFIX}{category}_{round(lat * 1e5)}_{round(lon * 1e5)}"


def nearby(lat: float, lon: float, radius_km: float, categories: tuple[str, ...] = ()) -> list[Poi]:
    """Places within the radius: landmarks of the wanted kinds, then generated places of those kinds, nearest first."""
    wanted = categories or _NEARBY_MIX
    found = [
        (distance, from_landmark(lm))
        for distance, lm in gazetteer.within(lat, lon, radius_km)
        if not categories or any(_landmark_fits(lm, c) for c in wanted)
    ]
    per_kind = 6 if categories else 2
    for category in wanted:
        for index in range(per_kind):
            rng = rng_for("nearby", round(lat, 4), round(lon, 4), category, index)
            distance = radius_km * math.sqrt(rng.uniform(0.02, 1.0))
            p_lat, p_lon = geo.offset_point(lat, lon, distance, rng.uniform(0, 360))
            p_lat, p_lon = round(p_lat, 5), round(p_lon, 5)
            place_id = _nearby_id(category, p_lat, p_lon)
            found.append((distance, _generated(place_id, category, p_lat, p_lon, p_lat, p_lon)))
    found.sort(key=lambda pair: pair[0])
    return [poi for _, poi in found]


def poi_by_id(place_id: str) -> Poi | None:
    """Regenerate a place from its place_id (landmark, city place or nearby place)."""
    if place_id.startswith(gazetteer.PLACE_PREFIX):
        landmark = gazetteer.by_place_id(place_id)
        return from_landmark(landmark) if landmark else None
    if place_id.startswith(NEARBY_PREFIX):
        return _nearby_by_id(place_id)
    if not place_id.startswith(PLACE_PREFIX + "P"):
        return None
    try:
        geonameid, category, index = place_id[len(PLACE_PREFIX) + 1 :].split("_")
        city = geo.city_by_id(int(geonameid))
        position = int(index)
    except ValueError:
        return None
    if city is None or category not in CATEGORIES:
        return None
    found = pois(city, category)
    return found[position] if 0 <= position < len(found) else None


def _nearby_by_id(place_id: str) -> Poi | None:
    try:
        category, lat_e5, lon_e5 = place_id[len(NEARBY_PREFIX) :].split("_")
        lat, lon = int(lat_e5) / 1e5, int(lon_e5) / 1e5
    except ValueError:
        return None
    if category not in CATEGORIES or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return _generated(place_id, category, lat, lon, lat, lon)


def search_text(query: str, near: tuple[float, float] | None, category: str) -> list[Poi] | None:
    """Places a text query names: a landmark and what is around it, or a kind of place in a city.

    None when the query names no place we know and no location is given.
    """
    landmark = gazetteer.find(query) if query else None
    if landmark is not None:
        if category_of(query) == "attraction" and not any(w in query.lower() for w in (" near ", " around ")):
            # "Eiffel Tower": the landmark itself, then its neighbours.
            return [from_landmark(landmark), *nearby(landmark.lat, landmark.lon, 1.0)[1:19]]
        return nearby(landmark.lat, landmark.lon, 1.5, (category,))[:20]
    city = geo.search_city_in_text(query) if query else None
    if city is None and near is not None:
        city = geo.locality_at(*near)
    return None if city is None else list(pois(city, category))
