"""Known IATA airport and city codes, from airportsdata (real airports) and the metropolitan codes that group them."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import airportsdata


@dataclass(frozen=True, slots=True)
class Metro:
    """A metropolitan IATA city code: the city it names and the airports it groups, the main one first."""

    city: str
    country: str
    airports: tuple[str, ...]


# City codes that group several airports (IATA "metropolitan area" codes); any other city code is its airport's.
METROS: dict[str, Metro] = {
    "NYC": Metro("New York City", "US", ("JFK", "LGA", "EWR")),
    "LON": Metro("London", "GB", ("LHR", "LGW", "STN", "LTN", "LCY", "SEN")),
    "PAR": Metro("Paris", "FR", ("CDG", "ORY")),
    "TYO": Metro("Tokyo", "JP", ("HND", "NRT")),
    "OSA": Metro("Osaka", "JP", ("KIX", "ITM")),
    "MIL": Metro("Milan", "IT", ("MXP", "LIN", "BGY")),
    "ROM": Metro("Rome", "IT", ("FCO", "CIA")),
    "CHI": Metro("Chicago", "US", ("ORD", "MDW")),
    "WAS": Metro("Washington", "US", ("IAD", "DCA", "BWI")),
    "STO": Metro("Stockholm", "SE", ("ARN", "BMA")),
    "MOW": Metro("Moscow", "RU", ("SVO", "DME", "VKO")),
    "BUE": Metro("Buenos Aires", "AR", ("EZE", "AEP")),
    "SAO": Metro("São Paulo", "BR", ("GRU", "CGH", "VCP")),
    "RIO": Metro("Rio de Janeiro", "BR", ("GIG", "SDU")),
    "YTO": Metro("Toronto", "CA", ("YYZ", "YTZ")),
    "YMQ": Metro("Montreal", "CA", ("YUL",)),
    "BJS": Metro("Beijing", "CN", ("PEK", "PKX")),
    "SEL": Metro("Seoul", "KR", ("ICN", "GMP")),
    "JKT": Metro("Jakarta", "ID", ("CGK", "HLP")),
    "BER": Metro("Berlin", "DE", ("BER",)),
}
# Not passenger airports a traveller could be offered as an alternative.
_NOT_FOR_PASSENGERS = ("heliport", "seaplane", "air force", "air base", "airbase", "army", "naval", "military")
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Airport:
    code: str
    name: str
    city: str
    country: str
    lat: float
    lon: float
    tz: str


@functools.cache
def airports() -> dict[str, Airport]:
    """Every airport airportsdata knows, by IATA code (loaded once)."""
    return {
        code: Airport(code, row["name"], row["city"], row["country"], float(row["lat"]), float(row["lon"]), row["tz"])
        for code, row in airportsdata.load("IATA").items()
    }


def normalise_code(value: str) -> str:
    return value.strip().upper()


def is_known(code: str) -> bool:
    """An airport code or a metropolitan city code."""
    code = normalise_code(code)
    return len(code) == 3 and (code in METROS or code in airports())


def airports_of(code: str) -> tuple[Airport, ...]:
    """The airports a code stands for: itself, or a metropolitan code's members."""
    code = normalise_code(code)
    members = METROS[code].airports if code in METROS else (code,)
    return tuple(airports()[m] for m in members if m in airports())


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def nearby_airports(code: str, *, radius_km: float, limit: int) -> list[tuple[Airport, float]]:
    """Other passenger airports within radius_km of the code's airports, nearest first, with their distance."""
    origins = airports_of(code)
    excluded = {a.code for a in origins}
    found: list[tuple[Airport, float]] = []
    for airport in airports().values():
        if airport.code in excluded or any(word in airport.name.lower() for word in _NOT_FOR_PASSENGERS):
            continue
        nearest = min((distance_km(o.lat, o.lon, airport.lat, airport.lon) for o in origins), default=math.inf)
        if nearest <= radius_km:
            found.append((airport, round(nearest, 1)))
    # Larger airports first at equal distance: airportsdata has no traffic figures, "International" is the hint.
    found.sort(key=lambda pair: (pair[1] - (25 if "international" in pair[0].name.lower() else 0), pair[0].code))
    return found[:limit]


def localise(code: str, local: datetime) -> datetime:
    """A provider's naive local time at an airport, with the airport's UTC offset (naive again if unknown)."""
    airport = airports().get(normalise_code(code))
    if airport is None or not airport.tz:
        return local
    return local.replace(tzinfo=ZoneInfo(airport.tz))


def utc_offset(moment: datetime) -> str | None:
    offset = moment.utcoffset()
    if offset is None:
        return None
    total = int(offset / timedelta(minutes=1))
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
