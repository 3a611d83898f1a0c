"""Duffel Flights: offer requests, offers (paginated and by id) and place suggestions.

Offers come from the same flight model as the Amadeus endpoints, so both providers tell the same story for the
same query. Ids are self-describing (the request is packed into `orq_…`, the request and the offer's routing
into `off_…`), so the sandbox keeps no state and a restart loses nothing.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tripsage_geo.iata import zone_of
from tripsage_geo.zones import today_in
from tripsage_sandbox import geo
from tripsage_sandbox.models import flights, hotels
from tripsage_sandbox.models.airports import airport_for_code, airports_near, search_airports
from tripsage_sandbox.models.carriers import CARRIERS
from tripsage_sandbox.providers.duffel_common import (
    DuffelFailure,
    aircraft_object,
    airline_object,
    airport_object,
    city_object,
    decode_id,
    duffel_endpoint,
    encode_id,
    invalid,
    iso,
    json_data,
    missing,
    not_found,
    respond,
    short_id,
)
from tripsage_sandbox.seeding import stable_seed

CABINS = {"economy": "ECONOMY", "premium_economy": "PREMIUM_ECONOMY", "business": "BUSINESS", "first": "FIRST"}
_MARKETING = {"economy": "Economy", "premium_economy": "Premium Economy", "business": "Business", "first": "First"}
_KG_CO2_PER_KM = {"economy": 0.09, "premium_economy": 0.14, "business": 0.26, "first": 0.36}
MAX_PASSENGERS = 9
PAGE_LIMIT, MAX_PAGE_LIMIT = 50, 200


def _place(code: Any, field: str) -> geo.Airport:
    if not isinstance(code, str) or not code.strip():
        raise missing(field)
    airport = airport_for_code(code)
    if airport is None:
        raise invalid(field, f"'{code.strip().upper()}' is not an IATA airport or city code")
    return airport


def _slices(raw: Any) -> list[list[str]]:
    if not isinstance(raw, list) or not raw:
        raise missing("slices")
    if len(raw) > 4:
        raise invalid("slices", "At most 4 slices")
    found = []
    for index, item in enumerate(raw):
        field = f"slices.{index}"
        if not isinstance(item, dict):
            raise invalid(field, "Each slice must be an object")
        origin = _place(item.get("origin"), f"{field}.origin")
        destination = _place(item.get("destination"), f"{field}.destination")
        if origin.code == destination.code:
            raise invalid(f"{field}.destination", "The destination must differ from the origin")
        raw_day = item.get("departure_date")
        if not isinstance(raw_day, str):
            raise missing(f"{field}.departure_date")
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise invalid(f"{field}.departure_date", "Must be a date, YYYY-MM-DD") from None
        # Over once it is over at the origin: Duffel takes tonight's departure from LAX at 01:00 UTC.
        if day < today_in(origin.tz):
            raise invalid(f"{field}.departure_date", "Must be today or later", "departure_date_in_the_past")
        found.append([origin.code, destination.code, day.isoformat()])
    return found


def _passengers(raw: Any) -> list[list[Any]]:
    if not isinstance(raw, list) or not raw:
        raise missing("passengers")
    if len(raw) > MAX_PASSENGERS:
        raise invalid("passengers", f"At most {MAX_PASSENGERS} passengers")
    found: list[list[Any]] = []
    for index, item in enumerate(raw):
        field = f"passengers.{index}"
        if not isinstance(item, dict):
            raise invalid(field, "Each passenger must be an object")
        age = item.get("age")
        if age is not None:
            if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130:
                raise invalid(f"{field}.age", "Must be a whole number of years, 0-130")
            kind = "adult" if age >= 18 else "child" if age >= 2 else "infant_without_seat"
        elif item.get("type") == "adult":
            kind = "adult"
        else:
            raise invalid(f"{field}.type", "Give type 'adult' or the passenger's age")
        found.append([kind, age])
    infants = sum(1 for kind, _ in found if kind == "infant_without_seat")
    if infants > sum(1 for kind, _ in found if kind == "adult"):
        raise invalid("passengers", "Each infant without a seat needs an adult")
    return found


def _query(data: dict[str, Any], request: Request, today: date) -> dict[str, Any]:
    cabin = data.get("cabin_class", "economy")
    if cabin not in CABINS:
        raise invalid("cabin_class", f"One of {', '.join(CABINS)}")
    connections = data.get("max_connections", 1)
    if connections not in (0, 1, 2) or isinstance(connections, bool):
        raise invalid("max_connections", "One of 0, 1, 2")
    timeout = request.query_params.get("supplier_timeout")
    if timeout is not None and (not timeout.isdigit() or not 2000 <= int(timeout) <= 60000):
        raise invalid("supplier_timeout", "Milliseconds, 2000-60000")
    return {
        "s": _slices(data.get("slices")),
        "p": _passengers(data.get("passengers")),
        "c": cabin,
        "m": connections,
        "d": today.isoformat(),
    }


def _search(query: dict[str, Any]) -> flights.Search:
    airports = geo.airports()
    legs = [flights.Leg(airports[o], airports[d], date.fromisoformat(day)) for o, d, day in query["s"]]
    kinds = {"adult": "ADULT", "child": "CHILD", "infant_without_seat": "HELD_INFANT"}
    travelers = [flights.Traveler(str(i), kinds[kind]) for i, (kind, _) in enumerate(query["p"], start=1)]
    return flights.Search(
        legs=legs,
        travelers=travelers,
        cabin=CABINS[query["c"]],
        non_stop=query["m"] == 0,
        currency=hotels.currency_for(legs[0].origin.country),
        today=date.fromisoformat(query["d"]),
    )


def _routing_key(model_offer: dict[str, Any]) -> list[Any]:
    segments = model_offer["itineraries"][0]["segments"]
    return [segments[0]["carrierCode"], [s["arrival"]["iataCode"] for s in segments[:-1]]]


def _connections(model_offer: dict[str, Any]) -> int:
    return max(len(i["segments"]) - 1 for i in model_offer["itineraries"])


def _model_offers(payload: dict[str, Any]) -> list[dict[str, Any]]:
    query = payload["q"]
    offers = flights.search_offers(_search(query))["data"]
    return [o for o in offers if _connections(o) <= query["m"]]


def _passenger_objects(payload: dict[str, Any], request_id: str) -> list[dict[str, Any]]:
    return [
        {"id": short_id("pas_", request_id, i), "type": kind, "age": age, "fare_type": None}
        for i, (kind, age) in enumerate(payload["q"]["p"])
    ]


def _conditions(cabin: str, seed: str) -> dict[str, Any]:
    flexible = cabin in ("business", "first") or stable_seed("flex", seed) % 2 == 0
    penalty = None if not flexible else ("0.00" if cabin in ("business", "first") else "75.00")
    allowed = {"allowed": True, "penalty_amount": penalty, "penalty_currency": "EUR"}
    refused = {"allowed": False, "penalty_amount": None, "penalty_currency": None}
    return {
        "refund_before_departure": allowed if flexible and cabin != "economy" else refused,
        "change_before_departure": allowed if flexible else refused,
    }


def _duffel_offer(model_offer: dict[str, Any], payload: dict[str, Any], request_id: str, ttl_s: int) -> dict[str, Any]:
    query, created = payload["q"], payload["t"]
    cabin = query["c"]
    offer_id = encode_id("off_", {"r": payload, "k": _routing_key(model_offer)})
    passengers = _passenger_objects(payload, request_id)
    carrier = CARRIERS[model_offer["validatingAirlineCodes"][0]]
    conditions = _conditions(cabin, offer_id)
    brand = "Flex" if conditions["change_before_departure"]["allowed"] else "Light"
    flown_km, slices = 0.0, []
    for index, itinerary in enumerate(model_offer["itineraries"]):
        segments = []
        for segment in itinerary["segments"]:
            a, b = geo.airports()[segment["departure"]["iataCode"]], geo.airports()[segment["arrival"]["iataCode"]]
            distance = geo.distance_km(a.lat, a.lon, b.lat, b.lon)
            flown_km += distance
            fare = model_offer["travelerPricings"][0]["fareDetailsBySegment"][0]
            airline = airline_object(CARRIERS[segment["carrierCode"]])
            segments.append(
                {
                    "id": short_id("seg_", offer_id, segment["id"]),
                    "origin": airport_object(a),
                    "destination": airport_object(b),
                    "origin_terminal": segment["departure"].get("terminal"),
                    "destination_terminal": segment["arrival"].get("terminal"),
                    "departing_at": segment["departure"]["at"],
                    "arriving_at": segment["arrival"]["at"],
                    "duration": segment["duration"],
                    "distance": f"{distance:.1f}",
                    "marketing_carrier": airline,
                    "marketing_carrier_flight_number": segment["number"],
                    "operating_carrier": airline,
                    "operating_carrier_flight_number": segment["number"],
                    "aircraft": aircraft_object(segment["aircraft"]["code"]),
                    "stops": [],
                    "passengers": [
                        {
                            "passenger_id": p["id"],
                            "cabin_class": cabin,
                            "cabin_class_marketing_name": _MARKETING[cabin],
                            "fare_basis_code": fare["fareBasis"],
                            "cabin": None,
                            "baggages": [
                                {"type": "checked", "quantity": fare["includedCheckedBags"]["quantity"]},
                                {"type": "carry_on", "quantity": 1},
                            ],
                        }
                        for p in passengers
                        if p["type"] != "infant_without_seat"
                    ],
                }
            )
        slices.append(
            {
                "id": short_id("sli_", offer_id, index),
                "origin": segments[0]["origin"],
                "destination": segments[-1]["destination"],
                "origin_type": "airport",
                "destination_type": "airport",
                "duration": itinerary["duration"],
                "fare_brand_name": f"{_MARKETING[cabin]} {brand}",
                "segments": segments,
                "conditions": {
                    **conditions,
                    "advance_seat_selection": cabin != "economy",
                    "priority_boarding": cabin in ("business", "first"),
                    "priority_check_in": cabin in ("business", "first"),
                },
                "ngs_shelf": None,
                "comparison_key": _comparison_key(segments),
            }
        )
    price = model_offer["price"]
    total, base = float(price["grandTotal"]), float(price["base"])
    seated = sum(1 for p in passengers if p["type"] != "infant_without_seat")
    return {
        "id": offer_id,
        "live_mode": False,
        "created_at": iso(created),
        "updated_at": iso(created),
        "expires_at": iso(created + ttl_s),
        "owner": airline_object(carrier),
        "slices": slices,
        "passengers": passengers,
        "total_amount": price["grandTotal"],
        "total_currency": price["currency"],
        "base_amount": price["base"],
        "base_currency": price["currency"],
        "tax_amount": f"{total - base:.2f}",
        "tax_currency": price["currency"],
        "total_emissions_kg": str(round(flown_km * _KG_CO2_PER_KM[cabin] * seated)),
        "conditions": conditions,
        "payment_requirements": {
            "requires_instant_payment": False,
            "price_guarantee_expires_at": iso(created + ttl_s),
            "payment_required_by": iso(created + 72 * 3600),
        },
        "available_services": [],
        "private_fares": [],
        "partial": False,
        "passenger_identity_documents_required": False,
        "supported_passenger_identity_document_types": ["passport"],
        "supported_loyalty_programmes": [],
    }


def _comparison_key(segments: list[dict[str, Any]]) -> str:
    """The same flights give the same key, whichever offer or search they come from."""
    flights_flown = (
        f"{s['marketing_carrier']['iata_code']}{s['marketing_carrier_flight_number']}@{s['departing_at']}"
        for s in segments
    )
    return f"{stable_seed(*flights_flown):016x}"[:12]


def _request_object(payload: dict[str, Any], request_id: str) -> dict[str, Any]:
    slices = []
    for origin, destination, day in payload["q"]["s"]:
        a, b = geo.airports()[origin], geo.airports()[destination]
        slices.append(
            {
                "origin": airport_object(a),
                "destination": airport_object(b),
                "origin_type": "airport",
                "destination_type": "airport",
                "departure_date": day,
            }
        )
    return {
        "id": request_id,
        "live_mode": False,
        "created_at": iso(payload["t"]),
        "cabin_class": payload["q"]["c"],
        "slices": slices,
        "passengers": [
            {"id": p["id"], "type": p["type"], "age": p["age"]} for p in _passenger_objects(payload, request_id)
        ],
    }


@duffel_endpoint
async def create_offer_request(request: Request) -> Response:
    """POST /air/offer_requests?return_offers=true|false&supplier_timeout=ms."""
    data = await json_data(request)
    query = _query(data, request, datetime.now(UTC).date())
    return_offers = request.query_params.get("return_offers", "true").lower()
    if return_offers not in ("true", "false"):
        raise invalid("return_offers", "true or false")
    payload = {"q": query, "t": round(time.time(), 3)}
    request_id = encode_id("orq_", payload)
    body = _request_object(payload, request_id)
    if return_offers == "true":
        ttl = request.app.state.settings.duffel_offer_ttl
        body["offers"] = [_duffel_offer(o, payload, request_id, ttl) for o in _model_offers(payload)]
    return respond(request, body, 201)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"sbx:{offset}".encode()).decode()


def _offset(cursor: str, field: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("sbx:"):
            raise ValueError(text)
        return int(text[4:])
    except ValueError:
        raise invalid(field, "Not a cursor this API returned") from None


def _duration_minutes(offer: dict[str, Any]) -> int:
    total = 0
    for item in offer["slices"]:
        hours, _, rest = item["duration"].removeprefix("PT").partition("H")
        total += int(hours or 0) * 60 + int(rest.removesuffix("M") or 0)
    return total


@duffel_endpoint
async def list_offers(request: Request) -> Response:
    """GET /air/offers?offer_request_id=…&after=…&before=…&limit=…&sort=…&max_connections=…"""
    q = request.query_params
    request_id = q.get("offer_request_id") or ""
    if not request_id:
        raise missing("offer_request_id")
    payload = decode_id("orq_", request_id)
    if not isinstance(payload, dict):
        raise not_found("offer request")
    limit_raw = q.get("limit", str(PAGE_LIMIT))
    if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= MAX_PAGE_LIMIT:
        raise invalid("limit", f"Between 1 and {MAX_PAGE_LIMIT}")
    limit = int(limit_raw)
    sort = q.get("sort", "total_amount")
    if sort not in ("total_amount", "total_duration"):
        raise invalid("sort", "total_amount or total_duration")
    connections_raw = q.get("max_connections")
    if connections_raw is not None and connections_raw not in ("0", "1", "2"):
        raise invalid("max_connections", "One of 0, 1, 2")
    start = _offset(q["after"], "after") if q.get("after") else 0
    if q.get("before"):
        start = max(0, _offset(q["before"], "before") - limit)
    ttl = request.app.state.settings.duffel_offer_ttl
    offers = [_duffel_offer(o, payload, request_id, ttl) for o in _model_offers(payload)]
    if connections_raw is not None:
        offers = [o for o in offers if max(len(s["segments"]) - 1 for s in o["slices"]) <= int(connections_raw)]
    if sort == "total_duration":
        offers.sort(key=_duration_minutes)
    page = offers[start : start + limit]
    after = _cursor(start + limit) if start + limit < len(offers) else None
    before = _cursor(start) if start > 0 else None
    return respond(request, page, 200, limit=limit, after=after, before=before)


@duffel_endpoint
async def get_offer(request: Request) -> Response:
    """GET /air/offers/{id}: the offer again at its current price, or why it can no longer be had."""
    decoded = decode_id("off_", request.path_params["offer_id"])
    if not isinstance(decoded, dict) or not isinstance(decoded.get("r"), dict):
        raise not_found("offer")
    payload, key = decoded["r"], decoded.get("k")
    ttl = request.app.state.settings.duffel_offer_ttl
    expired = time.time() > payload["t"] + ttl
    departed = any(date.fromisoformat(day) < today_in(zone_of(origin)) for origin, _, day in payload["q"]["s"])
    found = None if expired or departed else next((o for o in _model_offers(payload) if _routing_key(o) == key), None)
    if found is None:
        gone = DuffelFailure(
            422,
            "invalid_state_error",
            "offer_no_longer_available",
            "Offer no longer available",
            "The offer has expired or is no longer available; search again",
        )
        raise gone
    return respond(request, _duffel_offer(found, payload, encode_id("orq_", payload), ttl), 200)


def _city_place(code: str, members: list[geo.Airport]) -> dict[str, Any]:
    first = members[0]
    name = geo.METROS[code].city if code in geo.METROS else first.city
    return {
        **city_object(code, name, first.country),
        "time_zone": None,
        "latitude": first.lat,
        "longitude": first.lon,
        "icao_code": None,
        "iata_city_code": code,
        "country_name": geo.country_name(first.country),
        "city_name": None,
        "city": None,
        "airports": [airport_object(a) for a in members],
    }


def _airport_place(airport: geo.Airport) -> dict[str, Any]:
    return {**airport_object(airport), "country_name": geo.country_name(airport.country), "airports": None}


def _suggestions(found: list[geo.Airport]) -> list[dict[str, Any]]:
    places, cities = [], set()
    for airport in found[:20]:
        code = geo.city_code_for_airport(airport)
        if code not in cities:
            cities.add(code)
            resolved = geo.resolve_city_code(code)
            members = list(resolved.airports) if resolved and code in geo.METROS else [airport]
            places.append(_city_place(code, members))
        places.append(_airport_place(airport))
    return places


@duffel_endpoint
async def place_suggestions(request: Request) -> Response:
    """GET /places/suggestions?query=… (or name=…), or lat=…&lng=…&rad=… (metres)."""
    q = request.query_params
    text = (q.get("query") or q.get("name") or "").strip()
    if text:
        return respond(request, _suggestions(search_airports(text)), 200)
    if q.get("lat") is None and q.get("lng") is None:
        raise missing("query")
    try:
        lat, lng, rad = float(q.get("lat", "")), float(q.get("lng", "")), float(q.get("rad") or 100_000)
    except ValueError:
        raise invalid("lat", "lat, lng and rad must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180 and 0 < rad <= 500_000):
        raise invalid("lat", "lat/lng out of range or rad not within 1-500,000 m")
    nearby = [n.airport for n in airports_near(lat, lng, rad / 1000)]
    return respond(request, _suggestions(nearby), 200)
