"""Flights from Duffel: offer requests with paginated offers, one offer re-read for pricing, place suggestions.

A search is two calls sharing one time budget: `POST /air/offer_requests?return_offers=false` (slices,
passengers, cabin, max_connections; `supplier_timeout` kept inside our budget), then `GET /air/offers` pages
(`limit`, following `after`) sorted as the caller asked, until `max_results` offers are in hand. Filters Duffel
does not take (price cap, airlines) are applied to what comes back; Duffel prices in the seller's currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tripsage_core.errors import ProviderMalformed
from tripsage_duffel import DuffelCaller, amount
from tripsage_flights.config import FlightsSettings
from tripsage_flights.providers.base import FoundOffer
from tripsage_flights.schemas import FlightOffer, FlightQuery, Itinerary, Location, Price, Segment, Stop
from tripsage_geo.iata import airports_of, utc_offset
from tripsage_geo.zones import zone_named
from tripsage_http import CallerAdapter

NAME = "duffel"
PAGE_LIMIT = 200  # Duffel's largest page
# Pages read per search at most: a filter matching almost nothing must not page through every offer of a route.
MAX_PAGES = 5
# Duffel takes passengers by age; our API counts children (2-11) and lap infants (under 2).
CHILD_AGE, INFANT_AGE = 8, 1
# Duffel's field paths -> our query fields, so its 422 names the field the caller sent.
SEARCH_FIELDS = {
    "slices.0.origin": "origin",
    "slices.0.destination": "destination",
    "slices.0.departure_date": "departure_date",
    "slices.1.departure_date": "return_date",
    "slices.1.origin": "destination",
    "slices.1.destination": "origin",
    "passengers": "adults",
    "cabin_class": "cabin",
    "max_connections": "nonstop",
    "supplier_timeout": "query",
}
_DURATION = TypeAdapter(dt.timedelta)


def _minutes(iso: Any) -> int | None:
    """Duffel's ISO 8601 durations (PT7H15M, P1DT2H) in minutes."""
    try:
        return int(_DURATION.validate_python(iso).total_seconds() // 60) if iso else None
    except ValidationError:
        return None


def _instant(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _stop(place: Mapping[str, Any], terminal: Any, at: Any) -> Stop:
    """Duffel gives local times without offsets, and each airport's IANA zone beside them."""
    local = dt.datetime.fromisoformat(str(at))
    zone = place.get("time_zone")
    if zone and local.tzinfo is None:
        local = local.replace(tzinfo=zone_named(str(zone)))
    return Stop(
        airport=str(place.get("iata_code", "")), terminal=terminal, local_time=local, utc_offset=utc_offset(local)
    )


def _segment(raw: Mapping[str, Any]) -> Segment:
    marketing = raw.get("marketing_carrier") or {}
    operating = raw.get("operating_carrier") or {}
    aircraft = raw.get("aircraft") or {}
    fare = (raw.get("passengers") or [{}])[0]
    code = str(marketing.get("iata_code", ""))
    cabin = fare.get("cabin_class")
    return Segment(
        carrier=code,
        carrier_name=marketing.get("name"),
        flight_number=f"{code}{raw.get('marketing_carrier_flight_number', '')}",
        operating_carrier=operating.get("iata_code"),
        departure=_stop(raw.get("origin") or {}, raw.get("origin_terminal"), raw["departing_at"]),
        arrival=_stop(raw.get("destination") or {}, raw.get("destination_terminal"), raw["arriving_at"]),
        duration_minutes=_minutes(raw.get("duration")),
        aircraft=aircraft.get("iata_code"),
        aircraft_name=aircraft.get("name"),
        cabin=str(cabin).upper() if cabin else None,
        fare_basis=fare.get("fare_basis_code"),
        booking_class=None,
    )


def _itinerary(raw: Mapping[str, Any]) -> Itinerary:
    segments = [_segment(s) for s in raw.get("segments") or []]
    # A segment's own `stops` are technical stops: the traveller stays on board, but it is a stop.
    stops = max(0, len(segments) - 1) + sum(len(s.get("stops") or []) for s in raw.get("segments") or [])
    return Itinerary(duration_minutes=_minutes(raw.get("duration")), stops=stops, segments=segments)


def normalise_offer(raw: Mapping[str, Any], *, searched: tuple[str, str] | None = None) -> FlightOffer:
    """One Duffel offer as our FlightOffer; `searched` is the (origin, destination) pair asked for."""
    itineraries = [_itinerary(s) for s in raw.get("slices") or []]
    first = itineraries[0].segments if itineraries else []
    origin = first[0].departure.airport if first else ""
    destination = first[-1].arrival.airport if first else ""
    durations = [i.duration_minutes for i in itineraries]
    payment = raw.get("payment_requirements") or {}
    pay_by = payment.get("payment_required_by")
    owner = (raw.get("owner") or {}).get("iata_code")
    return FlightOffer(
        id="",
        provider=NAME,
        provider_offer_id=str(raw.get("id", "")),
        price=Price(
            total=amount(raw.get("total_amount")) or 0.0,
            base=amount(raw.get("base_amount")),
            currency=str(raw.get("total_currency", "")),
        ),
        itineraries=itineraries,
        stops=itineraries[0].stops if itineraries else 0,
        total_duration_minutes=None if None in durations else sum(d for d in durations if d is not None),
        cabin=first[0].cabin if first else None,
        fare_basis=first[0].fare_basis if first else None,
        seats_left=raw.get("available_seats"),
        last_ticketing_date=_instant(pay_by).date() if pay_by else None,
        validating_airlines=[owner] if owner else [],
        origin_airport=origin,
        destination_airport=destination,
        alternative=searched is not None and not _serves(searched, origin, destination),
    )


def _serves(searched: tuple[str, str], origin: str, destination: str) -> bool:
    def codes(code: str) -> set[str]:
        return {a.code for a in airports_of(code)} | {code}

    return origin in codes(searched[0]) and destination in codes(searched[1])


def normalise_place(raw: Mapping[str, Any]) -> Location:
    """A Duffel place suggestion (an airport, or a city with its airports) as our Location."""
    is_city = raw.get("type") == "city"
    code = str(raw.get("iata_code", ""))
    zone = raw.get("time_zone")
    offset = utc_offset(dt.datetime.now(zone_named(str(zone)))) if zone else None
    return Location(
        iata_code=code,
        sub_type="CITY" if is_city else "AIRPORT",
        name=str(raw.get("name", "")),
        city_name=str(raw.get("name", "")) if is_city else raw.get("city_name"),
        city_code=code if is_city else raw.get("iata_city_code"),
        country_code=raw.get("iata_country_code"),
        lat=raw.get("latitude"),
        lon=raw.get("longitude"),
        time_zone_offset=offset,
    )


def offer_request(query: FlightQuery, origin: str, destination: str) -> dict[str, Any]:
    """The `data` of POST /air/offer_requests for this query between these two codes."""
    slices = [{"origin": origin, "destination": destination, "departure_date": query.departure_date.isoformat()}]
    if query.return_date is not None:
        slices.append({"origin": destination, "destination": origin, "departure_date": query.return_date.isoformat()})
    passengers: list[dict[str, Any]] = [{"type": "adult"} for _ in range(query.adults)]
    passengers += [{"age": CHILD_AGE} for _ in range(query.children)]
    passengers += [{"age": INFANT_AGE} for _ in range(query.infants)]
    return {
        "slices": slices,
        "passengers": passengers,
        "cabin_class": (query.cabin or "ECONOMY").lower(),
        "max_connections": 0 if query.nonstop else 1,
    }


def _wanted(offer: FlightOffer, query: FlightQuery) -> bool:
    if query.max_price is not None and offer.price.total > query.max_price:
        return False
    carriers = {s.carrier for i in offer.itineraries for s in i.segments}
    if query.airlines and not carriers <= set(query.airlines):
        return False
    return not (query.exclude_airlines and carriers & set(query.exclude_airlines))


class DuffelFlights(CallerAdapter[DuffelCaller]):
    """FlightProvider on Duffel's HTTP API; every call goes through the shared provider layer."""

    name = NAME

    def __init__(self, caller: DuffelCaller, *, supplier_timeout_ms: int) -> None:
        super().__init__(caller)
        self._supplier_timeout_ms = supplier_timeout_ms

    @classmethod
    def from_settings(cls, settings: FlightsSettings) -> DuffelFlights:
        # Airlines must answer Duffel within one attempt of ours, so a slow airline costs offers, not the search.
        supplier_timeout_ms = max(2000, min(60_000, int(settings.provider_attempt_timeout_s * 1000) - 500))
        return cls(DuffelCaller.from_settings(settings, name="flights"), supplier_timeout_ms=supplier_timeout_ms)

    async def search(self, query: FlightQuery, *, origin: str, destination: str) -> list[FoundOffer]:
        deadline = self.caller.new_deadline()
        created = await self.caller.send(
            "offer_requests",
            "POST",
            "/air/offer_requests",
            params={"return_offers": "false", "supplier_timeout": self._supplier_timeout_ms},
            data=offer_request(query, origin, destination),
            fields=SEARCH_FIELDS,
            deadline=deadline,
        )
        request_id = (created.get("data") or {}).get("id")
        if not request_id:
            raise ProviderMalformed("Duffel created no offer request.")
        found: list[FoundOffer] = []
        after: str | None = None
        sort = "total_duration" if query.sort == "duration" else "total_amount"
        for _ in range(MAX_PAGES):
            params = {"offer_request_id": request_id, "limit": min(PAGE_LIMIT, query.max_results), "sort": sort}
            page = await self.caller.send(
                "offers",
                "GET",
                "/air/offers",
                params={**params, **({"after": after} if after else {})},
                deadline=deadline,
            )
            for raw in page.get("data") or []:
                offer = normalise_offer(raw, searched=(query.origin, query.destination))
                if _wanted(offer, query):
                    expires = raw.get("expires_at")
                    found.append(
                        FoundOffer(offer, {"id": offer.provider_offer_id}, _instant(expires) if expires else None)
                    )
            after = (page.get("meta") or {}).get("after")
            if not after or len(found) >= query.max_results:
                break
        return found

    async def price(self, reference: dict[str, Any]) -> FlightOffer:
        body = await self.caller.send("offer", "GET", f"/air/offers/{reference['id']}")
        return normalise_offer(body.get("data") or {})

    async def locations(self, keyword: str) -> list[Location]:
        body = await self.caller.send(
            "places", "GET", "/places/suggestions", params={"query": keyword}, fields={"query": "q"}
        )
        return [normalise_place(raw) for raw in body.get("data") or [] if raw.get("iata_code")]
