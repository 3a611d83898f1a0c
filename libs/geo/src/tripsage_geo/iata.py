"""Known IATA airport and city codes, from airportsdata (real airports) and the metropolitan codes that group them."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import airportsdata

from tripsage_geo.sphere import distance_km
from tripsage_geo.zones import zone_named


@dataclass(frozen=True, slots=True)
class Metro:
    """A metropolitan IATA city code: the city it names and the airports it groups, the main one first."""

    city: str
    country: str
    airports: tuple[str, ...]
    # The city's historic centre, for searches around the city rather than an airport.
    centre: tuple[float, float]


# City codes that group several airports (IATA "metropolitan area" codes); any other city code is its airport's.
METROS: dict[str, Metro] = {
    "NYC": Metro("New York City", "US", ("JFK", "LGA", "EWR"), (40.7128, -74.0060)),
    "LON": Metro("London", "GB", ("LHR", "LGW", "STN", "LTN", "LCY", "SEN"), (51.5074, -0.1278)),
    "PAR": Metro("Paris", "FR", ("CDG", "ORY"), (48.8566, 2.3522)),
    "TYO": Metro("Tokyo", "JP", ("HND", "NRT"), (35.6812, 139.7671)),
    "OSA": Metro("Osaka", "JP", ("KIX", "ITM"), (34.6937, 135.5023)),
    "MIL": Metro("Milan", "IT", ("MXP", "LIN", "BGY"), (45.4642, 9.1900)),
    "ROM": Metro("Rome", "IT", ("FCO", "CIA"), (41.9028, 12.4964)),
    "CHI": Metro("Chicago", "US", ("ORD", "MDW"), (41.8781, -87.6298)),
    "WAS": Metro("Washington", "US", ("IAD", "DCA", "BWI"), (38.9072, -77.0369)),
    "STO": Metro("Stockholm", "SE", ("ARN", "BMA"), (59.3293, 18.0686)),
    "MOW": Metro("Moscow", "RU", ("SVO", "DME", "VKO"), (55.7558, 37.6173)),
    "BUE": Metro("Buenos Aires", "AR", ("EZE", "AEP"), (-34.6037, -58.3816)),
    "SAO": Metro("São Paulo", "BR", ("GRU", "CGH", "VCP"), (-23.5505, -46.6333)),
    "RIO": Metro("Rio de Janeiro", "BR", ("GIG", "SDU"), (-22.9068, -43.1729)),
    "YTO": Metro("Toronto", "CA", ("YYZ", "YTZ"), (43.6532, -79.3832)),
    "YMQ": Metro("Montreal", "CA", ("YUL",), (45.5017, -73.5673)),
    "BJS": Metro("Beijing", "CN", ("PEK", "PKX"), (39.9042, 116.4074)),
    "SEL": Metro("Seoul", "KR", ("ICN", "GMP"), (37.5665, 126.9780)),
    "JKT": Metro("Jakarta", "ID", ("CGK", "HLP"), (-6.2088, 106.8456)),
    "BER": Metro("Berlin", "DE", ("BER",), (52.5200, 13.4050)),
}
_METRO_OF = {member: code for code, metro in METROS.items() for member in metro.airports if member != code}
_METRO_MEMBERS = frozenset(_METRO_OF)
# How much nearer a large airport counts when ranking airports near a place (see _ranked).
SIZE_BONUS_KM = 25.0
# Not passenger airports a traveller could be offered as an alternative.
_NOT_FOR_PASSENGERS = ("heliport", "seaplane", "air force", "air base", "airbase", "army", "naval", "military")


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


def city_centre(code: str) -> tuple[float, float, bool] | None:
    """(lat, lon, is_centre): a metropolitan code's city centre, else the airport's own position (is_centre False:
    airports sit outside the towns they serve, so a search around one should look wider)."""
    code = normalise_code(code)
    if code in METROS:
        lat, lon = METROS[code].centre
        return lat, lon, True
    airport = airports().get(code)
    return (airport.lat, airport.lon, False) if airport else None


def zone_of(code: str) -> str | None:
    """The IANA zone of an airport, or of a metropolitan code's main airport (PAR -> CDG); None if unknown."""
    found = airports_of(code)
    return (found[0].tz or None) if found else None


def _is_for_passengers(airport: Airport) -> bool:
    return not any(word in airport.name.lower() for word in _NOT_FOR_PASSENGERS)


def _ranked(found: list[tuple[Airport, float]], limit: int) -> list[tuple[Airport, float]]:
    # Nearer first, larger first: airportsdata has no traffic figures, so an "International" airport or one of a
    # metropolitan group counts as SIZE_BONUS_KM nearer than it is (Kyoto: Itami 36 km, Kansai 93 km, Kobe 70 km
    # rank ITM, KIX, UKB).
    def key(pair: tuple[Airport, float]) -> tuple[float, str]:
        airport, distance = pair
        is_large = "international" in airport.name.lower() or airport.code in _METRO_MEMBERS
        return distance - (SIZE_BONUS_KM if is_large else 0), airport.code

    return sorted(found, key=key)[:limit]


def nearby_airports(code: str, *, radius_km: float, limit: int) -> list[tuple[Airport, float]]:
    """Other passenger airports within radius_km of the code's airports, nearest and largest first, with distance."""
    origins = airports_of(code)
    excluded = {a.code for a in origins}
    found: list[tuple[Airport, float]] = []
    for airport in airports().values():
        if airport.code in excluded or not _is_for_passengers(airport):
            continue
        nearest = min((distance_km(o.lat, o.lon, airport.lat, airport.lon) for o in origins), default=math.inf)
        if nearest <= radius_km:
            found.append((airport, round(nearest, 1)))
    return _ranked(found, limit)


def airports_near(lat: float, lon: float, *, radius_km: float, limit: int) -> list[tuple[Airport, float]]:
    """Passenger airports within radius_km of a point (a city without an airport), nearest and largest first."""
    found = [
        (airport, round(distance, 1))
        for airport in airports().values()
        if _is_for_passengers(airport) and (distance := distance_km(lat, lon, airport.lat, airport.lon)) <= radius_km
    ]
    return _ranked(found, limit)


def metro_code_of(airport_code: str) -> str | None:
    """The metropolitan code grouping this airport (KIX -> OSA), if any."""
    return _METRO_OF.get(normalise_code(airport_code))


def localise(code: str, local: datetime) -> datetime:
    """A provider's naive local time at an airport, with the airport's UTC offset (naive again if unknown)."""
    airport = airports().get(normalise_code(code))
    if airport is None or not airport.tz:
        return local
    return local.replace(tzinfo=zone_named(airport.tz))


def utc_offset(moment: datetime) -> str | None:
    offset = moment.utcoffset()
    if offset is None:
        return None
    total = int(offset / timedelta(minutes=1))
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
