"""Points of interest per city and category, generated from the city's seed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from tripsage_sandbox import geo
from tripsage_sandbox.seeding import rng_for

PLACE_PREFIX = "SBX_"

# keyword -> (Google place type, name templates)
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "museum": (
        "museum",
        ("{city} Museum of {topic}", "{city} {topic} Museum", "National {topic} Museum", "{adj} Gallery"),
    ),
    "restaurant": (
        "restaurant",
        ("{adj} {cuisine} Kitchen", "{cuisine} House {city}", "Bistro {adj}", "The {adj} Table"),
    ),
    "cafe": ("cafe", ("{adj} Coffee", "Cafe {adj}", "{city} Roasters")),
    "hotel": ("lodging", ("{adj} Hotel {city}", "{city} {adj} Inn")),
    "park": ("park", ("{adj} Park", "{city} Botanical Garden", "{adj} Gardens")),
    "bar": ("bar", ("The {adj} Bar", "{adj} Tavern", "{city} Brewing Co.")),
    "temple": ("place_of_worship", ("{adj} Temple", "{adj} Shrine", "{city} Cathedral", "Church of St. {saint}")),
    "shopping": ("shopping_mall", ("{city} {adj} Market", "{adj} Arcade", "{city} Central Mall")),
    "attraction": (
        "tourist_attraction",
        ("{adj} Tower", "{city} Old Town", "{adj} Bridge", "{city} Castle", "{adj} Viewpoint", "{city} Harbour Walk"),
    ),
}
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
}
_ADJ = (
    "Golden",
    "Blue",
    "Old",
    "Royal",
    "Green",
    "Silver",
    "Little",
    "Grand",
    "Hidden",
    "Sunny",
    "Red",
    "North",
    "Riverside",
    "Lantern",
    "Maple",
    "Crescent",
)
_TOPICS = ("Art", "History", "Modern Art", "Natural History", "Science", "Photography", "Design", "Craft")
_CUISINES = ("Italian", "Japanese", "Thai", "Vegan", "French", "Mexican", "Indian", "Seafood", "Korean")
_SAINTS = ("Mary", "Peter", "Paul", "John", "Anne", "Nicholas")
_STREETS = ("Main St", "Station Rd", "Market St", "River Rd", "Park Ave", "Church St", "High St", "Garden Ln")


@dataclass(frozen=True, slots=True)
class Poi:
    """A generated point of interest."""

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


def category_of(query: str) -> str:
    """Category named by the query's words, 'attraction' when none is."""
    for word in query.lower().replace(",", " ").split():
        if word in _KEYWORDS:
            return _KEYWORDS[word]
    return "attraction"


@cache
def pois(city: geo.City, category: str) -> tuple[Poi, ...]:
    """Up to 20 places of one category in a city."""
    place_type, templates = CATEGORIES[category]
    count = min(20, 6 + int(4 * math.log10(max(city.population, 15000) / 15000)))
    radius = min(8.0, 1.0 + 2.0 * math.log10(max(city.population, 15000) / 15000))
    found = []
    for index in range(count):
        rng = rng_for("poi", city.geonameid, category, index)
        name = rng.choice(templates).format(
            city=city.name,
            adj=rng.choice(_ADJ),
            topic=rng.choice(_TOPICS),
            cuisine=rng.choice(_CUISINES),
            saint=rng.choice(_SAINTS),
        )
        lat, lon = geo.offset_point(city.lat, city.lon, radius * math.sqrt(rng.random()), rng.uniform(0, 360))
        opens = rng.choice((6, 8, 9, 10, 11, 17)) if category != "park" else 0
        found.append(
            Poi(
                place_id=f"{PLACE_PREFIX}P{city.geonameid}_{category}_{index}",
                name=name,
                category=category,
                place_type=place_type,
                city=city,
                lat=round(lat, 6),
                lon=round(lon, 6),
                rating=round(rng.uniform(3.5, 4.9), 1),
                ratings_total=rng.randint(12, 25000),
                price_level=rng.randint(1, 4),
                address=f"{rng.randint(1, 250)} {rng.choice(_STREETS)}, {city.name}, {geo.country_name(city.country)}",
                opens=opens,
                closes=24 if opens == 0 else min(24, opens + rng.choice((8, 9, 10, 12))),
            )
        )
    return tuple(found)


def poi_by_id(place_id: str) -> Poi | None:
    """Regenerate a POI from its place_id."""
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
