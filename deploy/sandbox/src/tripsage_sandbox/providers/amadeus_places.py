"""Amadeus Airport & City Search, Hotel List (by city / by geocode) and Hotel Search v3."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from tripsage_geo.zones import today_in
from tripsage_sandbox import geo
from tripsage_sandbox.errors import AmadeusError
from tripsage_sandbox.models import airports, hotels
from tripsage_sandbox.models.money import EUR_RATES
from tripsage_sandbox.providers import amadeus_auth
from tripsage_sandbox.responses import AMADEUS_JSON, json_response
from tripsage_sandbox.seeding import stable_seed

_REGION = {"EU": "EUROP", "NA": "NAMER", "SA": "SAMER", "AF": "AFRIC", "AS": "ASIA", "OC": "SWPAC", "AN": "ANTAR"}
_KM_PER_MILE = 1.609344


def _utc_offset(tz: str) -> str:
    offset = datetime.now(ZoneInfo(tz)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _location(base: str, sub_type: str, code: str, name: str, airport: geo.Airport, city_name: str) -> dict[str, Any]:
    ident = ("A" if sub_type == "AIRPORT" else "C") + code
    country = airport.country
    return {
        "type": "location",
        "subType": sub_type,
        "name": name.upper(),
        "detailedName": f"{city_name.upper()}/{country}:{name.upper()}",
        "id": ident,
        "self": {"href": f"{base}/v1/reference-data/locations/{ident}", "methods": ["GET"]},
        "timeZoneOffset": _utc_offset(airport.tz),
        "iataCode": code,
        "geoCode": {"latitude": airport.lat, "longitude": airport.lon},
        "address": {
            "cityName": city_name.upper(),
            "cityCode": geo.city_code_for_airport(airport),
            "countryName": geo.country_name(country).upper(),
            "countryCode": country,
            "regionCode": _REGION.get(geo.continent(country), "EUROP"),
        },
        "analytics": {"travelers": {"score": _score(code, airport)}},
    }


def _score(code: str, airport: geo.Airport) -> int:
    """Amadeus's traveller score (0-100): here the airport's traffic importance."""
    return max(1, round(100 * airports.importance(airport)))


@amadeus_auth.endpoint
async def locations(request: Request) -> Response:
    """GET /v1/reference-data/locations?subType=AIRPORT,CITY&keyword=..."""
    q = request.query_params
    sub_types = [s.strip().upper() for s in (q.get("subType") or "").split(",") if s.strip()]
    if not sub_types:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", "subType")
    if any(s not in ("AIRPORT", "CITY") for s in sub_types):
        raise AmadeusError(400, 477, "INVALID FORMAT", "subType must be AIRPORT and/or CITY", "subType")
    keyword = (q.get("keyword") or "").strip()
    if not keyword:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", "keyword")
    try:
        limit = int(q.get("page[limit]") or 10)
        offset = int(q.get("page[offset]") or 0)
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "page parameters must be integers", "page[limit]") from None
    base = str(request.base_url).rstrip("/")
    country = (q.get("countryCode") or "").upper() or None
    found: list[dict[str, Any]] = []
    seen_cities: set[str] = set()
    for airport in airports.search_airports(keyword, country):
        if "CITY" in sub_types:
            code = geo.city_code_for_airport(airport)
            if code not in seen_cities:
                seen_cities.add(code)
                city_name = geo.METROS[code].city if code in geo.METROS else airport.city
                found.append(_location(base, "CITY", code, city_name, airport, city_name))
        if "AIRPORT" in sub_types:
            found.append(_location(base, "AIRPORT", airport.code, airport.name, airport, airport.city))
    page = found[offset : offset + limit]
    meta: dict[str, Any] = {"count": len(found), "links": {"self": str(request.url)}, "sandbox": True}
    return json_response({"meta": meta, "data": page}, 200, AMADEUS_JSON)


def _location_for_id(base: str, ident: str) -> dict[str, Any] | None:
    kind, code = ident[:1].upper(), ident[1:].upper()
    if kind == "A" and code in geo.airports():
        airport = geo.airports()[code]
        return _location(base, "AIRPORT", code, airport.name, airport, airport.city)
    if kind == "C":
        resolved = geo.resolve_city_code(code)
        if resolved is not None:
            airport = resolved.airports[0]
            name = geo.METROS[code].city if code in geo.METROS else airport.city
            return _location(base, "CITY", code, name, airport, name)
    return None


@amadeus_auth.endpoint
async def location_by_id(request: Request) -> Response:
    """GET /v1/reference-data/locations/{locationId} (AJFK for an airport, CNYC for a city)."""
    found = _location_for_id(str(request.base_url).rstrip("/"), request.path_params["location_id"])
    if found is None:
        raise AmadeusError(404, 1797, "NOT FOUND", "no response found for this query parameter", "locationId")
    return json_response(
        {"meta": {"links": {"self": str(request.url)}, "sandbox": True}, "data": found}, 200, AMADEUS_JSON
    )


def _coordinates(request: Request, malformed_parameter: str | None) -> tuple[float, float]:
    """The latitude and longitude a by-coordinates search requires (Amadeus names the parameter differently
    per API when one is malformed: not at all for airports, `latitude` for hotels)."""
    q = request.query_params
    for name in ("latitude", "longitude"):
        if not q.get(name):
            raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", name)
    try:
        return float(q["latitude"]), float(q["longitude"])
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "invalid query parameter format", malformed_parameter) from None


@amadeus_auth.endpoint
async def nearest_airports(request: Request) -> Response:
    """GET /v1/reference-data/locations/airports?latitude=..&longitude=..&radius=.. (international airports)."""
    lat, lon = _coordinates(request, None)
    q = request.query_params
    try:
        radius = float(q.get("radius") or 500)
        limit = int(q.get("page[limit]") or 10)
        offset = int(q.get("page[offset]") or 0)
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "invalid query parameter format") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not 0 <= radius <= 500:
        raise AmadeusError(400, 477, "INVALID FORMAT", "coordinates or radius (0-500 km) out of range")
    base = str(request.base_url).rstrip("/")
    found = []
    for nearby in airports.airports_near(lat, lon, radius):
        airport = nearby.airport
        entry = _location(base, "AIRPORT", airport.code, airport.name, airport, airport.city)
        entry["distance"] = {"value": round(nearby.distance_km), "unit": "KM"}
        entry["relevance"] = round(100 * nearby.relevance, 5)
        found.append(entry)
    key = "distance" if q.get("sort") == "distance" else "relevance"
    found.sort(key=lambda e: e["distance"]["value"] if key == "distance" else -e["relevance"])
    meta = {"count": len(found), "links": {"self": str(request.url)}, "sandbox": True}
    return json_response({"meta": meta, "data": found[offset : offset + limit]}, 200, AMADEUS_JSON)


def _hotel_record(hotel: hotels.Hotel, lat: float, lon: float, unit: str) -> dict[str, Any]:
    distance = geo.distance_km(lat, lon, hotel.lat, hotel.lon)
    if unit == "MILE":
        distance /= _KM_PER_MILE
    return {
        "chainCode": hotel.hotel_id[:2],
        "iataCode": hotel.iata_code,
        "dupeId": 900_000_000 + stable_seed("dupe", hotel.hotel_id) % 99_999_999,
        "name": hotel.name.upper(),
        "hotelId": hotel.hotel_id,
        "geoCode": {"latitude": hotel.lat, "longitude": hotel.lon},
        "address": {"countryCode": hotel.city.country},
        "distance": {"value": round(distance, 2), "unit": unit},
        "rating": str(hotel.stars),
        "amenities": list(hotel.amenities),
        "sandbox": True,
    }


def _radius(request: Request) -> tuple[float, str]:
    q = request.query_params
    unit = (q.get("radiusUnit") or "KM").upper()
    if unit not in ("KM", "MILE"):
        raise AmadeusError(400, 477, "INVALID FORMAT", "radiusUnit must be KM or MILE", "radiusUnit")
    try:
        radius = float(q.get("radius") or 5)
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "invalid query parameter format", "radius") from None
    return radius * (_KM_PER_MILE if unit == "MILE" else 1.0), unit


def _ratings(request: Request) -> set[int] | None:
    raw = request.query_params.get("ratings")
    return {int(r) for r in raw.split(",") if r.strip().isdigit()} if raw else None


def _hotel_list(request: Request, city: geo.City, lat: float, lon: float, radius_km: float, unit: str) -> Response:
    wanted = _ratings(request)
    records = [
        _hotel_record(h, lat, lon, unit)
        for h in hotels.hotels_in(city)
        if geo.distance_km(lat, lon, h.lat, h.lon) <= radius_km and (wanted is None or h.stars in wanted)
    ]
    if not records:
        raise AmadeusError(400, 895, "NOTHING FOUND FOR REQUESTED CITY", "Nothing found for the requested criteria")
    records.sort(key=lambda r: r["distance"]["value"])
    meta = {"count": len(records), "links": {"self": str(request.url)}, "sandbox": True}
    return json_response({"data": records, "meta": meta}, 200, AMADEUS_JSON)


@amadeus_auth.endpoint
async def hotels_by_city(request: Request) -> Response:
    """GET /v1/reference-data/locations/hotels/by-city?cityCode=PAR."""
    code = (request.query_params.get("cityCode") or "").strip().upper()
    if not code:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", "cityCode")
    if len(code) != 3 or not code.isalpha():
        raise AmadeusError(400, 477, "INVALID FORMAT", "invalid query parameter format", "cityCode", "PAR")
    resolved = geo.resolve_city_code(code)
    if resolved is None:
        raise AmadeusError(400, 895, "NOTHING FOUND FOR REQUESTED CITY", "Nothing found for the requested criteria")
    radius = _radius(request)
    city = resolved.city
    return _hotel_list(request, city, city.lat, city.lon, radius[0], radius[1])


@amadeus_auth.endpoint
async def hotels_by_geocode(request: Request) -> Response:
    """GET /v1/reference-data/locations/hotels/by-geocode?latitude=..&longitude=.."""
    lat, lon = _coordinates(request, "latitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AmadeusError(400, 477, "INVALID FORMAT", "coordinates out of range", "latitude")
    radius = _radius(request)
    return _hotel_list(request, geo.locality_at(lat, lon), lat, lon, radius[0], radius[1])


def _stay(request: Request, zone: str | None) -> tuple[date, int, int, int, str]:
    """The stay asked for; a check-in is over once it is over at the hotel (tonight in Los Angeles at 01:00 UTC
    is not)."""
    q = request.query_params
    today = today_in(zone)
    try:
        check_in = date.fromisoformat(q.get("checkInDate") or today.isoformat())
        check_out = date.fromisoformat(q.get("checkOutDate") or (check_in + timedelta(days=1)).isoformat())
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "Date format should be YYYY-MM-DD", "checkInDate") from None
    if check_in < today:
        raise AmadeusError(400, 425, "INVALID DATE", "Check-in date in the past", "checkInDate")
    nights = (check_out - check_in).days
    if not 1 <= nights <= 99:
        raise AmadeusError(
            400, 425, "INVALID DATE", "checkOutDate must be 1 to 99 nights after checkInDate", "checkOutDate"
        )
    try:
        adults = int(q.get("adults") or 1)
        rooms = int(q.get("roomQuantity") or 1)
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", "invalid query parameter format", "adults") from None
    if not 1 <= adults <= 9 or not 1 <= rooms <= 9:
        raise AmadeusError(400, 477, "INVALID FORMAT", "adults and roomQuantity must be 1-9", "adults")
    currency = (q.get("currency") or "").upper()
    if currency and currency not in EUR_RATES:
        raise AmadeusError(400, 477, "INVALID FORMAT", "Currency not supported", "currency")
    return check_in, nights, adults, rooms, currency


def _hotel_block(hotel: hotels.Hotel) -> dict[str, Any]:
    return {
        "type": "hotel",
        "hotelId": hotel.hotel_id,
        "chainCode": hotel.hotel_id[:2],
        "dupeId": str(900_000_000 + stable_seed("dupe", hotel.hotel_id) % 99_999_999),
        "name": hotel.name.upper(),
        "cityCode": hotel.iata_code,
        "latitude": hotel.lat,
        "longitude": hotel.lon,
        "rating": str(hotel.stars),
        "address": {"countryCode": hotel.city.country},
        "amenities": list(hotel.amenities),
        "sandbox": True,
    }


@amadeus_auth.endpoint
async def hotel_offers(request: Request) -> Response:
    """GET /v3/shopping/hotel-offers?hotelIds=..&adults=..&checkInDate=.."""
    raw_ids = ",".join(request.query_params.getlist("hotelIds"))
    ids = [i.strip().upper() for i in raw_ids.split(",") if i.strip()]
    if not ids:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "This attribute is required", "hotelIds")
    best_only = (request.query_params.get("bestRateOnly") or "true").lower() != "false"
    found = [h for h in (hotels.hotel_by_id(i) for i in ids) if h is not None]
    if not found:
        raise AmadeusError(400, 1257, "INVALID PROPERTY CODE", "Provider not found", "hotelIds")
    check_in, nights, adults, rooms, currency = _stay(request, found[0].city.tz)
    data = []
    for hotel in found:
        if not hotels.is_available(hotel, check_in):
            continue
        pay_in = currency or hotels.currency_for(hotel.city.country)
        offers = [
            hotels.build_offer(hotel, check_in, nights, adults, i, rooms, pay_in) for i in range(len(hotels.ROOMS))
        ]
        offers.sort(key=lambda o: float(o["price"]["total"]))
        data.append(
            {
                "type": "hotel-offers",
                "hotel": _hotel_block(hotel),
                "available": True,
                "offers": offers[:1] if best_only else offers,
                "self": str(request.url),
            }
        )
    if not data:
        raise AmadeusError(400, 3664, "NO ROOMS AVAILABLE AT REQUESTED PROPERTY")
    return json_response({"data": data, "meta": {"sandbox": True}}, 200, AMADEUS_JSON)


@amadeus_auth.endpoint
async def hotel_offer(request: Request) -> Response:
    """GET /v3/shopping/hotel-offers/{offerId}: re-prices an offer from its self-describing id."""
    key = hotels.parse_offer_id(request.path_params["offer_id"])
    if key is None:
        raise AmadeusError(404, 1797, "NOT FOUND", "Offer not found or expired", "offerId")
    if key.check_in < today_in(key.hotel.city.tz):
        raise AmadeusError(400, 3664, "NO ROOMS AVAILABLE AT REQUESTED PROPERTY")
    hotel = key.hotel
    offer = hotels.build_offer(hotel, key.check_in, key.nights, key.adults, key.room_index, key.rooms, key.currency)
    body = {
        "data": {"type": "hotel-offers", "hotel": _hotel_block(hotel), "available": True, "offers": [offer]},
        "meta": {"lang": "EN", "sandbox": True},
    }
    return json_response(body, 200, AMADEUS_JSON)
