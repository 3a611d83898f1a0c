"""Hotels per city, generated from the city's seed: names, positions, stars, rooms and nightly prices."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from tripsage_sandbox import geo, tables
from tripsage_sandbox.models.money import EUR_RATES, convert, fmt
from tripsage_sandbox.seeding import rng_for, stable_seed

HOTEL_PREFIX = "SX"
OFFER_PREFIX = "SBX"
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Relative price level of a night's stay per country (1.0 = euro-area average); 0.6 elsewhere.
COST_LEVEL: dict[str, float] = {
    "CH": 1.6,
    "NO": 1.45,
    "IS": 1.45,
    "DK": 1.35,
    "GB": 1.35,
    "US": 1.3,
    "IE": 1.3,
    "SE": 1.25,
    "SG": 1.25,
    "HK": 1.25,
    "FR": 1.2,
    "NL": 1.2,
    "AU": 1.2,
    "AE": 1.2,
    "IL": 1.2,
    "LU": 1.25,
    "FI": 1.15,
    "QA": 1.15,
    "AT": 1.1,
    "BE": 1.1,
    "CA": 1.1,
    "NZ": 1.1,
    "JP": 1.05,
    "DE": 1.05,
    "IT": 1.05,
    "KR": 0.95,
    "ES": 0.9,
    "PT": 0.85,
    "GR": 0.85,
    "HR": 0.8,
    "TW": 0.8,
    "CZ": 0.75,
    "CN": 0.7,
    "PL": 0.7,
    "HU": 0.7,
    "CL": 0.65,
    "MX": 0.65,
    "TR": 0.6,
    "BR": 0.6,
    "ZA": 0.6,
    "AR": 0.55,
    "MA": 0.55,
    "TH": 0.5,
    "MY": 0.5,
    "EG": 0.45,
    "ID": 0.45,
    "PH": 0.45,
    "VN": 0.4,
    "IN": 0.4,
}
# Euromonitor International's Top 100 City Destinations (data/city_destinations.csv), by (city, country).
_DESTINATION_TIER: dict[tuple[str, str], str] = {
    (row["city"], row["country"]): row["tier"] for row in tables.rows("city_destinations")
}
_TOURISM_FACTOR = {"top 20": 2.5, "top 100": 1.6}
MAX_HOTELS_PER_CITY = 150
# Hotel ids pack (geonameid, index) into 6 base-36 digits: geonameid * 159 + index stays below 36**6 for every
# GeoNames id in the data set (largest 13.7 million), keeping Amadeus's 8-character hotel ids.
_ID_STRIDE = 159
_NAME_WORDS = (
    "Astoria", "Bellevue", "Continental", "Metropole", "Savoy", "Regent", "Ambassador", "Excelsior", "Majestic",
    "Imperial", "Victoria", "Park", "Riverside", "Garden", "Central", "Station", "Opera", "Cathedral",
    "Old Town", "Harbour", "Plaza", "Panorama", "Boulevard", "Meridian", "Atlas", "Orchid", "Linden", "Crown",
    "Arcadia", "Belvedere", "Marquis", "Aurora", "Vista", "Mosaic", "Terrace", "Lantern", "Cedar", "Galleria",
)  # fmt: skip
_NAME_PATTERNS: dict[int, tuple[str, ...]] = {
    1: ("{city} Central Hostel", "{word} Hostel", "{word} Backpackers", "{word} Guesthouse"),
    2: ("{word} Inn", "Hotel {word}", "{word} Lodge", "Budget Inn {city} {word}"),
    3: ("Hotel {word}", "{word} Hotel", "{word} Hotel {city}", "Hotel {word} {city}"),
    4: ("{word} Suites", "The {word} Hotel", "{word} Hotel & Spa", "Hotel {word} {city}"),
    5: ("{word} Palace", "The {word} {city}", "Grand Hotel {word}", "{word} Grand Hotel & Spa"),
}
_DISTRICTS = ("Centre", "Opera", "Old Town", "Riverside", "Station", "North", "South", "East", "West", "Airport")
_CHAINS = ("ZZ", "SX")
ROOMS: tuple[tuple[str, str, float, int, str], ...] = (
    ("ROH", "STANDARD_ROOM", 1.0, 1, "DOUBLE"),
    ("TWN", "STANDARD_ROOM", 1.05, 2, "TWIN"),
    ("A1K", "SUPERIOR_ROOM", 1.25, 1, "KING"),
    ("DLX", "DELUXE_ROOM", 1.55, 1, "KING"),
    ("STE", "SUITE", 2.4, 1, "KING"),
)
AMENITIES = (
    "WIFI",
    "AIR_CONDITIONING",
    "RESTAURANT",
    "PARKING",
    "FITNESS_CENTER",
    "SPA",
    "SWIMMING_POOL",
    "ROOM_SERVICE",
    "BUSINESS_CENTER",
    "PETS_ALLOWED",
)


@dataclass(frozen=True, slots=True)
class Hotel:
    """A generated hotel; its id encodes its city and position in the city's list."""

    hotel_id: str
    name: str
    city: geo.City
    iata_code: str
    lat: float
    lon: float
    stars: int
    price_factor: float
    amenities: tuple[str, ...]


