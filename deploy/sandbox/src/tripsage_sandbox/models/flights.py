"""Flight offers from great-circle distance, cabin, date and a seeded demand factor."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from tripsage_sandbox import geo
from tripsage_sandbox.models.airports import is_open
from tripsage_sandbox.models.carriers import (
    AIRCRAFT,
    CARRIERS,
    GLOBAL_CONNECTORS,
    Carrier,
    carriers_of,
    is_major,
    partners_of,
)
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
MAX_DETOUR = 1.45
# Nobody connects through an airport in the next town (JFK-EWR-LHR).
MIN_STAGE_KM = 250.0


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


def block_minutes(distance_km: float, eastbound: bool, routing_factor: float = 1.0) -> int:
    """Gate-to-gate minutes: 35 min taxi/climb plus cruise at 780 km/h (640 under 1,500 km), jet-stream adjusted.

    `routing_factor` stretches the flown distance where airways leave the great circle (Russian airspace).
    """
    flown = distance_km * routing_factor
    cruise = flown / 640 * 60 if flown < 1500 else flown / 780 * 60 * (0.94 if eastbound else 1.06)
    return int(round((35 + cruise) / 5) * 5)


# Carriers of these countries have not overflown Russia since 2022 (closures and sanctions both ways); where the
# great circle crosses Russia they fly round it, via Central Asia or over the pole, about 15 % further.
_RUSSIA_CLOSED_LIST = "US CA GB IE FR NL DE CH AT BE ES PT IT DK SE NO FI PL GR IS JP KR TW AU NZ SG"
RUSSIA_CLOSED: frozenset[str] = frozenset(_RUSSIA_CLOSED_LIST.split())
RUSSIA_DETOUR = 1.15


@cache
def crosses_russia(a: geo.Airport, b: geo.Airport) -> bool:
    """True when a point of the great circle (sampled every ~1/24 of the way) is nearest to a Russian city.

    Only points inside Russia's bounding box (north of 41 N, east of 19 E or west of 168 W) are looked up.
    """
    points = (_along(a, b, step / 24) for step in range(1, 24))
    return any(
        geo.nearest_city(lat, lon).country == "RU" for lat, lon in points if lat >= 41 and (lon >= 19 or lon <= -168)
    )


def _along(a: geo.Airport, b: geo.Airport, fraction: float) -> tuple[float, float]:
    """The point a fraction of the way along the great circle from a to b."""
    p1, l1, p2, l2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    delta = geo.distance_km(a.lat, a.lon, b.lat, b.lon) / geo.EARTH_RADIUS_KM
    if delta == 0:
        return a.lat, a.lon
    k1, k2 = math.sin((1 - fraction) * delta) / math.sin(delta), math.sin(fraction * delta) / math.sin(delta)
    x = k1 * math.cos(p1) * math.cos(l1) + k2 * math.cos(p2) * math.cos(l2)
    y = k1 * math.cos(p1) * math.sin(l1) + k2 * math.cos(p2) * math.sin(l2)
    z = k1 * math.sin(p1) + k2 * math.sin(p2)
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def routing_factor(carrier: Carrier, a: geo.Airport, b: geo.Airport) -> float:
    """How much longer than the great circle the carrier flies this stage."""
    if carrier.country in RUSSIA_CLOSED and a.country != "RU" and b.country != "RU" and crosses_russia(a, b):
        return RUSSIA_DETOUR
    return 1.0


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


@dataclass(frozen=True, slots=True)
class Routing:
    """A carrier and the airports it flies through (empty via = non-stop)."""

    carrier: Carrier
    via: tuple[geo.Airport, ...]


def _can_fly(carrier: Carrier, a: geo.Airport, b: geo.Airport) -> bool:
    """A stage the carrier plausibly operates: from or to one of its hubs, both ends in its network, in range."""
    distance = geo.distance_km(a.lat, a.lon, b.lat, b.lon)
    if distance > carrier.max_range_km or not (carrier.serves(a) and carrier.serves(b)):
        return False
    return carrier.flies_from(a, distance) or carrier.flies_from(b, distance)


def _routings(origin: geo.Airport, destination: geo.Airport, search: Search) -> list[Routing]:
    direct = geo.distance_km(origin.lat, origin.lon, destination.lat, destination.lon)
    home = carriers_of(origin.country) + tuple(
        c for c in carriers_of(destination.country) if c.country != origin.country
    )
    # Carriers of either end's country and their alliance partners; nobody else sells the trip.
    candidates = home + partners_of(home)
    found: list[Routing] = []
    # Non-stops need a market big enough: both airports busy or hubs, or a short hop.
    if direct <= 15500 and ((is_major(origin) and is_major(destination)) or direct < 1200):
        found += [Routing(c, ()) for c in candidates if _can_fly(c, origin, destination)]
    found += _one_stops(origin, destination, direct, candidates, {r.carrier.code for r in found})
    if not found:
        found = _fallback(origin, destination, direct)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique = []
    for routing in found:
        key = (routing.carrier.code, tuple(a.code for a in routing.via))
        if key not in seen:
            seen.add(key)
            unique.append(routing)
    if search.included:
        unique = [r for r in unique if r.carrier.code in search.included]
    unique = [r for r in unique if r.carrier.code not in search.excluded]
    if search.non_stop:
        unique = [r for r in unique if not r.via]
    return unique


def _one_stops(
    origin: geo.Airport, destination: geo.Airport, direct: float, candidates: tuple[Carrier, ...], non_stop: set[str]
) -> list[Routing]:
    """Connections through a hub of each candidate without a non-stop: at most two hubs each, least detour first."""
    found = []
    for carrier in candidates:
        if carrier.code in non_stop:
            continue
        options = []
        for code in carrier.hubs:
            hub = geo.airports().get(code)
            if hub is None or code in (origin.code, destination.code):
                continue
            d1 = geo.distance_km(origin.lat, origin.lon, hub.lat, hub.lon)
            d2 = geo.distance_km(hub.lat, hub.lon, destination.lat, destination.lon)
            fits = min(d1, d2) >= MIN_STAGE_KM and d1 + d2 <= MAX_DETOUR * direct
            if fits and _can_fly(carrier, origin, hub) and _can_fly(carrier, hub, destination):
                options.append((d1 + d2, hub))
        options.sort(key=lambda o: o[0])
        found += [Routing(carrier, (hub,)) for _, hub in options[:2]]
    return found


def _fallback(origin: geo.Airport, destination: geo.Airport, direct: float) -> list[Routing]:
    """Somewhere no carrier of either country (nor a partner) serves: a global connector through its main hub."""
    found = []
    for code in GLOBAL_CONNECTORS:
        carrier = CARRIERS[code]
        hub = geo.airports()[carrier.hub]
        if hub.code in (origin.code, destination.code):
            found.append(Routing(carrier, ()))
            continue
        flown = geo.distance_km(origin.lat, origin.lon, hub.lat, hub.lon) + geo.distance_km(
            hub.lat, hub.lon, destination.lat, destination.lon
        )
        if flown <= MAX_DETOUR * direct:
            found.append(Routing(carrier, (hub,)))
    if not found:
        carrier = CARRIERS[GLOBAL_CONNECTORS[stable_seed(origin.code, destination.code) % len(GLOBAL_CONNECTORS)]]
        hub = geo.airports()[carrier.hub]
        found.append(Routing(carrier, () if hub.code in (origin.code, destination.code) else (hub,)))
    return found


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(moment_utc: datetime, airport: geo.Airport) -> datetime:
    return moment_utc.astimezone(_zone(airport.tz)).replace(tzinfo=None)


def _iso_duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"PT{hours}H{mins}M" if mins else f"PT{hours}H"


@cache
def _stage(carrier: Carrier, a: geo.Airport, b: geo.Airport) -> tuple[int, float]:
    """Block minutes and great-circle km of a stage flown by the carrier."""
    distance = geo.distance_km(a.lat, a.lon, b.lat, b.lon)
    return block_minutes(distance, is_eastbound(a, b), routing_factor(carrier, a, b)), distance


def _segment(seg_id: int, carrier: Carrier, a: geo.Airport, b: geo.Airport, depart_utc: datetime) -> dict[str, Any]:
    minutes, distance = _stage(carrier, a, b)
    arrive_utc = depart_utc + timedelta(minutes=minutes)
    number = 1 + stable_seed(carrier.code, a.code, b.code) % 1899
    return {
        "departure": {
            "iataCode": a.code,
            "terminal": str(1 + stable_seed(a.code, carrier.code) % 3),
            "at": _local(depart_utc, a).isoformat(timespec="seconds"),
        },
        "arrival": {
            "iataCode": b.code,
            "terminal": str(1 + stable_seed(b.code, carrier.code) % 3),
            "at": _local(arrive_utc, b).isoformat(timespec="seconds"),
        },
        "carrierCode": carrier.code,
        "number": str(number),
        "aircraft": {"code": carrier.aircraft(distance, number)},
        "operating": {"carrierCode": carrier.code},
        "duration": _iso_duration(minutes),
        "id": str(seg_id),
        "numberOfStops": 0,
        "blacklistedInEU": False,
    }


def _itinerary(leg: Leg, routing: Routing, first_seg_id: int, option: int) -> tuple[dict[str, Any], float, int] | None:
    """Build one itinerary; returns (itinerary, flown km, segment count), None when no slot respects the curfews.

    Departure slots are tried in a seeded order until every departure and arrival falls inside its airport's
    opening hours, so times spread over the open hours instead of piling up at the end of a curfew.
    """
    rng = rng_for("itinerary", leg.origin.code, leg.destination.code, leg.day, routing.carrier.code, option)
    stops = (leg.origin, *routing.via, leg.destination)
    layovers = [rng.randrange(70, 200, 5) for _ in range(len(stops) - 2)]
    earliest = leg.earliest or time(6, 0)
    first = -(-(earliest.hour * 60 + earliest.minute) // 5) * 5
    slots = range(first, 24 * 60, 5)
    if not slots:
        return None
    # A seeded start and a stride coprime with the slot count visit every slot once, in a scattered order.
    offset, stride = rng.randrange(len(slots)), next(p for p in (37, 41, 43) if math.gcd(p, len(slots)) == 1)
    for k in range(len(slots)):
        minute = slots[(offset + k * stride) % len(slots)]
        local_departure = datetime.combine(leg.day, time(minute // 60, minute % 60))
        built = _schedule(stops, layovers, routing.carrier, local_departure, leg.origin, first_seg_id)
        if built is not None:
            return built
    return None


def _schedule(
    stops: tuple[geo.Airport, ...],
    layovers: list[int],
    carrier: Carrier,
    local_departure: datetime,
    origin: geo.Airport,
    first_seg_id: int,
) -> tuple[dict[str, Any], float, int] | None:
    depart_utc = local_departure.replace(tzinfo=_zone(origin.tz)).astimezone(UTC)
    departures, moment = [], depart_utc
    for index, (a, b) in enumerate(itertools.pairwise(stops)):
        if not is_open(a, _local(moment, a).time()):
            return None
        departures.append(moment)
        moment += timedelta(minutes=_stage(carrier, a, b)[0])
        if not is_open(b, _local(moment, b).time()):
            return None
        if index < len(layovers):
            moment += timedelta(minutes=layovers[index])
    pairs = list(itertools.pairwise(stops))
    segments = [_segment(first_seg_id + i, carrier, a, b, departures[i]) for i, (a, b) in enumerate(pairs)]
    flown = sum(_stage(carrier, a, b)[1] for a, b in pairs)
    total_minutes = int((moment - depart_utc).total_seconds() // 60)
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
        if via and via[0].code in (leg.origin.code, leg.destination.code):
            via = ()
        built = _itinerary(leg, Routing(routing.carrier, via), seg_id, option)
        if built is None:
            return None
        itinerary, flown, count = built
        seg_id += count
        itineraries.append(itinerary)
        all_segments += itinerary["segments"]
        demand = (
            0.88
            + 0.27 * rng_for("demand", leg.origin.code, leg.destination.code, leg.day, routing.carrier.code).random()
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
        "numberOfBookableSeats": bookable_seats(search.travelers, routing.carrier.code, option, search.legs[0].day),
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


def bookable_seats(travelers: list[Traveler], *seed: object) -> int:
    """Seats left on the fare (at most 9, as GDSs report), never fewer than the travellers who need one."""
    needed = max(
        sum(1 for t in travelers if t.type != "HELD_INFANT"),
        min(9, len(travelers)),
    )
    if needed >= 9:
        return needed
    return needed + stable_seed("seats", *seed) % (10 - needed)


def _dictionaries(offers: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    locations, aircraft, carriers = {}, {}, {}
    for offer in offers:
        for itinerary in offer["itineraries"]:
            for segment in itinerary["segments"]:
                for end in ("departure", "arrival"):
                    airport = geo.airports()[segment[end]["iataCode"]]
                    locations[airport.code] = {
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
        total += geo.distance_km(a.lat, a.lon, b.lat, b.lon)
    return math.floor(total)
