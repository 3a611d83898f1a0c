"""Amadeus Flight Offers Search (GET and POST) and Flight Offers Price."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tripsage_geo.zones import today_in
from tripsage_sandbox import geo
from tripsage_sandbox.errors import AmadeusError
from tripsage_sandbox.models import flights
from tripsage_sandbox.models.airports import airport_for_code
from tripsage_sandbox.models.money import EUR_RATES
from tripsage_sandbox.providers import amadeus_auth
from tripsage_sandbox.responses import AMADEUS_JSON, json_response

_CODES = re.compile(r"^[A-Z0-9]{2}(,[A-Z0-9]{2})*$")


def _missing(parameter: str) -> AmadeusError:
    return AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", parameter)


def _invalid(parameter: str, detail: str = "Invalid format") -> AmadeusError:
    return AmadeusError(400, 477, "INVALID FORMAT", detail, parameter)


def _airport(code: str | None, parameter: str) -> geo.Airport:
    if not code:
        raise _missing(parameter)
    airport = airport_for_code(code)
    if airport is None:
        raise _invalid(parameter, "Invalid IATA location code")
    return airport


def _date(value: str | None, parameter: str, place: geo.Airport) -> date:
    """A leg's date, refused once it is over at the airport it leaves from (Amadeus accepts tonight's departure
    from LAX at 01:00 UTC, when UTC's date is already tomorrow)."""
    if not value:
        raise _missing(parameter)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _invalid(parameter, "Date format should be YYYY-MM-DD") from None
    if parsed < today_in(place.tz):
        raise AmadeusError(400, 425, "INVALID DATE", "Date/Time is in the past", parameter)
    return parsed