def _b36(value: int, width: int) -> str:
    out = ""
    for _ in range(width):
        value, digit = divmod(value, 36)
        out = _B36[digit] + out
    return out


def _city_iata(city: geo.City) -> str:
    code = geo.city_code_for_city(city)
    if code:
        return code
    nearest = min(geo.airports().values(), key=lambda a: geo.distance_km(city.lat, city.lon, a.lat, a.lon))
    return geo.city_code_for_airport(nearest)


def city_cost(city: geo.City) -> float:
    """Country cost level times a size factor (bigger cities cost more)."""
    size = min(1.35, max(0.9, 1 + 0.12 * math.log10(max(city.population, 15000) / 100_000)))
    return COST_LEVEL.get(city.country, 0.6) * size


def tourism_factor(city: geo.City) -> float:
    """2.5 for the top 20 city destinations, 1.6 for the rest of the top 100, else 1."""
    tier = _DESTINATION_TIER.get((city.name, city.country))
    return _TOURISM_FACTOR[tier] if tier else 1.0


def hotel_count(city: geo.City) -> int:
    """(8 + 9 * L^2) * tourism factor, L = log10(population / 15,000), at most 150."""
    size = math.log10(max(city.population, 15000) / 15000)
    return min(MAX_HOTELS_PER_CITY, round((8 + 9 * size * size) * tourism_factor(city)))


def spread_km(city: geo.City) -> float:
    """Radius that holds a city's hotels: 1.5 km + 2.5 km per tenfold population over 15,000, at most 9 km."""
    return min(9.0, 1.5 + 2.5 * math.log10(max(city.population, 15000) / 15000))


def _name(rng: random.Random, stars: int, city: geo.City, taken: set[str]) -> str:
    base = rng.choice(_NAME_PATTERNS[stars]).format(word=rng.choice(_NAME_WORDS), city=city.name)
    name = base
    for district in _DISTRICTS:
        if name not in taken:
            break
        name = f"{base} {district}"
    if name in taken:
        name = f"{base} {len(taken)}"
    taken.add(name)
    return name


@cache
def hotels_in(city: geo.City) -> tuple[Hotel, ...]:
    """All sandbox hotels of a city, more for bigger and more visited cities, denser towards the centre."""
    radius = spread_km(city)
    iata = _city_iata(city)
    hotels, taken = [], set[str]()
    for index in range(hotel_count(city)):
        rng = rng_for("hotel", city.geonameid, index)
        stars = rng.choices((1, 2, 3, 4, 5), weights=(5, 20, 40, 25, 10))[0]
        # Distance = radius * u^2: density falls off as 1/r, so half the hotels sit in the inner third.
        lat, lon = geo.offset_point(city.lat, city.lon, radius * rng.random() ** 2, rng.uniform(0, 360))
        name = _name(rng, stars, city, taken)
        amenities = tuple(sorted(rng.sample(AMENITIES, k=min(len(AMENITIES), 2 + stars))))
        hotels.append(
            Hotel(
                hotel_id=HOTEL_PREFIX + _b36(city.geonameid * _ID_STRIDE + index, 6),
                name=name,
                city=city,
                iata_code=iata,
                lat=round(lat, 5),
                lon=round(lon, 5),
                stars=stars,
                price_factor=rng.uniform(0.85, 1.2),
                amenities=amenities,
            )
        )
    return tuple(hotels)


def hotel_by_id(hotel_id: str) -> Hotel | None:
    """Regenerate a hotel from its id (None if it is not a sandbox id)."""
    hotel_id = hotel_id.upper()
    if len(hotel_id) != 8 or not hotel_id.startswith(HOTEL_PREFIX):
        return None
    try:
        geonameid, index = divmod(int(hotel_id[2:], 36), _ID_STRIDE)
    except ValueError:
        return None
    city = geo.city_by_id(geonameid)
    if city is None:
        return None
    found = hotels_in(city)
    return found[index] if index < len(found) else None


def currency_for(country: str) -> str:
    """Local currency when the sandbox has a rate for it, else EUR."""
    record = geo.countries().get(country)
    code = str(record["currencycode"]) if record else "EUR"
    return code if code in EUR_RATES else "EUR"


