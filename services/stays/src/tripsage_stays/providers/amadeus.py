"""Stays from Amadeus Self-Service: Hotel List (by city or geocode) joined with Hotel Search v3."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import amadeus

from tripsage_amadeus import AmadeusAdapter
from tripsage_amadeus.caller import SdkCall
from tripsage_core.errors import ProviderNotFound, ProviderRejected
from tripsage_stays.errors import OfferNotFound
from tripsage_stays.schemas import Cancellation, Hotel, HotelLocation, HotelOffer, StayPrice, StayQuery

LIST_FIELDS = {
    "cityCode": "city_code",
    "latitude": "lat",
    "longitude": "lon",
    "radius": "radius_km",
    "ratings": "min_rating",
    "amenities": "amenities",
}
OFFER_FIELDS = {
    "checkInDate": "check_in",
    "checkOutDate": "check_out",
    "adults": "adults",
    "roomQuantity": "rooms",
    "currency": "currency",
}
# Amadeus answers "nothing here" with a 400 carrying one of these codes; for a search that is an empty result.
_NOTHING_FOUND = frozenset({895, 1257, 3664})


def _money(value: Any) -> float | None:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def _rating(value: Any) -> int | None:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        return None
    return rating if 1 <= rating <= 5 else None


def _cancellation(policies: Mapping[str, Any]) -> Cancellation:
    raw = policies.get("cancellation") or (policies.get("cancellations") or [{}])[0]
    deadline = raw.get("deadline")
    text = (raw.get("description") or {}).get("text")
    # FULL_STAY means the penalty is the whole stay; without a deadline there is no free cancellation either.
    refundable = bool(deadline) and raw.get("type") != "FULL_STAY" and "NON-REFUNDABLE" not in (text or "").upper()
    return Cancellation(
        refundable=refundable, deadline=dt.datetime.fromisoformat(deadline) if deadline else None, description=text
    )


def normalise_offer(raw: Mapping[str, Any]) -> HotelOffer:
    check_in = dt.date.fromisoformat(raw["checkInDate"])
    check_out = dt.date.fromisoformat(raw["checkOutDate"])
    nights = max(1, (check_out - check_in).days)
    price = raw.get("price") or {}
    total = _money(price.get("total")) or _money(price.get("base")) or 0.0
    room = raw.get("room") or {}
    estimated = room.get("typeEstimated") or {}
    return HotelOffer(
        id=str(raw["id"]),
        room_type=estimated.get("category") or room.get("type"),
        room_description=(room.get("description") or {}).get("text"),
        beds=estimated.get("beds"),
        bed_type=estimated.get("bedType"),
        board=raw.get("boardType"),
        check_in=check_in,
        check_out=check_out,
        nights=nights,
        adults=(raw.get("guests") or {}).get("adults"),
        price=StayPrice(
            total=total,
            base=_money(price.get("base")),
            per_night=round(total / nights, 2),
            currency=str(price.get("currency", "")),
        ),
        cancellation=_cancellation(raw.get("policies") or {}),
    )


def normalise_hotel(listed: Mapping[str, Any], offers: Mapping[str, Any]) -> Hotel:
    """A Hotel List entry joined with its Hotel Search v3 `hotel-offers` entry (either may lack fields)."""
    searched = offers.get("hotel") or {}
    geo = listed.get("geoCode") or {}
    distance = listed.get("distance") or {}
    distance_km = _money(distance.get("value"))
    if distance_km is not None and str(distance.get("unit", "KM")).upper() == "MILE":
        distance_km = round(distance_km * 1.609344, 2)
    return Hotel(
        id=str(listed.get("hotelId") or searched.get("hotelId")),
        name=str(listed.get("name") or searched.get("name") or ""),
        chain_code=listed.get("chainCode") or searched.get("chainCode"),
        location=HotelLocation(
            lat=geo.get("latitude", searched.get("latitude")),
            lon=geo.get("longitude", searched.get("longitude")),
            city_code=listed.get("iataCode") or searched.get("cityCode"),
            country_code=(listed.get("address") or searched.get("address") or {}).get("countryCode"),
        ),
        distance_km=distance_km,
        rating=_rating(listed.get("rating", searched.get("rating"))),
        amenities=sorted(set(listed.get("amenities") or searched.get("amenities") or [])),
        offers=[normalise_offer(o) for o in offers.get("offers") or []],
    )


def list_params(query: StayQuery) -> dict[str, Any]:
    params: dict[str, Any] = {"radius": max(1, round(query.radius_km)), "radiusUnit": "KM"}
    if query.city_code:
        params["cityCode"] = query.city_code
    else:
        params.update(latitude=query.lat, longitude=query.lon)
    if query.min_rating and query.min_rating > 1:
        params["ratings"] = ",".join(str(r) for r in range(query.min_rating, 6))
    if query.amenities:
        params["amenities"] = ",".join(query.amenities)
    return params


class AmadeusStays(AmadeusAdapter):
    """StayProvider on the official SDK; every call goes through the shared provider layer."""

    service = "stays"

    async def search(self, query: StayQuery, *, limit: int) -> list[Hotel]:
        # Both calls answer one request: they share one time budget.
        deadline = self.caller.new_deadline()
        listed = await self._hotel_list(query, deadline)
        if not listed:
            return []
        listed.sort(key=lambda h: (h.get("distance") or {}).get("value", 1e9))
        nearest = {str(h["hotelId"]): h for h in listed[:limit] if h.get("hotelId")}
        params: dict[str, Any] = {
            "hotelIds": ",".join(nearest),
            "adults": query.adults,
            "checkInDate": query.check_in.isoformat(),
            "checkOutDate": query.check_out.isoformat(),
            "roomQuantity": query.rooms,
            "bestRateOnly": "false",
        }
        if query.currency:
            params["currency"] = query.currency

        def call(client: amadeus.Client) -> Any:
            return client.shopping.hotel_offers_search.get(**params)

        result = await self._search_sdk("hotel_offers", call, OFFER_FIELDS, deadline)
        hotels = []
        for entry in result.get("data") or []:
            hotel_id = str((entry.get("hotel") or {}).get("hotelId", ""))
            if entry.get("available", True) and entry.get("offers"):
                hotels.append(normalise_hotel(nearest.get(hotel_id, {"hotelId": hotel_id}), entry))
        return hotels

    async def _hotel_list(self, query: StayQuery, deadline: float) -> list[dict[str, Any]]:
        params = list_params(query)

        def call(client: amadeus.Client) -> Any:
            hotels = client.reference_data.locations.hotels
            return (hotels.by_city if query.city_code else hotels.by_geocode).get(**params)

        result = await self._search_sdk("hotel_list", call, LIST_FIELDS, deadline)
        return [h for h in result.get("data") or [] if isinstance(h, dict)]

    async def _search_sdk(
        self, operation: str, call: SdkCall, fields: Mapping[str, str], deadline: float
    ) -> dict[str, Any]:
        """A search call's answer; Amadeus's "nothing here" error is an answer without data."""
        try:
            result: dict[str, Any] = await self.caller.sdk(operation, call, fields=fields, deadline=deadline)
        except ProviderRejected as exc:
            if set(exc.extensions.get("provider_codes", [])) & _NOTHING_FOUND:
                return {}
            raise
        return result

    async def offer(self, offer_id: str) -> tuple[bool, Hotel]:
        def call(client: amadeus.Client) -> Any:
            return client.shopping.hotel_offer_search(offer_id).get()

        try:
            result = await self.caller.sdk("hotel_offer", call)
        except ProviderNotFound:
            raise OfferNotFound(offer_id) from None
        data = result.get("data") or {}
        hotel = normalise_hotel({}, data)
        if not hotel.offers:
            raise OfferNotFound(offer_id)
        return bool(data.get("available", True)), hotel
