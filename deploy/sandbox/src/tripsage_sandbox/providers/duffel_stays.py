"""Duffel Stays: search by coordinates or accommodation ids, all rates of a result, and quotes.

Hotels, rooms and prices come from the hotel model behind the Amadeus endpoints. Result, rate and quote ids
wrap the same self-describing key as Amadeus offer ids (hotel, dates, guests, room, rooms, currency).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tripsage_geo.zones import today_in
from tripsage_sandbox import geo
from tripsage_sandbox.models import hotels
from tripsage_sandbox.providers.duffel_common import (
    DuffelFailure,
    duffel_endpoint,
    invalid,
    iso,
    json_data,
    missing,
    not_found,
    respond,
)
from tripsage_sandbox.seeding import rng_for

MAX_NIGHTS, MAX_ROOMS, MAX_GUESTS, MAX_RADIUS_KM = 99, 9, 9, 100
RATE_TTL_S = 1800
_AMENITIES = {
    "WIFI": ("wifi", "Free WiFi"),
    "PARKING": ("parking", "Parking"),
    "FITNESS_CENTER": ("gym", "Gym"),
    "SPA": ("spa", "Spa"),
    "SWIMMING_POOL": ("pool", "Pool"),
    "ROOM_SERVICE": ("room_service", "Room service"),
    "RESTAURANT": ("restaurant", "Restaurant"),
    "BUSINESS_CENTER": ("business_centre", "Business centre"),
    "PETS_ALLOWED": ("pets_allowed", "Pets allowed"),
}
_BEDS = {"DOUBLE": "double", "TWIN": "single", "KING": "king"}
_STREETS = ("Station Road", "High Street", "Park Avenue", "Market Street", "Church Street", "River Road")


def _accommodation(hotel: hotels.Hotel, rooms: list[dict[str, Any]]) -> dict[str, Any]:
    rng = rng_for("duffel-accommodation", hotel.hotel_id)
    return {
        "id": f"acc_{hotel.hotel_id}",
        "name": hotel.name,
        "description": f"A {hotel.stars}-star sandbox hotel in {hotel.city.name} (not a real property).",
        "rating": hotel.stars,
        "ratings": [{"source": "priceline", "value": hotel.stars}],
        "review_score": round(5.5 + 0.8 * hotel.stars + rng.uniform(-0.6, 0.6), 1),
        "review_count": rng.randint(40, 4000),
        "amenities": [
            {"type": _AMENITIES[a][0], "description": _AMENITIES[a][1]} for a in hotel.amenities if a in _AMENITIES
        ],
        "chain": None,
        "brand": None,
        "check_in_information": {"check_in_after_time": "15:00", "check_out_before_time": "11:00"},
        "key_collection": None,
        "email": None,
        "phone_number": None,
        "photos": [],
        "location": {
            "address": {
                "line_one": f"{rng.randint(1, 180)} {rng.choice(_STREETS)}",
                "city_name": hotel.city.name,
                "country_code": hotel.city.country,
                "postal_code": f"{rng.randint(10000, 99999)}",
            },
            "geographic_coordinates": {"latitude": hotel.lat, "longitude": hotel.lon},
        },
        "rooms": rooms,
        "supported_loyalty_programme": None,
    }


def _amounts(offer: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    currency = offer["price"]["currency"]
    total, base = float(offer["price"]["total"]), float(offer["price"]["base"])
    return {
        f"{prefix}total_amount": f"{total:.2f}",
        f"{prefix}total_currency": currency,
        f"{prefix}base_amount": f"{base:.2f}",
        f"{prefix}base_currency": currency,
        f"{prefix}tax_amount": f"{total - base:.2f}",
        f"{prefix}tax_currency": currency,
        f"{prefix}fee_amount": "0.00",
        f"{prefix}fee_currency": currency,
        f"{prefix}due_at_accommodation_amount": "0.00",
        f"{prefix}due_at_accommodation_currency": currency,
    }


def _rate(offer: dict[str, Any], key: hotels.OfferKey) -> dict[str, Any]:
    refundable = offer["rateCode"] == "RAC"
    policy = offer["policies"]["cancellation"]["description"]["text"]
    deadline = datetime.combine(key.check_in - timedelta(days=2), datetime.min.time()).replace(tzinfo=UTC)
    return {
        "id": f"rat_{offer['id']}",
        "code": offer["rateCode"],
        "name": "Flexible rate" if refundable else "Non-refundable rate",
        "description": offer["description"]["text"],
        "board_type": "breakfast" if key.hotel.stars >= 4 else "room_only",
        "payment_type": "pay_now",
        "available_payment_methods": ["balance", "card"],
        "cancellation_timeline": (
            [
                {
                    "before": deadline.isoformat().replace("+00:00", "Z"),
                    "refund_amount": offer["price"]["total"],
                    "currency": offer["price"]["currency"],
                }
            ]
            if refundable
            else []
        ),
        "conditions": [{"title": "Cancellation", "description": policy}],
        "quantity_available": 1 + rng_for("rooms-left", offer["id"]).randrange(5),
        "supported_loyalty_programme": None,
        "loyalty_programme_required": False,
        "estimated_commission_amount": None,
        "estimated_commission_currency": None,
        "source": "duffel",
        "expires_at": iso(time.time() + RATE_TTL_S),
        **_amounts(offer),
    }


def _room(offer: dict[str, Any], key: hotels.OfferKey) -> dict[str, Any]:
    estimated = offer["room"]["typeEstimated"]
    return {
        "name": offer["room"]["description"]["text"].replace(" - sandbox rate", ""),
        "beds": [{"type": _BEDS[estimated["bedType"]], "count": estimated["beds"]}],
        "photos": [],
        "rates": [_rate(offer, key)],
    }


def _offers(key: hotels.OfferKey) -> list[tuple[dict[str, Any], hotels.OfferKey]]:
    found = []
    for index in range(len(hotels.ROOMS)):
        room_key = hotels.OfferKey(key.hotel, key.check_in, key.nights, key.adults, index, key.rooms, key.currency)
        offer = hotels.build_offer(key.hotel, key.check_in, key.nights, key.adults, index, key.rooms, key.currency)
        found.append((offer, room_key))
    found.sort(key=lambda pair: float(pair[0]["price"]["total"]))
    return found


def _guests(count: int) -> list[dict[str, Any]]:
    return [{"type": "adult"} for _ in range(count)]


def _result(key: hotels.OfferKey, guests: list[dict[str, Any]], with_rates: bool) -> dict[str, Any]:
    offers = _offers(key)
    cheapest = offers[0][0]
    amounts = _amounts(cheapest, "cheapest_rate_")
    result_key = hotels.offer_id(key.hotel, key.check_in, key.nights, key.adults, 0, key.rooms, key.currency)
    return {
        "id": f"srr_{result_key}",
        "check_in_date": key.check_in.isoformat(),
        "check_out_date": (key.check_in + timedelta(days=key.nights)).isoformat(),
        "rooms": key.rooms,
        "guests": guests,
        "accommodation": _accommodation(key.hotel, [_room(o, k) for o, k in offers] if with_rates else []),
        "cheapest_rate_total_amount": amounts["cheapest_rate_total_amount"],
        "cheapest_rate_currency": amounts["cheapest_rate_total_currency"],
        "cheapest_rate_base_amount": amounts["cheapest_rate_base_amount"],
        "cheapest_rate_base_currency": amounts["cheapest_rate_base_currency"],
        "cheapest_rate_public_amount": amounts["cheapest_rate_total_amount"],
        "cheapest_rate_public_currency": amounts["cheapest_rate_total_currency"],
        "cheapest_rate_due_at_accommodation_amount": None,
        "cheapest_rate_due_at_accommodation_currency": None,
        "expires_at": iso(time.time() + RATE_TTL_S),
    }


def _stay(data: dict[str, Any], zone: str | None) -> tuple[date, int, int, list[dict[str, Any]]]:
    """The stay asked for; a check-in is over once it is over where the hotels are (tonight in Los Angeles at
    01:00 UTC is not)."""
    today = today_in(zone)
    days = []
    for field in ("check_in_date", "check_out_date"):
        raw = data.get(field)
        if not isinstance(raw, str):
            raise missing(field)
        try:
            days.append(date.fromisoformat(raw))
        except ValueError:
            raise invalid(field, "Must be a date, YYYY-MM-DD") from None
    check_in, check_out = days
    if check_in < today:
        raise invalid("check_in_date", "Must be today or later")
    nights = (check_out - check_in).days
    if not 1 <= nights <= MAX_NIGHTS:
        raise invalid("check_out_date", f"Must be 1 to {MAX_NIGHTS} nights after check_in_date")
    rooms = data.get("rooms")
    if rooms is None:
        raise missing("rooms")
    if not isinstance(rooms, int) or isinstance(rooms, bool) or not 1 <= rooms <= MAX_ROOMS:
        raise invalid("rooms", f"A whole number, 1-{MAX_ROOMS}")
    guests = data.get("guests")
    if not isinstance(guests, list) or not guests:
        raise missing("guests")
    for index, guest in enumerate(guests):
        kind = guest.get("type") if isinstance(guest, dict) else None
        if kind not in ("adult", "child"):
            raise invalid(f"guests.{index}.type", "adult or child")
        age = guest.get("age") if isinstance(guest, dict) else None
        if kind == "child" and (not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 17):
            raise invalid(f"guests.{index}.age", "A child's age, 0-17")
    if not rooms <= len(guests) <= MAX_GUESTS:
        raise invalid("guests", f"At least one guest per room and at most {MAX_GUESTS}")
    return check_in, nights, rooms, guests


def _hotels_at(data: dict[str, Any]) -> list[hotels.Hotel]:
    location, accommodation = data.get("location"), data.get("accommodation")
    if isinstance(accommodation, dict):
        ids = accommodation.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise invalid("accommodation.ids", "A non-empty list of accommodation ids")
        found = [hotels.hotel_by_id(i.removeprefix("acc_")) for i in ids]
        return [h for h in found if h is not None]
    if not isinstance(location, dict):
        raise missing("location")
    coordinates = location.get("geographic_coordinates")
    if not isinstance(coordinates, dict):
        raise missing("location.geographic_coordinates")
    lat, lon, radius = coordinates.get("latitude"), coordinates.get("longitude"), location.get("radius")
    if not isinstance(lat, int | float) or isinstance(lat, bool) or not -90 <= lat <= 90:
        raise invalid("location.geographic_coordinates.latitude", "A latitude, -90 to 90")
    if not isinstance(lon, int | float) or isinstance(lon, bool) or not -180 <= lon <= 180:
        raise invalid("location.geographic_coordinates.longitude", "A longitude, -180 to 180")
    if radius is None:
        raise missing("location.radius")
    if not isinstance(radius, int | float) or isinstance(radius, bool) or not 0 < radius <= MAX_RADIUS_KM:
        raise invalid("location.radius", f"Kilometres, up to {MAX_RADIUS_KM}")
    city = geo.locality_at(float(lat), float(lon))
    inside = [h for h in hotels.hotels_in(city) if geo.distance_km(lat, lon, h.lat, h.lon) <= radius]
    return sorted(inside, key=lambda h: geo.distance_km(lat, lon, h.lat, h.lon))


@duffel_endpoint
async def search(request: Request) -> Response:
    """POST /stays/search: available accommodation with its cheapest rate."""
    data = await json_data(request)
    found = _hotels_at(data)
    check_in, nights, rooms, guests = _stay(data, found[0].city.tz if found else None)
    results = []
    for hotel in found:
        if not hotels.is_available(hotel, check_in):
            continue
        key = hotels.OfferKey(hotel, check_in, nights, len(guests), 0, rooms, hotels.currency_for(hotel.city.country))
        results.append(_result(key, guests, with_rates=False))
    return respond(request, {"results": results, "created_at": iso(time.time())}, 200)


def _key_from(value: str, prefix: str, what: str) -> hotels.OfferKey:
    key = hotels.parse_offer_id(value.removeprefix(prefix)) if value.startswith(prefix) else None
    if key is None:
        raise not_found(what)
    if key.check_in < today_in(key.hotel.city.tz) or not hotels.is_available(key.hotel, key.check_in):
        raise DuffelFailure(
            422,
            "invalid_state_error",
            "rate_unavailable",
            "Rate unavailable",
            "The accommodation no longer has rooms for these dates; search again",
        )
    return key


@duffel_endpoint
async def fetch_all_rates(request: Request) -> Response:
    """POST /stays/search_results/{id}/actions/fetch_all_rates: the result with every room and rate."""
    key = _key_from(request.path_params["result_id"], "srr_", "search result")
    return respond(request, _result(key, _guests(key.adults), with_rates=True), 200)


@duffel_endpoint
async def create_quote(request: Request) -> Response:
    """POST /stays/quotes {"data": {"rate_id"}}: re-checks a rate and prices it for booking."""
    data = await json_data(request)
    rate_id = data.get("rate_id")
    if not isinstance(rate_id, str) or not rate_id:
        raise missing("rate_id")
    key = _key_from(rate_id, "rat_", "rate")
    offer = hotels.build_offer(key.hotel, key.check_in, key.nights, key.adults, key.room_index, key.rooms, key.currency)
    amounts = _amounts(offer)
    quote = {
        "id": f"quo_{offer['id']}",
        "check_in_date": key.check_in.isoformat(),
        "check_out_date": (key.check_in + timedelta(days=key.nights)).isoformat(),
        "accommodation": _accommodation(key.hotel, [_room(offer, key)]),
        "rooms": key.rooms,
        "guests": _guests(key.adults),
        "deposit_amount": None,
        "deposit_currency": amounts["total_currency"],
        "supported_loyalty_programme": None,
        **amounts,
    }
    return respond(request, quote, 201)
