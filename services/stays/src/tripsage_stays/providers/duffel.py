"""Stays from Duffel Stays: a search around a point, every rate of the nearest results, quotes to re-check a rate.

A search is `POST /stays/search` (coordinates and radius, dates, rooms, guests), then
`POST /stays/search_results/{id}/actions/fetch_all_rates` for the nearest `limit` results at once, all within one
time budget. Our offer id is Duffel's rate id, so `GET /v1/stays/offers/{id}` is `POST /stays/quotes` on that rate.
A city code is searched around its centre (tripsage_geo); a single-airport code around its airport, at least
`AIRPORT_RADIUS_KM` wide since airports sit outside the towns they serve.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any

from tripsage_core.errors import ProviderNotFound, TripSageError, ValidationFailed
from tripsage_duffel import DuffelCaller, amount
from tripsage_geo.iata import city_centre
from tripsage_geo.sphere import distance_km
from tripsage_http import CallerAdapter
from tripsage_stays.config import StaysSettings
from tripsage_stays.errors import OfferNotFound
from tripsage_stays.schemas import Cancellation, Hotel, HotelLocation, HotelOffer, StayPrice, StayQuery

NAME = "duffel"
MAX_RADIUS_KM = 100.0  # Duffel's largest search radius
AIRPORT_RADIUS_KM = 20.0
SEARCH_FIELDS = {
    "check_in_date": "check_in",
    "check_out_date": "check_out",
    "rooms": "rooms",
    "guests": "adults",
    "location.radius": "radius_km",
    "location.geographic_coordinates.latitude": "lat",
    "location.geographic_coordinates.longitude": "lon",
}
# Duffel's amenity types in the vocabulary our API filters by (Amadeus's, which came first).
AMENITIES = {
    "wifi": "WIFI",
    "parking": "PARKING",
    "gym": "FITNESS_CENTER",
    "spa": "SPA",
    "pool": "SWIMMING_POOL",
    "room_service": "ROOM_SERVICE",
    "restaurant": "RESTAURANT",
    "business_centre": "BUSINESS_CENTER",
    "pets_allowed": "PETS_ALLOWED",
}


def _cancellation(rate: Mapping[str, Any]) -> Cancellation:
    timeline = rate.get("cancellation_timeline") or []
    refunds = [t for t in timeline if (amount(t.get("refund_amount")) or 0) > 0]
    deadline = refunds[0].get("before") if refunds else None
    texts = [str(c.get("description")) for c in rate.get("conditions") or [] if c.get("description")]
    return Cancellation(
        refundable=bool(refunds),
        deadline=dt.datetime.fromisoformat(str(deadline).replace("Z", "+00:00")) if deadline else None,
        description="; ".join(texts) or None,
    )


def normalise_rate(
    rate: Mapping[str, Any], room: Mapping[str, Any], stay: Mapping[str, Any], amounts: Mapping[str, Any] | None = None
) -> HotelOffer:
    """One rate of one room; `stay` holds the dates and guests, `amounts` a quote's totals when re-checked."""
    check_in = dt.date.fromisoformat(str(stay["check_in_date"]))
    check_out = dt.date.fromisoformat(str(stay["check_out_date"]))
    nights = max(1, (check_out - check_in).days)
    priced = amounts or rate
    total = amount(priced.get("total_amount")) or 0.0
    beds = room.get("beds") or []
    board = rate.get("board_type")
    return HotelOffer(
        id=str(rate["id"]),
        room_type=None,
        room_description=room.get("name"),
        beds=sum(int(b.get("count") or 0) for b in beds) or None,
        bed_type=str(beds[0].get("type")).upper() if beds else None,
        board=str(board).upper() if board else None,
        check_in=check_in,
        check_out=check_out,
        nights=nights,
        adults=sum(1 for g in stay.get("guests") or [] if g.get("type") == "adult") or None,
        price=StayPrice(
            total=total,
            base=amount(priced.get("base_amount")),
            per_night=round(total / nights, 2),
            currency=str(priced.get("total_currency", "")),
        ),
        cancellation=_cancellation(rate),
    )


