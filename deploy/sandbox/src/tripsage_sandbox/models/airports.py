"""How busy an airport is, when it may be used, and which airports serve a city that has none.

Sources: passenger figures are calendar-2023 totals (millions, rounded) as published by ACI World's
preliminary world airport traffic ranking and the airport operators' annual reports; they only need to rank
airports the way a traveller would (HND above NRT, LHR above LCY). Curfews are the published night-flight
restrictions of each airport, simplified to one closed window per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from functools import cache

from tripsage_sandbox import geo

# Passengers in 2023, millions. Airports not listed are estimated by `passengers_m`.
_PASSENGERS_M: dict[str, float] = {
    # North America
    "ATL": 104.7, "DFW": 81.8, "DEN": 77.8, "LAX": 75.1, "ORD": 73.9, "JFK": 62.5, "MCO": 57.7, "LAS": 57.6,
    "CLT": 53.4, "MIA": 52.3, "SEA": 50.9, "SFO": 50.2, "EWR": 49.1, "PHX": 48.8, "IAH": 46.1, "YYZ": 44.8,
    "BOS": 40.8, "FLL": 35.1, "MSP": 35.2, "LGA": 32.5, "DTW": 30.4, "PHL": 28.2, "SLC": 26.9, "BWI": 26.2,
    "DCA": 25.4, "SAN": 24.9, "YVR": 24.9, "IAD": 24.8, "TPA": 24.6, "BNA": 22.9, "AUS": 21.8, "HNL": 21.0,
    "YUL": 21.0, "MDW": 21.0, "DAL": 17.0, "YYC": 18.4, "PDX": 17.0, "STL": 15.0, "HOU": 14.0, "OAK": 11.0,
    "SJC": 11.0, "MSY": 14.0, "RDU": 14.0, "SMF": 13.0, "SNA": 11.0, "MEX": 48.4, "CUN": 32.0, "GDL": 17.7,
    "MTY": 12.0, "TIJ": 12.0, "PTY": 17.0, "SJU": 12.0, "HAV": 4.0, "SJO": 6.0,
    # South America
    "GRU": 41.3, "BOG": 40.3, "LIM": 24.0, "SCL": 23.5, "CGH": 22.0, "BSB": 15.0, "GIG": 10.0, "VCP": 11.0,
    "AEP": 14.0, "EZE": 11.5, "MDE": 12.0, "UIO": 5.0, "SDU": 9.0, "CNF": 10.0, "REC": 9.0, "SSA": 8.0,
    # Europe
    "LHR": 79.2, "IST": 76.0, "CDG": 67.4, "AMS": 61.9, "MAD": 60.2, "FRA": 59.4, "BCN": 49.9, "SAW": 41.5,
    "LGW": 40.9, "FCO": 40.5, "MUC": 37.0, "AYT": 35.0, "PMI": 31.1, "LIS": 33.6, "DUB": 33.5, "ORY": 32.4,
    "VIE": 29.5, "ZRH": 28.9, "MAN": 28.1, "STN": 27.9, "ATH": 28.2, "CPH": 26.8, "MXP": 26.1, "OSL": 25.0,
    "BER": 23.1, "ARN": 23.0, "BRU": 22.2, "AGP": 22.3, "DUS": 19.1, "WAW": 18.5, "GVA": 17.8, "LTN": 16.4,
    "ALC": 15.7, "OPO": 15.3, "HEL": 15.3, "BGY": 15.9, "NCE": 14.8, "BUD": 14.7, "EDI": 14.4, "HAM": 13.6,
    "PRG": 13.8, "NAP": 12.4, "BHX": 11.5, "LIN": 10.0, "VCE": 10.0, "LYS": 10.2, "MRS": 10.1, "KEF": 7.8,
    "CGN": 9.8, "STR": 8.8, "BSL": 8.0, "TFS": 12.0, "LPA": 14.0, "IBZ": 9.0, "BLQ": 10.0, "CTA": 12.0,
    "OTP": 16.0, "SOF": 7.0, "KRK": 9.0, "RIX": 7.0, "TLL": 3.0, "VNO": 5.0, "BEG": 7.0, "ZAG": 4.0,
    "SPU": 4.0, "DBV": 3.0, "HER": 9.0, "SKG": 7.0, "RHO": 6.0, "FAO": 10.0, "LCY": 4.1, "SEN": 3.0,
    "BRS": 9.0, "GLA": 7.0, "SVO": 39.8, "DME": 21.0, "VKO": 11.0, "LED": 20.0,
    # Middle East and Africa
    "DXB": 87.0, "DOH": 45.9, "JED": 42.3, "RUH": 37.5, "AUH": 22.4, "TLV": 21.1, "KWI": 15.0, "MCT": 13.0,
    "BAH": 9.0, "DMM": 11.0, "AMM": 9.0, "CAI": 26.0, "CMN": 10.0, "RAK": 9.0, "JNB": 19.0, "CPT": 10.5,
    "ADD": 12.0, "NBO": 9.0, "LOS": 8.0, "ACC": 3.0, "TUN": 5.0, "ALG": 8.0, "DAR": 3.0, "MRU": 4.0,
    # Asia
    "HND": 78.7, "DEL": 72.2, "CAN": 63.2, "SIN": 59.0, "ICN": 56.1, "PVG": 54.5, "PEK": 52.9, "SZX": 52.7,
    "BKK": 51.7, "BOM": 51.6, "CGK": 52.0, "KUL": 47.2, "MNL": 45.3, "TFU": 44.8, "CKG": 44.7, "SHA": 41.5,
    "KMG": 42.0, "XIY": 41.4, "HGH": 41.2, "HKG": 39.5, "PKX": 39.4, "SGN": 40.0, "BLR": 37.5, "TPE": 35.4,
    "NRT": 33.1, "CTU": 31.0, "NKG": 30.0, "CSX": 29.0, "HAN": 29.0, "KIX": 25.8, "DMK": 25.0, "HYD": 25.0,
    "XMN": 25.0, "WUH": 25.0, "FUK": 24.6, "GMP": 23.4, "CTS": 23.0, "MAA": 21.0, "DPS": 21.0, "CCU": 19.0,
    "OKA": 19.0, "SUB": 18.0, "HKT": 17.0, "PUS": 16.0, "ITM": 15.6, "CJU": 29.0, "NGO": 10.0, "COK": 10.0,
    "AMD": 11.0, "CEB": 11.0, "DAC": 10.0, "CNX": 9.0, "DAD": 9.0, "KHH": 6.0, "MFM": 7.0, "CMB": 7.0,
    "KHI": 8.0, "LHE": 6.0, "ISB": 7.0, "KTM": 6.0, "TAS": 6.0, "ALA": 10.0, "UKB": 3.3,
    # Oceania
    "SYD": 38.9, "MEL": 34.9, "BNE": 22.0, "AKL": 18.0, "PER": 15.0, "ADL": 8.0, "OOL": 6.0, "CHC": 6.0,
    "WLG": 5.0, "CNS": 5.0, "NAN": 2.5, "PPT": 1.5,
}  # fmt: skip

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
        distance = geo.great_circle_km(lat, lon, airport.lat, airport.lon)
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
