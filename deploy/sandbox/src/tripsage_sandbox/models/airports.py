"""How busy an airport is, when it may be used, and which airports serve a city that has none.

Passenger figures are in data/airport_traffic.csv, which names its sources. Curfews are the published night-flight
restrictions of each airport, simplified to one closed window per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from functools import cache

from tripsage_sandbox import geo, tables

# Passengers in 2023, millions (data/airport_traffic.csv). Airports not listed are estimated by `passengers_m`.
_PASSENGERS_M: dict[str, float] = {row["code"]: float(row["passengers_m"]) for row in tables.rows("airport_traffic")}

# Closed windows in local time (start, end), from each airport's published night restrictions.
_CURFEWS: dict[str, tuple[time, time]] = {
    "NRT": (time(23, 0), time(6, 0)),
    "ITM": (time(21, 0), time(7, 0)),
    "CDG": (time(0, 0), time(5, 0)),
    "ORY": (time(23, 30), time(6, 0)),
    "AMS": (time(23, 0), time(6, 0)),
    "FRA": (time(23, 0), time(5, 0)),
    "MUC": (time(0, 0), time(5, 0)),
    "DUS": (time(23, 0), time(6, 0)),
    "HAM": (time(23, 0), time(6, 0)),
    "STR": (time(23, 30), time(6, 0)),
    "ZRH": (time(23, 30), time(6, 0)),
    "GVA": (time(0, 0), time(6, 0)),
    "BRU": (time(23, 0), time(6, 0)),
    "LHR": (time(23, 30), time(6, 0)),
    "LCY": (time(22, 30), time(6, 30)),
    "LIN": (time(23, 0), time(7, 0)),
    "SYD": (time(23, 0), time(6, 0)),
    "ADL": (time(23, 0), time(6, 0)),
    "GMP": (time(23, 0), time(6, 0)),
    "TSA": (time(23, 0), time(6, 0)),
    "YYZ": (time(0, 30), time(6, 30)),
}
# Everywhere, curfew or not, scheduled traffic keeps clear of the dead of night.
NIGHT = (time(0, 30), time(5, 30))

# How far to look for the airports of a city that has none, and how distance discounts size.
NEARBY_RADIUS_KM = 150.0
_DISTANCE_SCALE_KM = 50.0


def passengers_m(airport: geo.Airport) -> float:
    """Yearly passengers in millions: the table above, else an estimate from the name and the city's size."""
    listed = _PASSENGERS_M.get(airport.code)
    if listed is not None:
        return listed
    base = 1.0 if "international" in airport.name.lower() else 0.1
    return base + min(1.0, _city_population(airport) / 10_000_000)


@cache
def _city_population(airport: geo.Airport) -> int:
    found = geo.find_cities(airport.city, airport.country)
    return found[0].population if found else 0


def importance(airport: geo.Airport) -> float:
    """A 0-1 score that ranks airports the way traffic does (100 M passengers or more is 1.0)."""
    return min(1.0, math.log10(1 + passengers_m(airport)) / math.log10(101))


def is_busy(airport: geo.Airport) -> bool:
    """Big enough for long-haul service and 'nearest airport' answers (listed with 2 M passengers or more)."""
    return _PASSENGERS_M.get(airport.code, 0.0) >= 2.0


def closed_windows(airport: geo.Airport) -> tuple[tuple[time, time], ...]:
    """The general night window, plus the airport's own curfew when it has one."""
    curfew = _CURFEWS.get(airport.code)
    return (NIGHT,) if curfew is None else (NIGHT, curfew)


def _inside(local: time, start: time, end: time) -> bool:
    return start <= local < end if start <= end else local >= start or local < end


def is_open(airport: geo.Airport, local: time) -> bool:
    """True when a departure or arrival at this local time is outside every closed window of the airport."""
    return not any(_inside(local, start, end) for start, end in closed_windows(airport))


@dataclass(frozen=True, slots=True)
class NearbyAirport:
    """An airport serving a place, with how far it is and how well it serves it."""

    airport: geo.Airport
    distance_km: float
    relevance: float


def airports_near(lat: float, lon: float, radius_km: float = NEARBY_RADIUS_KM) -> list[NearbyAirport]:
    """Busy airports within the radius, best first: importance discounted by distance (halved at 50 km)."""
    found = []
    for airport in geo.airports().values():
        if not is_busy(airport):
            continue
        distance = geo.distance_km(lat, lon, airport.lat, airport.lon)
        if distance <= radius_km:
            relevance = importance(airport) / (1 + distance / _DISTANCE_SCALE_KM)
            found.append(NearbyAirport(airport, distance, relevance))
    found.sort(key=lambda n: (-n.relevance, n.airport.code))
    return found


def airport_for_code(code: str) -> geo.Airport | None:
    """An airport code's airport, or a metropolitan code's main airport (PAR -> CDG), as flight search takes it."""
    code = code.strip().upper()
    airport = geo.airports().get(code)
    if airport is None and code in geo.METROS:
        airport = geo.airports().get(geo.METROS[code].airports[0])
    return airport


@cache
def _searchable() -> tuple[tuple[str, str, geo.Airport], ...]:
    return tuple((a.code.lower(), geo._fold(f"{a.name} {a.city}"), a) for a in geo.airports().values())


def search_airports(keyword: str, country: str | None = None) -> list[geo.Airport]:
    """Exact codes first (an airport's, or a metro code's airports), then a city without an airport's nearby
    airports, then name prefixes; each group ranked by passenger traffic."""
    key = geo._fold(keyword)
    exact, prefix = [], []
    metro = geo.METROS.get(key.upper())
    if metro is not None:
        exact = [geo.airports()[c] for c in metro.airports if c in geo.airports()]
    for iata, text, airport in _searchable():
        if country and airport.country != country:
            continue
        if iata == key:
            exact.append(airport)
        elif any(word.startswith(key) for word in text.split()) or text.startswith(key):
            prefix.append(airport)
    exact.sort(key=lambda a: -passengers_m(a))
    prefix.sort(key=lambda a: (-passengers_m(a), a.code))
    found = [a for a in exact if not country or a.country == country]
    found += [n.airport for n in _serving_city_without_airport(keyword, country) if n.airport not in found]
    return found + [a for a in prefix if a not in found]


def _serving_city_without_airport(keyword: str, country: str | None) -> list[NearbyAirport]:
    """For 'Kyoto' (no airport of its own): the busy airports within 150 km, by traffic over distance."""
    cities = geo.find_cities(keyword, country)
    if not cities or geo.airports_of_city(cities[0]):
        return []
    return airports_near(cities[0].lat, cities[0].lon)
