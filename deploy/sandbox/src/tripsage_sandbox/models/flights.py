"""Flight offers from great-circle distance, cabin, date and a seeded demand factor."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tripsage_sandbox import geo
from tripsage_sandbox.models.carriers import CARRIERS, GLOBAL_CONNECTORS, Carrier, carriers_of, is_major
from tripsage_sandbox.models.money import CURRENCY_NAMES, convert, fmt
from tripsage_sandbox.seeding import rng_for, stable_seed

CABIN_FACTOR = {"ECONOMY": 1.0, "PREMIUM_ECONOMY": 1.65, "BUSINESS": 3.9, "FIRST": 6.5}
TRAVELER_FACTOR = {
    "ADULT": 1.0,
    "SENIOR": 0.95,
    "YOUNG": 0.9,
    "STUDENT": 0.9,
    "CHILD": 0.75,
    "SEATED_INFANT": 0.75,
    "HELD_INFANT": 0.1,
}
BOOKING_CLASS = {"ECONOMY": "YMHKQ", "PREMIUM_ECONOMY": "WEP", "BUSINESS": "JCDZ", "FIRST": "FA"}
AIRCRAFT = {
    "E90": "EMBRAER 190",
    "320": "AIRBUS A320",
    "32N": "AIRBUS A320NEO",
    "738": "BOEING 737-800",
    "321": "AIRBUS A321",
    "7M8": "BOEING 737 MAX 8",
    "789": "BOEING 787-9",
    "77W": "BOEING 777-300ER",
    "359": "AIRBUS A350-900",
    "333": "AIRBUS A330-300",
}
MAX_DETOUR = 1.45


@dataclass(frozen=True, slots=True)
class Leg:
    """One requested origin/destination/date."""

    origin: geo.Airport
    destination: geo.Airport
    day: date
    earliest: time | None = None


@dataclass(frozen=True, slots=True)
class Traveler:
    """A passenger in the search."""

    id: str
    type: str


@dataclass(slots=True)
class Search:
    """A normalised flight search from either the GET or the POST form."""

    legs: list[Leg]
    travelers: list[Traveler]
    cabin: str = "ECONOMY"
    non_stop: bool = False
    max_results: int = 250
    currency: str = "EUR"
    included: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    max_price: float | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())


def block_minutes(distance_km: float, eastbound: bool) -> int:
    """Gate-to-gate minutes: 35 min taxi/climb plus cruise at 780 km/h (640 under 1,500 km), jet-stream adjusted."""
    cruise = distance_km / 640 * 60 if distance_km < 1500 else distance_km / 780 * 60 * (0.94 if eastbound else 1.06)
    return int(round((35 + cruise) / 5) * 5)


def is_eastbound(a: geo.Airport, b: geo.Airport) -> bool:
    """True when the shorter way round goes east."""
    return ((b.lon - a.lon + 540) % 360 - 180) > 0


def base_fare_eur(distance_km: float) -> float:
    """Economy base fare for one adult, before date and demand factors."""
    return 35 + 0.105 * math.pow(distance_km, 0.93)


def advance_factor(days_ahead: int) -> float:
    """Late bookings cost more, as on real fare ladders."""
    for limit, factor in ((3, 1.6), (7, 1.35), (14, 1.15), (30, 1.0), (90, 0.92)):
        if days_ahead <= limit:
            return factor
    return 0.95


def season_factor(day: date) -> float:
    """Peak summer and December cost more; November to March (except December) less."""
    if day.month in (6, 7, 8, 12):
        return 1.18
    if day.month in (4, 5, 9, 10):
        return 1.0
    return 0.9


def weekday_factor(day: date) -> float:
    """Friday and Sunday departures are dearer, Tuesday and Wednesday cheaper."""
    return {4: 1.08, 6: 1.08, 1: 0.94, 2: 0.94}.get(day.weekday(), 1.0)


def aircraft_for(distance_km: float, seed: int) -> str:
    """Plausible equipment for the stage length."""
    if distance_km < 1500:
        options = ("E90", "320", "738", "32N")
    elif distance_km < 4500:
        options = ("321", "7M8", "32N", "738")
    else:
        options = ("789", "77W", "359", "333")
    return options[seed % len(options)]


@dataclass(frozen=True, slots=True)
class Routing:
    """A carrier and the airports it flies through (empty via = non-stop)."""

    carrier: Carrier
    via: tuple[geo.Airport, ...]


def _routings(origin: geo.Airport, destination: geo.Airport, search: Search) -> list[Routing]:
    direct = geo.great_circle_km(origin.lat, origin.lon, destination.lat, destination.lon)
    home = carriers_of(origin.country) + tuple(
        c for c in carriers_of(destination.country) if c.country != origin.country
    )
    found: list[Routing] = []
    # Non-stops need a market big enough; "International" airports or short hops qualify, up to 15,500 km.
    big_market = is_major(origin) and is_major(destination)
    if direct <= 15500 and (big_market or direct < 1200):
        found += [Routing(c, ()) for c in home if direct <= c.max_range_km]
    for code in tuple(c.code for c in home) + GLOBAL_CONNECTORS:
        carrier = CARRIERS[code]
        hub = geo.airports().get(carrier.hub)
        if hub is None or hub.iata in (origin.iata, destination.iata):
            continue
        d1 = geo.great_circle_km(origin.lat, origin.lon, hub.lat, hub.lon)
        d2 = geo.great_circle_km(hub.lat, hub.lon, destination.lat, destination.lon)
        fits = max(d1, d2) <= carrier.max_range_km
        if fits and (d1 + d2) <= MAX_DETOUR * direct and all(r.carrier.code != code or r.via for r in found):
            found.append(Routing(carrier, (hub,)))
    if not found:
        # Somewhere no listed airline serves: fly the nearest global connector through its hub.
        carrier = CARRIERS[GLOBAL_CONNECTORS[stable_seed(origin.iata, destination.iata) % len(GLOBAL_CONNECTORS)]]
        hub = geo.airports()[carrier.hub]
        found.append(Routing(carrier, () if hub.iata in (origin.iata, destination.iata) else (hub,)))
    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique = []
    for routing in found:
        key = (routing.carrier.code, tuple(a.iata for a in routing.via))
        if key not in seen:
            seen.add(key)
            unique.append(routing)
    if search.included:
        unique = [r for r in unique if r.carrier.code in search.included]
    unique = [r for r in unique if r.carrier.code not in search.excluded]
    if search.non_stop:
        unique = [r for r in unique if not r.via]
    return unique


def _local(moment_utc: datetime, airport: geo.Airport) -> datetime:
    return moment_utc.astimezone(ZoneInfo(airport.tz)).replace(tzinfo=None)


def _iso_duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"PT{hours}H{mins}M" if mins else f"PT{hours}H"


def _segment(
    seg_id: int, carrier: Carrier, a: geo.Airport, b: geo.Airport, depart_utc: datetime
) -> tuple[dict[str, Any], datetime, float]:
    distance = geo.great_circle_km(a.lat, a.lon, b.lat, b.lon)
    minutes = block_minutes(distance, is_eastbound(a, b))
    arrive_utc = depart_utc + timedelta(minutes=minutes)
    number = 1 + stable_seed(carrier.code, a.iata, b.iata) % 1899
    segment = {
        "departure": {
            "iataCode": a.iata,
            "terminal": str(1 + stable_seed(a.iata, carrier.code) % 3),
            "at": _local(depart_utc, a).isoformat(timespec="seconds"),
        },
        "arrival": {
            "iataCode": b.iata,
            "terminal": str(1 + stable_seed(b.iata, carrier.code) % 3),
            "at": _local(arrive_utc, b).isoformat(timespec="seconds"),
        },
        "carrierCode": carrier.code,
        "number": str(number),
        "aircraft": {"code": aircraft_for(distance, number)},
        "operating": {"carrierCode": carrier.code},
        "duration": _iso_duration(minutes),
        "id": str(seg_id),
        "numberOfStops": 0,
        "blacklistedInEU": False,
    }
    return segment, arrive_utc, distance


def _itinerary(leg: Leg, routing: Routing, first_seg_id: int, option: int) -> tuple[dict[str, Any], float, int]:
    """Build one itinerary; returns (itinerary, flown km, segment count)."""
    rng = rng_for("itinerary", leg.origin.iata, leg.destination.iata, leg.day, routing.carrier.code, option)
    start_hour = (
        rng.randint(6, 22) if leg.earliest is None else max(leg.earliest.hour, rng.randint(leg.earliest.hour, 23))
    )
    local_departure = datetime.combine(
        leg.day, time(min(start_hour, 23), rng.choice((0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55)))
    )
    depart_utc = local_departure.replace(tzinfo=ZoneInfo(leg.origin.tz)).astimezone(UTC)
    stops = (leg.origin, *routing.via, leg.destination)
    segments, flown, seg_id, first_departure = [], 0.0, first_seg_id, depart_utc
    for a, b in itertools.pairwise(stops):
        segment, arrive_utc, distance = _segment(seg_id, routing.carrier, a, b, depart_utc)
        segments.append(segment)
        flown += distance
        seg_id += 1
        depart_utc = arrive_utc + timedelta(minutes=rng.randrange(70, 200, 5))
    total_minutes = int((arrive_utc - first_departure).total_seconds() // 60)
    return {"duration": _iso_duration(total_minutes), "segments": segments}, flown, len(segments)


def search_offers(search: Search) -> dict[str, Any]:
    """Flight Offers Search response body (data + dictionaries), deterministic per search."""
    first = search.legs[0]
    routings = _routings(first.origin, first.destination, search)
    offers: list[dict[str, Any]] = []
    for option, routing in enumerate(routings):
        offer = _offer(search, routing, option)
        if offer is not None and (search.max_price is None or float(offer["price"]["grandTotal"]) <= search.max_price):
            offers.append(offer)
    offers.sort(key=lambda o: float(o["price"]["grandTotal"]))
    offers = offers[: search.max_results]
    for index, offer in enumerate(offers, start=1):
        offer["id"] = str(index)
    return {"data": offers, "dictionaries": _dictionaries(offers, search.currency)}


def _offer(search: Search, routing: Routing, option: int) -> dict[str, Any] | None:
    itineraries, seg_id, fare_eur, all_segments = [], 1, 0.0, []
    for leg in search.legs:
        via = routing.via
        if via and via[0].iata in (leg.origin.iata, leg.destination.iata):
            via = ()
        itinerary, flown, count = _itinerary(leg, Routing(routing.carrier, via), seg_id, option)
        seg_id += count
        itineraries.append(itinerary)
        all_segments += itinerary["segments"]
        demand = (
            0.88
            + 0.27 * rng_for("demand", leg.origin.iata, leg.destination.iata, leg.day, routing.carrier.code).random()
        )
        days_ahead = (leg.day - search.today).days
        fare = base_fare_eur(flown) * CABIN_FACTOR[search.cabin] * advance_factor(days_ahead)
        fare *= season_factor(leg.day) * weekday_factor(leg.day) * demand * (0.82 if via else 1.0)
        fare_eur += fare
    traveler_pricings, grand_total, base_total = [], 0.0, 0.0
    classes = BOOKING_CLASS[search.cabin]
    booking_class = classes[stable_seed(routing.carrier.code, option) % len(classes)]
    for traveler in search.travelers:
        base = convert(fare_eur * TRAVELER_FACTOR.get(traveler.type, 1.0), search.currency)
        taxes = convert(
            (0.12 * fare_eur + 18 * len(all_segments)) * (0.2 if traveler.type == "HELD_INFANT" else 1.0),
            search.currency,
        )
        total = base + taxes
        grand_total += total
        base_total += base
        traveler_pricings.append(
            {
                "travelerId": traveler.id,
                "fareOption": "STANDARD",
                "travelerType": traveler.type,
                "price": {"currency": search.currency, "total": fmt(total), "base": fmt(base)},
                "fareDetailsBySegment": [
                    {
                        "segmentId": s["id"],
                        "cabin": search.cabin,
                        "fareBasis": f"{booking_class}SBX{routing.carrier.code}",
                        "class": booking_class,
                        "includedCheckedBags": {"quantity": 1 if search.cabin == "ECONOMY" else 2},
                    }
                    for s in all_segments
                ],
            }
        )
    last_ticketing = min(search.legs[0].day, search.today + timedelta(days=30))
    return {
        "type": "flight-offer",
        "id": "0",
        "source": "GDS",
        "instantTicketingRequired": False,
        "nonHomogeneous": False,
        "oneWay": False,
        "lastTicketingDate": last_ticketing.isoformat(),
        "numberOfBookableSeats": 1 + stable_seed(routing.carrier.code, option, search.legs[0].day) % 9,
        "itineraries": itineraries,
        "price": {
            "currency": search.currency,
            "total": fmt(grand_total),
            "base": fmt(base_total),
            "fees": [{"amount": "0.00", "type": "SUPPLIER"}, {"amount": "0.00", "type": "TICKETING"}],
            "grandTotal": fmt(grand_total),
        },
        "pricingOptions": {"fareType": ["PUBLISHED"], "includedCheckedBagsOnly": True},
        "validatingAirlineCodes": [routing.carrier.code],
        "travelerPricings": traveler_pricings,
        "sandbox": True,
    }


def _dictionaries(offers: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    locations, aircraft, carriers = {}, {}, {}
    for offer in offers:
        for itinerary in offer["itineraries"]:
            for segment in itinerary["segments"]:
                for end in ("departure", "arrival"):
                    airport = geo.airports()[segment[end]["iataCode"]]
                    locations[airport.iata] = {
                        "cityCode": geo.city_code_for_airport(airport),
                        "countryCode": airport.country,
                    }
                aircraft[segment["aircraft"]["code"]] = AIRCRAFT[segment["aircraft"]["code"]]
                carriers[segment["carrierCode"]] = CARRIERS[segment["carrierCode"]].name
    return {
        "locations": locations,
        "aircraft": aircraft,
        "currencies": {currency: CURRENCY_NAMES.get(currency, currency)},
        "carriers": carriers,
    }


def flown_distance_km(itinerary: dict[str, Any]) -> float:
    """Sum of great-circle segment distances of an itinerary (helper for checks and docs)."""
    total = 0.0
    for segment in itinerary["segments"]:
        a = geo.airports()[segment["departure"]["iataCode"]]
        b = geo.airports()[segment["arrival"]["iataCode"]]
        total += geo.great_circle_km(a.lat, a.lon, b.lat, b.lon)
    return math.floor(total)
