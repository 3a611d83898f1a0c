"""Airlines that really fly from each country, with a hub each (public schedules, 2024)."""

from __future__ import annotations

from dataclasses import dataclass

from tripsage_sandbox.geo import Airport, city_code_for_airport


@dataclass(frozen=True, slots=True)
class Carrier:
    """An airline, its IATA code and main hub airport."""

    code: str
    name: str
    hub: str
    country: str
    max_range_km: float = 16_000.0


_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("AA", "AMERICAN AIRLINES", "DFW", "US"),
    ("DL", "DELTA AIR LINES", "ATL", "US"),
    ("UA", "UNITED AIRLINES", "ORD", "US"),
    ("B6", "JETBLUE AIRWAYS", "JFK", "US"),
    ("AS", "ALASKA AIRLINES", "SEA", "US"),
    ("AC", "AIR CANADA", "YYZ", "CA"),
    ("WS", "WESTJET", "YYC", "CA"),
    ("AM", "AEROMEXICO", "MEX", "MX"),
    ("BA", "BRITISH AIRWAYS", "LHR", "GB"),
    ("VS", "VIRGIN ATLANTIC", "LHR", "GB"),
    ("U2", "EASYJET", "LGW", "GB"),
    ("EI", "AER LINGUS", "DUB", "IE"),
    ("AF", "AIR FRANCE", "CDG", "FR"),
    ("KL", "KLM ROYAL DUTCH AIRLINES", "AMS", "NL"),
    ("LH", "LUFTHANSA", "FRA", "DE"),
    ("LX", "SWISS INTERNATIONAL AIR LINES", "ZRH", "CH"),
    ("OS", "AUSTRIAN AIRLINES", "VIE", "AT"),
    ("SN", "BRUSSELS AIRLINES", "BRU", "BE"),
    ("IB", "IBERIA", "MAD", "ES"),
    ("VY", "VUELING AIRLINES", "BCN", "ES"),
    ("TP", "TAP AIR PORTUGAL", "LIS", "PT"),
    ("AZ", "ITA AIRWAYS", "FCO", "IT"),
    ("SK", "SAS SCANDINAVIAN AIRLINES", "CPH", "DK"),
    ("AY", "FINNAIR", "HEL", "FI"),
    ("LO", "LOT POLISH AIRLINES", "WAW", "PL"),
    ("A3", "AEGEAN AIRLINES", "ATH", "GR"),
    ("TK", "TURKISH AIRLINES", "IST", "TR"),
    ("EK", "EMIRATES", "DXB", "AE"),
    ("EY", "ETIHAD AIRWAYS", "AUH", "AE"),
    ("QR", "QATAR AIRWAYS", "DOH", "QA"),
    ("SV", "SAUDIA", "JED", "SA"),
    ("MS", "EGYPTAIR", "CAI", "EG"),
    ("AT", "ROYAL AIR MAROC", "CMN", "MA"),
    ("ET", "ETHIOPIAN AIRLINES", "ADD", "ET"),
    ("KQ", "KENYA AIRWAYS", "NBO", "KE"),
    ("SA", "SOUTH AFRICAN AIRWAYS", "JNB", "ZA"),
    ("AI", "AIR INDIA", "DEL", "IN"),
    ("6E", "INDIGO", "DEL", "IN"),
    ("SQ", "SINGAPORE AIRLINES", "SIN", "SG"),
    ("MH", "MALAYSIA AIRLINES", "KUL", "MY"),
    ("TG", "THAI AIRWAYS", "BKK", "TH"),
    ("VN", "VIETNAM AIRLINES", "SGN", "VN"),
    ("GA", "GARUDA INDONESIA", "CGK", "ID"),
    ("PR", "PHILIPPINE AIRLINES", "MNL", "PH"),
    ("CX", "CATHAY PACIFIC", "HKG", "HK"),
    ("CA", "AIR CHINA", "PEK", "CN"),
    ("MU", "CHINA EASTERN AIRLINES", "PVG", "CN"),
    ("CZ", "CHINA SOUTHERN AIRLINES", "CAN", "CN"),
    ("BR", "EVA AIR", "TPE", "TW"),
    ("CI", "CHINA AIRLINES", "TPE", "TW"),
    ("KE", "KOREAN AIR", "ICN", "KR"),
    ("OZ", "ASIANA AIRLINES", "ICN", "KR"),
    ("JL", "JAPAN AIRLINES", "HND", "JP"),
    ("NH", "ALL NIPPON AIRWAYS", "HND", "JP"),
    ("QF", "QANTAS AIRWAYS", "SYD", "AU"),
    ("VA", "VIRGIN AUSTRALIA", "BNE", "AU"),
    ("NZ", "AIR NEW ZEALAND", "AKL", "NZ"),
    ("LA", "LATAM AIRLINES", "SCL", "CL"),
    ("JJ", "LATAM AIRLINES BRASIL", "GRU", "BR"),
    ("G3", "GOL LINHAS AEREAS", "GRU", "BR"),
    ("AR", "AEROLINEAS ARGENTINAS", "EZE", "AR"),
    ("AV", "AVIANCA", "BOG", "CO"),
    ("CM", "COPA AIRLINES", "PTY", "PA"),
    ("IS", "ICELANDAIR", "KEF", "IS"),
)

# Low-cost and regional fleets (narrow-bodies) cannot fly long-haul sectors.
_RANGE_KM: dict[str, float] = {
    "U2": 3500,
    "VY": 3500,
    "A3": 3500,
    "6E": 4500,
    "AS": 5000,
    "G3": 5000,
    "WS": 7500,
    "VA": 7000,
}

CARRIERS: dict[str, Carrier] = {row[0]: Carrier(*row, _RANGE_KM.get(row[0], 16_000.0)) for row in _TABLE}

# Intercontinental connectors used when neither country has a carrier that can route the trip.
GLOBAL_CONNECTORS: tuple[str, ...] = ("EK", "QR", "TK", "LH", "AF", "KL", "BA", "SQ", "CX", "DL", "UA")


HUBS: frozenset[str] = frozenset(c.hub for c in CARRIERS.values())


def is_major(airport: Airport) -> bool:
    """Big enough for long-haul and for 'nearest airport' answers: an airline hub, a metro-code member or an
    'International' airport (airportsdata has no traffic figures)."""
    return (
        airport.iata in HUBS
        or "international" in airport.name.lower()
        or city_code_for_airport(airport) != airport.iata
    )


def carriers_of(country: str) -> tuple[Carrier, ...]:
    """Airlines based in the country (empty when the table does not know any)."""
    return tuple(c for c in CARRIERS.values() if c.country == country)