def nightly_eur(hotel: Hotel, room_factor: float, night: date, adults: int) -> float:
    """Price of one night: 38 EUR x stars^1.35 x city cost x hotel factor x room x season x weekend x occupancy."""
    season = {6: 1.15, 7: 1.2, 8: 1.2, 12: 1.1, 1: 0.88, 2: 0.88}.get(night.month, 1.0)
    weekend = 1.12 if night.weekday() in (4, 5) else 1.0
    occupancy = 1 + 0.15 * (adults - 1)
    return (
        38
        * math.pow(hotel.stars, 1.35)
        * city_cost(hotel.city)
        * hotel.price_factor
        * room_factor
        * season
        * weekend
        * occupancy
    )


def is_available(hotel: Hotel, check_in: date) -> bool:
    """About nine hotels in ten have rooms on a given date."""
    return stable_seed("availability", hotel.hotel_id, check_in) % 10 != 0


def offer_id(hotel: Hotel, check_in: date, nights: int, adults: int, room_index: int, rooms: int, currency: str) -> str:
    """Offer ids carry everything needed to rebuild the offer, so lookups need no server state."""
    return f"{OFFER_PREFIX}{hotel.hotel_id}{check_in:%Y%m%d}{nights:02d}{adults}{room_index}{rooms}{currency}"


@dataclass(frozen=True, slots=True)
class OfferKey:
    """What an offer id encodes."""

    hotel: Hotel
    check_in: date
    nights: int
    adults: int
    room_index: int
    rooms: int
    currency: str


def parse_offer_id(value: str) -> OfferKey | None:
    """Inverse of offer_id; None when the id is not a valid sandbox offer."""
    value = value.upper()
    if len(value) != 27 or not value.startswith(OFFER_PREFIX):
        return None
    hotel = hotel_by_id(value[3:11])
    try:
        check_in = date(int(value[11:15]), int(value[15:17]), int(value[17:19]))
        nights, adults, room_index, rooms = int(value[19:21]), int(value[21]), int(value[22]), int(value[23])
    except ValueError:
        return None
    currency = value[24:]
    if hotel is None or room_index >= len(ROOMS) or nights < 1 or adults < 1 or rooms < 1:
        return None
    if currency not in EUR_RATES:
        return None
    return OfferKey(hotel, check_in, nights, adults, room_index, rooms, currency)


def build_offer(
    hotel: Hotel, check_in: date, nights: int, adults: int, room_index: int, rooms: int, currency: str
) -> dict[str, Any]:
    """One Amadeus hotel offer with per-night price changes."""
    code, category, factor, beds, bed_type = ROOMS[room_index]
    changes, total = [], 0.0
    for n in range(nights):
        night = check_in + timedelta(days=n)
        price = convert(nightly_eur(hotel, factor, night, adults) * rooms, currency)
        total += price
        changes.append(
            {
                "startDate": night.isoformat(),
                "endDate": (night + timedelta(days=1)).isoformat(),
                "base": fmt(price / 1.1),
                "total": fmt(price),
            }
        )
    base = total / 1.1
    refundable = stable_seed("policy", hotel.hotel_id, room_index) % 2 == 0
    identifier = offer_id(hotel, check_in, nights, adults, room_index, rooms, currency)
    deadline = check_in - timedelta(days=2)
    return {
        "id": identifier,
        "checkInDate": check_in.isoformat(),
        "checkOutDate": (check_in + timedelta(days=nights)).isoformat(),
        "rateCode": "RAC" if refundable else "PRO",
        "rateFamilyEstimated": {"code": "RAC" if refundable else "PRO", "type": "P"},
        "description": {
            "text": (
                "Flexible rate, free cancellation until the deadline"
                if refundable
                else "Prepay non-refundable non-changeable rate"
            )
            + " (sandbox)",
            "lang": "EN",
        },
        "room": {
            "type": code,
            "typeEstimated": {"category": category, "beds": beds, "bedType": bed_type},
            "description": {
                "text": f"{category.replace('_', ' ').title()}, {beds} {bed_type.title()} bed(s) - sandbox rate",
                "lang": "EN",
            },
        },
        "guests": {"adults": adults},
        "price": {
            "currency": currency,
            "base": fmt(base),
            "total": fmt(total),
            "variations": {"average": {"base": fmt(base / nights)}, "changes": changes},
        },
        "policies": {
            "paymentType": "guarantee" if refundable else "deposit",
            "cancellation": (
                {
                    "deadline": f"{deadline.isoformat()}T23:59:00",
                    "description": {"text": "FREE CANCELLATION UNTIL DEADLINE"},
                }
                if refundable
                else {"description": {"text": "NON-REFUNDABLE RATE"}, "type": "FULL_STAY"}
            ),
        },
        "self": f"/v3/shopping/hotel-offers/{identifier}",
        "sandbox": True,
    }