def normalise_accommodation(
    stay: Mapping[str, Any],
    *,
    centre: tuple[float, float] | None = None,
    city_code: str | None = None,
    amounts: Mapping[str, Any] | None = None,
) -> Hotel:
    """A search result (or quote) as our Hotel, each rate of each room an offer."""
    place = stay.get("accommodation") or {}
    point = (place.get("location") or {}).get("geographic_coordinates") or {}
    lat, lon = point.get("latitude"), point.get("longitude")
    address = (place.get("location") or {}).get("address") or {}
    rating = place.get("rating")
    offers = [
        normalise_rate(rate, room, stay, amounts)
        for room in place.get("rooms") or []
        for rate in room.get("rates") or []
    ]
    return Hotel(
        id=str(place.get("id", "")),
        name=str(place.get("name", "")),
        chain_code=None,
        location=HotelLocation(lat=lat, lon=lon, city_code=city_code, country_code=address.get("country_code")),
        distance_km=(
            round(distance_km(centre[0], centre[1], lat, lon), 2)
            if centre and lat is not None and lon is not None
            else None
        ),
        rating=rating if isinstance(rating, int) and 1 <= rating <= 5 else None,
        amenities=sorted({AMENITIES[a["type"]] for a in place.get("amenities") or [] if a.get("type") in AMENITIES}),
        offers=offers,
    )


def search_area(query: StayQuery) -> tuple[float, float, float]:
    """(lat, lon, radius_km) to search around."""
    if query.lat is not None and query.lon is not None:
        return query.lat, query.lon, min(query.radius_km, MAX_RADIUS_KM)
    found = city_centre(query.city_code or "")
    if found is None:  # the service's validation refuses unknown codes first; this is the last line of defence
        raise ValidationFailed.for_field("city_code", "not a known IATA city or airport code", location="query")
    lat, lon, is_centre = found
    radius = query.radius_km if is_centre else max(query.radius_km, AIRPORT_RADIUS_KM)
    return lat, lon, min(radius, MAX_RADIUS_KM)


class DuffelStays(CallerAdapter[DuffelCaller]):
    """StayProvider on Duffel Stays; every call goes through the shared provider layer."""

    name = NAME

    @classmethod
    def from_settings(cls, settings: StaysSettings) -> DuffelStays:
        return cls(DuffelCaller.from_settings(settings, name="stays"))

    async def search(self, query: StayQuery, *, limit: int) -> list[Hotel]:
        deadline = self.caller.new_deadline()
        lat, lon, radius = search_area(query)
        request = {
            "location": {"radius": radius, "geographic_coordinates": {"latitude": lat, "longitude": lon}},
            "check_in_date": query.check_in.isoformat(),
            "check_out_date": query.check_out.isoformat(),
            "rooms": query.rooms,
            "guests": [{"type": "adult"} for _ in range(query.adults)],
        }
        body = await self.caller.send(
            "stays_search", "POST", "/stays/search", data=request, fields=SEARCH_FIELDS, deadline=deadline
        )
        results = [r for r in (body.get("data") or {}).get("results") or [] if r.get("id")]
        nearest = sorted(results, key=lambda r: _distance_from(r, lat, lon))[:limit]
        answers = await asyncio.gather(*(self._rates(r["id"], deadline) for r in nearest), return_exceptions=True)
        failures = [a for a in answers if isinstance(a, BaseException)]
        if failures and len(failures) == len(answers):
            raise failures[0]  # every hotel's rates failed: the search failed
        hotels = []
        for answer in answers:
            if isinstance(answer, BaseException):
                if not isinstance(answer, TripSageError):
                    raise answer  # a bug, not the provider: never hide it
                continue  # one hotel's rates failing costs that hotel, not the search
            hotel = normalise_accommodation(answer, centre=(lat, lon), city_code=query.city_code)
            if hotel.offers:
                hotels.append(hotel)
        return hotels

    async def _rates(self, result_id: str, deadline: float) -> dict[str, Any]:
        path = f"/stays/search_results/{result_id}/actions/fetch_all_rates"
        body = await self.caller.send("stays_rates", "POST", path, deadline=deadline)
        data: dict[str, Any] = body.get("data") or {}
        return data

    async def offer(self, offer_id: str) -> tuple[bool, Hotel]:
        try:
            body = await self.caller.send("stays_quote", "POST", "/stays/quotes", data={"rate_id": offer_id})
        except ProviderNotFound:
            raise OfferNotFound(offer_id) from None
        quote = body.get("data") or {}
        hotel = normalise_accommodation(quote, amounts=quote)
        if not hotel.offers:
            raise OfferNotFound(offer_id)
        # The quote prices the rate afresh under its own id; ours stays the rate's, so it can be re-checked again.
        offer = hotel.offers[0].model_copy(update={"id": offer_id})
        return True, hotel.model_copy(update={"offers": [offer]})


def _distance_from(result: Mapping[str, Any], lat: float, lon: float) -> float:
    point = (((result.get("accommodation") or {}).get("location") or {}).get("geographic_coordinates")) or {}
    if point.get("latitude") is None or point.get("longitude") is None:
        return float("inf")
    return distance_km(lat, lon, point["latitude"], point["longitude"])
