"""Landmarks a traveller would name ("Eiffel Tower", "Statue of Liberty"), and where the land ends.

The landmarks come from `data/landmarks.csv` (coordinates from Wikipedia, source named in the file). Cities come
from `geo` (GeoNames). Open water has no coastline data here, so it is inferred: a point with no city of 15,000
people and no airport within `OPEN_WATER_KM` is treated as sea (see `is_open_water`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from tripsage_sandbox import geo, tables

PLACE_PREFIX = "SBX_L"

# Remote land is dotted with airstrips (the Sahara, the outback, Siberia, Pacific atolls), so a point farther
# than this from every airport and every city of 15,000 people is almost always open water.
OPEN_WATER_KM = 300.0

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_LEADING_ARTICLE = re.compile(r"^(the|la|le|el)\s+")


@dataclass(frozen=True, slots=True)
class Landmark:
    """A named place with real coordinates."""

    name: str
    aliases: tuple[str, ...]
    place_type: str
    locality: str
    region: str
    country: str
    lat: float
    lon: float

    @property
    def place_id(self) -> str:
        """Stable sandbox place id derived from the name (ids survive reordering of the data file)."""
        return f"{PLACE_PREFIX}{_NON_SLUG.sub('-', geo.fold(self.name)).strip('-')}-{self.country.lower()}"

    @property
    def city(self) -> geo.City:
        """The GeoNames city the landmark lies in (time zone, country, nearby search)."""
        return _city_at(self.lat, self.lon)

    @property
    def address(self) -> str:
        """Address as Google writes it: name, locality, state (US), country."""
        parts = [self.name, self.locality]
        if self.region:
            parts.append(self.region)
        parts.append(geo.country_name(self.country))
        return ", ".join(parts)


@cache
def _cities() -> tuple[geo.City, ...]:
    return tuple(geo.localities_at([(lm.lat, lm.lon) for lm in landmarks()]))


@cache
def _city_index() -> dict[tuple[float, float], geo.City]:
    return {(lm.lat, lm.lon): city for lm, city in zip(landmarks(), _cities(), strict=True)}


def _city_at(lat: float, lon: float) -> geo.City:
    return _city_index()[(lat, lon)]


@cache
def landmarks() -> tuple[Landmark, ...]:
    """Every landmark of the data file, in file order (better known first within a city)."""
    return tuple(
        Landmark(
            name=row["name"],
            aliases=tuple(a for a in row["aliases"].split(";") if a),
            place_type=row["type"],
            locality=row["locality"],
            region=row["region"],
            country=row["country"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in tables.rows("landmarks")
    )


def _key(text: str) -> str:
    return _LEADING_ARTICLE.sub("", " ".join(geo.fold(text).replace("-", " ").split()))


@cache
def _name_index() -> dict[str, tuple[Landmark, ...]]:
    index: dict[str, list[Landmark]] = {}
    for landmark in landmarks():
        for name in {_key(landmark.name), *(_key(a) for a in landmark.aliases)}:
            index.setdefault(name, []).append(landmark)
    return {name: tuple(found) for name, found in index.items()}


@cache
def _name_pattern() -> re.Pattern[str]:
    # Longest names first so "Royal Botanic Gardens Melbourne" wins over "Melbourne".
    names = sorted((n for n in _name_index() if len(n) >= 4), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


@cache
def by_place_id(place_id: str) -> Landmark | None:
    """The landmark with this sandbox place id."""
    return next((lm for lm in landmarks() if lm.place_id == place_id), None)


def _fits_hints(landmark: Landmark, hints: list[str]) -> bool:
    """True when every hint ('paris', 'ny', 'usa', 'france') names the landmark's locality, state or country."""
    accepted = {
        _key(landmark.locality),
        _key(landmark.city.name),
        landmark.region.lower(),
        landmark.country.lower(),
        _key(geo.country_name(landmark.country)),
    }
    accepted |= geo.country_aliases(landmark.country)
    if landmark.region:
        accepted.add(_key(geo.us_state_name(landmark.region)))
    return all(hint in accepted for hint in hints if hint)


def find(text: str) -> Landmark | None:
    """The landmark a query names: 'Eiffel Tower', 'Eiffel Tower, Paris', 'museums near the Louvre'.

    Comma-separated parts after the name are hints (locality, state, country) and must agree with the landmark.
    """
    parts = [_key(p) for p in text.split(",") if p.strip()]
    if not parts:
        return None
    candidates = _name_index().get(parts[0], ())
    hints = parts[1:]
    if not candidates:
        match = _name_pattern().search(_key(text.replace(",", " ")))
        if match is None:
            return None
        candidates = _name_index()[match.group(1)]
        hints = [h for h in parts if match.group(1) not in h]
    return next((lm for lm in candidates if _fits_hints(lm, hints)), None)


@cache
def _coords() -> np.ndarray:
    return np.radians(np.array([[lm.lat, lm.lon] for lm in landmarks()], dtype=np.float64))


def _angles(coords: np.ndarray, lat: float, lon: float) -> np.ndarray:
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    a = (
        np.sin((coords[:, 0] - lat_r) / 2) ** 2
        + np.cos(lat_r) * np.cos(coords[:, 0]) * np.sin((coords[:, 1] - lon_r) / 2) ** 2
    )
    return np.asarray(2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def within(lat: float, lon: float, radius_km: float) -> list[tuple[float, Landmark]]:
    """Landmarks within the radius as (distance km, landmark), nearest first."""
    distances = _angles(_coords(), lat, lon) * geo.EARTH_RADIUS_KM
    order = np.argsort(distances)
    found = []
    for index in order:
        if distances[index] > radius_km:
            break
        found.append((float(distances[index]), landmarks()[int(index)]))
    return found


def nearest(lat: float, lon: float, radius_km: float) -> Landmark | None:
    """The closest landmark within the radius."""
    found = within(lat, lon, radius_km)
    return found[0][1] if found else None


@cache
def _by_city() -> dict[int, tuple[Landmark, ...]]:
    grouped: dict[int, list[Landmark]] = {}
    for landmark, city in zip(landmarks(), _cities(), strict=True):
        grouped.setdefault(city.geonameid, []).append(landmark)
    return {geonameid: tuple(found) for geonameid, found in grouped.items()}


def in_city(city: geo.City) -> tuple[Landmark, ...]:
    """Landmarks whose position belongs to the city (its urban radius), in file order."""
    return _by_city().get(city.geonameid, ())


@cache
def _airport_coords() -> np.ndarray:
    return np.radians(np.array([[a.lat, a.lon] for a in geo.airports().values()], dtype=np.float64))


def is_open_water(lat: float, lon: float) -> bool:
    """True when no city (>= 15,000 people), airport or landmark lies within OPEN_WATER_KM.

    Near-shore water (a bay, a harbour) still answers with the nearest locality, as Google does; remote land
    keeps an answer because some airstrip is nearly always within reach.
    """
    limit = OPEN_WATER_KM / geo.EARTH_RADIUS_KM
    city = geo.nearest_city(lat, lon)
    if geo.distance_km(lat, lon, city.lat, city.lon) <= OPEN_WATER_KM:
        return False
    if float(_angles(_airport_coords(), lat, lon).min()) <= limit:
        return False
    return float(_angles(_coords(), lat, lon).min()) > limit
