"""Flights from Amadeus Self-Service (Flight Offers Search v2, Flight Offers Price v1, Airport & City Search)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import amadeus

from tripsage_amadeus import AmadeusAdapter
from tripsage_core.errors import ProviderUnavailable
from tripsage_flights.providers.base import FoundOffer
from tripsage_flights.schemas import FlightOffer, FlightQuery, Itinerary, Location, Price, Segment, Stop
from tripsage_geo.iata import airports_of, localise, utc_offset

# Provider parameter → our query field, so a provider 400 names the field the caller sent.
SEARCH_FIELDS = {
    "originLocationCode": "origin",
    "destinationLocationCode": "destination",
    "departureDate": "departure_date",
    "returnDate": "return_date",
    "adults": "adults",
    "children": "children",
    "infants": "infants",
    "travelClass": "cabin",
    "nonStop": "nonstop",
    "maxPrice": "max_price",
    "currencyCode": "currency",
    "max": "max_results",
    "includedAirlineCodes": "airlines",
    "excludedAirlineCodes": "exclude_airlines",
}
_DURATION = re.compile(r"^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?")


def duration_minutes(iso: str | None) -> int | None:
    """ISO 8601 durations as Amadeus writes them (PT7H15M, P1DT2H) in minutes."""
    match = _DURATION.match(iso or "")
    if not iso or not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return days * 1440 + hours * 60 + minutes


def _money(value: Any) -> float | None:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def _stop(point: Mapping[str, Any]) -> Stop:
    code = str(point.get("iataCode", ""))
    local = localise(code, dt.datetime.fromisoformat(str(point["at"])))
    return Stop(airport=code, terminal=point.get("terminal"), local_time=local, utc_offset=utc_offset(local))


def _segment(
    raw: Mapping[str, Any], fares: Mapping[str, Mapping[str, Any]], dictionaries: Mapping[str, Any]
) -> Segment:
    carrier = str(raw.get("carrierCode", ""))
    aircraft = (raw.get("aircraft") or {}).get("code")
    fare = fares.get(str(raw.get("id")), {})
    return Segment(
        carrier=carrier,
        carrier_name=(dictionaries.get("carriers") or {}).get(carrier),
        flight_number=f"{carrier}{raw.get('number', '')}",
        operating_carrier=(raw.get("operating") or {}).get("carrierCode"),
        departure=_stop(raw["departure"]),
        arrival=_stop(raw["arrival"]),
        duration_minutes=duration_minutes(raw.get("duration")),
        aircraft=aircraft,
        aircraft_name=(dictionaries.get("aircraft") or {}).get(aircraft) if aircraft else None,
        cabin=fare.get("cabin"),
        fare_basis=fare.get("fareBasis"),
        booking_class=fare.get("class"),
    )


def _itinerary(
    raw: Mapping[str, Any], fares: Mapping[str, Mapping[str, Any]], dictionaries: Mapping[str, Any]
) -> Itinerary:
    segments = [_segment(s, fares, dictionaries) for s in raw.get("segments", [])]
    # Technical stops (numberOfStops) are stops too, though the traveller stays on board.
    stops = max(0, len(segments) - 1) + sum(int(s.get("numberOfStops") or 0) for s in raw.get("segments", []))
    minutes = duration_minutes(raw.get("duration"))
    if minutes is None and segments:
        # Flight Offers Price omits the itinerary duration; door to door is exact once both ends carry offsets.
        start, end = segments[0].departure.local_time, segments[-1].arrival.local_time
        if start.tzinfo is not None and end.tzinfo is not None:
            minutes = int((end - start).total_seconds() // 60)
    return Itinerary(duration_minutes=minutes, stops=stops, segments=segments)


def normalise_offer(
    raw: Mapping[str, Any], dictionaries: Mapping[str, Any] | None = None, *, searched: tuple[str, str] | None = None
) -> FlightOffer:
    """One Amadeus flight-offer as our FlightOffer; `searched` is the (origin, destination) pair asked for."""
    dictionaries = dictionaries or {}
    pricings = raw.get("travelerPricings") or [{}]
    fares = {str(f.get("segmentId")): f for f in pricings[0].get("fareDetailsBySegment", [])}
    itineraries = [_itinerary(i, fares, dictionaries) for i in raw.get("itineraries", [])]
    price = raw.get("price") or {}
    first = itineraries[0].segments if itineraries and itineraries[0].segments else []
    origin = first[0].departure.airport if first else ""
    destination = first[-1].arrival.airport if first else ""
    durations = [i.duration_minutes for i in itineraries]
    first_fare: Mapping[str, Any] = next(iter(fares.values()), {})
    ticketing = raw.get("lastTicketingDate")
    return FlightOffer(
        id="",
        provider="amadeus",
        provider_offer_id=str(raw.get("id", "")),
        price=Price(
            total=_money(price.get("grandTotal") or price.get("total")) or 0.0,
            base=_money(price.get("base")),
            currency=str(price.get("currency", "")),
        ),
        itineraries=itineraries,
        stops=itineraries[0].stops if itineraries else 0,
        total_duration_minutes=None if None in durations else sum(d for d in durations if d is not None),
        cabin=first_fare.get("cabin"),
        fare_basis=first_fare.get("fareBasis"),
        seats_left=raw.get("numberOfBookableSeats"),
        last_ticketing_date=dt.date.fromisoformat(ticketing) if ticketing else None,
        validating_airlines=list(raw.get("validatingAirlineCodes") or []),
        origin_airport=origin,
        destination_airport=destination,
        alternative=searched is not None and not _serves(searched, origin, destination),
    )


def _serves(searched: tuple[str, str], origin: str, destination: str) -> bool:
    origins = {a.code for a in airports_of(searched[0])} | {searched[0]}
    destinations = {a.code for a in airports_of(searched[1])} | {searched[1]}
    return origin in origins and destination in destinations


def normalise_location(raw: Mapping[str, Any]) -> Location:
    address = raw.get("address") or {}
    geo = raw.get("geoCode") or {}
    return Location(
        iata_code=str(raw.get("iataCode", "")),
        sub_type="CITY" if raw.get("subType") == "CITY" else "AIRPORT",
        name=str(raw.get("name", "")),
        city_name=address.get("cityName"),
        city_code=address.get("cityCode"),
        country_code=address.get("countryCode"),
        lat=geo.get("latitude"),
        lon=geo.get("longitude"),
        time_zone_offset=raw.get("timeZoneOffset"),
    )


def search_params(query: FlightQuery, origin: str, destination: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "originLocationCode": origin,
        "destinationLocationCode": destination,
        "departureDate": query.departure_date.isoformat(),
        "adults": query.adults,
        "max": query.max_results,
    }
    optional: dict[str, Any] = {
        "returnDate": query.return_date.isoformat() if query.return_date else None,
        "children": query.children or None,
        "infants": query.infants or None,
        "travelClass": query.cabin,
        "nonStop": "true" if query.nonstop else None,
        "maxPrice": query.max_price,
        "currencyCode": query.currency,
        "includedAirlineCodes": ",".join(query.airlines) or None,
        "excludedAirlineCodes": ",".join(query.exclude_airlines) or None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    return params


class AmadeusFlights(AmadeusAdapter):
    """FlightProvider on the official SDK; every call goes through the shared provider layer."""

    service = "flights"

    async def search(self, query: FlightQuery, *, origin: str, destination: str) -> list[FoundOffer]:
        params = search_params(query, origin, destination)

        def call(client: amadeus.Client) -> Any:
            return client.shopping.flight_offers_search.get(**params)

        result = await self.caller.sdk("flight_offers", call, fields=SEARCH_FIELDS)
        dictionaries = result.get("dictionaries") or {}
        return [
            FoundOffer(normalise_offer(raw, dictionaries, searched=(query.origin, query.destination)), raw)
            for raw in result.get("data") or []
        ]

    async def price(self, reference: dict[str, Any]) -> FlightOffer:
        def call(client: amadeus.Client) -> Any:
            return client.shopping.flight_offers.pricing.post(reference)

        result = await self.caller.sdk("flight_offers_pricing", call)
        data = result.get("data") or {}
        offers = data.get("flightOffers") or []
        if not offers:
            raise ProviderUnavailable("Amadeus confirmed no offer.")
        return normalise_offer(offers[0], result.get("dictionaries") or {})

    async def locations(self, keyword: str) -> list[Location]:
        def call(client: amadeus.Client) -> Any:
            return client.reference_data.locations.get(keyword=keyword, subType="AIRPORT,CITY", page={"limit": 20})

        result = await self.caller.sdk("locations", call, fields={"keyword": "q"})
        return [normalise_location(raw) for raw in result.get("data") or []]