def _int(value: str | None, parameter: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise _invalid(parameter) from None
    if not low <= number <= high:
        raise _invalid(parameter, f"Value must be between {low} and {high}")
    return number


def _currency(value: str | None) -> str:
    currency = (value or "EUR").upper()
    if currency not in EUR_RATES:
        raise _invalid("currencyCode", "Currency not supported")
    return currency


def _carrier_set(value: str | None, parameter: str) -> set[str]:
    if not value:
        return set()
    value = value.upper()
    if not _CODES.match(value):
        raise _invalid(parameter)
    return set(value.split(","))


def _travelers(adults: int, children: int, infants: int) -> list[flights.Traveler]:
    if infants > adults:
        raise _invalid("infants", "Number of infants must not exceed number of adults")
    kinds = ["ADULT"] * adults + ["CHILD"] * children + ["HELD_INFANT"] * infants
    return [flights.Traveler(str(i), kind) for i, kind in enumerate(kinds, start=1)]


def _search_from_query(request: Request) -> flights.Search:
    q = request.query_params
    today = datetime.now(UTC).date()
    origin = _airport(q.get("originLocationCode"), "originLocationCode")
    destination = _airport(q.get("destinationLocationCode"), "destinationLocationCode")
    departure = _date(q.get("departureDate"), "departureDate", origin)
    legs = [flights.Leg(origin, destination, departure)]
    if q.get("returnDate"):
        back = _date(q.get("returnDate"), "returnDate", destination)
        if back < departure:
            raise AmadeusError(
                400, 4926, "INVALID DATA RECEIVED", "returnDate must be after departureDate", "returnDate"
            )
        legs.append(flights.Leg(destination, origin, back))
    if not q.get("adults"):
        raise _missing("adults")
    travelers = _travelers(
        _int(q.get("adults"), "adults", 1, 1, 9),
        _int(q.get("children"), "children", 0, 0, 8),
        _int(q.get("infants"), "infants", 0, 0, 9),
    )
    if len([t for t in travelers if t.type != "HELD_INFANT"]) > 9:
        raise _invalid("adults", "Maximum 9 seated travelers")
    cabin = (q.get("travelClass") or "ECONOMY").upper()
    if cabin not in flights.CABIN_FACTOR:
        raise _invalid("travelClass")
    non_stop = (q.get("nonStop") or "false").lower()
    if non_stop not in ("true", "false"):
        raise _invalid("nonStop")
    max_price = _int(q.get("maxPrice"), "maxPrice", 0, 1, 10_000_000) or None
    return flights.Search(
        legs=legs,
        travelers=travelers,
        cabin=cabin,
        non_stop=non_stop == "true",
        max_results=_int(q.get("max"), "max", 250, 1, 250),
        currency=_currency(q.get("currencyCode")),
        included=_carrier_set(q.get("includedAirlineCodes"), "includedAirlineCodes"),
        excluded=_carrier_set(q.get("excludedAirlineCodes"), "excludedAirlineCodes"),
        max_price=float(max_price) if max_price else None,
        today=today,
    )


def _obj(value: Any, parameter: str) -> dict[str, Any]:
    """An optional JSON object: {} when absent, 400 INVALID FORMAT when it is anything but an object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(parameter, "Must be an object")
    return value


def _codes(value: Any) -> set[str]:
    return {str(c).upper() for c in value} if isinstance(value, list) else set()


def _search_from_body(body: dict[str, Any]) -> flights.Search:
    today = datetime.now(UTC).date()
    ods = body.get("originDestinations")
    if not isinstance(ods, list) or not ods:
        raise _missing("originDestinations")
    legs = []
    for od in ods:
        if not isinstance(od, dict):
            raise _invalid("originDestinations")
        window = od.get("departureDateTimeRange") or {}
        earliest = None
        if isinstance(window, dict) and window.get("time"):
            try:
                earliest = time.fromisoformat(str(window["time"]))
            except ValueError:
                raise _invalid("departureDateTimeRange.time") from None
        origin = _airport(od.get("originLocationCode"), "originLocationCode")
        destination = _airport(od.get("destinationLocationCode"), "destinationLocationCode")
        day = _date(window.get("date") if isinstance(window, dict) else None, "departureDateTimeRange.date", origin)
        legs.append(flights.Leg(origin, destination, day, earliest))
    raw_travelers = body.get("travelers")
    if not isinstance(raw_travelers, list) or not raw_travelers:
        raise _missing("travelers")
    if not all(isinstance(t, dict) for t in raw_travelers):
        raise _invalid("travelers", "Each traveler must be an object")
    travelers = [
        flights.Traveler(str(t.get("id", i)), str(t.get("travelerType", "ADULT")).upper())
        for i, t in enumerate(raw_travelers, start=1)
        if isinstance(t, dict)
    ]
    if any(t.type not in flights.TRAVELER_FACTOR for t in travelers):
        raise _invalid("travelers.travelerType", f"One of {', '.join(flights.TRAVELER_FACTOR)}")
    criteria = _obj(body.get("searchCriteria"), "searchCriteria")
    filters = _obj(criteria.get("flightFilters"), "searchCriteria.flightFilters")
    cabins = filters.get("cabinRestrictions") or []
    if not isinstance(cabins, list) or not all(isinstance(c, dict) for c in cabins):
        raise _invalid("flightFilters.cabinRestrictions", "Must be a list of objects")
    cabin = str(cabins[0].get("cabin", "ECONOMY")).upper() if cabins and isinstance(cabins[0], dict) else "ECONOMY"
    if cabin not in flights.CABIN_FACTOR:
        raise _invalid("cabinRestrictions.cabin")
    carriers = _obj(filters.get("carrierRestrictions"), "flightFilters.carrierRestrictions")
    connections = _obj(filters.get("connectionRestriction"), "flightFilters.connectionRestriction").get(
        "maxNumberOfConnections"
    )
    max_offers = criteria.get("maxFlightOffers", 250)
    if not isinstance(max_offers, int) or not 1 <= max_offers <= 250:
        raise _invalid("maxFlightOffers")
    return flights.Search(
        legs=legs,
        travelers=travelers,
        cabin=cabin,
        non_stop=connections == 0,
        max_results=max_offers,
        currency=_currency(body.get("currencyCode")),
        included=_codes(carriers.get("includedCarrierCodes")),
        excluded=_codes(carriers.get("excludedCarrierCodes")),
        today=today,
    )


def _respond(request: Request, search: flights.Search, with_link: bool) -> Response:
    result = flights.search_offers(search)
    meta: dict[str, Any] = {"count": len(result["data"]), "sandbox": True}
    if with_link:
        meta["links"] = {"self": str(request.url)}
    return json_response({"meta": meta, **result}, 200, AMADEUS_JSON)


@amadeus_auth.endpoint
async def flight_offers_get(request: Request) -> Response:
    """GET /v2/shopping/flight-offers."""
    return _respond(request, _search_from_query(request), with_link=True)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AmadeusError(400, 477, "INVALID FORMAT", "Request body must be a JSON object")
    return body


@amadeus_auth.endpoint
async def flight_offers_post(request: Request) -> Response:
    """POST /v2/shopping/flight-offers (the SDK also sends X-HTTP-Method-Override: GET)."""
    return _respond(request, _search_from_body(await _json_body(request)), with_link=False)


@amadeus_auth.endpoint
async def flight_offers_pricing(request: Request) -> Response:
    """POST /v1/shopping/flight-offers/pricing: confirms the offer's price and adds tax detail."""
    body = await _json_body(request)
    data = body.get("data")
    offers = data.get("flightOffers") if isinstance(data, dict) else None
    if not isinstance(offers, list) or not offers or not all(isinstance(o, dict) for o in offers):
        raise _missing("data.flightOffers")
    priced = [_confirm(offer) for offer in offers]
    locations: dict[str, dict[str, str]] = {}
    for offer in priced:
        for itinerary in offer.get("itineraries", []):
            for segment in itinerary.get("segments", []):
                for end in ("departure", "arrival"):
                    airport = geo.airports().get(str(segment.get(end, {}).get("iataCode", "")))
                    if airport:
                        locations[airport.code] = {
                            "cityCode": geo.city_code_for_airport(airport),
                            "countryCode": airport.country,
                        }
    response = {
        "data": {
            "type": "flight-offers-pricing",
            "flightOffers": priced,
            "bookingRequirements": {"emailAddressRequired": True, "mobilePhoneNumberRequired": True},
        },
        "dictionaries": {"locations": locations},
    }
    return json_response(response, 200, AMADEUS_JSON)


def _well_formed(offer: dict[str, Any]) -> bool:
    itineraries, pricings = offer.get("itineraries"), offer.get("travelerPricings")
    if not isinstance(itineraries, list) or not isinstance(pricings, list):
        return False
    for itinerary in itineraries:
        segments = itinerary.get("segments") if isinstance(itinerary, dict) else None
        if not isinstance(segments, list) or not all(
            isinstance(seg, dict) and isinstance(seg.get("departure"), dict) and isinstance(seg.get("arrival"), dict)
            for seg in segments
        ):
            return False
    return all(isinstance(t, dict) and isinstance(t.get("price", {}), dict) for t in pricings)


def _confirm(offer: dict[str, Any]) -> dict[str, Any]:
    if offer.get("type") != "flight-offer" or not isinstance(offer.get("price"), dict):
        raise _invalid("data.flightOffers", "Not a flight-offer")
    if not _well_formed(offer):
        raise _invalid("data.flightOffers", "itineraries, segments and travelerPricings must be objects")
    if not isinstance(offer.get("travelerPricings"), list) or not isinstance(offer.get("itineraries"), list):
        raise _missing("data.flightOffers.travelerPricings")
    confirmed = dict(offer)
    pricings = []
    for traveler in offer["travelerPricings"]:
        price = dict(traveler.get("price", {}))
        try:
            total, base = float(price.get("total", 0)), float(price.get("base", 0))
        except (TypeError, ValueError):
            raise _invalid("data.flightOffers.travelerPricings.price") from None
        price["taxes"] = [
            {"amount": f"{(total - base) * 0.6:.2f}", "code": "YQ"},
            {"amount": f"{(total - base) * 0.4:.2f}", "code": "XT"},
        ]
        pricings.append({**traveler, "price": price})
    confirmed["travelerPricings"] = pricings
    confirmed["price"] = {**offer["price"], "billingCurrency": offer["price"].get("currency", "EUR")}
    confirmed["paymentCardRequired"] = False
    confirmed["sandbox"] = True
    return confirmed
